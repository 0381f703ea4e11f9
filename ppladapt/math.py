"""Functions for model expressions (``pa.math.exp(x)``, ``pa.math.sum(x, axis=0)``...).

Each builds an IR node; elementwise functions of several arguments align them by plate.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

from ppladapt.frontend import ops
from ppladapt.ir import expr as E

Axis = Optional[Union[int, Sequence[int]]]

__all__ = [
    "exp", "log", "log1p", "expm1", "sqrt", "square", "abs", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "inv_logit",
    "logit", "softplus", "log_sigmoid", "lgamma", "digamma", "erf", "normal_cdf",
    "sum", "mean", "prod", "max", "min", "logsumexp", "cumsum", "softmax",
    "log_softmax", "dot", "matmul", "einsum", "where", "maximum", "minimum", "stack",
    "concatenate", "transpose", "equal", "not_equal",
]


def _unary(op: str, x: Any) -> E.Expr:
    return E.Unary(op, ops.as_expr(x))


def exp(x: Any) -> E.Expr:
    """e**x."""
    return _unary("exp", x)


def log(x: Any) -> E.Expr:
    """Natural logarithm."""
    return _unary("log", x)


def log1p(x: Any) -> E.Expr:
    """log(1 + x), accurate near 0."""
    return _unary("log1p", x)


def expm1(x: Any) -> E.Expr:
    """exp(x) - 1, accurate near 0."""
    return _unary("expm1", x)


def sqrt(x: Any) -> E.Expr:
    """Square root."""
    return _unary("sqrt", x)


def square(x: Any) -> E.Expr:
    """x**2."""
    return _unary("square", x)


def abs(x: Any) -> E.Expr:  # noqa: A001
    """Absolute value."""
    return _unary("abs", x)


def sin(x: Any) -> E.Expr:
    """Sine."""
    return _unary("sin", x)


def cos(x: Any) -> E.Expr:
    """Cosine."""
    return _unary("cos", x)


def tan(x: Any) -> E.Expr:
    """Tangent."""
    return _unary("tan", x)


def arcsin(x: Any) -> E.Expr:
    """Inverse sine."""
    return _unary("arcsin", x)


def arccos(x: Any) -> E.Expr:
    """Inverse cosine."""
    return _unary("arccos", x)


def arctan(x: Any) -> E.Expr:
    """Inverse tangent."""
    return _unary("arctan", x)


def sinh(x: Any) -> E.Expr:
    """Hyperbolic sine."""
    return _unary("sinh", x)


def cosh(x: Any) -> E.Expr:
    """Hyperbolic cosine."""
    return _unary("cosh", x)


def tanh(x: Any) -> E.Expr:
    """Hyperbolic tangent."""
    return _unary("tanh", x)


def sigmoid(x: Any) -> E.Expr:
    """1 / (1 + exp(-x)), the inverse logit."""
    return _unary("sigmoid", x)


def logit(x: Any) -> E.Expr:
    """log(x / (1 - x))."""
    return _unary("logit", x)


def softplus(x: Any) -> E.Expr:
    """log(1 + exp(x))."""
    return _unary("softplus", x)


def log_sigmoid(x: Any) -> E.Expr:
    """log(sigmoid(x)), stable."""
    return _unary("log_sigmoid", x)


def lgamma(x: Any) -> E.Expr:
    """log |Gamma(x)|."""
    return _unary("lgamma", x)


def digamma(x: Any) -> E.Expr:
    """Derivative of lgamma."""
    return _unary("digamma", x)


def erf(x: Any) -> E.Expr:
    """The error function."""
    return _unary("erf", x)


def normal_cdf(x: Any) -> E.Expr:
    """Standard normal CDF (Stan's Phi)."""
    return _unary("normal_cdf", x)



inv_logit = sigmoid


def _axes(axis: Axis) -> Optional[tuple[int, ...]]:
    if axis is None:
        return None
    return (int(axis),) if isinstance(axis, int) else tuple(int(a) for a in axis)


def sum(x, axis: Axis = None) -> E.Expr:  # noqa: A001
    """Sum over ``axis`` (all axes when None)."""
    return E.Reduce("sum", ops.as_expr(x), _axes(axis))


def mean(x, axis: Axis = None) -> E.Expr:
    """Mean over ``axis``."""
    return E.Reduce("mean", ops.as_expr(x), _axes(axis))


def prod(x, axis: Axis = None) -> E.Expr:
    """Product over ``axis``."""
    return E.Reduce("prod", ops.as_expr(x), _axes(axis))


def max(x, axis: Axis = None) -> E.Expr:  # noqa: A001
    """Maximum over ``axis``."""
    return E.Reduce("max", ops.as_expr(x), _axes(axis))


def min(x, axis: Axis = None) -> E.Expr:  # noqa: A001
    """Minimum over ``axis``."""
    return E.Reduce("min", ops.as_expr(x), _axes(axis))


def logsumexp(x, axis: Axis = None) -> E.Expr:
    """log(sum(exp(x))) over ``axis``, computed stably (mixture models)."""
    return E.Reduce("logsumexp", ops.as_expr(x), _axes(axis))


def cumsum(x, axis: int = -1) -> E.Expr:
    """Cumulative sum along ``axis``."""
    return E.AxisOp("cumsum", ops.as_expr(x), axis)


def softmax(x, axis: int = -1) -> E.Expr:
    """exp(x) / sum(exp(x)) along ``axis``."""
    return E.AxisOp("softmax", ops.as_expr(x), axis)


def log_softmax(x, axis: int = -1) -> E.Expr:
    """x - logsumexp(x) along ``axis``."""
    return E.AxisOp("log_softmax", ops.as_expr(x), axis)


def matmul(a, b) -> E.Expr:
    """Matrix product, as ``a @ b``."""
    return ops.matmul(a, b)


dot = matmul


def einsum(subscripts: str, *operands: Any) -> E.Expr:
    """A contraction in ``numpy.einsum`` notation with the output written out:
    ``einsum("ctl,cl->tc", x, w)[t, c] = sum_l x[c, t, l] * w[c, l]``."""
    return E.Einsum(subscripts, tuple(ops.as_expr(arg) for arg in operands))


def where(cond, a, b) -> E.Expr:
    """Elementwise ``a`` where ``cond`` holds, else ``b``."""
    return ops.where(cond, a, b)


def maximum(a, b) -> E.Expr:
    """Elementwise maximum."""
    return ops.binary("maximum", a, b)


def minimum(a, b) -> E.Expr:
    """Elementwise minimum."""
    return ops.binary("minimum", a, b)


def equal(a, b) -> E.Expr:
    """Elementwise a == b (``==`` on expressions compares the trees themselves)."""
    return ops.binary("eq", a, b)


def not_equal(a, b) -> E.Expr:
    """Elementwise a != b."""
    return ops.binary("ne", a, b)


def stack(items: Sequence[Any], axis: int = 0) -> E.Expr:
    """Stack equally shaped expressions along a new axis."""
    return E.Concat(tuple(ops.as_expr(it) for it in items), axis, True)


def concatenate(items: Sequence[Any], axis: int = 0) -> E.Expr:
    """Join expressions along an existing axis."""
    return E.Concat(tuple(ops.as_expr(it) for it in items), axis, False)


def transpose(x, axes: Optional[Sequence[int]] = None) -> E.Expr:
    """Permute axes (reverse them when ``axes`` is None)."""
    return E.Transpose(ops.as_expr(x), None if axes is None else tuple(axes))
