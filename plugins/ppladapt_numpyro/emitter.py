"""The NumPyro emitter: a `Model` (the IR) as the text of a readable Python module.

The module defines ``model(data)``: it reads each data array from the ``data`` dict into
a local variable, then declares the sites in order (the skeleton shared with the Pyro
emitter is `ppladapt.codegen.emitter.PythonModuleEmitter`). What `emit_module` returns is
exactly the code the runners compile and execute.

Plates and dims: a site with plates ``(p1, ..., pk)`` (outermost first) is declared
under ``numpyro.plate(p1, size, dim=-k)`` ... ``numpyro.plate(pk, size, dim=-1)``, so its
value has exactly the IR shape: plate sizes, then the event shape (NumPyro does not count
event dims in plate dims). A value from an outer plate used in a deeper plate context
was already aligned by the IR (`AlignPlates` prints as ``r[:, None]``). Consecutive
sites with the same plates share one block of nested ``with`` statements. A factor is
``numpyro.factor`` in its plates, which broadcast its log weight to their sizes.

HalfStudentT, which NumPyro lacks, is a helper defined in the module: the Student-t at 0
folded onto the positive reals (``dist.FoldedDistribution``).
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ppladapt.codegen.emitter import (
    IMPROPER_SUPPORTS,
    INDENT,
    PythonModuleEmitter,
    quote,
)
from ppladapt.codegen.emitter import identifiers as _identifiers
from ppladapt.ir.model import Model, Site
from ppladapt_numpyro.printer import NumPyroPrinter

__all__ = ["DISTRIBUTIONS", "IMPROPER_SUPPORTS", "MODULE_IDENTIFIERS", "NumPyroEmitter",
           "emit_module", "identifiers", "module_filename", "quote"]

# Identifiers the generated module defines or imports: a data or site name equal to one
# of these is renamed in the code (``dist`` -> ``dist_``); site name strings are kept.
HALF_STUDENT_T = "HalfStudentT"
MODULE_IDENTIFIERS = frozenset(
    {"jax", "jnp", "numpyro", "dist", "constraints", "data", "model", HALF_STUDENT_T}
)

# Registry family -> NumPyro constructor. Parameter names are NumPyro's own, passed as
# keyword arguments.
DISTRIBUTIONS: Mapping[str, str] = {
    "Normal": "dist.Normal",
    "HalfNormal": "dist.HalfNormal",
    "HalfCauchy": "dist.HalfCauchy",
    "Cauchy": "dist.Cauchy",
    "StudentT": "dist.StudentT",
    "HalfStudentT": HALF_STUDENT_T,
    "Exponential": "dist.Exponential",
    "Gamma": "dist.Gamma",
    "InverseGamma": "dist.InverseGamma",
    "LogNormal": "dist.LogNormal",
    "Beta": "dist.Beta",
    "Uniform": "dist.Uniform",
    "Laplace": "dist.Laplace",
    "Bernoulli": "dist.Bernoulli",
    "Binomial": "dist.Binomial",
    "Poisson": "dist.Poisson",
    "NegativeBinomial2": "dist.NegativeBinomial2",
    "Categorical": "dist.Categorical",
    "Dirichlet": "dist.Dirichlet",
    "MultivariateNormal": "dist.MultivariateNormal",
    "LKJCholesky": "dist.LKJCholesky",
    "Flat": "dist.ImproperUniform",
    "HalfFlat": "dist.ImproperUniform",
}

HALF_STUDENT_T_DEFINITION = f'''def {HALF_STUDENT_T}(df, scale):
    """|StudentT(df, 0, scale)| (NumPyro has no class of that name): the Student-t folded
    onto the positive reals, log density log(2) + its log density there."""
    return dist.FoldedDistribution(dist.StudentT(df=df, loc=0.0, scale=scale))'''


def identifiers(model: Model) -> dict[str, str]:
    """Python identifier of every data and site name (see
    `ppladapt.codegen.emitter.identifiers`), avoiding `MODULE_IDENTIFIERS`."""
    return _identifiers(model, MODULE_IDENTIFIERS)


def module_filename(model: Model) -> str:
    """The file name the generated code is compiled under (shown in tracebacks)."""
    return f"<ppladapt numpyro: {model.name}>"


class NumPyroEmitter(PythonModuleEmitter):
    """Writes the NumPyro module for one model."""

    library = "NumPyro"
    backend = "numpyro"
    reserved = MODULE_IDENTIFIERS
    distributions = DISTRIBUTIONS

    def __init__(self, model: Model):
        names = identifiers(model)
        super().__init__(model, NumPyroPrinter(names), names)

    def imports(self) -> str:
        lines = [
            "import jax",
            "import jax.numpy as jnp",
            "import numpyro",
            "import numpyro.distributions as dist",
        ]
        if self.uses_constraints:
            lines.append("from numpyro.distributions import constraints")
        return "\n".join(lines)

    def helpers(self) -> list[str]:
        used = any(s.dist.name == "HalfStudentT" for s in self.model.random_sites)
        return ["\n" + HALF_STUDENT_T_DEFINITION] if used else []

    def block(self, plates: tuple[str, ...], sites: Sequence[Site]) -> list[str]:
        sizes = self.model.plate_dict
        lines = []
        depth = 1
        for i, plate in enumerate(plates):
            dim = i - len(plates)
            size = sizes[plate].size
            lines.append(f"{INDENT * depth}with numpyro.plate({quote(plate)}, {size}, dim={dim}):")
            depth += 1
        lines.extend(INDENT * depth + self.statement(site) for site in sites)
        return lines

    def statement(self, site: Site) -> str:
        """The one line that declares ``site``."""
        ident = self.names[site.name]
        if site.kind == "deterministic":
            value = self.printer.doprint(site.expr)
            return f"{ident} = numpyro.deterministic({quote(site.name)}, {value})"
        if site.kind == "factor":
            return f"numpyro.factor({quote(site.name)}, {self.printer.doprint(site.expr)})"
        call = f"numpyro.sample({quote(site.name)}, {self.distribution(site.dist)}"
        if site.kind == "prior":
            return f"{ident} = {call})"
        if site.observed is None:
            return f"{call})"
        return f"{call}, obs={self.names[site.observed]})"


def emit_module(model: Model) -> str:
    """The NumPyro module for ``model``: exactly the code that runs."""
    return NumPyroEmitter(model).module()
