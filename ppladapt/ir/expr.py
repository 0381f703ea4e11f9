"""Expression nodes of the IR: an immutable tree with a static shape, dtype and plate frame.

Every node checks its operands and computes ``shape``, ``dtype`` and ``plates`` when it
is built, so a tree that exists is well typed. ``plates`` names the plates that the
node's leading axes run along (outermost first); an axis may have size 1 where a value
from an outer plate was aligned into a deeper plate context (see `AlignPlates`).
Operator overloading lives here too, delegating to `ppladapt.frontend.ops`, which aligns
operands by plate before building the node.
"""

from __future__ import annotations

import math
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Iterator, Union

from ppladapt.errors import ModelError

Shape = tuple[int, ...]

REAL, INT, BOOL = "real", "int", "bool"
DTYPES = (REAL, INT, BOOL)

UNARY_OPS = frozenset(
    {
        "neg", "exp", "log", "log1p", "expm1", "sqrt", "square", "abs",
        "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
        "sigmoid", "logit", "softplus", "log_sigmoid", "lgamma", "digamma", "erf",
        "normal_cdf", "not",
    }
)
INT_PRESERVING_UNARY = frozenset({"neg", "abs", "square"})
ARITHMETIC_OPS = frozenset({"add", "sub", "mul", "div", "pow", "maximum", "minimum"})
COMPARISON_OPS = frozenset({"lt", "le", "gt", "ge", "eq", "ne"})
LOGICAL_OPS = frozenset({"and", "or"})
BINARY_OPS = ARITHMETIC_OPS | COMPARISON_OPS | LOGICAL_OPS
REDUCE_OPS = frozenset({"sum", "mean", "prod", "max", "min", "logsumexp"})
AXIS_OPS = frozenset({"cumsum", "softmax", "log_softmax"})
MAX_DEPTH = 256  # nesting limit of an expression tree (printers and JSON recurse over it)


