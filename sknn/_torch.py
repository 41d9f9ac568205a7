"""The torch seam: with its helpers ``_torch_module`` (the network and its losses),
``_torch_data`` (the training data as tensors), ``_torch_callbacks`` (the epoch
loop's hooks) and ``_torch_devices`` (devices and threads), the only code of sknn
that imports torch or skorch.

The estimators hand over the network's record (:class:`sknn._network.Network`), a
frozen :class:`Training` of the training settings, the network's initial weights as
numpy arrays and the training data; they get back a :class:`TrainingResult`
of plain numbers and numpy arrays, and an opaque skorch net to keep for later calls
(``partial_fit``, ``warm_start``, prediction).
"""

import copy
import dataclasses
import functools
import math
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from skorch import NeuralNet

from sknn._inference import predict_rows
from sknn._network import Network
from sknn._torch_callbacks import (
    CheckpointWriter,
    EpochProgressBar,
    SklearnConvergence,
    ThreadsFollowLoad,
    lr_scheduler,
    step_scheduler,
)
from sknn._torch_data import TrainingData, chunk_rows, dense_tensor, epoch_index
from sknn._torch_devices import (
    TRAIN_SINGLE_THREAD_MACS,
    TorchThreads,
    macs_per_row,
    resolve_device,
)
from sknn._torch_module import (
    OUTPUT_FUNCTIONS,
    MLPModule,
    SklearnLoss,
)
from sknn._torch_state import (
    check_generator_state,
    check_module_state,
    check_net_records,
    check_optimizer_state,
    check_scheduler_state,
)
from sknn.exceptions import ModelFileError


@dataclasses.dataclass(frozen=True)
class Training:
    """How the network trains, validated by the estimator. Saved with the model
    (partial_fit after loading trains on as before); the display flags (verbose,
    progress bar) are not part of it: they are the caller's, passed to
    :func:`train` each time."""

    loss: str  # a SklearnLoss kind
    solver: str
    alpha: float
    l1: float
    batch_size: int
    learning_rate: str
    learning_rate_init: float
    power_t: float
    max_iter: int
    shuffle: bool
    tol: float
    momentum: float
    nesterovs_momentum: bool
    early_stopping: bool
    n_iter_no_change: float
    beta_1: float
    beta_2: float
    epsilon: float
    max_fun: int
    device: str
    seed: int
    max_grad_norm: float | None = None
    gradient_accumulation_steps: int = 1
    lr_step_size: int = 10  # epochs per decay ("step") or per half cycle ("cyclic")
    lr_gamma: float = 0.1  # decay factor ("step"), lowest rate's fraction ("cyclic")
    label_smoothing: float = 0.0  # the log-losses' target smoothing
    scoring: str = "score"  # early stopping monitors the score or the loss
    restore_best: str = "first"  # the first or last epoch of the best value


@dataclasses.dataclass
class ConvergenceState:
    """sklearn's bookkeeping between epochs, carried across fit calls."""

    loss_curve: list = dataclasses.field(default_factory=list)
    validation_scores: list | None = None
    best_loss: float | None = np.inf
    best_validation_score: float | None = None
    no_improvement_count: int = 0
    t: int = 0
    best_monitored: float | None = None  # early stopping's best, higher is better


@dataclasses.dataclass(frozen=True)
class TrainingResult:
    """What one call to :func:`train` leaves behind, as plain values."""

    coefs: list
    intercepts: list
    loss: float
    n_iter: int
    state: ConvergenceState
    history: list
    max_iter_reached: bool
    extra_state: dict  # batch-norm weights and running statistics, as numpy


# --------------------------------------------------------------------------- the net


