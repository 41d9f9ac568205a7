"""The ``sknn`` command line: ``demo``, ``fit``, ``predict``, ``search``, ``info`` and
``export``.

It trains sknn's public estimators inside scikit-learn Pipelines on CSV files read with
pandas; it never touches torch or skorch itself. Results go to stdout; progress bars,
notes, warnings and errors go to stderr. A mistake in the input ends the command with
one line, ``sknn: error: ...``, and exit status 2; Ctrl-C with ``sknn: interrupted``
and exit status 130, leaving every existing file as it was.

This module imports the standard library only: each command imports pandas,
scikit-learn and sknn's estimators (and with them torch, seconds) once its arguments,
input file and columns are checked, so that ``--help`` and those mistakes are
answered at once.
"""

import argparse
import os
import sys
import zipfile

from sknn._cli_console import (
    DEFAULT_MODEL,
    MAX_AUTO_CLASSES,
    MODELS,
    CommandError,
    Interrupted,
    close_progress_bars,
    command_context,
    format_params,
    interrupted,
    say,
)
from sknn._cli_csv import check_header, read_header
from sknn._cli_outputs import check_output, staged_files
from sknn._version import __version__

_ROWS = {
    "held-out": "the held-out test rows",
    "cv": "the cross-validation folds' held-out rows",
}


# --------------------------------------------------------------------------- commands


def _check_outputs(out, plot=None):
    """Check ``--out`` and ``--plot`` before training; the plot's (path, format),
    or None when there is none to draw."""
    check_output(out, "--out")
    if plot is None:
        return None
    from sknn import _cli_plots

    plot = _cli_plots.check_plot(plot)
    if plot is not None:
        check_output(plot[0], "--plot")
    return plot


def _verbosity(model, settings, quiet):
    """The final fit shows the estimator's progress bar unless told otherwise."""
    from sknn._cli_inputs import MLP

    if "progress_bar" not in settings:
        model.set_params(**{MLP + "progress_bar": not quiet})


def _train_report_save(model, X, y, task, args, source, settings, plot):
    """Evaluate, print the scores, fit on every row, save the model and the plot."""
    from sklearn.metrics import classification_report

    from sknn import _cli_training

    lines, label, held_out = _cli_training.evaluate(
        model,
        X,
        y,
        task,
        cv=args.cv,
        test_size=args.test_size,
        what=f"'{source}'",
        quiet=args.quiet,
    )
    for line in lines:
        print(line)
    if task == "classify" and label is not None:
        y_true, y_pred = held_out
        print(f"classification report on {_ROWS[label]}:")
        print(classification_report(y_true, y_pred, zero_division=0))
    notes = {"target": y.name, "task": task, "data": str(source), "scores": lines}
    _fit_and_save(model, X, y, args, notes, settings, plot, held_out, _ROWS.get(label))


def _fit_and_save(model, X, y, args, notes, settings, plot, held_out, caption):
    """Fit on every row, then write the model file and the plot (with ``held_out``,
    the (y_true, y_pred) of rows scored earlier, on ``caption``)."""
    from sknn import _cli_models, _cli_plots, _cli_training

    print(f"training the final model on all {len(y)} rows", flush=True)
    _verbosity(model, settings, args.quiet)
    _cli_training.fit_model(model, X, y, f"'{notes['data']}'")
    with staged_files() as staged:
        _cli_models.stage_model(staged, args.out, model, notes)
        if plot is not None:
            figure = _cli_plots.draw(model[-1], notes["task"], held_out, caption)
            staged.stage(plot[0], lambda path: _cli_plots.save(figure, path, plot[1]))
        staged.commit()
    print(f"wrote the model to {args.out} (see it with: sknn info {args.out})")
    if plot is not None:
        print(f"wrote the plot to {plot[0]}")


def _demo(args):
    plot = _check_outputs(args.out, args.plot)
    from sknn import _cli_demo

    model, X, y, notes, held_out = _cli_demo.run(quiet=args.quiet)
    caption = f"the {_cli_demo.N_FOLDS} folds' held-out rows"
    _fit_and_save(model, X, y, args, notes, {}, plot, held_out, caption)


