"""The Pyro emitter: a `Model` (the IR) as the text of a readable Python module.

The module defines ``model(data)`` (the skeleton shared with the NumPyro emitter is
`ppladapt.codegen.emitter.PythonModuleEmitter`): it reads each data tensor from the
``data`` dict into a local variable, then declares the sites in order. What
`emit_module` returns is exactly the code the runners compile and execute.

Plates and dims, as in the NumPyro module: a site with plates ``(p1, ..., pk)`` is
declared under ``pyro.plate(p1, size, dim=-k)`` ... ``pyro.plate(pk, size, dim=-1)``, so
its value has exactly the IR shape (plate sizes, then event shape). Two Pyro rules shape
the code beyond that:

- ``pyro.plate(name, ...)`` records a sample site called ``name``, so one name can be
  opened once per model run, and a Pyro plate lives at one dim. A plate used at one dim in
  one block is written inline (``with pyro.plate("school", 8, dim=-1):``); one entered
  from several blocks is declared once, before the sites, and entered by name
  (``with row:``); a plate used at several dims (a row-level site at dim -1, a cell-level
  one at dim -2) is one Pyro plate per dim, the later ones named ``row_dim2`` and so on.
  Pyro's autoguides rely on that one-dim-per-plate rule too.
- A site outside any plate whose value has batch dims (``.expand([3])``) is one event:
  ``.to_event(1)`` (Pyro, unlike NumPyro, checks that batch dims belong to plates).
  A deterministic inside plates says which of its dims are not plate dims
  (``pyro.deterministic(..., event_dim=0)``).

Family translations: every family keeps its name and parameters (``dist.Normal(loc=...,
scale=...)``) except NegativeBinomial2 and HalfStudentT, written through small helpers
defined in the module (Pyro's Gamma-Poisson mixture; the Student-t folded at 0), and
LKJCholesky, whose ``dimension`` torch calls ``dim``. Improper priors are
``dist.ImproperUniform(constraints.real, (), ())``. A factor is ``pyro.factor`` in its
plates, which broadcast its log weight to their sizes; outside plates its log weight is
summed first (Pyro, again, checks that batch dims belong to plates).

With a `Subsample` (mini-batch SVI, ``batch_size=``), the subsampled plate is declared
with the rows of this step, and its likelihoods read only those rows
(`ppladapt_pyro.subsample`): ``with pyro.plate("obs", 100000, subsample=torch.randint(
100000, (1000,)), dim=-1) as obs_idx:`` ... ``obs=y[obs_idx]``; a factor there computes
its log weight on those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from ppladapt.codegen.emitter import (
    INDENT,
    PythonModuleEmitter,
    identifiers,
    plate_groups,
    quote,
    unique_identifier,
)
from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.model import Model, Site
from ppladapt_pyro.printer import PyroPrinter
from ppladapt_pyro.subsample import (
    Subsample,
    subsampled_factor,
    subsampled_likelihood,
    take_rows,
)

NB2_HELPER = "NegativeBinomial2"
HST_HELPER = "HalfStudentT"

# Identifiers the generated module defines or imports: a data or site name equal to one
# of these is renamed in the code (``dist`` -> ``dist_``); site name strings are kept.
MODULE_IDENTIFIERS = frozenset(
    {"torch", "pyro", "dist", "constraints", "data", "model", NB2_HELPER, HST_HELPER}
)

# Registry family -> Pyro constructor, called with keyword arguments under the registry's
# parameter names (renamed by PARAMETER_NAMES where Pyro differs).
DISTRIBUTIONS: Mapping[str, str] = {
    "Normal": "dist.Normal",
    "HalfNormal": "dist.HalfNormal",
    "HalfCauchy": "dist.HalfCauchy",
    "Cauchy": "dist.Cauchy",
    "StudentT": "dist.StudentT",
    "HalfStudentT": HST_HELPER,
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
    "NegativeBinomial2": NB2_HELPER,
    "Categorical": "dist.Categorical",
    "Dirichlet": "dist.Dirichlet",
    "MultivariateNormal": "dist.MultivariateNormal",
    "LKJCholesky": "dist.LKJCholesky",
    "Flat": "dist.ImproperUniform",
    "HalfFlat": "dist.ImproperUniform",
}

PARAMETER_NAMES: Mapping[tuple[str, str], str] = {("LKJCholesky", "dimension"): "dim"}

NB2_DEFINITION = f'''def {NB2_HELPER}(mean, concentration):
    """NumPyro's NegativeBinomial2 (Pyro has no class of that name): the Gamma-Poisson
    mixture with this mean and concentration, variance mean + mean**2 / concentration."""
    return dist.GammaPoisson(concentration=concentration, rate=concentration / mean)'''

HST_DEFINITION = f'''def {HST_HELPER}(df, scale):
    """|StudentT(df, 0, scale)| (Pyro has no class of that name): the Student-t folded
    onto the positive reals, log density log(2) + its log density there."""
    return dist.FoldedDistribution(dist.StudentT(df=df, loc=0.0, scale=scale))'''


@dataclass(frozen=True)
class PyroPlate:
    """One Pyro plate: an IR plate at one dim."""

    plate: str  # the IR plate
    dim: int
    name: str  # the Pyro plate name (also its sample-site name)
    ident: str  # the Python variable holding it when declared before the sites
    hoisted: bool  # entered from several blocks, so declared once before the sites
    index: Optional[str] = None  # the subsample's indices variable, when subsampled


class PyroEmitter(PythonModuleEmitter):
    """Writes the Pyro module for one model (the mini-batch SVI program with a
    `Subsample`)."""

    library = "Pyro"
    backend = "pyro"
    reserved = MODULE_IDENTIFIERS
    distributions = DISTRIBUTIONS
    data_description = "tensors"

    def __init__(self, model: Model, subsample: Optional[Subsample] = None):
        names = identifiers(model, MODULE_IDENTIFIERS)
        super().__init__(model, PyroPrinter(names), names)
        self.subsample = subsample
        self.pyro_plates = self._layout()

    # ---- plates ------------------------------------------------------------------------------
    def _layout(self) -> dict[tuple[str, int], PyroPlate]:
        """The Pyro plate for each (IR plate, dim) that some block opens."""
        blocks: dict[tuple[str, int], int] = {}  # blocks entering each (plate, dim)
        for plates, _ in plate_groups(self.model.sites):
            for i, plate in enumerate(plates):
                key = (plate, i - len(plates))
                blocks[key] = blocks.get(key, 0) + 1
        # Pyro plate names are sample-site names: unique among the model's names.
        taken_names = ({d.name for d in self.model.data} | {s.name for s in self.model.sites}
                       | {p.name for p in self.model.plates})
        taken_idents = set(self.names.values()) | set(MODULE_IDENTIFIERS)
        layout: dict[tuple[str, int], PyroPlate] = {}
        seen: set[str] = set()
        for (plate, dim), count in blocks.items():
            if plate in seen:
                name = unique_identifier(f"{plate}_dim{-dim}", taken_names)
            else:
                name = plate
                seen.add(plate)
            hoisted = count > 1
            ident = unique_identifier(name, taken_idents) if hoisted else name
            index = None
            if self.subsample is not None and plate == self.subsample.plate:
                index = unique_identifier(f"{name}_idx", taken_idents)
            layout[(plate, dim)] = PyroPlate(plate, dim, name, ident, hoisted, index)
        return layout

    def plate_call(self, plate: PyroPlate) -> str:
        """``pyro.plate("row", 3, dim=-1)``; when subsampled, with ``subsample=`` rows
        drawn by ``torch.randint`` (uniformly, with replacement: O(batch) per step, where
        Pyro's own ``subsample_size=`` permutes all N rows, 20 ms a step at N = 10**6)."""
        size = self.model.plate_dict[plate.plate].size
        subsample = ""
        if plate.index is not None:
            subsample = f", subsample=torch.randint({size}, ({self.subsample.batch_size},))"
        return f"pyro.plate({quote(plate.name)}, {size}{subsample}, dim={plate.dim})"

    # ---- the module ------------------------------------------------------------------------
    def header_note(self) -> str:
        note = (
            " Tensors are float64, int64 for integer data (observations of Bernoulli sites "
            "float64, as PyTorch wants); ppladapt runs the model with torch's default "
            "dtype set to float64."
        )
        if self.subsample is not None:
            note += (
                f" This is the mini-batch SVI program: each run sees "
                f"{self.subsample.batch_size} rows of the {self.subsample.size} in plate "
                f"'{self.subsample.plate}', drawn at random (with replacement), and Pyro "
                f"scales their log likelihood by {self.subsample.size} / "
                f"{self.subsample.batch_size}."
            )
        return note

    def imports(self) -> str:
        lines = ["import torch", "import pyro", "import pyro.distributions as dist"]
        if self.uses_constraints:
            lines.append("from pyro.distributions import constraints")
        return "\n".join(lines)

    def helpers(self) -> list[str]:
        used = {s.dist.name for s in self.model.random_sites}
        definitions = (("NegativeBinomial2", NB2_DEFINITION), ("HalfStudentT", HST_DEFINITION))
        return ["\n" + text for family, text in definitions if family in used]

    def body(self) -> list[str]:
        hoisted = [p for p in self.pyro_plates.values() if p.hoisted]
        lines = []
        if hoisted:
            lines.append(f"{INDENT}# plates entered from several blocks (Pyro opens a plate "
                         f"name once per run)")
            lines.extend(f"{INDENT}{p.ident} = {self.plate_call(p)}" for p in hoisted)
        return lines + super().body()

    def block(self, plates: tuple[str, ...], sites: Sequence[Site]) -> list[str]:
        lines = []
        depth = 1
        for i, plate in enumerate(plates):
            pyro_plate = self.pyro_plates[(plate, i - len(plates))]
            opened = pyro_plate.ident if pyro_plate.hoisted else self.plate_call(pyro_plate)
            alias = f" as {pyro_plate.index}" if pyro_plate.index is not None else ""
            lines.append(f"{INDENT * depth}with {opened}{alias}:")
            depth += 1
        lines.extend(INDENT * depth + self.statement(site) for site in sites)
        return lines

    # ---- sites -------------------------------------------------------------------------------
    def statement(self, site: Site) -> str:
        """The one line that declares ``site``."""
        ident = self.names[site.name]
        if site.kind == "deterministic":
            value = self.printer.tensor(site.expr)  # pyro.deterministic takes a tensor
            event_dim = ""
            if site.plates:
                plate_dims = len(site.plates) if site.expr.plates == site.plates else 0
                event_dim = f", event_dim={site.expr.ndim - plate_dims}"
            return f"{ident} = pyro.deterministic({quote(site.name)}, {value}{event_dim})"
        if site.kind == "factor":
            return self._factor(site)
        dist, observed = site.dist, None
        if site.kind == "likelihood" and site.observed is not None:
            observed = E.DataRef(site.observed, self.model.data_entry(site.observed).shape,
                                 self.model.data_entry(site.observed).dtype)
        index = self._subsample_index(site)
        if index is not None:
            dist, axis = subsampled_likelihood(site, self.subsample, index)
            if observed is not None:
                observed = take_rows(observed, axis, index)
        call = f"pyro.sample({quote(site.name)}, {self.site_distribution(site, dist)}"
        if site.kind == "prior":
            return f"{ident} = {call})"
        if observed is None:
            return f"{call})"
        return f"{call}, obs={self.printer.doprint(observed)})"

    def _factor(self, site: Site) -> str:
        """``pyro.factor("lp", value)``: on the subsample's rows in a subsampled plate,
        summed outside plates."""
        expr = site.expr
        index = self._subsample_index(site)
        if index is not None:
            expr = subsampled_factor(site, self.subsample, index)
        summed = not site.plates and expr.ndim > 0
        value = self.printer.tensor(expr, atom=summed) + (".sum()" if summed else "")
        return f"pyro.factor({quote(site.name)}, {value})"

    def _subsample_index(self, site: Site) -> Optional[E.Expr]:
        """The subsample's indices as an IR expression, for a likelihood or factor in the
        subsampled plate (else None)."""
        if self.subsample is None or self.subsample.plate not in site.plates:
            return None
        dim = site.plates.index(self.subsample.plate) - len(site.plates)
        ident = self.pyro_plates[(self.subsample.plate, dim)].index
        return E.DataRef(ident, (self.subsample.batch_size,), E.INT)

    def site_distribution(self, site: Site, dist: Distribution) -> str:
        """The distribution, as one event over its batch dims when the site is in no
        plate (``.to_event(k)``)."""
        text = self.distribution(dist)
        if not site.plates and dist.batch_shape:
            text += f".to_event({len(dist.batch_shape)})"
        return text

    def arguments(self, dist: Distribution) -> str:
        return ", ".join(
            f"{PARAMETER_NAMES.get((dist.name, k), k)}={self.parameter(dist, k, node)}"
            for k, node in dist.params
        )

    def parameter(self, dist: Distribution, key: str, node: E.Expr) -> str:
        """As the base class, and an integer tensor for a real parameter prints as
        float64 (torch keeps the dtype it is given, NumPy would compute in floats)."""
        real = dist.spec.param(key).dtype == E.REAL
        if real and node.dtype != E.REAL and not isinstance(node, E.Const):
            return self.printer.tensor(node, real=True)
        return super().parameter(dist, key, node)


def emit_module(model: Model, subsample: Optional[Subsample] = None) -> str:
    """The Pyro module for ``model`` (the mini-batch SVI program with ``subsample``):
    exactly the code that runs."""
    return PyroEmitter(model, subsample).module()
