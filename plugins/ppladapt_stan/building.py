"""Compiling generated programs once: the cache directory, program keys, locks, the C++
optimisation level, and Stan compile errors reported against the generated line and its
site.

Both engines cache a compiled model under a key that hashes the program text with the
engine and compiler versions and the optimisation level, so a second run of an unchanged
model does not compile (new data never changes the program: sizes are data). Builds take a file lock per key,
so two processes (pytest-xdist workers, `pa.compare` in processes) asking for the same
program build it once. Everything lives under ``$PPLADAPT_CACHE_DIR/stan`` (default
``~/.cache/ppladapt/stan``); no build ever writes into the current directory.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from ppladapt.errors import BackendError, PPLAdaptError
from ppladapt_stan.program import StanProgram

LINE = re.compile(r"line (\d+)")
OPTIMIZATION_ENV = "PPLADAPT_STAN_OPTIMIZATION"
OPTIMIZATION_LEVELS = ("0", "1", "2", "3", "s")
DEFAULT_OPTIMIZATION = "3"  # Stan's own default, for both engines


def cache_dir() -> Path:
    """ppladapt's Stan cache directory (created on demand)."""
    root = os.environ.get("PPLADAPT_CACHE_DIR")
    base = Path(root).expanduser() if root else Path("~/.cache/ppladapt").expanduser()
    path = base / "stan"
    path.mkdir(parents=True, exist_ok=True)
    return path


def optimization_level() -> str:
    """The C++ optimisation level of new builds (``-O3``, Stan's default, unless
    ``$PPLADAPT_STAN_OPTIMIZATION`` names another: 0, 1, 2, 3 or s). ``0`` builds a large
    program several times faster (a 700-line program: 1 minute against 10) and runs it
    several times slower: for programs whose log density is evaluated, not sampled."""
    level = os.environ.get(OPTIMIZATION_ENV, DEFAULT_OPTIMIZATION).strip().removeprefix("-O")
    if level not in OPTIMIZATION_LEVELS:
        raise PPLAdaptError(
            f"{OPTIMIZATION_ENV}={os.environ[OPTIMIZATION_ENV]!r} is not a C++ optimisation "
            f"level; use one of {', '.join(OPTIMIZATION_LEVELS)} (or unset it for -O3)."
        )
    return level


def build_code(code: str, level: str) -> str:
    """The program text handed to the compiler: ``code``, with a closing comment naming a
    non-default optimisation level, so that such a build has an entry of its own in the
    engine's cache (the comment changes no line number)."""
    if level == DEFAULT_OPTIMIZATION:
        return code
    return f"{code}// ppladapt: C++ built with -O{level}\n"


def program_key(code: str, engine: str, compiler: str, level: str) -> str:
    """Cache key of a program for one engine, compiler version and optimisation level."""
    digest = hashlib.sha256()
    for part in (engine, compiler, level, code):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


@contextmanager
def build_lock(key: str) -> Iterator[None]:
    """An exclusive, cross-process lock for building the program with this key."""
    locks = cache_dir() / "locks"
    locks.mkdir(exist_ok=True)
    with open(locks / f"{key}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def compile_error(program: StanProgram, message: str,
                  model_name: Optional[str] = None) -> PPLAdaptError:
    """A `PPLAdaptError` for a stanc error: its message, the generated line it points at
    and the site that line belongs to."""
    text = message.strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().strip("-")]
    summary = lines[-1] if lines else text
    where = ""
    match = LINE.search(text)
    if match:
        number = int(match.group(1))
        lines = program.code.splitlines()
        code = lines[number - 1].strip() if 1 <= number <= len(lines) else ""
        site = program.site_of_line(number)
        where = f" at line {number} of the generated program: `{code}`"
        if site is not None:
            where += f" (from site '{site}')"
    about = f" for model '{model_name}'" if model_name else ""
    return BackendError(
        f"Stan could not compile the program generated{about}{where}: {summary}. This is a "
        f"ppladapt bug if the model is valid; `pa.to_code(model, 'stan')` shows the program."
    )
