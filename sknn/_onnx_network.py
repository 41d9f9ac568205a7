"""The network of a fitted sknn MLP as ONNX operators (skl2onnx's algebra): the
layers, the activations, the numeric embeddings, batch norm folded into the linear
layers and an ensemble's members, computed as ``sknn._inference`` computes them.
Used by the converters in :mod:`sknn.onnx`."""

import numpy as np
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxCast,
    OnnxClip,
    OnnxConcat,
    OnnxCos,
    OnnxDiv,
    OnnxErf,
    OnnxExp,
    OnnxGreater,
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
    OnnxSub,
    OnnxTanh,
    OnnxTranspose,
    OnnxWhere,
)
from skl2onnx.proto import onnx_proto

from sknn import _inference
from sknn._bins import bin_encoding
from sknn._network import (
    BATCH_NORM_EPS,
    LEAKY_RELU_SLOPE,
    SELU_ALPHA,
    SELU_SCALE,
    SOFTPLUS_THRESHOLD,
)
from sknn.exceptions import OnnxExportError


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


def _embedding(model, network, x, dtype, opv):
    """The numeric embedding of the leading ``n_embedded`` columns of ``x``,
    flattened to (N, n_embedded * dim), then the columns it passes through."""
    n_features = network.n_embedded
    passed = network.n_features - n_features
    numeric = _columns(x, 0, n_features, opv) if passed else x
    values = OnnxReshape(
        numeric, np.array([-1, n_features, 1], np.int64), op_version=opv
    )
    arrays = network.embedding_arrays(model._extra_state)
    if network.numeric_embedding == "periodic":
        embedded = _periodic_embedding(arrays, network, values, dtype, opv)
    else:
        embedded = _piecewise_linear_embedding(arrays, network, values, dtype, opv)
    if not passed:
        return embedded
    rest = _columns(x, n_features, n_features + passed, opv)
    return OnnxConcat(embedded, rest, axis=1, op_version=opv)


def _periodic_embedding(arrays, network, values, dtype, opv):
    """``relu([cos(2 pi f x), sin(2 pi f x)] W + b)`` per embedded feature of
    ``values`` (N, n_features, 1), flattened to (N, n_features * dim)."""
    frequencies = arrays["frequencies"].astype(np.float64) * (2 * np.pi)
    angles = OnnxMul(values, frequencies.astype(dtype), op_version=opv)
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
    return OnnxReshape(
        OnnxRelu(projected, op_version=opv),
        np.array([-1, network.embedding_width], np.int64),
        op_version=opv,
    )


def _piecewise_linear_embedding(arrays, network, values, dtype, opv):
    """``x w + b + PLE(x) P`` per embedded feature of ``values`` (N, n_features,
    1), the bins' components ``clip((x - left) * inverse_width, lower, upper)``
    (see ``sknn._bins``), flattened to (N, n_features * dim)."""
    left, inverse_width, lower, upper = (
        array.astype(dtype) for array in bin_encoding(arrays["edges"])
    )
    n_features, dim = network.n_embedded, network.embedding_dim
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
    return OnnxReshape(
        OnnxAdd(linear, binned, op_version=opv),
        np.array([-1, network.embedding_width], np.int64),
        op_version=opv,
    )


def _columns(x, start, stop, opv):
    """Columns ``start:stop`` of the 2-D ``x``."""
    return OnnxSlice(
        x,
        np.array([start], np.int64),
        np.array([stop], np.int64),
        np.array([1], np.int64),
        op_version=opv,
    )


def network_graph(model, x, dtype, opv, activation=None):
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
    if network.numeric_embedding is not None:
        x = _embedding(model, network, x, dtype, opv)
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
