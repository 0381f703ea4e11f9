"""Distributions for `pa.prior` and `pa.likelihood`, named and parameterised as in NumPyro.

A call such as ``dist.Normal(mu, tau)`` records its arguments; the site that receives it
checks them (so errors name the site) and binds them into the IR. Defaults follow NumPyro.
"""

from __future__ import annotations

from typing import Any, ClassVar, Optional, Sequence

from ppladapt.errors import ModelError
from ppladapt.ir.distributions import Distribution, get_spec

__all__ = [
    "DistributionCall", "Normal", "HalfNormal", "HalfCauchy", "Cauchy", "StudentT",
    "HalfStudentT", "Exponential", "Gamma", "InverseGamma", "LogNormal", "Beta", "Uniform",
    "Laplace", "Bernoulli", "Binomial", "Poisson", "NegativeBinomial2", "Categorical",
    "Dirichlet", "MultivariateNormal", "LKJCholesky", "Flat", "HalfFlat",
]


class DistributionCall:
    """A distribution family applied to arguments, not yet bound to a site."""

    family: ClassVar[str] = ""
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any):
        self.args = args
        self.kwargs = kwargs
        self.expand_shape: Optional[tuple[int, ...]] = None

    def expand(self, batch_shape: Sequence[int]) -> "DistributionCall":
        """The same distribution with batch shape ``batch_shape`` (as NumPyro's ``expand``)."""
        out = type(self)(*self.args, **self.kwargs)
        out.expand_shape = tuple(int(s) for s in batch_shape)
        return out

    def bound_arguments(self) -> dict[str, Any]:
        """Arguments by parameter name, defaults filled in; unknown names are errors."""
        spec = get_spec(self.family)
        names = spec.param_names
        if len(self.args) > len(names):
            raise ModelError(
                f"{self.family} takes at most {len(names)} positional arguments "
                f"({', '.join(names)}), got {len(self.args)}."
            )
        bound = dict(zip(names, self.args))
        for key, value in self.kwargs.items():
            if key not in names:
                raise ModelError(
                    f"{self.family} has no parameter {key!r}; its parameters are: "
                    f"{', '.join(names) or 'none'}."
                )
            if key in bound:
                raise ModelError(f"{self.family} got two values for parameter {key!r}.")
            bound[key] = value
        for key, value in self.defaults.items():
            chosen = any(bound.get(c) is not None for c in spec.choices)
            if key not in bound and not (key in spec.choices and chosen):
                bound[key] = value
        return {k: v for k, v in bound.items() if v is not None}

    def build(self) -> Distribution:
        """The IR node, its parameters aligned by plate to the open plates."""
        from ppladapt.frontend import ops

        arguments = self.bound_arguments()
        nodes = ops.aligned(*arguments.values())
        return Distribution(self.family, tuple(zip(arguments, nodes)), self.expand_shape)

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        text = f"{self.family}({', '.join(parts)})"
        return text if self.expand_shape is None else f"{text}.expand({list(self.expand_shape)})"


class Normal(DistributionCall):
    """Normal(loc=0.0, scale=1.0)."""
    family, defaults = "Normal", {"loc": 0.0, "scale": 1.0}


class HalfNormal(DistributionCall):
    """HalfNormal(scale=1.0): |Normal(0, scale)|."""
    family, defaults = "HalfNormal", {"scale": 1.0}


class HalfCauchy(DistributionCall):
    """HalfCauchy(scale=1.0)."""
    family, defaults = "HalfCauchy", {"scale": 1.0}


class Cauchy(DistributionCall):
    """Cauchy(loc=0.0, scale=1.0)."""
    family, defaults = "Cauchy", {"loc": 0.0, "scale": 1.0}


class StudentT(DistributionCall):
    """StudentT(df, loc=0.0, scale=1.0)."""
    family, defaults = "StudentT", {"loc": 0.0, "scale": 1.0}


class HalfStudentT(DistributionCall):
    """HalfStudentT(df, scale=1.0): |StudentT(df, 0, scale)|."""
    family, defaults = "HalfStudentT", {"scale": 1.0}


class Exponential(DistributionCall):
    """Exponential(rate=1.0); mean 1/rate."""
    family, defaults = "Exponential", {"rate": 1.0}


class Gamma(DistributionCall):
    """Gamma(concentration, rate=1.0); mean concentration/rate."""
    family, defaults = "Gamma", {"rate": 1.0}


class InverseGamma(DistributionCall):
    """InverseGamma(concentration, rate=1.0); rate is the scale of the inverse."""
    family, defaults = "InverseGamma", {"rate": 1.0}


class LogNormal(DistributionCall):
    """LogNormal(loc=0.0, scale=1.0): exp of Normal(loc, scale)."""
    family, defaults = "LogNormal", {"loc": 0.0, "scale": 1.0}


class Beta(DistributionCall):
    """Beta(concentration1, concentration0): alpha, beta."""
    family = "Beta"


class Uniform(DistributionCall):
    """Uniform(low=0.0, high=1.0)."""
    family, defaults = "Uniform", {"low": 0.0, "high": 1.0}


class Laplace(DistributionCall):
    """Laplace(loc=0.0, scale=1.0)."""
    family, defaults = "Laplace", {"loc": 0.0, "scale": 1.0}


class Bernoulli(DistributionCall):
    """Bernoulli(probs= | logits=)."""
    family = "Bernoulli"


class Binomial(DistributionCall):
    """Binomial(total_count=1, probs= | logits=)."""
    family, defaults = "Binomial", {"total_count": 1}


class Poisson(DistributionCall):
    """Poisson(rate)."""
    family = "Poisson"


class NegativeBinomial2(DistributionCall):
    """NegativeBinomial2(mean, concentration): variance mean + mean**2 / concentration."""
    family = "NegativeBinomial2"


class Categorical(DistributionCall):
    """Categorical(probs= | logits=): values 0..K-1."""
    family = "Categorical"


class Dirichlet(DistributionCall):
    """Dirichlet(concentration): a simplex of len(concentration)."""
    family = "Dirichlet"


class MultivariateNormal(DistributionCall):
    """MultivariateNormal(loc, covariance_matrix= | scale_tril=)."""
    family = "MultivariateNormal"


class LKJCholesky(DistributionCall):
    """LKJCholesky(dimension, concentration=1.0): Cholesky factor of a correlation matrix."""
    family, defaults = "LKJCholesky", {"concentration": 1.0}


class Flat(DistributionCall):
    """Flat(): the improper uniform prior on the real line (priors only)."""
    family = "Flat"


class HalfFlat(DistributionCall):
    """HalfFlat(): the improper uniform prior on the positive reals (priors only)."""
    family = "HalfFlat"
