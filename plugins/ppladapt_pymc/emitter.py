"""The PyMC emitter: a `Model` (the IR) as the text of a readable Python module.

The module defines ``model(data)`` (the skeleton shared with NumPyro and Pyro is
`ppladapt.codegen.emitter.PythonModuleEmitter`): it reads each data array from the
``data`` dict into a local variable, declares the sites in order inside
``pm.Model(coords=coords)`` and returns that ``pm.Model``. It builds the model under
PyTensor's NumPy casting policy, so a constant such as ``5.0`` is float64 (PyTensor's
default makes it float32, and a term like ``log(sigma)`` would then lose precision).
What `emit_module` returns is exactly the code the runners compile and execute.

Plates and dims: every plate is a coordinate of the ``pm.Model`` (labelled by its
``coords``, else ``range(size)``). A site whose value axes are exactly its plates is
declared with ``dims=(plate, ...)``; a site with other axes (an event shape, or the batch
shape of ``.expand()`` outside plates) is declared with ``shape=`` its full IR shape, so
every value has the IR's shape. A value from an outer plate used in a deeper plate
context was already aligned by the IR (`AlignPlates` prints as ``r[:, None]``).
Data are plain NumPy arrays, not ``pm.Data``, so an observed array never takes a name in
PyMC's namespace: the likelihood of the same name observes it as ``observed=y``. A factor
is a ``pm.Potential`` of its log weight broadcast to its plates (``pt.broadcast_to`` where
the weight does not vary along one of them), so PyMC adds every element of it.
"""

from __future__ import annotations

import json
from typing import Mapping, Optional, Sequence

from ppladapt.codegen.emitter import INDENT, PythonModuleEmitter, quote
from ppladapt.codegen.emitter import identifiers as _identifiers
from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.model import Model, Site
from ppladapt_pymc.printer import PyMCPrinter

__all__ = ["DISTRIBUTIONS", "KEYWORDS", "MODULE_IDENTIFIERS", "PyMCEmitter", "emit_module",
           "identifiers", "module_filename", "quote"]

# Identifiers the generated module defines or imports: a data or site name equal to one
# of these is renamed in the code (``pm`` -> ``pm_``); site name strings are kept.
MODULE_IDENTIFIERS = frozenset(
    {"pm", "pt", "pytensor", "data", "model", "coords", "pymc_model", "LKJCholesky"}
)

# PyTensor makes a Python float the narrowest float type that holds it exactly (5.0 ->
# float32, so log(5.0) would be computed in float32); NumPy's casting keeps float64.
CASTING = 'pytensor.config.change_flags(cast_policy="numpy+floatX")'
CASTING_COMMENT = "Python numbers become float64/int64 constants, as in NumPy (not float32)."

