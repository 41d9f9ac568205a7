"""The tabular front door: DataFrames in, their own encoding, the recipe's defaults."""

import copy
import inspect
import os
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn
from sknn import (
    MLPClassifier,
    MLPRegressor,
    ModelFileError,
    TabularMLPClassifier,
    TabularMLPRegressor,
)
from sknn.preprocessing import TabularEncoder

SMALL = dict(hidden_layer_sizes=(16,), max_iter=20, random_state=0)


def _frame(n=120, seed=0):
    """Numeric, boolean, category, object and string columns, values missing in
    some; the target depends on the numeric column and on the colour."""
    rng = np.random.default_rng(seed)
    size = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue"], size=n)
    frame = pd.DataFrame(
        {
            "size": size,
            "flag": rng.random(n) > 0.5,
            "colour": pd.Categorical(colour),
            "shape": rng.choice(["round", "square", None], size=n).astype(object),
            "label": pd.array(rng.choice(["a", "b"], size=n), dtype="string"),
            "count": pd.array(rng.integers(0, 5, n), dtype="Int64"),
        }
    )
    frame.loc[::7, "size"] = np.nan
    frame.loc[::11, "colour"] = np.nan
    frame.loc[::5, "label"] = pd.NA
    frame.loc[::13, "count"] = pd.NA
    y = ((np.nan_to_num(size) > 0) ^ (colour == "red")).astype(int)
    return frame, y


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_a_mixed_dataframe_with_missing_values_fits_as_it_is(cls):
    X, y = _frame()
    model = cls(**SMALL).fit(X, y)
    assert model.n_features_in_ == 6
    assert list(model.feature_names_in_) == list(X.columns)
    assert np.isfinite(model.predict(X)).all()
    # a category fit never saw, and all-missing rows, still predict
    unseen = X.head(3).copy()
    unseen["shape"] = ["hexagon", None, "round"]
    unseen.loc[1, ["size", "count"]] = pd.NA
    assert model.predict(unseen).shape == (3,)


def test_the_classifier_is_an_ensemble_and_the_regressor_one_network_by_default():
    X, y = _frame()
    classifier = TabularMLPClassifier(**SMALL).fit(X, y)
    # four members' output layers side by side, and their mean probability
    assert classifier.coefs_[-1].shape[1] == 4 * classifier.n_outputs_
    members = classifier.mlp_._fitted_network().ensemble_size
    assert members == 4 and "``ensemble_size=4`` (``1``)" in classifier.__doc__
    regressor = TabularMLPRegressor(high_cardinality="target", **SMALL).fit(X, y)
    assert regressor.coefs_[-1].shape[1] == regressor.n_outputs_ == 1
    assert "ensemble_size" not in regressor.__doc__.split("Notes")[1]


def test_the_embedding_takes_the_numeric_columns_and_passes_the_rest():
    X, y = _frame()
    model = TabularMLPClassifier(embedding_dim=5, **SMALL).fit(X, y)
    numeric = 3  # size, flag, count
    indicators = 2  # size and count miss values
    one_hot = 4 + 3 + 3  # colour and its missing, shape with None, label with NA
    assert model.mlp_._fitted_network().n_embedded == numeric
    assert model.coefs_[0].shape[0] == numeric * 5 + indicators + one_hot
    plain = TabularMLPClassifier(numeric_embedding=None, **SMALL).fit(X, y)
    assert plain.coefs_[0].shape[0] == numeric + indicators + one_hot


def test_missing_values_are_information_the_network_sees():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    missing = rng.random(300) < 0.4
    x[missing] = np.nan
    X = pd.DataFrame({"x": x, "noise": rng.normal(size=300)})
    model = TabularMLPClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0
    ).fit(X, missing)
    # blind to missingness, it could not beat the majority's 0.6
    assert model.score(X, missing) > 0.99


