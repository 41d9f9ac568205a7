"""An ensemble of members inside one network (``ensemble_size``, TabM-mini): what
one member is, what the ensemble predicts, and that it flows through every path a
plain network takes (save/load, pickle, checkpoints, partial_fit, warm_start, the
LR range test, sparse input, the tabular estimators)."""

import pickle
import re

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import make_regression

import sknn
from sknn import (
    MLPClassifier,
    MLPRegressor,
    TabularMLPClassifier,
    TabularMLPRegressor,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

K = 4  # members: a power of two, so k equal members' mean is exact


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=120, n_features=5, noise=5.0, random_state=0)
    return X / X.std(axis=0), y


def _data(estimator, iris_scaled, regression):
    return iris_scaled if estimator is MLPClassifier else regression


def _outputs(model, X):
    """What the model predicts as numbers: probabilities or values."""
    if isinstance(model, MLPClassifier):
        return model.predict_proba(X)
    return model.predict(X)


def _with_layers(model, coefs, intercepts, extra_state):
    """``model`` (fitted) predicting with these arrays instead of its own."""
    model.coefs_, model.intercepts_ = list(coefs), list(intercepts)
    model._extra_state = dict(extra_state)
    return model


def _member(ensemble, plain, i):
    """``plain`` (a fitted one-member network of ``ensemble``'s layer sizes) made
    member ``i`` of ``ensemble``: its adapter row folded into the first layer, its
    own output layer."""
    network = ensemble._fitted_network()
    scale = ensemble._extra_state[network.ensemble_key()][i]
    coefs, intercepts = list(ensemble.coefs_), list(ensemble.intercepts_)
    coefs[0] = scale[:, None].astype(np.float64) * coefs[0]
    columns = slice(i * ensemble.n_outputs_, (i + 1) * ensemble.n_outputs_)
    coefs[-1], intercepts[-1] = coefs[-1][:, columns], intercepts[-1][columns]
    return _with_layers(plain, coefs, intercepts, {})


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_one_member_is_the_plain_network(estimator, iris_scaled, regression):
    """ensemble_size=1 adds no arrays and draws nothing more: the same fit."""
    X, y = _data(estimator, iris_scaled, regression)
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    default = estimator(**params).fit(X, y)
    one = estimator(ensemble_size=1, **params).fit(X, y)
    assert one._extra_state == {}
    assert [c.shape for c in one.coefs_] == [(X.shape[1], 8), (8, one.n_outputs_)]
    assert one.loss_curve_ == default.loss_curve_
    np.testing.assert_array_equal(_outputs(one, X), _outputs(default, X))


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_the_ensemble_predicts_its_members_mean(estimator, iris_scaled, regression):
    """Each member is a plain network (its adapter row scaling the input, its own
    output layer); the members differ from the start, and the ensemble predicts
    the mean of their probabilities or values."""
    X, y = _data(estimator, iris_scaled, regression)
    params = dict(hidden_layer_sizes=(8, 6), max_iter=20, random_state=0)
    ensemble = estimator(ensemble_size=K, **params).fit(X, y)
    n_outputs = ensemble.n_outputs_
    assert [c.shape for c in ensemble.coefs_][-1] == (6, K * n_outputs)
    assert ensemble.intercepts_[-1].shape == (K * n_outputs,)
    assert ensemble._extra_state["0.scale"].shape == (K, X.shape[1])
    plain = estimator(**params).fit(X, y)
    members = [_outputs(_member(ensemble, plain, i), X) for i in range(K)]
    for a, b in zip(members, members[1:]):
        assert np.abs(a - b).max() > 1e-3
    np.testing.assert_allclose(
        _outputs(ensemble, X), np.mean(members, axis=0), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize("n_targets", [1, 2])
def test_return_std_is_the_spread_of_the_members_predictions(regression, n_targets):
    """As GaussianProcessRegressor's ``predict(X, return_std=True)``: the values
    predict gives, and how far the members disagree on each row (the standard
    deviation of their predictions, in the targets' units)."""
    X, y = regression
    y = np.column_stack([y, -2 * y])[:, :n_targets].squeeze()
    params = dict(hidden_layer_sizes=(8, 6), max_iter=20, random_state=0)
    ensemble = MLPRegressor(ensemble_size=K, **params).fit(X, y)
    plain = MLPRegressor(**params).fit(X, y)
    members = [_member(ensemble, plain, i).predict(X) for i in range(K)]
    y_pred, y_std = ensemble.predict(X, return_std=True)
    np.testing.assert_array_equal(y_pred, ensemble.predict(X))
    assert y_std.shape == y_pred.shape == y.shape
    np.testing.assert_allclose(y_std, np.std(members, axis=0), rtol=1e-9)
    assert (y_std > 0).all()
    # rows predicted a chunk at a time give the same (a chunk of 7 rows here)
    ensemble._weights(X.dtype).chunk_rows = 7
    np.testing.assert_array_equal(ensemble.predict(X, return_std=True)[1], y_std)
    # float32 rows give float32 spreads
    _, std32 = ensemble.predict(X.astype(np.float32), return_std=True)
    assert std32.dtype == np.float32


def test_return_std_needs_an_ensemble(regression):
    X, y = regression
    model = MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    model.fit(X, y)
    with pytest.raises(ValueError, match=r"return_std=True needs an ensemble"):
        model.predict(X, return_std=True)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_identical_members_predict_what_one_member_does(
    estimator, iris_scaled, regression
):
    X, y = _data(estimator, iris_scaled, regression)
    params = dict(hidden_layer_sizes=(8,), max_iter=5, random_state=0)
    ensemble = estimator(ensemble_size=K, **params).fit(X, y)
    n_outputs = ensemble.n_outputs_
    head, bias = (
        ensemble.coefs_[-1][:, :n_outputs],
        ensemble.intercepts_[-1][:n_outputs],
    )
    _with_layers(
        ensemble,
        [ensemble.coefs_[0], np.tile(head, K)],
        [ensemble.intercepts_[0], np.tile(bias, K)],
        {"0.scale": np.ones((K, X.shape[1]), np.float32)},
    )
    one = estimator(**params).fit(X, y)
    _with_layers(one, [ensemble.coefs_[0], head], [ensemble.intercepts_[0], bias], {})
    # float32 matrix products of k times the rows may round differently
    for dtype, rtol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        np.testing.assert_allclose(
            _outputs(ensemble, X.astype(dtype)),
            _outputs(one, X.astype(dtype)),
            rtol=rtol,
            atol=rtol * 1e-3,
        )
    np.testing.assert_array_equal(ensemble.predict(X), one.predict(X))
    if estimator is MLPRegressor:  # members that agree have no spread
        np.testing.assert_array_equal(ensemble.predict(X, return_std=True)[1], 0.0)


def test_an_ensemble_fit_is_reproducible_from_random_state(iris_scaled):
    X, y = iris_scaled
    params = dict(
        hidden_layer_sizes=(8,), max_iter=5, ensemble_size=3, dropout=0.2,
        batch_norm=True,
    )  # fmt: skip
    a, b, other = (
        MLPClassifier(random_state=seed, **params).fit(X, y) for seed in (0, 0, 1)
    )
    for x, z in zip(
        a.coefs_ + [a._extra_state["0.scale"]], b.coefs_ + [b._extra_state["0.scale"]]
    ):
        np.testing.assert_array_equal(x, z)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert not np.array_equal(a._extra_state["0.scale"], other._extra_state["0.scale"])


def test_the_adapter_starts_as_tabm_draws_it(iris_scaled):
    """Random signs on plain inputs; normal values with a numeric embedding, one
    per embedded feature (its embedding_dim columns share it)."""
    X, y = iris_scaled
    signs = MLPClassifier(
        (8,),
        max_iter=1,
        ensemble_size=K,
        random_state=0,
        solver="sgd",
        learning_rate_init=1e-12,
    )
    scale = signs.fit(X, y)._extra_state["0.scale"]
    assert set(np.unique(np.round(scale, 6))) == {-1.0, 1.0}
    embedded = MLPClassifier(
        (8,), max_iter=1, ensemble_size=K, random_state=0, solver="sgd",
        learning_rate_init=1e-12, numeric_embedding="periodic", embedding_dim=3,
        embedded_features=2,
    ).fit(X, y)  # fmt: skip
    scale = embedded._extra_state["1.scale"]
    assert scale.shape == (K, 2 * 3 + 2)
    np.testing.assert_allclose(scale[:, 0:3], scale[:, [0]].repeat(3, axis=1))
    assert len(np.unique(np.round(scale, 5))) > 2 * K


@pytest.mark.parametrize("loss", ["log_loss", "hinge"])
def test_an_ensemble_classifier_gives_probabilities_or_margins(loss, iris_scaled):
    X, y = iris_scaled
    model = MLPClassifier(
        (8,), max_iter=50, ensemble_size=3, random_state=0, loss=loss,
        learning_rate_init=0.02,
    ).fit(X, y)  # fmt: skip
    if loss == "log_loss":
        np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1, rtol=1e-12)
        binary = MLPClassifier((8,), max_iter=5, ensemble_size=3, random_state=0)
        proba = binary.fit(X, y == 1).predict_proba(X)
        np.testing.assert_allclose(proba.sum(axis=1), 1)
    else:
        margins = model.decision_function(X)
        np.testing.assert_array_equal(
            model.classes_[margins.argmax(1)], model.predict(X)
        )
    assert model.score(X, y) > 0.8


