"""sknn.TabularMLPClassifier and sknn.TabularMLPRegressor: the MLPs with a tabular
front door.

They take what HistGradientBoosting takes (a DataFrame of numeric and categorical
columns with missing values, or a numeric array with NaN), encode it themselves, and
hand the network the same float32 arrays the MLP estimators get. Their defaults are
the recipe chosen on the real-data benchmark (``tests/benchmarks/bench_tabular.py``).
This module speaks numpy, pandas and scikit-learn only.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils import check_array
from sklearn.utils.validation import check_consistent_length, validate_data

from sknn._docstrings import tabular_doc
from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
from sknn._persistence import ModelFileError
from sknn._sklearn_compat import Interval, StrOptions, _check_y
from sknn.preprocessing import RobustScaleSmoothClipTransformer

# the fitted preprocessing, as saved: column positions and three sklearn encoders
_PREPROCESSING = (
    "_numeric_columns",
    "_categorical_columns",
    "_numeric_encoder",
    "_missing_indicator",
    "_category_encoder",
)


def _as_frame(X, estimator):
    """X as a DataFrame: a DataFrame as it is, anything else through sklearn's
    numeric ``check_array`` (NaN allowed) and then a frame of numbered columns."""
    if isinstance(X, pd.DataFrame):
        if X.ndim != 2 or X.shape[1] == 0 or X.shape[0] == 0:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) and {X.shape[1]} "
                f"feature(s) (shape={X.shape}) while a minimum of 1 is required by "
                f"{type(estimator).__name__}."
            )
        return X
    X = check_array(
        X, dtype="numeric", ensure_all_finite="allow-nan", estimator=estimator
    )
    return pd.DataFrame(X)


def _is_categorical(dtype):
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def _is_numeric(dtype):
    return pd.api.types.is_bool_dtype(dtype) or (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
    )


class _TabularMixin:
    """The preprocessing shared by the tabular classifier and regressor: numeric
    columns median-imputed (with missing-value indicators), robustly scaled and
    smoothly clipped, then embedded; categorical ones one-hot encoded with their
    missing values as a category of their own."""

    _auto_batch_size = 256

    _tabular_constraints = {
        "categorical_features": [StrOptions({"from_dtype"}), "array-like"],
        "max_categories": [Interval(Integral, 2, None, closed="left"), None],
    }

    # ------------------------------------------------------------ column kinds

    def _column_kinds(self, frame):
        """Positions of the numeric and of the categorical columns of ``frame``."""
        dtypes = list(frame.dtypes)
        if isinstance(self.categorical_features, str):  # "from_dtype"
            categorical = [i for i, t in enumerate(dtypes) if _is_categorical(t)]
        else:
            categorical = self._listed_categorical(frame)
        numeric = [i for i in range(len(dtypes)) if i not in set(categorical)]
        unlisted = [i for i in numeric if _is_categorical(dtypes[i])]
        if unlisted:
            raise ValueError(
                f"{type(self).__name__}: column(s) {_names(frame, unlisted)} hold "
                f"text or categories (dtype(s) {_dtypes(frame, unlisted)}), but "
                "categorical_features does not list them. Add them to "
                "categorical_features, or pass categorical_features='from_dtype' to "
                "treat every category, object and string column as categorical."
            )
        unsupported = [i for i in numeric if not _is_numeric(dtypes[i])]
        if unsupported:
            raise ValueError(
                f"{type(self).__name__} takes numeric, boolean, category, object and "
                f"string columns; column(s) {_names(frame, unsupported)} are of "
                f"dtype(s) {_dtypes(frame, unsupported)}. Convert them to numbers, or "
                "to strings to treat them as categories."
            )
        return numeric, categorical

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

    # ------------------------------------------------------------ encoding

    def _encode(self, X, reset, dtype=np.float32):
        """The network's inputs for raw ``X``, of ``dtype``: the numeric columns
        scaled (the embedding takes these), their missing-value indicators, the
        one-hot categories. ``reset`` fits the encoders first."""
        frame = _as_frame(X, self)
        if reset:
            numeric, categorical = self._column_kinds(frame)
            self._numeric_columns, self._categorical_columns = numeric, categorical
            self._numeric_encoder = self._missing_indicator = None
            self._category_encoder = None
            if numeric:
                self._numeric_encoder = Pipeline(
                    [
                        (
                            "impute",
                            SimpleImputer(strategy="median", keep_empty_features=True),
                        ),
                        ("scale", RobustScaleSmoothClipTransformer()),
                    ]
                )
                self._missing_indicator = MissingIndicator(error_on_new=False)
            if categorical:
                self._category_encoder = OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    max_categories=self.max_categories,
                    sparse_output=False,
                    dtype=np.float32,
                )
        parts = []
        if self._numeric_columns:
            values = self._numeric_values(frame)
            for encoder in (self._numeric_encoder, self._missing_indicator):
                fit = encoder.fit_transform if reset else encoder.transform
                parts.append(fit(values))
        if self._categorical_columns:
            values = self._category_values(frame)
            encoder = self._category_encoder
            fit = encoder.fit_transform if reset else encoder.transform
            parts.append(fit(values))
        return np.ascontiguousarray(np.hstack(parts), dtype=dtype)

    def _numeric_values(self, frame):
        columns = frame.iloc[:, self._numeric_columns]
        try:
            return columns.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"The numeric columns of X ({list(map(str, columns.columns))}) must "
                f"hold numbers: {error}"
            ) from None

    def _category_values(self, frame):
        """The categorical columns as an object array of category keys (see
        :func:`category_keys`), NaN where missing."""
        columns = frame.iloc[:, self._categorical_columns]
        return np.column_stack([category_keys(columns.iloc[:, i]) for i in
                                range(columns.shape[1])])  # fmt: skip

    def _embedded_features(self):
        return len(self._numeric_columns)  # _numeric_embedding: none without any

    # ------------------------------------------------------------ validation

    def _validate_features(self, X, y, reset, y_numeric=False):
        """fit's validation: feature counts and names of the raw X, y as sklearn
        checks it, then X encoded (the encoders fitted when ``reset``)."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None."
            )
        X = _as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=reset)
        y = _check_y(y, multi_output=True, y_numeric=y_numeric, estimator=self)
        check_consistent_length(X, y)
        return self._encode(X, reset), y

    def _validate_predict_input(self, X):
        """X encoded in its own precision, as the MLP estimators predict: float32
        when every numeric column is float32, float64 otherwise."""
        X = _as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=False)
        numeric = X.dtypes.iloc[self._numeric_columns]
        single = len(numeric) and all(t == np.float32 for t in numeric)
        return self._encode(X, reset=False, dtype=np.float32 if single else np.float64)

    def _check_solver(self):
        """partial_fit exists for stochastic solvers without early stopping (the
        default here: it holds data out, which a stream of batches cannot)."""
        if self.early_stopping:
            raise AttributeError(
                "partial_fit is not available with early_stopping=True (the "
                f"default of {type(self).__name__}); set early_stopping=False to "
                "train on batches."
            )
        return super()._check_solver()

    # ------------------------------------------------------------ state

    def _network_inputs(self, state):
        """The width of the encoded X the saved encoders give (checked to be the
        encoders this class builds, over the saved columns); None when unfitted."""
        if "coefs_" not in state:
            return None
        n_features = state.get("n_features_in_")
        numeric = state.get("_numeric_columns")
        categorical = state.get("_categorical_columns")
        positions = [*numeric, *categorical] if _int_lists(numeric, categorical) else []
        if (
            not isinstance(n_features, Integral)
            or sorted(positions) != list(range(n_features))
            or n_features == 0
        ):
            raise ModelFileError(
                "the saved tabular estimator's numeric and categorical columns do not "
                "cover its n_features_in_ once each."
            )
        expected = {
            "_numeric_encoder": Pipeline if numeric else type(None),
            "_missing_indicator": MissingIndicator if numeric else type(None),
            "_category_encoder": OneHotEncoder if categorical else type(None),
        }
        steps = getattr(state.get("_numeric_encoder"), "steps", None)
        if any(type(state.get(k)) is not t for k, t in expected.items()) or (
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
        probe = object.__new__(type(self))
        probe.__dict__.update({name: state[name] for name in _PREPROCESSING})
        row = pd.DataFrame([[np.nan] * n_features])
        for i in categorical:
            row[i] = row[i].astype(object)
        try:
            return probe._encode(row, reset=False).shape[1]
        except Exception as error:
            raise ModelFileError(
                f"the saved tabular estimator's encoders do not transform a row: "
                f"{type(error).__name__}: {error}"
            ) from None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


def _names(frame, positions):
    return [str(frame.columns[i]) for i in positions]


def _dtypes(frame, positions):
    return [str(frame.dtypes.iloc[i]) for i in positions]


def category_keys(column):
    """The values of ``column`` (a Series) as the strings their categories are known
    by, NaN where missing (None, NaN, pd.NA, NaT).

    A value names the same category whatever type it arrives in: an integral number
    is its integer digits (``2``, ``2.0``, ``np.int8(2)`` and the text ``"2"`` are
    all ``"2"``; ``True``, equal to ``1``, is ``"1"``), another number its shortest
    repr (``2.5`` and ``np.float32(2.5)`` are ``"2.5"``), anything else its ``str``.
    pandas turns an integer column into floats once it holds a missing value, and a
    CSV column of digits comes back as floats when it has a blank: the categories
    stay the same.
    """
    # a writable copy (pandas' own may be read-only): categories' values, not codes
    values = np.array(column.to_numpy(dtype=object), dtype=object)
    missing = pd.isna(values)
    present = values[~missing]
    # factorize groups equal values (2 == 2.0 == True): one key per group
    codes, uniques = pd.factorize(present)
    keys = np.array([_category_key(value) for value in uniques] or [""], object)
    values[~missing] = keys[codes]
    values[missing] = np.nan
    return values


def _category_key(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (Integral, np.bool_)):
        return str(int(value))
    if isinstance(value, Real):
        number = float(value)
        return str(int(number)) if number.is_integer() else str(value)
    return str(value)


def _int_lists(*values):
    return all(
        isinstance(v, list)
        and all(isinstance(i, Integral) and not isinstance(i, bool) for i in v)
        for v in values
    )


class TabularMLPClassifier(_TabularMixin, MLPClassifier):
    _parameter_constraints: dict = {
        **MLPClassifier._parameter_constraints,
        **_TabularMixin._tabular_constraints,
    }

    def __init__(
        self,
        hidden_layer_sizes=(128, 128),
        activation="silu",
        *,
        solver="adamw",
        alpha=0.0,
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.002,
        power_t=0.5,
        max_iter=160,
        shuffle=True,
        random_state=None,
        tol=0.0001,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=True,
        validation_fraction=0.2,
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-08,
        n_iter_no_change=40,
        max_fun=15000,
        dropout=0.15,
        l1=0.0,
        device="cpu",
        weight_init="kaiming_uniform",
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        class_weight=None,
        loss="log_loss",
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding="periodic",
        embedding_dim=8,
        embedding_frequencies=16,
        embedding_frequency_scale=0.1,
        scoring="loss",
        restore_best="last",
        label_smoothing=0.0,
        categorical_features="from_dtype",
        max_categories=16,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.l1 = l1
        self.device = device
        self.weight_init = weight_init
        self.max_grad_norm = max_grad_norm
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.class_weight = class_weight
        self.loss = loss
        self.batch_norm = batch_norm
        self.lr_step_size = lr_step_size
        self.lr_gamma = lr_gamma
        self.checkpoint_dir = checkpoint_dir
        self.progress_bar = progress_bar
        self.numeric_embedding = numeric_embedding
        self.embedding_dim = embedding_dim
        self.embedding_frequencies = embedding_frequencies
        self.embedding_frequency_scale = embedding_frequency_scale
        self.scoring = scoring
        self.restore_best = restore_best
        self.label_smoothing = label_smoothing
        self.categorical_features = categorical_features
        self.max_categories = max_categories


class TabularMLPRegressor(_TabularMixin, MLPRegressor):
    _parameter_constraints: dict = {
        **MLPRegressor._parameter_constraints,
        **_TabularMixin._tabular_constraints,
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(128, 128),
        activation="silu",
        *,
        solver="adamw",
        alpha=0.0,
        batch_size="auto",
        learning_rate="cosine",
        learning_rate_init=0.002,
        power_t=0.5,
        max_iter=160,
        shuffle=True,
        random_state=None,
        tol=0.0001,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=True,
        validation_fraction=0.2,
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-08,
        n_iter_no_change=40,
        max_fun=15000,
        dropout=0.15,
        l1=0.0,
        device="cpu",
        weight_init="kaiming_uniform",
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding="periodic",
        embedding_dim=8,
        embedding_frequencies=16,
        embedding_frequency_scale=0.1,
        scoring="loss",
        restore_best="last",
        categorical_features="from_dtype",
        max_categories=16,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.l1 = l1
        self.device = device
        self.weight_init = weight_init
        self.max_grad_norm = max_grad_norm
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.batch_norm = batch_norm
        self.lr_step_size = lr_step_size
        self.lr_gamma = lr_gamma
        self.checkpoint_dir = checkpoint_dir
        self.progress_bar = progress_bar
        self.numeric_embedding = numeric_embedding
        self.embedding_dim = embedding_dim
        self.embedding_frequencies = embedding_frequencies
        self.embedding_frequency_scale = embedding_frequency_scale
        self.scoring = scoring
        self.restore_best = restore_best
        self.categorical_features = categorical_features
        self.max_categories = max_categories


TabularMLPClassifier.__doc__ = tabular_doc(
    TabularMLPClassifier, MLPClassifier, "Classifier"
)
TabularMLPRegressor.__doc__ = tabular_doc(
    TabularMLPRegressor, MLPRegressor, "Regressor"
)
