"""sknn.preprocessing: RealMLP's robust scaling and smooth clip, and the tabular
estimators' encoder."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import TabularMLPClassifier
from sknn.preprocessing import RobustScaleSmoothClipTransformer, TabularEncoder


@parametrize_with_checks(
    [
        RobustScaleSmoothClipTransformer(),
        TabularEncoder(),
        TabularEncoder(categorical_features=[0], max_categories=None),
    ]
)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_an_outlier_neither_escapes_the_clip_nor_sets_the_scale():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 1))
    X[0] = 1e6
    out = RobustScaleSmoothClipTransformer().fit_transform(X)
    assert np.abs(out).max() < 3.0
    assert out[0, 0] == pytest.approx(3.0, abs=1e-6)
    # the bulk keeps its spread (a standard scaler squeezes it to ~0)
    assert out[1:].std() > 0.5
    assert StandardScaler().fit_transform(X)[1:].std() < 0.01


def test_the_clip_is_smooth_and_nearly_the_identity_near_the_centre():
    X = np.linspace(-0.5, 0.5, 11).reshape(-1, 1)
    out = RobustScaleSmoothClipTransformer(clip=3.0).fit_transform(X)
    # (x - median) / IQR is x / 0.5 here; the clip changes it by under 1.5% for |x| <= 1
    np.testing.assert_allclose(out[4:7].ravel(), [-0.2, 0.0, 0.2], rtol=0.01)
    wide = RobustScaleSmoothClipTransformer(clip=100.0).fit_transform(X)
    np.testing.assert_allclose(wide.ravel(), (X / 0.5).ravel(), rtol=1e-3)


def test_zero_iqr_uses_the_half_range_and_constants_become_zero():
    X = np.array([[0.0, 5.0], [0.0, 5.0], [0.0, 5.0], [0.0, 5.0], [4.0, 5.0]])
    transformer = RobustScaleSmoothClipTransformer().fit(X)
    np.testing.assert_allclose(transformer.scale_, [1 / 2.0, 0.0])
    assert np.all(transformer.transform(X)[:, 1] == 0.0)


def test_missing_values_are_ignored_and_kept():
    X = np.array([[1.0], [np.nan], [3.0], [5.0]])
    transformer = RobustScaleSmoothClipTransformer().fit(X)
    assert transformer.center_[0] == 3.0
    out = transformer.transform(X)
    assert np.isnan(out[1, 0]) and np.isfinite(out[[0, 2, 3], 0]).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fitted_on", [[1.0, 2.0, 3.0, 4.0], [0.1, 0.2, 0.3, 0.4]])
def test_every_finite_input_lands_in_the_clip_in_order(dtype, fitted_on):
    """Huge finite values went to the median (1e200 -> 0) or to NaN (1e308): the
    square overflowed. Every finite value now maps into [-clip, clip], in order."""
    transformer = RobustScaleSmoothClipTransformer().fit(
        np.array(fitted_on, dtype).reshape(-1, 1)
    )
    largest = np.finfo(dtype).max
    magnitudes = np.geomspace(np.finfo(dtype).tiny, largest, 5000).astype(dtype)
    X = np.concatenate([-magnitudes[::-1], [0], magnitudes, [largest, -largest]])
    X = np.sort(np.concatenate([X, np.linspace(-10, 10, 2001)]).astype(dtype))
    out = transformer.transform(X.reshape(-1, 1)).ravel()
    assert out.dtype == dtype
    assert np.isfinite(out).all() and np.abs(out).max() <= 3.0
    assert (np.diff(out) >= 0).all()
    assert out[-1] == 3.0 and out[0] == -3.0


def test_a_feature_spanning_floats_range_keeps_a_finite_scale():
    X = np.array([[-1e308], [1e308], [0.0], [5.0]])
    transformer = RobustScaleSmoothClipTransformer().fit(X)
    assert 0 < transformer.scale_[0] < np.inf
    out = transformer.transform(X).ravel()
    assert out[1] > out[3] > out[2] > out[0]


def _mixed(n=60, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "colour": pd.Categorical(rng.choice(["red", "blue", "green"], n)),
            "count": pd.array(rng.integers(0, 5, n), dtype="Int64"),
            "shape": rng.choice(["round", "square", None], n).astype(object),
        }
    )
    frame.loc[::7, "size"] = np.nan
    frame.loc[::5, "count"] = pd.NA
    return frame


def test_the_tabular_encoder_is_the_columns_encoded_by_hand():
    """The same numbers as a ColumnTransformer of scikit-learn's own parts and
    RobustScaleSmoothClipTransformer, with the categories' keys as text."""
    X = _mixed()
    encoder = TabularEncoder().fit(X)
    numeric, categorical = ["size", "count"], ["colour", "shape"]
    np.testing.assert_array_equal(encoder.is_categorical_, [False, True, False, True])
    assert encoder.n_numeric_features_ == 2
    scale = make_pipeline(
        SimpleImputer(strategy="median"), RobustScaleSmoothClipTransformer()
    )
    by_hand = ColumnTransformer(
        [
            ("scale", scale, numeric),
            ("missing", MissingIndicator(), numeric),
            ("one_hot", OneHotEncoder(sparse_output=False), categorical),
        ]
    )
    as_text = X.astype({"shape": object}).fillna({"shape": np.nan})
    expected = by_hand.fit_transform(
        as_text.astype({"count": float}).astype({"colour": object})
    )
    np.testing.assert_allclose(encoder.transform(X), expected)
    assert list(encoder.get_feature_names_out()) == [
        "size", "count", "missingindicator_size", "missingindicator_count",
        "colour_blue", "colour_green", "colour_red",
        "shape_round", "shape_square", "shape_nan",
    ]  # fmt: skip


