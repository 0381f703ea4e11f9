"""Lossless JSON for the IR (data included). Decoding rebuilds nodes through their
constructors and re-validates the model, so a JSON file is checked exactly like a traced
model: nothing unvalidated (names, operations) can reach generated code."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Optional

import numpy as np

from ppladapt.errors import ModelError
from ppladapt.ir import expr as E
from ppladapt.ir.distributions import Distribution
from ppladapt.ir.model import DataEntry, Deterministic, Factor, Likelihood, Model, Plate, Prior

FORMAT_VERSION = 1
_SITES = {"prior": Prior, "deterministic": Deterministic, "likelihood": Likelihood,
          "factor": Factor}


def _encode(value: Any) -> Any:
    if isinstance(value, E.Expr):
        out = {"node": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = _encode(getattr(value, f.name))
        return out
    if isinstance(value, E.Slice):
        return {"slice": [value.start, value.stop, value.step]}
    if isinstance(value, E.NewAxis):
        return {"newaxis": True}
    if isinstance(value, Distribution):
        return {"dist": value.name, "params": [[k, _encode(v)] for k, v in value.params],
                "expand": _encode(value.expand)}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if "node" in value:
        cls = E.NODE_TYPES.get(value["node"])
        if cls is None:
            raise ModelError(f"unknown expression node {value['node']!r} in IR JSON.")
        names = {f.name for f in dataclasses.fields(cls)}
        fields = {k: _decode(v) for k, v in value.items() if k != "node"}
        if set(fields) != names:
            raise ModelError(f"IR JSON node {value['node']} has fields {sorted(fields)}, expected {sorted(names)}.")
        return cls(**fields)
    if "slice" in value:
        return E.Slice(*value["slice"])
    if value.get("newaxis") is True:
        return E.NewAxis()
    if "dist" in value:
        params = tuple((k, _decode(v)) for k, v in value["params"])
        return Distribution(value["dist"], params, _decode(value.get("expand")))
    raise ModelError(f"unrecognised IR JSON object with keys {sorted(value)}.")


def _encode_site(site) -> dict:
    out = {"kind": site.kind}
    for f in dataclasses.fields(site):
        out[f.name] = _encode(getattr(site, f.name))
    return out


def _decode_site(obj: dict):
    cls = _SITES.get(obj.get("kind"))
    if cls is None:
        raise ModelError(f"unknown site kind {obj.get('kind')!r} in IR JSON.")
    fields = {k: _decode(v) for k, v in obj.items() if k != "kind"}
    return cls(**fields)


def _encode_data(entry: DataEntry) -> dict:
    return {
        "name": entry.name,
        "dtype": entry.value.dtype.str,
        "shape": list(entry.value.shape),
        "values": entry.value.ravel().tolist(),
        "dims": None if entry.dims is None else list(entry.dims),
    }


def _decode_data(obj: dict) -> DataEntry:
    dtype = np.dtype(obj["dtype"])
    if dtype.kind not in "biuf":
        raise ModelError(f"data '{obj.get('name')}': dtype {dtype} is not numeric.")
    value = np.asarray(obj["values"], dtype=dtype).reshape(obj["shape"])
    dims = None if obj.get("dims") is None else tuple(obj["dims"])
    return DataEntry(obj["name"], value, dims)


def model_to_json(model: Model, indent: Optional[int] = None) -> str:
    """The model as JSON text."""
    with E.recursion_headroom():
        return _model_to_json(model, indent)


def _model_to_json(model: Model, indent: Optional[int]) -> str:
    doc = {
        "ppladapt_ir": FORMAT_VERSION,
        "name": model.name,
        "data": [_encode_data(d) for d in model.data],
        "plates": [{"name": p.name, "size": p.size,
                    "coords": None if p.coords is None else list(p.coords)} for p in model.plates],
        "sites": [_encode_site(s) for s in model.sites],
    }
    return json.dumps(doc, indent=indent, allow_nan=False)


def model_from_json(text: str) -> Model:
    """Rebuild and validate a model from `model_to_json` output."""
    try:
        with E.recursion_headroom():
            return _model_from_json(text)
    except ModelError:
        raise
    except (TypeError, KeyError, ValueError, AttributeError, RecursionError) as err:
        raise ModelError(f"malformed IR JSON: {type(err).__name__}: {err}") from None


def _model_from_json(text: str) -> Model:
    doc = json.loads(text)
    if doc.get("ppladapt_ir") != FORMAT_VERSION:
        raise ModelError(f"not a ppladapt IR document (format {doc.get('ppladapt_ir')!r}).")
    plates = tuple(
        Plate(p["name"], p["size"], None if p.get("coords") is None else tuple(p["coords"]))
        for p in doc["plates"]
    )
    return Model(
        name=doc["name"],
        data=tuple(_decode_data(d) for d in doc["data"]),
        plates=plates,
        sites=tuple(_decode_site(s) for s in doc["sites"]),
    )
