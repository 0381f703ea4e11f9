"""SVI with Pyro: fit an autoguide to the generated model, then draw the posterior from it
(priors and deterministics, one chain of ``draws``).

``guide="normal"`` is ``AutoNormal`` (mean field), ``"mvn"`` ``AutoMultivariateNormal``
(full rank); the optimiser is ``pyro.optim.Adam({"lr": learning_rate})`` on
``Trace_ELBO``, for ``steps`` steps (with the backend option ``lr_decay``, ``ClippedAdam``
whose rate falls by that factor over the fit). The loss (negative ELBO estimate) of
every step is kept: ``idata.attrs["svi_final_loss"]`` and ``["svi_loss"]`` (at most 200
evenly spaced values). Improper priors start at the centre of their support (Pyro's
``init_to_feasible`` cannot draw from them).

Mini-batches: with ``batch_size=B`` the fit runs the mini-batch program
(`ppladapt_pyro.subsample`): one plate of observations is subsampled to B rows per step
and its log likelihood scaled up by Pyro, so each step costs O(B) instead of O(N). The
draws afterwards (and deterministics, log likelihood) use the full program.

Timing: ``compile_seconds`` is generating and loading the code (Pyro runs eagerly);
``sampling_seconds`` is the fit plus the draws; ``idata.attrs["svi_fit_seconds"]`` the
fit alone.
"""

from __future__ import annotations

import time
import warnings
from functools import partial

import numpy as np
import torch
from pyro.infer import SVI, Trace_ELBO
from pyro.infer.autoguide import AutoMultivariateNormal, AutoNormal
from pyro.infer.autoguide.initialization import init_to_feasible
from pyro.optim import Adam, ClippedAdam

from ppladapt.backend import RunResult, SviOptions, thinned
from ppladapt.errors import BackendError, PPLAdaptError, UnsupportedOptionError
from ppladapt.ir.model import Model
from ppladapt_pyro import options as opts
from ppladapt_pyro.initialization import feasible_with_improper
from ppladapt_pyro.nuts import check_static_supports
from ppladapt_pyro.program import load, model_data, to_numpy, trace_draws
from ppladapt_pyro.subsample import plan_subsample
from ppladapt_pyro.torch_setup import environment, session, torch_device

GUIDES = {"normal": AutoNormal, "mvn": AutoMultivariateNormal}
PROGRESS_EVERY = 100  # steps between progress-bar updates of the loss


def _guide(model_fn, guide: str, extra: dict):
    kwargs = opts.kwargs_for("guide", extra)
    kwargs["init_loc_fn"] = partial(feasible_with_improper,
                                    fallback=kwargs.get("init_loc_fn", init_to_feasible))
    return GUIDES[guide](model_fn, **kwargs)


def optimizer(options: SviOptions):
    """``Adam({"lr": learning_rate})``; with ``lr_decay=f`` ``ClippedAdam`` whose rate
    falls geometrically to ``f * learning_rate`` over the fit (mini-batch fits need a
    falling rate to settle: at a constant rate the subsampling noise keeps them moving)."""
    decay = options.extra.get("lr_decay")
    if decay is None:
        return Adam({"lr": options.learning_rate})
    return ClippedAdam({"lr": options.learning_rate, "lrd": decay ** (1.0 / options.steps)})


def _fit(svi: SVI, data: dict, steps: int, progressbar: bool) -> np.ndarray:
    losses = np.empty(steps)
    bar = None
    if progressbar:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, desc="SVI")
    try:
        for step in range(steps):
            losses[step] = svi.step(data)
            if bar is not None and (step + 1) % PROGRESS_EVERY == 0:
                bar.update(PROGRESS_EVERY)
                bar.set_postfix(loss=f"{losses[step]:.4g}")
    finally:
        if bar is not None:
            bar.close()
    return losses


def run_svi(model: Model, options: SviOptions) -> RunResult:
    """Fit ``options.guide`` with Adam and Trace_ELBO; draw the posterior from it."""
    opts.check_backend_kwargs("svi", options.extra)
    if options.guide not in GUIDES:
        raise UnsupportedOptionError(
            f"guide={options.guide!r} is not supported by the pyro backend; use one of "
            f"{', '.join(map(repr, GUIDES))}."
        )
    check_static_supports(model, "svi")
    subsample_kwargs = opts.kwargs_for("subsample", options.extra)
    plan = None
    if subsample_kwargs.get("batch_size") is not None:
        plan = plan_subsample(model, subsample_kwargs["batch_size"],
                              subsample_kwargs.get("subsample_plate"))
    device = torch_device(options.device)
    names = [s.name for s in model.posterior_sites]
    with session(device, options.seed, options.extra.get("num_threads")):
        program, load_seconds = load(model)
        fit_program, fit_load_seconds = load(model, plan) if plan else (program, 0.0)
        data = model_data(model, device)
        env = environment(device)
        start = time.perf_counter()
        try:
            guide = _guide(fit_program, options.guide, options.extra)
            svi = SVI(fit_program, guide, optimizer(options),
                      Trace_ELBO(**opts.kwargs_for("elbo", options.extra)))
            losses = _fit(svi, data, options.steps, options.progressbar)
            fit_seconds = time.perf_counter() - start
            with torch.no_grad():
                draws = [guide(data) for _ in range(options.draws)]
            priors = {
                s.name: to_numpy(model, s.name, torch.stack([d[s.name] for d in draws]))[None]
                for s in model.priors
            }
            replay = {"values": {}}
            if model.deterministics or options.log_likelihood:
                replay = trace_draws(
                    model, program, data, priors, lead=(1, options.draws),
                    collect=[s.name for s in model.deterministics],
                    log_likelihood=options.log_likelihood, device=device,
                )
        except PPLAdaptError:
            raise
        except Exception as err:
            raise BackendError(
                f"Pyro SVI failed on model '{model.name}': {type(err).__name__}: {err}"
            ) from err
        sampling_seconds = time.perf_counter() - start
    posterior = {name: priors.get(name, replay["values"].get(name)) for name in names}
    if not np.isfinite(losses[-1]):
        warnings.warn(
            f"SVI on model '{model.name}' ended with a non-finite loss ({losses[-1]}); the "
            f"fit diverged, so its draws are not a posterior approximation. Lower "
            f"learning_rate (it was {options.learning_rate}) or check the model's priors.",
            RuntimeWarning,
            stacklevel=4,
        )
    attrs = {
        "svi_final_loss": float(losses[-1]),
        "svi_loss": thinned(losses),
        "svi_fit_seconds": fit_seconds,
        **env,
        "backend_kwargs": opts.describe(options.extra),
    }
    if plan is not None:
        attrs.update(svi_batch_size=plan.batch_size, svi_subsample_plate=plan.plate,
                     svi_subsample=plan.describe())
    return RunResult(
        posterior=posterior,
        sample_stats={},
        compile_seconds=load_seconds + fit_load_seconds,
        sampling_seconds=sampling_seconds,
        log_likelihood=replay.get("log_likelihood"),
        attrs=attrs,
    )
