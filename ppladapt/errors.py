"""The exception hierarchy: every error ppladapt raises on purpose is a `PPLAdaptError`."""

from __future__ import annotations

__all__ = [
    "PPLAdaptError",
    "ModelError",
    "DataError",
    "BackendNotInstalledError",
    "UnsupportedOptionError",
    "BackendError",
]


class PPLAdaptError(Exception):
    """Base class: something was wrong with what was asked; the message says what to do."""


class ModelError(PPLAdaptError, ValueError):
    """The model is not well formed: names, shapes, distributions or parameters."""


class DataError(ModelError):
    """Data or observations are unusable: NaN/inf, out of support, wrong shape, bad index."""


class BackendNotInstalledError(PPLAdaptError, ImportError):
    """The backend (or its library) is not installed; the message gives the install command."""


class UnsupportedOptionError(PPLAdaptError, ValueError):
    """An option value that ppladapt or this backend cannot honour."""


class BackendError(PPLAdaptError, RuntimeError):
    """The backend library failed on a well-formed model (compile or run error)."""
