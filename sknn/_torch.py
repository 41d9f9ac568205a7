"""The torch seam: the only module of sknn that imports torch and skorch.

The estimators hand over a frozen :class:`TrainingConfig`, the network's initial
weights as numpy arrays and the training data; they get back a :class:`TrainingResult`
of plain numbers and numpy arrays, and an opaque skorch net to keep for later calls
(``partial_fit``, ``warm_start``, prediction).
"""

import dataclasses
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback
from torch import nn
from torch.nn import functional as F

HIDDEN_ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


@dataclasses.dataclass(frozen=True)
class TrainingConfig:
    """Everything the training loop needs to know, validated by the estimator."""

    layer_units: tuple[int, ...]
    activation: str
    dropout: tuple[float, ...]
    loss: str  # "softmax_log_loss", "logistic_log_loss", "squared_error", "poisson"
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
    verbose: bool
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


@dataclasses.dataclass
class ConvergenceState:
    """sklearn's bookkeeping between epochs, carried across fit calls."""

    loss_curve: list = dataclasses.field(default_factory=list)
    validation_scores: list | None = None
    best_loss: float | None = np.inf
    best_validation_score: float | None = None
    no_improvement_count: int = 0
    t: int = 0


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


# --------------------------------------------------------------------------- devices


def resolve_device(device):
    """Return the torch device named by ``device``, or raise a ValueError."""
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a device name. Use 'cpu', 'cuda', "
            "'cuda:N', 'mps' or 'auto'."
        ) from None
    if parsed.type == "cpu":
        return "cpu"
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                "machine. Use device='cpu', or device='auto' to pick the best one."
            )
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s). Use an index below "
                f"{torch.cuda.device_count()}, or device='auto'."
            )
        return str(parsed)
    if parsed.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(
                f"device={device!r} was requested but MPS is not available on this "
                "machine. Use device='cpu', or device='auto' to pick the best one."
            )
        return "mps"
    raise ValueError(
        f"device={device!r} is not supported. Use 'cpu', 'cuda', 'cuda:N', 'mps' "
        "or 'auto'."
    )


# --------------------------------------------------------------------------- module


class MLPModule(nn.Module):
    """A multilayer perceptron returning the output layer's pre-activation."""

    def __init__(self, layer_units, activation, dropout):
        super().__init__()
        layers = []
        n_hidden = len(layer_units) - 2
        for i, (fan_in, fan_out) in enumerate(zip(layer_units, layer_units[1:])):
            layers.append(nn.Linear(fan_in, fan_out))
            if i < n_hidden:
                layers.append(HIDDEN_ACTIVATIONS[activation]())
                if dropout[i] > 0:
                    layers.append(nn.Dropout(dropout[i]))
        self.layers = nn.Sequential(*layers)

    def linears(self):
        return [m for m in self.layers if isinstance(m, nn.Linear)]

    def forward(self, X):
        return self.layers(X)


class SklearnLoss(nn.Module):
    """Per-sample data term of sklearn's MLP losses, on pre-activation outputs.

    Each gives the gradient ``activation(z) - y`` sklearn back-propagates; the
    squared error is summed over outputs for training (as sklearn's gradient is) and
    divided by the number of outputs for the reported loss (as sklearn's loss is).
    """

    def __init__(self, kind):
        super().__init__()
        self.kind = kind

    def forward(self, z, y):
        if self.kind == "softmax_log_loss":
            return -(y * F.log_softmax(z, dim=1)).sum(dim=1)
        if self.kind == "logistic_log_loss":
            return F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(dim=1)
        if self.kind == "poisson":
            return (torch.xlogy(y, y) - y * z - y + torch.exp(z)).sum(dim=1)
        return 0.5 * ((z - y) ** 2).sum(dim=1)

    def report_scale(self, n_outputs):
        return 1.0 / n_outputs if self.kind == "squared_error" else 1.0


OUTPUT_ACTIVATIONS = {
    "softmax": lambda z: torch.softmax(z, dim=1),
    "logistic": torch.sigmoid,
    "exp": torch.exp,
    "identity": lambda z: z,
}


# --------------------------------------------------------------------------- data


