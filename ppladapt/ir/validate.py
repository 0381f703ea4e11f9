"""Validation of a whole `Model` when it is created: names, references, shapes and data.

Every backend receives a model that passed these checks, so generated code never sees a
bad name, a dangling reference, a shape mismatch or unusable data.
"""

from __future__ import annotations

import keyword
import re
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from ppladapt.errors import DataError, ModelError
from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.evaluate import try_evaluate
from ppladapt.ir.support import describe, in_constraint

if TYPE_CHECKING:
    from ppladapt.ir.model import Model

_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
RESERVED_NAMES = frozenset({"chain", "draw"})


def check_name(name: object, what: str) -> None:
    """A name must be a plain identifier: it becomes a variable in generated code."""
    if (
        not isinstance(name, str)
        or not _IDENTIFIER.match(name)
        or name.endswith("__")
        or keyword.iskeyword(name)
        or name in RESERVED_NAMES
    ):
        raise ModelError(
            f"{what} name {name!r} is not allowed: use letters, digits and underscores, "
            f"starting with a letter (not a Python keyword, not ending in '__', not "
            f"'chain' or 'draw'), e.g. 'beta_1'."
        )


@contextmanager
def at_site(name: str, kind: str = "site"):
    """Prefix any `ModelError` raised inside with the site it concerns."""
    try:
        yield
    except ModelError as err:
        prefix = f"{kind} '{name}'"
        if str(err).startswith(prefix):
            raise
        raise type(err)(f"{prefix}: {err}") from None


class SiteChecker:
    """Checks sites one at a time against the data, plates and sites before them.

    The tracer uses it as each site is declared (errors point at the user's line);
    `validate` replays it over a finished model (for models from JSON).
    """

    def __init__(self, data: dict, plate_sizes: dict[str, int]):
        self.data = data
        self.plate_sizes = plate_sizes
        self.env = {name: entry.value for name, entry in data.items()}
        self.refs: dict[str, tuple] = {}
        self.shapes: dict[str, tuple[int, ...]] = {}

    def add(self, site) -> tuple[int, ...]:
        """Check ``site``; return its value shape."""
        from ppladapt.ir.model import deterministic_frame, factor_value_shape, random_value_shape

        with at_site(site.name, site.kind):
            check_name(site.name, site.kind)
            if site.name in self.shapes:
                raise ModelError(f"the name '{site.name}' is already used by another site.")
            for p in site.plates:
                if p not in self.plate_sizes:
                    raise ModelError(f"unknown plate {p!r}.")
            if site.kind == "deterministic":
                self._check_expr(site.expr)
                shape = site.expr.shape
                dtype = E.INT if site.expr.dtype == E.BOOL else site.expr.dtype
                sizes = tuple(self.plate_sizes[p] for p in site.plates)
                self.refs[site.name] = (shape, dtype, deterministic_frame(site.expr, site.plates, sizes))
            elif site.kind == "factor":
                self._check_factor(site.expr)
                sizes = tuple(self.plate_sizes[p] for p in site.plates)
                shape = factor_value_shape(site.expr.shape, sizes)
            else:
                self._check_distribution(site.dist)
                sizes = tuple(self.plate_sizes[p] for p in site.plates)
                shape = random_value_shape(site.dist, sizes, "value")
                if site.kind == "prior":
                    dtype = E.INT if site.dist.spec.discrete else E.REAL
                    self.refs[site.name] = (shape, dtype, site.plates)
                elif site.observed is not None:
                    self._check_observed(site, shape)
        self.shapes[site.name] = shape
        return shape

    def _check_expr(self, node: E.Expr) -> None:
        for sub in node.walk():
            if isinstance(sub, E.DataRef):
                entry = self.data.get(sub.name)
                if entry is None:
                    raise ModelError(f"refers to unknown data '{sub.name}'.")
                if (sub.shape, sub.dtype) != (entry.shape, entry.dtype):
                    raise ModelError(f"reference to data '{sub.name}' does not match the data.")
            elif isinstance(sub, E.SiteRef):
                if sub.name not in self.refs:
                    raise ModelError(
                        f"refers to '{sub.name}', which is not an earlier prior or deterministic site."
                    )
                if (sub.shape, sub.dtype, sub.plates) != self.refs[sub.name]:
                    raise ModelError(f"reference to site '{sub.name}' does not match the site.")
            elif isinstance(sub, E.AlignPlates):
                unknown = [p for p in sub.frame if p not in self.plate_sizes]
                if unknown:
                    raise ModelError(f"aligns to unknown plate(s) {unknown}.")
            elif isinstance(sub, E.Index):
                self._check_index_data(sub)

    def _check_factor(self, node: E.Expr) -> None:
        self._check_expr(node)
        if node.dtype != E.REAL:
            raise ModelError(
                f"the log weight must be real-valued, got {node.dtype} values: a factor adds "
                f"a log density. Write a condition as pa.math.where(cond, 0.0, -1e10) and "
                f"integers as x * 1.0."
            )
        with np.errstate(all="ignore"):  # the error below says what went wrong
            value = self._constant_value(node)
        if value is not None and not np.all(np.isfinite(value)):
            raise ModelError(
                f"the log weight is a constant with non-finite values ({_show(value)}); a "
                f"factor must add a finite log density: fix the data or constants it uses."
            )

    def _constant_value(self, node: E.Expr):
        """The value of an expression of data and constants only (else None)."""
        if any(isinstance(sub, E.SiteRef) for sub in node.walk()):
            return None
        return try_evaluate(node, self.env)

    def _check_index_data(self, node: E.Index) -> None:
        for axis, index in node.indexed_axes():
            values = self._constant_value(index)
            if values is None or not values.size:
                continue
            size = node.x.shape[axis]
            if values.min() < 0 or values.max() >= size:
                name = index.name if isinstance(index, E.DataRef) else "an index"
                raise DataError(
                    f"index '{name}' has values in [{values.min()}, {values.max()}] but indexes "
                    f"an axis of size {size}; indices are 0-based, so they must lie in "
                    f"[0, {size - 1}] (subtract 1 from 1-based group codes)."
                )

    def _check_distribution(self, dist: Distribution) -> None:
        spec = dist.spec
        for key, node in dist.params:
            self._check_expr(node)
            value = self._constant_value(node)
            param = spec.param(key)
            if value is not None and not in_constraint(param.constraint, value):
                raise ModelError(
                    f"{dist.name} parameter {key} must be {describe(param.constraint)}, got "
                    f"{_show(value)}; fix the constant or data passed as {key}."
                )
        if spec.support.kind == "interval":
            low, high = (self._constant_value(dist.param(k)) for k in ("low", "high"))
            if low is not None and high is not None and np.any(np.asarray(low) >= np.asarray(high)):
                raise ModelError("Uniform needs low < high.")

    def _check_observed(self, site, shape) -> None:
        entry = self.data.get(site.observed)
        if entry is None:
            raise DataError(f"observed data '{site.observed}' is not in the model's data.")
        if entry.shape != shape:
            plates = ", ".join(f"{p}={self.plate_sizes[p]}" for p in site.plates) or "no plates"
            raise DataError(
                f"observed data '{site.observed}' has shape {entry.shape} but the site has "
                f"shape {shape} (plates: {plates}); pass data of shape {shape} or fix the plate sizes."
            )
        spec = site.dist.spec
        if spec.discrete and entry.dtype != E.INT:
            raise DataError(
                f"{site.dist.name} observations must be integers, got real data; pass "
                f"{site.observed}.astype(int) if the values are whole numbers."
            )
        bounds = {}
        for key in ("low", "high", "total_count"):
            node = site.dist.param(key)
            value = None if node is None else self._constant_value(node)
            if value is not None:
                bounds[key] = np.broadcast_to(value, shape)
        categories = site.dist.num_categories if site.dist.name == "Categorical" else None
        if not in_constraint(spec.support, entry.value, bounds, categories):
            raise DataError(
                f"observed data '{site.observed}' is outside the support of {site.dist.name}: "
                f"values must be {describe(spec.support)}; got {_show(entry.value)}. Check "
                f"the data or choose a distribution whose support contains it."
            )


