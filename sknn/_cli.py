"""The ``sknn`` command line: ``demo``, ``fit``, ``predict``, ``search`` and ``info``.

It trains sknn's public estimators inside scikit-learn Pipelines on CSV files read with
pandas; it never touches torch or skorch itself. matplotlib is optional (``sknn[plot]``)
and imported only when a plot is drawn. Results go to stdout; progress bars, warnings
and errors go to stderr. A mistake in the input ends the command with one line,
``sknn: error: ...``, and exit status 2.
"""

import argparse
import contextlib
import logging
import math
import os
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    f1_score,
    mean_absolute_error,
    r2_score,
)
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    StratifiedKFold,
    train_test_split,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from tqdm import tqdm

import sknn
from sknn import MLPClassifier
from sknn._cli_inputs import (
    MAX_AUTO_CLASSES,
    MLP,
    CommandError,
    build_estimator,
    build_pipeline,
    format_params,
    one_line,
    parse_grid,
    parse_settings,
    read_csv,
    resolve_task,
    split_target,
)
from sknn._persistence import library_versions

_METRICS = {
    "classify": {
        "accuracy": accuracy_score,
        "f1-macro": lambda y, p: f1_score(y, p, average="macro", zero_division=0),
    },
    "regress": {"R²": r2_score, "MAE": mean_absolute_error},
}
_SEARCH_SCORING = {"classify": ("accuracy", "accuracy"), "regress": ("r2", "R²")}
_PLOT_HINT = "pip install 'sknn[plot]'"


# ------------------------------------------------------------------------ model files
#
# A model file is sknn.save's secure format: loading it never unpickles nor runs code.

_NOT_A_MODEL = (
    "'{}' is not an sknn model file; pass a model written by `sknn fit --out`, "
    "`sknn search --out` or `sknn demo`"
)


def _versions():
    """The libraries `sknn info` reports: the model's own and pandas, which read it."""
    return library_versions(("sknn", "scikit-learn", "torch", "numpy", "pandas"))


def _save_model(obj, path, metadata):
    """Write ``obj`` with ``metadata`` and the library versions to ``path``."""
    sknn.save({**metadata, "versions": _versions(), "model": obj}, path)


def _load_model(path):
    """The model and its metadata from ``path``; CommandError if it is not a model."""
    try:
        bundle = sknn.load(path)
    except FileNotFoundError:
        raise CommandError(f"no such model file: '{path}'; check the path") from None
    except IsADirectoryError:
        raise CommandError(_NOT_A_MODEL.format(path) + " (it is a directory)") from None
    except sknn.ModelFileError as error:
        reason = one_line(error).removeprefix(f"{path}: ")
        raise CommandError(f"{_NOT_A_MODEL.format(path)} ({reason})") from None
    if not isinstance(bundle, dict) or "model" not in bundle:
        raise CommandError(
            _NOT_A_MODEL.format(path) + " (a model saved without the "
            "command line's metadata: use it from Python)"
        )
    return bundle.pop("model"), bundle


# --------------------------------------------------------------------------- training


def _fit(model, X, y, what):
    try:
        return model.fit(X, y)
    except ValueError as exc:  # sklearn's wording for a bad parameter/data pairing
        raise CommandError(f"training on {what} failed: {one_line(exc)}") from None


def _evaluate(model, X, y, task, cv, test_size, quiet):
    """Score the held-out test rows and cross-validate on the others.

    Returns the report's lines, then which rows were predicted ("held-out" if any,
    else "cv" if any, else None) and their (y_true, y_pred).
    """
    splits = []  # (label, train rows, test rows)
    train = np.arange(len(y))
    stratify = task == "classify" and y.value_counts().min() >= 2
    if test_size > 0:
        train, test = train_test_split(
            train,
            test_size=test_size,
            random_state=0,
            stratify=y if stratify else None,
        )
        splits.append(("held-out", train, test))
    if cv:
        folds = (StratifiedKFold if stratify else KFold)(
            cv, shuffle=True, random_state=0
        )
        try:
            cv_splits = list(folds.split(train, y.iloc[train]))
        except ValueError as exc:
            raise CommandError(f"--cv {cv}: {one_line(exc)}") from None
        splits += [("cv", train[fit], train[score]) for fit, score in cv_splits]

    scores = {"held-out": [], "cv": []}
    predictions = {"held-out": ([], []), "cv": ([], [])}
    model = clone(model).set_params(**{MLP + "verbose": 0})
    for label, fit_rows, score_rows in tqdm(
        splits, desc="evaluating", unit="fit", disable=quiet or not splits
    ):
        fitted = _fit(clone(model), X.iloc[fit_rows], y.iloc[fit_rows], "a split")
        y_true, y_pred = y.iloc[score_rows], fitted.predict(X.iloc[score_rows])
        scores[label].append(
            {name: metric(y_true, y_pred) for name, metric in _METRICS[task].items()}
        )
        predictions[label][0].append(y_true)
        predictions[label][1].append(y_pred)

    lines = []
    if scores["cv"]:
        table = pd.DataFrame(scores["cv"])
        summary = ", ".join(
            f"{name} {table[name].mean():.3f} ± {table[name].std(ddof=0):.3f}"
            for name in table
        )
        lines.append(f"{cv}-fold cross-validation ({len(train)} rows): {summary}")
    if scores["held-out"]:
        summary = ", ".join(f"{k} {v:.3f}" for k, v in scores["held-out"][0].items())
        share = f"{len(y) - len(train)} rows, {test_size:.0%} of the data"
        lines.append(f"held-out test ({share}): {summary}")
    for label in ("held-out", "cv"):
        if predictions[label][0]:
            y_true, y_pred = predictions[label]
            return lines, label, (pd.concat(y_true), np.concatenate(y_pred))
    return lines, None, None


