"""`pa.compare`: the same model on several backends, side by side."""

from __future__ import annotations

import sys
from concurrent.futures import Executor
from typing import Any, Optional, Sequence

from ppladapt.inference import _check_model
from ppladapt.ir.model import Model
from ppladapt.isolation import NOT_INSTALLED, BackendRun, run_isolated
from ppladapt.plugins.registry import registered_backends
from ppladapt.report import ComparisonReport


def _resolve_backends(backends: Optional[Sequence[str]]) -> list[str]:
    if backends is None:
        return [name for name, b in registered_backends().items() if b.is_available()]
    if isinstance(backends, str):
        backends = [b.strip() for b in backends.split(",") if b.strip()]
    return list(dict.fromkeys(backends))


def _unavailable(name: str) -> Optional[BackendRun]:
    """A ready-made row for a backend that cannot run here (unknown or not installed)."""
    backend = registered_backends().get(name)
    if backend is None:
        known = ", ".join(registered_backends())
        return BackendRun(name, NOT_INSTALLED, f"unknown backend {name!r}; registered: {known}")
    if not backend.is_available():
        return BackendRun(name, NOT_INSTALLED, f"not installed; install with: {backend.install_command}")
    return None


def compare(model: Model, backends: Optional[Sequence[str]] = None, method: str = "nuts",
            reference: Any = None, executor: Optional[Executor] = None,
            timeout: Optional[float] = None, **sample_kwargs: Any) -> ComparisonReport:
    """Run ``model`` on each backend and compare speed and posteriors.

    Each backend runs in a fresh Python process (clean timings, no settings shared), one
    after another unless ``executor`` (any `concurrent.futures.Executor`, e.g. a Dask
    client's ``get_executor()``) is given, which receives one job per backend. A backend
    that fails, is not installed or runs past ``timeout`` seconds becomes a row with its
    error. ``reference``: a backend name, an `InferenceData`, or None for the first
    backend that succeeded. ``sample_kwargs`` go to `pa.sample` on every backend.
    """
    model = _check_model(model, needs_observed=True)
    names = _resolve_backends(backends)
    verbose = bool(sample_kwargs.pop("progressbar", True))
    sample_kwargs["progressbar"] = False
    text = model.to_json()
    runs: dict[str, BackendRun] = {}
    pending = {}
    for name in names:
        runs[name] = _unavailable(name)
        if runs[name] is not None:
            continue
        if executor is not None:
            pending[name] = executor.submit(run_isolated, text, name, method, sample_kwargs, timeout)
            continue
        _say(verbose, f"{name}: running ...")
        runs[name] = run_isolated(text, name, method, sample_kwargs, timeout)
        _say(verbose, f"{name}: {runs[name].status} in {runs[name].wall_seconds:.1f} s")
    for name, future in pending.items():
        runs[name] = future.result()
        _say(verbose, f"{name}: {runs[name].status} in {runs[name].wall_seconds:.1f} s")
    return ComparisonReport.from_runs([runs[n] for n in names], reference)


def _say(verbose: bool, message: str) -> None:
    if verbose:
        print(f"[ppladapt compare] {message}", file=sys.stderr, flush=True)
