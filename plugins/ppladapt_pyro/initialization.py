"""Initial values for improper priors (Flat, HalfFlat).

Pyro's init strategies (``init_to_uniform`` for NUTS, ``init_to_feasible`` for the
autoguides) start by drawing from the site's distribution, which ``ImproperUniform``
cannot do. `with_improper` handles those sites itself and leaves every other site to the
strategy it wraps: a point drawn uniformly in (-radius, radius) on the unconstrained scale
(radius 0 gives the centre: 0 for Flat, 1 for HalfFlat).
"""

from __future__ import annotations

from typing import Callable

import pyro.distributions as dist
import torch
from torch.distributions import transform_to


def is_improper(fn) -> bool:
    """True for an ``ImproperUniform`` (possibly made one event by ``.to_event``)."""
    while isinstance(fn, dist.Independent):
        fn = fn.base_dist
    return isinstance(fn, dist.ImproperUniform)


def with_improper(site: dict, fallback: Callable, radius: float = 2.0) -> torch.Tensor:
    """An initial value for ``site``: uniform on the unconstrained scale for an improper
    prior, ``fallback(site)`` otherwise."""
    fn = site["fn"]
    if not is_improper(fn):
        return fallback(site)
    transform = transform_to(fn.support)
    shape = transform.inverse_shape(fn.shape())
    value = transform((torch.rand(shape) * 2.0 - 1.0) * radius)
    value._pyro_custom_init = False
    return value


def feasible_with_improper(site: dict, fallback: Callable) -> torch.Tensor:
    """As `with_improper`, at the centre of the unconstrained scale (the autoguides'
    default, ``init_to_feasible``, does the same for proper priors)."""
    return with_improper(site, fallback, radius=0.0)
