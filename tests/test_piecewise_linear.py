"""The piecewise-linear numeric embedding: what it learns, its bins, and its
arrays' way through training, saving and loading."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import sknn
from sknn import MLPClassifier, MLPRegressor, TabularMLPRegressor
from sknn._bins import bin_encoding, quantile_bin_edges

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

PLE = dict(numeric_embedding="piecewise_linear", embedding_dim=8)


def _step_data(n, seed):
    """A target of two thresholds, which a smooth function fits badly."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, (n, 2))
    y = (X[:, 0] > 0.3) + 2 * (X[:, 1] < -0.5) + rng.normal(0, 0.1, n)
    return X, y


def _quantiles(X, n_bins):
    return np.quantile(X, np.linspace(0, 1, n_bins + 1), axis=0).T.astype(np.float32)


def test_the_piecewise_linear_embedding_learns_steps_better_than_the_others():
    X, y = _step_data(1000, 0)
    X_test, y_test = _step_data(500, 1)
    params = dict(hidden_layer_sizes=(32, 32), max_iter=30, random_state=0)
    plain = MLPRegressor(**params).fit(X, y).score(X_test, y_test)
    periodic = MLPRegressor(numeric_embedding="periodic", embedding_dim=8, **params)
    periodic = periodic.fit(X, y).score(X_test, y_test)
    model = MLPRegressor(**PLE, **params).fit(X, y)
    # R² of 0.78, 0.89 and 0.95: the bins place each step where the data has one
    assert plain < 0.85
    assert model.score(X_test, y_test) > max(plain + 0.1, periodic + 0.03, 0.93)
    # the first layer takes each feature's embedding_dim values
    assert model.coefs_[0].shape == (2 * 8, 32)
    assert model._extra_state["0.projection"].shape == (2, 48, 8)


def test_the_bin_edges_are_the_training_quantiles_and_never_trained():
    X, y = _step_data(600, 0)
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0, **PLE)
    model = MLPRegressor(embedding_bins=10, **params).fit(X, y)
    edges = model._extra_state["0.edges"]
    np.testing.assert_array_equal(edges, _quantiles(X, 10))
    assert np.abs(model._extra_state["0.projection"]).max() > 0  # the bins trained
    # later fits go on with the first fit's bins, whatever data they see
    X_other, y_other = _step_data(600, 1)
    model.partial_fit(3 * X_other, y_other)
    np.testing.assert_array_equal(model._extra_state["0.edges"], edges)
    model.set_params(warm_start=True).fit(3 * X_other, y_other)
    np.testing.assert_array_equal(model._extra_state["0.edges"], edges)
    # a new fit computes them afresh
    model.set_params(warm_start=False).fit(3 * X_other, y_other)
    np.testing.assert_array_equal(
        model._extra_state["0.edges"], _quantiles(3 * X_other, 10)
    )
    # sparse X gives the bins of its values
    sparse = MLPRegressor(embedding_bins=10, **params).fit(
        scipy.sparse.csr_matrix(X), y
    )
    np.testing.assert_array_equal(sparse._extra_state["0.edges"], edges)


def test_the_encoding_fills_the_bins_to_the_left_of_a_value():
    # bins [0, 1), [1, 2), [2, 4]; a binary feature's one bin [0, 1]; a constant
    # feature's none (its padding repeats the last edge)
    edges = np.array([[0, 1, 2, 4], [0, 1, 1, 1], [5, 5, 5, 5]], np.float32)
    left, inverse_width, lower, upper = bin_encoding(edges)
    x = np.array([-1.0, 0.5, 3.0, 6.0])[:, None, None]
    encoded = np.clip((x - left) * inverse_width, lower, upper)
    np.testing.assert_array_equal(encoded[:, 0], [
        [-1, 0, 0],  # the first bin is not clipped below
        [0.5, 0, 0],
        [1, 1, 0.5],
        [1, 1, 2],  # the last bin is not clipped above
    ])  # fmt: skip
    # one bin: the min-max scaling, clipped on neither side
    np.testing.assert_array_equal(encoded[:, 1, 0], [-1, 0.5, 3, 6])
    assert not encoded[:, 1:, 1:].any()  # closed bins stay 0
    assert not encoded[:, 2].any()


def test_constant_and_binary_columns_train_without_nans():
    X, y = _step_data(500, 0)
    rng = np.random.default_rng(0)
    binary = rng.integers(0, 2, len(X))
    X = np.column_stack([X, np.full(len(X), 7.0), binary])
    model = MLPRegressor(
        hidden_layer_sizes=(16,), max_iter=20, random_state=0, **PLE
    ).fit(X, y)
    edges = model._extra_state["0.edges"]
    assert (edges[2] == 7).all()  # no bin at all
    np.testing.assert_array_equal(edges[3], [0] + [1] * 48)  # one bin [0, 1]
    assert np.isfinite(model.loss_curve_).all()
    assert all(np.isfinite(w).all() for w in model._extra_state.values())
    X_new = X.copy()
    X_new[:, 2] = rng.normal(0, 100, len(X))  # a value the constant never had
    assert np.isfinite(model.predict(X_new)).all()


