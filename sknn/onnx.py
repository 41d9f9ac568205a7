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
"sknn[onnx]"``); sknn imports them only here.
"""

import numpy as np
from skl2onnx import update_registered_converter
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxArgMax,
    OnnxArrayFeatureExtractor,
    OnnxCast,
    OnnxClip,
    OnnxConcat,
    OnnxCos,
    OnnxDiv,
    OnnxErf,
    OnnxExp,
    OnnxGreater,
    OnnxIdentity,
    OnnxLog,
    OnnxMatMul,
    OnnxMax,
    OnnxMin,
    OnnxMul,
    OnnxReduceMeanApi18,
    OnnxRelu,
    OnnxReshape,
    OnnxSigmoid,
    OnnxSin,
    OnnxSlice,
    OnnxSoftmax,
    OnnxSub,
    OnnxTanh,
    OnnxTranspose,
    OnnxWhere,
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

from sknn import _dates, _inference, _onnx_encoder
from sknn._bins import bin_encoding
from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
from sknn._network import (
    BATCH_NORM_EPS,
    LEAKY_RELU_SLOPE,
    SELU_ALPHA,
    SELU_SCALE,
    SOFTPLUS_THRESHOLD,
)
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


# --------------------------------------------------------------------------- layers


def _hidden_activation(name, x, dtype, opv):
    """torch's hidden activation ``name`` on ``x`` as ONNX operators."""
    if name == "identity":
        return x
    if name == "logistic":
        return OnnxSigmoid(x, op_version=opv)
    if name == "tanh":
        return OnnxTanh(x, op_version=opv)
    if name == "relu":
        return OnnxRelu(x, op_version=opv)
    zero, one = np.array([0.0], dtype), np.array([1.0], dtype)
    # the next four as elementwise formulas: onnxruntime lacks float64 kernels of
    # LeakyRelu, Elu, Selu and Softplus
    if name == "leaky_relu":
        slope = np.array([LEAKY_RELU_SLOPE], dtype)
        return OnnxMax(x, OnnxMul(x, slope, op_version=opv), op_version=opv)
    if name in ("elu", "selu"):
        negative = OnnxSub(OnnxExp(x, op_version=opv), one, op_version=opv)
        if name == "selu":
            alpha = np.array([SELU_ALPHA], dtype)
            negative = OnnxMul(negative, alpha, op_version=opv)
        y = OnnxWhere(OnnxGreater(x, zero, op_version=opv), x, negative, op_version=opv)
        if name == "selu":
            y = OnnxMul(y, np.array([SELU_SCALE], dtype), op_version=opv)
        return y
    if name == "gelu":  # exact (erf) GELU, torch's default
        half, root2 = np.array([0.5], dtype), np.array([np.sqrt(2.0)], dtype)
        erf = _in_float32(OnnxErf, OnnxDiv(x, root2, op_version=opv), dtype, opv)
        return OnnxMul(
            OnnxMul(x, half, op_version=opv),
            OnnxAdd(erf, one, op_version=opv),
            op_version=opv,
        )
    if name == "silu":
        return OnnxMul(x, OnnxSigmoid(x, op_version=opv), op_version=opv)
    if name == "softplus":  # log(1 + exp(x)), the identity above torch's threshold
        threshold = np.array([SOFTPLUS_THRESHOLD], dtype)
        softplus = OnnxLog(
            OnnxAdd(OnnxExp(x, op_version=opv), one, op_version=opv), op_version=opv
        )
        return OnnxWhere(
            OnnxGreater(x, threshold, op_version=opv), x, softplus, op_version=opv
        )
    if name == "hardtanh":
        low, high = np.array(-1.0, dtype), np.array(1.0, dtype)
        return OnnxClip(x, low, high, op_version=opv)
    raise OnnxExportError(f"activation={name!r} has no ONNX export in this sknn.")


