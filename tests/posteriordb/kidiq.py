"""The kidiq posteriors (Gelman & Hill, ARM ch. 3-4): child test score on the mother's
IQ, high-school completion and work history."""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist
from tests.posteriordb.regression import as_real, design, linear_regression, standardize


def kidscore_momiq(data: dict) -> pa.Model:
    """kidiq-kidscore_momiq: kid_score ~ beta[1] + beta[2] mom_iq; sigma ~ HalfCauchy(2.5)."""
    X = design(data["mom_iq"])
    return linear_regression("kidscore_momiq", X, data["kid_score"], dist.HalfCauchy(2.5))


def kidscore_momhsiq(data: dict) -> pa.Model:
    """kidiq-kidscore_momhsiq: beta[2] multiplies mom_hs, beta[3] mom_iq."""
    X = design(data["mom_hs"], data["mom_iq"])
    return linear_regression("kidscore_momhsiq", X, data["kid_score"], dist.HalfCauchy(2.5))


def kidscore_interaction(data: dict) -> pa.Model:
    """kidiq-kidscore_interaction: mom_hs, mom_iq and their product."""
    mom_hs, mom_iq = as_real(data["mom_hs"]), as_real(data["mom_iq"])
    X = design(mom_hs, mom_iq, mom_hs * mom_iq)
    return linear_regression("kidscore_interaction", X, data["kid_score"], dist.HalfCauchy(2.5))


def kidscore_interaction_z(data: dict) -> pa.Model:
    """kidiq_with_mom_work-kidscore_interaction_z: predictors standardised by two sd."""
    z_mom_hs = standardize(data["mom_hs"], scale=2.0)
    z_mom_iq = standardize(data["mom_iq"], scale=2.0)
    X = design(z_mom_hs, z_mom_iq, z_mom_hs * z_mom_iq)
    return linear_regression("kidscore_interaction_z", X, data["kid_score"])


@pa.model
def kidscore_mom_work(work, kid_score):
    """kid_score ~ Normal(beta[0] + offset[work], sigma), offset = [0, beta[1:]]: level 0
    (posteriordb's mom_work == 1) is the baseline; flat priors on beta and sigma."""
    beta = pa.prior("beta", dist.Flat().expand([4]))
    sigma = pa.prior("sigma", dist.HalfFlat())
    offset = pa.math.concatenate([np.zeros(1), beta[1:]])
    with pa.plate("obs", len(kid_score)):
        pa.likelihood("kid_score", dist.Normal(beta[0] + offset[work], sigma), observed=kid_score)


def kidscore_mom_work_model(data: dict) -> pa.Model:
    """kidiq_with_mom_work-kidscore_mom_work, written as an integer-index gather: the
    1-based code mom_work becomes the 0-based level ``work``."""
    work = np.asarray(data["mom_work"], dtype=np.int64) - 1
    return kidscore_mom_work(work=work, kid_score=as_real(data["kid_score"]))
