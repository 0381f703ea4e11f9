"""arK-arK: an AR(K) series as a regression on its observed lags (K = 5)."""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist
from tests.posteriordb.regression import as_real


def lag_matrix(y: np.ndarray, k: int) -> np.ndarray:
    """Rows t = k..T-1 (0-based), column j holding y[t - 1 - j]: the lags 1..k."""
    t = len(y)
    return np.column_stack([y[k - lag: t - lag] for lag in range(1, k + 1)])


@pa.model
def arK(lags, y_tail):  # noqa: N802 (posteriordb's model name)
    """y[t] ~ Normal(alpha + sum_k beta[k] y[t - k], sigma) for t > K."""
    alpha = pa.prior("alpha", dist.Normal(0, 10))
    beta = pa.prior("beta", dist.Normal(0, 10).expand([lags.shape[1]]))
    sigma = pa.prior("sigma", dist.HalfCauchy(2.5))
    with pa.plate("time", len(y_tail)):
        pa.likelihood("y", dist.Normal(alpha + lags @ beta, sigma), observed=y_tail)


def ark_model(data: dict) -> pa.Model:
    y, k = as_real(data["y"]), int(data["K"])
    return arK(lags=lag_matrix(y, k), y_tail=y[k:])
