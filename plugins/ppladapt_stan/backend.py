"""The Stan backend: IR -> a readable Stan program (`emitter`), compiled once per
program (`building`) and run by PyStan's httpstan or CmdStanPy (`nuts`, `svi`,
`predictive`).

Importing this module imports no Stan library: code generation needs none, and the
runner modules, which do, are imported when a run is asked for.
"""

from __future__ import annotations

from typing import Any

from ppladapt.backend import Arrays, Backend, NutsOptions, RunResult, SviOptions
from ppladapt.errors import UnsupportedOptionError
from ppladapt.ir.model import Model
from ppladapt_stan import options as opts
from ppladapt_stan.emitter import VARIANTS, emit_program


class StanBackend(Backend):
    name = "stan"
    library = "pystan"
    modules = ("stan", "httpstan")
    install_command = "pip install 'ppladapt[stan]'"
    chain_methods = ("sequential", "parallel")
    devices = ("cpu",)
    code_options = ("variant", "log_likelihood")

    @property
    def methods(self) -> tuple[str, ...]:  # type: ignore[override]
        """NUTS always; SVI (Stan's ADVI) only through CmdStanPy with CmdStan installed."""
        return ("nuts", "svi") if opts.has_cmdstanpy() else ("nuts",)

    def check_options(self, method: str, options: Any) -> None:
        chain_method = getattr(options, "chain_method", None)
        if chain_method == "vectorized":
            raise UnsupportedOptionError(
                "backend 'stan' does not support chain_method='vectorized' (Stan runs each "
                "chain as its own program); use chain_method='parallel' (chains in parallel "
                "processes) or 'sequential'."
            )
        if options.device == "gpu":
            raise UnsupportedOptionError(
                "backend 'stan' does not support device='gpu': ppladapt runs Stan on the CPU; "
                "use device='cpu', or a backend with GPU support (numpyro, pyro)."
            )
        opts.check_backend_kwargs(method, options.extra)
        if method == "svi":
            opts.svi_engine(options.extra.get("engine", "auto"))
        super().check_options(method, options)

    def to_code(self, model: Model, variant: str = "sample", log_likelihood: bool = False) -> str:
        """The sampling program (``variant="prior"``/``"posterior"``: the predictive ones;
        ``log_likelihood=True``: with the pointwise log likelihood)."""
        if variant not in VARIANTS:
            raise UnsupportedOptionError(
                f"variant={variant!r} is not a Stan program variant; use one of "
                f"{', '.join(map(repr, VARIANTS))}.")
        return emit_program(model, variant, bool(log_likelihood)).code

    def run_nuts(self, model: Model, options: NutsOptions) -> RunResult:
        from ppladapt_stan.nuts import run_nuts

        return run_nuts(model, options)

    def run_svi(self, model: Model, options: SviOptions) -> RunResult:
        from ppladapt_stan.svi import run_svi

        return run_svi(model, options)

    def run_prior_predictive(self, model: Model, draws: int, seed: int) -> Arrays:
        from ppladapt_stan.predictive import run_prior_predictive

        return run_prior_predictive(model, draws, seed)

    def run_posterior_predictive(self, model: Model, posterior: Arrays, seed: int) -> Arrays:
        from ppladapt_stan.predictive import run_posterior_predictive

        return run_posterior_predictive(model, posterior, seed)

    def log_density(self, model: Model, params: Arrays) -> float:
        from ppladapt_stan.predictive import log_density

        return log_density(model, params)
