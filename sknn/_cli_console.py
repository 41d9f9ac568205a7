"""What the command line says on stderr, and how Ctrl-C ends it.

Standard library only: ``sknn --help`` and a mistake in the input are answered before
pandas, scikit-learn and torch are imported. Notes, warnings and errors are one line
each, never written onto a progress bar's line. Ctrl-C raises :class:`Interrupted`,
which sknn's fit does not catch (it catches KeyboardInterrupt to end its training
early, as scikit-learn's MLP does), so a Ctrl-C anywhere aborts the command.
"""

import contextlib
import difflib
import signal
import sys
import threading
import warnings

# `--task auto` classifies whole numbers with at most this many values (here, as the
# help text says it and is built before pandas is imported)
MAX_AUTO_CLASSES = 20

# --model: the estimators `sknn fit` and `sknn search` train (classifier, regressor).
# The default is the tabular pair, first on sknn's real-data benchmark
# (tests/benchmarks/results/tabular.md); the help text is built from these names.
MODELS = {
    "tabular": ("TabularMLPClassifier", "TabularMLPRegressor"),
    "mlp": ("MLPClassifier", "MLPRegressor"),
}
DEFAULT_MODEL = "tabular"


def estimator_types(classifiers=False):
    """The estimator classes of ``MODELS`` (only the classifiers if asked)."""
    import sknn

    return tuple(
        getattr(sknn, name)
        for pair in MODELS.values()
        for name in (pair[:1] if classifiers else pair)
    )


class CommandError(Exception):
    """A mistake in the command's input: reported as one line, without a traceback."""


class Interrupted(BaseException):
    """Ctrl-C: not an Exception, so that no ``except Exception`` on the way (sklearn's,
    skorch's, joblib's) turns it into a failed fit, and not a KeyboardInterrupt, which
    sknn's fit catches to keep the model trained so far."""


def one_line(text):
    return " ".join(str(text).split())


def format_params(params):
    return ", ".join(f"{name}={value!r}" for name, value in params.items())


def did_you_mean(name, choices):
    close = difflib.get_close_matches(name, [str(c) for c in choices], n=1)
    return f"did you mean '{close[0]}'? " if close else ""


def say(text):
    """Write ``text`` and a newline to stderr, on a line of its own."""
    tqdm = sys.modules.get("tqdm")  # no progress bar to step around without tqdm
    if tqdm is None:
        print(text, file=sys.stderr, flush=True)
    else:
        tqdm.tqdm.write(text, file=sys.stderr)


def note(text):
    say(f"sknn: note: {text}")


_said = set()


def warn(text):
    """``sknn: warning: text``, once per command (cross-validation repeats them)."""
    text = f"sknn: warning: {one_line(text)}"
    if text not in _said:
        _said.add(text)
        say(text)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    warn(message)


def close_progress_bars():
    """End every open progress bar's line (one cut short by Ctrl-C stays shown)."""
    tqdm = sys.modules.get("tqdm")
    if tqdm is not None:
        for bar in list(tqdm.tqdm._instances):
            bar.close()


_interrupted = threading.Event()


def _interrupt(signum, frame):
    _interrupted.set()
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C ends it at once
    raise Interrupted


def interrupted():
    """Whether Ctrl-C was pressed during this command, whatever its exception became
    on the way."""
    return _interrupted.is_set()


def raise_if_interrupted():
    """Raise :class:`Interrupted` if Ctrl-C was pressed, in case the exception raised
    then was swallowed on its way (a ``__del__`` method, a worker thread)."""
    if interrupted():
        raise Interrupted


@contextlib.contextmanager
def command_context():
    """Show warnings as ``sknn: warning:`` lines and make Ctrl-C raise Interrupted,
    for the duration of a command (in the main thread, where signals arrive)."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, _interrupt) if in_main_thread else None
    _interrupted.clear()
    _said.clear()
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def interrupts_ignored():
    """Ignore Ctrl-C while the block runs: the outputs are replaced all or none."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
