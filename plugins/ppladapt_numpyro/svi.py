"""SVI with NumPyro: fit an autoguide to the generated model, then draw the posterior
from it (priors and deterministics, one chain of ``draws``).

Timing as for NUTS: ``compile_seconds`` is loading the code plus JAX compilation during
the fit and the draws; ``sampling_seconds`` is the rest of that time.
"""

from __future__ import annotations

import warnings

import numpy as np

from ppladapt.backend import MAX_LOSS_POINTS, RunResult, SviOptions, thinned
from ppladapt.errors import BackendError, PPLAdaptError, UnsupportedOptionError
from ppladapt.ir.model import Model
from ppladapt_numpyro import options as opts
from ppladapt_numpyro.jax_setup import configure, devices_for, environment
from ppladapt_numpyro.program import load, log_likelihood, model_data, to_numpy
from ppladapt_numpyro.timing import CompileTimer

configure()  # before JAX starts

import jax  # noqa: E402
import numpyro.optim  # noqa: E402
from numpyro.infer import SVI, Predictive, Trace_ELBO  # noqa: E402
from numpyro.infer.autoguide import AutoMultivariateNormal, AutoNormal  # noqa: E402
from numpyro.primitives import Messenger  # noqa: E402

GUIDES = {"normal": AutoNormal, "mvn": AutoMultivariateNormal}
__all__ = ["GUIDES", "MAX_LOSS_POINTS", "run_svi", "thinned", "without_plate_frames"]


class without_plate_frames(Messenger):
    """The model as an autoguide sees it: the same sites with the same shapes, but no
    plate frames.

    NumPyro's autoguides require each plate to sit at one dim throughout a model, while
    ppladapt's code puts a site's plates at dims ``-k..-1`` (so values have the IR
    shapes): a row-level site has ``row`` at dim -1, a cell-level one at dim -2.
    Autoguide plates only matter for subsampling, which ppladapt never does, so the
    guide is built without them; it fits the same family of distributions.
    """

    def process_message(self, msg):
        if msg["type"] == "sample":
            msg["cond_indep_stack"] = []


def run_svi(model: Model, options: SviOptions) -> RunResult:
    """Fit ``options.guide`` with Adam and Trace_ELBO; draw the posterior from it."""
    opts.check_backend_kwargs("svi", options.extra)
    guide_class = GUIDES.get(options.guide)
    if guide_class is None:
        raise UnsupportedOptionError(
            f"guide={options.guide!r} is not supported by the numpyro backend; use one of "
            f"{', '.join(map(repr, GUIDES))}."
        )
    devices = devices_for(options.device)
    names = [s.name for s in model.posterior_sites]
    with jax.default_device(devices[0]):
        program, load_seconds = load(model)
        data = model_data(model)
        guide = guide_class(
            without_plate_frames(program.model_fn), **opts.svi_kwargs_for("guide", options.extra)
        )
        svi = SVI(
            program.model_fn,
            guide,
            numpyro.optim.Adam(options.learning_rate),
            Trace_ELBO(**opts.svi_kwargs_for("elbo", options.extra)),
        )
        fit_key, draw_key = jax.random.split(jax.random.PRNGKey(options.seed))
        with CompileTimer() as timer:
            try:
                fit = svi.run(
                    fit_key, options.steps, data, progress_bar=options.progressbar,
                    **opts.svi_kwargs_for("run", options.extra),
                )
                predictive = Predictive(
                    program.model_fn, guide=guide, params=fit.params,
                    num_samples=options.draws, return_sites=names,
                )
                draws = jax.block_until_ready(predictive(draw_key, data))
            except PPLAdaptError:
                raise
            except Exception as err:
                raise BackendError(
                    f"NumPyro SVI failed on model '{model.name}': {type(err).__name__}: {err}"
                ) from err
        posterior = {name: to_numpy(model, name, draws[name])[None] for name in names}
        loglik = log_likelihood(model, program, data, posterior) if options.log_likelihood else None
    losses = np.asarray(fit.losses, dtype=np.float64)
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
        **environment(devices),
        **timer.attrs(),
        "backend_kwargs": opts.describe(options.extra),
    }
    return RunResult(
        posterior=posterior,
        sample_stats={},
        compile_seconds=load_seconds + timer.compile_seconds,
        sampling_seconds=timer.execute_seconds,
        log_likelihood=loglik,
        attrs=attrs,
    )
