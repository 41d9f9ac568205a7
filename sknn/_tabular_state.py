"""The checks of a saved tabular estimator's parts: its encoder is the one
:class:`~sknn.preprocessing.TabularEncoder` builds over its columns, and its network
takes that encoder's columns. A file may be hostile; these run before the estimator
becomes what the file holds. numpy, pandas and scikit-learn only."""

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, TargetEncoder

from sknn import _dates
from sknn.exceptions import ModelFileError
from sknn.preprocessing import RobustScaleSmoothClipTransformer, TabularEncoder


def check_parts(state, mlp_class):
    """Raise ModelFileError unless a saved tabular estimator's ``state`` is
    unfitted, or holds the encoder it builds over its ``n_features_in_`` columns and
    a fitted ``mlp_class`` whose network takes that encoder's columns, its numeric
    embedding (if any) over the numeric ones."""
    if not isinstance(state, dict):
        raise ModelFileError("the saved estimator's state is not a dict of names.")
    if "encoder_" not in state and "mlp_" not in state:
        return
    encoder, mlp = state.get("encoder_"), state.get("mlp_")
    if type(encoder) is not TabularEncoder:
        raise ModelFileError(
            "the saved tabular estimator has no TabularEncoder of its columns."
        )
    if type(mlp) is not mlp_class or "coefs_" not in vars(mlp):
        raise ModelFileError(
            f"the saved tabular estimator has no fitted {mlp_class.__name__}."
        )
    n_features = state.get("n_features_in_")
    _check_encoder(vars(encoder), n_features)
    names = state.get("feature_names_in_")
    if not np.array_equal(
        np.asarray(names, dtype=object),
        np.asarray(getattr(encoder, "feature_names_in_", None), dtype=object),
    ):
        raise ModelFileError(
            "the saved tabular estimator's column names are not its encoder's."
        )
    network = mlp._fitted_network()
    width = _encoded_width(encoder, n_features)
    if network.n_features != width or network.n_embedded not in (
        0,
        encoder.n_numeric_features_,
    ):
        raise ModelFileError(
            f"the saved network takes {network.n_features} inputs, "
            f"{network.n_embedded} of them embedded; the saved encoder gives "
            f"{width}, {encoder.n_numeric_features_} of them numeric."
        )


def _encoded_width(encoder, n_features):
    """How many columns the saved (checked) encoder gives: the width of its
    transform of one row of missing values."""
    row = pd.DataFrame(
        [[np.nan] * n_features], columns=getattr(encoder, "feature_names_in_", None)
    )
    for i in np.flatnonzero(encoder.is_categorical_):
        row.isetitem(i, row.iloc[:, i].astype(object))
    try:
        return encoder.transform(row).shape[1]
    except Exception as error:
        raise ModelFileError(
            f"the saved tabular estimator's encoder does not transform a row: "
            f"{type(error).__name__}: {error}"
        ) from None


def _check_encoder(encoder, n_features):
    """Raise ModelFileError unless the saved encoder's state (its ``__dict__``)
    is the one TabularEncoder builds over ``n_features`` columns."""
    kinds, dates = encoder.get("is_categorical_"), encoder.get("is_date_")
    targeted = encoder.get("is_target_encoded_")
    date_features = encoder.get("date_features_")
    if (
        not isinstance(n_features, Integral)
        or n_features <= 0
        or encoder.get("n_features_in_") != n_features
        or not all(
            isinstance(mask, np.ndarray)
            and mask.dtype == bool
            and mask.shape == (n_features,)
            for mask in (kinds, dates, targeted)
        )
        or (kinds & dates).any()
        or (targeted & ~kinds).any()
        or not isinstance(date_features, list)
        or len(date_features) != dates.sum()
        or not all(
            isinstance(features, tuple)
            and features in (_dates.DATE_FEATURES, _dates.DATE_ONLY_FEATURES)
            for features in date_features
        )
        or encoder.get("n_numeric_features_")
        != int((~kinds & ~dates).sum())
        + sum(map(len, date_features))
        + _target_width(encoder.get("target_encoders_"), int(targeted.sum()))
    ):
        raise ModelFileError(
            "the saved tabular estimator's encoder does not describe its "
            "n_features_in_ columns, each numeric, date or categorical once."
        )
    numeric, categorical = encoder["n_numeric_features_"] > 0, (kinds & ~targeted).any()
    expected = {
        "numeric_encoder_": Pipeline if numeric else type(None),
        # of the numeric and date columns: none where every column is categorical
        "missing_indicator_": MissingIndicator if not kinds.all() else type(None),
        "category_encoder_": OneHotEncoder if categorical else type(None),
    }
    steps = getattr(encoder.get("numeric_encoder_"), "steps", None)
    if any(type(encoder.get(k)) is not t for k, t in expected.items()) or (
        numeric
        and (
            not isinstance(steps, list)
            or [type(step) for _, step in steps]
            != [SimpleImputer, RobustScaleSmoothClipTransformer]
        )
    ):
        raise ModelFileError(
            "the saved tabular estimator's encoders are not the ones it builds."
        )


def _target_width(encoders, n_columns):
    """How many columns the saved target encoders of ``n_columns`` columns give;
    raise ModelFileError unless they are None for none, else a list of fitted
    TargetEncoders of those columns, each category's encoding a finite number."""
    if n_columns == 0 and encoders is None:
        return 0
    widths = [None]
    if isinstance(encoders, list) and encoders:
        widths = [_target_encoder_width(encoder, n_columns) for encoder in encoders]
    if None in widths:
        raise ModelFileError(
            "the saved tabular estimator's target encoders are not the ones it "
            "builds for its target-encoded columns."
        )
    return sum(widths)


def _target_encoder_width(encoder, n_columns):
    """How many columns one saved TargetEncoder of ``n_columns`` columns gives, or
    None unless it is a fitted TargetEncoder of them with finite encodings."""
    state = vars(encoder) if type(encoder) is TargetEncoder else {}
    categories, encodings = state.get("categories_"), state.get("encodings_")
    classes, mean = state.get("classes_"), state.get("target_mean_")
    multiclass = state.get("target_type_") == "multiclass"
    if multiclass and not (isinstance(classes, np.ndarray) and classes.ndim == 1):
        return None
    per = len(classes) if multiclass else 1
    valid = (
        state.get("target_type_") in ("binary", "multiclass", "continuous")
        and isinstance(categories, list)
        and len(categories) == n_columns
        and all(isinstance(c, np.ndarray) and c.ndim == 1 for c in categories)
        and isinstance(encodings, list)
        and len(encodings) == n_columns * per
        and all(
            isinstance(e, np.ndarray)
            and e.dtype == np.float64
            and e.shape == (len(categories[j // per]),)
            and np.isfinite(e).all()
            for j, e in enumerate(encodings)
        )
        and isinstance(mean, (float, np.ndarray))
        and np.asarray(mean).dtype == np.float64
        and np.shape(mean) == ((per,) if per > 1 else ())
        and np.isfinite(mean).all()
    )
    return len(encodings) if valid else None
