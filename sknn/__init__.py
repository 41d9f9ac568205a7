"""sknn: scikit-learn's MLP estimators on PyTorch, trained through skorch."""

from sknn._checkpoints import resume
from sknn._displays import LRFinderDisplay
from sknn._lr_finder import LRFinderResult
from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
from sknn._persistence import SKOPS_TRUSTED_TYPES, ModelFileError, load, save

__version__ = "0.1.0"

__all__ = [
    "LRFinderDisplay",
    "LRFinderResult",
    "MLPClassifier",
    "MLPRegressor",
    "ModelFileError",
    "SKOPS_TRUSTED_TYPES",
    "__version__",
    "load",
    "resume",
    "save",
]
