"""ppladapt against hand-written native code, backend by backend and example by example.

For every backend x example, the hand-written implementation (`benchmarks.native`) and
ppladapt (``pa.sample``) run alternately in fresh Python processes (native, ppladapt,
native, ppladapt, ...; ``--pairs`` pairs) with the same data, seed (pair ``i`` uses
``--seed + i`` on both sides), chains, warm-up, draws, chain method and float64
precision. Each process reports compile seconds, sampling seconds (warm-up included),
the minimum bulk ESS over every posterior quantity (ArviZ) and ESS/s = ESS / sampling
seconds; the table shows medians over the pairs and the median over pairs of the ratio
ppladapt/native of ESS/s (with the ESS ratio and the speed ratio it is made of).

Also measured (``--skip`` leaves sections out):

- ``gradients``: the cost of one log-density gradient of ppladapt's generated model
  against the hand-written one, as each sampler evaluates it (`benchmarks/gradients.py`):
  the part of the ESS/s ratio that is not Monte Carlo noise;
- ``overhead``: ppladapt's own compile-time cost (trace + validate + codegen + exec) per
  example, measured directly in one process (`benchmarks/overhead.py`);
- ``trace-codegen``: trace + codegen time against model size (`benchmarks/trace_codegen.py`);
- ``first-draw``: time to first draw (process start, imports, model build and compile,
  one warm-up and one draw) for native and ppladapt, per backend and example;
- ``numpyro-parallel``: NumPyro ``chain_method="parallel"`` against ``"sequential"``
  with 2 chains (ESS/s speed-up);
- ``stan-cache``: Stan rebuild time of an unchanged model (`benchmarks/stan_build_cache.py`).

Adding an example is one entry in `EXAMPLES` (and its native implementations in
`benchmarks.native`; a backend without one shows the cell as missing).

Run: ``python benchmarks/run.py`` (everything; long), ``--quick`` (200 + 200 draws, one
pair unless ``--pairs``, smaller extras), ``--backends numpyro pymc --examples eight_schools linear``,
``--out results.json`` (every measurement, for the record).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


@dataclass(frozen=True)
class Example:
    """An example: its file in examples/ and the attribute holding its `pa.Model`."""

    file: str
    attr: str = "model"


# Adding an example is one entry here (plus its native implementations).
EXAMPLES = {
    "eight_schools": Example("eight_schools.py", "model"),  # non-centred
    "eight_schools_centered": Example("eight_schools.py", "centered"),
    "linear": Example("linear.py"),
    "logistic": Example("logistic.py"),
    "hierarchical": Example("hierarchical.py"),
    "marketing_mix": Example("marketing_mix.py"),
}

BACKENDS = ("numpyro", "pymc", "pyro", "stan")
SECTIONS = ("main", "gradients", "overhead", "trace-codegen", "first-draw", "numpyro-parallel",
            "stan-cache")
LIBRARIES = ("ppladapt", "numpyro", "jax", "pymc", "pytensor", "pyro-ppl", "torch", "pystan",
             "httpstan", "arviz", "numpy")
TARGET_RATIO = 0.95


def chain_method(backend: str, chains: int) -> str:
    """The chain method both sides use on ``backend``: parallel, except for Pyro when it
    cannot start a worker per chain (it needs ``chains <= cpu_count - 1``; on 2 cores
    it runs 4 chains one after another either way)."""
    if backend == "pyro" and chains > max((os.cpu_count() or 1) - 1, 1):
        return "sequential"
    return "parallel"


# ---- examples and their data -------------------------------------------------------------------
@cache
def example_module(name: str):
    """The module of example ``name`` (examples/<file>), imported once."""
    path = ROOT / "examples" / EXAMPLES[name].file
    module_name = f"benchmark_example_{path.stem}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def load_model(name: str):
    """The `pa.Model` of example ``name``."""
    return getattr(example_module(name), EXAMPLES[name].attr)


def inputs(model) -> tuple[dict, dict]:
    """The data a native implementation takes: the model's data arrays by IR name, and
    its plates as ``{name: {"size": n, "coords": labels or None}}``."""
    data = {entry.name: np.asarray(entry.value) for entry in model.data}
    plates = {p.name: {"size": p.size, "coords": None if p.coords is None else list(p.coords)}
              for p in model.plates}
    return data, plates


# ---- running workers ---------------------------------------------------------------------------
def worker_env(fresh_cache: Optional[str]) -> dict:
    """The environment of every worker: this one without XLA_FLAGS (each side asks JAX
    for its host devices itself); ppladapt workers get an empty ``PPLADAPT_CACHE_DIR``
    so that JAX's persistent compilation cache does not favour them over native code."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    if fresh_cache:
        env["PPLADAPT_CACHE_DIR"] = fresh_cache
    return env


