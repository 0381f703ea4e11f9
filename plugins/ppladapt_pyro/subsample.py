"""Mini-batch SVI: which plate to subsample, and the likelihoods rewritten to a subsample.

With ``batch_size=B``, one plate of observations (size N) is declared as
``pyro.plate(name, N, subsample=torch.randint(N, (B,)), ...)``: each SVI step sees B
rows drawn uniformly at random (with replacement, which costs O(B); Pyro's own
``subsample_size=B`` draws them without replacement by permuting all N rows, O(N) a step)
and Pyro scales their log likelihood by N / B, an unbiased estimate of the full one. The
likelihood sites in that plate must then compute on those rows only, so their
parameters are rewritten here, in the IR: every array that runs along the plate's axis
(data such as ``X`` and ``y``, an index array such as ``group_idx``, or a value from
outside the plate that happens to run along it) is indexed by the subsample, and nothing
else changes. ``alpha + X @ beta`` becomes ``alpha + X[obs_idx] @ beta``; ``a[group_idx]``
becomes ``a[group_idx[obs_idx]]``.

Only a plate holding nothing but likelihood sites (and factors, whose log weights are
rewritten the same way) can be subsampled: a prior inside it would be a local latent
variable, which the guide would have to subsample too. An operation that mixes rows (a
sum or a softmax along the plate's axis) cannot be subsampled either; both are
`UnsupportedOptionError` naming the site.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

from ppladapt.errors import UnsupportedOptionError
from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.model import Factor, Likelihood, Model


@dataclass(frozen=True)
class Subsample:
    """The plate that mini-batch SVI subsamples."""

    plate: str
    size: int  # the plate's full size N
    batch_size: int  # rows per step B

    def describe(self) -> str:
        return f"plate '{self.plate}': {self.batch_size} of {self.size} rows per step"


def _holders(model: Model, plate: str) -> dict[str, list[str]]:
    """Names of the sites inside ``plate``, by kind."""
    out: dict[str, list[str]] = {"prior": [], "deterministic": [], "likelihood": [],
                                 "factor": []}
    for site in model.sites:
        if plate in site.plates:
            out[site.kind].append(site.name)
    return out


def candidate_plates(model: Model) -> list[str]:
    """Plates that hold observed likelihood sites or factors, and nothing else."""
    found = []
    for plate in model.plates:
        held = _holders(model, plate.name)
        observed = [s for s in model.likelihoods if plate.name in s.plates and s.observed]
        if (observed or held["factor"]) and not held["prior"] and not held["deterministic"]:
            found.append(plate.name)
    return found


def plan_subsample(model: Model, batch_size: int, plate: Optional[str] = None) -> Subsample:
    """Check that ``model`` can be fitted on mini-batches of ``batch_size`` rows of
    ``plate`` (chosen automatically when it is the only plate of observations) and say
    how; `UnsupportedOptionError` otherwise."""
    plates = model.plate_dict
    if plate is None:
        found = candidate_plates(model)
        if not found:
            raise UnsupportedOptionError(
                f"batch_size={batch_size}: model '{model.name}' has no plate that holds only "
                f"observed likelihood sites (or factors); declare the observations inside a "
                f"pa.plate to fit on mini-batches, or drop batch_size for full-batch SVI."
            )
        if len(found) > 1:
            raise UnsupportedOptionError(
                f"batch_size={batch_size}: plates {', '.join(map(repr, found))} all hold only "
                f"likelihood sites or factors; choose the one to subsample with "
                f"subsample_plate=."
            )
        plate = found[0]
    if plate not in plates:
        raise UnsupportedOptionError(
            f"subsample_plate={plate!r} is not a plate of model '{model.name}'; its plates "
            f"are: {', '.join(plates) or 'none'}."
        )
    held = _holders(model, plate)
    local = held["prior"] + held["deterministic"]
    if local:
        raise UnsupportedOptionError(
            f"cannot subsample plate '{plate}': it holds {', '.join(map(repr, local))}, not "
            f"only likelihood sites. Mini-batch SVI subsamples a plate of observations; move "
            f"priors and deterministics out of it (local latent variables are not supported), "
            f"or drop batch_size."
        )
    if not held["likelihood"] and not held["factor"]:
        raise UnsupportedOptionError(
            f"cannot subsample plate '{plate}': it holds no likelihood site or factor."
        )
    terms = [s for s in model.sites if s.kind in ("likelihood", "factor") and plate in s.plates]
    depths = {len(s.plates) - s.plates.index(plate) for s in terms}
    if len(depths) > 1:
        raise UnsupportedOptionError(
            f"cannot subsample plate '{plate}': its likelihood sites and factors nest it at "
            f"different depths, so Pyro would need a plate per depth, each with its own "
            f"subsample."
        )
    size = plates[plate].size
    if batch_size >= size:
        raise UnsupportedOptionError(
            f"batch_size={batch_size} is not smaller than plate '{plate}' (size {size}); "
            f"drop batch_size for full-batch SVI."
        )
    plan = Subsample(plate, size, batch_size)
    index = E.DataRef("_subsample_", (batch_size,), E.INT)
    for site in terms:  # each raises if it cannot be rewritten
        if site.kind == "factor":
            subsampled_factor(site, plan, index)
        else:
            subsampled_likelihood(site, plan, index)
    return plan


# ---- rewriting ---------------------------------------------------------------------------
def subsampled_likelihood(
    site: Likelihood, plan: Subsample, index: E.Expr
) -> tuple[Distribution, int]:
    """``site``'s distribution computing on the subsample ``index`` (an integer
    expression of shape (B,)), and the axis of the site's value that runs along the plate
    (where its observations are indexed)."""
    axis = site.plates.index(plan.plate)
    batch_ndim = len(site.plates)
    params = []
    for key, node in site.dist.params:
        event_ndim = site.dist.spec.param(key).event_ndim
        node_axis = axis - (batch_ndim - (node.ndim - event_ndim))
        params.append((key, _take(node, node_axis, plan, index, f"likelihood '{site.name}'")))
    expand = site.dist.expand
    if expand is not None:
        expand = list(expand)
        expand_axis = axis - (batch_ndim - len(expand))
        if expand_axis >= 0 and expand[expand_axis] == plan.size:
            expand[expand_axis] = plan.batch_size
        expand = tuple(expand)
    return Distribution(site.dist.name, tuple(params), expand), axis


def subsampled_factor(site: Factor, plan: Subsample, index: E.Expr) -> E.Expr:
    """``site``'s log weight computed on the subsample ``index`` (its axes line up with
    the site's plates from the right)."""
    axis = site.plates.index(plan.plate) - (len(site.plates) - site.expr.ndim)
    return _take(site.expr, axis, plan, index, f"factor '{site.name}'")


