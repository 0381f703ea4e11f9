"""SVI with PyMC: fit ADVI (``guide="normal"``, mean-field) or full-rank ADVI
(``guide="mvn"``) with ``pm.fit`` and Adam, then draw the posterior (priors and
deterministics, one chain of ``draws``) from the fitted approximation.

Timing: ``compile_seconds`` is building the model plus PyTensor's compilation inside the
fit and the draws (its own counters, see `timing`); ``sampling_seconds`` is the rest of
that time (the optimisation steps and the draws).
"""

from __future__ import annotations

import warnings

import numpy as np
import pymc as pm
import pytensor

from ppladapt.backend import RunResult, SviOptions, thinned
from ppladapt.errors import BackendError, PPLAdaptError, UnsupportedOptionError
from ppladapt.ir.model import Model
from ppladapt_pymc import options as opts
from ppladapt_pymc.program import (
    blas_threads,
    build,
    densities,
    numpy_casting,
    quiet_logs,
    to_numpy,
)
from ppladapt_pymc.timing import CompileClock

METHODS = {"normal": "advi", "mvn": "fullrank_advi"}


def run_svi(model: Model, options: SviOptions) -> RunResult:
    """Fit ``options.guide`` with ``pm.fit``; draw the posterior from the approximation."""
    opts.check_svi(options)
    method = METHODS.get(options.guide)
    if method is None:
        raise UnsupportedOptionError(
            f"guide={options.guide!r} is not supported by the pymc backend; use one of "
            f"{', '.join(map(repr, METHODS))}."
        )
    _, pymc_model, build_seconds = build(model)
    fit_seed, draw_seed = (
        int(s.generate_state(1)[0] % 2**30) for s in np.random.SeedSequence(options.seed).spawn(2)
    )
    quiet = quiet_logs(not options.progressbar)  # PyMC logs 'Finished [100%]: ...'
    with CompileClock() as clock, numpy_casting(), blas_threads(), quiet:
        try:
            approx = pm.fit(
                n=options.steps, method=method, model=pymc_model, random_seed=fit_seed,
                obj_optimizer=pm.adam(learning_rate=options.learning_rate),
                progressbar=options.progressbar, **options.extra,
            )
            trace = approx.sample(options.draws, random_seed=draw_seed, return_inferencedata=False)
        except PPLAdaptError:
            raise
        except FloatingPointError as err:
            first_line = str(err).strip().splitlines()[0]  # PyMC lists every NaN parameter
            raise BackendError(
                f"PyMC {method.upper()} diverged on model '{model.name}' ({first_line}); lower "
                f"learning_rate (it was {options.learning_rate}) or check the model's priors."
            ) from err
        except Exception as err:
            raise BackendError(
                f"PyMC {method.upper()} failed on model '{model.name}': "
                f"{type(err).__name__}: {err}"
            ) from err
    names = [s.name for s in model.posterior_sites]
    posterior = {n: to_numpy(model, n, trace.get_values(n))[None] for n in names}
    loglik = None
    if options.log_likelihood:
        priors = {s.name: posterior[s.name] for s in model.priors}
        loglik = densities(model).log_likelihood_draws(priors)
    losses = np.asarray(approx.hist, dtype=np.float64)
    if not np.isfinite(losses[-1]):
        warnings.warn(
            f"SVI on model '{model.name}' ended with a non-finite loss ({losses[-1]}); the "
            f"fit diverged, so its draws are not a posterior approximation. Lower "
            f"learning_rate (it was {options.learning_rate}) or check the model's priors.",
            RuntimeWarning,
            stacklevel=4,
        )
    return RunResult(
        posterior=posterior,
        sample_stats={},
        compile_seconds=build_seconds + clock.compile_seconds,
        sampling_seconds=clock.other_seconds,
        log_likelihood=loglik,
        attrs={
            "svi_method": method,
            "svi_final_loss": float(losses[-1]),
            "svi_loss": thinned(losses),
            "pytensor_version": pytensor.__version__,
            "floatX": str(pytensor.config.floatX),
            "backend_kwargs": opts.describe(options.extra),
        },
    )