def test_target_encoding_needs_y_and_encodes_the_unseen_as_the_mean():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"city": [f"c{i % 20}" for i in range(200)]})
    y = rng.normal(size=200)
    msg = (
        "TabularEncoder(high_cardinality='target') needs y to target-encode "
        "column(s) ['city'], which have more than max_categories=16 categories; "
        "pass y to fit, or set high_cardinality='one_hot'."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        TabularEncoder(high_cardinality="target").fit(X)
    encoder = TabularEncoder(high_cardinality="target", random_state=0).fit(X, y)
    unseen = encoder.transform(pd.DataFrame({"city": ["elsewhere"]}))
    mean = [[encoder.target_encoders_[0].target_mean_]]
    np.testing.assert_allclose(unseen, encoder.numeric_encoder_.transform(mean))
    few = TabularEncoder(high_cardinality="target").fit(X.head(16))  # no y needed
    assert few.get_feature_names_out().size == 16


def test_the_tabular_encoder_sets_pandas_output_and_feeds_a_pipeline():
    X = _mixed()
    out = TabularEncoder().set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(TabularEncoder().fit(X).get_feature_names_out())
    y = (X["size"].fillna(0) > 0).astype(int)
    model = make_pipeline(TabularEncoder(), StandardScaler()).fit(X, y)
    assert model.transform(X.head(3)).shape == (3, out.shape[1])


def test_the_tabular_estimators_hold_the_encoder_they_fit():
    X = _mixed()
    y = (X["size"].fillna(0) > 0).astype(int)
    model = TabularMLPClassifier(max_iter=3, random_state=0).fit(X, y)
    encoder = TabularEncoder().fit(X)
    np.testing.assert_array_equal(model.encoder_.transform(X), encoder.transform(X))
    assert model.coefs_[0].shape[0] == (
        encoder.n_numeric_features_ * model.embedding_dim
        + encoder.transform(X).shape[1]
        - encoder.n_numeric_features_
    )


def _dated(n=60, seed=0):
    """A number, a date column (days, one missing) and a datetime column (times of
    day), as pandas reads them."""
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2019-12-25") + pd.to_timedelta(rng.integers(0, 900, n), "D")
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "when": day,
            "at": day + pd.to_timedelta(rng.integers(0, 86400, n), "s"),
        }
    )
    frame.loc[3, "when"] = pd.NaT
    return frame


