"""Marketing mix model (MMM): weekly sales explained by media spend, trend and seasonality.

Three years of weekly data (156 weeks), 4 media channels and one control variable,
simulated from the known parameters ``TRUTH`` by `make_data` (seeded). For each channel c:

* geometric adstock: spend carries over for up to 8 weeks with decay ``alpha[c]``,
  ``adstock[t, c] = sum_l w[c, l] * spend[t - l, c]`` with weights
  ``w[c, l] ∝ alpha[c] ** l`` normalised over the 8 lags (deterministic
  ``adstock_weight``). The lagged spend is data, one (week x lag) matrix per channel,
  so the adstock is one contraction, ``pa.math.einsum("ctl,cl->tc", spend_lagged, w)``
  (each channel's lag matrix times its weights);
* logistic saturation with rate ``lam[c]``: ``(1 - exp(-lam x)) / (1 + exp(-lam x))``,
  which is ``tanh(lam x / 2)``;
* effect ``beta[c] >= 0`` (HalfNormal prior); the deterministic ``contribution``
  (week x channel) is ``beta * saturation(adstock)``, what a modeller reports.

Sales = intercept + slope * trend + sum of channel contributions + gamma * control +
yearly seasonality (2 Fourier pairs) + Normal noise.

Run: ``python examples/marketing_mix.py [PLOT.png]`` samples with NumPyro's NUTS, prints
how well each channel is recovered, writes a plot of true against recovered contributions
and measures how far SVI (``guide="mvn"``: NumPyro, PyMC and Pyro) is from NUTS. Results
on every backend: ``docs/marketing_mix.md``.
"""

from __future__ import annotations

from typing import Sequence

import arviz as az
import numpy as np
import pandas as pd

import ppladapt as pa
from ppladapt import dist
from ppladapt import math as pm

WEEKS, CHANNELS, MAX_LAG, FOURIER_PAIRS = 156, 4, 8, 2
CHANNEL_NAMES = ("tv", "radio", "search", "social")
YEAR = 52.18  # weeks

TRUTH = {
    "alpha": np.array([0.7, 0.4, 0.15, 0.5]),
    "lam": np.array([2.0, 3.0, 1.5, 4.0]),
    "beta": np.array([1.2, 0.6, 0.9, 0.4]),
    "intercept": 1.0,
    "trend_slope": 0.5,
    "gamma": 0.3,
    "delta": np.array([0.4, -0.2, 0.1, 0.15]),
    "sigma": 0.15,
}