@contextmanager
def recursion_headroom() -> Iterator[None]:
    """Room on the Python stack for recursing over trees of up to `MAX_DEPTH` levels."""
    limit = sys.getrecursionlimit()
    needed = 12 * MAX_DEPTH + 1000
    if limit < needed:
        sys.setrecursionlimit(needed)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def broadcast_shapes(*shapes: Shape) -> Shape:
    """NumPy broadcasting of static shapes; raises `ModelError` on a mismatch."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(-ndim, 0):
        sizes = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sizes) > 1:
            raise ModelError(
                f"shapes {' and '.join(map(str, shapes))} do not broadcast together "
                f"(axis {axis}: sizes {sorted(sizes)})."
            )
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def promote(*dtypes: str) -> str:
    """Result dtype of arithmetic on these dtypes: int unless any operand is real."""
    return REAL if REAL in dtypes else INT


def _normalise_axis(axis: int, ndim: int, where: str) -> int:
    if not -ndim <= axis < ndim:
        raise ModelError(f"{where}: axis {axis} is out of range for an array of {ndim} dims.")
    return axis % ndim


def _check_frame(plates: tuple[str, ...], shape: Shape, where: str) -> None:
    if len(plates) > len(shape) or len(set(plates)) != len(plates):
        raise ModelError(f"{where}: plate frame {plates} does not fit shape {shape}.")


class Expr:
    """Base of all expression nodes. Subclasses are frozen dataclasses."""

    shape: Shape
    dtype: str
    plates: tuple[str, ...]
    depth: int
    children: ClassVar[tuple[str, ...]] = ()

    def _set(self, shape: Shape, dtype: str, plates: tuple[str, ...] = ()) -> None:
        depth = 1 + max((child.depth for child in self.operands()), default=0)
        if depth > MAX_DEPTH:
            raise ModelError(
                f"expression nested more than {MAX_DEPTH} levels deep; build long sums or "
                f"products from a list with pa.math.sum(pa.math.stack(terms)) instead of a loop."
            )
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "shape", tuple(int(s) for s in shape))
        object.__setattr__(self, "dtype", dtype)
        object.__setattr__(self, "plates", tuple(plates))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def operands(self) -> tuple[Expr, ...]:
        """Direct sub-expressions, in order."""
        out: list[Expr] = []
        for name in self.children:
            value = getattr(self, name)
            if isinstance(value, Expr):
                out.append(value)
            elif isinstance(value, tuple):
                out.extend(v for v in value if isinstance(v, Expr))
        return tuple(out)

    def walk(self) -> Iterator["Expr"]:
        """This node and every node below it, depth first."""
        stack: list[Expr] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.operands()))

    # ---- operators: built through the front end, which aligns plates -------------------
    def _binary(self, op: str, other: Any, reflected: bool = False) -> Expr:
        from ppladapt.frontend import ops

        return ops.binary(op, other, self) if reflected else ops.binary(op, self, other)

    def __add__(self, o): return self._binary("add", o)
    def __radd__(self, o): return self._binary("add", o, True)
    def __sub__(self, o): return self._binary("sub", o)
    def __rsub__(self, o): return self._binary("sub", o, True)
    def __mul__(self, o): return self._binary("mul", o)
    def __rmul__(self, o): return self._binary("mul", o, True)
    def __truediv__(self, o): return self._binary("div", o)
    def __rtruediv__(self, o): return self._binary("div", o, True)
    def __pow__(self, o): return self._binary("pow", o)
    def __rpow__(self, o): return self._binary("pow", o, True)
    def __lt__(self, o): return self._binary("lt", o)
    def __le__(self, o): return self._binary("le", o)
    def __gt__(self, o): return self._binary("gt", o)
    def __ge__(self, o): return self._binary("ge", o)
    def __and__(self, o): return self._binary("and", o)
    def __or__(self, o): return self._binary("or", o)

    def __matmul__(self, o):
        from ppladapt.frontend import ops

        return ops.matmul(self, o)

    def __rmatmul__(self, o):
        from ppladapt.frontend import ops

        return ops.matmul(o, self)

    def __neg__(self):
        return Unary("neg", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return Unary("abs", self)

    def __getitem__(self, key):
        from ppladapt.frontend import ops

        return ops.index(self, key)

    @property
    def T(self) -> Expr:
        return Transpose(self)

    def __bool__(self):
        raise ModelError(
            "a model expression has no truth value while the model is being built; "
            "use pa.math.where(cond, a, b) instead of `if`/`and`/`or` on random values."
        )

    def __len__(self) -> int:
        if not self.shape:
            raise ModelError("len() of a scalar expression.")
        return self.shape[0]

    def __iter__(self):
        raise ModelError("model expressions cannot be iterated; index them or use a plate.")

    def __array__(self, *args, **kwargs):
        raise ModelError(
            "a model expression cannot become a NumPy array while the model is being "
            "built; use pa.math functions instead of numpy functions on random values."
        )

    __array_ufunc__ = None  # makes `np_array + expr` defer to Expr.__radd__


@dataclass(frozen=True)
class Const(Expr):
    """A scalar constant (float, int or bool)."""

    value: Union[float, int, bool]

    def __post_init__(self):
        value = self.value
        if isinstance(value, bool):
            self._set((), BOOL)
        elif isinstance(value, int):
            self._set((), INT)
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ModelError(f"constant {value} is not finite.")
            self._set((), REAL)
        else:
            raise ModelError(f"a constant must be a number, got {type(value).__name__}.")



@dataclass(frozen=True)
class DataRef(Expr):
    """A reference to named data held by the model (data carry no plate frame: they
    broadcast NumPy-style, right-aligned, as in NumPyro)."""

    name: str
    data_shape: Shape
    data_dtype: str

    def __post_init__(self):
        if self.data_dtype not in DTYPES:
            raise ModelError(f"data '{self.name}': unknown dtype {self.data_dtype!r}.")
        self._set(self.data_shape, self.data_dtype)



@dataclass(frozen=True)
class SiteRef(Expr):
    """A reference to the value of an earlier prior or deterministic site."""

    name: str
    site_shape: Shape
    site_dtype: str
    site_plates: tuple[str, ...] = ()

    def __post_init__(self):
        if self.site_dtype not in DTYPES:
            raise ModelError(f"site '{self.name}': unknown dtype {self.site_dtype!r}.")
        _check_frame(self.site_plates, self.site_shape, f"site '{self.name}'")
        self._set(self.site_shape, self.site_dtype, self.site_plates)



@dataclass(frozen=True)
class Unary(Expr):
    """An elementwise function of one operand."""

    op: str
    x: Expr
    children: ClassVar = ("x",)

    def __post_init__(self):
        if self.op not in UNARY_OPS:
            raise ModelError(f"unknown elementwise function {self.op!r}.")
        if self.op == "not":
            dtype = BOOL
        elif self.op in INT_PRESERVING_UNARY and self.x.dtype != REAL:
            dtype = INT
        else:
            dtype = REAL
        self._set(self.x.shape, dtype, self.x.plates)



def _elementwise_plates(shape: Shape, *operands: Expr) -> tuple[str, ...]:
    """Plate frame of an elementwise result: the longest operand frame that still names
    the result's leading axes (operands were aligned to one context first)."""
    frames = sorted((o.plates for o in operands if o.plates), key=len, reverse=True)
    for frame in frames:
        owner = next(o for o in operands if o.plates == frame)
        if owner.ndim == len(shape) and all(
            f in frame for o in operands for f in o.plates
        ):
            return frame
    return ()


