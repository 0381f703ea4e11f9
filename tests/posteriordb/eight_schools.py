"""eight_schools-eight_schools_noncentered: the hierarchical normal meta-analysis,
non-centred (ppladapt's auxiliary ``theta_z`` is posteriordb's ``theta_trans``)."""

from __future__ import annotations

import ppladapt as pa
from ppladapt import dist
from tests.posteriordb.regression import as_real


@pa.model
def eight_schools_noncentered(y, sigma):
    """y[j] ~ Normal(theta[j], sigma[j]), theta = mu + tau * theta_z."""
    mu = pa.prior("mu", dist.Normal(0, 5))
    tau = pa.prior("tau", dist.HalfCauchy(5))
    with pa.plate("school", len(y)):
        theta = pa.prior("theta", dist.Normal(mu, tau), reparam="noncentered")
        pa.likelihood("y", dist.Normal(theta, sigma), observed=y)


def eight_schools_model(data: dict) -> pa.Model:
    return eight_schools_noncentered(y=as_real(data["y"]), sigma=as_real(data["sigma"]))
