"""The intermediate representation: expressions, distributions, sites and models."""

from ppladapt.ir.distributions import REGISTRY, Distribution, DistSpec
from ppladapt.ir.model import DataEntry, Deterministic, Factor, Likelihood, Model, Plate, Prior

__all__ = [
    "REGISTRY", "Distribution", "DistSpec", "DataEntry", "Deterministic", "Factor",
    "Likelihood", "Model", "Plate", "Prior",
]
