"""The examples in Pyro, written by hand as a Pyro user would: plates, vectorised
distributions, float64 tensors (``torch.set_default_dtype``, set by `sample` and
`log_density` while they run rather than on import, so that importing this module in
the test process changes nothing), NUTS through ``pyro.infer.MCMC`` directly (Pyro's
defaults: no JIT, ``init_to_uniform``; ``max_plate_nesting`` given, as the models' author
knows it). With the same seed, ppladapt's sequential chains are these chains.

Run through ``benchmarks/run.py`` (which passes the examples' data).
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from pyro import poutine
from pyro.infer import MCMC, NUTS, Predictive


@contextmanager
def float64():
    """torch's default dtype float64 inside the block."""
    dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(dtype)


# ---- models ---------------------------------------------------------------------------------
def eight_schools(sigma, y=None):
    mu = pyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = pyro.sample("tau", dist.HalfCauchy(5.0))
    with pyro.plate("school", sigma.shape[0]):
        theta_z = pyro.sample("theta_z", dist.Normal(0.0, 1.0))
        theta = pyro.deterministic("theta", mu + tau * theta_z)
        pyro.sample("y", dist.Normal(theta, sigma), obs=y)


def eight_schools_centered(sigma, y=None):
    mu = pyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = pyro.sample("tau", dist.HalfCauchy(5.0))
    with pyro.plate("school", sigma.shape[0]):
        theta = pyro.sample("theta", dist.Normal(mu, tau))
        pyro.sample("y", dist.Normal(theta, sigma), obs=y)


def linear(x, y=None):
    theta = pyro.sample("theta", dist.Uniform(-math.pi / 2, math.pi / 2))
    b_perp = pyro.sample("b_perp", dist.Normal(0.0, 5.0))
    sigma = pyro.sample("sigma", dist.HalfNormal(2.0))
    m = pyro.deterministic("m", torch.tan(theta))
    b = pyro.deterministic("b", b_perp / torch.cos(theta))
    with pyro.plate("obs", x.shape[0]):
        pyro.sample("y", dist.Normal(m * x + b, sigma), obs=y)


def logistic(X, y=None):
    n, d = X.shape
    alpha = pyro.sample("alpha", dist.Normal(0.0, 2.5))
    with pyro.plate("feature", d):
        beta = pyro.sample("beta", dist.Normal(0.0, 2.5))
    with pyro.plate("obs", n):
        pyro.sample("y", dist.Bernoulli(logits=alpha + X @ beta), obs=y)


def hierarchical(group_idx, x, num_groups, y=None):
    mu_a = pyro.sample("mu_a", dist.Normal(0.0, 5.0))
    mu_b = pyro.sample("mu_b", dist.Normal(0.0, 5.0))
    sigma_a = pyro.sample("sigma_a", dist.HalfNormal(2.0))
    sigma_b = pyro.sample("sigma_b", dist.HalfNormal(2.0))
    sigma = pyro.sample("sigma", dist.HalfNormal(2.0))
    with pyro.plate("group", num_groups):
        a_z = pyro.sample("a_z", dist.Normal(0.0, 1.0))
        b_z = pyro.sample("b_z", dist.Normal(0.0, 1.0))
    a = pyro.deterministic("a", mu_a + sigma_a * a_z)
    b = pyro.deterministic("b", mu_b + sigma_b * b_z)
    with pyro.plate("obs", x.shape[0]):
        pyro.sample("y", dist.Normal(a[group_idx] + b[group_idx] * x, sigma), obs=y)


def marketing_mix(spend_lagged, trend, control, fourier, channels, sales=None):
    """Geometric adstock over the lags, tanh saturation, trend, control and seasonality."""
    max_lag = spend_lagged.shape[-1]
    with pyro.plate("channel", channels):
        alpha = pyro.sample("alpha", dist.Beta(3.0, 3.0))
        lam = pyro.sample("lam", dist.Gamma(3.0, 1.0))
        beta = pyro.sample("beta", dist.HalfNormal(2.0))
    intercept = pyro.sample("intercept", dist.Normal(0.0, 2.0))
    trend_slope = pyro.sample("trend_slope", dist.Normal(0.0, 1.0))
    gamma = pyro.sample("gamma", dist.Normal(0.0, 1.0))
    with pyro.plate("fourier_term", fourier.shape[1]):
        delta = pyro.sample("delta", dist.Normal(0.0, 0.5))
    sigma = pyro.sample("sigma", dist.HalfNormal(1.0))
    decay = alpha[:, None] ** torch.arange(max_lag, dtype=alpha.dtype)
    weight = pyro.deterministic("adstock_weight", decay / decay.sum(dim=1, keepdim=True), event_dim=2)
    adstock = torch.einsum("ctl,cl->tc", spend_lagged, weight)
    contribution = pyro.deterministic("contribution", beta * torch.tanh(lam * adstock / 2), event_dim=2)
    mu = intercept + trend_slope * trend + contribution.sum(dim=1) + gamma * control + fourier @ delta
    with pyro.plate("week", trend.shape[0]):
        pyro.sample("sales", dist.Normal(mu, sigma), obs=sales)


