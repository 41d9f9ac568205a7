"""Preprocessing for tabular networks, as scikit-learn transformers."""

import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, TargetEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sknn import _column_values, _dates
from sknn._columns import (
    as_frame,
    category_keys,
    dtypes_of,
    is_categorical,
    is_numeric,
    names_of,
)
from sknn._sklearn_compat import Interval, StrOptions, _fit_context
from sknn._tabular_docs import TABULAR_COLUMN_PARAMETERS, high_cardinality_doc

__all__ = ["RobustScaleSmoothClipTransformer", "TabularEncoder", "category_keys"]


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


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Encode a DataFrame's numeric, date and categorical columns for a neural network.

    The encoding of :class:`sknn.TabularMLPClassifier` and
    :class:`sknn.TabularMLPRegressor`, as a transformer of its own. It takes what
    :class:`sklearn.ensemble.HistGradientBoostingClassifier` takes: a DataFrame of
    numeric, boolean and categorical (category, object or string dtype) columns with
    missing values, or a numeric array with NaN; and date columns (datetime64
    dtype, with a time zone or without). The output's columns, in order:

    * each numeric column, then each date column's features (see Notes), then the
      target encoding of each categorical column of more than ``max_categories``
      categories where ``high_cardinality='target'``, imputed with their median,
      robustly scaled and smoothly clipped
      (:class:`RobustScaleSmoothClipTransformer`), ``n_numeric_features_`` columns;
    * a missing-value indicator for each numeric or date column that had missing
      values in fit (:class:`sklearn.impute.MissingIndicator`);
    * each other categorical column one-hot encoded, missing values as a category
      of their own, at most ``max_categories`` columns per column, rarer categories
      sharing one (:class:`sklearn.preprocessing.OneHotEncoder`); a category unseen
      in fit encodes as the rare ones' column, or as all zeros.

    A category is the same whatever type it arrives in (see :func:`category_keys`).

    .. versionadded:: 0.1

    Parameters
    ----------
    %(columns)s
    clip : float, default=3.0
        The bound of the numeric columns' smooth clip.

    %(high_cardinality)s
    random_state : int, RandomState instance or None, default=None
        The shuffling of the rows into folds for the target encoding's cross
        fitting (``high_cardinality='target'``). Pass an int for the same
        encoding on every fit.

    Attributes
    ----------
    is_categorical_ : ndarray of shape (`n_features_in_`,), dtype=bool
        Which input columns are categorical.

    is_date_ : ndarray of shape (`n_features_in_`,), dtype=bool
        Which input columns are dates.

    is_target_encoded_ : ndarray of shape (`n_features_in_`,), dtype=bool
        Which categorical columns are target-encoded (``high_cardinality``).

    date_features_ : list of tuple of str
        For each date column, in order, the features it becomes:
        ``('year', 'month', 'day', 'weekday', 'total_seconds')``, with ``'hour'``
        before ``'total_seconds'`` where fit saw a time of day besides midnight.

    date_utc_offsets_ : list of float or None
        For each date column, in order, the seconds its clock was ahead of UTC in
        fit: 0.0 for a column without a time zone (its clock is taken as UTC's),
        the offset of a fixed-offset time zone (UTC, ``+01:00``), None for a time
        zone whose offset changes (daylight saving time). Only the ONNX export
        reads it: a graph has no time zones.

    n_numeric_features_ : int
        How many leading output columns are the scaled numeric columns and date
        features.

    numeric_encoder_ : Pipeline or None
        The fitted median imputer and :class:`RobustScaleSmoothClipTransformer`;
        None without numeric and date columns.

    missing_indicator_ : MissingIndicator or None
        The fitted missing-value indicator of the numeric columns, then of the
        date columns.

    category_encoder_ : OneHotEncoder or None
        The fitted one-hot encoder of the categorical columns' category keys (those
        not target-encoded); None without such columns.

    target_encoders_ : list of TargetEncoder or None
        The fitted target encoders of the target-encoded columns' category keys:
        one, or one per column of a 2-D ``y``; None without such columns.

    n_features_in_ : int
        Number of columns seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns seen during fit, when X has string column names.

    See Also
    --------
    sknn.TabularMLPClassifier : A network trained on this encoding.
    sklearn.compose.ColumnTransformer : To build such an encoding by hand.

    Notes
    -----
    A date column becomes numbers, as skrub's ``DatetimeEncoder`` and users of
    gradient-boosted trees encode dates: its ``year``, ``month`` (1-12), ``day``
    (of the month), ``weekday`` (0 is Monday) and ``hour`` (of the day, in
    fractions: 14:30 is 14.5; only where fit saw times), on the column's own clock
    (its time zone's, if it has one), and ``total_seconds``, the seconds since
    1970-01-01 00:00 UTC. Every one is floor divisions of a count of seconds, so an
    ONNX graph computes them too. Where fit saw dates, transform also takes ISO 8601
    text (``2026-01-31``, ``2026-01-31T14:30:00+01:00``) and missing values (None,
    NaN, NaT).

    A value that transform cannot read (text in a numeric column, a date that is
    not one) is a ValueError that names its column, its row (the index label; the
    position in an array) and the value.

    Examples
    --------
    >>> import pandas as pd
    >>> from sknn.preprocessing import TabularEncoder
    >>> X = pd.DataFrame({"size": [1.0, None, 3.0, 10.0],
    ...                   "colour": ["red", "blue", None, "red"]})
    >>> encoder = TabularEncoder().fit(X)
    >>> encoder.get_feature_names_out()
    array(['size', 'missingindicator_size', 'colour_blue', 'colour_red',
           'colour_nan'], dtype=object)
    >>> encoder.transform(X).round(2)
    array([[-0.85,  0.  ,  0.  ,  1.  ,  0.  ],
           [ 0.  ,  1.  ,  1.  ,  0.  ,  0.  ],
           [ 0.  ,  0.  ,  0.  ,  0.  ,  1.  ],
           [ 2.16,  0.  ,  0.  ,  1.  ,  0.  ]])
    """

    _parameter_constraints: dict = {
        "categorical_features": [StrOptions({"from_dtype"}), "array-like"],
        "max_categories": [Interval(Integral, 2, None, closed="left"), None],
        "clip": [Interval(Real, 0, None, closed="neither")],
        "high_cardinality": [StrOptions({"one_hot", "target"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        categorical_features="from_dtype",
        max_categories=16,
        clip=3.0,
        high_cardinality="one_hot",
        random_state=None,
    ):
        self.categorical_features = categorical_features
        self.max_categories = max_categories
        self.clip = clip
        self.high_cardinality = high_cardinality
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the column kinds, medians, scales and categories of X.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The columns to encode; missing values allowed.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            The targets, for the target encoding of the high-cardinality columns
            (``high_cardinality='target'``); otherwise ignored.

        Returns
        -------
        self : object
            The fitted encoder.
        """
        self._fit_transform(X, y)
        return self

    def fit_transform(self, X, y=None):
        """Fit to X, then encode it (once: the encoders see X one time).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The columns to encode; missing values allowed.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), default=None
            The targets, for the target encoding of the high-cardinality columns
            (``high_cardinality='target'``, cross-fitted); otherwise ignored.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The encoded columns (see :meth:`transform`).
        """
        self._validate_params()
        return self._fit_transform(X, y)

    def _fit_transform(self, X, y):
        frame = self._frame(X, reset=True)
        numeric, categorical, dates = self._column_kinds(frame)
        self.is_categorical_ = np.isin(np.arange(frame.shape[1]), categorical)
        self.is_date_ = np.isin(np.arange(frame.shape[1]), dates)
        self.is_target_encoded_ = self._high_cardinality(frame)
        self.numeric_encoder_ = self.missing_indicator_ = self.category_encoder_ = None
        self.target_encoders_ = targets = None
        if self.is_target_encoded_.any():
            targets = self._target_columns(frame, y)
            self.target_encoders_ = [
                TargetEncoder(cv=self._folds(target)) for target in targets
            ]
        if numeric or dates or targets:
            self.numeric_encoder_ = Pipeline(
                [
                    (
                        "impute",
                        SimpleImputer(strategy="median", keep_empty_features=True),
                    ),
                    ("scale", RobustScaleSmoothClipTransformer(clip=self.clip)),
                ]
            )
        if numeric or dates:  # a target encoding is never missing
            self.missing_indicator_ = MissingIndicator(error_on_new=False)
        if self._one_hot_mask().any():
            self.category_encoder_ = OneHotEncoder(
                handle_unknown="infrequent_if_exist",
                max_categories=self.max_categories,
                sparse_output=False,
            )
        return self._encode(frame, fit=True, targets=targets)

    def transform(self, X):
        """Encode X's columns.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The columns fit saw, in the same order.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The scaled numeric columns, date features and target encodings,
            their missing-value indicators and the one-hot categories; float32
            when every numeric column of X is float32 and none is a date, float64
            otherwise (as scikit-learn's numeric transformers keep the input's
            precision).
        """
        check_is_fitted(self)
        return self._encode(self._frame(X, reset=False), fit=False)

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            The input columns' names; by default ``feature_names_in_``, or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            The numeric columns' names, ``<name>_<feature>`` for each date
            feature (``when_year``, ...), the target encodings' (``<name>``,
            ``<name>_<class>`` in multiclass classification, ``<name>_<output>``
            for a 2-D ``y``), ``missingindicator_<name>`` for each indicator,
            then ``<name>_<category>`` for each one-hot column.
        """
        check_is_fitted(self)
        from sklearn.utils.validation import _check_feature_names_in

        names = _check_feature_names_in(self, input_features)
        numeric = names[self._numeric_positions()]
        dates = names[self.is_date_]
        categorical = names[self._one_hot_mask()]
        parts = []
        if self.numeric_encoder_ is not None:
            parts.append(numeric)
            parts.extend(
                [f"{name}_{feature}" for feature in features]
                for name, features in zip(dates, self.date_features_, strict=True)
            )
            encoders = self.target_encoders_ or []
            for output, encoder in enumerate(encoders):
                encoded = encoder.get_feature_names_out(names[self.is_target_encoded_])
                parts.append(
                    [f"{name}_{output}" for name in encoded]
                    if len(encoders) > 1
                    else encoded
                )
        if self.missing_indicator_ is not None:
            parts.append(
                self.missing_indicator_.get_feature_names_out(
                    np.concatenate([numeric, dates])
                )
            )
        if self.category_encoder_ is not None:
            parts.append(self.category_encoder_.get_feature_names_out(categorical))
        return np.concatenate(parts).astype(object)

    # ------------------------------------------------------------ helpers

    def _frame(self, X, reset):
        """X as a DataFrame, its feature count and names checked as sklearn does."""
        X = as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=reset)
        return X

    def _encode(self, frame, fit, targets=None):
        parts = []
        values = self._numeric_block(frame, fit, targets)
        if fit:
            self.n_numeric_features_ = values.shape[1]
        if values.shape[1]:
            missing = values[:, self._missing_sources()]
            for encoder, data in (
                (self.numeric_encoder_, values),
                (self.missing_indicator_, missing),
            ):
                if encoder is not None:
                    parts.append(encoder.fit_transform(data) if fit else
                                 encoder.transform(data))  # fmt: skip
        if self.category_encoder_ is not None:
            keys = self._category_keys(frame, self._one_hot_mask())
            encoder = self.category_encoder_
            parts.append(
                encoder.fit_transform(keys) if fit else encoder.transform(keys)
            )
        numeric = self._numeric_positions()
        single = (
            len(numeric)
            and not self.is_date_.any()
            and all(frame.dtypes.iloc[i] == np.float32 for i in numeric)
        )
        return np.ascontiguousarray(
            np.hstack(parts), dtype=np.float32 if single else np.float64
        )

    def _numeric_positions(self):
        return np.flatnonzero(~self.is_categorical_ & ~self.is_date_)

    def _one_hot_mask(self):
        """Boolean mask of the categorical columns that are one-hot encoded (not
        target-encoded)."""
        return self.is_categorical_ & ~self.is_target_encoded_

    def _numeric_block(self, frame, fit, targets):
        """The numeric columns' values, then each date column's features, then the
        target encodings (cross-fitted to ``targets`` in fit): float64, NaN where
        missing. fit chooses each date column's features."""
        parts = [_column_values.numeric_values(frame, self._numeric_positions())]
        if fit:
            self.date_features_, self.date_utc_offsets_ = [], []
        for k, i in enumerate(np.flatnonzero(self.is_date_)):
            column = _column_values.dates(frame, i)
            clock, epoch = _dates.clock_and_epoch_seconds(column)
            if fit:
                self.date_utc_offsets_.append(_dates.utc_offset(column))
                self.date_features_.append(
                    _dates.DATE_FEATURES
                    if _dates.has_time_of_day(clock)
                    else _dates.DATE_ONLY_FEATURES
                )
            parts.append(_dates.date_features(clock, epoch, self.date_features_[k]))
        if self.target_encoders_ is not None:
            keys = self._category_keys(frame, self.is_target_encoded_)
            for k, encoder in enumerate(self.target_encoders_):
                if fit:
                    parts.append(encoder.fit_transform(keys, targets[k]))
                    # the folds serve fit_transform only: the fitted encoder keeps
                    # their count, so that a saved one holds no splitter object
                    encoder.set_params(cv=encoder.cv.get_n_splits())
                else:
                    parts.append(encoder.transform(keys))
        return np.hstack(parts)

    @staticmethod
    def _category_keys(frame, mask):
        """The category keys of the columns of ``frame`` that ``mask`` marks, as
        one object array (see :func:`category_keys`)."""
        return np.column_stack(
            [category_keys(frame.iloc[:, i]) for i in np.flatnonzero(mask)]
        )

    def _high_cardinality(self, frame):
        """Boolean mask of the categorical columns to target-encode: with
        ``high_cardinality='target'``, those of more than ``max_categories``
        categories in ``frame`` (missing values one of them)."""
        mask = np.zeros(frame.shape[1], dtype=bool)
        if self.high_cardinality == "target" and self.max_categories is not None:
            for i in np.flatnonzero(self.is_categorical_):
                keys = category_keys(frame.iloc[:, i])
                mask[i] = len(pd.unique(keys)) > self.max_categories
        return mask

    def _folds(self, target):
        """The cross fitting's folds of ``target``, as TargetEncoder's default
        (5, stratified for class labels), shuffled by ``random_state``."""
        stratified = type_of_target(target) in ("binary", "multiclass")
        folds = StratifiedKFold if stratified else KFold
        return folds(5, shuffle=True, random_state=self.random_state)

    def _target_columns(self, frame, y):
        """``y`` as the list of its columns (one for 1-D ``y``), checked as long as
        ``frame``, for the target encoders."""
        if y is None:
            names = names_of(frame, np.flatnonzero(self.is_target_encoded_))
            raise ValueError(
                f"TabularEncoder(high_cardinality='target') needs y to target-encode "
                f"column(s) {names}, which have more than max_categories="
                f"{self.max_categories} categories; pass y to fit, or set "
                "high_cardinality='one_hot'."
            )
        y = np.asarray(y)
        check_consistent_length(frame, y)
        return [y] if y.ndim == 1 else list(y.T)

    def _missing_sources(self):
        """The columns of the numeric block the missing-value indicator reads: each
        numeric column, and one feature per date column (all of its features are
        missing together)."""
        n_numeric = len(self._numeric_positions())
        ends = n_numeric + np.cumsum([len(f) for f in self.date_features_], dtype=int)
        return np.concatenate([np.arange(n_numeric), ends - 1])

    def _column_kinds(self, frame):
        """Positions of the numeric, the categorical and the date columns of
        ``frame``."""
        dtypes = list(frame.dtypes)
        if isinstance(self.categorical_features, str):  # "from_dtype"
            categorical = [i for i, t in enumerate(dtypes) if is_categorical(t)]
        else:
            categorical = self._listed_categorical(frame)
        numeric = [i for i in range(len(dtypes)) if i not in set(categorical)]
        unlisted = [i for i in numeric if is_categorical(dtypes[i])]
        if unlisted:
            raise ValueError(
                f"Column(s) {names_of(frame, unlisted)} of X hold text or categories "
                f"(dtype(s) {dtypes_of(frame, unlisted)}), but "
                "categorical_features does not list them. Add them to "
                "categorical_features, or pass categorical_features='from_dtype' to "
                "treat every category, object and string column as categorical."
            )
        dates = [i for i in numeric if _dates.is_date_dtype(dtypes[i])]
        numeric = [i for i in numeric if i not in set(dates)]
        unsupported = [i for i in numeric if not is_numeric(dtypes[i])]
        if unsupported:
            raise ValueError(
                "The columns of X must be numeric, boolean, datetime, category, "
                f"object or string; column(s) {names_of(frame, unsupported)} are of "
                f"dtype(s) {dtypes_of(frame, unsupported)}. Convert them to numbers, "
                "or to strings to treat them as categories."
            )
        return numeric, categorical, dates

    def _listed_categorical(self, frame):
        """Positions of the columns ``categorical_features`` names: a boolean mask,
        column positions, or column names."""
        listed = np.asarray(self.categorical_features)
        n_features = frame.shape[1]
        if listed.dtype == bool:
            if listed.shape != (n_features,):
                raise ValueError(
                    f"categorical_features as a boolean mask needs one entry per "
                    f"feature ({n_features}), got {listed.shape[0]}."
                )
            return [int(i) for i in np.flatnonzero(listed)]
        if listed.dtype.kind in "iu":
            if listed.size and (listed.min() < 0 or listed.max() >= n_features):
                raise ValueError(
                    f"categorical_features holds positions outside [0, {n_features}): "
                    f"{listed.tolist()}."
                )
            return sorted({int(i) for i in listed})
        names = list(map(str, frame.columns))
        missing = [str(name) for name in listed if str(name) not in names]
        if missing:
            raise ValueError(
                f"categorical_features names column(s) {missing} that X does not "
                f"have; its columns are {names}."
            )
        return sorted({names.index(str(name)) for name in listed})

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


TabularEncoder.__doc__ %= {
    "columns": TABULAR_COLUMN_PARAMETERS.lstrip(),
    "high_cardinality": high_cardinality_doc("one_hot").lstrip(),
}
