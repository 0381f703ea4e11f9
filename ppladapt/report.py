"""The comparison report: one row per backend (speed, convergence, agreement), the results,
a plot, Markdown and a folder of files.

Agreement rule: for every scalar posterior quantity (each element of every prior and
deterministic), z = difference of the means over sqrt(MCSE_a^2 + MCSE_b^2), and the ratio
of the sds. A backend agrees with the reference when max |z| <= `Z_LIMIT` and every sd
ratio lies within [1 / `SD_RATIO_LIMIT`, `SD_RATIO_LIMIT`].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ppladapt.isolation import OK, BackendRun

Z_LIMIT = 4.0
SD_RATIO_LIMIT = 1.25
COLUMNS = [
    "backend", "status", "error", "compile_s", "sampling_s", "total_s", "min_ess_bulk",
    "ess_per_s", "max_rhat", "divergences", "max_abs_z", "agree",
]


def scalar_draws(idata) -> dict[str, np.ndarray]:
    """(chain, draw) draws of every scalar element of the posterior, by label
    (``theta[A]`` using coords)."""
    out = {}
    for name, var in idata.posterior.data_vars.items():
        values = var.values
        dims = var.dims[2:]
        for index in np.ndindex(values.shape[2:]):
            labels = [str(var.coords[d].values[i]) if d in var.coords else str(i) for d, i in zip(dims, index)]
            label = f"{name}[{', '.join(labels)}]" if labels else name
            out[label] = values[(slice(None), slice(None)) + index]
    return out


def _mcse_and_ess(draws: np.ndarray) -> tuple[float, float]:
    import arviz as az

    mcse = float(np.ravel(az.mcse(draws, method="mean"))[0])
    ess = float(np.ravel(az.ess(draws, method="bulk"))[0])
    return mcse, ess


@dataclass
class Agreement:
    """How one run's posterior compares with the reference's."""

    max_abs_z: float
    worst_sd_ratio: float

    @property
    def agree(self) -> bool:
        return bool(self.max_abs_z <= Z_LIMIT and 1 / SD_RATIO_LIMIT <= self.worst_sd_ratio <= SD_RATIO_LIMIT)


def agreement(draws: dict[str, np.ndarray], reference: dict[str, np.ndarray]) -> Agreement:
    """z-scores of the mean differences and sd ratios over the shared scalar quantities."""
    worst_z, worst_ratio = 0.0, 1.0
    for label in draws.keys() & reference.keys():
        a, b = draws[label], reference[label]
        (mcse_a, _), (mcse_b, _) = _mcse_and_ess(a), _mcse_and_ess(b)
        spread = np.hypot(mcse_a, mcse_b)
        z = abs(a.mean() - b.mean()) / spread if spread > 0 else (0.0 if a.mean() == b.mean() else np.inf)
        sd_a, sd_b = a.std(ddof=1), b.std(ddof=1)
        ratio = sd_a / sd_b if sd_b > 0 else (1.0 if sd_a == 0 else np.inf)
        worst_z = max(worst_z, float(z))
        if abs(np.log(ratio)) > abs(np.log(worst_ratio)):
            worst_ratio = float(ratio)
    return Agreement(worst_z, worst_ratio)


def _row(run: BackendRun, idata, reference_draws: Optional[dict], is_reference: bool) -> dict[str, Any]:
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(backend=run.backend, status=run.status, error=run.error, total_s=run.wall_seconds,
               agree=False)
    if idata is None:
        return row
    draws = scalar_draws(idata)
    stats = [_mcse_and_ess(d) for d in draws.values()]
    import arviz as az

    rhat = az.rhat(idata.posterior)
    sampling = float(idata.attrs["sampling_seconds"])
    row.update(
        compile_s=float(idata.attrs["compile_seconds"]),
        sampling_s=sampling,
        min_ess_bulk=min(ess for _, ess in stats),
        max_rhat=float(max(float(rhat[v].max()) for v in rhat.data_vars)),
        divergences=int(idata.sample_stats["diverging"].sum()) if "sample_stats" in idata.groups()
        and "diverging" in idata.sample_stats else 0,
    )
    row["ess_per_s"] = row["min_ess_bulk"] / sampling if sampling > 0 else np.nan
    if is_reference:
        row.update(max_abs_z=0.0, agree=True)
    elif reference_draws is not None:
        result = agreement(draws, reference_draws)
        row.update(max_abs_z=result.max_abs_z, agree=result.agree)
    return row


@dataclass
class ComparisonReport:
    """What `pa.compare` returns: ``table`` (one row per backend), ``results`` (backend ->
    `InferenceData` for the backends that ran), ``reference`` (its label)."""

    table: Any
    results: dict = field(default_factory=dict)
    reference: Optional[str] = None

    @classmethod
    def from_runs(cls, runs: list[BackendRun], reference=None) -> "ComparisonReport":
        """Build the table; ``reference`` is a backend name, an `InferenceData` or None
        (the first backend that succeeded)."""
        import pandas as pd

        results = {run.backend: run.inference_data() for run in runs if run.status == OK}
        label, reference_idata = _pick_reference(results, reference)
        reference_draws = scalar_draws(reference_idata) if reference_idata is not None else None
        rows = [_row(run, results.get(run.backend), reference_draws, run.backend == label) for run in runs]
        return cls(pd.DataFrame(rows, columns=COLUMNS), results, label)

    def plot(self):
        """A matplotlib figure: each quantity's posterior per backend, and ESS/s."""
        from ppladapt.plot import comparison_figure

        return comparison_figure(self)

    def to_markdown(self, digits: int = 3) -> str:
        """The table as GitHub Markdown."""
        header = "| " + " | ".join(COLUMNS) + " |"
        lines = [header, "|" + "|".join("---" for _ in COLUMNS) + "|"]
        for row in self.table.itertuples(index=False):
            cells = []
            for value in row:
                if isinstance(value, float):
                    cells.append("" if np.isnan(value) else f"{value:.{digits}g}")
                else:
                    cells.append(str(value).replace("|", "\\|").replace("\n", " "))
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"

    def save(self, directory) -> Path:
        """Write table.csv, table.md, comparison.png and one NetCDF per backend."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(folder / "table.csv", index=False)
        (folder / "table.md").write_text(self.to_markdown())
        figure = self.plot()
        figure.savefig(folder / "comparison.png", dpi=120, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(figure)
        for backend, idata in self.results.items():
            idata.to_netcdf(folder / f"{backend}.nc")
        return folder

    def __repr__(self) -> str:
        return f"<ComparisonReport reference={self.reference!r}>\n{self.table.to_string(index=False)}"


def _pick_reference(results: dict, reference) -> tuple[Optional[str], Any]:
    if reference is None:
        first = next(iter(results), None)
        return first, results.get(first)
    if isinstance(reference, str):
        return reference, results.get(reference)
    return "reference", reference