class _TrainingData:
    """Training (and validation) arrays, resident on the device as float32 tensors.

    Dense X is converted once; sparse X stays a scipy matrix on the host and each batch
    is densified on its own, so a wide sparse matrix never becomes dense whole.
    """

    def __init__(self, X, y, sample_weight, X_val, y_val, device):
        self.device = device
        self.X = _as_tensor(X, device)
        self.y = torch.as_tensor(np.asarray(y, dtype=np.float32), device=device)
        self.sample_weight = (
            None
            if sample_weight is None
            else torch.as_tensor(np.asarray(sample_weight, np.float32), device=device)
        )
        self.X_val = None if X_val is None else _as_tensor(X_val, device)
        self.y_val = y_val
        self.n_samples = X.shape[0]

    def rows(self, index):
        """X rows at ``index`` (a slice or an index tensor) as a dense tensor."""
        if isinstance(self.X, torch.Tensor):
            return self.X[index]
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        return _dense_tensor(self.X[index], self.device)


def _as_tensor(X, device):
    return X.tocsr() if sp.issparse(X) else _dense_tensor(X, device)


def _dense_tensor(X, device):
    if sp.issparse(X):
        X = X.toarray()
    with warnings.catch_warnings():
        # read-only arrays (joblib memmaps) are safe: sknn never writes into X
        warnings.filterwarnings("ignore", message="The given NumPy array is not writ")
        return torch.as_tensor(np.ascontiguousarray(X, dtype=np.float32), device=device)


# --------------------------------------------------------------------------- callbacks


class SklearnConvergence(Callback):
    """sklearn's stopping rule, best-weight tracking and SGD learning-rate schedule.

    After every epoch: record the validation score (early stopping) or the training
    loss, count epochs without an improvement of ``tol``, keep the best weights, and
    after more than ``n_iter_no_change`` such epochs either divide the SGD learning
    rate by 5 (``learning_rate="adaptive"``) or stop.
    """

    def __init__(self, config, state, valid_score, incremental):
        self.config = config
        self.state = state
        self.valid_score = valid_score
        self.incremental = incremental

    def initialize(self):
        self.best_params_ = None
        self.stopped_ = False
        return self

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        config, state = self.config, self.state
        record = net.history[-1]
        loss = record["train_loss"]
        state.loss_curve.append(loss)
        state.t += dataset_train.n_samples
        if config.verbose:
            print("Iteration %d, loss = %.8f" % (len(net.history), loss))
        if config.early_stopping:
            score = self.valid_score(net.forward_numpy(dataset_train.X_val))
            net.history.record("valid_score", score)
            state.validation_scores.append(score)
            if config.verbose:
                print("Validation score: %f" % score)
            if score < state.best_validation_score + config.tol:
                state.no_improvement_count += 1
            else:
                state.no_improvement_count = 0
            if score > state.best_validation_score:
                state.best_validation_score = score
                self.best_params_ = {
                    k: v.detach().clone() for k, v in net.module_.state_dict().items()
                }
        else:
            if loss > state.best_loss - config.tol:
                state.no_improvement_count += 1
            else:
                state.no_improvement_count = 0
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
                    "Validation score did not improve more than tol=%f for %d "
                    "consecutive epochs." % (config.tol, config.n_iter_no_change)
                )
            else:
                msg = (
                    "Training loss did not improve more than tol=%f for %d "
                    "consecutive epochs." % (config.tol, config.n_iter_no_change)
                )
            lr = optimizer.param_groups[0]["lr"]
            if config.solver == "sgd" and config.learning_rate == "adaptive":
                if lr <= 1e-6:
                    self._stop(msg, config.verbose)
                else:
                    lr /= 5.0
                    for group in optimizer.param_groups:
                        group["lr"] = lr
                    if config.verbose:
                        print(msg + " Setting learning rate to %f" % lr)
                    state.no_improvement_count = 0
            else:
                self._stop(msg, config.verbose)

    def _stop(self, msg, verbose):
        if verbose:
            print(msg + " Stopping.")
        self.stopped_ = True

    def on_train_end(self, net, **kwargs):
        if self.config.early_stopping and self.best_params_ is not None:
            net.module_.load_state_dict(self.best_params_)


# --------------------------------------------------------------------------- the net


