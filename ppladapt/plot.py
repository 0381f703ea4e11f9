"""The comparison figure: posteriors side by side per backend, and ESS per second."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ppladapt.report import scalar_draws

if TYPE_CHECKING:
    from ppladapt.report import ComparisonReport

MAX_QUANTITIES = 20


def comparison_figure(report: "ComparisonReport"):
    """Left: median and 90% interval of each scalar quantity (up to `MAX_QUANTITIES`),
    one marker per backend; right: ESS/s per backend (min bulk ESS over sampling time)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    backends = list(report.results)
    draws = {b: scalar_draws(idata) for b, idata in report.results.items()}
    labels = _quantities(report)[:MAX_QUANTITIES]
    height = max(3.5, 0.45 * len(labels) + 1.5)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, height), width_ratios=[2, 1])
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    offsets = np.linspace(-0.25, 0.25, max(len(backends), 1))
    for k, backend in enumerate(backends):
        for i, label in enumerate(labels):
            x = draws[backend].get(label)
            if x is None:
                continue
            low, mid, high = np.quantile(x, [0.05, 0.5, 0.95])
            y = i + offsets[k]
            left.plot([low, high], [y, y], color=colors[k % len(colors)], lw=2)
            left.plot(mid, y, "o", color=colors[k % len(colors)], label=backend if i == 0 else None)
    left.set_yticks(range(len(labels)), labels)
    left.invert_yaxis()
    left.set_title("posterior median and 90% interval")
    left.grid(axis="x", alpha=0.3)
    if backends:
        left.legend(loc="best", fontsize="small")
    table = report.table.set_index("backend")
    speeds = [float(table.loc[b, "ess_per_s"]) for b in backends]
    right.barh(backends, speeds, color=[colors[k % len(colors)] for k in range(len(backends))])
    right.invert_yaxis()
    right.set_xlim(0, 1.25 * max([v for v in speeds if np.isfinite(v)], default=1.0))
    right.set_xlabel("min bulk ESS per sampling second")
    right.set_title("speed (higher is better)")
    for y, value in enumerate(speeds):
        right.annotate(f"{value:,.0f}", (value, y), xytext=(3, 0), textcoords="offset points", va="center")
    failed = table[table["status"] != "ok"]
    if len(failed):
        note = "; ".join(f"{b}: {s}" for b, s in failed["status"].items())
        fig.text(0.01, 0.01, f"not shown: {note}", fontsize="small", color="firebrick")
    fig.suptitle("ppladapt compare" + (f" (reference: {report.reference})" if report.reference else ""))
    fig.tight_layout()
    return fig


def _quantities(report: "ComparisonReport") -> list[str]:
    """Scalar labels to plot, leaving out non-centred ``_z`` auxiliaries of sites that are
    reported under their own name."""
    if not report.results:
        return []
    posterior = next(iter(report.results.values())).posterior
    names = [n for n in posterior.data_vars if not (n.endswith("_z") and n[:-2] in posterior)]
    return [label for label in scalar_draws(next(iter(report.results.values())))
            if label.split("[")[0] in names]
