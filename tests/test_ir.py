"""The IR and the tracing front end: shapes, plate alignment, reparameterisation, JSON."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pytest

import ppladapt as pa
from ppladapt import dist
from ppladapt.errors import ModelError
from ppladapt.ir import expr as E
from ppladapt.ir.evaluate import evaluate

SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
Y = np.array([28.0, 8, -3, 7, -1, 1, 18, 12])


@pa.model
def eight_schools(sigma, y):
    mu = pa.prior("mu", dist.Normal(0, 5))
    tau = pa.prior("tau", dist.HalfCauchy(5))
    with pa.plate("school", len(sigma), coords=list("ABCDEFGH")):
        theta = pa.prior("theta", dist.Normal(mu, tau), reparam="noncentered")
        pa.likelihood("y", dist.Normal(theta, sigma), observed=y)


@pa.model
def grid(x):
    mu = pa.prior("mu", dist.Normal(0, 1))
    with pa.plate("row", x.shape[0]):
        r = pa.prior("r", dist.Normal(0, 1))
        with pa.plate("col", x.shape[1]):
            c = pa.prior("c", dist.Normal(0, 1))
            cell = pa.deterministic("cell", mu + r + c)
            pa.likelihood("x", dist.Normal(cell, 1.0), observed=x)


@pa.model
def kitchen_sink(X, group, y, counts):
    n, d = X.shape
    with pa.plate("feature", d):
        beta = pa.prior("beta", dist.Normal(0, 1))
    with pa.plate("group_plate", 3):
        a = pa.prior("a", dist.StudentT(4, 0, 1), reparam="noncentered")
    simplex = pa.prior("w", dist.Dirichlet(np.ones(3)))
    chol = pa.prior("L", dist.LKJCholesky(3, 2.0))
    sd = pa.prior("sd", dist.LogNormal(0, 1), reparam="noncentered")
    z = pa.prior("z", dist.MultivariateNormal(np.zeros(3), scale_tril=chol))
    eta = pa.deterministic("eta", X @ beta + a[group] + pa.math.sum(simplex * z))
    stacked = pa.math.stack([beta[0], beta[1]])
    pa.deterministic("mix", pa.math.logsumexp(pa.math.log_softmax(stacked)) + pa.math.cumsum(simplex)[-1])
    pa.deterministic("picked", pa.math.where(eta > 0, eta, -eta).T[:2] ** 2)
    with pa.plate("obs", n):
        pa.likelihood("y", dist.Normal(eta, sd), observed=y)
        pa.likelihood("counts", dist.Poisson(pa.math.exp(eta / 10)), observed=counts)


def kitchen_sink_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 4))
    return kitchen_sink(X=X, group=np.arange(20) % 3, y=rng.normal(size=20),
                        counts=rng.poisson(2.0, size=20))


def test_eight_schools_sites_shapes_and_reparam():
    m = eight_schools(sigma=SIGMA, y=Y)
    assert [s.name for s in m.sites] == ["mu", "tau", "theta_z", "theta", "y"]
    assert [s.kind for s in m.sites] == ["prior", "prior", "prior", "deterministic", "likelihood"]
    assert m.shape_of("theta") == (8,) and m.shape_of("theta_z") == (8,) and m.shape_of("mu") == ()
    theta = m.site("theta")
    values = {"mu": 1.0, "tau": 2.0, "theta_z": np.arange(8.0)}
    np.testing.assert_allclose(evaluate(theta.expr, values), 1.0 + 2.0 * np.arange(8.0))
    assert m.plate_dict["school"].coords == tuple("ABCDEFGH")
    assert m.site("y").observed == "y"


def test_outer_plate_value_broadcasts_along_inner_plates():
    x = np.zeros((3, 4))
    m = grid(x)
    assert m.shape_of("r") == (3,) and m.shape_of("c") == (3, 4) and m.shape_of("cell") == (3, 4)
    cell = m.site("cell").expr
    aligned = [n for n in cell.walk() if isinstance(n, E.AlignPlates)]
    assert len(aligned) == 1 and aligned[0].shape == (3, 1)
    values = {"mu": 0.5, "r": np.array([1.0, 2.0, 3.0]), "c": np.zeros((3, 4))}
    np.testing.assert_allclose(evaluate(cell, values), 0.5 + np.array([1.0, 2.0, 3.0])[:, None] * np.ones((3, 4)))


def test_data_broadcast_right_aligned_like_numpy():
    @pa.model
    def m(col_effect, y):
        mu = pa.prior("mu", dist.Normal(0, 1))
        with pa.plate("row", 2):
            with pa.plate("col", 3):
                pa.likelihood("y", dist.Normal(mu + col_effect, 1.0), observed=y)

    model = m(col_effect=np.array([1.0, 2.0, 3.0]), y=np.zeros((2, 3)))
    assert model.shape_of("y") == (2, 3)


def test_distribution_batch_must_fit_plates():
    @pa.model
    def m():
        with pa.plate("school", 8):
            pa.prior("theta", dist.Normal(np.zeros(3), 1.0))

    with pytest.raises(ModelError, match=r"prior 'theta'.*batch shape \(3,\).*plate sizes \(8,\)"):
        m()


def test_event_shapes_and_dtypes():
    m = kitchen_sink_model()
    assert m.shape_of("w") == (3,)
    assert m.shape_of("L") == (3, 3)
    assert m.shape_of("z") == (3,)
    assert m.shape_of("eta") == (20,)
    assert m.shape_of("picked") == (2,)
    assert m.dtype_of("counts") == "int" and m.dtype_of("eta") == "real"
    assert m.shape_of("a") == (3,) and m.site("a").kind == "deterministic"
    assert m.site("a_z").dist.name == "StudentT"
    assert m.site("sd").kind == "deterministic" and m.site("sd_z").dist.name == "Normal"


def test_json_round_trip_is_lossless():
    for m in (eight_schools(sigma=SIGMA, y=Y), grid(np.zeros((3, 4))), kitchen_sink_model()):
        text = m.to_json()
        back = pa.Model.from_json(text)
        assert back == m
        assert back.to_json() == text
        assert [d.value.dtype for d in back.data] == [d.value.dtype for d in m.data]


def test_json_keeps_integer_data_and_exact_floats():
    m = kitchen_sink_model()
    back = pa.Model.from_json(m.to_json())
    assert back.data_entry("group").value.dtype == np.int64
    np.testing.assert_array_equal(back.data_entry("X").value, m.data_entry("X").value)


def test_pickle_round_trip():
    m = kitchen_sink_model()
    assert pickle.loads(pickle.dumps(m)) == m


def test_models_differing_in_data_are_not_equal():
    assert eight_schools(sigma=SIGMA, y=Y) != eight_schools(sigma=SIGMA, y=Y + 1)


def test_summary_lists_sites_shapes_and_plates():
    text = eight_schools(sigma=SIGMA, y=Y).summary()
    assert "prior         theta_z  real[8] ~ Normal(loc=0.0, scale=1.0)  in school" in text
    assert "deterministic theta    real[8] = mu + tau * theta_z  in school" in text
    assert "likelihood    y        real[8] ~ Normal(loc=theta, scale=sigma)  observed=y  in school" in text
    assert "plate         school   size 8" in text


def test_model_is_immutable_and_data_read_only():
    m = eight_schools(sigma=SIGMA, y=Y)
    with pytest.raises(AttributeError):
        m.name = "other"
    with pytest.raises(ValueError):
        m.data_entry("y").value[0] = 1.0


def test_integer_arguments_stay_constants():
    @pa.model
    def m(n, y):
        mu = pa.prior("mu", dist.Normal(0, 1))
        with pa.plate("obs", n):
            pa.likelihood("y", dist.Normal(mu, 1), observed=y)

    model = m(3, np.zeros(3))
    assert [d.name for d in model.data] == ["y"]


def test_expression_truth_value_is_an_error():
    @pa.model
    def m():
        mu = pa.prior("mu", dist.Normal(0, 1))
        if mu > 0:
            pass

    with pytest.raises(ModelError, match="pa.math.where"):
        m()


def test_static_shape_errors_at_build_time():
    @pa.model
    def m(X):
        beta = pa.prior("beta", dist.Normal(0, 1).expand([3]))
        pa.deterministic("eta", X @ beta)

    with pytest.raises(ModelError, match=r"deterministic 'eta'|not aligned"):
        m(np.ones((5, 4)))


EINSUMS = ("ctl,cl->tc", "ctl,cl->ct", "ctl,cl->t", "ctl,cl->", "ctl->lt", "ctl,cl,c->t")


@pytest.mark.parametrize("subscripts", EINSUMS)
def test_einsum_is_numpys_and_equals_its_product_sum(subscripts):
    """The reference evaluator computes `Einsum` with np.einsum; `as_product_sum` (Stan's
    fallback) rewrites it with broadcast products and a sum, and must give the same."""
    rng = np.random.default_rng(0)
    values = {"S": rng.normal(size=(2, 4, 3)), "w": rng.normal(size=(2, 3)),
              "k": np.array([2, 5])}
    refs = {"S": E.DataRef("S", (2, 4, 3), E.REAL), "w": E.DataRef("w", (2, 3), E.REAL),
            "k": E.DataRef("k", (2,), E.INT)}
    args = [refs[n] for n in ("S", "w", "k")[: subscripts.count(",") + 1]]
    node = pa.math.einsum(subscripts.replace(",", ", "), *args)
    expected = np.einsum(subscripts, *(values[a.name] for a in args))
    assert node.subscripts == subscripts and node.shape == expected.shape
    np.testing.assert_allclose(evaluate(node, values), expected, rtol=1e-12)
    np.testing.assert_allclose(evaluate(node.as_product_sum(), values), expected, rtol=1e-12)


@pytest.mark.parametrize("subscripts, message", [
    ("ctl,cl", "write the output explicitly"),
    ("ctl->tc", "2 operands"),
    ("c...,cl->c", "its own letter"),
    ("ccl,cl->c", "its own letter"),
    ("ct,cl->t", "names 2 axes of an operand of shape (2, 4, 3)"),
    ("ctc,ll->t", "its own letter"),
    ("ctl,cl->tx", "must name input axes"),
    ("ctl,tl->c", "axis 't' has sizes 4 and 2"),
])
def test_einsum_errors_name_the_subscripts_and_the_fix(subscripts, message):
    S, w = E.DataRef("S", (2, 4, 3), E.REAL), E.DataRef("w", (2, 3), E.REAL)
    with pytest.raises(ModelError, match=re.escape(message)):
        pa.math.einsum(subscripts, S, w)


def test_expand_outside_plates_gives_batch_dims():
    @pa.model
    def m():
        pa.prior("beta", dist.Normal(0, 1).expand([2, 3]))

    assert m().shape_of("beta") == (2, 3)


def test_variadic_arguments_become_named_data():
    @pa.model
    def m(*xs, **observations):
        mu = pa.prior("mu", dist.Normal())
        for name, value in observations.items():
            with pa.plate(f"{name}_obs", len(value)):
                pa.likelihood(name, dist.Normal(mu + pa.math.sum(xs[0]), 1), observed=value)

    model = m(np.ones(2), np.zeros(3), a=np.ones(4))
    assert [d.name for d in model.data] == ["xs_0", "xs_1", "a"]
    assert model.site("a").observed == "a"


def test_deep_expressions_round_trip_up_to_the_limit():
    @pa.model
    def deep(n):
        x = pa.prior("x", dist.Normal(0, 1))
        total = x
        for _ in range(n):
            total = total + 0.5 * x
        pa.deterministic("total", total)

    m = deep(E.MAX_DEPTH - 2)
    assert pa.Model.from_json(m.to_json()) == m
    assert pickle.loads(pickle.dumps(m)) == m
    assert "total" in m.summary()
    assert float(evaluate(m.site("total").expr, {"x": 2.0})) == pytest.approx(2.0 + (E.MAX_DEPTH - 2))
    with pytest.raises(ModelError, match=r"nested more than \d+ levels.*pa.math.sum\(pa.math.stack"):
        deep(E.MAX_DEPTH + 5)


@pa.model
def with_factors(y):
    mu = pa.prior("mu", dist.Normal(0, 1))
    pa.factor("shrink", -0.5 * mu**2)
    with pa.plate("row", y.shape[0]):
        r = pa.prior("r", dist.Normal(0, 1))
        with pa.plate("col", y.shape[1]):
            pa.factor("cell", -0.5 * pa.math.square(y - mu - r))
        pa.factor("per_row", 0.5 * mu)  # one copy per row
    with pa.plate("col", y.shape[1]):
        pa.factor("per_col", r[0] * 1.0)


def test_factor_sites_are_broadcast_to_their_plates_and_round_trip():
    m = with_factors(np.zeros((3, 4)))
    assert [s.kind for s in m.factors] == ["factor"] * 4
    assert [s.name for s in m.posterior_sites] == ["mu", "r"]
    assert [s.name for s in m.random_sites] == ["mu", "r"]
    assert m.shape_of("shrink") == () and m.shape_of("cell") == (3, 4)
    assert m.site("cell").expr.shape == (3, 4) and m.shape_of("per_row") == (3,)
    assert m.site("per_row").expr.shape == () and m.shape_of("per_col") == (4,)
    assert m.dtype_of("cell") == "real" and m.frame_of("cell") == ("row", "col")
    text = m.to_json()
    assert pa.Model.from_json(text) == m and pa.Model.from_json(text).to_json() == text
    assert pickle.loads(pickle.dumps(m)) == m
    assert "factor        shrink   real[]     += -0.5 * mu ** 2" in m.summary()
    assert "factor        per_row  real[3]    += 0.5 * mu  in row" in m.summary()
    assert "4 factors" in repr(m)


def test_factor_log_weight_must_fit_its_plates():
    @pa.model
    def m(x):
        with pa.plate("row", 3):
            pa.factor("f", x)

    with pytest.raises(ModelError, match=r"factor 'f'.*shape \(3, 2\).*sizes \(3,\).*axis=-1"):
        m(np.zeros((3, 2)))
    with pytest.raises(ModelError, match=r"factor 'f'.*shape \(4,\).*plate sizes \(3,\)"):
        m(np.zeros(4))
