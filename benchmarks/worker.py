"""One benchmark measurement in a fresh Python process; `benchmarks/run.py` starts it.

``python benchmarks/worker.py SPEC_JSON`` runs one NUTS sampling of one example, either
with ppladapt (``pa.sample``) or with the hand-written native implementation
(`benchmarks.native`), and prints one JSON line: compile, sampling and wall seconds,
the minimum bulk ESS over every posterior quantity (ArviZ), ESS/s, divergences, the
mean and MCSE of each scalar quantity (so that the two sides can be checked to agree),
``first_draw_seconds``: wall time from the moment the parent started this process
(``spec["spawned_at"]``, ``time.time()``) to the draws being in hand, and
``arviz_import_seconds``: how long importing ArviZ took after that (0 for ppladapt,
which imports it to build its InferenceData; a native user pays it when analysing).

SPEC keys: ``impl`` ("native" | "ppladapt"), ``backend``, ``example``, ``file`` and
``attr`` (the example module and its model attribute), ``data`` (an ``.npz`` of the
example's data) and ``plates`` (for native runs), ``settings`` (draws, tune, chains,
chain_method, seed, target_accept), ``spawned_at``, and ``summary`` (False: skip ESS,
for time-to-first-draw runs of one draw).
"""

from __future__ import annotations

import time

STARTED_AT = time.time()  # before any import: the imports count in time to first draw

import importlib  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def load_example(path: str, attr: str):
    """The model object ``attr`` of the example module at ``path``."""
    spec = importlib.util.spec_from_file_location(f"benchmark_example_{Path(path).stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return getattr(module, attr)


def run_native(spec: dict) -> dict:
    sys.path.insert(0, str(ROOT))
    from benchmarks.native import module_name

    module = importlib.import_module(module_name(spec["backend"]))
    with np.load(spec["data"]) as stored:
        data = {k: stored[k] for k in stored.files}
    out = module.sample(spec["example"], data, spec["plates"], spec["settings"])
    out["done_at"] = time.time()
    out["attrs"] = {}
    return out


def run_ppladapt(spec: dict) -> dict:
    import ppladapt as pa

    model = load_example(spec["file"], spec["attr"])
    # The backend's NUTS runner, which sets the library up and imports it (pa.sample would
    # do it first thing): outside the timed call, as a native program's imports are.
    importlib.import_module(f"ppladapt_{spec['backend']}.nuts")
    settings = dict(spec["settings"])
    settings.pop("target_accept")
    start = time.perf_counter()
    idata = pa.sample(model, backend=spec["backend"], method="nuts", progressbar=False,
                      target_accept=spec["settings"]["target_accept"], **settings)
    wall = time.perf_counter() - start
    done_at = time.time()
    attrs = {k: v for k, v in idata.attrs.items() if isinstance(v, (str, int, float, bool))}
    return {
        "posterior": {name: np.asarray(v.values) for name, v in idata.posterior.items()},
        "compile_seconds": float(idata.attrs["compile_seconds"]),
        "sampling_seconds": float(idata.attrs["sampling_seconds"]),
        "wall_seconds": wall,
        "divergences": int(idata.sample_stats["diverging"].sum()),
        "done_at": done_at,
        "attrs": attrs,
    }


def summarise(posterior: dict) -> dict:
    """Minimum bulk ESS over every scalar quantity, and each one's mean and MCSE."""
    import arviz as az

    dataset = az.convert_to_dataset({k: np.asarray(v, dtype=np.float64) for k, v in posterior.items()})
    ess = az.ess(dataset, method="bulk")
    mcse = az.mcse(dataset, method="mean")
    moments = {}
    for name, values in posterior.items():
        values = np.asarray(values, dtype=np.float64)
        for index in np.ndindex(values.shape[2:]):
            label = name + (str(list(index)) if index else "")
            moments[label] = [float(values[(slice(None), slice(None)) + index].mean()),
                              float(np.asarray(mcse[name].values)[index])]
    return {
        "min_ess_bulk": float(min(np.min(ess[v].values) for v in ess.data_vars)),
        "moments": moments,
    }


def main() -> None:
    spec = json.loads(sys.argv[1])
    run = run_native if spec["impl"] == "native" else run_ppladapt
    out = run(spec)
    result = {k: out[k] for k in ("compile_seconds", "sampling_seconds", "wall_seconds",
                                  "divergences", "attrs")}
    result["first_draw_seconds"] = out["done_at"] - spec["spawned_at"]
    start = time.perf_counter()
    import arviz  # noqa: F401  (ppladapt has imported it to build its InferenceData)

    result["arviz_import_seconds"] = time.perf_counter() - start
    result["startup_seconds"] = STARTED_AT - spec["spawned_at"]
    result["variables"] = sorted(out["posterior"])
    if spec.get("summary", True):
        result.update(summarise(out["posterior"]))
        result["ess_per_second"] = result["min_ess_bulk"] / result["sampling_seconds"]
    result["load_average"] = os.getloadavg()[0]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
