"""The modelling primitives: `model`, `prior`, `deterministic`, `likelihood`, `factor`,
`plate`, `data`."""

from __future__ import annotations

import functools
import inspect
import numbers
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Sequence

import numpy as np

from ppladapt.errors import ModelError
from ppladapt.frontend import ops
from ppladapt.frontend import trace as tracing
from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.model import Deterministic, Factor, Likelihood, Model, Plate, Prior
from ppladapt.ir.validate import at_site, check_name

REPARAMS = (None, "noncentered")


class ModelFunction:
    """A function decorated with `@pa.model`: calling it with data traces it into a `Model`."""

    def __init__(self, fn: Callable, name: Optional[str] = None):
        self.fn = fn
        self.name = name or fn.__name__
        self.signature = inspect.signature(fn)
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Model:
        try:
            bound = self.signature.bind(*args, **kwargs)
        except TypeError as err:
            raise ModelError(f"model '{self.name}': {err}") from None
        bound.apply_defaults()
        trace = tracing.Trace(self.name)
        token = tracing.start(trace)
        try:
            args = [_argument(trace, self._arg_name(i, bound), v) for i, v in enumerate(bound.args)]
            kwargs = {k: _argument(trace, k, v) for k, v in bound.kwargs.items()}
            self.fn(*args, **kwargs)
        finally:
            tracing.stop(token)
        return trace.build()

    def _arg_name(self, position: int, bound: inspect.BoundArguments) -> str:
        """Data name for the positional argument at ``position``: the parameter's name,
        or ``{name}_{i}`` for the i-th value of a ``*args`` parameter."""
        for name, param in self.signature.parameters.items():
            if param.kind == param.VAR_POSITIONAL:
                fixed = len(bound.args) - len(bound.arguments.get(name, ()))
                return name if position < fixed else f"{name}_{position - fixed}"
        return list(self.signature.parameters)[position]

    def __repr__(self) -> str:
        return f"<ppladapt model function {self.name}{self.signature}>"


def _argument(trace: tracing.Trace, name: str, value: Any) -> Any:
    """Arrays become data named after the argument; numbers and the rest pass through."""
    if isinstance(value, (bool, numbers.Number, str)) or value is None:
        return value
    if isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "__array__"):
        array = np.asarray(value)
        if array.dtype.kind in "biuf" and array.ndim > 0:
            return trace.add_data(name, array)
    return value


def model(fn: Optional[Callable] = None, *, name: Optional[str] = None):
    """Decorate a function that declares a model; calling it with data returns a `Model`.

    Array arguments become data named after the argument (integer arrays are integer
    data); Python ints and floats stay constants.
    """
    if fn is None:
        return lambda f: ModelFunction(f, name)
    return ModelFunction(fn, name)


def _site_ref(name: str, shape, dtype: str, plates) -> E.SiteRef:
    return E.SiteRef(name, tuple(shape), dtype, tuple(plates))


def _build_distribution(distribution: Any) -> Distribution:
    from ppladapt.dist import DistributionCall

    if not isinstance(distribution, DistributionCall):
        raise ModelError(
            f"expected a distribution from ppladapt.dist (e.g. dist.Normal(0, 1)), got "
            f"{type(distribution).__name__}."
        )
    return distribution.build()


def prior(name: str, distribution: Any, reparam: Optional[str] = None) -> E.SiteRef:
    """Declare a latent random variable; returns its value for use in expressions.

    ``reparam="noncentered"`` samples ``{name}_z`` from the standard family and defines
    ``name = loc + scale * {name}_z`` (``exp(...)`` for LogNormal) as a deterministic.
    """
    trace = tracing.current_trace("pa.prior")
    with at_site(name, "prior"):
        check_name(name, "prior")
        if reparam not in REPARAMS:
            raise ModelError(f"reparam must be one of {REPARAMS}, got {reparam!r}.")
        dist = _build_distribution(distribution)
        if reparam == "noncentered":
            return _noncentered(trace, name, dist)
    plates = trace.frame
    shape = trace.add_site(Prior(name, dist, plates))
    return _site_ref(name, shape, trace.checker.refs[name][1], plates)


