"""Behaviour of sknn's estimators that a user would notice."""

import io
import pickle
import re
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, MLPRegressor

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def iris32(iris_scaled):
    """The scaled iris data in float32, the network's own precision."""
    X, y = iris_scaled
    return X.astype(np.float32), y


@pytest.fixture(scope="module")
def regression():
    X, y = make_regression(n_samples=120, n_features=6, noise=5.0, random_state=0)
    return X, y / y.std()


def _data(estimator_class, iris32, regression):
    return iris32 if estimator_class is MLPClassifier else regression


BOTH = pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])


def _outputs(est, X):
    if hasattr(est, "predict_proba"):
        return est.predict_proba(X)
    return est.predict(X)


@BOTH
def test_same_random_state_gives_identical_fits(estimator_class, iris32, regression):
    X, y = _data(estimator_class, iris32, regression)
    params = dict(max_iter=20, random_state=3, dropout=0.2, early_stopping=True)
    first = _outputs(estimator_class(**params).fit(X, y), X)
    second = _outputs(estimator_class(**params).fit(X, y), X)
    np.testing.assert_array_equal(first, second)
    other = _outputs(estimator_class(**{**params, "random_state": 4}).fit(X, y), X)
    assert not np.array_equal(first, other)


def test_fit_and_predict_leave_global_torch_state_alone(iris32):
    torch = pytest.importorskip("torch")
    X, y = iris32
    torch.manual_seed(123)
    rng_before = torch.get_rng_state()
    threads_before = torch.get_num_threads()
    clf = MLPClassifier(max_iter=5, dropout=0.3, random_state=0).fit(X, y)
    clf.predict_proba(X)
    assert torch.equal(torch.get_rng_state(), rng_before)
    assert torch.get_num_threads() == threads_before


def test_global_torch_seed_does_not_change_the_fit(iris32):
    torch = pytest.importorskip("torch")
    X, y = iris32
    fits = []
    for seed in (1, 2):
        torch.manual_seed(seed)
        clf = MLPClassifier(max_iter=10, dropout=0.3, random_state=0).fit(X, y)
        fits.append(clf.predict_proba(X))
    np.testing.assert_array_equal(*fits)


def test_dropout_changes_training_but_predict_is_deterministic(iris32):
    X, y = iris32
    plain = MLPClassifier(max_iter=10, random_state=0).fit(X, y)
    dropped = MLPClassifier(max_iter=10, random_state=0, dropout=0.5).fit(X, y)
    assert plain.loss_curve_ != dropped.loss_curve_
    np.testing.assert_array_equal(dropped.predict_proba(X), dropped.predict_proba(X))


def test_dropout_per_layer(iris32):
    X, y = iris32
    clf = MLPClassifier((8, 8), max_iter=5, dropout=[0.0, 0.5], random_state=0)
    assert clf.fit(X, y).score(X, y) > 0
    bad = MLPClassifier((8, 8), dropout=[0.1, 0.2, 0.3])
    msg = (
        "dropout must be a float in [0, 1) or one such value per hidden layer "
        "(2 here), got [0.1, 0.2, 0.3]."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        bad.fit(X, y)


def test_dropout_out_of_range_is_rejected_by_parameter_validation(iris32):
    X, y = iris32
    with pytest.raises(ValueError, match="The 'dropout' parameter of MLPClassifier"):
        MLPClassifier(dropout=1.0).fit(X, y)


def test_larger_l1_gives_more_near_zero_weights(iris32):
    X, y = iris32
    near_zero = []
    for l1 in (0.0, 1.0):
        clf = MLPClassifier(max_iter=200, l1=l1, random_state=0).fit(X, y)
        near_zero.append(np.mean(np.abs(clf.coefs_[0]) < 1e-2))
    assert near_zero[1] > near_zero[0] + 0.2


def test_unavailable_device_is_a_clear_error_and_fits_nothing(iris32):
    pytest.importorskip("torch").cuda.is_available() and pytest.skip("has CUDA")
    X, y = iris32
    clf = MLPClassifier(device="cuda")
    msg = (
        "device='cuda' was requested but CUDA is not available on this machine. "
        "Use device='cpu', or device='auto' to pick the best one."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")
    with pytest.raises(ValueError, match=re.escape("device='gpu' is not a device")):
        MLPClassifier(device="gpu").fit(X, y)


def test_device_auto_trains(iris32):
    X, y = iris32
    clf = MLPClassifier(device="auto", max_iter=50, random_state=0)
    assert clf.fit(X, y).score(X, y) > 0.8


def test_string_labels_and_predict_proba(iris32):
    X, y = iris32
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = MLPClassifier(max_iter=200, random_state=0).fit(X, names)
    assert list(clf.classes_) == ["setosa", "versicolor", "virginica"]
    assert set(clf.predict(X)) <= set(names)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), proba, rtol=1e-6)
    assert clf.score(X, names) > 0.9


