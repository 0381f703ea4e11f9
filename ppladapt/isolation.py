"""Running one backend in a fresh Python process, so that JAX, PyTensor and torch settings
and timings cannot leak between backends.

`run_isolated` is what `pa.compare` submits (to a local loop or any
`concurrent.futures.Executor`, a Dask client's included): it starts ``python -m
ppladapt.isolation`` with the job written to a temporary folder, waits at most
``timeout`` seconds, and returns a plain-data `BackendRun` (picklable, so it travels back
from a cluster worker).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

OK, FAILED, TIMEOUT, NOT_INSTALLED = "ok", "failed", "timeout", "not installed"
_STDERR_TAIL = 2000


@dataclass
class BackendRun:
    """The outcome of one backend's run: status, error text, wall time and, when it
    succeeded, the `InferenceData` serialised as NetCDF bytes."""

    backend: str
    status: str
    error: str = ""
    wall_seconds: float = float("nan")
    netcdf: Optional[bytes] = field(default=None, repr=False)

    def inference_data(self):
        """The run's `arviz.InferenceData` (None unless it succeeded)."""
        if self.netcdf is None:
            return None
        import arviz as az

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "run.nc"
            path.write_bytes(self.netcdf)
            return az.from_netcdf(path).load()


def run_isolated(model_json: str, backend: str, method: str, sample_kwargs: dict[str, Any],
                 timeout: Optional[float] = None) -> BackendRun:
    """Sample ``model_json`` on ``backend`` in a fresh process; never raises for a
    backend failure or a timeout (they become the run's status and error)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ppladapt-run-") as folder:
        work = Path(folder)
        job = {"model": model_json, "backend": backend, "method": method, "kwargs": sample_kwargs}
        (work / "job.json").write_text(json.dumps(job))
        with open(work / "stderr.txt", "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "ppladapt.isolation", str(work)],
                stdout=subprocess.DEVNULL, stderr=stderr, cwd=folder,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                return BackendRun(backend, TIMEOUT, f"did not finish within {timeout:g} s",
                                  time.perf_counter() - start)
        wall = time.perf_counter() - start
        outcome_path = work / "outcome.json"
        if not outcome_path.exists():
            tail = (work / "stderr.txt").read_text(errors="replace")[-_STDERR_TAIL:].strip()
            return BackendRun(backend, FAILED,
                              f"worker process exited with code {process.returncode}: {tail}", wall)
        outcome = json.loads(outcome_path.read_text())
        netcdf = (work / "idata.nc").read_bytes() if outcome["status"] == OK else None
        return BackendRun(backend, outcome["status"], outcome["error"], wall, netcdf)


def _work(folder: Path) -> None:
    """The worker side: run the job in ``folder`` and write its outcome there."""
    import ppladapt as pa
    from ppladapt.errors import BackendNotInstalledError

    job = json.loads((folder / "job.json").read_text())
    outcome = {"status": OK, "error": ""}
    try:
        model = pa.Model.from_json(job["model"])
        idata = pa.sample(model, backend=job["backend"], method=job["method"], **job["kwargs"])
        idata.to_netcdf(folder / "idata.nc")
    except BackendNotInstalledError as err:
        outcome = {"status": NOT_INSTALLED, "error": str(err)}
    except Exception as err:  # any failure of one backend is a row of the report
        outcome = {"status": FAILED, "error": f"{type(err).__name__}: {err}"}
    (folder / "outcome.json").write_text(json.dumps(outcome))


if __name__ == "__main__":
    _work(Path(sys.argv[1]))
