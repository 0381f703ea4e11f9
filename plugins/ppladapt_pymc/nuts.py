"""NUTS with PyMC: run the generated model with ``pm.sample``, hand back arrays under
canonical names.

PyMC's own NUTS runs in two timed phases. Compilation: building the ``pm.Model`` from
the generated code, then ``pm.init_nuts``, which derives the log density and its gradient,
compiles them and picks the (jittered) initial points. Sampling: ``pm.sample`` with that
step and those points; any PyTensor compilation inside it (the small functions that set
up the chains' starting points) is moved to ``compile_seconds`` from PyTensor's own
counters (see `timing`), the rest of its wall time is ``sampling_seconds`` (warm-up
included, and with parallel chains the worker processes' start).

JAX samplers (``nuts_sampler="numpyro"`` or ``"blackjax"``, and ``chain_method=
"vectorized"``): ``compile_seconds`` is building the model plus PyTensor and JAX
compilation inside ``pm.sample`` (JAX reports its own, see `timing`); the rest is
``sampling_seconds``.

``lp`` is computed afterwards, outside both, as the joint log density of each draw
(`pa.log_density`'s definition), not PyMC's ``model_logp``, which is taken on the
transformed values and includes the Jacobian.

``seed`` means what ``pm.sample(random_seed=seed)`` makes of it (`chain_seeds`): the same
model and seed draw the same chains as PyMC's one call.

Each chain uses one BLAS thread (`program.blas_threads`), and the model's log density
graphs are built with float64 constants (`program.numpy_casting`).
"""

from __future__ import annotations

import contextlib
import logging

import numpy as np
import pymc as pm
import pytensor

from ppladapt.backend import NutsOptions, RunResult
from ppladapt.errors import BackendError, PPLAdaptError, UnsupportedOptionError
from ppladapt.ir.model import Model
from ppladapt_pymc import options as opts
from ppladapt_pymc.program import (
    BLAS_THREADS,
    blas_threads,
    build,
    densities,
    numpy_casting,
    to_numpy,
)
from ppladapt_pymc.timing import CompileClock

# Sample-stat names of PyMC's samplers -> canonical (name, dtype).
SAMPLE_STATS = {
    "diverging": ("diverging", np.bool_),
    "depth": ("tree_depth", np.int64),
    "tree_depth": ("tree_depth", np.int64),
    "tree_size": ("n_steps", np.int64),
    "n_steps": ("n_steps", np.int64),
    "step_size": ("step_size", np.float64),
    "mean_tree_accept": ("acceptance_rate", np.float64),
    "acceptance_rate": ("acceptance_rate", np.float64),
    "energy": ("energy", np.float64),
}
PICKLE_FALLBACK = "Could not pickle model"


class _PickleFallbackWatch(logging.Handler):
    """Notices PyMC falling back to one process when the model cannot be pickled."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.fell_back = False

    def emit(self, record: logging.LogRecord) -> None:
        if PICKLE_FALLBACK in record.getMessage():
            self.fell_back = True


@contextlib.contextmanager
def _watch_pickle_fallback(model: Model):
    watch = _PickleFallbackWatch()
    logger = logging.getLogger("pymc")
    logger.addHandler(watch)
    try:
        yield
    finally:
        logger.removeHandler(watch)
    if watch.fell_back:
        raise BackendError(
            f"PyMC could not pickle model '{model.name}' for its worker processes and ran "
            f"the chains one after the other instead of chain_method='parallel'; use "
            f"chain_method='sequential' (or nuts_sampler='numpyro')."
        )


def _failed(model: Model, what: str, err: Exception) -> BackendError:
    return BackendError(
        f"PyMC {what} failed on model '{model.name}': {type(err).__name__}: {err}"
    )


def chain_seeds(seed: int, chains: int) -> list[int]:
    """The per-chain seeds ``pm.sample(random_seed=seed)`` hands ``pm.init_nuts``: one
    integer from each generator it spawns for the chains. Given to ``pm.init_nuts``, with
    ``seed`` itself to ``pm.sample``, the two steps draw what the one call would."""
    return [int(rng.integers(2**30)) for rng in np.random.default_rng(seed).spawn(chains)]


def _canonical_stats(stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, value in stats.items():
        if name in SAMPLE_STATS:
            canonical, dtype = SAMPLE_STATS[name]
            out[canonical] = np.asarray(value).astype(dtype)
    return out


def _run_pymc(model: Model, pymc_model, plan: opts.NutsPlan, options: NutsOptions):
    """PyMC's own NUTS: (posterior, stats, compile seconds, sampling seconds)."""
    quiet = not options.progressbar
    with CompileClock() as setup, blas_threads():
        initial_points, step = pm.init_nuts(
            chains=options.chains, tune=options.tune, model=pymc_model,
            random_seed=chain_seeds(options.seed, options.chains),
            progressbar=options.progressbar, quiet=quiet, target_accept=options.target_accept,
            **plan.init_kwargs, **plan.step_kwargs,
        )
    with CompileClock() as run, _watch_pickle_fallback(model), blas_threads():
        trace = pm.sample(
            draws=options.draws, tune=options.tune, chains=options.chains, cores=plan.cores,
            step=step, initvals=initial_points, random_seed=options.seed, model=pymc_model,
            progressbar=options.progressbar, quiet=quiet, compute_convergence_checks=False,
            return_inferencedata=False, discard_tuned_samples=True,
            blas_cores=BLAS_THREADS * plan.cores,
        )
    names = [s.name for s in model.posterior_sites]
    posterior = {n: np.stack(trace.get_values(n, combine=False, squeeze=False)) for n in names}
    stats = {
        stat: np.stack(trace.get_sampler_stats(stat, combine=False, squeeze=False))
        for stat in trace.stat_names if stat in SAMPLE_STATS
    }
    return posterior, stats, setup.wall_seconds + run.compile_seconds, run.other_seconds


