"""Indexing and shape operations for `ppladapt_stan.printer.StanPrinter`.

NumPy indexing (ints, slices with steps, new axes, integer arrays), transposes,
concatenation and stacking, and plate alignment, each printed at an index (see
`ppladapt_stan.printed`): a single element picks an item or shifts an index, a kept
axis becomes a Stan range, a multi-index or an ``append_row``/``append_col``.
"""

from __future__ import annotations

from typing import Optional

from ppladapt.ir import expr as E
from ppladapt_stan.printed import PREC, Entry, Idx, NotVectorizable, Printed, Sel, kept
from ppladapt_stan.stantypes import StanType, canonical


class ShapeOps:
    """Mixed into `StanPrinter`: the ``_el_`` methods of the shape-changing nodes."""

    def _el_Index(self, node: E.Index, idx: Idx) -> Printed:
        x = node.x
        x_entries: list[Entry] = []
        out_axis = 0
        arrays = [it for it in node.items if isinstance(it, E.Expr)]
        array_shape = E.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
        block_start: Optional[int] = None
        for item in node.items:
            if isinstance(item, E.NewAxis):
                out_axis += 1  # a size-1 axis: kept or indexed, nothing to pass on
                if idx[out_axis - 1] is None:
                    raise NotVectorizable
                continue
            size = x.shape[len(x_entries)]
            if isinstance(item, int):
                symbolic = isinstance(x, (E.DataRef, E.SiteRef))
                x_entries.append(self.static_index(item, size, symbolic))
            elif isinstance(item, E.Slice):
                x_entries.append(self.slice_entry(item, size, idx[out_axis]))
                out_axis += 1
            else:
                if block_start is None:
                    block_start = out_axis
                    out_axis += len(array_shape)
                block = idx[block_start: block_start + len(array_shape)]
                x_entries.append(self.array_entry(item, array_shape, block))
        x_entries.extend(idx[out_axis:])
        return self.container(x, tuple(x_entries))

    def static_index(self, k: int, size: int, symbolic: bool) -> str:
        """A constant index, 1-based; from the end of a variable's axis, relative to its
        size variable (``v[N]`` for ``v[-1]``)."""
        if k >= 0:
            return str(k + 1)
        if not symbolic:
            return str(size + k + 1)
        back = -k - 1
        return self.size(size) if back == 0 else f"{self.size(size)} - {back}"

    def slice_entry(self, item: E.Slice, size: int, entry: Entry) -> Entry:
        start, stop, step = item.as_slice().indices(size)
        if isinstance(entry, str) and entry.isdigit():
            return str(start + (int(entry) - 1) * step + 1)
        if isinstance(entry, str):
            if step == 1:
                return entry if start == 0 else f"{entry} + {start}"
            if step == -1:
                return f"{start + 2} - {entry}"
            if step > 0:
                return f"{start + 1} + ({entry} - 1) * {step}"
            return f"{start + 1} - ({entry} - 1) * {-step}"
        if step != 1:
            raise NotVectorizable
        if start == 0 and stop >= size:
            return None
        low = "" if start == 0 else str(start + 1)
        high = "" if stop >= size else str(stop)
        return Sel(f"{low}:{high}")

    def array_entry(self, array: E.Expr, array_shape: tuple[int, ...], block: Idx) -> Entry:
        offset = len(array_shape) - array.ndim
        sub: list[Entry] = []
        for k, s in enumerate(array.shape):
            e = block[offset + k]
            sub.append("1" if s == 1 and array_shape[offset + k] != 1 else e)
        if all(isinstance(e, str) for e in sub):
            p = self._value(array, tuple(sub))
            if isinstance(array, E.DataRef) and array.name in self.index_data:
                return p.text
            return f"{self.paren(p, PREC['add'])} + 1"
        if (isinstance(array, E.DataRef) and array.name in self.index_data and array.ndim == 1
                and sub == [None] and len(array_shape) == 1):
            return Sel(self.name(array.name))
        raise NotVectorizable

    def _el_Transpose(self, node: E.Transpose, idx: Idx) -> Printed:
        x_idx: list[Entry] = [None] * node.x.ndim
        for k, axis in enumerate(node.axes):
            x_idx[axis] = idx[k]
        p = self._value(node.x, tuple(x_idx))
        order = [node.axes[k] for k in kept(idx)]
        if order == sorted(order):
            return p
        if p.type.base == "matrix" and not p.type.dims:
            t = StanType("matrix", (), p.shape[::-1])
            return Printed(f"{self.paren(p, PREC['transpose'])}'", PREC["transpose"], t)
        raise NotVectorizable

    def _el_Concat(self, node: E.Concat, idx: Idx) -> Printed:
        axis, entry = node.axis, idx[node.axis]
        if entry is not None:
            return self._pick(node, idx, entry)
        sub = idx[:axis] + idx[axis + 1:] if node.stack else idx
        parts = [self.container(item, sub) for item in node.items]
        keep = kept(idx)
        position, shape = keep.index(axis), tuple(node.shape[k] for k in keep)
        if len(keep) == 1 and node.stack:  # scalars into a vector (or an int array)
            texts = ", ".join(p.text for p in parts)
            if all(p.type.is_int for p in parts):
                return Printed("{" + texts + "}", PREC["atom"], StanType("int", shape))
            return Printed(f"[{texts}]'", PREC["transpose"], canonical(shape, E.REAL))
        if len(keep) == 1:
            return self._join("append_row", [self.as_vector(p) for p in parts], shape)
        if len(keep) == 2:
            if node.stack:
                convert = self.as_row_vector if position == 0 else self.as_vector
                parts = [convert(p) for p in parts]
            else:
                parts = [self.as_real(p) for p in parts]
            return self._join("append_row" if position == 0 else "append_col", parts, shape)
        raise NotVectorizable

    def _join(self, fn: str, parts: list[Printed], shape: tuple[int, ...]) -> Printed:
        """``fn(a, fn(b, c))``: Stan's appends take two arguments."""
        out = parts[-1]
        for p in reversed(parts[:-1]):
            out = self.call(fn, [p, out], canonical(shape, E.REAL))
        return out

    def _pick(self, node: E.Concat, idx: Idx, entry) -> Printed:
        """Element ``entry`` along the joined axis: the right item, by static position or
        by a chain of conditionals on the loop index."""
        axis, choices, start = node.axis, [], 0
        for item in node.items:
            length = 1 if node.stack else item.shape[axis]
            if node.stack:
                sub = idx[:axis] + idx[axis + 1:]
            else:
                local = entry if start == 0 else f"{entry} - {start}"
                sub = idx[:axis] + (local,) + idx[axis + 1:]
            choices.append((start, length, item, sub))
            start += length
        if entry.isdigit():
            k = int(entry) - 1
            for first, length, item, sub in choices:
                if first <= k < first + length:
                    if not node.stack:
                        sub = idx[:axis] + (str(k - first + 1),) + idx[axis + 1:]
                    return self._value(item, sub)
        prec = PREC["ternary"]
        text = self.paren(self._value(choices[-1][2], choices[-1][3]), prec)
        for first, length, item, sub in reversed(choices[:-1]):
            p = self._value(item, sub)
            text = f"{entry} <= {first + length} ? {self.paren(p, prec, strict=True)} : {text}"
        return Printed(text, prec, self._value(choices[0][2], choices[0][3]).type)

    def _el_AlignPlates(self, node: E.AlignPlates, idx: Idx) -> Printed:
        new = set(node.new_axes())
        x_idx = []
        for k, e in enumerate(idx):
            if k in new:
                if e is None:
                    raise NotVectorizable
                continue
            x_idx.append(e)
        return self._value(node.x, tuple(x_idx))
