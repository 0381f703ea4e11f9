"""The cross-backend truth test: every backend's `pa.log_density` equals the NumPy/SciPy
reference evaluator, for every registry family (as a prior and as a likelihood), every
expression feature and every example, at random points drawn by `reference.sample_prior`."""

from __future__ import annotations


import numpy as np
import pytest

import ppladapt as pa
from ppladapt import dist, reference
from ppladapt import math as pm
from ppladapt.ir.distributions import REGISTRY
from tests.example_models import example_models
from tests.merged_models import ONE_PROGRAM_BACKENDS, merge, merged_point, merges_cases

SEEDS = (0, 1, 2)
N = 5
_rng = np.random.default_rng(20240601)


def _positive(n=N):
    return _rng.gamma(2.0, 1.0, size=n)


def _real(n=N):
    return _rng.normal(1.0, 2.0, size=n)


def _corr_cholesky(n: int, d: int) -> np.ndarray:
    a = _rng.standard_normal((n, d, d))
    cov = a @ np.swapaxes(a, -1, -2) + d * np.eye(d)
    sd = np.sqrt(np.diagonal(cov, axis1=-2, axis2=-1))
    return np.linalg.cholesky(cov / (sd[..., :, None] * sd[..., None, :]))


# ---- one tiny model per family: a prior of that family (continuous families) and a
# ---- likelihood of that family whose parameters depend on priors ------------------------
@pa.model
def normal(y):
    x = pa.prior("x", dist.Normal(0.5, 2.0))
    s = pa.prior("s", dist.HalfNormal(1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Normal(x, s), observed=y)


@pa.model
def half_normal(y):
    s = pa.prior("s", dist.HalfNormal(2.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.HalfNormal(s), observed=y)


@pa.model
def half_cauchy(y):
    s = pa.prior("s", dist.HalfCauchy(5.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.HalfCauchy(s), observed=y)


@pa.model
def cauchy(y):
    loc = pa.prior("loc", dist.Cauchy(1.0, 2.0))
    s = pa.prior("s", dist.HalfNormal(1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Cauchy(loc, s), observed=y)


@pa.model
def student_t(y):
    nu = pa.prior("nu", dist.Gamma(4.0, 0.5))
    loc = pa.prior("loc", dist.StudentT(3.0, 0.5, 2.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.StudentT(nu, loc, 1.5), observed=y)


@pa.model
def half_student_t(y):
    nu = pa.prior("nu", dist.Gamma(4.0, 0.5))
    s = pa.prior("s", dist.HalfStudentT(3.0, 2.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.HalfStudentT(nu, s), observed=y)


@pa.model
def exponential(y):
    rate = pa.prior("rate", dist.Exponential(0.5))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Exponential(rate), observed=y)


@pa.model
def gamma(y):
    a = pa.prior("a", dist.Gamma(3.0, 2.0))
    b = pa.prior("b", dist.Gamma(2.0, 4.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Gamma(a, b), observed=y)


@pa.model
def inverse_gamma(y):
    a = pa.prior("a", dist.InverseGamma(3.0, 4.0))
    b = pa.prior("b", dist.InverseGamma(4.0, 5.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.InverseGamma(a + 1.0, b), observed=y)


@pa.model
def log_normal(y):
    m = pa.prior("m", dist.Normal(0.0, 1.0))
    s = pa.prior("s", dist.LogNormal(-0.5, 0.5))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.LogNormal(m, s), observed=y)


@pa.model
def beta(y):
    p = pa.prior("p", dist.Beta(2.0, 3.0))
    k = pa.prior("k", dist.Gamma(5.0, 1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Beta(p * k, (1.0 - p) * k), observed=y)


@pa.model
def uniform(y):
    u = pa.prior("u", dist.Uniform(-1.0, 3.0))
    w = pa.prior("w", dist.Uniform(u, u + 2.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Uniform(w - 5.0, w + 5.0), observed=y)


@pa.model
def laplace(y):
    loc = pa.prior("loc", dist.Laplace(0.0, 2.0))
    s = pa.prior("s", dist.HalfNormal(1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Laplace(loc, s), observed=y)


@pa.model
def bernoulli_probs(y):
    p = pa.prior("p", dist.Beta(2.0, 2.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Bernoulli(probs=p), observed=y)


@pa.model
def bernoulli_logits(x, y):
    a = pa.prior("a", dist.Normal(0.0, 1.5))
    b = pa.prior("b", dist.Normal(0.0, 1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Bernoulli(logits=a + b * x), observed=y)


@pa.model
def binomial_probs(n, y):
    p = pa.prior("p", dist.Beta(2.0, 5.0))
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.Binomial(n, probs=p), observed=y)


@pa.model
def binomial_logits(n, y):
    a = pa.prior("a", dist.Normal(0.0, 1.5))
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.Binomial(n, logits=a), observed=y)


@pa.model
def poisson(y):
    rate = pa.prior("rate", dist.Gamma(3.0, 1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Poisson(rate), observed=y)


@pa.model
def negative_binomial2(y):
    mu = pa.prior("mu", dist.LogNormal(1.0, 0.5))
    phi = pa.prior("phi", dist.Gamma(2.0, 0.5))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.NegativeBinomial2(mu, phi), observed=y)


@pa.model
def categorical_probs(y):
    w = pa.prior("w", dist.Dirichlet(np.array([1.0, 2.0, 3.0])))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Categorical(probs=w), observed=y)


@pa.model
def categorical_logits(y):
    a = pa.prior("a", dist.Normal(0.0, 1.0).expand([3]))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Categorical(logits=a), observed=y)


@pa.model
def dirichlet(y):
    w = pa.prior("w", dist.Dirichlet(np.array([1.5, 1.5, 2.0, 0.8])))
    c = pa.prior("c", dist.Gamma(5.0, 1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Dirichlet(c * w + 0.5), observed=y)


@pa.model
def mvn_covariance(cov, y):
    mu = pa.prior("mu", dist.MultivariateNormal(np.zeros(2), covariance_matrix=cov))
    s = pa.prior("s", dist.HalfNormal(1.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.MultivariateNormal(mu, covariance_matrix=s * s * cov), observed=y)


@pa.model
def mvn_scale_tril(tril, y):
    chol = pa.prior("chol", dist.LKJCholesky(3, 2.0))
    scale = pa.prior("scale", dist.HalfNormal(1.0).expand([3]))
    mu = pa.prior("mu", dist.MultivariateNormal(np.zeros(3), scale_tril=tril))
    with pa.plate("n", len(y)):
        tril = scale[:, None] * chol
        pa.likelihood("y", dist.MultivariateNormal(mu, scale_tril=tril), observed=y)


@pa.model
def lkj_cholesky(y):
    pa.prior("chol", dist.LKJCholesky(3, 1.5))
    eta = pa.prior("eta", dist.Gamma(4.0, 2.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.LKJCholesky(3, eta), observed=y)


@pa.model
def flat(x, y):
    b = pa.prior("b", dist.Flat())
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Normal(b * x, 1.0), observed=y)


@pa.model
def half_flat(y):
    s = pa.prior("s", dist.HalfFlat())
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Normal(0.0, s), observed=y)


_cov2 = np.array([[1.5, 0.4], [0.4, 0.8]])
FAMILY_CASES = {
    "normal": normal(_real()),
    "half_normal": half_normal(_positive()),
    "half_cauchy": half_cauchy(_positive()),
    "cauchy": cauchy(_real()),
    "student_t": student_t(_real()),
    "half_student_t": half_student_t(_positive()),
    "exponential": exponential(_positive()),
    "gamma": gamma(_positive()),
    "inverse_gamma": inverse_gamma(_positive()),
    "log_normal": log_normal(_positive()),
    "beta": beta(_rng.beta(2.0, 3.0, size=N)),
    "uniform": uniform(_rng.uniform(-1.5, 3.5, size=N)),
    "laplace": laplace(_real()),
    "bernoulli_probs": bernoulli_probs(np.array([0, 1, 1, 0, 1])),
    "bernoulli_logits": bernoulli_logits(_real(), np.array([1, 0, 0, 1, 1])),
    "binomial_probs": binomial_probs(np.array([10, 3, 7, 1, 20]), np.array([2, 0, 7, 1, 5])),
    "binomial_logits": binomial_logits(np.array([10, 3, 7, 1, 20]), np.array([9, 3, 0, 1, 11])),
    "poisson": poisson(np.array([0, 3, 2, 7, 1])),
    "negative_binomial2": negative_binomial2(np.array([0, 3, 12, 7, 1])),
    "categorical_probs": categorical_probs(np.array([0, 2, 1, 2, 2])),
    "categorical_logits": categorical_logits(np.array([1, 0, 2, 2, 0])),
    "dirichlet": dirichlet(_rng.dirichlet(np.ones(4), size=N)),
    "mvn_covariance": mvn_covariance(_cov2, _rng.multivariate_normal([0.5, -0.5], _cov2, size=N)),
    "mvn_scale_tril": mvn_scale_tril(np.linalg.cholesky(np.eye(3) + 0.3), _rng.normal(size=(N, 3))),
    "lkj_cholesky": lkj_cholesky(_corr_cholesky(N, 3)),
    "flat": flat(_real(), _real()),
    "half_flat": half_flat(_real()),
}


# ---- one model per expression feature ----------------------------------------------------
@pa.model
def nested_plates(y):
    mu = pa.prior("mu", dist.Normal(0.0, 1.0))
    s = pa.prior("s", dist.HalfNormal(1.0))
    with pa.plate("col", 4):
        col_effect = pa.prior("col_effect", dist.Normal(0.0, 1.0))
    with pa.plate("row", 3):
        row_effect = pa.prior("row_effect", dist.Normal(mu, 1.0))
        row_scale = pa.prior("row_scale", dist.HalfNormal(1.0))
        with pa.plate("col", 4):
            cell = pa.prior("cell", dist.Normal(row_effect, row_scale))
            pa.likelihood("y", dist.Normal(cell + row_effect + col_effect, s), observed=y)


@pa.model
def group_indexing(group, y):
    s = pa.prior("s", dist.HalfNormal(1.0))
    with pa.plate("groups", 3):
        a = pa.prior("a", dist.Normal(0.0, 2.0))
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Normal(a[group], s), observed=y)


@pa.model
def regression_matmul(X, y):
    alpha = pa.prior("alpha", dist.Normal(0.0, 5.0))
    beta_ = pa.prior("beta", dist.Normal(0.0, 1.0).expand([X.shape[1]]))
    sigma = pa.prior("sigma", dist.Exponential(1.0))
    mean = pa.deterministic("mean", alpha + X @ beta_)
    with pa.plate("n", len(y)):
        pa.likelihood("y", dist.Normal(mean, sigma), observed=y)


@pa.model
def glm_likelihoods(X, y, k):
    """Linear predictors that Stan prints as its GLM densities (normal_id_glm with the
    intercept on the right and a scale per observation, bernoulli_logit_glm without one)."""
    alpha = pa.prior("alpha", dist.Normal(0.0, 2.0))
    with pa.plate("feature", X.shape[1]):
        beta_ = pa.prior("beta", dist.Normal(0.0, 1.0))
    with pa.plate("n", len(y)):
        scale = pa.prior("scale", dist.HalfNormal(1.0))
        pa.likelihood("y", dist.Normal(X @ beta_ + alpha, scale), observed=y)
        pa.likelihood("z", dist.Bernoulli(logits=X @ beta_), observed=k)


def _normal_lpdf(x, loc, scale):
    return -0.5 * np.log(2 * np.pi) - pm.log(scale) - 0.5 * pm.square((x - loc) / scale)


@pa.model
def factors(y, v_data):
    """pa.factor outside and inside (nested) plates: a Normal prior written as a factor on
    a Flat site, a marginalised mixture per observation, terms broadcast along plates they
    do not vary over (counted once per element), and a term of data alone."""
    mu = pa.prior("mu", dist.Flat())
    w = pa.prior("w", dist.Beta(2.0, 2.0))
    v = pa.prior("v", dist.Normal(0.0, 1.0).expand([2]))
    pa.factor("mu_prior", _normal_lpdf(mu, 0.0, 2.0))
    pa.factor("v_extra", -0.5 * pm.square(v - v_data))
    with pa.plate("n", len(y)):
        s = pa.prior("s", dist.HalfNormal(1.0))
        mix = pm.stack([pm.log(w) + _normal_lpdf(y, mu, s),
                        pm.log1p(-w) + _normal_lpdf(y, -mu, s)], axis=-1)
        pa.factor("mix", pm.logsumexp(mix, axis=-1))
        pa.factor("per_row", 0.1 * mu)
        pa.factor("data_only", 0.01 * y)
        with pa.plate("k", 3):
            pa.factor("cell", -0.5 * pm.square(s) + 0.2 * v[0])


@pa.model
def math_functions(y):
    a = pa.prior("a", dist.Normal(0.0, 1.0).expand([3]))
    m = pa.prior("m", dist.Normal(0.0, 1.0).expand([2, 3]))
    s = pa.prior("s", dist.HalfNormal(1.0))
    scalar = (pm.exp(a[0]) + pm.log1p(s) + pm.sigmoid(a[1]) + pm.softplus(a[2])
              + pm.logsumexp(a))
    w = pm.where(a > 0.0, a, 0.5 * a)
    mixed = pm.sum(pm.cumsum(w) * pm.softmax(a))
    loc = pa.deterministic("loc", scalar + mixed + pm.sum(m, axis=0))
    with pa.plate("n", 3):
        pa.likelihood("y", dist.Normal(loc, pm.softplus(s) + 0.1), observed=y)


@pa.model
def transpose_stack(y):
    m = pa.prior("m", dist.Normal(0.0, 1.0).expand([2, 3]))
    u = pa.prior("u", dist.Normal(0.0, 1.0).expand([3]))
    v = pa.prior("v", dist.Normal(0.0, 1.0).expand([3]))
    stacked = pm.stack([u, v], axis=1)  # (3, 2)
    joined = pm.concatenate([u[:1], v[1:]], axis=0)  # (3,)
    loc = pa.deterministic("loc", m.T + stacked + joined[:, None])
    pa.likelihood("y", dist.Normal(loc, 1.0), observed=y)


@pa.model
def contractions(S, counts, table, y):
    """pa.math.einsum: a batch letter last and first (Stan: a loop over the batch), two
    letters summed, a Gram matrix, no letter summed, three operands with integer data,
    integers only, and one operand."""
    w = pa.prior("w", dist.Normal(0.0, 1.0).expand([2, 3]))  # (c, l); S is (c, t, l)
    v = pa.prior("v", dist.Normal(0.0, 1.0).expand([3]))
    batch_last = pm.einsum("ctl,cl->tc", S, w)
    batch_first = pm.einsum("ctl,cl->ct", S, w)
    twice_summed = pm.einsum("ctl,cl->t", S, w)
    gram = pm.einsum("cl,cm->lm", w, w)
    outer = pm.einsum("c,l->cl", w[:, 0], v)
    chain = pm.einsum("l,cl,c->", v, w, counts)
    integers = pm.einsum("tc,c->t", table, counts)
    loc = pa.deterministic("loc", batch_last + pm.einsum("ct->tc", batch_first)
                           + (twice_summed + integers / 10)[:, None]
                           + 0.1 * (pm.sum(gram) + pm.sum(outer) + chain))
    pa.likelihood("y", dist.Normal(loc, 1.0), observed=y)


FEATURE_CASES = {
    "nested_plates": nested_plates(_rng.normal(size=(3, 4))),
    "group_indexing": group_indexing(np.array([0, 2, 1, 1, 0, 2]), _rng.normal(size=6)),
    "regression_matmul": regression_matmul(_rng.normal(size=(6, 2)), _rng.normal(size=6)),
    "glm_likelihoods": glm_likelihoods(_rng.normal(size=(6, 2)), _rng.normal(size=6),
                                       np.array([0, 1, 1, 0, 1, 0])),
    "math_functions": math_functions(_rng.normal(size=3)),
    "transpose_stack": transpose_stack(_rng.normal(size=(3, 2))),
    "factors": factors(_real(), _rng.normal(size=2)),
    "contractions": contractions(_rng.normal(size=(2, 4, 3)), np.array([1, 3]),
                                 np.array([[0, 1], [2, 1], [1, 1], [3, 0]]), _rng.normal(size=(4, 2))),
}
CASES = {**FAMILY_CASES, **FEATURE_CASES, **{f"example_{k}": m for k, m in example_models().items()}}


def _point(model: pa.Model, seed: int) -> dict[str, np.ndarray]:
    """A random prior draw: values of the priors and deterministics (as in a posterior
    draw); Flat/HalfFlat sites drawn from proper stand-ins."""
    draw = reference.sample_prior(model, seed, improper="standin")
    return {s.name: draw[s.name] for s in model.posterior_sites}


# ---- the reference side is sound on its own -------------------------------------------------
def test_cases_cover_every_family_as_prior_and_likelihood():
    priors = {s.dist.name for m in FAMILY_CASES.values() for s in m.priors}
    likelihoods = {s.dist.name for m in FAMILY_CASES.values() for s in m.likelihoods}
    discrete = {name for name, spec in REGISTRY.items() if spec.discrete}
    improper = {name for name, spec in REGISTRY.items() if spec.improper}
    assert priors == set(REGISTRY) - discrete
    assert likelihoods == set(REGISTRY) - improper


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_reference_log_density_is_finite(case, seed):
    model = CASES[case]
    assert np.isfinite(reference.log_density(model, _point(model, seed)))


# ---- the truth test --------------------------------------------------------------------
# Known numerical limits of a backend library, with the evidence. Anything else must agree
# to 1e-8. jax.scipy.special.betaln (inside NumPyro's NegativeBinomial2) is off by up to
# ~1.6e-6 absolute even in float64 (betaln(3.0037, 8): 1.33e-6 against mpmath; SciPy: 1e-15).
LIBRARY_TOLERANCE = {("numpyro", "negative_binomial2"): 1e-6}


# Backends that build each program slowly check every case at once, in one merged model
# (`merges_cases`); PPLADAPT_TEST_EVERY_CASE=1 also runs their per-case tests.
BASE_SEED = 7


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_log_density_agrees_with_reference(backend, case, seed):
    if merges_cases(backend):
        pytest.skip(f"{backend}: the cases are checked together by test_merged_cases_agree_...")
    model = CASES[case]
    params = _point(model, seed)
    want = reference.log_density(model, params)
    got = pa.log_density(model, params, backend=backend)
    rtol = LIBRARY_TOLERANCE.get((backend, case), 1e-8)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-8, err_msg=f"{backend}: {case}, seed {seed}")


@pytest.fixture(scope="module")
def merged():
    return merge(CASES)


def test_merged_cases_agree_with_reference(backend, merged, density_only_builds):
    """All cases as one model (names prefixed per case, so one program): at each seed's
    point the merged log density equals the sum of the reference's, and each case alone,
    moved from a base point to that point with every other case held, changes it by what
    the reference says (with the per-case test's tolerance). One test for all seeds, so
    one worker builds the program."""
    if backend not in ONE_PROGRAM_BACKENDS:
        pytest.skip(f"{backend} runs the per-case tests")
    base = {case: _point(model, BASE_SEED) for case, model in CASES.items()}
    want_base = {case: reference.log_density(model, base[case]) for case, model in CASES.items()}
    rtol = {case: LIBRARY_TOLERANCE.get((backend, case), 1e-8) for case in CASES}
    got_base = pa.log_density(merged, merged_point(CASES, base), backend=backend)
    for seed in SEEDS:
        points = {case: _point(model, seed) for case, model in CASES.items()}
        want = {case: reference.log_density(model, points[case]) for case, model in CASES.items()}
        got = pa.log_density(merged, merged_point(CASES, points), backend=backend)
        tolerance = sum(rtol[c] * abs(want[c]) + 1e-8 for c in CASES)
        assert abs(got - sum(want.values())) <= tolerance, f"{backend}: merged cases, seed {seed}"
        for case in sorted(CASES):
            alone = merged_point(CASES, {**base, case: points[case]})
            change = pa.log_density(merged, alone, backend=backend) - got_base
            want_change = want[case] - want_base[case]
            scale = abs(want[case]) + abs(want_base[case])
            slack = rtol[case] * scale + 1e-8 + 1e-14 * abs(got_base)
            assert abs(change - want_change) <= slack, (
                f"{backend}: {case}, seed {seed}: change {change} != reference {want_change}")
