"""The examples in PyMC, written by hand as a PyMC user would: a ``pm.Model`` with coords
and dims, data as plain NumPy arrays, ``pm.Deterministic`` for the quantities to report,
and ``pm.sample`` (PyMC's own NUTS, float64: PyTensor's default ``floatX`` on the CPU).

Float64 throughout: the models are built and sampled under PyTensor's NumPy casting
policy (``float64_constants``), as ppladapt's are. Under PyTensor's default policy a Python
float that float32 holds exactly becomes a float32 constant, so ``pm.HalfCauchy("tau",
beta=5.0)`` takes ``log(5.0)`` in float32: a 1e-7 difference in the log density, enough
for the same seed to draw different chains.

Run through ``benchmarks/run.py`` (which passes the examples' data).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.model.transform.conditioning import remove_value_transforms
from pytensor.compile import profiling


# ---- models ---------------------------------------------------------------------------------
def eight_schools(sigma, y, schools):
    with pm.Model(coords={"school": schools}) as model:
        mu = pm.Normal("mu", mu=0.0, sigma=5.0)
        tau = pm.HalfCauchy("tau", beta=5.0)
        theta_z = pm.Normal("theta_z", mu=0.0, sigma=1.0, dims="school")
        theta = pm.Deterministic("theta", mu + tau * theta_z, dims="school")
        pm.Normal("y", mu=theta, sigma=sigma, observed=y, dims="school")
    return model


def eight_schools_centered(sigma, y, schools):
    with pm.Model(coords={"school": schools}) as model:
        mu = pm.Normal("mu", mu=0.0, sigma=5.0)
        tau = pm.HalfCauchy("tau", beta=5.0)
        theta = pm.Normal("theta", mu=mu, sigma=tau, dims="school")
        pm.Normal("y", mu=theta, sigma=sigma, observed=y, dims="school")
    return model


def linear(x, y):
    with pm.Model(coords={"obs": range(len(x))}) as model:
        theta = pm.Uniform("theta", lower=-math.pi / 2, upper=math.pi / 2)
        b_perp = pm.Normal("b_perp", mu=0.0, sigma=5.0)
        sigma = pm.HalfNormal("sigma", sigma=2.0)
        m = pm.Deterministic("m", pt.tan(theta))
        b = pm.Deterministic("b", b_perp / pt.cos(theta))
        pm.Normal("y", mu=m * x + b, sigma=sigma, observed=y, dims="obs")
    return model


def logistic(X, y):
    n, d = X.shape
    with pm.Model(coords={"feature": range(d), "obs": range(n)}) as model:
        alpha = pm.Normal("alpha", mu=0.0, sigma=2.5)
        beta = pm.Normal("beta", mu=0.0, sigma=2.5, dims="feature")
        pm.Bernoulli("y", logit_p=alpha + pt.dot(X, beta), observed=y, dims="obs")
    return model


def hierarchical(group_idx, x, y, num_groups):
    with pm.Model(coords={"group": range(num_groups), "obs": range(len(y))}) as model:
        mu_a = pm.Normal("mu_a", mu=0.0, sigma=5.0)
        mu_b = pm.Normal("mu_b", mu=0.0, sigma=5.0)
        sigma_a = pm.HalfNormal("sigma_a", sigma=2.0)
        sigma_b = pm.HalfNormal("sigma_b", sigma=2.0)
        sigma = pm.HalfNormal("sigma", sigma=2.0)
        a_z = pm.Normal("a_z", mu=0.0, sigma=1.0, dims="group")
        b_z = pm.Normal("b_z", mu=0.0, sigma=1.0, dims="group")
        a = pm.Deterministic("a", mu_a + sigma_a * a_z, dims="group")
        b = pm.Deterministic("b", mu_b + sigma_b * b_z, dims="group")
        mu = a[group_idx] + b[group_idx] * x
        pm.Normal("y", mu=mu, sigma=sigma, observed=y, dims="obs")
    return model


def marketing_mix(spend_lagged, trend, control, fourier, sales, channels):
    """Geometric adstock over the lags, tanh saturation, trend, control and seasonality."""
    max_lag = spend_lagged.shape[-1]
    coords = {"channel": channels, "lag": range(max_lag), "week": range(len(sales)),
              "fourier_term": range(fourier.shape[1])}
    with pm.Model(coords=coords) as model:
        alpha = pm.Beta("alpha", alpha=3.0, beta=3.0, dims="channel")
        lam = pm.Gamma("lam", alpha=3.0, beta=1.0, dims="channel")
        beta = pm.HalfNormal("beta", sigma=2.0, dims="channel")
        intercept = pm.Normal("intercept", mu=0.0, sigma=2.0)
        trend_slope = pm.Normal("trend_slope", mu=0.0, sigma=1.0)
        gamma = pm.Normal("gamma", mu=0.0, sigma=1.0)
        delta = pm.Normal("delta", mu=0.0, sigma=0.5, dims="fourier_term")
        sigma = pm.HalfNormal("sigma", sigma=1.0)
        decay = alpha[:, None] ** np.arange(max_lag)
        weight = pm.Deterministic("adstock_weight", decay / decay.sum(axis=1, keepdims=True),
                                  dims=("channel", "lag"))
        adstock = pt.einsum("ctl,cl->tc", spend_lagged, weight)
        contribution = pm.Deterministic("contribution", beta * pt.tanh(lam * adstock / 2),
                                        dims=("week", "channel"))
        mu = (intercept + trend_slope * trend + contribution.sum(axis=1) + gamma * control
              + pt.dot(fourier, delta))
        pm.Normal("sales", mu=mu, sigma=sigma, observed=sales, dims="week")
    return model


# ---- benchmark glue: example name -> builder of the pm.Model from data and plates ------------
MODELS = {
    "eight_schools": lambda d, p: eight_schools(d["sigma"], d["y"], p["school"]["coords"]),
    "eight_schools_centered": lambda d, p: eight_schools_centered(
        d["sigma"], d["y"], p["school"]["coords"]),
    "linear": lambda d, p: linear(d["x"], d["y"]),
    "logistic": lambda d, p: logistic(d["X"], d["y"]),
    "hierarchical": lambda d, p: hierarchical(
        d["group_idx"], d["x"], d["y"], p["group"]["size"]),
    "marketing_mix": lambda d, p: marketing_mix(
        d["spend_lagged"], d["trend"], d["control"], d["fourier"], d["sales"],
        p["channel"]["coords"]),
}


# PyTensor's NumPy casting policy: Python floats become float64 constants.
float64_constants = pytensor.config.change_flags(cast_policy="numpy+floatX")


def _pytensor_compile_seconds() -> float:
    """PyTensor's process-wide compile-time counters (graph rewriting + linking): the
    same accounting ppladapt's PyMC backend uses to split compile from sampling time."""
    return profiling.total_graph_rewrite_time + profiling.total_time_linker


