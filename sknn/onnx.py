"""ONNX export of sknn's estimators, through skl2onnx.

Importing this module registers converters for :class:`~sknn.MLPClassifier`,
:class:`~sknn.MLPRegressor`, :class:`~sknn.TabularMLPClassifier`,
:class:`~sknn.TabularMLPRegressor` and :class:`~sknn.preprocessing.TabularEncoder`
with skl2onnx, so that skl2onnx's usual calls convert a bare sknn estimator and any
Pipeline or ColumnTransformer whose other steps skl2onnx supports::

    import sknn.onnx  # registers the converters
    from skl2onnx import to_onnx

    onx = to_onnx(pipeline, X[:1])

The exported graph computes what ``predict``, ``predict_proba`` and
``decision_function`` compute: every activation sknn trains, the periodic and the
piecewise-linear numeric embeddings, batch norm folded into the linear layers, no
dropout (as at inference), an ensemble's members (``ensemble_size``) and the mean
of their outputs, the regressor's target scaling and each loss's output
transform, labels of any integer or string dtype, float32 or float64 input. A
classifier gives skl2onnx's two outputs, the labels and the probabilities (for
``loss="hinge"``, the decision values; a binary one's as ``[-value, value]``); a
regressor gives its predictions as an (n_samples, n_outputs) array.

A tabular estimator's graph is its encoder's, then its network's. Given a DataFrame
sample, skl2onnx makes one input per column: float, double, integer or boolean for
the numeric columns; strings (the empty string for a missing value), integers,
booleans or floats for the categorical ones; doubles for the date columns, which a
graph cannot parse: each date as its seconds since 1970-01-01 00:00 on the column's
own clock (its time zone's, if it has one), NaN where it is missing. The graph
computes the date features from them by the same float64 operations as
``transform``. skl2onnx has no type for datetimes: convert the sample, and the rows
to run, with :func:`dates_as_seconds` (``to_onnx(model, dates_as_seconds(X[:1]))``),
or by hand: ``DoubleTensorType([None, 1])`` for the column in ``initial_types``,
and as its values::

    (X[c].dt.tz_localize(None).astype("datetime64[us]") - pd.Timestamp("1970-01-01"))
    / pd.Timedelta(seconds=1)

A time zone must keep its offset from UTC (UTC, ``+01:00``): the graph subtracts
the offset fit saw to get each date's ``total_seconds``, so feed a column in the
time zone it was fitted in. The graph computes in float32 when every numeric column
is float32 and there are no date columns, in float64 otherwise, as ``predict`` does.
What cannot be exported (an unfitted estimator, a classifier fitted on a single
class, an input type a column cannot take, a date column in a time zone with
daylight saving time) raises :class:`OnnxExportError`.

skl2onnx and onnxruntime are the optional ``onnx`` extra (``pip install
"sknn[onnx]"``); sknn imports them only here (and in the two modules this one
imports, for the encoder's graph and the network's).
"""

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxArgMax,
    OnnxArrayFeatureExtractor,
    OnnxCast,
    OnnxConcat,
    OnnxExp,
    OnnxGreater,
    OnnxIdentity,
    OnnxMax,
    OnnxMin,
    OnnxMul,
    OnnxReshape,
    OnnxSigmoid,
    OnnxSoftmax,
    OnnxSub,
)
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_numpy_type,
)
from skl2onnx.common.utils import check_input_and_output_numbers
from skl2onnx.proto import onnx_proto

from sknn import _dates, _onnx_encoder
from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
from sknn._onnx_network import network_graph
from sknn._tabular import TabularMLPClassifier, TabularMLPRegressor
from sknn.exceptions import OnnxExportError
from sknn.preprocessing import TabularEncoder

__all__ = ["OnnxExportError", "dates_as_seconds"]


def dates_as_seconds(X):
    """X with each date column as the numbers an exported graph takes for it.

    A graph cannot parse dates: it takes each date column of
    :class:`~sknn.preprocessing.TabularEncoder` (and so of the tabular estimators)
    as doubles, the seconds since 1970-01-01 00:00 on the column's own clock (its
    time zone's, if it has one), NaN where a date is missing. Convert the sample
    you pass to ``skl2onnx.to_onnx`` with this function (skl2onnx has no type for
    datetimes; a float64 column becomes a double input), and the rows you run.

    .. versionadded:: 0.1

    Parameters
    ----------
    X : DataFrame
        The columns a model takes, date columns of datetime64 dtype.

    Returns
    -------
    X_out : DataFrame
        A copy of X, each datetime64 column as float64 seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> from sknn.onnx import dates_as_seconds
    >>> X = pd.DataFrame({"when": pd.to_datetime(["1970-01-02 12:00", None]),
    ...                   "size": [1.0, 2.0]})
    >>> dates_as_seconds(X)
           when  size
    0  129600.0   1.0
    1       NaN   2.0
    """
    X = X.copy()
    for i, dtype in enumerate(X.dtypes):
        if _dates.is_date_dtype(dtype):
            X.isetitem(i, _dates.clock_and_epoch_seconds(X.iloc[:, i])[0])
    return X


