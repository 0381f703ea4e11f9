"""ppladapt's own compile-time cost per example, measured directly in one process.

For each example and backend: ``trace`` (calling the ``@pa.model`` function on the
example's data: tracing, per-site checks and building the validated `Model`),
``validate`` (building the `Model` again from its parts: whole-model validation, the
work ``Model.from_json`` repeats), ``codegen`` (``pa.to_code``) and ``exec`` (compiling
and executing the generated module text, for the Python backends; a Stan program goes to
the C++ compiler, which a native Stan program needs as much). This is everything ppladapt
does before the library's own work starts that a hand-written program does not do.

The first round runs cold (lazy imports of the plugin code included; the backend
library itself is imported before, as a native program imports it too); the reported
warm numbers are the median of the following ``--repeats`` rounds.

Run: ``python benchmarks/overhead.py --examples eight_schools --backends numpyro`` (JSON
on stdout); `benchmarks/run.py` runs it and prints the table.
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ppladapt as pa  # noqa: E402
from ppladapt.codegen.emitter import execute  # noqa: E402
from ppladapt.ir.model import Model  # noqa: E402
from ppladapt.plugins.registry import get_backend  # noqa: E402

from benchmarks.run import BACKENDS, EXAMPLES, example_module, load_model  # noqa: E402

PYTHON_BACKENDS = ("numpyro", "pymc", "pyro")


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def one_round(function, arguments: dict, backend: str) -> dict:
    """Seconds of each step for one trace + validate + codegen + exec."""
    trace_s, model = timed(function, **arguments)
    validate_s, _ = timed(Model, model.name, model.data, model.plates, model.sites)
    codegen_s, code = timed(pa.to_code, model, backend)
    exec_s = 0.0
    if backend in PYTHON_BACKENDS:
        exec_s, _ = timed(execute, code, f"<benchmark {backend}: {model.name}>", "benchmark_generated")
    return {"trace_s": trace_s, "validate_s": validate_s, "codegen_s": codegen_s, "exec_s": exec_s}


def measure(example: str, backend: str, repeats: int) -> dict:
    model = load_model(example)
    function = getattr(example_module(example), model.name)  # the @pa.model function
    arguments = model.data_dict
    retraced = function(**arguments)
    if retraced != model:
        raise RuntimeError(f"re-tracing {example} with its data did not give the same model")
    for name in get_backend(backend).modules:  # the library, as a native program imports it
        importlib.import_module(name)
    first = one_round(function, arguments, backend)
    rounds = [one_round(function, arguments, backend) for _ in range(repeats)]
    warm = {k: statistics.median(r[k] for r in rounds) for k in first}
    total = lambda r: r["trace_s"] + r["validate_s"] + r["codegen_s"] + r["exec_s"]  # noqa: E731
    return {"example": example, "backend": backend, "sites": len(model.sites),
            **warm, "total_s": total(warm), "first_total_s": total(first)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", nargs="+", default=list(EXAMPLES))
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS))
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    rows = [measure(e, b, args.repeats) for b in args.backends for e in args.examples]
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