@float64_constants
def sample(example: str, data: dict, plates: dict, settings: dict) -> dict:
    """NUTS on the hand-written model with PyMC (see the package docstring), in the two
    public steps ``pm.sample(random_seed=seed)`` takes by itself, with the seeds it gives
    them (so the draws are that call's): ``pm.init_nuts`` (the log density and its
    gradient derived and compiled, jittered initial points: ``compile_seconds``, with
    building the model), then ``pm.sample`` with that step and those points
    (``sampling_seconds``, less the PyTensor compilation inside it). This is the split
    ppladapt's PyMC backend reports, so the two sides' seconds mean the same.

    ``compute_convergence_checks=False, return_inferencedata=False`` keep the timed call
    to sampling alone, as ppladapt's ``sampling_seconds`` is; the InferenceData is built
    afterwards and counts in ``wall_seconds`` only."""
    start = time.perf_counter()
    model = MODELS[example](data, plates)
    # pm.sample(random_seed=seed) gives init_nuts one integer from each chain's generator.
    chain_seeds = [
        int(rng.integers(2**30))
        for rng in np.random.default_rng(settings["seed"]).spawn(settings["chains"])
    ]
    initial_points, step = pm.init_nuts(
        chains=settings["chains"], tune=settings["tune"], model=model, random_seed=chain_seeds,
        target_accept=settings["target_accept"], progressbar=False,
    )
    setup_seconds = time.perf_counter() - start
    cores = settings["chains"] if settings["chain_method"] == "parallel" else 1
    compiled_before = _pytensor_compile_seconds()
    start = time.perf_counter()
    trace = pm.sample(
        draws=settings["draws"], tune=settings["tune"], chains=settings["chains"], cores=cores,
        step=step, initvals=initial_points, random_seed=settings["seed"], model=model,
        progressbar=False, compute_convergence_checks=False, return_inferencedata=False,
    )
    sample_seconds = time.perf_counter() - start
    compile_seconds = _pytensor_compile_seconds() - compiled_before
    idata = pm.to_inference_data(trace, model=model)
    wall_seconds = setup_seconds + time.perf_counter() - start
    posterior = {name: np.asarray(v.values, dtype=np.float64) for name, v in idata.posterior.items()}
    return {
        "posterior": posterior,
        "compile_seconds": setup_seconds + compile_seconds,
        "sampling_seconds": sample_seconds - compile_seconds,
        "wall_seconds": wall_seconds,
        "divergences": int(idata.sample_stats["diverging"].sum()),
    }


@float64_constants
def log_density(example: str, data: dict, plates: dict, params: dict) -> float:
    """Joint log density at constrained ``params`` (no Jacobian): ``model.logp`` on the
    model without value transforms, so its inputs are the constrained values."""
    model = remove_value_transforms(MODELS[example](data, plates))
    logp = model.compile_logp(jacobian=False)
    return float(logp({rv.name: np.asarray(params[rv.name]) for rv in model.free_RVs}))
