"""ONNX export: onnxruntime reproduces sknn's predictions, for every kind of model.

Labels must equal ``predict`` exactly and probabilities, decision values and
regression values agree within 1e-5, on held-out rows, for float32 and float64
input, bare and inside a Pipeline.
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_diabetes, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import sknn
from sknn._network import HIDDEN_ACTIVATIONS

rt = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")
sknn_onnx = pytest.importorskip("sknn.onnx")

ACTIVATIONS = list(HIDDEN_ACTIVATIONS)
DTYPES = [np.float32, np.float64]


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


def _run(model, X, **options):
    """onnxruntime's outputs for X, the model converted by skl2onnx.to_onnx."""
    onx = skl2onnx.to_onnx(model, X[:1], options=options or None)
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def _split(X, y):
    return train_test_split(X, y, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def iris_split(iris):
    X, y = iris
    return _split(X * 2 - 3, y)  # negative inputs too: every activation's branch


def _wrap(estimator, pipeline):
    return make_pipeline(StandardScaler(), estimator) if pipeline else estimator


def _check_classifier(model, X, dtype, probabilities=True):
    X = X.astype(dtype)
    labels, scores = _run(model, X, zipmap=False)
    np.testing.assert_array_equal(labels, model.predict(X))
    if probabilities:
        expected = model.predict_proba(X)
    else:
        expected = model.decision_function(X)
        if expected.ndim == 1:
            expected = np.column_stack([-expected, expected])
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pipeline", [False, True], ids=["bare", "pipeline"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("batch_norm", [False, True], ids=["", "batch_norm"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_activation_and_batch_norm_export(
    activation, batch_norm, dtype, pipeline, iris_split
):
    X_train, X_test, y_train, _ = iris_split
    clf = sknn.MLPClassifier(
        (12, 8), activation=activation, batch_norm=batch_norm, dropout=0.1,
        max_iter=15, random_state=0,
    )  # fmt: skip
    model = _fit(_wrap(clf, pipeline), X_train, y_train)
    _check_classifier(model, X_test, dtype)