def _fit_command(args):
    header = read_header(args.data)
    check_header(header, args.target, args.drop)
    plot = _check_outputs(args.out, args.plot)
    from sknn import _cli_inputs

    settings = _cli_inputs.parse_settings(args.set)
    frame = _cli_inputs.read_csv(header)
    X, y = _cli_inputs.split_target(frame, args.target, args.drop, args.data)
    task = _cli_inputs.resolve_task(args.task, y, args.target)
    estimator = _cli_inputs.build_estimator(task, settings, model=args.model)
    print(
        f"task: {task} '{args.target}' from {X.shape[1]} columns of {len(y)} rows "
        f"with {estimator!r}"
    )
    model = _cli_inputs.build_pipeline(X, estimator)
    _train_report_save(model, X, y, task, args, args.data, settings, plot)


def _looks_swapped(args):
    """Whether ``predict DATA.csv MODEL`` was typed for ``predict MODEL DATA.csv``."""
    return zipfile.is_zipfile(args.data) and not zipfile.is_zipfile(args.model)


def _predict_command(args):
    if _looks_swapped(args):
        raise CommandError(
            f"'{args.model}' is not a model file but '{args.data}' looks like one: "
            f"the model comes first, as in: sknn predict {args.data} {args.model}"
        )
    stream = args.out is not None and check_output(args.out, "--out", stream=True)
    header = read_header(args.data)
    from sknn import _cli_models

    model, notes = _cli_models.load_model(args.model)
    from sknn import _cli_inputs

    features = list(model.feature_names_in_)
    frame = _cli_inputs.read_csv(header, _cli_inputs.text_columns(model))
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
    # the target column and any other extra column are ignored
    X = _cli_inputs.prediction_features(model, frame[features], args.data)
    try:
        predicted = model.predict(X)
        probabilities = model.predict_proba(X) if args.proba else None
    except Exception as exc:  # text where numbers were, or a damaged model
        raise CommandError(
            f"cannot predict the rows of '{args.data}' with the model in "
            f"'{args.model}': {_cli_models.reason(exc)}"
        ) from None
    import pandas as pd

    predictions = pd.DataFrame({notes.get("target") or "prediction": predicted})
    if args.proba:
        for i, label in enumerate(model.classes_):
            predictions[f"proba_{label}"] = probabilities[:, i]
    if args.out is None or stream:
        predictions.to_csv(args.out or sys.stdout, index=False, float_format="%.7g")
    else:
        with staged_files() as staged:
            staged.stage(
                args.out,
                lambda path: predictions.to_csv(path, index=False, float_format="%.7g"),
            )
            staged.commit()
    if args.out is not None and not args.quiet:
        say(f"wrote {len(predictions)} predictions to {args.out}")


def _search_command(args):
    header = read_header(args.data)
    check_header(header, args.target, args.drop)
    if args.out is not None:
        check_output(args.out, "--out")
    from sklearn.base import clone

    from sknn import _cli_inputs, _cli_models, _cli_training

    settings = _cli_inputs.parse_settings(args.set)
    grid = _cli_inputs.parse_grid(args.grid)
    frame = _cli_inputs.read_csv(header)
    X, y = _cli_inputs.split_target(frame, args.target, args.drop, args.data)
    task = _cli_inputs.resolve_task(args.task, y, args.target)
    estimator = _cli_inputs.build_estimator(task, settings, grid, model=args.model)
    model = _cli_inputs.build_pipeline(X, estimator)
    folds = _cli_training.cv_folds(task, args.cv)
    n_candidates = _cli_training.n_candidates(grid)
    if not args.quiet:
        say(
            f"searching {n_candidates} candidate(s) x {args.cv} folds = "
            f"{n_candidates * args.cv} fits of {estimator!r} on {len(y)} rows of "
            f"'{args.data}' ({task} '{args.target}')"
        )
    with _cli_training.dask_backend(args.scheduler, X, y, args.quiet):
        results = _cli_training.search(
            model,
            grid,
            X,
            y,
            task,
            folds,
            what=f"'{args.data}'",
            n_jobs=-1 if args.scheduler else args.n_jobs,  # a cluster: all workers
            quiet=args.quiet,
        )
    score_name = _cli_training.SEARCH_METRIC[task]
    cv = _cli_training.describe_cv(folds, len(y))
    print(f"{cv}, mean {score_name} of each candidate:")
    width = len(score_name) + 5
    print(f"rank  {'mean ' + score_name:>{width}}  {'std':>6}  parameters")
    for row in results.itertuples():
        print(
            f"{row.rank:>4}  {row.mean:>{width}.4f}  {row.std:>6.4f}  "
            f"{format_params(row.params)}"
        )
    if args.out is None:
        print("the best model is not saved; pass --out MODEL to keep it")
        return
    best = results.iloc[0]
    model = clone(model).set_params(
        **{_cli_inputs.MLP + name: value for name, value in best.params.items()}
    )
    print(f"training the best candidate on all {len(y)} rows", flush=True)
    _verbosity(model, settings, args.quiet)
    _cli_training.fit_model(model, X, y, f"'{args.data}'")
    notes = {
        "target": args.target,
        "task": task,
        "data": str(args.data),
        "scores": [
            f"{cv}: {score_name} {best['mean']:.3f} ± {best['std']:.3f}, the best of "
            f"{n_candidates} candidate(s)"
        ],
    }
    with staged_files() as staged:
        _cli_models.stage_model(staged, args.out, model, notes)
        staged.commit()
    print(f"wrote the best model to {args.out} (see it with: sknn info {args.out})")


