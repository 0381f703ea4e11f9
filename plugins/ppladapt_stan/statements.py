"""Stan statements for one site: assignments, density increments and draws, vectorised
where Stan allows and looped over the outer axes where it does not.

Each writer tries the shallowest loop nest first: a deterministic prints as one
vectorised assignment when it can, a density as one ``target += ..._lpdf(y | ...)``
over a whole plate (Stan's densities vectorise over one axis, so a nested plate loops
over its outer axis). When the printer reports `NotVectorizable`, the writer loops over
one more axis and tries again; at full depth everything is a scalar, which always prints.
Arguments that need a whole container (a reduction of a ``where``...) are computed into
local variables first (`Scope`); a statement with locals is wrapped in braces.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional

from ppladapt.errors import PPLAdaptError
from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt_stan.families import EVENT_ARRAY, SCALAR, StanFamily, is_standard_normal
from ppladapt_stan.glm import glm_density
from ppladapt_stan.printed import PREC, Idx, NotVectorizable, Printed, kept
from ppladapt_stan.printer import StanPrinter
from ppladapt_stan.stantypes import StanType, canonical, declaration

INDENT = "  "
# Full reductions by accumulation: (start value, update of {acc} by {value}).
ACCUMULATE = {
    "sum": ("0", "{acc} += {value};"),
    "mean": ("0", "{acc} += {value};"),
    "prod": ("1", "{acc} *= {value};"),
    "max": ("negative_infinity()", "{acc} = fmax({acc}, {value});"),
    "min": ("positive_infinity()", "{acc} = fmin({acc}, {value});"),
    "logsumexp": ("negative_infinity()", "{acc} = log_sum_exp({acc}, {value});"),
}
Lines = list[str]


def indent(lines: Lines, depth: int = 1) -> Lines:
    return [INDENT * depth + line if line else line for line in lines]


class Scope:
    """Local variables computed before one statement (see `StanPrinter.container`)."""

    def __init__(self, writer: "StatementWriter"):
        self.writer = writer
        self.lines: Lines = []
        self.temps: dict[E.Expr, tuple[str, StanType]] = {}

    def materialize(self, node: E.Expr) -> tuple[str, StanType]:
        """A local variable holding ``node``'s value, computed by loops."""
        if node in self.temps:
            return self.temps[node]
        stan_type = canonical(node.shape, node.dtype)
        name = self.writer.fresh("tmp")
        lines = self.writer.assign(name, stan_type, node, self)[1]
        sizes = [self.writer.size(s) for s in stan_type.shape]
        self.lines.append(declaration(stan_type, name, sizes) + ";")
        self.lines.extend(lines)
        self.temps[node] = (name, stan_type)
        return name, stan_type

    def accumulate(self, op: str, node: E.Expr) -> tuple[str, StanType]:
        """A local scalar holding the full reduction ``op`` of ``node`` (an array of
        vectors or matrices, which Stan's reductions do not take), summed by loops."""
        key = E.Reduce(op, node)
        if key in self.temps:
            return self.temps[key]
        name = self.writer.fresh("tmp")
        lines = self.writer.accumulate(name, op, node, self)
        self.lines.extend(lines)
        self.temps[key] = (name, StanType("real"))
        return self.temps[key]

    def checkpoint(self) -> tuple[int, dict]:
        return len(self.lines), dict(self.temps)

    def rollback(self, mark: tuple[int, dict]) -> None:
        del self.lines[mark[0]:]
        self.temps = dict(mark[1])

    def wrap(self, lines: Lines) -> Lines:
        """``lines`` after the locals, in a block of their own when there are any."""
        if not self.lines:
            return lines
        return ["{", *indent(self.lines + lines), "}"]


