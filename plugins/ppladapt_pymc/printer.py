"""`PyMCPrinter`: IR expressions as PyTensor code (``pt``, ``pt.special``, ``pm.math``).

The Python base printer does the dispatch, precedence and indexing (PyTensor indexes as
NumPy does: ints, slices, ``None`` and integer arrays). This printer holds the PyTensor
function tables, one entry per IR operation, and the spellings whose NumPy form would
change meaning on PyTensor tensors: ``==``/``!=`` (identity comparisons on PyTensor
variables), ``int ** int`` (integer-valued in PyTensor, real in the IR) and
``log_sigmoid`` (which PyTensor spells through ``softplus``).
"""

from __future__ import annotations

from typing import Mapping

from ppladapt.codegen.printer import PRECEDENCE, PythonArrayPrinter
from ppladapt.ir import expr as E


class PyMCPrinter(PythonArrayPrinter):
    """Prints IR expressions as PyTensor code for the generated PyMC module."""

    language = "pymc"

    def _print_Const(self, node: E.Const):
        if isinstance(node.value, bool):  # PyTensor refuses to cast a Python bool
            return f'pt.constant({node.value}, dtype="bool")', PRECEDENCE["atom"]
        return super()._print_Const(node)

    unary_functions: Mapping[str, str] = {
        "exp": "pt.exp",
        "log": "pt.log",
        "log1p": "pt.log1p",
        "expm1": "pt.expm1",
        "sqrt": "pt.sqrt",
        "square": "pt.square",
        "abs": "pt.abs",
        "sin": "pt.sin",
        "cos": "pt.cos",
        "tan": "pt.tan",
        "arcsin": "pt.arcsin",
        "arccos": "pt.arccos",
        "arctan": "pt.arctan",
        "sinh": "pt.sinh",
        "cosh": "pt.cosh",
        "tanh": "pt.tanh",
        "sigmoid": "pt.sigmoid",
        "logit": "pt.special.logit",
        "softplus": "pt.softplus",
        "lgamma": "pt.gammaln",
        "digamma": "pt.digamma",
        "erf": "pt.erf",
        "normal_cdf": "pm.math.invprobit",
        "not": "pt.invert",
    }
    binary_functions: Mapping[str, str] = {
        "maximum": "pt.maximum",
        "minimum": "pt.minimum",
        "eq": "pt.eq",
        "ne": "pt.neq",
    }
    reduce_functions: Mapping[str, str] = {
        "sum": "pt.sum",
        "mean": "pt.mean",
        "prod": "pt.prod",
        "max": "pt.max",
        "min": "pt.min",
        "logsumexp": "pt.logsumexp",
    }
    axis_functions: Mapping[str, str] = {
        "cumsum": "pt.cumsum",
        "softmax": "pt.special.softmax",
        "log_softmax": "pt.special.log_softmax",
    }
    where_function = "pt.where"
    concatenate_function = "pt.concatenate"
    stack_function = "pt.stack"
    transpose_function = "pt.transpose"
    einsum_function = "pt.einsum"

    def _print_Unary(self, node: E.Unary):
        if node.op == "log_sigmoid":  # log(sigmoid(x)) = -softplus(-x), stable
            inner = self.wrap(node.x, PRECEDENCE["unary"])
            return f"-pt.softplus(-{inner})", PRECEDENCE["unary"]
        return super()._print_Unary(node)

    def _print_Binary(self, node: E.Binary):
        # The IR's ``**`` is real-valued (NumPy's float power); PyTensor's and NumPy's
        # ``int ** int`` stay integer, so an integer base is cast to float64 first.
        if node.op == "pow" and node.a.dtype != E.REAL and node.b.dtype != E.REAL:
            base = f'pt.cast({self.doprint(node.a)}, "float64")'
            return f"{base} ** {self.wrap(node.b, PRECEDENCE['pow'])}", PRECEDENCE["pow"]
        return super()._print_Binary(node)