def spawn(spec: dict, timeout: float, fresh_cache: bool = True) -> dict:
    """Run one worker; its JSON result, or ``{"error": ...}``."""
    with tempfile.TemporaryDirectory(prefix="ppladapt_bench_cache_") as cache_dir:
        env = worker_env(cache_dir if spec["impl"] == "ppladapt" and fresh_cache else None)
        spec = {**spec, "spawned_at": time.time()}
        try:
            done = subprocess.run([sys.executable, str(BENCH / "worker.py"), json.dumps(spec)],
                                  capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s"}
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


class Runner:
    """Writes each example's data once and builds the workers' specs."""

    def __init__(self, workdir: Path, timeout: float, verbose: bool = True):
        self.workdir, self.timeout, self.verbose = workdir, timeout, verbose

    @cache
    def data_file(self, example: str) -> tuple[str, dict]:
        data, plates = inputs(load_model(example))
        path = self.workdir / f"{example}.npz"
        np.savez(path, **data)
        return str(path), plates

    def run(self, impl: str, backend: str, example: str, settings: dict,
            summary: bool = True, fresh_cache: bool = True) -> dict:
        path, plates = self.data_file(example)
        spec = {"impl": impl, "backend": backend, "example": example,
                "file": str(ROOT / "examples" / EXAMPLES[example].file),
                "attr": EXAMPLES[example].attr, "data": path, "plates": plates,
                "settings": settings, "summary": summary}
        result = spawn(spec, self.timeout, fresh_cache)
        if self.verbose:
            what = result.get("error") or (
                f"sampling {result['sampling_seconds']:.2f} s, ESS {result['min_ess_bulk']:.0f}"
                if summary else f"first draw {result['first_draw_seconds']:.2f} s")
            print(f"  {backend:8s} {example:24s} {impl:9s} {what}", file=sys.stderr, flush=True)
        return result


# ---- statistics ------------------------------------------------------------------------------------
def median(values) -> float:
    values = [v for v in values if v is not None and np.isfinite(v)]
    return statistics.median(values) if values else float("nan")


def max_abs_z(a: dict, b: dict) -> float:
    """Largest |mean difference| / combined MCSE over the quantities both runs have."""
    worst = 0.0
    for label in a.keys() & b.keys():
        (mean_a, mcse_a), (mean_b, mcse_b) = a[label], b[label]
        spread = float(np.hypot(mcse_a, mcse_b))
        if spread > 0:
            worst = max(worst, abs(mean_a - mean_b) / spread)
    return worst


def summarize_pairs(pairs: list[tuple[dict, dict]]) -> dict:
    """Medians over the pairs that both succeeded, and the per-pair ratios' medians."""
    ok = [(n, p) for n, p in pairs if "error" not in n and "error" not in p]
    errors = [r["error"] for pair in pairs for r in pair if "error" in r]
    out = {"pairs": len(ok), "errors": errors}
    if not ok:
        return out
    for side, index in (("native", 0), ("ppladapt", 1)):
        runs = [pair[index] for pair in ok]
        out[side] = {key: median(r[key] for r in runs) for key in (
            "compile_seconds", "sampling_seconds", "wall_seconds", "min_ess_bulk",
            "ess_per_second", "divergences", "first_draw_seconds")}
    out["ratio"] = median(p["ess_per_second"] / n["ess_per_second"] for n, p in ok)
    out["ess_ratio"] = median(p["min_ess_bulk"] / n["min_ess_bulk"] for n, p in ok)
    out["speed_ratio"] = median(n["sampling_seconds"] / p["sampling_seconds"] for n, p in ok)
    out["max_abs_z"] = median(max_abs_z(n["moments"], p["moments"]) for n, p in ok)
    out["same_variables"] = all(n["variables"] == p["variables"] for n, p in ok)
    return out


# ---- sections --------------------------------------------------------------------------------------
def settings_for(backend: str, args, seed: int, **changes) -> dict:
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains,
                "chain_method": chain_method(backend, args.chains), "seed": seed,
                "target_accept": 0.8}
    settings.update(changes)
    return settings


