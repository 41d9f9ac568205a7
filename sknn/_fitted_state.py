"""Checks of an estimator's unpickled state against its own structure, in numpy.

``sknn.load`` (and pickle) hand ``__setstate__`` whatever the file held. Before any
of it is used, the fitted attributes must form one network: weight matrices that
chain, biases of their layers' widths, the outputs the classes or targets need,
finite numbers, plain records of history, and the network's record
(:class:`sknn._network.Network`) describing the weights. What only the torch seam
uses (the training settings, optimizer, schedule, batch-norm and RNG state) is
checked in ``sknn._saved_net``. A state that fails is a :class:`sknn.ModelFileError`.
"""

import numbers

import numpy as np
from sklearn.preprocessing import LabelBinarizer

from sknn._bins import check_bin_edges
from sknn._checks import short_repr
from sknn._network import EMBEDDING_PREFIX, OUTPUT_ACTIVATIONS, Network
from sknn.exceptions import ModelFileError

LABEL_TYPES = {"binary", "multiclass", "multilabel-indicator"}
MAX_RECORDS = 10_000_000  # entries of history_, loss_curve_, validation_scores_


def check_fitted_state(state, classifier):
    """Raise ModelFileError unless ``state`` (an estimator's ``__dict__`` as saved)
    is unfitted or describes one consistent fitted network."""
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise ModelFileError("the saved estimator's state is not a dict of names.")
    if "coefs_" not in state:
        if "_net_state" in state or "_checkpoint_training" in state:
            raise ModelFileError(
                "the saved estimator has network or checkpoint state but no weights."
            )
        return
    if not isinstance(state.get("_net_state"), dict):
        raise ModelFileError(
            "the saved model has weights but no network state to predict with."
        )
    coefs, intercepts = state["coefs_"], state.get("intercepts_")
    if (
        not isinstance(coefs, list)
        or not isinstance(intercepts, list)
        or not coefs
        or len(coefs) != len(intercepts)
    ):
        raise ModelFileError(
            "the saved coefs_ and intercepts_ are not two lists of one array per layer."
        )
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        fan_in = coefs[i - 1].shape[1] if i else None
        _check_array(coef, f"coefs_[{i}]", ndim=2, first=fan_in)
        _check_array(intercept, f"intercepts_[{i}]", ndim=1, first=coef.shape[1])
    _check_extra_state(state.get("_extra_state", {}))
    network = saved_network(
        state["_net_state"].get("network"), coefs, state.get("_extra_state", {})
    )
    n_features, n_outputs = network.n_features, network.n_outputs
    _expect(state, "n_features_in_", n_features)
    _expect(state, "n_outputs_", n_outputs)
    _expect(state, "n_layers_", len(coefs) + 1)
    if state.get("out_activation_") not in OUTPUT_ACTIVATIONS:
        raise ModelFileError(
            f"the saved out_activation_ {short_repr(state.get('out_activation_'))} "
            f"is not one of {sorted(OUTPUT_ACTIVATIONS)}."
        )
    names = state.get("feature_names_in_")
    if names is not None and (
        not isinstance(names, np.ndarray)
        or names.shape != (n_features,)
        or not all(isinstance(name, str) for name in names)
    ):
        raise ModelFileError(
            f"the saved feature_names_in_ are not {n_features} column names."
        )
    for name in ("n_iter_", "t_"):
        if name in state and not _count(state[name]):
            raise ModelFileError(
                f"the saved {name} {short_repr(state[name])} is not a count."
            )
    _check_numbers(state.get("loss_curve_", []), "loss_curve_")
    _check_numbers(state.get("validation_scores_") or [], "validation_scores_")
    _check_history(state.get("history_", []))
    _check_convergence(state.get("_convergence", {}))
    if classifier:
        _check_classes(state, n_outputs)
    else:
        _check_target_scaling(state, n_outputs)
        _check_target_range(state, n_outputs)
    training = state.get("_checkpoint_training")
    if training is not None:
        _check_checkpoint_training(training)
        _check_fixed_best_arrays(training["best_params"], network, state)


