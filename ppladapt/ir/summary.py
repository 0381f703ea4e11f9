"""The text listing behind `Model.summary()`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ppladapt.codegen.printer import TextPrinter

if TYPE_CHECKING:
    from ppladapt.ir.distributions import Distribution
    from ppladapt.ir.model import Model


def _type(dtype: str, shape) -> str:
    return f"{dtype}[{', '.join(map(str, shape))}]"


def describe_distribution(dist: "Distribution", printer: TextPrinter) -> str:
    """``Normal(loc=mu, scale=tau)``."""
    args = ", ".join(f"{k}={printer.doprint(v)}" for k, v in dist.params)
    text = f"{dist.name}({args})"
    return text if dist.expand is None else f"{text}.expand({list(dist.expand)})"


def summarise(model: "Model") -> str:
    """Data, plates and sites, one per line, with dtype, shape and plates."""
    printer = TextPrinter()
    lines = [f"Model '{model.name}'"]
    rows = []
    for d in model.data:
        dims = f"  dims={list(d.dims)}" if d.dims else ""
        rows.append(("data", d.name, _type(d.dtype, d.shape), dims))
    for p in model.plates:
        rows.append(("plate", p.name, f"size {p.size}", ""))
    for s in model.sites:
        shape = _type(model.dtype_of(s.name), model.shape_of(s.name))
        where = f"  in {', '.join(s.plates)}" if s.plates else ""
        if s.kind == "deterministic":
            body = f" = {printer.doprint(s.expr)}"
        elif s.kind == "factor":
            body = f" += {printer.doprint(s.expr)}"
        else:
            body = f" ~ {describe_distribution(s.dist, printer)}"
            if s.kind == "likelihood":
                body += f"  observed={s.observed}" if s.observed else "  (not observed)"
        rows.append((s.kind, s.name, shape, body + where))
    width = max((len(r[1]) for r in rows), default=0)
    type_width = max((len(r[2]) for r in rows), default=0)
    for kind, name, typ, rest in rows:
        lines.append(f"  {kind:<13} {name:<{width}}  {typ:<{type_width}}{rest}")
    return "\n".join(lines)