def _verbosity(model, settings, quiet):
    """The final fit shows the estimator's progress bar unless told otherwise."""
    if "verbose" not in settings:
        model.set_params(**{MLP + "verbose": 0 if quiet else 2})


def _check_output_paths(*paths):
    """Fail before training, not after, when an output's directory is missing."""
    for path in filter(None, paths):
        if not Path(path).resolve().parent.is_dir():
            raise CommandError(
                f"cannot write '{path}': directory '{Path(path).parent}' does not exist"
            )


def _train_report_save(model, X, y, task, args, source, settings):
    """Evaluate, print the scores, fit on every row, save the model, draw the plot."""
    lines, label, held_out = _evaluate(
        model, X, y, task, args.cv, args.test_size, args.quiet
    )
    for line in lines:
        print(line)
    rows = {
        "held-out": "the held-out test rows",
        "cv": "the cross-validation folds' held-out rows",
    }.get(label)
    if task == "classify" and label is not None:
        y_true, y_pred = held_out
        print(f"classification report on {rows}:")
        print(classification_report(y_true, y_pred, zero_division=0))
    print(f"training the final model on all {len(y)} rows")
    _verbosity(model, settings, args.quiet)
    _fit(model, X, y, f"'{source}'")
    metadata = {"target": y.name, "task": task, "data": str(source), "scores": lines}
    _save_model(model, args.out, metadata)
    print(f"wrote the model to {args.out} (see it with: sknn info {args.out})")
    if args.plot:
        _plot(args.plot, model[-1], task, held_out, rows)


# --------------------------------------------------------------------------- plots


def _plot(path, estimator, task, held_out, caption):
    """The learning curve, and next to it the confusion matrix or the residuals."""
    try:
        import matplotlib
    except ImportError:
        print(
            f"sknn: plot skipped: matplotlib is missing; {_PLOT_HINT}", file=sys.stderr
        )
        return
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
                label="validation score",
            )
            score_axis.set_ylabel("validation score")
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
    figure.savefig(path, dpi=100)
    plt.close(figure)
    print(f"wrote the plot to {path}")


# --------------------------------------------------------------------------- commands


def _demo(args):
    _check_output_paths(args.out, args.plot)
    digits = load_digits(as_frame=True)
    X, y = digits.data, digits.target.rename("digit")
    estimator = MLPClassifier(early_stopping=True, random_state=0)
    model = Pipeline([("scale", StandardScaler()), ("model", estimator)])
    print(
        f"sknn demo: {estimator!r} in a Pipeline after StandardScaler, on "
        f"scikit-learn's {len(y)} handwritten 8x8 digits ({X.shape[1]} pixel "
        "columns, 10 classes)"
    )
    _train_report_save(
        model, X, y, "classify", args, "scikit-learn's digits", settings={}
    )


def _fit_command(args):
    _check_output_paths(args.out, args.plot)
    frame = read_csv(args.data)
    X, y = split_target(frame, args.target, args.data)
    task = resolve_task(args.task, y, args.target)
    settings = parse_settings(args.set)
    estimator = build_estimator(task, settings)
    print(
        f"task: {task} '{args.target}' from {X.shape[1]} columns of {len(y)} rows "
        f"with {estimator!r}"
    )
    model = build_pipeline(X, estimator)
    _train_report_save(model, X, y, task, args, args.data, settings)