def _check_embedding_export(params, task, dtype, pipeline, X_train, X_test, y_train):
    """A classifier of y, or a regressor of the first column, with the numeric
    embedding of ``params``, bare or in a Pipeline: its graph predicts as it does."""
    if task == "classify":
        model = _fit(_wrap(sknn.MLPClassifier(**params), pipeline), X_train, y_train)
        _check_classifier(model, X_test, dtype)
        return
    model = _fit(_wrap(sknn.MLPRegressor(**params), pipeline), X_train, X_train[:, 0])
    (values,) = _run(model, X_test.astype(dtype))
    expected = model.predict(X_test.astype(dtype)).reshape(-1, 1)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("pipeline", [False, True], ids=["bare", "pipeline"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("batch_norm", [False, True], ids=["", "batch_norm"])
@pytest.mark.parametrize("task", ["classify", "regress"])
def test_the_periodic_numeric_embedding_exports(
    task, batch_norm, dtype, pipeline, iris_split
):
    X_train, X_test, y_train, _ = iris_split
    params = dict(
        hidden_layer_sizes=(12,), numeric_embedding="periodic", embedding_dim=6,
        batch_norm=batch_norm, max_iter=15, random_state=0,
    )  # fmt: skip
    _check_embedding_export(params, task, dtype, pipeline, X_train, X_test, y_train)


ENSEMBLE_CLASSIFIERS = {
    "multiclass": lambda y: y,
    "binary": lambda y: y == 1,
    "multilabel": lambda y: np.column_stack([y == 0, y == 1]),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("hidden", [(12, 8), ()], ids=["hidden", "no-hidden"])
@pytest.mark.parametrize(
    "target, loss",
    [(target, "log_loss") for target in ENSEMBLE_CLASSIFIERS]
    + [("multiclass", "hinge"), ("binary", "hinge")],  # hinge: single-label
)
def test_an_ensemble_classifier_exports_its_members_mean(
    target, loss, hidden, dtype, iris_split
):
    """The graph computes every member and averages their probabilities (or
    margins), batch norm, the adapter and a numeric embedding included."""
    X_train, X_test, y_train, _ = iris_split
    clf = sknn.MLPClassifier(
        hidden, ensemble_size=3, loss=loss, batch_norm=bool(hidden), dropout=0.1,
        numeric_embedding="periodic", embedding_dim=3, embedded_features=2,
        max_iter=15, random_state=0,
    )  # fmt: skip
    model = _fit(clf, X_train, ENSEMBLE_CLASSIFIERS[target](y_train))
    _check_classifier(model, X_test, dtype, probabilities=loss == "log_loss")


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson", "squared_log_error"])
def test_an_ensemble_regressor_exports_its_members_mean(loss, dtype):
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, _ = _split(X, np.column_stack([y, y / 3 + 5]))
    reg = sknn.MLPRegressor(
        loss, hidden_layer_sizes=(16,), ensemble_size=4, max_iter=20,
        random_state=0,
    )  # fmt: skip
    model = _fit(reg, X_train, y_train)
    X_test = X_test.astype(dtype)
    (values,) = _run(model, X_test)
    expected = model.predict(X_test)
    scale = np.abs(expected).max()
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_an_ensemble_on_the_piecewise_linear_embedding_exports(dtype, iris_split):
    """The two new ingredients together: the bins' encoding, then every member."""
    X_train, X_test, y_train, _ = iris_split
    clf = sknn.MLPClassifier(
        (12,), ensemble_size=3, numeric_embedding="piecewise_linear",
        embedding_bins=8, embedding_dim=4, batch_norm=True, max_iter=15,
        random_state=0,
    )  # fmt: skip
    _check_classifier(_fit(clf, X_train, y_train), X_test, dtype)


@pytest.mark.parametrize("pipeline", [False, True], ids=["bare", "pipeline"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("task", ["classify", "regress"])
def test_the_piecewise_linear_numeric_embedding_exports(
    task, dtype, pipeline, iris_split
):
    X_train, X_test, y_train, _ = iris_split
    params = dict(
        hidden_layer_sizes=(12,), numeric_embedding="piecewise_linear",
        embedding_dim=6, embedding_bins=8, max_iter=15, random_state=0,
    )  # fmt: skip
    # values beyond the training range: the first and last bins' unclipped sides
    X_test = np.vstack([X_test, X_test.min(0) - 5, X_test.max(0) + 5])
    _check_embedding_export(params, task, dtype, pipeline, X_train, X_test, y_train)


LABELS = {
    "binary ints": lambda y: (y == 1).astype(np.int64) * 7,
    "binary bools": lambda y: y == 1,
    "multiclass ints": lambda y: y + 10,
    "multiclass strings": lambda y: np.array(["setosa", "versicolor", "virginica"])[y],
    "binary strings": lambda y: np.where(y == 2, "yes", "no"),
    "integral floats": lambda y: y.astype(float),
}


@pytest.mark.parametrize("loss", ["log_loss", "hinge"])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("labels", sorted(LABELS))
def test_classifier_outputs_for_every_label_kind(labels, dtype, loss, iris_split):
    X_train, X_test, y_train, _ = iris_split
    y = LABELS[labels](y_train)
    clf = _fit(sknn.MLPClassifier((10,), loss=loss, max_iter=30, random_state=0),
               X_train, y)  # fmt: skip
    _check_classifier(clf, X_test, dtype, probabilities=loss == "log_loss")


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_multilabel_classifier(dtype):
    X, Y = make_multilabel_classification(n_samples=200, n_classes=4, random_state=0)
    X_train, X_test, Y_train, _ = _split(X, Y)
    clf = _fit(sknn.MLPClassifier((16,), max_iter=30, random_state=0), X_train, Y_train)
    _check_classifier(clf, X_test, dtype)


def test_zipmap_output_by_default(iris_split):
    X_train, X_test, y_train, _ = iris_split
    clf = _fit(sknn.MLPClassifier((8,), max_iter=10, random_state=0), X_train, y_train)
    labels, maps = _run(clf, X_test.astype(np.float32))
    expected = clf.predict_proba(X_test.astype(np.float32))
    assert [sorted(m) for m in maps[:1]] == [[0, 1, 2]]
    np.testing.assert_allclose(
        [[m[c] for c in (0, 1, 2)] for m in maps], expected, rtol=1e-5, atol=1e-6
    )


def test_the_nocl_option_gives_class_indices(iris_split):
    X_train, X_test, y_train, _ = iris_split
    names = np.array(["setosa", "versicolor", "virginica"])
    clf = _fit(sknn.MLPClassifier((8,), max_iter=10, random_state=0), X_train,
               names[y_train])  # fmt: skip
    labels, _ = _run(clf, X_test.astype(np.float32), zipmap=False, nocl=True)
    expected = clf.predict(X_test.astype(np.float32))
    np.testing.assert_array_equal(names[labels], expected)


REGRESSION_LOSSES = ["squared_error", "poisson", "absolute_error", "huber",
                     "squared_log_error"]  # fmt: skip


@pytest.mark.parametrize("pipeline", [False, True], ids=["bare", "pipeline"])
@pytest.mark.parametrize("outputs", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("batch_norm", [False, True], ids=["", "batch_norm"])
@pytest.mark.parametrize("loss", REGRESSION_LOSSES)
def test_regressor_outputs_for_every_loss(loss, batch_norm, dtype, outputs, pipeline):
    X, y = load_diabetes(return_X_y=True)
    if outputs == 2:
        y = np.column_stack([y, y / 3 + 5])
    X_train, X_test, y_train, _ = _split(X, y)
    reg = sknn.MLPRegressor(
        loss, hidden_layer_sizes=(16,), activation="tanh", batch_norm=batch_norm,
        max_iter=20, random_state=0,
    )  # fmt: skip
    model = _fit(_wrap(reg, pipeline), X_train, y_train)
    X_test = X_test.astype(dtype)
    (values,) = _run(model, X_test)
    expected = model.predict(X_test).reshape(len(X_test), -1)
    assert values.shape == expected.shape
    scale = np.abs(expected).max()
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_clipped_predictions_export_clipped(loss, dtype):
    X, y = load_diabetes(return_X_y=True)
    y = np.column_stack([y, y / 3 + 5])
    reg = sknn.MLPRegressor(
        loss, hidden_layer_sizes=(16,), max_iter=20, random_state=0,
        clip_predictions=True,
    )  # fmt: skip
    model = _fit(reg, X, y)
    far = np.vstack([X * 50, -X * 50]).astype(dtype)  # rows far beyond the data
    expected = model.predict(far)
    low, high = y.min(axis=0).astype(dtype), y.max(axis=0).astype(dtype)
    assert ((expected == low) | (expected == high)).any(axis=0).all()  # clipped
    (values,) = _run(model, far)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5 * y.max())


def test_a_dataframe_pipeline_with_categories_and_missing_values():
    """The command line's kind of model: imputers and one-hot encoding beside
    scaled numbers, one ONNX input per column."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=300),
            "weight": np.where(rng.random(300) < 0.1, np.nan, rng.normal(size=300)),
            "colour": rng.choice(["red", "green", "blue"], 300).astype(object),
        }
    )
    y = (frame["size"] + (frame["colour"] == "red") > 0.5).astype(int)
    preprocess = make_column_transformer(
        (make_pipeline(SimpleImputer(), StandardScaler()), ["size", "weight"]),
        (OneHotEncoder(handle_unknown="ignore"), ["colour"]),
    )
    model = _fit(
        make_pipeline(
            preprocess, sknn.MLPClassifier((8,), max_iter=30, random_state=0)
        ),
        frame,
        y,
    )
    # float32 numbers: onnxruntime's Imputer has no float64 kernel
    sample = frame[:1].astype({"size": np.float32, "weight": np.float32})
    onx = skl2onnx.to_onnx(model, sample, options={"zipmap": False})
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    inputs = {
        column: frame[[column]]
        .to_numpy()
        .astype(np.float32 if frame[column].dtype.kind == "f" else str)
        for column in frame.columns
    }
    labels, probabilities = session.run(None, inputs)
    np.testing.assert_array_equal(labels, model.predict(frame))
    np.testing.assert_allclose(
        probabilities, model.predict_proba(frame), rtol=1e-5, atol=1e-5
    )


def test_an_embedding_of_the_first_columns_passes_the_rest_through(iris_split):
    X_train, X_test, _, _ = iris_split
    model = sknn.MLPRegressor(
        hidden_layer_sizes=(8,), numeric_embedding="periodic", embedding_dim=3,
        embedded_features=2, max_iter=10, random_state=0,
    )  # fmt: skip
    model = _fit(model, X_train, X_train[:, 0])
    assert model.coefs_[0].shape[0] == 2 * 3 + 2
    (values,) = _run(model, X_test.astype(np.float32))
    expected = model.predict(X_test.astype(np.float32)).reshape(-1, 1)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)


def test_bins_of_the_first_columns_pass_the_rest_through(iris_split):
    X_train, X_test, _, _ = iris_split
    # a binary column among the embedded ones: one bin, its min-max scaling
    X_train = np.column_stack([X_train[:, :1], X_train[:, 0] > 5.8, X_train[:, 1:]])
    X_test = np.column_stack([X_test[:, :1], X_test[:, 0] > 5.8, X_test[:, 1:]])
    model = sknn.MLPRegressor(
        hidden_layer_sizes=(8,), numeric_embedding="piecewise_linear",
        embedding_dim=3, embedded_features=2, max_iter=10, random_state=0,
    )  # fmt: skip
    model = _fit(model, X_train, X_train[:, 0])
    assert model.coefs_[0].shape[0] == 2 * 3 + 3
    for dtype in DTYPES:
        (values,) = _run(model, X_test.astype(dtype))
        expected = model.predict(X_test.astype(dtype)).reshape(-1, 1)
        np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)


def test_what_cannot_be_exported_is_a_clear_error(iris_split):
    X_train, _, y_train, _ = iris_split
    for unfitted in (
        sknn.MLPClassifier(),
        sknn.MLPRegressor(),
        sknn.TabularMLPClassifier(),
        sknn.preprocessing.TabularEncoder(),
    ):
        with pytest.raises(sknn_onnx.OnnxExportError, match="is not fitted"):
            skl2onnx.to_onnx(unfitted, X_train[:1])
    single = _fit(sknn.MLPClassifier((4,), max_iter=5), X_train, np.zeros(len(y_train)))
    with pytest.raises(sknn_onnx.OnnxExportError, match="a single class"):
        skl2onnx.to_onnx(single, X_train[:1])


def test_the_export_follows_the_fitted_network_not_later_parameters(iris_split):
    X_train, X_test, y_train, _ = iris_split
    clf = _fit(sknn.MLPClassifier((8,), activation="tanh", max_iter=10), X_train,
               y_train)  # fmt: skip
    clf.set_params(activation="relu")  # not refitted: the network is still tanh
    _check_classifier(clf, X_test, np.float32)


# ------------------------------------------------------------- tabular estimators


def _tabular_frame(n, rng, float_dtype, held_out=False):
    """Every column kind the tabular estimators take, missing values in those that
    can hold them; held out: unseen categories and later dates too."""
    start = pd.Timestamp("2025-01-01" if held_out else "1969-06-01")
    seconds = pd.to_timedelta(rng.integers(0, 60 * 365 * 86400, n), "s")
    frame = pd.DataFrame(
        {
            "float": np.where(rng.random(n) < 0.15, np.nan, rng.normal(size=n) * 50),
            "int": rng.integers(-3, 4, n),
            "bool": rng.random(n) < 0.4,
            # rare levels f, g, h are pooled by max_categories=5
            "text": rng.choice(list("abcdefgh"), n, p=[0.3, 0.25, 0.2, 0.1, 0.1,
                                                      0.02, 0.02, 0.01]),
            "category": rng.choice(["x", "y", "z"], n),
            "code": rng.choice([10, 20, 30], n),  # integers, listed as categorical
            # a datetime with times (before 1970 too), a date alone
            "when": (start + seconds).where(rng.random(n) > 0.1),
            "day": (start + seconds).normalize().where(rng.random(n) > 0.1),
        }
    )  # fmt: skip
    frame["text"] = frame["text"].astype(object).where(rng.random(n) > 0.1, None)
    if held_out:
        unseen = rng.random(n) < 0.15
        frame.loc[unseen, "text"] = "unseen"
        frame.loc[rng.random(n) < 0.15, "category"] = "w"
        frame.loc[rng.random(n) < 0.15, "code"] = 99
    frame["category"] = pd.Categorical(
        frame["category"].where(rng.random(n) > 0.1, None), categories=list("wxyz")
    )
    frame.iloc[0] = frame.iloc[0].fillna({"category": "x", "text": "a"})
    if float_dtype == np.float32:  # numbers float32 only, no dates: float32 output
        frame = frame.drop(columns=["int", "bool", "when", "day"])
        frame = frame.astype({"float": np.float32})
    return frame


TABULAR_TASKS = ["binary", "multiclass", "regression"]
TABULAR_WRAPPERS = ["bare", "pipeline", "encoder+mlp"]


def _tabular_model(task, wrapper, ensemble_size=1, high_cardinality="one_hot"):
    params = dict(
        hidden_layer_sizes=(8,), max_iter=5, random_state=0, embedding_dim=4,
        embedding_frequencies=4, ensemble_size=ensemble_size,
    )  # fmt: skip
    columns = dict(categorical_features=["text", "category", "code"],
                   max_categories=5, high_cardinality=high_cardinality)  # fmt: skip
    if wrapper == "encoder+mlp":
        mlp = sknn.MLPRegressor if task == "regression" else sknn.MLPClassifier
        return make_pipeline(
            sknn.preprocessing.TabularEncoder(**columns, random_state=0), mlp(**params)
        )
    tabular = (
        sknn.TabularMLPRegressor if task == "regression" else sknn.TabularMLPClassifier
    )
    model = tabular(**params, **columns)
    return make_pipeline(model) if wrapper == "pipeline" else model


def _feeds(session, frame):
    """onnxruntime's inputs for ``frame``: one (n, 1) array per column; a missing
    category as the empty string, a date as its seconds since 1970."""
    frame = sknn_onnx.dates_as_seconds(frame)
    feeds = {}
    for spec in session.get_inputs():
        column = frame[[spec.name]]
        if spec.type == "tensor(string)":
            feeds[spec.name] = column.astype(object).fillna("").to_numpy(str)
        else:
            feeds[spec.name] = column.to_numpy()
    return feeds


def tabular_cell(
    task, wrapper, float_dtype, ensemble_size=1, high_cardinality="one_hot"
):
    """One cell of the equality grid: whether onnxruntime's labels equal
    ``predict`` (None for a regressor) and the largest difference of its scores.
    'text' has more than ``max_categories`` categories: one-hot with the rare ones
    pooled, or target-encoded (``high_cardinality``)."""
    rng = np.random.default_rng(0)
    train = _tabular_frame(300, rng, float_dtype)
    test = _tabular_frame(200, rng, float_dtype, held_out=True)
    signal = (
        train["float"].fillna(0) / 50 + (train["text"] == "a") - (train["code"] == 20)
    )
    y = {
        "binary": (signal > 0).astype(int),
        "multiclass": np.digitize(signal, [-0.5, 0.5]),
        "regression": signal * 10,
    }[task]
    model = _tabular_model(task, wrapper, ensemble_size, high_cardinality)
    model = _fit(model, train, y)
    options = None if task == "regression" else {"zipmap": False}
    onx = skl2onnx.to_onnx(
        model, sknn_onnx.dates_as_seconds(train[:1]), options=options
    )
    session = rt.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = session.run(None, _feeds(session, test))
    if task == "regression":
        return None, np.abs(outputs[0].ravel() - model.predict(test)).max()
    labels_equal = np.array_equal(outputs[0], model.predict(test))
    return labels_equal, np.abs(outputs[1] - model.predict_proba(test)).max()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("wrapper", TABULAR_WRAPPERS)
@pytest.mark.parametrize("task", TABULAR_TASKS)
def test_tabular_models_export_every_column_kind(task, wrapper, dtype):
    """Floats, integers and booleans as numbers, strings, a pandas category and
    integers as categories, a datetime and a date (float64 only), with missing
    values, pooled rare and unseen categories and later dates in the held-out
    rows."""
    labels_equal, difference = tabular_cell(task, wrapper, dtype)
    assert labels_equal in (True, None)
    assert difference <= 1e-5


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("wrapper", TABULAR_WRAPPERS)
@pytest.mark.parametrize("task", TABULAR_TASKS)
def test_tabular_models_export_target_encoded_columns(task, wrapper, dtype):
    """A column of more categories than max_categories, target-encoded: each
    category's encoding (one per class in multiclass), the missing values' and,
    for unseen categories, the mean target, in the graph."""
    labels_equal, difference = tabular_cell(
        task, wrapper, dtype, high_cardinality="target"
    )
    assert labels_equal in (True, None)
    assert difference <= 1e-5


@pytest.mark.parametrize("task", TABULAR_TASKS)
def test_a_tabular_ensemble_exports_encoder_and_members(task):
    labels_equal, difference = tabular_cell(task, "bare", np.float64, ensemble_size=3)
    assert labels_equal in (True, None)
    assert difference <= 1e-5


def test_tabular_numbers_as_categories_and_a_numeric_array():
    """Floats (NaN missing) and booleans listed as categorical; categorical columns
    alone; and a numeric array's one 2-D input."""
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "grade": np.where(
                rng.random(200) < 0.1, np.nan, rng.choice([1.0, 2.5], 200)
            ),
            "flag": rng.random(200) < 0.5,
        }
    )
    y = frame["grade"].fillna(0) + frame["flag"]
    model = _fit(
        sknn.TabularMLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0,
                                 categorical_features=["grade", "flag"]),
        frame, y,
    )  # fmt: skip
    onx = skl2onnx.to_onnx(model, frame[:1])
    session = rt.InferenceSession(onx.SerializeToString(),
                                  providers=["CPUExecutionProvider"])  # fmt: skip
    held_out = frame.assign(grade=np.where(rng.random(200) < 0.2, 7.0, frame["grade"]))
    (values,) = session.run(None, _feeds(session, held_out))
    np.testing.assert_allclose(values.ravel(), model.predict(held_out), atol=1e-12)

    X = rng.normal(size=(100, 3))
    X[rng.random(X.shape) < 0.1] = np.nan
    for dtype in DTYPES:
        model = _fit(sknn.TabularMLPClassifier((4,), max_iter=3, random_state=0),
                     X.astype(dtype), X[:, 0] > 0)  # fmt: skip
        _check_classifier(model, X, dtype)


def test_what_a_tabular_export_cannot_take_is_one_sentence():
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"size": rng.normal(size=60), "colour": rng.choice(["red", "", "blue"], 60)}
    )
    model = _fit(sknn.TabularMLPClassifier((4,), max_iter=3), frame, frame["size"] > 0)
    with pytest.raises(sknn_onnx.OnnxExportError, match=re.escape(
        "categorical column 'colour' has the empty string as a category, which an "
        "ONNX string input cannot tell from a missing value;"
    )):  # fmt: skip
        skl2onnx.to_onnx(model, frame[:1])
    frame["colour"] = frame["colour"].replace("", "green")
    model = _fit(sknn.TabularMLPClassifier((4,), max_iter=3), frame, frame["size"] > 0)
    as_text = [("size", StringTensorType([None, 1])),
               ("colour", StringTensorType([None, 1]))]  # fmt: skip
    with pytest.raises(sknn_onnx.OnnxExportError, match=re.escape(
        "numeric column 'size' has an ONNX input of type StringTensorType; declare "
        "it as floats, integers or booleans."
    )):  # fmt: skip
        skl2onnx.to_onnx(model, initial_types=as_text)
    with pytest.raises(sknn_onnx.OnnxExportError, match="fitted on 2 columns, but "):
        skl2onnx.to_onnx(model, initial_types=[("X", DoubleTensorType([None, 3]))])
    model.encoder_.date_cycles_ = [("month",)]  # a part this export does not know
    with pytest.raises(sknn_onnx.OnnxExportError, match=re.escape(
        "the TabularEncoder has fitted part(s) ['date_cycles_'] that this sknn's "
        "ONNX export does not know; export it with the sknn version that fitted it."
    )):  # fmt: skip
        skl2onnx.to_onnx(model, frame[:1])