def take_rows(node: E.Expr, axis: int, index: E.Expr) -> E.Index:
    """``node[:, ..., index]``: the subsample along ``axis``."""
    return E.Index(node, (E.Slice(),) * axis + (index,))


def _refuse(site: str, plan: Subsample, what: str) -> UnsupportedOptionError:
    """The error for ``site`` (``likelihood 'y'``), whose ``what`` mixes the plate's rows."""
    return UnsupportedOptionError(
        f"cannot subsample plate '{plan.plate}' for {site}: {what} mixes its rows, "
        f"so a mini-batch would change its value. Compute it outside the site's parameters "
        f"(or log weight), or drop batch_size."
    )


def _take(node: E.Expr, axis: int, plan: Subsample, index: E.Expr, site: str) -> E.Expr:
    """``node`` with its ``axis`` (which runs along the plate; no axis when negative or of
    size 1, then ``node`` is returned as it is) restricted to the subsample."""
    if axis < 0 or axis >= node.ndim or node.shape[axis] == 1:
        return node
    if node.shape[axis] != plan.size:  # cannot happen in a well-formed model
        raise _refuse(site, plan, f"an axis of size {node.shape[axis]} aligned with it")

    def take(child: E.Expr, child_axis: int) -> E.Expr:
        return _take(child, child_axis, plan, index, site)

    if isinstance(node, (E.Const, E.DataRef, E.SiteRef)):
        return take_rows(node, axis, index)
    if isinstance(node, E.Unary):
        return dataclasses.replace(node, x=take(node.x, axis))
    if isinstance(node, (E.Binary, E.Where)):
        changes = {}
        for field in node.children:
            child = getattr(node, field)
            changes[field] = take(child, axis - (node.ndim - child.ndim))
        return dataclasses.replace(node, **changes)
    if isinstance(node, E.Reduce):
        kept = [i for i in range(node.x.ndim) if i not in node.axes]
        return dataclasses.replace(node, x=take(node.x, kept[axis]))
    if isinstance(node, E.AxisOp):
        if node.axis == axis:
            raise _refuse(site, plan, f"{node.op} along its axis")
        return dataclasses.replace(node, x=take(node.x, axis))
    if isinstance(node, E.MatMul):
        a_ndim = node.a.ndim
        if a_ndim >= 2 and axis < a_ndim - 1:
            return dataclasses.replace(node, a=take(node.a, axis))
        b_axis = 1 if a_ndim >= 2 else 1 + axis  # the column axis of a 2-D right operand
        return dataclasses.replace(node, b=take(node.b, b_axis))
    if isinstance(node, E.Einsum):
        letter = node.output[axis]
        args = tuple(take(arg, spec.index(letter)) if letter in spec else arg
                     for arg, spec in zip(node.args, node.inputs))
        return dataclasses.replace(node, args=args)
    if isinstance(node, E.Transpose):
        return dataclasses.replace(node, x=take(node.x, node.axes[axis]))
    if isinstance(node, E.AlignPlates):
        frame = node.frame
        if axis < len(frame):
            x_axis = node.x.plates.index(frame[axis])
        else:
            x_axis = len(node.x.plates) + axis - len(frame)
        return dataclasses.replace(node, x=take(node.x, x_axis))
    if isinstance(node, E.Concat):
        if node.axis == axis:
            raise _refuse(site, plan, "joining arrays along its axis")
        item_axis = axis if not node.stack or axis < node.axis else axis - 1
        return dataclasses.replace(node, items=tuple(take(it, item_axis) for it in node.items))
    if isinstance(node, E.Index):
        return _take_index(node, axis, take, site, plan)
    raise _refuse(site, plan, f"a {type(node).__name__} node")


