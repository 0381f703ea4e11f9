"""The backend contract: what a plugin implements, and the options and results it
exchanges with the core.

A backend generates native source from the IR and runs it. It hands back plain NumPy
arrays shaped ``(chain, draw, *value_shape)`` under site names and the canonical
sample-stat names; the core alone builds `InferenceData` from them.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional

import numpy as np

from ppladapt.errors import BackendError, ModelError, UnsupportedOptionError
from ppladapt.ir import expr as E
from ppladapt.ir.model import Model

CHAIN_METHODS = ("sequential", "parallel", "vectorized")
DEVICES = ("cpu", "gpu")
METHODS = ("nuts", "svi")
GUIDES = ("normal", "mvn")
SAMPLE_STATS = ("diverging", "lp", "tree_depth", "n_steps", "step_size", "acceptance_rate", "energy")

Arrays = dict[str, np.ndarray]
MAX_LOSS_POINTS = 200  # loss-history values an SVI result keeps in idata.attrs


@dataclass(frozen=True)
class NutsOptions:
    """What `pa.sample(method="nuts")` asks of a backend (already validated)."""

    draws: int
    tune: int
    chains: int
    chain_method: str
    device: str
    seed: int
    target_accept: float
    progressbar: bool
    log_likelihood: bool
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SviOptions:
    """What `pa.sample(method="svi")` asks of a backend (already validated)."""

    guide: str
    steps: int
    learning_rate: float
    draws: int
    device: str
    seed: int
    progressbar: bool
    log_likelihood: bool
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    """Arrays from one inference run, shaped (chain, draw, ...), under IR names.

    ``posterior`` holds every prior (``_z`` auxiliaries included) and deterministic;
    ``sample_stats`` uses the names in `SAMPLE_STATS`, with ``lp`` the joint log density
    as `pa.log_density` defines it. ``attrs`` records the options actually used.
    """

    posterior: Arrays
    sample_stats: Arrays
    compile_seconds: float
    sampling_seconds: float
    log_likelihood: Optional[Arrays] = None
    attrs: dict[str, Any] = field(default_factory=dict)


class Backend:
    """Base class of backend plugins. Subclasses set the class attributes and implement
    `to_code` and the runners; importing a subclass must not import its library."""

    name: ClassVar[str]
    library: ClassVar[str]  # the pip distribution whose version is reported
    modules: ClassVar[tuple[str, ...]]  # modules that must be importable to run
    install_command: ClassVar[str]
    methods: ClassVar[tuple[str, ...]] = METHODS
    chain_methods: ClassVar[tuple[str, ...]] = CHAIN_METHODS
    devices: ClassVar[tuple[str, ...]] = DEVICES
    code_options: ClassVar[tuple[str, ...]] = ()  # keyword options `to_code` accepts

    # ---- discovery -----------------------------------------------------------------------
    def version(self) -> Optional[str]:
        """Installed version of the backend library, without importing it."""
        try:
            return importlib.metadata.version(self.library)
        except importlib.metadata.PackageNotFoundError:
            return None

    def missing_modules(self) -> list[str]:
        """Required modules that cannot be found."""
        return [m for m in self.modules if importlib.util.find_spec(m) is None]

    def is_available(self) -> bool:
        return not self.missing_modules()

    def check_options(self, method: str, options: Any) -> None:
        """Raise `UnsupportedOptionError` for an option this backend cannot honour."""
        if method not in self.methods:
            raise UnsupportedOptionError(
                f"backend '{self.name}' does not support method={method!r}; it supports "
                f"{', '.join(self.methods)}."
            )
        chain_method = getattr(options, "chain_method", None)
        if chain_method is not None and chain_method not in self.chain_methods:
            raise UnsupportedOptionError(
                f"backend '{self.name}' does not support chain_method={chain_method!r}; use "
                f"one of {', '.join(self.chain_methods)}."
            )
        if options.device not in self.devices:
            raise UnsupportedOptionError(
                f"backend '{self.name}' does not support device={options.device!r}; use "
                f"one of {', '.join(self.devices)}."
            )

    # ---- code and runs -------------------------------------------------------------------
    def to_code(self, model: Model) -> str:
        """The native program for ``model``, exactly as it will run. A backend with
        variants of its program takes them as keyword options named in `code_options`."""
        raise self._missing("to_code")

    def run_nuts(self, model: Model, options: NutsOptions) -> RunResult:
        raise self._missing("run_nuts")

    def run_svi(self, model: Model, options: SviOptions) -> RunResult:
        raise self._missing("run_svi")

    def run_prior_predictive(self, model: Model, draws: int, seed: int) -> Arrays:
        """Draws (shape (draws, ...)) of every prior, deterministic and likelihood site."""
        raise self._missing("run_prior_predictive")

    def run_posterior_predictive(self, model: Model, posterior: Arrays, seed: int) -> Arrays:
        """Likelihood draws (chain, draw, ...) given prior-site draws (chain, draw, ...)."""
        raise self._missing("run_posterior_predictive")

    def log_density(self, model: Model, params: Arrays) -> float:
        """Joint log density at constrained values of every prior site (no Jacobian,
        normalising constants included), in float64."""
        raise self._missing("log_density")

    def _missing(self, what: str) -> BackendError:
        return BackendError(f"backend '{self.name}' does not implement {what}.")


# ---- helpers the runners of several backends share -------------------------------------------
def thinned(losses: np.ndarray, points: int = MAX_LOSS_POINTS) -> np.ndarray:
    """At most ``points`` evenly spaced values of an SVI loss history, first and last
    kept (float64), for ``idata.attrs["svi_loss"]``."""
    losses = np.asarray(losses)
    if losses.size <= points:
        return losses.astype(np.float64)
    index = np.unique(np.linspace(0, losses.size - 1, points).round().astype(int))
    return losses[index].astype(np.float64)


def data_in_expressions(model: Model) -> set[str]:
    """Names of the data that some site's expressions (parameters, deterministics) use."""
    names = set()
    for site in model.sites:
        for node in site.operands():
            names.update(n.name for n in node.walk() if isinstance(n, E.DataRef))
    return names


def simulated_data(model: Model, observed: bool = True) -> set[str]:
    """The observed data to leave out of a run (all of them when ``observed`` is False,
    so that the likelihood sites are simulated); a `ModelError` when an expression also
    uses one of them, since it could then not be simulated."""
    hidden = set() if observed else model.observed_names()
    shared = hidden & data_in_expressions(model)
    if shared:
        raise ModelError(
            f"observed data {', '.join(sorted(map(repr, shared)))} is also used inside the "
            f"model's expressions, so it cannot be simulated; pass a copy of it under another "
            f"name for the expressions (e.g. pa.data('y_input', y)) and observe the original."
        )
    return hidden
