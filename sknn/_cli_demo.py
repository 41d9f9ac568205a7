"""``sknn demo``: the estimators ``sknn fit`` trains by default beside
HistGradientBoosting and scikit-learn's MLP, on the same cross-validation folds of two
data sets that ship with scikit-learn (one to classify, one to regress), as a table
of scores and fit times. Each model is set up as its documentation shows it: the
tabular estimator and HistGradientBoosting take the columns as they are,
scikit-learn's MLP gets a StandardScaler in front."""

import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from sknn._cli_console import DEFAULT_MODEL, raise_if_interrupted
from sknn._cli_inputs import build_estimator, build_pipeline
from sknn._cli_training import METRICS, cv_folds, describe_cv, summarize

N_FOLDS = 5


def data_sets():
    """(task, title, X, y) of each data set, the classification one first."""
    cancer = load_breast_cancer(as_frame=True)
    diagnosis = pd.Series(cancer.target_names[cancer.target], name="diagnosis")
    diabetes = load_diabetes(as_frame=True)
    return [
        (
            "classify",
            "scikit-learn's breast cancer data: is a tumour malignant or benign, from "
            f"{cancer.data.shape[1]} measurements of its cells",
            cancer.data,
            diagnosis,
        ),
        (
            "regress",
            "scikit-learn's diabetes data: the disease's progression a year on, from "
            f"{diabetes.data.shape[1]} measurements of each patient",
            diabetes.data,
            diabetes.target.rename("progression"),
        ),
    ]


def models(task, X):
    """The models compared on a task, by name: first the one ``sknn fit`` trains by
    default, in the Pipeline it builds (the demo saves it), then the other two."""
    classify = task == "classify"
    recommended = build_estimator(task, {}, model=DEFAULT_MODEL)
    boosting = (
        HistGradientBoostingClassifier if classify else HistGradientBoostingRegressor
    )
    mlp = MLPClassifier if classify else MLPRegressor
    return {
        f"sknn {type(recommended).__name__}": build_pipeline(X, recommended),
        boosting.__name__: boosting(random_state=0),
        f"scikit-learn {mlp.__name__}": make_pipeline(
            StandardScaler(), mlp(random_state=0)
        ),
    }


def run(*, quiet):
    """Print the comparison on each data set.

    Returns what the demo saves: the recommended classifier (unfitted), the
    classification data X and y, the notes of its model file, and the classifier's
    out-of-fold predictions (y_true, y_pred).
    """
    print(
        "sknn demo: the tabular estimators that sknn fit trains by default, beside "
        "HistGradientBoosting and scikit-learn's MLP, on the same "
        f"{N_FOLDS} cross-validation folds of two data sets that ship with "
        "scikit-learn"
    )
    saved = None
    for task, title, X, y in data_sets():
        print(f"\n{title} ({len(y)} rows, {task} '{y.name}'):")
        lines, model, summary, held_out = compare(task, X, y, quiet=quiet)
        for line in lines:
            print(line)
        if saved is None:  # the classifier is the model the demo saves
            notes = {
                "target": y.name,
                "task": task,
                "data": "scikit-learn's breast cancer data",
                "scores": [summary],
            }
            saved = model, X, y, notes, held_out
    print(
        "\nTwo small data sets decide little: on sknn's benchmark of 11 real tables "
        "(numbers, categories, missing values) the tabular estimators have the best "
        "mean rank, ahead of CatBoost (first on more of the single data sets), "
        "RealMLP, HistGradientBoosting and LightGBM (the Performance page of sknn's "
        "documentation).\n"
    )
    return saved


def compare(task, X, y, *, quiet):
    """Cross-validate each of the task's models on the same folds.

    Returns the report's lines, the recommended model (unfitted), its scores as
    ``sknn fit --cv`` prints them, and its out-of-fold predictions (y_true, y_pred).
    """
    folds = cv_folds(task, N_FOLDS)
    splits = list(folds.split(X, y))
    compared = models(task, X)
    recommended = next(iter(compared))
    scores, seconds, unconverged = {}, {}, {}
    predicted = y.to_numpy(copy=True)  # each fold overwrites its rows: out-of-fold
    # every model on one thread (OpenMP, BLAS and torch's pool), as on sknn's
    # benchmark: the fit times compare, and HistGradientBoosting's OpenMP threads,
    # which wait for each other by spinning, do not take ten times as long on a
    # machine that other programs keep busy
    progress = tqdm(
        total=len(compared) * len(splits), desc="comparing", unit="fit", disable=quiet
    )
    with progress as bar, threadpool_limits(limits=1):
        for name, model in compared.items():
            scores[name], seconds[name] = [], []
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                for fit_rows, test_rows in splits:
                    start = time.perf_counter()
                    fitted = clone(model).fit(X.iloc[fit_rows], y.iloc[fit_rows])
                    seconds[name].append(time.perf_counter() - start)
                    raise_if_interrupted()
                    y_pred = fitted.predict(X.iloc[test_rows])
                    y_true = y.iloc[test_rows]
                    scores[name].append(
                        {k: m(y_true, y_pred) for k, m in METRICS[task].items()}
                    )
                    if name == recommended:
                        predicted[test_rows] = y_pred
                    bar.update()
            # a comparison model's ConvergenceWarning is a fact of the table, not a
            # warning about the command: counted in its row; others shown as usual
            unconverged[name] = 0
            for warning in caught:
                if issubclass(warning.category, ConvergenceWarning):
                    unconverged[name] += 1
                else:
                    warnings.warn(warning.message, warning.category)
    cv = describe_cv(folds, len(y))
    lines = [f"{cv}, the same folds for every model, each fit on one thread:"]
    lines += _table(scores, seconds, unconverged, len(splits))
    summary = f"{cv}: {summarize(scores[recommended])}"
    return lines, compared[recommended], summary, (y, predicted)


def _table(scores, seconds, unconverged, n_fits):
    """The lines of the table: a model per row, each score's mean ± std over the
    folds and the mean wall-clock seconds of a fit; a footnote for each model whose
    fits stopped at max_iter before converging."""
    header = ["model", *scores[next(iter(scores))][0], "fit (s)"]
    rows, notes = [], []
    for name, folds in scores.items():
        table = pd.DataFrame(folds)
        cells = [f"{table[m].mean():.3f} ± {table[m].std(ddof=0):.3f}" for m in table]
        mark = "*" * (len(notes) + 1) if unconverged[name] else ""
        rows.append([name + mark, *cells, f"{np.mean(seconds[name]):.2f}"])
        if mark:
            notes.append(
                f"{mark} {unconverged[name]} of its {n_fits} fits stopped at "
                "max_iter before converging (ConvergenceWarning)"
            )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  "
        + f"{row[0]:<{widths[0]}}"
        + "".join(f"  {cell:>{width}}" for cell, width in zip(row[1:], widths[1:]))
        for row in [header, *rows]
    ]
    return lines + [f"  {note}" for note in notes]