class SknnNet(NeuralNet):
    """A skorch net whose epoch loop slices device-resident tensors.

    Each epoch draws one permutation from the fit's own generator and takes batches as
    index slices of the resident tensors: no Dataset, no DataLoader, no collate. The
    loss is accumulated on the device and read once per epoch.
    """

    def __init__(self, *args, sknn_config=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sknn_config = sknn_config

    def penalty(self, denominator):
        """sklearn's L2 term (plus sknn's L1 term) over the weights, not the biases."""
        config = self.sknn_config
        if config.alpha == 0 and config.l1 == 0:
            return 0.0
        total = 0.0
        for linear in self.module_.linears():
            if config.alpha:
                total = total + 0.5 * config.alpha * linear.weight.pow(2).sum()
            if config.l1:
                total = total + config.l1 * linear.weight.abs().sum()
        return total / denominator

    def batch_loss(self, X, y, sample_weight):
        """Training objective of one batch, and the loss sklearn would report for it."""
        per_sample = self.criterion_(self.module_(X), y)
        if sample_weight is None:
            denominator = X.shape[0]
            data = per_sample.mean()
        else:
            denominator = sample_weight.sum()
            data = (per_sample * sample_weight).sum() / denominator
        penalty = self.penalty(denominator)
        scale = self.criterion_.report_scale(y.shape[1])
        return data + penalty, data * scale + penalty

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        data = X
        config = self.sknn_config
        if config.solver == "lbfgs":
            self._fit_lbfgs(data)
            return self
        epochs = self.max_epochs if epochs is None else epochs
        generator = torch.Generator(device="cpu").manual_seed(config.seed)
        n = data.n_samples
        batch_size = self.batch_size
        starts = range(0, n, batch_size)
        convergence = dict(self.callbacks_)["convergence"]
        for _ in range(epochs):
            self.notify("on_epoch_begin", dataset_train=data, dataset_valid=None)
            tic = time.perf_counter()
            self.module_.train()
            order = (
                torch.randperm(n, generator=generator).to(data.device)
                if config.shuffle
                else None
            )
            total = torch.zeros((), device=data.device)
            for start in starts:
                index = slice(start, start + batch_size)
                if order is not None:
                    index = order[index]
                sw = None if data.sample_weight is None else data.sample_weight[index]
                objective, reported = self.batch_loss(
                    data.rows(index), data.y[index], sw
                )
                self.optimizer_.zero_grad(set_to_none=True)
                objective.backward()
                self.optimizer_.step()
                total += reported.detach() * min(batch_size, n - start)
            self.module_.eval()
            self.history.record("train_loss", total.item() / n)
            self.history.record("lr", self.optimizer_.param_groups[0]["lr"])
            self.history.record("dur", time.perf_counter() - tic)
            self.notify("on_epoch_end", dataset_train=data, dataset_valid=None)
            if convergence.stopped_:
                break
        return self

    def _fit_lbfgs(self, data):
        X = data.rows(slice(None))
        self.module_.train()

        def closure():
            self.optimizer_.zero_grad(set_to_none=True)
            objective, _ = self.batch_loss(X, data.y, data.sample_weight)
            objective.backward()
            return objective

        tic = time.perf_counter()
        self.notify("on_epoch_begin", dataset_train=data, dataset_valid=None)
        self.optimizer_.step(closure)
        self.module_.eval()
        with torch.no_grad():
            _, reported = self.batch_loss(X, data.y, data.sample_weight)
        self.history.record("train_loss", reported.item())
        self.history.record("dur", time.perf_counter() - tic)

    def forward_numpy(self, X, batch_size=65536):
        """Pre-activation outputs of the eval-mode module, as a float32 numpy array."""
        with torch.inference_mode():
            if isinstance(X, torch.Tensor):
                return self.module_(X).cpu().numpy()
            parts = [
                self.module_(_dense_tensor(X[i : i + batch_size], self.device))
                for i in range(0, X.shape[0], batch_size)
            ]
            return torch.cat(parts).cpu().numpy()


def _optimizer_kwargs(config, device):
    fused = torch.device(device).type in ("cpu", "cuda")
    if config.solver == "adam":
        return torch.optim.Adam, {
            "optimizer__betas": (config.beta_1, config.beta_2),
            "optimizer__eps": config.epsilon,
            "optimizer__fused": fused,
        }
    if config.solver == "sgd":
        return torch.optim.SGD, {
            "optimizer__momentum": config.momentum,
            "optimizer__nesterov": bool(
                config.nesterovs_momentum and config.momentum > 0
            ),
            "optimizer__fused": fused,
        }
    return torch.optim.LBFGS, {
        "optimizer__max_iter": config.max_iter,
        "optimizer__max_eval": config.max_fun,
        "optimizer__tolerance_grad": config.tol,
        "optimizer__tolerance_change": 1e-9,
        "optimizer__history_size": 10,
        "optimizer__line_search_fn": "strong_wolfe",
    }


def _build_net(config, coefs, intercepts):
    optimizer, optimizer_kwargs = _optimizer_kwargs(config, config.device)
    net = SknnNet(
        module=MLPModule,
        module__layer_units=config.layer_units,
        module__activation=config.activation,
        module__dropout=config.dropout,
        criterion=SklearnLoss,
        criterion__kind=config.loss,
        optimizer=optimizer,
        lr=1.0 if config.solver == "lbfgs" else config.learning_rate_init,
        max_epochs=config.max_iter,
        batch_size=config.batch_size,
        train_split=None,
        callbacks="disable",
        device=config.device,
        sknn_config=config,
        **optimizer_kwargs,
    )
    net.initialize()
    with torch.no_grad():
        for linear, coef, intercept in zip(net.module_.linears(), coefs, intercepts):
            linear.weight.copy_(torch.as_tensor(coef.T, dtype=torch.float32))
            linear.bias.copy_(torch.as_tensor(intercept, dtype=torch.float32))
    return net


def train(
    net: Any,
    config: TrainingConfig,
    *,
    coefs,
    intercepts,
    state: ConvergenceState,
    X,
    y,
    sample_weight=None,
    X_val=None,
    y_val=None,
    valid_score: Callable | None = None,
    incremental=False,
) -> tuple[Any, TrainingResult]:
    """Train for one call to fit or partial_fit; return the net and the result.

    With ``net=None`` a new net starts from ``coefs``/``intercepts`` with a new
    optimizer and trains up to ``max_iter`` epochs (fit, warm_start). Otherwise ``net``
    is trained in place, optimizer state included (partial_fit: ``incremental=True``,
    one epoch). Module initialization, dropout masks and shuffling draw from RNGs
    seeded by ``config.seed``; the caller's global torch RNG is left as it was.
    """
    data = _TrainingData(X, y, sample_weight, X_val, y_val, config.device)
    devices = [torch.device(config.device)] if config.device.startswith("cuda") else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(config.seed)
        if net is None:
            net = _build_net(config, coefs, intercepts)
        else:
            net.sknn_config = config
            net.batch_size = config.batch_size
        return net, _train(net, config, state, valid_score, incremental, data)


def _train(net, config, state, valid_score, incremental, data):
    convergence = SklearnConvergence(config, state, valid_score, incremental)
    net.callbacks_ = [("convergence", convergence.initialize())]
    net.history.clear()
    try:
        net.notify("on_train_begin", X=data, y=None)
        net.fit_loop(data, epochs=1 if incremental else config.max_iter)
    except KeyboardInterrupt:
        warnings.warn("Training interrupted by user.")
    net.notify("on_train_end", X=data, y=None)

    history = [dict(epoch_record) for epoch_record in net.history]
    coefs, intercepts = _weights(net)
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
    )


def _weights(net):
    coefs, intercepts = [], []
    for linear in net.module_.linears():
        coefs.append(linear.weight.detach().cpu().numpy().T.copy())
        intercepts.append(linear.bias.detach().cpu().numpy().copy())
    return coefs, intercepts


def predict(net, X, out_activation):
    """Output-layer activations of the fitted network for X, as float64 numpy."""
    with torch.inference_mode():
        if sp.issparse(X):
            z = torch.as_tensor(net.forward_numpy(X))
        else:
            z = net.module_(_dense_tensor(X, net.device))
        return OUTPUT_ACTIVATIONS[out_activation](z).cpu().numpy().astype(np.float64)
