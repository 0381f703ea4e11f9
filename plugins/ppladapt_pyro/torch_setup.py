"""The PyTorch and Pyro state a run needs, set for the run and restored after it.

Pyro keeps process-wide state: its effect-handler stack and parameter store are globals,
and so are torch's default dtype and its random number generators. `session` therefore
runs one Pyro computation at a time in a process (a lock: runs from several threads,
e.g. `pa.compare` with a thread pool, queue up rather than corrupt each other), and for
its duration:

- sets torch's default dtype to float64, so that constants in the generated code
  (``dist.Normal(loc=0.0, scale=5.0)``) and every tensor Pyro creates are double
  precision, as on the other backends (`log_density` agrees with them to ~1e-12);
- makes a CUDA ``device`` the default device, so that the model's constants, Pyro's
  plates and the guide's parameters live with the data (on the CPU, torch's default);
- seeds torch, NumPy and Python's ``random`` (`pyro.set_rng_seed`) and restores their
  previous states afterwards, so a run is reproducible from ``seed`` and does not
  disturb the caller's random streams;
- gives Pyro an empty parameter store (`ParamStoreDict.scope`), so an SVI fit neither
  sees nor leaves behind parameters of the caller;
- with the ``num_threads`` backend option, sets torch's intra-op threads (small models
  run faster on one thread, and on a busy machine much faster).

Importing this module imports torch and Pyro; the backend imports it only when a run is
asked for.
"""

from __future__ import annotations

import random
import threading
from contextlib import contextmanager, nullcontext
from typing import Iterator, Optional

import numpy as np
import pyro
import torch

from ppladapt.errors import UnsupportedOptionError

_LOCK = threading.RLock()


def torch_device(device: str) -> torch.device:
    """The torch device for ``device`` ("cpu" or "gpu"); a clear error when PyTorch
    has no CUDA device."""
    if device == "cpu":
        return torch.device("cpu")
    if device == "gpu":
        if not torch.cuda.is_available():
            build = (f"a CUDA {torch.version.cuda} build" if torch.version.cuda
                     else "a CPU-only build")
            raise UnsupportedOptionError(
                f"device='gpu' requested but PyTorch sees no CUDA device (torch "
                f"{torch.__version__} is {build}); install a CUDA build of torch (see "
                f"https://pytorch.org/get-started/locally/) on a machine with an NVIDIA GPU, "
                f"or use device='cpu'."
            )
        return torch.device("cuda", torch.cuda.current_device())
    raise UnsupportedOptionError(f"device={device!r} is not supported; use 'cpu' or 'gpu'.")


@contextmanager
def _rng_seeded(seed: Optional[int]) -> Iterator[None]:
    if seed is None:
        yield
        return
    states = (torch.get_rng_state(), np.random.get_state(), random.getstate())
    cuda_states = torch.cuda.get_rng_state_all() if torch.cuda.is_initialized() else None
    pyro.set_rng_seed(seed)
    try:
        yield
    finally:
        torch.set_rng_state(states[0])
        np.random.set_state(states[1])
        random.setstate(states[2])
        if cuda_states is not None:
            torch.cuda.set_rng_state_all(cuda_states)


@contextmanager
def session(device: torch.device, seed: Optional[int] = None,
            threads: Optional[int] = None) -> Iterator[torch.device]:
    """A Pyro run's process state (see the module docstring), restored on exit; with
    ``threads``, torch's intra-op thread count too."""
    with _LOCK:
        dtype, old_threads = torch.get_default_dtype(), torch.get_num_threads()
        torch.set_default_dtype(torch.float64)
        if threads:
            torch.set_num_threads(threads)
        try:
            # torch's default-device mode intercepts every torch call (about a third of
            # the time of a small model on the CPU), so it is entered only for a GPU.
            default_device = device if device.type != "cpu" else nullcontext()
            with default_device, _rng_seeded(seed), pyro.get_param_store().scope():
                yield device
        finally:
            torch.set_default_dtype(dtype)
            torch.set_num_threads(old_threads)


def environment(device: torch.device) -> dict:
    """What `idata.attrs` records about PyTorch for a run on ``device``."""
    return {
        "torch_version": str(torch.__version__),  # a str subclass NetCDF cannot store
        "torch_device": str(device),
        "torch_dtype": "float64",
        "torch_threads": torch.get_num_threads(),
    }
