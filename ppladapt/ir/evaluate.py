"""NumPy evaluation of IR expressions: the reference semantics of every node.

Used to check constant parameters and data when a model is built, and by the reference
log-density evaluator. Values of sites and data come from ``env`` (name -> array).
"""

from __future__ import annotations

from functools import cache
from typing import Callable, Mapping

import numpy as np

from ppladapt.ir import expr as E


@cache
def _unary_table() -> dict[str, Callable]:
    from scipy import special

    return {
        "neg": np.negative, "exp": np.exp, "log": np.log, "log1p": np.log1p,
        "expm1": np.expm1, "sqrt": np.sqrt, "square": np.square, "abs": np.abs,
        "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin,
        "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
        "tanh": np.tanh, "sigmoid": special.expit, "logit": special.logit,
        "softplus": lambda x: np.logaddexp(0.0, x), "log_sigmoid": special.log_expit,
        "lgamma": special.gammaln, "digamma": special.digamma, "erf": special.erf,
        "normal_cdf": special.ndtr, "not": np.logical_not,
    }


_BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "pow": lambda a, b: np.power(np.asarray(a, dtype=float), b),
    "maximum": np.maximum, "minimum": np.minimum,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal, "and": np.logical_and, "or": np.logical_or,
}


def _logsumexp(x, axis):
    from scipy.special import logsumexp

    return logsumexp(x, axis=axis)


_REDUCE = {
    "sum": np.sum, "mean": np.mean, "prod": np.prod, "max": np.max, "min": np.min,
    "logsumexp": _logsumexp,
}


def _softmax(x, axis):
    from scipy.special import softmax

    return softmax(x, axis=axis)


def _log_softmax(x, axis):
    from scipy.special import log_softmax

    return log_softmax(x, axis=axis)


_AXIS = {"cumsum": np.cumsum, "softmax": _softmax, "log_softmax": _log_softmax}


class Unresolved(KeyError):
    """A site or data value the environment does not hold."""


def evaluate(node: E.Expr, env: Mapping[str, np.ndarray]) -> np.ndarray:
    """The value of ``node`` given values for the sites and data it refers to."""
    with E.recursion_headroom():
        return _evaluate(node, env)


def _evaluate(node: E.Expr, env: Mapping[str, np.ndarray]) -> np.ndarray:
    if isinstance(node, E.Const):
        return np.asarray(node.value)
    if isinstance(node, (E.DataRef, E.SiteRef)):
        if node.name not in env:
            raise Unresolved(node.name)
        return np.asarray(env[node.name])
    if isinstance(node, E.Unary):
        x = _evaluate(node.x, env)
        if node.dtype == E.REAL:
            x = np.asarray(x, dtype=float)
        return _unary_table()[node.op](x)
    if isinstance(node, E.Binary):
        return _BINARY[node.op](_evaluate(node.a, env), _evaluate(node.b, env))
    if isinstance(node, E.Where):
        return np.where(_evaluate(node.cond, env), _evaluate(node.a, env), _evaluate(node.b, env))
    if isinstance(node, E.Reduce):
        return _REDUCE[node.op](_evaluate(node.x, env), axis=node.axes)
    if isinstance(node, E.AxisOp):
        return _AXIS[node.op](_evaluate(node.x, env), axis=node.axis)
    if isinstance(node, E.MatMul):
        return np.matmul(_evaluate(node.a, env), _evaluate(node.b, env))
    if isinstance(node, E.Einsum):
        return np.einsum(node.subscripts, *(_evaluate(op, env) for op in node.args))
    if isinstance(node, E.Index):
        x = _evaluate(node.x, env)
        return x[tuple(_index_item(it, env) for it in node.items)]
    if isinstance(node, E.Transpose):
        return np.transpose(_evaluate(node.x, env), node.axes)
    if isinstance(node, E.Concat):
        items = [_evaluate(it, env) for it in node.items]
        return np.stack(items, node.axis) if node.stack else np.concatenate(items, node.axis)
    if isinstance(node, E.AlignPlates):
        x = _evaluate(node.x, env)
        return np.expand_dims(x, tuple(node.new_axes())) if node.new_axes() else x
    raise TypeError(f"no NumPy evaluation for node {type(node).__name__}")


def _index_item(item, env):
    if isinstance(item, E.NewAxis):
        return None
    if isinstance(item, E.Slice):
        return item.as_slice()
    if isinstance(item, E.Expr):
        return _evaluate(item, env)
    return item


def try_evaluate(node: E.Expr, env: Mapping[str, np.ndarray]):
    """``evaluate`` for expressions of data and constants only; None if it needs a site."""
    try:
        return evaluate(node, env)
    except Unresolved:
        return None