class SknnNet(NeuralNet):
    """A skorch net whose epoch loop slices device-resident tensors.

    Each epoch draws one permutation from the fit's own generator and takes batches as
    index slices of the resident tensors: no Dataset, no DataLoader, no collate. The
    loss is accumulated on the device and read once per epoch.

    Without sample weights, sklearn's L2 gradient ``alpha * W / batch_size`` enters
    through the fused optimizer's ``weight_decay`` on the weights' parameter group
    (the same update, no extra kernels), and the loss is one fused reduction per
    batch; the reported L2 term of the epoch is then averaged from the weights at its
    start and end. With sample weights, or for lbfgs, the penalty goes through
    autograd and every batch's reported loss is exact.
    """

    def __init__(self, *args, sknn_network=None, sknn_training=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sknn_network = sknn_network
        self.sknn_training = sknn_training

    def _weights(self):
        return [linear.weight for linear in self.module_.linears()]

    @property
    def l2_alpha(self):
        """``alpha`` as sklearn's L2 loss term; AdamW decays the weights instead."""
        config = self.sknn_training
        return 0.0 if config.solver == "adamw" else config.alpha

    def penalty(self, denominator, alpha=None):
        """sklearn's L2 term (plus sknn's L1 term) over the weights, not the biases."""
        config = self.sknn_training
        alpha = self.l2_alpha if alpha is None else alpha
        total = 0.0
        for weight in self._weights():
            if alpha:
                total = total + 0.5 * alpha * weight.pow(2).sum()
            if config.l1:
                total = total + config.l1 * weight.abs().sum()
        return total / denominator

    def batch_loss(self, X, y, sample_weight):
        """Exact objective of one batch, and the loss sklearn reports for it."""
        per_sample = self.criterion_(self.module_(X), y)
        data, denominator = weighted_mean(per_sample, sample_weight)
        penalty = self.penalty(denominator)
        scale = self.criterion_.report_scale(self.module_.linears()[-1].out_features)
        return data + penalty, data * scale + penalty

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        data = X
        if self.sknn_training.solver == "lbfgs":
            self._fit_lbfgs(data)
            return self
        generator = self.generator_
        convergence = dict(self.callbacks_)["convergence"]
        for _ in range(self.max_epochs if epochs is None else epochs):
            self.notify("on_epoch_begin", dataset_train=data, dataset_valid=None)
            tic = time.perf_counter()
            if data.sample_weight is None:
                loss = self._train_epoch_fast(data, generator)
            else:
                loss = self._train_epoch_exact(data, generator)
            if not math.isfinite(loss):
                raise_diverged(loss, len(convergence.state.loss_curve) + 1, self)
            self.history.record("train_loss", loss)
            self.history.record("lr", self.optimizer_.param_groups[0]["lr"])
            if self.lr_scheduler_ is not None and not self.lr_per_batch_:
                step_scheduler(self.lr_scheduler_)
            self.notify("on_epoch_end", dataset_train=data, dataset_valid=None)
            self.history.record("dur", time.perf_counter() - tic)
            if convergence.stopped_:
                break
        return self

    def _epoch_order(self, data, generator):
        if not self.sknn_training.shuffle:
            return None
        return torch.randperm(data.n_samples, generator=generator).to(data.device)

    def _train_epoch_fast(self, data, generator):
        config = self.sknn_training
        module, optimizer, criterion = self.module_, self.optimizer_, self.criterion_
        weight_group = optimizer.param_groups[0]
        batch_size, l1 = self.batch_size, config.l1
        n = data.rows_per_epoch(batch_size, self.sknn_network.batch_norm)
        accumulate, clip = config.gradient_accumulation_steps, config.max_grad_norm
        scheduler = self.lr_scheduler_ if self.lr_per_batch_ else None
        step_rows = batch_size * accumulate
        order = self._epoch_order(data, generator)
        penalty_start = self._penalty_value()
        parameters, l2_alpha = list(module.parameters()), self.l2_alpha
        optimizer_step = unhooked_step(optimizer)
        total = torch.zeros((), device=data.device)
        position = 0
        module.train()
        for Xb, yb in data.batches(order, batch_size, n):
            size = min(batch_size, n - position)
            first = position % step_rows == 0
            if first:  # a new optimizer step over the next `step` rows
                step = min(step_rows, n - position)
                for parameter in parameters:  # Optimizer.zero_grad, minus its profiler
                    parameter.grad = None
            loss = criterion.mean(module.forward(Xb), yb)  # no hooks: see MLPModule
            objective = loss * (size / step) if accumulate > 1 else loss
            if l1 and first:
                objective = objective + self.penalty(step, alpha=0.0)
            objective.backward()
            position += size
            if position % step_rows == 0 or position == n:
                if l2_alpha:
                    weight_group["weight_decay"] = l2_alpha / step
                if clip is not None:
                    torch.nn.utils.clip_grad_norm_(parameters, clip)
                optimizer_step()
                if scheduler is not None:
                    step_scheduler(scheduler)
            total.add_(loss.detach(), alpha=size)
        module.eval()
        y = data.y if n == data.n_samples else data.y[epoch_index(order, 0, n)]
        data_term = (total.item() + criterion.constant(y)) * criterion.report_scale(
            data.n_outputs
        )
        n_steps = -(-n // step_rows)
        penalty_term = n_steps * (penalty_start + self._penalty_value()) / 2
        return (data_term + penalty_term) / n

    def _penalty_value(self):
        """``0.5 * alpha * ||W||^2 + l1 * |W|`` summed over the layers, as a float."""
        if not (self.l2_alpha or self.sknn_training.l1):
            return 0.0
        with torch.no_grad():
            return float(self.penalty(1.0))

    def _train_epoch_exact(self, data, generator):
        """Sample-weighted epoch: each step's loss and penalty are divided by the
        step's summed sample weight, and every step's reported loss is exact."""
        config = self.sknn_training
        module, optimizer, criterion = self.module_, self.optimizer_, self.criterion_
        if self.l2_alpha:  # the penalty is in the loss, not in the optimizer
            optimizer.param_groups[0]["weight_decay"] = 0.0
        batch_size, clip = self.batch_size, config.max_grad_norm
        n = data.rows_per_epoch(batch_size, self.sknn_network.batch_norm)
        step_rows = batch_size * config.gradient_accumulation_steps
        scheduler = self.lr_scheduler_ if self.lr_per_batch_ else None
        order = self._epoch_order(data, generator)
        scale = criterion.report_scale(data.n_outputs)
        parameters = list(module.parameters())
        total = torch.zeros((), device=data.device)
        module.train()
        for start in range(0, n, step_rows):
            stop = min(start + step_rows, n)
            denominator = data.sample_weight[epoch_index(order, start, stop)].sum()
            for parameter in parameters:
                parameter.grad = None
            penalty = self.penalty(denominator)  # a tensor: denominator is one
            reported = penalty.detach()
            for micro in range(start, stop, batch_size):
                index = epoch_index(order, micro, min(micro + batch_size, stop))
                per_sample = criterion(module(data.rows(index)), data.y[index])
                data_term = (per_sample * data.sample_weight[index]).sum() / denominator
                objective = data_term + penalty if micro == start else data_term
                objective.backward()
                reported = reported + data_term.detach() * scale
            if clip is not None:
                torch.nn.utils.clip_grad_norm_(parameters, clip)
            optimizer.step()
            if scheduler is not None:
                step_scheduler(scheduler)
            total += reported * (stop - start)
        module.eval()
        return total.item() / n

    def history_records(self, first_epoch=1):
        """The epochs of this call's history as plain dicts, numbered on from
        ``first_epoch`` (a resumed fit goes on counting)."""
        return [
            {
                key: first_epoch + i if key == "epoch" else value
                for key, value in record.items()
                if key != "batches"
            }
            for i, record in enumerate(self.history)
        ]

    def training_snapshot(self, convergence, earlier):
        """Everything needed to go on training from the end of this epoch, as
        plain values and numpy arrays (see :func:`train`'s ``resume``)."""
        coefs, intercepts = _export_weights(self)
        best = convergence.best_params_
        return {
            "coefs": coefs,
            "intercepts": intercepts,
            "extra_state": self.module_.extra_state(),
            "net_state": export_state(self),
            "state": copy.deepcopy(convergence.state),
            "history": earlier + self.history_records(first_epoch=len(earlier) + 1),
            "generator": self.generator_.get_state().numpy(),
            "rng": self.dropout_generator_.get_state().numpy(),
            "best_params": None if best is None else _to_numpy(best),
        }

    def lr_range_test(self, data, learning_rates, should_stop):
        """One optimizer step per rate of ``learning_rates`` on successive batches
        (reshuffled each epoch); return the training objective of each batch,
        stopping early when it is not finite or ``should_stop(losses)`` says so."""
        config = self.sknn_training
        module, optimizer = self.module_, self.optimizer_
        generator = torch.Generator(device="cpu").manual_seed(config.seed)
        module.set_generator(_dropout_generator(config))
        n = data.rows_per_epoch(self.batch_size, self.sknn_network.batch_norm)
        losses = []
        module.train()
        while True:
            order = self._epoch_order(data, generator)
            for start in range(0, n, self.batch_size):
                index = epoch_index(order, start, min(start + self.batch_size, n))
                for group in optimizer.param_groups:
                    group["lr"] = learning_rates[len(losses)]
                optimizer.zero_grad(set_to_none=True)
                sample_weight = data.sample_weight
                objective, _ = self.batch_loss(
                    data.rows(index),
                    data.y[index],
                    None if sample_weight is None else sample_weight[index],
                )
                objective.backward()
                optimizer.step()
                losses.append(objective.item())
                if (
                    len(losses) == len(learning_rates)
                    or not np.isfinite(losses[-1])
                    or should_stop(losses)
                ):
                    module.eval()
                    module.set_generator(None)
                    return losses

    def _fit_lbfgs(self, data):
        """One LBFGS search over the whole training set as one batch."""
        self.module_.train()
        evaluations = []

        def closure():
            self.optimizer_.zero_grad(set_to_none=True)
            objective, _ = self._full_batch_loss(data, backward=True)
            if not evaluations and not math.isfinite(objective.item()):
                # non-finite at the start: nothing to search; later, the line
                # search backs off from non-finite trial points itself
                raise_diverged(objective.item(), None, self)
            evaluations.append(None)
            return objective

        tic = time.perf_counter()
        self.notify("on_epoch_begin", dataset_train=data, dataset_valid=None)
        self.optimizer_.step(closure)
        self.module_.eval()
        with torch.no_grad():
            _, reported = self._full_batch_loss(data, backward=False)
        if not math.isfinite(reported.item()):
            raise_diverged(reported.item(), None, self)
        self.history.record("train_loss", reported.item())
        self.history.record("dur", time.perf_counter() - tic)

    def _full_batch_loss(self, data, backward):
        """The objective over all training rows and the loss sklearn reports, as
        detached tensors; with ``backward``, the objective's gradients too.

        Sparse X is made dense a chunk of rows at a time, the gradients summed over
        the chunks, so that it is never dense whole; dense X (and batch norm, whose
        statistics are the whole batch's) goes through in one piece.
        """
        if isinstance(data.X, torch.Tensor) or self.sknn_network.batch_norm:
            objective, reported = self.batch_loss(
                data.rows(slice(None)), data.y, data.sample_weight
            )
            if backward:
                objective.backward()
            return objective.detach(), reported.detach()
        weight = data.sample_weight
        denominator = data.n_samples if weight is None else weight.sum()
        total = torch.zeros((), device=data.device)
        step = chunk_rows(data.X.shape[1])
        for start in range(0, data.n_samples, step):
            rows = slice(start, start + step)
            per_sample = self.criterion_(self.module_(data.rows(rows)), data.y[rows])
            if weight is not None:
                per_sample = per_sample * weight[rows]
            chunk = per_sample.sum() / denominator
            if backward:
                chunk.backward()
            total += chunk.detach()
        penalty = self.penalty(denominator)
        if backward and isinstance(penalty, torch.Tensor):
            penalty.backward()
        penalty = torch.as_tensor(penalty).detach()
        scale = self.criterion_.report_scale(data.n_outputs)
        return total + penalty, total * scale + penalty

    def _forward_tensor(self, X):
        """The eval-mode module's outputs for a tensor, or for an array or sparse
        matrix a chunk of rows at a time (a wide sparse X is never dense whole)."""
        if isinstance(X, torch.Tensor):
            return self.module_(X)
        step = chunk_rows(X.shape[1])
        parts = [
            self.module_(dense_tensor(X[i : i + step], self.device, np.float32))
            for i in range(0, X.shape[0], step)
        ]
        return torch.cat(parts)

    def validate(self, data):
        """The hold-out's pre-activation outputs (numpy) and its loss (the data term
        sklearn reports, sample-weighted, without the penalty)."""
        with torch.inference_mode():
            z = self._forward_tensor(data.X_val)
            per_sample = self.criterion_(z, data.y_val)
            loss, _ = weighted_mean(per_sample, data.sample_weight_val)
            scale = self.criterion_.report_scale(z.shape[1])
            return z.cpu().numpy(), loss.item() * scale


def weighted_mean(per_sample, weight):
    """The mean of ``per_sample`` losses, weighted by ``weight`` when given, and
    its denominator (the number of samples, or the summed weight)."""
    if weight is None:
        return per_sample.mean(), per_sample.shape[0]
    denominator = weight.sum()
    return (per_sample * weight).sum() / denominator, denominator


def raise_diverged(loss, epoch, net):
    """Stop a fit whose loss is no longer finite, saying where and what to change."""
    if epoch is None:
        where, rate = "in the lbfgs solver", ""
    else:
        lr = net.optimizer_.param_groups[0]["lr"]
        where, rate = f"at epoch {epoch}", f" (it is {lr:g} now)"
    raise ValueError(
        f"Training diverged: the loss became {loss} {where}, and the solver produced "
        f"non-finite parameter weights. Use a smaller learning_rate_init{rate}, scale "
        "the inputs (e.g. with StandardScaler), or clip the gradients with "
        "max_grad_norm."
    )


def unhooked_step(optimizer):
    """``optimizer.step`` without the profiler scope and the hook loops torch wraps
    around every call (the ``record_function`` alone was ~7% of a 32-row batch's
    step). Where anything hooks into the step (a registered step hook, an LR
    scheduler's wrapper of ``optimizer.step``, a running profiler), or torch's
    wrapper is not the one this was written for, the usual ``optimizer.step``."""
    from torch.optim import optimizer as optimizer_module

    hook_dicts = [
        getattr(optimizer_module, "_global_optimizer_pre_hooks", None),
        getattr(optimizer_module, "_global_optimizer_post_hooks", None),
        getattr(optimizer, "_optimizer_step_pre_hooks", None),
        getattr(optimizer, "_optimizer_step_post_hooks", None),
    ]
    class_step = type(optimizer).step
    unwrapped = getattr(class_step, "__wrapped__", None)
    if (
        unwrapped is None
        or getattr(optimizer.step, "__func__", None) is not class_step
        or any(hooks is None or hooks for hooks in hook_dicts)
        or getattr(torch.autograd.profiler, "_is_profiler_enabled", True)
    ):
        return optimizer.step
    return functools.partial(unwrapped, optimizer)


# the optimizer's first parameter group holds the weights (not the biases): its
# weight_decay carries sklearn's L2 gradient in the fast epoch loop
WEIGHTS_FIRST = [("*.weight", {"weight_decay": 0.0})]


def _optimizer_kwargs(config, device):
    fused = torch.device(device).type in ("cpu", "cuda")
    if config.solver == "adam":
        return torch.optim.Adam, {
            "optimizer__betas": (config.beta_1, config.beta_2),
            "optimizer__eps": config.epsilon,
            "optimizer__fused": fused,
            "optimizer__param_groups": WEIGHTS_FIRST,
        }
    if config.solver == "adamw":
        # alpha is AdamW's decoupled weight decay on the weights, not an L2 loss term
        return torch.optim.AdamW, {
            "optimizer__betas": (config.beta_1, config.beta_2),
            "optimizer__eps": config.epsilon,
            "optimizer__fused": fused,
            "optimizer__param_groups": [("*.weight", {"weight_decay": config.alpha})],
            "optimizer__weight_decay": 0.0,
        }
    if config.solver == "rmsprop":
        return torch.optim.RMSprop, {
            "optimizer__eps": config.epsilon,
            "optimizer__momentum": config.momentum,
            "optimizer__param_groups": WEIGHTS_FIRST,
        }
    if config.solver == "adagrad":
        return torch.optim.Adagrad, {
            "optimizer__eps": config.epsilon,
            "optimizer__fused": fused,
            "optimizer__param_groups": WEIGHTS_FIRST,
        }
    if config.solver == "sgd":
        return torch.optim.SGD, {
            "optimizer__momentum": config.momentum,
            "optimizer__nesterov": bool(
                config.nesterovs_momentum and config.momentum > 0
            ),
            "optimizer__fused": fused,
            "optimizer__param_groups": WEIGHTS_FIRST,
        }
    return torch.optim.LBFGS, {
        "optimizer__max_iter": config.max_iter,
        "optimizer__max_eval": config.max_fun,
        "optimizer__tolerance_grad": config.tol,
        "optimizer__tolerance_change": 1e-9,
        "optimizer__history_size": 10,
        "optimizer__line_search_fn": "strong_wolfe",
    }


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
        lr=1.0 if config.solver == "lbfgs" else config.learning_rate_init,
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
    resume: dict | None = None,
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
        rows_per_step * macs_per_row(network.layer_units), TRAIN_SINGLE_THREAD_MACS
    ) as threads:
        if net is None:
            rows = data.rows_per_epoch(config.batch_size, network.batch_norm)
            steps = -(-rows // (config.batch_size * config.gradient_accumulation_steps))
            net = _build_net(network, config, coefs, intercepts, extra_state, steps)
            if resume is not None:
                _load_training_state(net, resume["net_state"])
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
            net.dropout_generator_ = _dropout_generator(config)
        if resume is not None:
            _resume_generators(net, resume)
        result = _train(
            net,
            config,
            state,
            valid_score,
            incremental,
            data,
            checkpoint,
            resume,
            threads,
            verbose,
            progress_bar,
        )
        return net, result


def _dropout_generator(config):
    """The generator of a fit's dropout masks, on the training device."""
    return torch.Generator(device=config.device).manual_seed(config.seed + 1)


def _resume_generators(net, resume):
    """Go on with a checkpoint's shuffling and dropout generators, once their saved
    states are the byte arrays these generators have."""
    check_generator_state(resume["generator"], net.generator_, "shuffling RNG state")
    check_generator_state(resume["rng"], net.dropout_generator_, "dropout RNG state")
    net.generator_.set_state(torch.from_numpy(resume["generator"].copy()))
    net.dropout_generator_.set_state(torch.from_numpy(resume["rng"].copy()))


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
    macs = config.batch_size * macs_per_row(network.layer_units)
    with TorchThreads(macs, TRAIN_SINGLE_THREAD_MACS):
        net = _build_net(network, config, coefs, intercepts, extra_state)
        return net.lr_range_test(data, learning_rates, should_stop)


def _train(
    net,
    config,
    state,
    valid_score,
    incremental,
    data,
    checkpoint,
    resume,
    threads,
    verbose,
    progress_bar,
):
    earlier = [] if resume is None else list(resume["history"])
    epochs = 1 if incremental else config.max_iter - len(earlier)
    convergence = SklearnConvergence(config, state, valid_score, verbose)
    net.callbacks_ = [("convergence", convergence.initialize())]
    if resume is not None and resume["best_params"] is not None:
        check_module_state(resume["best_params"], net.module_, "best weights")
        convergence.best_params_ = _to_tensors(resume["best_params"])
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
    coefs, intercepts = _export_weights(net)
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


def export_state(net):
    """What a fitted net holds beyond its weights, as plain values and numpy arrays:
    the network's record and the training settings (not the display flags: a
    loaded model prints and shows bars as its caller asks), the optimizer's and
    schedule's state and the shuffling and dropout generators' (so partial_fit after
    unpickling goes on as it would have). The weights are the estimator's coefs_,
    intercepts_ and batch-norm extra state."""
    scheduler = net.lr_scheduler_
    state = {
        "network": net.sknn_network.to_dict(),
        "training": dataclasses.asdict(net.sknn_training),
        "optimizer": _to_numpy(net.optimizer_.state_dict()),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
    }
    if hasattr(net, "generator_"):
        state["generators"] = {
            "shuffle": net.generator_.get_state().numpy(),
            "dropout": net.dropout_generator_.get_state().numpy(),
        }
    return state


def restore_net(state, coefs, intercepts, extra_state):
    """Rebuild a net from :func:`export_state`'s record and the weights, on the
    recorded device when this machine has it, else on the CPU.

    The record may come from a hostile file: its network record must describe
    ``coefs``, its training settings hold values sknn writes, and every array of its
    state must fit the net it builds (see ``sknn._torch_state``), or this raises
    ModelFileError before torch sees it.
    """
    keys = {"network", "training", "optimizer", "scheduler"}
    if not isinstance(state, dict) or not keys <= set(state) <= keys | {"generators"}:
        raise ModelFileError("the saved network state is not one sknn writes.")
    network = check_net_records(state, coefs, extra_state)
    config = Training(**state["training"])
    saved = config.device
    try:
        device = resolve_device(saved)
    except ValueError:  # e.g. trained on CUDA, loaded on a CPU-only machine
        device = "cpu"
    config = dataclasses.replace(config, device=device)
    net = _build_net(network, config, coefs, intercepts)
    check_module_state(extra_state, net.module_, "batch-norm and embedding state")
    _load_extra_state(net.module_, extra_state)
    _load_training_state(net, state)
    if "generators" in state:
        _restore_generators(net, state["generators"], same_device=device == saved)
    return net


def _restore_generators(net, saved, same_device):
    """The shuffling and dropout generators of an export_state record; a dropout
    generator of another device (CUDA, restored on the CPU) starts afresh."""
    if not isinstance(saved, dict) or set(saved) != {"shuffle", "dropout"}:
        raise ModelFileError("the saved generator states are not sknn's.")
    net.generator_ = torch.Generator(device="cpu")
    check_generator_state(saved["shuffle"], net.generator_, "shuffling RNG state")
    net.generator_.set_state(torch.from_numpy(saved["shuffle"].copy()))
    net.dropout_generator_ = _dropout_generator(net.sknn_training)
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
    net.optimizer_.load_state_dict(_to_tensors(optimizer))
    if net.lr_scheduler_ is not None and state["scheduler"] is not None:
        net.lr_scheduler_.load_state_dict(state["scheduler"])


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {key: _to_numpy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_to_numpy(item) for item in value)
    return value


def _to_tensors(value):
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {key: _to_tensors(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_to_tensors(item) for item in value)
    return value


def _export_weights(net):
    """The network's weights and biases as sklearn's (fan_in, fan_out) numpy arrays."""
    coefs, intercepts = [], []
    for linear in net.module_.linears():
        coefs.append(linear.weight.detach().cpu().numpy().T.copy())
        intercepts.append(linear.bias.detach().cpu().numpy().copy())
    return coefs, intercepts


def predict(net, X, out_activation):
    """Output-layer activations for X of a net on a device other than the CPU (on
    the CPU sknn predicts in numpy: ``sknn._inference``), computed there in float32
    a chunk of rows at a time, as numpy."""
    activation = OUTPUT_FUNCTIONS[out_activation]
    step = predict_rows(net.sknn_network, np.float32)
    out = np.empty((X.shape[0], net.sknn_network.n_outputs), np.float32)
    with torch.inference_mode():
        for start in range(0, X.shape[0], step):
            rows = dense_tensor(X[start : start + step], net.device, np.float32)
            out[start : start + step] = _as_numpy(activation(net.module_(rows)))
    return out if X.dtype == np.float32 else out.astype(np.float64)


def _as_numpy(tensor):
    return tensor.numpy() if tensor.device.type == "cpu" else tensor.cpu().numpy()
