"""sknn: scikit-learn's MLP estimators on PyTorch, trained through skorch."""

from sknn._displays import LRFinderDisplay
from sknn._lr_finder import LRFinderResult
from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor

__version__ = "0.1.0"

__all__ = [
    "LRFinderDisplay",
    "LRFinderResult",
    "MLPClassifier",
    "MLPRegressor",
    "__version__",
]