def test_binary_labels(iris32):
    X, y = iris32
    labels = np.where(y == 0, "yes", "no")
    clf = MLPClassifier(max_iter=100, random_state=0).fit(X, labels)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    assert clf.predict_proba(X).shape == (150, 2)
    assert clf.score(X, labels) > 0.95


def test_multilabel_indicator_y():
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    clf = MLPClassifier(max_iter=300, random_state=0).fit(X, Y)
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 4
    assert clf.predict(X).shape == Y.shape
    assert clf.predict_proba(X).shape == Y.shape
    assert clf.score(X, Y) > 0.5


def test_multi_output_regression():
    X, Y = make_regression(n_samples=150, n_features=5, n_targets=3, random_state=0)
    reg = MLPRegressor(max_iter=500, random_state=0).fit(X, Y / Y.std())
    assert reg.predict(X).shape == (150, 3)
    assert reg.score(X, Y / Y.std()) > 0.9


def test_poisson_regression_predicts_positive():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = rng.poisson(np.exp(0.5 * X[:, 0]))
    reg = MLPRegressor(loss="poisson", max_iter=300, random_state=0).fit(X, y)
    assert reg.out_activation_ == "exp"
    assert (reg.predict(X) > 0).all()
    assert np.corrcoef(reg.predict(X), np.exp(0.5 * X[:, 0]))[0, 1] > 0.8


