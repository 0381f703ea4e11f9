"""Backend keyword arguments the NumPyro backend accepts, and where each one goes.

``pa.sample(..., **backend_kwargs)`` passes them through to NumPyro; anything not listed
here is an `UnsupportedOptionError` naming the valid ones, raised before any run starts
(rather than a ``TypeError`` from deep inside NumPyro). Importing this module imports
neither JAX nor NumPyro.
"""

from __future__ import annotations

from typing import Any, Mapping

from ppladapt.errors import UnsupportedOptionError

# Keyword arguments of numpyro.infer.NUTS (target_accept_prob comes from target_accept).
NUTS_KWARGS = (
    "step_size",
    "inverse_mass_matrix",
    "adapt_step_size",
    "adapt_mass_matrix",
    "dense_mass",
    "max_tree_depth",
    "init_strategy",
    "find_heuristic_step_size",
    "forward_mode_differentiation",
    "regularize_mass_matrix",
)

# SVI keyword arguments, by the NumPyro object that takes them.
SVI_KWARGS: Mapping[str, str] = {
    "num_particles": "elbo",  # Trace_ELBO(num_particles=...)
    "init_scale": "guide",  # AutoNormal / AutoMultivariateNormal(init_scale=...)
    "init_loc_fn": "guide",
    "stable_update": "run",  # SVI.run(stable_update=...)
}

VALID = {"nuts": NUTS_KWARGS, "svi": tuple(SVI_KWARGS)}

# NumPyro spellings of options that pa.sample takes under its own name.
OWN_NAMES = {
    "target_accept_prob": "target_accept",
    "num_warmup": "tune",
    "num_samples": "draws",
    "num_chains": "chains",
    "progress_bar": "progressbar",
    "num_steps": "steps",
    "lr": "learning_rate",
}


def check_backend_kwargs(method: str, extra: Mapping[str, Any]) -> None:
    """Raise `UnsupportedOptionError` for a backend kwarg NumPyro's ``method`` lacks."""
    valid = VALID[method]
    unknown = sorted(k for k in extra if k not in valid)
    if unknown:
        hints = "".join(
            f" Use pa.sample's {OWN_NAMES[k]}= instead of {k}=." for k in unknown if k in OWN_NAMES
        )
        raise UnsupportedOptionError(
            f"the numpyro backend does not accept {', '.join(map(repr, unknown))} for "
            f"method={method!r}; its backend options are: {', '.join(valid)}.{hints}"
        )


def svi_kwargs_for(target: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The SVI backend kwargs that go to ``target`` ("elbo", "guide" or "run")."""
    return {k: v for k, v in extra.items() if SVI_KWARGS.get(k) == target}


def describe(extra: Mapping[str, Any]) -> str:
    """Backend kwargs as text for ``idata.attrs`` (empty string when none)."""
    return ", ".join(f"{k}={v!r}" for k, v in sorted(extra.items()))
