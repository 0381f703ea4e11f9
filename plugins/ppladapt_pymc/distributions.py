"""Registry families that PyMC does not have as such, written as PyMC distributions.

One family: `LKJCholesky(n, eta)`, the Cholesky factor ``L`` of an LKJ-distributed
correlation matrix, with its density over ``L`` itself (NumPyro's and Stan's
``lkj_corr_cholesky``). PyMC's nearest relatives do not give that density: ``LKJCorr`` is
a density over the packed correlations (no Cholesky Jacobian, constant ``eta`` only, no
batches) and ``LKJCholeskyCov`` is over covariance factors with a distribution on the
standard deviations. So the generated code imports this one when a model uses the family.

- log density (w.r.t. Lebesgue measure on the strictly lower entries of ``L``):
  ``sum_{i=2..n} (2 eta - 2 + n - i) log L_ii - log c_n(eta)``, with the LKJ normaliser
  ``c_n`` of Lewandowski, Kurowicka & Joe (2009, eq. 16); ``-inf`` off the support.
- draws: the C-vine method in Cholesky form (partial correlation ``(i, j)`` is
  ``2 Beta(b_j, b_j) - 1`` with ``b_j = eta + (n - 2 - j) / 2``, then signed stick
  breaking), as NumPyro draws it.
- sampling: `CorrCholeskyTransform` maps ``n (n - 1) / 2`` unconstrained reals onto the
  factor (``tanh``, then signed stick breaking), with its log Jacobian, so NUTS and ADVI
  move freely and every point they visit is a valid factor.

This module imports PyMC; only generated code that uses the family imports it.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
from pymc.distributions.distribution import Continuous
from pymc.distributions.transforms import _default_transform
from pymc.logprob.transforms import Transform
from pytensor.tensor.random.op import RandomVariable

__all__ = ["LKJCholesky", "CorrCholeskyTransform"]

SUPPORT_TOLERANCE = 1e-6  # how far a row of L may be from unit length (as ppladapt.reference)


def _lower(n: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the entries below diagonal ``offset`` (row-major)."""
    return np.tril_indices(n, offset)


def _stick_breaking(t, n: int):
    """Cholesky factor whose strictly lower entries are built from the partial
    correlations ``t`` (..., n (n-1) / 2): ``L_ij = t_ij sqrt(1 - sum_{k<j} L_ik^2)``,
    ``L_ii = sqrt(1 - sum_{k<i} L_ik^2)``. Works on PyTensor tensors."""
    rows, cols = _lower(n, -1)
    r = pt.zeros((*t.shape[:-1], n, n))[..., rows, cols].set(t)
    remaining = pt.cumprod(1.0 - r**2, axis=-1)
    ones = pt.ones_like(remaining[..., :1])
    shifted = pt.concatenate([ones, pt.sqrt(remaining[..., :-1])], axis=-1)
    return (r + pt.eye(n)) * shifted


def log_normalizer(eta, n: int):
    """log c_n(eta) = sum_{k=1}^{n-1} (n - k) [(2 eta - 2 + n - k) log 2 + log B(b_k, b_k)],
    b_k = eta + (n - k - 1) / 2 (LKJ 2009, eq. 16), for a batch of ``eta``."""
    k = np.arange(1, n, dtype="float64")
    eta = pt.as_tensor_variable(eta)[..., None]
    b = eta + (n - k - 1.0) / 2.0
    terms = (n - k) * ((2.0 * eta - 2.0 + n - k) * np.log(2.0) + pt.special.betaln(b, b))
    return pt.sum(terms, axis=-1)


