"""Pyro backend (skeleton)."""

from ppladapt.backend import Backend


class PyroBackend(Backend):
    name = "pyro"
    library = "pyro-ppl"
    modules = ("pyro", "torch")
    install_command = "pip install 'ppladapt[pyro]'"
