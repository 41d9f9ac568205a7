"""sknn.MLPClassifier and sknn.MLPRegressor: scikit-learn's MLP contract on PyTorch.

This module speaks numpy only: the estimators' parameters, label and target encoding,
and the outputs of predict; the shared fit logic is in ``sknn._base`` and training and
inference go through the torch seam, ``sknn._torch``.
"""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import column_or_1d
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels

from sknn._base import _BaseMLP
from sknn._docstrings import classifier_doc, regressor_doc
from sknn._sklearn_compat import (
    Interval,
    StrOptions,
    _check_partial_fit_first_call,
    _fit_context,
)
from sknn._training import target_scaling

_FLOAT32_MAX = float(np.finfo(np.float32).max)  # the largest network output


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = classifier_doc()

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "loss": [StrOptions({"log_loss", "hinge"})],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        l1=0.0,
        device="cpu",
        weight_init="auto",
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        class_weight=None,
        loss="log_loss",
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding=None,
        embedding_dim=24,
        embedding_frequencies=48,
        embedding_frequency_scale=0.1,
        embedding_bins=48,
        embedded_features=None,
        scoring="score",
        restore_best="first",
        ensemble_size=1,
        label_smoothing=0.0,
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
        self.embedded_features = embedded_features
        self.scoring = scoring
        self.restore_best = restore_best
        self.ensemble_size = ensemble_size
        self.label_smoothing = label_smoothing

    @staticmethod
    def _score_function(y, y_pred, sample_weight=None):
        return accuracy_score(y, y_pred, sample_weight=sample_weight)

    def _with_class_weight(self, sample_weight, y):
        """sample_weight times each sample's class weight (None when both are)."""
        if self.class_weight is None:
            return sample_weight
        labels = self._label_binarizer.inverse_transform(y)
        weights = compute_sample_weight(self.class_weight, labels)
        return weights if sample_weight is None else sample_weight * weights

    def _label_smoothing(self):
        if self.label_smoothing and self.loss != "log_loss":
            raise ValueError(
                f"label_smoothing={self.label_smoothing!r} smooths the targets of "
                f"loss='log_loss'; loss={self.loss!r} has none. Set label_smoothing=0 "
                "or loss='log_loss'."
            )
        return float(self.label_smoothing)

    def _loss_kind(self):
        multiclass = self._label_binarizer.y_type_ == "multiclass"
        if self.loss == "hinge":
            return "multi_margin" if multiclass else "binary_hinge"
        return "softmax_log_loss" if multiclass else "logistic_log_loss"

    def _output_activation(self):
        if self.loss == "hinge":
            return "identity"  # margins: predict thresholds them at 0 or takes argmax
        return (
            "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"
        )

    def _check_proba(self):
        if self.loss != "log_loss":
            raise AttributeError(
                "probability estimates are not available for loss=%r" % self.loss
            )
        return True

    def _check_margins(self):
        if self.loss != "hinge":
            raise AttributeError(
                "decision_function is only available for loss='hinge'; with "
                f"loss={self.loss!r} use predict_proba."
            )
        return True

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validate_features(X, y, reset)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (not hasattr(self, "classes_")) or (not self.warm_start and not incremental):
            # one class fits too, as in scikit-learn: it is always predicted
            binarizer = LabelBinarizer().fit(y)
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        return X, self._one_hot(y)

    def _one_hot(self, y):
        """``self._label_binarizer.transform(y)`` as float32, for labels known to be
        in ``classes_``. Class labels are looked up in one pass: LabelBinarizer
        checks the target type twice more and goes through a sparse matrix, ~3 ms
        for 40000 labels, a third of a fit's fixed cost."""
        binarizer = self._label_binarizer
        if y.ndim != 1 or binarizer.y_type_ == "multilabel-indicator":
            return binarizer.transform(y).astype(np.float32)
        index = np.searchsorted(binarizer.classes_, y)
        if len(binarizer.classes_) <= 2:  # one column, as LabelBinarizer's
            return (index == 1).astype(np.float32).reshape(-1, 1)
        one_hot = np.zeros((len(y), len(binarizer.classes_)), dtype=np.float32)
        one_hot[np.arange(len(y)), index] = 1.0
        return one_hot

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values: class labels, or a label indicator matrix for
            multi-label classification.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Returns a trained MLP model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        classes : array of shape (n_classes,), default=None
            Classes across all calls to partial_fit. Can be obtained via
            `np.unique(y_all)`, where y_all is the target vector of the entire
            dataset. This argument is required for the first call to partial_fit and
            can be omitted in the subsequent calls. Note that y doesn't need to
            contain all labels in `classes`.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' needs the whole training set and is not "
                "supported by partial_fit. Pass a dict of class weights, or use fit."
            )
        before = self.__dict__.copy()
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        try:
            return self._fit(X, y, sample_weight=sample_weight, incremental=True)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _decode(self, activations, pre_activation=False):
        """Class labels from output activations (or pre-activations)."""
        if self.n_outputs_ == 1:
            activations = activations.ravel()
        margins = pre_activation or self.out_activation_ == "identity"
        threshold = 0.0 if margins else None
        return self._label_binarizer.inverse_transform(activations, threshold)

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray, shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        self._check_is_fitted()
        X = self._validate_predict_input(X)
        return self._decode(self._forward(X))

    @available_if(lambda est: est._check_margins())
    def decision_function(self, X):
        """Margins of the hinge-loss network (``loss='hinge'`` only).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        margins : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The output layer's values: for two classes, positive values predict
            ``classes_[1]``; otherwise the largest margin's class is predicted.
            Multi-label targets give one column per label.
        """
        self._check_is_fitted()
        X = self._validate_predict_input(X)
        margins = self._forward(X)
        return margins.ravel() if self.n_outputs_ == 1 else margins

    @available_if(lambda est: est._check_proba())
    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The predicted probability of the sample for each class in the model,
            where classes are ordered as they are in `self.classes_`.
        """
        self._check_is_fitted()
        X = self._validate_predict_input(X)
        y_prob = self._forward(X)
        if self.n_outputs_ == 1:
            y_prob = y_prob.ravel()
            return np.vstack([1 - y_prob, y_prob]).T
        return y_prob

    @available_if(lambda est: est._check_proba())
    def predict_log_proba(self, X):
        """Return the log of probability estimates.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The predicted log-probability of the sample for each class in the model,
            where classes are ordered as they are in `self.classes_`. Equivalent to
            `log(predict_proba(X))`.
        """
        y_prob = self.predict_proba(X)
        return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = regressor_doc()

    _parameter_constraints: dict = {
        **_BaseMLP._parameter_constraints,
        "clip_predictions": ["boolean"],
        "loss": [
            StrOptions(
                {
                    "squared_error",
                    "poisson",
                    "absolute_error",
                    "huber",
                    "squared_log_error",
                }
            )
        ],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        l1=0.0,
        device="cpu",
        weight_init="auto",
        max_grad_norm=None,
        gradient_accumulation_steps=1,
        batch_norm=False,
        lr_step_size=10,
        lr_gamma=0.1,
        checkpoint_dir=None,
        progress_bar=False,
        numeric_embedding=None,
        embedding_dim=24,
        embedding_frequencies=48,
        embedding_frequency_scale=0.1,
        embedding_bins=48,
        embedded_features=None,
        scoring="score",
        restore_best="first",
        ensemble_size=1,
        clip_predictions=False,
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
        self.embedded_features = embedded_features
        self.scoring = scoring
        self.restore_best = restore_best
        self.ensemble_size = ensemble_size
        self.clip_predictions = clip_predictions

    @staticmethod
    def _score_function(y, y_pred, sample_weight=None):
        return r2_score(y, y_pred, sample_weight=sample_weight)

    def _loss_kind(self):
        # squared_log_error is the squared error on log1p(y), predicted through expm1
        return "squared_error" if self.loss == "squared_log_error" else self.loss

    def _output_activation(self):
        return {"poisson": "exp", "squared_log_error": "expm1"}.get(
            self.loss, "identity"
        )

    def _initialize(self, y, layer_units, random_state, sample_weight=None):
        super()._initialize(y, layer_units, random_state, sample_weight)
        self._target_center, self._target_scale = target_scaling(
            y, self.loss, sample_weight
        )

    def _see_targets(self, y, reset):
        """With ``clip_predictions``, record the range of the targets fitted on
        (each output's min and max, a (2, n_outputs) float64 array), which
        predictions are then clipped to; a ``partial_fit`` widens it. Without it,
        None: the fitted model does not clip, whatever ``set_params`` says later."""
        seen = None
        if self.clip_predictions:
            seen = np.stack([y.min(axis=0), y.max(axis=0)]).astype(np.float64)
            previous = None if reset else getattr(self, "_target_range", None)
            if previous is not None:
                seen[0] = np.minimum(seen[0], previous[0])
                seen[1] = np.maximum(seen[1], previous[1])
        self._target_range = seen

    def _decode_may_overflow(self):
        """Whether some finite float32 network output decodes to a non-finite
        prediction: expm1 can, and a target scale near float64's range can."""
        if self.out_activation_ == "expm1":
            return True
        if getattr(self, "_target_scale", None) is None:
            return False
        # in float64: a float32 y's scale times _FLOAT32_MAX overflows float32
        center = np.abs(self._target_center.astype(np.float64))
        scale = self._target_scale.astype(np.float64)
        with np.errstate(over="ignore"):
            largest = center + scale * _FLOAT32_MAX
        return not np.isfinite(largest).all()

    def _training_targets(self, y):
        if self.loss == "squared_log_error":
            return np.log1p(y)
        if getattr(self, "_target_scale", None) is not None:
            # divided first: y - center can overflow for targets near float64's max
            scale = self._target_scale
            return y / scale - self._target_center / scale
        return y

    def _validate_input(self, X, y, incremental, reset):
        X, y = self._validate_features(X, y, reset, y_numeric=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for Poisson "
                "regression."
            )
        if self.loss == "squared_log_error" and np.any(y < 0):
            raise ValueError(
                "loss='squared_log_error' trains on log1p(y) and needs y >= 0; got a "
                f"minimum of {np.min(y)}. Use loss='squared_error' for such targets."
            )
        return X, y

    def _decode(self, activations, pre_activation=False):
        if pre_activation and self.out_activation_ == "exp":
            activations = np.exp(activations)
        elif pre_activation and self.out_activation_ == "expm1":
            activations = np.expm1(activations)
        elif getattr(self, "_target_scale", None) is not None:
            dtype = activations.dtype
            activations = activations * self._target_scale.astype(dtype)
            activations += self._target_center.astype(dtype)
        if getattr(self, "_target_range", None) is not None:
            with np.errstate(over="ignore"):  # beyond float32's range: infinite
                low, high = self._target_range.astype(activations.dtype)
            activations = np.clip(activations, low, high)
        if activations.shape[1] == 1:
            return activations.ravel()
        return activations

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Returns a trained MLP model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : ndarray of shape (n_samples,)
            The target values.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Trained MLP model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X, return_std=False):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        return_std : bool, default=False
            Also return the standard deviation of the ensemble's members'
            predictions (``ensemble_size`` above 1), as
            :class:`~sklearn.gaussian_process.GaussianProcessRegressor` returns
            its predictive one: how far the members disagree on each row.

            .. versionadded:: 0.1

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values (an ensemble's: its members' mean).

        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The standard deviation of the members' predictions. Only returned
            when ``return_std`` is True.
        """
        self._check_is_fitted()
        if return_std and self._fitted_network().ensemble_size == 1:
            raise ValueError(
                "return_std=True needs an ensemble (ensemble_size > 1): the standard "
                "deviation is that of its members' predictions, and this network "
                "has one member."
            )
        X = self._validate_predict_input(X)
        if not return_std:
            return self._decode(self._forward(X))
        members = self._forward(X, members=True)
        n, k, n_outputs = members.shape
        values = self._decode(members.reshape(n * k, n_outputs))
        values = values.reshape(n, k, n_outputs)
        # the mean as predict computes it: decoded after averaging
        y = self._decode(members.mean(axis=1))
        y_std = values.std(axis=1)
        return y, y_std.ravel() if n_outputs == 1 else y_std
