"""The generated module, compiled and executed, and what every runner does with it.

`load` compiles exactly the text of `emit_module` (cached by that text) and registers it
with `linecache`, so a traceback from inside the model shows the generated line. The
``model`` function is wrapped in `GeneratedModel`, which pickles as its source text:
parallel chains run in worker processes started with "spawn", which rebuild the model
from that text.

`trace_draws` runs the model once per draw: conditioned on the draw's prior values (for
deterministics, the joint log density ``lp``, the pointwise log likelihood, posterior
predictive draws) or not (prior predictive draws). The joint log density is
`pa.log_density`'s: constrained values, no Jacobian, normalising constants included, and
-inf for a value outside a site's support (as the reference evaluator and NumPyro give).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from pyro import poutine
from pyro.poutine.util import site_is_subsample

from ppladapt.backend import simulated_data
from ppladapt.codegen.emitter import execute
from ppladapt.ir import expr as E
from ppladapt.ir.model import Model
from ppladapt_pyro.emitter import PyroEmitter
from ppladapt_pyro.subsample import Subsample

CACHE_SIZE = 32


class GeneratedModel:
    """The ``model(data)`` function of generated code; pickles as that code."""

    def __init__(self, code: str, filename: str, fn: Callable):
        self.code = code
        self.filename = filename
        self.fn = fn

    def __call__(self, data: Mapping[str, Any]) -> None:
        return self.fn(data)

    def __reduce__(self):
        return compile_code, (self.code, self.filename)

    def __repr__(self) -> str:
        return f"GeneratedModel({self.filename!r})"


_PROGRAMS: "OrderedDict[str, GeneratedModel]" = OrderedDict()
_LOCK = threading.Lock()


def compile_code(code: str, filename: str) -> GeneratedModel:
    """Compile and execute module text in a fresh namespace (cached by the text)."""
    with _LOCK:
        program = _PROGRAMS.get(code)
        if program is not None:
            _PROGRAMS.move_to_end(code)
            return program
        namespace = execute(code, filename, "ppladapt_pyro_generated")
        program = GeneratedModel(code, filename, namespace["model"])
        _PROGRAMS[code] = program
        if len(_PROGRAMS) > CACHE_SIZE:
            _PROGRAMS.popitem(last=False)
        return program


def load(model: Model, subsample: Optional[Subsample] = None) -> tuple[GeneratedModel, float]:
    """The compiled program of ``model`` (the mini-batch SVI one with ``subsample``) and
    the seconds it took to emit and load."""
    start = time.perf_counter()
    emitter = PyroEmitter(model, subsample)
    program = compile_code(emitter.module(), emitter.filename())
    return program, time.perf_counter() - start


# ---- data and values ----------------------------------------------------------------------
def float_observations(model: Model) -> set[str]:
    """Data observed by Bernoulli sites: torch's Bernoulli takes float values."""
    return {s.observed for s in model.likelihoods if s.dist.name == "Bernoulli" and s.observed}


def model_data(model: Model, device: torch.device, observed: bool = True) -> dict[str, Any]:
    """The ``data`` argument of ``model(data)``: every data array as a tensor on
    ``device``, float64 or int64 (see the generated module's docstring); with
    ``observed=False`` observed entries are None, so the likelihoods are simulated."""
    hidden = simulated_data(model, observed)
    floats = float_observations(model)
    out: dict[str, Any] = {}
    for entry in model.data:
        if entry.name in hidden:
            out[entry.name] = None
            continue
        real = entry.dtype == E.REAL or entry.name in floats
        dtype = torch.float64 if real else torch.int64
        out[entry.name] = torch.tensor(np.asarray(entry.value), dtype=dtype, device=device)
    return out


