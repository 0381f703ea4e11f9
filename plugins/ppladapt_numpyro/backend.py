"""The NumPyro backend: IR -> a readable NumPyro module (`emitter`), run by `nuts`, `svi`
and `predictive`.

Importing this module imports neither JAX nor NumPyro: code generation needs neither,
and the runner modules (which configure JAX before starting it, see `jax_setup`) are
imported when a run is asked for.
"""

from __future__ import annotations

from typing import Any

from ppladapt.backend import Arrays, Backend, NutsOptions, RunResult, SviOptions
from ppladapt.ir.model import Model
from ppladapt_numpyro.emitter import emit_module
from ppladapt_numpyro.options import check_backend_kwargs


class NumPyroBackend(Backend):
    name = "numpyro"
    library = "numpyro"
    modules = ("numpyro", "jax")
    install_command = "pip install 'ppladapt[numpyro]'"

    def check_options(self, method: str, options: Any) -> None:
        super().check_options(method, options)
        check_backend_kwargs(method, options.extra)

    def to_code(self, model: Model) -> str:
        return emit_module(model)

    def run_nuts(self, model: Model, options: NutsOptions) -> RunResult:
        from ppladapt_numpyro.nuts import run_nuts

        return run_nuts(model, options)

    def run_svi(self, model: Model, options: SviOptions) -> RunResult:
        from ppladapt_numpyro.svi import run_svi

        return run_svi(model, options)

    def run_prior_predictive(self, model: Model, draws: int, seed: int) -> Arrays:
        from ppladapt_numpyro.predictive import run_prior_predictive

        return run_prior_predictive(model, draws, seed)

    def run_posterior_predictive(self, model: Model, posterior: Arrays, seed: int) -> Arrays:
        from ppladapt_numpyro.predictive import run_posterior_predictive

        return run_posterior_predictive(model, posterior, seed)

    def log_density(self, model: Model, params: Arrays) -> float:
        from ppladapt_numpyro.predictive import log_density

        return log_density(model, params)