def saved_network(record, coefs, extra_state):
    """The network record of a saved net state, each field checked, that describes
    ``coefs`` and the numeric embedding's and ensemble adapter's arrays of
    ``extra_state``: so every size the record gives is one the file holds."""
    network = Network.from_saved(record)
    network.check_weights(coefs, extra_state if isinstance(extra_state, dict) else {})
    embedding = {}
    if isinstance(extra_state, dict):
        embedding = network.embedding_arrays(extra_state)
    for name, shape in network.embedding_fixed_shapes().items():
        check_bin_edges(embedding[name], shape)
    return network


def _check_array(value, what, ndim, first=None):
    if (
        not isinstance(value, np.ndarray)
        or value.dtype != np.float32
        or value.ndim != ndim
        or 0 in value.shape
        or (first is not None and value.shape[0] != first)
    ):
        found = (
            f"a {value.dtype} array of shape {value.shape}"
            if isinstance(value, np.ndarray)
            else short_repr(value)
        )
        size = "" if first is None else f" with {first} rows"
        raise ModelFileError(
            f"the saved {what} is {found}, not a {ndim}-D float32 array{size} that "
            "fits the layers around it."
        )
    if not np.isfinite(value).all():
        raise ModelFileError(f"the saved {what} holds non-finite values.")


def _expect(state, name, value):
    if state.get(name) != value or not _count(state.get(name)):
        raise ModelFileError(
            f"the saved {name} is {short_repr(state.get(name))}; the weights give "
            f"{value}."
        )


def _count(value):
    return (
        isinstance(value, numbers.Integral)
        and not isinstance(value, bool)
        and value >= 0
    )


def _number(value):
    return value is None or (
        isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    )


def _check_numbers(values, what):
    if (
        not isinstance(values, list)
        or len(values) > MAX_RECORDS
        or not all(_number(v) for v in values)
    ):
        raise ModelFileError(f"the saved {what} is not a list of numbers.")


def _check_history(history):
    if not isinstance(history, list) or len(history) > MAX_RECORDS:
        raise ModelFileError("the saved history_ is not a list of epoch records.")
    for record in history:
        if (
            not isinstance(record, dict)
            or not all(isinstance(key, str) for key in record)
            or not all(_number(value) for value in record.values())
        ):
            raise ModelFileError(
                "the saved history_ holds a record that is not a dict of numbers."
            )


def _check_convergence(convergence):
    fields = {
        "loss_curve", "validation_scores", "best_loss", "best_validation_score",
        "no_improvement_count", "t", "best_monitored",
    }  # fmt: skip
    if not isinstance(convergence, dict) or not set(convergence) <= fields:
        raise ModelFileError("the saved stopping-rule state is not sknn's.")
    _check_numbers(convergence.get("loss_curve", []), "loss curve")
    scores = convergence.get("validation_scores")
    _check_numbers(scores or [], "validation scores")
    for name in ("no_improvement_count", "t"):
        if not _count(convergence.get(name, 0)):
            raise ModelFileError(f"the saved stopping rule's {name} is not a count.")
    # the best value the rule compares with: the score with early stopping (a list
    # of scores), else the loss; the other may be None, as in a fresh fit
    compared = "best_validation_score" if scores is not None else "best_loss"
    for name in ("best_loss", "best_validation_score", "best_monitored"):
        value = convergence.get(name)
        if not _number(value) or (name == compared and value is None):
            raise ModelFileError(f"the saved stopping rule's {name} is not a number.")


def _check_extra_state(extra_state):
    """Names and arrays; the seam checks them against the network's layers."""
    if not isinstance(extra_state, dict) or not all(
        isinstance(key, str) and isinstance(value, np.ndarray)
        for key, value in extra_state.items()
    ):
        raise ModelFileError("the saved batch-norm state is not a dict of arrays.")


