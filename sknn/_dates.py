"""Date and datetime columns as numbers: the features a date column becomes in
:class:`sknn.preprocessing.TabularEncoder`, and ISO 8601 text read as dates.

Every feature is arithmetic (floor, multiply, add) on a count of seconds since
1970-01-01, so that a graph without a calendar (ONNX) computes the same numbers.
This module speaks numpy and pandas only.
"""

import numpy as np
import pandas as pd

# A date column's features, in output order. The calendar fields are of the
# column's own clock (its time zone's, for a time-zone-aware column; weekday 0 is
# Monday, hour counts fractions: 14:30 is 14.5); total_seconds counts the seconds
# since 1970-01-01 00:00 UTC, as skrub's DatetimeEncoder does. "hour" is kept
# only for a column whose values in fit have a time of day besides midnight.
DATE_FEATURES = ("year", "month", "day", "weekday", "hour", "total_seconds")
DATE_ONLY_FEATURES = tuple(f for f in DATE_FEATURES if f != "hour")

_SECONDS_PER_DAY = 86400.0
_THURSDAY = 3  # 1970-01-01, day 0, was a Thursday (Monday is 0)

# YYYY-MM-DD, then optionally a time (T or a space) and a UTC offset (Z or +hh:mm)
_ISO_DATE = (
    r"\s*\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:[.,]\d+)?)?)?)?"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?\s*"
)


def is_date_dtype(dtype):
    """Whether ``dtype`` is a pandas or numpy datetime dtype, time zone or not."""
    return pd.api.types.is_datetime64_any_dtype(dtype)


def clock_and_epoch_seconds(column):
    """The seconds since 1970-01-01 of a datetime Series' values on its own clock,
    and since 1970-01-01 UTC: two float64 arrays, equal for a naive column, NaN
    where a value is missing."""
    if column.dt.tz is None:
        clock = epoch = _seconds(column)
    else:
        clock = _seconds(column.dt.tz_localize(None))
        epoch = _seconds(column.dt.tz_convert(None))
    return clock, epoch


def _seconds(naive):
    stamps = naive.to_numpy(dtype="datetime64[us]")
    seconds = stamps.astype(np.int64) / 1e6
    seconds[np.isnat(stamps)] = np.nan
    return seconds


def utc_offset(column):
    """The seconds a datetime Series' clock is ahead of UTC, if that is the same
    for every instant: 0.0 for a naive column (its clock is taken as UTC's), the
    offset of a fixed-offset time zone (UTC, +01:00); None for a time zone whose
    offset changes (daylight saving time)."""
    tz = column.dt.tz
    if tz is None:
        return 0.0
    offset = tz.utcoffset(None)  # a tzinfo's answer: None where it depends on when
    return None if offset is None else offset.total_seconds()


def has_time_of_day(clock):
    """Whether any of ``clock`` (seconds, NaN where missing) is not a midnight."""
    present = clock[~np.isnan(clock)]
    return bool(np.any(present % _SECONDS_PER_DAY))


def date_features(clock, epoch, features, floor=np.floor, stack=np.column_stack):
    """The ``features`` (names from DATE_FEATURES) of the instants whose clock and
    epoch seconds are given: a float64 array of shape (n, len(features)), NaN
    where the seconds are NaN.

    The calendar is Howard Hinnant's ``civil_from_days``: proleptic Gregorian, in
    floor divisions only. It takes only ``+ - * /``, comparisons with numbers (as
    0 or 1), ``floor`` and ``stack`` (of a list of columns), so that the ONNX
    export builds its graph from this very function, with the same float64
    operations in the same order (see sknn._onnx_encoder).
    """
    days = floor(clock / _SECONDS_PER_DAY)
    z = days + 719468  # days since 0000-03-01, the start of a 400-year era
    era = floor(z / 146097)
    day_of_era = z - era * 146097
    year_of_era = floor(
        (
            day_of_era
            - floor(day_of_era / 1460)
            + floor(day_of_era / 36524)
            - floor(day_of_era / 146096)
        )
        / 365
    )
    day_of_year = day_of_era - (
        365 * year_of_era + floor(year_of_era / 4) - floor(year_of_era / 100)
    )
    month_from_march = floor((5 * day_of_year + 2) / 153)
    month = month_from_march + 3 - 12 * (month_from_march >= 10)
    weeks = days + _THURSDAY
    values = {
        "year": year_of_era + era * 400 + (month <= 2),
        "month": month,
        "day": day_of_year - floor((153 * month_from_march + 2) / 5) + 1,
        "weekday": weeks - 7 * floor(weeks / 7),  # a floor modulo, as np.mod
        "hour": (clock - days * _SECONDS_PER_DAY) / 3600,
        "total_seconds": epoch,
    }
    return stack([values[name] for name in features])


def parse_iso_dates(column):
    """A Series of ISO 8601 dates or datetimes as text (``YYYY-MM-DD``, optionally
    with a time and a UTC offset) as datetimes, and the index label of the first
    present value that is not one (None when every one is).

    The datetimes are naive unless a value has a UTC offset: then every one is in
    UTC (a naive value taken as UTC). A missing value (None, NaN, NaT, pd.NA)
    stays missing.
    """
    values = column.astype(object)
    present = values.notna().to_numpy()
    text = pd.Series(
        [value if isinstance(value, str) else "" for value in values],
        index=column.index,
        dtype=object,
    )
    matched = text.str.fullmatch(_ISO_DATE).to_numpy(dtype=bool)
    offset = text[matched].str.extract(_ISO_DATE)["offset"].notna().any()
    dates = pd.to_datetime(
        text.where(present & matched, None).str.strip(),
        format="ISO8601",
        errors="coerce",
        utc=bool(offset),
    )
    bad = present & ~(matched & dates.notna().to_numpy())
    if bad.any():
        return None, column.index[np.argmax(bad)]
    return dates, None