# Registry family -> PyMC constructor, and registry parameter -> PyMC keyword.
DISTRIBUTIONS: Mapping[str, str] = {
    "Normal": "pm.Normal",
    "HalfNormal": "pm.HalfNormal",
    "HalfCauchy": "pm.HalfCauchy",
    "Cauchy": "pm.Cauchy",
    "StudentT": "pm.StudentT",
    "HalfStudentT": "pm.HalfStudentT",
    "Exponential": "pm.Exponential",
    "Gamma": "pm.Gamma",
    "InverseGamma": "pm.InverseGamma",
    "LogNormal": "pm.LogNormal",
    "Beta": "pm.Beta",
    "Uniform": "pm.Uniform",
    "Laplace": "pm.Laplace",
    "Bernoulli": "pm.Bernoulli",
    "Binomial": "pm.Binomial",
    "Poisson": "pm.Poisson",
    "NegativeBinomial2": "pm.NegativeBinomial",
    "Categorical": "pm.Categorical",
    "Dirichlet": "pm.Dirichlet",
    "MultivariateNormal": "pm.MvNormal",
    "LKJCholesky": "LKJCholesky",
    "Flat": "pm.Flat",
    "HalfFlat": "pm.HalfFlat",
}
KEYWORDS: Mapping[str, Mapping[str, str]] = {
    "Normal": {"loc": "mu", "scale": "sigma"},
    "HalfNormal": {"scale": "sigma"},
    "HalfCauchy": {"scale": "beta"},
    "Cauchy": {"loc": "alpha", "scale": "beta"},
    "StudentT": {"df": "nu", "loc": "mu", "scale": "sigma"},
    "HalfStudentT": {"df": "nu", "scale": "sigma"},
    "Exponential": {"rate": "lam"},
    "Gamma": {"concentration": "alpha", "rate": "beta"},
    "InverseGamma": {"concentration": "alpha", "rate": "beta"},
    "LogNormal": {"loc": "mu", "scale": "sigma"},
    "Beta": {"concentration1": "alpha", "concentration0": "beta"},
    "Uniform": {"low": "lower", "high": "upper"},
    "Laplace": {"loc": "mu", "scale": "b"},
    "Bernoulli": {"probs": "p", "logits": "logit_p"},
    "Binomial": {"total_count": "n", "probs": "p", "logits": "logit_p"},
    "Poisson": {"rate": "mu"},
    "NegativeBinomial2": {"mean": "mu", "concentration": "alpha"},
    "Categorical": {"probs": "p", "logits": "logit_p"},
    "Dirichlet": {"concentration": "a"},
    "MultivariateNormal": {"loc": "mu", "covariance_matrix": "cov", "scale_tril": "chol"},
    "LKJCholesky": {"dimension": "n", "concentration": "eta"},
    "Flat": {},
    "HalfFlat": {},
}

# Families the generated code imports from this plugin (PyMC has no such distribution).
PLUGIN_DISTRIBUTIONS = {"LKJCholesky": "from ppladapt_pymc.distributions import LKJCholesky"}


def identifiers(model: Model) -> dict[str, str]:
    """Python identifier of every data and site name (see
    `ppladapt.codegen.emitter.identifiers`), avoiding `MODULE_IDENTIFIERS`."""
    return _identifiers(model, MODULE_IDENTIFIERS)


def module_filename(model: Model) -> str:
    """The file name the generated code is compiled under (shown in tracebacks)."""
    return PyMCEmitter(model).filename()


def _tuple(items) -> str:
    """A tuple literal: ``("school",)``, ``(5, 3)``."""
    items = list(items)
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _list(values) -> str:
    """A list literal of coordinate labels, strings in double quotes."""
    return "[" + ", ".join(json.dumps(v) if isinstance(v, str) else repr(v) for v in values) + "]"


