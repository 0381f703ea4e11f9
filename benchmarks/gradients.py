"""Cost of one log-density gradient: ppladapt's generated model against the hand-written
one, on the same backend, at the same point.

NUTS spends its time in gradient evaluations, and how many it needs is random (it
depends on the draws), so the ESS/s of two runs differs by Monte Carlo noise even when
the models cost exactly the same. This measures the cost itself, the way each sampler
evaluates it:

- NumPyro: ``jax.value_and_grad`` of the potential energy from ``initialize_model``,
  evaluated ``n`` times inside one compiled ``fori_loop`` (as NUTS runs inside XLA);
- PyMC: ``model.logp_dlogp_function()``, the compiled function PyMC's NUTS calls once
  per leapfrog step, called from Python;
- Pyro: ``pyro.ops.integrator.potential_grad`` on the potential from
  ``initialize_model``, what Pyro's NUTS calls per leapfrog step;
- Stan: NUTS without warm-up on both compiled programs, with the same seed and so the
  same initial values and step size (httpstan offers no fixed-trajectory HMC); Stan's
  own elapsed sampling time divided by the number of leapfrog steps.

Run: ``python benchmarks/gradients.py numpyro --examples eight_schools logistic`` (JSON
on stdout); `benchmarks/run.py` runs it per backend (section ``gradients``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.run import EXAMPLES, inputs, load_model  # noqa: E402

ROUNDS = 7  # timing rounds; the fastest is reported (the least disturbed by other jobs)


def per_call(native, ours, calls: int) -> tuple[float, float]:
    """Seconds per call of ``native()`` and of ``ours()``: the fastest of `ROUNDS`
    rounds of ``calls`` calls each, the two alternating (so that a change in the
    machine's load hits both), after one warm-up call each. Other jobs only ever add
    time, so the fastest round is the closest to the cost itself."""
    native(), ours()
    times: tuple[list, list] = ([], [])
    for _ in range(ROUNDS):
        for fn, out in ((native, times[0]), (ours, times[1])):
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            out.append((time.perf_counter() - start) / calls)
    return min(times[0]), min(times[1])


# ---- NumPyro ---------------------------------------------------------------------------------------
def numpyro_cost(example: str, calls: int) -> tuple[float, float]:
    from benchmarks.native import numpyro_models as native  # sets host devices and x64 first

    import jax
    import numpy as np
    from numpyro.infer.util import initialize_model
    from ppladapt_numpyro.program import load, model_data

    def evaluator(model_fn, args, kwargs):
        info = initialize_model(jax.random.PRNGKey(0), model_fn, model_args=args, model_kwargs=kwargs)
        value_and_grad = jax.value_and_grad(info.potential_fn)

        @jax.jit
        def loop(z):
            def body(i, carry):
                z, total = carry
                value, grad = value_and_grad(z)  # a tiny step along the gradient: no hoisting
                return jax.tree.map(lambda a, g: a - 1e-12 * g, z, grad), total + value
            return jax.lax.fori_loop(0, calls, body, (z, 0.0))

        z0 = info.param_info.z
        return lambda: jax.block_until_ready(loop(z0))

    model = load_model(example)
    data, plates = inputs(model)
    model_fn, arguments = native.MODELS[example]
    program, _ = load(model)
    # The same data on both sides, as NumPy arrays: JAX folds computations on NumPy
    # constants (index and finiteness checks) at trace time, but traces those on
    # closed-over JAX arrays. Inside MCMC both sample at the same speed.
    ours = {k: None if v is None else np.asarray(v) for k, v in model_data(model).items()}
    native_cost, our_cost = per_call(evaluator(model_fn, (), arguments(data, plates)),
                                     evaluator(program.model_fn, (ours,), {}), 1)
    return native_cost / calls, our_cost / calls


# ---- PyMC --------------------------------------------------------------------------------------------
def pymc_cost(example: str, calls: int) -> tuple[float, float]:
    from benchmarks.native import pymc_models as native
    from ppladapt_pymc.program import build, numpy_casting

    from pymc.blocking import DictToArrayBijection

    def evaluator(pymc_model):
        fn = pymc_model.logp_dlogp_function(ravel_inputs=True)
        fn.set_extra_values({})
        start = pymc_model.initial_point()
        point = DictToArrayBijection.map({v.name: start[v.name] for v in fn._grad_vars})
        return lambda: fn(point)

    model = load_model(example)
    data, plates = inputs(model)
    native_fn = evaluator(native.MODELS[example](data, plates))
    with numpy_casting():  # as ppladapt's NUTS builds its functions
        _, pymc_model, _ = build(model)
        our_fn = evaluator(pymc_model)
    return per_call(native_fn, our_fn, calls)


# ---- Pyro ----------------------------------------------------------------------------------------------
def pyro_cost(example: str, calls: int) -> tuple[float, float]:
    import pyro
    import torch
    from pyro.infer.mcmc.util import initialize_model
    from pyro.ops.integrator import potential_grad

    from benchmarks.native import pyro_models as native
    from ppladapt_pyro.program import load, model_data
    from ppladapt_pyro.torch_setup import session

    def evaluator(model_fn, args, kwargs, nesting=None):
        pyro.set_rng_seed(0)
        params, potential_fn, _, _ = initialize_model(
            model_fn, model_args=args, model_kwargs=kwargs, max_plate_nesting=nesting)
        return lambda: potential_grad(potential_fn, params)

    model = load_model(example)
    data, plates = inputs(model)
    model_fn, arguments = native.MODELS[example]
    device = torch.device("cpu")
    with session(device, seed=0):  # float64 default dtype for both
        native_fn = evaluator(model_fn, (), arguments(data, plates))
        program, _ = load(model)
        nesting = max((len(s.plates) for s in model.sites), default=0)
        our_fn = evaluator(program, (model_data(model, device),), {}, nesting)
        return per_call(native_fn, our_fn, calls)


# ---- Stan ------------------------------------------------------------------------------------------------
def _stan_run(code: str, data: dict, iterations: int, depth: int) -> tuple[float, int]:
    """(Stan's elapsed sampling seconds, leapfrog steps) of a NUTS run without warm-up of
    the compiled ``code`` (already in httpstan's cache)."""
    import asyncio
    import gzip

    import httpstan.cache
    import httpstan.models
    import httpstan.services_stub

    name = httpstan.models.calculate_model_name(code)
    fit = f"{name}/fits/gradient{time.time_ns()}"
    payload = dict(data={k: v.tolist() if hasattr(v, "tolist") else v for k, v in data.items()},
                   init={}, random_seed=1, chain=1, num_warmup=0, num_samples=iterations,
                   max_depth=depth, refresh=0)
    asyncio.run(httpstan.services_stub.call(
        "stan::services::sample::hmc_nuts_diag_e_adapt", name, fit, None, **payload))
    raw = gzip.decompress(httpstan.cache.load_fit(fit))
    httpstan.cache.delete_fit(fit)
    seconds, steps = None, 0
    for line in raw.splitlines():
        message = json.loads(line)
        values = message["values"]
        if message["topic"] == "logger" and "seconds (Sampling)" in values[0]:
            seconds = float(values[0].split(":", 1)[1].split()[0])
        elif message["topic"] == "sample" and isinstance(values, dict):
            steps += int(values["n_leapfrog__"])
    return seconds, steps


def stan_cost(example: str, calls: int) -> tuple[float, float]:
    import stan

    from benchmarks.native import stan_models as native
    from ppladapt_stan.emitter import emit_program

    import ppladapt as pa

    model = load_model(example)
    data, plates = inputs(model)
    depth = 10
    programs = (
        (native.program(example), native.MODELS[example][1](data, plates)),
        (pa.to_code(model, "stan"), emit_program(model, "sample", False).stan_data(model)),
    )
    for code, stan_data in programs:
        stan.build(code, data=stan_data)  # compiled, or found in httpstan's cache
    # Double the iterations until a run takes `STAN_SECONDS` (Stan reports milliseconds).
    iterations = 10
    while iterations < calls:
        seconds, _ = _stan_run(*programs[0], iterations, depth)
        if seconds >= STAN_SECONDS:
            break
        iterations *= 2
    results: tuple[list, list] = ([], [])
    for _ in range(ROUNDS):  # alternating, as `per_call`
        for (code, stan_data), out in zip(programs, results):
            seconds, steps = _stan_run(code, stan_data, iterations, depth)
            out.append(seconds / steps)
    return min(results[0]), min(results[1])


COSTS = {"numpyro": numpyro_cost, "pymc": pymc_cost, "pyro": pyro_cost, "stan": stan_cost}
CALLS = {"numpyro": 20_000, "pymc": 5_000, "pyro": 500, "stan": 100_000}  # Stan: iterations at most
STAN_SECONDS = 0.5


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backend", choices=sorted(COSTS))
    parser.add_argument("--examples", nargs="+", default=list(EXAMPLES))
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the number of calls")
    args = parser.parse_args(argv)
    rows = []
    for example in args.examples:
        calls = max(int(CALLS[args.backend] * args.scale), 1)
        native, ours = COSTS[args.backend](example, calls)
        rows.append({"backend": args.backend, "example": example, "native_us": 1e6 * native,
                     "ppladapt_us": 1e6 * ours, "ratio": ours / native})
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
