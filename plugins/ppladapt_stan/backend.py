"""Stan backend (skeleton)."""

from ppladapt.backend import Backend


class StanBackend(Backend):
    name = "stan"
    library = "pystan"
    modules = ("stan",)
    install_command = "pip install 'ppladapt[stan]'"
