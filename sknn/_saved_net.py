"""The state a saved net keeps beyond its weights, described and checked in numpy.

A model file holds, beside the weights, what a net of sknn keeps to train on: the
optimizer's settings and per-parameter arrays, the learning-rate schedule's state,
the batch-norm and embedding arrays, and the shuffling and dropout generators'
states. The file is hostile until proven otherwise: torch's fused optimizer steps
trust their state's shapes (a one-element ``exp_avg`` for a weight matrix corrupts
memory), and a network's layer sizes decide what is allocated. So each part must
have the layout a fresh net of the saved records has, or it is a
:class:`sknn.ModelFileError`.

The layouts are written here from the records alone (torch's defaults and the state
each solver and schedule keeps, as the torch that constraints.txt pins builds them;
the seam's tests hold them to torch's), so that ``sknn.load`` checks a file without
importing torch: a model that predicts in numpy needs none. When the seam rebuilds a
net it checks the same state against the live one (``sknn._torch_state``), with the
comparisons of this module.
"""

import dataclasses
import fnmatch
import numbers

import numpy as np

from sknn._checks import check_record, integer, real, short_repr
from sknn._fitted_state import saved_network
from sknn._network import BATCH_SCHEDULES, EPOCH_SCHEDULES
from sknn._training import TRAINING_CHECKS, Training
from sknn.exceptions import ModelFileError

NET_STATE_KEYS = {"network", "training", "optimizer", "scheduler"}
GENERATORS = {"shuffle", "dropout"}

# the per-parameter state torch's optimizers keep: a scalar step count, the rest of
# the parameter's own shape
SCALAR_STATE = {"step"}
PARAMETER_STATE = {
    "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer", "square_avg",
    "grad_avg", "sum",
}  # fmt: skip
# how torch runs a step, not what it computes: taken from the fresh optimizer (a
# model trained on one device loads on another); every other switch must be equal
IMPLEMENTATION_SWITCHES = ("fused", "foreach")

# each solver's torch optimizer, and its defaults: the settings of a parameter
# group sknn sets nothing in
OPTIMIZERS = {
    "sgd": "SGD",
    "adam": "Adam",
    "adamw": "AdamW",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "lbfgs": "LBFGS",
}
_ADAM_DEFAULTS = {
    "lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
    "amsgrad": False, "maximize": False, "foreach": None, "capturable": False,
    "differentiable": False, "fused": None, "decoupled_weight_decay": False,
}  # fmt: skip
OPTIMIZER_DEFAULTS = {
    "sgd": {
        "lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0,
        "nesterov": False, "maximize": False, "foreach": None,
        "differentiable": False, "fused": None,
    },
    "adam": _ADAM_DEFAULTS,
    "adamw": {**_ADAM_DEFAULTS, "weight_decay": 1e-2, "decoupled_weight_decay": True},
    "rmsprop": {
        "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0,
        "centered": False, "capturable": False, "foreach": None, "maximize": False,
        "differentiable": False,
    },
    "adagrad": {
        "lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0,
        "eps": 1e-10, "foreach": None, "maximize": False, "differentiable": False,
        "fused": None,
    },
    "lbfgs": {
        "lr": 1, "max_iter": 20, "max_eval": 25, "tolerance_grad": 1e-7,
        "tolerance_change": 1e-9, "history_size": 100, "line_search_fn": None,
    },
}  # fmt: skip
# the pattern naming the first parameter group: the weights, whose weight_decay
# carries sklearn's L2 gradient in the fast epoch loop (AdamW's decoupled decay)
WEIGHTS = "*.weight"
CPU_GENERATOR_STATE = (5056,)  # torch's CPU generator (Mersenne Twister) state bytes
# what the errors call the arrays beyond the linear layers
EXTRA_STATE = "batch-norm, embedding and adapter state"


