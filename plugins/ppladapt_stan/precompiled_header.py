"""A precompiled Stan model header for httpstan builds.

Every Stan program's C++ starts with ``#include <stan/model/model_header.hpp>``: the Stan
math library, Eigen and Boost, about half of a small model's build time. CmdStan
precompiles that header once; httpstan does not, so ppladapt does it for its builds. The
header is compiled once per httpstan, compiler and flag set (about as long as one model
build), kept under ``$PPLADAPT_CACHE_DIR/stan/pch/`` and handed to every later build with
``-include``. GCC uses a precompiled header only when it was made with the same options,
and otherwise reads the header as usual, so a stale or unusable one costs time, never
correctness. If the header cannot be precompiled, builds go on without it.
"""

from __future__ import annotations

import hashlib
import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Sequence

from ppladapt_stan.building import build_lock, cache_dir

HEADER = "#include <stan/model/model_header.hpp>\n"
# httpstan.models.build_services_extension_module's macros: the precompiled header must be
# made with the same definitions as the models that use it.
MACROS = ("-DBOOST_DISABLE_ASSERTS", "-DBOOST_PHOENIX_NO_VARIADIC_EXPRESSION", "-DSTAN_THREADS",
          "-D_REENTRANT", "-D_GLIBCXX_USE_CXX11_ABI=0")
PCH_TIMEOUT = 1800


def _compile_command(include_dir: Path, flags: Sequence[str]) -> list[str]:
    """The options setuptools compiles an extension's C++ with (Python's CC, CFLAGS and
    CCSHARED, the macros, include directories), then ``flags``."""
    config = sysconfig.get_config_vars()
    python_includes = {sysconfig.get_paths()["include"], sysconfig.get_paths()["platinclude"]}
    return [*shlex.split(config.get("CC") or "gcc"), *shlex.split(config.get("CFLAGS") or ""),
            *shlex.split(config.get("CCSHARED") or ""), *MACROS, f"-I{include_dir}",
            *(f"-I{path}" for path in sorted(python_includes)), *flags]


def _compiler_identity(command: Sequence[str]) -> str:
    done = subprocess.run([command[0], "--version"], capture_output=True, text=True)
    return done.stdout.splitlines()[0] if done.returncode == 0 and done.stdout else command[0]


def include_args(include_dir: Path, version: str, flags: Sequence[str]) -> list[str]:
    """Compiler options that make a model build with ``flags`` use the precompiled model
    header of the Stan headers in ``include_dir`` (httpstan ``version``), building the
    header first if no earlier build did; ``[]`` if it cannot be built."""
    command = _compile_command(include_dir, flags)
    digest = hashlib.sha256("\0".join([version, _compiler_identity(command), *command]).encode())
    key = digest.hexdigest()[:16]
    folder = cache_dir() / "pch" / key
    header = folder / "stan_model_header.hpp"
    compiled = folder / "stan_model_header.hpp.gch"
    with build_lock(f"pch-{key}"):
        if not compiled.exists():
            folder.mkdir(parents=True, exist_ok=True)
            header.write_text(HEADER)
            partial = folder / "building.gch"
            done = subprocess.run([*command, "-x", "c++-header", str(header), "-o", str(partial)],
                                  capture_output=True, text=True, timeout=PCH_TIMEOUT)
            if done.returncode != 0:
                partial.unlink(missing_ok=True)
                return []
            partial.rename(compiled)
    return ["-include", str(header)]
