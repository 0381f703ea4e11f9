"""Builds one Stan program into httpstan's model cache, in a process of its own.

Run as ``python -m ppladapt_stan.buildworker PROGRAM_FILE LEVEL`` (LEVEL: the C++
optimisation level, e.g. ``3``) with the working directory
set to a build directory under ppladapt's cache: httpstan compiles through setuptools,
which writes its temporary build files under the *current* directory, so the build gets
a process (and a directory) of its own instead of changing the caller's. This is what
httpstan's own ``POST /models`` does (stanc, then the C++ extension module, then its
logs), with stanc's time limit raised from httpstan's one second, which a large program
on a busy machine can exceed, and with the precompiled Stan model header
(`ppladapt_stan.precompiled_header`). Prints the compiler output; exits 1 with the error
on failure.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from pathlib import Path

STANC_TIMEOUT = 300
COMPILE_FLAGS = ("-std=c++14", "-Wno-sign-compare")  # httpstan's, beside its -O3


def main(path: str, level: str) -> int:
    import httpstan.cache
    import httpstan.compile
    import httpstan.models

    from ppladapt_stan.httpstan_engine import stanc
    from ppladapt_stan.precompiled_header import include_args

    code = Path(path).read_text()
    name = httpstan.models.calculate_model_name(code)

    @functools.cache  # stanc once: for its warnings, then for httpstan's build
    def compile_with_time_limit(program_code: str, stan_model_name: str):
        return stanc(program_code, stan_model_name, timeout=STANC_TIMEOUT)

    httpstan.compile.compile = compile_with_time_limit
    try:
        warnings = compile_with_time_limit(code, f"model_{name.split('/')[1]}")[1]
        httpstan.cache.delete_model_directory(name)
        httpstan.cache.dump_stanc_warnings(warnings, name)
        headers = Path(httpstan.models.PACKAGE_DIR) / "include"
        flags = [f"-O{level}", *COMPILE_FLAGS]
        flags += include_args(headers, httpstan.__version__, flags)
        output = asyncio.run(httpstan.models.build_services_extension_module(
            code, extra_compile_args=flags))
        httpstan.cache.dump_services_extension_module_compiler_output(output, name)
    except Exception as err:  # noqa: BLE001 - reported to the parent process
        httpstan.cache.delete_model_directory(name)
        print(f"{type(err).__name__}: {err}", file=sys.stderr)
        return 1
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