def _export_command(args):
    from sknn._cli_export import export_command

    export_command(args)


def _info_command(args):
    from sknn import _cli_models  # the notes alone: neither scikit-learn nor torch

    rows = _cli_models.describe(*_cli_models.read_notes(args.model))
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
    "set a parameter of the estimator --model trains, e.g. --set "
    "hidden_layer_sizes=64,32 --set dropout=0.1 --set max_iter=50 (and, for the "
    "tabular estimators, --set max_categories=32). Values are "
    "Python literals (true/false/none also work), anything else is a string. "
    "Repeat for more parameters"
)
_TASK_HELP = (
    "classify, regress, or auto (the default): auto classifies a text or category "
    f"target, or a whole-number one with at most {MAX_AUTO_CLASSES} distinct values, "
    "and regresses any other numeric target"
)
_PLOT_HELP = (
    "a PNG, or the image format the name's extension says (.svg, .pdf, .jpg, ...); "
    "a name without an extension gets .png; needs matplotlib: pip install "
    "'sknn[plot]'"
)
_MODEL_HELP = (
    "tabular (the default): TabularMLPClassifier / TabularMLPRegressor, which "
    "encode the columns themselves (missing-value indicators, robust scaling, "
    "numeric embeddings, one-hot categories) and train with early stopping, first "
    "on sknn's real-data benchmark; mlp: MLPClassifier / MLPRegressor after "
    "imputation, standard scaling and one-hot encoding, faster to train"
)
_CV_TEXT = (
    "The folds of --cv are shuffled with random_state=0 and, to classify, stratified\n"
    "by class (StratifiedKFold; KFold to regress): sknn fit --cv and sknn search\n"
    "score the same parameters alike."
)
_DESCRIPTIONS = {
    "sknn": """\
Train scikit-learn-compatible PyTorch neural networks on a CSV file, without
writing code: sknn's TabularMLPClassifier and TabularMLPRegressor by default, or
its MLPClassifier and MLPRegressor (--model mlp).

start with:   sknn demo
then:         sknn fit data.csv --target label --out model.sknn
              sknn predict model.sknn new.csv --out predictions.csv
help on one:  sknn fit --help

Model files are sknn.save files: loading one never runs code from it. Exit status:
0 done, 1 a file could not be written, 2 a mistake in the input (one line,
"sknn: error: ..."), 130 interrupted by Ctrl-C (existing files are left as they
were).""",
    "demo": """\
Compare the estimators sknn fit trains by default (TabularMLPClassifier,
TabularMLPRegressor) with HistGradientBoosting and scikit-learn's MLP (after a
StandardScaler) on the same 5 shuffled cross-validation folds of two data sets that
ship with scikit-learn: the breast cancer data (classify) and the diabetes data
(regress). Prints a table per data set: each model's mean ± std of the scores sknn
fit prints, and its mean fit time on one thread. Then trains TabularMLPClassifier on
all of the breast cancer data and writes the model and its learning curve (with the
confusion matrix of its cross-validation predictions), in about 20 seconds on two
CPU cores.""",
    "fit": f"""\
Train sknn's TabularMLPClassifier or TabularMLPRegressor on a CSV file and save the
pipeline. They encode the columns themselves: numeric columns are imputed with
their median (with a missing-value indicator), robustly scaled and embedded; the
others are one-hot encoded with missing values as a category, at most
max_categories columns each, rarer and unseen values sharing one. --model mlp
trains MLPClassifier or MLPRegressor instead, after a Pipeline that imputes and
standardizes the numeric columns and one-hot encodes the others. With either, a
column of ISO 8601 dates becomes numbers (year, month, day, weekday, hour where it
has times, seconds since 1970). --drop leaves a column out. A regressor learns the
scaled target and predicts in the target's units. The scores come from models
fitted without the scored rows; the saved model is then trained on all rows.
{_CV_TEXT}

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
    "search": f"""\
Cross-validate every combination of the --grid values (a grid search, over the same
pipeline as sknn fit), print the candidates ranked by mean accuracy (classify) or
R² (regress), and save the best one, refitted on all rows. --set fixes other
parameters.
{_CV_TEXT}

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
    "export": """\
Write a model file's whole pipeline (imputers, scaling, one-hot encoding and the
network) as an ONNX graph that onnxruntime runs without Python or sknn. The graph
has one input per column the model was trained on, named after it, of shape (n, 1):
float64 for numeric columns (float32 for --model mlp), float64 for date columns
(their seconds since 1970-01-01, NaN where blank), strings for the others, with ''
for a missing category. A classifier's outputs are 'label' and
'probabilities' (one column per class, as sknn predict --proba), a regressor's
'variable'. Needs the onnx extra: pip install 'sknn[onnx]'.

example:
  sknn export model.sknn model.onnx""",
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
    parser.add_argument("--version", action="version", version=__version__)
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
            "--drop",
            action="append",
            default=[],
            metavar="COLUMN",
            help="leave this column out of the features (an ID, a name, a column "
            "that gives the target away); repeat for more columns",
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
        sub.add_argument(
            "--model", choices=list(MODELS), default=DEFAULT_MODEL, help=_MODEL_HELP
        )

    demo = command(
        "demo", _demo, "compare sknn with HistGradientBoosting on bundled data"
    )
    demo.add_argument(
        "--out",
        default="sknn-demo-model.sknn",
        metavar="MODEL",
        help="where to write the model (default: %(default)s)",
    )
    demo.add_argument(
        "--plot",
        default="sknn-demo-learning-curve.png",
        metavar="FILE",
        help=f"where to draw the learning curve (default: %(default)s): {_PLOT_HELP}",
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
        metavar="FILE",
        help="draw the learning curve and the confusion matrix (classify) or the "
        f"residuals (regress) into this image file: {_PLOT_HELP}",
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

    export = command(
        "export", _export_command, "write a saved model's Pipeline as ONNX"
    )
    export.add_argument("model", metavar="MODEL", help="a model file from sknn fit")
    export.add_argument(
        "out",
        metavar="OUT.onnx",
        help="where to write the ONNX graph: one input per column (float or "
        "double for numbers, string for the others, '' for a missing category); "
        "needs the onnx extra (pip install 'sknn[onnx]')",
    )
    return parser


def _stop(line, status):
    close_progress_bars()
    say(line)
    return status


def main(argv=None):
    """Run the ``sknn`` command line with ``argv`` (default: ``sys.argv[1:]``).

    Returns the exit status: 0 on success, 1 when a file cannot be written, 2 when
    the input has a mistake, 130 when interrupted (Ctrl-C).
    """
    with command_context():
        try:
            args = _build_parser().parse_args(argv)
            args.run(args)
        except CommandError as exc:
            return _stop(f"sknn: error: {exc}", 2)
        except Interrupted:
            return _stop("sknn: interrupted", 130)
        except BrokenPipeError:  # `sknn predict ... | head`: the reader has enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1
        except OSError as exc:  # a file that cannot be written, a full disk
            where = f"'{exc.filename}': " if exc.filename else ""
            return _stop(f"sknn: error: {where}{exc.strerror or exc}", 1)
        except Exception:
            # Ctrl-C inside a C extension's import (numpy's import_array while pandas
            # loads) comes out as that extension's ImportError
            if interrupted():
                return _stop("sknn: interrupted", 130)
            raise
    return 0