def test_categories_without_a_pipeline_match_one_hot_encoding_by_hand():
    rng = np.random.default_rng(1)
    colour = rng.choice(list("abcdefgh"), size=400)
    y = np.isin(colour, list("aceg")).astype(int)  # no numeric signal at all
    X = pd.DataFrame({"colour": colour, "noise": rng.normal(size=400)})
    model = TabularMLPClassifier(
        hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0
    )
    assert cross_val_score(model, X, y, cv=3).mean() > 0.97


def test_max_categories_bounds_the_one_hot_columns():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"id": rng.integers(0, 1000, 300).astype(str)})
    model = TabularMLPRegressor(max_categories=5, high_cardinality="one_hot", **SMALL)
    model.fit(X, rng.normal(size=300))
    assert model.coefs_[0].shape[0] == 5


def _cities(n, seed, n_cities=40):
    """A number and a column of ``n_cities`` equally frequent cities, half of which
    make the class 'yes': beyond max_categories, one-hot pools most of them."""
    rng = np.random.default_rng(seed)
    city = rng.integers(0, n_cities, n)
    X = pd.DataFrame({"noise": rng.normal(size=n), "city": [f"c{c}" for c in city]})
    return X, np.where(city % 2 == 0, "yes", "no")


def test_the_classifier_target_encodes_high_cardinality_columns_by_default():
    """Each city's share of 'yes' reaches the network as a number; pooled into
    max_categories one-hot columns (the regressor's default), 25 of the 40 cities
    are one column and indistinguishable."""
    X, y = _cities(1600, seed=0)
    X_test, y_test = _cities(800, seed=1)
    params = dict(SMALL, max_iter=40)
    target = TabularMLPClassifier(**params).fit(X, y)
    one_hot = TabularMLPClassifier(high_cardinality="one_hot", **params).fit(X, y)
    np.testing.assert_array_equal(target.encoder_.is_target_encoded_, [False, True])
    assert list(target.encoder_.get_feature_names_out()) == ["noise", "city"]
    assert one_hot.encoder_.get_feature_names_out().size == 1 + 16
    assert target.score(X_test, y_test) == 1.0
    assert one_hot.score(X_test, y_test) < 0.8
    assert TabularMLPRegressor().high_cardinality == "one_hot"


def test_target_encodings_are_one_column_per_class_and_per_output():
    X, labels = _cities(400, seed=0)
    classes = np.where(X["noise"] > 0.5, "maybe", labels)
    multiclass = TabularMLPClassifier(**SMALL).fit(X, classes)
    assert list(multiclass.encoder_.get_feature_names_out()) == [
        "noise", "city_maybe", "city_no", "city_yes"
    ]  # fmt: skip
    y = np.column_stack([labels == "yes", X["noise"]]).astype(float)
    regressor = TabularMLPRegressor(high_cardinality="target", **SMALL).fit(X, y)
    assert list(regressor.encoder_.get_feature_names_out()) == [
        "noise", "city_0", "city_1"
    ]  # fmt: skip
    assert regressor.predict(X).shape == (400, 2)


def test_the_target_encoding_is_the_fits_own_random_state():
    """The folds of the cross fitting are drawn from random_state: the same
    fit twice, another encoding for another seed (the cities' noisy shares of
    'yes' differ between folds)."""
    X, y = _cities(300, seed=0)
    y = np.where(np.random.default_rng(0).random(300) < 0.2, "no", y)
    first, second = (TabularMLPClassifier(**SMALL).fit(X, y) for _ in range(2))
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    other = TabularMLPClassifier(**dict(SMALL, random_state=1)).fit(X, y)
    assert not np.array_equal(
        first.encoder_.fit_transform(X, y), other.encoder_.fit_transform(X, y)
    )