def _predict_command(args):
    _check_output_paths(args.out)
    model, metadata = _load_model(args.model)
    frame = read_csv(args.data)
    features = list(model.feature_names_in_)
    missing = [column for column in features if column not in frame.columns]
    if missing:
        raise CommandError(
            f"'{args.data}' lacks the column(s) {', '.join(map(repr, missing))} that "
            f"the model in '{args.model}' was trained on"
        )
    if args.proba and not hasattr(model, "predict_proba"):
        raise CommandError(
            f"--proba needs a classifier, but '{args.model}' holds a regressor; "
            "leave out --proba"
        )
    X = frame[features]  # the target column and any other extra column are ignored
    try:
        predicted = model.predict(X)
        probabilities = model.predict_proba(X) if args.proba else None
    except ValueError as exc:  # e.g. text in a column that held numbers in training
        raise CommandError(
            f"cannot predict the rows of '{args.data}': {one_line(exc)}"
        ) from None
    predictions = pd.DataFrame({metadata.get("target") or "prediction": predicted})
    if args.proba:
        for i, label in enumerate(model.classes_):
            predictions[f"proba_{label}"] = probabilities[:, i]
    if args.out:
        predictions.to_csv(args.out, index=False, float_format="%.7g")
        if not args.quiet:
            print(
                f"wrote {len(predictions)} predictions to {args.out}", file=sys.stderr
            )
    else:
        predictions.to_csv(sys.stdout, index=False, float_format="%.7g")


@contextlib.contextmanager
def _dask_backend(scheduler, X, y, quiet):
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
            print(
                f"on the Dask cluster at {address} ({workers} workers)", file=sys.stderr
            )
        stack.enter_context(
            joblib.parallel_config(
                backend="dask", scatter=[X, y], wait_for_workers_timeout=60
            )
        )
        yield


def _search_command(args):
    _check_output_paths(args.out)
    frame = read_csv(args.data)
    X, y = split_target(frame, args.target, args.data)
    task = resolve_task(args.task, y, args.target)
    settings = parse_settings(args.set)
    grid = parse_grid(args.grid)
    estimator = build_estimator(task, settings, grid)
    model = build_pipeline(X, estimator)
    scoring, score_name = _SEARCH_SCORING[task]
    search = GridSearchCV(
        model,
        {MLP + name: values for name, values in grid.items()},
        scoring=scoring,
        cv=args.cv,
        n_jobs=-1 if args.scheduler else args.n_jobs,  # a cluster: all its workers
        error_score="raise",  # a fit that fails stops the search with its reason
        refit=bool(args.out),  # the best candidate is trained on all rows to be saved
    )
    n_candidates = math.prod(len(values) for values in grid.values())
    if not args.quiet:
        print(
            f"searching {n_candidates} candidate(s) x {args.cv} folds = "
            f"{n_candidates * args.cv} fits of {estimator!r} on {len(y)} rows of "
            f"'{args.data}' ({task} '{args.target}') ...",
            file=sys.stderr,
        )
    with _dask_backend(args.scheduler, X, y, args.quiet):
        _fit(search, X, y, f"'{args.data}'")
    results = pd.DataFrame(search.cv_results_).sort_values("rank_test_score")
    width = len(score_name) + 5
    print(f"rank  {'mean ' + score_name:>{width}}  {'std':>6}  parameters")
    for _, row in results.iterrows():
        params = {
            name.removeprefix(MLP): value for name, value in row["params"].items()
        }
        mean, std = row["mean_test_score"], row["std_test_score"]
        print(
            f"{row['rank_test_score']:>4}  {mean:>{width}.4f}  {std:>6.4f}  "
            f"{format_params(params)}"
        )
    if args.out:
        metadata = {
            "target": args.target,
            "task": task,
            "data": str(args.data),
            "scores": [
                f"{args.cv}-fold cross-validation ({len(y)} rows): {score_name} "
                f"{search.best_score_:.3f}, the best of {n_candidates} candidate(s)"
            ],
        }
        _save_model(search.best_estimator_, args.out, metadata)
        print(f"wrote the best model to {args.out} (see it with: sknn info {args.out})")
    else:
        print("the best model is not saved; pass --out MODEL to keep it")


