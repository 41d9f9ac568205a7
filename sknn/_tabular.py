"""sknn.TabularMLPClassifier and sknn.TabularMLPRegressor: the MLPs with a tabular
front door.

They take what HistGradientBoosting takes (a DataFrame of numeric and categorical
columns with missing values, or a numeric array with NaN), encode it themselves, and
hand the network the same float32 arrays the MLP estimators get. Their defaults are
the recipe chosen on the real-data benchmark (``tests/benchmarks/bench_tabular.py``).
This module speaks numpy, pandas and scikit-learn only.
"""

import dataclasses
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.validation import check_consistent_length, validate_data

from sknn import _dates
from sknn._docstrings import tabular_doc
from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
from sknn._sklearn_compat import _check_y
from sknn.exceptions import ModelFileError
from sknn.preprocessing import (
    RobustScaleSmoothClipTransformer,
    TabularEncoder,
    _as_frame,
)

# the schedules that anneal the learning rate to its end at max_iter epochs: a fit
# that runs all of them has done what it planned, not stopped short of converging
_ANNEALED_SCHEDULES = ("cosine", "onecycle")


class _TabularMixin:
    """What the tabular classifier and regressor share: a fitted
    :class:`~sknn.preprocessing.TabularEncoder` (``_encoder``) turns raw X into the
    network's inputs, its numeric columns first, for the numeric embedding."""

    _auto_batch_size = 256

    _tabular_constraints = {
        name: TabularEncoder._parameter_constraints[name]
        for name in ("categorical_features", "max_categories")
    }

    def _encode(self, X, reset):
        """The network's inputs for raw ``X`` (``reset``: fit the encoder first)."""
        if reset:
            self._encoder = TabularEncoder(
                categorical_features=self.categorical_features,
                max_categories=self.max_categories,
            )
            return self._encoder.fit_transform(X)
        return self._encoder.transform(X)

    def _embedded_features(self):
        return self._encoder.n_numeric_features_  # _numeric_embedding: none if 0

    # ------------------------------------------------------------ validation

    def _validate_features(self, X, y, reset, y_numeric=False):
        """fit's validation: feature counts and names of the raw X, y as sklearn
        checks it, then X encoded in float32 (the encoder fitted when ``reset``)."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None."
            )
        X = _as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=reset)
        y = _check_y(y, multi_output=True, y_numeric=y_numeric, estimator=self)
        check_consistent_length(X, y)
        return self._encode(X, reset).astype(np.float32, copy=False), y

    def _validate_predict_input(self, X):
        """X encoded in its own precision, as the MLP estimators predict: float32
        when every numeric column is float32, float64 otherwise."""
        X = _as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=False)
        return self._encode(X, reset=False)

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

    def _set_fitted(self, net, result):
        """The recipe's cosine schedule runs to ``max_iter`` epochs by design:
        reaching them is no ConvergenceWarning (the MLPs keep sklearn's warning for
        training cut short)."""
        if (
            result.max_iter_reached
            and self.solver != "lbfgs"  # lbfgs reports max_iter in n_iter_ too
            and self.learning_rate in _ANNEALED_SCHEDULES
        ):
            result = dataclasses.replace(result, max_iter_reached=False)
        super()._set_fitted(net, result)

    def _network_inputs(self, state):
        """The width of the encoded X the saved encoder gives (checked to be the
        encoder this class builds, over the saved columns); None when unfitted."""
        if "coefs_" not in state:
            return None
        n_features, encoder = state.get("n_features_in_"), state.get("_encoder")
        if type(encoder) is not TabularEncoder:
            raise ModelFileError(
                "the saved tabular estimator has no TabularEncoder of its columns."
            )
        _check_encoder(vars(encoder), n_features)
        names = getattr(encoder, "feature_names_in_", None)
        row = pd.DataFrame([[np.nan] * n_features], columns=names)
        for i in np.flatnonzero(encoder.is_categorical_):
            row.isetitem(i, row.iloc[:, i].astype(object))
        try:
            return encoder.transform(row).shape[1]
        except Exception as error:
            raise ModelFileError(
                f"the saved tabular estimator's encoder does not transform a row: "
                f"{type(error).__name__}: {error}"
            ) from None

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


def _check_encoder(encoder, n_features):
    """Raise ModelFileError unless the saved encoder's state (its ``__dict__``)
    is the one TabularEncoder builds over ``n_features`` columns."""
    kinds, dates = encoder.get("is_categorical_"), encoder.get("is_date_")
    date_features = encoder.get("date_features_")
    if (
        not isinstance(n_features, Integral)
        or n_features <= 0
        or encoder.get("n_features_in_") != n_features
        or not all(
            isinstance(mask, np.ndarray)
            and mask.dtype == bool
            and mask.shape == (n_features,)
            for mask in (kinds, dates)
        )
        or (kinds & dates).any()
        or not isinstance(date_features, list)
        or len(date_features) != dates.sum()
        or not all(
            isinstance(features, tuple)
            and features in (_dates.DATE_FEATURES, _dates.DATE_ONLY_FEATURES)
            for features in date_features
        )
        or encoder.get("n_numeric_features_")
        != int((~kinds & ~dates).sum()) + sum(map(len, date_features))
    ):
        raise ModelFileError(
            "the saved tabular estimator's encoder does not describe its "
            "n_features_in_ columns, each numeric, date or categorical once."
        )
    numeric, categorical = encoder["n_numeric_features_"] > 0, kinds.any()
    expected = {
        "numeric_encoder_": Pipeline if numeric else type(None),
        "missing_indicator_": MissingIndicator if numeric else type(None),
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
