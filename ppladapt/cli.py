"""The ``ppladapt`` command line: ``backends``, ``code MODEL``, ``sample MODEL`` and
``compare MODEL``.

MODEL is ``file.py`` (its module-level ``model``), ``file.py:name`` (a `Model`, or a
``@pa.model`` function that takes no arguments) or a ``.json`` file written by
`Model.to_json`. Errors are one line on stderr (``ppladapt: error: ...``) and an exit
code: 0 ok, 1 backend or runtime failure, 2 bad input (usage, MODEL, options, model).

Importing this module stays light: ArviZ, pandas and the backend libraries load inside
the commands that need them.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import re
import sys
import traceback
from pathlib import Path
from typing import Any, Optional, Sequence

from ppladapt.backend import CHAIN_METHODS, DEVICES, GUIDES, METHODS
from ppladapt.errors import BackendError, PPLAdaptError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
PROG = "ppladapt"

EPILOG = """\
MODEL is one of:
  file.py          the module-level `model` object of a Python file
  file.py:name     a Model, or a @pa.model function taking no arguments, in that file
  file.json        an IR file written by Model.to_json()

exit codes:
  0  success
  1  the backend or the run failed (native compile error, sampler failure, ...)
  2  bad input: usage, a MODEL that cannot be loaded, an invalid model or option,
     a backend that is not installed

examples:
  ppladapt backends
  ppladapt code examples/eight_schools.py --backend numpyro
  ppladapt sample examples/eight_schools.py:centered --chains 2 --draws 500 --seed 0
  ppladapt sample model.json --method svi --guide mvn --steps 2000 --out fit.nc
  ppladapt compare examples/eight_schools.py --backends numpyro,stan --out report/
