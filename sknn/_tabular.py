"""sknn.TabularMLPClassifier and sknn.TabularMLPRegressor: a tabular encoder and an
MLP, composed.

They take what HistGradientBoosting takes (a DataFrame of numeric, categorical and
date columns with missing values, or a numeric array with NaN) and hold two fitted
parts: a :class:`~sknn.preprocessing.TabularEncoder` (``encoder_``) that turns the
columns into numbers, the numeric ones first, and an :class:`~sknn.MLPClassifier` or
:class:`~sknn.MLPRegressor` (``mlp_``) trained on them, its numeric embedding over
the numeric columns (``embedded_features``); the MLP code does not know they exist.
Their defaults are ``RECIPE``, chosen on the real-data benchmark
(``tests/benchmarks/bench_tabular.py``). This module speaks numpy, pandas and
scikit-learn only.
"""

import math
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from sknn import _checkpoints, _dates
from sknn._base import _BaseMLP, with_plain_paths
from sknn._docstrings import tabular_doc
from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
from sknn._network import STOCHASTIC_SOLVERS
from sknn._sklearn_compat import _fit_context
from sknn.exceptions import ModelFileError
from sknn.preprocessing import (
    RobustScaleSmoothClipTransformer,
    TabularEncoder,
    _as_frame,
)

# the recipe: the MLP parameters whose defaults here differ from the MLPs'
RECIPE = {
    "hidden_layer_sizes": (128, 128),
    "activation": "silu",
    "solver": "adamw",
    "alpha": 0.0,
    "learning_rate": "cosine",
    "learning_rate_init": 0.002,
    "max_iter": 160,
    "early_stopping": True,
    "validation_fraction": 0.2,
    "beta_2": 0.95,
    "n_iter_no_change": 40,
    "dropout": 0.15,
    "weight_init": "kaiming_uniform",
    "numeric_embedding": "periodic",
    "embedding_dim": 8,
    "embedding_frequencies": 16,
    "scoring": "loss",
    "restore_best": "last",
}
BATCH_SIZE = 256  # batch_size='auto': this many training rows, or all if fewer

# the fitted MLP's attributes a tabular estimator shows as its own
NETWORK_ATTRIBUTES = (
    "classes_", "loss_", "best_loss_", "loss_curve_", "validation_scores_",
    "best_validation_score_", "t_", "coefs_", "intercepts_", "n_iter_", "n_layers_",
    "n_outputs_", "out_activation_", "history_", "checkpoint_path_",
)  # fmt: skip


def _network_attribute(name):
    """A read-only property: the fitted ``mlp_``'s attribute ``name``."""

    def get(self):
        mlp = self.__dict__.get("mlp_")
        if mlp is None or not hasattr(mlp, name):
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            )
        return getattr(mlp, name)

    return property(get, doc=f"The fitted network's ``{name}`` (``mlp_.{name}``).")


