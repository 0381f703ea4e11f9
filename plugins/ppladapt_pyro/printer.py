"""`PyroPrinter`: IR expressions as PyTorch code (``torch``, ``torch.special``,
``torch.nn.functional``).

The Python base printer does the dispatch, precedence and indexing; this printer holds
the torch function tables, written out one entry per IR operation, and the places where
torch's rules differ from NumPy's (the IR's meaning, `ppladapt.ir.evaluate`):

- torch functions take tensors, not Python numbers: an argument built from constants
  alone prints as ``torch.as_tensor(...)``;
- an integer tensor stays integer under ``**`` and torch refuses it in ``mean``,
  ``logsumexp``, ``softplus``, ``log_sigmoid``, ``softmax`` and in a matmul with a float
  tensor, where NumPy gives floats: those operands print with ``.double()``
  (``int ** int`` as ``torch.float_power``);
- reductions: ``dim=`` instead of ``axis=``, ``torch.amax``/``torch.amin`` (``torch.max``
  along a dim returns indices too), ``torch.prod`` one dim at a time, and
  ``torch.logsumexp`` always with its dims;
- ``x.T`` only for matrices (torch deprecates it otherwise), ``torch.permute`` beyond;
- no negative slice steps (torch has no negative strides): a clear error.
"""

from __future__ import annotations

from typing import Mapping

from ppladapt.codegen.printer import PRECEDENCE, PythonArrayPrinter
from ppladapt.ir import expr as E

ATOM = PRECEDENCE["atom"]


def constant_only(node: E.Expr) -> bool:
    """True when ``node`` refers to no data and no site: Python evaluates it to a number."""
    return not any(isinstance(n, (E.DataRef, E.SiteRef)) for n in node.walk())


