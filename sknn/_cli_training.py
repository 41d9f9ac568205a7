"""Training for the command line: the cross-validation folds that ``sknn fit --cv`` and
``sknn search`` share, their fits run by joblib (here, in worker processes or on a
Dask cluster) with each fit's warnings brought back to be shown once, the final fit,
and the scores."""

import contextlib
import logging
import math
import warnings

import joblib
import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score
from sklearn.model_selection import (
    KFold,
    ParameterGrid,
    StratifiedKFold,
    train_test_split,
)
from sklearn.utils.parallel import Parallel, delayed
from tqdm import tqdm

from sknn._cli_console import CommandError, one_line, raise_if_interrupted, say
from sknn._cli_inputs import MLP

METRICS = {
    "classify": {
        "accuracy": accuracy_score,
        "f1-macro": lambda y, p: f1_score(y, p, average="macro", zero_division=0),
    },
    "regress": {"R²": r2_score, "MAE": mean_absolute_error},
}
SEARCH_METRIC = {"classify": "accuracy", "regress": "R²"}  # ranks the candidates


def cv_folds(task, n_splits):
    """The folds of ``--cv``, the same for fit and search: shuffled and seeded, and
    stratified by class for a classifier (a file sorted by its target or by a
    feature then still gives folds that look like the whole file)."""
    splitter = StratifiedKFold if task == "classify" else KFold
    return splitter(n_splits, shuffle=True, random_state=0)


def describe_cv(folds, n_rows):
    return (
        f"{folds.get_n_splits()}-fold cross-validation on {n_rows} rows "
        f"({type(folds).__name__}, shuffled with random_state=0)"
    )


def fit_model(model, X, y, what):
    """``model.fit(X, y)``; a ValueError (sklearn's words for a bad pairing of
    parameters and data) becomes a CommandError."""
    try:
        model.fit(X, y)
    except ValueError as exc:
        raise CommandError(f"training on {what} failed: {one_line(exc)}") from None
    raise_if_interrupted()
    return model


def _fit_and_predict(index, model, X, y, fit_rows, predict_rows):
    """Fit a clone of ``model`` on some rows and predict others, with the warnings
    it raised: in a worker process they would be printed there, raw, once per
    process; the command line shows them once, as its own."""
    with warnings.catch_warnings(record=True) as caught:
        fitted = clone(model).fit(X.iloc[fit_rows], y.iloc[fit_rows])
        predictions = fitted.predict(X.iloc[predict_rows])
    return index, predictions, [(w.category, str(w.message)) for w in caught]


def cross_validate(models, X, y, splits, *, what, n_jobs, desc, quiet):
    """Fit each of ``models`` on each ``(fit_rows, predict_rows)`` of ``splits``.

    Returns the predictions of each model on each split's ``predict_rows``.
    """
    tasks = [(m, s) for m in range(len(models)) for s in range(len(splits))]
    parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered")
    results = parallel(
        delayed(_fit_and_predict)((m, s), models[m], X, y, *splits[s]) for m, s in tasks
    )
    predictions = [[None] * len(splits) for _ in models]
    try:
        progress = tqdm(
            total=len(tasks), desc=desc, unit="fit", disable=quiet or not tasks
        )
        with progress as bar:
            for (m, s), predicted, caught in results:
                for category, message in caught:
                    warnings.warn(message, category)
                raise_if_interrupted()
                predictions[m][s] = predicted
                bar.update()
    except ValueError as exc:
        raise CommandError(f"training on {what} failed: {one_line(exc)}") from None
    return predictions


def _scores(task, y_true, y_pred):
    return {name: metric(y_true, y_pred) for name, metric in METRICS[task].items()}


def summarize(scores):
    """Each metric's mean ± standard deviation over the folds' ``scores`` (dicts of
    metric names to values), as ``accuracy 0.950 ± 0.026, f1-macro ...``."""
    table = pd.DataFrame(scores)
    return ", ".join(
        f"{name} {table[name].mean():.3f} ± {table[name].std(ddof=0):.3f}"
        for name in table
    )