def _take_index(node: E.Index, axis: int, take, site: str, plan: Subsample) -> E.Expr:
    """Follow ``axis`` of an `Index` result back to an axis of ``x`` (through a full
    slice or the axes left after the indices) or of the integer index arrays."""
    items = list(node.items)
    arrays = [i for i, it in enumerate(items) if isinstance(it, E.Expr)]
    array_ndim = len(E.broadcast_shapes(*(items[i].shape for i in arrays))) if arrays else 0
    out = 0  # position in the result
    x_axis = 0
    for pos, item in enumerate(items):
        if isinstance(item, E.NewAxis):
            out += 1  # a size-1 axis: never the plate's
            continue
        if isinstance(item, E.Expr):
            if pos == arrays[0]:
                if out <= axis < out + array_ndim:
                    j = axis - out  # axis within the broadcast index shape
                    for i in arrays:
                        it = items[i]
                        items[i] = take(it, j - (array_ndim - it.ndim))
                    return dataclasses.replace(node, items=tuple(items))
                out += array_ndim
            x_axis += 1
            continue
        if isinstance(item, E.Slice):
            if out == axis:
                if not item.is_full:
                    raise _refuse(site, plan, "slicing along its axis")
                items[pos] = E.Slice()
                return dataclasses.replace(node, x=take(node.x, x_axis), items=tuple(items))
            out += 1
        x_axis += 1  # an int index consumes an axis of x and adds none
    return dataclasses.replace(node, x=take(node.x, x_axis + axis - out))
