"""What hooks into the torch seam's epoch loop: sklearn's convergence rule, the
learning-rate schedules, checkpoints, the progress bar and the thread count.

Part of the torch seam (with ``sknn._torch``). The callbacks follow skorch's habits,
with constructor arguments stored as given and state in trailing-underscore attributes
set in ``initialize`` or ``on_train_begin``.
"""

import dataclasses

import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from sknn._network import BATCH_SCHEDULES, EPOCH_SCHEDULES


class SklearnConvergence(Callback):
    """sklearn's stopping rule, best-weight tracking and SGD learning-rate schedule.

    After every epoch: record the validation score (early stopping) or the training
    loss, count epochs without an improvement of ``tol``, keep the best weights, and
    after more than ``n_iter_no_change`` such epochs either divide the SGD learning
    rate by 5 (``learning_rate="adaptive"``) or stop.
    """

    def __init__(self, config, state, valid_score, verbose=0):
        self.config = config
        self.state = state
        self.valid_score = valid_score
        self.verbose = verbose  # any true value: sklearn's printed lines

    def initialize(self):
        self.best_params_ = None
        self.stopped_ = False
        self.improved_ = False  # the epoch set a new best score (or loss)
        return self

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        config, state = self.config, self.state
        record = net.history[-1]
        loss = record["train_loss"]
        state.loss_curve.append(loss)
        state.t += dataset_train.n_samples
        if self.verbose:
            print("Iteration %d, loss = %.8f" % (len(net.history), loss))
        if config.early_stopping:
            raw, valid_loss = net.validate(dataset_train)
            score = self.valid_score(raw)
            net.history.record("valid_loss", valid_loss)
            net.history.record("valid_score", score)
            state.validation_scores.append(score)
            if self.verbose:
                print("Validation score: %f" % score)
            # the monitored value, higher is better: the score (sklearn's rule) or
            # minus the validation loss
            monitored = score if config.scoring == "score" else -valid_loss
            best = state.best_monitored
            if best is None:  # a fit saved before sknn monitored anything else
                best = state.best_validation_score
            if monitored < best + config.tol:
                state.no_improvement_count += 1
            else:
                state.no_improvement_count = 0
            self.improved_ = monitored > best or (
                config.restore_best == "last" and monitored == best
            )
            state.best_validation_score = max(state.best_validation_score, score)
            state.best_monitored = max(best, monitored)
            if self.improved_:
                self.best_params_ = {
                    k: v.detach().clone() for k, v in net.module_.state_dict().items()
                }
        else:
            if loss > state.best_loss - config.tol:
                state.no_improvement_count += 1
            else:
                state.no_improvement_count = 0
            self.improved_ = loss < state.best_loss
            state.best_loss = min(state.best_loss, loss)

        optimizer = net.optimizer_
        if config.solver == "sgd" and config.learning_rate == "invscaling":
            for group in optimizer.param_groups:
                group["lr"] = (
                    config.learning_rate_init / (state.t + 1) ** config.power_t
                )
        if state.no_improvement_count > config.n_iter_no_change:
            if config.early_stopping:
                msg = (
                    "Validation %s did not improve more than tol=%f for %d "
                    "consecutive epochs."
                    % (config.scoring, config.tol, config.n_iter_no_change)
                )
            else:
                msg = (
                    "Training loss did not improve more than tol=%f for %d "
                    "consecutive epochs." % (config.tol, config.n_iter_no_change)
                )
            lr = optimizer.param_groups[0]["lr"]
            if config.solver == "sgd" and config.learning_rate == "adaptive":
                if lr <= 1e-6:
                    self._stop(msg, self.verbose)
                else:
                    lr /= 5.0
                    for group in optimizer.param_groups:
                        group["lr"] = lr
                    if self.verbose:
                        print(msg + " Setting learning rate to %f" % lr)
                    state.no_improvement_count = 0
            else:
                self._stop(msg, self.verbose)

    def _stop(self, msg, verbose):
        if verbose:
            print(msg + " Stopping.")
        self.stopped_ = True

    def on_train_end(self, net, **kwargs):
        if self.config.early_stopping and self.best_params_ is not None:
            net.module_.load_state_dict(self.best_params_)