@pytest.fixture
def validation_splits(monkeypatch):
    """The early-stopping splits the fits in a test make, as (X_train, X_val,
    y_train, y_val) tuples."""
    from sknn import _base

    real, splits = _base.train_test_split, []

    def train_test_split(*arrays, **kwargs):
        splits.append(real(*arrays, **kwargs))
        return splits[-1]

    monkeypatch.setattr(_base, "train_test_split", train_test_split)
    return splits


def test_early_stopping_scores_the_members_mean(regression, validation_splits):
    """The validation score is the R² of what predict gives, the members' mean,
    and the best epoch's weights are the ones kept."""
    X, y = regression
    fitted = MLPRegressor(
        hidden_layer_sizes=(8,), early_stopping=True, n_iter_no_change=np.inf,
        max_iter=15, random_state=0, ensemble_size=3, learning_rate_init=0.05,
    ).fit(X, y)  # fmt: skip
    _, X_val, _, y_val = validation_splits[0]
    assert fitted.best_validation_score_ == max(fitted.validation_scores_)
    assert fitted.best_validation_score_ == pytest.approx(
        fitted.score(X_val, y_val), rel=1e-6
    )


@pytest.mark.parametrize("n_classes", [2, 3])
def test_early_stopping_on_the_loss_judges_the_members_mean(
    n_classes, iris_scaled, validation_splits
):
    """With scoring='loss', the validation loss is the log-loss of what
    predict_proba gives (the members' mean probability), not the members' mean
    loss, and the best epoch's is the restored model's."""
    from sklearn.metrics import log_loss

    X, y = iris_scaled
    keep = y < n_classes
    X, y = X[keep], y[keep]
    fitted = MLPClassifier(
        hidden_layer_sizes=(8,), early_stopping=True, scoring="loss",
        n_iter_no_change=np.inf, max_iter=12, random_state=0, ensemble_size=3,
        validation_fraction=0.3,
    ).fit(X, y)  # fmt: skip
    _, X_val, _, y_val = validation_splits[0]
    best = min(epoch["valid_loss"] for epoch in fitted.history_)
    assert best == pytest.approx(log_loss(y_val, fitted.predict_proba(X_val)), rel=1e-5)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_a_saved_ensemble_predicts_the_same(
    estimator, iris_scaled, regression, tmp_path
):
    X, y = _data(estimator, iris_scaled, regression)
    model = estimator(
        hidden_layer_sizes=(8,), max_iter=10, ensemble_size=3, random_state=0,
        batch_norm=True, numeric_embedding="periodic", embedding_dim=2,
    ).fit(X, y)  # fmt: skip
    expected = _outputs(model, X)
    loaded = sknn.load(sknn.save(model, tmp_path / "model.sknn"))
    np.testing.assert_array_equal(_outputs(loaded, X), expected)
    if estimator is MLPRegressor:
        np.testing.assert_array_equal(
            loaded.predict(X, return_std=True)[1], model.predict(X, return_std=True)[1]
        )
    unpickled = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(_outputs(unpickled, X), expected)
    # and goes on training as the original does
    for m in (model, loaded):
        m.partial_fit(X, y)
    np.testing.assert_array_equal(_outputs(loaded, X), _outputs(model, X))