def _dated_frame(n, rng, time_zone):
    when = pd.Timestamp("2020-01-01") + pd.to_timedelta(
        rng.integers(0, 4 * 365 * 86400, n), "s"
    )
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "when": when.tz_localize("UTC").tz_convert(time_zone),
        }
    )
    frame.loc[rng.random(n) < 0.1, "when"] = pd.NaT
    return frame


@pytest.mark.parametrize("time_zone", ["UTC", "+05:30", "Etc/GMT+3"])
def test_a_date_column_with_a_fixed_offset_exports(time_zone):
    """The graph's total_seconds is the clock's seconds less the offset fit saw;
    the inputs converted by hand as the docs say, with initial_types."""
    from skl2onnx.common.data_types import DoubleTensorType

    rng = np.random.default_rng(0)
    train, test = _dated_frame(300, rng, time_zone), _dated_frame(200, rng, time_zone)
    y = train["when"].dt.hour.fillna(0) + train["size"]
    model = _fit(
        sknn.TabularMLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
        train,
        y,
    )
    types = [
        ("size", DoubleTensorType([None, 1])),
        ("when", DoubleTensorType([None, 1])),
    ]
    onx = skl2onnx.to_onnx(model, initial_types=types)
    session = rt.InferenceSession(onx.SerializeToString(),
                                  providers=["CPUExecutionProvider"])  # fmt: skip
    when = test["when"]
    seconds = (  # the recipe of sknn.onnx's docstring and the user guide
        when.dt.tz_localize(None).astype("datetime64[us]") - pd.Timestamp("1970-01-01")
    ) / pd.Timedelta(seconds=1)
    np.testing.assert_array_equal(seconds, sknn_onnx.dates_as_seconds(test)["when"])
    (values,) = session.run(None, {"size": test[["size"]].to_numpy(),
                                   "when": seconds.to_numpy()[:, None]})  # fmt: skip
    np.testing.assert_allclose(values.ravel(), model.predict(test), atol=1e-12)


