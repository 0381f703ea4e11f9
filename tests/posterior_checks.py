"""Monte-Carlo-aware comparisons of posterior draws with known or reference answers."""

from __future__ import annotations

import json
from pathlib import Path

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
