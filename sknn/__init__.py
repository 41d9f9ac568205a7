"""sknn: scikit-learn's MLP estimators on PyTorch, trained through skorch."""

import importlib
import typing

from sknn._version import __version__

__all__ = [
    "LRFinderDisplay",
    "LRFinderResult",
    "MLPClassifier",
    "MLPRegressor",
    "ModelFileError",
    "SKOPS_TRUSTED_TYPES",
    "TabularMLPClassifier",
    "TabularMLPRegressor",
    "__version__",
    "load",
    "read_notes",
    "resume",
    "save",
]

# The public names are imported on first use: importing the estimators imports torch
# (seconds), which the command line's `sknn --help` and its input errors never need.
_MODULES = {
    "LRFinderDisplay": "sknn._displays",
    "LRFinderResult": "sknn._lr_finder",
    "MLPClassifier": "sknn._multilayer_perceptron",
    "MLPRegressor": "sknn._multilayer_perceptron",
    "ModelFileError": "sknn.exceptions",
    "SKOPS_TRUSTED_TYPES": "sknn._persistence",
    "TabularMLPClassifier": "sknn._tabular",
    "TabularMLPRegressor": "sknn._tabular",
    "load": "sknn._persistence",
    "read_notes": "sknn._persistence",
    "resume": "sknn._checkpoints",
    "save": "sknn._persistence",
}

if typing.TYPE_CHECKING:  # what static analysis and editors see
    from sknn._checkpoints import resume
    from sknn._displays import LRFinderDisplay
    from sknn._lr_finder import LRFinderResult
    from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
    from sknn._persistence import (
        SKOPS_TRUSTED_TYPES,
        load,
        read_notes,
        save,
    )
    from sknn._tabular import TabularMLPClassifier, TabularMLPRegressor
    from sknn.exceptions import ModelFileError


def __getattr__(name):
    if name not in _MODULES:
        raise AttributeError(f"module 'sknn' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULES[name]), name)
    globals()[name] = value  # the next access is a plain lookup
    return value


def __dir__():
    return sorted({*globals(), *__all__})
