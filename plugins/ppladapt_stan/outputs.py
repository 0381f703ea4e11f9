"""Reading Stan's output back into arrays under the model's names.

Stan writes each draw as flat columns (``theta.3``, ``m.2.1``; sampler columns end in
``__``), one array per variable in column-major order. `group_columns` turns such
columns back into arrays shaped (draws, *variable shape); `to_ir` renames Stan variables
to site names and converts categories back to 0-based values; `SAMPLE_STATS` renames
sampler columns to the canonical names (``lp__`` is not passed on: ppladapt's ``lp`` is
recomputed without the Jacobian, see `ppladapt_stan.nuts`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

import numpy as np

from ppladapt.ir import expr as E
from ppladapt.ir.model import Model
from ppladapt_stan.program import StanProgram

# Stan sampler column -> (canonical sample-stat name, dtype)
SAMPLE_STATS: Mapping[str, tuple[str, type]] = {
    "accept_stat__": ("acceptance_rate", np.float64),
    "stepsize__": ("step_size", np.float64),
    "treedepth__": ("tree_depth", np.int64),
    "n_leapfrog__": ("n_steps", np.int64),
    "divergent__": ("diverging", np.bool_),
    "energy__": ("energy", np.float64),
}


@dataclass
class ChainOutput:
    """One chain: its columns (draws, columns) by name, and the unconstrained parameter
    values of each draw (from Stan's diagnostic output), when written."""

    columns: dict[str, np.ndarray]
    unconstrained: np.ndarray
    source: Optional[str] = None  # the chain's CSV file (CmdStan), for its log densities


def parse_chain(raw: bytes) -> ChainOutput:
    """Draws and unconstrained values from httpstan's JSON-lines output of one chain."""
    samples, diagnostics = [], []
    for line in raw.splitlines():
        is_sample = b'"sample"' in line[:60]
        if not is_sample and b'"diagnostic"' not in line[:60]:
            continue
        values = json.loads(line)["values"]
        if isinstance(values, dict):
            (samples if is_sample else diagnostics).append(values)
    columns = _columns(samples)
    unconstrained = np.zeros((len(samples), 0))
    if diagnostics:
        names = [k for k in diagnostics[0] if not k.endswith("__")]
        count = len(names) // 3  # parameters, then momenta p_*, then gradients g_*
        table = np.array([[d[k] for k in names[:count]] for d in diagnostics], dtype=np.float64)
        unconstrained = table[-len(samples):] if samples else table
    return ChainOutput(columns, unconstrained)


def _columns(rows: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
    if not rows:
        return {}
    names = list(rows[0])
    table = np.array([[row[k] for k in names] for row in rows], dtype=np.float64)
    return {name: table[:, i] for i, name in enumerate(names)}


def group_columns(columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Variables from flat columns: ``{"theta.1": ..., "theta.2": ...}`` (or ``theta[1]``) ->
    ``{"theta": (draws, 2)}`` (column-major, as Stan writes them)."""
    groups: dict[str, list[tuple[tuple[int, ...], np.ndarray]]] = {}
    for name, values in columns.items():
        if name.endswith("__"):
            continue
        if "[" in name:  # CmdStanPy's names: m[2,1]
            base, _, rest = name.partition("[")
            index = rest.rstrip("]").split(",")
        else:  # httpstan's: m.2.1
            base, *index = name.split(".")
        groups.setdefault(base, []).append((tuple(int(i) for i in index), values))
    out = {}
    for base, items in groups.items():
        draws = len(items[0][1])
        if not items[0][0]:
            out[base] = items[0][1]
            continue
        shape = tuple(max(ix[k] for ix, _ in items) for k in range(len(items[0][0])))
        array = np.empty((draws,) + shape)
        for ix, values in items:
            array[(slice(None),) + tuple(i - 1 for i in ix)] = values
        out[base] = array
    return out


def to_ir(model: Model, program: StanProgram, variables: Mapping[str, np.ndarray],
          names: Mapping[str, str], lead: int) -> dict[str, np.ndarray]:
    """Stan variables (``names``: Stan name -> site) as site arrays with ``lead`` leading
    sample axes: float64 for real sites, int64 for integer ones (0-based categories)."""
    out = {}
    for stan_name, site in names.items():
        value = np.asarray(variables[stan_name])
        value = value.reshape(value.shape[:lead] + tuple(model.shape_of(site)))
        if stan_name in program.one_based:
            value = value - 1
        out[site] = value.astype(np.int64 if model.dtype_of(site) == E.INT else np.float64)
    return out


def stack_chains(chains: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Per-chain arrays (draws, ...) stacked into (chain, draw, ...)."""
    return {name: np.stack([c[name] for c in chains]) for name in chains[0]}
