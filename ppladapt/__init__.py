"""ppladapt: write a Bayesian model once, run it on NumPyro, PyMC, Pyro or Stan.

Importing ppladapt imports no backend library; backends load when first used.
"""

from ppladapt import dist, math
from ppladapt._version import __version__
from ppladapt.errors import (
    BackendError,
    BackendNotInstalledError,
    DataError,
    ModelError,
    PPLAdaptError,
    UnsupportedOptionError,
)
from ppladapt.frontend.primitives import data, deterministic, likelihood, model, plate, prior
from ppladapt.ir.model import Model

__all__ = [
    "__version__", "dist", "math", "model", "prior", "deterministic", "likelihood",
    "plate", "data", "Model", "PPLAdaptError", "ModelError", "DataError",
    "BackendNotInstalledError", "UnsupportedOptionError", "BackendError",
]
