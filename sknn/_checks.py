"""Predicates of the values a saved model may hold, and the short repr that error
messages quote them with: shared by every check of a file's state, so a rule (an
integer is no bool, a real no NaN) is written once."""

import math
import numbers

import numpy as np

from sknn.exceptions import ModelFileError


def short_repr(value):
    """``repr(value)``, cut to 80 characters for an error message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def integer(low, high=None):
    """A check of an integer (not a bool) in ``[low, high]`` (no bound: None)."""

    def check(value):
        return (
            isinstance(value, numbers.Integral)
            and not isinstance(value, bool)
            and low <= value
            and (high is None or value <= high)
        )

    return check


def real(low=-math.inf, high=math.inf, low_open=False):
    """A check of a real number (not a bool, not NaN) in ``[low, high]``, or
    ``(low, high]`` with ``low_open``."""

    def check(value):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        value = float(value)
        if math.isnan(value) or not low <= value <= high:
            return False
        return not (low_open and value == low)

    return check


def boolean(value):
    """Whether ``value`` is a Python or numpy bool."""
    return isinstance(value, bool | np.bool_)


def choice(options):
    """A check of a string among ``options``."""
    return lambda value: isinstance(value, str) and value in options


def check_record(record, checks, what):
    """Raise ModelFileError unless ``record`` (read from a file) is a dict of
    exactly the names of ``checks``, each value passing its check. ``what`` names
    the record in the message."""
    if not isinstance(record, dict) or set(record) != set(checks):
        names = sorted(record, key=str) if isinstance(record, dict) else record
        raise ModelFileError(
            f"the saved {what} holds {short_repr(names)}; sknn writes {sorted(checks)}."
        )
    for name, check in checks.items():
        if not check(record[name]):
            raise ModelFileError(
                f"the saved {what}: {name} is {short_repr(record[name])}, not a "
                "value sknn writes."
            )