def lagged(spend: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """(channel, week, lag) lag matrices ``out[c, t, l] = spend[t - l, c]`` (0 before
    the first week) of (week, channel) spend."""
    weeks, channels = spend.shape
    out = np.zeros((channels, weeks, max_lag))
    for lag in range(max_lag):
        out[:, lag:, lag] = spend[: weeks - lag, :].T
    return out


def adstock_weights(alpha: np.ndarray, max_lag: int = MAX_LAG) -> np.ndarray:
    """(channel, lag) geometric weights ``alpha ** lag``, each row summing to 1."""
    w = alpha[:, None] ** np.arange(max_lag)
    return w / w.sum(axis=1, keepdims=True)


def saturation(x: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Logistic saturation ``(1 - exp(-lam x)) / (1 + exp(-lam x))``."""
    return (1 - np.exp(-lam * x)) / (1 + np.exp(-lam * x))


def make_data(seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded data from the model at ``TRUTH``: the model's inputs plus the true
    ``contribution`` (week x channel, not a model input)."""
    rng = np.random.default_rng(seed)
    t = np.arange(WEEKS)
    season = 1 + 0.3 * np.sin(2 * np.pi * t / YEAR)
    spend = rng.gamma(2.0, 0.25, size=(WEEKS, CHANNELS)) * season[:, None]
    spend[rng.random((WEEKS, CHANNELS)) < 0.2] = 0.0  # weeks without a campaign
    spend /= spend.max(axis=0)
    spend_lagged = lagged(spend)
    adstock = np.einsum("ctl,cl->tc", spend_lagged, adstock_weights(TRUTH["alpha"]))
    contribution = TRUTH["beta"] * saturation(adstock, TRUTH["lam"])
    fourier = np.column_stack([f(2 * np.pi * k * t / YEAR) for k in range(1, FOURIER_PAIRS + 1)
                               for f in (np.sin, np.cos)])
    control = rng.normal(size=WEEKS)
    trend = t / WEEKS
    mean = (TRUTH["intercept"] + TRUTH["trend_slope"] * trend + contribution.sum(axis=1)
            + TRUTH["gamma"] * control + fourier @ TRUTH["delta"])
    sales = mean + rng.normal(0, TRUTH["sigma"], size=WEEKS)
    return {"spend_lagged": spend_lagged, "trend": trend, "control": control,
            "fourier": fourier, "sales": sales, "contribution": contribution}


@pa.model
def marketing_mix(spend_lagged, trend, control, fourier, sales):
    """Adstock, saturation and effect per channel; trend, control and seasonality."""
    lag = pa.data("lag", np.arange(MAX_LAG, dtype=float))
    with pa.plate("channel", CHANNELS, coords=CHANNEL_NAMES):
        alpha = pa.prior("alpha", dist.Beta(3, 3))  # adstock decay
        lam = pa.prior("lam", dist.Gamma(3, 1))  # saturation rate
        beta = pa.prior("beta", dist.HalfNormal(2))  # effect at saturation
        decay = alpha[:, None] ** lag  # (channel, lag)
        weights = pa.deterministic("adstock_weight", decay / pm.sum(decay, axis=1)[:, None])
    # (week, channel): each channel's (week x lag) matrix of lagged spend times its weights
    adstock = pm.einsum("ctl,cl->tc", spend_lagged, weights)
    intercept = pa.prior("intercept", dist.Normal(0, 2))
    slope = pa.prior("trend_slope", dist.Normal(0, 1))
    gamma = pa.prior("gamma", dist.Normal(0, 1))
    with pa.plate("fourier_term", 2 * FOURIER_PAIRS):
        delta = pa.prior("delta", dist.Normal(0, 0.5))
    sigma = pa.prior("sigma", dist.HalfNormal(1))
    with pa.plate("week", WEEKS):
        with pa.plate("channel", CHANNELS):
            contribution = pa.deterministic("contribution", beta * pm.tanh(lam * adstock / 2))
        mean = (intercept + slope * trend + pm.sum(contribution, axis=1) + gamma * control
                + fourier @ delta)
        pa.likelihood("sales", dist.Normal(mean, sigma), observed=sales)


DATA = make_data()
model = marketing_mix(**{k: v for k, v in DATA.items() if k != "contribution"})


def recovery(idata: az.InferenceData, prob: float = 0.9) -> pd.DataFrame:
    """Per channel and parameter (alpha, beta): truth, central ``prob`` interval and
    whether the interval holds the truth."""
    rows = []
    for name in ("alpha", "beta"):
        draws = idata.posterior[name].values.reshape(-1, CHANNELS)
        low, high = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        for c, channel in enumerate(CHANNEL_NAMES):
            truth = TRUTH[name][c]
            rows.append({"parameter": name, "channel": channel, "truth": truth,
                         "low": low[c], "high": high[c], "covered": low[c] <= truth <= high[c]})
    return pd.DataFrame(rows)


def contribution_gap(approx: az.InferenceData, nuts: az.InferenceData) -> pd.DataFrame:
    """How far ``approx``'s channel contributions (e.g. SVI's) are from ``nuts``'s, per
    channel: ``gap``, the mean over weeks of |difference of posterior means| in units of
    the mean NUTS posterior sd, and ``sd_ratio``, the mean posterior sd of ``approx`` over
    that of NUTS (below 1: ``approx`` is overconfident)."""

    def mean_sd(idata):
        draws = idata.posterior["contribution"].values.reshape(-1, WEEKS, CHANNELS)
        return draws.mean(axis=0), draws.std(axis=0, ddof=1).mean(axis=0)

    (a_mean, a_sd), (n_mean, n_sd) = mean_sd(approx), mean_sd(nuts)
    gap = np.abs(a_mean - n_mean).mean(axis=0) / n_sd
    return pd.DataFrame({"gap": gap, "sd_ratio": a_sd / n_sd}, index=list(CHANNEL_NAMES))


def svi_vs_nuts(nuts: az.InferenceData, backends: Sequence[str] = ("numpyro", "pymc", "pyro"),
                seed: int = 0, **svi_options) -> pd.DataFrame:
    """SVI with a full-rank normal guide (``guide="mvn"``) on each backend against the
    NUTS fit ``nuts``: one row per backend with its seconds and, per channel, the
    `contribution_gap` columns (``gap_tv``, ``sd_ratio_tv``...). ``svi_options`` (steps,
    learning_rate...) go to `pa.sample`."""
    rows = []
    for backend in backends:
        svi = pa.sample(model, backend=backend, method="svi", guide="mvn", seed=seed,
                        progressbar=False, **svi_options)
        gap = contribution_gap(svi, nuts)
        seconds = svi.attrs["compile_seconds"] + svi.attrs["sampling_seconds"]
        row = {"backend": backend, "seconds": seconds}
        row.update({f"gap_{c}": v for c, v in gap["gap"].items()})
        row.update({f"sd_ratio_{c}": v for c, v in gap["sd_ratio"].items()})
        rows.append(row)
    return pd.DataFrame(rows).set_index("backend")


def plot_contributions(idata: az.InferenceData,
                       path: str = "marketing_mix_contributions.png") -> str:
    """Write true against recovered (posterior median, 90% band) contribution per channel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    draws = idata.posterior["contribution"].values.reshape(-1, WEEKS, CHANNELS)
    low, mid, high = np.quantile(draws, [0.05, 0.5, 0.95], axis=0)
    fig, axes = plt.subplots(CHANNELS, 1, figsize=(10, 2.2 * CHANNELS), sharex=True)
    for c, ax in enumerate(axes):
        ax.fill_between(range(WEEKS), low[:, c], high[:, c], alpha=0.3, label="90% interval")
        ax.plot(mid[:, c], label="posterior median")
        ax.plot(DATA["contribution"][:, c], "k--", lw=1, label="truth")
        ax.set_ylabel(CHANNEL_NAMES[c])
    axes[0].legend(loc="upper right", fontsize="small")
    axes[-1].set_xlabel("week")
    fig.suptitle("channel contribution to sales: truth vs recovered")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


if __name__ == "__main__":
    import sys

    nuts = pa.sample(model, backend="numpyro", chains=4, draws=1000, tune=1000, seed=0)
    print(az.summary(nuts, var_names=["alpha", "lam", "beta", "sigma"]).to_string())
    print(recovery(nuts).to_string(index=False))
    print("wrote", plot_contributions(nuts, *sys.argv[1:2]))  # optional: the plot's path
    print("SVI (guide='mvn', pa.sample's default steps and learning rate) against NUTS:")
    print(svi_vs_nuts(nuts).round(2).to_string())
