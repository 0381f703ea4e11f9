"""Backend keyword arguments of the PyMC backend, and how `pa.sample`'s options map onto
``pm.sample`` and ``pm.fit``.

Everything here is checked before any run starts (`check_backend_kwargs`, `plan_nuts`),
so an option PyMC cannot honour is an `UnsupportedOptionError` naming the option and what
to use instead, never a silent substitute. Importing this module does not import PyMC.

chain_method, by NUTS sampler (``nuts_sampler=``, default ``"pymc"``):

=============  =====================  ======================  =========================
sampler        sequential             parallel                vectorized
=============  =====================  ======================  =========================
pymc           ``cores=1``            ``cores=chains``        NumPyro's NUTS (below)
               (one process)          (one process a chain)   when nuts_sampler is not
                                                              given; else an error
numpyro (JAX)  chain_method=          chain_method=           chain_method=
               "sequential"           "parallel" (a device    "vectorized" (vmap)
                                      a chain)
blackjax       error                  "parallel"              "vectorized"
nutpie         ``cores=1``            ``cores=chains``        error
=============  =====================  ======================  =========================

``device="gpu"`` needs a JAX sampler (numpyro, blackjax): PyMC's own NUTS and ADVI run
PyTensor's compiled C code on the CPU.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ppladapt.errors import UnsupportedOptionError

# NUTS samplers pm.sample can use: the modules each needs and its pip package.
SAMPLERS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "pymc": (("pymc",), "pymc"),
    "numpyro": (("numpyro", "jax"), "numpyro"),
    "blackjax": (("blackjax", "jax"), "blackjax"),
    "nutpie": (("nutpie",), "nutpie"),
}
JAX_SAMPLERS = ("numpyro", "blackjax")

# Values of pm.init_nuts's ``init``.
INIT_METHODS = (
    "auto", "adapt_diag", "jitter+adapt_diag", "jitter+adapt_diag_grad", "adapt_full",
    "jitter+adapt_full", "advi", "advi+adapt_diag", "advi_map", "map",
)

# Backend kwargs for method="nuts": where each goes.
PYMC_STEP_KWARGS = ("max_treedepth", "early_max_treedepth", "step_scale")  # pm.NUTS(...)
PYMC_INIT_KWARGS = ("init", "n_init")  # pm.init_nuts(...)
NUTS_KWARGS = ("nuts_sampler", "nuts_sampler_kwargs", *PYMC_INIT_KWARGS, *PYMC_STEP_KWARGS)
# Backend kwargs for method="svi": ADVI's objective (pm.ADVI(...).fit(...)).
SVI_KWARGS = ("obj_n_mc", "total_grad_norm_constraint")

VALID = {"nuts": NUTS_KWARGS, "svi": SVI_KWARGS}

# Other libraries' spellings of options that pa.sample takes under its own name.
OWN_NAMES = {
    "cores": "chain_method ('parallel': one process a chain; 'sequential': one process)",
    "target_accept_prob": "target_accept",
    "random_seed": "seed",
    "num_warmup": "tune",
    "num_samples": "draws",
    "num_chains": "chains",
    "progress_bar": "progressbar",
    "n": "steps",
    "num_steps": "steps",
    "lr": "learning_rate",
    "obj_optimizer": "learning_rate (ppladapt always uses Adam)",
}
# Other libraries' options and how PyMC spells them, by method.
PYMC_SPELLINGS = {
    "nuts": {"max_tree_depth": "max_treedepth=", "dense_mass": "init='jitter+adapt_full'"},
    "svi": {"num_particles": "obj_n_mc="},
}


def check_backend_kwargs(method: str, extra: Mapping[str, Any]) -> None:
    """Raise `UnsupportedOptionError` for a backend kwarg this backend's ``method`` lacks."""
    valid = VALID[method]
    unknown = sorted(k for k in extra if k not in valid)
    if unknown:
        spellings = PYMC_SPELLINGS[method]
        hints = "".join(
            f" Use pa.sample's {OWN_NAMES[k]} instead of {k}=." for k in unknown if k in OWN_NAMES
        ) + "".join(f" For {k}, use {spellings[k]}." for k in unknown if k in spellings)
        raise UnsupportedOptionError(
            f"the pymc backend does not accept {', '.join(map(repr, unknown))} for "
            f"method={method!r}; its backend options are: {', '.join(valid)}.{hints}"
        )


