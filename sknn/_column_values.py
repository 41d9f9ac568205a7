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
    a ValueError names the first value that is not a number, at ``where(label)``."""
    columns = frame.iloc[:, positions]
    try:
        return columns.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        pass
    for i in positions:
        column = frame.iloc[:, i]
        for label, value in zip(column.index, column.to_numpy(dtype=object)):
            if not _is_number(value):
                raise ValueError(
                    f"Column {column_name(frame, i)} holds a value that is not a "
                    f"number: {value!r} ({where(label)}). The column is numeric: "
                    "correct the value, or leave it missing."
                )
    raise AssertionError("unreachable: every value is a number")


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return bool(pd.isna(value))
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
