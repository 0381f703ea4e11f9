"""Options of the Stan backend: its backend kwargs, its engine, and what it can run.

``pa.sample(..., backend="stan", **backend_kwargs)`` takes ``engine`` ("auto", "pystan"
or "cmdstanpy") and Stan's own sampler settings under their CmdStan names; anything else
is an `UnsupportedOptionError` naming the valid ones, raised before any run starts.
``engine="auto"`` uses CmdStanPy when a CmdStan installation is found and PyStan
otherwise. Importing this module imports no Stan library (finding CmdStan only looks at
the file system, as CmdStanPy does).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Mapping, Optional

from ppladapt.errors import BackendNotInstalledError, UnsupportedOptionError

ENGINES = ("auto", "pystan", "cmdstanpy")

# NUTS settings (ppladapt's name -> httpstan's, CmdStanPy's keyword).
NUTS_KWARGS: Mapping[str, tuple[str, str]] = {
    "max_treedepth": ("max_depth", "max_treedepth"),
    "step_size": ("stepsize", "step_size"),
    "init_radius": ("init_radius", "inits"),
    "adapt_init_buffer": ("init_buffer", "adapt_init_phase"),
    "adapt_window": ("window", "adapt_metric_window"),
    "adapt_term_buffer": ("term_buffer", "adapt_step_size"),
}
# ADVI settings (CmdStanPy's `variational` keyword arguments).
SVI_KWARGS = (
    "grad_samples", "elbo_samples", "eval_elbo", "tol_rel_obj", "adapt_engaged", "adapt_iter")
VALID = {"nuts": ("engine",) + tuple(NUTS_KWARGS), "svi": ("engine",) + SVI_KWARGS}

OWN_NAMES = {
    "adapt_delta": "target_accept", "delta": "target_accept", "iter_warmup": "tune",
    "num_warmup": "tune", "iter_sampling": "draws", "num_samples": "draws",
    "num_chains": "chains", "seed": "seed", "random_seed": "seed", "iter": "steps",
    "eta": "learning_rate", "output_samples": "draws", "parallel_chains": "chain_method",
}
CMDSTAN_INSTALL = (
    "CmdStan is not installed; install it with `python -m cmdstanpy.install_cmdstan` (or "
    "set $CMDSTAN to an installation)"
)


def check_backend_kwargs(method: str, extra: Mapping[str, Any]) -> None:
    """Raise `UnsupportedOptionError` for a kwarg the Stan backend does not take."""
    valid = VALID[method]
    unknown = sorted(k for k in extra if k not in valid)
    if unknown:
        hints = "".join(
            f" Use pa.sample's {OWN_NAMES[k]}= instead of {k}=." for k in unknown if k in OWN_NAMES
        )
        raise UnsupportedOptionError(
            f"the stan backend does not accept {', '.join(map(repr, unknown))} for "
            f"method={method!r}; its backend options are: {', '.join(valid)}.{hints}"
        )
    engine = extra.get("engine", "auto")
    if engine not in ENGINES:
        raise UnsupportedOptionError(
            f"engine={engine!r} is not a Stan engine; use one of {', '.join(map(repr, ENGINES))}."
        )


def cmdstan_path() -> Optional[Path]:
    """The CmdStan installation CmdStanPy would use ($CMDSTAN, else the newest
    ``~/.cmdstan/cmdstan-*``), or None."""
    env = os.environ.get("CMDSTAN")
    if env:
        path = Path(env)
        return path if (path / "makefile").exists() else None
    root = Path("~/.cmdstan").expanduser()
    if not root.is_dir():
        return None
    found = sorted(p for p in root.glob("cmdstan-*") if (p / "makefile").exists())
    return found[-1] if found else None


def has_cmdstanpy() -> bool:
    return importlib.util.find_spec("cmdstanpy") is not None and cmdstan_path() is not None


def has_pystan() -> bool:
    return importlib.util.find_spec("httpstan") is not None


def resolve_engine(requested: str) -> str:
    """The engine to use for ``engine=requested``: a clear error when it is missing."""
    if requested == "auto":
        if has_cmdstanpy():
            return "cmdstanpy"
        if has_pystan():
            return "pystan"
        raise BackendNotInstalledError(
            "the stan backend needs PyStan (pip install 'ppladapt[stan]') or CmdStanPy with "
            "CmdStan installed."
        )
    if requested == "cmdstanpy":
        if importlib.util.find_spec("cmdstanpy") is None:
            raise BackendNotInstalledError(
                "engine='cmdstanpy' needs CmdStanPy: pip install cmdstanpy.")
        if cmdstan_path() is None:
            raise UnsupportedOptionError(
                f"engine='cmdstanpy': {CMDSTAN_INSTALL}; or use engine='pystan'.")
        return "cmdstanpy"
    if not has_pystan():
        raise BackendNotInstalledError(
            "engine='pystan' needs PyStan: pip install 'ppladapt[stan]'.")
    return "pystan"


def svi_engine(requested: str) -> str:
    """The engine for ADVI, which only CmdStanPy offers."""
    engine = resolve_engine(requested) if requested != "pystan" else "pystan"
    if engine != "cmdstanpy":
        reason = CMDSTAN_INSTALL if cmdstan_path() is None else "engine='pystan' was asked for"
        raise UnsupportedOptionError(
            f"method='svi' on the stan backend runs Stan's ADVI, which needs the CmdStanPy "
            f"engine with CmdStan (PyStan 3 has no variational inference): {reason}. Or use "
            f"method='nuts', or SVI on another backend (numpyro, pyro, pymc)."
        )
    return engine


def nuts_settings(extra: Mapping[str, Any], engine: str) -> dict[str, Any]:
    """NUTS backend kwargs under ``engine``'s names."""
    position = 0 if engine == "pystan" else 1
    return {NUTS_KWARGS[k][position]: v for k, v in extra.items() if k in NUTS_KWARGS}


def describe(extra: Mapping[str, Any]) -> str:
    """Backend kwargs as text for ``idata.attrs`` (empty string when none)."""
    return ", ".join(f"{k}={v!r}" for k, v in sorted(extra.items()))
