"""NUTS with Pyro: run the generated model, hand back arrays under canonical names.

Chains. ``"sequential"`` runs the chains one after another in this process (one
`pyro.infer.MCMC` per chain, all drawing on the one random stream seeded by ``seed``, so
the chains differ and the run is reproducible): the draws of ``pyro.set_rng_seed(seed)``
and ``MCMC(NUTS(model, max_plate_nesting=...), num_chains=chains)`` where Pyro draws the
chains one after another itself (more chains than ``cpu_count - 1``). ``"parallel"``
runs them in worker processes started with the "spawn" method (``MCMC(...,
num_chains=chains, mp_context="spawn")``); worker ``k`` seeds itself with ``seed + k``,
the model travels to it as its source text (`program.GeneratedModel`). Pyro uses workers
only when ``chains <= cpu_count - 1`` (one core stays with the main process); with more
chains it runs them one after another. ppladapt then does exactly that, says so in a
`RuntimeWarning`, and records ``chain_method="sequential"`` in ``idata.attrs`` (with
``chain_method_requested="parallel"``): an honest record of what ran, never a silent
substitute. ``"vectorized"`` is refused in `PyroBackend.check_options`: Pyro has no
vectorized chains.

Sample stats. Pyro's MCMC keeps no per-draw statistics (its diagnostics are divergence
indices and an acceptance count per chain), so `RecordingNUTS` records, for each draw
after warm-up, the mean Metropolis acceptance probability over the trajectory
(``acceptance_rate``, as NumPyro's ``accept_prob``), the number of leapfrog steps
(``n_steps``), the step size and whether it diverged; they reach the main process through
the kernel's diagnostics, which Pyro returns from worker processes too. ``lp`` is computed
afterwards, as `pa.log_density` defines it (not Pyro's potential energy, which has the
Jacobian in it). Pyro exposes neither tree depth nor energy; they are absent.

Timing. Pyro runs eagerly: nothing is compiled. ``compile_seconds`` is generating and
loading the module; ``sampling_seconds`` is the wall time of `MCMC.run` (Pyro's model
set-up, warm-up and sampling, and the start of worker processes for parallel chains).
"""

from __future__ import annotations

import time
import warnings
from functools import partial

import numpy as np
import torch
import torch.multiprocessing as mp
from pyro.infer import MCMC, NUTS
from pyro.infer.autoguide.initialization import init_to_uniform

from ppladapt.backend import NutsOptions, RunResult
from ppladapt.errors import BackendError, PPLAdaptError, UnsupportedOptionError
from ppladapt.ir import expr as E
from ppladapt.ir.model import Model
from ppladapt_pyro import options as opts
from ppladapt_pyro.initialization import with_improper
from ppladapt_pyro.program import load, model_data, to_numpy, trace_draws
from ppladapt_pyro.torch_setup import environment, session, torch_device

DRAW_STATS = "ppladapt_draw_stats"


class RecordingNUTS(NUTS):
    """Pyro's NUTS, also recording per-draw statistics after warm-up (see the module
    docstring); `diagnostics` returns them under `DRAW_STATS`."""

    def __init__(self, model, num_threads=None, **kwargs):
        super().__init__(model, **kwargs)
        self.num_threads = num_threads

    def setup(self, warmup_steps, *args, **kwargs):
        if self.num_threads:  # in a worker process too (parallel chains)
            torch.set_num_threads(self.num_threads)
        self._draw_stats = {"acceptance_rate": [], "n_steps": [], "step_size": [], "diverging": []}
        self._leapfrogs, self._accept_sum = 0, 0.0
        super().setup(warmup_steps, *args, **kwargs)

    def _build_basetree(self, *args, **kwargs):
        tree = super()._build_basetree(*args, **kwargs)
        self._leapfrogs += 1
        self._accept_sum = self._accept_sum + tree.sum_accept_probs
        return tree

    def sample(self, params):
        self._leapfrogs, self._accept_sum = 0, 0.0
        step_size = float(self.step_size)
        divergences = len(self._divergences)
        params = super().sample(params)
        if self._t > self._warmup_steps and self._leapfrogs:
            stats = self._draw_stats
            stats["acceptance_rate"].append(float(self._accept_sum) / self._leapfrogs)
            stats["n_steps"].append(self._leapfrogs)
            stats["step_size"].append(step_size)
            stats["diverging"].append(len(self._divergences) > divergences)
        return params

    def diagnostics(self):
        return {**super().diagnostics(), DRAW_STATS: self._draw_stats}


# canonical sample-stat name -> dtype
SAMPLE_STATS = {
    "diverging": np.bool_,
    "acceptance_rate": np.float64,
    "step_size": np.float64,
    "n_steps": np.int64,
}


def available_workers() -> int:
    """How many chains Pyro runs in worker processes at once (its own rule)."""
    return max(mp.cpu_count() - 1, 1)


def chain_method_used(chain_method: str, chains: int) -> str:
    """What runs for ``chain_method``: "parallel" falls back to "sequential", with a
    warning, when Pyro would not start that many workers."""
    workers = available_workers()
    if chain_method != "parallel" or chains == 1 or chains <= workers:
        return chain_method
    if workers > 1:
        remedy = f"Use at most {workers} chains to run them in parallel."
    else:
        remedy = ("This machine has too few cores for parallel chains; pass "
                  "chain_method='sequential'.")
    warnings.warn(
        f"chain_method='parallel': Pyro runs chains in worker processes only when chains "
        f"<= cpu_count - 1 ({workers} here), so the {chains} chains run one after another; "
        f"idata.attrs records chain_method='sequential'. {remedy}",
        RuntimeWarning,
        stacklevel=5,  # the caller of pa.sample
    )
    return "sequential"


