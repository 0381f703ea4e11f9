"""The vocabulary of the Stan printer: printed values, index entries, precedence.

A printed value is Stan source text with its operator precedence and its Stan type
(`Printed`). Printing works at an index: one entry per axis of the node, ``None`` to
keep the axis, a string (a 1-based Stan index such as ``"i"``) to pick one element, or a
`Sel` (a range ``2:4`` or a 1-based integer array) to keep a selection of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ppladapt_stan.stantypes import StanType

# Stan operator precedence (higher binds tighter), from the Stan reference manual.
PREC = {
    "ternary": 1, "or": 2, "and": 3, "equality": 4, "compare": 5, "add": 6, "mul": 7,
    "elt": 9, "unary": 10, "pow": 11, "transpose": 12, "postfix": 13, "atom": 100,
}

class NotVectorizable(Exception):
    """Internal: this node has no vectorised Stan form at the requested index; the
    caller loops over more axes (or computes it into a local variable)."""


@dataclass(frozen=True)
class Sel:
    """An index entry that keeps a selection of an axis: ``2:4`` or a 1-based int array."""

    text: str


Entry = Union[None, str, Sel]
Idx = tuple[Entry, ...]


@dataclass(frozen=True)
class Printed:
    """Stan source of a value, its precedence and its Stan type."""

    text: str
    prec: int
    type: StanType

    @property
    def shape(self) -> tuple[int, ...]:
        return self.type.shape


def kept(idx: Idx) -> list[int]:
    """Positions of the axes an index keeps."""
    return [k for k, e in enumerate(idx) if e is None or isinstance(e, Sel)]


def real_literal(value: float) -> str:
    """A float as a Stan real literal (always with a point or an exponent)."""
    text = repr(float(value))
    return text if any(c in text for c in ".e") else f"{text}.0"


def lit(text: str) -> Printed:
    atomic = text.isidentifier() or text.isdigit()
    return Printed(text, PREC["atom"] if atomic else PREC["add"], StanType("int"))


def count(shape: tuple[int, ...]) -> int:
    total = 1
    for s in shape:
        total *= s
    return total
