"""sknn.preprocessing: RealMLP's robust scaling and smooth clip, and the tabular
estimators' encoder."""

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
    np.testing.assert_array_equal(model._encoder.transform(X), encoder.transform(X))
    assert model.coefs_[0].shape[0] == (
        encoder.n_numeric_features_ * model.embedding_dim
        + encoder.transform(X).shape[1]
        - encoder.n_numeric_features_
    )
