"""Splitting a run's wall time into compilation and the rest, from the libraries' own
accounting.

PyTensor adds the time of every function compilation to two process-wide counters:
graph rewriting (``pytensor.compile.profiling.total_graph_rewrite_time``) and linking,
which is generating and compiling C code or loading it from the on-disk cache in
``~/.pytensor`` (``total_time_linker``). JAX reports tracing, lowering and XLA compiling
through `jax.monitoring` events (used when PyMC's model runs on a JAX sampler).
`CompileClock` reads both over a block: ``compile_seconds`` is PyTensor's counters'
increase plus the union of JAX's compile intervals; ``other_seconds`` is the rest of the
block's wall time.

PyTensor's counters are per process, not per thread: a compilation running in another
thread at the same time (runs in threads of one process) is counted too. Compilation
in PyMC's worker processes (``chain_method="parallel"`` loads the compiled functions
there) is not seen, so it counts as the rest.
"""

from __future__ import annotations

import sys
import threading
import time

from pytensor.compile import profiling

JAX_COMPILE_EVENTS = frozenset(
    {
        "/jax/core/compile/jaxpr_trace_duration",
        "/jax/core/compile/jaxpr_to_mlir_module_duration",
        "/jax/core/compile/backend_compile_duration",
    }
)


def pytensor_compile_total() -> float:
    """Seconds this process has spent compiling PyTensor functions (rewrite + link)."""
    return profiling.total_graph_rewrite_time + profiling.total_time_linker


class CompileClock:
    """Context manager timing a block: ``wall_seconds``, ``compile_seconds`` (PyTensor and
    JAX compilation inside it) and ``other_seconds`` (the rest). JAX events are listened
    to when ``jax=True`` (the block runs a JAX sampler) or JAX is already in use."""

    def __init__(self, jax: bool = False) -> None:
        self._listen_to_jax = jax
        self.wall_seconds = 0.0
        self.pytensor_seconds = 0.0
        self.jax_intervals: list[tuple[float, float]] = []
        self._thread = threading.get_ident()
        self._start = 0.0
        self._pytensor_start = 0.0
        self._jax = None

    def _on_duration(self, event: str, duration: float, **kwargs) -> None:
        if event in JAX_COMPILE_EVENTS and threading.get_ident() == self._thread:
            end = time.perf_counter()
            self.jax_intervals.append((end - duration, end))

    def __enter__(self) -> "CompileClock":
        self._thread = threading.get_ident()
        if self._listen_to_jax or "jax" in sys.modules:
            import jax.monitoring

            self._jax = jax.monitoring
            self._jax.register_event_duration_secs_listener(self._on_duration)
        self._pytensor_start = pytensor_compile_total()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall_seconds = time.perf_counter() - self._start
        self.pytensor_seconds = pytensor_compile_total() - self._pytensor_start
        if self._jax is not None:
            self._jax.unregister_event_duration_listener(self._on_duration)

    @property
    def jax_seconds(self) -> float:
        """Length of the union of JAX's compile intervals within the block."""
        total, reach = 0.0, self._start
        for start, end in sorted(self.jax_intervals):
            start = max(start, reach)
            if end > start:
                total += end - start
                reach = end
        return total

    @property
    def compile_seconds(self) -> float:
        return min(self.pytensor_seconds + self.jax_seconds, self.wall_seconds)

    @property
    def other_seconds(self) -> float:
        return max(self.wall_seconds - self.compile_seconds, 0.0)
