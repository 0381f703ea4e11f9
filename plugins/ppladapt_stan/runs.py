"""What every Stan run shares: choosing the engine, compiling (timed, cached), and the
data a program takes.

``compile_seconds`` is everything before Stan starts: emitting the program, the stanc
check and the C++ build when the program is new, or finding it in the cache (well
under a second) when it is not.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Optional

from ppladapt.ir.model import Model
from ppladapt_stan.emitter import emit_program
from ppladapt_stan.program import StanProgram


def engine_module(engine: str) -> ModuleType:
    """The module implementing ``engine`` (imports its library)."""
    name = {"pystan": "httpstan_engine", "cmdstanpy": "cmdstan_engine"}[engine]
    return importlib.import_module(f"ppladapt_stan.{name}")


@dataclass
class Prepared:
    """A compiled program, ready to run on ``engine``."""

    engine: ModuleType
    program: StanProgram
    compiled: Any
    data: dict
    compile_seconds: float
    built: bool

    @property
    def engine_name(self) -> str:
        return self.engine.ENGINE


def prepare(model: Model, engine: str, variant: str = "sample", log_likelihood: bool = False,
            draws: Optional[dict] = None) -> Prepared:
    """Emit, compile (or find in the cache) and bind data for one program variant."""
    start = time.perf_counter()
    module = engine_module(engine)
    program = emit_program(model, variant, log_likelihood)
    compiled, built = module.compile_program(program, model.name)
    seconds = time.perf_counter() - start
    data = program.stan_data(model, draws) if variant != "posterior" or draws is not None else {}
    return Prepared(module, program, compiled, data, seconds, built)
