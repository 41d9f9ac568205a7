"""The plot of ``sknn fit --plot`` and ``sknn demo``: the learning curve, and beside it
the confusion matrix or the residuals. matplotlib is optional (``sknn[plot]``) and
imported only for a plot; without it the plot is skipped with a note."""

from pathlib import Path

from sknn._cli_console import CommandError, note

PLOT_HINT = "pip install 'sknn[plot]'"
# what the secondary axis shows: the score of early stopping's validation rows
_VALIDATION_SCORE = {"classify": "validation accuracy", "regress": "validation R²"}


def check_plot(path):
    """The path and image format of ``--plot path``, or None when matplotlib is
    missing (the plot is then skipped). A path without an extension gets '.png'."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        note(f"plot skipped: matplotlib is missing; {PLOT_HINT}")
        return None
    path = Path(path)
    if not path.suffix:
        return path.with_name(path.name + ".png"), "png"
    image_format = path.suffix[1:].lower()
    formats = FigureCanvasBase.get_supported_filetypes()
    if image_format not in formats:
        known = ", ".join(f".{name}" for name in sorted(formats))
        raise CommandError(
            f"--plot '{path}': matplotlib cannot write '.{image_format}' images; end "
            f"the file name in one of {known} (or in none, for a PNG)"
        )
    return path, image_format


def draw(estimator, task, held_out, caption):
    """A figure of the learning curve, and next to it the confusion matrix or the
    residuals of ``held_out`` (y_true, y_pred) when given."""
    import matplotlib
    import numpy as np

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay, PredictionErrorDisplay

    panels = 1 if held_out is None else 2
    figure, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    axis = axes[0, 0]
    loss_curve = getattr(estimator, "loss_curve_", None)
    if loss_curve is None:
        axis.text(0.5, 0.5, "solver='lbfgs' keeps no learning curve", ha="center")
    else:
        epochs = np.arange(1, len(loss_curve) + 1)
        axis.plot(epochs, loss_curve, color="C0", label="training loss")
        axis.set(
            xlabel="epoch",
            ylabel="training loss",
            title="Learning curve of the saved model",
        )
        if estimator.validation_scores_ is not None:
            score_axis = axis.twinx()
            score_axis.plot(
                epochs,
                estimator.validation_scores_,
                color="C1",
                label=_VALIDATION_SCORE[task],
            )
            score_axis.set_ylabel(_VALIDATION_SCORE[task])
            figure.legend(loc="center right", bbox_to_anchor=(0.9 / panels, 0.5))
    if held_out is not None:
        y_true, y_pred = held_out
        if task == "classify":
            ConfusionMatrixDisplay.from_predictions(
                y_true, y_pred, ax=axes[0, 1], colorbar=False
            )
        else:
            PredictionErrorDisplay.from_predictions(
                y_true, y_pred, kind="residual_vs_predicted", ax=axes[0, 1]
            )
        kind = "Confusion matrix" if task == "classify" else "Residuals"
        axes[0, 1].set_title(f"{kind} on {caption}")
    figure.tight_layout()
    return figure


def save(figure, path, image_format):
    import matplotlib.pyplot as plt

    try:
        figure.savefig(path, format=image_format, dpi=100)
    finally:
        plt.close(figure)