class CheckpointWriter(Callback):
    """After every epoch, hand ``write(snapshot, is_best)`` the net's training
    snapshot; ``is_best`` when the epoch has the best validation score (with early
    stopping) or training loss so far. When training ends (not by Ctrl-C), write the
    final model (early stopping's best weights restored) marked finished; a
    ``partial_fit`` epoch is always finished: partial_fit goes on, not a resume."""

    def __init__(self, write, earlier, incremental):
        self.write = write
        self.earlier = earlier
        self.incremental = incremental

    def on_epoch_end(self, net, **kwargs):
        self._write(net, dict(net.callbacks_)["convergence"].improved_)

    def on_train_end(self, net, **kwargs):
        if not getattr(net, "interrupted_", False) and len(net.history):
            self._write(net, is_best=False, finished=True)

    def _write(self, net, is_best, finished=False):
        convergence = dict(net.callbacks_)["convergence"]
        snapshot = net.training_snapshot(convergence, self.earlier)
        snapshot = dataclasses.replace(snapshot, finished=finished or self.incremental)
        self.write(snapshot, is_best)


class EpochProgressBar(Callback):
    """A tqdm bar over the epochs of a fit (``progress_bar=True``), updated once per
    epoch with the training loss, the validation score and the learning rate."""

    def __init__(self, epochs):
        self.epochs = epochs

    def on_train_begin(self, net, **kwargs):
        self.bar_ = tqdm(total=self.epochs, desc="epochs", unit="epoch", leave=True)

    def on_epoch_end(self, net, **kwargs):
        record = net.history[-1]
        postfix = {"loss": f"{record['train_loss']:.4g}"}
        if "valid_score" in record:
            postfix["valid_score"] = f"{record['valid_score']:.4f}"
        if "lr" in record:
            postfix["lr"] = f"{record['lr']:.3g}"
        self.bar_.set_postfix(postfix, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        self.bar_.close()


class ThreadsFollowLoad(Callback):
    """At the start of every epoch, choose torch's thread count again for the
    machine's load then (:meth:`TorchThreads.follow_load`): a long fit gives up a
    CPU that another process starts to use, and takes it back when it is free."""

    def __init__(self, threads):
        self.threads = threads

    def on_epoch_begin(self, net, **kwargs):
        self.threads.follow_load()


def lr_scheduler(config, optimizer, steps_per_epoch):
    """The torch scheduler of ``config.learning_rate`` and whether it steps per batch
    (else per epoch); ``(None, False)`` for sklearn's schedules.

    "step" multiplies the rate by ``lr_gamma`` every ``lr_step_size`` epochs; "cosine"
    anneals it from ``learning_rate_init`` to 0 over ``max_iter`` epochs; "cyclic"
    runs triangles between ``lr_gamma * learning_rate_init`` and ``learning_rate_init``,
    ``lr_step_size`` epochs up and as many down; "onecycle" warms up to
    ``learning_rate_init`` over the first 30% of ``max_iter`` epochs, then anneals.
    Schedules set the learning rate only; momentum and betas stay as set.
    """
    schedules = torch.optim.lr_scheduler
    name, lr = config.learning_rate, config.learning_rate_init
    if config.solver == "lbfgs" or name not in EPOCH_SCHEDULES + BATCH_SCHEDULES:
        return None, False
    if name == "step":
        return schedules.StepLR(optimizer, config.lr_step_size, config.lr_gamma), False
    if name == "cosine":
        return schedules.CosineAnnealingLR(optimizer, T_max=config.max_iter), False
    if name == "cyclic":
        scheduler = schedules.CyclicLR(
            optimizer,
            base_lr=lr * config.lr_gamma,
            max_lr=lr,
            step_size_up=config.lr_step_size * steps_per_epoch,
            cycle_momentum=False,
        )
        return scheduler, True
    scheduler = schedules.OneCycleLR(
        optimizer,
        max_lr=lr,
        total_steps=config.max_iter * steps_per_epoch,
        cycle_momentum=False,
    )
    return scheduler, True


def step_scheduler(scheduler):
    """Step ``scheduler`` unless its schedule has ended: cosine annealing reaches 0 at
    ``max_iter`` epochs and one-cycle its lowest rate at its last step; partial_fit
    may go on past them at that final rate."""
    schedules = torch.optim.lr_scheduler
    if isinstance(scheduler, schedules.OneCycleLR):
        end = scheduler.total_steps - 1
    elif isinstance(scheduler, schedules.CosineAnnealingLR):
        end = scheduler.T_max
    else:
        end = None
    if end is None or scheduler.last_epoch < end:
        scheduler.step()
