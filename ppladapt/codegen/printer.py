"""Expression printers: one IR tree, one printer per target language.

`Printer` dispatches on the node class to a ``_print_<Node>`` method and is strict: a node
a printer has no method for is a `PPLAdaptError` naming both. `PythonArrayPrinter` prints
NumPy-style array code; NumPyro and Pyro printers subclass it and differ mostly in their
function tables. `TextPrinter` is the plain notation used by `Model.summary()`.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional

from ppladapt.errors import PPLAdaptError
from ppladapt.ir import expr as E

# Python operator precedence (higher binds tighter).
PRECEDENCE = {
    "atom": 100, "pow": 15, "unary": 14, "mul": 13, "div": 13, "matmul": 13,
    "add": 12, "sub": 12, "and": 8, "or": 7, "compare": 6,
}
INFIX = {
    "add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**", "lt": "<", "le": "<=",
    "gt": ">", "ge": ">=", "eq": "==", "ne": "!=", "and": "&", "or": "|",
}


class Printer:
    """Base printer: dispatch, precedence-aware parenthesising and name mapping."""

    language = "abstract"

    def __init__(self, names: Optional[Mapping[str, str]] = None):
        self.names = dict(names or {})

    def doprint(self, node: E.Expr) -> str:
        """The source text of ``node``."""
        with E.recursion_headroom():
            return self._print(node)[0]

    def _print(self, node: E.Expr) -> tuple[str, int]:
        """(text, precedence) of ``node``."""
        method: Optional[Callable] = getattr(self, f"_print_{type(node).__name__}", None)
        if method is None:
            raise PPLAdaptError(
                f"the {self.language} printer cannot print a {type(node).__name__} node; "
                f"this expression is not supported by the {self.language} backend."
            )
        return method(node)

    def wrap(self, node: E.Expr, precedence: int, strict: bool = False) -> str:
        """``node`` as text, parenthesised if it binds looser than ``precedence``."""
        text, prec = self._print(node)
        if prec < precedence or (strict and prec == precedence):
            return f"({text})"
        return text

    def name(self, name: str) -> str:
        """The target-language identifier of a site or data name."""
        return self.names.get(name, name)


class PythonArrayPrinter(Printer):
    """NumPy-style Python code. Subclasses fill the function tables."""

    language = "python"
    unary_functions: Mapping[str, str] = {}
    binary_functions: Mapping[str, str] = {}
    reduce_functions: Mapping[str, str] = {}
    axis_functions: Mapping[str, str] = {}
    where_function = "where"
    concatenate_function = "concatenate"
    stack_function = "stack"
    transpose_function = "transpose"
    einsum_function = "einsum"
    axis_keyword = "axis"

    def _print_Const(self, node: E.Const):
        prec = PRECEDENCE["unary"] if node.value < 0 else PRECEDENCE["atom"]
        return repr(node.value), prec

    def _print_DataRef(self, node: E.DataRef):
        return self.name(node.name), PRECEDENCE["atom"]

    def _print_SiteRef(self, node: E.SiteRef):
        return self.name(node.name), PRECEDENCE["atom"]

    def _print_Unary(self, node: E.Unary):
        if node.op == "neg":
            return f"-{self.wrap(node.x, PRECEDENCE['unary'])}", PRECEDENCE["unary"]
        fn = self.unary_functions.get(node.op)
        if fn is None:
            return self._unsupported(node, node.op)
        return f"{fn}({self.doprint(node.x)})", PRECEDENCE["atom"]

    def _print_Binary(self, node: E.Binary):
        if node.op in self.binary_functions:
            fn = self.binary_functions[node.op]
            return f"{fn}({self.doprint(node.a)}, {self.doprint(node.b)})", PRECEDENCE["atom"]
        if node.op not in INFIX:
            return self._unsupported(node, node.op)
        prec = PRECEDENCE.get(node.op, PRECEDENCE["compare"])
        if node.op == "pow":  # right-associative
            left, right = self.wrap(node.a, prec, strict=True), self.wrap(node.b, prec)
        else:
            left, right = self.wrap(node.a, prec), self.wrap(node.b, prec, strict=True)
        return f"{left} {INFIX[node.op]} {right}", prec

    def _print_Where(self, node: E.Where):
        args = ", ".join(self.doprint(n) for n in (node.cond, node.a, node.b))
        return f"{self.where_function}({args})", PRECEDENCE["atom"]

    def _axis_arg(self, axes) -> str:
        if axes is None:
            return ""
        value = axes[0] if isinstance(axes, tuple) and len(axes) == 1 else axes
        return f", {self.axis_keyword}={value}"

    def _print_Reduce(self, node: E.Reduce):
        fn = self.reduce_functions.get(node.op)
        if fn is None:
            return self._unsupported(node, node.op)
        axes = None if node.axes is None or len(node.axes) == node.x.ndim else node.axes
        return f"{fn}({self.doprint(node.x)}{self._axis_arg(axes)})", PRECEDENCE["atom"]

    def _print_AxisOp(self, node: E.AxisOp):
        fn = self.axis_functions.get(node.op)
        if fn is None:
            return self._unsupported(node, node.op)
        return f"{fn}({self.doprint(node.x)}, {self.axis_keyword}={node.axis})", PRECEDENCE["atom"]

    def _print_MatMul(self, node: E.MatMul):
        prec = PRECEDENCE["matmul"]
        return f"{self.wrap(node.a, prec)} @ {self.wrap(node.b, prec, strict=True)}", prec

    def _print_Einsum(self, node: E.Einsum):
        operands = ", ".join(self.doprint(op) for op in node.args)
        return f"{self.einsum_function}({node.subscripts!r}, {operands})", PRECEDENCE["atom"]

    def _index_item(self, item) -> str:
        if isinstance(item, E.NewAxis):
            return "None"
        if isinstance(item, E.Slice):
            parts = ["" if v is None else str(v) for v in (item.start, item.stop, item.step)]
            return ":".join(parts[:2]) if item.step is None else ":".join(parts)
        if isinstance(item, E.Expr):
            return self.doprint(item)
        return str(item)

    def _print_Index(self, node: E.Index):
        items = ", ".join(self._index_item(it) for it in node.items)
        return f"{self.wrap(node.x, PRECEDENCE['atom'])}[{items}]", PRECEDENCE["atom"]

    def _print_Transpose(self, node: E.Transpose):
        if node.axes == tuple(reversed(range(node.x.ndim))) and node.x.ndim <= 2:
            return f"{self.wrap(node.x, PRECEDENCE['atom'])}.T", PRECEDENCE["atom"]
        return f"{self.transpose_function}({self.doprint(node.x)}, {node.axes})", PRECEDENCE["atom"]

    def _print_Concat(self, node: E.Concat):
        fn = self.stack_function if node.stack else self.concatenate_function
        items = ", ".join(self.doprint(it) for it in node.items)
        return f"{fn}([{items}], {self.axis_keyword}={node.axis})", PRECEDENCE["atom"]

    def _print_AlignPlates(self, node: E.AlignPlates):
        new = set(node.new_axes())
        last = max(new)
        items = ", ".join("None" if i in new else ":" for i in range(last + 1))
        return f"{self.wrap(node.x, PRECEDENCE['atom'])}[{items}]", PRECEDENCE["atom"]

    def _unsupported(self, node: E.Expr, op: str):
        raise PPLAdaptError(
            f"the {self.language} printer has no translation for {op!r} "
            f"({type(node).__name__}); this operation is not supported by that backend."
        )


class TextPrinter(PythonArrayPrinter):
    """Plain notation for summaries: ``mu + tau * theta_z``, ``exp(x)``, ``sum(x, axis=1)``."""

    language = "text"
    unary_functions = {op: op for op in E.UNARY_OPS}
    binary_functions = {"maximum": "maximum", "minimum": "minimum"}
    reduce_functions = {op: op for op in E.REDUCE_OPS}
    axis_functions = {op: op for op in E.AXIS_OPS}
