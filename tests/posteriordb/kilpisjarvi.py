"""kilpisjarvi_mod-kilpisjarvi: summer temperature on (shifted) year, with prior
hyperparameters read from the data; flat prior on sigma."""

from __future__ import annotations

import ppladapt as pa
from ppladapt import dist
from tests.posteriordb.regression import as_real


@pa.model
def kilpisjarvi(x, y, pmualpha: float, psalpha: float, pmubeta: float, psbeta: float):
    """y ~ Normal(alpha + beta x, sigma); alpha, beta Normal; sigma flat on (0, inf)."""
    alpha = pa.prior("alpha", dist.Normal(pmualpha, psalpha))
    beta = pa.prior("beta", dist.Normal(pmubeta, psbeta))
    sigma = pa.prior("sigma", dist.HalfFlat())
    with pa.plate("obs", len(y)):
        pa.likelihood("y", dist.Normal(alpha + beta * x, sigma), observed=y)


def kilpisjarvi_model(data: dict) -> pa.Model:
    hyper = {k: float(data[k]) for k in ("pmualpha", "psalpha", "pmubeta", "psbeta")}
    return kilpisjarvi(x=as_real(data["x"]), y=as_real(data["y"]), **hyper)