def test_a_target_encoded_model_saves_loads_and_refuses_tampered_encodings(tmp_path):
    X, y = _cities(300, seed=0)
    model = TabularMLPClassifier(**SMALL).fit(X, y)
    sknn.save(model, tmp_path / "model.sknn")
    loaded = sknn.load(tmp_path / "model.sknn")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))

    def encodings(change):
        return lambda s, e: change(e.target_encoders_[0])

    for change in [
        encodings(lambda t: t.encodings_[0].__setitem__(0, np.inf)),
        encodings(lambda t: t.encodings_.__setitem__(0, t.encodings_[0][:-1])),
        encodings(lambda t: setattr(t, "target_mean_", np.nan)),
        encodings(lambda t: setattr(t, "target_mean_", "0.5")),
        encodings(lambda t: setattr(t, "target_mean_", np.array(["x"]))),
        encodings(lambda t: setattr(t, "target_type_", "multiclass")),
        encodings(lambda t: t.categories_.append(t.categories_[0])),
        lambda s, e: setattr(e, "target_encoders_", None),
        lambda s, e: setattr(e, "target_encoders_", [StandardScaler()]),
        lambda s, e: setattr(e, "is_target_encoded_", np.array([True, True])),
        lambda s, e: setattr(e, "is_target_encoded_", np.array([False, False])),
    ]:
        with pytest.raises(ModelFileError):
            _tampered(model, change)


@pytest.mark.parametrize(
    "categorical", [["colour", "shape", "label"], [2, 3, 4], [0, 0, 1, 1, 1, 0]]
)
def test_categorical_features_by_name_position_or_mask(categorical):
    X, y = _frame()
    mask = np.array(categorical, dtype=bool) if len(categorical) == 6 else None
    given = mask if mask is not None else categorical
    model = TabularMLPClassifier(categorical_features=given, **SMALL).fit(X, y)
    default = TabularMLPClassifier(**SMALL).fit(X, y)
    np.testing.assert_array_equal(model.predict_proba(X), default.predict_proba(X))


def test_a_numeric_array_with_nan_is_all_numeric():
    X, y = _frame()
    values = X[["size", "count"]].to_numpy(dtype=float, na_value=np.nan)
    model = TabularMLPClassifier(**SMALL).fit(values, y)
    assert model.n_features_in_ == 2
    assert not hasattr(model, "feature_names_in_")
    assert model.predict(values[:4]).shape == (4,)


def test_unsupported_columns_and_names_are_clear_errors():
    X, y = _frame()
    X["lasted"] = pd.Timedelta("1D")
    msg = "column(s) ['lasted'] are of dtype(s) ['timedelta64["
    with pytest.raises(ValueError, match=re.escape(msg)):
        TabularMLPClassifier(**SMALL).fit(X, y)
    X, y = _frame()
    msg = "categorical_features names column(s) ['colour2'] that X does not have"
    with pytest.raises(ValueError, match=re.escape(msg)):
        TabularMLPClassifier(categorical_features=["colour2"], **SMALL).fit(X, y)
    with pytest.raises(ValueError, match="Input X contains infinity"):
        TabularMLPRegressor(**SMALL).fit(X.assign(size=np.inf), y)


def test_columns_out_of_order_at_predict_are_refused_as_sklearn_does():
    X, y = _frame()
    model = TabularMLPClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="feature names should match"):
        model.predict(X[X.columns[::-1]])


def test_pipelines_searches_and_pickles_take_the_frame():
    X, y = _frame()
    search = GridSearchCV(
        TabularMLPClassifier(**SMALL), {"embedding_dim": [2, 4]}, cv=2
    ).fit(X, y)
    model = search.best_estimator_
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))


def test_save_and_load_keep_the_encoders(tmp_path):
    X, y = _frame()
    model = TabularMLPRegressor(**SMALL).fit(X, y)
    sknn.save(model, tmp_path / "model.sknn")
    loaded = sknn.load(tmp_path / "model.sknn")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def _other_network():
    X, y = _frame()
    return TabularMLPClassifier(**SMALL).fit(X.drop(columns="colour"), y).mlp_


def _tampered(model, change):
    state = copy.deepcopy(model.__getstate__())
    change(state, state["encoder_"])
    clone = object.__new__(type(model))
    clone.__setstate__(state)