def main_section(runner: Runner, args) -> list[dict]:
    rows = []
    for backend in args.backends:
        for example in args.examples:
            pairs = []
            for i in range(args.pairs):
                settings = settings_for(backend, args, args.seed + i)
                native = runner.run("native", backend, example, settings)
                ppl = runner.run("ppladapt", backend, example, settings)
                pairs.append((native, ppl))
            rows.append({"backend": backend, "example": example,
                         "chain_method": chain_method(backend, args.chains),
                         **summarize_pairs(pairs), "raw": pairs})
    return rows


def first_draw_section(runner: Runner, args) -> list[dict]:
    """Time to first draw: one warm-up iteration and one draw, chains as in the main runs;
    ppladapt both with an empty cache directory and with the user's (JAX's persistent
    compilation cache, for NumPyro)."""
    rows = []
    for backend in args.backends:
        for example in args.examples[: args.first_draw_examples]:
            runs = {"native": [], "ppladapt": [], "ppladapt_cached": []}
            for i in range(args.first_draw_repeats):
                settings = settings_for(backend, args, args.seed + i, draws=1, tune=1)
                runs["native"].append(runner.run("native", backend, example, settings, summary=False))
                runs["ppladapt"].append(runner.run("ppladapt", backend, example, settings, summary=False))
                runs["ppladapt_cached"].append(
                    runner.run("ppladapt", backend, example, settings, summary=False, fresh_cache=False))
            row = {"backend": backend, "example": example}
            for key, results in runs.items():
                good = [r for r in results if "error" not in r]
                row[key] = median(r["first_draw_seconds"] for r in good)
                row[key + "_startup"] = median(r["startup_seconds"] for r in good)
                row[key + "_compile"] = median(r["compile_seconds"] for r in good)
                row[key + "_arviz"] = median(r["arviz_import_seconds"] for r in good)
            rows.append(row)
    return rows


def numpyro_parallel_section(runner: Runner, args) -> list[dict]:
    """ppladapt on NumPyro, 2 chains, parallel against sequential, alternately."""
    rows = []
    for example in args.examples:
        pairs = []
        for i in range(args.pairs):
            base = settings_for("numpyro", args, args.seed + i, chains=2)
            sequential = runner.run("ppladapt", "numpyro", example, {**base, "chain_method": "sequential"})
            parallel = runner.run("ppladapt", "numpyro", example, {**base, "chain_method": "parallel"})
            pairs.append((sequential, parallel))
        summary = summarize_pairs(pairs)
        rows.append({"example": example, "pairs": summary["pairs"], "errors": summary["errors"],
                     "sequential": summary.get("native"), "parallel": summary.get("ppladapt"),
                     "speedup": summary.get("ratio")})
    return rows


def run_script(command: list[str], timeout: float) -> tuple[str, Optional[str]]:
    """(stdout, error) of a helper script run in a fresh process."""
    try:
        done = subprocess.run([sys.executable, *command], capture_output=True, text=True,
                              timeout=timeout, cwd=ROOT, env=worker_env(None))
    except subprocess.TimeoutExpired:
        return "", f"timed out after {timeout:.0f} s"
    if done.returncode != 0:
        return done.stdout, "\n".join(done.stderr.strip().splitlines()[-6:])
    return done.stdout, None


# ---- tables ----------------------------------------------------------------------------------------
def fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def markdown(header: list[str], rows: list[list], right: bool = True) -> str:
    align = ["---"] + ["---:" if right else "---"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in row) + " |"
              for row in rows]
    return "\n".join(lines)


def main_table(rows: list[dict]) -> str:
    header = ["backend", "example", "side", "compile s", "sampling s", "wall s", "min ESS",
              "ESS/s", "div", "ESS/s ratio", "(ESS ratio", "speed ratio)", "max z"]
    lines = []
    for row in rows:
        if not row.get("pairs"):
            lines.append([row["backend"], row["example"], "failed", *["–"] * 10])
            continue
        for side in ("native", "ppladapt"):
            r = row[side]
            ratio = [row["ratio"], row["ess_ratio"], row["speed_ratio"], row["max_abs_z"]] \
                if side == "ppladapt" else ["", "", "", ""]
            mark = " ✗" if side == "ppladapt" and row["ratio"] < TARGET_RATIO else ""
            lines.append([row["backend"], row["example"], side, r["compile_seconds"],
                          r["sampling_seconds"], r["wall_seconds"], f"{r['min_ess_bulk']:.0f}",
                          f"{r['ess_per_second']:.1f}", f"{r['divergences']:.0f}",
                          fmt(ratio[0]) + mark if ratio[0] != "" else "", *ratio[1:]])
    return markdown(header, lines)