class _TabularMLP(BaseEstimator):
    """What the tabular classifier and regressor share; not for direct use."""

    _doc_link_module = _BaseMLP._doc_link_module
    _doc_link_template = _BaseMLP._doc_link_template
    _mlp_class = None  # the MLP estimator that trains on the encoded columns

    @staticmethod
    def _constraints(mlp_class):
        """The MLP's parameter constraints but ``embedded_features`` (the encoder
        decides it), and the encoder's column parameters."""
        constraints = dict(mlp_class._parameter_constraints)
        del constraints["embedded_features"]
        for name in ("categorical_features", "max_categories"):
            constraints[name] = TabularEncoder._parameter_constraints[name]
        return constraints

    @property
    def is_categorical_(self):
        """Boolean mask of the categorical columns (``encoder_.is_categorical_``)."""
        check_is_fitted(self)
        return self.encoder_.is_categorical_

    # ------------------------------------------------------------ fitting

    def _fit(self, X, y, train):
        """fit: a new encoder and network, or with ``warm_start`` the fitted ones
        going on."""
        goes_on = self.warm_start and "mlp_" in self.__dict__
        return self._train(X, y, train, goes_on=goes_on, holds_out=True)

    def _partial_fit(self, X, y, train):
        """partial_fit: the first call fits the encoder; the later ones go on."""
        goes_on = "mlp_" in self.__dict__
        return self._train(X, y, train, goes_on=goes_on, holds_out=False)

    def _resume(self, X, y, sample_weight):
        """Go on with the fit of this just-loaded checkpoint (see
        ``sknn.resume``): its encoder, its network and its parameters."""
        return self._train(
            X,
            y,
            lambda mlp, X: mlp._resume(X, y, sample_weight),
            goes_on=True,
            holds_out=True,
        )

    def _train(self, X, y, train, goes_on, holds_out):
        """Encode X (with the fitted encoder when the fitted network ``goes_on``,
        else a new one fitted to X) and call ``train(mlp, encoded)`` under this
        estimator's parameters; on any error the estimator is as it was."""
        before = self.__dict__.copy()
        try:
            X = self._validated(X, y, reset=not goes_on)
            if goes_on:
                encoder, mlp = self.encoder_, self.mlp_
                encoded = encoder._encode(X, fit=False)
            else:
                encoder = TabularEncoder(
                    categorical_features=self.categorical_features,
                    max_categories=self.max_categories,
                )
                encoded, mlp = encoder.fit_transform(X), self._mlp_class()
            mlp.set_params(**self._mlp_params(encoder, len(encoded), holds_out))
            with _checkpoints.saved_as(self._checkpoint_of(encoder), type(self)):
                train(mlp, encoded)
            self.encoder_, self.mlp_ = encoder, mlp
            return self
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _mlp_params(self, encoder, n_rows, holds_out):
        """The MLP's parameters: this estimator's, the numeric embedding over the
        encoder's numeric columns (none without them), and ``batch_size='auto'``
        as ``BATCH_SIZE`` of the ``n_rows`` (``holds_out``: less the early-stopping
        hold-out, sized as ``train_test_split`` sizes it)."""
        params = {
            name: getattr(self, name)
            for name in self._mlp_class._get_param_names()
            if name != "embedded_features"
        }
        n_numeric = encoder.n_numeric_features_
        if not n_numeric:
            params["numeric_embedding"] = None
        params["embedded_features"] = n_numeric or None
        if self.batch_size == "auto":
            if holds_out and self.early_stopping and self.solver in STOCHASTIC_SOLVERS:
                n_rows -= math.ceil(self.validation_fraction * n_rows)
            params["batch_size"] = max(1, min(BATCH_SIZE, n_rows))
        return params

    def _checkpoint_of(self, encoder):
        """What the network's checkpoints are saved as: this estimator (as fit
        has validated it so far) holding ``encoder`` and the checkpoint's MLP, so
        that ``sknn.resume`` gives back a tabular estimator."""
        state = dict(self.__dict__)

        def checkpoint(mlp):
            model = type(self).__new__(type(self))
            model.__dict__.update(state, encoder_=encoder, mlp_=mlp)
            return model

        return checkpoint

    def _validated(self, X, y, reset):
        """X as a DataFrame, its feature count and names checked (set when
        ``reset``) as scikit-learn does; y must be given."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None."
            )
        X = _as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=reset)
        return X

    def _check_partial_fit(self):
        """partial_fit exists for stochastic solvers without early stopping (the
        default here: it holds data out, which a stream of batches cannot)."""
        if self.early_stopping:
            raise AttributeError(
                "partial_fit is not available with early_stopping=True (the "
                f"default of {type(self).__name__}); set early_stopping=False to "
                "train on batches."
            )
        return _BaseMLP._check_solver(self)

    def find_lr(
        self,
        X,
        y,
        sample_weight=None,
        *,
        start_lr=1e-7,
        end_lr=10.0,
        num_iter=100,
        smooth_f=0.05,
        diverge_th=5.0,
    ):
        X = _as_frame(X, self)
        encoder = TabularEncoder(
            categorical_features=self.categorical_features,
            max_categories=self.max_categories,
        )
        encoded = encoder.fit_transform(X)
        mlp = self._mlp_class(**self._mlp_params(encoder, len(encoded), True))
        return mlp.find_lr(
            encoded,
            y,
            sample_weight,
            start_lr=start_lr,
            end_lr=end_lr,
            num_iter=num_iter,
            smooth_f=smooth_f,
            diverge_th=diverge_th,
        )

    find_lr.__doc__ = _BaseMLP.find_lr.__doc__.replace(
        "preprocessed as for ``fit``", "raw columns, as ``fit`` takes them"
    )

    # ------------------------------------------------------------ prediction

    def _encode(self, X):
        """The network's input for raw X: checked once here, then encoded by the
        fitted encoder (in X's precision, as the MLPs predict)."""
        check_is_fitted(self)
        X = _as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=False)
        return self.encoder_._encode(X, fit=False)

    # ------------------------------------------------------------ state

    def __getstate__(self):
        return with_plain_paths(dict(super().__getstate__()))

    def __setstate__(self, state):
        """Become the saved estimator once its parts are checked to fit together
        (a file may be hostile; the MLP checked its own network when built)."""
        _check_parts(state, self._mlp_class)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


for _name in NETWORK_ATTRIBUTES:
    setattr(_TabularMLP, _name, _network_attribute(_name))


def _check_parts(state, mlp_class):
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