class PyMCEmitter(PythonModuleEmitter):
    """Writes the PyMC module for one model: the shared ``model(data)`` skeleton, with the
    sites in one ``pm.Model`` block instead of plate blocks."""

    library = "PyMC"
    backend = "pymc"
    reserved = MODULE_IDENTIFIERS
    distributions = DISTRIBUTIONS

    def __init__(self, model: Model):
        names = identifiers(model)
        super().__init__(model, PyMCPrinter(names), names)
        self.sizes = {p.name: p.size for p in model.plates}

    def header_note(self) -> str:
        return " It returns the ``pm.Model``."

    def imports(self) -> str:
        lines = ["import pymc as pm", "import pytensor", "import pytensor.tensor as pt"]
        used = {s.dist.name for s in self.model.random_sites}
        lines.extend(line for name, line in PLUGIN_DISTRIBUTIONS.items() if name in used)
        return "\n".join(lines)

    def body(self) -> list[str]:
        lines = []
        if self.model.plates:
            lines.append(f"{INDENT}coords = {{")
            for plate in self.model.plates:
                labels = f"range({plate.size})" if plate.coords is None else _list(plate.coords)
                lines.append(f"{INDENT * 2}{quote(plate.name)}: {labels},")
            lines.append(f"{INDENT}}}")
        lines.append(f"{INDENT}# {CASTING_COMMENT}")
        lines.append(f"{INDENT}with {CASTING}:")
        coords = "coords=coords" if self.model.plates else ""
        lines.append(f"{INDENT * 2}with pm.Model({coords}) as pymc_model:")
        lines.extend(self.block((), self.model.sites) or [INDENT * 3 + "pass"])
        lines.append(f"{INDENT}return pymc_model")
        return lines

    def block(self, plates: tuple[str, ...], sites: Sequence[Site]) -> list[str]:
        """Every site at the same depth: plates are dims and shapes, not blocks."""
        return [INDENT * 3 + self.statement(site) for site in sites]

    # ---- sites -------------------------------------------------------------------------------
    def statement(self, site: Site) -> str:
        """The one line that declares ``site``."""
        ident = self.names[site.name]
        if site.kind == "deterministic":
            value = self.printer.doprint(site.expr)
            if not any(isinstance(node, E.SiteRef) for node in site.expr.walk()):
                value = f"pt.as_tensor({value})"  # of data alone: NumPy, not yet a tensor
            dims = self._plate_dims(self.model.frame_of(site.name), site.expr.shape)
            extra = f", dims={_tuple(map(quote, dims))}" if dims else ""
            return f"{ident} = pm.Deterministic({quote(site.name)}, {value}{extra})"
        if site.kind == "factor":
            return self._potential(site)
        args = [quote(site.name)]
        if self.arguments(site.dist):
            args.append(self.arguments(site.dist))
        if site.kind == "likelihood" and site.observed is not None:
            args.append(f"observed={self.names[site.observed]}")
        if self._shape_argument(site):
            args.append(self._shape_argument(site))
        call = f"{self.constructor(site.dist)}({', '.join(args)})"
        return f"{ident} = {call}" if site.kind == "prior" else call

    def _potential(self, site: Site) -> str:
        """``pm.Potential("lp", value, dims=("obs",))``: the log weight, broadcast to the
        factor's plates when it does not already have their sizes."""
        value = self.printer.doprint(site.expr)
        shape = self.model.shape_of(site.name)
        if site.expr.shape != shape:
            value = f"pt.broadcast_to({value}, {_tuple(map(str, shape))})"
        elif not any(isinstance(node, E.SiteRef) for node in site.expr.walk()):
            value = f"pt.as_tensor({value})"  # of data alone: NumPy, not yet a tensor
        dims = self._plate_dims(site.plates, shape)
        extra = f", dims={_tuple(map(quote, dims))}" if dims else ""
        return f"pm.Potential({quote(site.name)}, {value}{extra})"

    def arguments(self, dist: Distribution) -> str:
        """``mu=mu, sigma=5.0``: PyMC's keywords with the parameters' text."""
        keywords = KEYWORDS[dist.name]
        return ", ".join(
            f"{keywords[k]}={self.parameter(dist, k, node)}" for k, node in dist.params
        )

    def _plate_dims(
        self, plates: tuple[str, ...], shape: tuple[int, ...]
    ) -> Optional[tuple[str, ...]]:
        """The plates as dims when they name every axis of ``shape`` (sizes matching)."""
        if plates and len(plates) == len(shape) and all(
            self.sizes[p] == s for p, s in zip(plates, shape)
        ):
            return plates
        return None

    def _shape_argument(self, site: Site) -> str:
        """``dims=("school",)`` when the site's axes are its plates, else ``shape=(...)``
        (the full IR shape), or nothing for a scalar."""
        shape = self.model.shape_of(site.name)
        dims = self._plate_dims(site.plates, shape)
        if dims:
            return f"dims={_tuple(map(quote, dims))}"
        if shape:
            return f"shape={_tuple(map(str, shape))}"
        return ""


def emit_module(model: Model) -> str:
    """The PyMC module for ``model``: exactly the code that runs."""
    return PyMCEmitter(model).module()