def _info_command(args):
    model, metadata = _load_model(args.model)
    estimator = model[-1]
    default = type(estimator)().get_params()
    changed = {
        name: value
        for name, value in estimator.get_params().items()
        if name != "verbose" and repr(value) != repr(default[name])
    }
    steps = [type(step).__name__ for _, step in model.steps]
    if estimator is not model[-1]:
        steps[-1] = f"{type(estimator).__name__} (of the standardized target)"
    sizes = [coef.shape[0] for coef in estimator.coefs_] + [estimator.n_outputs_]
    features = [str(name) for name in getattr(model, "feature_names_in_", [])]
    rows = [
        ("pipeline", " -> ".join(steps)),
        ("task", f"{metadata.get('task')} '{metadata.get('target')}'"),
        ("trained on", metadata.get("data")),
        (
            "network",
            f"{sizes[0]} inputs -> "
            + "".join(f"{n} {estimator.activation} -> " for n in sizes[1:-1])
            + f"{sizes[-1]} {estimator.out_activation_} outputs",
        ),
        ("parameters", format_params(changed) or "all defaults"),
    ]
    if hasattr(estimator, "classes_"):
        classes = estimator.classes_
        rows.append(("classes", f"{len(classes)}: {', '.join(map(str, classes))}"))
    shown = ", ".join(features[:20]) + (", ..." if len(features) > 20 else "")
    rows.append(("features", f"{len(features)}: {shown}"))
    training = f"{estimator.n_iter_} iterations, final loss {estimator.loss_:.4g}"
    if getattr(estimator, "best_validation_score_", None) is not None:
        training += f", best validation score {estimator.best_validation_score_:.4f}"
    rows.append(("training", training))
    rows += [("scores", line) for line in metadata.get("scores", [])]
    saved = metadata.get("versions", {})
    rows.append(("saved with", ", ".join(f"{k} {v}" for k, v in saved.items())))
    current = _versions()
    if any(current.get(name) != version for name, version in saved.items()):
        rows.append(("running", ", ".join(f"{k} {v}" for k, v in current.items())))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


# --------------------------------------------------------------------------- parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text}")
    return value


def _folds(text):
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"needs at least 2 folds, got {text}")
    return value


def _fraction(text):
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


_SET_HELP = (
    "set an estimator parameter: any of MLPClassifier's / MLPRegressor's, e.g. "
    "--set hidden_layer_sizes=64,32 --set dropout=0.1 --set max_iter=50. Values are "
    "Python literals (true/false/none also work), anything else is a string. "
    "Repeat for more parameters"
)
_TASK_HELP = (
    "classify, regress, or auto (the default): auto classifies a text or category "
    f"target, or a whole-number one with at most {MAX_AUTO_CLASSES} distinct values, "
    "and regresses any other numeric target"
)
_DESCRIPTIONS = {
    "sknn": """\
Train scikit-learn-compatible PyTorch neural networks (sknn's MLPClassifier and
MLPRegressor) on a CSV file, without writing code.

start with:   sknn demo
then:         sknn fit data.csv --target label --out model.sknn
              sknn predict model.sknn new.csv --out predictions.csv
help on one:  sknn fit --help

Model files are sknn.save files: loading one never runs code from it.""",
    "demo": """\
Train MLPClassifier(early_stopping=True, random_state=0) after a StandardScaler on
scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes). Prints the
5-fold cross-validated accuracy on a stratified 75%, the accuracy on the other 25%
and a classification report; then trains on all digits and writes the model and
its learning curve, in about ten seconds on two CPU cores.""",
    "fit": """\
Train sknn's MLPClassifier or MLPRegressor on a CSV file and save the pipeline.
Numeric columns are imputed with their median and standardized; the others are
imputed with their most frequent value and one-hot encoded (values not seen in
training are ignored). A regressor learns the standardized target and predicts in
the target's units. The scores come from models fitted without the scored rows;
the saved model is then trained on all rows.

example:
  sknn fit data.csv --target species --cv 5 --set hidden_layer_sizes=64,32 \\
      --set dropout=0.1 --out model.sknn --plot fit.png""",
    "predict": """\
Predict every row of DATA.csv with a model written by sknn fit, search or demo, as
CSV: one row per input row, the prediction in a column named after the target, and
with --proba one probability column per class. DATA.csv needs the columns the model
was trained on; its target column and any other extra column are ignored.

example:
  sknn predict model.sknn new.csv --proba --out predictions.csv""",
    "search": """\
Cross-validate every combination of the --grid values (scikit-learn's GridSearchCV
over the same pipeline as sknn fit), print the candidates ranked by mean accuracy
(classify) or R² (regress), and save the best one, refitted on all rows. --set
fixes other parameters.

example:
  sknn search data.csv --target species --grid 'hidden_layer_sizes=(32,),(64,32)' \\
      --grid alpha=1e-4,1e-2 --cv 3 --out best.sknn""",
    "info": """\
Describe a model file: its pipeline and network, the parameters set away from their
defaults, the classes, the feature columns, the training history (iterations, final
loss, best validation score), the scores measured when it was trained, and the
library versions it was saved with.

example:
  sknn info model.sknn""",
}


