"""diamonds-diamonds: brms-style linear regression of log price on 24 collinear
predictors, centred design, Student-t priors and a half-Student-t(3, 0, 10) prior on
``sigma`` (N = 5000).
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
    sigma = pa.prior("sigma", dist.HalfStudentT(3, 10))
    with pa.plate("obs", len(Y)):
        pa.likelihood("Y", dist.Normal(intercept + Xc @ b, sigma), observed=Y)


def centered_design(X: np.ndarray) -> np.ndarray:
    """Drop the all-ones first column and centre the others at their means."""
    rest = X[:, 1:]
    return rest - rest.mean(axis=0)


def diamonds_model(data: dict) -> pa.Model:
    return diamonds(Xc=centered_design(as_real(data["X"])), Y=as_real(data["Y"]))
