"""Hook specifications: the contract between ppladapt and backend plugins.

A plugin is a module registered under the ``ppladapt`` entry-point group (built-in
backends use the same group) that implements these hooks with `hookimpl`.
"""

from __future__ import annotations

import pluggy

PROJECT = "ppladapt"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ppladapt_register_backend():
    """Return a `ppladapt.backend.Backend` instance.

    Called once when backends are first needed. Importing the plugin module and calling
    this hook must not import the backend's library (that happens when it runs).
    """
