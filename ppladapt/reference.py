"""The reference evaluator: log densities and prior draws of an IR model in NumPy/SciPy.

This is the oracle every backend's ``log_density`` is tested against, so it shares no
formulas with the backends: scalar families go through ``scipy.stats`` (rate-vs-scale
conversions are written out once, in the table below), and only the families SciPy
lacks in batched form (Categorical, Dirichlet, LKJCholesky, and the logits forms of
Bernoulli/Binomial, computed stably) have textbook formulas here; HalfStudentT, which
SciPy lacks, is its ``t`` folded at 0 (log 2 + the t density). Parameter expressions
are evaluated with `ppladapt.ir.evaluate.evaluate`. SciPy is imported lazily.

Improper priors (Flat, HalfFlat) have log density 0 on their support. They cannot be
sampled: `sample_prior` raises `ModelError` unless ``improper="standin"``, which draws
Flat sites from Normal(0, 1) and HalfFlat sites from HalfNormal(1) (for tests only).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any, Callable, Mapping

import numpy as np

from ppladapt.errors import ModelError
from ppladapt.ir import distributions as D
from ppladapt.ir.distributions import VALUE_EVENT_NDIM, Distribution
from ppladapt.ir.evaluate import evaluate
from ppladapt.ir.expr import INT
from ppladapt.ir.model import Model

__all__ = ["log_prob", "log_density", "sample_prior", "lkj_log_normalizer", "IMPROPER_OPTIONS"]

Shape = tuple[int, ...]
Params = dict[str, np.ndarray]
IMPROPER_OPTIONS = ("error", "standin")
SIMPLEX_TOL = 1e-6  # as ppladapt.ir.support: how far a simplex/unit row may be off


@cache
def _stats() -> ModuleType:
    from scipy import stats

    return stats


@cache
def _special() -> ModuleType:
    from scipy import special

    return special


@dataclass(frozen=True)
class _Family:
    """How the oracle evaluates and draws one registry family.

    ``log_prob(p, x)`` may return anything outside the support (it is masked to -inf
    afterwards); ``draw(p, shape, rng)`` returns a value of the site's full ``shape``.
    """

    log_prob: Callable[[Params, np.ndarray], np.ndarray]
    draw: Callable[[Params, Shape, np.random.Generator], np.ndarray]


# ---- scalar families: a frozen scipy.stats distribution each (table at the end) ---------
def _probs(p: Params) -> np.ndarray:
    return p["probs"] if "probs" in p else _special().expit(p["logits"])


def _bernoulli(p: Params) -> Any:
    return _stats().bernoulli(p=_probs(p))


def _binomial(p: Params) -> Any:
    return _stats().binom(n=p["total_count"], p=_probs(p))


def _nbinom2(p: Params) -> Any:
    """NegativeBinomial2(mean, concentration) = nbinom(n=concentration, p=c / (c + mean))."""
    c = p["concentration"]
    return _stats().nbinom(n=c, p=c / (c + p["mean"]))


def _scipy(frozen: Callable[[Params], Any]) -> _Family:
    """A family evaluated and drawn through the frozen scipy distribution ``frozen(p)``."""

    def log_prob(p: Params, x: np.ndarray) -> np.ndarray:
        f = frozen(p)
        return f.logpmf(x) if isinstance(f.dist, _stats().rv_discrete) else f.logpdf(x)

    def draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
        return frozen(p).rvs(size=shape, random_state=rng)

    return _Family(log_prob, draw)


def _half_student_t_log_prob(p: Params, x: np.ndarray) -> np.ndarray:
    """|StudentT(df, 0, scale)|: twice the Student-t density on x >= 0."""
    return np.log(2.0) + _stats().t(df=p["df"], scale=p["scale"]).logpdf(x)


def _half_student_t_draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    return np.abs(_stats().t(df=p["df"], scale=p["scale"]).rvs(size=shape, random_state=rng))


# ---- logits forms, computed stably (log_expit instead of log(expit)) ---------------------
def _bernoulli_log_prob(p: Params, x: np.ndarray) -> np.ndarray:
    if "probs" in p:
        return _bernoulli(p).logpmf(x)
    log_expit, logits = _special().log_expit, p["logits"]
    return x * log_expit(logits) + (1.0 - x) * log_expit(-logits)


def _binomial_log_prob(p: Params, x: np.ndarray) -> np.ndarray:
    if "probs" in p:
        return _binomial(p).logpmf(x)
    sp, n, logits = _special(), p["total_count"], p["logits"]
    log_choose = sp.gammaln(n + 1.0) - sp.gammaln(x + 1.0) - sp.gammaln(n - x + 1.0)
    return log_choose + x * sp.log_expit(logits) + (n - x) * sp.log_expit(-logits)


# ---- event families -------------------------------------------------------------------
def _categorical_log_probs(p: Params) -> np.ndarray:
    return np.log(p["probs"]) if "probs" in p else _special().log_softmax(p["logits"], axis=-1)


def _categorical_log_prob(p: Params, x: np.ndarray) -> np.ndarray:
    table = _categorical_log_probs(p)
    k = table.shape[-1]
    index = np.clip(np.nan_to_num(x), 0, k - 1).astype(np.int64)  # out of range: masked later
    batch = np.broadcast_shapes(index.shape, table.shape[:-1])
    table = np.broadcast_to(table, batch + (k,))
    return np.take_along_axis(table, np.broadcast_to(index, batch)[..., None], axis=-1)[..., 0]


def _categorical_draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    probs = np.exp(_categorical_log_probs(p))
    cdf = np.cumsum(np.broadcast_to(probs, shape + probs.shape[-1:]), axis=-1)
    u = rng.random(shape + (1,)) * cdf[..., -1:]
    return np.minimum((cdf < u).sum(-1), probs.shape[-1] - 1)


def _dirichlet_log_prob(p: Params, x: np.ndarray) -> np.ndarray:
    sp, a = _special(), p["concentration"]
    return sp.gammaln(a.sum(-1)) - sp.gammaln(a).sum(-1) + sp.xlogy(a - 1.0, x).sum(-1)


def _dirichlet_draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    g = rng.standard_gamma(np.broadcast_to(p["concentration"], shape))
    return g / g.sum(-1, keepdims=True)


def _mvn_covariance(p: Params) -> np.ndarray:
    if "covariance_matrix" in p:
        return p["covariance_matrix"]
    tril = p["scale_tril"]
    return tril @ np.swapaxes(tril, -1, -2)


def _mvn_log_prob(p: Params, x: np.ndarray) -> np.ndarray:
    loc, cov = p["loc"], _mvn_covariance(p)
    k = x.shape[-1]
    batch = np.broadcast_shapes(x.shape[:-1], loc.shape[:-1], cov.shape[:-2])
    x, loc = np.broadcast_to(x, batch + (k,)), np.broadcast_to(loc, batch + (k,))
    cov = np.broadcast_to(cov, batch + (k, k))
    out = np.empty(batch)
    for i in np.ndindex(*batch):  # scipy's multivariate_normal is not batched over cov
        if np.all(np.isfinite(x[i])):
            out[i] = _stats().multivariate_normal.logpdf(x[i], loc[i], cov[i])
        else:
            out[i] = -np.inf
    return out


def _mvn_draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    tril = p["scale_tril"] if "scale_tril" in p else np.linalg.cholesky(p["covariance_matrix"])
    z = rng.standard_normal(shape)
    return p["loc"] + (tril @ z[..., None])[..., 0]


def lkj_log_normalizer(concentration: np.ndarray, dimension: int) -> np.ndarray:
    """log of c_d(eta) = integral of det(C)**(eta - 1) over d x d correlation matrices
    (Lewandowski, Kurowicka & Joe 2009, eq. 16):
    sum_{k=1}^{d-1} [(2 eta - 2 + d - k)(d - k) log 2 + (d - k) log B(b_k, b_k)],
    b_k = eta + (d - k - 1) / 2."""
    eta, total = np.asarray(concentration, dtype=float), 0.0
    for k in range(1, dimension):
        b = eta + (dimension - k - 1) / 2.0
        total = total + (dimension - k) * (
            (2.0 * eta - 2.0 + dimension - k) * np.log(2.0) + _special().betaln(b, b)
        )
    return total


def _lkj_log_prob(p: Params, x: np.ndarray) -> np.ndarray:
    """Density of the Cholesky factor L (w.r.t. Lebesgue measure on its strictly lower
    entries): det(C)**(eta-1) = prod L_ii**(2 eta - 2) times the Jacobian of L -> C,
    prod L_ii**(d - i), so log p = sum_{i=2}^{d} (2 eta - 2 + d - i) log L_ii - log c_d."""
    d, eta = x.shape[-1], p["concentration"]
    i = np.arange(2, d + 1)
    diag = np.diagonal(x, axis1=-2, axis2=-1)[..., 1:]
    order = 2.0 * eta[..., None] - 2.0 + d - i
    return np.sum(order * np.log(diag), axis=-1) - lkj_log_normalizer(eta, d)


def _lkj_draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """The onion method (LKJ 2009, section 3.2) in Cholesky form: row k (0-based) is
    (sqrt(y) u, sqrt(1 - y)), y ~ Beta(k/2, eta + (d-2)/2 - (k-1)/2), u uniform on S^{k-1}."""
    d, batch = shape[-1], shape[:-2]
    eta = np.broadcast_to(p["concentration"], batch)
    out = np.zeros(shape)
    out[..., 0, 0] = 1.0
    for k in range(1, d):
        y = np.asarray(rng.beta(k / 2.0, eta + (d - 2) / 2.0 - (k - 1) / 2.0, size=batch))
        u = rng.standard_normal(batch + (k,))
        u /= np.linalg.norm(u, axis=-1, keepdims=True)
        out[..., k, :k] = np.sqrt(y)[..., None] * u
        out[..., k, k] = np.sqrt(1.0 - y)
    return out


# ---- improper priors ------------------------------------------------------------------
def _zero(p: Params, x: np.ndarray) -> np.ndarray:
    return np.zeros(np.shape(x))


def _flat_draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal(shape)  # stand-in, only with improper="standin"


def _half_flat_draw(p: Params, shape: Shape, rng: np.random.Generator) -> np.ndarray:
    return np.abs(rng.standard_normal(shape))  # stand-in, only with improper="standin"


_FAMILIES: dict[str, _Family] = {
    "Normal": _scipy(lambda p: _stats().norm(loc=p["loc"], scale=p["scale"])),
    "HalfNormal": _scipy(lambda p: _stats().halfnorm(scale=p["scale"])),
    "HalfCauchy": _scipy(lambda p: _stats().halfcauchy(scale=p["scale"])),
    "Cauchy": _scipy(lambda p: _stats().cauchy(loc=p["loc"], scale=p["scale"])),
    "StudentT": _scipy(lambda p: _stats().t(df=p["df"], loc=p["loc"], scale=p["scale"])),
    "HalfStudentT": _Family(_half_student_t_log_prob, _half_student_t_draw),
    "Exponential": _scipy(lambda p: _stats().expon(scale=1.0 / p["rate"])),
    "Gamma": _scipy(lambda p: _stats().gamma(a=p["concentration"], scale=1.0 / p["rate"])),
    "InverseGamma": _scipy(lambda p: _stats().invgamma(a=p["concentration"], scale=p["rate"])),
    "LogNormal": _scipy(lambda p: _stats().lognorm(s=p["scale"], scale=np.exp(p["loc"]))),
    "Beta": _scipy(lambda p: _stats().beta(a=p["concentration1"], b=p["concentration0"])),
    "Uniform": _scipy(lambda p: _stats().uniform(loc=p["low"], scale=p["high"] - p["low"])),
    "Laplace": _scipy(lambda p: _stats().laplace(loc=p["loc"], scale=p["scale"])),
    "Bernoulli": _Family(_bernoulli_log_prob, _scipy(_bernoulli).draw),
    "Binomial": _Family(_binomial_log_prob, _scipy(_binomial).draw),
    "Poisson": _scipy(lambda p: _stats().poisson(mu=p["rate"])),
    "NegativeBinomial2": _scipy(_nbinom2),
    "Categorical": _Family(_categorical_log_prob, _categorical_draw),
    "Dirichlet": _Family(_dirichlet_log_prob, _dirichlet_draw),
    "MultivariateNormal": _Family(_mvn_log_prob, _mvn_draw),
    "LKJCholesky": _Family(_lkj_log_prob, _lkj_draw),
    "Flat": _Family(_zero, _flat_draw),
    "HalfFlat": _Family(_zero, _half_flat_draw),
}


# ---- support ----------------------------------------------------------------------------
def _integral(x: np.ndarray) -> np.ndarray:
    return np.isfinite(x) & (np.floor(x) == x)


def _in_support(support: D.Constraint, p: Params, x: np.ndarray) -> np.ndarray:
    """Elementwise (event dims reduced) membership of ``x`` in the registry support."""
    kind, finite = support.kind, np.isfinite(x)
    if kind == D.REAL_LINE:
        return finite
    if kind == D.POSITIVE:
        return finite & (x > 0)
    if kind == D.UNIT_INTERVAL:
        return (x >= 0) & (x <= 1)
    if kind == D.INTERVAL:
        return finite & (x >= p[support.low]) & (x <= p[support.high])
    if kind == D.SIMPLEX:
        return np.all(finite & (x >= 0), -1) & (np.abs(x.sum(-1) - 1.0) <= SIMPLEX_TOL)
    if kind == D.CORR_CHOLESKY:
        lower = np.all(np.triu(x, 1) == 0, axis=(-2, -1)) & np.all(finite, axis=(-2, -1))
        diag = np.all(np.diagonal(x, axis1=-2, axis2=-1) > 0, -1)
        return lower & diag & np.all(np.abs((x**2).sum(-1) - 1.0) <= SIMPLEX_TOL, -1)
    if kind == D.BOOLEAN:
        return (x == 0) | (x == 1)
    if kind == D.NONNEGATIVE_INTEGER:
        return _integral(x) & (x >= 0)
    if kind == D.INTEGER_INTERVAL:
        return _integral(x) & (x >= 0) & (x <= p[support.high])
    if kind == D.CATEGORY:
        k = (p["probs"] if "probs" in p else p["logits"]).shape[-1]
        return _integral(x) & (x >= 0) & (x < k)
    raise ValueError(f"reference: no support test for constraint kind {kind!r}")


# ---- public API -------------------------------------------------------------------------
def _params(dist: Distribution, env: Mapping[str, Any]) -> Params:
    """Parameter values: int64 for integer parameters (total_count), float64 otherwise."""
    spec = dist.spec
    return {
        key: np.asarray(evaluate(node, env), np.int64 if spec.param(key).dtype == INT else float)
        for key, node in dist.params
    }


def log_prob(dist: Distribution, value: Any, env: Mapping[str, Any]) -> np.ndarray:
    """Elementwise log density of ``dist`` at ``value`` (the site's full shape: batch,
    then event), with parameter expressions evaluated in ``env`` (data and site values).

    Returns an array of the value's batch shape; -inf where the value lies outside the
    family's support (as the registry declares it). Parameters broadcast NumPy-style.
    """
    p = _params(dist, env)
    x = np.asarray(value, dtype=float)
    batch = x.shape[: x.ndim - VALUE_EVENT_NDIM.get(dist.name, 0)]
    with np.errstate(all="ignore"):
        inside = _in_support(dist.spec.support, p, x)
        inside = np.all(inside, axis=tuple(range(len(batch), inside.ndim)))  # event dims
        lp = _FAMILIES[dist.name].log_prob(p, x)
    return np.where(np.broadcast_to(inside, batch), np.broadcast_to(lp, batch), -np.inf)


def _prior_value(model: Model, name: str, value: Any) -> np.ndarray:
    dtype = np.int64 if model.dtype_of(name) == INT else np.float64
    array = np.asarray(value, dtype=dtype)
    if array.shape != model.shape_of(name):
        raise ModelError(
            f"reference log_density: value for prior '{name}' has shape {array.shape}, "
            f"expected {model.shape_of(name)}."
        )
    return array


def log_density(model: Model, params: Mapping[str, Any]) -> float:
    """Joint log density of ``model`` at constrained prior values ``params``, as
    ``pa.log_density`` defines it: normalising constants included, no Jacobian.

    Every prior site needs a value (a missing one is a `ModelError` naming it); other
    keys are ignored, deterministics are recomputed from the priors in site order,
    every likelihood site adds its log density at its observed data, and every factor the
    sum of its log weight broadcast to its plates.
    """
    missing = [s.name for s in model.priors if s.name not in params]
    if missing:
        raise ModelError(
            f"reference log_density needs a value for every prior site; missing: "
            f"{', '.join(missing)}."
        )
    data = model.data_dict
    env: dict[str, Any] = dict(data)
    total = 0.0
    for site in model.sites:
        if site.kind == "prior":
            env[site.name] = _prior_value(model, site.name, params[site.name])
            total += float(np.sum(log_prob(site.dist, env[site.name], env)))
        elif site.kind == "deterministic":
            env[site.name] = evaluate(site.expr, env)
        elif site.kind == "factor":
            weight = np.broadcast_to(evaluate(site.expr, env), model.shape_of(site.name))
            total += float(np.sum(weight))
        elif site.observed is None:
            raise ModelError(
                f"likelihood '{site.name}' has no observed data; log_density needs observed= "
                f"on every likelihood site."
            )
        else:
            total += float(np.sum(log_prob(site.dist, data[site.observed], env)))
    return total


def sample_prior(model: Model, seed: int, improper: str = "error") -> dict[str, np.ndarray]:
    """One joint draw of every site of ``model`` with NumPy's generator seeded by ``seed``:
    priors, deterministics (computed) and likelihoods (simulated), each of shape
    ``model.shape_of(name)``; discrete sites are int64. Factors have no value and are not
    drawn from: the draw is from the model without them.

    ``improper="error"`` (default) raises `ModelError` at a Flat/HalfFlat prior, which has
    no distribution to draw from; ``improper="standin"`` draws such sites from Normal(0, 1)
    (Flat) or HalfNormal(1) (HalfFlat), which is useful for tests of densities only.
    """
    if improper not in IMPROPER_OPTIONS:
        raise ModelError(f"improper must be one of {IMPROPER_OPTIONS}, got {improper!r}.")
    rng = np.random.default_rng(seed)
    env: dict[str, Any] = dict(model.data_dict)
    out: dict[str, np.ndarray] = {}
    for site in model.sites:
        if site.kind == "factor":
            continue
        shape = model.shape_of(site.name)
        if site.kind == "deterministic":
            value = np.asarray(evaluate(site.expr, env))
            value = value.astype(np.int64) if value.dtype == bool else value
        else:
            if site.dist.spec.improper and improper == "error":
                raise ModelError(
                    f"prior '{site.name}' is {site.dist.name}, an improper prior, which cannot be "
                    f"sampled; give it a proper prior or pass improper='standin'."
                )
            draw = _FAMILIES[site.dist.name].draw(_params(site.dist, env), shape, rng)
            dtype = np.int64 if site.dist.spec.discrete else np.float64
            value = np.asarray(np.broadcast_to(draw, shape), dtype=dtype).copy()
        out[site.name] = value
        if site.kind != "likelihood":
            env[site.name] = value
    return out