def test_three_plus_three_resumed_ensemble_epochs_equal_six(
    tmp_path, iris_scaled, monkeypatch
):
    """A fit stopped by Ctrl-C after epoch 3's checkpoint and resumed from it ends
    where the uninterrupted fit does: adapter, heads and all."""
    from sknn import _checkpoints

    X, y = iris_scaled
    params = dict(
        hidden_layer_sizes=(8,), max_iter=6, batch_size=32, random_state=0,
        ensemble_size=3, dropout=0.1, early_stopping=True,
    )  # fmt: skip
    uninterrupted = MLPClassifier(**params).fit(X, y)
    real, written = _checkpoints._persistence.save, []

    def save(obj, path):
        real(obj, path)
        if path.name == "last.sknn":
            written.append(path)
            if len(written) == 3:
                raise KeyboardInterrupt

    monkeypatch.setattr(_checkpoints._persistence, "save", save)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        interrupted = MLPClassifier(checkpoint_dir=tmp_path, **params).fit(X, y)
    monkeypatch.undo()
    resumed = sknn.resume(interrupted.checkpoint_path_, X, y)
    assert resumed.n_iter_ == 6
    assert resumed.loss_curve_ == uninterrupted.loss_curve_
    for a, b in zip(resumed.coefs_, uninterrupted.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        resumed._extra_state["0.scale"], uninterrupted._extra_state["0.scale"]
    )
    np.testing.assert_array_equal(
        resumed.predict_proba(X), uninterrupted.predict_proba(X)
    )


