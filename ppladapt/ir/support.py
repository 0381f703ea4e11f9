"""NumPy membership tests for the constraint kinds of the registry."""

from __future__ import annotations

from typing import Mapping, Optional

import numpy as np

from ppladapt.ir import distributions as D

_DESCRIPTIONS = {
    D.REAL_LINE: "finite real numbers",
    D.POSITIVE: "positive numbers (> 0)",
    D.UNIT_INTERVAL: "numbers in [0, 1]",
    D.INTERVAL: "numbers in [low, high]",
    D.SIMPLEX: "non-negative vectors summing to 1",
    D.CORR_CHOLESKY: "Cholesky factors of correlation matrices",
    D.POSITIVE_DEFINITE: "symmetric positive-definite matrices",
    D.LOWER_CHOLESKY: "lower-triangular matrices with a positive diagonal",
    D.BOOLEAN: "0 or 1",
    D.NONNEGATIVE_INTEGER: "non-negative integers",
    D.INTEGER_INTERVAL: "integers in 0..total_count",
    D.CATEGORY: "integers in 0..K-1 (K categories)",
    D.POSITIVE_INTEGER: "positive integers",
}


def describe(constraint: D.Constraint) -> str:
    """Words for a constraint, for error messages."""
    return _DESCRIPTIONS[constraint.kind]


def _integral(x: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & (np.round(x) == x)


def in_constraint(
    constraint: D.Constraint,
    value: np.ndarray,
    bounds: Optional[Mapping[str, np.ndarray]] = None,
    num_categories: Optional[int] = None,
    tol: float = 1e-6,
) -> bool:
    """Whether every element of ``value`` lies in ``constraint``.

    ``bounds`` maps the parameter names a bounded constraint refers to (``low``,
    ``high``, ``total_count``) to their values; a missing bound is not checked.
    """
    x = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(x)):
        return False
    bounds = bounds or {}
    kind = constraint.kind
    if kind == D.REAL_LINE:
        return True
    if kind == D.POSITIVE:
        return bool(np.all(x > 0))
    if kind == D.UNIT_INTERVAL:
        return bool(np.all((x >= 0) & (x <= 1)))
    if kind == D.INTERVAL:
        low, high = bounds.get(constraint.low), bounds.get(constraint.high)
        ok = np.ones(x.shape, bool)
        if low is not None:
            ok &= x >= low
        if high is not None:
            ok &= x <= high
        return bool(np.all(ok))
    if kind == D.SIMPLEX:
        return bool(np.all(x >= 0) and np.allclose(x.sum(-1), 1.0, atol=tol))
    if kind in (D.LOWER_CHOLESKY, D.CORR_CHOLESKY):
        lower = np.allclose(np.triu(x, 1), 0.0) and np.all(np.diagonal(x, axis1=-2, axis2=-1) > 0)
        if kind == D.CORR_CHOLESKY:
            lower = lower and np.allclose((x**2).sum(-1), 1.0, atol=tol)
        return bool(lower)
    if kind == D.POSITIVE_DEFINITE:
        if not np.allclose(x, np.swapaxes(x, -1, -2)):
            return False
        try:
            np.linalg.cholesky(x)
        except np.linalg.LinAlgError:
            return False
        return True
    if kind == D.BOOLEAN:
        return bool(np.all((x == 0) | (x == 1)))
    if kind == D.NONNEGATIVE_INTEGER:
        return bool(np.all(_integral(x) & (x >= 0)))
    if kind == D.POSITIVE_INTEGER:
        return bool(np.all(_integral(x) & (x >= 1)))
    if kind == D.INTEGER_INTERVAL:
        high = bounds.get(constraint.high)
        ok = _integral(x) & (x >= 0)
        if high is not None:
            ok &= x <= high
        return bool(np.all(ok))
    if kind == D.CATEGORY:
        ok = _integral(x) & (x >= 0)
        if num_categories is not None:
            ok &= x < num_categories
        return bool(np.all(ok))
    raise ValueError(f"unknown constraint kind {kind!r}")
