"""SVI with Stan: ADVI through CmdStanPy (``guide="normal"`` is mean-field ADVI,
``"mvn"`` full-rank), then ``draws`` draws from the fitted approximation as one chain.

PyStan 3 has no variational inference, so with the PyStan engine (or without CmdStan)
this is an `UnsupportedOptionError` that names CmdStan as the requirement (raised by
`StanBackend.check_options` before anything runs). ``steps`` is ADVI's ``iter`` and
``learning_rate`` its step size ``eta`` (adaptation of eta is off, so the value given
is the value used).
"""

from __future__ import annotations

from ppladapt.backend import RunResult, SviOptions
from ppladapt.ir.model import Model
from ppladapt_stan import options as opts
from ppladapt_stan.outputs import group_columns, to_ir
from ppladapt_stan.runs import prepare

ALGORITHMS = {"normal": "meanfield", "mvn": "fullrank"}


def run_svi(model: Model, options: SviOptions) -> RunResult:
    """Fit ``options.guide`` with Stan's ADVI and draw the posterior from it."""
    opts.check_backend_kwargs("svi", options.extra)
    engine = opts.svi_engine(options.extra.get("engine", "auto"))
    run = prepare(model, engine, "sample", options.log_likelihood)
    settings = {k: v for k, v in options.extra.items() if k in opts.SVI_KWARGS}
    chain, seconds = run.engine.variational(
        run.compiled, run.data, algorithm=ALGORITHMS[options.guide], steps=options.steps,
        learning_rate=options.learning_rate, draws=options.draws, seed=options.seed,
        settings=settings)
    variables = {k: v[None] for k, v in group_columns(chain.columns).items()}
    posterior = to_ir(model, run.program, variables, run.program.outputs, lead=2)
    log_likelihood = None
    if options.log_likelihood:
        log_likelihood = {site: variables[stan]
                          for stan, site in run.program.log_likelihood.items()}
    return RunResult(
        posterior=posterior,
        sample_stats={},
        compile_seconds=run.compile_seconds,
        sampling_seconds=seconds,
        log_likelihood=log_likelihood,
        attrs={"engine": engine, "algorithm": ALGORITHMS[options.guide],
               "backend_kwargs": opts.describe(options.extra)},
    )
