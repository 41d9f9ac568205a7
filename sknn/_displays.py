"""Plots of sknn's results, in scikit-learn's Display style (matplotlib optional)."""

import numpy as np


def _pyplot(what):
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            f"{what} needs matplotlib, which is an optional dependency of sknn. "
            "Install it with: pip install 'sknn[plot]'"
        ) from None
    return plt


class LRFinderDisplay:
    """The loss of an LR range test against the learning rate, on a log axis.

    Build it with :meth:`from_estimator` (runs ``find_lr``) or from a result's
    :meth:`~sknn.LRFinderResult.plot`; call :meth:`plot` to draw.

    Parameters
    ----------
    learning_rates : array-like of shape (n_steps,)
        The learning rate of each step.

    losses : array-like of shape (n_steps,)
        The (smoothed) loss after each step.

    suggested_learning_rate : float, default=None
        Marked on the curve when given.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The loss curve.

    suggestion_ : matplotlib Line2D or None
        The marker of the suggested rate.

    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure holding the axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sknn import LRFinderDisplay, MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> display = LRFinderDisplay.from_estimator(
    ...     MLPClassifier(random_state=0), X, y, num_iter=50)
    >>> display.ax_.get_xscale()
    'log'
    """

    def __init__(self, *, learning_rates, losses, suggested_learning_rate=None):
        self.learning_rates = learning_rates
        self.losses = losses
        self.suggested_learning_rate = suggested_learning_rate

    def plot(self, ax=None):
        """Draw the curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure's when None.

        Returns
        -------
        self : LRFinderDisplay
            With ``line_``, ``suggestion_``, ``ax_`` and ``figure_`` set.
        """
        plt = _pyplot("LRFinderDisplay.plot")
        if ax is None:
            _, ax = plt.subplots()
        (self.line_,) = ax.plot(self.learning_rates, self.losses, label="loss")
        self.suggestion_ = None
        if self.suggested_learning_rate is not None:
            rates = np.asarray(self.learning_rates)
            at = int(np.argmin(np.abs(np.log(rates / self.suggested_learning_rate))))
            (self.suggestion_,) = ax.plot(
                rates[at],
                np.asarray(self.losses)[at],
                "o",
                label=f"suggested: {self.suggested_learning_rate:.2g}",
            )
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss (smoothed)")
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, ax=None, **find_lr_params):
        """Run ``estimator.find_lr(X, y, **find_lr_params)`` and plot the result.

        Parameters
        ----------
        estimator : MLPClassifier or MLPRegressor
            The estimator whose network to test; it is left unchanged.

        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The training targets.

        ax : matplotlib Axes, default=None
            Axes to plot on; a new figure's when None.

        **find_lr_params : dict
            Passed to ``find_lr`` (``start_lr``, ``end_lr``, ``num_iter``, ...).

        Returns
        -------
        display : LRFinderDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        return estimator.find_lr(X, y, **find_lr_params).plot(ax=ax)
