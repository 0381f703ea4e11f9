"""Linear regressions shared by the ARM-book posteriors (kidiq, earnings, mesquite, NES).

Each posterior builds its design matrix ``X`` in NumPy, one column per coefficient in the
order of its ``model.md`` (column 0 the intercept's ones), so ``beta[k]`` (0-based) is
posteriordb's ``beta[k+1]``.
"""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist


def as_real(values) -> np.ndarray:
    """JSON numbers (often stored as ints) as a float64 array."""
    return np.asarray(values, dtype=np.float64)


def design(*columns) -> np.ndarray:
    """An (N, 1 + len(columns)) design matrix: a column of ones, then ``columns``."""
    first = as_real(columns[0])
    return np.column_stack([np.ones_like(first)] + [as_real(c) for c in columns])


def standardize(x, scale: float = 1.0) -> np.ndarray:
    """(x - mean) / (scale * sd), sd with the N - 1 denominator."""
    x = as_real(x)
    return (x - x.mean()) / (scale * x.std(ddof=1))


def _linear_regression(X, y, sigma_prior):
    beta = pa.prior("beta", dist.Flat().expand([X.shape[1]]))
    sigma = pa.prior("sigma", sigma_prior)
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.Normal(X @ beta, sigma), observed=y)


def linear_regression(name: str, X: np.ndarray, y: np.ndarray, sigma_prior=None) -> pa.Model:
    """The model ``name``: y ~ Normal(X @ beta, sigma) with an improper flat prior on
    ``beta`` and ``sigma_prior`` on sigma (default `dist.HalfFlat`, flat on (0, inf))."""
    sigma_prior = dist.HalfFlat() if sigma_prior is None else sigma_prior
    return pa.model(_linear_regression, name=name)(X=as_real(X), y=as_real(y), sigma_prior=sigma_prior)
