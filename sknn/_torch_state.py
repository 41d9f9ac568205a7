"""Checks of a saved net's state against the live net the seam rebuilt from it.
Part of the torch seam.

``sknn.load`` has already checked the state against the layouts a fresh net of the
saved records has (``sknn._saved_net``, in numpy); here the same comparisons run
against what torch builds, before any array reaches it, and give the state to load.
"""

import numpy as np
import torch

from sknn import _saved_net


def check_optimizer_state(saved, optimizer):
    """The saved optimizer state must fit ``optimizer``, a fresh one (see
    ``sknn._saved_net.check_optimizer_state``). Returns the state to load."""
    history = isinstance(optimizer, torch.optim.LBFGS)  # a step needs a closure
    layout = _saved_net.OptimizerLayout(
        param_groups=optimizer.state_dict()["param_groups"],
        entries=[] if history else _state_entries(optimizer),
        history=history,
    )
    return _saved_net.check_optimizer_state(saved, layout)


def _state_entries(optimizer):
    """Per parameter, the entries (name -> shape, or None where unset)
    ``optimizer`` keeps after a step: one step of an optimizer of its class and
    settings on zero copies of its parameters."""
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
    return [
        {
            key: None if value is None else tuple(value.shape)
            for key, value in probe.state[param].items()
        }
        for param in copies
    ]


def check_scheduler_state(saved, scheduler):
    """The saved schedule state must have the fresh ``scheduler``'s entries, each
    of the same kind (numbers finite, lists of the same length)."""
    fresh = None if scheduler is None else scheduler.state_dict()
    _saved_net.check_scheduler_state(saved, fresh)


def module_layout(module, extra_only=False):
    """``module``'s entries as name -> (shape, dtype): all of them, or with
    ``extra_only`` those beyond the linear layers (batch norm, the numeric
    embedding, the ensemble's adapter)."""
    fresh = module.state_dict()
    if extra_only:
        fresh = {key: fresh[key] for key in module.extra_state()}
    return {
        key: (
            tuple(value.shape),
            np.int64 if value.dtype == torch.int64 else np.float32,
        )
        for key, value in fresh.items()
    }


def check_module_state(saved, module, what, extra_only=False):
    """Arrays named like ``module``'s entries (see :func:`module_layout`), each of
    its entry's shape and dtype; ``what`` names them in the error."""
    _saved_net.check_arrays(saved, module_layout(module, extra_only), what)


def check_generator_state(state, generator, what):
    """An RNG state must be the byte array ``generator.get_state()`` gives."""
    _saved_net.check_generator_state(state, tuple(generator.get_state().shape), what)