@dataclass(frozen=True)
class Binary(Expr):
    """An elementwise operation on two broadcast operands."""

    op: str
    a: Expr
    b: Expr
    children: ClassVar = ("a", "b")

    def __post_init__(self):
        if self.op not in BINARY_OPS:
            raise ModelError(f"unknown binary operation {self.op!r}.")
        shape = broadcast_shapes(self.a.shape, self.b.shape)
        if self.op in COMPARISON_OPS or self.op in LOGICAL_OPS:
            dtype = BOOL
        elif self.op in ("div", "pow"):
            dtype = REAL
        else:
            dtype = promote(self.a.dtype, self.b.dtype)
        self._set(shape, dtype, _elementwise_plates(shape, self.a, self.b))



@dataclass(frozen=True)
class Where(Expr):
    """``cond ? a : b`` elementwise."""

    cond: Expr
    a: Expr
    b: Expr
    children: ClassVar = ("cond", "a", "b")

    def __post_init__(self):
        if self.cond.dtype != BOOL:
            raise ModelError("where(cond, a, b): cond must be a comparison (boolean).")
        shape = broadcast_shapes(self.cond.shape, self.a.shape, self.b.shape)
        dtype = promote(self.a.dtype, self.b.dtype)
        self._set(shape, dtype, _elementwise_plates(shape, self.cond, self.a, self.b))



@dataclass(frozen=True)
class Reduce(Expr):
    """A reduction over some axes (all axes when ``axes`` is None)."""

    op: str
    x: Expr
    axes: Union[tuple[int, ...], None] = None
    children: ClassVar = ("x",)

    def __post_init__(self):
        if self.op not in REDUCE_OPS:
            raise ModelError(f"unknown reduction {self.op!r}.")
        ndim = self.x.ndim
        if self.axes is None:
            axes = tuple(range(ndim))
        else:
            axes = tuple(sorted({_normalise_axis(a, ndim, self.op) for a in self.axes}))
            object.__setattr__(self, "axes", axes)
        shape = tuple(s for i, s in enumerate(self.x.shape) if i not in axes)
        kept = [i for i in range(len(self.x.plates)) if i not in axes]
        plates = tuple(self.x.plates[i] for i in kept) if kept == list(range(len(kept))) else ()
        dtype = self.x.dtype if self.op in ("sum", "prod", "max", "min") else REAL
        self._set(shape, INT if dtype == BOOL else dtype, plates)



