"""Run one posteriordb posterior on one backend and check it: the step that
`tests/test_posteriordb.py` and `report.py` share, and the records both keep."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

import ppladapt as pa
from tests.posterior_checks import ParameterCheck, check_against_reference, load_data, load_reference
from tests.posteriordb import POSTERIORS, site_name
from tests.posteriordb.settings import SETTINGS

# When set, every test run of the suite merges its record into this JSON file.
RESULTS_ENV = "PPLADAPT_POSTERIORDB_RESULTS"


@dataclass
class Outcome:
    """What one run of ``posterior`` on ``backend`` gave."""

    posterior: str
    backend: str
    checks: list[ParameterCheck] = field(default_factory=list)
    error: Optional[str] = None
    wall_seconds: float = float("nan")
    compile_seconds: float = float("nan")
    sampling_seconds: float = float("nan")
    divergences: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    backend_version: str = ""

    @property
    def status(self) -> str:
        if self.error is not None:
            return "error"
        return "pass" if all(c.passed for c in self.checks) else "fail"

    @property
    def max_abs_z(self) -> float:
        return max(abs(c.z) for c in self.checks)

    @property
    def worst_sd_ratio(self) -> float:
        """The sd ratio farthest from 1."""
        return max((c.sd_ratio for c in self.checks), key=lambda r: abs(r - 1))

    @property
    def min_ess(self) -> float:
        return min(c.ess_bulk for c in self.checks)

    def failure_message(self) -> str:
        if self.error is not None:
            return f"{self.posterior} on {self.backend}: {self.error}"
        lines = [f"{c.name}: {'; '.join(c.problems)}" for c in self.checks if not c.passed]
        return f"{self.posterior} on {self.backend} differs from posteriordb:\n  " + "\n  ".join(lines)

    def record(self) -> dict[str, Any]:
        """A JSON-ready summary (`report.py` renders these)."""
        out: dict[str, Any] = {
            "posterior": self.posterior, "backend": self.backend, "status": self.status,
            "backend_version": self.backend_version, "error": self.error,
            "wall_seconds": _round(self.wall_seconds), "compile_seconds": _round(self.compile_seconds),
            "sampling_seconds": _round(self.sampling_seconds), "divergences": self.divergences,
            "options": self.options, "date": time.strftime("%Y-%m-%d"),
            "cpus": os.cpu_count(),
        }
        if self.checks:
            out.update(max_abs_z=_round(self.max_abs_z), worst_sd_ratio=_round(self.worst_sd_ratio),
                       min_ess=_round(self.min_ess, 0),
                       max_quantile_error=_round(max(c.quantile_error for c in self.checks)))
            out["parameters"] = {
                c.name: {"z": _round(c.z), "sd_ratio": _round(c.sd_ratio), "ess_bulk": _round(c.ess_bulk, 0),
                         "quantile_error": _round(c.quantile_error), "sd_tolerance": c.sd_tolerance,
                         "passed": c.passed}
                for c in self.checks
            }
        return out


def _round(x: float, digits: int = 3) -> Optional[float]:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def build_model(posterior: str) -> pa.Model:
    """The ppladapt model of ``posterior``, built from its data.json."""
    return POSTERIORS[posterior](load_data(posterior))


def run(posterior: str, backend: str) -> Outcome:
    """Sample ``posterior`` on ``backend`` with its `SETTINGS` and check every reference
    parameter. Errors from the backend propagate (see `run_or_record_error`)."""
    settings = SETTINGS[posterior]
    kwargs = settings.sample_kwargs(backend)
    model = build_model(posterior)
    start = time.perf_counter()
    idata = pa.sample(model, backend=backend, **kwargs)
    wall = time.perf_counter() - start
    checks = check_against_reference(
        idata, load_reference(posterior), settings.sd_tolerance,
        site_of=lambda name: site_name(posterior, name),
    )
    stats = getattr(idata, "sample_stats", None)
    divergences = int(stats["diverging"].sum()) if stats is not None and "diverging" in stats else 0
    return Outcome(
        posterior, backend, checks, wall_seconds=wall,
        compile_seconds=float(idata.attrs.get("compile_seconds", np.nan)),
        sampling_seconds=float(idata.attrs.get("sampling_seconds", np.nan)),
        divergences=divergences, options=_options(kwargs),
        backend_version=str(idata.attrs.get("backend_version", "")),
    )


def run_or_record_error(posterior: str, backend: str) -> Outcome:
    """`run`, with any exception turned into an ``error`` outcome (for the report)."""
    start = time.perf_counter()
    try:
        return run(posterior, backend)
    except Exception as err:  # a report row, never a lost report
        return error_outcome(posterior, backend, err, time.perf_counter() - start)


def error_outcome(posterior: str, backend: str, err: BaseException,
                  wall_seconds: float = float("nan")) -> Outcome:
    """The outcome of a run that raised ``err``."""
    message = f"{type(err).__name__}: {err}".splitlines()[0][:300]
    kwargs = SETTINGS[posterior].sample_kwargs(backend)
    return Outcome(posterior, backend, error=message, options=_options(kwargs),
                   wall_seconds=wall_seconds)


def _options(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in kwargs.items() if k not in ("progressbar",)}


def _plain(value: Any) -> Any:
    """``value`` for the JSON record: an initialisation strategy (a ``functools.partial``)
    as its call, ``init_to_uniform(radius=1.0)``."""
    if isinstance(value, functools.partial):
        args = ", ".join(f"{k}={v!r}" for k, v in value.keywords.items())
        return f"{value.func.__name__}({args})"
    return value


# ---- the results file -----------------------------------------------------------------
def merge_records(path: Path, records: list[dict[str, Any]]) -> dict[str, Any]:
    """Add ``records`` to the JSON results file at ``path`` (one entry per posterior and
    backend; a newer record replaces an older one). Safe with several pytest workers."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        text = handle.read()
        results = json.loads(text) if text.strip() else {}
        for rec in records:
            results.setdefault(rec["posterior"], {})[rec["backend"]] = rec
        handle.seek(0)
        handle.truncate()
        json.dump(results, handle, indent=1, sort_keys=True)
        handle.write("\n")
    return results


def record_if_asked(outcome: Outcome) -> None:
    """Merge ``outcome`` into the file named by ``$PPLADAPT_POSTERIORDB_RESULTS``, if set."""
    path = os.environ.get(RESULTS_ENV)
    if path:
        merge_records(Path(path), [outcome.record()])
