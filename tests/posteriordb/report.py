"""Run the posteriordb suite and write docs/posteriordb.md.

    python -m tests.posteriordb.report                      # every posterior, every usable backend
    python -m tests.posteriordb.report --backends numpyro   # one backend's column
    python -m tests.posteriordb.report --posteriors arK-arK sblri-blr --backends numpyro
    python -m tests.posteriordb.report --render-only        # rewrite the page from the results file

Each run's record (status, max |z|, worst sd ratio, ESS, times, options) is merged into
docs/posteriordb.json, keyed by posterior and backend, so running one backend keeps the
others' columns; the Markdown page is then rendered from every record in that file.
`make test-posteriordb` fills the same file from the pytest run and renders it with
``--render-only``. Exit status 1 when any run of this invocation did not pass.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "posteriordb.json"
PAGE = ROOT / "docs" / "posteriordb.md"
BACKEND_ORDER = ("numpyro", "pymc", "pyro", "stan")
# A paragraph under a backend's heading: what is not run there, and why.
BACKEND_NOTES = {
    "pyro": (
        "Pyro's NUTS costs about 100x NumPyro's per leapfrog step here, and with 4 chains on "
        "2 cores it draws them one after another, so one posterior takes 4 to 25 minutes. "
        "The first runs used the settings of the other backends; the later ones Pyro's "
        "defaults in `settings.py` (500 warm-up iterations, `full_mass=True`); the settings "
        "column shows each run's."
    ),
}


def usable_backends() -> list[str]:
    import ppladapt as pa

    return [b.name for b in pa.backends() if b.usable]


def run_all(posteriors: Sequence[str], backends: Sequence[str], results: Path) -> bool:
    """Run each posterior on each backend, merging each record as soon as it is known."""
    from tests.posteriordb import runner

    ok = True
    for backend in backends:
        for posterior in posteriors:
            outcome = runner.run_or_record_error(posterior, backend)
            runner.merge_records(results, [outcome.record()])
            detail = outcome.error or (
                f"max|z| {outcome.max_abs_z:.2f}, worst sd ratio {outcome.worst_sd_ratio:.3f}, "
                f"min ESS {outcome.min_ess:.0f}"
            )
            print(f"{backend:8s} {posterior:45s} {outcome.status:5s} {outcome.wall_seconds:7.1f} s  "
                  f"{detail}", flush=True)
            ok = ok and outcome.status == "pass"
    return ok


# ---- rendering ------------------------------------------------------------------------
def _fmt(x: Optional[float], spec: str) -> str:
    return "" if x is None else format(x, spec)


def _cell(rec: Optional[dict]) -> str:
    if rec is None:
        return "not run"
    status = {"pass": "pass", "fail": "**FAIL**", "error": "**error**"}[rec["status"]]
    return f"{status} ({_fmt(rec['wall_seconds'], '.0f')} s)"


def _options(rec: dict) -> str:
    opts = dict(rec.get("options", {}))
    draws, tune, chains = (opts.pop(k, "?") for k in ("draws", "tune", "chains"))
    parts = [f"{draws} draws + {tune} tune x {chains} chains"]
    opts.pop("seed", None)
    parts += [f"{k}={v}" for k, v in sorted(opts.items()) if not (k == "chain_method" and v == "parallel")]
    return ", ".join(parts)


def _notes(posterior: str, rec: dict) -> str:
    from tests.posteriordb.settings import SETTINGS

    notes = []
    if rec["status"] == "error":
        notes.append(f"`{rec['error']}`")
    failing = [f"{name} (z {p['z']:+.2f}, sd ratio {p['sd_ratio']:.3f}, ESS {p['ess_bulk']:.0f})"
               for name, p in rec.get("parameters", {}).items() if not p["passed"]]
    if failing:
        notes.append("fails: " + "; ".join(failing))
    if SETTINGS[posterior].notes:
        notes.append(SETTINGS[posterior].notes)
    return " ".join(notes).replace("|", "\\|")


def render(results: dict[str, dict[str, dict]]) -> str:
    from tests.posteriordb import NOT_IMPLEMENTED, POSTERIORS

    seen = {b for by_backend in results.values() for b in by_backend}
    backends = list(BACKEND_ORDER) + sorted(seen - set(BACKEND_ORDER))
    lines = [
        "# posteriordb reference posteriors: results",
        "",
        "Each posterior in `/work/shared/posteriordb` (see its README) is written once with ppladapt",
        "(`tests/posteriordb/`), sampled with NUTS (4 chains) on each backend, and every reference",
        "parameter is compared with posteriordb's reference summary: the mean z-score",
        "`(mean_hat - mean_ref) / sqrt(mcse_ref^2 + mcse_hat^2)` must satisfy |z| < 4 (MCSE of the run",
        "from ArviZ), the sd ratio `sd_hat / sd_ref` must be within 10% of 1 (wider where noted), and",
        "the bulk ESS must be at least 100. Sampling settings are in `tests/posteriordb/settings.py`.",
        "`max abs dq` (reported, not checked) is the largest |q_hat - q_ref| over the 5%, 50% and",
        "95% quantiles, in reference sds.",
        "",
        "Regenerate: `make test-posteriordb` (the pytest suite, all backends), or",
        "`.venv/bin/python -m tests.posteriordb.report --backends numpyro` (one backend's column).",
        "Per-parameter numbers are in `docs/posteriordb.json`. Wall time is the whole `pa.sample`",
        "call (compilation included, with JAX's persistent cache warm or cold as it happened);",
        "times depend on the machine and its load (see each backend's section).",
        "",
        "## Summary",
        "",
        "| posterior | " + " | ".join(backends) + " |",
        "|---|" + "---|" * len(backends),
    ]
    for posterior in sorted(set(POSTERIORS) | set(NOT_IMPLEMENTED)):
        if posterior in NOT_IMPLEMENTED:
            cells = ["not implemented"] * len(backends)
        else:
            cells = [_cell(results.get(posterior, {}).get(b)) for b in backends]
        lines.append(f"| `{posterior}` | " + " | ".join(cells) + " |")
    for backend in backends:
        recs = [results[p][backend] for p in sorted(results) if backend in results[p]]
        if not recs:
            continue
        passed = sum(r["status"] == "pass" for r in recs)
        versions = sorted({r.get("backend_version", "") for r in recs} - {""})
        dates = sorted({r.get("date", "") for r in recs} - {""})
        cpus = sorted({str(r.get("cpus", "")) for r in recs} - {""})
        lines += [
            "",
            f"## {backend}",
            "",
            f"{passed} of {len(recs)} posteriors pass. Version {', '.join(versions) or '?'}; "
            f"run {', '.join(dates) or '?'} on {', '.join(cpus) or '?'} CPU cores.",
            "",
            *_backend_note(backend, results),
            "| posterior | result | max abs z | worst sd ratio | max abs dq | min ESS | divergences "
            "| wall s | compile s | sampling s | settings | notes |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for rec in recs:
            lines.append(
                f"| `{rec['posterior']}` | {rec['status']} | {_fmt(rec.get('max_abs_z'), '.2f')} | "
                f"{_fmt(rec.get('worst_sd_ratio'), '.3f')} | {_fmt(rec.get('max_quantile_error'), '.3f')} | "
                f"{_fmt(rec.get('min_ess'), '.0f')} | "
                f"{rec.get('divergences', '')} | {_fmt(rec['wall_seconds'], '.1f')} | "
                f"{_fmt(rec['compile_seconds'], '.1f')} | {_fmt(rec['sampling_seconds'], '.1f')} | "
                f"{_options(rec)} | {_notes(rec['posterior'], rec)} |"
            )
    if NOT_IMPLEMENTED:
        lines += ["", "## Not implemented", ""]
        lines += [f"- `{p}`: {reason}." for p, reason in sorted(NOT_IMPLEMENTED.items())]
    return "\n".join(lines) + "\n"


def _backend_note(backend: str, results: dict) -> list[str]:
    """The `BACKEND_NOTES` paragraph of ``backend`` (naming the posteriors it has not run),
    as page lines."""
    if backend not in BACKEND_NOTES:
        return []
    from tests.posteriordb import POSTERIORS

    note = BACKEND_NOTES[backend]
    missing = sorted(p for p in POSTERIORS if backend not in results.get(p, {}))
    if missing:
        note += (" Not run yet, for lack of machine time (an estimated 10-60 minutes each here; "
                 f"`python -m tests.posteriordb.report --backends {backend} --posteriors ...`): "
                 f"{', '.join(f'`{p}`' for p in missing)}.")
    return [note, ""]


def write_page(results_path: Path, page: Path) -> None:
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(render(results))


def main(argv: Optional[Sequence[str]] = None) -> int:
    from tests.posteriordb import POSTERIORS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", help="default: every usable backend")
    parser.add_argument("--posteriors", nargs="+", choices=sorted(POSTERIORS), metavar="POSTERIOR",
                        help="default: all of them")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"default: {RESULTS.relative_to(ROOT)}")
    parser.add_argument("--output", type=Path, default=PAGE, help=f"default: {PAGE.relative_to(ROOT)}")
    parser.add_argument("--render-only", action="store_true", help="only rewrite the page from --results")
    args = parser.parse_args(argv)
    ok = True
    if not args.render_only:
        backends = args.backends or usable_backends()
        print(f"posteriordb suite on {', '.join(backends)} "
              f"({platform.node()}, Python {platform.python_version()})")
        ok = run_all(args.posteriors or sorted(POSTERIORS), backends, args.results)
    write_page(args.results, args.output)
    print(f"wrote {args.output}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