def test_pandas_input_sets_feature_names(iris32):
    X, y = iris32
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    clf = MLPClassifier(max_iter=50, random_state=0).fit(frame, pd.Series(y))
    assert list(clf.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    np.testing.assert_allclose(clf.predict_proba(frame), clf.predict_proba(X))
    with pytest.warns(UserWarning, match="feature names"):
        clf.fit(X, y).predict(frame)


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix])
@BOTH
def test_sparse_input_equals_dense(estimator_class, container, iris32, regression):
    X, y = _data(estimator_class, iris32, regression)
    params = dict(max_iter=20, random_state=0)
    dense = estimator_class(**params).fit(X, y)
    sparse = estimator_class(**params).fit(container(X), y)
    # the same network; predict multiplies a sparse X as sparse (as sklearn's MLP
    # does), whose float32 sums round apart from the dense product's
    np.testing.assert_allclose(
        _outputs(sparse, container(X)), _outputs(dense, X), rtol=1e-6
    )


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_wide_sparse_input_is_never_dense_whole(solver):
    """Sparse X is densified a chunk of rows at a time, in training (lbfgs's full
    batch too) and prediction (with early stopping's hold-out): a wide matrix needs a
    fraction of the memory its dense form would."""
    import tracemalloc

    rng = np.random.RandomState(0)
    n_samples, n_features, per_row = 1000, 40000, 20
    columns = np.sort(rng.randint(0, n_features, size=(n_samples, per_row)), axis=1)
    X = sp.csr_matrix(
        (rng.rand(n_samples * per_row), columns.ravel(), np.arange(0, 20001, 20)),
        shape=(n_samples, n_features),
    )
    y = rng.randint(0, 2, n_samples)
    dense_bytes = n_samples * n_features * 4  # 160 MB as float32
    params = dict(hidden_layer_sizes=(4,), batch_size=20, max_iter=2, random_state=0)
    # a first fit in a process imports torch's optimizer machinery: not counted
    MLPClassifier(solver=solver, **params).fit(X[:40], y[:40])
    tracemalloc.start()  # numpy reports its arrays to tracemalloc
    try:
        clf = MLPClassifier(solver=solver, early_stopping=True, **params).fit(X, y)
        clf.predict_proba(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < dense_bytes / 20


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_numeric_dtypes(dtype, iris32):
    X, y = iris32
    X = (X * 10).astype(dtype)
    clf = MLPClassifier(max_iter=50, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8


@BOTH
def test_sample_weight_equals_repetition(estimator_class, iris32, regression):
    X, y = _data(estimator_class, iris32, regression)
    X, y = X[::4], y[::4]
    weights = np.random.RandomState(0).randint(0, 3, size=len(y))
    params = dict(batch_size=1000, max_iter=30, random_state=0, shuffle=False)
    weighted = estimator_class(**params).fit(X, y, sample_weight=weights)
    repeated = estimator_class(**params).fit(
        np.repeat(X, weights, 0), np.repeat(y, weights)
    )
    np.testing.assert_allclose(
        _outputs(weighted, X), _outputs(repeated, X), rtol=1e-4, atol=1e-5
    )


def test_sample_weight_shifts_the_decision(iris32):
    X, y = iris32
    weights = np.where(y == 2, 10.0, 1.0)
    plain = MLPClassifier(max_iter=30, random_state=0).fit(X, y)
    heavy = MLPClassifier(max_iter=30, random_state=0).fit(X, y, sample_weight=weights)
    assert (heavy.predict(X) == 2).sum() > (plain.predict(X) == 2).sum()


def test_early_stopping_restores_the_best_weights(iris32):
    X, y = iris32
    clf = MLPClassifier(
        early_stopping=True, max_iter=300, random_state=0, validation_fraction=0.2
    ).fit(X, y)
    assert clf.best_loss_ is None
    assert len(clf.validation_scores_) == clf.n_iter_ < 300
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    best_epoch = int(np.argmax(clf.validation_scores_))
    assert best_epoch < clf.n_iter_ - 1
    # the last epoch's weights were replaced by the best epoch's
    assert [h["valid_score"] for h in clf.history_] == clf.validation_scores_


def test_early_stopping_split_is_stratified_and_seeded(iris32):
    X, y = iris32
    params = dict(early_stopping=True, max_iter=5, random_state=0)
    a = MLPClassifier(**params).fit(X, y).validation_scores_
    b = MLPClassifier(**params).fit(X, y).validation_scores_
    assert a == b
    too_small = MLPRegressor(early_stopping=True, validation_fraction=0.01)
    with pytest.raises(ValueError, match="The validation set is too small"):
        too_small.fit(X[:60], y[:60])


def test_partial_fit_with_classes(iris32):
    X, y = iris32
    clf = MLPClassifier(random_state=0)
    for _ in range(30):
        for part in np.array_split(np.arange(150), 3):
            clf.partial_fit(X[part], y[part], classes=[0, 1, 2])
    assert list(clf.classes_) == [0, 1, 2] and clf.n_iter_ == 1
    assert clf.t_ == 30 * 150 and len(clf.loss_curve_) == 90
    assert clf.score(X, y) > 0.85
    with pytest.raises(ValueError, match=re.escape("`y` has classes not in")):
        clf.partial_fit(X[:3], [0, 1, 7])


def test_partial_fit_requires_classes_first(iris32):
    X, y = iris32
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)


@BOTH
def test_partial_fit_is_not_offered_by_lbfgs(estimator_class):
    assert not hasattr(estimator_class(solver="lbfgs"), "partial_fit")
    assert hasattr(estimator_class(solver="adam"), "partial_fit")


def test_partial_fit_refuses_early_stopping(iris32):
    X, y = iris32
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping"):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


@BOTH
def test_warm_start_continues_from_the_previous_weights(
    estimator_class, iris32, regression
):
    X, y = _data(estimator_class, iris32, regression)
    est = estimator_class(max_iter=5, warm_start=True, random_state=0).fit(X, y)
    first_curve = list(est.loss_curve_)
    est.fit(X, y)
    assert est.loss_curve_[:5] == first_curve and len(est.loss_curve_) == 10
    assert est.loss_curve_[5] < first_curve[0]


def test_warm_start_with_new_classes_is_refused(iris32):
    X, y = iris32
    clf = MLPClassifier(max_iter=5, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start can only be used where `y`"):
        clf.fit(X[y < 2], y[y < 2])


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
@pytest.mark.parametrize("learning_rate", ["constant", "invscaling", "adaptive"])
def test_every_solver_and_schedule_learns(solver, learning_rate, iris32):
    X, y = iris32
    clf = MLPClassifier(
        solver=solver,
        learning_rate=learning_rate,
        learning_rate_init=0.05,
        max_iter=100,
        random_state=0,
    )
    assert clf.fit(X, y).score(X, y) > 0.85
    if solver == "lbfgs":
        assert not hasattr(clf, "loss_curve_") and clf.n_iter_ <= 100


def test_invscaling_lowers_the_sgd_learning_rate(iris32):
    X, y = iris32
    clf = MLPClassifier(solver="sgd", learning_rate="invscaling", max_iter=3)
    lrs = [h["lr"] for h in clf.fit(X, y).history_]
    assert lrs[0] > lrs[1] > lrs[2]
    np.testing.assert_allclose(lrs[1], 0.001 / (150 + 1) ** 0.5, rtol=1e-6)


def test_adaptive_divides_the_sgd_learning_rate_by_five(iris32):
    X, y = iris32
    clf = MLPClassifier(
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.5,
        n_iter_no_change=2,
        tol=10.0,
        max_iter=20,
    ).fit(X, y)
    lrs = sorted({h["lr"] for h in clf.history_}, reverse=True)
    np.testing.assert_allclose(lrs[:3], [0.5, 0.1, 0.02])


def test_verbose_prints_sklearns_lines(iris32, capsys):
    X, y = iris32
    MLPClassifier(max_iter=2, verbose=True, early_stopping=True).fit(X, y)
    out = capsys.readouterr().out
    assert re.search(r"^Iteration 1, loss = \d+\.\d{8}$", out, re.M)
    assert re.search(r"^Validation score: \d\.\d{6}$", out, re.M)


def test_history_has_one_record_per_epoch(iris32):
    X, y = iris32
    clf = MLPClassifier(max_iter=4).fit(X, y)
    assert [h["epoch"] for h in clf.history_] == [1, 2, 3, 4]
    assert [h["train_loss"] for h in clf.history_] == clf.loss_curve_
    assert all(h["dur"] > 0 and h["lr"] == 0.001 for h in clf.history_)
    assert set(clf.history_[0]) == {"epoch", "train_loss", "lr", "dur"}


def test_history_tracks_the_holdout_loss_with_early_stopping(iris32):
    X, y = iris32
    clf = MLPClassifier(early_stopping=True, learning_rate_init=0.01, random_state=0)
    clf.fit(X, y)
    keys = {"epoch", "train_loss", "lr", "dur", "valid_loss", "valid_score"}
    assert all(set(record) == keys for record in clf.history_)
    valid_losses = [record["valid_loss"] for record in clf.history_]
    # a log-loss on 15 held-out iris32 rows: it starts near log(3) and falls
    assert 0.7 < valid_losses[0] < 1.6
    assert min(valid_losses) < 0.5 * valid_losses[0]


@BOTH
def test_pickle_joblib_and_clone(estimator_class, iris32, regression):
    X, y = _data(estimator_class, iris32, regression)
    unfitted = estimator_class(max_iter=5, dropout=0.1)
    assert clone(unfitted).get_params() == unfitted.get_params()
    assert pickle.loads(pickle.dumps(unfitted)).get_params() == unfitted.get_params()
    fitted = clone(unfitted).fit(X, y)
    expected = _outputs(fitted, X)
    np.testing.assert_array_equal(
        _outputs(pickle.loads(pickle.dumps(fitted)), X), expected
    )
    buffer = io.BytesIO()
    joblib.dump(fitted, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(_outputs(joblib.load(buffer), X), expected)
    cloned = clone(fitted)
    assert not hasattr(cloned, "coefs_")
    assert cloned.get_params() == fitted.get_params()


@BOTH
def test_pickle_after_early_stopping_with_progress_bar(
    estimator_class, iris32, regression
):
    X, y = _data(estimator_class, iris32, regression)
    fitted = estimator_class(
        early_stopping=True, progress_bar=True, max_iter=5, random_state=0
    ).fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(_outputs(restored, X), _outputs(fitted, X))
    restored.fit(X, y)  # and it trains again, with callbacks of its own
    assert restored.n_iter_ == fitted.n_iter_


def test_unpickled_model_keeps_training_with_partial_fit(iris32):
    X, y = iris32
    clf = MLPClassifier(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    restored = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X, y)
    restored.partial_fit(X, y)
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))


def test_pipeline_gridsearch_and_cross_validation(iris32):
    X, y = iris32
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=50, random_state=0))
    search = GridSearchCV(
        pipe,
        {"mlpclassifier__dropout": [0.0, 0.2], "mlpclassifier__alpha": [1e-4]},
        cv=3,
    ).fit(X, y)
    assert search.best_score_ > 0.8
    scores = cross_val_score(MLPClassifier(max_iter=50, random_state=0), X, y, cv=3)
    assert scores.mean() > 0.8


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
def test_nan_loss_stops_with_an_error_not_nan_predictions(solver):
    X = np.array([[1e30], [-1e30], [1e30], [-1e30]])
    clf = MLPRegressor(max_iter=5, learning_rate_init=1.0, solver=solver)
    where = "in the lbfgs solver" if solver == "lbfgs" else "at epoch 1"
    msg = (
        rf"Training diverged: the loss became (nan|inf) {where}, and the solver "
        r"produced non-finite parameter weights. Use a smaller learning_rate_init"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ValueError, match=msg):
            clf.fit(X, [1.0, 2.0, 3.0, 4.0])
    assert not hasattr(clf, "coefs_")


