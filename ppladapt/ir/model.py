"""The `Model`: data, plates and an ordered list of sites. Plain, immutable, validated data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from ppladapt.errors import ModelError
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.expr import BOOL, INT, REAL, Expr, broadcast_shapes, recursion_headroom

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Plate:
    """An independence dimension: ``size`` copies, optionally labelled by ``coords``."""

    name: str
    size: int
    coords: Optional[tuple] = None


@dataclass(frozen=True, eq=False)
class DataEntry:
    """Named data: a read-only array (real or integer), with optional dim names."""

    name: str
    value: np.ndarray
    dims: Optional[tuple[str, ...]] = None

    def __post_init__(self):
        value = np.array(self.value, copy=True)
        value.setflags(write=False)
        object.__setattr__(self, "value", value)

    @property
    def dtype(self) -> str:
        return INT if np.issubdtype(self.value.dtype, np.integer) else REAL

    @property
    def shape(self) -> Shape:
        return tuple(self.value.shape)

    def __eq__(self, other):
        return (
            isinstance(other, DataEntry)
            and (self.name, self.dims) == (other.name, other.dims)
            and self.value.dtype == other.value.dtype
            and np.array_equal(self.value, other.value)
        )

    __hash__ = None


@dataclass(frozen=True)
class Prior:
    """A latent random variable."""

    name: str
    dist: Distribution
    plates: tuple[str, ...] = ()
    kind = "prior"

    def operands(self) -> tuple[Expr, ...]:
        """The expressions the site computes with (its distribution's parameters)."""
        return self.dist.operands()


@dataclass(frozen=True)
class Deterministic:
    """A named function of earlier sites, reported with the posterior."""

    name: str
    expr: Expr
    plates: tuple[str, ...] = ()
    kind = "deterministic"

    def operands(self) -> tuple[Expr, ...]:
        """The expressions the site computes with (its value)."""
        return (self.expr,)


@dataclass(frozen=True)
class Likelihood:
    """An observed random variable; ``observed`` names its data (None: predictive only)."""

    name: str
    dist: Distribution
    plates: tuple[str, ...] = ()
    observed: Optional[str] = None
    kind = "likelihood"

    def operands(self) -> tuple[Expr, ...]:
        """The expressions the site computes with (its distribution's parameters)."""
        return self.dist.operands()


@dataclass(frozen=True)
class Factor:
    """A term added to the model's log density (``numpyro.factor``, ``pm.Potential``,
    Stan's ``target +=``): the sum of ``expr``'s elements, broadcast to the sizes of its
    plates first. It has no value of its own: nothing can refer to it, and it appears in
    no output group."""

    name: str
    expr: Expr
    plates: tuple[str, ...] = ()
    kind = "factor"

    def operands(self) -> tuple[Expr, ...]:
        """The expressions the site computes with (its log weight)."""
        return (self.expr,)


Site = Union[Prior, Deterministic, Likelihood, Factor]


def deterministic_frame(expr: Expr, plates: tuple[str, ...], sizes: Shape) -> tuple[str, ...]:
    """Plate frame of a deterministic's value: its expression's frame, or the plates it is
    declared in when the expression carries none but its leading axes have their sizes."""
    if expr.plates or not plates:
        return expr.plates
    return plates if expr.shape[: len(sizes)] == sizes else ()


def random_value_shape(dist: Distribution, plate_sizes: Shape, where: str) -> Shape:
    """Shape of a random site's value: plate sizes (or the batch shape outside plates)
    followed by the event shape."""
    batch = dist.batch_shape
    if plate_sizes:
        try:
            fits = len(batch) <= len(plate_sizes) and broadcast_shapes(batch, plate_sizes) == plate_sizes
        except ModelError:
            fits = False
        if not fits:
            raise ModelError(
                f"{where}: the distribution's batch shape {batch} does not fit the plate "
                f"sizes {plate_sizes}; parameters inside plates must have the plates' shape "
                f"(or broadcast to it)."
            )
        batch = plate_sizes
    return batch + dist.event_shape


def factor_value_shape(shape: Shape, plate_sizes: Shape) -> Shape:
    """Shape a factor's log weight is summed over: inside plates it is broadcast to the
    plate sizes (as a random site's batch shape is), so a term that does not vary along a
    plate counts once per element of it; outside plates, its own shape."""
    if not plate_sizes:
        return shape
    try:
        fits = (len(shape) <= len(plate_sizes)
                and broadcast_shapes(shape, plate_sizes) == plate_sizes)
    except ModelError:
        fits = False
    if not fits:
        raise ModelError(
            f"the log weight has shape {shape}, which does not fit the plate sizes "
            f"{plate_sizes}; inside plates a factor takes one value per plate element (or "
            f"one that broadcasts to them): sum the other axes, e.g. pa.math.sum(x, axis=-1)."
        )
    return plate_sizes


@dataclass(frozen=True, eq=False)
class Model:
    """A model in the IR. Built by `@pa.model` (or `Model.from_json`); validated on creation."""

    name: str
    data: tuple[DataEntry, ...] = ()
    plates: tuple[Plate, ...] = ()
    sites: tuple[Site, ...] = ()
    shapes: dict = field(init=False, repr=False, compare=False)
    _index: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        from ppladapt.ir.validate import validate

        object.__setattr__(self, "shapes", validate(self))
        index = {("data", d.name): d for d in self.data}
        index.update({("site", s.name): s for s in self.sites})
        object.__setattr__(self, "_index", index)

    def __reduce__(self):
        return (Model, (self.name, self.data, self.plates, self.sites))

    # ---- lookup --------------------------------------------------------------------------
    def site(self, name: str) -> Site:
        """The site called ``name`` (KeyError if none)."""
        return self._index[("site", name)]

    def data_entry(self, name: str) -> DataEntry:
        """The data called ``name`` (KeyError if none)."""
        return self._index[("data", name)]

    @property
    def data_dict(self) -> dict[str, np.ndarray]:
        return {d.name: d.value for d in self.data}

    @property
    def plate_dict(self) -> dict[str, Plate]:
        return {p.name: p for p in self.plates}

    def sites_of(self, kind: str) -> tuple[Site, ...]:
        return tuple(s for s in self.sites if s.kind == kind)

    @property
    def priors(self) -> tuple[Prior, ...]:
        return self.sites_of("prior")

    @property
    def deterministics(self) -> tuple[Deterministic, ...]:
        return self.sites_of("deterministic")

    @property
    def likelihoods(self) -> tuple[Likelihood, ...]:
        return self.sites_of("likelihood")

    @property
    def factors(self) -> tuple[Factor, ...]:
        return self.sites_of("factor")

    @property
    def posterior_sites(self) -> tuple[Union[Prior, Deterministic], ...]:
        """Priors and deterministics in model order: the variables of a posterior (or
        prior) draw."""
        return tuple(s for s in self.sites if s.kind in ("prior", "deterministic"))

    @property
    def random_sites(self) -> tuple[Union[Prior, Likelihood], ...]:
        """Priors and likelihoods in model order: the sites with a distribution."""
        return tuple(s for s in self.sites if s.kind in ("prior", "likelihood"))

    def shape_of(self, name: str) -> Shape:
        """Static value shape of a site."""
        return self.shapes[name]

    def frame_of(self, name: str) -> tuple[str, ...]:
        """The plates a site's leading value axes run along."""
        site = self.site(name)
        if site.kind != "deterministic":
            return site.plates
        sizes = tuple(self.plate_dict[p].size for p in site.plates)
        return deterministic_frame(site.expr, site.plates, sizes)

    def dtype_of(self, name: str) -> str:
        site = self.site(name)
        if site.kind == "deterministic":
            return INT if site.expr.dtype == BOOL else site.expr.dtype
        if site.kind == "factor":
            return REAL
        return INT if site.dist.spec.discrete else REAL

    def observed_names(self) -> set[str]:
        return {s.observed for s in self.likelihoods if s.observed is not None}

    # ---- equality, text, JSON --------------------------------------------------------------
    def __eq__(self, other):
        if not isinstance(other, Model):
            return NotImplemented
        with recursion_headroom():
            return (self.name, self.data, self.plates, self.sites) == (
                other.name, other.data, other.plates, other.sites)

    __hash__ = None

    def __repr__(self) -> str:
        return (
            f"<ppladapt.Model {self.name!r}: {len(self.priors)} priors, "
            f"{len(self.deterministics)} deterministics, {len(self.likelihoods)} likelihoods, "
            + (f"{len(self.factors)} factors, " if self.factors else "")
            + f"{len(self.plates)} plates, {len(self.data)} data>"
        )

    def summary(self) -> str:
        """A readable listing of data, plates and sites with their shapes."""
        from ppladapt.ir.summary import summarise

        return summarise(self)

    def to_json(self, indent: Optional[int] = None) -> str:
        """Serialise the whole model, data included; `Model.from_json` inverts it exactly."""
        from ppladapt.ir.serialize import model_to_json

        return model_to_json(self, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> "Model":
        """Rebuild (and re-validate) a model written by `to_json`."""
        from ppladapt.ir.serialize import model_from_json

        return model_from_json(text)
