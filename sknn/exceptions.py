"""The exceptions sknn raises beyond scikit-learn's and Python's own.

A module of its own, as :mod:`sklearn.exceptions` is, so that every part of sknn
(the estimators, the torch seam, persistence) can raise them without importing
another.
"""

__all__ = ["ModelFileError", "OnnxExportError"]


class ModelFileError(ValueError):
    """A file that sknn.load refuses: not an sknn model, damaged, or unsafe.

    A ValueError, raised by :func:`sknn.load`, by unpickling a model whose state
    does not fit its own structure, and by :func:`sknn.resume`.
    """


class OnnxExportError(ValueError):
    """An sknn model that ONNX export does not cover, saying what and why.

    A ValueError, raised by skl2onnx's conversion of an sknn estimator or
    :class:`~sknn.preprocessing.TabularEncoder` once :mod:`sknn.onnx` is imported.
    """