def validate(model: "Model") -> dict[str, tuple[int, ...]]:
    """Check the whole model; return each site's value shape."""
    check_name(model.name, "model")
    plate_sizes = _check_plates(model)
    data = _check_data(model)
    _check_unique_names(model)
    checker = SiteChecker(data, plate_sizes)
    for site in model.sites:
        checker.add(site)
    return checker.shapes


def _check_plates(model: "Model") -> dict[str, int]:
    sizes: dict[str, int] = {}
    for plate in model.plates:
        check_name(plate.name, "plate")
        if isinstance(plate.size, bool) or not isinstance(plate.size, int) or plate.size < 1:
            raise ModelError(f"plate '{plate.name}': size must be a positive int, got {plate.size!r}.")
        if plate.coords is not None and len(plate.coords) != plate.size:
            raise ModelError(
                f"plate '{plate.name}': {len(plate.coords)} coords for a plate of size {plate.size}."
            )
        sizes[plate.name] = plate.size
    return sizes


def _check_data(model: "Model") -> dict:
    out = {}
    for entry in model.data:
        check_name(entry.name, "data")
        kind = entry.value.dtype.kind
        if kind not in "biuf":
            raise DataError(
                f"data '{entry.name}': dtype {entry.value.dtype} is not numeric; pass a real "
                f"or integer array."
            )
        if kind == "f" and not np.all(np.isfinite(entry.value)):
            bad = "NaN" if np.isnan(entry.value).any() else "inf"
            raise DataError(
                f"data '{entry.name}' contains {bad}; remove or impute those rows before "
                f"building the model."
            )
        if entry.dims is not None:
            if len(entry.dims) != entry.value.ndim:
                raise DataError(f"data '{entry.name}': {len(entry.dims)} dims for a {entry.value.ndim}-d array.")
            for dim in entry.dims:
                check_name(dim, f"data '{entry.name}' dim")
        out[entry.name] = entry
    return out


def _check_unique_names(model: "Model") -> None:
    seen: dict[str, str] = {}
    observed = {s.name: s.observed for s in model.likelihoods}
    for kind, name in (
        [("data", d.name) for d in model.data]
        + [("plate", p.name) for p in model.plates]
        + [(s.kind, s.name) for s in model.sites]
    ):
        check_name(name, kind)
        if name in seen and not (kind == "likelihood" and seen[name] == "data" and observed[name] == name):
            raise ModelError(
                f"the name '{name}' is used twice (a {seen[name]} and a {kind}); give each "
                f"data array, plate and site its own name."
            )
        seen[name] = kind


def _show(value) -> str:
    arr = np.asarray(value)
    if arr.size <= 6:
        return np.array2string(arr, precision=4)
    return f"array of shape {arr.shape} with min {arr.min():.4g}, max {arr.max():.4g}"
