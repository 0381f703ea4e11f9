"""The public entry points that run a model: `sample`, `prior_predictive`,
`posterior_predictive`, `log_density`, `to_code`.

Options are checked here, before any backend runs (errors list the valid values); the
backend is dispatched late and its arrays become `InferenceData` in `ppladapt.results`.
"""

from __future__ import annotations

import numbers
import secrets
import warnings
from typing import Any, Mapping, Optional

import numpy as np

from ppladapt import results
from ppladapt.backend import CHAIN_METHODS, DEVICES, GUIDES, METHODS, NutsOptions, SviOptions
from ppladapt.errors import ModelError, UnsupportedOptionError
from ppladapt.ir.model import Model
from ppladapt.plugins.registry import get_backend

SVI_DEFAULTS = {"guide": "normal", "steps": 5000, "learning_rate": 0.01}
NUTS_DEFAULTS = {"tune": 1000, "chains": 4, "chain_method": "parallel", "target_accept": 0.8}


def _choice(name: str, value: Any, valid: tuple) -> str:
    if value not in valid:
        raise UnsupportedOptionError(
            f"{name}={value!r} is not supported; use one of: {', '.join(map(repr, valid))}."
        )
    return value


def _positive_int(name: str, value: Any, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise UnsupportedOptionError(f"{name} must be an int >= {minimum}, got {value!r}.")
    return int(value)


def _seed(seed: Optional[int]) -> int:
    if seed is None:
        return secrets.randbits(31)
    return _positive_int("seed", seed, minimum=0)


def _check_model(model: Any, needs_observed: bool) -> Model:
    if not isinstance(model, Model):
        raise ModelError(
            f"expected a ppladapt Model (call your @pa.model function with its data), got "
            f"{type(model).__name__}."
        )
    if needs_observed:
        missing = [s.name for s in model.likelihoods if s.observed is None]
        if missing:
            raise ModelError(
                f"likelihood site(s) {', '.join(missing)} have no observed data; pass "
                f"observed= to sample the posterior, or use pa.prior_predictive."
            )
        discrete = [s.name for s in model.priors if s.dist.spec.discrete]
        if discrete:
            raise ModelError(
                f"prior site(s) {', '.join(discrete)} are discrete; NUTS and SVI need "
                f"continuous latent variables (marginalise them out, e.g. with logsumexp)."
            )
    return model


def sample(
    model: Model,
    backend: str = "numpyro",
    method: str = "nuts",
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    chain_method: str = "parallel",
    device: str = "cpu",
    seed: Optional[int] = None,
    target_accept: float = 0.8,
    progressbar: bool = True,
    log_likelihood: bool = False,
    guide: Optional[str] = None,
    steps: Optional[int] = None,
    learning_rate: Optional[float] = None,
    **backend_kwargs: Any,
):
    """Sample the posterior of ``model`` on ``backend``; returns `arviz.InferenceData`.

    ``method="nuts"`` runs ``chains`` chains of ``tune`` warm-up and ``draws`` draws;
    ``method="svi"`` fits a ``guide`` ("normal" mean-field or "mvn" full-rank) for
    ``steps`` Adam steps at ``learning_rate`` and returns ``draws`` draws from it (one
    chain). Options actually used are recorded in ``idata.attrs``.
    """
    model = _check_model(model, needs_observed=True)
    method = _choice("method", method, METHODS)
    device = _choice("device", device, DEVICES)
    draws = _positive_int("draws", draws)
    seed = _seed(seed)
    chosen = get_backend(backend)
    if method == "nuts":
        given = [k for k, v in (("guide", guide), ("steps", steps), ("learning_rate", learning_rate)) if v is not None]
        if given:
            raise UnsupportedOptionError(f"{', '.join(given)} only apply to method='svi'.")
        if not 0 < float(target_accept) < 1:
            raise UnsupportedOptionError(f"target_accept must be in (0, 1), got {target_accept!r}.")
        options = NutsOptions(
            draws=draws, tune=_positive_int("tune", tune, minimum=0), chains=_positive_int("chains", chains),
            chain_method=_choice("chain_method", chain_method, CHAIN_METHODS), device=device,
            seed=seed, target_accept=float(target_accept), progressbar=bool(progressbar),
            log_likelihood=bool(log_likelihood), extra=backend_kwargs,
        )
        chosen.check_options(method, options)
        run = chosen.run_nuts(model, options)
        used_chain_method = run.attrs.pop("chain_method", options.chain_method)
    else:
        nuts_only = {"tune": tune, "chains": chains, "chain_method": chain_method, "target_accept": target_accept}
        changed = [k for k, v in nuts_only.items() if v != NUTS_DEFAULTS[k]]
        if changed:
            raise UnsupportedOptionError(
                f"{', '.join(changed)} only apply to method='nuts'; SVI returns one chain of "
                f"`draws` draws from the fitted guide (set guide, steps, learning_rate)."
            )
        rate = SVI_DEFAULTS["learning_rate"] if learning_rate is None else float(learning_rate)
        if rate <= 0:
            raise UnsupportedOptionError(f"learning_rate must be positive, got {learning_rate!r}.")
        options = SviOptions(
            guide=_choice("guide", guide or SVI_DEFAULTS["guide"], GUIDES),
            steps=_positive_int("steps", SVI_DEFAULTS["steps"] if steps is None else steps),
            learning_rate=rate, draws=draws, device=device, seed=seed,
            progressbar=bool(progressbar), log_likelihood=bool(log_likelihood), extra=backend_kwargs,
        )
        chosen.check_options(method, options)
        run = chosen.run_svi(model, options)
        used_chain_method = None
        run.attrs.update(guide=options.guide, steps=options.steps, learning_rate=options.learning_rate)
    attrs = results.run_attrs(chosen, method, used_chain_method, device, seed,
                              run.compile_seconds, run.sampling_seconds, run.attrs)
    return results.to_inference_data(
        model, posterior=run.posterior, sample_stats=run.sample_stats or None,
        log_likelihood=run.log_likelihood, attrs=attrs,
    )


def prior_predictive(model: Model, backend: str = "numpyro", draws: int = 500, seed: Optional[int] = None):
    """Draws from the prior: groups ``prior`` (priors and deterministics, one chain) and
    ``prior_predictive`` (likelihood sites). Factors cannot be sampled from: the draws
    come from the model without them, with a warning naming them."""
    model = _check_model(model, needs_observed=False)
    improper = [s.name for s in model.priors if s.dist.spec.improper]
    if improper:
        raise ModelError(
            f"prior site(s) {', '.join(improper)} have improper priors (Flat/HalfFlat), which "
            f"cannot be sampled; give them proper priors for prior predictive checks."
        )
    if model.factors:
        warnings.warn(
            f"prior_predictive ignores factor site(s) {', '.join(s.name for s in model.factors)}: "
            f"a pa.factor term changes the model's density but cannot be sampled from, so "
            f"these draws come from the model without it (as in PyMC and NumPyro). Write the "
            f"term as priors and likelihoods to simulate it.",
            UserWarning,
            stacklevel=2,
        )
    draws, seed = _positive_int("draws", draws), _seed(seed)
    chosen = get_backend(backend)
    arrays = chosen.run_prior_predictive(model, draws, seed)
    likelihoods = {s.name for s in model.likelihoods}
    prior = {k: v[None] for k, v in arrays.items() if k not in likelihoods}
    predictive = {k: v[None] for k, v in arrays.items() if k in likelihoods}
    attrs = results.run_attrs(chosen, "prior_predictive", None, "cpu", seed, 0.0, 0.0, {})
    return results.to_inference_data(model, prior=prior, prior_predictive=predictive, attrs=attrs)


def posterior_draws(model: Model, idata: Any) -> dict[str, np.ndarray]:
    """Arrays (chain, draw, ...) of every prior site from ``idata.posterior``."""
    posterior = getattr(idata, "posterior", None)
    if posterior is None:
        raise ModelError("idata has no posterior group; pass the result of pa.sample.")
    missing = [s.name for s in model.priors if s.name not in posterior]
    if missing:
        raise ModelError(f"idata.posterior lacks prior site(s) {', '.join(missing)} of this model.")
    return {s.name: np.asarray(posterior[s.name].values) for s in model.priors}


def posterior_predictive(model: Model, idata: Any, backend: str = "numpyro", seed: Optional[int] = None):
    """Likelihood draws for each posterior draw of ``idata``: an `InferenceData` with
    ``posterior_predictive`` and ``observed_data``."""
    model = _check_model(model, needs_observed=False)
    seed = _seed(seed)
    chosen = get_backend(backend)
    draws = posterior_draws(model, idata)
    predictive = chosen.run_posterior_predictive(model, draws, seed)
    attrs = results.run_attrs(chosen, "posterior_predictive", None, "cpu", seed, 0.0, 0.0, {})
    return results.to_inference_data(model, posterior_predictive=predictive, attrs=attrs)


def check_params(model: Model, params: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Float64 values for every prior site (extra keys ignored); clear errors otherwise."""
    if not isinstance(params, Mapping):
        raise ModelError(f"params must be a dict of site name -> value, got {type(params).__name__}.")
    missing = [s.name for s in model.priors if s.name not in params]
    if missing:
        raise ModelError(
            f"log_density needs a value for every prior site; missing: {', '.join(missing)}."
        )
    out = {}
    for site in model.priors:
        value = np.asarray(params[site.name], dtype=np.float64)
        shape = model.shape_of(site.name)
        if value.shape != shape:
            raise ModelError(f"log_density: value for '{site.name}' has shape {value.shape}, expected {shape}.")
        out[site.name] = value
    return out


def log_density(model: Model, params: Mapping[str, Any], backend: str = "numpyro") -> float:
    """The joint log density at constrained values ``params`` (a value for every prior
    site; other keys are ignored): normalising constants included, no Jacobian."""
    model = _check_model(model, needs_observed=True)
    values = check_params(model, params)
    return float(get_backend(backend).log_density(model, values))


def to_code(model: Model, backend: str = "numpyro", **options: Any) -> str:
    """The native program for ``model`` on ``backend``, exactly the code that runs.
    ``options`` select a variant where the backend has one (its ``code_options``; e.g.
    Pyro's ``batch_size=``: the mini-batch SVI program)."""
    model = _check_model(model, needs_observed=False)
    chosen = get_backend(backend, require_installed=False)
    unknown = sorted(k for k in options if k not in chosen.code_options)
    if unknown:
        valid = ", ".join(chosen.code_options) or "none"
        raise UnsupportedOptionError(
            f"pa.to_code(..., {backend!r}) does not accept {', '.join(map(repr, unknown))}; "
            f"its options are: {valid}."
        )
    return chosen.to_code(model, **options)
