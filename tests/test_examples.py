"""The examples in examples/: each builds the expected model, round-trips through JSON,
generates NumPyro code that compiles and (slow) samples to a posterior near the truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ppladapt as pa
from ppladapt.ir.evaluate import evaluate
from tests.example_models import EXAMPLES_DIR, load_example

# Every site of each example's `model`: name -> (kind, value shape).
EXPECTED_SITES = {
    "eight_schools": {
        "mu": ("prior", ()), "tau": ("prior", ()), "theta_z": ("prior", (8,)),
        "theta": ("deterministic", (8,)), "y": ("likelihood", (8,)),
    },
    "linear": {
        "theta": ("prior", ()), "b_perp": ("prior", ()), "sigma": ("prior", ()),
        "m": ("deterministic", ()), "b": ("deterministic", ()), "y": ("likelihood", (50,)),
    },
    "logistic": {
        "alpha": ("prior", ()), "beta": ("prior", (10,)), "y": ("likelihood", (5000,)),
    },
    "hierarchical": {
        "mu_a": ("prior", ()), "mu_b": ("prior", ()), "sigma_a": ("prior", ()),
        "sigma_b": ("prior", ()), "sigma": ("prior", ()),
        "a_z": ("prior", (8,)), "a": ("deterministic", (8,)),
        "b_z": ("prior", (8,)), "b": ("deterministic", (8,)), "y": ("likelihood", (200,)),
    },
    "marketing_mix": {
        "alpha": ("prior", (4,)), "lam": ("prior", (4,)), "beta": ("prior", (4,)),
        "adstock_weight": ("deterministic", (4, 8)), "intercept": ("prior", ()),
        "trend_slope": ("prior", ()), "gamma": ("prior", ()), "delta": ("prior", (4,)),
        "sigma": ("prior", ()), "contribution": ("deterministic", (156, 4)),
        "sales": ("likelihood", (156,)),
    },
}
EXPECTED_PLATES = {
    "eight_schools": {"school": 8},
    "linear": {"obs": 50},
    "logistic": {"feature": 10, "obs": 5000},
    "hierarchical": {"group": 8, "obs": 200},
    "marketing_mix": {"channel": 4, "fourier_term": 4, "week": 156},
}
EXAMPLES = sorted(EXPECTED_SITES)


def test_every_example_is_tested():
    assert sorted(p.stem for p in EXAMPLES_DIR.glob("*.py")) == EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_builds_expected_model(name):
    module = load_example(name)
    assert module.__doc__ and len(module.__doc__.strip()) > 100
    model = module.model
    assert isinstance(model, pa.Model)
    assert {s.name: (s.kind, model.shape_of(s.name)) for s in model.sites} == EXPECTED_SITES[name]
    assert {p.name: p.size for p in model.plates} == EXPECTED_PLATES[name]
    assert "__name__ == \"__main__\"" in Path(module.__file__).read_text()


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_round_trips_through_json(name):
    model = load_example(name).model
    again = pa.Model.from_json(model.to_json())
    assert again == model
    assert again.summary() == model.summary()


@pytest.mark.parametrize("name", ["linear", "logistic", "hierarchical", "marketing_mix"])
def test_example_data_are_seeded(name):
    module = load_example(name)
    first, second = module.make_data(), module.make_data()
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def test_eight_schools_centered_variant():
    module = load_example("eight_schools")
    centered = module.centered
    assert {s.name: s.kind for s in centered.sites} == {
        "mu": "prior", "tau": "prior", "theta": "prior", "y": "likelihood"}
    assert centered.data == module.model.data


def test_hierarchical_indices_are_zero_based_ints():
    module = load_example("hierarchical")
    index = module.model.data_entry("group_idx")
    assert index.dtype == "int"
    assert index.value.min() == 0 and index.value.max() == module.J - 1


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_numpyro_code_compiles(name):
    model = load_example(name).model
    code = pa.to_code(model, "numpyro")
    assert isinstance(code, str) and code.strip()
    compile(code, f"<numpyro code for {name}>", "exec")


# ---- sampling (slow) -----------------------------------------------------------------------
def sample_numpyro(model, **kwargs):
    options = dict(backend="numpyro", chains=2, draws=500, tune=500, seed=1, progressbar=False)
    options.update(kwargs)
    return pa.sample(model, **options)


def check_converged(idata, var_names):
    import arviz as az

    rhat = az.rhat(idata, var_names=var_names)
    worst = max(float(rhat[v].max()) for v in var_names)
    assert worst < 1.05, f"max R-hat {worst:.3f}"


def check_near(idata, name, truth, n_sd=4.0):
    """The posterior mean of ``name`` lies within ``n_sd`` posterior sds of ``truth``."""
    draws = idata.posterior[name].values
    mean, sd = draws.mean(axis=(0, 1)), draws.std(axis=(0, 1))
    z = np.abs(mean - np.asarray(truth)) / sd
    assert np.all(z < n_sd), f"{name}: mean {mean}, sd {sd}, truth {truth}"


@pytest.mark.slow
def test_eight_schools_samples():
    idata = sample_numpyro(load_example("eight_schools").model)
    check_converged(idata, ["mu", "tau", "theta"])
    # No truth for real data: compare with the published posterior (BDA3: mu about 4.4,
    # tau about 3.6, both with posterior sd about 3.3).
    check_near(idata, "mu", 4.4)
    check_near(idata, "tau", 3.6)
    assert idata.posterior["theta"].dims == ("chain", "draw", "school")


@pytest.mark.slow
def test_linear_samples():
    module = load_example("linear")
    idata = sample_numpyro(module.model)
    check_converged(idata, ["theta", "b_perp", "sigma", "m", "b"])
    for name in ("m", "b", "sigma"):
        check_near(idata, name, module.TRUTH[name])


@pytest.mark.slow
def test_logistic_samples():
    module = load_example("logistic")
    idata = sample_numpyro(module.model)
    check_converged(idata, ["alpha", "beta"])
    check_near(idata, "alpha", module.TRUTH["alpha"])
    check_near(idata, "beta", module.TRUTH["beta"])


@pytest.mark.slow
def test_hierarchical_samples():
    module = load_example("hierarchical")
    idata = sample_numpyro(module.model, target_accept=0.9)
    check_converged(idata, ["mu_a", "mu_b", "sigma_a", "sigma_b", "sigma", "a", "b"])
    for name in ("mu_a", "mu_b", "sigma_a", "sigma_b", "sigma"):
        check_near(idata, name, module.TRUTH[name])
    check_near(idata, "a", module.DATA["a_true"])
    check_near(idata, "b", module.DATA["b_true"])


def test_marketing_mix_model_reproduces_its_simulation():
    """At the true parameters the model's deterministics are the adstock weights and
    channel contributions that `make_data` simulated with NumPy."""
    module = load_example("marketing_mix")
    model = module.model
    env = {d.name: d.value for d in model.data} | dict(module.TRUTH)
    for site in model.deterministics:
        env[site.name] = evaluate(site.expr, env)
    np.testing.assert_allclose(env["adstock_weight"], module.adstock_weights(module.TRUTH["alpha"]))
    np.testing.assert_allclose(env["contribution"], module.DATA["contribution"], rtol=1e-12)
    alpha = np.array([0.5, 0.2])
    lagged = module.lagged(np.arange(1.0, 11.0)[:, None] * [1.0, -1.0], max_lag=3)
    assert lagged.shape == (2, 10, 3) and lagged[1, 4].tolist() == [-5.0, -4.0, -3.0]
    assert lagged[0, 1].tolist() == [2.0, 1.0, 0.0]  # no spend before the first week
    np.testing.assert_allclose(module.adstock_weights(alpha, 3)[1], np.array([1, 0.2, 0.04]) / 1.24)


@pytest.mark.slow
def test_marketing_mix_recovers_every_channel():
    """NUTS: every channel's true decay (alpha) and effect (beta) inside its 90% interval,
    at most 1% divergent transitions, max R-hat under 1.01; SVI's contributions near NUTS's."""
    import arviz as az

    module = load_example("marketing_mix")
    idata = sample_numpyro(module.model, chains=4, draws=1000, tune=1000)
    table = module.recovery(idata)
    assert table["covered"].all(), table.to_string()
    assert float(idata.sample_stats["diverging"].mean()) <= 0.01
    rhat = az.rhat(idata)
    assert max(float(rhat[v].max()) for v in rhat.data_vars) < 1.01
    recovered = idata.posterior["contribution"].mean(dim=("chain", "draw")).values
    assert np.abs(recovered - module.DATA["contribution"]).mean() < 0.03
    svi = pa.sample(module.model, backend="numpyro", method="svi", guide="mvn", draws=2000,
                    seed=1, progressbar=False)
    gap = module.contribution_gap(svi, idata)
    assert list(gap.index) == list(module.CHANNEL_NAMES)
    assert (gap["gap"] < 1.0).all() and gap["sd_ratio"].between(0.3, 3.0).all(), gap.to_string()
