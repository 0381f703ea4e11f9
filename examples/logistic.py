"""Logistic regression: N = 5000 binary outcomes, D = 10 standardised features.

    alpha ~ Normal(0, 2.5),  beta[d] ~ Normal(0, 2.5)  (plate "feature"),
    y[n] ~ Bernoulli(logits = alpha + X[n] @ beta)     (plate "obs").

A workhorse for benchmarking samplers: the posterior is close to Gaussian, but every
gradient touches the whole 5000 x 10 design matrix. The data are synthetic, drawn from
``true_parameters()`` with a fixed seed.

Run: ``python examples/logistic.py``.
"""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist

N, D = 5000, 10


def true_parameters(d: int = D, seed: int = 1) -> dict[str, np.ndarray]:
    """The coefficients that generate the data (alpha scalar, beta of length ``d``)."""
    rng = np.random.default_rng(seed)
    return {"alpha": np.array(-0.5), "beta": np.round(rng.normal(0.0, 1.0, size=d), 2)}


def make_data(n: int = N, d: int = D, seed: int = 0) -> dict[str, np.ndarray]:
    """Standard-normal features ``X`` (n, d) and 0/1 outcomes ``y`` (n,), by ``seed``."""
    rng = np.random.default_rng(seed)
    truth = true_parameters(d)
    X = rng.normal(0.0, 1.0, size=(n, d))
    logits = truth["alpha"] + X @ truth["beta"]
    y = (rng.uniform(size=n) < 1.0 / (1.0 + np.exp(-logits))).astype(np.int64)
    return {"X": X, "y": y}


@pa.model
def logistic(X, y):
    """Bernoulli(logits=alpha + X @ beta)."""
    n, d = X.shape
    alpha = pa.prior("alpha", dist.Normal(0, 2.5))
    with pa.plate("feature", d):
        beta = pa.prior("beta", dist.Normal(0, 2.5))
    with pa.plate("obs", n):
        pa.likelihood("y", dist.Bernoulli(logits=alpha + X @ beta), observed=y)


model = logistic(**make_data())
TRUTH = true_parameters()


if __name__ == "__main__":
    import arviz as az

    print(model.summary())
    idata = pa.sample(model, backend="numpyro", chains=4, draws=1000, tune=1000, seed=0)
    print(az.summary(idata, var_names=["alpha", "beta"]).to_string())
    print(f"truth: alpha={TRUTH['alpha']}, beta={TRUTH['beta']}")