def test_dates_become_calendar_features_and_seconds_since_1970():
    """A date column becomes year, month, day, weekday and total seconds, and
    hour of the day where fit saw times; the numbers are pandas' own, scaled as
    the numeric columns are; a missing date has one indicator."""
    X = _dated()
    encoder = TabularEncoder().fit(X)
    assert list(encoder.get_feature_names_out()) == [
        "size",
        "when_year", "when_month", "when_day", "when_weekday", "when_total_seconds",
        "at_year", "at_month", "at_day", "at_weekday", "at_hour", "at_total_seconds",
        "missingindicator_when",
    ]  # fmt: skip
    assert encoder.n_numeric_features_ == 12
    epoch = pd.Timestamp("1970-01-01")
    by_pandas = {"size": X["size"]}
    for name in ["when", "at"]:
        column = X[name].dt
        by_pandas |= {
            f"{name}_year": column.year,
            f"{name}_month": column.month,
            f"{name}_day": column.day,
            f"{name}_weekday": column.day_of_week,
            f"{name}_total_seconds": (X[name] - epoch).dt.total_seconds(),
        }
    by_pandas["at_hour"] = (X["at"] - X["at"].dt.normalize()).dt.total_seconds() / 3600
    names = encoder.get_feature_names_out()
    raw = pd.DataFrame(by_pandas)[names[:12]].to_numpy(dtype=float)
    scale = make_pipeline(
        SimpleImputer(strategy="median"), RobustScaleSmoothClipTransformer()
    )
    expected = np.column_stack([scale.fit_transform(raw), X["when"].isna()])
    np.testing.assert_allclose(encoder.transform(X), expected, atol=1e-12)


def test_a_time_zone_keeps_its_own_clock_and_iso_text_reads_as_dates():
    X = _dated()
    encoder = TabularEncoder().fit(X)
    paris = X.assign(at=X["at"].dt.tz_localize("Europe/Paris"))
    hour = list(encoder.get_feature_names_out()).index("at_hour")
    np.testing.assert_array_equal(
        encoder.transform(paris)[:, hour], encoder.transform(X)[:, hour]
    )
    as_text = X.assign(
        when=X["when"].dt.strftime("%Y-%m-%d"),
        at=X["at"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
    )
    np.testing.assert_array_equal(encoder.transform(as_text), encoder.transform(X))


def test_a_value_that_is_not_a_number_or_a_date_is_named_with_its_row():
    X = _dated().set_index(pd.RangeIndex(100, 160))
    encoder = TabularEncoder().fit(X)
    bad = X.astype({"size": object})
    bad.loc[117, "size"] = "unknown"
    msg = (
        "Column 'size' holds a value that is not a number: 'unknown' (row 117). The "
        "column is numeric: correct the value, or leave it missing."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        encoder.transform(bad)
    bad = X.astype({"size": float})
    bad.loc[102, "size"] = -np.inf
    msg = (
        "Column 'size' holds a value that is not finite: -inf (row 102). Input X "
        "contains infinity: replace it with a finite number, or leave it missing."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        encoder.transform(bad)
    bad = X.assign(when=X["when"].dt.strftime("%Y-%m-%d"))
    bad.loc[104, "when"] = "31/01/2026"
    msg = (
        "Column 'when' holds a value that is not a date: '31/01/2026' (row 104). The "
        "column holds dates: give them as datetimes or ISO 8601 text (2026-01-31, "
        "2026-01-31T14:30), or leave the value missing."
    )
    with pytest.raises(ValueError, match=re.escape(msg)):
        encoder.transform(bad)
    numbers = np.array([[1.0, 2.0], [3.0, 4.0]])
    encoder = TabularEncoder().fit(numbers)
    msg = "Column 1 holds a value that is not a number: 'x' (row 1)."
    for text in (numbers.astype(object), numbers.astype(str)):
        text[1, 1] = "x"
        with pytest.raises(ValueError, match=re.escape(msg)):
            encoder.transform(text)
