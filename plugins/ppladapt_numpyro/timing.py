"""Splitting a run's wall time into compilation and sampling, from JAX's own events.

JAX reports how long each compilation step takes through `jax.monitoring`: tracing a
function to a jaxpr, lowering it to an MLIR module, and the backend (XLA) compile, whose
duration includes fetching the program from the persistent compilation cache on a hit.
`CompileTimer` collects them while a run is timed and takes the union of their time
intervals (events can nest: tracing may compile an eager operation inside it, so a plain
sum would count that twice); everything else is execution. Only events from the thread
that opened the timer are counted, so runs in other threads (`pa.compare` with an
executor) do not pollute each other's numbers.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from ppladapt_numpyro.jax_setup import configure

configure()  # before JAX starts

import jax.monitoring  # noqa: E402

COMPILE_EVENTS = frozenset(
    {
        "/jax/core/compile/jaxpr_trace_duration",
        "/jax/core/compile/jaxpr_to_mlir_module_duration",
        "/jax/core/compile/backend_compile_duration",
    }
)
CACHE_HITS = "/jax/compilation_cache/cache_hits"
CACHE_MISSES = "/jax/compilation_cache/cache_misses"


class CompileTimer:
    """Context manager timing a block: ``wall_seconds``, ``compile_seconds`` (time spent
    in JAX compilation inside the block), ``execute_seconds`` (the rest) and persistent
    cache hits and misses."""

    def __init__(self) -> None:
        self.wall_seconds = 0.0
        self.intervals: list[tuple[float, float]] = []
        self.events: Counter = Counter()
        self._thread = threading.get_ident()
        self._start = 0.0

    # jax.monitoring listeners; called as soon as the timed step ends
    def _on_duration(self, event: str, duration: float, **kwargs) -> None:
        if event in COMPILE_EVENTS and threading.get_ident() == self._thread:
            end = time.perf_counter()
            self.intervals.append((end - duration, end))

    def _on_event(self, event: str, **kwargs) -> None:
        if event in (CACHE_HITS, CACHE_MISSES) and threading.get_ident() == self._thread:
            self.events[event] += 1

    def __enter__(self) -> "CompileTimer":
        self._thread = threading.get_ident()
        jax.monitoring.register_event_duration_secs_listener(self._on_duration)
        jax.monitoring.register_event_listener(self._on_event)
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.wall_seconds = time.perf_counter() - self._start
        jax.monitoring.unregister_event_duration_listener(self._on_duration)
        jax.monitoring.unregister_event_listener(self._on_event)

    @property
    def compile_seconds(self) -> float:
        """Length of the union of the compile events' intervals within the block."""
        total, reach = 0.0, self._start
        for start, end in sorted(self.intervals):
            start = max(start, reach)
            if end > start:
                total += end - start
                reach = end
        return min(total, self.wall_seconds)

    @property
    def execute_seconds(self) -> float:
        return max(self.wall_seconds - self.compile_seconds, 0.0)

    @property
    def cache_hits(self) -> int:
        return self.events[CACHE_HITS]

    @property
    def cache_misses(self) -> int:
        return self.events[CACHE_MISSES]

    def attrs(self) -> dict:
        """Persistent-cache use during the block, for `idata.attrs`."""
        return {
            "compilation_cache_hits": self.cache_hits,
            "compilation_cache_misses": self.cache_misses,
        }