@dataclass(frozen=True)
class AxisOp(Expr):
    """A shape-preserving operation along one axis: cumsum, softmax, log_softmax."""

    op: str
    x: Expr
    axis: int = -1
    children: ClassVar = ("x",)

    def __post_init__(self):
        if self.op not in AXIS_OPS:
            raise ModelError(f"unknown axis operation {self.op!r}.")
        axis = _normalise_axis(self.axis, self.x.ndim, self.op)
        object.__setattr__(self, "axis", axis)
        dtype = self.x.dtype if self.op == "cumsum" and self.x.dtype == INT else REAL
        plates = self.x.plates if axis >= len(self.x.plates) else ()
        self._set(self.x.shape, dtype, plates)



@dataclass(frozen=True)
class MatMul(Expr):
    """Matrix product with NumPy ``@`` semantics (1-D and 2-D operands, batched left)."""

    a: Expr
    b: Expr
    children: ClassVar = ("a", "b")

    def __post_init__(self):
        a, b = self.a.shape, self.b.shape
        if not a or not b:
            raise ModelError("matmul (@) needs operands with at least one dimension.")
        if len(b) > 2:
            raise ModelError(f"matmul (@): right operand must be 1-D or 2-D, got shape {b}.")
        inner_b = b[0] if len(b) == 1 else b[-2]
        if a[-1] != inner_b:
            raise ModelError(f"matmul (@): shapes {a} and {b} are not aligned ({a[-1]} != {inner_b}).")
        shape = a[:-1] + (b[1:] if len(b) == 2 else ())
        keeps_frame = len(a) > 1 and not self.b.plates and len(self.a.plates) <= len(a) - 1
        plates = self.a.plates if keeps_frame else ()
        self._set(shape, promote(self.a.dtype, self.b.dtype), plates)



@dataclass(frozen=True)
class Einsum(Expr):
    """A contraction in ``numpy.einsum`` notation with an explicit output,
    ``"ctl,cl->tc"``: one letter per axis, no letter twice in one operand, and every
    letter missing from the output summed over."""

    subscripts: str
    args: tuple[Expr, ...]
    children: ClassVar = ("args",)

    def __post_init__(self):
        where = f"einsum({self.subscripts!r})"
        text = self.subscripts.replace(" ", "")
        if text.count("->") != 1:
            raise ModelError(f"{where}: write the output explicitly, as in 'ij,j->i'.")
        inputs, output = text.split("->")
        specs = inputs.split(",")
        if len(specs) != len(self.args):
            raise ModelError(f"{where}: {len(specs)} operand subscripts for {len(self.args)} operands.")
        sizes: dict[str, int] = {}
        for spec, operand in zip(specs, self.args):
            if not all(c.isascii() and c.isalpha() for c in spec) or len(set(spec)) != len(spec):
                raise ModelError(f"{where}: {spec!r} must name each axis with its own letter "
                                 "(no '...', no letter twice in one operand).")
            if len(spec) != operand.ndim:
                raise ModelError(f"{where}: {spec!r} names {len(spec)} axes of an operand of shape {operand.shape}.")
            if operand.dtype == BOOL:
                raise ModelError(f"{where}: operands must be numbers, not booleans.")
            for letter, size in zip(spec, operand.shape):
                if sizes.setdefault(letter, size) != size:
                    raise ModelError(f"{where}: axis {letter!r} has sizes {sizes[letter]} and {size}.")
        if len(set(output)) != len(output) or any(c not in sizes for c in output):
            raise ModelError(f"{where}: the output {output!r} must name input axes, each once.")
        object.__setattr__(self, "subscripts", text)
        self._set(tuple(sizes[c] for c in output), promote(*(op.dtype for op in self.args)), ())

    @property
    def inputs(self) -> tuple[str, ...]:
        """The subscripts of each operand."""
        return tuple(self.subscripts.split("->")[0].split(","))

    @property
    def output(self) -> str:
        """The output's letters, one per axis of the result."""
        return self.subscripts.split("->")[1]

    @property
    def summed(self) -> tuple[str, ...]:
        """The letters summed over, in order of first appearance."""
        letters = dict.fromkeys("".join(self.inputs))
        return tuple(c for c in letters if c not in self.output)

    def as_product_sum(self) -> Expr:
        """The same value from broadcast products and one sum: each operand transposed
        and given size-1 axes into the order output letters + summed letters."""
        order = self.output + "".join(self.summed)
        factors = []
        for spec, operand in zip(self.inputs, self.args):
            present = [c for c in order if c in spec]
            moved = tuple(spec.index(c) for c in present)
            if moved != tuple(range(len(spec))):
                operand = Transpose(operand, moved)
            if len(present) != len(order):
                items = tuple(Slice() if c in spec else NewAxis() for c in order)
                operand = Index(operand, items)
            factors.append(operand)
        product = factors[0]
        for factor in factors[1:]:
            product = Binary("mul", product, factor)
        if not self.summed:
            return product
        return Reduce("sum", product, tuple(range(len(self.output), len(order))))


