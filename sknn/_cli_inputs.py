"""The command line's inputs: a CSV file read into features and a target, the task,
the preprocessing Pipeline, and ``--set`` / ``--grid`` values parsed into checked
estimator parameters. Mistakes raise :class:`CommandError`."""

import ast
import math
import shlex

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import sknn
from sknn import _column_values, _dates
from sknn._cli_console import (
    DEFAULT_MODEL,
    MAX_AUTO_CLASSES,
    MODELS,
    CommandError,
    did_you_mean,
    note,
    one_line,
    warn,
)
from sknn._cli_csv import check_columns
from sknn.preprocessing import TabularEncoder

_KEYWORDS = {"true": True, "false": False, "none": None, "inf": math.inf}
# a text column is named when it has more distinct values than this share of its
# rows and this many in all: an ID or a name, one-hot encoded into a column per row
_IDENTIFIER_SHARE, _IDENTIFIER_VALUES = 0.5, 20


# --------------------------------------------------------------------------- data


def read_csv(header, text_columns=()):
    """The CSV file of ``header`` (from :func:`sknn._cli_csv.read_header`), the
    ``text_columns`` read as text whatever they hold."""
    path = header.path
    try:
        frame = pd.read_csv(
            path,
            sep=header.separator,
            dtype={name: str for name in text_columns if name in header.columns},
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise CommandError(f"cannot read '{path}' as CSV: {one_line(e)}") from None
    if frame.empty:
        raise CommandError(f"'{path}' has no data rows")
    return frame


def split_target(frame, target, drop, path):
    """Features and target from ``frame``, without the ``drop`` columns; rows without
    a target value are dropped."""
    check_columns(path, frame.columns, target, drop)
    missing = frame[target].isna()
    if missing.any():
        note(
            f"ignoring {missing.sum()} rows of '{path}' that have no value in "
            f"'{target}'"
        )
        frame = frame[~missing]
    if len(frame) < 2:
        raise CommandError(
            f"'{path}' has {len(frame)} row(s) with a value in '{target}'; training "
            "and scoring need more rows"
        )
    return _read_dates(frame.drop(columns=[target, *drop])), frame[target]


def _read_dates(X):
    """X with its text columns of ISO 8601 dates (every value that is there a
    ``YYYY-MM-DD`` date, with or without a time) as datetimes, noted."""
    dates = {}
    for name in X.columns:
        column = X[name]
        present = column.dropna()
        if (
            len(present)
            and isinstance(present.iloc[0], str)
            and _dates.parse_iso_dates(present.iloc[:1])[1] is None
        ):
            parsed, bad = _dates.parse_iso_dates(column)
            if bad is None:
                dates[name] = parsed
    if dates:
        note(
            f"reading {', '.join(map(repr, dates))} as dates: each becomes its year, "
            "month, day, weekday, hour of the day (where it has times) and seconds "
            "since 1970, as numbers"
        )
    return X.assign(**dates)


def column_kinds(model):
    """The names of the columns a fitted command-line model takes as numbers, as
    dates and as categories, from the estimator's encoder or the Pipeline's
    preprocessor (none for another Pipeline)."""
    estimator = model[-1] if isinstance(model, Pipeline) else model
    if isinstance(estimator, (sknn.TabularMLPClassifier, sknn.TabularMLPRegressor)):
        encoder = estimator.encoder_  # the command line fits DataFrames: names
        names = encoder.feature_names_in_.astype(str)
        dates, categories = encoder.is_date_, encoder.is_categorical_
        return {
            "numeric": list(names[~dates & ~categories]),
            "dates": list(names[dates]),
            "categorical": list(names[categories]),
        }
    kinds = dict.fromkeys(["numeric", "dates", "categorical"], [])
    if isinstance(model, Pipeline) and "preprocess" in model.named_steps:
        for name, _, columns in model.named_steps["preprocess"].transformers_:
            if name in kinds:
                kinds[name] = [str(column) for column in columns]
    return kinds


def text_columns(model):
    """The columns a fitted command-line model takes as categories or dates. A
    prediction reads them as text: pandas reads a column of digits as numbers (as
    floats when it has a blank), which would match none of the categories seen in
    fit, and dates are read as fit read them (see prediction_features)."""
    kinds = column_kinds(model)
    return kinds["categorical"] + kinds["dates"]


def prediction_features(model, X, path):
    """The columns ``X`` of the CSV file ``path`` as ``model`` takes them: its
    numeric columns as numbers, its date columns as datetimes. A value that is
    neither is a CommandError naming its column, its line in the file and itself."""
    kinds = column_kinds(model)
    where = _csv_location(path, len(X))
    X = X.copy()
    try:
        for name in kinds["numeric"]:
            i = X.columns.get_loc(name)
            X[name] = _column_values.numeric_values(X, [i], where)[:, 0]
        for name in kinds["dates"]:
            X[name] = _column_values.dates(X, X.columns.get_loc(name), where)
    except ValueError as error:
        raise CommandError(f"cannot predict the rows of '{path}': {error}") from None
    return X


def _csv_location(path, n_rows):
    """How an error names the row at position ``label`` of the ``n_rows`` pandas
    read from the CSV file ``path``: by its line in the file when every row is one
    line (the header is line 1), by its row number below the header otherwise
    (blank lines, or values spanning lines)."""

    def where(label):
        with open(path, newline="", encoding="utf-8", errors="replace") as file:
            lines = sum(1 for _ in file)
        if lines == n_rows + 1:
            return f"line {label + 2}"
        return f"data row {label + 1}, counting from 1 below the header"

    return where


def _warn_about_identifiers(X, estimator):
    for column in X.columns:
        values = X[column]
        if pd.api.types.is_numeric_dtype(values) or _dates.is_date_dtype(values.dtype):
            continue
        distinct, rows = values.nunique(), values.count()
        if distinct > max(_IDENTIFIER_VALUES, _IDENTIFIER_SHARE * rows):
            warn(
                f"text column '{column}' has {distinct} distinct values in {rows} "
                f"rows: {_encoding_of(estimator, values)}; if it names or "
                "numbers the rows, leave it out with "
                f"--drop {shlex.quote(str(column))}"
            )


def _encoding_of(estimator, values):
    """What the estimator's encoding makes of a text column's ``values``: the MLP's
    Pipeline imputes missing values, then one-hot encodes every value; the tabular
    estimators keep missing values as a category and, beyond ``max_categories``,
    target-encode the column (``high_cardinality='target'``) or pool the rarer
    categories and new ones into one column."""
    if not _is_tabular(estimator):
        categories = values.nunique()
    else:
        categories, cap = values.nunique(dropna=False), estimator.max_categories
        name = type(estimator).__name__
        if cap is not None and categories > cap:
            if estimator.high_cardinality == "target":
                return (
                    f"{name} target-encodes it, each value as the mean target of "
                    "the other rows that have it, a value no other row has and "
                    f"every new value as the overall mean (more than "
                    f"max_categories={cap} values, high_cardinality='target')"
                )
            return (
                f"{name} one-hot encodes {cap - 1} of them and "
                f"pools the other {categories - cap + 1}, and every new value, into "
                f"one feature (max_categories={cap})"
            )
    return f"one-hot encoded, it becomes {categories} features that new rows cannot use"


def _infer_task(y):
    """'classify' for a non-numeric target or an integer-valued one with at most
    20 distinct values, otherwise 'regress'."""
    if not pd.api.types.is_numeric_dtype(y):
        return "classify"
    values = y.to_numpy(dtype=float)
    few_whole_numbers = (
        np.all(values == np.round(values)) and y.nunique() <= MAX_AUTO_CLASSES
    )
    return "classify" if few_whole_numbers else "regress"


def resolve_task(task, y, target):
    if task == "auto":
        return _infer_task(y)
    if task == "regress" and not pd.api.types.is_numeric_dtype(y):
        raise CommandError(
            f"--task regress needs a numeric target, but column '{target}' holds "
            f"text such as {y.iloc[0]!r}; use --task classify"
        )
    return task


MLP = "model__"  # the prefix of the estimator's parameters in the Pipeline


def _is_tabular(estimator):
    return isinstance(estimator, (sknn.TabularMLPClassifier, sknn.TabularMLPRegressor))


def build_pipeline(X, estimator):
    """Impute and scale the numeric columns, impute and one-hot encode the others,
    then the estimator (MLPRegressor standardizes the target itself). The tabular
    estimators encode the columns themselves: a Pipeline of the estimator alone.
    A text column that looks like an identifier is named in a warning."""
    _warn_about_identifiers(X, estimator)
    if _is_tabular(estimator):
        return Pipeline([("model", estimator)])
    return Pipeline([("preprocess", _preprocessor(X)), ("model", estimator)])


def _preprocessor(X):
    numeric = list(X.select_dtypes(include="number").columns)
    dates = [column for column in X.columns if _dates.is_date_dtype(X[column].dtype)]
    categorical = [column for column in X.columns if column not in numeric + dates]
    # the dates as numbers: TabularEncoder's date features, scaled as it scales them
    by_date = [("dates", TabularEncoder(), dates)] if dates else []
    return ColumnTransformer(
        [
            (
                "numeric",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median")),
                        ("scale", StandardScaler()),
                    ]
                ),
                numeric,
            ),
            (
                "categorical",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("one_hot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                categorical,
            ),
            *by_date,
        ]
    )