def _input(operator, opv):
    """The network's input: the operator's, as float32 or float64 (others become
    float32), or for a tabular estimator its encoder's output of the inputs."""
    encoder, _ = _parts(operator.raw_operator)
    if encoder is not None:
        return _onnx_encoder.encode(encoder, operator.inputs, opv)
    dtype = guess_numpy_type(operator.inputs[0].type)
    dtype = np.float64 if dtype == np.float64 else np.float32
    proto = (
        onnx_proto.TensorProto.DOUBLE
        if dtype == np.float64
        else onnx_proto.TensorProto.FLOAT
    )
    return OnnxCast(operator.inputs[0], to=proto, op_version=opv), dtype


# ----------------------------------------------------------------------- converters


def _class_labels(model, nocl=False):
    """``classes_`` as ONNX holds labels: int64 (bools, ints and the integral
    floats scikit-learn accepts as classes) or strings; with skl2onnx's ``nocl``
    option, the class indices."""
    classes = np.arange(len(model.classes_)) if nocl else model.classes_
    if classes.dtype.kind in "biuf":
        return classes.astype(np.int64)
    return np.array([str(label) for label in classes])


def convert_classifier(scope, operator, container):
    """skl2onnx converter of :class:`sknn.MLPClassifier` and
    :class:`sknn.TabularMLPClassifier`."""
    model, opv = operator.raw_operator, container.target_opset
    _check_exportable(model)
    nocl = container.get_options(model, dict(nocl=False))["nocl"]
    model = _parts(model)[1]
    x, dtype = _input(operator, opv)
    label_type = model._label_binarizer.y_type_
    hinge = model.out_activation_ == "identity"
    if hinge:  # decision_function's values; binary: [-value, value]
        z = network_graph(model, x, dtype, opv)
        scores = z
        positive = OnnxGreater(z, np.array([0.0], dtype), op_version=opv)
        if model.n_outputs_ == 1:
            scores = OnnxConcat(
                OnnxSub(np.array([0.0], dtype), z, op_version=opv),
                z,
                axis=1,
                op_version=opv,
            )
    elif model.out_activation_ == "softmax":
        scores = network_graph(
            model, x, dtype, opv, lambda z: OnnxSoftmax(z, axis=-1, op_version=opv)
        )
    else:  # logistic: binary (one output) or multi-label
        scores = network_graph(
            model, x, dtype, opv, lambda z: OnnxSigmoid(z, op_version=opv)
        )
        positive = OnnxGreater(scores, np.array([0.5], dtype), op_version=opv)
    if label_type == "multilabel-indicator":
        labels = OnnxCast(positive, to=onnx_proto.TensorProto.INT64, op_version=opv)
        probabilities = scores
    elif model.n_outputs_ == 1:  # binary: [1 - p, p], the label where p > 0.5
        if not hinge:
            one = np.array([1.0], dtype)
            scores = OnnxConcat(
                OnnxSub(one, scores, op_version=opv), scores, axis=1, op_version=opv
            )
        index = OnnxReshape(
            OnnxCast(positive, to=onnx_proto.TensorProto.INT64, op_version=opv),
            np.array([-1], np.int64),
            op_version=opv,
        )
        labels = OnnxArrayFeatureExtractor(
            _class_labels(model, nocl), index, op_version=opv
        )
        probabilities = scores
    else:
        index = OnnxArgMax(scores, axis=1, keepdims=0, op_version=opv)
        labels = OnnxArrayFeatureExtractor(
            _class_labels(model, nocl), index, op_version=opv
        )
        probabilities = scores
    shape = [-1, model.n_outputs_] if label_type == "multilabel-indicator" else [-1]
    labels = OnnxReshape(
        labels,
        np.array(shape, np.int64),
        op_version=opv,
        output_names=[operator.outputs[0]],
    )
    probabilities = OnnxIdentity(
        probabilities, op_version=opv, output_names=[operator.outputs[1]]
    )
    labels.add_to(scope, container)
    probabilities.add_to(scope, container)