class CorrCholeskyTransform(Transform):
    """Unconstrained reals (..., n (n-1) / 2) <-> Cholesky factors of correlation
    matrices (..., n, n): ``L = stick_breaking(tanh(y))``."""

    name = "corr-cholesky"  # no underscore: PyMC parses value names "L_{name}__"
    ndim_supp = 2

    def __init__(self, n: int):
        self.n = int(n)

    def backward(self, value, *inputs):
        eps = np.finfo("float64").eps
        return _stick_breaking(pt.clip(pt.tanh(value), -1.0 + eps, 1.0 - eps), self.n)

    def forward(self, value, *inputs):
        rows, cols = _lower(self.n, -1)
        remaining = 1.0 - pt.cumsum(value**2, axis=-1)
        shifted = pt.concatenate([pt.ones_like(remaining[..., :1]), remaining[..., :-1]], axis=-1)
        return pt.arctanh(value[..., rows, cols] / pt.sqrt(shifted[..., rows, cols]))

    def log_jac_det(self, value, *inputs):
        # d L_ij / d t_ij = sqrt(1 - sum_{k<j} L_ik^2) (the row's Jacobian is triangular),
        # d t / d y = 1 - tanh(y)^2 = exp(-2 (y + softplus(-2 y) - log 2)).
        rows, cols = _lower(self.n, -2)
        remaining = 1.0 - pt.cumsum(self.backward(value) ** 2, axis=-1)
        stick = 0.5 * pt.sum(pt.log(remaining[..., rows, cols]), axis=-1)
        tanh = -2.0 * pt.sum(value + pt.softplus(-2.0 * value) - np.log(2.0), axis=-1)
        return stick + tanh


class LKJCholeskyRV(RandomVariable):
    """Draws of the Cholesky factor of an LKJ(eta) correlation matrix of size n."""

    name = "lkj_cholesky"
    signature = "(),()->(n,n)"
    dtype = "floatX"
    _print_name = ("LKJCholesky", "\\operatorname{LKJCholesky}")

    def _supp_shape_from_params(self, dist_params, param_shapes=None):
        n = dist_params[0]
        return (n, n)

    @classmethod
    def rng_fn(cls, rng, n, eta, size):
        n = int(np.ravel(n)[0])  # a scalar parameter, broadcast to the batch dims
        batch = tuple(size) if size is not None else np.shape(eta)
        eta = np.broadcast_to(eta, batch)
        rows, cols = np.tril_indices(n, -1)
        conc = eta[..., None] + (n - 2 - cols) / 2.0
        t = 2.0 * rng.beta(conc, conc) - 1.0
        r = np.zeros(batch + (n, n))
        r[..., rows, cols] = t
        remaining = np.cumprod(1.0 - r**2, axis=-1)
        shifted = np.concatenate([np.ones(batch + (n, 1)), np.sqrt(remaining[..., :-1])], axis=-1)
        return (r + np.eye(n)) * shifted


lkj_cholesky = LKJCholeskyRV()


class LKJCholesky(Continuous):
    r"""Cholesky factor ``L`` of an ``n x n`` LKJ(eta) correlation matrix, density over
    ``L`` (as NumPyro's ``LKJCholesky`` and Stan's ``lkj_corr_cholesky``).

    Parameters
    ----------
    n : int
        Size of the correlation matrix (fixed when the model is built, at least 2).
    eta : tensor_like of float
        Concentration (eta > 0); may be random and batched.
    """

    rv_op = lkj_cholesky

    @classmethod
    def dist(cls, n, eta, **kwargs):
        n = pt.as_tensor_variable(int(n), dtype="int64")
        eta = pt.as_tensor_variable(eta).astype("float64")
        return super().dist([n, eta], **kwargs)

    def support_point(rv, size, n, eta):
        return pt.zeros_like(rv) + pt.eye(rv.shape[-1])

    def logp(value, n, eta):
        d = int(pt.get_underlying_scalar_constant_value(n))
        diag = pt.diagonal(value, axis1=-2, axis2=-1)
        order = 2.0 * pt.as_tensor_variable(eta)[..., None] - 2.0 + d - np.arange(2, d + 1)
        logp = pt.sum(order * pt.log(diag[..., 1:]), axis=-1) - log_normalizer(eta, d)
        upper = np.triu(np.ones((d, d), dtype=bool), 1)
        inside = (
            pt.all(pt.eq(pt.where(upper, value, 0.0), 0.0), axis=(-2, -1))
            & pt.all(diag > 0, axis=-1)
            & pt.all(pt.abs(pt.sum(value**2, axis=-1) - 1.0) <= SUPPORT_TOLERANCE, axis=-1)
        )
        return pt.switch(inside, logp, -np.inf)


@_default_transform.register(LKJCholeskyRV)
def _lkj_cholesky_transform(op, rv):
    n = int(pt.get_underlying_scalar_constant_value(rv.owner.inputs[2]))
    return CorrCholeskyTransform(n)
