"""sknn's training controls beyond sklearn's MLP, each checked by its effect."""

import re

import numpy as np
import pytest
import torch
from sklearn.preprocessing import StandardScaler
from torch.nn import functional as F

from sknn import MLPClassifier, MLPRegressor, _torch
from sknn._initialization import initial_weights as _initial_weights
from sknn._network import STOCHASTIC_SOLVERS, Network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NEW_ACTIVATIONS = {
    "leaky_relu": F.leaky_relu,
    "elu": F.elu,
    "selu": F.selu,
    "gelu": F.gelu,
    "silu": F.silu,
    "softplus": F.softplus,
    "hardtanh": F.hardtanh,
}


@pytest.mark.parametrize("name", sorted(NEW_ACTIVATIONS))
def test_hidden_layers_apply_the_named_activation(name):
    module = _torch.MLPModule(Network(3, (4,), 2, name, (0.0,)))
    X = torch.linspace(-3, 3, 12).reshape(4, 3)
    first, last = module[0], module[-1]
    expected = last(NEW_ACTIVATIONS[name](first(X)))
    torch.testing.assert_close(module(X), expected)


@pytest.mark.parametrize("name", sorted(NEW_ACTIVATIONS))
def test_every_activation_learns(name, iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(activation=name, max_iter=200, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9


def test_activation_changes_the_fit(iris_scaled):
    X, y = iris_scaled
    relu = MLPClassifier(max_iter=20, random_state=0).fit(X, y)
    gelu = MLPClassifier(activation="gelu", max_iter=20, random_state=0).fit(X, y)
    assert relu.loss_curve_ != gelu.loss_curve_


def _std_is(expected):
    return lambda w, fan_in, fan_out: np.isclose(
        w.std(), expected(fan_in, fan_out), rtol=0.05
    )


def _bounded_by(bound):
    return lambda w, fan_in, fan_out: np.abs(w).max() <= bound(fan_in, fan_out)


@pytest.mark.parametrize(
    "scheme, check",
    [
        ("xavier_uniform", _bounded_by(lambda fi, fo: np.sqrt(6 / (fi + fo)))),
        ("xavier_normal", _std_is(lambda fi, fo: np.sqrt(2 / (fi + fo)))),
        ("kaiming_uniform", _bounded_by(lambda fi, fo: np.sqrt(6 / fi))),
        ("kaiming_normal", _std_is(lambda fi, fo: np.sqrt(2 / fi))),
        ("normal", _std_is(lambda fi, fo: 0.01)),
    ],
)
def test_weight_init_schemes_draw_torch_default_scales(scheme, check):
    fan_in, fan_out = 400, 300
    coef, intercept = _initial_weights(
        fan_in, fan_out, scheme, "relu", np.random.RandomState(0)
    )
    assert coef.shape == (fan_in, fan_out)
    assert check(coef, fan_in, fan_out)
    np.testing.assert_array_equal(intercept, 0.0)


def test_weight_init_auto_is_sklearns_glorot_scheme():
    rng = np.random.RandomState(0)
    coef, intercept = _initial_weights(30, 20, "auto", "logistic", rng)
    bound = np.sqrt(2.0 / 50)
    assert np.abs(coef).max() <= bound and np.abs(intercept).max() <= bound
    assert np.abs(intercept).max() > 0  # sklearn draws the biases too


@pytest.mark.parametrize("scheme", ["xavier_normal", "kaiming_uniform", "normal"])
def test_weight_init_reaches_the_fitted_network(scheme, iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(weight_init=scheme, max_iter=1, learning_rate_init=1e-9)
    clf.set_params(random_state=0).fit(X, y)
    expected, _ = _initial_weights(4, 100, scheme, "relu", np.random.RandomState(0))
    np.testing.assert_allclose(clf.coefs_[0], expected, atol=1e-6)


@pytest.mark.parametrize(
    "solver, optimizer",
    [("adamw", "AdamW"), ("rmsprop", "RMSprop"), ("adagrad", "Adagrad")],
)
def test_new_solvers_train_with_their_torch_optimizer(solver, optimizer, iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(solver=solver, learning_rate_init=0.01, max_iter=100)
    clf.set_params(random_state=0).fit(X, y)
    assert type(clf._net.optimizer_).__name__ == optimizer
    assert clf.score(X, y) > 0.9
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 1


def test_rmsprop_uses_momentum(iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(solver="rmsprop", momentum=0.5, max_iter=2).fit(X, y)
    assert clf._net.optimizer_.defaults["momentum"] == 0.5


def test_adamw_decays_the_weights_not_the_biases(iris_scaled):
    X, y = iris_scaled
    params = dict(solver="adamw", max_iter=50, random_state=0, learning_rate_init=0.01)
    free = MLPClassifier(alpha=0.0, **params).fit(X, y)
    decayed = MLPClassifier(alpha=5.0, **params).fit(X, y)
    assert np.linalg.norm(decayed.coefs_[0]) < 0.8 * np.linalg.norm(free.coefs_[0])
    groups = decayed._net.optimizer_.param_groups
    assert sorted(g["weight_decay"] for g in groups) == [0.0, 5.0]
    # decoupled: alpha is no loss term, so the reported loss is the data loss alone
    assert decayed.loss_ < 2.0


def _outlier_data():
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (300, 1))
    y = 2 * X[:, 0] + rng.normal(0, 0.05, 300)
    y_dirty = y.copy()
    y_dirty[:15] += 40.0  # 5% wild targets
    return X, y, y_dirty


def test_robust_losses_resist_outlying_targets():
    X, y_clean, y_dirty = _outlier_data()
    errors = {}
    for loss in ("squared_error", "absolute_error", "huber"):
        reg = MLPRegressor(loss=loss, hidden_layer_sizes=(16,), solver="lbfgs")
        reg.set_params(max_iter=500, random_state=0).fit(X, y_dirty)
        errors[loss] = np.abs(reg.predict(X[15:]) - y_clean[15:]).mean()
    assert errors["absolute_error"] < errors["squared_error"] / 3
    assert errors["huber"] < errors["squared_error"] / 3


def test_squared_log_error_trains_on_log1p_and_predicts_positive():
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 2, (300, 2))
    y = np.expm1(X.sum(axis=1))  # spans 0 to ~50
    reg = MLPRegressor(loss="squared_log_error", max_iter=500, random_state=0).fit(X, y)
    assert reg.out_activation_ == "expm1"
    predictions = reg.predict(X)
    assert (predictions > -1).all()
    log_error = np.mean((np.log1p(np.clip(predictions, 0, None)) - np.log1p(y)) ** 2)
    assert log_error < 0.05
    msg = "loss='squared_log_error' trains on log1p(y) and needs y >= 0; got a minimum"
    with pytest.raises(ValueError, match=re.escape(msg)):
        MLPRegressor(loss="squared_log_error").fit(X, y - 10)


@pytest.mark.parametrize("loss", ["absolute_error", "huber", "squared_log_error"])
def test_new_losses_report_a_decreasing_loss(loss):
    rng = np.random.RandomState(0)
    X = rng.uniform(0, 1, (200, 3))
    y = X @ [1.0, 2.0, 3.0]
    reg = MLPRegressor(loss=loss, max_iter=50, random_state=0).fit(X, y)
    assert reg.loss_curve_[-1] < reg.loss_curve_[0]


def _step_norm(weighted, max_grad_norm):
    """Norm of one plain SGD step (lr 1, no momentum, no L2) from the same weights."""
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(64, 4)), rng.normal(size=64) * 10
    reg = MLPRegressor(
        solver="sgd", learning_rate_init=1.0, momentum=0.0, alpha=0.0, batch_size=64,
        max_iter=1, shuffle=False, warm_start=True, random_state=0,
    )  # fmt: skip
    sample_weight = rng.uniform(0.5, 2, 64) if weighted else None
    reg.fit(X, y, sample_weight=sample_weight)
    before = [a.copy() for a in reg.coefs_ + reg.intercepts_]
    reg.set_params(max_grad_norm=max_grad_norm).fit(X, y, sample_weight=sample_weight)
    after = reg.coefs_ + reg.intercepts_
    return np.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(after, before)))