def optimizer_settings(training, device):
    """The torch optimizer's class name of ``training.solver``, its settings beyond
    the learning rate (the net's ``lr``), and the settings of its first parameter
    group (the weights; None: one group of all parameters), for a net on
    ``device``."""
    fused = device.split(":")[0] in ("cpu", "cuda")
    solver = training.solver
    weights = {"weight_decay": 0.0}
    if solver in ("adam", "adamw"):
        settings = {
            "betas": (training.beta_1, training.beta_2),
            "eps": training.epsilon,
            "fused": fused,
        }
        if solver == "adamw":
            # alpha is AdamW's decoupled weight decay on the weights, not an L2 term
            weights = {"weight_decay": training.alpha}
            settings["weight_decay"] = 0.0
    elif solver == "rmsprop":
        settings = {"eps": training.epsilon, "momentum": training.momentum}
    elif solver == "adagrad":
        settings = {"eps": training.epsilon, "fused": fused}
    elif solver == "sgd":
        nesterov = bool(training.nesterovs_momentum and training.momentum > 0)
        settings = {"momentum": training.momentum, "nesterov": nesterov, "fused": fused}
    else:
        settings = {
            "max_iter": training.max_iter,
            "max_eval": training.max_fun,
            "tolerance_grad": training.tol,
            "tolerance_change": 1e-9,
            "history_size": 10,
            "line_search_fn": "strong_wolfe",
        }
        weights = None
    return OPTIMIZERS[solver], settings, weights


def learning_rate(training):
    """The optimizer's learning rate: LBFGS's line search scales a step of 1."""
    return 1.0 if training.solver == "lbfgs" else training.learning_rate_init


def parameter_shapes(network):
    """The torch module's parameters of ``network`` as (name, shape) pairs, in the
    order of its ``named_parameters``."""
    shapes = network.weight_shapes()
    named = []
    for position, (kind, i) in enumerate(network.layers()):
        if kind == "embedding":
            named += [
                (f"{position}.{name}", shape)
                for name, shape in network.embedding_shapes().items()
            ]
        elif kind == "ensemble":
            named += list(network.ensemble_shapes().items())
        elif kind == "linear":
            fan_in, fan_out = shapes[i]
            named += [(f"{position}.weight", (fan_out, fan_in))]
            named += [(f"{position}.bias", (fan_out,))]
        elif kind == "batch_norm":
            units = (shapes[i][1],)
            named += [(f"{position}.weight", units), (f"{position}.bias", units)]
    return named


def extra_state_layout(network):
    """The state beyond the linear layers (batch norm, the numeric embedding, the
    ensemble's adapter), as the module's ``extra_state`` names it: name -> (shape,
    dtype)."""
    shapes = network.weight_shapes()
    layout = {}
    for position, (kind, i) in enumerate(network.layers()):
        if kind == "embedding":
            for name, shape in network.embedding_state_shapes().items():
                layout[f"{position}.{name}"] = (shape, np.float32)
        elif kind == "ensemble":
            for name, shape in network.ensemble_shapes().items():
                layout[name] = (shape, np.float32)
        elif kind == "batch_norm":
            units = (shapes[i][1],)
            for name in ("weight", "bias", "running_mean", "running_var"):
                layout[f"{position}.{name}"] = (units, np.float32)
            layout[f"{position}.num_batches_tracked"] = ((), np.int64)
    return layout


@dataclasses.dataclass(frozen=True)
class OptimizerLayout:
    """What a fresh optimizer's ``state_dict`` holds, and what a step adds.

    ``param_groups`` are the groups as ``state_dict`` gives them (parameters by
    index); ``entries``, per parameter, the names of the state a step keeps, each
    with its shape (None: kept unset); ``history`` is true for LBFGS, whose state is
    its search history, which sknn never trains on from.
    """

    param_groups: list
    entries: list
    history: bool = False