def test_what_a_date_column_cannot_take_is_one_sentence():
    rng = np.random.default_rng(0)
    frame = _dated_frame(100, rng, "Europe/Paris")
    model = _fit(
        sknn.TabularMLPRegressor(hidden_layer_sizes=(4,), max_iter=3),
        frame,
        frame["size"],
    )
    with pytest.raises(sknn_onnx.OnnxExportError, match=re.escape(
        "date column 'when' has a time zone whose offset from UTC changes (daylight "
        "saving time), which an ONNX graph cannot follow; convert the column to UTC "
        "or to a fixed offset before fitting to export the model."
    )):  # fmt: skip
        skl2onnx.to_onnx(model, sknn_onnx.dates_as_seconds(frame[:1]))
    frame["when"] = frame["when"].dt.tz_convert("UTC")
    model = _fit(
        sknn.TabularMLPRegressor(hidden_layer_sizes=(4,), max_iter=3),
        frame,
        frame["size"],
    )
    as_float32 = sknn_onnx.dates_as_seconds(frame[:1]).astype(np.float32)
    with pytest.raises(sknn_onnx.OnnxExportError, match=re.escape(
        "date column 'when' has an ONNX input of type FloatTensorType; declare it "
        "as doubles, its seconds since 1970-01-01 on its own clock "
        "(sknn.onnx.dates_as_seconds)."
    )):  # fmt: skip
        skl2onnx.to_onnx(model, as_float32)


