"""JAX set-up for the NumPyro backend, done once before the runners use JAX.

Three settings, each recorded in `JaxSetup` so runs can report them:

- host devices: when JAX has not been imported yet, ``XLA_FLAGS`` gets
  ``--xla_force_host_platform_device_count=N`` (N = max(cpu count, 4)) so CPU chains can
  run in parallel, one device each, unless the user already set that flag. Once JAX has
  started the device count is fixed; `devices_for` then reports it as it is.
- float64: ``jax_enable_x64``, so every backend computes in double precision.
- the persistent compilation cache, in ``$PPLADAPT_CACHE_DIR/jax`` or
  ``~/.cache/ppladapt/jax`` (unless the user configured one), storing every compiled
  program, so a second process running the same model skips XLA compilation.

Importing this module does not import JAX; `configure` does.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ppladapt.errors import UnsupportedOptionError

DEVICE_COUNT_FLAG = "--xla_force_host_platform_device_count"
MIN_HOST_DEVICES = 4


@dataclass(frozen=True)
class JaxSetup:
    """What `configure` found and did."""

    host_devices_flag_set: bool  # True when ppladapt added the device-count flag
    jax_was_imported: bool  # JAX had started before ppladapt could configure it
    compilation_cache_dir: Optional[str]


_SETUP: Optional[JaxSetup] = None
_LOCK = threading.Lock()


def host_device_count() -> int:
    """How many CPU devices to ask XLA for: one per core, at least 4."""
    return max(os.cpu_count() or 1, MIN_HOST_DEVICES)


def cache_dir() -> Path:
    """The directory of ppladapt's persistent JAX compilation cache."""
    root = os.environ.get("PPLADAPT_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "jax"
    return Path("~/.cache/ppladapt/jax").expanduser()


def _set_host_device_flag() -> bool:
    flags = os.environ.get("XLA_FLAGS", "")
    if DEVICE_COUNT_FLAG in flags:
        return False
    os.environ["XLA_FLAGS"] = f"{flags} {DEVICE_COUNT_FLAG}={host_device_count()}".strip()
    return True


def _enable_compilation_cache(jax) -> Optional[str]:
    if jax.config.jax_compilation_cache_dir:  # the user chose a cache: keep it
        return str(jax.config.jax_compilation_cache_dir)
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # an unwritable cache directory only costs recompilation
    jax.config.update("jax_compilation_cache_dir", str(path))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    try:
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    except AttributeError:  # older JAX without this option
        pass
    # A cache that JAX initialised (as disabled) before the directory was set must be
    # reset to pick the directory up.
    from jax.experimental.compilation_cache import compilation_cache

    compilation_cache.reset_cache()
    return str(path)


def configure() -> JaxSetup:
    """Set up JAX as described in the module docstring (once per process) and return
    what was done. Call it before importing JAX in backend code."""
    global _SETUP
    with _LOCK:
        if _SETUP is None:
            jax_was_imported = "jax" in sys.modules
            flag_set = False if jax_was_imported else _set_host_device_flag()
            import jax

            jax.config.update("jax_enable_x64", True)
            _SETUP = JaxSetup(flag_set, jax_was_imported, _enable_compilation_cache(jax))
    return _SETUP


def devices_for(device: str) -> list:
    """The JAX devices of platform ``device`` ("cpu" or "gpu"); a clear error when JAX
    has no GPU."""
    import jax

    try:
        found = jax.devices(device)
    except RuntimeError:
        found = []
    if not found:
        if device == "gpu":
            raise UnsupportedOptionError(
                "device='gpu' requested but JAX sees no GPU; install jax[cuda12] (pip install "
                "-U 'jax[cuda12]') on a machine with an NVIDIA GPU, or use device='cpu'."
            )
        raise UnsupportedOptionError(f"device={device!r} requested but JAX has no such devices.")
    return found


def environment(devices: list) -> dict:
    """What `idata.attrs` records about JAX for a run on ``devices``."""
    import jax

    setup = configure()
    return {
        "num_devices": len(devices),
        "jax_version": jax.__version__,
        "jax_device": str(devices[0]),
        "jax_enable_x64": bool(jax.config.jax_enable_x64),
        "compilation_cache": setup.compilation_cache_dir or "off",
    }


def check_parallel_chains(chains: int, devices: list, device: str) -> None:
    """``chain_method='parallel'`` runs one chain per device; more chains than devices is
    an error that says why and what to do (never a silent fallback to sequential)."""
    if chains <= len(devices):
        return
    setup = configure()
    if device == "gpu":
        remedy = "run at most that many chains, or use chain_method='vectorized' or 'sequential'."
    elif setup.jax_was_imported:
        remedy = (
            "JAX was already started when ppladapt was first used, so ppladapt could not "
            "ask XLA for more host devices. Restart Python and either use the NumPyro "
            "backend before importing jax yourself, or set the environment variable "
            f"XLA_FLAGS={DEVICE_COUNT_FLAG}={max(chains, host_device_count())} before "
            "starting Python; or use chain_method='vectorized' or 'sequential'."
        )
    else:
        remedy = (
            f"Set the environment variable XLA_FLAGS={DEVICE_COUNT_FLAG}={chains} (or "
            "more) before starting Python, or use chain_method='vectorized' or 'sequential'."
        )
    raise UnsupportedOptionError(
        f"chain_method='parallel' runs one chain per JAX device, but {chains} chains were "
        f"requested and JAX sees {len(devices)} {device} device(s). {remedy}"
    )
