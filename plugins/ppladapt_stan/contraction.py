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
        # the operand keeping an output letter goes left (the earlier letter, when both do)
        left, right = sorted((0, 1), key=lambda k: kept_letters.index(free[k][0]) if free[k]
                             else len(kept_letters))
        lhs = self._factor(node.args[left], node.inputs[left], entries, summed,
                           first=bool(free[left]))
        rhs = self._factor(node.args[right], node.inputs[right], entries, summed, first=False)
        return self.product(lhs, rhs)

    def _factor(self, operand: E.Expr, spec: str, entries: dict, summed: str,
                first: bool) -> Printed:
        """One operand with its other letters indexed: a vector over ``summed``, or a
        matrix with ``summed`` as its columns (``first``: the left factor) or rows."""
        kept = [c == summed or entries.get(c) is None for c in spec]
        value = self.as_real(self.container(operand, tuple(
            None if keep else entries[c] for c, keep in zip(spec, kept))))
        if value.type.dims or value.type.ndim > 2:
            raise NotVectorizable
        if value.type.ndim < 2:
            return value
        rows_are_summed = next(c for c, keep in zip(spec, kept) if keep) == summed
        if rows_are_summed == first:  # the matrix holds the summed letter on the wrong axis
            return self.transposed(value, StanType("matrix", (), value.shape[::-1]))
        return value