def overhead_table(rows: list[dict]) -> str:
    header = ["backend", "example", "sites", "trace ms", "validate ms", "codegen ms", "exec ms",
              "total ms", "first call ms"]
    return markdown(header, [[r["backend"], r["example"], str(r["sites"]), 1e3 * r["trace_s"],
                              1e3 * r["validate_s"], 1e3 * r["codegen_s"], 1e3 * r["exec_s"],
                              1e3 * r["total_s"], 1e3 * r["first_total_s"]] for r in rows])


def first_draw_table(rows: list[dict]) -> str:
    header = ["backend", "example", "native s", "ppladapt s", "ppladapt − native s",
              "ppladapt, cache kept s", "(native: then import ArviZ s)"]
    return markdown(header, [[r["backend"], r["example"], r["native"], r["ppladapt"],
                              r["ppladapt"] - r["native"], r["ppladapt_cached"],
                              r["native_arviz"]] for r in rows])


def parallel_table(rows: list[dict]) -> str:
    header = ["example", "compile s seq / par", "sampling s seq / par", "ESS seq / par",
              "ESS/s seq / par", "speed-up"]
    lines = []
    for r in rows:
        if not r["pairs"]:
            lines.append([r["example"], *["–"] * 5])
            continue
        s, p = r["sequential"], r["parallel"]
        lines.append([r["example"], f"{fmt(s['compile_seconds'])} / {fmt(p['compile_seconds'])}",
                      f"{fmt(s['sampling_seconds'])} / {fmt(p['sampling_seconds'])}",
                      f"{s['min_ess_bulk']:.0f} / {p['min_ess_bulk']:.0f}",
                      f"{s['ess_per_second']:.1f} / {p['ess_per_second']:.1f}", r["speedup"]])
    return markdown(header, lines)


def gradient_table(rows: list[dict]) -> str:
    header = ["backend", "example", "native µs/gradient", "ppladapt µs/gradient", "cost ratio"]
    return markdown(header, [[r["backend"], r["example"], r["native_us"], r["ppladapt_us"],
                              r["ratio"]] for r in rows])


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
            "versions": versions, "load_average": os.getloadavg()}


def describe_machine(info: dict) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    load = ", ".join(f"{x:.2f}" for x in info["load_average"])
    return (f"{info['cpu']}, {info['cpus']} CPUs, Python {info['python']}; {versions}; "
            f"load average {load}")


