"""The PyStan engine: httpstan, PyStan 3's compute library, driven in-process.

PyStan 3 is a thin HTTP client of httpstan, which ships stanc and the Stan headers, so
this engine works from PyPI alone. ppladapt uses httpstan's Python API directly, as
httpstan's own request handlers do, instead of going through HTTP:

- building: a generated program is checked with stanc (errors point at the generated
  line and its site), then compiled by `ppladapt_stan.buildworker` in a subprocess whose
  working directory is under ppladapt's cache, into httpstan's on-disk model cache
  (keyed by the program). A cached program loads in well under a second.
- running: `httpstan.services_stub.call` runs a ``stan::services`` function (NUTS, or
  fixed_param for predictive draws) in httpstan's pool of worker processes, one call
  per chain; parallel chains are awaited together, sequential ones one at a time, and
  timed from the first chain's start to the last one's end. Each run gets unique fit
  names; the outputs are read after the last chain ends and then deleted from httpstan's
  cache, so repeated runs really run (and the cache does not grow).
- densities: the model's compiled services module is imported in this process and its
  ``log_prob`` (Jacobian off) and ``transform_inits`` are called directly.

Importing this module imports httpstan; the backend imports it only to run.
"""

from __future__ import annotations

import asyncio
import gzip
import importlib.resources
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Awaitable, Callable, Mapping, Optional

import numpy as np

import httpstan
import httpstan.cache
import httpstan.models
import httpstan.services_stub

from ppladapt.errors import BackendError
from ppladapt_stan.building import (build_code, build_lock, cache_dir, compile_error,
                                    optimization_level, program_key)
from ppladapt_stan.program import StanProgram
from ppladapt_stan.outputs import parse_chain

ENGINE = "pystan"
NUTS_FUNCTION = "stan::services::sample::hmc_nuts_diag_e_adapt"
FIXED_PARAM_FUNCTION = "stan::services::sample::fixed_param"
BUILD_TIMEOUT = 1800
# Stan's messages for values outside a declared constraint or a density's domain
DOMAIN_ERRORS = ("is not", "must be", "but must", "is nan", "is inf", "should be")


def compiler_version() -> str:
    return f"httpstan-{httpstan.__version__}"


def stanc(code: str, name: str = "model_check", timeout: float = 300) -> tuple[str, str]:
    """(C++ code, warnings) from httpstan's stanc; ``ValueError`` with stanc's message
    when the program does not compile. Unlike httpstan, without ``--warn-pedantic``: its
    advice is about hand-written programs, and it takes over a minute on a large one
    (a 1,000-line program: 68 s, against 0.3 s for the translation itself)."""
    with importlib.resources.as_file(importlib.resources.files("httpstan") / "stanc") as binary:
        with tempfile.TemporaryDirectory(prefix="ppladapt_stanc_") as tmp:
            path = Path(tmp) / f"{name}.stan"
            path.write_text(code)
            command = [str(binary), "--name", name, "--print-cpp", str(path)]
            done = subprocess.run(command, capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise ValueError(done.stderr.decode().strip())
    return done.stdout.decode().strip(), done.stderr.decode().strip()


@dataclass(eq=False)
class CompiledModel:
    """A program compiled into httpstan's cache, with its services module loaded."""

    program: StanProgram
    model_name: str  # httpstan's name, "models/<id>"
    module: ModuleType
    key: str
    optimization: str  # the C++ optimisation level it was built with


_MODELS: dict[str, CompiledModel] = {}
_LOCK = threading.Lock()


def compile_program(program: StanProgram, label: str = "") -> tuple[CompiledModel, bool]:
    """The compiled model of ``program`` and whether it was built now (else cached)."""
    level = optimization_level()
    key = program_key(program.code, ENGINE, compiler_version(), level)
    with _LOCK:
        if key in _MODELS:
            return _MODELS[key], False
        with build_lock(key):
            code = build_code(program.code, level)
            name = httpstan.models.calculate_model_name(code)
            built = False
            try:
                module = httpstan.models.import_services_extension_module(name)
            except KeyError:
                _build(program, code, key, level, label)
                module = httpstan.models.import_services_extension_module(name)
                built = True
        _MODELS[key] = CompiledModel(program, name, module, key, level)
        return _MODELS[key], built


def _build(program: StanProgram, code: str, key: str, level: str, label: str) -> None:
    try:
        stanc(program.code)
    except ValueError as err:
        raise compile_error(program, str(err), label) from None
    build_dir = cache_dir() / "build"
    build_dir.mkdir(exist_ok=True)
    source = cache_dir() / "programs" / f"{key}.stan"
    source.parent.mkdir(exist_ok=True)
    source.write_text(code)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent.parent),
                                                      env.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "ppladapt_stan.buildworker", str(source), level],
                          cwd=build_dir, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                          env=env)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-20:])
        raise BackendError(
            f"httpstan could not build the Stan program for model '{label}':\n{tail}")


