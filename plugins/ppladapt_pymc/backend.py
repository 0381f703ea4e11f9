"""The PyMC backend: IR -> a readable PyMC module (`emitter`), run by `nuts`, `svi` and
`predictive`.

Importing this module imports neither PyMC nor PyTensor: code generation needs neither,
and the runner modules are imported when a run is asked for.
"""

from __future__ import annotations

from typing import Any

from ppladapt.backend import Arrays, Backend, NutsOptions, RunResult, SviOptions
from ppladapt.ir.model import Model
from ppladapt_pymc.emitter import emit_module
from ppladapt_pymc.options import check_svi, plan_nuts


class PyMCBackend(Backend):
    name = "pymc"
    library = "pymc"
    modules = ("pymc", "pytensor")
    install_command = "pip install 'ppladapt[pymc]'"

    def check_options(self, method: str, options: Any) -> None:
        super().check_options(method, options)
        if method == "nuts":
            plan_nuts(options)
        else:
            check_svi(options)

    def to_code(self, model: Model) -> str:
        return emit_module(model)

    def run_nuts(self, model: Model, options: NutsOptions) -> RunResult:
        from ppladapt_pymc.nuts import run_nuts

        return run_nuts(model, options)

    def run_svi(self, model: Model, options: SviOptions) -> RunResult:
        from ppladapt_pymc.svi import run_svi

        return run_svi(model, options)

    def run_prior_predictive(self, model: Model, draws: int, seed: int) -> Arrays:
        from ppladapt_pymc.predictive import run_prior_predictive

        return run_prior_predictive(model, draws, seed)

    def run_posterior_predictive(self, model: Model, posterior: Arrays, seed: int) -> Arrays:
        from ppladapt_pymc.predictive import run_posterior_predictive

        return run_posterior_predictive(model, posterior, seed)

    def log_density(self, model: Model, params: Arrays) -> float:
        from ppladapt_pymc.predictive import log_density

        return log_density(model, params)
