"""The CmdStanPy engine: CmdStan's executables, used when a CmdStan install is found.

Each program is written to ``$PPLADAPT_CACHE_DIR/stan/cmdstan-<version>/<key>/model.stan``
and compiled next to it once (CmdStanPy reuses an executable newer than its source);
runs write their CSV files to temporary directories. The interface is the one of
`ppladapt_stan.httpstan_engine`, plus ADVI (`variational`), which only CmdStan offers.
Densities use CmdStan's ``log_prob`` method with the Jacobian off, on the constrained
draws (all of a chain's draws in one call).
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np

import cmdstanpy

from ppladapt.errors import BackendError
from ppladapt_stan.building import (DEFAULT_OPTIMIZATION, build_lock, cache_dir, compile_error,
                                    optimization_level, program_key)
from ppladapt_stan.program import StanProgram
from ppladapt_stan.outputs import ChainOutput

ENGINE = "cmdstanpy"
SIG_FIGS = 18  # full double precision in CmdStan's CSV files
BOOKKEEPING = frozenset({"chain__", "iter__", "draw__"})


def compiler_version() -> str:
    version = cmdstanpy.utils.cmdstan_version()
    return "cmdstan-" + (".".join(map(str, version)) if version else "unknown")


@dataclass(eq=False)
class CompiledModel:
    program: StanProgram
    model: Any  # cmdstanpy.CmdStanModel
    key: str
    optimization: str  # the C++ optimisation level it was built with


_MODELS: dict[str, CompiledModel] = {}
_LOCK = threading.Lock()


def compile_program(program: StanProgram, label: str = "") -> tuple[CompiledModel, bool]:
    level = optimization_level()
    key = program_key(program.code, ENGINE, compiler_version(), level)
    with _LOCK:
        if key in _MODELS:
            return _MODELS[key], False
        folder = cache_dir() / compiler_version() / key
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "model.stan"
        with build_lock(key):
            exe = folder / "model"
            built = not exe.exists()
            if built:
                source.write_text(program.code)
            try:
                # CmdStan's make variable O is the optimisation level (default 3)
                cpp_options = None if level == DEFAULT_OPTIMIZATION else {"O": level}
                model = cmdstanpy.CmdStanModel(stan_file=str(source), cpp_options=cpp_options,
                                               exe_file=None if built else str(exe))
            except ValueError as err:
                raise compile_error(program, str(err), label) from None
            except RuntimeError as err:
                raise BackendError(
                    f"CmdStan could not build the program for model '{label}': {err}") from err
        _MODELS[key] = CompiledModel(program, model, key, level)
        return _MODELS[key], built


def _chains(fit) -> list[ChainOutput]:
    draws = fit.draws()  # (draws, chains, columns)
    names = list(fit.column_names)
    return [ChainOutput({n: draws[:, c, i] for i, n in enumerate(names) if n not in BOOKKEEPING},
                        np.zeros((draws.shape[0], 0))) for c in range(draws.shape[1])]


def nuts(model: CompiledModel, data: Mapping[str, Any], *, chains: int, draws: int, tune: int,
         seed: int, target_accept: float, parallel: bool, settings: Mapping[str, Any]):
    start = time.perf_counter()
    try:
        fit = model.model.sample(
            data=dict(data), chains=chains, parallel_chains=chains if parallel else 1,
            seed=int(seed),
            iter_warmup=int(tune), iter_sampling=int(draws), adapt_delta=float(target_accept),
            sig_figs=SIG_FIGS, show_progress=False,
            output_dir=tempfile.mkdtemp(prefix="ppladapt_cmdstan_"),
            **settings)
    except RuntimeError as err:
        raise BackendError(f"CmdStan NUTS failed: {err}") from err
    seconds = time.perf_counter() - start
    outputs = _chains(fit)
    for chain, csv in zip(outputs, fit.runset.csv_files):
        chain.source = csv
    attrs = {"engine": ENGINE, "stan_processes": chains if parallel else 1,
             "cmdstan_version": compiler_version(), "cxx_optimization": f"-O{model.optimization}"}
    return outputs, seconds, attrs


def generate(model: CompiledModel, data: Mapping[str, Any], *, draws: int, seed: int):
    start = time.perf_counter()
    fit = model.model.sample(data=dict(data), fixed_param=True, chains=1, iter_sampling=int(draws),
                             seed=int(seed), sig_figs=SIG_FIGS, show_progress=False)
    return _chains(fit)[0], time.perf_counter() - start


def variational(model: CompiledModel, data: Mapping[str, Any], *, algorithm: str, steps: int,
                learning_rate: float, draws: int, seed: int, settings: Mapping[str, Any]):
    """ADVI ("meanfield" or "fullrank"): one chain of ``draws`` draws from the fit."""
    start = time.perf_counter()
    settings = {"adapt_engaged": False, **settings}
    try:
        fit = model.model.variational(
            data=dict(data), algorithm=algorithm, iter=int(steps), eta=float(learning_rate),
            draws=int(draws), seed=int(seed), sig_figs=SIG_FIGS, require_converged=False,
            **settings)
    except RuntimeError as err:
        raise BackendError(f"CmdStan ADVI failed: {err}") from err
    seconds = time.perf_counter() - start
    sample = np.asarray(fit.variational_sample)
    names = list(fit.column_names)
    columns = {n: sample[:, i] for i, n in enumerate(names)}
    return ChainOutput(columns, np.zeros((len(sample), 0))), seconds


def unconstrain(model: CompiledModel, data: Mapping[str, Any],
                values: Mapping[str, np.ndarray]) -> Optional[dict]:
    """CmdStan takes constrained values directly; they are passed through."""
    return {k: np.asarray(v) for k, v in values.items()}


def log_prob(model: CompiledModel, data: Mapping[str, Any], values) -> np.ndarray:
    """Log density (no Jacobian) at constrained ``values`` (a dict, or a CSV of draws)."""
    try:
        frame = model.model.log_prob(params=values, data=dict(data), jacobian=False,
                                     sig_figs=SIG_FIGS)
    except (RuntimeError, ValueError) as err:
        if "must be" in str(err) or "is not" in str(err):
            return np.array([-np.inf])
        raise BackendError(f"CmdStan could not evaluate the log density: {err}") from err
    return np.asarray(frame["lp__"], dtype=np.float64)


def lp_of_draws(model: CompiledModel, data: Mapping[str, Any], chains: list) -> np.ndarray:
    out = []
    for chain in chains:
        out.append(log_prob(model, data, str(Path(chain.source))))
    return np.stack(out)
