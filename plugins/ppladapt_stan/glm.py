"""Stan's GLM likelihoods for a linear predictor ``alpha + X @ beta`` over one plate.

``Bernoulli(logits=alpha + X @ beta)`` prints as ``bernoulli_logit_glm_lpmf(y | X, alpha,
beta)`` and ``Normal(alpha + X @ beta, sigma)`` as ``normal_id_glm_lpdf(y | X, alpha,
beta, sigma)``: what a Stan user writes, one call with analytic gradients instead of a
matrix-vector product on the autodiff stack followed by an elementwise density (the same
value, normalising constants included; about 1.4x faster per gradient on the logistic
example). The intercept may be absent (0), a scalar, or a vector over the plate; ``X``
an (N, K) matrix and ``beta`` a K-vector, data or parameters.
"""

from __future__ import annotations

from typing import Optional

from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt_stan.printed import NotVectorizable, Printed
from ppladapt_stan.printer import StanPrinter

# family name -> (Stan GLM density, the IR parameter holding the linear predictor)
GLMS = {
    "Bernoulli": ("bernoulli_logit_glm_lpmf", "logits"),
    "Normal": ("normal_id_glm_lpdf", "loc"),
}


def linear_predictor(node: E.Expr, n: int) -> Optional[tuple[Optional[E.Expr], E.MatMul]]:
    """``(alpha, X @ beta)`` when ``node`` is ``X @ beta``, ``alpha + X @ beta`` or
    ``X @ beta + alpha`` with ``X`` of shape (n, K), ``beta`` (K,) and ``alpha`` a
    scalar or of shape (n,) (``alpha`` None when absent); else None."""

    def product(x: E.Expr) -> bool:
        return isinstance(x, E.MatMul) and x.a.ndim == 2 and x.b.ndim == 1 and x.shape == (n,)

    if product(node):
        return None, node
    if isinstance(node, E.Binary) and node.op == "add":
        for x, alpha in ((node.b, node.a), (node.a, node.b)):
            if product(x) and alpha.shape in ((), (n,)):
                return alpha, x
    return None


def glm_density(printer: StanPrinter, dist: Distribution, y: Printed,
                arguments: dict[str, Printed], n: int) -> Optional[str]:
    """The GLM density call of ``dist`` for observations ``y`` (the whole plate of ``n``),
    or None when it has none. ``arguments`` are the family's printed arguments by IR
    name, of which those other than the linear predictor (Normal's scale) are passed on.
    Local variables a part needs go to the printer's scope; the caller rolls the scope
    back when this returns None."""
    if dist.name not in GLMS or dist.param(GLMS[dist.name][1]) is None:
        return None
    density, key = GLMS[dist.name]
    found = linear_predictor(dist.param(key), n)
    if found is None:
        return None
    alpha, product = found
    if dist.name == "Bernoulli" and not (y.type.is_int and y.type.dims == (n,)):
        return None
    if dist.name == "Normal" and not (y.type.base == "vector" and not y.type.dims):
        return None
    others = [p for name, p in arguments.items() if name != key]
    if any(not (p.type.is_scalar or (p.type.base == "vector" and not p.type.dims))
           for p in others):
        return None
    try:
        with E.recursion_headroom():
            x = printer.as_real(printer.container(product.a, (None, None)))
            beta = printer.as_vector(printer.container(product.b, (None,)))
            intercept = None if alpha is None else printer.as_vector(
                printer.container(alpha, (None,) * alpha.ndim))
    except NotVectorizable:
        return None
    if x.type.base != "matrix" or x.type.dims or beta.type.base != "vector" or beta.type.dims:
        return None
    texts = [x.text, "0" if intercept is None else intercept.text, beta.text]
    return f"{density}({y.text} | {', '.join(texts + [p.text for p in others])})"
