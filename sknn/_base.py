"""The fit logic MLPClassifier and MLPRegressor share, in numpy.

It validates parameters and data, splits off the early-stopping hold-out, initializes
the weights, hands a frozen config to the torch seam (``sknn._torch``) and sets the
fitted attributes from what comes back.
"""

import copy
import os
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

# the torch seam (and what imports it) is imported where a fit, a device other
# than the CPU or a rebuilt net needs it: a model loaded to predict on the CPU
# predicts in numpy and never waits for torch's import
from sknn import _inference
from sknn._docstrings import FIND_LR_DOC
from sknn._fitted_model import _FittedModelMixin
from sknn._initialization import (
    WEIGHT_INITS,
    bin_edges,
    initial_extra_state,
    initial_layers,
)
from sknn._network import (
    ANNEALED_SCHEDULES,
    HIDDEN_ACTIVATIONS,
    LEARNING_RATES,
    NUMERIC_EMBEDDINGS,
    RESTORE_BEST,
    SCORINGS,
    SOLVERS,
    STOCHASTIC_SOLVERS,
    Network,
)
from sknn._sklearn_compat import (
    Interval,
    Options,
    StrOptions,
    _check_optimize_result,
    _check_sample_weight,
)
from sknn._training import ConvergenceState, Training


class _BaseMLP(_FittedModelMixin, BaseEstimator):
    """Shared fit logic of MLPClassifier and MLPRegressor; not for direct use."""

    # the HTML repr's "?" link: sknn's API page, not scikit-learn's
    _doc_link_module = "sknn"
    _doc_link_template = (
        "https://sknn.readthedocs.io/en/stable/api.html"
        "#{estimator_module}.{estimator_name}"
    )

    _auto_batch_size = 200  # batch_size="auto": this many rows, or all if fewer

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions(set(SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions(set(LEARNING_RATES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "l1": [Interval(Real, 0, None, closed="left")],
        "device": [str],
        "weight_init": [StrOptions(WEIGHT_INITS)],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "gradient_accumulation_steps": [Interval(Integral, 1, None, closed="left")],
        "batch_norm": ["boolean"],
        "lr_step_size": [Interval(Integral, 1, None, closed="left")],
        "lr_gamma": [Interval(Real, 0, 1, closed="right")],
        "checkpoint_dir": [str, os.PathLike, None],
        "progress_bar": ["boolean"],
        "numeric_embedding": [StrOptions(set(NUMERIC_EMBEDDINGS)), None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "embedding_frequencies": [Interval(Integral, 1, None, closed="left")],
        "embedding_frequency_scale": [Interval(Real, 0, None, closed="neither")],
        "embedding_bins": [Interval(Integral, 2, None, closed="left")],
        "embedded_features": [Interval(Integral, 1, None, closed="left"), None],
        "scoring": [StrOptions(set(SCORINGS))],
        "restore_best": [StrOptions(set(RESTORE_BEST))],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
    }

    # ------------------------------------------------------------------ fitting

    def _fit(self, X, y, sample_weight=None, incremental=False, resume=None):
        """Fit, or on any error leave the estimator exactly as it was. ``resume``, a
        checkpoint's :class:`sknn._training.Snapshot`, goes on with its fit."""
        before = self.__dict__.copy()
        try:
            return self._fit_unguarded(X, y, sample_weight, incremental, resume)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def _fit_unguarded(self, X, y, sample_weight, incremental, resume):
        from sknn import _checkpoints, _torch

        net, network, training, data = self._prepare_training(
            X, y, sample_weight, incremental
        )
        if resume is not None:  # a checkpoint's weights and bookkeeping, not a restart
            self.coefs_, self.intercepts_ = resume.coefs, resume.intercepts
            self._extra_state = resume.extra_state
            self._convergence = resume.state
        checkpoint = None
        if self.checkpoint_dir is not None and self.solver != "lbfgs":
            checkpoint = _checkpoints.writer(self, incremental or resume is not None)
        net, result = _torch.train(
            net,
            network,
            training,
            verbose=int(self.verbose),
            progress_bar=bool(self.progress_bar),
            coefs=self.coefs_,
            intercepts=self.intercepts_,
            extra_state=self._extra_state,
            state=copy.deepcopy(self._convergence),
            incremental=incremental,
            checkpoint=checkpoint,
            resume=resume,
            **data,
        )
        if not all(np.isfinite(w).all() for w in result.coefs + result.intercepts):
            raise ValueError(
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
        self._set_fitted(net, result)
        if self._decode_may_overflow():
            self._check_finite_predictions(data["X"], data["X_val"])
        return self

    def _resume(self, X, y, sample_weight):
        """Go on with the fit of this just-loaded checkpoint: see ``sknn.resume``."""
        from sknn import _checkpoints

        snapshot = _checkpoints.snapshot_to_resume(self)
        if snapshot is None:
            return self  # the fit had ended: nothing left to train
        return self._fit(X, y, sample_weight, incremental=False, resume=snapshot)

    def _see_targets(self, y, reset):
        """Record what a fit needs to know of its targets ``y`` (2-D) beyond the
        network (the regressor's range); ``reset``: forget earlier fits'."""

    def _decode_may_overflow(self):
        """Whether a finite network output can decode to a non-finite prediction
        (the regressor's output transforms can)."""
        return False

    def _check_finite_predictions(self, *parts):
        """Raise unless the predictions on the training data are finite."""
        for X in parts:
            if X is None:
                continue
            with np.errstate(over="ignore", invalid="ignore"):
                predictions = self._decode(self._forward(X))
            if not np.isfinite(predictions).all():
                # float32 rows predict in float32: float64 rows may hold them
                rows = (
                    " or give float64 rows" if predictions.dtype == np.float32 else ""
                )
                raise ValueError(
                    "The fitted network's predictions on its own training data are not "
                    f"finite: they exceed {predictions.dtype}'s range, the precision "
                    "of the rows. The targets are too large for the model; rescale y "
                    f"(e.g. with sklearn.compose.TransformedTargetRegressor){rows} "
                    "and fit again."
                )

    def _prepare_training(self, X, y, sample_weight, incremental):
        """Validate, encode, initialize and split as fit does; return the net to go
        on training (None for a new one), the network's record, the training
        settings, and the data keywords of ``_torch.train``."""
        from sknn import _torch

        hidden_layer_sizes = self.hidden_layer_sizes
        if not hasattr(hidden_layer_sizes, "__iter__"):
            hidden_layer_sizes = [hidden_layer_sizes]
        hidden_layer_sizes = list(hidden_layer_sizes)
        if np.any(np.array(hidden_layer_sizes) <= 0):
            raise ValueError(
                "hidden_layer_sizes must be > 0, got %s." % hidden_layer_sizes
            )
        dropout = self._dropout_per_layer(len(hidden_layer_sizes))
        device = _torch.resolve_device(self.device)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")

        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        sample_weight = self._with_class_weight(sample_weight, y)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        n_samples, n_features = X.shape
        n_outputs = y.shape[1]
        network = self._network(n_features, hidden_layer_sizes, dropout, n_outputs)
        layer_units = list(network.layer_units)
        random_state = check_random_state(self.random_state)

        if first_pass:
            self._initialize(y, network, random_state, sample_weight)
        elif getattr(self, "_fitted_loss", None) not in (None, self.loss):
            raise ValueError(
                f"loss={self.loss!r} differs from the previous fit's "
                f"{self._fitted_loss!r}, whose network this fit would go on from. "
                "Set warm_start=False (or start a new partial_fit) to change the loss."
            )
        elif [c.shape[0] for c in self.coefs_] + [n_outputs] != layer_units:
            raise ValueError(
                "The network's layer sizes changed since the previous fit: it has "
                f"{[c.shape[0] for c in self.coefs_] + [self.n_outputs_]} units, the "
                f"parameters now ask for {layer_units}. Set warm_start=False to start "
                "afresh."
            )
        elif (fitted := self._fitted_network()).ensemble_size != network.ensemble_size:
            raise ValueError(
                f"ensemble_size={network.ensemble_size} differs from the previous "
                f"fit's {fitted.ensemble_size}, whose network this fit would go on "
                "from. Set warm_start=False (or start a new partial_fit) to change it."
            )
        elif network.embedding_state_shapes() != fitted.embedding_state_shapes():
            raise ValueError(
                f"The numeric embedding changed since the previous fit: its arrays "
                f"were {fitted.embedding_state_shapes()}, the parameters now ask for "
                f"{network.embedding_state_shapes()}. Set warm_start=False to start "
                "afresh."
            )
        self._see_targets(y, reset=first_pass)
        # partial_fit trains a copy of the net, so a failure leaves the model whole
        net = None
        if incremental and not first_pass:
            net = copy.deepcopy(self._fitted_net())

        X_val = y_val = sample_weight_val = valid_score = None
        X_train, y_train, sample_weight_train = X, y, sample_weight
        if self.early_stopping and self.solver in STOCHASTIC_SOLVERS:
            (X_train, X_val, y_train, y_val, sample_weight_train, sample_weight_val) = (
                self._validation_split(X, y, sample_weight, random_state)
            )

            labels_val = (
                self._label_binarizer.inverse_transform(y_val)
                if is_classifier(self)
                else y_val
            )

            def valid_score(raw):
                return self._score_raw(raw, labels_val, sample_weight_val)

        if first_pass:  # the bins of the rows trained on, fixed from now on
            self._extra_state.update(bin_edges(network, X_train))

        if self.batch_size == "auto":
            batch_size = min(self._auto_batch_size, X_train.shape[0])
        else:
            if self.batch_size > X_train.shape[0]:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than "
                    "sample size. It is going to be clipped"
                )
            batch_size = int(np.clip(self.batch_size, 1, X_train.shape[0]))
        if self.batch_norm and batch_size < 2:
            raise ValueError(
                "batch_norm=True needs at least 2 samples per batch, got "
                f"{batch_size} sample(s) (batch_size={self.batch_size!r}, "
                f"{X_train.shape[0]} training samples). Use batch_norm=False for such "
                "data, or a batch_size of 2 or more."
            )

        y_train = self._training_targets(y_train)
        training = Training(
            loss=self._loss_kind(),
            solver=self.solver,
            alpha=float(self.alpha),
            l1=float(self.l1),
            batch_size=batch_size,
            learning_rate=self.learning_rate,
            learning_rate_init=float(self.learning_rate_init),
            power_t=float(self.power_t),
            max_iter=int(self.max_iter),
            shuffle=bool(self.shuffle),
            tol=float(self.tol),
            label_smoothing=self._label_smoothing(),
            scoring=self.scoring,
            restore_best=self.restore_best,
            momentum=float(self.momentum),
            nesterovs_momentum=bool(self.nesterovs_momentum),
            early_stopping=bool(X_val is not None),
            n_iter_no_change=self.n_iter_no_change,
            beta_1=float(self.beta_1),
            beta_2=float(self.beta_2),
            epsilon=float(self.epsilon),
            max_fun=int(self.max_fun),
            device=device,
            seed=int(random_state.randint(np.iinfo(np.int32).max)),
            max_grad_norm=self.max_grad_norm,
            gradient_accumulation_steps=int(self.gradient_accumulation_steps),
            lr_step_size=int(self.lr_step_size),
            lr_gamma=float(self.lr_gamma),
        )
        data = dict(
            X=X_train,
            y=y_train,
            sample_weight=sample_weight_train,
            X_val=X_val,
            y_val=None if y_val is None else self._training_targets(y_val),
            sample_weight_val=sample_weight_val,
            valid_score=valid_score,
        )
        return net, network, training, data

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
        from sknn import _lr_finder

        return _lr_finder.find_lr(
            self, X, y, sample_weight, start_lr, end_lr, num_iter, smooth_f, diverge_th
        )

    find_lr.__doc__ = FIND_LR_DOC

    def _dropout_per_layer(self, n_hidden):
        if isinstance(self.dropout, Real):
            return (float(self.dropout),) * n_hidden
        dropout = tuple(float(p) for p in np.ravel(self.dropout))
        if len(dropout) != n_hidden or not all(0 <= p < 1 for p in dropout):
            raise ValueError(
                f"dropout must be a float in [0, 1) or one such value per hidden layer "
                f"({n_hidden} here), got {self.dropout!r}."
            )
        return dropout

    def _initialize(self, y, network, random_state, sample_weight=None):
        """Set the attributes of a first fit and draw the initial weights as sklearn."""
        layer_units = network.layer_units
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self._fitted_loss = self.loss
        self.coefs_, self.intercepts_ = initial_layers(
            network, self.weight_init, self.activation, random_state
        )
        self._net = None
        self.__dict__.pop("_net_state", None)  # a loaded net's: this fit starts anew
        self._extra_state = initial_extra_state(
            network, self.embedding_frequency_scale, random_state
        )
        self._convergence = ConvergenceState()
        if self.solver in STOCHASTIC_SOLVERS and self.early_stopping:
            self._convergence.validation_scores = []
            self._convergence.best_validation_score = -np.inf
            self._convergence.best_monitored = -np.inf
            self._convergence.best_loss = None

    def _validate_features(self, X, y, reset, y_numeric=False):
        """fit's ``validate_data``: X as a float array, y as sklearn checks it."""
        return validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=y_numeric,
            dtype=(np.float64, np.float32),
            reset=reset,
        )

    def _network(self, n_features, hidden_layer_sizes, dropout, n_outputs):
        """The record of the network this fit trains, from the parameters."""
        embedding, embedded = self._numeric_embedding()
        if embedding and embedded is not None and embedded > n_features:
            raise ValueError(
                f"embedded_features={embedded} is more than X's {n_features} "
                "columns. Set it to at most the number of columns, or to None to "
                "embed them all."
            )
        # without an embedding, the record's defaults: the embedding's parameters
        # then describe no part of the network
        embedding_fields = {}
        if embedding:
            embedding_fields = dict(
                numeric_embedding=embedding,
                embedding_dim=int(self.embedding_dim),
                embedded_features=embedded,
                embedding_frequencies=int(self.embedding_frequencies),
                embedding_bins=int(self.embedding_bins),
            )
        return Network(
            n_features=n_features,
            hidden_layer_sizes=tuple(int(units) for units in hidden_layer_sizes),
            n_outputs=n_outputs,
            activation=self.activation,
            dropout=dropout,
            batch_norm=bool(self.batch_norm),
            ensemble_size=int(self.ensemble_size),
            **embedding_fields,
        )

    def _numeric_embedding(self):
        """The numeric embedding this fit builds and how many leading input columns
        it takes (None: all of them); (None, None) without one."""
        if not self.numeric_embedding:
            return None, None
        return self.numeric_embedding, self.embedded_features

    def _validation_split(self, X, y, sample_weight, random_state):
        # don't stratify in multilabel classification; stratify on the boolean
        # indicator sklearn uses, so that its error names the class 'True'
        should_stratify = is_classifier(self) and self.n_outputs_ == 1
        stratify = y.astype(bool) if should_stratify else None
        if sample_weight is None:
            X_train, X_val, y_train, y_val = train_test_split(
                X,
                y,
                random_state=random_state,
                test_size=self.validation_fraction,
                stratify=stratify,
            )
            sample_weight_train = sample_weight_val = None
        else:
            (X_train, X_val, y_train, y_val, sample_weight_train, sample_weight_val) = (
                train_test_split(
                    X,
                    y,
                    sample_weight,
                    random_state=random_state,
                    test_size=self.validation_fraction,
                    stratify=stratify,
                )
            )
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        return X_train, X_val, y_train, y_val, sample_weight_train, sample_weight_val

    def _set_fitted(self, net, result):
        self._net = net
        self.__dict__.pop("_net_state", None)  # the loaded net's, now trained on
        self._inference_weights = {}  # see _weights
        self._extra_state = result.extra_state
        self._convergence = result.state
        self.coefs_ = result.coefs
        self.intercepts_ = result.intercepts
        self.loss_ = result.loss
        self.n_iter_ = result.n_iter
        self.history_ = result.history
        if self.solver == "lbfgs":
            opt_res = scipy.optimize.OptimizeResult(
                nit=result.n_iter,
                status=1 if result.max_iter_reached else 0,
                message=(
                    "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT"
                    if result.n_iter >= self.max_iter
                    else "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT"
                ),
            )
            self.n_iter_ = _check_optimize_result("lbfgs", opt_res, self.max_iter)
            return
        state = result.state
        self.t_ = state.t
        self._no_improvement_count = state.no_improvement_count  # as sklearn's
        self.loss_curve_ = list(state.loss_curve)
        self.best_loss_ = state.best_loss
        self.validation_scores_ = (
            None if state.validation_scores is None else list(state.validation_scores)
        )
        self.best_validation_score_ = (
            None if state.validation_scores is None else state.best_validation_score
        )
        # the schedules that anneal the rate to its end at max_iter have done what
        # they planned there, not stopped short of converging
        if result.max_iter_reached and self.learning_rate not in ANNEALED_SCHEDULES:
            warnings.warn(
                "Stochastic Optimizer: Maximum iterations (%d) "
                "reached and the optimization hasn't converged yet." % self.max_iter,
                ConvergenceWarning,
            )

    # ------------------------------------------------------------------ prediction

    def _label_smoothing(self):
        """The classifier's label smoothing; regression targets have none."""
        return 0.0

    def _with_class_weight(self, sample_weight, y):
        """The sample weights to train with; the classifier folds in class_weight."""
        return sample_weight

    def _training_targets(self, y):
        """The targets the network trains on; MLPRegressor may transform them."""
        return y

    def _score_raw(self, raw, y, sample_weight):
        """sklearn's validation score from the network's pre-activation outputs
        (an ensemble's: per member, ``(n_samples, ensemble_size, n_outputs)``,
        scored by the members' mean prediction)."""
        if not np.isfinite(raw).all():
            return np.nan
        if raw.ndim == 3:
            predicted = self._decode(_inference.members_mean(raw, self.out_activation_))
        else:
            predicted = self._decode(raw, pre_activation=True)
        return self._score_function(y, predicted, sample_weight=sample_weight)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic"
                " optimizers. %s is not stochastic." % self.solver
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
