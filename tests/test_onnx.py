"""ONNX export: onnxruntime reproduces sknn's predictions, for every kind of model.

Labels must equal ``predict`` exactly and probabilities, decision values and
regression values agree within 1e-5, on held-out rows, for float32 and float64
input, bare and inside a Pipeline.
"""

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
    if task == "classify":
        model = _fit(_wrap(sknn.MLPClassifier(**params), pipeline), X_train, y_train)
        _check_classifier(model, X_test, dtype)
        return
    model = _fit(_wrap(sknn.MLPRegressor(**params), pipeline), X_train, X_train[:, 0])
    (values,) = _run(model, X_test.astype(dtype))
    expected = model.predict(X_test.astype(dtype)).reshape(-1, 1)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)


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


class _PartlyEmbedded(sknn.MLPRegressor):
    """The tabular estimators' network: the embedding takes the first columns and
    passes the others through."""

    def _embedded_features(self):
        return 2


def test_an_embedding_of_the_first_columns_passes_the_rest_through(iris_split):
    X_train, X_test, _, _ = iris_split
    skl2onnx.update_registered_converter(
        _PartlyEmbedded,
        "SknnPartlyEmbedded",
        sknn_onnx.regressor_shapes,
        sknn_onnx.convert_regressor,
    )
    model = _PartlyEmbedded(
        hidden_layer_sizes=(8,), numeric_embedding="periodic", embedding_dim=3,
        max_iter=10, random_state=0,
    )  # fmt: skip
    model = _fit(model, X_train, X_train[:, 0])
    assert model.coefs_[0].shape[0] == 2 * 3 + 2
    (values,) = _run(model, X_test.astype(np.float32))
    expected = model.predict(X_test.astype(np.float32)).reshape(-1, 1)
    np.testing.assert_allclose(values, expected, rtol=1e-5, atol=1e-5)


def test_what_cannot_be_exported_is_a_clear_error(iris_split):
    X_train, _, y_train, _ = iris_split
    for cls in (sknn.TabularMLPClassifier, sknn.TabularMLPRegressor):
        tabular = _fit(cls(hidden_layer_sizes=(4,), max_iter=3), X_train, y_train)
        with pytest.raises(sknn_onnx.OnnxExportError, match="encodes its columns"):
            skl2onnx.to_onnx(tabular, X_train[:1])
    for unfitted in (sknn.MLPClassifier(), sknn.MLPRegressor()):
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
