"""The learning-rate range test behind the estimators' ``find_lr``.

The test (L. N. Smith, "Cyclical Learning Rates for Training Neural Networks", 2017)
trains a throw-away copy of the network for a few mini-batches while the learning rate
grows exponentially, records the loss after each step and stops once it diverges. The
loss falls fastest around a good ``learning_rate_init``. The estimator itself is not
touched: the test runs on a clone, from the initial weights a fit would draw.
"""

import dataclasses
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone

from sknn import _torch
from sknn._sklearn_compat import Interval, validate_params


@dataclasses.dataclass(frozen=True)
class LRFinderResult:
    """The outcome of an LR range test: rates, losses and a suggested rate.

    Attributes
    ----------
    learning_rates : ndarray of shape (n_steps,)
        The learning rate of each optimizer step, growing exponentially.

    losses : ndarray of shape (n_steps,)
        The training loss after each step, smoothed by an exponential moving average
        (bias-corrected), as plotted.

    raw_losses : ndarray of shape (n_steps,)
        The training loss of each step's mini-batch, unsmoothed.

    suggested_learning_rate : float
        The rate where the smoothed loss falls fastest per decade of learning rate,
        before its minimum: a good ``learning_rate_init`` to start from.
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    suggested_learning_rate: float

    def plot(self, ax=None):
        """Plot the loss against the learning rate (needs matplotlib).

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure's when None.

        Returns
        -------
        display : :class:`~sknn.LRFinderDisplay`
            The display, with the matplotlib objects as attributes.
        """
        from sknn._displays import LRFinderDisplay

        return LRFinderDisplay(
            learning_rates=self.learning_rates,
            losses=self.losses,
            suggested_learning_rate=self.suggested_learning_rate,
        ).plot(ax=ax)


@validate_params(
    {
        "start_lr": [Interval(Real, 0, None, closed="neither")],
        "end_lr": [Interval(Real, 0, None, closed="neither")],
        "num_iter": [Interval(Integral, 5, None, closed="left")],
        "smooth_f": [Interval(Real, 0, 1, closed="right")],
        "diverge_th": [Interval(Real, 1, None, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def check_range_test_params(start_lr, end_lr, num_iter, smooth_f, diverge_th):
    """Validate find_lr's own parameters with sklearn's error types and wording."""
    if end_lr <= start_lr:
        raise ValueError(
            f"end_lr must be larger than start_lr, got start_lr={start_lr!r} and "
            f"end_lr={end_lr!r}."
        )


def find_lr(
    estimator, X, y, sample_weight, start_lr, end_lr, num_iter, smooth_f, diverge_th
):
    """Run the LR range test for ``estimator``'s network; see ``_BaseMLP.find_lr``."""
    check_range_test_params(start_lr, end_lr, num_iter, smooth_f, diverge_th)
    if estimator.solver == "lbfgs":
        raise ValueError(
            "find_lr needs a stochastic solver ('sgd', 'adam', 'adamw', 'rmsprop' or "
            "'adagrad'); solver='lbfgs' has no learning rate. Set solver first, e.g. "
            "est.set_params(solver='adam').find_lr(X, y)."
        )
    probe = clone(estimator)
    probe._validate_params()
    _, network, training, data = probe._prepare_training(
        X, y, sample_weight, incremental=False
    )
    learning_rates = np.geomspace(start_lr, end_lr, num_iter)

    def diverged(losses):
        smoothed = smooth(losses, smooth_f)
        return smoothed[-1] > diverge_th * smoothed.min()

    raw_losses = np.asarray(
        _torch.lr_range_test(
            network,
            training,
            coefs=probe.coefs_,
            intercepts=probe.intercepts_,
            extra_state=probe._extra_state,
            X=data["X"],
            y=data["y"],
            sample_weight=data["sample_weight"],
            learning_rates=learning_rates,
            should_stop=diverged,
        )
    )
    learning_rates = learning_rates[: len(raw_losses)]
    if not np.isfinite(raw_losses[-1]):  # the step that blew up has no loss to plot
        learning_rates, raw_losses = learning_rates[:-1], raw_losses[:-1]
    losses = smooth(raw_losses, smooth_f)
    return LRFinderResult(
        learning_rates=learning_rates,
        losses=losses,
        raw_losses=raw_losses,
        suggested_learning_rate=suggest(learning_rates, losses),
    )


def smooth(losses, smooth_f):
    """Exponential moving average with weight ``smooth_f`` on the newest loss,
    bias-corrected so that the first values are not pulled towards 0."""
    losses = np.asarray(losses, dtype=float)
    average, smoothed = 0.0, np.empty_like(losses)
    for i, loss in enumerate(losses):
        average = smooth_f * loss + (1 - smooth_f) * average
        smoothed[i] = average / (1 - (1 - smooth_f) ** (i + 1))
    return smoothed


def suggest(learning_rates, losses):
    """The rate of steepest descent of ``losses`` over log10 of the rate, looked for
    between the first tenth of the steps and the loss's minimum."""
    end = int(np.argmin(losses)) + 1
    start = min(len(losses) // 10, max(end - 2, 0))
    if end - start < 2:
        return float(learning_rates[start])
    slopes = np.gradient(losses[start:end], np.log10(learning_rates[start:end]))
    return float(learning_rates[start + int(np.argmin(slopes))])
