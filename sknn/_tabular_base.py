"""What the tabular classifier and regressor share: the recipe of their defaults,
and ``_TabularMLP``, which composes a fitted
:class:`~sknn.preprocessing.TabularEncoder` (``encoder_``) and a fitted MLP
(``mlp_``). numpy, pandas and scikit-learn only."""

import math

from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from sknn._base import _BaseMLP
from sknn._columns import as_frame
from sknn._fitted_model import with_plain_paths
from sknn._network import STOCHASTIC_SOLVERS
from sknn._sklearn_compat import StrOptions, _fit_context
from sknn._tabular_state import check_parts
from sknn.preprocessing import TabularEncoder

# the recipe: the MLP parameters whose defaults here differ from the MLPs'
RECIPE = {
    "hidden_layer_sizes": (128, 128),
    "activation": "silu",
    "solver": "adamw",
    "alpha": 0.0,
    "learning_rate": "cosine",
    "learning_rate_init": 0.002,
    "max_iter": "auto",
    "early_stopping": True,
    "validation_fraction": 0.2,
    "beta_2": 0.95,
    "n_iter_no_change": 40,
    "dropout": 0.15,
    "weight_init": "kaiming_uniform",
    "numeric_embedding": "piecewise_linear",
    "embedding_dim": 8,
    "embedding_frequencies": 16,
    "scoring": "loss",
    "restore_best": "last",
}
# the classifier's recipe adds an ensemble of 4 members (TabM-mini): their mean
# probability lowers the benchmark's mean log-loss by 0.011 and raises its accuracy
# by 0.0031 (regression's RMSE an ensemble raised 0.9%); it stops after 20 epochs
# without a better loss, not 40, which cost 1.23x the fit time for the same scores.
# Its dropout is 0.25: against 0.15, the benchmark's log-loss 0.0026 lower and
# accuracy 0.0013 higher, the held-out sets' log-loss 0.0021 lower; 0.2 changed
# neither group's much, 0.3 and 0.4 cost the benchmark's accuracy
CLASSIFIER_RECIPE = {
    **RECIPE,
    "n_iter_no_change": 20,
    "ensemble_size": 4,
    "dropout": 0.25,
}
# the regressor clips its predictions to the range of the targets fitted on, as
# RealMLP_TD does (pytabkit's clamp_output): a row unlike the training rows cannot
# send a prediction beyond every target seen (diamonds' RMSE fell 1.4%)
REGRESSOR_RECIPE = {**RECIPE, "clip_predictions": True}
# batch_size='auto': batches of equal size, at most this many training rows each (all
# rows, if fewer): 514 rows train as 172, 172 and 170, not as 256, 256 and a 2-row
# batch whose noisy step Adam takes at full size. Against 256-row batches: on the
# held-out data sets RMSE 1.6% lower (car_prices 13%), log-loss 0.0007 lower; on the
# benchmark RMSE 0.5% higher (ames 2.7%), log-loss 0.0010 higher
BATCH_SIZE = 256
# max_iter='auto': this many epochs, or as many as make AUTO_BATCHES batches where
# the training rows are few. Against 160 epochs on the benchmark: RMSE 1.2% lower
# (concrete's, which ran all 160, 7.2%), log-loss 0.0034 higher (breast cancer's);
# on the held-out data sets alike (RMSE 0.5% lower, log-loss 0.0002 lower)
AUTO_EPOCHS, AUTO_BATCHES = 160, 4000

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
        constraints["max_iter"] = [*constraints["max_iter"], StrOptions({"auto"})]
        for name in ("categorical_features", "max_categories", "high_cardinality"):
            constraints[name] = TabularEncoder._parameter_constraints[name]
        return constraints

    @property
    def is_categorical_(self):
        """Boolean mask of the categorical columns (``encoder_.is_categorical_``)."""
        check_is_fitted(self)
        return self.encoder_.is_categorical_

    # ------------------------------------------------------------ fitting

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the encoder to X's columns, then the network to the encoded X and y
        (with ``warm_start``, the fitted encoder and network go on).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns; missing values allowed.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        goes_on = self.warm_start and "mlp_" in self.__dict__
        return self._train(
            X,
            y,
            lambda mlp, X: mlp.fit(X, y, sample_weight),
            goes_on=goes_on,
            streamed=False,
        )

    def _partial_fit(self, X, y, train):
        """partial_fit: the first call fits the encoder; the later ones go on."""
        goes_on = "mlp_" in self.__dict__
        return self._train(X, y, train, goes_on=goes_on, streamed=True)

    def _resume(self, X, y, sample_weight):
        """Go on with the fit of this just-loaded checkpoint (see
        ``sknn.resume``): its encoder, its network and its parameters."""
        return self._train(
            X,
            y,
            lambda mlp, X: mlp._resume(X, y, sample_weight),
            goes_on=True,
            streamed=False,
        )

    def _train(self, X, y, train, goes_on, streamed):
        """Encode X (with the fitted encoder when the fitted network ``goes_on``,
        else a new one fitted to X) and call ``train(mlp, encoded)`` under this
        estimator's parameters; on any error the estimator is as it was."""
        from sknn import _checkpoints  # the torch seam's: imported to train only

        before = self.__dict__.copy()
        try:
            X = self._validated(X, y, reset=not goes_on)
            if goes_on:
                encoder, mlp = self.encoder_, self.mlp_
                encoded = encoder._encode(X, fit=False)
            else:
                encoder = self._encoder()
                encoded, mlp = encoder.fit_transform(X, y), self._mlp_class()
            mlp.set_params(**self._mlp_params(encoder, len(encoded), streamed))
            with _checkpoints.saved_as(self._checkpoint_of(encoder), type(self)):
                train(mlp, encoded)
            self.encoder_, self.mlp_ = encoder, mlp
            return self
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _encoder(self):
        """A new TabularEncoder of this estimator's column parameters."""
        return TabularEncoder(
            categorical_features=self.categorical_features,
            max_categories=self.max_categories,
            high_cardinality=self.high_cardinality,
            random_state=self.random_state,
        )

    def _mlp_params(self, encoder, n_rows, streamed):
        """The MLP's parameters: this estimator's, the numeric embedding over the
        encoder's numeric columns (none without them), and the 'auto' sizes of the
        fit of ``n_rows`` (less the early-stopping hold-out, sized as
        ``train_test_split`` sizes it): ``batch_size`` the size of the fewest equal
        batches of at most ``BATCH_SIZE`` of them, and ``max_iter`` ``AUTO_EPOCHS``,
        or as many as make ``AUTO_BATCHES`` batches.
        ``streamed``: a ``partial_fit`` call, whose rows are one batch of a stream
        of unknown length; its ``max_iter='auto'`` is ``AUTO_EPOCHS``."""
        params = {
            name: getattr(self, name)
            for name in self._mlp_class._get_param_names()
            if name != "embedded_features"
        }
        n_numeric = encoder.n_numeric_features_
        if not n_numeric:
            params["numeric_embedding"] = None
        params["embedded_features"] = n_numeric or None
        stochastic = self.solver in STOCHASTIC_SOLVERS
        if not streamed and self.early_stopping and stochastic:
            n_rows -= math.ceil(self.validation_fraction * n_rows)
        rows = max(1, n_rows)
        if self.batch_size == "auto":  # the fewest equal batches of BATCH_SIZE at most
            params["batch_size"] = math.ceil(rows / math.ceil(rows / BATCH_SIZE))
        if self.max_iter == "auto":
            params["max_iter"] = AUTO_EPOCHS
            if stochastic and not streamed:  # AUTO_BATCHES on a small data set
                per_epoch = math.ceil(rows / min(params["batch_size"], rows))
                params["max_iter"] = max(AUTO_EPOCHS, -(-AUTO_BATCHES // per_epoch))
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
        X = as_frame(X, self)
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
        X = as_frame(X, self)
        encoder = self._encoder()
        encoded = encoder.fit_transform(X, y)
        mlp = self._mlp_class(**self._mlp_params(encoder, len(encoded), streamed=False))
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

    def predict(self, X):
        """Predict the targets of X's rows (class labels in classification, real
        numbers in regression).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The input columns.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        encoded = self._encode(X)
        return self.mlp_.predict(encoded)

    def _encode(self, X):
        """The network's input for raw X: checked once here, then encoded by the
        fitted encoder (in X's precision, as the MLPs predict)."""
        check_is_fitted(self)
        X = as_frame(X, self)
        validate_data(self, X, skip_check_array=True, reset=False)
        return self.encoder_._encode(X, fit=False)

    # ------------------------------------------------------------ state

    def __getstate__(self):
        return with_plain_paths(dict(super().__getstate__()))

    def __setstate__(self, state):
        """Become the saved estimator once its parts are checked to fit together
        (a file may be hostile; the MLP checked its own network when built)."""
        check_parts(state, self._mlp_class)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        return tags


for _name in NETWORK_ATTRIBUTES:
    setattr(_TabularMLP, _name, _network_attribute(_name))