def _in_float32(operator, x, dtype, opv):
    """``operator(x)`` computed in float32 (onnxruntime has no float64 kernel of
    Erf, Softplus, Elu...), cast back to ``dtype``: float32's precision, 1e-7."""
    if dtype == np.float32:
        return operator(x, op_version=opv)
    x = OnnxCast(x, to=onnx_proto.TensorProto.FLOAT, op_version=opv)
    y = operator(x, op_version=opv)
    return OnnxCast(y, to=onnx_proto.TensorProto.DOUBLE, op_version=opv)


def _layers(model, network):
    """The network's (weight, bias) pairs in float64, batch norm folded in: at
    inference ``BN(xW + b) = x (W s) + (b - mean) s + beta``, ``s = gamma /
    sqrt(var + eps)``."""
    layers = [
        [coef.astype(np.float64), bias.astype(np.float64)]
        for coef, bias in zip(model.coefs_, model.intercepts_)
    ]
    extra = model._extra_state
    for layer, prefix in zip(layers, network.batch_norm_prefixes()):
        gamma, beta, mean, var = (
            extra[prefix + name].astype(np.float64)
            for name in ("weight", "bias", "running_mean", "running_var")
        )
        scale = gamma / np.sqrt(var + BATCH_NORM_EPS)
        layer[0] = layer[0] * scale
        layer[1] = (layer[1] - mean) * scale + beta
    return layers


def _periodic_embedding(model, network, x, dtype, opv):
    """The numeric embedding: ``relu([cos(2 pi f x), sin(2 pi f x)] W + b)`` per
    embedded feature, flattened to (N, n_features * dim), then the columns it
    passes through."""
    arrays = network.embedding_arrays(model._extra_state)
    frequencies = arrays["frequencies"].astype(np.float64) * (2 * np.pi)
    n_features = network.n_embedded
    passed = network.n_features - n_features
    numeric = x
    if passed:
        numeric = _columns(x, 0, n_features, opv)
    columns = OnnxReshape(
        numeric, np.array([-1, n_features, 1], np.int64), op_version=opv
    )
    angles = OnnxMul(columns, frequencies.astype(dtype), op_version=opv)
    features = OnnxConcat(
        OnnxCos(angles, op_version=opv),
        OnnxSin(angles, op_version=opv),
        axis=2,
        op_version=opv,
    )
    projected = OnnxAdd(
        OnnxMatMul(features, arrays["projection"].astype(dtype), op_version=opv),
        arrays["projection_bias"].astype(dtype),
        op_version=opv,
    )
    width = network.embedding_width
    embedded = OnnxReshape(
        OnnxRelu(projected, op_version=opv),
        np.array([-1, width], np.int64),
        op_version=opv,
    )
    if not passed:
        return embedded
    rest = _columns(x, n_features, n_features + passed, opv)
    return OnnxConcat(embedded, rest, axis=1, op_version=opv)


def _piecewise_linear_embedding(model, network, x, dtype, opv):
    """The numeric embedding: ``x w + b + PLE(x) P`` per embedded feature, the bins'
    components ``clip((x - left) * inverse_width, lower, upper)`` (see
    ``sknn._bins``), flattened to (N, n_features * dim), then the columns it
    passes through."""
    arrays = network.embedding_arrays(model._extra_state)
    left, inverse_width, lower, upper = (
        array.astype(dtype) for array in bin_encoding(arrays["edges"])
    )
    n_features, dim = network.n_embedded, network.embedding_dim
    passed = network.n_features - n_features
    numeric = x
    if passed:
        numeric = _columns(x, 0, n_features, opv)
    values = OnnxReshape(
        numeric, np.array([-1, n_features, 1], np.int64), op_version=opv
    )
    encoded = OnnxMul(OnnxSub(values, left, op_version=opv), inverse_width,
                      op_version=opv)  # fmt: skip
    encoded = OnnxMax(OnnxMin(encoded, upper, op_version=opv), lower, op_version=opv)
    # (N, features, 1, bins) by (features, bins, dim): a product per feature
    rows = OnnxReshape(
        encoded, np.array([-1, n_features, 1, left.shape[1]], np.int64), op_version=opv
    )
    binned = OnnxReshape(
        OnnxMatMul(rows, arrays["projection"].astype(dtype), op_version=opv),
        np.array([-1, n_features, dim], np.int64),
        op_version=opv,
    )
    linear = OnnxAdd(
        OnnxMul(values, arrays["linear"].astype(dtype), op_version=opv),
        arrays["linear_bias"].astype(dtype),
        op_version=opv,
    )
    embedded = OnnxReshape(
        OnnxAdd(linear, binned, op_version=opv),
        np.array([-1, network.embedding_width], np.int64),
        op_version=opv,
    )
    if not passed:
        return embedded
    rest = _columns(x, n_features, n_features + passed, opv)
    return OnnxConcat(embedded, rest, axis=1, op_version=opv)


