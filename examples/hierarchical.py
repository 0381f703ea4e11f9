"""Hierarchical linear regression: intercepts and slopes that vary by group.

Observation ``n`` belongs to group ``group_idx[n]`` (0-based, as in NumPy) and

    y[n] ~ Normal(a[group_idx[n]] + b[group_idx[n]] * x[n], sigma).

The J group intercepts and slopes are partially pooled towards population values,

    a[j] ~ Normal(mu_a, sigma_a),  b[j] ~ Normal(mu_b, sigma_b)   (plate "group"),
    mu_a, mu_b ~ Normal(0, 5),  sigma_a, sigma_b ~ HalfNormal(2),  sigma ~ HalfNormal(2),

non-centred (``a = mu_a + sigma_a * a_z``) so that NUTS copes when the group scales are
small. The data are synthetic (J = 8 groups of unequal size, N = 200) with a fixed seed;
the generating hyperparameters are ``TRUTH``. (The index data is ``group_idx``: the
name ``group`` belongs to the plate, and data, plates and sites share one namespace.)

Run: ``python examples/hierarchical.py``.
"""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist

J, N = 8, 200
TRUTH = {"mu_a": 1.0, "mu_b": -0.5, "sigma_a": 1.0, "sigma_b": 0.5, "sigma": 0.5}


def make_data(j: int = J, n: int = N, seed: int = 0) -> dict[str, np.ndarray]:
    """Group labels ``group_idx`` (0-based ints), covariate ``x`` and outcome ``y``; the
    drawn group coefficients come too, as ``a_true`` and ``b_true`` (not model inputs)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(TRUTH["mu_a"], TRUTH["sigma_a"], size=j)
    b = rng.normal(TRUTH["mu_b"], TRUTH["sigma_b"], size=j)
    group_idx = np.concatenate([np.arange(j), rng.integers(0, j, size=n - j)])  # all groups seen
    x = rng.normal(0.0, 1.0, size=n)
    y = a[group_idx] + b[group_idx] * x + rng.normal(0.0, TRUTH["sigma"], size=n)
    return {"group_idx": group_idx.astype(np.int64), "x": x, "y": y, "a_true": a, "b_true": b}


@pa.model
def hierarchical(group_idx, x, y, num_groups: int = J):
    """Varying intercepts and slopes by group, non-centred."""
    mu_a = pa.prior("mu_a", dist.Normal(0, 5))
    mu_b = pa.prior("mu_b", dist.Normal(0, 5))
    sigma_a = pa.prior("sigma_a", dist.HalfNormal(2))
    sigma_b = pa.prior("sigma_b", dist.HalfNormal(2))
    sigma = pa.prior("sigma", dist.HalfNormal(2))
    with pa.plate("group", num_groups):
        a = pa.prior("a", dist.Normal(mu_a, sigma_a), reparam="noncentered")
        b = pa.prior("b", dist.Normal(mu_b, sigma_b), reparam="noncentered")
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.Normal(a[group_idx] + b[group_idx] * x, sigma), observed=y)


DATA = make_data()
model = hierarchical(DATA["group_idx"], DATA["x"], DATA["y"])


if __name__ == "__main__":
    import arviz as az

    print(model.summary())
    idata = pa.sample(model, backend="numpyro", chains=4, draws=1000, tune=1000, seed=0)
    names = ["mu_a", "mu_b", "sigma_a", "sigma_b", "sigma", "a", "b"]
    print(az.summary(idata, var_names=names).to_string())
    print(f"truth: {TRUTH}")
    print(f"a_true: {np.round(DATA['a_true'], 2)}\nb_true: {np.round(DATA['b_true'], 2)}")