class TabularMLPClassifier(ClassifierMixin, _TabularMLP):
    _mlp_class = MLPClassifier
    _parameter_constraints: dict = _TabularMLP._constraints(MLPClassifier)

    def __init__(
        self,
        hidden_layer_sizes=RECIPE["hidden_layer_sizes"],
        activation=RECIPE["activation"],
        *,
        solver=RECIPE["solver"],
        alpha=RECIPE["alpha"],
        batch_size="auto",
        learning_rate=RECIPE["learning_rate"],
        learning_rate_init=RECIPE["learning_rate_init"],
        power_t=0.5,
        max_iter=RECIPE["max_iter"],
        shuffle=True,
        random_state=None,
        tol=0.0001,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=RECIPE["early_stopping"],
        validation_fraction=RECIPE["validation_fraction"],
        beta_1=0.9,
        beta_2=RECIPE["beta_2"],
        epsilon=1e-08,
        n_iter_no_change=RECIPE["n_iter_no_change"],
        max_fun=15000,
        dropout=RECIPE["dropout"],
        l1=0.0,
        device="cpu",
        weight_init=RECIPE["weight_init"],
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        class_weight=None,
        loss="log_loss",
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding=RECIPE["numeric_embedding"],
        embedding_dim=RECIPE["embedding_dim"],
        embedding_frequencies=RECIPE["embedding_frequencies"],
        embedding_frequency_scale=0.1,
        scoring=RECIPE["scoring"],
        restore_best=RECIPE["restore_best"],
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the encoder to X's columns, then the network to the encoded X and y.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns; missing values allowed.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The class labels (a label indicator matrix for multi-label
            classification).

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, lambda mlp, X: mlp.fit(X, y, sample_weight))

    @available_if(lambda est: est._check_partial_fit())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the network with one epoch over the given rows; the first call
        fits the encoder to them.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        y : array-like of shape (n_samples,)
            The class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        classes : array of shape (n_classes,), default=None
            Classes across all calls to partial_fit; required for the first call.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._partial_fit(
            X, y, lambda mlp, X: mlp.partial_fit(X, y, sample_weight, classes=classes)
        )

    def predict(self, X):
        """Predict the class labels of X's rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        return self.mlp_.predict(self._encode(X))

    @available_if(lambda est: MLPClassifier._check_proba(est))
    def predict_proba(self, X):
        """Probability estimates of X's rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The predicted probability of each class, in the order of ``classes_``.
        """
        return self.mlp_.predict_proba(self._encode(X))

    @available_if(lambda est: MLPClassifier._check_proba(est))
    def predict_log_proba(self, X):
        """Log of the probability estimates of X's rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``.
        """
        return self.mlp_.predict_log_proba(self._encode(X))

    @available_if(lambda est: MLPClassifier._check_margins(est))
    def decision_function(self, X):
        """The network's margins for X's rows (``loss='hinge'``).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        Returns
        -------
        margins : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Positive for the positive class (binary), largest for the predicted
            class (multiclass).
        """
        return self.mlp_.decision_function(self._encode(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class TabularMLPRegressor(RegressorMixin, _TabularMLP):
    _mlp_class = MLPRegressor
    _parameter_constraints: dict = _TabularMLP._constraints(MLPRegressor)

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=RECIPE["hidden_layer_sizes"],
        activation=RECIPE["activation"],
        *,
        solver=RECIPE["solver"],
        alpha=RECIPE["alpha"],
        batch_size="auto",
        learning_rate=RECIPE["learning_rate"],
        learning_rate_init=RECIPE["learning_rate_init"],
        power_t=0.5,
        max_iter=RECIPE["max_iter"],
        shuffle=True,
        random_state=None,
        tol=0.0001,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=RECIPE["early_stopping"],
        validation_fraction=RECIPE["validation_fraction"],
        beta_1=0.9,
        beta_2=RECIPE["beta_2"],
        epsilon=1e-08,
        n_iter_no_change=RECIPE["n_iter_no_change"],
        max_fun=15000,
        dropout=RECIPE["dropout"],
        l1=0.0,
        device="cpu",
        weight_init=RECIPE["weight_init"],
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding=RECIPE["numeric_embedding"],
        embedding_dim=RECIPE["embedding_dim"],
        embedding_frequencies=RECIPE["embedding_frequencies"],
        embedding_frequency_scale=0.1,
        scoring=RECIPE["scoring"],
        restore_best=RECIPE["restore_best"],
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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the encoder to X's columns, then the network to the encoded X and y.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns; missing values allowed.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, lambda mlp, X: mlp.fit(X, y, sample_weight))

    @available_if(lambda est: est._check_partial_fit())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the network with one epoch over the given rows; the first call
        fits the encoder to them.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The estimator.
        """
        return self._partial_fit(
            X, y, lambda mlp, X: mlp.partial_fit(X, y, sample_weight)
        )

    def predict(self, X):
        """Predict the targets of X's rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        return self.mlp_.predict(self._encode(X))


TabularMLPClassifier.__doc__ = tabular_doc(
    TabularMLPClassifier, MLPClassifier, "Classifier"
)
TabularMLPRegressor.__doc__ = tabular_doc(
    TabularMLPRegressor, MLPRegressor, "Regressor"
)