def check_static_supports(model: Model, method: str) -> None:
    """Pyro fixes each latent site's support when it first traces the model (HMC's
    transforms, the autoguides' too): a prior whose bounds depend on other random
    variables would be sampled on the wrong interval, so it is refused."""
    for site in model.priors:
        support = site.dist.spec.support
        for bound in (support.low, support.high):
            node = site.dist.param(bound) if bound else None
            if node is not None and any(isinstance(n, E.SiteRef) for n in node.walk()):
                raise UnsupportedOptionError(
                    f"prior '{site.name}': its {site.dist.name} bounds depend on other random "
                    f"variables, and Pyro's {method.upper()} fixes a site's support when it "
                    f"first traces the model, so it would sample the wrong interval. "
                    f"Reparameterise (e.g. {site.name}_unit ~ Uniform(0, 1) and "
                    f"{site.name} = low + (high - low) * {site.name}_unit) or use another backend."
                )


def _kernel(model: Model, program, options: NutsOptions) -> RecordingNUTS:
    kwargs = dict(options.extra)
    kwargs.setdefault("init_strategy", init_to_uniform)
    kwargs["init_strategy"] = partial(with_improper, fallback=kwargs["init_strategy"])
    # Known from the IR; left to Pyro, it would be guessed by drawing from the prior,
    # which improper priors cannot do.
    nesting = max((len(site.plates) for site in model.sites), default=0)
    return RecordingNUTS(program, target_accept_prob=options.target_accept,
                         max_plate_nesting=nesting, **kwargs)


def _sample(model: Model, program, data, options: NutsOptions, chain_method: str):
    """Run the chains; (samples by site shaped (chain, draw, ...), per-chain diagnostics)."""
    common = dict(num_samples=options.draws, warmup_steps=options.tune,
                  disable_progbar=not options.progressbar)
    if chain_method == "parallel" and options.chains > 1:
        mcmc = MCMC(_kernel(model, program, options), num_chains=options.chains,
                    mp_context="spawn", **common)
        mcmc.run(data)
        # MCMC.diagnostics() merges these per-chain kernel diagnostics after computing
        # ESS and R-hat, which is not needed here.
        return mcmc.get_samples(group_by_chain=True), list(mcmc._diagnostics)
    runs, diagnostics = [], []
    for _ in range(options.chains):
        mcmc = MCMC(_kernel(model, program, options), num_chains=1, **common)
        mcmc.run(data)
        runs.append(mcmc.get_samples(group_by_chain=True))
        diagnostics.append(mcmc._diagnostics[0])
    samples = {name: torch.cat([run[name] for run in runs]) for name in runs[0]}
    return samples, diagnostics


def sample_stats(diagnostics: list) -> dict[str, np.ndarray]:
    """Per-draw statistics (chain, draw) from each chain's kernel diagnostics."""
    out = {}
    for name, dtype in SAMPLE_STATS.items():
        out[name] = np.stack([np.asarray(d[DRAW_STATS][name], dtype=dtype) for d in diagnostics])
    return out


def run_nuts(model: Model, options: NutsOptions) -> RunResult:
    """Sample ``model`` with Pyro's NUTS as ``options`` ask."""
    opts.check_backend_kwargs("nuts", options.extra)
    check_static_supports(model, "nuts")
    device = torch_device(options.device)
    chain_method = chain_method_used(options.chain_method, options.chains)
    with session(device, options.seed, options.extra.get("num_threads")):
        program, load_seconds = load(model)
        data = model_data(model, device)
        env = environment(device)
        start = time.perf_counter()
        try:
            samples, diagnostics = _sample(model, program, data, options, chain_method)
        except PPLAdaptError:
            raise
        except Exception as err:
            raise BackendError(
                f"Pyro NUTS failed on model '{model.name}': {type(err).__name__}: {err}"
            ) from err
        sampling_seconds = time.perf_counter() - start
        priors = {s.name: to_numpy(model, s.name, samples[s.name]) for s in model.priors}
        replay = trace_draws(
            model, program, data, priors, lead=(options.chains, options.draws),
            collect=[s.name for s in model.deterministics], lp=True,
            log_likelihood=options.log_likelihood, device=device,
        )
    posterior = {s.name: priors.get(s.name, replay["values"].get(s.name))
                 for s in model.posterior_sites}
    stats = sample_stats(diagnostics)
    stats["lp"] = replay["lp"]
    attrs = {
        "chain_method": chain_method,
        **env,
        "draws": options.draws,
        "tune": options.tune,
        "chains": options.chains,
        "target_accept": options.target_accept,
        "backend_kwargs": opts.describe(options.extra),
    }
    if chain_method != options.chain_method:
        attrs["chain_method_requested"] = options.chain_method
    return RunResult(
        posterior=posterior,
        sample_stats=stats,
        compile_seconds=load_seconds,
        sampling_seconds=sampling_seconds,
        log_likelihood=replay.get("log_likelihood"),
        attrs=attrs,
    )