@pytest.mark.parametrize(
    "change",
    [
        lambda s, e: setattr(e, "is_categorical_", e.is_categorical_[:2]),
        lambda s, e: setattr(e, "is_categorical_", e.is_categorical_.astype(int)),
        lambda s, e: setattr(e, "n_numeric_features_", 5),
        lambda s, e: setattr(e, "is_date_", e.is_categorical_),
        lambda s, e: setattr(e, "date_features_", [("year",)]),
        lambda s, e: setattr(e, "category_encoder_", StandardScaler()),
        lambda s, e: e.numeric_encoder_.steps.reverse(),
        lambda s, e: e.category_encoder_.categories_.pop(),
        lambda s, e: s.__setitem__("n_features_in_", 7),
        lambda s, e: s.__setitem__("encoder_", StandardScaler()),
        lambda s, e: s.__setitem__("feature_names_in_", s["feature_names_in_"][::-1]),
        # the network of another estimator, whose columns this encoder does not give
        lambda s, e: s.__setitem__("mlp_", _other_network()),
        lambda s, e: s.__setitem__("mlp_", MLPRegressor()),  # unfitted
        lambda s, e: s.__delitem__("encoder_"),
    ],
)
def test_encoders_that_do_not_fit_the_network_are_refused(change):
    X, y = _frame()
    model = TabularMLPClassifier(**SMALL).fit(X, y)
    with pytest.raises(ModelFileError):
        _tampered(model, change)


def test_checkpoints_resume_a_tabular_fit(tmp_path):
    X, y = _frame()
    params = dict(SMALL, max_iter=6, checkpoint_dir=tmp_path)
    model = TabularMLPClassifier(**params).fit(X, y)
    assert os.path.basename(model.checkpoint_path_).startswith("TabularMLPClassifier-")
    resumed = sknn.resume(model.checkpoint_path_, X, y)
    assert type(resumed) is TabularMLPClassifier
    np.testing.assert_array_equal(resumed.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    "cls, mlp",
    [(TabularMLPClassifier, MLPClassifier), (TabularMLPRegressor, MLPRegressor)],
)
def test_a_tabular_estimator_is_an_encoder_and_an_mlp_composed(cls, mlp):
    X, y = _frame()
    model = cls(**SMALL).fit(X, y)
    assert not isinstance(model, mlp)
    assert type(model.encoder_) is TabularEncoder and type(model.mlp_) is mlp
    np.testing.assert_array_equal(
        model.predict(X), model.mlp_.predict(model.encoder_.transform(X))
    )
    # the embedding takes the encoder's numeric columns, the first ones
    assert model.mlp_.embedded_features == model.encoder_.n_numeric_features_ == 3
    # the network's fitted attributes read through; none before fit
    assert model.coefs_ is model.mlp_.coefs_
    assert model.n_iter_ == model.mlp_.n_iter_
    np.testing.assert_array_equal(model.is_categorical_, [0, 0, 1, 1, 1, 0])
    assert not hasattr(cls(), "coefs_") and not hasattr(cls(), "is_categorical_")


def test_partial_fit_needs_early_stopping_off():
    X, y = _frame()
    model = TabularMLPClassifier(**SMALL)
    assert not hasattr(model, "partial_fit")
    model.set_params(early_stopping=False)
    model.partial_fit(X, y, classes=[0, 1]).partial_fit(X, y)
    assert model.t_ == 2 * len(X)  # samples seen, as scikit-learn counts them


