"""Prior and posterior predictive draws and the joint log density, with Pyro.

All three run the generated model on the CPU (small, one-off computations whose result
must not depend on the machine's hardware), once per draw (`program.trace_draws`), under
`torch_setup.session` (float64, seeded, Pyro state isolated).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import torch

from ppladapt.ir.model import Model
from ppladapt_pyro.program import load, model_data, run_once, trace_draws, trace_log_density
from ppladapt_pyro.torch_setup import session

Arrays = dict[str, np.ndarray]
CPU = torch.device("cpu")


def run_prior_predictive(model: Model, draws: int, seed: int) -> Arrays:
    """Draws (draws, ...) of every prior, deterministic and likelihood site."""
    with session(CPU, seed):
        program, _ = load(model)
        data = model_data(model, CPU, observed=False)
        out = trace_draws(model, program, data, None, lead=(draws,),
                          collect=[s.name for s in model.sites if s.kind != "factor"])
    return out["values"]


def run_posterior_predictive(
    model: Model, posterior: Mapping[str, np.ndarray], seed: int
) -> Arrays:
    """Likelihood draws (chain, draw, ...) given prior-site draws (chain, draw, ...)."""
    lead = tuple(np.shape(posterior[model.priors[0].name])[:2]) if model.priors else (1, 1)
    with session(CPU, seed):
        program, _ = load(model)
        data = model_data(model, CPU, observed=False)
        priors = {s.name: posterior[s.name] for s in model.priors}
        out = trace_draws(model, program, data, priors or None, lead=lead,
                          collect=[s.name for s in model.likelihoods])
    return out["values"]


def log_density(model: Model, params: Mapping[str, np.ndarray]) -> float:
    """Joint log density at constrained ``params`` (a value for every prior site; other
    keys ignored): normalising constants included, no Jacobian, float64."""
    with session(CPU), torch.no_grad():
        program, _ = load(model)
        values = {s.name: torch.as_tensor(np.asarray(params[s.name], dtype=np.float64))
                  for s in model.priors}
        trace = run_once(program, model_data(model, CPU), values)
        return float(trace_log_density(trace))
