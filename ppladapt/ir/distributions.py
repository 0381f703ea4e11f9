"""The distribution registry, declared as data, and the IR's `Distribution` node.

Each `DistSpec` lists a family's parameters (names as in NumPyro/Pyro) with their
constraints and event dims, its support, and how it decentres. Backends map from these
names with one table each; nothing here knows any backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ppladapt.errors import ModelError
from ppladapt.ir.expr import INT, REAL, Const, Expr, broadcast_shapes

Shape = tuple[int, ...]

# Constraint kinds (parameter constraints and supports).
REAL_LINE = "real"
POSITIVE = "positive"
UNIT_INTERVAL = "unit_interval"
INTERVAL = "interval"  # bounds given by parameters `low` and `high`
SIMPLEX = "simplex"
CORR_CHOLESKY = "corr_cholesky"
POSITIVE_DEFINITE = "positive_definite"
LOWER_CHOLESKY = "lower_cholesky"
BOOLEAN = "boolean"
NONNEGATIVE_INTEGER = "nonnegative_integer"
INTEGER_INTERVAL = "integer_interval"  # 0..`high` (a parameter)
CATEGORY = "category"  # 0..K-1, K the last dim of the probability parameter
POSITIVE_INTEGER = "positive_integer"


@dataclass(frozen=True)
class Constraint:
    """A set of values: ``kind`` plus, for bounded kinds, the parameters that bound it."""

    kind: str
    low: Optional[str] = None
    high: Optional[str] = None

    @property
    def is_discrete(self) -> bool:
        return self.kind in (BOOLEAN, NONNEGATIVE_INTEGER, INTEGER_INTERVAL, CATEGORY)


@dataclass(frozen=True)
class Param:
    """One distribution parameter."""

    name: str
    constraint: Constraint
    event_ndim: int = 0
    dtype: str = REAL
    static: bool = False  # a Python int fixed when the model is built (LKJ dimension)


@dataclass(frozen=True)
class NonCentered:
    """How ``reparam="noncentered"`` rewrites a site: x = out(loc + scale * z)."""

    loc: str
    scale: str
    base: str  # family of the standard variable z
    base_params: tuple[str, ...] = ()  # parameters carried over to z (StudentT's df)
    exp: bool = False  # LogNormal: x = exp(loc + scale * z)


@dataclass(frozen=True)
class DistSpec:
    """A distribution family."""

    name: str
    params: tuple[Param, ...]
    support: Constraint
    choices: tuple[str, ...] = ()  # exactly one of these parameters must be given
    improper: bool = False
    noncentered: Optional[NonCentered] = None

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    @property
    def discrete(self) -> bool:
        return self.support.is_discrete


def _c(kind: str, low: Optional[str] = None, high: Optional[str] = None) -> Constraint:
    return Constraint(kind, low, high)


_real, _pos, _unit = _c(REAL_LINE), _c(POSITIVE), _c(UNIT_INTERVAL)


def _loc_scale(base: str, exp: bool = False, base_params: tuple[str, ...] = ()) -> NonCentered:
    return NonCentered("loc", "scale", base, base_params, exp)


REGISTRY: dict[str, DistSpec] = {
    spec.name: spec
    for spec in (
        DistSpec("Normal", (Param("loc", _real), Param("scale", _pos)), _real,
                 noncentered=_loc_scale("Normal")),
        DistSpec("HalfNormal", (Param("scale", _pos),), _pos),
        DistSpec("HalfCauchy", (Param("scale", _pos),), _pos),
        DistSpec("Cauchy", (Param("loc", _real), Param("scale", _pos)), _real,
                 noncentered=_loc_scale("Cauchy")),
        DistSpec("StudentT", (Param("df", _pos), Param("loc", _real), Param("scale", _pos)), _real,
                 noncentered=_loc_scale("StudentT", base_params=("df",))),
        DistSpec("HalfStudentT", (Param("df", _pos), Param("scale", _pos)), _pos),
        DistSpec("Exponential", (Param("rate", _pos),), _pos),
        DistSpec("Gamma", (Param("concentration", _pos), Param("rate", _pos)), _pos),
        DistSpec("InverseGamma", (Param("concentration", _pos), Param("rate", _pos)), _pos),
        DistSpec("LogNormal", (Param("loc", _real), Param("scale", _pos)), _pos,
                 noncentered=_loc_scale("Normal", exp=True)),
        DistSpec("Beta", (Param("concentration1", _pos), Param("concentration0", _pos)), _unit),
        DistSpec("Uniform", (Param("low", _real), Param("high", _real)), _c(INTERVAL, "low", "high")),
        DistSpec("Laplace", (Param("loc", _real), Param("scale", _pos)), _real,
                 noncentered=_loc_scale("Laplace")),
        DistSpec("Bernoulli", (Param("probs", _unit), Param("logits", _real)), _c(BOOLEAN),
                 choices=("probs", "logits")),
        DistSpec("Binomial", (Param("total_count", _c(NONNEGATIVE_INTEGER), dtype=INT),
                              Param("probs", _unit), Param("logits", _real)),
                 _c(INTEGER_INTERVAL, high="total_count"), choices=("probs", "logits")),
        DistSpec("Poisson", (Param("rate", _pos),), _c(NONNEGATIVE_INTEGER)),
        DistSpec("NegativeBinomial2", (Param("mean", _pos), Param("concentration", _pos)),
                 _c(NONNEGATIVE_INTEGER)),
        DistSpec("Categorical", (Param("probs", _c(SIMPLEX), event_ndim=1),
                                 Param("logits", _real, event_ndim=1)),
                 _c(CATEGORY), choices=("probs", "logits")),
        DistSpec("Dirichlet", (Param("concentration", _pos, event_ndim=1),), _c(SIMPLEX)),
        DistSpec("MultivariateNormal", (Param("loc", _real, event_ndim=1),
                                        Param("covariance_matrix", _c(POSITIVE_DEFINITE), event_ndim=2),
                                        Param("scale_tril", _c(LOWER_CHOLESKY), event_ndim=2)),
                 _real, choices=("covariance_matrix", "scale_tril")),
        DistSpec("LKJCholesky", (Param("dimension", _c(POSITIVE_INTEGER), dtype=INT, static=True),
                                 Param("concentration", _pos)), _c(CORR_CHOLESKY)),
        DistSpec("Flat", (), _real, improper=True),
        DistSpec("HalfFlat", (), _pos, improper=True),
    )
}

VALUE_EVENT_NDIM = {"Dirichlet": 1, "MultivariateNormal": 1, "LKJCholesky": 2}


def get_spec(name: str) -> DistSpec:
    """The registered family called ``name``; a `ModelError` listing the families if none."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ModelError(
            f"unknown distribution {name!r}; ppladapt.dist has: {', '.join(sorted(REGISTRY))}."
        ) from None