def optimizer_layout(network, training):
    """The :class:`OptimizerLayout` of a fresh optimizer of ``training`` on the
    parameters of ``network`` (as the seam builds it: skorch puts the parameters
    of the first group's pattern first, in reverse order)."""
    _, settings, weights = optimizer_settings(training, training.device)
    defaults = {
        **OPTIMIZER_DEFAULTS[training.solver],
        **settings,
        "lr": learning_rate(training),
        **_schedule_group_settings(training),
    }
    named = parameter_shapes(network)
    if weights is None:
        groups, order = [{**defaults, "params": list(range(len(named)))}], named
    else:
        first = [pair for pair in named if fnmatch.fnmatch(pair[0], WEIGHTS)][::-1]
        rest = [pair for pair in named if not fnmatch.fnmatch(pair[0], WEIGHTS)]
        groups = [
            {**defaults, **weights, "params": list(range(len(first)))},
            {**defaults, "params": list(range(len(first), len(named)))},
        ]
        order = first + rest
    entries = [_step_entries(training, shape) for _, shape in order]
    return OptimizerLayout(groups, entries, history=training.solver == "lbfgs")


def _schedule_group_settings(training):
    """What a learning-rate schedule adds to each parameter group: its initial
    rate, and one-cycle's highest and lowest."""
    if schedule_state(training, 0) is None:
        return {}
    lr = training.learning_rate_init
    if training.learning_rate == "onecycle":
        return {"initial_lr": lr / 25, "max_lr": lr, "min_lr": lr / 25e4}
    return {"initial_lr": lr}


def _step_entries(training, shape):
    """The state one step of ``training.solver`` keeps for a parameter of
    ``shape``: name -> shape."""
    solver, momentum = training.solver, training.momentum > 0
    if solver == "sgd":
        return {"momentum_buffer": shape} if momentum else {}
    if solver in ("adam", "adamw"):
        return {"step": (), "exp_avg": shape, "exp_avg_sq": shape}
    if solver == "rmsprop":
        entries = {"step": (), "square_avg": shape}
        return {**entries, "momentum_buffer": shape} if momentum else entries
    if solver == "adagrad":
        return {"step": (), "sum": shape}
    return {}


def schedule_state(training, n_groups):
    """The ``state_dict`` of a fresh learning-rate schedule of ``training`` (one
    step per epoch) on ``n_groups`` parameter groups; None for sklearn's schedules.
    Its values stand for their kinds (see :func:`check_scheduler_state`)."""
    name, lr = training.learning_rate, training.learning_rate_init
    if training.solver == "lbfgs" or name not in EPOCH_SCHEDULES + BATCH_SCHEDULES:
        return None
    if name == "step":
        own, base = {"step_size": training.lr_step_size, "gamma": training.lr_gamma}, lr
    elif name == "cosine":
        own, base = {"T_max": training.max_iter, "eta_min": 0.0}, lr
    elif name == "cyclic":
        base = lr * training.lr_gamma
        own = {
            "max_lrs": [lr] * n_groups,
            "total_size": float(2 * training.lr_step_size),
            "step_ratio": 0.5,
            "mode": "triangular",
            "gamma": 1.0,
            "scale_mode": "cycle",
            "cycle_momentum": False,
            "_scale_fn_custom": None,
        }
    else:  # onecycle: warm-up over 30% of the steps, then cosine annealing
        steps, base = training.max_iter, lr / 25
        phases = [
            ("initial_lr", "max_lr", "max_momentum", "base_momentum", 0.3 * steps - 1),
            ("max_lr", "min_lr", "base_momentum", "max_momentum", steps - 1),
        ]
        own = {
            "total_steps": steps,
            "_schedule_phases": [
                {
                    "end_step": end,
                    "start_lr": start_lr,
                    "end_lr": end_lr,
                    "start_momentum": start_momentum,
                    "end_momentum": end_momentum,
                }
                for start_lr, end_lr, start_momentum, end_momentum, end in phases
            ],
            "_anneal_func_type": "cos",
            "cycle_momentum": False,
        }
    return {
        **own,
        "base_lrs": [base] * n_groups,
        "last_epoch": 0,
        "_step_count": 1,
        "_is_initial": False,
        "_get_lr_called_within_step": False,
        "_last_lr": [base] * n_groups,
    }


# --------------------------------------------------------------------------- checks


