"""The posteriordb suite: each posterior in /work/shared/posteriordb, written once with
ppladapt, sampled with NUTS on every installed backend and compared with posteriordb's
reference posterior, parameter by parameter: mean z-score (both MCSEs) |z| < 4 and sd
ratio within 10%. Exceptions, with their reasons, are in `settings.SETTINGS`: the sd of
eight schools' tau (25%: mass near 0, long right tail) and mesquite's sigma (15%: N = 46,
right-skewed).

A few small posteriors run in `make test`; the rest are marked ``posteriordb`` and
``slow`` and run with `make test-posteriordb` (or ``pytest -m posteriordb``), which also
writes docs/posteriordb.md. The checks without sampling (coverage, names, log density,
least squares) run always.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import ppladapt as pa
from ppladapt import reference
from tests.merged_models import merges_cases
from tests.posterior_checks import POSTERIORDB, load_reference
from tests.posteriordb import NOT_IMPLEMENTED, POSTERIORS, reference_name, site_name
from tests.posteriordb import runner
from tests.posteriordb.settings import SETTINGS

FAST = sorted(p for p in POSTERIORS if SETTINGS[p].fast)
SLOW = sorted(p for p in POSTERIORS if not SETTINGS[p].fast)
ALL = sorted(POSTERIORS)
pytestmark = pytest.mark.skipif(not POSTERIORDB.is_dir(), reason=f"no posteriordb data in {POSTERIORDB}")
SUITE = [pytest.param(p, id=p) for p in FAST] + [
    pytest.param(p, id=p, marks=[pytest.mark.posteriordb, pytest.mark.slow]) for p in SLOW
]


def test_every_posterior_is_implemented_or_explained():
    folders = {p.name for p in POSTERIORDB.iterdir() if (p / "reference.json").exists()}
    assert set(POSTERIORS) | set(NOT_IMPLEMENTED) == folders
    assert not set(POSTERIORS) & set(NOT_IMPLEMENTED)
    assert set(SETTINGS) == set(POSTERIORS)


@pytest.mark.parametrize("posterior", ALL)
def test_reference_names_are_model_sites(posterior):
    """Every reference name (``beta[3]``) is an element of a posterior variable."""
    model = runner.build_model(posterior)
    sites = {s.name for s in model.posterior_sites}
    for name in load_reference(posterior):
        base, _, rest = name.partition("[")
        site = site_name(posterior, base)
        assert site in sites, f"{name}: no site {site!r} in {sorted(sites)}"
        index = tuple(int(i) for i in rest.rstrip("]").split(",")) if rest else ()
        shape = model.shape_of(site)
        assert len(index) == len(shape) and all(1 <= i <= n for i, n in zip(index, shape)), (name, shape)


def _flat_beta_problem(model: pa.Model):
    """(X, y) of a flat-prior regression on ``beta``, or None for other models."""
    if "beta" not in {s.name for s in model.priors} or model.site("beta").dist.name != "Flat":
        return None
    data = model.data_dict
    if "work" in data:  # kidscore_mom_work's index gather, as dummy columns
        X = np.eye(4)[data["work"]]
        X[:, 0] = 1.0
        return X, data["kid_score"]
    return data["X"], data["y"]


@pytest.mark.parametrize("posterior", ALL)
def test_flat_regression_reference_means_are_least_squares(posterior):
    """With a flat prior on beta the posterior mean of beta is the least-squares fit on
    the design: checks the derived data (logs, dummies, standardisation) without sampling."""
    model = runner.build_model(posterior)
    problem = _flat_beta_problem(model)
    if problem is None:
        pytest.skip("beta has a proper prior")
    X, y = problem
    fit = np.linalg.lstsq(X, y, rcond=None)[0]
    ref = load_reference(posterior)
    for k, value in enumerate(fit):
        r = ref[f"beta[{k + 1}]"]
        assert abs(value - r["mean"]) < 4 * r["mcse_mean"], (k + 1, value, r["mean"])


def _at_reference_means(posterior: str, model: pa.Model) -> dict[str, np.ndarray]:
    """A value for every prior site: the reference mean where posteriordb has one, else a
    prior draw (stand-ins for flat priors)."""
    ref = load_reference(posterior)
    drawn = reference.sample_prior(model, seed=0, improper="standin")
    params = {s.name: np.array(drawn[s.name], dtype=float) for s in model.priors}
    for site, value in params.items():
        base = reference_name(posterior, site)
        for index in np.ndindex(value.shape):
            key = base + (f"[{','.join(str(i + 1) for i in index)}]" if index else "")
            if key in ref:
                value[index] = ref[key]["mean"]
    return params


@pytest.mark.parametrize("posterior", ALL)
def test_log_density_matches_reference_evaluator(posterior, backend, density_only_builds):
    """Each backend's joint log density equals the NumPy reference evaluator's at the
    reference posterior means. Stan builds one C++ program per posterior (~40 s each
    cold); its log density is covered by the merged-case and random-model tests, so
    these 18 builds run only with PPLADAPT_TEST_EVERY_CASE=1."""
    if merges_cases(backend):
        pytest.skip("stan: one build per posterior; set PPLADAPT_TEST_EVERY_CASE=1")
    model = runner.build_model(posterior)
    params = _at_reference_means(posterior, model)
    expected = reference.log_density(model, params)
    assert np.isfinite(expected)
    assert pa.log_density(model, params, backend=backend) == pytest.approx(expected, rel=1e-9)


# The fast posterior Stan samples in `make test` (each posterior is a C++ build of its own).
STAN_FAST = "kidiq-kidscore_momiq"


@pytest.mark.parametrize("posterior", SUITE)
def test_posterior_matches_posteriordb(posterior, backend):
    if not os.environ.get("PPLADAPT_POSTERIORDB"):
        if backend == "pyro":
            pytest.skip("pyro: NUTS is ~100x slower per draw; run with make test-posteriordb")
        if backend == "stan" and posterior in FAST and posterior != STAN_FAST:
            pytest.skip(f"stan: one build per posterior; make test samples {STAN_FAST} only")
    try:
        outcome = runner.run(posterior, backend)
    except Exception as err:
        runner.record_if_asked(runner.error_outcome(posterior, backend, err))
        raise
    runner.record_if_asked(outcome)
    assert outcome.status == "pass", outcome.failure_message()