# ---- benchmark glue: example name -> (model, its keyword arguments from data and plates) -----
def _t(value, dtype=torch.float64):
    return torch.tensor(np.asarray(value), dtype=dtype)


MODELS = {
    "eight_schools": (eight_schools, lambda d, p: {"sigma": _t(d["sigma"]), "y": _t(d["y"])}),
    "eight_schools_centered": (
        eight_schools_centered, lambda d, p: {"sigma": _t(d["sigma"]), "y": _t(d["y"])}),
    "linear": (linear, lambda d, p: {"x": _t(d["x"]), "y": _t(d["y"])}),
    "logistic": (logistic, lambda d, p: {"X": _t(d["X"]), "y": _t(d["y"])}),  # float 0/1 for Bernoulli
    "hierarchical": (hierarchical, lambda d, p: {
        "group_idx": _t(d["group_idx"], torch.int64), "x": _t(d["x"]),
        "num_groups": p["group"]["size"], "y": _t(d["y"])}),
    "marketing_mix": (marketing_mix, lambda d, p: {
        "spend_lagged": _t(d["spend_lagged"]), "trend": _t(d["trend"]),
        "control": _t(d["control"]), "fourier": _t(d["fourier"]),
        "channels": p["channel"]["size"], "sales": _t(d["sales"])}),
}


def sample(example: str, data: dict, plates: dict, settings: dict) -> dict:
    """NUTS on the hand-written model with ``pyro.infer.MCMC`` (see the package docstring).

    Pyro runs chains in worker processes only when ``chains <= cpu_count - 1``; otherwise
    (4 chains on 2 cores) it draws them one after another in this process, which is what
    ppladapt's ``chain_method="sequential"`` does. Pyro compiles nothing (no JIT), so
    ``compile_seconds`` is 0. Deterministic sites are not part of Pyro's MCMC samples:
    they are computed afterwards with ``Predictive`` (counted in ``wall_seconds`` only).
    """
    with float64():
        return _sample(example, data, plates, settings)


def _sample(example: str, data: dict, plates: dict, settings: dict) -> dict:
    model, arguments = MODELS[example]
    kwargs = arguments(data, plates)
    pyro.set_rng_seed(settings["seed"])
    parallel = settings["chain_method"] == "parallel"
    mcmc = MCMC(
        # Every example's plates are one level deep; told so, Pyro need not run the model
        # from its prior to guess it (which draws on the random stream).
        NUTS(model, target_accept_prob=settings["target_accept"], max_plate_nesting=1),
        num_samples=settings["draws"], warmup_steps=settings["tune"],
        num_chains=settings["chains"], disable_progbar=True,
        mp_context="spawn" if parallel else None,
    )
    start = time.perf_counter()
    mcmc.run(**kwargs)
    sampling_seconds = time.perf_counter() - start
    samples = mcmc.get_samples(group_by_chain=True)
    flat = {k: v.reshape((-1,) + v.shape[2:]) for k, v in samples.items()}
    observed = {k: v for k, v in kwargs.items() if k != "y"}
    # With no sites named, Predictive would return every site left, the likelihood's
    # simulated observations included (which would then count in the minimum ESS).
    deterministics, computed = _deterministics(model, kwargs), {}
    if deterministics:
        with torch.no_grad():
            predictive = Predictive(model, posterior_samples=flat, return_sites=deterministics)
            computed = predictive(**observed)
    wall_seconds = time.perf_counter() - start
    lead = (settings["chains"], settings["draws"])
    posterior = {k: v.numpy() for k, v in samples.items()}
    posterior.update({k: v.reshape(lead + v.shape[1:]).numpy() for k, v in computed.items()})
    # Per-chain kernel diagnostics (``mcmc.diagnostics()`` also computes R-hat, which
    # needs at least 4 draws a chain).
    divergences = sum(len(d["divergences"]) for d in mcmc._diagnostics)
    return {
        "posterior": {k: np.asarray(v, dtype=np.float64) for k, v in posterior.items()},
        "compile_seconds": 0.0,
        "sampling_seconds": sampling_seconds,
        "wall_seconds": wall_seconds,
        "divergences": int(divergences),
    }


def _deterministics(model, kwargs) -> list[str]:
    trace = poutine.trace(model).get_trace(**kwargs)
    return [name for name, site in trace.nodes.items()
            if site["type"] == "sample" and site["infer"].get("_deterministic")]


def log_density(example: str, data: dict, plates: dict, params: dict) -> float:
    """Joint log density at constrained ``params`` (the trace's ``log_prob_sum``)."""
    model, arguments = MODELS[example]
    with float64():
        values = {k: _t(v) for k, v in params.items()}
        conditioned = poutine.condition(model, data=values)
        trace = poutine.trace(conditioned).get_trace(**arguments(data, plates))
        return float(trace.log_prob_sum())
