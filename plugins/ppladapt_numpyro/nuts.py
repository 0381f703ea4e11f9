"""NUTS with NumPyro: run the generated model, hand back arrays under canonical names.

Timing: ``compile_seconds`` is loading the generated code plus every JAX compilation
during `MCMC.run` (tracing, lowering, XLA compile or cache fetch; see `timing`);
``sampling_seconds`` is the rest of `MCMC.run`, warm-up included. ``lp`` is computed
afterwards, outside both, as the joint log density of each draw (`pa.log_density`'s
definition), not NumPyro's potential energy, which has the Jacobian in it.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ppladapt.backend import NutsOptions, RunResult
from ppladapt.errors import BackendError, PPLAdaptError
from ppladapt.ir.model import Model
from ppladapt_numpyro import options as opts
from ppladapt_numpyro.jax_setup import check_parallel_chains, configure, devices_for, environment
from ppladapt_numpyro.program import load, log_likelihood, model_data, to_numpy
from ppladapt_numpyro.timing import CompileTimer

configure()  # before JAX starts

import jax  # noqa: E402
from numpyro.infer import MCMC, NUTS  # noqa: E402

EXTRA_FIELDS = ("diverging", "num_steps", "accept_prob", "adapt_state.step_size", "energy")

# NumPyro extra field -> (canonical sample-stat name, dtype)
SAMPLE_STATS = {
    "diverging": ("diverging", np.bool_),
    "num_steps": ("n_steps", np.int64),
    "accept_prob": ("acceptance_rate", np.float64),
    "adapt_state.step_size": ("step_size", np.float64),
    "energy": ("energy", np.float64),
}


def chain_method_argument(chain_method: str, chains: int, devices: list, device: str):
    """What to pass to `MCMC` as ``chain_method``. Parallel chains need a device each
    (else a clear error); on a platform that is not JAX's default one (CPU chains on a
    GPU machine), `pmap` is pointed at that platform explicitly."""
    if chain_method != "parallel" or chains == 1:
        return chain_method
    check_parallel_chains(chains, devices, device)
    platform = devices[0].platform
    if platform != jax.default_backend():
        return partial(jax.pmap, backend=platform)
    return chain_method


def run_attrs(options: NutsOptions, devices: list, timer: CompileTimer) -> dict:
    """What `idata.attrs` records about a NUTS run beyond the shared attributes."""
    return {
        "chain_method": options.chain_method,
        **environment(devices),
        **timer.attrs(),
        "draws": options.draws,
        "tune": options.tune,
        "chains": options.chains,
        "target_accept": options.target_accept,
        "backend_kwargs": opts.describe(options.extra),
    }


def run_nuts(model: Model, options: NutsOptions) -> RunResult:
    """Sample ``model`` with NumPyro's NUTS as ``options`` ask."""
    opts.check_backend_kwargs("nuts", options.extra)
    devices = devices_for(options.device)
    chain_method = chain_method_argument(
        options.chain_method, options.chains, devices, options.device
    )
    with jax.default_device(devices[0]):
        program, load_seconds = load(model)
        data = model_data(model)
        kernel = NUTS(program.model_fn, target_accept_prob=options.target_accept, **options.extra)
        mcmc = MCMC(
            kernel,
            num_warmup=options.tune,
            num_samples=options.draws,
            num_chains=options.chains,
            chain_method=chain_method,
            progress_bar=options.progressbar and not callable(chain_method),
        )
        with CompileTimer() as timer:
            try:
                mcmc.run(jax.random.PRNGKey(options.seed), data, extra_fields=EXTRA_FIELDS)
                samples = jax.block_until_ready(mcmc.get_samples(group_by_chain=True))
            except PPLAdaptError:
                raise
            except Exception as err:
                raise BackendError(
                    f"NumPyro NUTS failed on model '{model.name}': {type(err).__name__}: {err}"
                ) from err
        names = [s.name for s in model.posterior_sites]
        posterior = {name: to_numpy(model, name, samples[name]) for name in names}
        fields = mcmc.get_extra_fields(group_by_chain=True)
        sample_stats = {
            canonical: np.asarray(fields[field]).astype(dtype)
            for field, (canonical, dtype) in SAMPLE_STATS.items()
        }
        priors = {s.name: posterior[s.name] for s in model.priors}
        sample_stats["lp"] = program.log_density_draws(data, priors)
        loglik = log_likelihood(model, program, data, posterior) if options.log_likelihood else None
    return RunResult(
        posterior=posterior,
        sample_stats=sample_stats,
        compile_seconds=load_seconds + timer.compile_seconds,
        sampling_seconds=timer.execute_seconds,
        log_likelihood=loglik,
        attrs=run_attrs(options, devices, timer),
    )
