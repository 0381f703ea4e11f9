"""How each posteriordb posterior is sampled and how closely it must match its reference.

Every run is NUTS with 4 chains. Draw counts are chosen so that NumPyro's bulk ESS is
about 1000 or more on every reference parameter (measured; see docs/posteriordb.md).
``backend_options`` overrides or adds `pa.sample` keywords for one backend (for example a
slower backend's draw count, or a backend-specific keyword such as NumPyro's
``dense_mass``). ``init_radius`` starts the chains within that distance of 0 in the
unconstrained space (Stan's ``init_radius``, NumPyro's and Pyro's ``init_to_uniform``;
PyMC's default start already jitters by at most 1 around the model's centre), for
posteriors with a minor mode that traps chains started far out. ``sd_tolerance`` widens
the sd check, per reference name or variable, for skewed or heavy-tailed marginals; each
entry says why in ``notes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

CHAINS = 4
# Every Pyro run: Pyro's NUTS costs about 100x NumPyro's per leapfrog step here, so it
# adapts a dense mass matrix (fewer steps per draw on the correlated regressions) over 500
# warm-up iterations; `backend_options` still override these.
BACKEND_DEFAULTS: dict[str, dict[str, Any]] = {"pyro": {"tune": 500, "full_mass": True}}


@dataclass(frozen=True)
class Settings:
    draws: int = 1000
    tune: int = 1000
    target_accept: float = 0.8
    seed: int = 1
    fast: bool = False  # part of `make test` (not marked slow)
    sd_tolerance: Mapping[str, float] = field(default_factory=dict)
    backend_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    init_radius: Optional[float] = None
    notes: str = ""

    def sample_kwargs(self, backend: str) -> dict[str, Any]:
        """Keyword arguments for `pa.sample` on ``backend``."""
        kwargs = dict(
            draws=self.draws, tune=self.tune, chains=CHAINS, chain_method="parallel",
            target_accept=self.target_accept, seed=self.seed, progressbar=False,
        )
        kwargs.update(BACKEND_DEFAULTS.get(backend, {}))
        kwargs.update(self.backend_options.get(backend, {}))
        if self.init_radius is not None:
            kwargs.update(_init_kwargs(backend, self.init_radius))
        return kwargs


def _init_kwargs(backend: str, radius: float) -> dict[str, Any]:
    """The backend keyword that starts chains uniformly within ``radius`` of 0 in the
    unconstrained space (the backend library is imported only when its run asks)."""
    if backend == "numpyro":
        from numpyro.infer import init_to_uniform

        return {"init_strategy": init_to_uniform(radius=radius)}
    if backend == "pyro":
        from pyro.infer.autoguide.initialization import init_to_uniform

        return {"init_strategy": init_to_uniform(radius=radius)}
    if backend == "stan":
        return {"init_radius": radius}
    return {}


SETTINGS: dict[str, Settings] = {
    "arK-arK": Settings(fast=True),
    "diamonds-diamonds": Settings(
        backend_options={"numpyro": {"dense_mass": True}},
        notes=(
            "24 collinear predictors: with NumPyro's default diagonal mass matrix nearly every "
            "transition hits the tree-depth limit (1023 steps); it still passes, but takes "
            "10-20x longer than with dense_mass=True."
        ),
    ),
    "earnings-earn_height": Settings(draws=1500),
    "earnings-logearn_interaction_z": Settings(),
    "earnings-logearn_logheight_male": Settings(
        notes=(
            "corr(beta[1], beta[2]) = -0.9999: most transitions hit NumPyro's tree-depth "
            "limit (1023 steps)."
        ),
    ),
    "eight_schools-eight_schools_noncentered": Settings(
        target_accept=0.95,
        sd_tolerance={"tau": 0.25},
        notes="sd of tau within 25%: its posterior has mass near 0 and a long right tail.",
    ),
    "kidiq-kidscore_interaction": Settings(draws=2000),
    "kidiq-kidscore_momhsiq": Settings(),
    "kidiq-kidscore_momiq": Settings(fast=True),
    "kidiq_with_mom_work-kidscore_interaction_z": Settings(),
    "kidiq_with_mom_work-kidscore_mom_work": Settings(),
    "kilpisjarvi_mod-kilpisjarvi": Settings(
        fast=True,
        backend_options={"numpyro": {"dense_mass": True}, "pymc": {"init": "jitter+adapt_full"}},
        notes=(
            "corr(alpha, beta) = -0.99999: with a diagonal mass matrix most transitions hit "
            "the tree-depth limit (1023 steps; PyMC 92 s); a dense mass matrix takes ~15 s."
        ),
    ),
    "low_dim_gauss_mix-low_dim_gauss_mix": Settings(
        init_radius=1.0,
        notes=(
            "Ordered locations as mu_1 (flat) and mu_gap > 0 (flat) plus a pa.factor for the "
            "Normal(0, 2) prior on mu; the marginalised mixture likelihood is a pa.factor. A "
            "minor mode (both locations on one cluster, one component wide) traps about 7% of "
            "NumPyro chains started at the default radius 2 (2 of 28); none of 60 at radius 1."
        ),
    ),
    "mesquite-logmesquite_logvas": Settings(),
    "mesquite-mesquite": Settings(
        target_accept=0.9,
        sd_tolerance={"sigma": 0.15},
        notes="sd of sigma within 15%: N = 46 with 8 parameters, sigma is right-skewed.",
    ),
    "nes2000-nes": Settings(),
    "sblrc-blr": Settings(draws=1500),
    "sblri-blr": Settings(draws=1500, fast=True),
}