def _jax_device(plan: opts.NutsPlan, options: NutsOptions):
    """The JAX device to run on; a clear error for a GPU that is not there or for more
    parallel chains than JAX devices (NumPyro would otherwise run them one by one)."""
    import pymc.sampling.jax  # noqa: F401  (before JAX starts: asks XLA for host devices)
    import jax

    try:
        devices = jax.devices(options.device)
    except RuntimeError:
        devices = []
    if not devices:
        raise UnsupportedOptionError(
            f"device={options.device!r} requested with nuts_sampler={plan.sampler!r}, but JAX "
            f"sees no such device; install jax[cuda12] (pip install -U 'jax[cuda12]') on a "
            f"machine with an NVIDIA GPU, or use device='cpu'."
        )
    if plan.jax_chain_method == "parallel" and options.chains > len(devices):
        raise UnsupportedOptionError(
            f"chain_method='parallel' with nuts_sampler={plan.sampler!r} runs one chain per "
            f"JAX device, but {options.chains} chains were requested and JAX sees "
            f"{len(devices)} {options.device} device(s). Set the environment variable "
            f"XLA_FLAGS=--xla_force_host_platform_device_count={options.chains} before "
            f"starting Python, or use chain_method='vectorized' or 'sequential'."
        )
    return jax.default_device(devices[0])


def _run_external(model: Model, pymc_model, plan: opts.NutsPlan, options: NutsOptions):
    """NumPyro's, BlackJAX's or nutpie's NUTS on the PyMC model, through ``pm.sample``."""
    device = _jax_device(plan, options) if plan.uses_jax else contextlib.nullcontext()
    with device, CompileClock(jax=plan.uses_jax) as run:
        idata = pm.sample(
            draws=options.draws, tune=options.tune, chains=options.chains,
            target_accept=options.target_accept, random_seed=options.seed, model=pymc_model,
            nuts_sampler=plan.sampler, nuts_sampler_kwargs=dict(plan.sampler_kwargs),
            progressbar=options.progressbar, quiet=not options.progressbar,
            compute_convergence_checks=False,
        )
    names = [s.name for s in model.posterior_sites]
    posterior = {n: np.asarray(idata.posterior[n].values) for n in names}
    stats = {k: np.asarray(v.values) for k, v in idata.sample_stats.items() if k != "lp"}
    return posterior, stats, run.compile_seconds, run.other_seconds


def run_nuts(model: Model, options: NutsOptions) -> RunResult:
    """Sample ``model`` with NUTS on PyMC as ``options`` ask."""
    plan = opts.plan_nuts(options)
    _, pymc_model, build_seconds = build(model)
    runner = _run_pymc if plan.sampler == "pymc" else _run_external
    try:
        with numpy_casting():
            posterior, stats, compile_seconds, sampling_seconds = runner(
                model, pymc_model, plan, options
            )
    except PPLAdaptError:
        raise
    except Exception as err:
        raise _failed(model, f"NUTS ({plan.sampler} sampler)", err) from err
    posterior = {name: to_numpy(model, name, value) for name, value in posterior.items()}
    sample_stats = _canonical_stats(stats)
    functions = densities(model)
    priors = {s.name: posterior[s.name] for s in model.priors}
    sample_stats["lp"] = functions.joint_draws(priors)
    loglik = functions.log_likelihood_draws(priors) if options.log_likelihood else None
    return RunResult(
        posterior=posterior,
        sample_stats=sample_stats,
        compile_seconds=build_seconds + compile_seconds,
        sampling_seconds=sampling_seconds,
        log_likelihood=loglik,
        attrs={
            "chain_method": options.chain_method,
            "nuts_sampler": plan.sampler,
            "cores": plan.cores,
            "blas_threads_per_chain": BLAS_THREADS,
            "draws": options.draws,
            "tune": options.tune,
            "chains": options.chains,
            "target_accept": options.target_accept,
            "pytensor_version": pytensor.__version__,
            "floatX": str(pytensor.config.floatX),
            "backend_kwargs": opts.describe(options.extra),
        },
    )
