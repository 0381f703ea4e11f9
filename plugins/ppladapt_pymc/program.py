"""The generated module, compiled and executed: ``model(data)`` building the ``pm.Model``.

`load` compiles exactly the text of `emit_module` (cached by that text; registered with
`linecache`, so a traceback from inside the model shows the generated line). `build`
runs it on the IR model's data. `Densities` holds what every runner needs
around the built model, compiled once per model and data (and cached): the joint log
density as `pa.log_density` defines it (constrained values, no Jacobian, normalising
constants included) and the pointwise log likelihood.

Densities are compiled on a copy of the model without value transforms
(``remove_value_transforms``), so their inputs are the constrained values themselves
and a value outside a site's support gives ``-inf``, as the reference evaluator does.
Also here: the settings every runner uses around PyMC (`blas_threads`, `numpy_casting`,
`quiet_logs`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pymc as pm
import pytensor
from pymc.model.transform.conditioning import remove_value_transforms
from pymc.pytensorf import compile as compile_pymc
from threadpoolctl import threadpool_limits

from ppladapt.codegen.emitter import execute
from ppladapt.errors import BackendError, PPLAdaptError
from ppladapt.ir import expr as E
from ppladapt.ir.model import Model
from ppladapt_pymc.emitter import emit_module, module_filename

CACHE_SIZE = 32
BLAS_THREADS = 1  # per chain, as PyMC intends (its blas_cores="auto" is one per process)


def blas_threads():
    """At most `BLAS_THREADS` BLAS threads in this process while PyMC runs.

    PyMC limits BLAS to one thread per chain except when it forks its workers (Linux),
    where it skips the limit (pymc#7354); with the small matrices of a log density,
    OpenBLAS threads then cost far more than they give (LKJ model: 11.6 s against 1.4 s
    on two busy cores), so the backend sets the limit itself."""
    return threadpool_limits(limits=BLAS_THREADS)


@contextlib.contextmanager
def quiet_logs(quiet: bool = True):
    """PyMC's INFO messages ("Sampling: [mu, y]") silenced while ``quiet``."""
    logger = logging.getLogger("pymc")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def numpy_casting():
    """PyTensor's NumPy casting policy, under which a Python float becomes a float64
    constant. The generated code builds the model under it; runners build PyMC's log
    density graphs under it too, since PyMC's own terms (``pt.log(2)`` in HalfCauchy)
    would otherwise be float32 constants, off by about 1e-9 relative."""
    return pytensor.config.change_flags(cast_policy="numpy+floatX")


@dataclass(eq=False)
class Program:
    """A compiled PyMC module: its source and its ``model`` function."""

    code: str
    filename: str
    model_fn: Callable


_PROGRAMS: "OrderedDict[str, Program]" = OrderedDict()
_DENSITIES: "OrderedDict[tuple, Densities]" = OrderedDict()
_LOCK = threading.Lock()


def _remember(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    if len(cache) > CACHE_SIZE:
        cache.popitem(last=False)


def compile_code(code: str, filename: str) -> Program:
    """Compile and execute module text in a fresh namespace (cached by the text)."""
    with _LOCK:
        program = _PROGRAMS.get(code)
        if program is not None:
            _PROGRAMS.move_to_end(code)
            return program
        namespace = execute(code, filename, "ppladapt_pymc_generated")
        program = Program(code, filename, namespace["model"])
        _remember(_PROGRAMS, code, program)
        return program


def load(model: Model) -> Program:
    """The compiled program of ``model``."""
    return compile_code(emit_module(model), module_filename(model))


def model_data(model: Model) -> dict[str, np.ndarray]:
    """The ``data`` argument of ``model(data)``: every data array, as NumPy."""
    return {d.name: np.asarray(d.value) for d in model.data}


def build(model: Model) -> tuple[Program, pm.Model, float]:
    """The program of ``model``, the ``pm.Model`` it builds from the model's data, and the
    seconds that took (emitting, loading and building the graph)."""
    start = time.perf_counter()
    program = load(model)
    try:
        pymc_model = program.model_fn(model_data(model))
    except PPLAdaptError:
        raise
    except Exception as err:
        raise BackendError(
            f"building the PyMC model '{model.name}' failed: {type(err).__name__}: {err} "
            f"(the generated code is shown by pa.to_code(model, 'pymc'))."
        ) from err
    return program, pymc_model, time.perf_counter() - start


def to_numpy(model: Model, name: str, value: Any) -> np.ndarray:
    """A site's draws as NumPy: float64 for real sites, int64 for integer ones."""
    dtype = np.int64 if model.dtype_of(name) == E.INT else np.float64
    return np.asarray(value).astype(dtype, copy=False)


# ---- densities ------------------------------------------------------------------------------
@dataclass(eq=False)
class Densities:
    """Compiled joint log density and pointwise log likelihood of one model and its data,
    as functions of the prior sites' constrained values (in site order)."""

    priors: tuple[str, ...]
    shapes: dict[str, tuple[int, ...]]
    likelihoods: tuple[str, ...]
    joint_fn: Callable
    _model: pm.Model
    _loglik_fn: Callable = field(default=None, repr=False)

    def _inputs(self, values: Mapping[str, Any]) -> list[np.ndarray]:
        return [np.asarray(values[name], dtype=np.float64) for name in self.priors]

    def joint(self, values: Mapping[str, Any]) -> float:
        """`pa.log_density` at one point (a value for every prior site)."""
        return float(self.joint_fn(*self._inputs(values)))

    def _flat_draws(self, draws: Mapping[str, np.ndarray]) -> tuple[tuple[int, ...], list]:
        lead = np.shape(draws[self.priors[0]])[:2] if self.priors else (1, 1)
        flat = [
            np.reshape(np.asarray(draws[n], dtype=np.float64), (-1,) + self.shapes[n])
            for n in self.priors
        ]
        return lead, flat

    def joint_draws(self, draws: Mapping[str, np.ndarray]) -> np.ndarray:
        """The joint log density of every draw; ``draws`` hold prior-site arrays shaped
        (chain, draw, ...); the result is shaped (chain, draw), float64."""
        lead, flat = self._flat_draws(draws)
        out = np.empty(int(np.prod(lead)))
        with blas_threads():
            for i in range(out.size):
                out[i] = self.joint_fn(*(a[i] for a in flat))
        return out.reshape(lead)

    def log_likelihood_draws(self, draws: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Pointwise log likelihood of each likelihood site at each draw, shaped
        (chain, draw, *batch shape of the site)."""
        if self._loglik_fn is None:
            observed = [self._model[name] for name in self.likelihoods]
            with numpy_casting():
                terms = self._model.logp(vars=observed, jacobian=False, sum=False)
            self._loglik_fn = _compile(self._model, self.priors, terms)
        lead, flat = self._flat_draws(draws)
        with blas_threads():
            rows = [self._loglik_fn(*(a[i] for a in flat)) for i in range(int(np.prod(lead)))]
        return {
            name: np.stack([np.asarray(r[k], dtype=np.float64) for r in rows]).reshape(
                lead + np.shape(rows[0][k]))
            for k, name in enumerate(self.likelihoods)
        }


def _compile(pymc_model: pm.Model, priors: tuple[str, ...], outputs) -> Callable:
    """A function of the priors' values; PyMC's compile turns a parameter outside its
    domain into -inf (as ``model.compile_logp`` does) rather than an exception."""
    inputs = [pymc_model.rvs_to_values[pymc_model[name]] for name in priors]
    return compile_pymc(inputs, outputs, on_unused_input="ignore")


def _data_digest(model: Model) -> tuple:
    return tuple(
        (d.name, str(d.value.dtype), d.value.shape, hashlib.sha1(d.value.tobytes()).hexdigest())
        for d in model.data
    )


def densities(model: Model) -> Densities:
    """The compiled `Densities` of ``model`` (cached by the code and the data)."""
    key = (emit_module(model), _data_digest(model))
    with _LOCK:
        found = _DENSITIES.get(key)
        if found is not None:
            _DENSITIES.move_to_end(key)
            return found
    _, pymc_model, _ = build(model)
    untransformed = remove_value_transforms(pymc_model)
    priors = tuple(s.name for s in model.priors)
    with numpy_casting():
        joint = untransformed.logp(jacobian=False)
    made = Densities(
        priors=priors,
        shapes={n: model.shape_of(n) for n in priors},
        likelihoods=tuple(s.name for s in model.likelihoods),
        joint_fn=_compile(untransformed, priors, joint),
        _model=untransformed,
    )
    with _LOCK:
        _remember(_DENSITIES, key, made)
    return made