def test_the_embedding_is_drawn_from_random_state_and_partial_fit_trains_it(iris):
    X, y = iris
    params = dict(hidden_layer_sizes=(8,), max_iter=3, **PLE)
    a = MLPClassifier(random_state=0, **params).fit(X, y)
    b = MLPClassifier(random_state=0, **params).fit(X, y)
    c = MLPClassifier(random_state=1, **params).fit(X, y)
    for key, value in a._extra_state.items():
        np.testing.assert_array_equal(b._extra_state[key], value)
    assert not np.array_equal(a._extra_state["0.linear"], c._extra_state["0.linear"])
    # k partial_fits equal k epochs, bins included
    online = MLPClassifier(random_state=0, n_iter_no_change=100, **params)
    for _ in range(3):
        online.partial_fit(X, y, classes=[0, 1, 2])
    for key, value in a._extra_state.items():
        np.testing.assert_array_equal(online._extra_state[key], value)


def test_embedded_features_bins_only_the_leading_columns():
    X, y = _step_data(1000, 0)
    X_test, y_test = _step_data(500, 1)
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 2, (len(X), 2)).astype(float)
    model = MLPRegressor(
        hidden_layer_sizes=(32, 32),
        max_iter=30,
        random_state=0,
        embedded_features=2,
        **PLE,
    ).fit(np.hstack([X, noise]), y)
    assert model._extra_state["0.edges"].shape == (2, 49)
    assert model._extra_state["0.linear"].shape == (2, 8)
    assert model.coefs_[0].shape == (2 * 8 + 2, 32)
    test = np.hstack([X_test, rng.integers(0, 2, (len(X_test), 2))])
    assert model.score(test, y_test) > 0.9


def test_a_saved_or_pickled_model_predicts_and_trains_on_alike(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier((8,), max_iter=5, random_state=0, embedding_bins=6, **PLE)
    clf.fit(X, y)
    loaded = sknn.load(sknn.save(clf, tmp_path / "model.sknn"))
    unpickled = pickle.loads(pickle.dumps(clf))
    for copy in (loaded, unpickled):
        np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
        for key, value in clf._extra_state.items():
            np.testing.assert_array_equal(copy._extra_state[key], value)
    clf.partial_fit(X, y)
    for copy in (loaded, unpickled):
        copy.partial_fit(X, y)
        np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))


def test_the_tabular_estimators_take_the_embedding(tmp_path):
    rng = np.random.default_rng(0)
    X, y = _step_data(400, 0)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": rng.choice(["u", "v"], 400)})
    model = TabularMLPRegressor(
        numeric_embedding="piecewise_linear", embedding_bins=12, max_iter=5,
        hidden_layer_sizes=(8,), random_state=0,
    ).fit(frame, y)  # fmt: skip
    assert model.mlp_.embedding_bins == 12
    assert model.mlp_._extra_state["0.edges"].shape == (2, 13)
    loaded = sknn.load(sknn.save(model, tmp_path / "model.sknn"))
    np.testing.assert_array_equal(loaded.predict(frame), model.predict(frame))


def test_embedding_bins_must_be_two_or_more(iris):
    X, y = iris
    with pytest.raises(ValueError, match=re.escape("The 'embedding_bins' parameter")):
        MLPClassifier(embedding_bins=1, **PLE).fit(X, y)


def test_quantile_bin_edges_merge_bins_narrower_than_float32_can_invert():
    X = np.array([0.0, 1e-40, 2e-40, 1.0, 2.0])[:, None]
    edges = quantile_bin_edges(X, 4)
    widths = np.diff(edges[0].astype(np.float64))
    assert ((widths == 0) | (widths >= np.finfo(np.float32).tiny)).all()
    assert np.isfinite(bin_encoding(edges)[1]).all()


def test_warm_start_refuses_an_embedding_of_other_bins(iris):
    X, y = iris
    model = MLPClassifier((8,), max_iter=2, warm_start=True, **PLE).fit(X, y)
    with pytest.raises(ValueError, match=re.escape(
        "The numeric embedding changed since the previous fit: its arrays were "
        "{'linear': (4, 8), 'linear_bias': (4, 8), 'projection': (4, 48, 8), "
        "'edges': (4, 49)}, the parameters now ask for {'linear': (4, 8), "
        "'linear_bias': (4, 8), 'projection': (4, 10, 8), 'edges': (4, 11)}. Set "
        "warm_start=False to start afresh."
    )):  # fmt: skip
        model.set_params(embedding_bins=10).fit(X, y)
    model.set_params(warm_start=False).fit(X, y)
    assert model._extra_state["0.edges"].shape == (4, 11)