def test_partial_fit_trains_every_member_as_epochs_do(iris_scaled):
    """k partial_fit calls are k epochs of fit (shuffling and dropout go on)."""
    X, y = iris_scaled
    params = dict(hidden_layer_sizes=(8,), random_state=0, ensemble_size=3, dropout=0.1)
    fitted = MLPClassifier(max_iter=3, **params).fit(X, y)
    model = MLPClassifier(**params)
    for _ in range(3):
        model.partial_fit(X, y, classes=np.unique(y))
    for a, b in zip(model.coefs_, fitted.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_warm_start_refuses_another_ensemble_size(iris_scaled):
    X, y = iris_scaled
    model = MLPClassifier((8,), max_iter=2, ensemble_size=2, warm_start=True).fit(X, y)
    message = (
        "ensemble_size=3 differs from the previous fit's 2, whose network this fit "
        "would go on from. Set warm_start=False (or start a new partial_fit) to "
        "change it."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        model.set_params(ensemble_size=3).fit(X, y)
    assert model._fitted_network().ensemble_size == 2  # left as it was


def test_sparse_input_predicts_as_dense(regression):
    X, y = regression
    X = np.where(np.abs(X) < 0.5, 0.0, X)
    model = MLPRegressor(
        hidden_layer_sizes=(8,), max_iter=10, ensemble_size=3, random_state=0
    ).fit(scipy.sparse.csr_matrix(X), y)
    np.testing.assert_allclose(
        model.predict(scipy.sparse.csr_matrix(X)), model.predict(X), rtol=1e-10
    )


def test_the_lr_range_test_runs_on_an_ensemble(iris_scaled):
    X, y = iris_scaled
    model = MLPClassifier((8,), ensemble_size=3, random_state=0)
    finder = model.find_lr(X, y, end_lr=1e-2, num_iter=20)
    assert len(finder.losses) == 20
    assert np.isfinite(finder.raw_losses).all()


@pytest.mark.parametrize("estimator", [TabularMLPClassifier, TabularMLPRegressor])
def test_the_tabular_estimators_take_ensemble_size(estimator, iris_scaled, regression):
    import pandas as pd

    classifier = estimator is TabularMLPClassifier
    X, y = iris_scaled if classifier else regression
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    model = estimator(
        hidden_layer_sizes=(8,), max_iter=5, ensemble_size=3, random_state=0
    )
    model.fit(frame, y)
    network = model.mlp_._fitted_network()
    assert network.ensemble_size == 3
    assert model.mlp_.coefs_[-1].shape[1] == 3 * model.mlp_.n_outputs_
    assert len(model.predict(frame)) == len(frame)
    if not classifier:  # the members' spread, through the encoder
        encoded = model.encoder_.transform(frame)
        for ours, mlps in zip(
            model.predict(frame, return_std=True),
            model.mlp_.predict(encoded, return_std=True),
        ):
            np.testing.assert_array_equal(ours, mlps)


def test_a_net_on_another_device_predicts_the_members_mean(iris_scaled):
    """The torch forward pass (what predicts on a GPU), run here on the CPU,
    averages the members as the numpy one does."""
    from sknn import _torch

    X, y = iris_scaled
    model = MLPClassifier((8,), max_iter=10, ensemble_size=3, random_state=0)
    model.fit(X, y)
    np.testing.assert_allclose(
        _torch.predict(model._net, X, model.out_activation_),
        model.predict_proba(X),
        rtol=1e-5,
        atol=1e-6,
    )


def test_a_net_on_another_device_gives_each_members_outputs(regression):
    from sknn import _torch

    X, y = regression
    model = MLPRegressor(
        hidden_layer_sizes=(8,), max_iter=10, ensemble_size=3, random_state=0
    )
    model.fit(X, y)
    members = model._forward(X, members=True)
    assert members.shape == (len(X), 3, 1)
    np.testing.assert_allclose(
        _torch.predict(model._net, X, model.out_activation_, members=True),
        members,
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_unit_sample_weights_train_an_ensemble_as_none_do(solver, regression):
    """The sample-weighted epoch (and lbfgs's full batch) average the members'
    losses as the fast epoch does."""
    X, y = regression
    params = dict(
        hidden_layer_sizes=(8,), max_iter=10, ensemble_size=3, random_state=0,
        solver=solver,
    )  # fmt: skip
    plain = MLPRegressor(**params).fit(X, y)
    weighted = MLPRegressor(**params).fit(X, y, sample_weight=np.ones(len(y)))
    assert weighted.loss_ == pytest.approx(plain.loss_, rel=1e-4)
    np.testing.assert_allclose(weighted.predict(X), plain.predict(X), rtol=1e-3)
