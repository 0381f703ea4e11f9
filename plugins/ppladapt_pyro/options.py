"""Backend keyword arguments the Pyro backend accepts, and where each one goes.

``pa.sample(..., **backend_kwargs)`` passes them through to Pyro; anything not listed here
is an `UnsupportedOptionError` naming the valid ones, raised before any run starts
(rather than a ``TypeError`` from deep inside Pyro). Importing this module imports
neither torch nor Pyro.
"""

from __future__ import annotations

import numbers
from typing import Any, Mapping

from ppladapt.errors import UnsupportedOptionError

# Keyword arguments of pyro.infer.NUTS (target_accept_prob comes from target_accept),
# and num_threads.
NUTS_KWARGS = (
    "step_size",
    "adapt_step_size",
    "adapt_mass_matrix",
    "full_mass",
    "use_multinomial_sampling",
    "max_tree_depth",
    "init_strategy",
    "num_threads",  # torch's intra-op threads during the run (each worker's, for parallel chains)
)

# SVI keyword arguments, by what takes them.
SVI_KWARGS: Mapping[str, str] = {
    "num_particles": "elbo",  # Trace_ELBO(num_particles=...)
    "lr_decay": "optim",  # learning rate falls by this factor over the fit (ClippedAdam's lrd)
    "init_scale": "guide",  # AutoNormal / AutoMultivariateNormal(init_scale=...)
    "init_loc_fn": "guide",
    "batch_size": "subsample",  # mini-batch SVI: rows of the observations' plate per step
    "subsample_plate": "subsample",  # which plate (when the model has several)
    "num_threads": "torch",  # torch's intra-op threads during the run
}

# Options of `pa.to_code(model, "pyro", ...)` (`PyroBackend.code_options`): the
# mini-batch SVI program.
CODE_KWARGS = ("batch_size", "subsample_plate")

VALID = {"nuts": NUTS_KWARGS, "svi": tuple(SVI_KWARGS)}

# Pyro spellings of options that pa.sample takes under its own name, and other hints.
HINTS = {
    "target_accept_prob": "use pa.sample's target_accept= instead",
    "warmup_steps": "use pa.sample's tune= instead",
    "num_samples": "use pa.sample's draws= instead",
    "num_chains": "use pa.sample's chains= instead",
    "disable_progbar": "use pa.sample's progressbar= instead",
    "num_steps": "use pa.sample's steps= instead",
    "lr": "use pa.sample's learning_rate= instead",
    "dense_mass": "Pyro calls it full_mass=",
    "mp_context": "parallel chains always use the 'spawn' start method",
    "jit_compile": "ppladapt runs Pyro without TorchScript, so that compile_seconds and "
                   "sampling_seconds stay separate",
}


def _positive_int(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and value >= 1


def check_backend_kwargs(method: str, extra: Mapping[str, Any]) -> None:
    """Raise `UnsupportedOptionError` for a backend kwarg Pyro's ``method`` lacks, or a
    bad value of ``batch_size``, ``lr_decay`` or ``num_threads``."""
    valid = VALID[method]
    unknown = sorted(k for k in extra if k not in valid)
    if unknown:
        hints = "".join(f" ({k}: {HINTS[k]}.)" for k in unknown if k in HINTS)
        raise UnsupportedOptionError(
            f"the pyro backend does not accept {', '.join(map(repr, unknown))} for "
            f"method={method!r}; its backend options are: {', '.join(valid)}.{hints}"
        )
    check_subsample_kwargs(extra)
    check_lr_decay(extra)
    threads = extra.get("num_threads")
    if threads is not None and not _positive_int(threads):
        raise UnsupportedOptionError(f"num_threads must be an int >= 1, got {threads!r}.")


def check_subsample_kwargs(extra: Mapping[str, Any]) -> None:
    """``batch_size`` must be a positive int; ``subsample_plate`` needs it."""
    batch_size = extra.get("batch_size")
    if batch_size is not None and not _positive_int(batch_size):
        raise UnsupportedOptionError(f"batch_size must be an int >= 1, got {batch_size!r}.")
    if extra.get("subsample_plate") is not None and batch_size is None:
        raise UnsupportedOptionError("subsample_plate= needs batch_size= (the rows per SVI step).")


def check_lr_decay(extra: Mapping[str, Any]) -> None:
    """``lr_decay`` must be a number in (0, 1]."""
    decay = extra.get("lr_decay")
    if decay is not None and (isinstance(decay, bool) or not isinstance(decay, numbers.Real)
                              or not 0 < decay <= 1):
        raise UnsupportedOptionError(f"lr_decay must be a number in (0, 1], got {decay!r}.")


def kwargs_for(target: str, extra: Mapping[str, Any]) -> dict[str, Any]:
    """The SVI backend kwargs that go to ``target`` ("elbo", "guide", "optim",
    "subsample" or "torch")."""
    return {k: v for k, v in extra.items() if SVI_KWARGS.get(k) == target}


def describe(extra: Mapping[str, Any]) -> str:
    """Backend kwargs as text for ``idata.attrs`` (empty string when none)."""
    return ", ".join(f"{k}={v!r}" for k, v in sorted(extra.items()))