def check_net_state(state, coefs, extra_state):
    """Raise ModelFileError unless ``state`` (``_torch.export_state``'s record, from
    a file) fits the saved weights: its network record describes ``coefs``, its
    training settings hold values sknn writes, and the batch-norm and embedding
    arrays of ``extra_state``, the optimizer's and schedule's state and the
    generators' have the layouts a fresh net of those records has. Returns the
    network's record and the training settings."""
    if not isinstance(state, dict) or not (
        NET_STATE_KEYS <= set(state) <= NET_STATE_KEYS | {"generators"}
    ):
        raise ModelFileError("the saved network state is not one sknn writes.")
    network = check_net_records(state, coefs, extra_state)
    training = Training(**state["training"])
    check_arrays(extra_state, extra_state_layout(network), EXTRA_STATE)
    layout = optimizer_layout(network, training)
    check_optimizer_state(state["optimizer"], layout)
    check_scheduler_state(
        state["scheduler"], schedule_state(training, len(layout.param_groups))
    )
    if "generators" in state:
        generators = state["generators"]
        if not isinstance(generators, dict) or set(generators) != GENERATORS:
            raise ModelFileError("the saved generator states are not sknn's.")
        check_generator_state(
            generators["shuffle"], CPU_GENERATOR_STATE, "shuffling RNG state"
        )
        if training.device == "cpu":  # the seam checks another device's own
            check_generator_state(
                generators["dropout"], CPU_GENERATOR_STATE, "dropout RNG state"
            )
    return network, training


def check_net_records(state, coefs, extra_state):
    """The saved network record must describe the saved weights and embedding (see
    ``sknn._fitted_state.saved_network``: so no size in it allocates more than the
    file holds), and the saved training settings must be the fields sknn writes,
    each a value sknn writes. Returns the network's record."""
    network = saved_network(state.get("network"), coefs, extra_state)
    check_record(state.get("training"), TRAINING_CHECKS, "training settings")
    return network


def check_optimizer_state(saved, layout):
    """The saved optimizer state must have the parameter groups of ``layout`` (an
    :class:`OptimizerLayout`: the same switches, numbers of the same kind) and, per
    parameter, the entries a step of this optimizer keeps: a scalar step and arrays
    of the parameter's shape, in float32. LBFGS keeps its search history, which sknn
    never trains on from: only its groups are checked and loaded. Returns the state
    to load, with the layout's implementation switches."""
    fresh = layout.param_groups
    groups = saved.get("param_groups") if isinstance(saved, dict) else None
    per_parameter = saved.get("state") if isinstance(saved, dict) else None
    if (
        not isinstance(groups, list)
        or len(groups) != len(fresh)
        or not isinstance(per_parameter, dict)
    ):
        raise ModelFileError(
            "the saved optimizer state does not have the network's parameter groups."
        )
    for group, expected in zip(groups, fresh):
        if not isinstance(group, dict) or set(group) != set(expected):
            raise ModelFileError(
                "the saved optimizer state's parameter groups hold other settings "
                "than the solver's."
            )
        if group["params"] != expected["params"]:
            raise ModelFileError(
                "the saved optimizer state's parameter groups hold other parameters "
                "than the network's."
            )
        _check_same_kinds(group, expected, "optimizer setting", exact_flags=True)
    groups = [
        {
            **group,
            **{key: expected[key] for key in IMPLEMENTATION_SWITCHES if key in group},
        }
        for group, expected in zip(groups, fresh)
    ]
    if layout.history:
        return {"state": {}, "param_groups": groups}
    entries = layout.entries
    for index, state in per_parameter.items():
        if not integer(0, len(entries) - 1)(index) or not isinstance(state, dict):
            raise ModelFileError(
                f"the saved optimizer state names parameter {short_repr(index)}; the "
                f"network has {len(entries)}."
            )
        if state and set(state) != set(entries[index]):
            raise ModelFileError(
                f"the saved optimizer state of parameter {index} holds "
                f"{short_repr(sorted(state, key=str))}; the solver keeps "
                f"{sorted(entries[index])}."
            )
        for key, value in state.items():
            shape = entries[index][key]
            if shape is None:
                if value is not None:
                    raise ModelFileError(
                        f"the saved optimizer state {key!r} is set; the solver keeps "
                        "none."
                    )
                continue
            if key not in SCALAR_STATE | PARAMETER_STATE:
                raise ModelFileError(
                    f"the saved optimizer state holds an unknown entry {key!r}."
                )
            _check_array(value, shape, np.float32, f"optimizer state {key!r}")
    return {"state": per_parameter, "param_groups": groups}


