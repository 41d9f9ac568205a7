"""The one description of sknn's network, and the option lists every part reads.

:class:`Network` is a frozen, numpy-only record of the network's structure: the
estimators build it, the torch seam builds its module from it, the saved-state
checks compare a file's weights against it, ONNX export reads it. Each quantity
derived from the structure (the first layer's width, the layer sizes, the
parameters' shapes) is computed here, once.

With ``ensemble_size`` k above 1 the network is an ensemble of k members in one
(TabM-mini: Gorishniy et al. 2024, "TabM: Advancing tabular deep learning with
parameter-efficient ensembling"): member i scales the first linear layer's input by a
vector of its own (row i of the adapter, a ``(k, input_width)`` array), the hidden
layers are shared and run on the members' rows together, and each member has an
output layer of its own, stored side by side as one ``(fan_in, k * n_outputs)``
array, member after member. The prediction is the members' mean output activation.
"""

import dataclasses

from sknn._checks import boolean, check_record, choice, integer, real, short_repr
from sknn.exceptions import ModelFileError

# sklearn's four, then sknn's
HIDDEN_ACTIVATIONS = (
    "identity", "logistic", "tanh", "relu",
    "leaky_relu", "elu", "selu", "gelu", "silu", "softplus", "hardtanh",
)  # fmt: skip
# the output layer's: sklearn's classifiers' and regressors', the Poisson loss's
# exp and the squared log error's expm1
OUTPUT_ACTIVATIONS = ("softmax", "logistic", "identity", "exp", "expm1")
STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SOLVERS = ("lbfgs", *STOCHASTIC_SOLVERS)
# sklearn's schedules, applied to "sgd" only as in sklearn
SKLEARN_SCHEDULES = ("constant", "invscaling", "adaptive")
# sknn's, for every stochastic solver: stepped once an epoch, or once a batch
EPOCH_SCHEDULES = ("step", "cosine")
BATCH_SCHEDULES = ("cyclic", "onecycle")
LEARNING_RATES = SKLEARN_SCHEDULES + EPOCH_SCHEDULES + BATCH_SCHEDULES
# the schedules that end at max_iter epochs, the learning rate annealed
ANNEALED_SCHEDULES = ("cosine", "onecycle")
# the numeric embedding is the module's first layer: torch names its arrays
# "0.<name>", and the estimators keep them under those names beside batch norm's
EMBEDDING_PREFIX = "0."
# what early stopping monitors, and which of equally good epochs it restores
SCORINGS = ("score", "loss")
RESTORE_BEST = ("first", "last")
NUMERIC_EMBEDDINGS = ("periodic", "piecewise_linear")
# the constants of the layers, torch's defaults, which the torch module, the numpy
# forward pass and ONNX export all compute with
BATCH_NORM_EPS = 1e-5
LEAKY_RELU_SLOPE = 0.01
SELU_ALPHA = 1.6732632423543772848170429916717  # Klambauer et al. 2017
SELU_SCALE = 1.0507009873554804934193349852946
SOFTPLUS_THRESHOLD = 20.0  # softplus is the identity above it


