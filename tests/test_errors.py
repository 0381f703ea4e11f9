"""Bad input raises `PPLAdaptError` naming the site (or option) and the fix."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ppladapt as pa
from ppladapt import dist
from ppladapt.backend import Backend
from ppladapt.errors import (
    BackendNotInstalledError,
    DataError,
    ModelError,
    PPLAdaptError,
    UnsupportedOptionError,
)
from ppladapt.plugins.registry import get_backend, plugin_manager


@pa.model
def normal_model(y):
    mu = pa.prior("mu", dist.Normal(0, 1))
    with pa.plate("obs", 5):
        pa.likelihood("y", dist.Normal(mu, 1), observed=y)


Y5 = np.array([0.1, -0.3, 0.8, 1.2, -0.5])


def test_unknown_distribution_parameter_names_site_and_valid_parameters():
    @pa.model
    def m():
        pa.prior("mu", dist.Normal(0, sd=1))

    with pytest.raises(ModelError, match=r"prior 'mu'.*no parameter 'sd'.*loc, scale"):
        m()


def test_missing_choice_parameter():
    @pa.model
    def m(y):
        pa.likelihood("y", dist.Bernoulli(), observed=y)

    with pytest.raises(ModelError, match=r"likelihood 'y'.*exactly one of probs \| logits"):
        m(np.array([0, 1]))


def test_shape_mismatch_between_plate_and_data():
    with pytest.raises(DataError, match=r"likelihood 'y'.*shape \(4,\).*shape \(5,\).*obs=5"):
        normal_model(y=np.zeros(4))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_observed_data(bad):
    y = Y5.copy()
    y[2] = bad
    with pytest.raises(DataError, match=r"data 'y'.*(NaN|inf).*remove or impute"):
        normal_model(y=y)


def test_bernoulli_observations_outside_zero_one():
    @pa.model
    def m(y):
        p = pa.prior("p", dist.Beta(1, 1))
        with pa.plate("obs", len(y)):
            pa.likelihood("y", dist.Bernoulli(probs=p), observed=y)

    with pytest.raises(DataError, match=r"likelihood 'y'.*outside the support of Bernoulli.*0 or 1"):
        m(np.array([0, 1, 2, 1]))


def test_real_observations_for_a_discrete_likelihood():
    @pa.model
    def m(y):
        rate = pa.prior("rate", dist.Exponential(1.0))
        with pa.plate("obs", len(y)):
            pa.likelihood("y", dist.Poisson(rate), observed=y)

    with pytest.raises(DataError, match=r"likelihood 'y'.*must be integers.*astype\(int\)"):
        m(np.array([1.0, 2.0]))


def test_integer_index_out_of_range():
    @pa.model
    def m(group, y):
        with pa.plate("group_plate", 3):
            a = pa.prior("a", dist.Normal(0, 1))
        with pa.plate("obs", len(y)):
            pa.likelihood("y", dist.Normal(a[group], 1), observed=y)

    with pytest.raises(DataError, match=r"likelihood 'y'.*index 'group'.*\[1, 3\].*size 3.*0-based"):
        m(group=np.array([1, 2, 3]), y=np.zeros(3))


def test_duplicate_site_names():
    @pa.model
    def m():
        pa.prior("mu", dist.Normal(0, 1))
        pa.prior("mu", dist.Normal(0, 2))

    with pytest.raises(ModelError, match=r"prior 'mu'.*already used"):
        m()


def test_site_name_clashing_with_data():
    @pa.model
    def m(x):
        pa.prior("x", dist.Normal(0, 1))

    with pytest.raises(ModelError, match=r"'x' is already used by data"):
        m(np.ones(3))


INJECTION = 'x"); import os #'


def test_name_that_is_not_an_identifier():
    @pa.model
    def m():
        pa.prior(INJECTION, dist.Normal(0, 1))

    with pytest.raises(ModelError, match=r"not allowed.*letters, digits and underscores"):
        m()


def test_injected_name_through_json_never_reaches_code():
    text = normal_model(y=Y5).to_json()
    doc = json.loads(text)
    doc["sites"][0]["name"] = INJECTION
    with pytest.raises(ModelError, match="not allowed"):
        pa.Model.from_json(json.dumps(doc))


def test_injected_operation_through_json_is_rejected():
    doc = json.loads(normal_model(y=Y5).to_json())
    loc = doc["sites"][1]["dist"]["params"][0][1]
    doc["sites"][1]["dist"]["params"][0][1] = {"node": "Unary", "op": "__import__('os')", "x": loc}
    with pytest.raises(ModelError, match="unknown elementwise function"):
        pa.Model.from_json(json.dumps(doc))


def test_constant_negative_scale():
    @pa.model
    def m():
        pa.prior("sigma", dist.HalfNormal(-1.0))

    with pytest.raises(ModelError, match=r"prior 'sigma'.*scale must be positive.*-1"):
        m()


def test_noncentered_on_a_family_without_location_scale():
    @pa.model
    def m():
        pa.prior("s", dist.Gamma(2.0, 1.0), reparam="noncentered")

    with pytest.raises(ModelError, match=r"prior 's'.*location-scale family.*not Gamma"):
        m()


def test_primitive_outside_a_model():
    with pytest.raises(ModelError, match=r"pa.prior can only be used inside.*@pa.model"):
        pa.prior("mu", dist.Normal(0, 1))


def test_improper_likelihood():
    @pa.model
    def m(y):
        pa.likelihood("y", dist.Flat(), observed=y)

    with pytest.raises(ModelError, match=r"likelihood 'y'.*improper"):
        m(np.zeros(2))


def test_factor_name_clashes_are_errors_naming_the_factor():
    @pa.model
    def twice(x):
        mu = pa.prior("mu", dist.Normal(0, 1))
        pa.factor("mu", -mu)

    @pa.model
    def data_name(x):
        pa.factor("x", pa.math.sum(x))

    with pytest.raises(ModelError, match=r"factor 'mu'.*already used"):
        twice(np.ones(2))
    with pytest.raises(ModelError, match=r"factor 'x'.*already used by data"):
        data_name(np.ones(2))


@pytest.mark.parametrize("w", [0.0, -1.0])  # log weights -inf and NaN
def test_non_finite_constant_factor(w):
    @pa.model
    def m(w):
        pa.prior("mu", dist.Normal(0, 1))
        with pa.plate("obs", 2):
            pa.factor("penalty", pa.math.log(w))

    with pytest.raises(ModelError, match=r"factor 'penalty'.*constant with non-finite values"):
        m(np.array([1.0, w]))


def test_factor_log_weight_must_be_real():
    @pa.model
    def m(counts):
        mu = pa.prior("mu", dist.Normal(0, 1))
        pa.factor("flag", mu > 0)

    @pa.model
    def ints(counts):
        pa.factor("total", pa.math.sum(counts))

    with pytest.raises(ModelError, match=r"factor 'flag'.*real-valued.*got bool.*pa.math.where"):
        m(np.array([1, 2]))
    with pytest.raises(ModelError, match=r"factor 'total'.*real-valued.*got int.*1.0"):
        ints(np.array([1, 2]))


def test_factor_in_json_is_validated_like_a_traced_one():
    @pa.model
    def m():
        mu = pa.prior("mu", dist.Normal(0, 1))
        pa.factor("lp", -mu)

    doc = json.loads(m().to_json())
    doc["sites"][1]["expr"] = {"node": "Unary", "op": "log", "x": {"node": "Const", "value": 0.0}}
    with pytest.raises(ModelError, match=r"factor 'lp'.*non-finite"):
        pa.Model.from_json(json.dumps(doc))
    doc["sites"][1]["expr"] = {"node": "SiteRef", "name": "nope", "site_shape": [],
                               "site_dtype": "real", "site_plates": []}
    with pytest.raises(ModelError, match=r"factor 'lp'.*refers to 'nope'"):
        pa.Model.from_json(json.dumps(doc))


def test_unknown_backend():
    with pytest.raises(UnsupportedOptionError, match=r"unknown backend 'nope'.*registered backends:.*numpyro"):
        pa.sample(normal_model(y=Y5), backend="nope")


class _UninstalledBackend(Backend):
    name = "uninstalled"
    library = "ppladapt-no-such-library"
    modules = ("ppladapt_no_such_module",)
    install_command = "pip install ppladapt-no-such-library"


def test_backend_not_installed_gives_install_command():
    from ppladapt.plugins.hookspecs import hookimpl

    class Plugin:
        @hookimpl
        def ppladapt_register_backend(self):
            return _UninstalledBackend()

    plugin = Plugin()
    plugin_manager().register(plugin)
    try:
        with pytest.raises(BackendNotInstalledError, match=r"'uninstalled' is not installed.*pip install ppladapt-no-such-library"):
            get_backend("uninstalled")
        row = next(b for b in pa.backends() if b.name == "uninstalled")
        assert not row.usable and row.install_command == "pip install ppladapt-no-such-library"
    finally:
        plugin_manager().unregister(plugin)


@pytest.mark.parametrize(
    "option, pattern",
    [
        ({"chain_method": "sideways"}, r"chain_method='sideways'.*'sequential', 'parallel', 'vectorized'"),
        ({"method": "hmc"}, r"method='hmc'.*'nuts', 'svi'"),
        ({"device": "tpu"}, r"device='tpu'.*'cpu', 'gpu'"),
        ({"draws": 0}, r"draws must be an int >= 1"),
        ({"target_accept": 1.5}, r"target_accept must be in \(0, 1\)"),
        ({"guide": "normal"}, r"guide only apply to method='svi'"),
        ({"method": "svi", "guide": "flow"}, r"guide='flow'.*'normal', 'mvn'"),
        ({"method": "svi", "chains": 2}, r"chains only apply to method='nuts'"),
    ],
)
def test_unsupported_option_values(backend, option, pattern):
    with pytest.raises(UnsupportedOptionError, match=pattern):
        pa.sample(normal_model(y=Y5), backend=backend, **option)


def test_sampling_a_model_without_observations():
    @pa.model
    def m():
        mu = pa.prior("mu", dist.Normal(0, 1))
        pa.likelihood("y", dist.Normal(mu, 1))

    with pytest.raises(ModelError, match=r"likelihood site\(s\) y have no observed data.*prior_predictive"):
        pa.sample(m(), backend="numpyro")


def test_log_density_missing_prior():
    with pytest.raises(ModelError, match=r"needs a value for every prior site; missing: mu"):
        pa.log_density(normal_model(y=Y5), {"sigma": 1.0}, backend="numpyro")


def test_every_error_is_a_ppladapt_error():
    for cls in (ModelError, DataError, UnsupportedOptionError, BackendNotInstalledError):
        assert issubclass(cls, PPLAdaptError)
