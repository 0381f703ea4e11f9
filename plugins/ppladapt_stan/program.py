"""A generated Stan program and what the runners need to feed it and read it back:
its sizes, how Stan names map to the model's, and which data are passed 1-based."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ppladapt.ir import expr as E
from ppladapt.ir.model import Model


@dataclass
class StanProgram:
    """A generated program and what the runners need to feed it and read it back."""

    code: str
    variant: str
    sizes: dict[str, int]  # size variable -> value
    data_names: dict[str, str]  # Stan data name -> IR data name
    index_data: frozenset  # IR data names passed 1-based
    outputs: dict[str, str]  # Stan variable -> IR site name (priors, deterministics, draws)
    log_likelihood: dict[str, str] = field(default_factory=dict)  # Stan variable -> site
    one_based: frozenset = frozenset()  # Stan outputs holding 1-based categories
    line_sites: list = field(default_factory=list)  # site name (or None) per line
    draws_size: Optional[str] = None  # the ``N_draws`` data of the posterior variant
    draw_inputs: dict[str, str] = field(default_factory=dict)  # Stan data -> prior site

    def stan_data(self, model: Model, draws: Optional[dict] = None) -> dict[str, object]:
        """The ``data`` block's values: sizes, data (index data shifted to 1-based) and,
        for the posterior variant, the prior draws (flattened to one draw axis)."""
        out: dict[str, object] = dict(self.sizes)
        for stan_name, ir_name in self.data_names.items():
            value = model.data_entry(ir_name).value
            if value.dtype.kind == "b":
                value = value.astype(np.float64)
            out[stan_name] = value + 1 if ir_name in self.index_data else value
        if self.draws_size:
            first = np.asarray(next(iter(draws.values())))
            count = int(np.prod(first.shape[:2]))
            out[self.draws_size] = count
            for stan_name, site in self.draw_inputs.items():
                dtype = np.int64 if model.dtype_of(site) == E.INT else np.float64
                value = np.asarray(draws[site], dtype=dtype)
                out[stan_name] = value.reshape((count,) + value.shape[2:])
        return out

    def site_of_line(self, number: int) -> Optional[str]:
        """The site whose code is on (1-based) line ``number``, if any."""
        if 1 <= number <= len(self.line_sites):
            return self.line_sites[number - 1]
        return None