def test_divergence_names_the_epoch_and_keeps_the_fitted_model(iris32):
    X, y = iris32
    reg = MLPRegressor(max_iter=5, random_state=0).fit(X, y)
    before = reg.predict(X)
    # squared errors of 1e30-scale targets overflow float32 in the next epoch
    with pytest.raises(ValueError, match=r"loss became inf at epoch 6\b"):
        reg.partial_fit(X, y * 1e30)
    np.testing.assert_array_equal(reg.predict(X), before)


def test_max_iter_reached_warns(iris32):
    X, y = iris32
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\) reached"):
        MLPClassifier(max_iter=3).fit(X, y)


@BOTH
def test_predict_accepts_memmaps_and_follows_the_input_float_dtype(
    estimator_class, iris32, regression, tmp_path
):
    X, y = _data(estimator_class, iris32, regression)
    est = estimator_class(max_iter=5, random_state=0).fit(X, y)
    path = tmp_path / "X.npy"
    np.save(path, np.asarray(X, dtype=np.float64))
    mapped = np.load(path, mmap_mode="r")
    np.testing.assert_allclose(_outputs(est, mapped), _outputs(est, np.asarray(mapped)))
    assert _outputs(est, np.asarray(X, np.float32)).dtype == np.float32
    assert _outputs(est, np.asarray(X, np.float64)).dtype == np.float64


