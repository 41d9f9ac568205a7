"""sknn against sklearn.neural_network: signatures, attributes, errors, accuracy."""

import inspect
import warnings

import numpy as np
import pytest
from sklearn import neural_network
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import (
    ConvergenceWarning,
    DataConversionWarning,
    NotFittedError,
)
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn
from sknn._sklearn_compat import StrOptions

PAIRS = [
    (sknn.MLPClassifier, neural_network.MLPClassifier),
    (sknn.MLPRegressor, neural_network.MLPRegressor),
]
SKNN_PARAMETERS = {
    "dropout": 0.0,
    "l1": 0.0,
    "device": "cpu",
    "weight_init": "auto",
    "max_grad_norm": None,
    "gradient_accumulation_steps": 1,
    "batch_norm": False,
    "lr_step_size": 10,
    "lr_gamma": 0.1,
    "checkpoint_dir": None,
    "progress_bar": False,
    "numeric_embedding": None,
    "embedding_dim": 24,
    "embedding_frequencies": 48,
    "embedding_frequency_scale": 0.1,
    "embedding_bins": 48,
    "embedded_features": None,
    "scoring": "score",
    "restore_best": "first",
    "ensemble_size": 1,
}


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_signature_extends_sklearn(ours, theirs):
    """Every sklearn parameter, in order, same default and kind; sknn's come after."""
    mine = list(inspect.signature(ours).parameters.values())
    sklearns = list(inspect.signature(theirs).parameters.values())
    assert [(p.name, p.default, p.kind) for p in mine[: len(sklearns)]] == [
        (p.name, p.default, p.kind) for p in sklearns
    ]
    extra = mine[len(sklearns) :]
    expected = dict(SKNN_PARAMETERS)
    if ours is sknn.MLPClassifier:
        expected.update(class_weight=None, loss="log_loss", label_smoothing=0.0)
    else:
        expected.update(clip_predictions=False)
    assert {p.name: p.default for p in extra} == expected
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extra)


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_parameter_constraints_extend_sklearn(ours, theirs):
    """sklearn's constraints, verbatim, except that sknn's string options are a
    superset of sklearn's (more activations, solvers and losses)."""
    for name, constraints in theirs._parameter_constraints.items():
        mine = ours._parameter_constraints[name]
        assert len(mine) == len(constraints), name
        for c_mine, c_theirs in zip(mine, constraints):
            if isinstance(c_theirs, StrOptions):
                assert isinstance(c_mine, StrOptions), name
                assert c_theirs.options <= c_mine.options, name
            else:
                assert str(c_mine) == str(c_theirs), name


