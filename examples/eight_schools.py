"""Eight schools: the effect of SAT coaching in eight schools (Rubin 1981; BDA3 §5.5).

Each school ``j`` reports an estimated treatment effect ``y[j]`` with a known standard
error ``sigma[j]``. The true effects ``theta[j]`` share a population mean ``mu`` and a
population scale ``tau``:

    mu ~ Normal(0, 5),  tau ~ HalfCauchy(5),
    theta[j] ~ Normal(mu, tau),  y[j] ~ Normal(theta[j], sigma[j]).

With so little data the posterior of ``tau`` reaches down to 0, where the centred
parameterisation is a funnel that NUTS explores badly (divergences). The non-centred
version samples ``theta_z ~ Normal(0, 1)`` and sets ``theta = mu + tau * theta_z``; in
ppladapt that is one argument, ``reparam="noncentered"``, and ``theta`` keeps its name in
the output. ``model`` (what ``ppladapt sample examples/eight_schools.py`` runs) is the
non-centred model; ``centered`` is the other one.

Run: ``python examples/eight_schools.py``.
"""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from ppladapt import dist

SCHOOLS = ("A", "B", "C", "D", "E", "F", "G", "H")


def load_data() -> dict[str, np.ndarray]:
    """The published estimates (fixed data; nothing random to seed)."""
    return {
        "sigma": np.array([15.0, 10, 16, 11, 9, 11, 10, 18]),
        "y": np.array([28.0, 8, -3, 7, -1, 1, 18, 12]),
    }


@pa.model
def eight_schools(sigma, y):
    """Non-centred eight schools."""
    mu = pa.prior("mu", dist.Normal(0, 5))
    tau = pa.prior("tau", dist.HalfCauchy(5))
    with pa.plate("school", len(sigma), coords=SCHOOLS):
        theta = pa.prior("theta", dist.Normal(mu, tau), reparam="noncentered")
        pa.likelihood("y", dist.Normal(theta, sigma), observed=y)


@pa.model
def eight_schools_centered(sigma, y):
    """Centred eight schools (expect divergences on NUTS)."""
    mu = pa.prior("mu", dist.Normal(0, 5))
    tau = pa.prior("tau", dist.HalfCauchy(5))
    with pa.plate("school", len(sigma), coords=SCHOOLS):
        theta = pa.prior("theta", dist.Normal(mu, tau))
        pa.likelihood("y", dist.Normal(theta, sigma), observed=y)


model = eight_schools(**load_data())
centered = eight_schools_centered(**load_data())


if __name__ == "__main__":
    import arviz as az

    print(model.summary())
    idata = pa.sample(model, backend="numpyro", chains=4, draws=1000, tune=1000, seed=0)
    print(az.summary(idata, var_names=["mu", "tau", "theta"]).to_string())
    print(f"divergences: {int(idata.sample_stats['diverging'].sum())}")