def _noncentered(trace: tracing.Trace, name: str, dist: Distribution) -> E.SiteRef:
    rule = dist.spec.noncentered
    if rule is None:
        raise ModelError(
            f"reparam='noncentered' needs a location-scale family (Normal, StudentT, Cauchy, "
            f"Laplace or LogNormal), not {dist.name}; drop reparam for this site."
        )
    plates = trace.frame
    base_params = [(k, dist.param(k)) for k in rule.base_params]
    base_params += [("loc", E.Const(0.0)), ("scale", E.Const(1.0))]
    expand = dist.batch_shape if dist.batch_shape and not plates else None
    standard = Distribution(rule.base, tuple(base_params), expand)
    z_name = f"{name}_z"
    z_shape = trace.add_site(Prior(z_name, standard, plates))
    z = _site_ref(z_name, z_shape, E.REAL, plates)
    value = ops.binary("add", dist.param(rule.loc), ops.binary("mul", dist.param(rule.scale), z))
    if rule.exp:
        value = E.Unary("exp", value)
    return deterministic(name, value)


def deterministic(name: str, expr: Any) -> E.SiteRef:
    """Declare a named function of other sites, reported with the posterior."""
    trace = tracing.current_trace("pa.deterministic")
    with at_site(name, "deterministic"):
        node = ops.as_expr(expr)
    shape = trace.add_site(Deterministic(name, node, trace.frame))
    _, dtype, frame = trace.checker.refs[name]
    return _site_ref(name, shape, dtype, frame)


def likelihood(name: str, distribution: Any, observed: Any = None) -> Optional[E.DataRef]:
    """Declare an observed random variable. ``observed`` may be omitted only for prior
    predictive simulation. Returns the observed data (None when not observed)."""
    trace = tracing.current_trace("pa.likelihood")
    with at_site(name, "likelihood"):
        check_name(name, "likelihood")
        dist = _build_distribution(distribution)
        if dist.spec.improper:
            raise ModelError(f"{dist.name} is an improper prior; a likelihood needs a proper distribution.")
        observed_ref = _observed(trace, name, observed)
    observed_name = None if observed_ref is None else observed_ref.name
    trace.add_site(Likelihood(name, dist, trace.frame, observed_name))
    return observed_ref


def factor(name: str, log_weight: Any) -> None:
    """Add ``log_weight`` to the model's log density (as ``numpyro.factor``, PyMC's
    ``pm.Potential`` or Stan's ``target +=``): a custom likelihood term, such as a
    marginalised mixture, or an extra prior term.

    The sum of its elements is added; inside plates it is first broadcast to the plates'
    sizes, so a term that does not vary along a plate counts once per element. A factor
    has no value: it appears in no output group, and prior predictive draws cannot honour
    it (`pa.prior_predictive` warns)."""
    trace = tracing.current_trace("pa.factor")
    with at_site(name, "factor"):
        check_name(name, "factor")
        if isinstance(log_weight, numbers.Integral) and not isinstance(log_weight, bool):
            log_weight = float(log_weight)  # a Python int is a real constant here
        node = ops.align(ops.as_expr(log_weight), trace.frame)
    trace.add_site(Factor(name, node, trace.frame))


def _observed(trace: tracing.Trace, name: str, observed: Any) -> Optional[E.DataRef]:
    if observed is None:
        return None
    if isinstance(observed, E.DataRef):
        return observed
    if isinstance(observed, E.Expr):
        raise ModelError(
            "observed must be data (an array or a model argument), not an expression of "
            "random variables; transform the data before passing it in."
        )
    return trace.add_data(name, observed)


def data(name: str, value: Any, dims: Optional[Sequence[str]] = None) -> E.DataRef:
    """Declare named data; ``dims`` names its axes in the output."""
    return tracing.current_trace("pa.data").add_data(name, value, dims)


@contextmanager
def plate(name: str, size: int, coords: Optional[Sequence] = None) -> Iterator[Plate]:
    """Sites declared inside are ``size`` independent copies along dimension ``name``.

    Nested plates add dimensions outermost first; a value from an outer plate broadcasts
    along inner plates. ``coords`` labels the dimension in the output.
    """
    trace = tracing.current_trace("pa.plate")
    entered = trace.enter_plate(name, size, coords)
    try:
        yield entered
    finally:
        trace.exit_plate()