@dataclass(frozen=True)
class Slice:
    """A basic slice ``start:stop:step`` inside an `Index`."""

    start: Union[int, None] = None
    stop: Union[int, None] = None
    step: Union[int, None] = None

    def as_slice(self) -> slice:
        return slice(self.start, self.stop, self.step)

    @property
    def is_full(self) -> bool:
        return self.start is None and self.stop is None and self.step in (None, 1)


class NewAxis:
    """Marker for ``None`` (a new axis of size 1) inside an `Index`."""

    def __repr__(self) -> str:
        return "NewAxis"

    def __eq__(self, other):
        return isinstance(other, NewAxis)

    def __hash__(self):
        return hash("NewAxis")


IndexItem = Union[int, Slice, NewAxis, Expr]


@dataclass(frozen=True)
class Index(Expr):
    """NumPy indexing by ints, slices, new axes and integer arrays (adjacent, broadcast)."""

    x: Expr
    items: tuple[Any, ...]
    children: ClassVar = ("x", "items")

    def __post_init__(self):
        consumed = sum(1 for it in self.items if not isinstance(it, NewAxis))
        if consumed > self.x.ndim:
            raise ModelError(f"too many indices ({consumed}) for an array of shape {self.x.shape}.")
        array_positions = [i for i, it in enumerate(self.items) if isinstance(it, Expr)]
        if array_positions and array_positions != list(
            range(array_positions[0], array_positions[-1] + 1)
        ):
            raise ModelError("integer-array indices must be next to each other (x[i, j], not x[i, :, j]).")
        for it in self.items:
            if isinstance(it, Expr) and it.dtype != INT:
                raise ModelError(f"an index array must hold integers, got {it.dtype} data.")
        out: list[int] = []
        array_shape = broadcast_shapes(*(self.items[i].shape for i in array_positions)) if array_positions else ()
        axis = 0
        for pos, it in enumerate(self.items):
            if isinstance(it, NewAxis):
                out.append(1)
                continue
            size = self.x.shape[axis]
            if isinstance(it, bool) or not isinstance(it, (int, Slice, Expr)):
                raise ModelError(f"unsupported index {it!r}.")
            if isinstance(it, int):
                if not -size <= it < size:
                    raise ModelError(f"index {it} is out of range for an axis of size {size}.")
            elif isinstance(it, Slice):
                out.append(len(range(*it.as_slice().indices(size))))
            elif pos == array_positions[0]:
                out.extend(array_shape)
            axis += 1
        out.extend(self.x.shape[axis:])
        leading_full = 0
        for it in self.items:
            if isinstance(it, Slice) and it.is_full:
                leading_full += 1
            else:
                break
        plates = self.x.plates[:leading_full]
        self._set(tuple(out), self.x.dtype, plates)

    def indexed_axes(self) -> list[tuple[int, Expr]]:
        """(axis of ``x``, index array) for every integer-array index."""
        pairs, axis = [], 0
        for it in self.items:
            if isinstance(it, NewAxis):
                continue
            if isinstance(it, Expr):
                pairs.append((axis, it))
            axis += 1
        return pairs