def describe(extra: Mapping[str, Any]) -> str:
    """Backend kwargs as text for ``idata.attrs`` (empty string when none)."""
    return ", ".join(f"{k}={v!r}" for k, v in sorted(extra.items()))


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


@dataclass(frozen=True)
class NutsPlan:
    """How one `pa.sample(method="nuts")` call runs on PyMC."""

    sampler: str  # "pymc" | "numpyro" | "blackjax" | "nutpie"
    cores: int  # processes (pymc) or threads (nutpie); 1 for JAX samplers
    jax_chain_method: Optional[str]  # chain_method given to a JAX sampler
    init_kwargs: dict = field(default_factory=dict)  # pm.init_nuts (pymc sampler)
    step_kwargs: dict = field(default_factory=dict)  # pm.NUTS (pymc sampler)
    sampler_kwargs: dict = field(default_factory=dict)  # nuts_sampler_kwargs (others)

    @property
    def uses_jax(self) -> bool:
        return self.sampler in JAX_SAMPLERS


def _sampler(options: Any) -> str:
    """The NUTS sampler: ``nuts_sampler`` if given (checked, installed), else PyMC's own,
    or NumPyro's for ``chain_method="vectorized"``, which PyMC's own NUTS lacks."""
    given = options.extra.get("nuts_sampler")
    if given is None and options.chain_method != "vectorized":
        return "pymc"
    if given is None:
        missing = missing_modules(SAMPLERS["numpyro"][0])
        if missing:
            raise UnsupportedOptionError(
                f"chain_method='vectorized' runs the PyMC model on NumPyro's NUTS (PyMC's own "
                f"runs chains in processes), which needs {', '.join(missing)}: pip install "
                f"numpyro; or use chain_method='parallel' or 'sequential'."
            )
        return "numpyro"
    if given not in SAMPLERS:
        raise UnsupportedOptionError(
            f"nuts_sampler={given!r} is not supported; use one of: "
            f"{', '.join(map(repr, SAMPLERS))}."
        )
    modules, package = SAMPLERS[given]
    missing = missing_modules(modules)
    if missing:
        raise UnsupportedOptionError(
            f"nuts_sampler={given!r} needs {', '.join(missing)}, which is not installed: "
            f"pip install {package} (or use nuts_sampler='pymc', PyMC's own NUTS)."
        )
    return given


def _chain_method(sampler: str, options: Any) -> tuple[int, Optional[str]]:
    """(cores, JAX chain_method) for ``options.chain_method`` on ``sampler``."""
    chain_method, chains = options.chain_method, options.chains
    if sampler in JAX_SAMPLERS:
        if sampler == "blackjax" and chain_method == "sequential":
            raise UnsupportedOptionError(
                "chain_method='sequential' is not supported with nuts_sampler='blackjax' "
                "(PyMC runs BlackJAX chains 'parallel' or 'vectorized'); use one of those, "
                "or nuts_sampler='numpyro' or 'pymc'."
            )
        return 1, chain_method
    if chain_method == "vectorized":
        raise UnsupportedOptionError(
            f"chain_method='vectorized' is not supported by nuts_sampler={sampler!r}, which "
            f"runs chains in separate processes or threads; use chain_method='parallel' or "
            f"'sequential', or nuts_sampler='numpyro' (or leave nuts_sampler out: vectorized "
            f"chains then run on NumPyro's NUTS)."
        )
    return (chains if chain_method == "parallel" else 1), None


