"""The benchmark compares like with like: each hand-written native model in
benchmarks/native/ has the same log density as ppladapt's model on that backend, and
``benchmarks/run.py --quick`` runs."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ppladapt as pa
from ppladapt import reference
from tests.conftest import INSTALLED_BACKENDS
from tests.merged_models import merges_cases

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.native import BACKENDS, module_name  # noqa: E402
from benchmarks.run import EXAMPLES, inputs, load_model  # noqa: E402

SEEDS = (0, 1)


def _native(backend: str):
    if backend not in INSTALLED_BACKENDS:
        pytest.skip(f"backend {backend} not installed or not selected")
    return importlib.import_module(module_name(backend))


def _point(model, seed: int) -> dict[str, np.ndarray]:
    """Prior-site values drawn from the prior (every example's priors are proper)."""
    draw = reference.sample_prior(model, seed)
    return {site.name: draw[site.name] for site in model.priors}


@pytest.mark.parametrize("example", list(EXAMPLES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_native_log_density_matches_ppladapt(backend, example):
    if merges_cases(backend):
        # Twelve Stan programs (native and ppladapt's): 25-45 s each to build cold.
        pytest.skip("stan: one C++ build per program; set PPLADAPT_TEST_EVERY_CASE=1")
    native = _native(backend)
    if example not in native.MODELS:
        pytest.skip(f"no native {backend} implementation of {example}")
    model = load_model(example)
    data, plates = inputs(model)
    points = [_point(model, seed) for seed in SEEDS]
    ours = [pa.log_density(model, p, backend=backend) for p in points]
    theirs = [native.log_density(example, data, plates, p) for p in points]
    if backend == "stan":
        # `~` statements drop constant terms: compare differences between the points.
        # (The hand-written linear model also leaves out theta's uniform prior, a
        # constant inside theta's declared bounds.)
        np.testing.assert_allclose(theirs[0] - theirs[1], ours[0] - ours[1], rtol=1e-8, atol=1e-8)
    else:
        np.testing.assert_allclose(theirs, ours, rtol=1e-8)


@pytest.mark.parametrize("backend", BACKENDS)
def test_native_models_cover_every_example(backend):
    native = _native(backend)
    assert set(native.MODELS) == set(EXAMPLES)


@pytest.mark.slow
def test_run_quick_one_backend_one_example(tmp_path):
    if "numpyro" not in INSTALLED_BACKENDS:
        pytest.skip("numpyro not installed or not selected")
    out = tmp_path / "results.json"
    skip = ["gradients", "trace-codegen", "first-draw", "numpyro-parallel", "stan-cache"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--backends", "numpyro",
         "--examples", "linear", "--skip", *skip, "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ESS/s: ppladapt against hand-written native code" in done.stdout
    results = json.loads(out.read_text())
    (row,) = results["main"]
    assert row["pairs"] == 1 and not row["errors"]
    assert row["same_variables"]
    assert row["native"]["min_ess_bulk"] > 0 and row["ppladapt"]["min_ess_bulk"] > 0
    assert row["max_abs_z"] < 5  # the same posterior on both sides
    (overhead,) = results["overhead"]
    assert 0 < overhead["total_s"] < 1
