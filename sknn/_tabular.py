"""sknn.TabularMLPClassifier and sknn.TabularMLPRegressor: a tabular encoder and an
MLP, composed.

They take what HistGradientBoosting takes (a DataFrame of numeric, categorical and
date columns with missing values, or a numeric array with NaN) and hold two fitted
parts: a :class:`~sknn.preprocessing.TabularEncoder` (``encoder_``) that turns the
columns into numbers, the numeric ones first, and an :class:`~sknn.MLPClassifier` or
:class:`~sknn.MLPRegressor` (``mlp_``) trained on them, its numeric embedding over
the numeric columns (``embedded_features``); the MLP code does not know they exist.
Their defaults are ``CLASSIFIER_RECIPE`` and ``REGRESSOR_RECIPE``, chosen on the
real-data benchmark (``tests/benchmarks/bench_tabular.py``). This module speaks
numpy, pandas and scikit-learn only.
"""

from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if

from sknn._multilayer_perceptron import MLPClassifier, MLPRegressor
from sknn._sklearn_compat import _fit_context
from sknn._tabular_base import CLASSIFIER_RECIPE, REGRESSOR_RECIPE, _TabularMLP
from sknn._tabular_docs import tabular_doc


class TabularMLPClassifier(ClassifierMixin, _TabularMLP):
    _mlp_class = MLPClassifier
    _parameter_constraints: dict = _TabularMLP._constraints(MLPClassifier)

    def __init__(
        self,
        hidden_layer_sizes=CLASSIFIER_RECIPE["hidden_layer_sizes"],
        activation=CLASSIFIER_RECIPE["activation"],
        *,
        solver=CLASSIFIER_RECIPE["solver"],
        alpha=CLASSIFIER_RECIPE["alpha"],
        batch_size="auto",
        learning_rate=CLASSIFIER_RECIPE["learning_rate"],
        learning_rate_init=CLASSIFIER_RECIPE["learning_rate_init"],
        power_t=0.5,
        max_iter=CLASSIFIER_RECIPE["max_iter"],
        shuffle=True,
        random_state=None,
        tol=0.0001,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=CLASSIFIER_RECIPE["early_stopping"],
        validation_fraction=CLASSIFIER_RECIPE["validation_fraction"],
        beta_1=0.9,
        beta_2=CLASSIFIER_RECIPE["beta_2"],
        epsilon=1e-08,
        n_iter_no_change=CLASSIFIER_RECIPE["n_iter_no_change"],
        max_fun=15000,
        dropout=CLASSIFIER_RECIPE["dropout"],
        l1=0.0,
        device="cpu",
        weight_init=CLASSIFIER_RECIPE["weight_init"],
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        class_weight=None,
        loss="log_loss",
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding=CLASSIFIER_RECIPE["numeric_embedding"],
        embedding_dim=CLASSIFIER_RECIPE["embedding_dim"],
        embedding_frequencies=CLASSIFIER_RECIPE["embedding_frequencies"],
        embedding_frequency_scale=0.1,
        embedding_bins=48,
        scoring=CLASSIFIER_RECIPE["scoring"],
        restore_best=CLASSIFIER_RECIPE["restore_best"],
        ensemble_size=CLASSIFIER_RECIPE["ensemble_size"],
        label_smoothing=0.0,
        categorical_features="from_dtype",
        max_categories=16,
        high_cardinality="target",
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
        self.embedding_bins = embedding_bins
        self.scoring = scoring
        self.restore_best = restore_best
        self.ensemble_size = ensemble_size
        self.label_smoothing = label_smoothing
        self.categorical_features = categorical_features
        self.max_categories = max_categories
        self.high_cardinality = high_cardinality

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
        encoded = self._encode(X)
        return self.mlp_.predict_proba(encoded)

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
        encoded = self._encode(X)
        return self.mlp_.predict_log_proba(encoded)

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
        encoded = self._encode(X)
        return self.mlp_.decision_function(encoded)

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
        hidden_layer_sizes=REGRESSOR_RECIPE["hidden_layer_sizes"],
        activation=REGRESSOR_RECIPE["activation"],
        *,
        solver=REGRESSOR_RECIPE["solver"],
        alpha=REGRESSOR_RECIPE["alpha"],
        batch_size="auto",
        learning_rate=REGRESSOR_RECIPE["learning_rate"],
        learning_rate_init=REGRESSOR_RECIPE["learning_rate_init"],
        power_t=0.5,
        max_iter=REGRESSOR_RECIPE["max_iter"],
        shuffle=True,
        random_state=None,
        tol=0.0001,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=REGRESSOR_RECIPE["early_stopping"],
        validation_fraction=REGRESSOR_RECIPE["validation_fraction"],
        beta_1=0.9,
        beta_2=REGRESSOR_RECIPE["beta_2"],
        epsilon=1e-08,
        n_iter_no_change=REGRESSOR_RECIPE["n_iter_no_change"],
        max_fun=15000,
        dropout=REGRESSOR_RECIPE["dropout"],
        l1=0.0,
        device="cpu",
        weight_init=REGRESSOR_RECIPE["weight_init"],
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding=REGRESSOR_RECIPE["numeric_embedding"],
        embedding_dim=REGRESSOR_RECIPE["embedding_dim"],
        embedding_frequencies=REGRESSOR_RECIPE["embedding_frequencies"],
        embedding_frequency_scale=0.1,
        embedding_bins=48,
        scoring=REGRESSOR_RECIPE["scoring"],
        restore_best=REGRESSOR_RECIPE["restore_best"],
        ensemble_size=1,
        clip_predictions=REGRESSOR_RECIPE["clip_predictions"],
        categorical_features="from_dtype",
        max_categories=16,
        high_cardinality="one_hot",
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
        self.embedding_bins = embedding_bins
        self.scoring = scoring
        self.restore_best = restore_best
        self.ensemble_size = ensemble_size
        self.clip_predictions = clip_predictions
        self.categorical_features = categorical_features
        self.max_categories = max_categories
        self.high_cardinality = high_cardinality

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

    def predict(self, X, return_std=False):
        """Predict the targets of X's rows.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        return_std : bool, default=False
            Also return the standard deviation of the ensemble's members'
            predictions (``ensemble_size`` above 1): see
            :meth:`sknn.MLPRegressor.predict`.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.

        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The standard deviation of the members' predictions. Only returned
            when ``return_std`` is True.
        """
        encoded = self._encode(X)  # checks that the estimator is fitted
        return self.mlp_.predict(encoded, return_std=return_std)


TabularMLPClassifier.__doc__ = tabular_doc(
    MLPClassifier, "Classifier", CLASSIFIER_RECIPE,
    TabularMLPClassifier().high_cardinality,
)  # fmt: skip
TabularMLPRegressor.__doc__ = tabular_doc(
    MLPRegressor, "Regressor", REGRESSOR_RECIPE, TabularMLPRegressor().high_cardinality
)
