"""The lazily created plugin manager and the backend lookup built on it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Optional

from ppladapt.backend import Backend
from ppladapt.errors import BackendNotInstalledError, PPLAdaptError, UnsupportedOptionError


@cache
def plugin_manager():
    """The pluggy manager with every plugin of the ``ppladapt`` entry-point group loaded."""
    import pluggy

    from ppladapt.plugins import hookspecs

    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.load_setuptools_entrypoints(hookspecs.PROJECT)
    manager.check_pending()
    return manager


def registered_backends() -> dict[str, Backend]:
    """Every registered backend by name, installed or not."""
    found: dict[str, Backend] = {}
    for backend in plugin_manager().hook.ppladapt_register_backend():
        if not isinstance(backend, Backend):
            raise PPLAdaptError(f"a ppladapt plugin registered {backend!r}, which is not a Backend.")
        found.setdefault(backend.name, backend)
    return dict(sorted(found.items()))


def get_backend(name: str, require_installed: bool = True) -> Backend:
    """The backend called ``name``; clear errors when unknown or (if required) not installed."""
    backends = registered_backends()
    backend = backends.get(name)
    if backend is None:
        raise UnsupportedOptionError(
            f"unknown backend {name!r}; registered backends: {', '.join(backends) or 'none'}."
        )
    missing = backend.missing_modules() if require_installed else []
    if missing:
        raise BackendNotInstalledError(
            f"backend '{name}' is not installed (missing: {', '.join(missing)}); install it "
            f"with: {backend.install_command}"
        )
    return backend


@dataclass(frozen=True)
class BackendInfo:
    """One row of `pa.backends()`."""

    name: str
    version: Optional[str]
    methods: tuple[str, ...]
    usable: bool
    install_command: Optional[str]

    def __str__(self) -> str:
        state = "usable" if self.usable else f"not installed: {self.install_command}"
        return f"{self.name:<8} {self.version or '-':<10} {','.join(self.methods):<9} {state}"


def backends() -> list[BackendInfo]:
    """Registered backends: name, library version, methods, usable or not and, if not,
    the command that installs it."""
    rows = []
    for name, backend in registered_backends().items():
        usable = backend.is_available()
        rows.append(BackendInfo(name, backend.version(), tuple(backend.methods), usable,
                                None if usable else backend.install_command))
    return rows
