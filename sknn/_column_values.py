"""A DataFrame's columns read as numbers, with errors that name the column, the row
and the value: the numeric and date columns of
:class:`sknn.preprocessing.TabularEncoder` and of the command line."""

import numpy as np
import pandas as pd

from sknn import _dates


def row(label):
    """Where a value is, as the estimators say it: the DataFrame's index label (an
    array's row position)."""
    return f"row {label}"


def column_name(frame, i):
    """Column ``i`` of ``frame`` as a message names it: ``'age'``, or ``2`` in an
    array."""
    name = frame.columns[i]
    return repr(name) if isinstance(name, str) else str(name)


def numeric_values(frame, positions, where=row):
    """The columns of ``frame`` at ``positions`` as float64, NaN where missing;
    a ValueError names the first value that is not a finite number, at
    ``where(label)``."""
    positions = list(positions)
    try:
        values = frame.iloc[:, positions].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        _raise_for_text(frame, positions, where)
        raise
    infinite = np.isinf(values)
    if infinite.any():
        k, position = np.argwhere(infinite.T)[0]
        value, label = float(values[position, k]), frame.index[position]
        raise ValueError(
            f"Column {column_name(frame, positions[k])} holds a value that is not "
            f"finite: {value!r} ({where(label)}). Input X contains infinity: replace "
            "it with a finite number, or leave it missing."
        )
    return values


def _raise_for_text(frame, positions, where):
    for i in positions:
        column = frame.iloc[:, i]
        for label, value in zip(column.index, column.to_numpy(dtype=object)):
            if not _is_number(value):
                raise ValueError(
                    f"Column {column_name(frame, i)} holds a value that is not a "
                    f"number: {value!r} ({where(label)}). The column is numeric: "
                    "correct the value, or leave it missing."
                )


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return pd.api.types.is_scalar(value) and bool(pd.isna(value))
    return True


def dates(frame, i, where=row):
    """Column ``i`` of ``frame`` as datetimes: a datetime column as it is, text as
    ISO 8601 dates (:func:`sknn._dates.parse_iso_dates`); a ValueError names the
    first value that is not one, at ``where(label)``."""
    column = frame.iloc[:, i]
    if _dates.is_date_dtype(column.dtype):
        return column
    parsed, bad = _dates.parse_iso_dates(column)
    if bad is not None:
        raise ValueError(
            f"Column {column_name(frame, i)} holds a value that is not a date: "
            f"{column[bad]!r} ({where(bad)}). The column holds dates: give them as "
            "datetimes or ISO 8601 text (2026-01-31, 2026-01-31T14:30), or leave "
            "the value missing."
        )
    return parsed
