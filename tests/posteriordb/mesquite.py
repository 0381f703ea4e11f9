"""The mesquite posteriors (ARM ch. 4): leaf weight of mesquite bushes on their
dimensions; all priors flat."""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from tests.posteriordb.regression import as_real, design, linear_regression


def mesquite(data: dict) -> pa.Model:
    """mesquite-mesquite: weight on the raw measurements and group."""
    columns = ["diam1", "diam2", "canopy_height", "total_height", "density", "group"]
    X = design(*(data[c] for c in columns))
    return linear_regression("mesquite", X, data["weight"])


def logmesquite_logvas(data: dict) -> pa.Model:
    """mesquite-logmesquite_logvas: log weight on log canopy volume, area and shape, log
    total height, log density, and group (not logged)."""
    diam1, diam2 = as_real(data["diam1"]), as_real(data["diam2"])
    X = design(
        np.log(diam1 * diam2 * as_real(data["canopy_height"])),
        np.log(diam1 * diam2),
        np.log(diam1 / diam2),
        np.log(as_real(data["total_height"])),
        np.log(as_real(data["density"])),
        data["group"],
    )
    return linear_regression("logmesquite_logvas", X, np.log(as_real(data["weight"])))