@dataclass(frozen=True)
class Distribution:
    """A distribution with its parameters bound to expressions.

    ``expand`` is the batch shape asked for by ``.expand()``; ``batch_shape`` and
    ``event_shape`` are computed and checked when the node is built.
    """

    name: str
    params: tuple[tuple[str, Expr], ...]
    expand: Optional[Shape] = None

    def __post_init__(self):
        spec = get_spec(self.name)
        given = dict(self.params)
        for key in given:
            if key not in spec.param_names:
                valid = ", ".join(spec.param_names) or "no parameters"
                raise ModelError(f"{self.name} has no parameter {key!r}; its parameters are: {valid}.")
        missing = [p.name for p in spec.params if p.name not in given and p.name not in spec.choices]
        if missing:
            raise ModelError(f"{self.name} needs parameter(s) {', '.join(missing)}.")
        if spec.choices:
            chosen = [c for c in spec.choices if c in given]
            if len(chosen) != 1:
                raise ModelError(
                    f"{self.name} takes exactly one of {' | '.join(spec.choices)}, got {chosen or 'none'}."
                )
        order = {name: i for i, name in enumerate(spec.param_names)}
        object.__setattr__(self, "params", tuple(sorted(self.params, key=lambda kv: order[kv[0]])))
        batch_parts = []
        for key, expr in self.params:
            p = spec.param(key)
            if p.static and not (isinstance(expr, Const) and isinstance(expr.value, int)):
                raise ModelError(f"{self.name}: {key} must be a Python int, fixed when the model is built.")
            if p.dtype == INT and expr.dtype == REAL:
                raise ModelError(f"{self.name}: {key} must be an integer, got real values.")
            if expr.ndim < p.event_ndim:
                raise ModelError(
                    f"{self.name}: {key} needs at least {p.event_ndim} dim(s), got shape {expr.shape}."
                )
            batch_parts.append(expr.shape[: expr.ndim - p.event_ndim])
        batch = broadcast_shapes(*batch_parts)
        event = self._event_shape(given)
        if self.expand is not None:
            expand = tuple(int(s) for s in self.expand)
            if broadcast_shapes(batch, expand) != expand:
                raise ModelError(f"{self.name}: cannot expand batch shape {batch} to {expand}.")
            object.__setattr__(self, "expand", expand)
            batch = expand
        object.__setattr__(self, "batch_shape", batch)
        object.__setattr__(self, "event_shape", event)

    def _event_shape(self, given: dict[str, Expr]) -> Shape:
        if self.name == "Dirichlet":
            k = given["concentration"].shape[-1]
            if k < 2:
                raise ModelError("Dirichlet: concentration needs at least 2 categories.")
            return (k,)
        if self.name == "MultivariateNormal":
            k = given["loc"].shape[-1]
            matrix = given.get("covariance_matrix", given.get("scale_tril"))
            if matrix.shape[-2:] != (k, k):
                raise ModelError(
                    f"MultivariateNormal: loc has {k} dims but the matrix has shape {matrix.shape[-2:]}."
                )
            return (k,)
        if self.name == "LKJCholesky":
            d = given["dimension"].value
            if d < 2:
                raise ModelError("LKJCholesky: dimension must be at least 2.")
            return (d, d)
        if self.name == "Categorical":
            k = next(e for key, e in given.items()).shape[-1]
            if k < 2:
                raise ModelError("Categorical: needs at least 2 categories.")
        return ()

    @property
    def spec(self) -> DistSpec:
        return REGISTRY[self.name]

    def param(self, name: str) -> Optional[Expr]:
        """The expression bound to parameter ``name``, or None when not given."""
        return dict(self.params).get(name)

    @property
    def num_categories(self) -> int:
        """K for Categorical (from the last dim of probs/logits)."""
        return self.params[0][1].shape[-1]

    def operands(self) -> tuple[Expr, ...]:
        return tuple(e for _, e in self.params)