"""


class CommandError(Exception):
    """A usage or input error the CLI reports as one line with exit code 2."""


# ---- loading MODEL -------------------------------------------------------------------------
_SPEC = re.compile(r"(?P<path>.+\.py):(?P<name>[A-Za-z_][A-Za-z0-9_]*)\Z")


def load_model(spec: str):
    """The `Model` that the MODEL argument ``spec`` names (see the module docstring)."""
    from ppladapt.ir.model import Model

    match = _SPEC.match(spec)
    path, name = (Path(match["path"]), match["name"]) if match else (Path(spec), None)
    if path.suffix not in (".py", ".json"):
        raise CommandError(
            f"MODEL {spec!r} must be a .py file (optionally file.py:name) or a .json IR file."
        )
    if not path.is_file():
        raise CommandError(f"MODEL file {str(path)!r} does not exist.")
    if path.suffix == ".json":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise CommandError(f"cannot read {path}: {err}") from err
        return Model.from_json(text)
    module = _import_file(path)
    attribute = name or "model"
    if not hasattr(module, attribute):
        found = sorted(k for k, v in vars(module).items() if _is_model_like(v) and k[0] != "_")
        hint = f"; it defines: {', '.join(found)} (use {path}:NAME)" if found else ""
        raise CommandError(f"{path} has no {attribute!r}{hint}.")
    return _as_model(getattr(module, attribute), f"{path}:{attribute}")


def _is_model_like(value: Any) -> bool:
    from ppladapt.frontend.primitives import ModelFunction
    from ppladapt.ir.model import Model

    return isinstance(value, (Model, ModelFunction))


def _as_model(value: Any, where: str):
    from ppladapt.frontend.primitives import ModelFunction
    from ppladapt.ir.model import Model

    if isinstance(value, Model):
        return value
    if isinstance(value, ModelFunction):
        required = [
            p.name for p in value.signature.parameters.values()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if required:
            raise CommandError(
                f"{where} is a @pa.model function that needs arguments ({', '.join(required)}); "
                f"build the model in the file (e.g. model = {value.name}(...)) and name that."
            )
        return value()
    raise CommandError(
        f"{where} is a {type(value).__name__}, not a ppladapt Model or @pa.model function."
    )


def _import_file(path: Path):
    """Import ``path`` as a fresh module (its ``__main__`` block does not run)."""
    resolved = path.resolve()
    module_name = f"_ppladapt_cli_{re.sub(r'[^0-9A-Za-z_]', '_', resolved.stem)}"
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise CommandError(f"cannot import {path} as a Python module.")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(resolved.parent))  # so the file can import its neighbours
    try:
        spec.loader.exec_module(module)
    except PPLAdaptError:
        sys.modules.pop(module_name, None)
        raise
    except Exception as err:
        sys.modules.pop(module_name, None)
        raise CommandError(f"importing {path} failed: {type(err).__name__}: {err}") from err
    finally:
        if str(resolved.parent) in sys.path:
            sys.path.remove(str(resolved.parent))
    return module


# ---- commands ------------------------------------------------------------------------------
def cmd_backends(args: argparse.Namespace) -> int:
    from ppladapt.plugins.registry import backends

    rows = [("backend", "version", "methods", "status")]
    for info in backends():
        status = "usable" if info.usable else f"not installed: {info.install_command}"
        rows.append((info.name, info.version or "-", ",".join(info.methods), status))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[3])
    if len(rows) == 1:
        print("(no backends registered)")
    return EXIT_OK


def cmd_code(args: argparse.Namespace) -> int:
    from ppladapt.inference import to_code

    model = load_model(args.model)
    code = _run_backend(lambda: to_code(model, args.backend), args.backend)
    print(code, end="" if code.endswith("\n") else "\n")
    return EXIT_OK


NUTS_ONLY = ("tune", "chains", "chain_method", "target_accept")
SVI_ONLY = ("guide", "steps", "learning_rate")


def cmd_sample(args: argparse.Namespace) -> int:
    from ppladapt.inference import sample

    model = load_model(args.model)
    given = _run_options(args)
    if args.out is not None:
        if Path(args.out).suffix != ".nc":
            raise CommandError(f"--out {args.out!r} must be a NetCDF file ending in .nc.")
        folder = Path(args.out).resolve().parent
        if not folder.is_dir():
            raise CommandError(f"--out {args.out!r}: folder {str(folder)!r} does not exist.")
    progressbar = sys.stderr.isatty() if args.progressbar is None else args.progressbar
    idata = _run_backend(
        lambda: sample(model, backend=args.backend, method=args.method,
                       progressbar=progressbar, **given),
        args.backend,
    )
    _print_result(idata, args.method)
    if args.out is not None:
        idata.to_netcdf(args.out)
        print(f"wrote {args.out}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    import pandas as pd

    from ppladapt.compare import compare

    model = load_model(args.model)
    given = _run_options(args)
    backends = args.backends.split(",") if args.backends else None
    report = compare(model, backends=backends, method=args.method, reference=args.reference,
                     timeout=args.timeout, progressbar=args.progressbar is not False, **given)
    shown = report.table.drop(columns="error")
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.float_format", "{:.4g}".format):
        print(shown.to_string(index=False))
    for row in report.table.itertuples():
        if row.status != "ok":
            print(f"{row.backend}: {row.error}")
    if args.out is not None:
        print(f"wrote {report.save(args.out)}")
    everything_agrees = bool((report.table["status"] == "ok").all() and report.table["agree"].all())
    return EXIT_OK if everything_agrees else EXIT_FAILURE


def _run_options(args: argparse.Namespace) -> dict:
    """The pa.sample options given on the command line (others keep their defaults)."""
    given = {k: getattr(args, k) for k in NUTS_ONLY + SVI_ONLY + ("draws", "seed", "device")}
    given = {k: v for k, v in given.items() if v is not None}
    wrong = NUTS_ONLY if args.method == "svi" else SVI_ONLY
    misplaced = ["--" + k.replace("_", "-") for k in wrong if k in given]
    if misplaced:
        raise CommandError(f"{', '.join(misplaced)} cannot be used with --method {args.method}.")
    return given


def _print_result(idata, method: str) -> None:
    import arviz as az
    import pandas as pd

    kind = "stats" if method == "svi" else "all"
    with pd.option_context("display.width", 200, "display.max_columns", 20,
                           "display.max_rows", 500):
        print(az.summary(idata, kind=kind))
    print()
    attrs = idata.attrs
    keys = ("backend", "backend_version", "method", "chain_method", "guide", "steps",
            "learning_rate", "device", "seed", "compile_seconds", "sampling_seconds")
    for key in keys:
        if key in attrs:
            value = attrs[key]
            text = f"{value:.3f}" if key.endswith("_seconds") else str(value)
            print(f"{key + ':':<18} {text}")
    stats = getattr(idata, "sample_stats", None)
    if stats is not None and "diverging" in stats:
        print(f"{'divergences:':<18} {int(stats['diverging'].sum())}")


def _run_backend(call, backend: str):
    """Run ``call``; an unexpected exception is a backend failure (exit code 1)."""
    try:
        return call()
    except PPLAdaptError:
        raise
    except Exception as err:
        message = f"backend {backend!r} failed: {type(err).__name__}{_detail(err)}"
        raise BackendError(message) from err


def _detail(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f": {text[0]}" if text else ""


# ---- parser and main -----------------------------------------------------------------------
def _subparser(commands, name: str, summary: str, description: str) -> argparse.ArgumentParser:
    return commands.add_parser(name, help=summary, description=description, epilog=EPILOG,
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _add_run_options(parser: argparse.ArgumentParser, default: dict) -> None:
    """Options shared by ``sample`` and ``compare`` (defaults shown are pa.sample's)."""
    parser.add_argument("--method", choices=METHODS, default=default["method"],
                         help="inference method (default: %(default)s)")
    parser.add_argument("--draws", type=int,
                         help=f"posterior draws per chain (default: {default['draws']})")
    parser.add_argument("--seed", type=int,
                         help="random seed (default: a random one, recorded in the output)")
    parser.add_argument("--device", choices=DEVICES,
                         help=f"where to run (default: {default['device']})")
    nuts = parser.add_argument_group("NUTS options")
    nuts.add_argument("--tune", type=int,
                      help=f"warm-up iterations per chain (default: {default['tune']})")
    nuts.add_argument("--chains", type=int, help=f"number of chains (default: {default['chains']})")
    nuts.add_argument("--chain-method", choices=CHAIN_METHODS,
                      help=f"how chains run (default: {default['chain_method']})")
    nuts.add_argument("--target-accept", type=float,
                      help=f"target acceptance rate (default: {default['target_accept']})")
    svi = parser.add_argument_group("SVI options")
    svi.add_argument("--guide", choices=GUIDES,
                     help=f"variational family (default: {default['guide']})")
    svi.add_argument("--steps", type=int, help=f"optimisation steps (default: {default['steps']})")
    svi.add_argument("--learning-rate", type=float,
                     help=f"Adam learning rate (default: {default['learning_rate']})")
    parser.add_argument("--progressbar", action=argparse.BooleanOptionalAction, default=None,
                         help="show a progress bar (default: when stderr is a terminal)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; defaults shown in help are `pa.sample`'s own."""
    from ppladapt.inference import SVI_DEFAULTS, sample

    default = {k: p.default for k, p in inspect.signature(sample).parameters.items()}
    default.update(SVI_DEFAULTS)
    parser = argparse.ArgumentParser(
        prog=PROG, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Write a Bayesian model once; run it on NumPyro, PyMC, Pyro or Stan.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full traceback on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    backends = _subparser(commands, "backends", "list the registered backends",
                          "List registered backends: library version, methods, and whether "
                          "each is usable (else the command that installs it).")
    backends.set_defaults(handler=cmd_backends)

    code = _subparser(commands, "code", "print the native program for MODEL",
                      "Print the native program for MODEL on a backend: exactly what runs.")
    code.add_argument("model", metavar="MODEL", help="file.py, file.py:name or file.json")
    code.add_argument("--backend", "-b", default=default["backend"],
                      help="backend name (default: %(default)s)")
    code.set_defaults(handler=cmd_code)

    sample_ = _subparser(commands, "sample", "sample the posterior of MODEL",
                         "Sample the posterior of MODEL; print its summary and timings. "
                         "Options left out take pa.sample's defaults.")
    sample_.add_argument("model", metavar="MODEL", help="file.py, file.py:name or file.json")
    sample_.add_argument("--backend", "-b", default=default["backend"],
                         help="backend name (default: %(default)s)")
    _add_run_options(sample_, default)
    sample_.add_argument("--out", metavar="FILE.nc",
                         help="also write the InferenceData to this NetCDF file")
    sample_.set_defaults(handler=cmd_sample)

    compare = _subparser(commands, "compare", "run MODEL on several backends and compare them",
                         "Run MODEL on each backend (each in a fresh process, one after "
                         "another) and print one row per backend: timings, ESS per second, "
                         "R-hat, divergences and agreement with the reference. Exit code 0 "
                         "only if every backend ran and agrees; 1 if any failed or disagrees.")
    compare.add_argument("model", metavar="MODEL", help="file.py, file.py:name or file.json")
    compare.add_argument("--backends", "-b", metavar="A,B,...",
                         help="comma-separated backends (default: every usable backend)")
    compare.add_argument("--reference", metavar="BACKEND",
                         help="backend whose posterior the others are compared with "
                              "(default: the first that succeeds)")
    compare.add_argument("--timeout", type=float, metavar="SECONDS",
                         help="stop a backend that runs longer than this (default: no limit)")
    _add_run_options(compare, default)
    compare.add_argument("--out", metavar="DIR",
                         help="write table.csv, table.md, comparison.png and one .nc per backend")
    compare.set_defaults(handler=cmd_compare)
    return parser


def _version() -> str:
    from ppladapt._version import __version__

    return __version__


def _error(message: str) -> None:
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors (argparse prints them)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as err:
        code, message = _classify(err)
        if args.traceback:
            traceback.print_exception(err)
        _error(message)
        return code


def _classify(err: Exception) -> tuple[int, str]:
    """Exit code and one-line message for an error raised by a command."""
    if isinstance(err, BackendError):
        return EXIT_FAILURE, str(err)
    if isinstance(err, (CommandError, PPLAdaptError)):
        return EXIT_USAGE, str(err)
    return EXIT_FAILURE, f"{type(err).__name__}: {err}"  # a bug or the environment


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
