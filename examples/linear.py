"""Straight-line regression parameterised by the line's angle.

A line ``y = m x + b`` is given a prior that is uniform over *directions*, not over
slopes: the angle ``theta ~ Uniform(-pi/2, pi/2)`` and the perpendicular intercept
``b_perp ~ Normal(0, 5)`` (the signed distance of the line from the origin). The usual
slope and intercept are deterministics,

    m = tan(theta),  b = b_perp / cos(theta),

and the observations are ``y ~ Normal(m x + b, sigma)`` with ``sigma ~ HalfNormal(2)``.
This prior does not favour shallow lines over steep ones, unlike a flat prior on ``m``
(see Jake VanderPlas, "Frequentism and Bayesianism IV", 2014). The data are synthetic,
drawn from ``TRUTH`` with a fixed seed.

Run: ``python examples/linear.py``.
"""

from __future__ import annotations

import math

import numpy as np

import ppladapt as pa
from ppladapt import dist

N = 50
TRUTH = {"m": 1.5, "b": -2.0, "sigma": 1.0}


def make_data(n: int = N, seed: int = 0) -> dict[str, np.ndarray]:
    """``n`` points on the line ``TRUTH`` plus Gaussian noise, reproducible by ``seed``."""
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-5.0, 5.0, size=n))
    y = TRUTH["m"] * x + TRUTH["b"] + rng.normal(0.0, TRUTH["sigma"], size=n)
    return {"x": x, "y": y}


@pa.model
def linear(x, y):
    """y ~ Normal(tan(theta) x + b_perp / cos(theta), sigma)."""
    theta = pa.prior("theta", dist.Uniform(-math.pi / 2, math.pi / 2))
    b_perp = pa.prior("b_perp", dist.Normal(0, 5))
    sigma = pa.prior("sigma", dist.HalfNormal(2))
    m = pa.deterministic("m", pa.math.tan(theta))
    b = pa.deterministic("b", b_perp / pa.math.cos(theta))
    with pa.plate("obs", len(x)):
        pa.likelihood("y", dist.Normal(m * x + b, sigma), observed=y)


model = linear(**make_data())


if __name__ == "__main__":
    import arviz as az

    print(model.summary())
    idata = pa.sample(model, backend="numpyro", chains=4, draws=1000, tune=1000, seed=0)
    print(az.summary(idata, var_names=["m", "b", "sigma", "theta", "b_perp"]).to_string())
    print(f"truth: {TRUTH}")
