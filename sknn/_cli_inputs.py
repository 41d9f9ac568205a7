"""The command line's inputs: CSV files read into features and a target, the task,
the preprocessing Pipeline, and ``--set`` / ``--grid`` values parsed into checked
estimator parameters. Mistakes raise :class:`CommandError`."""

import ast
import difflib
import math
import sys

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknn import MLPClassifier, MLPRegressor

MAX_AUTO_CLASSES = 20
_ESTIMATORS = {"classify": MLPClassifier, "regress": MLPRegressor}
_KEYWORDS = {"true": True, "false": False, "none": None, "inf": math.inf}


class CommandError(Exception):
    """A mistake in the command's input: reported as one line, without a traceback."""


def one_line(text):
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- data


def read_csv(path):
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError:
        raise CommandError(f"no such file: '{path}'; check the path") from None
    except IsADirectoryError:
        raise CommandError(f"'{path}' is a directory; pass a CSV file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise CommandError(f"cannot read '{path}' as CSV: {one_line(e)}") from None
    if frame.empty:
        raise CommandError(f"'{path}' has no data rows")
    return frame


def _did_you_mean(name, choices):
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def split_target(frame, target, path):
    """Features and target from ``frame``; rows without a target value are dropped."""
    if target not in frame.columns:
        raise CommandError(
            f"'{path}' has no column '{target}'; {_did_you_mean(target, frame.columns)}"
            f"pass one of its columns to --target: {', '.join(map(str, frame.columns))}"
        )
    missing = frame[target].isna()
    if missing.any():
        print(
            f"sknn: note: ignoring {missing.sum()} rows of '{path}' that have no "
            f"value in '{target}'",
            file=sys.stderr,
        )
        frame = frame[~missing]
    if frame.shape[1] < 2:
        raise CommandError(f"'{path}' has no columns besides the target '{target}'")
    return frame.drop(columns=target), frame[target]


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


def build_pipeline(X, estimator):
    """Impute and scale the numeric columns, impute and one-hot encode the others,
    then the estimator (MLPRegressor standardizes the target itself)."""
    return Pipeline([("preprocess", _preprocessor(X)), ("model", estimator)])


def _preprocessor(X):
    numeric = list(X.select_dtypes(include="number").columns)
    categorical = [column for column in X.columns if column not in numeric]
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


def build_estimator(task, settings, grid=None):
    """The task's estimator with ``settings`` applied; every name and value checked.

    ``settings`` maps names to values, ``grid`` names to lists of candidate values.
    The command line seeds the estimator (random_state=0) so that a run repeats,
    here or on a cluster; ``--set random_state=...`` changes it.
    """
    estimator = _ESTIMATORS[task](random_state=0)
    valid = estimator.get_params()
    for name in [*settings, *(grid or {})]:
        if name not in valid:
            raise CommandError(
                f"unknown parameter '{name}' for {type(estimator).__name__}; "
                f"{_did_you_mean(name, valid)}valid parameters: {', '.join(valid)}"
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


def format_params(params):
    return ", ".join(f"{name}={value!r}" for name, value in params.items())