# ---- running services functions ---------------------------------------------------------------
def run_coroutine(make: Callable[[], Awaitable[Any]]) -> Any:
    """Run a coroutine to completion, also from inside a running event loop (Jupyter):
    then it runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    result: dict[str, Any] = {}

    def target():
        try:
            result["value"] = asyncio.run(make())
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = err

    thread = threading.Thread(target=target, name="ppladapt-stan")
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


async def _call(model: CompiledModel, function: str, fit_name: str,
                payload: Mapping[str, Any]) -> tuple[float, float]:
    """Run one services call (one chain) into ``fit_name``; when it started and ended."""
    with warnings.catch_warnings():  # httpstan reads its defaults with deprecated calls
        warnings.simplefilter("ignore", DeprecationWarning)
        started = time.perf_counter()
        await httpstan.services_stub.call(function, model.model_name, fit_name, None, **payload)
    return started, time.perf_counter()


def run_services(model: CompiledModel, function: str, payloads: list[dict],
                 parallel: bool) -> tuple[list[bytes], float]:
    """Run ``function`` once per payload (one chain each), all at once in httpstan's
    worker processes or one after another; the raw output of each, and the seconds from
    the first chain's start to the last one's end. The outputs are read, and deleted from
    httpstan's cache, after the last chain: reading one while others run would hold up
    the event loop that takes in their output."""
    fit_names = [f"{model.model_name}/fits/ppladapt{uuid.uuid4().hex[:16]}" for _ in payloads]

    async def main():
        chains = list(zip(fit_names, payloads))
        if parallel:
            calls = (_call(model, function, f, p) for f, p in chains)
            return await asyncio.gather(*calls, return_exceptions=True)
        results = []
        for fit_name, payload in chains:
            try:
                results.append(await _call(model, function, fit_name, payload))
            except Exception as err:  # noqa: BLE001
                results.append(err)
                break
        return results

    try:
        results = run_coroutine(main)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise BackendError(
                f"Stan failed: {type(errors[0]).__name__}: {errors[0]}") from errors[0]
        seconds = max(end for _, end in results) - min(start for start, _ in results)
        return [gzip.decompress(httpstan.cache.load_fit(f)) for f in fit_names], seconds
    finally:
        for fit_name in fit_names:
            try:
                httpstan.cache.delete_fit(fit_name)
            except KeyError:
                pass


def worker_processes() -> int:
    """How many chains httpstan runs at once (its process pool's size)."""
    return int(getattr(httpstan.services_stub.executor, "_max_workers", os.cpu_count() or 1))


# ---- densities -----------------------------------------------------------------------------
def unconstrain(model: CompiledModel, data: Mapping[str, Any],
                values: Mapping[str, np.ndarray]) -> Optional[list]:
    """Unconstrained parameters for constrained ``values`` (Stan names); None when a
    value lies outside its declared constraint (its density is 0)."""
    try:
        arrays = {k: np.asarray(v) for k, v in values.items()}
        return model.module.transform_inits(dict(data), arrays)
    except (RuntimeError, ValueError) as err:
        if _is_domain_error(err):
            return None
        raise BackendError(f"Stan could not read the parameter values: {err}") from err


def log_prob(model: CompiledModel, data: Mapping[str, Any],
             unconstrained: np.ndarray) -> np.ndarray:
    """The model's log density (constants kept, no Jacobian) at each row of
    ``unconstrained``; -inf where Stan rejects the values."""
    rows = np.atleast_2d(np.asarray(unconstrained, dtype=np.float64))
    data = dict(data)
    out = np.empty(rows.shape[0])
    for i, row in enumerate(rows):
        try:
            out[i] = model.module.log_prob(data, row.tolist(), False)
        except (RuntimeError, ValueError) as err:
            if not _is_domain_error(err):
                raise BackendError(f"Stan could not evaluate the log density: {err}") from err
            out[i] = -np.inf
    return out


def _is_domain_error(err: Exception) -> bool:
    text = str(err)
    return any(s in text for s in DOMAIN_ERRORS)


# ---- the engine interface (shared with `ppladapt_stan.cmdstan_engine`) -------------------------
def nuts(model: CompiledModel, data: Mapping[str, Any], *, chains: int, draws: int, tune: int,
         seed: int, target_accept: float, parallel: bool, settings: Mapping[str, Any]):
    """NUTS (diagonal metric, adapted): per-chain outputs, seconds, and attrs."""
    payloads = [
        dict(data=dict(data), init={}, random_seed=int(seed), chain=chain + 1, num_warmup=int(tune),
             num_samples=int(draws), delta=float(target_accept), refresh=0, **settings)
        for chain in range(chains)
    ]
    raws, seconds = run_services(model, NUTS_FUNCTION, payloads, parallel)
    processes = min(chains, worker_processes()) if parallel else 1
    attrs = {"engine": ENGINE, "stan_processes": processes,
             "httpstan_version": httpstan.__version__,
             "cxx_optimization": f"-O{model.optimization}"}
    return [parse_chain(raw) for raw in raws], seconds, attrs


def generate(model: CompiledModel, data: Mapping[str, Any], *, draws: int, seed: int):
    """``draws`` draws of the generated quantities (fixed_param sampler, one chain)."""
    payload = dict(data=dict(data), init={}, random_seed=int(seed), chain=1, num_samples=int(draws),
                   refresh=0)
    raws, seconds = run_services(model, FIXED_PARAM_FUNCTION, [payload], parallel=False)
    return parse_chain(raws[0]), seconds


def lp_of_draws(model: CompiledModel, data: Mapping[str, Any], chains: list) -> np.ndarray:
    """The log density (no Jacobian) of every draw, shaped (chain, draw)."""
    return np.stack([log_prob(model, data, chain.unconstrained) for chain in chains])
