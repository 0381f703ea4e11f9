"""The prior predictive of every example has the same distribution on every backend as
the NumPy/SciPy reference sampler: a two-sample Kolmogorov-Smirnov test per scalar
quantity (robust to the heavy tails of HalfCauchy priors, where means and sds do not
exist), with a Bonferroni-corrected level."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats

import ppladapt as pa
from ppladapt import reference
from tests.example_models import example_models

DRAWS = 1000
ELEMENTS = 6  # scalar elements checked per variable (the first ones)
FAMILY_LEVEL = 1e-3  # chance of a false alarm over one example's whole test
MODELS = example_models()


@cache
def reference_draws(example: str) -> dict[str, np.ndarray]:
    model = MODELS[example]
    draws = [reference.sample_prior(model, seed) for seed in range(DRAWS)]
    return {name: np.stack([d[name] for d in draws]) for name in draws[0]}


def quantities(values: np.ndarray):
    """The first `ELEMENTS` scalar elements of a (draw, ...) array."""
    for index in list(np.ndindex(values.shape[1:]))[:ELEMENTS]:
        yield index, values[(slice(None),) + index]


@pytest.mark.slow
@pytest.mark.parametrize("example", sorted(MODELS))
def test_prior_predictive_matches_reference(backend, example):
    idata = pa.prior_predictive(MODELS[example], backend=backend, draws=DRAWS, seed=3)
    expected = reference_draws(example)
    checks = []
    for group in (idata.prior, idata.prior_predictive):
        for name, var in group.data_vars.items():
            values = var.values[0]  # one chain
            assert values.shape == (DRAWS,) + MODELS[example].shape_of(name), name
            for index, sample in quantities(values):
                p = stats.ks_2samp(sample, expected[name][(slice(None),) + index]).pvalue
                checks.append((p, f"{name}{list(index)}"))
    level = FAMILY_LEVEL / len(checks)
    worst = min(checks)
    assert worst[0] > level, f"{backend} {example}: {worst[1]} differs from the reference (KS p={worst[0]:.2e})"

