"""sknn's skorch net: its epoch loops over device-resident tensors, the LR range
test's loop, the validation pass, and the export of what it holds (weights,
optimizer, schedule and RNG state) as numpy. Part of the torch seam (with
``sknn._torch``, whose functions build, train and restore it).
"""

import copy
import dataclasses
import functools
import math
import time

import numpy as np
import torch
from skorch import NeuralNet

from sknn._torch_callbacks import step_scheduler
from sknn._torch_data import chunk_rows, dense_tensor, epoch_index
from sknn._training import Snapshot


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
        scale = self.criterion_.report_scale(self.sknn_network.n_outputs)
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
        """Everything needed to go on training from the end of this epoch (see
        :func:`sknn._torch.train`'s ``resume``)."""
        coefs, intercepts = export_weights(self)
        best = convergence.best_params_
        return Snapshot(
            coefs=coefs,
            intercepts=intercepts,
            extra_state=self.module_.extra_state(),
            net_state=export_state(self),
            state=copy.deepcopy(convergence.state),
            history=earlier + self.history_records(first_epoch=len(earlier) + 1),
            generator=self.generator_.get_state().numpy(),
            rng=self.dropout_generator_.get_state().numpy(),
            best_params=None if best is None else to_numpy(best),
        )

    def lr_range_test(self, data, learning_rates, should_stop):
        """One optimizer step per rate of ``learning_rates`` on successive batches
        (reshuffled each epoch); return the training objective of each batch,
        stopping early when it is not finite or ``should_stop(losses)`` says so."""
        config = self.sknn_training
        module, optimizer = self.module_, self.optimizer_
        generator = torch.Generator(device="cpu").manual_seed(config.seed)
        module.set_generator(dropout_generator(config))
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
        """The hold-out's pre-activation outputs (numpy; an ensemble's per member)
        and its loss (the data term sklearn reports, sample-weighted, without the
        penalty): an ensemble's is the loss of its prediction, the members' mean,
        as early stopping and ``scoring`` judge the ensemble by what it predicts."""
        with torch.inference_mode():
            z = self._forward_tensor(data.X_val)
            predicted = self.criterion_.mean_prediction(z)
            per_sample = self.criterion_(predicted, data.y_val)
            loss, _ = weighted_mean(per_sample, data.sample_weight_val)
            scale = self.criterion_.report_scale(self.sknn_network.n_outputs)
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


def dropout_generator(config):
    """The generator of a fit's dropout masks, on the training device."""
    return torch.Generator(device=config.device).manual_seed(config.seed + 1)


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
        "optimizer": to_numpy(net.optimizer_.state_dict()),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
    }
    if hasattr(net, "generator_"):
        state["generators"] = {
            "shuffle": net.generator_.get_state().numpy(),
            "dropout": net.dropout_generator_.get_state().numpy(),
        }
    return state


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {key: to_numpy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(to_numpy(item) for item in value)
    return value


def to_tensors(value):
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {key: to_tensors(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(to_tensors(item) for item in value)
    return value


def export_weights(net):
    """The network's weights and biases as sklearn's (fan_in, fan_out) numpy arrays."""
    coefs, intercepts = [], []
    for linear in net.module_.linears():
        coefs.append(linear.weight.detach().cpu().numpy().T.copy())
        intercepts.append(linear.bias.detach().cpu().numpy().copy())
    return coefs, intercepts
