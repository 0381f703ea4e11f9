"""low_dim_gauss_mix-low_dim_gauss_mix: a two-component Gaussian mixture (N = 1000) with
the component labels marginalised out and ordered locations.

The IR has no ordered vector, so, as model.md describes, ``mu = (mu_1, mu_1 + mu_gap)``
with ``mu_1`` flat and ``mu_gap > 0`` flat (a map onto the ordered region with unit
Jacobian), and a factor adds the Normal(0, 2) log density of both elements of ``mu``. The
mixture likelihood is a factor per observation: the log-sum-exp of the two weighted
component log densities.
"""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist
from ppladapt import math as pm
from tests.posteriordb.regression import as_real


def normal_lpdf(x, loc, scale):
    """The Normal(loc, scale) log density of ``x``, as an IR expression."""
    return -0.5 * np.log(2 * np.pi) - pm.log(scale) - 0.5 * pm.square((x - loc) / scale)


@pa.model
def low_dim_gauss_mix(y):
    """y[n] ~ theta * Normal(mu[1], sigma[1]) + (1 - theta) * Normal(mu[2], sigma[2])."""
    mu_1 = pa.prior("mu_1", dist.Flat())
    mu_gap = pa.prior("mu_gap", dist.HalfFlat())
    mu = pa.deterministic("mu", pm.stack([mu_1, mu_1 + mu_gap]))
    pa.factor("mu_prior", pm.sum(normal_lpdf(mu, 0.0, 2.0)))
    sigma = pa.prior("sigma", dist.HalfNormal(2.0).expand([2]))
    theta = pa.prior("theta", dist.Beta(5.0, 5.0))
    with pa.plate("obs", len(y)):
        components = pm.stack([pm.log(theta) + normal_lpdf(y, mu[0], sigma[0]),
                               pm.log1p(-theta) + normal_lpdf(y, mu[1], sigma[1])], axis=-1)
        pa.factor("log_mix", pm.logsumexp(components, axis=-1))


def low_dim_gauss_mix_model(data: dict) -> pa.Model:
    return low_dim_gauss_mix(y=as_real(data["y"]))