# ---- command line --------------------------------------------------------------------------------
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), metavar="B",
                        help=f"backends to run (default all: {' '.join(BACKENDS)}); commas work too")
    parser.add_argument("--examples", nargs="+", default=list(EXAMPLES), metavar="E",
                        help=f"examples to run (default all: {' '.join(EXAMPLES)})")
    parser.add_argument("--pairs", type=int, default=None,
                        help="native/ppladapt pairs (default 3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="200 warm-up + 200 draws, one pair unless --pairs, smaller extras")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0, help="seed of pair 0 (pair i: seed + i)")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS, help="sections to leave out")
    parser.add_argument("--first-draw-examples", type=int, default=None,
                        help="time to first draw on the first N examples only (default all; "
                             "1 with --quick)")
    parser.add_argument("--first-draw-repeats", type=int, default=1,
                        help="runs of each side for time to first draw (median; default 1)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per process")
    parser.add_argument("--out", type=Path, help="write every measurement to this JSON file")
    args = parser.parse_args(argv)
    args.backends = [b for item in args.backends for b in item.split(",") if b]
    args.examples = [e for item in args.examples for e in item.split(",") if e]
    for name in args.backends:
        if name not in BACKENDS:
            parser.error(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    for name in args.examples:
        if name not in EXAMPLES:
            parser.error(f"unknown example {name!r}; choose from {', '.join(EXAMPLES)}")
    if args.quick:
        args.draws, args.tune = min(args.draws, 200), min(args.tune, 200)
    if args.pairs is None:
        args.pairs = 1 if args.quick else 3
    if args.first_draw_examples is None:
        args.first_draw_examples = 1 if args.quick else len(args.examples)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    info = machine()
    results: dict = {"machine": info, "settings": {
        "draws": args.draws, "tune": args.tune, "chains": args.chains, "pairs": args.pairs,
        "seed": args.seed, "chain_methods": {b: chain_method(b, args.chains) for b in args.backends}}}
    print(f"machine: {describe_machine(info)}")
    print(f"settings: {args.chains} chains, {args.tune} warm-up, {args.draws} draws, "
          f"{args.pairs} pair(s), seeds {args.seed}..{args.seed + args.pairs - 1}, float64, "
          f"chain methods {results['settings']['chain_methods']}\n", flush=True)
    skip = set(args.skip)
    with tempfile.TemporaryDirectory(prefix="ppladapt_bench_") as tmp:
        runner = Runner(Path(tmp), args.timeout)
        if "main" not in skip:
            rows = main_section(runner, args)
            results["main"] = rows
            print("## ESS/s: ppladapt against hand-written native code\n")
            print(main_table(rows) + "\n", flush=True)
            for row in rows:
                for error in row["errors"]:
                    print(f"failed run, {row['backend']}/{row['example']}: {error}\n")
            loads = [r["load_average"] for row in rows for pair in row["raw"] for r in pair
                     if "load_average" in r]
            if loads:
                print(f"1-minute load average as the runs ended: median {median(loads):.2f}, "
                      f"range {min(loads):.2f}–{max(loads):.2f}\n")
            short = [f"{r['backend']}/{r['example']}" for r in rows
                     if r.get("pairs") and r["ratio"] < TARGET_RATIO]
            print(f"target ESS/s ratio >= {TARGET_RATIO}: "
                  + ("met everywhere" if not short else f"NOT met for {', '.join(short)}") + "\n")
        if "gradients" not in skip:
            rows, errors = [], []
            for backend in args.backends:
                out, error = run_script([str(BENCH / "gradients.py"), backend, "--examples",
                                         *args.examples, "--scale", "0.2" if args.quick else "1"],
                                        args.timeout)
                if error:
                    errors.append(f"{backend}: {error}")
                else:
                    rows.extend(json.loads(out.strip().splitlines()[-1]))
            results["gradients"] = rows
            print("## cost of one gradient: ppladapt's generated model / hand-written (1 = same)\n")
            print(gradient_table(rows) + "\n")
            for error in errors:
                print(f"failed: {error}\n")
            sys.stdout.flush()
        if "overhead" not in skip:
            repeats = "5" if args.quick else "20"
            out, error = run_script([str(BENCH / "overhead.py"), "--backends", *args.backends,
                                     "--examples", *args.examples, "--repeats", repeats], args.timeout)
            print("## ppladapt compile-time overhead (trace + validate + codegen + exec), in-process\n")
            if error:
                print(f"failed: {error}\n")
            else:
                rows = json.loads(out.strip().splitlines()[-1])
                results["overhead"] = rows
                print(overhead_table(rows) + "\n")
                worst = max(r["total_s"] for r in rows)
                print(f"target < 50 ms per example: {'met' if worst < 0.05 else 'NOT met'} "
                      f"(worst warm total {1e3 * worst:.1f} ms)\n", flush=True)
        if "trace-codegen" not in skip:
            sizes = ["10", "100", "1000"] if args.quick else ["10", "100", "1000", "10000"]
            out, error = run_script([str(BENCH / "trace_codegen.py"), "--sizes", *sizes,
                                     "--repeats", "1" if args.quick else "5"], args.timeout)
            results["trace_codegen"] = out
            print("## trace + codegen time against model size (benchmarks/trace_codegen.py)\n")
            print(f"failed: {error}\n" if error else f"```\n{out.strip()}\n```\n", flush=True)
        if "first-draw" not in skip:
            rows = first_draw_section(runner, args)
            results["first_draw"] = rows
            print("## time to first draw (process start to one draw in hand; seconds)\n")
            print(first_draw_table(rows) + "\n", flush=True)
        if "numpyro-parallel" not in skip and "numpyro" in args.backends:
            rows = numpyro_parallel_section(runner, args)
            results["numpyro_parallel"] = rows
            print("## NumPyro through ppladapt: 2 chains, parallel against sequential\n")
            print(parallel_table(rows) + "\n", flush=True)
        if "stan-cache" not in skip and "stan" in args.backends:
            out, error = run_script([str(BENCH / "stan_build_cache.py"), "--skip-cold"], args.timeout)
            results["stan_cache"] = out
            print("## Stan build time of an unchanged model (benchmarks/stan_build_cache.py)\n")
            print(f"failed: {error}\n" if error else out.strip() + "\n", flush=True)
    results["machine"]["load_average_end"] = os.getloadavg()
    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=float))
        print(f"measurements written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
