"""The earnings posteriors (ARM ch. 4): earnings on height and sex; all priors flat."""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from tests.posteriordb.regression import as_real, design, linear_regression, standardize


def earn_height(data: dict) -> pa.Model:
    """earnings-earn_height: earn ~ beta[1] + beta[2] height, on the dollar scale."""
    return linear_regression("earn_height", design(data["height"]), data["earn"])


def logearn_interaction_z(data: dict) -> pa.Model:
    """earnings-logearn_interaction_z: log earn on z(height) (one sd), male, and their product."""
    z_height, male = standardize(data["height"]), as_real(data["male"])
    X = design(z_height, male, z_height * male)
    return linear_regression("logearn_interaction_z", X, np.log(as_real(data["earn"])))


def logearn_logheight_male(data: dict) -> pa.Model:
    """earnings-logearn_logheight_male: log earn on log height and male."""
    X = design(np.log(as_real(data["height"])), data["male"])
    return linear_regression("logearn_logheight_male", X, np.log(as_real(data["earn"])))
