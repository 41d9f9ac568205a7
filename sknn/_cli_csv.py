"""A CSV file's header, read with the standard library: its column separator and its
column names, so that a missing file, a misspelled column or a file separated by
semicolons is answered before pandas, scikit-learn and torch are imported."""

import csv
import dataclasses
import io

from sknn._cli_console import CommandError, did_you_mean, note

_SAMPLE_CHARS = 64 * 1024
_OTHER_SEPARATORS = ";\t|"


@dataclasses.dataclass(frozen=True)
class CsvHeader:
    path: str
    separator: str
    columns: tuple


def read_header(path):
    """The separator and column names of the CSV file at ``path``.

    The separator is a comma, unless the header has no comma and the first lines
    are consistently separated by a semicolon, a tab or a vertical bar.
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            sample = file.read(_SAMPLE_CHARS)
            if len(sample) == _SAMPLE_CHARS:
                sample += file.readline()  # whole lines only, for the sniffer
    except FileNotFoundError:
        raise CommandError(f"no such file: '{path}'; check the path") from None
    except IsADirectoryError:
        raise CommandError(f"'{path}' is a directory; pass a CSV file") from None
    except PermissionError:
        raise CommandError(
            f"cannot read '{path}': permission denied; check its permissions"
        ) from None
    except UnicodeDecodeError:
        raise CommandError(
            f"cannot read '{path}' as CSV: it is not UTF-8 text; save it as UTF-8"
        ) from None
    separator = ","
    columns = _first_row(sample, separator)
    if columns is None:
        raise CommandError(f"'{path}' is empty; pass a CSV file with a header row")
    if len(columns) == 1:
        try:
            sniffed = csv.Sniffer().sniff(sample, delimiters=_OTHER_SEPARATORS)
        except csv.Error:  # no separator found: a file with one column
            sniffed = None
        if sniffed is not None and len(_first_row(sample, sniffed.delimiter)) > 1:
            separator = sniffed.delimiter
            columns = _first_row(sample, separator)
            note(f"reading '{path}' with {separator!r} as its column separator")
    return CsvHeader(str(path), separator, tuple(columns))


def _first_row(sample, separator):
    return next(csv.reader(io.StringIO(sample), delimiter=separator), None)


def check_columns(path, columns, target, drop=()):
    """Raise CommandError unless ``target`` and every ``drop`` name are ``columns``,
    and dropping leaves a column besides the target."""
    columns = [str(column) for column in columns]
    listing = ", ".join(columns)
    if target not in columns:
        hint = ""
        if len(columns) == 1 and any(sep in columns[0] for sep in _OTHER_SEPARATORS):
            hint = " (its header reads as one column: separate its columns by commas)"
        raise CommandError(
            f"'{path}' has no column '{target}'{hint}; "
            f"{did_you_mean(target, columns)}pass one of its columns to --target: "
            f"{listing}"
        )
    for name in drop:
        if name == target:
            raise CommandError(
                f"--drop '{name}' names the --target column; drop feature columns only"
            )
        if name not in columns:
            raise CommandError(
                f"'{path}' has no column '{name}' to --drop; "
                f"{did_you_mean(name, columns)}its columns are: {listing}"
            )
    if not set(columns) - {target, *drop}:
        raise CommandError(
            f"'{path}' has no columns besides the target '{target}'"
            + (" and the dropped ones" if drop else "")
        )


def check_header(header, target, drop=()):
    """check_columns on the header as read here, unless pandas will rename some of
    its columns (duplicate or empty names): then only the DataFrame can be checked."""
    names = header.columns
    if len(set(names)) == len(names) and "" not in names:
        check_columns(header.path, names, target, drop)