class PyroPrinter(PythonArrayPrinter):
    """Prints IR expressions as PyTorch code for the generated Pyro module."""

    language = "pyro"

    unary_functions: Mapping[str, str] = {
        "exp": "torch.exp",
        "log": "torch.log",
        "log1p": "torch.log1p",
        "expm1": "torch.expm1",
        "sqrt": "torch.sqrt",
        "square": "torch.square",
        "abs": "torch.abs",
        "sin": "torch.sin",
        "cos": "torch.cos",
        "tan": "torch.tan",
        "arcsin": "torch.arcsin",
        "arccos": "torch.arccos",
        "arctan": "torch.arctan",
        "sinh": "torch.sinh",
        "cosh": "torch.cosh",
        "tanh": "torch.tanh",
        "sigmoid": "torch.sigmoid",
        "logit": "torch.logit",
        "softplus": "torch.nn.functional.softplus",
        "log_sigmoid": "torch.nn.functional.logsigmoid",
        "lgamma": "torch.lgamma",
        "digamma": "torch.digamma",
        "erf": "torch.special.erf",
        "normal_cdf": "torch.special.ndtr",
        "not": "torch.logical_not",
    }
    binary_functions: Mapping[str, str] = {
        "maximum": "torch.maximum",
        "minimum": "torch.minimum",
    }
    reduce_functions: Mapping[str, str] = {
        "sum": "torch.sum",
        "mean": "torch.mean",
        "prod": "torch.prod",
        "max": "torch.amax",
        "min": "torch.amin",
        "logsumexp": "torch.logsumexp",
    }
    axis_functions: Mapping[str, str] = {
        "cumsum": "torch.cumsum",
        "softmax": "torch.softmax",
        "log_softmax": "torch.log_softmax",
    }
    where_function = "torch.where"
    concatenate_function = "torch.cat"
    stack_function = "torch.stack"
    transpose_function = "torch.permute"
    einsum_function = "torch.einsum"
    axis_keyword = "dim"

    # ---- arguments of torch functions -----------------------------------------------------
    def tensor(self, node: E.Expr, real: bool = False, atom: bool = False) -> str:
        """``node`` as a torch function argument: a tensor, float64 when ``real`` and the
        IR value is integer or boolean (where NumPy would compute in floats); with
        ``atom`` parenthesised as needed to take a method call."""
        cast = real and node.dtype != E.REAL
        if constant_only(node):
            text = self.doprint(node)
            dtype = ", dtype=torch.float64" if cast else ""
            return f"torch.as_tensor({text}{dtype})"
        if cast:
            return f"{self.wrap(node, ATOM)}.double()"
        return self.wrap(node, ATOM) if atom else self.doprint(node)

    def _print_Unary(self, node: E.Unary):
        if node.op == "neg":
            return super()._print_Unary(node)
        fn = self.unary_functions.get(node.op)
        if fn is None:
            return self._unsupported(node, node.op)
        return f"{fn}({self.tensor(node.x, real=node.dtype == E.REAL)})", ATOM

    def _print_Binary(self, node: E.Binary):
        if node.op in self.binary_functions:
            fn = self.binary_functions[node.op]
            return f"{fn}({self.tensor(node.a)}, {self.tensor(node.b)})", ATOM
        # The IR's ``**`` is real-valued (as NumPy's float power); torch's ``int ** int``
        # stays integer, so integer operands go through ``torch.float_power`` (Python
        # numbers alone are left to Python, whose ``**`` gives the same value).
        constants = constant_only(node.a) and constant_only(node.b)
        if node.op == "pow" and E.REAL not in (node.a.dtype, node.b.dtype) and not constants:
            return f"torch.float_power({self.tensor(node.a)}, {self.doprint(node.b)})", ATOM
        return super()._print_Binary(node)

    def _print_Where(self, node: E.Where):
        # torch.where takes Python numbers for the two branches, not for the condition.
        args = ", ".join([self.tensor(node.cond), self.doprint(node.a), self.doprint(node.b)])
        return f"{self.where_function}({args})", ATOM

    def _print_Reduce(self, node: E.Reduce):
        fn = self.reduce_functions.get(node.op)
        if fn is None:
            return self._unsupported(node, node.op)
        x = self.tensor(node.x, real=node.op in ("mean", "logsumexp"))
        every = node.axes is None or len(node.axes) == node.x.ndim
        if node.op == "logsumexp" and every:  # torch.logsumexp needs its dims
            if node.x.ndim == 1:
                return f"{fn}({x}, dim=0)", ATOM
            x = self.tensor(node.x, real=True, atom=True)
            return f"{fn}({x}.flatten(), dim=0)", ATOM
        if every:
            return f"{fn}({x})", ATOM
        if node.op == "prod" and len(node.axes) > 1:  # torch.prod takes one dim
            for axis in sorted(node.axes, reverse=True):
                x = f"{fn}({x}, dim={axis})"
            return x, ATOM
        return f"{fn}({x}{self._axis_arg(node.axes)})", ATOM

    def _print_AxisOp(self, node: E.AxisOp):
        fn = self.axis_functions.get(node.op)
        if fn is None:
            return self._unsupported(node, node.op)
        x = self.tensor(node.x, real=node.dtype == E.REAL)
        return f"{fn}({x}, dim={node.axis})", ATOM

    def _print_MatMul(self, node: E.MatMul):
        # torch's matmul needs both operands of one dtype; NumPy promotes int to float.
        if node.a.dtype == node.b.dtype:
            return super()._print_MatMul(node)
        prec = PRECEDENCE["matmul"]
        a = self.tensor(node.a, real=True) if node.a.dtype != E.REAL else self.wrap(node.a, prec)
        b = (self.tensor(node.b, real=True) if node.b.dtype != E.REAL
             else self.wrap(node.b, prec, strict=True))
        return f"{a} @ {b}", prec

    def _print_Einsum(self, node: E.Einsum):
        # torch.einsum needs operands of one dtype; NumPy promotes int to float.
        real = node.dtype == E.REAL
        operands = ", ".join(self.tensor(op, real=real) for op in node.args)
        return f"{self.einsum_function}({node.subscripts!r}, {operands})", ATOM

    def _print_Transpose(self, node: E.Transpose):
        if node.x.ndim < 2:  # reversing 0 or 1 axes changes nothing
            return self._print(node.x)
        if node.x.ndim == 2 and node.axes == (1, 0):
            return f"{self.wrap(node.x, ATOM)}.T", ATOM
        return f"{self.transpose_function}({self.doprint(node.x)}, {node.axes})", ATOM

    def _print_Index(self, node: E.Index):
        for item in node.items:
            if isinstance(item, E.Slice) and item.step is not None and item.step < 0:
                self._unsupported(node, f"a negative slice step ({item.step})")
        return super()._print_Index(node)

    def _print_Concat(self, node: E.Concat):
        fn = self.stack_function if node.stack else self.concatenate_function
        items = ", ".join(self.tensor(it) for it in node.items)
        return f"{fn}([{items}], dim={node.axis})", ATOM