@pytest.mark.parametrize("weighted", [False, True])
def test_max_grad_norm_bounds_the_update(weighted):
    assert _step_norm(weighted, None) > 0.5
    assert _step_norm(weighted, 0.05) == pytest.approx(0.05, rel=1e-3)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_gradient_accumulation_equals_one_large_batch(estimator, weighted, iris_scaled):
    X, y = iris_scaled
    if estimator is MLPRegressor:
        y = X[:, 0] - X[:, 1]
    sample_weight = (
        np.random.RandomState(1).uniform(0.5, 2, len(y)) if weighted else None
    )
    params = dict(max_iter=5, random_state=0, alpha=1e-3, l1=1e-3)
    big = estimator(batch_size=40, **params).fit(X, y, sample_weight=sample_weight)
    accumulated = estimator(batch_size=10, gradient_accumulation_steps=4, **params)
    accumulated.fit(X, y, sample_weight=sample_weight)
    for a, b in zip(
        accumulated.coefs_ + accumulated.intercepts_, big.coefs_ + big.intercepts_
    ):
        np.testing.assert_allclose(a, b, atol=1e-5)
    np.testing.assert_allclose(accumulated.loss_curve_, big.loss_curve_, rtol=1e-5)
    unaccumulated = estimator(batch_size=10, **params).fit(
        X, y, sample_weight=sample_weight
    )
    assert not np.allclose(unaccumulated.coefs_[0], big.coefs_[0], atol=1e-3)


