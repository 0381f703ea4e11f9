"""Front-end cost: trace, validate and generate code for models of 10 to 10,000 sites.

Each generated model is a chain of blocks of five sites (a scalar prior that depends on
the previous block, a deterministic, a prior in a plate of size 4, its plate mean as a
deterministic, and an observed likelihood in the plate), so every site refers to earlier
ones and the expression trees stay small, as in real models.

Columns (median of ``--repeats`` runs, seconds):
  trace_s     calling the ``@pa.model`` function (tracing, with its per-site checks)
  validate_s  building the `Model` again from its parts (whole-model validation, as
              ``Model.from_json`` does after decoding)
  codegen_s   ``pa.to_code(model, "numpyro")``; while the NumPyro backend has no
              ``to_code`` yet, the core `TextPrinter` over every expression instead
              (the column header then says ``codegen_s*``)
  total_s     the sum

Run: ``python benchmarks/trace_codegen.py`` (``--profile 1000`` prints cProfile's hot
spots for one 1,000-site run instead).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import sys
import time
from typing import Callable

import numpy as np

import ppladapt as pa
from ppladapt import dist
from ppladapt.codegen.printer import TextPrinter
from ppladapt.ir.model import Model

SIZES = (10, 100, 1_000, 10_000)
PLATE_SIZE = 4
NUM_PLATES = 10
BLOCK = 5  # sites per block


def make_model_function(num_sites: int):
    """A zero-argument ``@pa.model`` function whose model has ``num_sites`` sites (each
    likelihood's observations become data named after it)."""
    blocks, extra = divmod(num_sites - 1, BLOCK)  # one starting prior, then blocks
    rng = np.random.default_rng(0)
    observed = rng.normal(size=(blocks, PLATE_SIZE))

    @pa.model(name=f"chain_{num_sites}")
    def chain():
        prev = pa.prior("x_start", dist.Normal(0, 1))
        for k in range(blocks):
            x = pa.prior(f"x_{k}", dist.Normal(0.9 * prev, 1.0))
            e = pa.deterministic(f"e_{k}", pa.math.exp(0.1 * x) + 0.5)
            with pa.plate(f"p_{k % NUM_PLATES}", PLATE_SIZE):
                z = pa.prior(f"z_{k}", dist.Normal(x, e))
                pa.likelihood(f"y_{k}", dist.Normal(z, 1.0), observed=observed[k])
            prev = pa.deterministic(f"m_{k}", pa.math.sum(z) / PLATE_SIZE)
        for j in range(extra):  # top up to exactly num_sites
            prev = pa.prior(f"t_{j}", dist.Normal(prev, 1.0))

    return chain


def text_codegen(model: Model) -> str:
    """Print every expression of ``model`` with the core `TextPrinter` (codegen stand-in)."""
    printer = TextPrinter()
    lines = []
    for site in model.sites:
        if site.kind == "deterministic":
            lines.append(f"{site.name} = {printer.doprint(site.expr)}")
        else:
            args = ", ".join(f"{k}={printer.doprint(v)}" for k, v in site.dist.params)
            lines.append(f"{site.name} ~ {site.dist.name}({args})")
    return "\n".join(lines)


def pick_codegen(model: Model) -> tuple[Callable[[Model], str], str]:
    """NumPyro's `to_code` when it exists, else the `TextPrinter` stand-in."""
    try:
        pa.to_code(model, "numpyro")
    except NotImplementedError:
        return text_codegen, "TextPrinter (NumPyro to_code not implemented yet)"
    return (lambda m: pa.to_code(m, "numpyro")), "pa.to_code(model, 'numpyro')"


def timed(fn: Callable, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return time.perf_counter() - start, value


def measure(num_sites: int, repeats: int, codegen: Callable[[Model], str]) -> dict:
    fn = make_model_function(num_sites)
    rows = []
    for _ in range(repeats):
        trace_s, model = timed(fn)
        assert len(model.sites) == num_sites, (len(model.sites), num_sites)
        validate_s, _ = timed(Model, model.name, model.data, model.plates, model.sites)
        codegen_s, _ = timed(codegen, model)
        rows.append((trace_s, validate_s, codegen_s))
    trace_s, validate_s, codegen_s = (statistics.median(col) for col in zip(*rows))
    return {"sites": num_sites, "trace_s": trace_s, "validate_s": validate_s,
            "codegen_s": codegen_s, "total_s": trace_s + validate_s + codegen_s}


def machine() -> str:
    """CPU model, CPU count and versions, for the results table."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    python = platform.python_version()
    return f"{cpu}, {os.cpu_count()} CPUs, Python {python}, ppladapt {pa.__version__}"


def profile(num_sites: int, codegen: Callable[[Model], str], top: int) -> None:
    fn = make_model_function(num_sites)
    profiler = cProfile.Profile()
    profiler.enable()
    model = fn()
    Model(model.name, model.data, model.plates, model.sites)
    codegen(model)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="site counts")
    parser.add_argument("--repeats", type=int, default=5, help="runs per size (median reported)")
    parser.add_argument("--profile", type=int, metavar="SITES",
                        help="profile one run of SITES sites instead")
    parser.add_argument("--top", type=int, default=25, help="rows of profile output")
    args = parser.parse_args(argv)

    codegen, codegen_name = pick_codegen(make_model_function(10)())
    print(f"machine: {machine()}")
    print(f"codegen: {codegen_name}")
    if args.profile:
        profile(args.profile, codegen, args.top)
        return 0
    star = "" if codegen is not text_codegen else "*"
    print(f"{'sites':>7} {'trace_s':>9} {'validate_s':>11} {'codegen_s' + star:>11} "
          f"{'total_s':>9} {'us/site':>8}")
    for n in args.sizes:
        repeats = args.repeats if n < 10_000 else max(1, min(args.repeats, 3))
        r = measure(n, repeats, codegen)
        print(f"{r['sites']:>7} {r['trace_s']:>9.4f} {r['validate_s']:>11.4f} "
              f"{r['codegen_s']:>11.4f} {r['total_s']:>9.4f} {1e6 * r['total_s'] / n:>8.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