def to_numpy(model: Model, name: str, value: Any) -> np.ndarray:
    """A site's values as NumPy: float64 for real sites, int64 for integer ones."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    dtype = np.int64 if model.dtype_of(name) == E.INT else np.float64
    return np.asarray(value).astype(dtype, copy=False)


def as_tensors(arrays: Mapping[str, np.ndarray], lead_ndim: int, device: torch.device) -> dict:
    """Draw arrays shaped (*lead, ...) as float64 tensors shaped (n, ...)."""
    out = {}
    for name, value in arrays.items():
        value = np.asarray(value, dtype=np.float64)
        out[name] = torch.as_tensor(value.reshape((-1,) + value.shape[lead_ndim:]), device=device)
    return out


# ---- the model, run once per draw --------------------------------------------------------------
def _random_sites(trace) -> list[dict]:
    """The trace's sample sites that carry a density (not plates' subsample sites and not
    deterministics)."""
    return [
        site for site in trace.nodes.values()
        if site["type"] == "sample" and not site_is_subsample(site)
        and not site["infer"].get("_deterministic", False)
    ]


def trace_log_density(trace) -> torch.Tensor:
    """The joint log density of a model trace: -inf when a value lies outside its site's
    support (checked first: some log densities fail rather than return -inf there)."""
    for site in _random_sites(trace):
        if not bool(site["fn"].support.check(site["value"]).all()):
            return torch.tensor(-float("inf"))
    return trace.log_prob_sum()


def pointwise_log_likelihood(model: Model, trace, name: str) -> torch.Tensor:
    """Log likelihood of site ``name`` per observation (its batch shape): a site in no
    plate was written as one event (``.to_event``), which is undone here."""
    fn, value = trace.nodes[name]["fn"], trace.nodes[name]["value"]
    site = model.site(name)
    if not site.plates and site.dist.batch_shape and isinstance(fn, dist.Independent):
        fn = fn.base_dist
    return fn.log_prob(value)


def run_once(program: Callable, data: Mapping[str, Any], values: Optional[Mapping] = None):
    """A trace of one run of the model, conditioned on ``values`` when given (with
    distribution validation off: out-of-support values are handled by
    `trace_log_density`)."""
    fn = program if values is None else poutine.condition(program, values)
    with pyro.validation_enabled(False):
        return poutine.trace(fn).get_trace(data)


def trace_draws(
    model: Model,
    program: Callable,
    data: Mapping[str, Any],
    draws: Optional[Mapping[str, np.ndarray]] = None,
    *,
    lead: tuple[int, ...],
    collect: Sequence[str] = (),
    lp: bool = False,
    log_likelihood: bool = False,
    device: torch.device = torch.device("cpu"),
) -> dict[str, dict[str, np.ndarray]]:
    """Run the model once per draw and gather what is asked for.

    ``draws``: prior-site arrays shaped (*lead, ...) to condition on, or None to run the
    model forward ``prod(lead)`` times (prior predictive). Returns ``{"values": site ->
    array (*lead, ...)}`` for the sites in ``collect``, ``{"lp": (*lead)}`` and
    ``{"log_likelihood": site -> (*lead, *batch)}`` as asked.
    """
    count = int(np.prod(lead))
    flat = as_tensors(draws, len(lead), device) if draws else {}
    values: dict[str, list] = {name: [] for name in collect}
    lps: list = []
    loglik: dict[str, list] = {s.name: [] for s in model.likelihoods} if log_likelihood else {}
    with torch.no_grad(), pyro.validation_enabled(False):
        for i in range(count):
            condition = {name: value[i] for name, value in flat.items()} if draws else None
            trace = run_once(program, data, condition)
            for name in collect:
                values[name].append(trace.nodes[name]["value"])
            if lp:
                lps.append(trace_log_density(trace))
            for name in loglik:
                loglik[name].append(pointwise_log_likelihood(model, trace, name))
    out: dict[str, Any] = {}
    out["values"] = {
        name: to_numpy(model, name, torch.stack(v)).reshape(lead + model.shape_of(name))
        for name, v in values.items()
    }
    if lp:
        out["lp"] = torch.stack(lps).cpu().numpy().astype(np.float64).reshape(lead)
    if log_likelihood:
        out["log_likelihood"] = {
            name: torch.stack(v).cpu().numpy().astype(np.float64).reshape(lead + v[0].shape)
            for name, v in loglik.items()
        }
    return out