@pytest.mark.parametrize(
    "tabular, mlp",
    [(TabularMLPClassifier, MLPClassifier), (TabularMLPRegressor, MLPRegressor)],
)
def test_every_mlp_parameter_is_accepted_and_the_mlps_defaults_are_unchanged(
    tabular, mlp
):
    ours = inspect.signature(tabular).parameters
    theirs = inspect.signature(mlp).parameters
    # the encoder decides which columns the embedding takes
    assert "embedded_features" not in ours
    assert set(theirs) - {"embedded_features"} <= set(ours)
    assert [n for n in ours if n not in theirs] == [
        "categorical_features",
        "max_categories",
        "high_cardinality",
    ]
    # the MLP estimators keep scikit-learn's behaviour: no recipe leaks into them
    assert theirs["numeric_embedding"].default is None
    assert theirs["restore_best"].default == "first"
    assert theirs["hidden_layer_sizes"].default == (100,)
    # the docstring lists what the recipe changes
    changed = [n for n in ours if n in theirs and ours[n].default != theirs[n].default]
    for name in changed:
        assert f"``{name}=" in tabular.__doc__


def test_the_embedded_numeric_columns_learn_a_periodic_target_a_plain_mlp_cannot():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.uniform(-3, 3, 600), "z": rng.normal(size=600)})
    y = np.sin(3 * X["x"]) + 0.05 * rng.normal(size=600)
    train, test = slice(0, 450), slice(450, None)
    # x is scaled by its interquartile range (3): sin(3 x) is ~1.4 cycles per unit
    # there, beyond the default initial frequencies' reach (scale 0.1)
    tabular = TabularMLPRegressor(
        hidden_layer_sizes=(64, 64), embedding_frequency_scale=1.0, random_state=0
    )
    plain = make_pipeline(StandardScaler(), MLPRegressor(random_state=0))
    scores = [
        m.fit(X[train], y[train]).score(X[test], y[test]) for m in (tabular, plain)
    ]
    assert scores[0] > 0.95 > scores[1]


@pytest.mark.parametrize(
    "arrives_as",
    [
        [1.0, 2.0, 3.0],  # an integer column once it holds a missing value
        ["1", "2", "3"],  # text
        pd.array([1, 2, 3], dtype="Int64"),
        pd.array([1, 2, 3], dtype="Float32"),
        np.array([1, 2, 3], dtype=np.int8),
        pd.Categorical([1.0, 2.0, 3.0]),
        np.array([1, 2.0, "3"], dtype=object),
    ],
)
def test_a_category_is_the_same_whatever_type_it_arrives_in(arrives_as):
    """Fitted on integer categories, predicted on the same values as floats, text,
    nullable or small integers: the same predictions (they were all 'unseen')."""
    X = pd.DataFrame({"b": pd.Categorical([1, 2, 3] * 100)})
    y = (X.b == 2).astype(int)
    model = TabularMLPClassifier(max_iter=30, random_state=0).fit(X, y)
    expected = model.predict_proba(pd.DataFrame({"b": [1, 2, 3]}))
    np.testing.assert_array_equal(
        model.predict(pd.DataFrame({"b": [1, 2, 3]})), [0, 1, 0]
    )
    np.testing.assert_allclose(
        model.predict_proba(pd.DataFrame({"b": arrives_as})), expected, rtol=1e-6
    )


def test_every_missing_marker_is_the_one_missing_category():
    X = pd.DataFrame({"b": ["x", "y", None, "z"] * 30})
    y = [0, 1, 1, 0] * 30
    model = TabularMLPClassifier(max_iter=30, random_state=0).fit(X, y)
    missing = [None, np.nan, pd.NA, pd.NaT]
    proba = model.predict_proba(pd.DataFrame({"b": pd.Series(missing, dtype=object)}))
    np.testing.assert_allclose(proba, np.repeat(proba[:1], 4, axis=0))
    unseen = model.predict_proba(pd.DataFrame({"b": ["w"]}))
    assert not np.allclose(unseen, proba[:1])


