"""How long the Stan backend spends building an unchanged model a second time.

Each measurement is a fresh Python process running ``pa.sample`` on the eight schools
model (2 chains of 200 draws) and reporting ``idata.attrs["compile_seconds"]``:

1. ``cold``: a program never built before (the eight schools model with a prior
   location no earlier run used, so its program text is new): stanc and the C++ build;
2. ``same process``: the same model sampled again in that process (in-memory cache);
3. ``new process``: a new Python process sampling the same model (httpstan's on-disk
   model cache: the compiled module is found and loaded);
4. ``new data``: the same process, the model with other data of other sizes (the
   program is unchanged: sizes are data), so it is not rebuilt either.

Run: ``.venv/bin/python benchmarks/stan_build_cache.py`` (``--skip-cold`` to reuse a
previous cold build and measure only the cached paths).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN = r"""
import json, sys, time
import numpy as np
import ppladapt as pa
from ppladapt import dist

LOC = float(sys.argv[1])

@pa.model
def eight_schools(sigma, y):
    mu = pa.prior("mu", dist.Normal(LOC, 5))
    tau = pa.prior("tau", dist.HalfCauchy(5))
    with pa.plate("school", len(sigma)):
        theta = pa.prior("theta", dist.Normal(mu, tau), reparam="noncentered")
        pa.likelihood("y", dist.Normal(theta, sigma), observed=y)

sigma = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])
settings = dict(backend="stan", chains=2, draws=200, tune=200, seed=0, progressbar=False)
out = {}
first = pa.sample(eight_schools(sigma, y), **settings)
out["first"] = [first.attrs["compile_seconds"], first.attrs["compiled_now"]]
again = pa.sample(eight_schools(sigma, y), **settings)
out["again"] = [again.attrs["compile_seconds"], again.attrs["compiled_now"]]
other = pa.sample(eight_schools(sigma[:5] + 1, y[:5]), **settings)
out["new_data"] = [other.attrs["compile_seconds"], other.attrs["compiled_now"]]
print(json.dumps(out))
"""


def run(loc: float) -> dict:
    done = subprocess.run([sys.executable, "-c", RUN, repr(loc)], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cold", action="store_true", help="reuse the last cold build")
    args = parser.parse_args()
    cache = Path(os.environ.get("PPLADAPT_CACHE_DIR", "~/.cache/ppladapt")).expanduser()
    state = cache / "stan" / "benchmark_loc"
    if args.skip_cold and state.exists():
        loc = float(state.read_text())
    else:
        loc = round(time.time() % 1e5, 3)  # a prior location no earlier run used
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(repr(loc))
    first = run(loc)
    second = run(loc)
    rows = [
        ("cold: new program" if first["first"][1] == "True" else "first run (was cached)",
         first["first"][0]),
        ("same process, same model", first["again"][0]),
        ("same process, new data and sizes", first["new_data"][0]),
        ("new process, same model", second["first"][0]),
    ]
    machine = platform.processor() or platform.machine()
    print(f"{machine}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print("| run | compile_seconds |")
    print("|---|---:|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
