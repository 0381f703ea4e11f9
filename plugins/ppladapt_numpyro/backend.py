"""NumPyro backend (skeleton: filled in by the NumPyro backend work)."""

from ppladapt.backend import Backend


class NumPyroBackend(Backend):
    name = "numpyro"
    library = "numpyro"
    modules = ("numpyro", "jax")
    install_command = "pip install 'ppladapt[numpyro]'"
