"""The torch seam: with its helpers ``_torch_module`` (the network and its losses),
``_torch_data`` (the training data as tensors), ``_torch_callbacks`` (the epoch
loop's hooks), ``_torch_devices`` (devices and threads), ``_torch_net`` (the skorch
net and its epoch loops) and ``_torch_state`` (the checks of a saved net's state),
the only code of sknn that imports torch or skorch.

The estimators hand over the network's record (:class:`sknn._network.Network`), a
frozen :class:`sknn._training.Training` of the training settings, the network's
initial weights as numpy arrays and the training data; they get back a
:class:`sknn._training.TrainingResult` of plain numbers and numpy arrays, and an
opaque skorch net to keep for later calls (``partial_fit``, ``warm_start``,
prediction on a GPU).
"""

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from sknn._inference import predict_rows
from sknn._network import Network
from sknn._saved_net import (
    EXTRA_STATE,
    GENERATORS,
    WEIGHTS,
    check_net_state,
    learning_rate,
    optimizer_settings,
)
from sknn._torch_callbacks import (
    CheckpointWriter,
    EpochProgressBar,
    SklearnConvergence,
    ThreadsFollowLoad,
    lr_scheduler,
)
from sknn._torch_data import TrainingData, dense_tensor
from sknn._torch_devices import (
    TRAIN_SINGLE_THREAD_MACS,
    TorchThreads,
    resolve_device,
)
from sknn._torch_module import OUTPUT_FUNCTIONS, MLPModule, SklearnLoss
from sknn._torch_net import (
    SknnNet,
    dropout_generator,
    export_state,
    export_weights,
    to_tensors,
)
from sknn._torch_state import (
    check_generator_state,
    check_module_state,
    check_optimizer_state,
    check_scheduler_state,
)
from sknn._training import ConvergenceState, Snapshot, Training, TrainingResult
from sknn.exceptions import ModelFileError

__all__ = ["export_state", "lr_range_test", "predict", "restore_net", "train"]


def _optimizer_kwargs(config, device):
    """skorch's optimizer arguments of ``config``'s solver (see
    ``sknn._saved_net.optimizer_settings``) for a net on ``device``."""
    name, settings, weights = optimizer_settings(config, device)
    kwargs = {f"optimizer__{key}": value for key, value in settings.items()}
    if weights is not None:
        kwargs["optimizer__param_groups"] = [(WEIGHTS, weights)]
    return getattr(torch.optim, name), kwargs


# --------------------------------------------------------------------------- building


def _build_net(network, config, coefs, intercepts, extra_state=None, steps_per_epoch=1):
    """A new initialized net of ``network`` trained as ``config`` (a
    :class:`Training`) says, with the given weights, batch-norm state and
    schedule."""
    optimizer, optimizer_kwargs = _optimizer_kwargs(config, config.device)
    net = SknnNet(
        module=MLPModule,
        module__network=network,
        module__init_weights=False,  # sknn's weights are copied in: draw nothing
        criterion=SklearnLoss,
        criterion__kind=config.loss,
        criterion__label_smoothing=config.label_smoothing,
        optimizer=optimizer,
        lr=learning_rate(config),
        max_epochs=config.max_iter,
        batch_size=config.batch_size,
        train_split=None,
        callbacks="disable",
        device=config.device,
        sknn_network=network,
        sknn_training=config,
        **optimizer_kwargs,
    )
    net.initialize()
    with torch.no_grad():
        for linear, coef, intercept in zip(net.module_.linears(), coefs, intercepts):
            linear.weight.copy_(torch.as_tensor(coef.T, dtype=torch.float32))
            linear.bias.copy_(torch.as_tensor(intercept, dtype=torch.float32))
    _load_extra_state(net.module_, extra_state)
    net.lr_scheduler_, net.lr_per_batch_ = lr_scheduler(
        config, net.optimizer_, steps_per_epoch
    )
    net.module_.eval()  # the epoch loop switches to train mode and back
    return net


def _load_extra_state(module, extra_state):
    """Load the batch-norm and embedding arrays of ``extra_state`` (if any)."""
    if extra_state:
        tensors = {key: torch.as_tensor(value) for key, value in extra_state.items()}
        module.load_state_dict(tensors, strict=False)