def check_scheduler_state(saved, fresh):
    """The saved schedule state must have the entries of ``fresh`` (a fresh
    schedule's ``state_dict``; None: the solver has none), each of the same kind
    (numbers finite, lists of the same length)."""
    if fresh is None:
        if saved is not None:
            raise ModelFileError("the saved network holds a schedule it does not use.")
        return
    if saved is None:
        return  # an older file: the schedule starts over
    if not isinstance(saved, dict) or set(saved) != set(fresh):
        raise ModelFileError(
            "the saved learning-rate schedule's state does not match the schedule."
        )
    _check_same_kinds(saved, fresh, "learning-rate schedule's", exact_flags=False)


def check_arrays(saved, layout, what):
    """Arrays named as ``layout``'s entries (name -> (shape, dtype)), each of its
    entry's shape and dtype: ``what`` names them in the error (``EXTRA_STATE``,
    'best weights')."""
    if not isinstance(saved, dict) or set(saved) != set(layout):
        names = sorted(saved, key=str) if isinstance(saved, dict) else saved
        raise ModelFileError(
            f"the saved {what} names {short_repr(names)}; the network has "
            f"{sorted(layout)}."
        )
    for key, value in saved.items():
        shape, dtype = layout[key]
        _check_array(value, shape, dtype, f"{what} {key!r}")


def check_generator_state(state, shape, what):
    """An RNG state must be the byte array of ``shape`` its generator gives."""
    _check_array(state, shape, np.uint8, what)


def _check_array(value, shape, dtype, what):
    if (
        not isinstance(value, np.ndarray)
        or value.shape != shape
        or value.dtype != dtype
    ):
        found = (
            f"a {value.dtype} array of shape {value.shape}"
            if isinstance(value, np.ndarray)
            else short_repr(value)
        )
        raise ModelFileError(
            f"the saved {what} is {found}; the network needs a {np.dtype(dtype)} "
            f"array of shape {shape}."
        )
    if dtype == np.float32 and not np.isfinite(value).all():
        raise ModelFileError(f"the saved {what} holds non-finite values.")


def _check_same_kinds(saved, fresh, what, exact_flags):
    """Each of ``saved``'s values (its keys are ``fresh``'s) of its fresh kind."""
    for key, value in saved.items():
        if key in IMPLEMENTATION_SWITCHES:
            continue  # taken from the fresh optimizer
        if not same_kind(value, fresh[key], exact_flags):
            raise ModelFileError(
                f"the saved {what} {key!r} is {short_repr(value)}, not a value sknn "
                "writes there."
            )


def same_kind(value, expected, exact_flags):
    """``value`` is of ``expected``'s kind: a dict, list or tuple of the same shape
    holding such values; the same string or None; a boolean (the same one with
    ``exact_flags``); an int where ``expected`` is one, at least 1 where it is
    (step sizes, periods, counts), else at least -1 (``last_epoch``); a number not
    NaN where ``expected`` is a float."""
    if isinstance(expected, dict):
        return (
            isinstance(value, dict)
            and set(value) == set(expected)
            and all(same_kind(value[k], expected[k], exact_flags) for k in expected)
        )
    if isinstance(expected, list | tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(expected)
            and all(same_kind(v, e, exact_flags) for v, e in zip(value, expected))
        )
    if expected is None or isinstance(expected, str):
        return type(value) is type(expected) and value == expected
    if isinstance(expected, bool):
        return isinstance(value, bool) and (value == expected or not exact_flags)
    if isinstance(expected, numbers.Integral):
        return integer(1 if expected >= 1 else -1)(value)
    if isinstance(expected, numbers.Real):
        return real()(value)
    return False