# --------------------------------------------------------------------------- parameters


def _parse_value(text):
    """A Python literal, true/false/none/inf in any case, or else the text itself.

    >>> _parse_value("(64, 32)"), _parse_value("64,32"), _parse_value("relu")
    ((64, 32), (64, 32), 'relu')
    >>> _parse_value("True"), _parse_value("none"), _parse_value("1e-3")
    (True, None, 0.001)
    """
    if text.strip().lower() in _KEYWORDS:
        return _KEYWORDS[text.strip().lower()]
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text


def _split_top_level(text):
    """Split ``text`` at the commas outside brackets and quotes.

    >>> _split_top_level("(32,),(64, 32)")
    ['(32,)', '(64, 32)']
    >>> _split_top_level("relu,'a,b',[1, 2]")
    ['relu', "'a,b'", '[1, 2]']
    """
    parts, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _assignment(text, option):
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise CommandError(f"{option} expects name=value, got '{text}'")
    return name.strip(), value


def build_estimator(task, settings, grid=None, model=DEFAULT_MODEL):
    """The task's estimator of kind ``model`` (see MODELS) with ``settings``
    applied; every name and value checked.

    ``settings`` maps names to values, ``grid`` names to lists of candidate values.
    The command line seeds the estimator (random_state=0) so that a run repeats,
    here or on a cluster; ``--set random_state=...`` changes it.
    """
    # sknn's estimators import torch: only now that the data has been read
    estimator = _estimator_class(task, model)(random_state=0)
    valid = estimator.get_params()
    for name in [*settings, *(grid or {})]:
        if name not in valid:
            raise CommandError(
                f"unknown parameter '{name}' for {type(estimator).__name__}; "
                f"{_whose(name, task, model) or did_you_mean(name, valid)}"
                f"valid parameters: {', '.join(valid)}"
            )
    candidates = [settings] + [
        {**settings, name: value}
        for name, values in (grid or {}).items()
        for value in values
    ]
    for params in candidates:
        try:
            # sklearn checks parameters only at fit: _validate_params checks them now
            clone(estimator).set_params(**params)._validate_params()
        except ValueError as exc:  # sklearn's InvalidParameterError
            option = "--grid" if params is not settings else "--set"
            raise CommandError(f"{one_line(exc)} Fix the {option} value.") from None
    return estimator.set_params(**settings)


def _estimator_class(task, model):
    classifier, regressor = MODELS[model]
    return getattr(sknn, classifier if task == "classify" else regressor)


def _whose(name, task, model):
    """Which other --model has a parameter ``name``, as a hint, or ''."""
    for other in MODELS:
        cls = _estimator_class(task, other)
        if other != model and name in cls().get_params():
            default = " (the default)" if other == DEFAULT_MODEL else ""
            return (
                f"'{name}' is a parameter of {cls.__name__}, which --model {other}"
                f"{default} trains; "
            )
    return ""


def parse_settings(assignments):
    return {
        name: _parse_value(value)
        for name, value in (_assignment(a, "--set") for a in assignments)
    }


def parse_grid(assignments):
    return {
        name: [_parse_value(v) for v in _split_top_level(values)]
        for name, values in (_assignment(a, "--grid") for a in assignments)
    }
