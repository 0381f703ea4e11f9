"""Random models from the IR's grammar: every backend's log density equals the reference
evaluator's (or the backend raises a PPLAdaptError for a documented limitation).

Each hypothesis example is a batch of `PARTS` random models merged into one model, so a
backend compiles one program per batch (Stan builds these density-only programs at -O0:
about a minute each instead of ten); `BATCHES` x `PARTS` = 200 models per backend. On a
mismatch the failing part is named.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import ppladapt as pa
from ppladapt import reference
from tests.random_models import build, part_specs

PARTS, BATCHES = 50, 4


def _point(model, seed):
    draw = reference.sample_prior(model, seed)
    return {s.name: draw[s.name] for s in model.priors}


def _mismatched_parts(specs, backend, seed):
    bad = []
    for i, spec in enumerate(specs):
        single = build([spec])
        params = _point(single, seed)
        want, got = reference.log_density(single, params), pa.log_density(single, params, backend=backend)
        if not np.isclose(got, want, rtol=1e-7, atol=1e-7):
            bad.append((i, spec, got, want))
    return bad


def _check_batch(backend, specs, seed):
    model = build(specs)
    params = _point(model, seed)
    want = reference.log_density(model, params)
    assert np.isfinite(want)
    got = pa.log_density(model, params, backend=backend)
    if not np.isclose(got, want, rtol=1e-7, atol=1e-6):
        bad = _mismatched_parts(specs, backend, seed)
        pytest.fail(f"{backend}: log density {got} != reference {want}; mismatched parts: {bad}")


def test_random_models_agree_with_reference(backend, density_only_builds):
    run = settings(max_examples=BATCHES, deadline=None, derandomize=True,
                   phases=[Phase.generate],
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])(
        given(specs=st.lists(part_specs(), min_size=PARTS, max_size=PARTS),
              seed=st.integers(0, 1000))(_check_batch))
    run(backend)
