"""The tracing state behind `@pa.model`: data, plates and sites recorded as the model
function runs, checked as they arrive."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Optional

import numpy as np

from ppladapt.errors import DataError, ModelError
from ppladapt.ir import expr as E
from ppladapt.ir.model import DataEntry, Model, Plate
from ppladapt.ir.validate import SiteChecker, at_site, check_name

_CURRENT: ContextVar[Optional["Trace"]] = ContextVar("ppladapt_trace", default=None)


class Trace:
    """What one call of a model function has declared so far."""

    def __init__(self, name: str):
        self.name = name
        self.data: dict[str, DataEntry] = {}
        self.plates: dict[str, Plate] = {}
        self.plate_stack: list[str] = []
        self.sites: list = []
        self.checker = SiteChecker(self.data, {})
        self._anonymous = 0

    # ---- names ---------------------------------------------------------------------------
    def _claim(self, name: str, kind: str) -> None:
        check_name(name, kind)
        for taken, what in ((self.data, "data"), (self.plates, "plate"), (self.checker.shapes, "site")):
            if name in taken:
                raise ModelError(
                    f"the name '{name}' is already used by a {what}; give each data array, "
                    f"plate and site its own name."
                )

    # ---- data ----------------------------------------------------------------------------
    def add_data(self, name: str, value, dims=None) -> E.DataRef:
        with at_site(name, "data"):
            self._claim(name, "data")
            array = as_data_array(value, name)
            if dims is not None:
                dims = tuple(dims)
                if len(dims) != array.ndim:
                    raise DataError(f"{len(dims)} dims given for a {array.ndim}-d array.")
            entry = DataEntry(name, array, dims)
            if entry.dtype == E.REAL and not np.all(np.isfinite(entry.value)):
                bad = "NaN" if np.isnan(entry.value).any() else "inf"
                raise DataError(f"contains {bad}; remove or impute those values before building the model.")
            self.data[name] = entry
            self.checker.env[name] = entry.value
        return E.DataRef(name, entry.shape, entry.dtype)

    def add_anonymous_data(self, value) -> E.DataRef:
        """Register an array literal used inside the model as data."""
        while f"array_{self._anonymous}" in self.data:
            self._anonymous += 1
        return self.add_data(f"array_{self._anonymous}", value)

    # ---- plates --------------------------------------------------------------------------
    def enter_plate(self, name: str, size, coords) -> Plate:
        with at_site(name, "plate"):
            if isinstance(size, (bool, np.bool_)) or not isinstance(size, (int, np.integer)):
                raise ModelError(f"size must be a Python int, got {size!r}.")
            if coords is not None:
                coords = tuple(np.asarray(coords).tolist())
            plate = Plate(name, int(size), coords)
            if name in self.plate_stack:
                raise ModelError("this plate is already open; a plate cannot be nested in itself.")
            known = self.plates.get(name)
            if known is None:
                self._claim(name, "plate")
                if plate.size < 1:
                    raise ModelError(f"size must be positive, got {plate.size}.")
                if coords is not None and len(coords) != plate.size:
                    raise ModelError(f"{len(coords)} coords for a plate of size {plate.size}.")
                self.plates[name] = plate
                self.checker.plate_sizes[name] = plate.size
            elif known.size != plate.size or (coords is not None and coords != known.coords):
                raise ModelError(f"re-entered with size {plate.size}, but it was declared with size {known.size}.")
        self.plate_stack.append(name)
        return self.plates[name]

    def exit_plate(self) -> None:
        self.plate_stack.pop()

    @property
    def frame(self) -> tuple[str, ...]:
        return tuple(self.plate_stack)

    # ---- sites ---------------------------------------------------------------------------
    def add_site(self, site) -> tuple[int, ...]:
        with at_site(site.name, site.kind):
            if site.name in self.data and not (site.kind == "likelihood" and site.observed == site.name):
                raise ModelError(f"the name '{site.name}' is already used by data.")
            if site.name in self.plates:
                raise ModelError(f"the name '{site.name}' is already used by a plate.")
        shape = self.checker.add(site)
        self.sites.append(site)
        return shape

    def build(self) -> Model:
        return Model(
            name=self.name,
            data=tuple(self.data.values()),
            plates=tuple(self.plates.values()),
            sites=tuple(self.sites),
        )


def as_data_array(value, name: str) -> np.ndarray:
    """A NumPy array of reals or integers from array-like input (booleans become 0/1)."""
    array = np.asarray(value)
    if array.dtype == bool:
        return array.astype(np.int64)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "f":
        return array.astype(np.float64)
    raise DataError(f"data '{name}' must be numeric, got dtype {array.dtype}.")


def current_trace(caller: str) -> Trace:
    """The trace being recorded; a clear error outside `@pa.model`."""
    trace = _CURRENT.get()
    if trace is None:
        raise ModelError(f"{caller} can only be used inside a function decorated with @pa.model.")
    return trace


def current_frame() -> tuple[str, ...]:
    """The open plates, outermost first (empty outside a trace)."""
    trace = _CURRENT.get()
    return trace.frame if trace is not None else ()


def start(trace: Trace):
    return _CURRENT.set(trace)


def stop(token) -> None:
    _CURRENT.reset(token)
