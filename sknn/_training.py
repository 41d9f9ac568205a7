"""How the network trains: the training settings' record, the bookkeeping carried
from one fit call to the next, what a call leaves behind, and the scaling of the
regressor's targets. Plain values and numpy
only: the estimators build these records and the torch seam reads them; model files
hold the settings, checked against ``TRAINING_CHECKS`` when loaded.
"""

import dataclasses
import math

import numpy as np

from sknn._checks import boolean, choice, integer, real
from sknn._network import LEARNING_RATES, RESTORE_BEST, SCORINGS, SOLVERS

# the losses the network trains on (``_torch_module.SklearnLoss``'s kinds)
LOSS_KINDS = {
    "softmax_log_loss", "logistic_log_loss", "multi_margin", "binary_hinge",
    "squared_error", "poisson", "absolute_error", "huber",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Training:
    """How the network trains, validated by the estimator. Saved with the model
    (partial_fit after loading trains on as before); the display flags (verbose,
    progress bar) are not part of it: they are the caller's, passed to
    :func:`train` each time."""

    loss: str  # one of LOSS_KINDS
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


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """A fit at the end of one epoch, as plain values and numpy arrays: what a
    checkpoint holds, and what resuming goes on from."""

    coefs: list
    intercepts: list
    extra_state: dict  # batch-norm and embedding arrays
    net_state: dict  # the net's record: network, settings, optimizer, schedule
    state: ConvergenceState
    history: list
    generator: np.ndarray  # the shuffling RNG's state
    rng: np.ndarray  # the dropout RNG's state
    best_params: dict | None  # early stopping's best weights so far, by name
    finished: bool = False  # the fit ended at this epoch (or partial_fit's did)


# each saved training setting's values: the ones sknn writes
TRAINING_CHECKS = {
    "loss": choice(LOSS_KINDS),
    "solver": choice(SOLVERS),
    "alpha": real(0, math.inf),
    "l1": real(0, math.inf),
    "batch_size": integer(1),
    "learning_rate": choice(LEARNING_RATES),
    "learning_rate_init": real(0, math.inf, low_open=True),
    "power_t": real(0, math.inf),
    "max_iter": integer(1),
    "shuffle": boolean,
    "tol": real(0, math.inf),
    "momentum": real(0, 1),
    "nesterovs_momentum": boolean,
    "early_stopping": boolean,
    "n_iter_no_change": lambda v: integer(1)(v) or v == math.inf,
    "beta_1": real(0, 1),
    "beta_2": real(0, 1),
    "epsilon": real(0, math.inf, low_open=True),
    "max_fun": integer(1),
    "device": lambda value: isinstance(value, str) and len(value) < 64,
    "seed": integer(0, 2**63 - 1),
    "max_grad_norm": lambda v: v is None or real(0, math.inf, low_open=True)(v),
    "gradient_accumulation_steps": integer(1),
    "lr_step_size": integer(1),
    "lr_gamma": real(0, 1, low_open=True),
    "label_smoothing": lambda v: real(0, 1)(v) and v < 1,
    "scoring": choice(SCORINGS),
    "restore_best": choice(RESTORE_BEST),
}


def target_scaling(y, loss, sample_weight):
    """The center and scale the regressor's identity-output losses train on.

    The network learns ``(y - center) / scale``, and predict maps its outputs back,
    so that targets of any scale train with the default learning rate and ``tol``.
    The squared error uses the mean and standard deviation; the absolute error and
    the Huber loss the median and the interquartile range (divided by 1.349, the
    standard deviation's value for normal data), so that outlying targets do not set
    the scale. The Poisson and squared log losses keep their own links. Statistics
    are weighted by ``sample_weight``, so weighting a row is repeating it.
    """
    if loss not in ("squared_error", "absolute_error", "huber"):
        return None, None
    # statistics of y / max|y| (in [-1, 1]), scaled back: sums and squares of huge
    # targets (1e300) would overflow, and the scale then be infinite
    magnitude = np.max(np.abs(y), axis=0)
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    y = y / magnitude
    mean = np.average(y, axis=0, weights=sample_weight)
    std = np.sqrt(np.average((y - mean) ** 2, axis=0, weights=sample_weight))
    if loss == "squared_error":
        center, scale = mean, std
    else:
        low, center, high = np.percentile(
            y, [25, 50, 75], axis=0, weights=sample_weight, method="inverted_cdf"
        )
        scale = (high - low) / 1.349
        scale = np.where(scale > 0, scale, std)
    return center * magnitude, np.where(scale > 0, scale * magnitude, 1.0)
