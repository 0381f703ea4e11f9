"""The generated module, compiled and executed: the ``model(data)`` function that runs.

`load` compiles exactly the text of `emit_module` (cached by that text) and registers it
with `linecache`, so a traceback from inside the model shows the generated line. This
module also holds what every runner needs around that function: the data it takes and
the joint log density (`pa.log_density`'s definition: constrained values, no Jacobian,
normalising constants included) and the pointwise log likelihood.
"""

from __future__ import annotations

import linecache
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping

import numpy as np

from ppladapt.errors import ModelError
from ppladapt.ir import expr as E
from ppladapt.ir.model import Model
from ppladapt_numpyro.emitter import emit_module, module_filename
from ppladapt_numpyro.jax_setup import configure

configure()  # before JAX starts

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpyro  # noqa: E402
from numpyro.infer import log_likelihood as numpyro_log_likelihood  # noqa: E402
from numpyro.infer.util import log_density as numpyro_log_density  # noqa: E402

CACHE_SIZE = 32
LOG_DENSITY_BATCH = 256  # draws evaluated at once when computing lp for a whole run


def joint_log_density(model_fn: Callable, data: Mapping[str, Any], params: Mapping[str, Any]):
    """`pa.log_density` of one draw: NumPyro's log joint at constrained ``params``, with
    distribution validation on, so a value outside a site's support gives -inf (as the
    reference evaluator does) rather than an arbitrary number."""
    with numpyro.validation_enabled():
        return numpyro_log_density(model_fn, (data,), {}, params)[0]


@dataclass(eq=False)
class Program:
    """A compiled NumPyro module: its source and its ``model`` function."""

    code: str
    filename: str
    model_fn: Callable
    _jitted: dict = field(default_factory=dict, repr=False)

    def _jit(self, key: str, fn: Callable) -> Callable:
        if key not in self._jitted:
            self._jitted[key] = jax.jit(fn)
        return self._jitted[key]

    def log_density(self, data: Mapping[str, Any], params: Mapping[str, Any]) -> jax.Array:
        """Joint log density at constrained ``params`` (every prior site)."""
        fn = self._jit("log_density", partial(joint_log_density, self.model_fn))
        return fn(data, params)

    def log_density_draws(
        self, data: Mapping[str, Any], draws: Mapping[str, np.ndarray]
    ) -> np.ndarray:
        """Joint log density of each draw; ``draws`` hold prior-site arrays shaped
        (chain, draw, ...); the result is shaped (chain, draw), float64."""
        lead = np.shape(next(iter(draws.values())))[:2]
        flat = {k: jnp.reshape(jnp.asarray(v), (-1,) + np.shape(v)[2:]) for k, v in draws.items()}

        def many(data, flat):
            n = next(iter(flat.values())).shape[0]
            one = partial(joint_log_density, self.model_fn, data)
            return jax.lax.map(one, flat, batch_size=min(n, LOG_DENSITY_BATCH))

        fn = self._jit("log_density_draws", many)
        return np.asarray(fn(data, flat), dtype=np.float64).reshape(lead)


_PROGRAMS: "OrderedDict[str, Program]" = OrderedDict()
_LOCK = threading.Lock()


def compile_code(code: str, filename: str) -> Program:
    """Compile and execute module text in a fresh namespace (cached by the text)."""
    with _LOCK:
        program = _PROGRAMS.get(code)
        if program is not None:
            _PROGRAMS.move_to_end(code)
            return program
        namespace: dict[str, Any] = {"__name__": "ppladapt_numpyro_generated"}
        linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
        exec(compile(code, filename, "exec"), namespace)
        program = Program(code, filename, namespace["model"])
        _PROGRAMS[code] = program
        if len(_PROGRAMS) > CACHE_SIZE:
            _PROGRAMS.popitem(last=False)
        return program


def load(model: Model) -> tuple[Program, float]:
    """The compiled program of ``model`` and the seconds it took to emit and load."""
    start = time.perf_counter()
    program = compile_code(emit_module(model), module_filename(model))
    return program, time.perf_counter() - start


# ---- data -------------------------------------------------------------------------------
def _data_in_expressions(model: Model) -> set[str]:
    names = set()
    for site in model.sites:
        for node in site.operands():
            names.update(n.name for n in node.walk() if isinstance(n, E.DataRef))
    return names


def model_data(model: Model, observed: bool = True) -> dict[str, Any]:
    """The ``data`` argument of ``model(data)``: every data array as a JAX array on the
    default device; with ``observed=False`` observed entries are None, so the likelihood
    sites are simulated rather than conditioned."""
    hidden = set() if observed else model.observed_names()
    shared = hidden & _data_in_expressions(model)
    if shared:
        raise ModelError(
            f"observed data {', '.join(sorted(map(repr, shared)))} is also used inside the "
            f"model's expressions, so it cannot be simulated; pass a copy of it under another "
            f"name for the expressions (e.g. pa.data('y_input', y)) and observe the original."
        )
    return {d.name: None if d.name in hidden else jnp.asarray(d.value) for d in model.data}


def to_numpy(model: Model, name: str, value: Any) -> np.ndarray:
    """A site's draws as NumPy: float64 for real sites, int64 for integer ones."""
    dtype = np.int64 if model.dtype_of(name) == E.INT else np.float64
    return np.asarray(value).astype(dtype, copy=False)


def log_likelihood(model: Model, program: Program, data: Mapping[str, Any],
                   posterior: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pointwise log likelihood of each likelihood site at each draw of ``posterior``
    (prior-site arrays shaped (chain, draw, ...)); shaped (chain, draw, *batch shape)."""
    priors = {s.name: posterior[s.name] for s in model.priors}
    out = numpyro_log_likelihood(program.model_fn, priors, data, batch_ndims=2)
    return {s.name: np.asarray(out[s.name], dtype=np.float64) for s in model.likelihoods}
