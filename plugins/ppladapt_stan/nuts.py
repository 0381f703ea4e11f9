"""NUTS with Stan: run the generated program, hand back arrays under canonical names.

Chains: ``chain_method="parallel"`` runs the chains at once in separate processes
(httpstan's worker pool, one process per chain up to the number of cores; CmdStan's
``parallel_chains``); ``"sequential"`` runs them one after another. Both give the same
draws for the same seed: chain ``k`` always runs as Stan's chain ``k``.

``lp`` is the joint log density of each draw as `pa.log_density` defines it (constants
kept, no Jacobian), evaluated by the compiled model after sampling, outside both timers:
PyStan's engine calls the model's ``log_prob`` (Jacobian off) at each draw's unconstrained
values, which Stan's diagnostic output carries; each call passes the data again, so
this costs about 50 microseconds a draw for small data and a few milliseconds for large
data (3 ms for the 5000 x 10 logistic regression). CmdStan's engine evaluates a chain's
draws in one ``log_prob`` call. Stan's ``lp__`` includes the log Jacobian of the
constraining transforms, so it is not passed on. ``sampling_seconds`` is the time from
the first chain's start to the last chain's end, warm-up included, reading the output not.
"""

from __future__ import annotations

import numpy as np

from ppladapt.backend import NutsOptions, RunResult
from ppladapt.ir.model import Model
from ppladapt_stan import options as opts
from ppladapt_stan.outputs import SAMPLE_STATS, group_columns, stack_chains, to_ir
from ppladapt_stan.runs import prepare


def run_nuts(model: Model, options: NutsOptions) -> RunResult:
    """Sample ``model`` with Stan's NUTS as ``options`` ask."""
    opts.check_backend_kwargs("nuts", options.extra)
    engine = opts.resolve_engine(options.extra.get("engine", "auto"))
    run = prepare(model, engine, "sample", options.log_likelihood)
    chains, seconds, attrs = run.engine.nuts(
        run.compiled, run.data, chains=options.chains, draws=options.draws, tune=options.tune,
        seed=options.seed, target_accept=options.target_accept,
        parallel=options.chain_method == "parallel",
        settings=opts.nuts_settings(options.extra, engine),
    )
    program = run.program
    variables = stack_chains([group_columns(c.columns) for c in chains])
    posterior = to_ir(model, program, variables, program.outputs, lead=2)
    sample_stats = {
        name: np.stack([c.columns[column] for c in chains]).astype(dtype)
        for column, (name, dtype) in SAMPLE_STATS.items()
    }
    sample_stats["lp"] = run.engine.lp_of_draws(run.compiled, run.data, chains)
    log_likelihood = None
    if options.log_likelihood:
        log_likelihood = {site: np.asarray(variables[stan], dtype=np.float64)
                          for stan, site in program.log_likelihood.items()}
    attrs = {
        "chain_method": options.chain_method,
        **attrs,
        "compiled_now": run.built,
        "draws": options.draws,
        "tune": options.tune,
        "chains": options.chains,
        "target_accept": options.target_accept,
        "backend_kwargs": opts.describe(options.extra),
    }
    return RunResult(
        posterior=posterior,
        sample_stats=sample_stats,
        compile_seconds=run.compile_seconds,
        sampling_seconds=seconds,
        log_likelihood=log_likelihood,
        attrs=attrs,
    )
