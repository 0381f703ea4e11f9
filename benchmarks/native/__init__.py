"""Hand-written, idiomatic implementations of the examples in each PPL, run without ppladapt.

One module per PPL (``numpyro_models``, ``pymc_models``, ``pyro_models``, ``stan_models``
with its ``.stan`` files). Each holds the models as an expert user of that library
writes them, then a small benchmark glue section with the same three entry points:

- ``MODELS``: the example names it implements;
- ``sample(example, data, plates, settings)``: NUTS run directly with the library
  (``numpyro.infer.MCMC``, ``pm.sample``, ``pyro.infer.MCMC``, PyStan's
  ``stan.build(...).sample(...)``); returns a dict with ``posterior`` (arrays shaped
  (chain, draw, ...) under the example's site names), ``compile_seconds``,
  ``sampling_seconds``, ``wall_seconds`` (the whole sampling call, the library's own
  post-processing included) and ``divergences``;
- ``log_density(example, data, plates, params)``: the model's log density at
  constrained ``params`` (no Jacobian), used by tests/test_benchmarks.py to check that a
  native model is the same model as ppladapt's.

``data`` is the example's data (IR names, NumPy arrays), ``plates`` maps plate name to
``{"size": int, "coords": list | None}``, and ``settings`` holds ``draws``, ``tune``,
``chains``, ``chain_method``, ``seed`` and ``target_accept``. Importing this package
imports no PPL.
"""

BACKENDS = ("numpyro", "pymc", "pyro", "stan")


def module_name(backend: str) -> str:
    """The module of hand-written ``backend`` models (``benchmarks.native.<ppl>_models``)."""
    if backend not in BACKENDS:
        raise ValueError(f"no native implementations for backend {backend!r}; have {BACKENDS}")
    return f"benchmarks.native.{backend}_models"
