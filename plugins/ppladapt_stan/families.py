"""The registry's families in Stan: density and RNG names, argument order, declarations.

One table, keyed by family (and, for families with a choice of parameter, by the choice
given: ``Bernoulli`` with ``logits`` is ``bernoulli_logit``). Densities are always used in
their ``target += ..._lpdf(y | ...)`` form so Stan keeps the normalising constants, which
makes `pa.log_density` agree across backends. Half families are the full family at 0
plus ``log(2)`` per element (``normal_lpdf(s | 0, 2) + log2()``, ``student_t_lpdf(s | 3,
0, 10) + log2()``); their draws are the absolute value of the full family's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ppladapt.errors import PPLAdaptError
from ppladapt.ir.distributions import Distribution

# How far a Stan density vectorises: over one batch axis (scalar families, with
# containers of reals or ints), over an array of event values with unbatched parameters
# (Dirichlet, multivariate normal, categorical), or not at all (LKJ: loop over draws).
SCALAR, EVENT_ARRAY, NONE = "scalar", "event_array", "none"


@dataclass(frozen=True)
class StanFamily:
    """A family in Stan: ``{stem}_lpdf`` / ``{stem}_lpmf`` and ``{stem}_rng``, the IR
    parameters in Stan's argument order, and constant leading arguments (half families)."""

    stem: str
    args: tuple[str, ...]
    discrete: bool = False
    fixed: tuple[str, ...] = ()  # constant arguments (the 0 of a half family)
    fixed_at: int = 0  # where ``fixed`` goes among ``args`` (after the df of a half Student-t)
    half: bool = False  # density + log(2) per element; draws are abs()
    vectorises: str = SCALAR
    one_based: bool = False  # values 1..K in Stan, 0..K-1 in the IR (categorical)
    rng_stem: Optional[str] = None  # when the RNG is another family's
    rng_link: Optional[str] = None  # function applied to the last argument for the RNG

    @property
    def density(self) -> str:
        return f"{self.stem}_lpmf" if self.discrete else f"{self.stem}_lpdf"

    @property
    def rng(self) -> str:
        return f"{self.rng_stem or self.stem}_rng"

    def arguments(self, texts: Sequence[str]) -> list[str]:
        """The call's arguments: ``texts`` (of ``args``, in order) with ``fixed`` inserted."""
        return [*texts[: self.fixed_at], *self.fixed, *texts[self.fixed_at:]]


FAMILIES: Mapping[tuple[str, Optional[str]], StanFamily] = {
    ("Normal", None): StanFamily("normal", ("loc", "scale")),
    ("HalfNormal", None): StanFamily("normal", ("scale",), fixed=("0",), half=True),
    ("HalfCauchy", None): StanFamily("cauchy", ("scale",), fixed=("0",), half=True),
    ("Cauchy", None): StanFamily("cauchy", ("loc", "scale")),
    ("StudentT", None): StanFamily("student_t", ("df", "loc", "scale")),
    ("HalfStudentT", None): StanFamily("student_t", ("df", "scale"), fixed=("0",), fixed_at=1,
                                       half=True),
    ("Exponential", None): StanFamily("exponential", ("rate",)),
    ("Gamma", None): StanFamily("gamma", ("concentration", "rate")),
    ("InverseGamma", None): StanFamily("inv_gamma", ("concentration", "rate")),
    ("LogNormal", None): StanFamily("lognormal", ("loc", "scale")),
    ("Beta", None): StanFamily("beta", ("concentration1", "concentration0")),
    ("Uniform", None): StanFamily("uniform", ("low", "high")),
    ("Laplace", None): StanFamily("double_exponential", ("loc", "scale")),
    ("Bernoulli", "probs"): StanFamily("bernoulli", ("probs",), discrete=True),
    ("Bernoulli", "logits"): StanFamily("bernoulli_logit", ("logits",), discrete=True),
    ("Binomial", "probs"): StanFamily("binomial", ("total_count", "probs"), discrete=True),
    ("Binomial", "logits"): StanFamily("binomial_logit", ("total_count", "logits"), discrete=True,
                                       rng_stem="binomial", rng_link="inv_logit"),
    ("Poisson", None): StanFamily("poisson", ("rate",), discrete=True),
    ("NegativeBinomial2", None): StanFamily("neg_binomial_2", ("mean", "concentration"),
                                             discrete=True),
    ("Categorical", "probs"): StanFamily("categorical", ("probs",), discrete=True,
                                         vectorises=EVENT_ARRAY, one_based=True),
    ("Categorical", "logits"): StanFamily("categorical_logit", ("logits",), discrete=True,
                                          vectorises=EVENT_ARRAY, one_based=True),
    ("Dirichlet", None): StanFamily("dirichlet", ("concentration",), vectorises=EVENT_ARRAY),
    ("MultivariateNormal", "covariance_matrix"): StanFamily(
        "multi_normal", ("loc", "covariance_matrix"), vectorises=EVENT_ARRAY),
    ("MultivariateNormal", "scale_tril"): StanFamily(
        "multi_normal_cholesky", ("loc", "scale_tril"), vectorises=EVENT_ARRAY),
    ("LKJCholesky", None): StanFamily("lkj_corr_cholesky", ("concentration",), vectorises=NONE),
}

IMPROPER = frozenset({"Flat", "HalfFlat"})


def family(dist: Distribution) -> Optional[StanFamily]:
    """The Stan family of ``dist`` (None for the improper Flat and HalfFlat)."""
    if dist.name in IMPROPER:
        return None
    spec = dist.spec
    choice = next((c for c in spec.choices if dist.param(c) is not None), None)
    found = FAMILIES.get((dist.name, choice))
    if found is None:
        raise PPLAdaptError(
            f"the stan backend has no translation for distribution {dist.name!r}; it "
            f"supports {', '.join(sorted({k[0] for k in FAMILIES} | IMPROPER))}."
        )
    return found


def is_standard_normal(dist: Distribution) -> bool:
    """Normal(0, 1) with constant parameters: ``std_normal_lpdf``."""
    if dist.name != "Normal":
        return False
    loc, scale = dist.param("loc"), dist.param("scale")
    return (getattr(loc, "value", None) == 0 and getattr(scale, "value", None) == 1
            and not isinstance(loc.value, bool) and not isinstance(scale.value, bool))
