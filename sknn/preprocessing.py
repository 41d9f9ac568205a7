"""Preprocessing for tabular networks, as scikit-learn transformers."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from sknn._sklearn_compat import Interval, _fit_context

__all__ = ["RobustScaleSmoothClipTransformer"]


class RobustScaleSmoothClipTransformer(
    OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Scale each feature robustly, then clip it smoothly: RealMLP's preprocessing.

    Each feature is centred on its median and divided by its interquartile range
    (half its range where the interquartile range is zero; a constant feature
    becomes 0), then mapped by the smooth clip ``x / sqrt(1 + (x / clip)**2)``,
    which is nearly the identity for ``|x|`` well below ``clip`` and bounded by
    ``clip``. Outliers and heavy tails then neither dominate a network's inputs
    nor decide the scale of the others, as they do with a standard scaler. Missing
    values (NaN) are ignored when fitting and left as they are.

    Holzmüller et al., "Better by default: Strong pre-tuned MLPs and boosted trees
    on tabular data" (NeurIPS 2024), the preprocessing of RealMLP.

    .. versionadded:: 0.1

    Parameters
    ----------
    clip : float, default=3.0
        The bound of the smooth clip.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        The median of each feature.

    scale_ : ndarray of shape (n_features,)
        What each centred feature is multiplied by before the clip: one over its
        interquartile range (or half range); 0 for a constant feature.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.preprocessing.RobustScaler : Robust scaling without the clip.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.preprocessing import RobustScaleSmoothClipTransformer
    >>> X = np.array([[1.0], [2.0], [3.0], [4.0], [1000.0]])
    >>> RobustScaleSmoothClipTransformer().fit_transform(X).round(2).ravel()
    array([-0.95, -0.49,  0.  ,  0.49,  3.  ])
    """

    _parameter_constraints: dict = {"clip": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, clip=3.0):
        self.clip = clip

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn each feature's median and scale.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data; NaN marks a missing value.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        X = validate_data(self, X, dtype=(np.float64, np.float32),
                          ensure_all_finite="allow-nan")  # fmt: skip
        with warnings.catch_warnings():  # an all-NaN column: left as it is
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            self.center_ = np.nanmedian(X, axis=0)
            low, high = np.nanquantile(X, [0.25, 0.75], axis=0)
            # halves, so that the spread of values near float's limits is finite
            half_spread = high / 2 - low / 2
            half_range = np.nanmax(X, axis=0) / 2 - np.nanmin(X, axis=0) / 2
        self.center_ = np.nan_to_num(self.center_)
        with np.errstate(divide="ignore"):
            self.scale_ = np.where(
                half_spread > 0,
                0.5 / half_spread,
                np.where(half_range > 0, 1 / half_range, 0.0),
            )
        return self

    def transform(self, X):
        """Scale and smoothly clip X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data; NaN stays NaN.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features)
            The transformed data, within ``(-clip, clip)``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=False,
                          ensure_all_finite="allow-nan")  # fmt: skip
        # the clip as clip * t / hypot(1, t) with t = scaled / clip: the same
        # function, but no square overflows, so every finite input lands in
        # [-clip, clip] in order, however large
        with np.errstate(over="ignore", invalid="ignore"):
            t = (X - self.center_.astype(X.dtype)) * (self.scale_ / self.clip).astype(
                X.dtype
            )
            t[np.isnan(t) & ~np.isnan(X)] = 0  # inf * 0: a constant feature
            ratio = np.where(np.isinf(t), np.sign(t), t / np.hypot(1, t))
        return (self.clip * ratio).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