def _imbalanced():
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=600, n_features=8, weights=[0.93, 0.07], class_sep=0.6, random_state=0
    )


def test_balanced_class_weight_raises_minority_recall():
    from sklearn.metrics import recall_score

    X, y = _imbalanced()
    params = dict(max_iter=100, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X, y)
    recall_plain = recall_score(y, plain.predict(X))
    recall_balanced = recall_score(y, balanced.predict(X))
    assert recall_balanced > recall_plain + 0.1


def test_class_weight_multiplies_sample_weight_and_reaches_the_holdout():
    X, y = _imbalanced()
    params = dict(max_iter=20, random_state=0, early_stopping=True)
    sample_weight = np.random.RandomState(0).uniform(0.5, 2, len(y))
    by_class = MLPClassifier(class_weight={0: 1.0, 1: 5.0}, **params)
    by_class.fit(X, y, sample_weight=sample_weight)
    by_sample = MLPClassifier(**params)
    by_sample.fit(X, y, sample_weight=sample_weight * np.where(y == 1, 5.0, 1.0))
    np.testing.assert_allclose(by_class.predict_proba(X), by_sample.predict_proba(X))
    assert by_class.validation_scores_ == by_sample.validation_scores_
    unweighted = MLPClassifier(**params).fit(X, y, sample_weight=sample_weight)
    assert unweighted.validation_scores_ != by_class.validation_scores_


def test_partial_fit_refuses_balanced_class_weight(iris_scaled):
    X, y = iris_scaled
    msg = "class_weight='balanced' needs the whole training set and is not supported"
    with pytest.raises(ValueError, match=re.escape(msg)):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    clf = MLPClassifier(class_weight={0: 2.0}).partial_fit(X, y, classes=[0, 1, 2])
    assert clf.n_iter_ == 1


def test_progress_bar_shows_a_bar_without_sklearns_lines(iris_scaled, capsys):
    X, y = iris_scaled
    clf = MLPClassifier(max_iter=4, progress_bar=True, early_stopping=True)
    clf.set_params(random_state=0).fit(X, y)
    out, err = capsys.readouterr()
    assert "Iteration" not in out
    # the postfix's tail (lr=) may be cut: tqdm fits the line to the width it
    # detects, which under pytest-xdist was once 80 columns
    assert re.search(r"epochs: 100%.* 4/4 .*loss=.*valid_score=", err)


@pytest.mark.parametrize("verbose", [1, 2, 10, True])
def test_every_true_verbose_prints_sklearns_lines_without_a_bar(
    verbose, iris_scaled, capsys
):
    """scikit-learn prints its lines for any true verbose (its tests use 10)."""
    X, y = iris_scaled
    MLPClassifier(max_iter=2, verbose=verbose, early_stopping=True).fit(X, y)
    out, err = capsys.readouterr()
    assert "Iteration 2, loss = " in out
    assert "Validation score: " in out
    assert "epochs:" not in err


def test_verbose_and_progress_bar_together(iris_scaled, capsys):
    X, y = iris_scaled
    MLPClassifier(max_iter=2, verbose=1, progress_bar=True).fit(X, y)
    out, err = capsys.readouterr()
    assert "Iteration 2, loss = " in out
    assert "epochs: 100%" in err