def _build_parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-q", "--quiet", action="store_true", help="hide the progress bars"
    )
    parser = argparse.ArgumentParser(
        prog="sknn",
        description=_DESCRIPTIONS["sknn"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=sknn.__version__)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def command(name, function, help):
        sub = commands.add_parser(
            name,
            parents=[common],
            help=help,
            description=_DESCRIPTIONS[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(run=function)
        return sub

    def training_options(sub, out_help, cv_default, out_required):
        sub.add_argument("data", metavar="DATA.csv", help="a CSV file with a header")
        sub.add_argument(
            "--target", required=True, metavar="COLUMN", help="the column to predict"
        )
        sub.add_argument(
            "--task",
            choices=["auto", "classify", "regress"],
            default="auto",
            help=_TASK_HELP,
        )
        sub.add_argument(
            "--set", action="append", default=[], metavar="NAME=VALUE", help=_SET_HELP
        )
        sub.add_argument(
            "--cv",
            type=_folds,
            default=cv_default,
            metavar="K",
            help=f"cross-validation folds (default: {cv_default or 'none'})",
        )
        sub.add_argument("--out", required=out_required, metavar="MODEL", help=out_help)

    demo = command("demo", _demo, "train on bundled digits and show the scores")
    demo.add_argument(
        "--out",
        default="sknn-demo-model.sknn",
        metavar="MODEL",
        help="where to write the model (default: %(default)s)",
    )
    demo.add_argument(
        "--plot",
        default="sknn-demo-learning-curve.png",
        metavar="PNG",
        help=f"where to draw the learning curve (default: %(default)s; {_PLOT_HINT})",
    )
    demo.set_defaults(cv=5, test_size=0.25)

    fit = command("fit", _fit_command, "train a model on a CSV file and save it")
    training_options(fit, "where to write the fitted model", None, True)
    fit.add_argument(
        "--test-size",
        type=_fraction,
        default=0.2,
        metavar="F",
        help="fraction of rows held out for scoring, 0 for none (default: 0.2)",
    )
    fit.add_argument(
        "--plot",
        metavar="PNG",
        help="draw the learning curve and the confusion matrix (classify) or the "
        f"residuals (regress) into this PNG ({_PLOT_HINT})",
    )

    predict = command("predict", _predict_command, "predict with a saved model")
    predict.add_argument("model", metavar="MODEL", help="a model file from sknn fit")
    predict.add_argument(
        "data", metavar="DATA.csv", help="the rows to predict, as CSV with a header"
    )
    predict.add_argument(
        "--proba", action="store_true", help="add one probability column per class"
    )
    predict.add_argument(
        "--out", metavar="FILE", help="write the CSV here (default: standard output)"
    )

    search = command(
        "search", _search_command, "find the best parameters by cross-validation"
    )
    training_options(search, "where to write the best model", 5, False)
    search.add_argument(
        "--grid",
        action="append",
        required=True,
        metavar="NAME=V1,V2",
        help="a parameter's candidate values, e.g. --grid alpha=1e-4,1e-2 --grid "
        "'hidden_layer_sizes=(32,),(64,32)' (quote values with parentheses); "
        "repeat for more parameters",
    )
    search.add_argument(
        "--n-jobs",
        type=_positive_int,
        default=1,
        metavar="N",
        help="fits to run in parallel on this machine (default: 1)",
    )
    search.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the fits on a Dask cluster instead: its scheduler's address "
        "(tcp://HOST:8786), or 'local' to start one with a worker per core on this "
        "machine; needs the dask extra (pip install 'sknn[dask]')",
    )

    info = command("info", _info_command, "describe a saved model")
    info.add_argument("model", metavar="MODEL", help="a model file from sknn fit")
    return parser


_shown_warnings = set()


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Each distinct warning once, on one line (cross-validation repeats them)."""
    text = f"sknn: warning: {one_line(message)}"
    if text not in _shown_warnings:
        _shown_warnings.add(text)
        print(text, file=sys.stderr)


def main(argv=None):
    """Run the ``sknn`` command line with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 2 when the input has a mistake.
    """
    args = _build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            args.run(args)
        except CommandError as exc:
            print(f"sknn: error: {exc}", file=sys.stderr)
            return 2
        except BrokenPipeError:  # `sknn predict ... | head`: the reader has enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except OSError as exc:  # an output path that cannot be written, a full disk
            where = f"'{exc.filename}': " if exc.filename else ""
            print(f"sknn: error: {where}{exc.strerror or exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("sknn: interrupted", file=sys.stderr)
            return 130
    return 0
