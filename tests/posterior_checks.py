"""Monte-Carlo-aware comparisons of posterior draws with known or reference answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import arviz as az
import numpy as np

POSTERIORDB = Path(__file__).resolve().parents[2] / "shared" / "posteriordb"


def mcse_mean(draws: np.ndarray) -> float:
    """Monte Carlo standard error of the mean of (chain, draw) draws (ArviZ, bulk ESS)."""
    return float(np.ravel(az.mcse(draws, method="mean"))[0])


def mean_z_score(draws: np.ndarray, truth: float, truth_mcse: float = 0.0) -> float:
    """(mean - truth) in units of the combined Monte Carlo standard error."""
    return (float(np.mean(draws)) - truth) / np.hypot(mcse_mean(draws), truth_mcse)


def agreement_z(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of two runs' means in units of both runs' MCSEs."""
    return mean_z_score(a, float(np.mean(b)), mcse_mean(b))


def sd_ratio(draws: np.ndarray, truth_sd: float) -> float:
    return float(np.std(draws, ddof=1)) / truth_sd


def load_reference(posterior: str) -> dict[str, dict]:
    """posteriordb reference summaries by Stan name (``theta[1]``, ``mu``...)."""
    text = (POSTERIORDB / posterior / "reference.json").read_text()
    return json.loads(text)["parameters"]


def load_data(posterior: str) -> dict:
    return json.loads((POSTERIORDB / posterior / "data.json").read_text())


def reference_draws(idata, stan_name: str) -> np.ndarray:
    """(chain, draw) draws of a Stan-named scalar (``theta[3]`` is theta[..., 2])."""
    name, _, rest = stan_name.partition("[")
    values = idata.posterior[name].values
    if rest:
        index = tuple(int(i) - 1 for i in rest.rstrip("]").split(","))
        values = values[(...,) + index]
    return values


# ---- posteriordb: every reference parameter of a run, checked ---------------------------
MAX_ABS_Z = 4.0  # |mean z| beyond this fails
SD_TOLERANCE = 0.1  # |sd_hat / sd_ref - 1| beyond this fails, unless a posterior says otherwise
MIN_ESS = 100  # below this ArviZ's MCSE (and so z) is not trustworthy: the run is too short


def ess_bulk(draws: np.ndarray) -> float:
    """Bulk effective sample size of (chain, draw) draws (ArviZ)."""
    return float(np.ravel(az.ess(draws, method="bulk"))[0])


@dataclass(frozen=True)
class ParameterCheck:
    """One reference parameter of one run: its mean z-score (both MCSEs), sd ratio and ESS.

    ``quantile_error`` is the largest |q_hat - q_ref| over q05, q50 and q95 in units of the
    reference sd; it is reported, not checked.
    """

    name: str
    mean_ref: float
    mean_hat: float
    z: float
    sd_ratio: float
    ess_bulk: float
    quantile_error: float
    sd_tolerance: float = SD_TOLERANCE

    @property
    def problems(self) -> list[str]:
        out = []
        if not abs(self.z) < MAX_ABS_Z:
            out.append(f"mean {self.mean_hat:.6g} vs reference {self.mean_ref:.6g} (z = {self.z:+.2f})")
        if not abs(self.sd_ratio - 1) < self.sd_tolerance:
            out.append(f"sd ratio {self.sd_ratio:.3f} (tolerance {self.sd_tolerance:g})")
        if not self.ess_bulk >= MIN_ESS:
            out.append(f"bulk ESS {self.ess_bulk:.0f} < {MIN_ESS}")
        return out

    @property
    def passed(self) -> bool:
        return not self.problems


def check_parameter(name: str, draws: np.ndarray, ref: Mapping[str, float],
                    sd_tolerance: float = SD_TOLERANCE) -> ParameterCheck:
    """Compare (chain, draw) ``draws`` with one posteriordb reference summary ``ref``:
    z = (mean_hat - mean_ref) / sqrt(mcse_ref**2 + mcse_hat**2), sd ratio, ESS."""
    quantiles = np.quantile(draws, [0.05, 0.5, 0.95])
    reference_quantiles = np.array([ref["q05"], ref["q50"], ref["q95"]])
    return ParameterCheck(
        name=name,
        mean_ref=float(ref["mean"]),
        mean_hat=float(np.mean(draws)),
        z=mean_z_score(draws, ref["mean"], ref["mcse_mean"]),
        sd_ratio=sd_ratio(draws, ref["sd"]),
        ess_bulk=ess_bulk(draws),
        quantile_error=float(np.max(np.abs(quantiles - reference_quantiles)) / ref["sd"]),
        sd_tolerance=sd_tolerance,
    )


def check_against_reference(
    idata,
    reference: Mapping[str, Mapping[str, float]],
    sd_tolerance: Mapping[str, float] = {},  # noqa: B006 (read only)
    site_of: Callable[[str], str] = lambda name: name,
) -> list[ParameterCheck]:
    """One `ParameterCheck` per reference parameter (Stan names, ``beta[2]``).

    ``sd_tolerance`` overrides `SD_TOLERANCE` per reference name or per variable (``tau``
    covers every element); ``site_of`` maps a posteriordb variable name to the ppladapt
    site that holds it.
    """
    checks = []
    for name, ref in reference.items():
        base, bracket, rest = name.partition("[")
        draws = reference_draws(idata, site_of(base) + bracket + rest)
        tolerance = sd_tolerance.get(name, sd_tolerance.get(base, SD_TOLERANCE))
        checks.append(check_parameter(name, draws, ref, tolerance))
    return checks
