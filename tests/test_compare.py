"""`pa.compare`: rows per backend, failures kept as rows, agreement, the Dask path, the
report files and the `ppladapt compare` command."""

from __future__ import annotations

import numpy as np
import pytest

import ppladapt as pa
from ppladapt.cli import main
from ppladapt.report import COLUMNS, Agreement, agreement
from tests.conftest import INSTALLED_BACKENDS
from tests.example_models import EXAMPLES_DIR, load_example

FAST = dict(chains=2, draws=300, tune=300, chain_method="sequential", seed=4)


@pytest.fixture(scope="module")
def eight_schools():
    return load_example("eight_schools").model


@pytest.fixture(scope="module")
def numpyro_report(eight_schools):
    return pa.compare(eight_schools, backends=["numpyro", "no_such_backend"], timeout=300, **FAST)


def test_rows_for_every_backend_and_failures_kept(numpyro_report):
    table = numpyro_report.table
    assert list(table.columns) == COLUMNS
    assert list(table["backend"]) == ["numpyro", "no_such_backend"]
    ok, missing = table.iloc[0], table.iloc[1]
    assert ok["status"] == "ok" and ok["agree"] and ok["max_abs_z"] == 0.0
    assert ok["min_ess_bulk"] > 50 and ok["ess_per_s"] > 0 and ok["max_rhat"] < 1.1
    assert ok["compile_s"] > 0 and ok["sampling_s"] > 0 and ok["total_s"] > ok["sampling_s"]
    assert missing["status"] == "not installed" and "unknown backend" in missing["error"]
    assert not missing["agree"]
    assert set(numpyro_report.results) == {"numpyro"}
    assert numpyro_report.results["numpyro"].posterior["theta"].dims == ("chain", "draw", "school")


def test_timeout_becomes_a_row(eight_schools):
    report = pa.compare(eight_schools, backends=["numpyro"], timeout=0.5, progressbar=False, **FAST)
    row = report.table.iloc[0]
    assert row["status"] == "timeout" and "0.5 s" in row["error"] and not row["agree"]


def test_report_files_and_markdown(numpyro_report, tmp_path):
    folder = numpyro_report.save(tmp_path / "report")
    assert {p.name for p in folder.iterdir()} == {"table.csv", "table.md", "comparison.png", "numpyro.nc"}
    markdown = (folder / "table.md").read_text()
    assert markdown.splitlines()[0] == "| " + " | ".join(COLUMNS) + " |"
    assert "| no_such_backend | not installed |" in markdown
    assert (folder / "comparison.png").read_bytes()[:4] == b"\x89PNG"


def test_agreement_rule_detects_a_shifted_posterior():
    rng = np.random.default_rng(0)
    base = {"x": rng.normal(size=(2, 2000))}
    same = {"x": rng.normal(size=(2, 2000))}
    shifted = {"x": rng.normal(0.3, 1.0, size=(2, 2000))}
    wider = {"x": rng.normal(0.0, 1.5, size=(2, 2000))}
    assert agreement(same, base).agree
    assert not agreement(shifted, base).agree and agreement(shifted, base).max_abs_z > 4
    assert not agreement(wider, base).agree
    assert Agreement(3.9, 1.2).agree and not Agreement(4.1, 1.0).agree


def test_dask_executor_gives_the_same_columns(eight_schools, numpyro_report):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        report = pa.compare(eight_schools, backends=["numpyro", "no_such_backend"],
                            executor=client.get_executor(), timeout=300, progressbar=False, **FAST)
    assert list(report.table.columns) == list(numpyro_report.table.columns)
    assert list(report.table["status"]) == ["ok", "not installed"]
    assert report.table.iloc[0]["agree"]


def test_cli_compare_exit_codes(tmp_path, capsys):
    model = str(EXAMPLES_DIR / "eight_schools.py")
    args = ["--draws", "200", "--tune", "200", "--chains", "2", "--chain-method", "sequential", "--seed", "1"]
    assert main(["compare", model, "--backends", "numpyro", "--out", str(tmp_path / "r"), *args]) == 0
    out = capsys.readouterr().out
    assert "ess_per_s" in out and "numpyro" in out and (tmp_path / "r" / "table.csv").exists()
    assert main(["compare", model, "--backends", "numpyro,no_such_backend", *args]) == 1
    assert "no_such_backend: unknown backend" in capsys.readouterr().out
    assert main(["compare", str(tmp_path / "missing.py")]) == 2


@pytest.mark.slow
@pytest.mark.parametrize("example", ["eight_schools", "linear"])
def test_every_backend_agrees_on_examples(example):
    report = pa.compare(load_example(example).model, backends=INSTALLED_BACKENDS, reference="numpyro",
                        timeout=900, progressbar=False, chains=2, draws=500, tune=500,
                        chain_method="sequential", seed=3, target_accept=0.9)
    table = report.table.set_index("backend")
    assert (table["status"] == "ok").all(), table["error"].to_dict()
    assert table["agree"].all(), table[["max_abs_z"]].to_dict()
