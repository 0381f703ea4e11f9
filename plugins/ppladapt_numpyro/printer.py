"""`NumPyroPrinter`: IR expressions as JAX code (``jnp``, ``jax.nn``, ``jax.scipy.special``).

The Python base printer does the dispatch, precedence and indexing; this printer holds
the JAX function tables, written out one entry per IR operation, and the one operation
whose NumPy spelling would change meaning under JAX (``int ** int``).
"""

from __future__ import annotations

from typing import Mapping

from ppladapt.codegen.printer import PRECEDENCE, PythonArrayPrinter
from ppladapt.ir import expr as E


class NumPyroPrinter(PythonArrayPrinter):
    """Prints IR expressions as JAX code for the generated NumPyro module."""

    language = "numpyro"

    unary_functions: Mapping[str, str] = {
        "exp": "jnp.exp",
        "log": "jnp.log",
        "log1p": "jnp.log1p",
        "expm1": "jnp.expm1",
        "sqrt": "jnp.sqrt",
        "square": "jnp.square",
        "abs": "jnp.abs",
        "sin": "jnp.sin",
        "cos": "jnp.cos",
        "tan": "jnp.tan",
        "arcsin": "jnp.arcsin",
        "arccos": "jnp.arccos",
        "arctan": "jnp.arctan",
        "sinh": "jnp.sinh",
        "cosh": "jnp.cosh",
        "tanh": "jnp.tanh",
        "sigmoid": "jax.nn.sigmoid",
        "logit": "jax.scipy.special.logit",
        "softplus": "jax.nn.softplus",
        "log_sigmoid": "jax.nn.log_sigmoid",
        "lgamma": "jax.scipy.special.gammaln",
        "digamma": "jax.scipy.special.digamma",
        "erf": "jax.scipy.special.erf",
        "normal_cdf": "jax.scipy.special.ndtr",
        "not": "jnp.logical_not",
    }
    binary_functions: Mapping[str, str] = {
        "maximum": "jnp.maximum",
        "minimum": "jnp.minimum",
    }
    reduce_functions: Mapping[str, str] = {
        "sum": "jnp.sum",
        "mean": "jnp.mean",
        "prod": "jnp.prod",
        "max": "jnp.max",
        "min": "jnp.min",
        "logsumexp": "jax.scipy.special.logsumexp",
    }
    axis_functions: Mapping[str, str] = {
        "cumsum": "jnp.cumsum",
        "softmax": "jax.nn.softmax",
        "log_softmax": "jax.nn.log_softmax",
    }
    where_function = "jnp.where"
    concatenate_function = "jnp.concatenate"
    stack_function = "jnp.stack"
    transpose_function = "jnp.transpose"
    einsum_function = "jnp.einsum"

    def _print_Binary(self, node: E.Binary):
        # The IR's ``**`` is real-valued (as NumPy's float power); JAX's ``int ** int``
        # stays integer, so integer operands go through ``jnp.float_power``.
        if node.op == "pow" and node.a.dtype != E.REAL and node.b.dtype != E.REAL:
            return (
                f"jnp.float_power({self.doprint(node.a)}, {self.doprint(node.b)})",
                PRECEDENCE["atom"],
            )
        return super()._print_Binary(node)
