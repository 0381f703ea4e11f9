"""The ``ppladapt`` command line: commands, MODEL forms, errors and exit codes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import ppladapt as pa
from ppladapt.backend import Backend, RunResult
from ppladapt.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, load_model, main
from ppladapt.plugins.hookspecs import hookimpl
from ppladapt.plugins.registry import plugin_manager

ROOT = Path(__file__).resolve().parent.parent
EIGHT_SCHOOLS = str(ROOT / "examples" / "eight_schools.py")


def run(capsys, *argv):
    """(exit code, stdout, stderr) of ``ppladapt argv`` run in-process."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ppladapt: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], err


# ---- a stand-in backend, so `sample` is tested without any sampler library ---------------
class FakeBackend(Backend):
    name = "fake"
    library = "numpy"
    modules = ()
    install_command = "pip install fake"
    fail = False

    def to_code(self, model):
        return f"# fake program for {model.name}\n"

    def run_nuts(self, model, options):
        if self.fail:
            raise RuntimeError("the sampler exploded\nsecond line")
        rng = np.random.default_rng(options.seed)
        shape = (options.chains, options.draws)
        posterior = {s.name: rng.normal(size=shape + model.shape_of(s.name))
                     for s in model.sites if s.kind != "likelihood"}
        stats = {"diverging": np.zeros(shape, dtype=bool), "lp": rng.normal(size=shape)}
        return RunResult(posterior, stats, compile_seconds=0.25, sampling_seconds=0.5)

    def run_svi(self, model, options):
        result = self.run_nuts(model, type("O", (), {"seed": options.seed, "chains": 1,
                                                     "draws": options.draws})())
        result.sample_stats = {}
        return result


class FakePlugin:
    def __init__(self, backend):
        self.backend = backend

    @hookimpl
    def ppladapt_register_backend(self):
        return self.backend


@pytest.fixture
def fake_backend():
    backend = FakeBackend()
    plugin = FakePlugin(backend)
    plugin_manager().register(plugin, name="ppladapt-test-fake")
    try:
        yield backend
    finally:
        plugin_manager().unregister(plugin)


