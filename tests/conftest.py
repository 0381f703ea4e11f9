"""Shared test set-up: one place that configures JAX before anything imports it, and the
`backend` fixture that parametrises shared tests over every installed backend."""

from __future__ import annotations

import os

import pytest

# Four host devices so NumPyro can run 4 parallel chains, and a persistent compilation
# cache shared by test sessions; both must be set before JAX starts.
os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")

from ppladapt.plugins.registry import registered_backends  # noqa: E402

INSTALLED_BACKENDS = [name for name, b in registered_backends().items() if b.is_available()]
# PPLADAPT_TEST_BACKENDS=numpyro,stan restricts the shared tests to some backends.
if os.environ.get("PPLADAPT_TEST_BACKENDS"):
    INSTALLED_BACKENDS = [
        b for b in INSTALLED_BACKENDS if b in os.environ["PPLADAPT_TEST_BACKENDS"].split(",")
    ]


@pytest.fixture(scope="module", params=INSTALLED_BACKENDS)
def backend(request) -> str:
    """Name of each installed backend in turn."""
    return request.param


def skip_unless_long_runs_asked(what: str) -> None:
    """Skip ``what``, a run of many minutes on a 2-core machine (Pyro's NUTS on the larger
    models), unless PPLADAPT_TEST_LONG=1 asks for it (`make test-long`), so that
    `make test` stays short."""
    if not os.environ.get("PPLADAPT_TEST_LONG"):
        pytest.skip(f"{what}: a long run; set PPLADAPT_TEST_LONG=1 (make test-long)")


@pytest.fixture
def density_only_builds(monkeypatch):
    """Stan programs built in this test are evaluated (log densities), never sampled:
    build them at -O0, which compiles a large program several times faster."""
    monkeypatch.setenv("PPLADAPT_STAN_OPTIMIZATION", "0")


def pytest_collection_modifyitems(config, items):
    """Skip the long posteriordb checks unless asked for: ``-m`` naming ``posteriordb``
    or ``PPLADAPT_POSTERIORDB=1`` (what `make test-posteriordb` sets)."""
    if "posteriordb" in (config.getoption("markexpr") or "") or os.environ.get("PPLADAPT_POSTERIORDB"):
        return
    skip = pytest.mark.skip(reason="posteriordb suite: run `make test-posteriordb` or pytest -m posteriordb")
    for item in items:
        if item.get_closest_marker("posteriordb") is not None:
            item.add_marker(skip)
