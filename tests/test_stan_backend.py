"""The Stan backend: generated programs (golden text), real Stan runs, options and errors.

Every Stan program costs a C++ build (~25 s on this machine with the precompiled model
header, after a first ~50 s that precompiles it), so this file compiles only a handful: the eight schools program (shared with the posterior tests and the examples
through the build cache), its log-likelihood, prior- and posterior-predictive variants,
and one nested-plates model. Builds are cached on disk by program, so a second session
compiles nothing. CmdStanPy tests skip without a CmdStan installation.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import ppladapt as pa
import ppladapt.math as pm
from ppladapt import dist
from ppladapt.errors import BackendError, ModelError, PPLAdaptError, UnsupportedOptionError
from tests.example_models import load_example

pytest.importorskip("httpstan")

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
SMALL = dict(draws=200, tune=200, seed=1, progressbar=False)
SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
Y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])


@pa.model
def eight_schools(sigma, y):
    mu = pa.prior("mu", dist.Normal(0, 5))
    tau = pa.prior("tau", dist.HalfCauchy(5))
    with pa.plate("school", len(sigma)):
        theta = pa.prior("theta", dist.Normal(mu, tau), reparam="noncentered")
        pa.likelihood("y", dist.Normal(theta, sigma), observed=y)


@pytest.fixture(scope="module")
def schools():
    return eight_schools(sigma=SIGMA, y=Y)


@pytest.fixture(scope="module")
def schools_fit(schools):
    return pa.sample(schools, backend="stan", chains=2, chain_method="parallel", **SMALL)


# ---- code generation ---------------------------------------------------------------------------
def test_eight_schools_program_is_golden(schools):
    assert pa.to_code(schools, "stan") == (GOLDEN / "eight_schools_noncentered.stan").read_text()


def test_hierarchical_program_is_golden():
    model = load_example("hierarchical").model
    assert pa.to_code(model, "stan") == (GOLDEN / "hierarchical.stan").read_text()


def test_logistic_program_is_golden():
    model = load_example("logistic").model
    assert pa.to_code(model, "stan") == (GOLDEN / "logistic.stan").read_text()


@pa.model
def glms(X, y, k, offset):
    """Linear predictors ``X @ beta`` with and without an intercept, on either side."""
    alpha = pa.prior("alpha", dist.Normal(0, 1))
    with pa.plate("feature", X.shape[1]):
        beta_ = pa.prior("beta", dist.Normal(0, 1))
    with pa.plate("obs", len(y)):
        scale = pa.prior("scale", dist.HalfNormal(1))
        pa.likelihood("y", dist.Normal(X @ beta_ + offset, scale), observed=y)
        pa.likelihood("k", dist.Bernoulli(logits=X @ beta_), observed=k)
        pa.likelihood("k2", dist.Bernoulli(probs=pm.sigmoid(alpha + X @ beta_)), observed=k)


def test_linear_predictors_use_stans_glm_densities_in_the_model_block_only():
    rng = np.random.default_rng(0)
    model = glms(X=rng.normal(size=(6, 2)), y=rng.normal(size=6), k=np.array([0, 1, 1, 0, 1, 0]),
                 offset=rng.normal(size=6))
    code = pa.to_code(model, "stan")
    assert "  target += normal_id_glm_lpdf(y | X, offset_, beta_, scale);\n" in code
    assert "  target += bernoulli_logit_glm_lpmf(k | X, 0, beta_);\n" in code
    assert "  target += bernoulli_lpmf(k | inv_logit(alpha + X * beta_));\n" in code  # no GLM
    from ppladapt_stan.emitter import emit_program

    pointwise = emit_program(model, "sample", log_likelihood=True).code
    assert "log_lik_k[i] = bernoulli_logit_lpmf(k[i] | dot_product(X[i], beta_));" in pointwise


UNARY = ("exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "sin", "cos", "tan", "arcsin",
         "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "logit", "softplus", "log_sigmoid",
         "lgamma", "digamma", "erf", "normal_cdf")


@pa.model
def grid(lower, y, cats, idx, counts, M):
    """Nested plates, names Stan reserves, categories, and every kind of expression."""
    e = pa.prior("e", dist.Normal(0, 1))
    v = pa.prior("v", dist.Normal(0, 1).expand([3]))
    B = pa.prior("B", dist.Normal(0, 1).expand([3, 2]))
    p = pa.deterministic("p", pm.sigmoid(e))
    for op in UNARY:
        pa.deterministic(f"u_{op}", getattr(pm, op)(p))
    pa.deterministic("arith", -e * 2 - v / 3 + p ** 2 + counts ** 2 - counts / 2)
    pa.deterministic("extremes", pm.maximum(v, e) - pm.minimum(v, 0.5))
    pa.deterministic("chosen", pm.where((v > 0) & (e < 1), v, -v))
    for op in ("sum", "mean", "prod", "max", "min", "logsumexp"):
        pa.deterministic(f"r_{op}", getattr(pm, op)(B, axis=0) + getattr(pm, op)(B))
        pa.deterministic(f"rows_{op}", getattr(pm, op)(B, axis=1))
    pa.deterministic("axis_ops", pm.cumsum(v) + pm.softmax(B, axis=0)[:, 1] + pm.log_softmax(v))
    pa.deterministic("products", M @ v + v @ B @ B.T[:, :2] + (B.T @ B)[0, 1])
    pa.deterministic("picked", v[idx] + B[idx, 1] + B[:, 0][idx] + B[1][::-1][0] + v[::2][-1])
    pa.deterministic("joined", pm.concatenate([v, B[:, 1]]) + pm.stack([v, v * 2], axis=1).T[1, 2])
    with pa.plate("row", 3):
        r = pa.prior("r", dist.Normal(e, 1))
        pa.likelihood("k", dist.Categorical(probs=np.array([0.2, 0.3, 0.5])), observed=cats)
        with pa.plate("col", 4):
            c = pa.prior("c", dist.HalfNormal(1))
            cell = pa.deterministic("cell", r + c + lower)
            pa.likelihood("y", dist.Normal(cell, 1), observed=y)


@pytest.fixture(scope="module")
def nested():
    rng = np.random.default_rng(0)
    return grid(lower=rng.normal(size=(3, 4)), y=rng.normal(size=(3, 4)), cats=np.array([0, 2, 1]),
                idx=np.array([2, 0, 1, 1]), counts=np.array([1, 2, 3]),
                M=np.arange(6.0).reshape(2, 3))


def test_nested_plates_loop_over_the_outer_plate_only(nested):
    code = pa.to_code(nested, "stan")
    assert "  matrix<lower=0>[N_row, N_col] c;\n" in code
    assert "  matrix[N_row, N_col] cell = rep_matrix(r, N_col) + c + lower_;\n" in code
    assert "  target += normal_lpdf(to_vector(c) | 0, 1) + N_row * N_col * log2();\n" in code
    assert ("  for (i in 1:N_row) {\n"
            "    target += normal_lpdf(y[i] | cell[i], 1);\n"
            "  }\n") in code


def test_row_and_column_sums_of_a_matrix_are_products_with_ones(nested):
    code = pa.to_code(nested, "stan")
    assert "  vector[N_row] rows_sum = B * rep_vector(1.0, M_dim_0);\n" in code
    assert "  vector[N_row] rows_mean = B * rep_vector(1.0 / M_dim_0, M_dim_0);\n" in code
    assert "(rep_row_vector(1.0, N_row) * B + sum(B))'" in code
    assert "rows_max[i] = max(B[i]);" in code  # other reductions loop over the rows


def test_a_likelihood_with_a_row_sum_is_one_vectorised_statement():
    from tests.example_models import load_example

    code = pa.to_code(load_example("marketing_mix").model, "stan")
    assert "for (" not in code.split("model {")[1]
    assert "contribution * rep_vector(1.0, N_channel)" in code


def test_a_batched_contraction_is_one_matrix_product_per_batch_element():
    """The marketing mix's adstock, einsum("ctl,cl->tc"), loops over the 4 channels with a
    (week x lag) matrix times a vector each, as the hand-written program does, not over
    the 156 x 4 cells."""
    from tests.example_models import load_example

    code = pa.to_code(load_example("marketing_mix").model, "stan")
    assert ("    for (i in 1:N_channel) {\n"
            "      tmp[i] = (spend_lagged[i] * adstock_weight[i]')';\n"
            "    }\n") in code
    assert ".* tmp' / 2);" in code and "dot_product" not in code


def test_names_that_clash_with_stan_are_renamed_in_the_program_only(nested):
    code = pa.to_code(nested, "stan")
    assert "// Renamed to avoid Stan names: lower_ is 'lower', e_ is 'e'.\n" in code
    assert "  matrix[N_row, N_col] lower_;\n" in code
    assert "  real e_;\n" in code and "target += normal_lpdf(r | e_, 1);" in code
    assert "array[N_row] int<lower=1, upper=array_0_dim_0> cats;" in code  # 1-based categories


def test_prior_predictive_of_nested_plates_keeps_names_shapes_and_categories(nested):
    pp = pa.prior_predictive(nested, backend="stan", draws=60, seed=2)
    prior = pp.prior
    assert {"e", "r", "c", "cell"} <= set(prior.data_vars)
    assert prior["c"].dims == ("chain", "draw", "row", "col")
    assert prior["r"].dims == ("chain", "draw", "row")
    assert (prior["c"].values > 0).all()
    lower = nested.data_dict["lower"]
    cell = prior["r"].values[..., None] + prior["c"].values + lower
    np.testing.assert_allclose(prior["cell"], cell, rtol=1e-12)
    k = pp.prior_predictive["k"].values
    assert k.dtype == np.int64 and set(np.unique(k)) == {0, 1, 2}
    assert pp.prior_predictive["y"].dims == ("chain", "draw", "row", "col")
    assert abs(float(prior["e"].std()) - 1) < 0.3


def test_every_printed_expression_matches_the_numpy_reference_semantics(nested):
    from ppladapt.ir.evaluate import evaluate

    prior = pa.prior_predictive(nested, backend="stan", draws=5, seed=5).prior
    for i in range(5):
        env = dict(nested.data_dict)
        env.update({s.name: prior[s.name].values[0, i] for s in nested.priors})
        for site in nested.deterministics:
            got = prior[site.name].values[0, i]
            want = evaluate(site.expr, env)
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=site.name)
            env[site.name] = got


def test_importing_the_plugin_and_generating_code_does_not_import_stan():
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import ppladapt as pa
        import ppladapt_stan
        import ppladapt_stan.backend, ppladapt_stan.emitter, ppladapt_stan.options
        from ppladapt import dist

        @pa.model
        def m(y):
            mu = pa.prior("mu", dist.Normal(0, 1))
            pa.likelihood("y", dist.Normal(mu, 1).expand([2]), observed=y)

        assert [b for b in pa.backends() if b.name == "stan"]
        pa.to_code(m(np.zeros(2)), "stan")
        libraries = ("stan", "httpstan", "cmdstanpy", "aiohttp")
        loaded = sorted(k for k in sys.modules if k.split(".")[0] in libraries)
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, timeout=120)


# ---- compile errors ----------------------------------------------------------------------------
def test_a_stan_compile_error_names_the_generated_line_and_its_site(schools):
    from ppladapt_stan.emitter import emit_program
    from ppladapt_stan.httpstan_engine import compile_program

    program = emit_program(schools)
    program.code = program.code.replace("cauchy_lpdf(tau", "cauchy_lpdff(tau")
    with pytest.raises(BackendError) as info:
        compile_program(program, "eight_schools")
    message = str(info.value)
    assert "line 17 of the generated program" in message
    assert "`target += cauchy_lpdff(tau | 0, 5) + log2();`" in message
    assert "(from site 'tau')" in message


# ---- options -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "option, pattern",
    [
        ({"chain_method": "vectorized"}, r"chain_method='vectorized'.*'parallel'.*'sequential'"),
        ({"device": "gpu"}, r"device='gpu'.*use device='cpu'"),
        ({"max_tree_depth": 3}, r"'max_tree_depth'.*backend options are: engine, max_treedepth"),
        ({"adapt_delta": 0.9}, r"Use pa.sample's target_accept= instead"),
        ({"engine": "rstan"}, r"engine='rstan'.*'auto', 'pystan', 'cmdstanpy'"),
        ({"method": "svi", "engine": "pystan"}, r"ADVI.*CmdStanPy engine with CmdStan"),
    ],
)
def test_unsupported_options_name_the_alternative(schools, option, pattern):
    base = dict(seed=1, progressbar=False) if option.get("method") == "svi" else SMALL
    with pytest.raises(UnsupportedOptionError, match=pattern):
        pa.sample(schools, backend="stan", **{**base, **option})


@pytest.mark.skipif(
    __import__("ppladapt_stan.options", fromlist=["x"]).cmdstan_path() is not None,
    reason="CmdStan is installed here")
def test_cmdstanpy_engine_without_cmdstan_says_how_to_install_it(schools):
    message = r"engine='cmdstanpy'.*install_cmdstan.*engine='pystan'"
    with pytest.raises(UnsupportedOptionError, match=message):
        pa.sample(schools, backend="stan", engine="cmdstanpy", **SMALL)
    with pytest.raises(UnsupportedOptionError, match=r"method='svi'.*CmdStan"):
        pa.sample(schools, backend="stan", method="svi", steps=100, progressbar=False)
    assert pa.backends()[[b.name for b in pa.backends()].index("stan")].methods == ("nuts",)


# ---- NUTS ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("chain_method", ["parallel", "sequential"])
def test_chain_methods_give_chain_draw_arrays_and_are_recorded(schools, schools_fit, chain_method):
    idata = schools_fit if chain_method == "parallel" else pa.sample(
        schools, backend="stan", chains=2, chain_method="sequential", **SMALL)
    assert idata.posterior["mu"].shape == (2, 200)
    assert idata.posterior["theta"].dims == ("chain", "draw", "school")
    assert idata.posterior["theta_z"].shape == (2, 200, 8)
    attrs = idata.attrs
    assert attrs["chain_method"] == chain_method and attrs["engine"] == "pystan"
    processes = min(2, os.cpu_count()) if chain_method == "parallel" else 1
    assert attrs["stan_processes"] == processes
    assert attrs["compile_seconds"] > 0 and attrs["sampling_seconds"] > 0
    stats = idata.sample_stats
    assert set(stats.data_vars) == {
        "diverging", "n_steps", "tree_depth", "acceptance_rate", "step_size", "energy", "lp"}
    assert stats["diverging"].dtype == bool and stats["tree_depth"].dtype == np.int64
    post = {k: v.values for k, v in idata.posterior.items()}
    theta = post["mu"][..., None] + post["tau"][..., None] * post["theta_z"]
    np.testing.assert_allclose(post["theta"], theta)


def test_parallel_and_sequential_chains_are_the_same_chains(schools, schools_fit):
    again = pa.sample(schools, backend="stan", chains=2, chain_method="sequential", **SMALL)
    np.testing.assert_array_equal(again.posterior["theta"], schools_fit.posterior["theta"])


@pytest.mark.parametrize("parallel", [True, False])
def test_a_failing_chain_fails_the_run_with_stans_message(schools, parallel):
    from ppladapt_stan.httpstan_engine import NUTS_FUNCTION, run_services
    from ppladapt_stan.runs import prepare

    run = prepare(schools, "pystan")
    good = dict(data=dict(run.data), init={}, random_seed=1, chain=1, num_warmup=10,
                num_samples=10, refresh=0)
    bad = dict(good, chain=2, init={"tau": -1.0})
    with pytest.raises(BackendError, match=r"Stan failed: RuntimeError: .*Initialization"):
        run_services(run.compiled, NUTS_FUNCTION, [good, bad], parallel)


def test_lp_is_the_joint_log_density_of_each_draw_not_stans_lp(schools, schools_fit):
    from scipy import stats

    post = schools_fit.posterior
    for chain, draw in [(0, 0), (0, 57), (1, 199)]:
        params = {k: post[k].values[chain, draw] for k in post.data_vars}
        lp = schools_fit.sample_stats["lp"].values[chain, draw]
        assert lp == pytest.approx(pa.log_density(schools, params, backend="stan"), rel=1e-12)
        mu, tau, z = params["mu"], params["tau"], params["theta_z"]
        by_hand = (stats.norm(0, 5).logpdf(mu) + stats.halfcauchy(scale=5).logpdf(tau)
                   + stats.norm().logpdf(z).sum() + stats.norm(mu + tau * z, SIGMA).logpdf(Y).sum())
        assert lp == pytest.approx(by_hand, rel=1e-10)


def test_log_density_is_minus_infinity_outside_the_support(schools):
    params = {"mu": 0.0, "tau": -1.0, "theta_z": np.zeros(8)}
    assert pa.log_density(schools, params, backend="stan") == -np.inf


def test_an_unchanged_model_is_not_rebuilt_and_new_data_reuses_the_build(schools, schools_fit):
    again = pa.sample(schools, backend="stan", chains=1, **SMALL)
    assert again.attrs["compiled_now"] == "False"
    assert again.attrs["compile_seconds"] < 2
    other = eight_schools(sigma=SIGMA[:5] + 1.0, y=Y[:5])  # other data, other sizes
    assert pa.to_code(other, "stan") == pa.to_code(schools, "stan")
    fit = pa.sample(other, backend="stan", chains=1, **SMALL)
    assert fit.attrs["compiled_now"] == "False" and fit.posterior["theta"].shape == (1, 200, 5)


def test_builds_use_the_precompiled_model_header(schools_fit):
    from ppladapt_stan.building import cache_dir

    assert list((cache_dir() / "pch").glob("*/stan_model_header.hpp.gch"))


def test_the_optimisation_level_keys_the_build_and_is_recorded(schools, schools_fit, monkeypatch):
    from ppladapt_stan.building import build_code, program_key

    assert schools_fit.attrs["cxx_optimization"] == "-O3"
    code = pa.to_code(schools, "stan")
    assert build_code(code, "3") == code
    tagged = build_code(code, "0")
    assert tagged.startswith(code) and tagged.count("\n") == code.count("\n") + 1
    assert len({program_key(code, "pystan", "httpstan-4", level) for level in "0123s"}) == 5
    monkeypatch.setenv("PPLADAPT_STAN_OPTIMIZATION", "fast")
    with pytest.raises(PPLAdaptError, match=r"PPLADAPT_STAN_OPTIMIZATION='fast' is not a C\+\+ "
                                            r"optimisation level; use one of 0, 1, 2, 3, s"):
        pa.sample(schools, backend="stan", chains=1, **SMALL)


def test_sampler_settings_reach_stan(schools):
    idata = pa.sample(schools, backend="stan", chains=1, max_treedepth=2, **SMALL)
    assert int(idata.sample_stats["tree_depth"].max()) <= 2
    assert int(idata.sample_stats["n_steps"].max()) <= 3
    assert idata.attrs["backend_kwargs"] == "max_treedepth=2"


def test_sampling_works_inside_a_running_event_loop(schools):
    async def notebook_cell():
        return pa.sample(schools, backend="stan", chains=1, **SMALL)

    idata = asyncio.run(notebook_cell())
    assert idata.posterior["mu"].shape == (1, 200)


def test_log_likelihood_is_pointwise(schools):
    from scipy import stats

    fit = pa.sample(schools, backend="stan", chains=1, log_likelihood=True, **SMALL)
    ll = fit.log_likelihood["y"]
    assert ll.dims == ("chain", "draw", "school")
    theta = fit.posterior["theta"].values[0, 3]
    np.testing.assert_allclose(ll.values[0, 3], stats.norm(theta, SIGMA).logpdf(Y), rtol=1e-12)
    code = pa.to_code(schools, "stan", log_likelihood=True)
    assert "    log_lik[i] = normal_lpdf(y[i] | theta[i], sigma[i]);\n" in code


# ---- predictive --------------------------------------------------------------------------------
def test_prior_predictive_groups_and_dims(schools):
    pp = pa.prior_predictive(schools, backend="stan", draws=100, seed=3)
    assert set(pp.prior.data_vars) == {"mu", "tau", "theta_z", "theta"}
    assert pp.prior["theta"].dims == ("chain", "draw", "school")
    assert pp.prior_predictive["y"].shape == (1, 100, 8)
    assert (pp.prior["tau"].values > 0).all()
    prior = {k: v.values for k, v in pp.prior.items()}
    theta = prior["mu"][..., None] + prior["tau"][..., None] * prior["theta_z"]
    np.testing.assert_allclose(prior["theta"], theta)
    again = pa.prior_predictive(schools, backend="stan", draws=100, seed=3)
    np.testing.assert_array_equal(again.prior_predictive["y"], pp.prior_predictive["y"])


def test_posterior_predictive_groups_and_dims(schools, schools_fit):
    ppc = pa.posterior_predictive(schools, schools_fit, backend="stan", seed=4)
    assert ppc.posterior_predictive["y"].dims == ("chain", "draw", "school")
    assert ppc.posterior_predictive["y"].shape == (2, 200, 8)
    resid = (ppc.posterior_predictive["y"].values - schools_fit.posterior["theta"].values) / SIGMA
    assert abs(resid.mean()) < 0.15 and 0.85 < resid.std() < 1.15


def test_posterior_predictive_in_chunks_matches_draw_order(schools, schools_fit, monkeypatch):
    from ppladapt_stan import predictive

    monkeypatch.setattr(predictive, "CHUNK_VALUES", 8 * 150)  # 150 draws a run: 3 runs
    ppc = pa.posterior_predictive(schools, schools_fit, backend="stan", seed=4)
    resid = (ppc.posterior_predictive["y"].values - schools_fit.posterior["theta"].values) / SIGMA
    assert 0.85 < resid.std() < 1.15  # each draw centred on its own theta


# ---- CmdStanPy --------------------------------------------------------------------------------
needs_cmdstan = pytest.mark.skipif(
    __import__("ppladapt_stan.options", fromlist=["x"]).cmdstan_path() is None,
    reason="CmdStan is not installed (python -m cmdstanpy.install_cmdstan)")


@needs_cmdstan
def test_cmdstanpy_engine_samples_and_agrees_on_log_density(schools):
    idata = pa.sample(schools, backend="stan", engine="cmdstanpy", chains=2, **SMALL)
    assert idata.attrs["engine"] == "cmdstanpy"
    post = idata.posterior
    params = {k: post[k].values[1, 10] for k in post.data_vars}
    lp = idata.sample_stats["lp"].values[1, 10]
    assert lp == pytest.approx(pa.log_density(schools, params, backend="numpyro"), rel=1e-9)


@needs_cmdstan
@pytest.mark.parametrize("guide", ["normal", "mvn"])
def test_cmdstanpy_advi_draws_one_chain(schools, guide):
    fit = pa.sample(schools, backend="stan", method="svi", guide=guide, steps=2000, draws=100,
                    seed=0, progressbar=False)
    assert fit.posterior["theta"].shape == (1, 100, 8)
    assert fit.attrs["algorithm"] == {"normal": "meanfield", "mvn": "fullrank"}[guide]


def test_missing_prior_value_is_a_clear_error(schools):
    with pytest.raises(ModelError, match="missing: tau"):
        pa.log_density(schools, {"mu": 0.0, "theta_z": np.zeros(8)}, backend="stan")


def test_every_stan_error_is_a_ppladapt_error():
    assert issubclass(BackendError, PPLAdaptError)


def test_factors_and_half_student_t_in_the_program():
    """A factor is ``target += sum(...)``, times the size of each plate its log weight is
    broadcast along; it declares nothing and is left out of the prior program. A half
    Student-t is the Student-t at 0 (df first) plus log 2."""
    @pa.model
    def m(y):
        s = pa.prior("s", dist.HalfStudentT(3, 10))
        pa.factor("log_mix", -s)  # also a Stan function name: no renaming, no variable
        with pa.plate("row", 2):
            with pa.plate("col", 3):
                pa.factor("cell", pm.square(y - s))
            pa.factor("per_row", 0.5 * s)

    model = m(np.zeros((2, 3)))
    code = pa.to_code(model, "stan")
    assert "  target += student_t_lpdf(s | 3, 0, 10) + log2();\n" in code
    assert "  target += -s;\n" in code and "log_mix" not in code
    assert "  target += sum(square(y - s));\n" in code
    assert "  target += N_row * (0.5 * s);\n" in code
    from ppladapt_stan.emitter import emit_program

    prior = emit_program(model, "prior").code
    assert "real s = abs(student_t_rng(3, 0, 10));" in prior and "target" not in prior