# ---- help and backends ---------------------------------------------------------------------
def test_help_documents_exit_codes(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == EXIT_OK
    assert "exit codes" in out and "0  success" in out and "2  bad input" in out
    assert "file.py:name" in out and "file.json" in out


def test_no_command_is_a_usage_error(capsys):
    code, _, err = run(capsys)
    assert code == EXIT_USAGE
    assert "ppladapt: error:" in err


def test_backends_lists_every_registered_backend(capsys):
    code, out, _ = run(capsys, "backends")
    assert code == EXIT_OK
    assert out.splitlines()[0].split() == ["backend", "version", "methods", "status"]
    for info in pa.backends():
        assert any(line.split()[0] == info.name for line in out.splitlines()[1:])


def test_backends_shows_the_fake_one(capsys, fake_backend):
    code, out, _ = run(capsys, "backends")
    assert code == EXIT_OK
    assert any(line.split()[:1] == ["fake"] and "usable" in line for line in out.splitlines())


def test_python_dash_m_backends():
    proc = subprocess.run([sys.executable, "-m", "ppladapt", "backends"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "numpyro" in proc.stdout


def test_importing_the_cli_is_light():
    code = ("import sys, ppladapt.cli; heavy = ('arviz', 'pandas', 'xarray', 'jax', 'numpyro', "
            "'torch', 'pymc', 'matplotlib'); print([m for m in heavy if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# ---- MODEL forms ---------------------------------------------------------------------------
def test_load_model_forms(tmp_path):
    default = load_model(EIGHT_SCHOOLS)
    assert isinstance(default, pa.Model) and default.name == "eight_schools"
    centered = load_model(f"{EIGHT_SCHOOLS}:centered")
    assert centered.name == "eight_schools_centered"
    path = tmp_path / "m.json"
    path.write_text(default.to_json())
    assert load_model(str(path)) == default


def test_load_model_calls_zero_argument_model_function(tmp_path):
    path = tmp_path / "tiny.py"
    path.write_text(textwrap.dedent("""
        import ppladapt as pa
        from ppladapt import dist

        @pa.model
        def tiny():
            mu = pa.prior("mu", dist.Normal(0, 1))
            with pa.plate("obs", 2):
                pa.likelihood("y", dist.Normal(mu, 1.0), observed=[0.5, -0.2])
    """))
    model = load_model(f"{path}:tiny")
    assert isinstance(model, pa.Model) and [s.name for s in model.sites] == ["mu", "y"]


def code_or_xfail(capsys, *argv):
    code, out, err = run(capsys, "code", *argv)
    if code == EXIT_FAILURE and "does not implement" in err:
        pytest.xfail("the NumPyro backend's to_code is not implemented yet")
    assert code == EXIT_OK, err
    return out


def test_code_of_an_example(capsys):
    out = code_or_xfail(capsys, EIGHT_SCHOOLS, "--backend", "numpyro")
    compile(out, "<numpyro code>", "exec")


def test_code_of_a_json_file(capsys, tmp_path):
    path = tmp_path / "eight.json"
    path.write_text(load_model(EIGHT_SCHOOLS).to_json())
    out = code_or_xfail(capsys, str(path), "--backend", "numpyro")
    compile(out, "<numpyro code>", "exec")


def test_code_with_the_fake_backend(capsys, fake_backend, tmp_path):
    path = tmp_path / "eight.json"
    path.write_text(load_model(EIGHT_SCHOOLS).to_json())
    for model in (EIGHT_SCHOOLS, f"{EIGHT_SCHOOLS}:centered", str(path)):
        code, out, err = run(capsys, "code", model, "-b", "fake")
        assert code == EXIT_OK, err
        assert out.startswith("# fake program for eight_schools")


# ---- errors and exit codes -----------------------------------------------------------------
@pytest.fixture
def bad_files(tmp_path):
    (tmp_path / "broken.py").write_text("def broken(:\n")
    (tmp_path / "raises.py").write_text("raise RuntimeError('no data here')\n")
    (tmp_path / "nomodel.py").write_text("x = 1\n")
    (tmp_path / "badmodel.py").write_text(textwrap.dedent("""
        import ppladapt as pa
        from ppladapt import dist

        @pa.model
        def bad(y):
            with pa.plate("obs", 2):
                pa.likelihood("y", dist.Poisson(1.0), observed=y)

        model = bad(y=[1.5, 2.0])
    """))
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "model.txt").write_text("")
    return tmp_path


@pytest.mark.parametrize("model, fragments", [
    ("missing.py", ["does not exist"]),
    ("model.txt", ["must be a .py file"]),
    ("nomodel.py", ["has no 'model'"]),
    ("nomodel.py:x", ["is a int, not a ppladapt Model"]),
    ("broken.py", ["importing", "SyntaxError"]),
    ("raises.py", ["importing", "RuntimeError: no data here"]),
    ("badmodel.py", ["Poisson observations must be integers"]),
    ("bad.json", ["malformed IR JSON"]),
])
def test_bad_model_is_exit_code_2(capsys, bad_files, model, fragments):
    for command in ("code", "sample"):
        code, out, err = run(capsys, command, str(bad_files / model))
        assert code == EXIT_USAGE
        assert out == ""
        assert_one_line_error(err, *fragments)


def test_missing_name_lists_what_the_file_defines(capsys):
    code, _, err = run(capsys, "code", f"{EIGHT_SCHOOLS}:nothing")
    assert code == EXIT_USAGE
    assert_one_line_error(err, "has no 'nothing'", "centered", "model")


def test_model_function_needing_arguments_is_exit_code_2(capsys):
    code, _, err = run(capsys, "code", f"{EIGHT_SCHOOLS}:eight_schools")
    assert code == EXIT_USAGE
    assert_one_line_error(err, "needs arguments (sigma, y)")


def test_unknown_backend_is_exit_code_2(capsys):
    code, _, err = run(capsys, "code", EIGHT_SCHOOLS, "--backend", "nonesuch")
    assert code == EXIT_USAGE
    assert_one_line_error(err, "unknown backend 'nonesuch'")


@pytest.mark.parametrize("argv, fragment", [
    (["--method", "svi", "--chains", "2"], "--chains cannot be used with --method svi"),
    (["--steps", "10"], "--steps cannot be used with --method nuts"),
    (["--draws", "0"], "draws must be an int >= 1"),
    (["--out", "result.csv"], "must be a NetCDF file"),
    (["--out", "no/such/folder/fit.nc"], "does not exist"),
])
def test_bad_sample_options_are_exit_code_2(capsys, fake_backend, argv, fragment):
    code, _, err = run(capsys, "sample", EIGHT_SCHOOLS, "-b", "fake", *argv)
    assert code == EXIT_USAGE
    assert_one_line_error(err, fragment)


def test_argparse_errors_are_exit_code_2(capsys):
    code, _, err = run(capsys, "sample", EIGHT_SCHOOLS, "--method", "hmc")
    assert code == EXIT_USAGE
    assert "invalid choice" in err


def test_backend_failure_is_exit_code_1(capsys, fake_backend):
    fake_backend.fail = True
    code, out, err = run(capsys, "sample", EIGHT_SCHOOLS, "-b", "fake", "--draws", "5")
    assert code == EXIT_FAILURE
    assert_one_line_error(err, "backend 'fake' failed: RuntimeError: the sampler exploded")
    assert "second line" not in err


def test_traceback_flag_shows_the_traceback(capsys, fake_backend):
    fake_backend.fail = True
    code, _, err = run(capsys, "--traceback", "sample", EIGHT_SCHOOLS, "-b", "fake", "--draws", "5")
    assert code == EXIT_FAILURE
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("ppladapt: error:")


# ---- sample --------------------------------------------------------------------------------
def test_sample_prints_summary_and_timings_and_writes_netcdf(capsys, fake_backend, tmp_path):
    import arviz as az

    out_path = tmp_path / "fit.nc"
    code, out, err = run(capsys, "sample", EIGHT_SCHOOLS, "-b", "fake", "--chains", "2",
                         "--draws", "20", "--seed", "3", "--out", str(out_path))
    assert code == EXIT_OK, err
    for fragment in ("mean", "r_hat", "theta[A]", "compile_seconds:", "0.250",
                     "sampling_seconds:", "seed:", "divergences:", f"wrote {out_path}"):
        assert fragment in out
    idata = az.from_netcdf(out_path)
    assert idata.posterior["theta"].shape == (2, 20, 8)
    assert idata.attrs["backend"] == "fake"
    assert idata.attrs["seed"] == 3


def test_sample_svi_with_the_fake_backend(capsys, fake_backend):
    code, out, err = run(capsys, "sample", EIGHT_SCHOOLS, "-b", "fake", "--method", "svi",
                         "--guide", "mvn", "--steps", "10", "--draws", "30")
    assert code == EXIT_OK, err
    assert "method:" in out and "svi" in out and "r_hat" not in out


def test_sample_numpyro_tiny(capsys, tmp_path):
    if not any(b.name == "numpyro" and b.usable for b in pa.backends()):
        pytest.skip("the numpyro backend is not installed")
    out_path = tmp_path / "fit.nc"
    code, out, err = run(capsys, "sample", EIGHT_SCHOOLS, "--chains", "1", "--draws", "50",
                         "--tune", "50", "--seed", "0", "--no-progressbar", "--out", str(out_path))
    if code == EXIT_FAILURE and "does not implement" in err:
        pytest.xfail("the NumPyro backend's NUTS runner is not implemented yet")
    assert code == EXIT_OK, err
    assert "backend:" in out and "numpyro" in out and "sampling_seconds:" in out
    assert out_path.is_file()
