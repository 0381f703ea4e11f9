"""Prior and posterior predictive draws and the joint log density, with PyMC.

Predictive draws use ``pm.sample_prior_predictive`` and ``pm.sample_posterior_predictive``
on the model built from the generated code. Posterior draws go in as a Dataset whose dims
and coords are the ``pm.Model``'s own, so PyMC takes every prior site from the draws
and simulates only the likelihood sites (it resamples a variable whose dims differ).
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Mapping

import numpy as np
import pymc as pm
import xarray as xr

from ppladapt.ir.model import Model
from ppladapt_pymc.program import build, densities, quiet_logs, to_numpy

Arrays = dict[str, np.ndarray]
# PyMC warns whenever a model has potentials. ppladapt's own warning names the factors for
# prior predictive draws; posterior predictive draws are exact (a factor only weights the
# prior sites, whose draws come from the posterior).
POTENTIALS_WARNING = "The effect of Potentials on other parameters is ignored"


@contextlib.contextmanager
def _quiet():
    """PyMC's INFO messages and its warning about potentials silenced."""
    with quiet_logs(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=POTENTIALS_WARNING, category=UserWarning)
        yield


def run_prior_predictive(model: Model, draws: int, seed: int) -> Arrays:
    """Draws (draws, ...) of every prior, deterministic and likelihood site."""
    _, pymc_model, _ = build(model)
    names = [s.name for s in model.sites if s.kind != "factor"]
    with _quiet():
        out = pm.sample_prior_predictive(
            draws=draws, model=pymc_model, var_names=names, random_seed=seed,
            return_inferencedata=False,
        )
    return {name: to_numpy(model, name, out[name]).reshape((draws,) + model.shape_of(name))
            for name in names}


def _posterior_dataset(model: Model, pymc_model, posterior: Mapping[str, np.ndarray]) -> xr.Dataset:
    """The prior sites' draws (chain, draw, ...) with the ``pm.Model``'s dims and coords."""
    variables = {}
    for site in model.priors:
        value = np.asarray(posterior[site.name])
        dims = pymc_model.named_vars_to_dims.get(site.name)
        dims = tuple(dims) if dims else tuple(f"{site.name}_dim_{k}" for k in range(value.ndim - 2))
        variables[site.name] = (("chain", "draw") + dims, value)
    coords = {name: list(values) for name, values in pymc_model.coords.items()}
    return xr.Dataset(variables, coords=coords)


def run_posterior_predictive(
    model: Model, posterior: Mapping[str, np.ndarray], seed: int
) -> Arrays:
    """Likelihood draws (chain, draw, ...) given prior-site draws (chain, draw, ...)."""
    _, pymc_model, _ = build(model)
    names = [s.name for s in model.likelihoods]
    with _quiet():
        out = pm.sample_posterior_predictive(
            _posterior_dataset(model, pymc_model, posterior), model=pymc_model, var_names=names,
            random_seed=seed, progressbar=False, return_inferencedata=False,
        )
    lead = np.shape(posterior[model.priors[0].name])[:2]
    return {name: to_numpy(model, name, out[name]).reshape(lead + model.shape_of(name))
            for name in names}


def log_density(model: Model, params: Mapping[str, np.ndarray]) -> float:
    """Joint log density at constrained ``params`` (a value for every prior site; other
    keys ignored): normalising constants included, no Jacobian, float64."""
    return densities(model).joint(params)