def test_text_columns_left_out_of_categorical_features_say_how_to_list_them():
    X = pd.DataFrame({"a": ["x", "y"] * 10, "b": ["u", "v"] * 10})
    msg = (
        "Column(s) ['b'] of X hold text or categories (dtype(s) "
        f"['{X.b.dtype}']), but categorical_features does not list them. Add them to "
        "categorical_features, or pass categorical_features='from_dtype' to treat "
        "every category, object and string column as categorical."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        TabularMLPClassifier(categorical_features=["a"]).fit(X, [0, 1] * 10)


def test_predictions_follow_the_precision_of_the_frame():
    """float64 frames predict in float64, as MLPRegressor does: a target offset
    by 1e9 moves every prediction by 1e9 (float32 was off by up to 42)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["a", "b"], 300)})
    y = 100 * X.x.to_numpy()
    plain = TabularMLPRegressor(**SMALL).fit(X, y)
    offset = TabularMLPRegressor(**SMALL).fit(X, y + 1e9)
    assert plain.predict(X).dtype == np.float64
    np.testing.assert_allclose(offset.predict(X) - plain.predict(X), 1e9, rtol=1e-6)
    single = X.astype({"x": np.float32})
    assert plain.predict(single).dtype == np.float32
    for loss, method in [("log_loss", "predict_proba"), ("hinge", "decision_function")]:
        clf = TabularMLPClassifier(loss=loss, **SMALL).fit(X, y > 0)
        assert getattr(clf, method)(X).dtype == np.float64
        assert getattr(clf, method)(single).dtype == np.float32


def test_max_categories_none_keeps_every_category():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"id": rng.integers(0, 40, 300).astype(str)})
    model = TabularMLPRegressor(max_categories=None, **SMALL)
    model.fit(X, rng.normal(size=300))
    assert model.coefs_[0].shape[0] == X.id.nunique()


def test_partial_fit_says_it_needs_early_stopping_off():
    """As scikit-learn's available_if methods do: hasattr is False, and the
    AttributeError's cause (printed first in the traceback) says why."""
    msg = (
        "partial_fit is not available with early_stopping=True (the default of "
        "TabularMLPRegressor); set early_stopping=False to train on batches."
    )
    with pytest.raises(AttributeError) as raised:
        TabularMLPRegressor().partial_fit(np.zeros((2, 1)), [0, 1])
    assert str(raised.value.__cause__) == msg
    assert "needs ``early_stopping=False``" in " ".join(
        TabularMLPRegressor.__doc__.split()
    )


@pytest.mark.parametrize(
    "cls, learning_rate, warns",
    [
        (TabularMLPClassifier, "cosine", False),  # the recipe: annealed to its end
        (TabularMLPClassifier, "onecycle", False),
        (TabularMLPClassifier, "constant", True),  # cut short: sklearn's warning
        (MLPClassifier, "cosine", False),  # the MLPs too: the schedule's plan
        (MLPClassifier, "constant", True),
    ],
)
def test_a_schedule_run_to_its_end_is_no_convergence_warning(cls, learning_rate, warns):
    from sklearn.exceptions import ConvergenceWarning

    X, y = _frame()
    if cls is MLPClassifier:
        X = X[["flag"]].astype(float)
    model = cls(learning_rate=learning_rate, **SMALL, n_iter_no_change=np.inf)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y)
    assert model.n_iter_ == model.max_iter
    converged = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert [str(w.message) for w in converged] == warns * [
        "Stochastic Optimizer: Maximum iterations (20) reached and the optimization "
        "hasn't converged yet."
    ]


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_date_columns_are_numbers_the_embedding_takes(cls, tmp_path):
    X, y = _frame()
    X["when"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(120), "D")
    X.loc[::9, "when"] = pd.NaT
    model = cls(embedding_dim=5, **SMALL).fit(X, y)
    numeric = 3 + 5  # size, flag, count; when's year, month, day, weekday, seconds
    assert model.mlp_._fitted_network().n_embedded == numeric
    paris = X.assign(when=X["when"].dt.tz_localize("Europe/Paris"))
    assert np.isfinite(model.predict(paris)).all()
    sknn.save(model, tmp_path / "model.sknn")
    np.testing.assert_array_equal(
        sknn.load(tmp_path / "model.sknn").predict(X), model.predict(X)
    )


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
def test_a_value_that_is_not_a_number_names_its_column_and_row(cls):
    X, y = _frame()
    X.index = X.index + 1000
    model = cls(**SMALL).fit(X, y)
    bad = X.astype({"size": object})
    bad.loc[1017, "size"] = "unknown"
    msg = (
        "Column 'size' holds a value that is not a number: 'unknown' (row 1017). The "
        "column is numeric: correct the value, or leave it missing."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        model.predict(bad)
    numbers = np.array(X[["size"]], dtype=object)
    numbers[5, 0] = "n/a"
    msg = "Column 0 holds a value that is not a number: 'n/a' (row 5)."
    with pytest.raises(ValueError, match=re.escape(msg)):
        cls(**SMALL).fit(numbers, y)


def test_the_regressor_clips_its_predictions_by_default():
    X, y = _frame()
    y = y * 10.0 + 5.0
    regressor = TabularMLPRegressor(high_cardinality="target", **SMALL).fit(X, y)
    far = X.head(4).assign(size=[-1e3, 1e3, -1e6, 1e6])
    predicted = regressor.predict(far)
    assert (predicted >= 5.0).all() and (predicted <= 15.0).all()
    assert "``clip_predictions=True`` (``False``)" in regressor.__doc__
    assert "clip_predictions" not in TabularMLPClassifier().get_params()
    free = TabularMLPRegressor(clip_predictions=False, **SMALL).fit(X, y)
    np.testing.assert_allclose(
        predicted, np.clip(free.predict(far), 5.0, 15.0), rtol=1e-6
    )


@pytest.mark.parametrize("cls", [TabularMLPClassifier, TabularMLPRegressor])
@pytest.mark.parametrize(
    "params, rows, epochs",
    [
        # 120 rows less the 24 held out: one batch an epoch, 4000 epochs
        ({}, 120, 4000),
        # 200 rows of 16-row batches: 13 batches an epoch, 308 epochs
        ({"early_stopping": False, "batch_size": 16}, 200, 308),
        # 1000 rows make 63 such batches, 4000 in 64 epochs: fewer than 160
        ({"early_stopping": False, "batch_size": 16}, 1000, 160),
        # lbfgs has no batches: its iterations
        ({"solver": "lbfgs"}, 120, 160),
    ],
)
def test_max_iter_auto_gives_small_data_sets_4000_batches(cls, params, rows, epochs):
    X, y = _frame(n=rows)
    model = cls(hidden_layer_sizes=(4,), **params)
    assert model.max_iter == "auto"
    model.set_params(n_iter_no_change=1, tol=1e9, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    assert model.mlp_.max_iter == epochs
    assert model.get_params()["max_iter"] == "auto"
    with pytest.raises(ValueError, match="max_iter"):
        cls(max_iter="longer").fit(X, y)


@pytest.mark.parametrize(
    "rows, params, batch_size",
    [
        # 643 rows less the 129 held out: 514 in 3 batches of 172 (the last 170),
        # not 256, 256 and a batch of 2
        (643, {}, 172),
        (120, {}, 96),  # fewer than 256: one batch of all 96 training rows
        (640, {"early_stopping": False}, 214),  # 640 rows: 214, 214 and 212
        (512, {"early_stopping": False}, 256),  # two full batches
        (643, {"batch_size": 100}, 100),  # a number is kept as it is
    ],
)
def test_batch_size_auto_makes_equal_batches_of_at_most_256_rows(
    rows, params, batch_size
):
    X, y = _frame(n=rows)
    model = TabularMLPRegressor(hidden_layer_sizes=(4,), max_iter=1, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
    assert model.mlp_.batch_size == batch_size
    assert model.get_params()["batch_size"] == params.get("batch_size", "auto")


def test_max_iter_auto_of_a_stream_of_batches_is_160_epochs():
    X, y = _frame(n=60)
    model = TabularMLPRegressor(hidden_layer_sizes=(4,), early_stopping=False)
    model.partial_fit(X, y).partial_fit(X.head(30), y[:30])
    assert model.mlp_.max_iter == 160  # a stream's length is unknown
