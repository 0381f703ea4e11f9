"""`StanPrinter`: IR expressions as Stan expressions, shape- and type-aware.

Stan has no NumPy broadcasting, so the printer works with each node's static shape and
the Stan type of what it prints (`ppladapt_stan.stantypes`). It prints a node *at an
index*: ``value(node, idx)`` takes one entry per axis of the node, ``None`` to keep the
axis, a string (a 1-based Stan index such as ``"i"``) to pick one element, or a `Sel`
(a range or a multi-index) to keep a selection, and pushes the indices down the tree:
``(a + b)[i]`` prints as ``a[i] + b[i]``. With every axis kept it prints the whole value
vectorised (``mu + tau * theta_z``); with every axis indexed it prints one scalar.

Where a node has no vectorised Stan form (a comparison or ``where`` on containers,
arithmetic on arrays of matrices, broadcasting beyond two dimensions...) the printer
raises `NotVectorizable`, and the emitter loops over the outer axes until the body
prints. Where a node that needs a whole container (a reduction, ``softmax``, ``@``)
gets an argument that cannot be vectorised, the argument is computed into a local
variable by loops first (`Scope.materialize` in ``statements``).

Integer index data that is only used to index is passed to Stan 1-based (``index_data``),
so ``a[group]`` prints as ``a[group]``; any other integer index prints ``+ 1``.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional, Sequence

from ppladapt.codegen.printer import Printer
from ppladapt.errors import PPLAdaptError
from ppladapt.ir import expr as E
from ppladapt_stan.contraction import Contractions
from ppladapt_stan.indexing import ShapeOps
from ppladapt_stan.printed import (
    PREC, Entry, Idx, NotVectorizable, Printed, Sel, count, kept, lit, real_literal)
from ppladapt_stan.stantypes import ONE_D, StanType, canonical

UNARY_FUNCTIONS: Mapping[str, str] = {
    "exp": "exp", "log": "log", "log1p": "log1p", "expm1": "expm1", "sqrt": "sqrt",
    "square": "square", "abs": "abs", "sin": "sin", "cos": "cos", "tan": "tan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "sigmoid": "inv_logit", "logit": "logit", "softplus": "log1p_exp",
    "log_sigmoid": "log_inv_logit", "lgamma": "lgamma", "digamma": "digamma", "erf": "erf",
    "normal_cdf": "Phi",
}
REDUCE_FUNCTIONS: Mapping[str, str] = {
    "sum": "sum", "mean": "mean", "prod": "prod", "max": "max", "min": "min",
    "logsumexp": "log_sum_exp",
}
INT_REDUCTIONS = frozenset({"sum", "prod", "max", "min"})  # defined on int arrays
AXIS_FUNCTIONS: Mapping[str, str] = {
    "cumsum": "cumulative_sum", "softmax": "softmax", "log_softmax": "log_softmax",
}
COMPARISONS: Mapping[str, tuple[str, str]] = {
    "lt": ("<", "compare"), "le": ("<=", "compare"), "gt": (">", "compare"),
    "ge": (">=", "compare"), "eq": ("==", "equality"), "ne": ("!=", "equality"),
    "and": ("&&", "and"), "or": ("||", "or"),
}


class StanPrinter(Contractions, ShapeOps, Printer):
    """Prints IR expressions as Stan. ``names`` maps site and data names to Stan text
    (usually identifiers), ``variables`` gives their declared Stan types, ``size`` turns
    a static size into Stan text (a size variable or a literal), ``index_data`` names
    integer data passed 1-based, ``inline`` maps deterministic sites to their expressions
    (for parameter bounds, which cannot refer to transformed parameters), and ``scope``
    (optional) computes arguments that cannot be vectorised into local variables."""

    language = "stan"

    def __init__(
        self,
        names: Mapping[str, str],
        variables: Mapping[str, StanType],
        size: Callable[[int], str],
        index_data: frozenset = frozenset(),
        inline: Optional[Mapping[str, E.Expr]] = None,
        scope=None,
    ):
        super().__init__(names)
        self.variables = dict(variables)
        self.size = size
        self.index_data = index_data
        self.inline = dict(inline or {})
        self.scope = scope

    # ---- entry points ----------------------------------------------------------------------
    def doprint(self, node: E.Expr) -> str:
        return self.value(node).text

    def _print(self, node: E.Expr) -> tuple[str, int]:
        p = self.value(node)
        return p.text, p.prec

    def value(self, node: E.Expr, idx: Optional[Idx] = None) -> Printed:
        """``node`` at ``idx`` (every axis kept when None), in its natural Stan type."""
        with E.recursion_headroom():
            return self._value(node, tuple(idx) if idx is not None else (None,) * node.ndim)

    def _value(self, node: E.Expr, idx: Idx) -> Printed:
        if len(idx) != node.ndim:
            raise AssertionError(f"index {idx} for a node of shape {node.shape}")
        if isinstance(node, (E.DataRef, E.SiteRef)):
            return self._reference(node, idx)
        if any(isinstance(e, Sel) for e in idx):  # select after computing the kept axes
            inner = self.container(node, tuple(None if isinstance(e, Sel) else e for e in idx))
            return self.postfix_index(inner, [e for e in idx if e is None or isinstance(e, Sel)])
        method = getattr(self, f"_el_{type(node).__name__}", None)
        if method is None:
            raise PPLAdaptError(
                f"the stan printer cannot print a {type(node).__name__} node; this "
                f"expression is not supported by the stan backend."
            )
        return method(node, idx)

    def container(self, node: E.Expr, idx: Idx) -> Printed:
        """``node`` at ``idx`` as a whole container; computed into a local variable by
        loops when it has no vectorised form (and a scope is open)."""
        try:
            return self._value(node, idx)
        except NotVectorizable:
            if self.scope is None:
                raise
            name, stan_type = self.scope.materialize(node)
            return self.variable(name, stan_type, idx)

    # ---- text helpers -----------------------------------------------------------------------
    @staticmethod
    def paren(p: Printed, prec: int, strict: bool = False) -> str:
        """``p``'s text, parenthesised if it binds looser than ``prec``."""
        if p.prec < prec or (strict and p.prec == prec):
            return f"({p.text})"
        return p.text

    def call(self, fn: str, args: Sequence[Printed], stan_type: StanType) -> Printed:
        return Printed(f"{fn}({', '.join(a.text for a in args)})", PREC["atom"], stan_type)

    def postfix_index(self, p: Printed, entries: Sequence[Entry]) -> Printed:
        """``p[entries]``: an index applied to a computed value (one entry per axis)."""
        entries = list(entries)
        while entries and entries[-1] is None:
            entries.pop()
        if not entries:
            return p
        texts = [":" if e is None else (e.text if isinstance(e, Sel) else e) for e in entries]
        keep = tuple(e is None or isinstance(e, Sel) for e in entries)
        keep += (True,) * (p.type.ndim - len(keep))
        return Printed(f"{self.paren(p, PREC['postfix'])}[{', '.join(texts)}]", PREC["postfix"],
                       p.type.indexed(keep))

    def variable(self, text: str, stan_type: StanType, idx: Idx) -> Printed:
        """A declared variable at ``idx``."""
        entries = [":" if e is None else (e.text if isinstance(e, Sel) else e) for e in idx]
        while entries and entries[-1] == ":":
            entries.pop()
        if not entries:
            return Printed(text, PREC["atom"], stan_type)
        keep = tuple(e is None or isinstance(e, Sel) for e in idx)
        return Printed(f"{text}[{', '.join(entries)}]", PREC["postfix"], stan_type.indexed(keep))

    def fill(self, p: Printed, shape: tuple[int, ...]) -> Printed:
        """A scalar repeated to ``shape`` (1-d or 2-d)."""
        sizes = [self.size(s) for s in shape]
        if p.type.is_int and len(shape) == 1:
            return self.call("rep_array", [p, lit(sizes[0])], StanType("int", shape))
        if len(shape) == 1:
            return self.call("rep_vector", [p, lit(sizes[0])], canonical(shape, E.REAL))
        if len(shape) == 2:
            args = [p, lit(sizes[0]), lit(sizes[1])]
            return self.call("rep_matrix", args, canonical(shape, E.REAL))
        raise NotVectorizable

    # ---- conversions -------------------------------------------------------------------------
    def as_real(self, p: Printed) -> Printed:
        """Integer (or real-array) containers as vector/matrix; scalars unchanged."""
        t = p.type
        if t.is_scalar or (t.base not in ("int", "real")):
            return p
        if t.ndim == 1:
            return self.call("to_vector", [p], StanType("vector", (), t.shape))
        if t.ndim == 2:
            return self.call("to_matrix", [p], StanType("matrix", (), t.shape))
        raise NotVectorizable

    def transposed(self, p: Printed, stan_type: StanType) -> Printed:
        return Printed(f"{self.paren(p, PREC['transpose'])}'", PREC["transpose"], stan_type)

    def as_vector(self, p: Printed) -> Printed:
        if p.type.base == "row_vector" and not p.type.dims:
            return self.transposed(p, StanType("vector", (), p.shape))
        return self.as_real(p)

    def as_row_vector(self, p: Printed) -> Printed:
        p = self.as_real(p)
        if p.type.base == "vector" and not p.type.dims:
            return self.transposed(p, StanType("row_vector", (), p.shape))
        return p

    def orient(self, a: Printed, b: Printed) -> tuple[Printed, Printed]:
        """A vector and a row vector made alike, transposing the simpler of the two
        (``cell[i] + col_effect'`` rather than ``(cell[i] + r)' + col_effect``)."""
        atomic = PREC["transpose"]
        if b.prec >= atomic and a.prec < atomic:
            convert = self.as_row_vector if a.type.base == "row_vector" else self.as_vector
            return a, convert(b)
        if a.prec >= atomic and b.prec < atomic:
            convert = self.as_row_vector if b.type.base == "row_vector" else self.as_vector
            return convert(a), b
        return self.as_vector(a), self.as_vector(b)

    def as_type(self, p: Printed, target: StanType) -> Printed:
        """``p`` converted for assignment to a variable of type ``target``."""
        if p.type == target or (p.type.is_scalar and target.is_scalar and target.base == "real"):
            return p
        if p.type.shape != target.shape:
            if p.type.is_scalar and target.ndim <= 2 and not target.dims:
                return self.fill(p, target.shape)
            raise NotVectorizable
        if target.base == "vector" and not target.dims:
            return self.as_vector(p)
        if target.base == "row_vector" and not target.dims:
            return self.as_row_vector(p)
        if target.base == "matrix" and not target.dims and p.type.ndim == 2:
            return self.as_real(p)
        raise NotVectorizable

    # ---- broadcasting ------------------------------------------------------------------------
    def operand(self, node: E.Expr, out_shape: tuple[int, ...],
                idx: Idx) -> tuple[Printed, list[int]]:
        """An operand of an elementwise node of shape ``out_shape`` at ``idx``, and the
        positions (among the kept axes) it covers; broadcast axes are indexed with 1."""
        offset = len(out_shape) - node.ndim
        keep = kept(idx)
        sub: list[Entry] = []
        covered: list[int] = []
        for k, size in enumerate(node.shape):
            j = offset + k
            if size == 1 and out_shape[j] != 1:
                sub.append("1")
            else:
                sub.append(idx[j])
                if j in keep:
                    covered.append(keep.index(j))
        return self._value(node, tuple(sub)), covered

    def expand(self, p: Printed, covered: list[int], shape: tuple[int, ...]) -> Printed:
        """An operand covering some kept axes, repeated along the others (scalars stay
        scalars: Stan broadcasts them)."""
        if len(covered) == len(shape) or p.type.is_scalar:
            return p
        if len(shape) == 2 and len(covered) == 1 and p.type.ndim == 1:
            if covered == [0]:  # a column, repeated across the columns
                args = [self.as_vector(p), lit(self.size(shape[1]))]
            else:  # a row, repeated down the rows
                args = [self.as_row_vector(p), lit(self.size(shape[0]))]
            return self.call("rep_matrix", args, canonical(shape, E.REAL))
        raise NotVectorizable

    def broadcast(self, node: E.Expr, out_shape: tuple[int, ...], idx: Idx) -> Printed:
        """``node`` broadcast to ``out_shape`` at ``idx``: a scalar, or a container of
        the kept shape."""
        p, covered = self.operand(node, out_shape, idx)
        shape = tuple(out_shape[k] for k in kept(idx))
        return self.expand(p, covered, shape)

    # ---- leaves --------------------------------------------------------------------------------
    def _el_Const(self, node: E.Const, idx: Idx) -> Printed:
        value = node.value
        if isinstance(value, bool):
            return Printed("1" if value else "0", PREC["atom"], StanType("int"))
        prec = PREC["unary"] if value < 0 else PREC["atom"]
        if isinstance(value, int):
            return Printed(str(value), prec, StanType("int"))
        return Printed(real_literal(value), prec, StanType("real"))

    def _reference(self, node: E.Expr, idx: Idx) -> Printed:
        if node.name in self.inline:
            return self._value(self.inline[node.name], idx)
        return self.variable(self.name(node.name), self.variables[node.name], idx)

    # ---- elementwise ---------------------------------------------------------------------------
    def _el_Unary(self, node: E.Unary, idx: Idx) -> Printed:
        p = self._value(node.x, idx)
        if node.op == "neg":
            return Printed(f"-{self.paren(p, PREC['unary'])}", PREC["unary"], p.type)
        if node.op == "not":
            if not p.type.is_scalar:
                raise NotVectorizable
            return Printed(f"!{self.paren(p, PREC['unary'])}", PREC["unary"], StanType("int"))
        fn = UNARY_FUNCTIONS[node.op]
        if node.op == "abs":
            return self.call(fn, [p], p.type)
        p = self.as_real(p)
        return self.call(fn, [p], StanType("real") if p.type.is_scalar else p.type)

    def _el_Binary(self, node: E.Binary, idx: Idx) -> Printed:
        shape = tuple(node.shape[k] for k in kept(idx))
        a, ca = self.operand(node.a, node.shape, idx)
        b, cb = self.operand(node.b, node.shape, idx)
        if not shape:
            return self.scalar_binary(node.op, a, b)
        if node.op not in E.ARITHMETIC_OPS or len(shape) > 2:
            raise NotVectorizable
        a, b = self.as_real(self.expand(a, ca, shape)), self.as_real(self.expand(b, cb, shape))
        if a.type.dims or b.type.dims:  # Stan has no arithmetic on arrays of vectors/matrices
            raise NotVectorizable
        if a.type.base in ONE_D and b.type.base in ONE_D and a.type != b.type:
            a, b = self.orient(a, b)
        out = b.type if a.type.is_scalar else a.type
        scalar = a.type.is_scalar or b.type.is_scalar
        if node.op in ("maximum", "minimum"):
            return self.call("fmax" if node.op == "maximum" else "fmin", [a, b], out)
        if node.op in ("add", "sub"):
            return self.infix(a, "+" if node.op == "add" else "-", b, "add", out)
        if node.op == "mul":
            if scalar:
                return self.infix(a, "*", b, "mul", out)
            return self.infix(a, ".*", b, "elt", out)
        if node.op == "div":
            if b.type.is_scalar:
                return self.infix(a, "/", b, "mul", out)
            return self.infix(a, "./", b, "elt", out)
        return self.infix(a, ".^", b, "pow", out, right=True)  # pow

    def scalar_binary(self, op: str, a: Printed, b: Printed) -> Printed:
        real = StanType("real")
        both_int = a.type.is_int and b.type.is_int
        out = StanType("int") if both_int else real
        if op in COMPARISONS:
            symbol, level = COMPARISONS[op]
            return self.infix(a, symbol, b, level, StanType("int"))
        if op in ("maximum", "minimum"):
            fn = ("" if both_int else "f") + ("max" if op == "maximum" else "min")
            return self.call(fn, [a, b], out)
        if op in ("add", "sub"):
            return self.infix(a, "+" if op == "add" else "-", b, "add", out)
        if op == "mul":
            return self.infix(a, "*", b, "mul", out)
        if op == "div":
            if both_int:  # the IR's division is real; Stan's int / int truncates
                a = self.real_scalar(a)
            return self.infix(a, "/", b, "mul", real)
        return self.infix(a, "^", b, "pow", real, right=True)

    def real_scalar(self, p: Printed) -> Printed:
        """An int scalar as real: ``3`` -> ``3.0``, ``n`` -> ``1.0 * n``."""
        if p.text.lstrip("-").isdigit():
            return Printed(f"{p.text}.0", p.prec, StanType("real"))
        text = f"1.0 * {self.paren(p, PREC['mul'], strict=True)}"
        return Printed(text, PREC["mul"], StanType("real"))

    def infix(self, a: Printed, symbol: str, b: Printed, level: str, out: StanType,
              right: bool = False) -> Printed:
        prec = PREC[level]
        left_text = self.paren(a, prec, strict=right)
        right_text = self.paren(b, prec, strict=not right)
        return Printed(f"{left_text} {symbol} {right_text}", prec, out)

    def _el_Where(self, node: E.Where, idx: Idx) -> Printed:
        if kept(idx):
            raise NotVectorizable
        c, _ = self.operand(node.cond, node.shape, idx)
        a, _ = self.operand(node.a, node.shape, idx)
        b, _ = self.operand(node.b, node.shape, idx)
        out = StanType("int") if a.type.is_int and b.type.is_int else StanType("real")
        prec = PREC["ternary"]
        text = (f"{self.paren(c, prec, strict=True)} ? {self.paren(a, prec, strict=True)} : "
                f"{self.paren(b, prec)}")
        return Printed(text, prec, out)

    # ---- reductions and axis operations ----------------------------------------------------------
    def _el_Reduce(self, node: E.Reduce, idx: Idx) -> Printed:
        axes = range(node.x.ndim) if node.axes is None else node.axes
        if kept(idx):
            return self.matrix_margin(node, idx)
        rest = iter(idx)
        x_idx = tuple(None if k in axes else next(rest) for k in range(node.x.ndim))
        p = self.container(node.x, x_idx)
        if p.type.is_scalar:
            return p
        fn = REDUCE_FUNCTIONS[node.op]
        if p.type.is_int and node.op in INT_REDUCTIONS:
            if p.type.ndim > 1:
                p = self.call("to_array_1d", [p], StanType("int", (count(p.shape),)))
            return self.call(fn, [p], StanType("int"))
        if p.type.dims or p.type.is_int:
            if p.type.base not in ("int", "real") or p.type.ndim > 2:  # arrays of containers
                if self.scope is None:
                    raise NotVectorizable
                if all(e is None for e in x_idx):
                    name, stan_type = self.scope.accumulate(node.op, node.x)
                    return Printed(name, PREC["atom"], stan_type)
                p = self.variable(*self.scope.materialize(node.x), x_idx)  # one slice of it
                if p.type.dims:
                    raise NotVectorizable
            p = self.as_real(p)
        return self.call(fn, [p], StanType("real"))

    def matrix_margin(self, node: E.Reduce, idx: Idx) -> Printed:
        """Row or column sums (or means) of a matrix, as a product with a vector of ones:
        ``M * rep_vector(1.0, K)``, ``rep_row_vector(1.0, N) * M``. Any other per-slice
        reduction raises `NotVectorizable` (the caller loops over the kept axes)."""
        if node.op not in ("sum", "mean") or node.x.ndim != 2 or len(node.axes) != 1:
            raise NotVectorizable
        p = self.as_real(self.container(node.x, (None, None)))
        if p.type.base != "matrix" or p.type.dims:
            raise NotVectorizable
        axis = node.axes[0]
        size = node.x.shape[axis]
        fill = "1.0" if node.op == "sum" else f"1.0 / {self.size(size)}"
        if axis == 1:
            ones = self.call("rep_vector", [lit(fill), lit(self.size(size))],
                             StanType("vector", (), (size,)))
            return self.infix(p, "*", ones, "mul", StanType("vector", (), node.shape))
        ones = self.call("rep_row_vector", [lit(fill), lit(self.size(size))],
                         StanType("row_vector", (), (size,)))
        return self.infix(ones, "*", p, "mul", StanType("row_vector", (), node.shape))

    def _el_AxisOp(self, node: E.AxisOp, idx: Idx) -> Printed:
        pick = idx[node.axis]
        x_idx = tuple(None if k == node.axis else e for k, e in enumerate(idx))
        if [k for k in kept(x_idx)] != [node.axis]:
            raise NotVectorizable
        p = self.container(node.x, x_idx)
        if node.op == "cumsum":
            if p.type.dims and not p.type.is_int:
                p = self.as_real(p)
            out = self.call("cumulative_sum", [p], p.type)
        else:
            p = self.as_vector(p)
            out = self.call(AXIS_FUNCTIONS[node.op], [p], p.type)
        return self.postfix_index(out, [pick]) if pick is not None else out

    def _el_MatMul(self, node: E.MatMul, idx: Idx) -> Printed:
        a_nd, b_nd = node.a.ndim, node.b.ndim
        batch = a_nd - 2 if a_nd > 2 else 0
        if any(e is None for e in idx[:batch]):
            raise NotVectorizable
        lead, rest = idx[:batch], idx[batch:]
        if a_nd == 1:
            a_idx: Idx = (None,)
            b_idx: Idx = (None,) if b_nd == 1 else (None, rest[0])
        else:
            a_idx = lead + (rest[0], None)
            b_idx = (None,) if b_nd == 1 else (None, rest[1])
        a = self.as_real(self.container(node.a, a_idx))
        b = self.as_real(self.container(node.b, b_idx))
        return self.product(a, b)

    def product(self, a: Printed, b: Printed) -> Printed:
        """The matrix product ``a * b`` of two real vectors or matrices (``dot_product``
        of two vectors), the left one read as a row where it is one-dimensional."""
        if a.type.ndim == 1 and b.type.ndim == 1:
            return self.call("dot_product", [a, b], StanType("real"))
        if a.type.ndim == 1:
            a = self.as_row_vector(a)
        if b.type.ndim == 1:
            b = self.as_vector(b)
        if a.type.base == "row_vector":
            if b.type.base == "matrix":
                out = StanType("row_vector", (), b.shape[1:])
            else:
                out = StanType("real")
        else:
            if b.type.base == "matrix":
                out = StanType("matrix", (), (a.shape[0], b.shape[1]))
            else:
                out = StanType("vector", (), a.shape[:1])
        return self.infix(a, "*", b, "mul", out)
