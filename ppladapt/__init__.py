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
from ppladapt.compare import compare
from ppladapt.frontend.primitives import (
    data,
    deterministic,
    factor,
    likelihood,
    model,
    plate,
    prior,
)
from ppladapt.inference import (
    log_density,
    posterior_predictive,
    prior_predictive,
    sample,
    to_code,
)
from ppladapt.ir.model import Model
from ppladapt.plugins.registry import backends

__all__ = [
    "__version__", "dist", "math", "model", "prior", "deterministic", "likelihood",
    "factor", "plate", "data", "Model", "sample", "prior_predictive", "posterior_predictive",
    "log_density", "to_code", "backends", "compare", "PPLAdaptError", "ModelError", "DataError",
    "BackendNotInstalledError", "UnsupportedOptionError", "BackendError",
]