def test_the_graphs_date_features_are_the_encoders_bit_for_bit():
    """Across eras, before 1970 and at day boundaries, with and without an offset."""
    from skl2onnx.algebra.onnx_ops import OnnxIdentity

    from sknn import _dates, _onnx_encoder

    rng = np.random.default_rng(0)
    clock = np.concatenate(
        [
            rng.uniform(-1.5e11, 1.5e11, 20000),
            rng.integers(-(10**6), 10**6, 20000) * 86400.0,
            [np.nan, 0.0, -1.0, 86399.999999, -86400.0, 951782400.0],  # 2000-02-29
        ]
    ).reshape(-1, 1)
    for offset in (0.0, 19800.0):
        features = _onnx_encoder._date_features("X", _dates.DATE_FEATURES, offset, 17)
        graph = OnnxIdentity(features, op_version=17, output_names=["Y"])
        onx = graph.to_onnx({"X": clock}, target_opset=17)
        session = rt.InferenceSession(onx.SerializeToString(),
                                      providers=["CPUExecutionProvider"])  # fmt: skip
        (values,) = session.run(None, {"X": clock})
        expected = _dates.date_features(
            clock.ravel(), clock.ravel() - offset, _dates.DATE_FEATURES
        )
        np.testing.assert_array_equal(values, expected)