def _check_fixed_best_arrays(best, network, state):
    """Early stopping's best weights hold the embedding's fixed arrays (the bin
    edges) too: those of the network, which training never changes."""
    if best is None:
        return
    for name in network.embedding_fixed_shapes():
        key = EMBEDDING_PREFIX + name
        saved = best.get(key)
        if not (
            isinstance(saved, np.ndarray)
            and saved.dtype == np.float32
            and np.array_equal(saved, state["_extra_state"][key])
        ):
            raise ModelFileError(
                f"the saved checkpoint's best weights hold other embedding {name} "
                "than its network; training never changes them."
            )


def _check_classes(state, n_outputs):
    classes = state.get("classes_")
    binarizer = state.get("_label_binarizer")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or not len(classes):
        raise ModelFileError("the saved classes_ are not a 1-D array of labels.")
    label_type = getattr(binarizer, "y_type_", None)
    binarizer_classes = getattr(binarizer, "classes_", None)
    if (
        not isinstance(binarizer, LabelBinarizer)
        # what sknn's fit sets, and predict's inverse_transform reads
        or binarizer.get_params()
        != {"neg_label": 0, "pos_label": 1, "sparse_output": False}
        or getattr(binarizer, "sparse_input_", None) is not False
        or label_type not in LABEL_TYPES
        or not isinstance(binarizer_classes, np.ndarray)
        or binarizer_classes.shape != classes.shape
        or not np.array_equal(binarizer_classes, classes)
    ):
        raise ModelFileError(
            "the saved label encoder does not hold the model's classes_."
        )
    expected = 1 if label_type == "binary" else len(classes)
    if n_outputs != expected:
        raise ModelFileError(
            f"the saved network has {n_outputs} outputs; {len(classes)} classes of "
            f"a {label_type} target need {expected}."
        )


def _check_target_scaling(state, n_outputs):
    center, scale = state.get("_target_center"), state.get("_target_scale")
    if center is None and scale is None:
        return
    for name, value in (("center", center), ("scale", scale)):
        if (
            not isinstance(value, np.ndarray)
            or value.shape != (n_outputs,)
            or value.dtype.kind not in "fiu"
            or not np.isfinite(value).all()
        ):
            raise ModelFileError(
                f"the saved target {name} is not {n_outputs} finite float(s), one per "
                "output."
            )
    if not (scale > 0).all():
        raise ModelFileError("the saved target scale is not positive.")


def _check_target_range(state, n_outputs):
    """The range of the targets fitted on, which a regressor fitted with
    ``clip_predictions`` clips to: each output's finite min, then max."""
    value = state.get("_target_range")
    if value is None:
        return
    if (
        not isinstance(value, np.ndarray)
        or value.shape != (2, n_outputs)
        or value.dtype != np.float64
        or not np.isfinite(value).all()
        or (value[0] > value[1]).any()
    ):
        raise ModelFileError(
            f"the saved target range is not a (2, {n_outputs}) float64 array of each "
            "output's finite minimum and maximum."
        )


def _check_checkpoint_training(training):
    """Shapes of the RNG states are checked against the generators on resume."""
    keys = {"generator", "rng", "best_params", "finished"}
    if not isinstance(training, dict) or set(training) != keys:
        raise ModelFileError("the saved checkpoint's training state is not sknn's.")
    for name in ("generator", "rng"):
        value = training[name]
        if (
            not isinstance(value, np.ndarray)
            or value.dtype != np.uint8
            or value.ndim != 1
            or value.size > 1 << 16
        ):
            raise ModelFileError(
                f"the saved checkpoint's {name} state is not an RNG's."
            )
    best = training["best_params"]
    if best is not None and not (
        isinstance(best, dict) and all(isinstance(v, np.ndarray) for v in best.values())
    ):
        raise ModelFileError("the saved checkpoint's best weights are not arrays.")
    if not isinstance(training["finished"], bool | np.bool_):
        raise ModelFileError("the saved checkpoint's 'finished' is not a boolean.")
