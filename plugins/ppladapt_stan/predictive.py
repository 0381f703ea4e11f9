"""Prior and posterior predictive draws, and the joint log density, with Stan.

Predictive draws come from the ``generated quantities`` of their own program variants
(`ppladapt_stan.emitter`), run with Stan's fixed_param sampler: the prior program draws
every site with ``_rng`` functions; the posterior program takes the posterior draws of
the priors as data and simulates each likelihood site once per draw (in chunks, so one
output message stays small). `log_density` asks the compiled sampling program for its
log density with the Jacobian off, at the unconstrained point that corresponds to the
given constrained values; a value outside its declared support has density 0 (-inf).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ppladapt.ir.model import Model
from ppladapt_stan import options as opts
from ppladapt_stan.outputs import group_columns, to_ir
from ppladapt_stan.runs import prepare

Arrays = dict[str, np.ndarray]
CHUNK_VALUES = 2_000_000  # predictive values per fixed_param run


def run_prior_predictive(model: Model, draws: int, seed: int, engine: str = "auto") -> Arrays:
    """Draws (draws, ...) of every prior, deterministic and likelihood site."""
    run = prepare(model, opts.resolve_engine(engine), "prior")
    chain, _ = run.engine.generate(run.compiled, run.data, draws=draws, seed=seed)
    variables = group_columns(chain.columns)
    return to_ir(model, run.program, variables, run.program.outputs, lead=1)


def run_posterior_predictive(model: Model, posterior: Mapping[str, np.ndarray], seed: int,
                             engine: str = "auto") -> Arrays:
    """Likelihood draws (chain, draw, ...) given prior-site draws (chain, draw, ...)."""
    resolved = opts.resolve_engine(engine)
    first = next(iter(posterior.values())) if posterior else np.zeros((1, 1))
    lead = np.shape(first)[:2]
    total = int(np.prod(lead))
    per_draw = sum(int(np.prod(model.shape_of(s.name))) for s in model.likelihoods) or 1
    step = max(1, CHUNK_VALUES // per_draw)
    flat = {k: np.reshape(v, (1, total) + np.shape(v)[2:]) for k, v in posterior.items()}
    parts: list[Arrays] = []
    for k, start in enumerate(range(0, total, step)):
        chunk = {name: v[:, start:start + step] for name, v in flat.items()}
        if not chunk:  # a model without priors: only the number of draws
            chunk = {"": np.zeros((1, min(step, total - start)))}
        run = prepare(model, resolved, "posterior", draws=chunk)
        sample, _ = run.engine.generate(run.compiled, run.data, draws=1, seed=seed + k)
        variables = {name: value[0] for name, value in group_columns(sample.columns).items()}
        parts.append(to_ir(model, run.program, variables, run.program.outputs, lead=1))
    return {name: np.concatenate([p[name] for p in parts]).reshape(lead + model.shape_of(name))
            for name in parts[0]}


def log_density(model: Model, params: Mapping[str, np.ndarray], engine: str = "auto") -> float:
    """Joint log density at constrained ``params`` (a value for every prior site):
    normalising constants included, no Jacobian, float64."""
    run = prepare(model, opts.resolve_engine(engine), "sample")
    names = {site: stan for stan, site in run.program.outputs.items()}
    values = {names[s.name]: np.asarray(params[s.name], dtype=np.float64) for s in model.priors}
    unconstrained = run.engine.unconstrain(run.compiled, run.data, values)
    if unconstrained is None:
        return -np.inf
    return float(run.engine.log_prob(run.compiled, run.data, np.asarray(unconstrained))[0])
