"""The examples in NumPyro, written by hand as a NumPyro user would: plates, vectorised
distributions, float64 (``numpyro.enable_x64``), four host devices so that four chains
can run in parallel (``numpyro.set_host_device_count``), NUTS through ``MCMC`` directly.

Run through ``benchmarks/run.py`` (which passes the examples' data).
"""

from __future__ import annotations

import math
import threading
import time

import numpyro

numpyro.set_host_device_count(4)  # before JAX starts: one CPU device per parallel chain
numpyro.enable_x64()

import jax  # noqa: E402
import jax.monitoring  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402
from numpyro.infer.util import log_density as numpyro_log_density  # noqa: E402


# ---- models ---------------------------------------------------------------------------------
def eight_schools(sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
    with numpyro.plate("school", sigma.shape[0]):
        theta_z = numpyro.sample("theta_z", dist.Normal(0.0, 1.0))
        theta = numpyro.deterministic("theta", mu + tau * theta_z)
        numpyro.sample("y", dist.Normal(theta, sigma), obs=y)


def eight_schools_centered(sigma, y=None):
    mu = numpyro.sample("mu", dist.Normal(0.0, 5.0))
    tau = numpyro.sample("tau", dist.HalfCauchy(5.0))
    with numpyro.plate("school", sigma.shape[0]):
        theta = numpyro.sample("theta", dist.Normal(mu, tau))
        numpyro.sample("y", dist.Normal(theta, sigma), obs=y)


def linear(x, y=None):
    theta = numpyro.sample("theta", dist.Uniform(-math.pi / 2, math.pi / 2))
    b_perp = numpyro.sample("b_perp", dist.Normal(0.0, 5.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(2.0))
    m = numpyro.deterministic("m", jnp.tan(theta))
    b = numpyro.deterministic("b", b_perp / jnp.cos(theta))
    with numpyro.plate("obs", x.shape[0]):
        numpyro.sample("y", dist.Normal(m * x + b, sigma), obs=y)


def logistic(X, y=None):
    n, d = X.shape
    alpha = numpyro.sample("alpha", dist.Normal(0.0, 2.5))
    with numpyro.plate("feature", d):
        beta = numpyro.sample("beta", dist.Normal(0.0, 2.5))
    with numpyro.plate("obs", n):
        numpyro.sample("y", dist.Bernoulli(logits=alpha + X @ beta), obs=y)


def hierarchical(group_idx, x, num_groups, y=None):
    mu_a = numpyro.sample("mu_a", dist.Normal(0.0, 5.0))
    mu_b = numpyro.sample("mu_b", dist.Normal(0.0, 5.0))
    sigma_a = numpyro.sample("sigma_a", dist.HalfNormal(2.0))
    sigma_b = numpyro.sample("sigma_b", dist.HalfNormal(2.0))
    sigma = numpyro.sample("sigma", dist.HalfNormal(2.0))
    with numpyro.plate("group", num_groups):
        a_z = numpyro.sample("a_z", dist.Normal(0.0, 1.0))
        b_z = numpyro.sample("b_z", dist.Normal(0.0, 1.0))
    a = numpyro.deterministic("a", mu_a + sigma_a * a_z)
    b = numpyro.deterministic("b", mu_b + sigma_b * b_z)
    with numpyro.plate("obs", x.shape[0]):
        numpyro.sample("y", dist.Normal(a[group_idx] + b[group_idx] * x, sigma), obs=y)


def marketing_mix(spend_lagged, trend, control, fourier, channels, sales=None):
    """Geometric adstock over the lags, tanh saturation, trend, control and seasonality."""
    max_lag = spend_lagged.shape[-1]
    with numpyro.plate("channel", channels):
        alpha = numpyro.sample("alpha", dist.Beta(3.0, 3.0))
        lam = numpyro.sample("lam", dist.Gamma(3.0, 1.0))
        beta = numpyro.sample("beta", dist.HalfNormal(2.0))
    intercept = numpyro.sample("intercept", dist.Normal(0.0, 2.0))
    trend_slope = numpyro.sample("trend_slope", dist.Normal(0.0, 1.0))
    gamma = numpyro.sample("gamma", dist.Normal(0.0, 1.0))
    with numpyro.plate("fourier_term", fourier.shape[1]):
        delta = numpyro.sample("delta", dist.Normal(0.0, 0.5))
    sigma = numpyro.sample("sigma", dist.HalfNormal(1.0))
    decay = alpha[:, None] ** jnp.arange(max_lag)
    weight = numpyro.deterministic("adstock_weight", decay / decay.sum(axis=1, keepdims=True))
    adstock = jnp.einsum("ctl,cl->tc", spend_lagged, weight)
    contribution = numpyro.deterministic("contribution", beta * jnp.tanh(lam * adstock / 2))
    mu = intercept + trend_slope * trend + contribution.sum(axis=1) + gamma * control + fourier @ delta
    with numpyro.plate("week", trend.shape[0]):
        numpyro.sample("sales", dist.Normal(mu, sigma), obs=sales)


# ---- benchmark glue: example name -> (model, its keyword arguments from data and plates) -----
MODELS = {
    "eight_schools": (eight_schools, lambda d, p: {"sigma": d["sigma"], "y": d["y"]}),
    "eight_schools_centered": (
        eight_schools_centered, lambda d, p: {"sigma": d["sigma"], "y": d["y"]}),
    "linear": (linear, lambda d, p: {"x": d["x"], "y": d["y"]}),
    "logistic": (logistic, lambda d, p: {"X": d["X"], "y": d["y"]}),
    "hierarchical": (hierarchical, lambda d, p: {
        "group_idx": d["group_idx"], "x": d["x"], "num_groups": p["group"]["size"], "y": d["y"]}),
    "marketing_mix": (marketing_mix, lambda d, p: {
        "spend_lagged": d["spend_lagged"], "trend": d["trend"], "control": d["control"],
        "fourier": d["fourier"], "channels": p["channel"]["size"], "sales": d["sales"]}),
}

COMPILE_EVENTS = frozenset({
    "/jax/core/compile/jaxpr_trace_duration",
    "/jax/core/compile/jaxpr_to_mlir_module_duration",
    "/jax/core/compile/backend_compile_duration",
})


class CompileTimer:
    """Wall time of a block split into JAX compilation (the union of JAX's own compile
    events' intervals, this thread only) and the rest: the same split ppladapt's NumPyro
    backend reports, so compile and sampling seconds mean the same on both sides."""

    def __enter__(self):
        self.intervals, self.thread = [], threading.get_ident()
        jax.monitoring.register_event_duration_secs_listener(self._on_duration)
        self.start = time.perf_counter()
        return self

    def _on_duration(self, event, duration, **kwargs):
        if event in COMPILE_EVENTS and threading.get_ident() == self.thread:
            end = time.perf_counter()
            self.intervals.append((end - duration, end))

    def __exit__(self, *exc):
        self.wall_seconds = time.perf_counter() - self.start
        jax.monitoring.unregister_event_duration_listener(self._on_duration)
        total, reach = 0.0, self.start
        for start, end in sorted(self.intervals):
            start = max(start, reach)
            if end > start:
                total, reach = total + end - start, end
        self.compile_seconds = min(total, self.wall_seconds)
        self.execute_seconds = self.wall_seconds - self.compile_seconds


def sample(example: str, data: dict, plates: dict, settings: dict) -> dict:
    """NUTS on the hand-written model with NumPyro's ``MCMC`` (see the package docstring)."""
    model, arguments = MODELS[example]
    kwargs = arguments(data, plates)
    mcmc = MCMC(
        NUTS(model, target_accept_prob=settings["target_accept"]),
        num_warmup=settings["tune"], num_samples=settings["draws"],
        num_chains=settings["chains"], chain_method=settings["chain_method"], progress_bar=False,
    )
    with CompileTimer() as timer:
        mcmc.run(jax.random.PRNGKey(settings["seed"]), extra_fields=("diverging",), **kwargs)
        samples = jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
    diverging = mcmc.get_extra_fields(group_by_chain=True)["diverging"]
    return {
        "posterior": {k: np.asarray(v, dtype=np.float64) for k, v in samples.items()},
        "compile_seconds": timer.compile_seconds,
        "sampling_seconds": timer.execute_seconds,
        "wall_seconds": timer.wall_seconds,
        "divergences": int(np.sum(diverging)),
    }


def log_density(example: str, data: dict, plates: dict, params: dict) -> float:
    """Joint log density at constrained ``params`` (NumPyro's, no Jacobian)."""
    model, arguments = MODELS[example]
    values = {k: jnp.asarray(v) for k, v in params.items()}
    return float(numpyro_log_density(model, (), arguments(data, plates), values)[0])

