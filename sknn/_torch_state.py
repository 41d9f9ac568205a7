"""Checks of a saved net's state against the network it belongs to, before any of
it reaches torch. Part of the torch seam.

A model file is hostile until proven otherwise: torch's fused optimizer steps trust
their state's shapes (a one-element ``exp_avg`` for a weight matrix corrupts memory),
and a network's layer sizes decide what is allocated. So the saved network record
must describe the saved weights, the training settings must hold values sknn writes,
and every array of the optimizer's, the schedule's and the RNGs' state must have the
shape and dtype that a fresh net of that record has; anything else is a
:class:`sknn.ModelFileError`.
"""

import numbers

import numpy as np
import torch

from sknn._checks import check_record, integer, real, short_repr
from sknn._fitted_state import saved_network
from sknn._training import TRAINING_CHECKS
from sknn.exceptions import ModelFileError

# the per-parameter state torch's optimizers keep: a scalar step count, the rest of
# the parameter's own shape
SCALAR_STATE = {"step"}
PARAMETER_STATE = {
    "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer", "square_avg",
    "grad_avg", "sum",
}  # fmt: skip


def check_net_records(state, coefs, extra_state):
    """The saved network record must describe the saved weights and embedding (see
    ``sknn._fitted_state.saved_network``: so no size in it allocates more than the
    file holds), and the saved training settings must be the fields sknn writes,
    each a value sknn writes. Returns the network's record."""
    network = saved_network(state.get("network"), coefs, extra_state)
    check_record(state.get("training"), TRAINING_CHECKS, "training settings")
    return network


# how torch runs a step, not what it computes: taken from the fresh optimizer (a
# model trained on one device loads on another); every other switch must be equal
IMPLEMENTATION_SWITCHES = ("fused", "foreach")


def check_optimizer_state(saved, optimizer):
    """The saved optimizer state must have the fresh ``optimizer``'s parameter
    groups (the same switches, numbers of the same kind) and, per parameter, the
    entries a step of this optimizer keeps: a scalar step and arrays of the
    parameter's shape and dtype. LBFGS keeps its search history, which sknn never
    trains on from: only its groups are checked and loaded. Returns the state to
    load."""
    fresh = optimizer.state_dict()
    groups = saved.get("param_groups") if isinstance(saved, dict) else None
    per_parameter = saved.get("state") if isinstance(saved, dict) else None
    if (
        not isinstance(groups, list)
        or len(groups) != len(fresh["param_groups"])
        or not isinstance(per_parameter, dict)
    ):
        raise ModelFileError(
            "the saved optimizer state does not have the network's parameter groups."
        )
    for group, expected in zip(groups, fresh["param_groups"]):
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
        for group, expected in zip(groups, fresh["param_groups"])
    ]
    if isinstance(optimizer, torch.optim.LBFGS):
        return {"state": {}, "param_groups": groups}
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    entries = _state_entries(optimizer)
    for index, state in per_parameter.items():
        if not integer(0, len(parameters) - 1)(index) or not isinstance(state, dict):
            raise ModelFileError(
                f"the saved optimizer state names parameter {short_repr(index)}; the "
                f"network has {len(parameters)}."
            )
        if state and set(state) != set(entries[index]):
            raise ModelFileError(
                f"the saved optimizer state of parameter {index} holds "
                f"{short_repr(sorted(state, key=str))}; the solver keeps "
                f"{sorted(entries[index])}."
            )
        parameter = parameters[index]
        for key, value in state.items():
            if entries[index][key] is None:
                if value is not None:
                    raise ModelFileError(
                        f"the saved optimizer state {key!r} is set; the solver keeps "
                        "none."
                    )
                continue
            if key in SCALAR_STATE:
                shape = ()
            elif key in PARAMETER_STATE:
                shape = tuple(parameter.shape)
            else:
                raise ModelFileError(
                    f"the saved optimizer state holds an unknown entry {key!r}."
                )
            _check_array(value, shape, np.float32, f"optimizer state {key!r}")
    return {"state": per_parameter, "param_groups": groups}


def _state_entries(optimizer):
    """Per parameter, the entries (name -> value) ``optimizer`` keeps after a step:
    one step of an optimizer of its class and settings on zero copies of its
    parameters."""
    copies, groups = [], []
    for group in optimizer.param_groups:
        params = [torch.zeros_like(p, requires_grad=True) for p in group["params"]]
        for param in params:
            param.grad = torch.zeros_like(param)
        copies += params
        settings = {key: value for key, value in group.items() if key != "params"}
        groups.append({**settings, "params": params})
    probe = type(optimizer)(groups)
    probe.step()
    return [dict(probe.state[param]) for param in copies]


def check_scheduler_state(saved, scheduler):
    """The saved schedule state must have the fresh schedule's entries, each of the
    same kind (numbers finite, lists of the same length)."""
    if scheduler is None:
        if saved is not None:
            raise ModelFileError("the saved network holds a schedule it does not use.")
        return
    if saved is None:
        return  # an older file: the schedule starts over
    fresh = scheduler.state_dict()
    if not isinstance(saved, dict) or set(saved) != set(fresh):
        raise ModelFileError(
            "the saved learning-rate schedule's state does not match the schedule."
        )
    _check_same_kinds(saved, fresh, "learning-rate schedule's", exact_flags=False)


def check_module_state(saved, module, what):
    """Arrays named like ``module``'s entries, each of its entry's shape and dtype:
    ``what`` is 'batch-norm and embedding state' (the entries beyond the linear
    layers) or 'best weights' (all of them)."""
    fresh = module.state_dict()
    if what == "batch-norm and embedding state":
        fresh = {key: fresh[key] for key in module.extra_state()}
    if not isinstance(saved, dict) or set(saved) != set(fresh):
        names = sorted(saved, key=str) if isinstance(saved, dict) else saved
        raise ModelFileError(
            f"the saved {what} names {short_repr(names)}; the network has "
            f"{sorted(fresh)}."
        )
    for key, value in saved.items():
        expected = fresh[key]
        dtype = np.int64 if expected.dtype == torch.int64 else np.float32
        _check_array(value, tuple(expected.shape), dtype, f"{what} {key!r}")


def check_generator_state(state, generator, what):
    """An RNG state must be the byte array ``generator.get_state()`` gives."""
    expected = generator.get_state()
    _check_array(state, tuple(expected.shape), np.uint8, what)


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
        if not _same_kind(value, fresh[key], exact_flags):
            raise ModelFileError(
                f"the saved {what} {key!r} is {short_repr(value)}, not a value sknn "
                "writes there."
            )


def _same_kind(value, expected, exact_flags):
    """``value`` is of ``expected``'s kind: a dict, list or tuple of the same shape
    holding such values; the same string or None; a boolean (the same one with
    ``exact_flags``); an int where ``expected`` is one, at least 1 where it is
    (step sizes, periods, counts), else at least -1 (``last_epoch``); a number not
    NaN where ``expected`` is a float."""
    if isinstance(expected, dict):
        return (
            isinstance(value, dict)
            and set(value) == set(expected)
            and all(_same_kind(value[k], expected[k], exact_flags) for k in expected)
        )
    if isinstance(expected, list | tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(expected)
            and all(_same_kind(v, e, exact_flags) for v, e in zip(value, expected))
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