@dataclasses.dataclass(frozen=True)
class Network:
    """The structure of a multilayer perceptron, validated by whoever builds it.

    Parameters
    ----------
    n_features : int
        Columns of the network's input.

    hidden_layer_sizes : tuple of int
        Units of each hidden layer.

    n_outputs : int
        Units of the output layer.

    activation : str
        The hidden layers' activation, one of ``HIDDEN_ACTIVATIONS``.

    dropout : tuple of float
        Dropout rate after each hidden layer's activation.

    batch_norm : bool, default=False
        Batch normalization between each hidden layer and its activation.

    numeric_embedding : {None, 'periodic', 'piecewise_linear'}, default=None
        The embedding of the leading input columns before the first layer.

    embedding_dim : int, default=1
        Values per embedded feature.

    embedded_features : int or None, default=None
        How many leading input columns the embedding takes (None: all); the columns
        after them pass through unchanged.

    embedding_frequencies : int, default=48
        Learned frequencies per embedded feature (the periodic embedding).

    embedding_bins : int, default=48
        Bins per embedded feature (the piecewise-linear embedding): at most this
        many, fewer where a feature has fewer distinct training quantiles.

    ensemble_size : int, default=1
        Members of the ensemble (1: a plain network, without an adapter).

    Examples
    --------
    >>> from sknn._network import Network
    >>> net = Network(5, (16,), 3, "relu", (0.0,), numeric_embedding="periodic",
    ...               embedding_dim=4, embedded_features=2)
    >>> net.layer_units
    (11, 16, 3)
    >>> net.embedding_shapes()
    {'frequencies': (2, 48), 'projection': (96, 4), 'projection_bias': (4,)}
    >>> members = Network(5, (16,), 3, "relu", (0.0,), ensemble_size=4)
    >>> members.weight_shapes(), members.ensemble_shapes()
    ([(5, 16), (16, 12)], {'0.scale': (4, 5)})
    >>> net = Network(5, (16,), 3, "relu", (0.0,), numeric_embedding="piecewise_linear",
    ...               embedding_dim=4, embedded_features=2, embedding_bins=8)
    >>> net.embedding_shapes()
    {'linear': (2, 4), 'linear_bias': (2, 4), 'projection': (2, 8, 4)}
    >>> net.embedding_fixed_shapes()
    {'edges': (2, 9)}
    """

    n_features: int
    hidden_layer_sizes: tuple[int, ...]
    n_outputs: int
    activation: str
    dropout: tuple[float, ...]
    batch_norm: bool = False
    numeric_embedding: str | None = None
    embedding_dim: int = 1
    embedded_features: int | None = None
    embedding_frequencies: int = 48
    embedding_bins: int = 48
    ensemble_size: int = 1

    @property
    def n_embedded(self):
        """How many leading input columns the numeric embedding takes (0 without
        one)."""
        if self.numeric_embedding is None:
            return 0
        if self.embedded_features is None:
            return self.n_features
        return self.embedded_features

    @property
    def embedding_width(self):
        """The numeric embedding's output columns: ``embedding_dim`` per embedded
        feature (0 without one)."""
        return self.n_embedded * self.embedding_dim

    @property
    def input_width(self):
        """The first linear layer's inputs: the embedding's columns, then the
        features it passes through."""
        return self.embedding_width + self.n_features - self.n_embedded

    @property
    def layer_units(self):
        """Units of every layer, the first linear layer's inputs first (sklearn's
        ``layer_units``)."""
        return (self.input_width, *self.hidden_layer_sizes, self.n_outputs)

    def weight_shapes(self):
        """Each linear layer's ``(fan_in, fan_out)``: the shapes of ``coefs_``. The
        output layer holds every member's, side by side: ``ensemble_size *
        n_outputs`` columns."""
        units = (*self.layer_units[:-1], self.ensemble_size * self.n_outputs)
        return list(zip(units, units[1:]))

    def macs_per_row(self):
        """Multiply-adds of one row's forward pass through the linear layers: the
        shared ones once per member, each member's output layer once."""
        shapes = self.weight_shapes()
        shared = sum(a * b for a, b in shapes[:-1])
        return self.ensemble_size * shared + shapes[-1][0] * shapes[-1][1]

    def ensemble_key(self):
        """The adapter's name in the state beyond the linear layers
        (``"<position>.scale"``, as torch's ``state_dict`` names it); None for a
        plain network."""
        for position, (kind, _) in enumerate(self.layers()):
            if kind == "ensemble":
                return f"{position}.scale"
        return None

    def ensemble_shapes(self):
        """The adapter's shape by its name ({} for a plain network): a scale per
        member and input column of the first linear layer."""
        key = self.ensemble_key()
        return {} if key is None else {key: (self.ensemble_size, self.input_width)}

    def adapter_sections(self):
        """The widths of the input's column groups that share one initial adapter
        value, as TabM draws it: an embedded feature's ``embedding_dim`` columns,
        then each column the embedding passes through."""
        passed = self.n_features - self.n_embedded
        return [self.embedding_dim] * self.n_embedded + [1] * passed

    def embedding_shapes(self):
        """The numeric embedding's parameters' shapes by name ({} without one)."""
        if self.numeric_embedding is None:
            return {}
        if self.numeric_embedding == "piecewise_linear":
            return self._piecewise_linear_shapes()
        frequencies, dim = self.embedding_frequencies, self.embedding_dim
        return {
            "frequencies": (self.n_embedded, frequencies),
            "projection": (2 * frequencies, dim),
            "projection_bias": (dim,),
        }

    def _piecewise_linear_shapes(self):
        """The piecewise-linear embedding's learned arrays, rtdl_num_embeddings'
        version "B": per feature a linear term (``linear``, ``linear_bias``) and a
        map of its bins' components to ``embedding_dim`` values (``projection``)."""
        features, dim = self.n_embedded, self.embedding_dim
        return {
            "linear": (features, dim),
            "linear_bias": (features, dim),
            "projection": (features, self.embedding_bins, dim),
        }

    def embedding_fixed_shapes(self):
        """The numeric embedding's arrays that training never changes, by name:
        the piecewise-linear embedding's bin edges, computed at the first fit."""
        if self.numeric_embedding != "piecewise_linear":
            return {}
        return {"edges": (self.n_embedded, self.embedding_bins + 1)}

    def embedding_state_shapes(self):
        """Every array of the numeric embedding by name: the learned ones
        (:meth:`embedding_shapes`), then the fixed ones."""
        return {**self.embedding_shapes(), **self.embedding_fixed_shapes()}

    def embedding_arrays(self, extra_state):
        """The numeric embedding's arrays in ``extra_state`` (the estimator's state
        beyond its linear layers) by the names of :meth:`embedding_state_shapes`;
        None where one is missing."""
        return {
            name: extra_state.get(EMBEDDING_PREFIX + name)
            for name in self.embedding_state_shapes()
        }

    def activation_widths(self):
        """The widths of the activations a forward pass holds per row: each
        layer's (every member's), and the numeric embedding's sines and cosines or
        bins."""
        k = self.ensemble_size
        widths = [self.input_width * k] + [units * k for units in self.layer_units[1:]]
        if self.numeric_embedding == "piecewise_linear":
            widths.append(self.n_embedded * self.embedding_bins)
        elif self.numeric_embedding is not None:
            widths.append(self.n_embedded * 2 * self.embedding_frequencies)
        return widths

    def layers(self):
        """The network's layers in order, as (kind, hidden layer) pairs: the numeric
        embedding, the ensemble's adapter, then each layer's linear map and, for a
        hidden one, its batch norm, activation and dropout where it has them. The
        torch module has these children in this order, so a layer's position names
        its saved arrays."""
        layers = [("embedding", None)] if self.numeric_embedding is not None else []
        if self.ensemble_size > 1:
            layers.append(("ensemble", None))
        n_hidden = len(self.hidden_layer_sizes)
        for i in range(n_hidden + 1):
            layers.append(("linear", i))
            if i < n_hidden:
                if self.batch_norm:
                    layers.append(("batch_norm", i))
                layers.append(("activation", i))
                if self.dropout[i] > 0:
                    layers.append(("dropout", i))
        return layers

    def batch_norm_prefixes(self):
        """The prefix of each hidden layer's batch-norm arrays in the state beyond
        the linear layers (``"<position>."``, as torch's ``state_dict`` names them)."""
        return [
            f"{position}."
            for position, (kind, _) in enumerate(self.layers())
            if kind == "batch_norm"
        ]

    def to_dict(self):
        """The record as plain values, as model files hold it."""
        return dataclasses.asdict(self)

    @classmethod
    def from_saved(cls, record):
        """The record of a saved dict, each field type- and range-checked first: the
        dict comes from a file, which is hostile until proven otherwise. Raises
        ModelFileError for anything :meth:`to_dict` does not write."""
        check_record(record, _FIELD_CHECKS, "network")
        hidden = tuple(int(units) for units in record["hidden_layer_sizes"])
        dropout = record["dropout"]
        if len(dropout) != len(hidden):
            raise ModelFileError(
                f"the saved network's dropout {short_repr(dropout)} is not one rate in "
                f"[0, 1) per hidden layer ({len(hidden)} here)."
            )
        embedded = record["embedded_features"]
        if embedded is not None and embedded > record["n_features"]:
            raise ModelFileError(
                f"the saved network's embedded_features {embedded} exceed its "
                f"{record['n_features']} input features."
            )
        return cls(
            **dict(
                record,
                hidden_layer_sizes=hidden,
                dropout=tuple(float(p) for p in dropout),
                batch_norm=bool(record["batch_norm"]),
            )
        )

    def check_weights(self, coefs, extra_state):
        """Raise ModelFileError unless ``coefs`` (sklearn's ``(fan_in, fan_out)``
        arrays), the numeric embedding's arrays and the ensemble's adapter in
        ``extra_state`` have this network's shapes: so no size in the record
        allocates more than the file holds."""
        shapes = [getattr(coef, "shape", None) for coef in coefs]
        if shapes != self.weight_shapes():
            members = ""
            if self.ensemble_size > 1:
                members = f" ({self.ensemble_size} members' output layers)"
            raise ModelFileError(
                f"the saved network's layer sizes {list(self.layer_units)}{members} "
                f"do not match its weights, of shapes {short_repr(shapes)}."
            )
        embedding = self.embedding_arrays(extra_state)
        for name, shape in self.embedding_state_shapes().items():
            saved = getattr(embedding.get(name), "shape", None)
            if saved != shape:
                raise ModelFileError(
                    f"the saved network's embedding {name} is of shape "
                    f"{short_repr(saved)}; its record (embedding_dim "
                    f"{self.embedding_dim}, embedding_frequencies "
                    f"{self.embedding_frequencies}, embedding_bins "
                    f"{self.embedding_bins}, {self.n_embedded} embedded "
                    f"features) needs {shape}."
                )
        for key, shape in self.ensemble_shapes().items():
            saved = getattr(extra_state.get(key), "shape", None)
            if saved != shape:
                raise ModelFileError(
                    f"the saved network's ensemble adapter {key!r} is of shape "
                    f"{short_repr(saved)}; its record ({self.ensemble_size} members, "
                    f"{self.input_width} inputs to the first layer) needs {shape}."
                )


def _units(value):
    return isinstance(value, list | tuple) and all(integer(1)(v) for v in value)


def _rates(value):
    return isinstance(value, list | tuple) and all(
        real(0, 1)(p) and p < 1 for p in value
    )


_FIELD_CHECKS = {
    "n_features": integer(1),
    "hidden_layer_sizes": _units,
    "n_outputs": integer(1),
    "activation": choice(HIDDEN_ACTIVATIONS),
    "dropout": _rates,
    "batch_norm": boolean,
    "numeric_embedding": lambda v: v is None or choice(NUMERIC_EMBEDDINGS)(v),
    "embedding_dim": integer(1),
    "embedded_features": lambda v: v is None or integer(1)(v),
    "embedding_frequencies": integer(1),
    "ensemble_size": integer(1),
    "embedding_bins": integer(2),
}
