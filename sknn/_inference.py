"""The fitted network's forward pass in numpy, as scikit-learn's MLP predicts.

A fitted estimator's weights are numpy arrays (``coefs_``, ``intercepts_`` and the
batch-norm, embedding and ensemble adapter arrays); predicting on the CPU needs
nothing else. So prediction runs on numpy's own BLAS pool, the one the caller's
numpy, scipy and scikit-learn work already uses, instead of starting torch's beside
it, and computes in X's precision as sklearn does: float32 for float32 X, float64
otherwise (so a row's prediction does not depend on the batch it comes in, to
float64 round-off).
"""

import functools
import math

import numpy as np
import scipy.sparse
import scipy.special
import threadpoolctl

from sknn._bins import bin_encoding
from sknn._load import LOAD_READING_SECONDS, Reading, cpus_free_of_other_processes
from sknn._network import (
    BATCH_NORM_EPS,
    EMBEDDING_PREFIX,
    LEAKY_RELU_SLOPE,
    SELU_ALPHA,
    SELU_SCALE,
    SOFTPLUS_THRESHOLD,
)


def _elu(x):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


# each of _network.HIDDEN_ACTIVATIONS, as the torch layer of _torch_module computes
# it; x is a fresh array of the layer's outputs, which the function may overwrite
HIDDEN_FUNCTIONS = {
    "identity": lambda x: x,
    "logistic": lambda x: scipy.special.expit(x, out=x),
    "tanh": lambda x: np.tanh(x, out=x),
    "relu": lambda x: np.maximum(x, 0, out=x),
    "leaky_relu": lambda x: np.maximum(x, LEAKY_RELU_SLOPE * x, out=x),
    "elu": _elu,
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * _elu(x)),
    "gelu": lambda x: 0.5 * x * (1 + scipy.special.erf(x * math.sqrt(0.5))),
    "silu": lambda x: x * scipy.special.expit(x),
    "softplus": lambda x: np.where(
        x > SOFTPLUS_THRESHOLD, x, np.log1p(np.exp(np.minimum(x, SOFTPLUS_THRESHOLD)))
    ),
    "hardtanh": lambda x: np.clip(x, -1, 1, out=x),
}


def _softmax(x):
    if x.shape[0] == 1:  # one row: reductions of the whole array cost the least
        x -= x.max()
        np.exp(x, out=x)
        x /= x.sum()
        return x
    if x.shape[0] < 64 or x.shape[1] > 16:
        x -= x.max(axis=1, keepdims=True)
        np.exp(x, out=x)
        x /= x.sum(axis=1, keepdims=True)
        return x
    # many rows of a few classes: numpy's reductions along a short last axis cost
    # ~50 ns a row, a few times the column loop and the matrix-vector product
    top = x[:, 0].copy()
    for j in range(1, x.shape[1]):
        np.maximum(top, x[:, j], out=top)
    x -= top[:, None]
    np.exp(x, out=x)
    x /= (x @ np.ones(x.shape[1], x.dtype))[:, None]
    return x


# each of _network.OUTPUT_ACTIVATIONS
OUTPUT_FUNCTIONS = {
    "softmax": _softmax,
    "logistic": lambda x: scipy.special.expit(x, out=x),
    "exp": lambda x: np.exp(x, out=x),
    "expm1": lambda x: np.expm1(x, out=x),
    "identity": lambda x: x,
}

# numpy's BLAS pool takes all the CPUs whatever else runs (OpenBLAS does not look);
# beside a busy process, its threads split each product evenly and wait for the one
# the other process delays. A predict of at least this many multiply-adds runs on
# the BLAS threads that the CPUs free of other processes allow (a smaller one is
# over before the reading, ~40 us, would pay). Measured on the 2-core CI machine
# (tests/benchmarks/bench_usage.py, busy): predicting the 1797 digits beside one busy
# process took 1.7-3.7x its idle time on numpy's two threads.
LOAD_AWARE_MACS = 2**22
_LAST_READING = Reading()


def _free_cpus():
    return _LAST_READING.get(cpus_free_of_other_processes, LOAD_READING_SECONDS)


class _BlasThreadsForLoad:
    """numpy's BLAS pools on no more threads than the CPUs free of other processes
    while in the block, then as they were. Process-wide, as every BLAS setting is:
    a predict in another thread meanwhile may run on fewer threads, and computes
    the same."""

    __slots__ = ("changed",)

    def __enter__(self):
        self.changed = []
        free = _free_cpus()
        if free is None:
            return self
        for pool in _blas_pools():
            threads = pool.get_num_threads()
            if threads > free:
                pool.set_num_threads(free)
                self.changed.append((pool, threads))
        return self

    def __exit__(self, *exc_info):
        for pool, threads in self.changed:
            pool.set_num_threads(threads)


