"""The models in examples/, loaded once per test session."""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES_DIR.glob("*.py"))


@cache
def load_example(name: str):
    """Import examples/{name}.py as a module (its __main__ block does not run)."""
    path = EXAMPLES_DIR / f"{name}.py"
    module_name = f"ppladapt_example_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def example_models() -> dict:
    """Every example's `model`, plus the centred eight schools."""
    models = {name: load_example(name).model for name in EXAMPLE_NAMES}
    models["eight_schools_centered"] = load_example("eight_schools").centered
    return models
