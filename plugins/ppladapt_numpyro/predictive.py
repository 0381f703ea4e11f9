"""Prior and posterior predictive draws and the joint log density, with NumPyro.

All three run the generated model on JAX's CPU device: they are small, one-off
computations, and the result must not depend on what hardware the machine has.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ppladapt.ir.model import Model
from ppladapt_numpyro.jax_setup import configure, devices_for
from ppladapt_numpyro.program import load, model_data, to_numpy

configure()  # before JAX starts

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from numpyro.infer import Predictive  # noqa: E402

Arrays = dict[str, np.ndarray]


def _cpu():
    return jax.default_device(devices_for("cpu")[0])


def run_prior_predictive(model: Model, draws: int, seed: int) -> Arrays:
    """Draws (draws, ...) of every prior, deterministic and likelihood site."""
    names = [s.name for s in model.sites if s.kind != "factor"]
    with _cpu():
        program, _ = load(model)
        predictive = Predictive(program.model_fn, num_samples=draws, return_sites=names)
        out = predictive(jax.random.PRNGKey(seed), model_data(model, observed=False))
        return {name: to_numpy(model, name, out[name]) for name in names}


def run_posterior_predictive(
    model: Model, posterior: Mapping[str, np.ndarray], seed: int
) -> Arrays:
    """Likelihood draws (chain, draw, ...) given prior-site draws (chain, draw, ...)."""
    lead = np.shape(posterior[model.priors[0].name])[:2] if model.priors else (1, 1)
    names = [s.name for s in model.likelihoods]
    with _cpu():
        program, _ = load(model)
        flat = {
            s.name: jnp.reshape(jnp.asarray(posterior[s.name]), (-1,) + model.shape_of(s.name))
            for s in model.priors
        }
        predictive = Predictive(
            program.model_fn,
            posterior_samples=flat or None,
            num_samples=None if flat else int(np.prod(lead)),
            return_sites=names,
        )
        out = predictive(jax.random.PRNGKey(seed), model_data(model, observed=False))
        return {
            name: to_numpy(model, name, out[name]).reshape(lead + model.shape_of(name))
            for name in names
        }


def log_density(model: Model, params: Mapping[str, np.ndarray]) -> float:
    """Joint log density at constrained ``params`` (a value for every prior site; other
    keys ignored): normalising constants included, no Jacobian, float64."""
    with _cpu():
        program, _ = load(model)
        values = {s.name: jnp.asarray(params[s.name], dtype=jnp.float64) for s in model.priors}
        return float(program.log_density(model_data(model), values))
