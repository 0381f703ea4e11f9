"""PyMC backend (skeleton)."""

from ppladapt.backend import Backend


class PyMCBackend(Backend):
    name = "pymc"
    library = "pymc"
    modules = ("pymc", "pytensor")
    install_command = "pip install 'ppladapt[pymc]'"
