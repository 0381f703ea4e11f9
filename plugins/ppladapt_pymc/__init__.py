"""The PyMC backend plugin (registered under the ``ppladapt`` entry-point group)."""

from ppladapt.plugins.hookspecs import hookimpl


@hookimpl
def ppladapt_register_backend():
    from ppladapt_pymc.backend import PyMCBackend

    return PyMCBackend()
