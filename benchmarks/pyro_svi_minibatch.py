"""Mini-batch vs full-batch SVI on Pyro: logistic regression with 100,000 rows.

The model and data are examples/logistic.py's (10 standard-normal features, coefficients
from ``true_parameters()``), with N = 100,000 rows. Both fits use the same settings:
AutoNormal, ``steps`` Adam steps whose learning rate falls from 0.01 to 1e-4
(``lr_decay=0.01``), ``init_scale=0.01``, 500 draws. The mini-batch fit sees
``batch_size`` random rows per step (``pa.sample(..., batch_size=1000)``), the full-batch
fit all of them.

Columns (one run each, after a short untimed run that imports torch and Pyro):
  wall_s      the whole ``pa.sample`` call (code generation, fit, draws, InferenceData)
  fit_s       the fit alone (``idata.attrs["svi_fit_seconds"]``)
  ms/step     fit_s / steps
  max|z|      largest |fitted mean - true coefficient| in posterior sds (the posterior
              sd of the Laplace approximation at the true coefficients)
  sd ratio    range of the fitted guide's sd / that posterior sd

Run: ``python benchmarks/pyro_svi_minibatch.py`` (``--threads 1``: torch's intra-op
threads, through the backend's ``num_threads`` option; ``--steps``, ``--batch-size``,
``--rows``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import time
from pathlib import Path

import numpy as np

import ppladapt as pa

ROOT = Path(__file__).resolve().parents[1]


def load_logistic_example():
    path = ROOT / "examples" / "logistic.py"
    spec = importlib.util.spec_from_file_location("logistic_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def laplace_sd(X: np.ndarray, truth: np.ndarray, prior_sd: float = 2.5) -> np.ndarray:
    """Posterior sds of the Gaussian approximation at the true coefficients."""
    Z = np.column_stack([np.ones(len(X)), X])
    p = 1.0 / (1.0 + np.exp(-Z @ truth))
    precision = (Z * (p * (1 - p))[:, None]).T @ Z + np.eye(Z.shape[1]) / prior_sd**2
    return np.sqrt(np.diag(np.linalg.inv(precision)))


def fit(model, steps: int, batch_size: int | None, seed: int, threads: int | None):
    kwargs = dict(batch_size=batch_size) if batch_size else {}
    if threads:
        kwargs["num_threads"] = threads
    start = time.perf_counter()
    idata = pa.sample(model, backend="pyro", method="svi", guide="normal", steps=steps,
                      learning_rate=0.01, lr_decay=0.01, init_scale=0.01, draws=500,
                      seed=seed, progressbar=False, **kwargs)
    return idata, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch's intra-op threads (the backend's num_threads option; "
                             "default: torch's own choice)")
    args = parser.parse_args()

    import torch

    example = load_logistic_example()
    data = example.make_data(n=args.rows)
    params = example.true_parameters()
    truth = np.concatenate([[params["alpha"]], params["beta"]])
    model = example.logistic(**data)
    sd = laplace_sd(data["X"], truth)

    fit(model, 10, args.batch_size, args.seed, args.threads)  # imports torch and Pyro: not timed
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__} ({args.threads or torch.get_num_threads()} threads), "
          f"N={args.rows}, D={len(truth) - 1}, {args.steps} steps")
    header = "| mode | rows/step | wall_s | fit_s | ms/step | max\\|z\\| | sd ratio |"
    print(header)
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, batch in (("mini-batch", args.batch_size), ("full batch", None)):
        idata, wall = fit(model, args.steps, batch, args.seed, args.threads)
        post = idata.posterior
        draws = np.column_stack([post["alpha"].values[0], post["beta"].values[0]])
        z = np.abs(draws.mean(0) - truth) / sd
        ratio = draws.std(0) / sd
        fit_s = idata.attrs["svi_fit_seconds"]
        print(f"| {label} | {batch or args.rows:,} | {wall:.1f} | {fit_s:.1f} | "
              f"{1e3 * fit_s / args.steps:.2f} | {z.max():.2f} | "
              f"{ratio.min():.2f}-{ratio.max():.2f} |", flush=True)


if __name__ == "__main__":
    main()
