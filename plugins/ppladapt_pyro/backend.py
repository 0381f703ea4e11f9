"""The Pyro backend: IR -> a readable Pyro module (`emitter`, `printer`), run by `nuts`,
`svi` and `predictive`.

Importing this module imports neither torch nor Pyro: code generation needs neither,
and the runner modules are imported when a run is asked for.
"""

from __future__ import annotations

from typing import Any

from ppladapt.backend import Arrays, Backend, NutsOptions, RunResult, SviOptions
from ppladapt.errors import UnsupportedOptionError
from ppladapt.ir.model import Model
from ppladapt_pyro import options as opts
from ppladapt_pyro.emitter import emit_module


class PyroBackend(Backend):
    name = "pyro"
    library = "pyro-ppl"
    modules = ("pyro", "torch")
    install_command = "pip install 'ppladapt[pyro]'"
    chain_methods = ("sequential", "parallel")
    code_options = opts.CODE_KWARGS

    def check_options(self, method: str, options: Any) -> None:
        if getattr(options, "chain_method", None) == "vectorized":
            raise UnsupportedOptionError(
                "the pyro backend does not support chain_method='vectorized': Pyro has no "
                "vectorized chains. Use chain_method='sequential' (one after another) or "
                "'parallel' (worker processes), or the numpyro backend for vectorized chains."
            )
        super().check_options(method, options)
        opts.check_backend_kwargs(method, options.extra)

    def to_code(self, model: Model, batch_size: int | None = None,
                subsample_plate: str | None = None) -> str:
        """The Pyro module for ``model``; with ``batch_size`` the mini-batch SVI program
        (``pa.sample(..., method="svi", batch_size=...)`` runs exactly that)."""
        if batch_size is None and subsample_plate is None:
            return emit_module(model)
        from ppladapt_pyro.subsample import plan_subsample

        opts.check_subsample_kwargs({"batch_size": batch_size, "subsample_plate": subsample_plate})
        return emit_module(model, plan_subsample(model, batch_size, subsample_plate))

    def run_nuts(self, model: Model, options: NutsOptions) -> RunResult:
        from ppladapt_pyro.nuts import run_nuts

        return run_nuts(model, options)

    def run_svi(self, model: Model, options: SviOptions) -> RunResult:
        from ppladapt_pyro.svi import run_svi

        return run_svi(model, options)

    def run_prior_predictive(self, model: Model, draws: int, seed: int) -> Arrays:
        from ppladapt_pyro.predictive import run_prior_predictive

        return run_prior_predictive(model, draws, seed)

    def run_posterior_predictive(self, model: Model, posterior: Arrays, seed: int) -> Arrays:
        from ppladapt_pyro.predictive import run_posterior_predictive

        return run_posterior_predictive(model, posterior, seed)

    def log_density(self, model: Model, params: Arrays) -> float:
        from ppladapt_pyro.predictive import log_density

        return log_density(model, params)