@dataclass(frozen=True)
class Transpose(Expr):
    """Axis permutation; ``axes=None`` reverses the axes (``x.T``)."""

    x: Expr
    axes: Union[tuple[int, ...], None] = None
    children: ClassVar = ("x",)

    def __post_init__(self):
        axes = self.axes if self.axes is not None else tuple(reversed(range(self.x.ndim)))
        if sorted(axes) != list(range(self.x.ndim)):
            raise ModelError(f"transpose axes {axes} are not a permutation of {self.x.ndim} axes.")
        object.__setattr__(self, "axes", tuple(axes))
        self._set(tuple(self.x.shape[a] for a in axes), self.x.dtype, ())



@dataclass(frozen=True)
class Concat(Expr):
    """Join expressions along an existing axis (``stack=False``) or a new one."""

    items: tuple[Expr, ...]
    axis: int = 0
    stack: bool = False
    children: ClassVar = ("items",)

    def __post_init__(self):
        if not self.items:
            raise ModelError("stack/concatenate needs at least one expression.")
        first = self.items[0].shape
        name = "stack" if self.stack else "concatenate"
        if self.stack:
            if any(it.shape != first for it in self.items):
                raise ModelError(f"stack: all shapes must be equal, got {[it.shape for it in self.items]}.")
            axis = _normalise_axis(self.axis, len(first) + 1, name)
            shape = first[:axis] + (len(self.items),) + first[axis:]
        else:
            axis = _normalise_axis(self.axis, len(first), name)
            for it in self.items:
                if len(it.shape) != len(first) or any(
                    s != f for i, (s, f) in enumerate(zip(it.shape, first)) if i != axis
                ):
                    raise ModelError(f"concatenate: shapes {[it.shape for it in self.items]} differ off axis {axis}.")
            shape = first[:axis] + (sum(it.shape[axis] for it in self.items),) + first[axis + 1 :]
        object.__setattr__(self, "axis", axis)
        self._set(shape, promote(*(it.dtype for it in self.items)), ())



@dataclass(frozen=True)
class AlignPlates(Expr):
    """Place ``x``'s plate axes into a deeper plate frame, with size-1 axes for the plates
    it does not vary over, so that elementwise broadcasting aligns by plate."""

    x: Expr
    frame: tuple[str, ...]
    children: ClassVar = ("x",)

    def __post_init__(self):
        source = self.x.plates
        positions = [self.frame.index(p) for p in source if p in self.frame]
        if len(positions) != len(source) or positions != sorted(positions) or not source:
            raise ModelError(f"cannot align plates {source} into plate frame {self.frame}.")
        sizes = dict(zip(source, self.x.shape))
        shape = tuple(sizes.get(p, 1) for p in self.frame) + self.x.shape[len(source):]
        self._set(shape, self.x.dtype, self.frame)

    def new_axes(self) -> list[int]:
        """Positions (in the result) of the inserted size-1 axes."""
        return [i for i, p in enumerate(self.frame) if p not in self.x.plates]



NODE_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Const, DataRef, SiteRef, Unary, Binary, Where, Reduce, AxisOp, MatMul,
                Einsum, Index, Transpose, Concat, AlignPlates)
}