def plan_nuts(options: Any) -> NutsPlan:
    """Check the NUTS options against what PyMC can do and say how to run them."""
    extra = dict(options.extra)
    check_backend_kwargs("nuts", extra)
    sampler = _sampler(options)
    if options.device == "gpu" and sampler not in JAX_SAMPLERS:
        raise UnsupportedOptionError(
            f"device='gpu' is not supported by nuts_sampler={sampler!r}: PyMC's own NUTS runs "
            f"PyTensor's compiled C code on the CPU. Pass nuts_sampler='numpyro' to run the "
            f"PyMC model on JAX (GPU with jax[cuda12]), or use device='cpu'."
        )
    cores, jax_chain_method = _chain_method(sampler, options)
    if not isinstance(extra.get("nuts_sampler_kwargs") or {}, Mapping):
        raise UnsupportedOptionError("nuts_sampler_kwargs must be a dict.")
    sampler_kwargs = dict(extra.get("nuts_sampler_kwargs") or {})
    if "chain_method" in sampler_kwargs or "cores" in sampler_kwargs:
        raise UnsupportedOptionError(
            "nuts_sampler_kwargs may not set chain_method or cores; use pa.sample's "
            "chain_method= ('sequential', 'parallel' or 'vectorized')."
        )
    if sampler == "pymc":
        if sampler_kwargs:
            raise UnsupportedOptionError(
                "nuts_sampler_kwargs only apply to an external sampler (nuts_sampler="
                "'numpyro', 'blackjax' or 'nutpie'); PyMC's own NUTS takes "
                f"{', '.join(PYMC_INIT_KWARGS + PYMC_STEP_KWARGS)}."
            )
        init = extra.get("init", "auto")
        if init not in INIT_METHODS:
            raise UnsupportedOptionError(
                f"init={init!r} is not supported; use one of: "
                f"{', '.join(map(repr, INIT_METHODS))}."
            )
        init_kwargs = {k: extra[k] for k in PYMC_INIT_KWARGS if k in extra}
        init_kwargs.setdefault("init", "auto")
        step_kwargs = {k: extra[k] for k in PYMC_STEP_KWARGS if k in extra}
        return NutsPlan(sampler, cores, None, init_kwargs, step_kwargs)
    pymc_only = [k for k in (*PYMC_INIT_KWARGS, *PYMC_STEP_KWARGS) if k in extra]
    if sampler == "numpyro" and "max_treedepth" in pymc_only:
        pymc_only.remove("max_treedepth")
        nuts_kwargs = dict(sampler_kwargs.get("nuts_kwargs") or {})
        nuts_kwargs["max_tree_depth"] = extra["max_treedepth"]
        sampler_kwargs["nuts_kwargs"] = nuts_kwargs
    if pymc_only:
        raise UnsupportedOptionError(
            f"{', '.join(pymc_only)} only apply to PyMC's own NUTS, not to nuts_sampler="
            f"{sampler!r}; pass that sampler's options in nuts_sampler_kwargs, or use "
            f"nuts_sampler='pymc'."
        )
    if jax_chain_method is not None:
        sampler_kwargs["chain_method"] = jax_chain_method
    elif sampler == "nutpie":
        sampler_kwargs["cores"] = cores
    return NutsPlan(sampler, cores, jax_chain_method, sampler_kwargs=sampler_kwargs)


def check_svi(options: Any) -> None:
    """SVI runs PyMC's ADVI on PyTensor's C backend: CPU only."""
    check_backend_kwargs("svi", options.extra)
    if options.device != "cpu":
        raise UnsupportedOptionError(
            f"device={options.device!r} is not supported for method='svi' on the pymc backend: "
            f"PyMC's ADVI runs PyTensor's compiled C code on the CPU; use device='cpu', or "
            f"backend='numpyro' for SVI on a GPU."
        )
