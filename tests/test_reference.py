"""The reference evaluator against hand-written textbook formulas (no scipy.stats here)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ppladapt as pa
from ppladapt import dist, reference
from ppladapt.errors import ModelError
from ppladapt.ir.distributions import REGISTRY, Distribution
from ppladapt.ir.expr import INT, REAL, Const, DataRef
from ppladapt.ir.support import in_constraint

LOG2PI = math.log(2 * math.pi)
lgamma = math.lgamma


def lp(family: str, value, **params) -> np.ndarray:
    """reference.log_prob of ``family`` with these parameter values (ints stay ints)."""
    env, nodes = {}, []
    for key, v in params.items():
        a = np.asarray(v)
        if a.ndim == 0:
            nodes.append((key, Const(a.item())))
        else:
            env[f"p_{key}"] = a
            nodes.append((key, DataRef(f"p_{key}", a.shape, INT if a.dtype.kind == "i" else REAL)))
    return reference.log_prob(Distribution(family, tuple(nodes)), np.asarray(value), env)


def normal_lpdf(x, mu, s):
    return -0.5 * LOG2PI - math.log(s) - (x - mu) ** 2 / (2 * s**2)


def half_cauchy_lpdf(x, s):
    return math.log(2 / math.pi) - math.log(s) - math.log1p((x / s) ** 2)


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ---- one test per family: textbook formula at a couple of points -------------------------
def test_normal():
    close(lp("Normal", 1.3, loc=0.5, scale=2.0), normal_lpdf(1.3, 0.5, 2.0))
    close(lp("Normal", [-1.0, 4.0], loc=0.5, scale=2.0),
          [normal_lpdf(-1.0, 0.5, 2.0), normal_lpdf(4.0, 0.5, 2.0)])


def test_half_normal():
    for x in (0.3, 2.5):
        want = 0.5 * math.log(2 / math.pi) - math.log(1.5) - x**2 / (2 * 1.5**2)
        close(lp("HalfNormal", x, scale=1.5), want)
    assert lp("HalfNormal", -0.1, scale=1.5) == -np.inf


def test_half_cauchy_and_cauchy():
    for x in (0.2, 7.0):
        close(lp("HalfCauchy", x, scale=5.0), half_cauchy_lpdf(x, 5.0))
        close(lp("Cauchy", -x, loc=1.0, scale=2.0),
              -math.log(math.pi) - math.log(2.0) - math.log1p(((-x - 1.0) / 2.0) ** 2))
    assert lp("HalfCauchy", -1.0, scale=5.0) == -np.inf


def test_student_t():
    nu, mu, s = 3.5, 1.0, 2.0
    for x in (-2.0, 0.7):
        z = (x - mu) / s
        want = (lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * math.log(nu * math.pi) - math.log(s)
                - (nu + 1) / 2 * math.log1p(z**2 / nu))
        close(lp("StudentT", x, df=nu, loc=mu, scale=s), want)


def test_half_student_t_is_the_folded_student_t():
    nu, s = 3.0, 2.0
    for x in (0.4, 5.0):
        want = (math.log(2.0) + lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * math.log(nu * math.pi)
                - math.log(s) - (nu + 1) / 2 * math.log1p((x / s) ** 2 / nu))
        close(lp("HalfStudentT", x, df=nu, scale=s), want)
    assert lp("HalfStudentT", -0.5, df=nu, scale=s) == -np.inf


def test_exponential_is_rate_parameterised():
    # rate 2: log 2 - 2x; the scale reading (-log 2 - x/2) would differ.
    for x in (0.3, 4.0):
        close(lp("Exponential", x, rate=2.0), math.log(2.0) - 2.0 * x)
    assert lp("Exponential", -0.5, rate=2.0) == -np.inf


def test_gamma_is_rate_parameterised():
    a, b = 3.0, 4.0  # mean a/b = 0.75
    for x in (0.5, 2.0):
        want = a * math.log(b) - lgamma(a) + (a - 1) * math.log(x) - b * x
        close(lp("Gamma", x, concentration=a, rate=b), want)
    assert lp("Gamma", 0.0, concentration=a, rate=b) == -np.inf


def test_inverse_gamma_rate_is_the_scale_of_the_inverse():
    a, b = 2.5, 3.0
    for x in (0.4, 5.0):
        want = a * math.log(b) - lgamma(a) - (a + 1) * math.log(x) - b / x
        close(lp("InverseGamma", x, concentration=a, rate=b), want)
    assert lp("InverseGamma", -1.0, concentration=a, rate=b) == -np.inf


def test_log_normal():
    mu, s = 0.3, 0.8
    for x in (0.5, 3.0):
        want = -math.log(x) - math.log(s) - 0.5 * LOG2PI - (math.log(x) - mu) ** 2 / (2 * s**2)
        close(lp("LogNormal", x, loc=mu, scale=s), want)
    assert lp("LogNormal", -1.0, loc=mu, scale=s) == -np.inf


def test_beta():
    a, b = 2.0, 5.0  # concentration1 = alpha, concentration0 = beta
    for x in (0.1, 0.6):
        want = (lgamma(a + b) - lgamma(a) - lgamma(b)
                + (a - 1) * math.log(x) + (b - 1) * math.log(1 - x))
        close(lp("Beta", x, concentration1=a, concentration0=b), want)
    assert lp("Beta", 1.2, concentration1=a, concentration0=b) == -np.inf


def test_uniform():
    close(lp("Uniform", [-0.5, 2.9], low=-1.0, high=3.0), [-math.log(4.0)] * 2)
    assert np.all(lp("Uniform", [-1.5, 3.5], low=-1.0, high=3.0) == -np.inf)


def test_laplace():
    for x in (-1.0, 2.5):
        close(lp("Laplace", x, loc=0.5, scale=1.5), -math.log(3.0) - abs(x - 0.5) / 1.5)


def test_bernoulli_probs_and_logits():
    p = 0.3
    close(lp("Bernoulli", [0, 1], probs=p), [math.log(1 - p), math.log(p)])
    logit = 1.7
    q = 1 / (1 + math.exp(-logit))
    close(lp("Bernoulli", [0, 1], logits=logit), [math.log(1 - q), math.log(q)])
    assert np.all(lp("Bernoulli", [2, -1, 0.5], probs=p) == -np.inf)


def test_binomial_probs_and_logits():
    n, p = 10, 0.3
    for k in (0, 4, 10):
        want = math.log(math.comb(n, k)) + k * math.log(p) + (n - k) * math.log(1 - p)
        close(lp("Binomial", k, total_count=n, probs=p), want)
        q = 1 / (1 + math.exp(0.4))
        want = math.log(math.comb(n, k)) + k * math.log(q) + (n - k) * math.log(1 - q)
        close(lp("Binomial", k, total_count=n, logits=-0.4), want)
    assert np.all(lp("Binomial", [11, -1, 2.5], total_count=n, probs=p) == -np.inf)
    assert np.all(lp("Binomial", [11, -1], total_count=n, logits=0.2) == -np.inf)


def test_poisson():
    rate = 3.5
    for k in (0, 2, 9):
        close(lp("Poisson", k, rate=rate), k * math.log(rate) - rate - lgamma(k + 1))
    assert np.all(lp("Poisson", [-1, 1.5], rate=rate) == -np.inf)


def test_negative_binomial2_mean_concentration():
    mu, phi = 4.0, 2.5  # variance mu + mu**2 / phi
    for k in (0, 3, 12):
        want = (lgamma(k + phi) - lgamma(k + 1) - lgamma(phi)
                + phi * math.log(phi / (phi + mu)) + k * math.log(mu / (phi + mu)))
        close(lp("NegativeBinomial2", k, mean=mu, concentration=phi), want)
    assert lp("NegativeBinomial2", -2, mean=mu, concentration=phi) == -np.inf


def test_categorical_is_zero_based():
    probs = np.array([0.2, 0.5, 0.3])
    close(lp("Categorical", [0, 1, 2], probs=probs), np.log(probs))
    logits = np.array([0.1, -1.0, 2.0])
    lse = math.log(sum(math.exp(v) for v in logits))
    close(lp("Categorical", [2, 0], logits=logits), [2.0 - lse, 0.1 - lse])
    assert np.all(lp("Categorical", [3, -1], probs=probs) == -np.inf)


def test_categorical_batched_probs():
    probs = np.array([[0.2, 0.8], [0.6, 0.4]])
    close(lp("Categorical", [1, 1], probs=probs), np.log([0.8, 0.4]))


def test_dirichlet():
    a = np.array([1.5, 2.0, 0.7])
    x = np.array([0.2, 0.5, 0.3])
    want = lgamma(a.sum()) - sum(lgamma(v) for v in a)
    want += sum((ai - 1) * math.log(xi) for ai, xi in zip(a, x))
    close(lp("Dirichlet", x, concentration=a), want)
    close(lp("Dirichlet", np.stack([x, x]), concentration=a), [want, want])
    assert lp("Dirichlet", [0.5, 0.6, -0.1], concentration=a) == -np.inf
    assert lp("Dirichlet", [0.5, 0.6, 0.1], concentration=a) == -np.inf


def test_multivariate_normal_covariance_and_scale_tril():
    mu = np.array([0.5, -1.0])
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    x = np.array([1.0, 0.5])
    det = 2.0 * 1.0 - 0.6**2
    inv = np.array([[1.0, -0.6], [-0.6, 2.0]]) / det
    d = x - mu
    want = -LOG2PI - 0.5 * math.log(det) - 0.5 * float(d @ inv @ d)
    close(lp("MultivariateNormal", x, loc=mu, covariance_matrix=cov), want)
    tril = np.array([[math.sqrt(2.0), 0.0], [0.6 / math.sqrt(2.0), math.sqrt(1.0 - 0.18)]])
    close(lp("MultivariateNormal", x, loc=mu, scale_tril=tril), want)
    close(lp("MultivariateNormal", np.stack([x, mu]), loc=mu, covariance_matrix=cov),
          [want, -LOG2PI - 0.5 * math.log(det)])


def _corr_cholesky_2(r: float) -> np.ndarray:
    return np.array([[1.0, 0.0], [r, math.sqrt(1 - r * r)]])


def test_lkj_cholesky_dimension_2_by_hand():
    # log p(L) = (2 eta - 2) log L22 - log[2**(2 eta - 1) B(eta, eta)]
    for eta, r in ((1.0, 0.3), (2.5, -0.6)):
        log_b = lgamma(eta) * 2 - lgamma(2 * eta)
        want = (2 * eta - 2) * math.log(math.sqrt(1 - r * r)) - (2 * eta - 1) * math.log(2) - log_b
        close(lp("LKJCholesky", _corr_cholesky_2(r), dimension=2, concentration=eta), want)
    not_unit = np.array([[1.0, 0.0], [0.3, 0.5]])
    assert lp("LKJCholesky", not_unit, dimension=2, concentration=1.0) == -np.inf


def test_lkj_elliptope_volume():
    # eta = 1 is uniform over 3x3 correlation matrices, whose volume is pi**2 / 2.
    close(reference.lkj_log_normalizer(1.0, 3), math.log(math.pi**2 / 2))


@pytest.mark.parametrize("eta", [0.8, 1.0, 2.5])
def test_lkj_cholesky_integrates_to_one(eta):
    from scipy import integrate

    def dens2(a):
        return math.exp(lp("LKJCholesky", _corr_cholesky_2(a), dimension=2, concentration=eta))

    total, _ = integrate.quad(dens2, -1, 1)
    assert total == pytest.approx(1.0, abs=1e-6)

    # d = 3: free entries a = L21 and (b, c) = (L31, L32) in the unit disk; the density
    # factorises as f(a) g(b, c), and g depends on the radius only.
    def chol3(a, b, c):
        return np.array([[1, 0, 0], [a, math.sqrt(1 - a * a), 0],
                         [b, c, math.sqrt(1 - b * b - c * c)]])

    def logp3(a, b, c):
        return float(lp("LKJCholesky", chol3(a, b, c), dimension=3, concentration=eta))

    at_zero = logp3(0, 0, 0)
    row2, _ = integrate.quad(lambda a: math.exp(logp3(a, 0, 0) - at_zero), -1, 1)
    row3, _ = integrate.quad(lambda r: 2 * math.pi * r * math.exp(logp3(0, r, 0) - at_zero), 0, 1)
    assert math.exp(at_zero) * row2 * row3 == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("dim,eta", [(2, 1.0), (3, 2.0), (4, 0.7)])
def test_lkj_cholesky_matches_numpyro(dim, eta):
    jax = pytest.importorskip("jax")
    numpyro_dist = pytest.importorskip("numpyro.distributions")
    rng = np.random.default_rng(dim)
    a = rng.standard_normal((dim, dim))
    cov = a @ a.T + dim * np.eye(dim)
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    chol = np.linalg.cholesky(corr)
    with jax.enable_x64(True):
        want = float(numpyro_dist.LKJCholesky(dim, eta).log_prob(jax.numpy.asarray(chol)))
    got = lp("LKJCholesky", chol, dimension=dim, concentration=eta)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_flat_and_half_flat():
    close(lp("Flat", [-3.0, 100.0]), [0.0, 0.0])
    assert list(lp("HalfFlat", [2.0, -1.0, 0.0])) == [0.0, -np.inf, -np.inf]


HAND_TESTED = {
    "Normal", "HalfNormal", "HalfCauchy", "Cauchy", "StudentT", "HalfStudentT", "Exponential",
    "Gamma", "InverseGamma", "LogNormal", "Beta", "Uniform", "Laplace", "Bernoulli", "Binomial",
    "Poisson", "NegativeBinomial2", "Categorical", "Dirichlet", "MultivariateNormal",
    "LKJCholesky", "Flat", "HalfFlat",
}


def test_every_registry_family_has_a_hand_test():
    assert HAND_TESTED == set(REGISTRY), "add a hand-computed test for each new family"


def test_params_broadcast_against_the_site_shape():
    # a value of shape (2, 3) with loc of shape (3,) and scale of shape (2, 1)
    loc, scale = np.array([0.0, 1.0, 2.0]), np.array([[1.0], [2.0]])
    x = np.arange(6.0).reshape(2, 3)
    want = [[normal_lpdf(x[i, j], loc[j], scale[i, 0]) for j in range(3)] for i in range(2)]
    close(lp("Normal", x, loc=loc, scale=scale), want)


# ---- log_density of whole models ------------------------------------------------------------
@pa.model
def conjugate_normal(y):
    mu = pa.prior("mu", dist.Normal(1.0, 10.0))
    pa.likelihood("y", dist.Normal(mu, 2.0).expand([len(y)]), observed=y)


def test_log_density_conjugate_normal():
    y = np.array([1.2, -0.3, 2.5, 0.9])
    m = conjugate_normal(y)
    mu = 0.7
    want = normal_lpdf(mu, 1.0, 10.0) + sum(normal_lpdf(v, mu, 2.0) for v in y)
    close(reference.log_density(m, {"mu": mu}), want)


@pa.model
def eight_schools(sigma, y):
    mu = pa.prior("mu", dist.Normal(0, 5))
    tau = pa.prior("tau", dist.HalfCauchy(5))
    with pa.plate("school", len(sigma)):
        theta = pa.prior("theta", dist.Normal(mu, tau), reparam="noncentered")
        pa.likelihood("y", dist.Normal(theta, sigma), observed=y)


SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
Y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])


def test_log_density_eight_schools_by_hand():
    m = eight_schools(sigma=SIGMA, y=Y)
    mu, tau = 4.0, 3.0
    z = np.linspace(-1.5, 1.5, 8)
    want = normal_lpdf(mu, 0, 5) + half_cauchy_lpdf(tau, 5)
    want += sum(normal_lpdf(v, 0, 1) for v in z)
    want += sum(normal_lpdf(y, mu + tau * zi, s) for y, zi, s in zip(Y, z, SIGMA))
    close(reference.log_density(m, {"mu": mu, "tau": tau, "theta_z": z}), want)
    # deterministics (theta) and unknown keys in params are ignored
    junk = {"mu": mu, "tau": tau, "theta_z": z, "theta": np.full(8, 99.0), "extra": 1.0}
    close(reference.log_density(m, junk), want)


def test_log_density_missing_prior_names_it():
    m = eight_schools(sigma=SIGMA, y=Y)
    with pytest.raises(ModelError, match="tau"):
        reference.log_density(m, {"mu": 0.0, "theta_z": np.zeros(8), "theta": np.zeros(8)})


def test_log_density_wrong_shape_names_the_site():
    m = eight_schools(sigma=SIGMA, y=Y)
    with pytest.raises(ModelError, match="theta_z"):
        reference.log_density(m, {"mu": 0.0, "tau": 1.0, "theta_z": np.zeros(7)})


def test_log_density_out_of_support_prior_is_minus_inf():
    m = eight_schools(sigma=SIGMA, y=Y)
    assert reference.log_density(m, {"mu": 0.0, "tau": -1.0, "theta_z": np.zeros(8)}) == -np.inf


# ---- sample_prior ---------------------------------------------------------------------
@pa.model
def structured(x, counts):
    mu = pa.prior("mu", dist.Normal(0, 1))
    chol = pa.prior("chol", dist.LKJCholesky(3, 2.0))
    w = pa.prior("w", dist.Dirichlet(np.ones(4)))
    with pa.plate("group", 5):
        a = pa.prior("a", dist.Normal(mu, 1.0))
        s = pa.prior("s", dist.Gamma(2.0, 3.0))
        v = pa.prior("v", dist.MultivariateNormal(np.zeros(3), scale_tril=chol))
        with pa.plate("item", 2):
            b = pa.prior("b", dist.Normal(a, s))
            pa.likelihood("counts", dist.Poisson(pa.math.exp(b)), observed=counts)
        pa.likelihood("k", dist.Categorical(probs=w))
    pa.deterministic("total", pa.math.sum(v, axis=0) + x @ w)


def _structured_model():
    return structured(x=np.arange(4.0), counts=np.ones((5, 2), dtype=int))


def test_sample_prior_shapes_and_support():
    m = _structured_model()
    draw = reference.sample_prior(m, seed=1)
    assert set(draw) == {s.name for s in m.sites}
    for name, value in draw.items():
        assert value.shape == m.shape_of(name), name
    assert draw["counts"].dtype == np.int64 and draw["k"].dtype == np.int64
    for site in m.priors + m.likelihoods:
        bounds = {}
        assert in_constraint(site.dist.spec.support, draw[site.name], bounds, 4), site.name
    assert np.all(draw["k"] < 4)
    np.testing.assert_allclose(draw["total"], draw["v"].sum(0) + np.arange(4.0) @ draw["w"])
    with pytest.raises(ModelError, match="'k'"):  # a likelihood with no observed data
        reference.log_density(m, draw)


@pa.model
def factor_model(y):
    mu = pa.prior("mu", dist.Normal(1.0, 10.0))
    pa.factor("extra", -0.5 * mu**2)
    with pa.plate("row", 2):
        with pa.plate("col", 3):
            pa.factor("lp", -0.5 * pa.math.square(y - mu))
        pa.factor("per_row", 0.25 * mu)  # counts once per row


def test_log_density_adds_factors_broadcast_to_their_plates():
    y = np.arange(6.0).reshape(2, 3)
    m, mu = factor_model(y), 0.7
    want = normal_lpdf(mu, 1.0, 10.0) - 0.5 * mu**2 - 0.5 * np.sum((y - mu) ** 2) + 2 * 0.25 * mu
    close(reference.log_density(m, {"mu": mu}), want)
    assert set(reference.sample_prior(m, seed=0)) == {"mu"}  # a factor has no value to draw


def test_sample_prior_is_reproducible():
    m = _structured_model()
    one, two = reference.sample_prior(m, 7), reference.sample_prior(m, 7)
    assert all(np.array_equal(one[k], two[k]) for k in one)
    assert not np.array_equal(one["a"], reference.sample_prior(m, 8)["a"])


@pa.model
def improper_regression(x, y):
    beta = pa.prior("beta", dist.Flat())
    sigma = pa.prior("sigma", dist.HalfFlat())
    pa.likelihood("y", dist.Normal(beta * x, sigma), observed=y)


def test_sample_prior_improper_raises_or_uses_stand_in():
    m = improper_regression(np.arange(3.0), np.ones(3))
    with pytest.raises(ModelError, match="beta"):
        reference.sample_prior(m, 0)
    draw = reference.sample_prior(m, 0, improper="standin")
    assert draw["sigma"] > 0 and np.isfinite(draw["beta"])


def test_lkj_onion_draws_have_lkj_marginals():
    # Under LKJ(eta) in dimension d, each correlation r satisfies (r + 1) / 2 ~
    # Beta(eta - 1 + d / 2, eta - 1 + d / 2).
    from scipy import stats

    @pa.model
    def many():
        with pa.plate("n", 4000):
            pa.prior("chol", dist.LKJCholesky(3, 2.0))

    chol = reference.sample_prior(many(), seed=3)["chol"]
    corr = chol @ np.swapaxes(chol, -1, -2)
    np.testing.assert_allclose(np.diagonal(corr, axis1=1, axis2=2), 1.0)
    marginal = stats.beta(2.5, 2.5)
    for i, j in ((1, 0), (2, 0), (2, 1)):
        assert stats.kstest((corr[:, i, j] + 1) / 2, marginal.cdf).pvalue > 1e-3


@pa.model
def crossed(y, group):
    s = pa.prior("s", dist.HalfNormal(1.0))
    with pa.plate("col", 4):
        col = pa.prior("col_fx", dist.Normal(0.0, 1.0))
    with pa.plate("row", 3):
        row = pa.prior("row_fx", dist.Normal(0.0, 2.0))
        with pa.plate("col", 4):
            pa.likelihood("y", dist.Normal(row + col, s), observed=y)
    with pa.plate("n", len(group)):
        pa.likelihood("z", dist.Normal(row[group], 1.0), observed=np.zeros(len(group)))


def test_log_density_aligns_outer_plate_values_by_plate():
    # row (3,) inside the nested ("row", "col") context varies along rows, not columns.
    y, group = np.arange(12.0).reshape(3, 4) / 4, np.array([2, 0, 0, 1])
    m = crossed(y, group)
    s, col, row = 0.8, np.array([0.1, -0.2, 0.3, 0.0]), np.array([1.0, -1.0, 0.5])
    want = 0.5 * math.log(2 / math.pi) - s**2 / 2  # HalfNormal(1) at s
    want += sum(normal_lpdf(c, 0, 1) for c in col) + sum(normal_lpdf(r, 0, 2) for r in row)
    want += sum(normal_lpdf(y[i, j], row[i] + col[j], s) for i in range(3) for j in range(4))
    want += sum(normal_lpdf(0.0, row[g], 1.0) for g in group)
    close(reference.log_density(m, {"s": s, "col_fx": col, "row_fx": row}), want)
