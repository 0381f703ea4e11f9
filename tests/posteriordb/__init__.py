"""posteriordb posteriors written with ppladapt, checked against posteriordb's reference
summaries in ``/work/shared/posteriordb`` (see `tests/test_posteriordb.py`).

`POSTERIORS` maps each posteriordb posterior name to a function that builds the ppladapt
model from the parsed ``data.json``; `SETTINGS` (in `settings`) says how to sample each
one and how closely it must match. Reference names are Stan's (``beta[1]``); a ppladapt
vector site ``beta`` of shape (K,) gives ``beta[1]``..``beta[K]``. `REFERENCE_NAMES`
renames ppladapt sites whose name differs from posteriordb's (none do today: every site
the references cover is named as in posteriordb).
"""

from __future__ import annotations

from typing import Callable

import ppladapt as pa
from tests.posteriordb import blr, diamonds, earnings, eight_schools, kidiq, kilpisjarvi, mesquite, nes
from tests.posteriordb.ark import ark_model
from tests.posteriordb.low_dim_gauss_mix import low_dim_gauss_mix_model

POSTERIORS: dict[str, Callable[[dict], pa.Model]] = {
    "arK-arK": ark_model,
    "diamonds-diamonds": diamonds.diamonds_model,
    "earnings-earn_height": earnings.earn_height,
    "earnings-logearn_interaction_z": earnings.logearn_interaction_z,
    "earnings-logearn_logheight_male": earnings.logearn_logheight_male,
    "eight_schools-eight_schools_noncentered": eight_schools.eight_schools_model,
    "kidiq-kidscore_interaction": kidiq.kidscore_interaction,
    "kidiq-kidscore_momhsiq": kidiq.kidscore_momhsiq,
    "kidiq-kidscore_momiq": kidiq.kidscore_momiq,
    "kidiq_with_mom_work-kidscore_interaction_z": kidiq.kidscore_interaction_z,
    "kidiq_with_mom_work-kidscore_mom_work": kidiq.kidscore_mom_work_model,
    "kilpisjarvi_mod-kilpisjarvi": kilpisjarvi.kilpisjarvi_model,
    "low_dim_gauss_mix-low_dim_gauss_mix": low_dim_gauss_mix_model,
    "mesquite-logmesquite_logvas": mesquite.logmesquite_logvas,
    "mesquite-mesquite": mesquite.mesquite,
    "nes2000-nes": nes.nes,
    "sblrc-blr": blr.blr_model,
    "sblri-blr": blr.blr_model,
}

# Posteriors of the shared folder that are not implemented yet, and why.
NOT_IMPLEMENTED: dict[str, str] = {}

# posterior -> {ppladapt site name: posteriordb name} where the two differ.
REFERENCE_NAMES: dict[str, dict[str, str]] = {}


def reference_name(posterior: str, site: str) -> str:
    """posteriordb's name for ppladapt site ``site`` of ``posterior``."""
    return REFERENCE_NAMES.get(posterior, {}).get(site, site)


def site_name(posterior: str, reference: str) -> str:
    """The ppladapt site holding posteriordb's variable ``reference`` (no brackets)."""
    renamed = {ref: site for site, ref in REFERENCE_NAMES.get(posterior, {}).items()}
    return renamed.get(reference, reference)
