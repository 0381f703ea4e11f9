"""Printing `einsum` contractions as Stan matrix products.

A contraction of two operands over one letter, where each operand keeps at most one
other letter of the output, is a matrix product: ``"tl,l->t"`` is ``x * w``,
``"cl,tl->tc"`` is ``x * w'`` with the operands swapped, and so on (the caller picks
indices for every other letter, as for ``@``). An output letter shared by both operands
is a batch: with the batch axis outermost the caller loops over it (``"ctl,cl->ct"`` is
``spend[c] * w[c]'`` for each ``c``); otherwise the contraction is computed with the
batch outermost into a local variable and transposed back. Anything else prints as its
broadcast products and sum (`Einsum.as_product_sum`).
"""

from __future__ import annotations

from typing import Optional

from ppladapt.ir import expr as E
from ppladapt_stan.printed import Idx, NotVectorizable, Printed
from ppladapt_stan.stantypes import StanType


class Contractions:
    """Mixin of `StanPrinter`: ``_el_Einsum``."""

    def _el_Einsum(self, node: E.Einsum, idx: Idx) -> Printed:
        entries = dict(zip(node.output, idx))
        kept_letters = [c for c in node.output if entries[c] is None]
        if len(node.args) == 2:
            a, b = node.inputs
            batch = [c for c in kept_letters if c in a and c in b]
            if batch:
                return self._batched(node, entries, kept_letters, batch)
            product = self._matrix_product(node, entries, kept_letters)
            if product is not None:
                return product
        return self._value(node.as_product_sum(), idx)

    def _batched(self, node: E.Einsum, entries: dict, kept_letters: list[str],
                 batch: list[str]) -> Printed:
        """A kept batch letter: loop over it (raise `NotVectorizable`) when it comes first,
        else compute the contraction batch-first and transpose the matrix back."""
        if kept_letters[0] in batch or len(kept_letters) != 2 or self.scope is None:
            raise NotVectorizable
        order = "".join(batch) + "".join(c for c in node.output if c not in batch)
        inputs = ",".join(node.inputs)
        batch_first = E.Einsum(f"{inputs}->{order}", node.args)
        value = self.container(batch_first, tuple(entries[c] for c in order))
        if value.type.base != "matrix" or value.type.dims:
            raise NotVectorizable
        return self.transposed(value, StanType("matrix", (), value.shape[::-1]))

    def _matrix_product(self, node: E.Einsum, entries: dict,
                        kept_letters: list[str]) -> Optional[Printed]:
        """The contraction as ``left * right`` (or ``dot_product``), None if it is not one."""
        if len(node.summed) != 1:
            return None
        summed = node.summed[0]
        free = [[c for c in spec if c != summed and entries.get(c) is None] for spec in node.inputs]
        if any(summed not in spec or len(rest) > 1 for spec, rest in zip(node.inputs, free)):
            return None
        order = [0, 1]
        if free[0] and free[1] and kept_letters.index(free[0][0]) > kept_letters.index(free[1][0]):
            order = [1, 0]
        elif free[1] and not free[0]:
            order = [1, 0]  # the operand keeping a letter goes left: ``x * w``
        (left, left_spec, left_free), (right, right_spec, right_free) = (
            (node.args[k], node.inputs[k], free[k]) for k in order)
        lhs = self._factor(left, left_spec, entries, summed, first=bool(left_free))
        rhs = self._factor(right, right_spec, entries, summed, first=False)
        if lhs.type.ndim == 1 and rhs.type.ndim == 1:
            return self.call("dot_product", [lhs, rhs], StanType("real"))
        if lhs.type.ndim == 1:
            lhs = self.as_row_vector(lhs)
        if rhs.type.ndim == 1:
            rhs = self.as_vector(rhs)
        shape = tuple(lhs.shape[:-1]) + tuple(rhs.shape[1:])
        if lhs.type.base == "row_vector":
            out = StanType("row_vector", (), shape) if shape else StanType("real")
        else:
            out = StanType("matrix" if len(shape) == 2 else "vector", (), shape)
        return self.infix(lhs, "*", rhs, "mul", out)

    def _factor(self, operand: E.Expr, spec: str, entries: dict, summed: str,
                first: bool) -> Printed:
        """One operand with its other letters indexed: a vector over ``summed``, or a
        matrix with ``summed`` as its columns (``first``: the left factor) or rows."""
        value = self.as_real(self.container(operand, tuple(
            None if c == summed or entries.get(c) is None else entries[c] for c in spec)))
        if value.type.dims or value.type.ndim > 2:
            raise NotVectorizable
        if value.type.ndim < 2:
            return value
        rows_are_summed = [c for c in spec if c == summed or entries.get(c) is None][0] == summed
        if rows_are_summed == first:  # the matrix holds the summed letter on the wrong axis
            return self.transposed(value, StanType("matrix", (), value.shape[::-1]))
        return value
