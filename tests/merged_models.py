"""Many IR models as one: every name (data, plates, sites) prefixed per model.

A backend with a slow compiler (Stan builds each program in ~40 s) checks a whole suite
of cases with one program: the merged model's log density is the sum of the parts'.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable, Mapping

from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.model import DataEntry, Deterministic, Factor, Likelihood, Model, Plate, Prior

# Backends that build each program slowly (Stan: a C++ build of 20-40 s per model) check a
# suite of cases with one merged program instead of one program per case.
ONE_PROGRAM_BACKENDS = {"stan"}


def merges_cases(backend: str) -> bool:
    """Whether the tests check ``backend`` on merged models; PPLADAPT_TEST_EVERY_CASE=1
    makes them build one program per case on every backend."""
    return backend in ONE_PROGRAM_BACKENDS and not os.environ.get("PPLADAPT_TEST_EVERY_CASE")


def _rename_expr(node: E.Expr, rename: Callable[[str], str]) -> E.Expr:
    if isinstance(node, E.DataRef):
        return dataclasses.replace(node, name=rename(node.name))
    if isinstance(node, E.SiteRef):
        return dataclasses.replace(node, name=rename(node.name),
                                   site_plates=tuple(map(rename, node.site_plates)))
    changes = {}
    for field in node.children:
        value = getattr(node, field)
        if isinstance(value, E.Expr):
            changes[field] = _rename_expr(value, rename)
        elif isinstance(value, tuple):
            changes[field] = tuple(
                _rename_expr(v, rename) if isinstance(v, E.Expr) else v for v in value)
    if isinstance(node, E.AlignPlates):
        changes["frame"] = tuple(map(rename, node.frame))
    return dataclasses.replace(node, **changes)


def _rename_dist(dist: Distribution, rename) -> Distribution:
    params = tuple((k, _rename_expr(v, rename)) for k, v in dist.params)
    return Distribution(dist.name, params, dist.expand)


def _rename_site(site, rename):
    plates = tuple(map(rename, site.plates))
    if isinstance(site, Prior):
        return Prior(rename(site.name), _rename_dist(site.dist, rename), plates)
    if isinstance(site, Deterministic):
        return Deterministic(rename(site.name), _rename_expr(site.expr, rename), plates)
    if isinstance(site, Factor):
        return Factor(rename(site.name), _rename_expr(site.expr, rename), plates)
    observed = None if site.observed is None else rename(site.observed)
    return Likelihood(rename(site.name), _rename_dist(site.dist, rename), plates, observed)


def prefix(case: str) -> str:
    return f"{case}_"


def merge(models: Mapping[str, Model], name: str = "merged") -> Model:
    """One model holding every model of ``models``, names prefixed with ``{key}_``."""
    data, plates, sites = [], [], []
    for key, model in models.items():
        def rename(n: str, p: str = prefix(key)) -> str:
            return p + n

        data += [DataEntry(rename(d.name), d.value,
                           None if d.dims is None else tuple(map(rename, d.dims)))
                 for d in model.data]
        plates += [Plate(rename(p.name), p.size, p.coords) for p in model.plates]
        sites += [_rename_site(s, rename) for s in model.sites]
    return Model(name, tuple(data), tuple(plates), tuple(sites))


def merged_point(models: Mapping[str, Model], points: Mapping[str, Mapping]) -> dict:
    """Parameter values of the merged model from each model's own values."""
    return {prefix(key) + name: value for key in models for name, value in points[key].items()}
