"""diamonds-diamonds: brms-style linear regression of log price on 24 collinear
predictors, centred design, Student-t priors (N = 5000).

posteriordb's ``sigma`` has a half-Student-t(3, 0, 10) prior. The IR has no half
Student-t (nor a truncation), so ``sigma`` is written as the absolute value of a
Student-t(3, 0, 10) variable ``sigma_raw``. The likelihood depends on ``sigma_raw`` only
through ``|sigma_raw|`` and the prior is symmetric, so ``sigma = |sigma_raw|`` has
exactly the half-Student-t posterior (each chain stays on one side of 0, where the
likelihood vanishes). The joint log density differs from the half-t model's by the
constant log 2.
"""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist
from tests.posteriordb.regression import as_real


@pa.model
def diamonds(Xc, Y):
    """Y ~ Normal(Intercept + Xc @ b, sigma)."""
    b = pa.prior("b", dist.Normal(0, 1).expand([Xc.shape[1]]))
    intercept = pa.prior("Intercept", dist.StudentT(3, 8, 10))
    sigma_raw = pa.prior("sigma_raw", dist.StudentT(3, 0, 10))
    sigma = pa.deterministic("sigma", pa.math.abs(sigma_raw))
    with pa.plate("obs", len(Y)):
        pa.likelihood("Y", dist.Normal(intercept + Xc @ b, sigma), observed=Y)


def centered_design(X: np.ndarray) -> np.ndarray:
    """Drop the all-ones first column and centre the others at their means."""
    rest = X[:, 1:]
    return rest - rest.mean(axis=0)


def diamonds_model(data: dict) -> pa.Model:
    return diamonds(Xc=centered_design(as_real(data["X"])), Y=as_real(data["Y"]))
