"""What a column of a table is to sknn: the frame X becomes, each column's kind,
and the keys its categories are known by. numpy, pandas and scikit-learn only."""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils import check_array

from sknn import _column_values


def as_frame(X, estimator):
    """X as a DataFrame: a DataFrame as it is, anything else through sklearn's
    numeric ``check_array`` (NaN allowed) and then a frame of numbered columns;
    errors name ``estimator``."""
    if isinstance(X, pd.DataFrame):
        if X.ndim != 2 or X.shape[1] == 0 or X.shape[0] == 0:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) and {X.shape[1]} "
                f"feature(s) (shape={X.shape}) while a minimum of 1 is required by "
                f"{type(estimator).__name__}."
            )
        return X
    try:  # infinity: named by the encoder, with its column and row
        X = check_array(
            X, dtype="numeric", ensure_all_finite=False, estimator=estimator
        )
    except ValueError:  # text in an array: name the first value that is no number
        values = np.asarray(X, dtype=object)
        if values.ndim == 2 and any(isinstance(v, (str, bytes)) for v in values.flat):
            _column_values.numeric_values(pd.DataFrame(values), range(values.shape[1]))
        raise
    return pd.DataFrame(X)


def category_keys(column):
    """The values of ``column`` (a Series) as the strings their categories are known
    by, NaN where missing (None, NaN, pd.NA, NaT).

    A value names the same category whatever type it arrives in: an integral number
    is its integer digits (``2``, ``2.0``, ``np.int8(2)`` and the text ``"2"`` are
    all ``"2"``; ``True``, equal to ``1``, is ``"1"``), another number its shortest
    repr (``2.5`` and ``np.float32(2.5)`` are ``"2.5"``), anything else its ``str``.
    pandas turns an integer column into floats once it holds a missing value, and a
    CSV column of digits comes back as floats when it has a blank: the categories
    stay the same.

    Parameters
    ----------
    column : pandas.Series
        One categorical column.

    Returns
    -------
    keys : ndarray of shape (len(column),), dtype=object
        The category keys, ``np.nan`` where a value is missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from sknn.preprocessing import category_keys
    >>> category_keys(pd.Series([1.0, None, 2.5, "x"], dtype=object))
    array(['1', nan, '2.5', 'x'], dtype=object)
    """
    # a writable copy (pandas' own may be read-only): categories' values, not codes
    values = np.array(column.to_numpy(dtype=object), dtype=object)
    missing = pd.isna(values)
    present = values[~missing]
    # factorize groups equal values (2 == 2.0 == True): one key per group
    codes, uniques = pd.factorize(present)
    keys = np.array([category_key(value) for value in uniques] or [""], object)
    values[~missing] = keys[codes]
    values[missing] = np.nan
    return values


def category_key(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (Integral, np.bool_)):
        return str(int(value))
    if isinstance(value, Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else str(value)
    return str(value)


def is_categorical(dtype):
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def is_numeric(dtype):
    return pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


def names_of(frame, positions):
    return [str(frame.columns[i]) for i in positions]


def dtypes_of(frame, positions):
    return [str(frame.dtypes.iloc[i]) for i in positions]