# ---------------------------------------------------------------- batch norm


def test_batch_norm_sits_between_each_hidden_linear_and_its_activation():
    network = Network(4, (8, 6), 2, "relu", (0.5, 0.0), batch_norm=True)
    module = _torch.MLPModule(network)
    kinds = [type(m).__name__ for m in module]
    assert kinds == [
        "Linear", "BatchNorm1d", "ReLU", "Dropout",
        "Linear", "BatchNorm1d", "ReLU", "Linear",
    ]  # fmt: skip


def test_batch_norm_predicts_each_row_on_its_own(iris_scaled):
    """Prediction uses the running statistics (eval mode), not the batch's."""
    X, y = iris_scaled
    params = dict(batch_size=30, max_iter=30, random_state=0)
    clf = MLPClassifier(batch_norm=True, **params).fit(X, y)
    alone = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(0, 150, 7)])
    np.testing.assert_allclose(alone, clf.predict_proba(X)[::7], rtol=1e-5)
    plain = MLPClassifier(**params).fit(X, y)
    assert plain.loss_curve_ != clf.loss_curve_
    assert clf.score(X, y) > 0.9


def test_batch_norm_statistics_survive_warm_start(iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(batch_norm=True, max_iter=40, random_state=0).fit(X, y)
    before = clf.predict_proba(X)
    # one more epoch at a negligible rate: the weights stay, the running
    # statistics go on from the fitted ones instead of restarting at 0 and 1
    clf.set_params(warm_start=True, max_iter=1, learning_rate_init=1e-9).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), before, atol=0.02)


def test_batch_norm_drops_a_last_batch_of_one_row(iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(batch_norm=True, batch_size=149, max_iter=3, random_state=0)
    clf.fit(X, y)  # 150 rows: batches of 149 and 1
    assert clf.n_iter_ == 3 and np.isfinite(clf.loss_)
    msg = "batch_norm=True needs at least 2 samples per batch, got 1 sample(s)"
    with pytest.raises(ValueError, match=re.escape(msg)):
        MLPClassifier(batch_norm=True, batch_size=1).fit(X, y)


# ---------------------------------------------------------------- hinge loss


def test_hinge_classifier_has_margins_and_no_probabilities():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = MLPClassifier(loss="hinge", max_iter=50, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.97
    margins = clf.decision_function(X)
    assert margins.shape == (len(y),)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(margins > 0) * 1])
    # the hinge pushes training margins out to 1 and no further: most samples end
    # up with t * z >= 1, where the log-loss keeps growing its margins
    t = 2 * y - 1
    assert np.mean(t * margins >= 0.99) > 0.9
    assert not hasattr(clf, "predict_proba")
    with pytest.raises(AttributeError) as error:
        clf.predict_proba(X)
    cause = "probability estimates are not available for loss='hinge'"
    assert str(error.value.__cause__) == cause
    assert not hasattr(MLPClassifier().fit(X[:50], y[:50]), "decision_function")


