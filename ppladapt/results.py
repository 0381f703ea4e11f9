"""Building ArviZ `InferenceData` with the shared conventions (DESIGN §2).

This is the only module that imports ArviZ, so moving to ArviZ 1.x (`xarray.DataTree`)
is a change here alone. Dims: ``chain``, ``draw``, then plate names in plate order, then
``{name}_dim_k`` for the other axes; coords from the plates.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

from ppladapt._version import __version__
from ppladapt.ir.model import Model

Arrays = Mapping[str, np.ndarray]


def value_dims(model: Model, name: str, shape: tuple[int, ...]) -> list[str]:
    """Dim names of a site's (or data's) value axes."""
    sizes = {p.name: p.size for p in model.plates}
    try:
        frame = model.frame_of(name)
    except KeyError:
        entry = model.data_entry(name)
        if entry.dims is not None:
            return list(entry.dims)
        frame = ()
    dims, k = [], 0
    for axis, size in enumerate(shape):
        if axis < len(frame) and sizes[frame[axis]] == size:
            dims.append(frame[axis])
        else:
            dims.append(f"{name}_dim_{k}")
            k += 1
    return dims


def _coords(model: Model) -> dict[str, Any]:
    return {p.name: list(p.coords) if p.coords is not None else np.arange(p.size) for p in model.plates}


def _dims(model: Model, arrays: Optional[Arrays], sample_ndim: int = 2) -> dict[str, list[str]]:
    return {name: value_dims(model, name, np.shape(v)[sample_ndim:]) for name, v in (arrays or {}).items()}


def observed_data(model: Model) -> dict[str, np.ndarray]:
    """Observed values by likelihood site name."""
    data = model.data_dict
    return {s.name: data[s.observed] for s in model.likelihoods if s.observed is not None}


def constant_data(model: Model) -> dict[str, np.ndarray]:
    """Data that are not observations."""
    observed = model.observed_names()
    return {d.name: d.value for d in model.data if d.name not in observed}


def _clean_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Attributes NetCDF can store: str, int, float (bools and None become text)."""
    out = {}
    for key, value in attrs.items():
        if isinstance(value, (bool, np.bool_)) or value is None:
            value = str(value)
        elif isinstance(value, np.generic):
            value = value.item()
        out[key] = value
    return out


def run_attrs(backend, method: str, chain_method: Optional[str], device: str, seed: int,
              compile_seconds: float, sampling_seconds: float, extra: Mapping[str, Any]) -> dict:
    """The attributes every result carries (DESIGN §2), plus backend extras."""
    attrs = {
        "backend": backend.name,
        "backend_version": backend.version() or "unknown",
        "method": method,
        "chain_method": chain_method if chain_method is not None else "none",
        "device": device,
        "seed": int(seed),
        "ppladapt_version": __version__,
        "compile_seconds": float(compile_seconds),
        "sampling_seconds": float(sampling_seconds),
    }
    attrs.update(extra)
    return _clean_attrs(attrs)


def to_inference_data(
    model: Model,
    *,
    posterior: Optional[Arrays] = None,
    sample_stats: Optional[Arrays] = None,
    log_likelihood: Optional[Arrays] = None,
    prior: Optional[Arrays] = None,
    prior_predictive: Optional[Arrays] = None,
    posterior_predictive: Optional[Arrays] = None,
    attrs: Optional[Mapping[str, Any]] = None,
):
    """An `arviz.InferenceData` with observed and constant data and the given groups."""
    import arviz as az

    dims: dict[str, list[str]] = {}
    for group in (posterior, log_likelihood, prior, prior_predictive, posterior_predictive):
        dims.update(_dims(model, group))
    observed = observed_data(model)
    constants = constant_data(model)
    dims.update(_dims(model, observed, 0))
    dims.update(_dims(model, constants, 0))
    idata = az.from_dict(
        posterior=dict(posterior) if posterior else None,
        sample_stats=dict(sample_stats) if sample_stats else None,
        log_likelihood=dict(log_likelihood) if log_likelihood else None,
        prior=dict(prior) if prior else None,
        prior_predictive=dict(prior_predictive) if prior_predictive else None,
        posterior_predictive=dict(posterior_predictive) if posterior_predictive else None,
        observed_data=observed or None,
        constant_data=constants or None,
        coords=_coords(model),
        dims=dims,
        attrs=_clean_attrs(attrs or {}),
    )
    idata.attrs.update(_clean_attrs(attrs or {}))
    return idata
