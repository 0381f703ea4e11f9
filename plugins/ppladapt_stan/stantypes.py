"""Stan's value types, as the printer and emitter need them.

A `StanType` is a base type (``int``, ``real``, ``vector``, ``row_vector``, ``matrix``)
inside zero or more array dimensions. An IR value of shape ``S`` has a *canonical* Stan
type: integers are ``int`` arrays of shape ``S``; reals are ``real`` (0-d), ``vector``
(1-d), ``matrix`` (2-d) and arrays of matrices beyond that. Sites and data are declared
with their canonical type, except where a distribution needs another (``array[N]
simplex[K]`` for a plate of Dirichlet draws, ``array[N] vector[K]`` for observed
multivariate data), so the printer always knows the type of what it prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ppladapt.ir import expr as E

Shape = tuple[int, ...]
SCALARS = ("int", "real")
ONE_D = ("vector", "row_vector")


@dataclass(frozen=True)
class StanType:
    """A Stan type: ``base`` inside arrays of sizes ``dims``; ``base_shape`` is the
    vector length or matrix (rows, cols)."""

    base: str
    dims: Shape = ()
    base_shape: Shape = ()

    @property
    def shape(self) -> Shape:
        return self.dims + self.base_shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_scalar(self) -> bool:
        return self.base in SCALARS and not self.dims

    @property
    def is_int(self) -> bool:
        return self.base == "int"

    def indexed(self, keep: tuple[bool, ...]) -> "StanType":
        """The type after indexing: ``keep[k]`` says whether axis ``k`` stays (a range
        or multi-index) or goes (a single index)."""
        ndims = len(self.dims)
        dims = tuple(d for d, k in zip(self.dims, keep[:ndims]) if k)
        base_keep = keep[ndims:]
        shape = tuple(s for s, k in zip(self.base_shape, base_keep) if k)
        if self.base in SCALARS:
            return StanType(self.base, dims)
        if self.base in ONE_D:
            base = self.base if base_keep[0] else "real"
        elif base_keep == (True, True):
            base = "matrix"
        elif base_keep == (True, False):
            base = "vector"
        elif base_keep == (False, True):
            base = "row_vector"
        else:
            base = "real"
        return StanType(base, dims, shape)


def canonical(shape: Shape, dtype: str) -> StanType:
    """The Stan type a value of this IR shape and dtype is declared and printed as."""
    shape = tuple(shape)
    if dtype != E.REAL:
        return StanType("int", shape)
    if not shape:
        return StanType("real")
    if len(shape) == 1:
        return StanType("vector", (), shape)
    return StanType("matrix", shape[:-2], shape[-2:])


def real_array(shape: Shape) -> StanType:
    return StanType("real", tuple(shape))


def vectors(shape: Shape) -> StanType:
    """``array[...] vector[K]`` for a value of shape (..., K)."""
    return StanType("vector", tuple(shape[:-1]), tuple(shape[-1:]))


def declaration(
    t: StanType,
    name: str,
    sizes: Sequence[str],
    bounds: str = "",
    base_text: Optional[str] = None,
) -> str:
    """``vector<lower=0>[N] name`` and the like (no trailing semicolon); ``sizes`` holds
    the Stan text of each axis's length. ``base_text`` replaces the base type for
    constrained kinds such as ``simplex[K]``."""
    dims, base = list(sizes[: len(t.dims)]), list(sizes[len(t.dims):])
    array = f"array[{', '.join(dims)}] " if dims else ""
    if base_text is not None:
        return f"{array}{base_text} {name}"
    lengths = f"[{', '.join(base)}]" if base else ""
    return f"{array}{t.base}{bounds}{lengths} {name}"
