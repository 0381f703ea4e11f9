"""Building expressions from user values: constants, array literals, plate alignment,
operators and indexing."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ppladapt.errors import ModelError
from ppladapt.frontend import trace as tracing
from ppladapt.ir import expr as E


def as_expr(value: Any) -> E.Expr:
    """An expression for ``value``: expressions pass through, numbers become constants,
    arrays become (anonymous) data of the model being traced."""
    if isinstance(value, E.Expr):
        return value
    if isinstance(value, (bool, np.bool_)):
        return E.Const(bool(value))
    if isinstance(value, numbers.Integral):
        return E.Const(int(value))
    if isinstance(value, numbers.Real):
        return E.Const(float(value))
    if isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, "__array__"):
        array = np.asarray(value)
        if array.ndim == 0:
            return as_expr(array.item())
        return tracing.current_trace("an array inside a model expression").add_anonymous_data(array)
    raise ModelError(f"cannot use a {type(value).__name__} in a model expression.")


def align(node: E.Expr, frame: tuple[str, ...]) -> E.Expr:
    """Place ``node``'s plate axes at their positions in ``frame`` (size-1 axes for plates
    it does not vary over), so that broadcasting lines values up by plate."""
    source = node.plates
    if not source or not frame or source[0] not in frame:
        return node
    target = frame[frame.index(source[0]):]
    if target == source or not set(source) <= set(target):
        return node
    if [p for p in target if p in source] != list(source):
        return node
    return E.AlignPlates(node, target)


def aligned(*values: Any) -> list[E.Expr]:
    """Expressions for ``values``, aligned by plate to the open plates."""
    frame = tracing.current_frame()
    return [align(as_expr(v), frame) for v in values]


def binary(op: str, a: Any, b: Any) -> E.Expr:
    left, right = aligned(a, b)
    return E.Binary(op, left, right)


def where(cond: Any, a: Any, b: Any) -> E.Expr:
    return E.Where(*aligned(cond, a, b))


def matmul(a: Any, b: Any) -> E.Expr:
    return E.MatMul(as_expr(a), as_expr(b))


def _index_item(item: Any):
    if item is None:
        return E.NewAxis()
    if isinstance(item, slice):
        for bound in (item.start, item.stop, item.step):
            if bound is not None and not isinstance(bound, numbers.Integral):
                raise ModelError("slice bounds must be Python ints (static), not model expressions.")
        return E.Slice(*(None if v is None else int(v) for v in (item.start, item.stop, item.step)))
    if isinstance(item, (bool, np.bool_)):
        raise ModelError("boolean indices are not supported; use integer index arrays.")
    if isinstance(item, numbers.Integral):
        return int(item)
    node = as_expr(item)
    if node.dtype == E.BOOL:
        raise ModelError("boolean masks are not supported as indices; use integer index arrays.")
    return node


def index(x: E.Expr, key: Any) -> E.Expr:
    """``x[key]`` with NumPy semantics (ints, slices, None, ``...``, integer arrays)."""
    items = list(key) if isinstance(key, tuple) else [key]
    if sum(1 for it in items if it is Ellipsis) > 1:
        raise ModelError("an index can contain at most one '...'.")
    if any(it is Ellipsis for it in items):
        at = next(i for i, it in enumerate(items) if it is Ellipsis)
        consumed = sum(1 for it in items if it is not None and it is not Ellipsis)
        items[at : at + 1] = [slice(None)] * (x.ndim - consumed)
    return E.Index(x, tuple(_index_item(it) for it in items))