def test_hinge_multiclass_and_multilabel(iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(loss="hinge", max_iter=100, random_state=0).fit(X, y)
    margins = clf.decision_function(X)
    assert margins.shape == (150, 3)
    np.testing.assert_array_equal(clf.predict(X), margins.argmax(axis=1))
    assert clf.score(X, y) > 0.9
    Y = np.column_stack([y == 0, y == 2]).astype(int)
    multilabel = MLPClassifier(loss="hinge", max_iter=100, random_state=0).fit(X, Y)
    assert multilabel.decision_function(X).shape == (150, 2)
    np.testing.assert_array_equal(
        multilabel.predict(X), (multilabel.decision_function(X) > 0) * 1
    )


# ---------------------------------------------------------------- schedules

STOCHASTIC = list(STOCHASTIC_SOLVERS)


def _lrs(iris_scaled, **params):
    X, y = iris_scaled
    params = dict(max_iter=12, n_iter_no_change=np.inf, random_state=0, **params)
    clf = MLPClassifier(learning_rate_init=0.01, **params).fit(X, y)
    return np.array([record["lr"] for record in clf.history_])


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_step_and_cosine_schedules_follow_their_formula(solver, iris_scaled):
    epochs = np.arange(12)
    step = _lrs(
        iris_scaled, solver=solver, learning_rate="step", lr_step_size=4, lr_gamma=0.5
    )
    np.testing.assert_allclose(step, 0.01 * 0.5 ** (epochs // 4), rtol=1e-6)
    cosine = _lrs(iris_scaled, solver=solver, learning_rate="cosine")
    expected = 0.01 * (1 + np.cos(np.pi * epochs / 12)) / 2
    np.testing.assert_allclose(cosine, expected, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("solver", STOCHASTIC)
def test_cyclic_and_onecycle_schedules_move_per_batch(solver, iris_scaled):
    # iris_scaled with batch_size=50: 3 steps an epoch
    cyclic = _lrs(
        iris_scaled,
        solver=solver,
        batch_size=50,
        learning_rate="cyclic",
        lr_step_size=2,
    )
    assert cyclic.min() >= 0.001 - 1e-9 and cyclic.max() <= 0.01 + 1e-9
    np.testing.assert_allclose(cyclic[:8], cyclic[4:], rtol=1e-6)  # period 4 epochs
    assert len(set(np.round(cyclic, 9))) > 2
    onecycle = _lrs(iris_scaled, solver=solver, batch_size=50, learning_rate="onecycle")
    peak = int(np.argmax(onecycle))
    assert onecycle[peak] == pytest.approx(0.01, rel=0.05)
    assert 2 <= peak <= 5  # warm-up over ~30% of 12 epochs
    assert onecycle[0] < 0.01 / 3 and onecycle[-1] < 1e-5


@pytest.mark.parametrize("learning_rate", ["invscaling", "adaptive"])
def test_sklearns_schedules_stay_sgd_only(learning_rate, iris_scaled):
    lrs = _lrs(iris_scaled, solver="adam", learning_rate=learning_rate)
    np.testing.assert_array_equal(lrs, 0.01)
    assert _lrs(iris_scaled, solver="sgd", learning_rate="invscaling")[-1] < 0.01


def test_partial_fit_carries_the_schedule_on(iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(learning_rate="step", lr_step_size=2, lr_gamma=0.1)
    lrs = []
    for _ in range(6):
        clf.partial_fit(X, y, classes=[0, 1, 2])
        lrs.append(clf.history_[-1]["lr"])
    np.testing.assert_allclose(lrs, [1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-5], rtol=1e-6)


def test_lbfgs_ignores_the_schedule(iris_scaled):
    X, y = iris_scaled
    clf = MLPClassifier(solver="lbfgs", learning_rate="onecycle", max_iter=50)
    assert clf.set_params(random_state=0).fit(X, y).score(X, y) > 0.9


# ---------------------------------------------------------------- label smoothing


@pytest.mark.parametrize("binary", [False, True], ids=["multiclass", "binary"])
def test_label_smoothing_bounds_the_confidence_it_trains_towards(binary, iris_scaled):
    """Smoothed targets put (1 - e) + e / n on the true class: trained towards the
    end, the network's confidence settles there; unsmoothed, it goes to ~1."""
    X, y = iris_scaled
    if binary:
        y = (y == 0).astype(int)
    params = dict(solver="lbfgs", max_iter=500, alpha=0.0, random_state=0)
    plain = MLPClassifier(**params).fit(X, y)
    smoothed = MLPClassifier(label_smoothing=0.2, **params).fit(X, y)
    target = 1 - 0.2 + 0.2 / len(np.unique(y))
    assert np.median(plain.predict_proba(X).max(axis=1)) > 0.99
    confidence = smoothed.predict_proba(X).max(axis=1)
    assert abs(np.median(confidence) - target) < 0.03
    assert confidence.max() < target + 0.05
    assert smoothed.score(X, y) > 0.9


def test_label_smoothing_needs_the_log_loss(iris_scaled):
    X, y = iris_scaled
    msg = "label_smoothing=0.1 smooths the targets of loss='log_loss'"
    with pytest.raises(ValueError, match=re.escape(msg)):
        MLPClassifier(loss="hinge", label_smoothing=0.1).fit(X, y)


# ---------------------------------------------------------------- numeric embedding


def _periodic_data(n, seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 2))
    return X, np.sin(6 * X[:, 0]) + np.cos(4 * X[:, 1])


def test_the_periodic_embedding_learns_what_a_plain_network_does_not():
    X, y = _periodic_data(1500, 0)
    X_test, y_test = _periodic_data(500, 1)
    params = dict(hidden_layer_sizes=(64, 64), max_iter=60, random_state=0)
    plain = MLPRegressor(**params).fit(X, y)
    embedded = MLPRegressor(numeric_embedding="periodic", **params).fit(X, y)
    assert plain.score(X_test, y_test) < 0.7
    assert embedded.score(X_test, y_test) > 0.95
    # the first layer takes each feature's embedding_dim values
    assert embedded.coefs_[0].shape == (2 * 24, 64)
    assert embedded.n_features_in_ == 2


def test_embedding_frequencies_sets_the_learned_frequencies_per_feature():
    X, y = _periodic_data(1500, 0)
    X_test, y_test = _periodic_data(500, 1)
    params = dict(
        hidden_layer_sizes=(64, 64), max_iter=60, random_state=0,
        numeric_embedding="periodic", embedding_dim=8,
    )  # fmt: skip
    one = MLPRegressor(embedding_frequencies=1, **params).fit(X, y)
    many = MLPRegressor(embedding_frequencies=16, **params).fit(X, y)
    assert one._extra_state["0.frequencies"].shape == (2, 1)
    assert many._extra_state["0.frequencies"].shape == (2, 16)
    assert many._extra_state["0.projection"].shape == (32, 8)
    # one sine and cosine per feature cannot hold two periods' worth of shape
    assert one.score(X_test, y_test) < many.score(X_test, y_test) - 0.05


def test_the_embedding_is_drawn_from_random_state_and_trains(iris_scaled):
    X, y = iris_scaled
    params = dict(numeric_embedding="periodic", embedding_dim=4, max_iter=3)
    a = MLPClassifier(random_state=0, **params).fit(X, y)
    b = MLPClassifier(random_state=0, **params).fit(X, y)
    c = MLPClassifier(random_state=1, **params).fit(X, y)
    np.testing.assert_array_equal(a._extra_state["0.frequencies"],
                                  b._extra_state["0.frequencies"])  # fmt: skip
    assert not np.array_equal(
        a._extra_state["0.frequencies"], c._extra_state["0.frequencies"]
    )
    # k partial_fits equal k epochs, embedding included
    online = MLPClassifier(random_state=0, n_iter_no_change=100, **params)
    for _ in range(3):
        online.partial_fit(X, y, classes=[0, 1, 2])
    for key, value in a._extra_state.items():
        np.testing.assert_array_equal(online._extra_state[key], value)


def test_embedded_features_embeds_the_leading_columns_and_passes_the_rest():
    X, y = _periodic_data(1500, 0)
    X_test, y_test = _periodic_data(500, 1)
    rng = np.random.default_rng(0)
    # two noise columns after the two numbers, as one-hot columns would come
    noise = rng.integers(0, 2, (len(X), 2)).astype(float)
    params = dict(
        hidden_layer_sizes=(64, 64), max_iter=60, random_state=0,
        numeric_embedding="periodic", embedding_dim=8,
    )  # fmt: skip
    model = MLPRegressor(embedded_features=2, **params)
    model.fit(np.hstack([X, noise]), y)
    assert model._extra_state["0.frequencies"].shape[0] == 2
    assert model.coefs_[0].shape == (2 * 8 + 2, 64)
    test = np.hstack([X_test, rng.integers(0, 2, (len(X_test), 2))])
    assert model.score(test, y_test) > 0.9  # the embedded columns learned the period
    with pytest.raises(ValueError, match=re.escape(
        "embedded_features=5 is more than X's 4 columns. Set it to at most the "
        "number of columns, or to None to embed them all."
    )):  # fmt: skip
        model.set_params(embedded_features=5).fit(np.hstack([X, noise]), y)


# ---------------------------------------------------------------- epoch selection


def _restored_epoch_equals_a_fit_stopped_there(params, epoch, fitted, X, y):
    """Training is deterministic: a fit of ``epoch`` epochs ends where the longer
    fit was at that epoch, and (the epoch being its best) restores those weights."""
    short = MLPClassifier(**{**params, "max_iter": epoch}).fit(X, y)
    for a, b in zip(short.coefs_, fitted.coefs_):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("restore_best", ["first", "last"])
def test_restore_best_keeps_the_first_or_last_of_tied_best_epochs(
    restore_best, iris_scaled
):
    X, y = iris_scaled
    params = dict(
        hidden_layer_sizes=(8,), early_stopping=True, n_iter_no_change=np.inf,
        max_iter=25, random_state=0, restore_best=restore_best,
    )  # fmt: skip
    fitted = MLPClassifier(**params).fit(X, y)
    scores = np.array(fitted.validation_scores_)
    best = np.flatnonzero(scores == scores.max()) + 1
    assert len(best) > 1  # accuracy ties on 15 validation rows
    epoch = best[0] if restore_best == "first" else best[-1]
    _restored_epoch_equals_a_fit_stopped_there(params, epoch, fitted, X, y)


def test_scoring_loss_restores_the_epoch_of_least_validation_loss(iris_scaled):
    X, y = iris_scaled
    params = dict(
        hidden_layer_sizes=(32,), early_stopping=True, n_iter_no_change=np.inf,
        max_iter=60, random_state=0, scoring="loss", learning_rate_init=0.1,
    )  # fmt: skip
    fitted = MLPClassifier(**params).fit(X, y)
    losses = [record["valid_loss"] for record in fitted.history_]
    epoch = int(np.argmin(losses)) + 1
    assert epoch < 60  # the loss turned up again: the restored epoch is earlier
    _restored_epoch_equals_a_fit_stopped_there(params, epoch, fitted, X, y)
    assert fitted.validation_scores_ == [r["valid_score"] for r in fitted.history_]


def _line(n=200, seed=0):
    """y = 3x + 10 on x in [0, 1]: a network extrapolates it beyond [10, 13]."""
    x = np.random.RandomState(seed).uniform(0, 1, (n, 1))
    return x, 3 * x.ravel() + 10


def test_clip_predictions_keeps_predictions_within_the_targets_fitted_on():
    X, y = _line()
    far = np.array([[-5.0], [0.5], [6.0]])  # below, inside and above the rows
    params = dict(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    free = MLPRegressor(**params).fit(X, y)
    clipped = MLPRegressor(clip_predictions=True, **params).fit(X, y)
    unclipped = free.predict(far)
    assert unclipped[0] < y.min() and unclipped[2] > y.max()  # extrapolates
    # the same training (no early stopping), then each prediction clipped
    np.testing.assert_allclose(
        clipped.predict(far), np.clip(unclipped, y.min(), y.max()), rtol=1e-12
    )
    np.testing.assert_array_equal(clipped._target_range, [[y.min()], [y.max()]])
    # the fitted model clips or not, whatever the parameter says after fit
    free.set_params(clip_predictions=True)
    np.testing.assert_array_equal(free.predict(far), unclipped)


def test_clip_predictions_clips_each_output_to_its_own_range():
    X, y = _line()
    Y = np.column_stack([y, -100 * y])
    far = np.array([[-50.0], [50.0]])
    params = dict(hidden_layer_sizes=(16,), max_iter=300, random_state=0)
    unclipped = MLPRegressor(**params).fit(X, Y).predict(far)
    assert ((unclipped < Y.min(axis=0)) | (unclipped > Y.max(axis=0))).any(axis=0).all()
    clipped = MLPRegressor(clip_predictions=True, **params).fit(X, Y).predict(far)
    np.testing.assert_allclose(
        clipped, np.clip(unclipped, Y.min(axis=0), Y.max(axis=0)), rtol=1e-12
    )


def test_partial_fit_widens_the_range_predictions_are_clipped_to():
    X, y = _line()
    reg = MLPRegressor(hidden_layer_sizes=(16,), random_state=0, clip_predictions=True)
    reg.partial_fit(X[:100], y[:100])
    first = reg._target_range.copy()
    reg.partial_fit(X[100:] + 1, y[100:] + 3)  # targets up to 16
    assert reg._target_range[0, 0] == first[0, 0] == y[:100].min()
    assert reg._target_range[1, 0] == (y[100:] + 3).max() > first[1, 0]
    # a new fit forgets the earlier calls' targets
    reg.fit(X[:100], y[:100] - 50)
    np.testing.assert_array_equal(reg._target_range, [[y[:100].min() - 50],
                                                     [y[:100].max() - 50]])  # fmt: skip