def convert_regressor(scope, operator, container):
    """skl2onnx converter of :class:`sknn.MLPRegressor` and
    :class:`sknn.TabularMLPRegressor`."""
    model, opv = operator.raw_operator, container.target_opset
    _check_exportable(model)
    model = _parts(model)[1]
    x, dtype = _input(operator, opv)
    one = np.array([1.0], dtype)
    transforms = {
        "exp": lambda z: OnnxExp(z, op_version=opv),  # Poisson
        "expm1": lambda z: OnnxSub(  # squared log error
            OnnxExp(z, op_version=opv), one, op_version=opv
        ),
    }
    y = network_graph(model, x, dtype, opv, transforms.get(model.out_activation_))
    scaled = getattr(model, "_target_scale", None) is not None
    if model.out_activation_ not in transforms and scaled:
        y = OnnxAdd(
            OnnxMul(
                y, model._target_scale.astype(dtype).reshape(1, -1), op_version=opv
            ),
            model._target_center.astype(dtype).reshape(1, -1),
            op_version=opv,
        )
    if getattr(model, "_target_range", None) is not None:  # clip_predictions
        low, high = model._target_range.astype(dtype)
        y = OnnxMin(
            OnnxMax(y, low.reshape(1, -1), op_version=opv),
            high.reshape(1, -1),
            op_version=opv,
        )
    y = OnnxIdentity(y, op_version=opv, output_names=[operator.outputs[0]])
    y.add_to(scope, container)


_TABULAR = (TabularMLPClassifier, TabularMLPRegressor)


def _parts(model):
    """The fitted encoder (None for the MLPs) and MLP of an sknn estimator; the
    tabular estimators hold both."""
    if isinstance(model, _TABULAR):
        return vars(model).get("encoder_"), vars(model).get("mlp_")
    return None, model


def _check_exportable(model):
    encoder, mlp = _parts(model)
    if mlp is None or "coefs_" not in vars(mlp):
        raise OnnxExportError(
            f"{type(model).__name__} is not fitted: fit it before exporting it."
        )
    if hasattr(mlp, "classes_") and len(mlp.classes_) < 2:
        raise OnnxExportError(
            "a classifier fitted on a single class has no ONNX export (its "
            "probabilities have two columns for one label); fit it on two or more."
        )
    if encoder is not None:
        _onnx_encoder.check_exportable(encoder)


# ------------------------------------------------------------------ shape calculators


def _tensor_type(operator):
    """The type of the network's input: the operator's input's, or for a tabular
    estimator its encoder's output's."""
    encoder, _ = _parts(operator.raw_operator)
    if encoder is not None:
        dtype = _onnx_encoder.output_dtype(encoder, operator.inputs)
    else:
        dtype = guess_numpy_type(operator.inputs[0].type)
    if dtype == np.float64:
        return DoubleTensorType
    return FloatTensorType


def _input_count(operator):
    """One input; a tabular estimator's may have one per column."""
    return [1, None] if isinstance(operator.raw_operator, _TABULAR) else 1


def classifier_shapes(operator):
    """Labels [N] ([N, n_labels] multi-label) and scores [N, n_columns]."""
    check_input_and_output_numbers(
        operator, input_count_range=_input_count(operator), output_count_range=2
    )
    n = operator.inputs[0].get_first_dimension()
    model = operator.raw_operator
    nocl = operator.scope_inst.get_options(model, dict(nocl=False))["nocl"]
    model = _parts(model)[1]
    multilabel = model._label_binarizer.y_type_ == "multilabel-indicator"
    numeric = multilabel or nocl or model.classes_.dtype.kind in "biuf"
    label_type = Int64TensorType if numeric else StringTensorType
    operator.outputs[0].type = label_type([n, model.n_outputs_] if multilabel else [n])
    columns = 2 if model.n_outputs_ == 1 and not multilabel else model.n_outputs_
    operator.outputs[1].type = _tensor_type(operator)([n, columns])


def regressor_shapes(operator):
    """Predictions [N, n_outputs]."""
    check_input_and_output_numbers(
        operator, input_count_range=_input_count(operator), output_count_range=1
    )
    _check_exportable(operator.raw_operator)
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = _tensor_type(operator)(
        [n, operator.raw_operator.n_outputs_]
    )


def parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser (labels, probabilities, the ZipMap option),
    once the model is known to be exportable: it reads ``classes_`` first."""
    from skl2onnx._parse import _parse_sklearn_classifier  # skl2onnx's own default

    _check_exportable(model)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


update_registered_converter(
    MLPClassifier,
    "SknnMLPClassifier",
    classifier_shapes,
    convert_classifier,
    parser=parse_classifier,
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
update_registered_converter(
    MLPRegressor, "SknnMLPRegressor", regressor_shapes, convert_regressor
)
# the tabular estimators: their encoder's graph, then the network's
update_registered_converter(
    TabularMLPClassifier,
    "SknnTabularMLPClassifier",
    classifier_shapes,
    convert_classifier,
    parser=parse_classifier,
    options={"zipmap": [True, False, "columns"], "nocl": [True, False]},
)
update_registered_converter(
    TabularMLPRegressor,
    "SknnTabularMLPRegressor",
    regressor_shapes,
    convert_regressor,
)
update_registered_converter(
    TabularEncoder,
    "SknnTabularEncoder",
    _onnx_encoder.encoder_shapes,
    _onnx_encoder.convert_encoder,
    parser=_onnx_encoder.parse_encoder,
)