@BOTH
def test_predict_gives_the_same_for_every_layout_of_float32_X(
    estimator_class, iris32, regression
):
    # C-contiguous writeable float32 X goes to torch as it is; others are converted
    X, y = _data(estimator_class, iris32, regression)
    est = estimator_class(max_iter=5, random_state=0).fit(X, y)
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    read_only = X32.copy()
    read_only.setflags(write=False)
    expected = _outputs(est, X32)
    for other in (np.asfortranarray(X32), read_only):
        np.testing.assert_allclose(_outputs(est, other), expected, rtol=1e-6)
    np.testing.assert_allclose(_outputs(est, X32[::2]), expected[::2], rtol=1e-6)


@BOTH
def test_a_rows_prediction_does_not_depend_on_its_batch(estimator_class):
    """float64 input is computed in float64, as sklearn does: a row predicted alone,
    in a permuted batch or in a subset gets the same output to float64 round-off.
    (float32 matrix products round a row differently with the batch's size and
    layout, by ~1e-7 relative: more than sklearn's invariance checks allow.)"""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)  # binary: one output, the hardest case
    est = estimator_class(activation="silu", max_iter=30, random_state=0).fit(X, y)
    full = _outputs(est, X)
    order = rng.permutation(60)
    same = dict(rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(_outputs(est, X[order]), full[order], **same)
    np.testing.assert_allclose(_outputs(est, X[:7]), full[:7], **same)
    alone = np.concatenate([_outputs(est, X[i : i + 1]) for i in range(60)])
    np.testing.assert_allclose(alone, full, **same)


def test_regression_targets_of_any_scale_train_with_the_defaults():
    """The regressor learns standardized targets and maps predictions back: an
    affine change of y changes the predictions the same way, and does not stop the
    default settings from fitting (scikit-learn's MLP reaches R² < 0 on y * 1e4 +
    1e6 here, in 200 epochs)."""
    from sklearn.datasets import make_regression

    X, y = make_regression(300, 10, noise=5, random_state=0)
    base = MLPRegressor(random_state=0).fit(X, y)
    assert base.score(X, y) > 0.95
    for a, b in [(1e4, 1e6), (1e-3, -5.0)]:
        scaled = MLPRegressor(random_state=0).fit(X, a * y + b)
        assert scaled.n_iter_ == base.n_iter_
        np.testing.assert_allclose(
            scaled.predict(X), a * base.predict(X) + b, rtol=1e-6, atol=1e-6 * abs(a)
        )


@BOTH
def test_warm_start_refuses_a_changed_loss(estimator_class, iris32, regression):
    X, y = _data(estimator_class, iris32, regression)
    if estimator_class is MLPClassifier:
        first, other = "log_loss", "hinge"
    else:
        first, other, y = "squared_error", "poisson", np.abs(y)
    est = estimator_class(loss=first, max_iter=3, warm_start=True, random_state=0)
    est.fit(X, y)
    msg = f"loss='{other}' differs from the previous fit's '{first}'"
    with pytest.raises(ValueError, match=re.escape(msg)):
        est.set_params(loss=other).fit(X, y)
    assert est.set_params(warm_start=False).fit(X, y).out_activation_ != "softmax"


@BOTH
@pytest.mark.parametrize("params", [{}, {"dropout": 0.3, "solver": "sgd"}])
def test_k_partial_fits_equal_a_fit_of_k_epochs_bit_for_bit(
    estimator_class, params, iris32, regression
):
    """The same arithmetic on both paths: shuffling and dropout masks go on from
    one partial_fit call to the next as from one epoch to the next."""
    X, y = _data(estimator_class, iris32, regression)
    common = dict(random_state=0, batch_size=32, n_iter_no_change=100, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = estimator_class(max_iter=6, **common).fit(X, y)
    online = estimator_class(**common)
    for _ in range(6):
        if estimator_class is MLPClassifier:
            online.partial_fit(X, y, classes=np.unique(y))
        else:
            online.partial_fit(X, y)
    for a, b in zip(online.coefs_, fitted.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(_outputs(online, X), _outputs(fitted, X))
    assert online.loss_curve_ == fitted.loss_curve_


def test_lbfgs_stopped_by_max_fun_warns_as_sklearn_does(iris32):
    X, y = iris32
    msg = "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
    with pytest.warns(ConvergenceWarning, match=re.escape(msg)):
        clf = MLPClassifier(solver="lbfgs", max_iter=150, max_fun=10, random_state=1)
        clf.fit(X, y)
    assert clf.n_iter_ <= 10
    with pytest.warns(ConvergenceWarning, match="ITERATIONS REACHED LIMIT"):
        MLPClassifier(solver="lbfgs", max_iter=3, random_state=1).fit(X, y)


def test_html_repr_links_to_sknns_api_page():
    html = MLPRegressor()._repr_html_()
    link = "https://sknn.readthedocs.io/en/stable/api.html#sknn.MLPRegressor"
    assert f'href="{link}"' in html


PREDICT_MEMORY = """
import resource, sys, warnings
warnings.simplefilter("ignore")
import numpy as np
from sknn import MLPClassifier
rng = np.random.default_rng(0)
X = rng.standard_normal((2000, 20), dtype=np.float32)
clf = MLPClassifier(max_iter=2, random_state=0).fit(X, (X[:, 0] > 0).astype(int))
big = rng.standard_normal((1_000_000, 20), dtype=np.float32)
clf.predict_proba(big[:10])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
proba = clf.predict_proba(big)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(after - before, proba.nbytes / 2**20)
"""


def test_predicting_many_rows_holds_a_bounded_working_set():
    """1M rows through the default 100-unit layer: all activations at once would
    take ~760 MiB; predict goes in chunks, holding the output (8 MiB) and about
    16 MiB of activations at a time."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", PREDICT_MEMORY],
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "OMP_NUM_THREADS": "1"},
        check=True,
    )
    peak, output = map(float, result.stdout.split())
    assert peak < output + 100, f"{peak:.0f} MiB above the process before predict"


def test_chunked_predictions_equal_one_pass(iris32, monkeypatch):
    from sknn import _inference

    X, y = iris32
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    whole = clf.predict_proba(X.astype(np.float32))
    # 7 rows a chunk
    monkeypatch.setattr(_inference, "PREDICT_CHUNK_BYTES", 7 * 100 * 4)
    clf = pickle.loads(pickle.dumps(clf))  # a network that has not predicted yet
    np.testing.assert_allclose(
        clf.predict_proba(X.astype(np.float32)), whole, rtol=1e-6, atol=1e-7
    )
    np.testing.assert_array_equal(
        clf.predict(X), clf.predict(X[:50]).tolist() + clf.predict(X[50:]).tolist()
    )


def test_a_large_predict_uses_the_blas_threads_other_processes_leave(
    iris32, monkeypatch
):
    """Beside a busy process a predict runs numpy's BLAS pool on the CPUs left
    free, and leaves the pool's thread count as it was."""
    import threadpoolctl

    from sknn import _inference

    X, y = iris32
    clf = MLPClassifier((64,), max_iter=5, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    controller = threadpoolctl.ThreadpoolController()
    blas = controller.select(user_api="blas")
    seen = []
    forward = _inference._forward

    def spy(weights, rows):
        seen.append(max(pool["num_threads"] for pool in blas.info()))
        return forward(weights, rows)

    monkeypatch.setattr(_inference, "_forward", spy)
    monkeypatch.setattr(_inference, "_free_cpus", lambda: 1)
    monkeypatch.setattr(_inference, "LOAD_AWARE_MACS", 0)
    with controller.limit(limits=2, user_api="blas"):  # whatever the test run set
        np.testing.assert_array_equal(clf.predict_proba(X), expected)
        assert seen == [1]
        assert {pool["num_threads"] for pool in blas.info()} == {2}