def _classification_data():
    X, y = load_digits(n_class=3, return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _regression_data():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_fitted_attribute_names_match_sklearn(ours, theirs, solver, early_stopping):
    X, y = _classification_data() if ours is sknn.MLPClassifier else _regression_data()
    params = dict(solver=solver, early_stopping=early_stopping, max_iter=5)
    params["random_state"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine = ours(**params).fit(X, y)
        sklearns = theirs(**params).fit(X, y)

    def public_fitted(est):
        return {k for k in vars(est) if k.endswith("_") and not k.startswith("_")}

    assert public_fitted(mine) - {"history_"} == public_fitted(sklearns)
    for name in public_fitted(sklearns):
        assert type(getattr(mine, name)) is type(getattr(sklearns, name)) or (
            np.isscalar(getattr(mine, name)) and np.isscalar(getattr(sklearns, name))
        ), name
    assert [c.shape for c in mine.coefs_] == [c.shape for c in sklearns.coefs_]


def _error(estimator, method, *args):
    with pytest.raises(Exception) as info:
        getattr(estimator, method)(*args)
    return type(info.value), str(info.value)


X_SMALL = np.random.RandomState(0).rand(20, 3)
Y_CLASSES = np.arange(20) % 2
BAD_FITS = {
    "NaN in X": (np.where(X_SMALL > 0.9, np.nan, X_SMALL), Y_CLASSES),
    "inf in X": (np.where(X_SMALL > 0.9, np.inf, X_SMALL), Y_CLASSES),
    "inf in y": (X_SMALL, np.r_[np.inf, Y_CLASSES[1:]]),
    "NaN in y": (X_SMALL, np.r_[np.nan, Y_CLASSES[1:]]),
    "empty X": (X_SMALL[:0], Y_CLASSES[:0]),
    "3-D X": (X_SMALL.reshape(20, 3, 1), Y_CLASSES),
    "string features": (np.array([["a", "b"]] * 20), Y_CLASSES),
}


@pytest.mark.parametrize("case", sorted(BAD_FITS))
@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_bad_input_gets_sklearn_error_and_fits_nothing(ours, theirs, case):
    X, y = BAD_FITS[case]
    assert _error(ours(max_iter=2), "fit", X, y) == _error(
        theirs(max_iter=2), "fit", X, y
    )
    unfitted = ours(max_iter=2)
    with pytest.raises(ValueError):
        unfitted.fit(X, y)
    assert vars(unfitted) == vars(ours(max_iter=2))


def test_continuous_y_to_classifier_gets_sklearn_error():
    y = np.linspace(0, 1, 20)
    assert _error(sknn.MLPClassifier(), "fit", X_SMALL, y) == _error(
        neural_network.MLPClassifier(), "fit", X_SMALL, y
    )


@pytest.mark.parametrize("label", [1, "spam", True])
def test_one_class_fits_and_predicts_it_as_sklearn_does(label):
    y = np.full(20, label)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine = sknn.MLPClassifier(max_iter=5, random_state=0).fit(X_SMALL, y)
        sklearns = neural_network.MLPClassifier(max_iter=5, random_state=0)
        sklearns.fit(X_SMALL, y)
    np.testing.assert_array_equal(mine.classes_, sklearns.classes_)
    np.testing.assert_array_equal(mine.predict(X_SMALL), sklearns.predict(X_SMALL))
    assert mine.predict_proba(X_SMALL).shape == sklearns.predict_proba(X_SMALL).shape


def test_learning_curve_on_class_sorted_data_scores_every_size():
    """learning_curve's default shuffle=False gives the smallest training sizes a
    single class: scikit-learn's MLP fits them, and so does sknn (no NaN score)."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import learning_curve

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, train, test = learning_curve(
            sknn.MLPClassifier(max_iter=20, random_state=0),
            X,
            y,
            cv=3,
            train_sizes=[0.1, 0.5, 1.0],
        )
    assert np.isfinite(train).all() and np.isfinite(test).all()


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_predict_errors_match_sklearn(ours, theirs):
    X, y = X_SMALL, Y_CLASSES
    assert _error(ours(), "predict", X) == _error(theirs(), "predict", X)
    assert _error(ours(), "predict", X)[0] is NotFittedError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine, sklearns = ours(max_iter=2).fit(X, y), theirs(max_iter=2).fit(X, y)
    assert _error(mine, "predict", X[:, :2]) == _error(sklearns, "predict", X[:, :2])


BAD_PREDICTS = {
    "NaN": np.where(X_SMALL > 0.9, np.nan, X_SMALL),
    "inf": np.where(X_SMALL > 0.9, -np.inf, X_SMALL),
    "1-D": X_SMALL[0],
    "no rows": X_SMALL[:0],
    "3-D": X_SMALL.reshape(20, 3, 1),
    "strings": np.array([["a", "b", "c"]] * 2),
    "too few columns": X_SMALL[:, :2],
    "float32 too many columns": np.hstack([X_SMALL, X_SMALL]).astype(np.float32),
}


@pytest.mark.parametrize("case", sorted(BAD_PREDICTS))
@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_bad_predict_input_gets_sklearns_error(ours, theirs, case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mine, sklearns = ours(max_iter=2).fit(X_SMALL, Y_CLASSES), theirs(max_iter=2)
        sklearns.fit(X_SMALL, Y_CLASSES)
    X = BAD_PREDICTS[case]
    for method in ("predict", "predict_proba"):
        if hasattr(sklearns, method):
            assert _error(mine, method, X) == _error(sklearns, method, X)


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_failed_refit_keeps_the_previous_model(ours, theirs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = ours(max_iter=3, random_state=0).fit(X_SMALL, Y_CLASSES)
    before = est.predict(X_SMALL)
    with pytest.raises(ValueError):
        est.fit(X_SMALL[:, :2], np.r_[np.nan, Y_CLASSES[1:]])
    assert est.n_features_in_ == 3
    np.testing.assert_array_equal(est.predict(X_SMALL), before)


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_convergence_warning_matches_sklearn(ours, theirs):
    for solver in ("adam", "lbfgs"):
        messages = []
        for cls in (ours, theirs):
            with pytest.warns(ConvergenceWarning) as record:
                cls(solver=solver, max_iter=2, random_state=0).fit(X_SMALL, Y_CLASSES)
            messages.append(str(record[0].message).splitlines()[0])
        assert messages[0] == messages[1]


@pytest.mark.parametrize("ours, theirs", PAIRS)
def test_column_vector_y_warns_like_sklearn(ours, theirs):
    y = Y_CLASSES.reshape(-1, 1)
    messages = []
    for cls in (ours, theirs):
        with pytest.warns(DataConversionWarning) as record:
            cls(max_iter=2).fit(X_SMALL, y)
        messages.append(
            [str(w.message) for w in record if w.category is DataConversionWarning]
        )
    assert messages[0] == messages[1]


def _cv_table():
    """5-fold CV scores of sknn and sklearn with sklearn's default hyperparameters."""
    digits = load_digits(return_X_y=True)
    cancer = load_breast_cancer(return_X_y=True)
    Xd, yd = load_diabetes(return_X_y=True)
    diabetes = (Xd, (yd - yd.mean()) / yd.std())
    rows = [
        (
            "digits",
            "accuracy",
            digits,
            StratifiedKFold(5, shuffle=True, random_state=0),
        ),
        (
            "breast_cancer",
            "accuracy",
            cancer,
            StratifiedKFold(5, shuffle=True, random_state=0),
        ),
        ("diabetes", "r2", diabetes, KFold(5, shuffle=True, random_state=0)),
    ]
    table = []
    for name, scoring, (X, y), folds in rows:
        kind = "MLPRegressor" if scoring == "r2" else "MLPClassifier"
        scores = []
        for module in (sknn, neural_network):
            model = make_pipeline(
                StandardScaler(), getattr(module, kind)(random_state=0)
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                scores.append(cross_val_score(model, X, y, cv=folds, scoring=scoring))
        table.append((name, scoring, scores[0].mean(), scores[1].mean()))
    return table


def test_cross_validated_scores_match_sklearn(capsys):
    table = _cv_table()
    with capsys.disabled():
        print("\n| dataset | metric | sknn | sklearn | sknn - sklearn |")
        print("|---|---|---|---|---|")
        for name, scoring, mine, sklearns in table:
            print(
                f"| {name} | {scoring} | {mine:.4f} | {sklearns:.4f} | "
                f"{100 * (mine - sklearns):+.2f} pts |"
            )
    for name, _, mine, sklearns in table:
        assert mine >= sklearns - 0.015, name
