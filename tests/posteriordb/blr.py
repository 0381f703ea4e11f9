"""sblrc-blr and sblri-blr: Bayesian linear regression on a design matrix, no intercept
(the same model on a correlated and a near-orthogonal synthetic design)."""

from __future__ import annotations

import ppladapt as pa
from ppladapt import dist
from tests.posteriordb.regression import as_real


@pa.model
def blr(X, y):
    """y ~ Normal(X @ beta, sigma), beta ~ Normal(0, 10), sigma ~ HalfNormal(10)."""
    beta = pa.prior("beta", dist.Normal(0, 10).expand([X.shape[1]]))
    sigma = pa.prior("sigma", dist.HalfNormal(10))
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.Normal(X @ beta, sigma), observed=y)


def blr_model(data: dict) -> pa.Model:
    return blr(X=as_real(data["X"]), y=as_real(data["y"]))