def evaluate(model, X, y, task, *, cv, test_size, what, quiet):
    """Score the held-out test rows and cross-validate on the others.

    Returns the report's lines, then which rows were predicted ("held-out" if any,
    else "cv" if any, else None) and their (y_true, y_pred).
    """
    splits = []  # (label, train rows, test rows)
    train = np.arange(len(y))
    if test_size > 0:
        stratify = task == "classify" and y.value_counts().min() >= 2
        try:
            train, test = train_test_split(
                train,
                test_size=test_size,
                random_state=0,
                stratify=y if stratify else None,
            )
        except ValueError as exc:
            raise CommandError(
                f"--test-size {test_size} cannot split {len(y)} rows: {one_line(exc)}"
            ) from None
        splits.append(("held-out", train, test))
    folds = cv_folds(task, cv) if cv else None
    if folds is not None:
        try:
            cv_splits = list(folds.split(train, y.iloc[train]))
        except ValueError as exc:
            raise CommandError(f"--cv {cv}: {one_line(exc)}") from None
        splits += [("cv", train[fit], train[score]) for fit, score in cv_splits]

    model = clone(model).set_params(**{MLP + "verbose": 0, MLP + "progress_bar": False})
    [predicted] = cross_validate(
        [model],
        X,
        y,
        [(fit_rows, score_rows) for _, fit_rows, score_rows in splits],
        what=what,
        n_jobs=1,
        desc="evaluating",
        quiet=quiet,
    )
    scores = {"held-out": [], "cv": []}
    predictions = {"held-out": ([], []), "cv": ([], [])}
    for (label, _, score_rows), y_pred in zip(splits, predicted):
        y_true = y.iloc[score_rows]
        scores[label].append(_scores(task, y_true, y_pred))
        predictions[label][0].append(y_true)
        predictions[label][1].append(y_pred)

    lines = []
    if scores["cv"]:
        lines.append(f"{describe_cv(folds, len(train))}: {summarize(scores['cv'])}")
    if scores["held-out"]:
        summary = ", ".join(f"{k} {v:.3f}" for k, v in scores["held-out"][0].items())
        share = f"{len(y) - len(train)} rows, {test_size:.0%} of the data"
        lines.append(f"held-out test ({share}): {summary}")
    for label in ("held-out", "cv"):
        if predictions[label][0]:
            y_true, y_pred = predictions[label]
            return lines, label, (pd.concat(y_true), np.concatenate(y_pred))
    return lines, None, None


def search(model, grid, X, y, task, folds, *, what, n_jobs, quiet):
    """Cross-validate every combination of ``grid`` (names to candidate values of
    the estimator's parameters) on ``folds``, as GridSearchCV would.

    Returns a DataFrame of the candidates' ``params``, ``mean``, ``std`` and
    ``rank`` of the search's metric, best first.
    """
    candidates = list(ParameterGrid(grid))
    model = clone(model).set_params(**{MLP + "verbose": 0, MLP + "progress_bar": False})
    models = [
        clone(model).set_params(**{MLP + k: v for k, v in params.items()})
        for params in candidates
    ]
    try:
        splits = list(folds.split(X, y))
    except ValueError as exc:
        raise CommandError(f"--cv {folds.get_n_splits()}: {one_line(exc)}") from None
    predicted = cross_validate(
        models, X, y, splits, what=what, n_jobs=n_jobs, desc="searching", quiet=quiet
    )
    metric = METRICS[task][SEARCH_METRIC[task]]
    scores = np.array(
        [
            [metric(y.iloc[rows], y_pred) for (_, rows), y_pred in zip(splits, row)]
            for row in predicted
        ]
    )
    means = scores.mean(axis=1)
    results = pd.DataFrame(
        {
            "params": candidates,
            "mean": means,
            "std": scores.std(axis=1),
            "rank": rankdata(-means, method="min").astype(int),
        }
    )
    return results.sort_values("rank", kind="stable")


def n_candidates(grid):
    return math.prod(len(values) for values in grid.values())


@contextlib.contextmanager
def dask_backend(scheduler, X, y, quiet):
    """Run joblib's parallel work (the search's fits) on a Dask cluster: the one at
    ``scheduler``, or a LocalCluster on this machine for 'local'. X and y go to every
    worker once, before the fits (scatter), not with each fit."""
    if scheduler is None:
        yield
        return
    try:
        import distributed
    except ImportError:
        raise CommandError(
            "--scheduler needs Dask, an optional dependency: pip install 'sknn[dask]'"
        ) from None
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    threads_per_worker=1,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            address = cluster.scheduler_address
        else:
            address = scheduler
        try:
            client = stack.enter_context(distributed.Client(address, timeout="10s"))
        except (OSError, TimeoutError, ValueError) as exc:
            raise CommandError(
                f"cannot reach the Dask scheduler at '{scheduler}' ({one_line(exc)}); "
                "pass its address (tcp://HOST:8786) or 'local'"
            ) from None
        if not quiet:
            workers = len(client.scheduler_info()["workers"])
            say(f"on the Dask cluster at {address} ({workers} workers)")
        stack.enter_context(
            joblib.parallel_config(
                backend="dask", scatter=[X, y], wait_for_workers_timeout=60
            )
        )
        yield