def _columns(x, start, stop, opv):
    """Columns ``start:stop`` of the 2-D ``x``."""
    return OnnxSlice(
        x,
        np.array([start], np.int64),
        np.array([stop], np.int64),
        np.array([1], np.int64),
        op_version=opv,
    )


def _network(model, x, dtype, opv, activation=None):
    """The module's output layer for input ``x``: its pre-activation values, or
    ``activation(values)`` (a graph of the last axis). An ensemble's is its
    members' mean activation: the adapter folded into the first layer (as
    ``sknn._inference`` computes), the shared layers on one row per member, then
    each member's output layer on its rows."""
    network = model._fitted_network()
    layers = _layers(model, network)
    k = network.ensemble_size
    if k > 1:
        scale = model._extra_state[network.ensemble_key()].astype(np.float64)
        layers[0] = _inference.fold_adapter(*layers[0], scale, network)
    if network.numeric_embedding == "periodic":
        x = _periodic_embedding(model, network, x, dtype, opv)
    elif network.numeric_embedding == "piecewise_linear":
        x = _piecewise_linear_embedding(model, network, x, dtype, opv)
    last = len(layers) - 1
    for i, (coef, bias) in enumerate(layers):
        if k > 1 and 0 < i == last:  # (k, N, n_outputs): each member's rows
            shape = np.array([-1, k, coef.shape[0]], np.int64)
            rows = OnnxTranspose(
                OnnxReshape(x, shape, op_version=opv), perm=[1, 0, 2], op_version=opv
            )
            x = OnnxAdd(
                OnnxMatMul(
                    rows, _inference.heads(coef, k).astype(dtype), op_version=opv
                ),
                bias.astype(dtype).reshape(k, 1, -1),
                op_version=opv,
            )
            break
        x = OnnxAdd(
            OnnxMatMul(x, coef.astype(dtype), op_version=opv),
            bias.astype(dtype).reshape(1, -1),
            op_version=opv,
        )
        if k > 1 and i == 0:  # (N * k, width), or without hidden layers (k, N, out)
            width = coef.shape[1] // k
            shape = [-1, width] if last else [-1, k, width]
            x = OnnxReshape(x, np.array(shape, np.int64), op_version=opv)
            if not last:
                x = OnnxTranspose(x, perm=[1, 0, 2], op_version=opv)
        if i < last:
            x = _hidden_activation(network.activation, x, dtype, opv)
    if activation is not None:
        x = activation(x)
    if k > 1:
        x = OnnxReduceMeanApi18(x, axes=[0], keepdims=0, op_version=opv)
    return x


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
        z = _network(model, x, dtype, opv)
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
        scores = _network(
            model, x, dtype, opv, lambda z: OnnxSoftmax(z, axis=-1, op_version=opv)
        )
    else:  # logistic: binary (one output) or multi-label
        scores = _network(
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
    y = _network(model, x, dtype, opv, transforms.get(model.out_activation_))
    scaled = getattr(model, "_target_scale", None) is not None
    if model.out_activation_ not in transforms and scaled:
        y = OnnxAdd(
            OnnxMul(
                y, model._target_scale.astype(dtype).reshape(1, -1), op_version=opv
            ),
            model._target_center.astype(dtype).reshape(1, -1),
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
