"""Random models from the IR's grammar (hypothesis strategies), and merging many of them
into one model so a backend with a slow compiler (Stan) checks a whole batch at once.

A part is a small model: scalar priors, a prior in a plate (optionally a nested plate),
deterministics built from random expression trees (arithmetic, elementwise functions,
reductions, indexing by integer data, matmul, where, plate alignment), likelihoods
whose parameters are such expressions mapped into each family's parameter space, and
factors (one per plate element, and one broadcast along the nested plate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

import ppladapt as pa
from ppladapt import dist
from ppladapt import math as pm

PRIOR_FAMILIES = ["Normal", "HalfNormal", "Cauchy", "StudentT", "Exponential", "Gamma",
                  "LogNormal", "Beta", "Laplace", "InverseGamma", "HalfCauchy", "HalfStudentT"]
LIKELIHOOD_FAMILIES = PRIOR_FAMILIES + ["Bernoulli", "Poisson", "Binomial", "NegativeBinomial2"]
UNARY = ["tanh", "sin", "sigmoid", "softplus", "exp_tanh", "square", "neg", "log1p_abs"]
BINARY = ["add", "sub", "mul", "maximum"]


@dataclass(frozen=True)
class PartSpec:
    """The random choices that define one part (plain data, so hypothesis can shrink it)."""

    n: int
    inner: int  # 0: no nested plate
    prior_families: tuple[str, str]
    vector_family: str
    expression: tuple
    likelihood_family: str
    nested_family: str
    data_seed: int


def _expression(depth: int):
    leaves = st.sampled_from(["a", "b", "v", "x", "const", "v_indexed", "matmul"])
    if depth == 0:
        return leaves.map(lambda leaf: (leaf,))
    sub = _expression(depth - 1)
    return st.one_of(
        leaves.map(lambda leaf: (leaf,)),
        st.tuples(st.sampled_from(UNARY), sub).map(lambda t: ("unary",) + t),
        st.tuples(st.sampled_from(BINARY), sub, sub).map(lambda t: ("binary",) + t),
        st.tuples(sub, sub, sub).map(lambda t: ("where",) + t),
        sub.map(lambda e: ("sum_all", e)),
    )


@st.composite
def part_specs(draw) -> PartSpec:
    return PartSpec(
        n=draw(st.integers(1, 4)),
        inner=draw(st.integers(0, 3)),
        prior_families=(draw(st.sampled_from(PRIOR_FAMILIES)), draw(st.sampled_from(PRIOR_FAMILIES))),
        vector_family=draw(st.sampled_from(["Normal", "StudentT", "Laplace", "LogNormal", "Gamma"])),
        expression=draw(_expression(3)),
        likelihood_family=draw(st.sampled_from(LIKELIHOOD_FAMILIES)),
        nested_family=draw(st.sampled_from(["Normal", "Poisson", "Bernoulli", "Gamma"])),
        data_seed=draw(st.integers(0, 2**16)),
    )


# ---- mapping a real expression into a family's parameter space ----------------------------
def _positive(e):
    return pm.softplus(e) + 0.5


def _unit(e):
    return 0.05 + 0.9 * pm.sigmoid(e)


def _family(name: str, e, total_count=None):
    """Distribution ``name`` whose parameters are functions of the expression ``e``."""
    if name == "Normal":
        return dist.Normal(e, _positive(0.3 * e))
    if name == "HalfNormal":
        return dist.HalfNormal(_positive(e))
    if name == "HalfCauchy":
        return dist.HalfCauchy(_positive(e))
    if name == "Cauchy":
        return dist.Cauchy(e, _positive(-e))
    if name == "StudentT":
        return dist.StudentT(_positive(e) + 1.0, e, 1.5)
    if name == "HalfStudentT":
        return dist.HalfStudentT(_positive(e) + 1.0, _positive(-e))
    if name == "Exponential":
        return dist.Exponential(_positive(e))
    if name == "Gamma":
        return dist.Gamma(_positive(e) + 1.0, _positive(-e))
    if name == "InverseGamma":
        return dist.InverseGamma(_positive(e) + 2.0, _positive(e))
    if name == "LogNormal":
        return dist.LogNormal(0.2 * e, _positive(e))
    if name == "Beta":
        return dist.Beta(_positive(e), _positive(-e))
    if name == "Laplace":
        return dist.Laplace(e, _positive(e))
    if name == "Bernoulli":
        return dist.Bernoulli(logits=e)
    if name == "Poisson":
        return dist.Poisson(_positive(e))
    if name == "Binomial":
        return dist.Binomial(total_count, probs=_unit(e))
    if name == "NegativeBinomial2":
        return dist.NegativeBinomial2(_positive(e), _positive(-e) + 1.0)
    raise ValueError(name)


def _fake_observations(name: str, shape, rng, total_count=None) -> np.ndarray:
    """Values in the support of family ``name``."""
    if name in ("Normal", "Cauchy", "StudentT", "Laplace"):
        return rng.normal(0.0, 2.0, size=shape)
    if name == "Beta":
        return rng.uniform(0.05, 0.95, size=shape)
    if name == "Bernoulli":
        return rng.integers(0, 2, size=shape)
    if name in ("Poisson", "NegativeBinomial2"):
        return rng.poisson(3.0, size=shape)
    if name == "Binomial":
        return rng.integers(0, total_count + 1, size=shape)
    return rng.gamma(2.0, 1.0, size=shape)


# ---- building ----------------------------------------------------------------------------
def _build_expression(tree, env):
    kind = tree[0]
    if kind == "const":
        return 0.7
    if kind in ("a", "b", "v", "x"):
        return env[kind]
    if kind == "v_indexed":
        return env["v"][env["idx"]]
    if kind == "matmul":
        return env["X"] @ env["v"]
    if kind == "sum_all":
        return pm.sum(_build_expression(tree[1], env))
    if kind == "unary":
        op, arg = tree[1], _build_expression(tree[2], env)
        return {
            "tanh": pm.tanh, "sin": pm.sin, "sigmoid": pm.sigmoid, "softplus": pm.softplus,
            "exp_tanh": lambda e: pm.exp(pm.tanh(e)), "square": pm.square,
            "neg": lambda e: -e, "log1p_abs": lambda e: pm.log1p(pm.abs(e)),
        }[op](arg)
    if kind == "binary":
        left, right = _build_expression(tree[2], env), _build_expression(tree[3], env)
        return {"add": lambda p, q: p + q, "sub": lambda p, q: p - q,
                "mul": lambda p, q: p * q, "maximum": pm.maximum}[tree[1]](left, right)
    if kind == "where":
        cond, a, b = (_build_expression(t, env) for t in tree[1:])
        return pm.where(cond > 0, a, b)
    raise ValueError(kind)


def _declare_part(prefix: str, spec: PartSpec) -> None:
    rng = np.random.default_rng(spec.data_seed)
    n = spec.n
    x = pa.data(f"{prefix}x", rng.normal(size=n))
    X = pa.data(f"{prefix}X", rng.normal(size=(n, n)))
    idx = pa.data(f"{prefix}idx", rng.integers(0, n, size=n))
    a = pa.prior(f"{prefix}a", _family(spec.prior_families[0], 0.3))
    b = pa.prior(f"{prefix}b", _family(spec.prior_families[1], -0.2))
    total = 5
    with pa.plate(f"{prefix}p", n):
        v = pa.prior(f"{prefix}v", _family(spec.vector_family, pm.tanh(a)))
        env = {"a": a, "b": b, "v": v, "x": x, "X": X, "idx": idx}
        expression = _build_expression(spec.expression, env)
        d = pa.deterministic(f"{prefix}d", expression + 0.0 * x)  # the plate's shape
        family = _family(spec.likelihood_family, pm.tanh(d), total)
        observed = _fake_observations(spec.likelihood_family, (n,), rng, total)
        pa.likelihood(f"{prefix}y", family, observed=observed)
        pa.factor(f"{prefix}f", 0.3 * pm.tanh(d))
        if spec.inner:
            with pa.plate(f"{prefix}q", spec.inner):
                nested = _family(spec.nested_family, pm.tanh(v + d), total)
                observed = _fake_observations(spec.nested_family, (n, spec.inner), rng, total)
                pa.likelihood(f"{prefix}z", nested, observed=observed)
                pa.factor(f"{prefix}g", 0.2 * pm.tanh(v))  # broadcast along the nested plate


def build(specs: list[PartSpec]) -> pa.Model:
    """One model holding every part, each under its own prefix (``m0_``, ``m1_``...)."""

    @pa.model(name="random_batch")
    def batch():
        for i, spec in enumerate(specs):
            _declare_part(f"m{i}_", spec)

    return batch()
