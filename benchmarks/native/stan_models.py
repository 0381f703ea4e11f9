"""The examples in Stan, written by hand as a Stan user would (the ``.stan`` files next
to this module: ``~`` statements, ``std_normal()``, the ``*_glm`` likelihoods where they
apply, vectorised statements), run with PyStan directly: ``stan.build(program, data,
random_seed).sample(...)``.

Run through ``benchmarks/run.py`` (which passes the examples' data).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpstan.cache
import httpstan.services_stub
import numpy as np
import stan

HERE = Path(__file__).resolve().parent


# ---- benchmark glue: example name -> (program file, Stan data from data and plates) ----------
MODELS = {
    "eight_schools": ("eight_schools.stan", lambda d, p: {
        "J": len(d["y"]), "y": d["y"], "sigma": d["sigma"]}),
    "eight_schools_centered": ("eight_schools_centered.stan", lambda d, p: {
        "J": len(d["y"]), "y": d["y"], "sigma": d["sigma"]}),
    "linear": ("linear.stan", lambda d, p: {"N": len(d["y"]), "x": d["x"], "y": d["y"]}),
    "logistic": ("logistic.stan", lambda d, p: {
        "N": d["X"].shape[0], "D": d["X"].shape[1], "X": d["X"], "y": d["y"]}),
    "hierarchical": ("hierarchical.stan", lambda d, p: {
        "N": len(d["y"]), "J": p["group"]["size"], "group_idx": d["group_idx"] + 1,  # 1-based
        "x": d["x"], "y": d["y"]}),
    "marketing_mix": ("marketing_mix.stan", lambda d, p: {
        "N": len(d["sales"]), "C": p["channel"]["size"], "L": d["spend_lagged"].shape[2],
        "F": d["fourier"].shape[1], "spend_lagged": d["spend_lagged"], "trend": d["trend"],
        "control": d["control"], "fourier": d["fourier"], "sales": d["sales"]}),
}


def program(example: str) -> str:
    """The Stan program of ``example``."""
    return (HERE / MODELS[example][0]).read_text()


def build(example: str, data: dict, plates: dict, seed: int | None = None):
    """``stan.build`` of the example's program with its data (cached by httpstan)."""
    filename, arguments = MODELS[example]
    return stan.build(program(example), data=arguments(data, plates), random_seed=seed)


def _forget_fits(posterior) -> None:
    """Delete httpstan's cached fits of this model. PyStan keeps a seeded fit on disk and
    hands it back, without sampling, when the same request comes again; a benchmark
    must really sample."""
    shutil.rmtree(httpstan.cache.model_directory(posterior.model_name) / "fits", ignore_errors=True)


class ChainTimer:
    """From the first chain's start to the last chain's end inside a block: wraps
    httpstan's ``services_stub.call`` (one call per chain, which PyStan's server makes),
    the interval ppladapt's Stan engine times around the same calls. It leaves out what
    PyStan adds around the chains: HTTP requests, polling for the end every 50 ms, and
    parsing the output into a ``Fit``."""

    def __enter__(self):
        self.starts, self.ends = [], []
        self.original = httpstan.services_stub.call

        async def timed(*args, **kwargs):
            self.starts.append(time.perf_counter())
            try:
                return await self.original(*args, **kwargs)
            finally:
                self.ends.append(time.perf_counter())

        httpstan.services_stub.call = timed
        return self

    def __exit__(self, *exc):
        httpstan.services_stub.call = self.original

    @property
    def seconds(self) -> float:
        return max(self.ends) - min(self.starts)


def sample(example: str, data: dict, plates: dict, settings: dict) -> dict:
    """``stan.build(...).sample(...)`` on the hand-written program (see the package
    docstring). PyStan runs the chains at once in httpstan's worker processes (one per
    core), as ppladapt's ``chain_method="parallel"`` does on the PyStan engine.
    ``sampling_seconds`` is the chains' own time (`ChainTimer`), ``wall_seconds`` the
    whole ``sample`` call."""
    if settings["chain_method"] != "parallel":
        raise ValueError("PyStan runs chains in parallel only")
    start = time.perf_counter()
    posterior = build(example, data, plates, settings["seed"])
    build_seconds = time.perf_counter() - start
    _forget_fits(posterior)
    start = time.perf_counter()
    with ChainTimer() as chains_timer:
        fit = posterior.sample(
            num_chains=settings["chains"], num_samples=settings["draws"],
            num_warmup=settings["tune"], delta=settings["target_accept"],
        )
    wall_seconds = time.perf_counter() - start
    _forget_fits(posterior)
    chains, draws = settings["chains"], settings["draws"]
    out = {}
    for name in fit.param_names:
        values = np.asarray(fit[name])  # (*dims, draws * chains), draw d of chain c at d * chains + c
        values = values.reshape(values.shape[:-1] + (draws, chains))
        out[name] = np.moveaxis(np.moveaxis(values, -1, 0), -1, 1)  # (chains, draws, *dims)
    return {
        "posterior": out,
        "compile_seconds": build_seconds,
        "sampling_seconds": chains_timer.seconds,
        "wall_seconds": wall_seconds,
        "divergences": int(np.sum(fit["divergent__"])),
    }


def log_density(example: str, data: dict, plates: dict, params: dict) -> float:
    """Log density at constrained ``params`` without the Jacobian, as Stan computes it:
    ``~`` statements drop constant terms, so this differs from the full joint log density
    by a constant (compare differences between points)."""
    posterior = build(example, data, plates)
    names = [n for n in posterior.param_names if n in params]
    unconstrained = posterior.unconstrain_pars({n: np.asarray(params[n]).tolist() for n in names})
    return float(posterior.log_prob(unconstrained, adjust_transform=False))