def train(
    net: Any,
    network: Network,
    config: Training,
    *,
    verbose=0,
    progress_bar=False,
    coefs,
    intercepts,
    extra_state=None,
    state: ConvergenceState,
    X,
    y,
    sample_weight=None,
    X_val=None,
    y_val=None,
    sample_weight_val=None,
    valid_score: Callable | None = None,
    incremental=False,
    checkpoint: Callable | None = None,
    resume: Snapshot | None = None,
) -> tuple[Any, TrainingResult]:
    """Train for one call to fit or partial_fit; return the net and the result.

    With ``net=None`` a new net starts from ``coefs``/``intercepts`` (and the batch-norm
    ``extra_state`` of a previous fit) with a new optimizer and schedule, and trains
    up to ``max_iter`` epochs (fit, warm_start). Otherwise ``net`` is trained in
    place, optimizer and schedule state included (partial_fit: ``incremental=True``,
    one epoch), as the ``network`` it was built as. ``verbose`` prints sklearn's
    lines and ``progress_bar`` shows a bar over the epochs. Dropout masks and
    shuffling draw from generators of the fit's own, seeded by ``config.seed``;
    torch's global RNG is neither used nor changed, so fits in parallel threads
    equal serial ones.

    ``checkpoint(snapshot, is_best)`` is called after every epoch with
    :meth:`SknnNet.training_snapshot`'s record; ``resume``, such a record, continues
    the fit it was taken from: weights, optimizer, schedule, RNGs and history.
    """
    data = TrainingData(
        X, y, sample_weight, config.device, config.loss, X_val, y_val, sample_weight_val
    )
    rows_per_step = X.shape[0] if config.solver == "lbfgs" else config.batch_size
    with TorchThreads(
        rows_per_step * network.macs_per_row(), TRAIN_SINGLE_THREAD_MACS
    ) as threads:
        if net is None:
            rows = data.rows_per_epoch(config.batch_size, network.batch_norm)
            steps = -(-rows // (config.batch_size * config.gradient_accumulation_steps))
            net = _build_net(network, config, coefs, intercepts, extra_state, steps)
            if resume is not None:
                _load_training_state(net, resume.net_state)
        else:
            # the network stays the one the net's module was built as
            net.sknn_training = config
            net.batch_size = config.batch_size
            if net.lr_scheduler_ is not None:
                # a copied net (partial_fit) has its own optimizer: step that one
                net.lr_scheduler_.optimizer = net.optimizer_
        if not incremental or not hasattr(net, "generator_"):
            # partial_fit goes on drawing from the generators of the fit or first
            # partial_fit before it: k calls shuffle and drop out as k epochs do
            net.generator_ = torch.Generator(device="cpu").manual_seed(config.seed)
            net.dropout_generator_ = dropout_generator(config)
        if resume is not None:
            _resume_generators(net, resume)
        result = _train(
            net,
            data,
            state,
            valid_score=valid_score,
            incremental=incremental,
            checkpoint=checkpoint,
            resume=resume,
            threads=threads,
            verbose=verbose,
            progress_bar=progress_bar,
        )
        return net, result


def _resume_generators(net, resume):
    """Go on with a checkpoint's shuffling and dropout generators, once their saved
    states are the byte arrays these generators have."""
    check_generator_state(resume.generator, net.generator_, "shuffling RNG state")
    check_generator_state(resume.rng, net.dropout_generator_, "dropout RNG state")
    net.generator_.set_state(torch.from_numpy(resume.generator.copy()))
    net.dropout_generator_.set_state(torch.from_numpy(resume.rng.copy()))


def lr_range_test(
    network,
    config,
    *,
    coefs,
    intercepts,
    extra_state,
    X,
    y,
    sample_weight,
    learning_rates,
    should_stop,
):
    """The training objective after each step of the LR range test, as a list.

    A throw-away net starts from ``coefs``/``intercepts`` (and the numeric
    embedding's ``extra_state``) with the configured solver
    and takes one step per rate of ``learning_rates``; see
    :meth:`SknnNet.lr_range_test`. Seeded by ``config.seed`` like :func:`train`.
    """
    data = TrainingData(X, y, sample_weight, config.device, config.loss)
    config = dataclasses.replace(config, learning_rate="constant")
    macs = config.batch_size * network.macs_per_row()
    with TorchThreads(macs, TRAIN_SINGLE_THREAD_MACS):
        net = _build_net(network, config, coefs, intercepts, extra_state)
        return net.lr_range_test(data, learning_rates, should_stop)


def _train(
    net,
    data,
    state,
    *,
    valid_score,
    incremental,
    checkpoint,
    resume,
    threads,
    verbose,
    progress_bar,
):
    """The epochs of one :func:`train` call on the built ``net`` (its settings:
    ``net.sknn_training``), from the bookkeeping ``state``."""
    config = net.sknn_training
    earlier = [] if resume is None else list(resume.history)
    epochs = 1 if incremental else config.max_iter - len(earlier)
    convergence = SklearnConvergence(config, state, valid_score, verbose)
    net.callbacks_ = [("convergence", convergence.initialize())]
    if resume is not None and resume.best_params is not None:
        check_module_state(resume.best_params, net.module_, "best weights")
        convergence.best_params_ = to_tensors(resume.best_params)
    if checkpoint is not None and config.solver != "lbfgs":
        writer = CheckpointWriter(checkpoint, earlier, incremental)
        net.callbacks_.append(("checkpoint", writer))
    if threads.parallel:
        net.callbacks_.append(("threads", ThreadsFollowLoad(threads)))
    if progress_bar:
        bar_epochs = 1 if config.solver == "lbfgs" else epochs
        net.callbacks_.append(("progress", EpochProgressBar(bar_epochs)))
    net.history.clear()
    net.module_.set_generator(net.dropout_generator_)
    try:
        net.notify("on_train_begin", X=data, y=None)
        net.fit_loop(data, epochs=epochs)
    except KeyboardInterrupt:
        net.interrupted_ = True  # the last checkpoint stays resumable
        warnings.warn("Training interrupted by user.")
    net.notify("on_train_end", X=data, y=None)
    net.interrupted_ = False
    net.module_.set_generator(None)
    # the callbacks hold this fit's validation closure and the progress bar's stream;
    # the next fit installs its own, and without them the fitted net pickles
    net.callbacks_ = []

    history = earlier + net.history_records(first_epoch=len(earlier) + 1)
    coefs, intercepts = export_weights(net)
    if config.solver == "lbfgs":
        lbfgs_state = net.optimizer_.state[net.optimizer_._params[0]]
        n_iter = int(lbfgs_state.get("n_iter", 0))
        n_fun = int(lbfgs_state.get("func_evals", 0))
        max_iter_reached = n_iter >= config.max_iter or n_fun >= config.max_fun
        loss = history[-1]["train_loss"]
    else:
        n_iter = len(history)
        max_iter_reached = (
            not incremental and not convergence.stopped_ and n_iter == config.max_iter
        )
        loss = state.loss_curve[-1]
    return TrainingResult(
        coefs=coefs,
        intercepts=intercepts,
        loss=loss,
        n_iter=n_iter,
        state=state,
        history=history,
        max_iter_reached=max_iter_reached,
        extra_state=net.module_.extra_state(),
    )


# --------------------------------------------------------------------------- state


def restore_net(state, coefs, intercepts, extra_state):
    """Rebuild a net from :func:`export_state`'s record and the weights, on the
    recorded device when this machine has it, else on the CPU.

    The record may come from a hostile file: its network record must describe
    ``coefs``, its training settings hold values sknn writes, and every array of its
    state must fit both the layout of its records (``sknn._saved_net``, as
    ``sknn.load`` checked it) and the net it builds (``sknn._torch_state``), or this
    raises ModelFileError before torch sees it.
    """
    network, config = check_net_state(state, coefs, extra_state)
    saved = config.device
    try:
        device = resolve_device(saved)
    except ValueError:  # e.g. trained on CUDA, loaded on a CPU-only machine
        device = "cpu"
    config = dataclasses.replace(config, device=device)
    net = _build_net(network, config, coefs, intercepts)
    check_module_state(extra_state, net.module_, EXTRA_STATE, extra_only=True)
    _load_extra_state(net.module_, extra_state)
    _load_training_state(net, state)
    if "generators" in state:
        _restore_generators(net, state["generators"], same_device=device == saved)
    return net


def _restore_generators(net, saved, same_device):
    """The shuffling and dropout generators of an export_state record; a dropout
    generator of another device (CUDA, restored on the CPU) starts afresh."""
    if not isinstance(saved, dict) or set(saved) != GENERATORS:
        raise ModelFileError("the saved generator states are not sknn's.")
    net.generator_ = torch.Generator(device="cpu")
    check_generator_state(saved["shuffle"], net.generator_, "shuffling RNG state")
    net.generator_.set_state(torch.from_numpy(saved["shuffle"].copy()))
    net.dropout_generator_ = dropout_generator(net.sknn_training)
    if same_device:
        generator = net.dropout_generator_
        check_generator_state(saved["dropout"], generator, "dropout RNG state")
        generator.set_state(torch.from_numpy(saved["dropout"].copy()))


def _load_training_state(net, state):
    """Load the optimizer's and the schedule's state of an export_state record,
    once each array is checked against the net's parameters."""
    optimizer = check_optimizer_state(state["optimizer"], net.optimizer_)
    check_scheduler_state(state["scheduler"], net.lr_scheduler_)
    # always: param_groups carry the learning rate even where the per-parameter
    # state is empty (SGD without momentum)
    net.optimizer_.load_state_dict(to_tensors(optimizer))
    if net.lr_scheduler_ is not None and state["scheduler"] is not None:
        net.lr_scheduler_.load_state_dict(state["scheduler"])


def predict(net, X, out_activation, members=False):
    """Output-layer activations for X of a net on a device other than the CPU (on
    the CPU sknn predicts in numpy: ``sknn._inference``), computed there in float32
    a chunk of rows at a time, as numpy; an ensemble's, its members' mean, or with
    ``members`` each member's (``(n_samples, ensemble_size, n_outputs)``)."""
    activation = OUTPUT_FUNCTIONS[out_activation]
    network = net.sknn_network
    step = predict_rows(network, np.float32)
    shape = (network.ensemble_size,) if members else ()
    out = np.empty((X.shape[0], *shape, network.n_outputs), np.float32)
    with torch.inference_mode():
        for start in range(0, X.shape[0], step):
            rows = dense_tensor(X[start : start + step], net.device, np.float32)
            outputs = activation(net.module_(rows))
            if outputs.dim() == 3 and not members:
                outputs = outputs.mean(dim=1)
            out[start : start + step] = _as_numpy(outputs)
    return out if X.dtype == np.float32 else out.astype(np.float64)


def _as_numpy(tensor):
    return tensor.numpy() if tensor.device.type == "cpu" else tensor.cpu().numpy()
