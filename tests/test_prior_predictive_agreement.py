"""The prior predictive of every example (and of the families no example uses) has the
same distribution on every backend as the NumPy/SciPy reference sampler: a two-sample
Kolmogorov-Smirnov test per scalar quantity (robust to the heavy tails of HalfCauchy
priors, where means and sds do not exist), with a Bonferroni-corrected level. Stan draws
every example at once from one merged program (`merges_cases`). A factor cannot be
sampled from: every backend leaves it out of the draws, with a warning."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats

import ppladapt as pa
from ppladapt import dist, reference
from tests.example_models import example_models
from tests.merged_models import merge, merges_cases, prefix

DRAWS = 1000
ELEMENTS = 6  # scalar elements checked per variable (the first ones)
FAMILY_LEVEL = 1e-3  # chance of a false alarm over one example's whole test


@pa.model
def half_student_t(y):
    s = pa.prior("s", dist.HalfStudentT(3.0, 2.0))
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.HalfStudentT(5.0, s), observed=y)


MODELS = {**example_models(), "half_student_t": half_student_t(np.ones(3))}


@cache
def reference_draws(example: str) -> dict[str, np.ndarray]:
    model = MODELS[example]
    draws = [reference.sample_prior(model, seed) for seed in range(DRAWS)]
    return {name: np.stack([d[name] for d in draws]) for name in draws[0]}


def quantities(values: np.ndarray):
    """The first `ELEMENTS` scalar elements of a (draw, ...) array."""
    for index in list(np.ndindex(values.shape[1:]))[:ELEMENTS]:
        yield index, values[(slice(None),) + index]


@pytest.fixture(scope="module")
def merged_prior_predictive(backend):
    """Every example's prior predictive from one merged program, where `merges_cases`."""
    if not merges_cases(backend):
        return None
    return pa.prior_predictive(merge(MODELS), backend=backend, draws=DRAWS, seed=3)


def prior_predictive_draws(backend: str, example: str, merged) -> dict[str, np.ndarray]:
    """(draw, ...) arrays of ``example``'s priors, deterministics and likelihoods."""
    if merged is None:
        idata = pa.prior_predictive(MODELS[example], backend=backend, draws=DRAWS, seed=3)
        start = ""
    else:
        idata, start = merged, prefix(example)
    model = MODELS[example]
    names = [s.name for s in (*model.posterior_sites, *model.likelihoods)]
    found = {**idata.prior.data_vars, **idata.prior_predictive.data_vars}
    return {name: found[start + name].values[0] for name in names}  # one chain


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(MODELS))
def test_prior_predictive_matches_reference(backend, example, merged_prior_predictive):
    draws = prior_predictive_draws(backend, example, merged_prior_predictive)
    expected = reference_draws(example)
    assert set(draws) == set(expected)
    checks = []
    for name, values in draws.items():
        assert values.shape == (DRAWS,) + MODELS[example].shape_of(name), name
        for index, sample in quantities(values):
            p = stats.ks_2samp(sample, expected[name][(slice(None),) + index]).pvalue
            checks.append((p, f"{name}{list(index)}"))
    level = FAMILY_LEVEL / len(checks)
    worst = min(checks)
    assert worst[0] > level, f"{backend} {example}: {worst[1]} differs from the reference (KS p={worst[0]:.2e})"


@pa.model
def with_factor(y):
    mu = pa.prior("mu", dist.Normal(0.0, 1.0))
    pa.factor("pull", -50.0 * pa.math.square(mu - 3.0))  # the posterior would sit near mu = 3
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.Normal(mu, 1.0), observed=y)


def test_prior_predictive_warns_and_draws_without_the_factor(backend):
    with pytest.warns(UserWarning, match=r"prior_predictive ignores factor site\(s\) pull"):
        idata = pa.prior_predictive(with_factor(np.zeros(2)), backend=backend, draws=400, seed=1)
    assert set(idata.prior.data_vars) == {"mu"}
    assert set(idata.prior_predictive.data_vars) == {"y"}
    mu = idata.prior["mu"].values.ravel()
    assert stats.ks_2samp(mu, np.random.default_rng(0).normal(size=4000)).pvalue > 1e-3