class StatementWriter:
    """Writes the statements of a block; ``names``/``variables`` say how sites and data
    are referred to there (``theta_z[d]`` inside a loop over posterior draws)."""

    def __init__(
        self,
        names: Mapping[str, str],
        variables: Mapping[str, StanType],
        size: Callable[[int], str],
        loop_names: list[str],
        fresh: Callable[[str], str],
        index_data: frozenset,
        inline: Optional[Mapping[str, E.Expr]] = None,
    ):
        self.names = dict(names)
        self.variables = dict(variables)
        self.size = size
        self.loop_names = loop_names
        self.fresh = fresh
        self.index_data = index_data
        self.inline = dict(inline or {})

    def printer(self, scope: Optional[Scope] = None) -> StanPrinter:
        return StanPrinter(self.names, self.variables, self.size, self.index_data, self.inline,
                           scope)

    def loops(self, shape: tuple[int, ...], body: Lines) -> Lines:
        lines = body
        for depth in reversed(range(len(shape))):
            var = self.loop_names[depth]
            lines = [f"for ({var} in 1:{self.size(shape[depth])}) {{", *indent(lines), "}"]
        return lines

    def index(self, depth: int, ndim: int) -> Idx:
        return tuple(self.loop_names[:depth]) + (None,) * (ndim - depth)

    # ---- assignments -------------------------------------------------------------------------
    def assign(self, target: str, stan_type: StanType, node: E.Expr,
               scope: Scope) -> tuple[str, Lines]:
        """Lines computing ``node`` into ``target`` (declared with ``stan_type``), and the
        vectorised expression when one assignment does it (else '')."""
        shape = stan_type.shape
        for depth in range(len(shape) + 1):
            idx = self.index(depth, len(shape))
            mark = scope.checkpoint()
            try:
                printer = self.printer(scope)
                value = printer.broadcast(node, shape, idx)
                value = printer.as_type(value, stan_type.indexed(tuple(e is None for e in idx)))
            except NotVectorizable:
                scope.rollback(mark)
                continue
            lhs = printer.variable(target, stan_type, idx).text
            lines = self.loops(shape[:depth], [f"{lhs} = {value.text};"])
            return (value.text if depth == 0 else ""), lines
        raise PPLAdaptError(f"the stan backend cannot write the value of '{target}' as Stan code.")

    def accumulate(self, name: str, op: str, node: E.Expr, scope: Scope) -> Lines:
        """``real name = op(node)`` for a full reduction, looping over leading axes."""
        start, update = ACCUMULATE[op]
        count = " * ".join(self.size(s) for s in node.shape)
        for depth in range(1, node.ndim + 1):
            idx = self.index(depth, node.ndim)
            mark = scope.checkpoint()
            try:
                part = self.printer(scope).value(node, idx)
                if not part.type.is_scalar:
                    part = self.printer(scope).as_real(part) if part.type.dims else part
                    fn = "log_sum_exp" if op == "logsumexp" else ("sum" if op == "mean" else op)
                    part = Printed(f"{fn}({part.text})", PREC["atom"], StanType("real"))
            except NotVectorizable:
                scope.rollback(mark)
                continue
            body = [update.format(acc=name, value=part.text)]
            lines = [f"real {name} = {start};"] + self.loops(node.shape[:depth], body)
            if op == "mean":
                lines.append(f"{name} /= {count};")
            return lines
        raise NotVectorizable

    # ---- densities and draws --------------------------------------------------------------------
    def _arguments(self, printer: StanPrinter, dist: Distribution, fam: StanFamily,
                   batch: tuple[int, ...], depth: int) -> Optional[list[Printed]]:
        """The family's arguments at loop depth ``depth`` over ``batch``: each a scalar or
        a container over the remaining batch axis (None if Stan cannot take them so)."""
        spec, out = dist.spec, []
        rest = batch[depth:]
        for name in fam.args:
            node = dist.param(name)
            event = spec.param(name).event_ndim
            nb = node.ndim - event
            idx: list = []
            for k in range(nb):
                j = len(batch) - nb + k
                if node.shape[k] == 1 and batch[j] != 1:
                    idx.append("1")
                else:
                    idx.append(self.loop_names[j] if j < depth else None)
            idx.extend([None] * event)
            p = printer.value(node, tuple(idx))
            kept_batch = tuple(node.shape[k] for k in kept(tuple(idx[:nb])))
            native = fam.vectorises == SCALAR and kept_batch == rest and p.type.base != "matrix"
            if kept_batch and not native:
                return None
            if spec.param(name).dtype == E.INT and not p.type.is_int:
                if not p.type.is_scalar:
                    raise NotVectorizable  # integer arithmetic on arrays: element by element
                raise PPLAdaptError(f"{dist.name}: {name} is not an integer expression in Stan.")
            if event and p.type.is_int:
                p = printer.as_real(p)
            if event == 1 and p.type.base == "row_vector":
                p = printer.as_vector(p)
            out.append(p)
        return out

    def _depths(self, fam: StanFamily, batch: tuple[int, ...], vectorise: bool = True) -> range:
        full = len(batch)
        if not vectorise or not batch:
            return range(full, full + 1)
        if fam.vectorises == SCALAR and full >= 2:
            return range(full - 2, full + 1)  # a matrix of draws with scalar parameters: to_vector
        if fam.vectorises in (SCALAR, EVENT_ARRAY):
            return range(full - 1, full + 1)
        return range(full, full + 1)

    def density(self, value: str, value_type: StanType, dist: Distribution, fam: StanFamily,
                batch: tuple[int, ...], scope: Scope, target: Optional[str] = None,
                target_type: Optional[StanType] = None) -> Lines:
        """``target += fam_lpdf(value | ...);`` over the batch (loops as needed). With
        ``target``, the pointwise density is assigned to it instead (log likelihood)."""
        event = value_type.ndim - len(batch)
        for depth in self._depths(fam, batch, vectorise=target is None):
            mark = scope.checkpoint()
            printer = self.printer(scope)
            idx = self.index(depth, len(batch)) + (None,) * event
            y = printer.variable(value, value_type, idx)
            rest = batch[depth:]
            flatten = (len(rest) == 2 and not event and y.type.base == "matrix" and target is None
                       and fam.vectorises == SCALAR)
            array_needed = fam.vectorises == EVENT_ARRAY and y.type.dims != rest
            if rest and not flatten and (y.type.base == "matrix" or array_needed):
                continue
            try:
                args = self._arguments(printer, dist, fam, batch, depth)
            except NotVectorizable:
                args = None
            if flatten and args is not None and all(a.type.is_scalar for a in args):
                y = printer.call("to_vector", [y], StanType("vector", (), (rest[0] * rest[1],)))
            elif flatten:
                args = None
            if args is None:
                scope.rollback(mark)
                continue
            glm = None
            if target is None and depth == 0 and len(batch) == 1 and not event:
                before_glm = scope.checkpoint()
                glm = glm_density(printer, dist, y, dict(zip(fam.args, args)), batch[0])
                if glm is None:
                    scope.rollback(before_glm)  # locals only the GLM form needed
            if glm is not None:
                text = glm
            elif is_standard_normal(dist):
                text = f"std_normal_lpdf({y.text})"
            else:
                texts = fam.arguments([a.text for a in args])
                text = f"{fam.density}({y.text} | {', '.join(texts)})"
            if fam.half:
                count = " * ".join(self.size(s) for s in rest)
                text += f" + {count} * log2()" if count else " + log2()"
            if target is None:
                return self.loops(batch[:depth], [f"target += {text};"])
            lhs = printer.variable(target, target_type, self.index(depth, len(batch))).text
            return self.loops(batch[:depth], [f"{lhs} = {text};"])
        raise PPLAdaptError(
            f"the stan backend cannot write the {dist.name} density of '{value}' as Stan code.")

    def draw(self, target: str, target_type: StanType, dist: Distribution, fam: StanFamily,
             batch: tuple[int, ...], scope: Scope) -> Lines:
        """``target = fam_rng(...);`` over the batch (loops as needed)."""
        event = target_type.ndim - len(batch)
        for depth in self._depths(fam, batch):
            if depth < len(batch) and fam.vectorises != SCALAR:
                continue
            mark = scope.checkpoint()
            printer = self.printer(scope)
            try:
                args = self._arguments(printer, dist, fam, batch, depth)
                if args is None or (depth < len(batch) and all(a.type.is_scalar for a in args)):
                    raise NotVectorizable
                event_shape = target_type.shape[len(batch):]
                drawn = self._rng_call(printer, dist, fam, args, batch[depth:], event_shape)
                idx = self.index(depth, len(batch)) + (None,) * event
                elem = target_type.indexed(tuple(e is None for e in idx))
                drawn = printer.as_type(drawn, elem)
            except NotVectorizable:
                scope.rollback(mark)
                continue
            lhs = printer.variable(target, target_type, idx).text
            return self.loops(batch[:depth], [f"{lhs} = {drawn.text};"])
        raise PPLAdaptError(f"the stan backend cannot draw '{target}' ({dist.name}) in Stan code.")

    def _rng_call(self, printer: StanPrinter, dist: Distribution, fam: StanFamily,
                  args: list[Printed], rest: tuple[int, ...], event: tuple[int, ...]) -> Printed:
        texts = fam.arguments([a.text for a in args])
        if fam.rng_link:
            texts[-1] = f"{fam.rng_link}({texts[-1]})"
        if dist.name == "LKJCholesky":
            texts = [self.size(event[0])] + texts
        text = f"{fam.rng}({', '.join(texts)})"
        if fam.half:
            text = f"abs({text})"
        if rest:  # a vectorised RNG returns an array
            if fam.discrete:
                return Printed(text, PREC["atom"], StanType("int", rest))
            return printer.as_real(Printed(text, PREC["atom"], StanType("real", rest)))
        if fam.discrete:
            return Printed(text, PREC["atom"], StanType("int"))
        return Printed(text, PREC["atom"], canonical(event, E.REAL))