@functools.cache
def _blas_pools():
    """The BLAS libraries this process has loaded (numpy's, scipy's), found once."""
    return threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers


# predict's rows at once: the widest layer's activations of a chunk take about this
# many bytes (a few times the CPU's cache, so large matrix products keep their speed)
PREDICT_CHUNK_BYTES = 2**24


def predict_rows(network, dtype):
    """Rows whose widest activations (a layer's, or the numeric embedding's sines
    and cosines) in ``dtype`` fit in PREDICT_CHUNK_BYTES."""
    widths = network.activation_widths()
    return max(1, PREDICT_CHUNK_BYTES // (np.dtype(dtype).itemsize * max(widths)))


class Weights:
    """A fitted network's arrays in one precision, laid out for the forward pass:
    ``coefs_`` as sklearn's ``(fan_in, fan_out)``, batch norm folded into a scale
    and a shift per unit, the numeric embedding's arrays."""

    def __init__(self, network, coefs, intercepts, extra_state, dtype):
        def cast(array):
            return np.asarray(array, dtype=dtype)

        self.network = network
        self.sources = [*coefs, *intercepts]  # to tell when the model changed
        self.coefs = [cast(coef) for coef in coefs]
        self.intercepts = [cast(intercept) for intercept in intercepts]
        self.batch_norm = []  # eval mode's (x - mean) / std * weight + bias
        for prefix in network.batch_norm_prefixes():
            weight, bias, mean, var = (
                cast(extra_state[prefix + name])
                for name in ("weight", "bias", "running_mean", "running_var")
            )
            scale = weight / np.sqrt(var + BATCH_NORM_EPS)
            self.batch_norm.append((scale, bias - mean * scale))
        self.chunk_rows = predict_rows(network, dtype)
        self.macs_per_row = network.macs_per_row()
        self.embedding = {
            name: cast(extra_state[EMBEDDING_PREFIX + name])
            for name in network.embedding_shapes()
        }
        if network.numeric_embedding == "piecewise_linear":
            encoding = bin_encoding(extra_state[EMBEDDING_PREFIX + "edges"])
            names = ("left", "inverse_width", "lower", "upper")
            self.embedding.update(zip(names, (cast(a) for a in encoding)))
        for key in network.ensemble_shapes():
            # member i's scale of the input folded into its copy of the first
            # layer: (x * r_i) W = x (r_i[:, None] * W), one product for all
            # members (and a sparse X stays sparse)
            self.coefs[0], self.intercepts[0] = fold_adapter(
                self.coefs[0], self.intercepts[0], cast(extra_state[key]), network
            )

    def is_of(self, coefs, intercepts):
        """Whether these arrays were made from ``coefs`` and ``intercepts``."""
        arrays = [*coefs, *intercepts]
        return len(arrays) == len(self.sources) and all(
            a is b for a, b in zip(arrays, self.sources)
        )


def fold_adapter(coef, intercept, scale, network):
    """An ensemble's first linear layer with its adapter folded in, as one
    ``(fan_in, k * fan_out)`` layer of the k members side by side: member i's
    ``(x * r_i) W + b`` is ``x (r_i[:, None] * W) + b``. ``W`` is the shared
    layer's weights (repeated per member), or without hidden layers each member's
    own output layer."""
    fan_in, k = coef.shape[0], network.ensemble_size
    if network.hidden_layer_sizes:
        per_member, intercept = coef[:, None, :], np.tile(intercept, k)
    else:
        per_member = coef.reshape(fan_in, k, -1)
    return (scale.T[:, :, None] * per_member).reshape(fan_in, -1), intercept


def members_mean(z, out_activation):
    """The members' mean output activation of an ensemble's pre-activation
    outputs ``z``, of shape ``(n_samples, ensemble_size, n_outputs)``: what an
    ensemble predicts (probabilities, outputs, or for the hinge loss margins)."""
    return _members_mean(z, OUTPUT_FUNCTIONS[out_activation])


def _members_mean(z, activation):
    return _members(z, activation).mean(1)


def _members(z, activation):
    """Each member's output activations of an ensemble's pre-activation outputs
    ``z``, ``(n_samples, ensemble_size, n_outputs)``."""
    n, k, n_outputs = z.shape
    return activation(z.reshape(n * k, n_outputs)).reshape(n, k, n_outputs)


def predict(weights, X, out_activation, members=False):
    """The output layer's activations for X (an array or a sparse matrix of the
    network's input columns), in ``weights``' precision, a chunk of rows at a time
    (never every hidden activation of every row at once). An ensemble's are its
    members' mean, or with ``members`` each member's, ``(n_samples,
    ensemble_size, n_outputs)``."""
    dtype = weights.coefs[0].dtype
    activation = OUTPUT_FUNCTIONS[out_activation]
    X = X.astype(dtype, copy=False)
    step = weights.chunk_rows
    if X.shape[0] * weights.macs_per_row >= LOAD_AWARE_MACS:
        with _BlasThreadsForLoad():
            return _predict_chunks(weights, X, activation, step, members)
    return _predict_chunks(weights, X, activation, step, members)


def _predict_chunks(weights, X, activation, step, members):
    if X.shape[0] <= step:
        return _outputs(weights, X, activation, members)
    network = weights.network
    shape = (network.ensemble_size,) if members else ()
    out = np.empty((X.shape[0], *shape, network.n_outputs), X.dtype)
    for start in range(0, X.shape[0], step):
        out[start : start + step] = _outputs(
            weights, X[start : start + step], activation, members
        )
    return out


def _outputs(weights, X, activation, members=False):
    """The output activations of the rows of X: an ensemble's members' mean, or
    with ``members`` each member's."""
    z = _forward(weights, X)
    if z.ndim == 2:
        return activation(z)
    return _members(z, activation) if members else _members_mean(z, activation)


def _forward(weights, X):
    """The output layer's pre-activation values for the rows of X (in the weights'
    precision): ``(n_samples, n_outputs)``, or an ensemble's per member
    ``(n_samples, ensemble_size, n_outputs)``."""
    network = weights.network
    if network.numeric_embedding == "piecewise_linear":
        X = _embed_piecewise_linear(weights.embedding, X, network.n_embedded)
    elif network.numeric_embedding is not None:
        X = _embed(weights.embedding, X, network.n_embedded)
    hidden = HIDDEN_FUNCTIONS[network.activation]
    n_hidden = len(network.hidden_layer_sizes)
    n, k = X.shape[0], network.ensemble_size
    for i, (coef, intercept) in enumerate(zip(weights.coefs, weights.intercepts)):
        if k > 1 and 0 < i == n_hidden:  # each member's output layer on its rows
            X = np.matmul(X.reshape(n, k, -1).transpose(1, 0, 2), heads(coef, k))
            X = X.transpose(1, 0, 2) + intercept.reshape(k, -1)
            break
        X = np.asarray(X @ coef)  # a sparse X's product is dense
        X += intercept
        if k > 1 and i == 0:  # the members' rows one under the other
            X = X.reshape(n * k, -1)
        if i < n_hidden:
            if weights.batch_norm:
                scale, shift = weights.batch_norm[i]
                X *= scale
                X += shift
            X = hidden(X)
    return X.reshape(n, k, -1) if k > 1 else X


def heads(coef, k):
    """An ensemble's output layer ``(fan_in, k * n_outputs)`` as the k members'
    ``(k, fan_in, n_outputs)``."""
    return coef.reshape(coef.shape[0], k, -1).transpose(1, 0, 2)


def _embed(embedding, X, n_embedded):
    """The periodic embedding of X's first ``n_embedded`` columns, then the columns
    after them (see ``_torch_module.PeriodicEmbedding``)."""
    if scipy.sparse.issparse(X):
        X = X.toarray()
    angles = (2 * math.pi) * X[:, :n_embedded, None] * embedding["frequencies"]
    features = np.concatenate([np.cos(angles), np.sin(angles)], axis=-1)
    embedded = features @ embedding["projection"]
    embedded += embedding["projection_bias"]
    np.maximum(embedded, 0, out=embedded)
    embedded = embedded.reshape(X.shape[0], -1)
    if n_embedded == X.shape[1]:
        return embedded
    return np.concatenate([embedded, X[:, n_embedded:]], axis=1)


def _embed_piecewise_linear(embedding, X, n_embedded):
    """The piecewise-linear embedding of X's first ``n_embedded`` columns, then the
    columns after them (see ``_torch_module.PiecewiseLinearEmbedding``)."""
    if scipy.sparse.issparse(X):
        X = X.toarray()
    values = X[:, :n_embedded, None]
    encoded = (values - embedding["left"]) * embedding["inverse_width"]
    np.clip(encoded, embedding["lower"], embedding["upper"], out=encoded)
    # each feature's (rows x bins) by its (bins x dim), as one batched product
    embedded = np.matmul(encoded.transpose(1, 0, 2), embedding["projection"])
    embedded = embedded.transpose(1, 0, 2) + embedding["linear_bias"]
    embedded += values * embedding["linear"]
    embedded = embedded.reshape(X.shape[0], -1)
    if n_embedded == X.shape[1]:
        return embedded
    return np.concatenate([embedded, X[:, n_embedded:]], axis=1)
