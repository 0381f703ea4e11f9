"""nes2000-nes (ARM ch. 4): 7-point party identification on ideology, race, age
category, education, gender and income; all priors flat."""

from __future__ import annotations

import numpy as np

import ppladapt as pa
from tests.posteriordb.regression import design, linear_regression


def nes(data: dict) -> pa.Model:
    """Age enters as 0/1 dummies for the 1-based codes 2, 3 and 4 (code 1, ages 18-29,
    is the baseline); every other variable is used as stored."""
    age = np.asarray(data["age_discrete"], dtype=np.int64)
    X = design(
        data["real_ideo"], data["race_adj"],
        age == 2, age == 3, age == 4,
        data["educ1"], data["gender"], data["income"],
    )
    return linear_regression("nes", X, data["partyid7"])
