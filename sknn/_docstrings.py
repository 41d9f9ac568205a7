"""numpydoc text shared by the classifier and the regressor, written once."""

SHARED_PARAMETERS = """\
hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element represents the number of neurons in the ith hidden layer.

    activation : {{'identity', 'logistic', 'tanh', 'relu', 'leaky_relu', 'elu', \
'selu', 'gelu', 'silu', 'softplus', 'hardtanh'}}, default='relu'
        Activation function for the hidden layers: sklearn's 'identity' (f(x) = x),
        'logistic' (f(x) = 1 / (1 + exp(-x))), 'tanh' and 'relu' (f(x) = max(0, x)),
        and torch's ``nn.LeakyReLU`` (slope 0.01), ``nn.ELU``, ``nn.SELU``,
        ``nn.GELU``, ``nn.SiLU``, ``nn.Softplus`` and ``nn.Hardtanh`` with their
        default arguments.

        .. versionadded:: 0.1
           The activations beyond sklearn's four.

    solver : {{'lbfgs', 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'}}, \
default='adam'
        The solver for weight optimization: 'lbfgs' is ``torch.optim.LBFGS`` over the
        whole training set (with a strong-Wolfe line search), 'sgd' is
        ``torch.optim.SGD`` and 'adam' is ``torch.optim.Adam`` (fused kernels where
        torch has them). For small datasets 'lbfgs' can converge faster and better.
        'adamw' is ``torch.optim.AdamW`` with ``alpha`` as its decoupled weight decay
        on the weights (instead of an L2 loss term); 'rmsprop' is
        ``torch.optim.RMSprop`` with ``momentum`` (``nesterovs_momentum`` does not
        apply); 'adagrad' is ``torch.optim.Adagrad``. All use ``learning_rate_init``
        and ``epsilon``, and support ``partial_fit``.

        .. versionadded:: 0.1
           'adamw', 'rmsprop' and 'adagrad'.

    alpha : float, default=0.0001
        Strength of the L2 regularization term. The L2 regularization term is divided
        by the sample size (the batch's summed sample weight) when added to the loss.

    batch_size : int, default='auto'
        Size of minibatches for stochastic optimizers. If the solver is 'lbfgs', the
        network does not use minibatches. When set to "auto",
        ``batch_size=min(200, n_samples)``.

    learning_rate : {{'constant', 'invscaling', 'adaptive', 'step', 'cosine', \
'cyclic', 'onecycle'}}, default='constant'
        Learning rate schedule for weight updates. scikit-learn's three apply to
        ``solver='sgd'`` only, as in scikit-learn (the other solvers keep
        ``learning_rate_init``): 'constant' keeps ``learning_rate_init``;
        'invscaling' sets it to ``learning_rate_init / pow(t, power_t)`` after each
        epoch, with ``t`` the number of samples seen; 'adaptive' divides it by 5 each
        time ``n_iter_no_change`` consecutive epochs fail to improve the training loss
        (or the validation score with early stopping) by ``tol``.

        sknn's four apply to every stochastic solver ('sgd', 'adam', 'adamw',
        'rmsprop', 'adagrad'; 'lbfgs' ignores the schedule) and set the learning rate
        only, never the momentum: 'step' multiplies it by ``lr_gamma`` every
        ``lr_step_size`` epochs (``torch.optim.lr_scheduler.StepLR``); 'cosine'
        anneals it from ``learning_rate_init`` to 0 over ``max_iter`` epochs
        (``CosineAnnealingLR``); 'cyclic' moves it after every batch along triangles
        between ``lr_gamma * learning_rate_init`` and ``learning_rate_init``,
        ``lr_step_size`` epochs up and as many down (``CyclicLR``); 'onecycle' warms
        it up after every batch to ``learning_rate_init`` over the first 30% of
        ``max_iter`` epochs, then anneals it (``OneCycleLR``). Cosine and one-cycle
        end at ``max_iter`` epochs, as planned: a fit that reaches them raises no
        ``ConvergenceWarning``; ``partial_fit`` calls past that keep the final rate.

        .. versionadded:: 0.1
           'step', 'cosine', 'cyclic' and 'onecycle'.

    learning_rate_init : float, default=0.001
        The initial learning rate (the peak rate of the 'cyclic' and 'onecycle'
        schedules). Used by the stochastic solvers: every solver but 'lbfgs'.

    power_t : float, default=0.5
        The exponent for the inverse scaling learning rate. Only used when
        solver='sgd'.

    max_iter : int, default=200
        Maximum number of iterations: epochs for the stochastic solvers (every solver
        but 'lbfgs'), optimizer iterations for 'lbfgs'.

    shuffle : bool, default=True
        Whether to shuffle samples in each iteration. Used by the stochastic solvers
        (every solver but 'lbfgs').

    random_state : int, RandomState instance, default=None
        Determines the weight and bias initialization, the train-validation split if
        early stopping is used, the batch order and the dropout masks. Pass an int for
        reproducible results across multiple function calls: on CPU, the same
        ``random_state`` gives the same fit. With ``random_state=None`` the numpy
        global random state draws the seed, as in scikit-learn; the caller's global
        torch random state is never used nor changed.

    tol : float, default=1e-4
        Tolerance for the optimization. When the loss or score is not improving by at
        least ``tol`` for ``n_iter_no_change`` consecutive iterations, unless
        ``learning_rate`` is 'adaptive', convergence is considered to be reached and
        training stops.

    verbose : bool or int, default=False
        Whether to print progress messages to stdout: scikit-learn's lines
        ("Iteration N, loss = ...", the validation score), for any true value. For a
        progress bar instead, see ``progress_bar``.

    warm_start : bool, default=False
        When set to True, reuse the solution of the previous call to fit as
        initialization (with a new optimizer), otherwise, just erase the previous
        solution.

    momentum : float, default=0.9
        Momentum for gradient descent update. Should be between 0 and 1. Used when
        solver='sgd' or 'rmsprop'.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum. Only used when solver='sgd' and
        momentum > 0.

    early_stopping : bool, default=False
        Whether to use early stopping to terminate training when the validation score
        is not improving. If True, ``validation_fraction`` of the training data is set
        aside (stratified for single-output classification, drawn with
        ``random_state``) and training stops when the validation score does not
        improve by at least ``tol`` for ``n_iter_no_change`` consecutive epochs; the
        weights of the best epoch are restored. Only effective with the stochastic
        solvers (every solver but 'lbfgs').

    validation_fraction : float, default=0.1
        The proportion of training data to set aside as validation set for early
        stopping. Must be between 0 and 1. Only used if early_stopping is True.

    beta_1 : float, default=0.9
        Exponential decay rate for estimates of first moment vector in adam, should be
        in [0, 1). Used when solver='adam' or 'adamw'.

    beta_2 : float, default=0.999
        Exponential decay rate for estimates of second moment vector in adam, should
        be in [0, 1). Used when solver='adam' or 'adamw'.

    epsilon : float, default=1e-8
        Value for numerical stability in the denominator of 'adam', 'adamw',
        'rmsprop' and 'adagrad'.

    n_iter_no_change : int, default=10
        Maximum number of epochs to not meet ``tol`` improvement. Only effective with
        the stochastic solvers (every solver but 'lbfgs').

    max_fun : int, default=15000
        Only used when solver='lbfgs'. Maximum number of loss function calls.

    dropout : float or array-like of shape (n_layers - 2,), default=0.0
        Probability of zeroing each hidden unit during training, either one value for
        every hidden layer or one value per hidden layer. Prediction runs the network
        in evaluation mode, without dropout.

        .. versionadded:: 0.1

    l1 : float, default=0.0
        Strength of the L1 regularization term on the weights, scaled like ``alpha``:
        ``l1 * sum(|W|)`` is divided by the sample size when added to the loss.

        .. versionadded:: 0.1

    device : str, default='cpu'
        The torch device to train and predict on: 'cpu', 'cuda', 'cuda:N', 'mps', or
        'auto' for the first of CUDA, MPS and CPU that is available. A device that is
        not available raises a ValueError at fit.

        .. versionadded:: 0.1

    weight_init : {{'auto', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', \
'kaiming_normal', 'normal'}}, default='auto'
        How the weights start, drawn from ``random_state``: 'auto' is sklearn's
        Glorot-uniform scheme (weights and biases); the others follow
        ``torch.nn.init``'s defaults (xavier with gain 1, kaiming in fan-in mode with
        gain sqrt(2), 'normal' with standard deviation 0.01) with zero biases.

        .. versionadded:: 0.1

    max_grad_norm : float, default=None
        Clip the gradient of the loss to this total L2 norm
        (``torch.nn.utils.clip_grad_norm_``) before each optimizer step; None does
        not clip. The L2 term of ``alpha`` is added by the optimizer after clipping
        unless sample weights are given.

        .. versionadded:: 0.1

    gradient_accumulation_steps : int, default=1
        Accumulate the gradients of this many consecutive batches and update once:
        the update equals one over the concatenated batches, so the effective batch
        is ``batch_size * gradient_accumulation_steps`` rows with only ``batch_size``
        of them in memory at a time.

        .. versionadded:: 0.1
{extra}
    batch_norm : bool, default=False
        Normalize each hidden layer's pre-activations over the batch
        (``torch.nn.BatchNorm1d`` between each hidden Linear layer and its
        activation). Prediction uses the running statistics gathered in training.
        An epoch whose last batch would hold one row drops that row (a single row
        cannot be normalized); shuffling puts another row last in the next epoch.
        The batch statistics are unweighted: with ``sample_weight``, weighting a
        row is then not the same as repeating it.

        .. versionadded:: 0.1

    lr_step_size : int, default=10
        For ``learning_rate='step'``, the epochs between decays; for 'cyclic', the
        epochs of each half cycle.

        .. versionadded:: 0.1

    lr_gamma : float, default=0.1
        For ``learning_rate='step'``, the factor of each decay; for 'cyclic', the
        lowest learning rate as a fraction of ``learning_rate_init``.

        .. versionadded:: 0.1

    checkpoint_dir : str or path-like, default=None
        Where each ``fit`` writes ``last.sknn`` after every epoch and ``best.sknn``
        at the best one, in a new sub-directory (``checkpoint_path_``); see
        :func:`sknn.resume`. None writes no checkpoints.

        .. versionadded:: 0.1

    progress_bar : bool, default=False
        Show a tqdm progress bar over the epochs (on stderr), with the training
        loss, the validation score and the learning rate. Independent of
        ``verbose``, which prints scikit-learn's lines.

        .. versionadded:: 0.1

    numeric_embedding : {{None, 'periodic', 'piecewise_linear'}}, default=None
        How the first layer sees each (embedded) feature ``x``, as in Gorishniy et
        al., "On embeddings for numerical features in tabular deep learning"
        (2022). The first layer then has ``n_features * embedding_dim`` inputs
        (``coefs_[0]``'s rows).

        - None: the features as they are.
        - 'periodic': ``relu([cos(2 pi f x), sin(2 pi f x)] W + b)`` with
          ``embedding_frequencies`` learned frequencies ``f`` per feature and a
          projection ``W`` to ``embedding_dim`` values shared by the features:
          the PLR ("lite") embedding. It suits standardized or robustly scaled
          features (see
          :class:`~sknn.preprocessing.RobustScaleSmoothClipTransformer`).
        - 'piecewise_linear': ``x`` encoded by ``embedding_bins`` bins between
          its quantiles in the rows trained on (not early stopping's validation
          rows), computed at the first fit and then fixed (later fits with
          ``warm_start`` and ``partial_fit`` keep them), one component
          per bin, ``(x - left) / (right - left)`` clipped to [0, 1] (the first
          bin's not clipped below, the last bin's not above), mapped by its own
          learned matrix to ``embedding_dim`` values and added to a learned
          linear term ``x w + b``: rtdl_num_embeddings' version "B" without an
          activation, as TabM uses it. The map starts at zero, so the embedding
          starts as the linear term and learns the bins' shape in training; it
          suits thresholds and steps, and does not depend on the features'
          scale.

        .. versionadded:: 0.1

    embedding_dim : int, default=24
        Values per feature of the numeric embedding.

        .. versionadded:: 0.1

    embedding_frequencies : int, default=48
        Learned frequencies per feature of the numeric embedding
        (rtdl_num_embeddings' default is 48, RealMLP's 16). The embedding's cost
        grows with ``n_features * embedding_frequencies``: its sines and cosines
        can cost more than the network behind it.

        .. versionadded:: 0.1

    embedding_frequency_scale : float, default=0.1
        Standard deviation of the embedding's initial frequencies (normal,
        truncated at 3 standard deviations). rtdl_num_embeddings starts at 0.01;
        on features scaled to a few units, 0.1 learns periodic structure within
        tens of epochs (R² 0.995 against 0.62 on ``sin(6 x0) + cos(4 x1)``).

        .. versionadded:: 0.1

    embedding_bins : int, default=48
        Bins per feature of the piecewise-linear embedding (TabM's and
        rtdl_num_embeddings' default is 48). A feature with fewer distinct
        training quantiles gets fewer bins: a binary feature one (its min-max
        scaling), a constant one none (the linear term alone).

        .. versionadded:: 0.1

    embedded_features : int, default=None
        How many leading columns of X the numeric embedding takes; the columns
        after them go to the first layer as they are. None embeds every column.
        Put the numeric columns first and the one-hot ones after (as
        :class:`~sknn.preprocessing.TabularEncoder` does) to embed only the
        numbers.

        .. versionadded:: 0.1

    scoring : {{'score', 'loss'}}, default='score'
        What early stopping monitors on the validation set: the estimator's score
        (accuracy or R², scikit-learn's rule) or its loss (the data term of the
        training loss; lower is better), for both the stopping rule and the epoch
        whose weights are restored. ``validation_scores_`` holds the scores either
        way. As in HistGradientBoosting's ``scoring='loss'``.

        .. versionadded:: 0.1

    restore_best : {{'first', 'last'}}, default='first'
        With early stopping, which of the epochs with the best monitored value
        gives the final weights: the first (scikit-learn's) or the last, which,
        when accuracy ties over many epochs, keeps the longer-trained network.
        With ``n_iter_no_change=np.inf`` the whole schedule runs and the best epoch
        is kept.

        .. versionadded:: 0.1

    ensemble_size : int, default=1
        Members of an ensemble trained inside one network (TabM-mini, Gorishniy et
        al. 2024, as edward2's BatchEnsemble names the size). Each member scales the
        input of the first layer by a vector of its own (initialized to random
        signs, or to normal values with a numeric embedding) and has an output
        layer of its own; the hidden layers are shared. The members train together
        on the same batches, the loss being their mean loss, and predict their mean
        output (the mean probability of a classifier, the mean margin with
        ``loss='hinge'``), which early stopping judges too (``scoring='loss'``:
        the loss of that mean prediction). ``coefs_[-1]`` and
        ``intercepts_[-1]`` hold the members' output layers side by side, member
        after member (``ensemble_size * n_outputs_`` columns). A regressor's
        ``predict(X, return_std=True)`` also gives the members' spread. The hidden
        layers cost ``ensemble_size`` times as much per row; 1 is the plain network.

        .. versionadded:: 0.1
{tail}"""

SHARED_ATTRIBUTES = """\
loss_ : float
        The current loss computed with the loss function.

    best_loss_ : float or None
        The minimum loss reached by the solver throughout fitting. If
        ``early_stopping=True``, this attribute is set to None; refer to the
        ``best_validation_score_`` fitted attribute instead. Only set by the stochastic
        solvers.

    loss_curve_ : list of shape (`n_iter_`,)
        The ith element in the list represents the loss at the ith iteration. Only set
        by the stochastic solvers.

    validation_scores_ : list of shape (`n_iter_`,) or None
        The score at each iteration on the held-out validation set ({score}). Only
        available if ``early_stopping=True``, otherwise None.

    best_validation_score_ : float or None
        The best validation score ({score}). Only available if
        ``early_stopping=True``, otherwise None.

    t_ : int
        The number of training samples seen by the solver during fitting.

    coefs_ : list of shape (n_layers - 1,)
        The ith element is the float32 weight matrix of layer i, of shape
        ``(fan_in, fan_out)``.

    intercepts_ : list of shape (n_layers - 1,)
        The ith element is the float32 bias vector of layer i + 1.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X` has feature
        names that are all strings.

    n_iter_ : int
        The number of iterations the solver has run.

    n_layers_ : int
        Number of layers.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Name of the output activation function.

    history_ : list of dict
        One dict per epoch of the last call to fit or partial_fit, with the keys
        'epoch', 'train_loss', 'dur' (seconds), 'lr' for the stochastic solvers, and
        with early stopping 'valid_loss' (the hold-out's loss without the penalty
        terms) and 'valid_score'.

        .. versionadded:: 0.1
"""

CLASSIFIER_DOC = """Multi-layer Perceptron classifier on PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`: the same
    parameters, fitted attributes, warnings and errors, trained by a PyTorch network
    through skorch. It optimizes the log-loss (softmax cross-entropy for multiclass,
    logistic for binary and multi-label targets) using LBFGS or stochastic gradient
    descent, and adds dropout, L1 regularization and a choice of device.

    Parameters
    ----------
    {parameters}
    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels for each output.

    {attributes}
    See Also
    --------
    MLPRegressor : Multi-layer Perceptron regressor.
    sklearn.neural_network.MLPClassifier : scikit-learn's NumPy implementation.

    Notes
    -----
    The network computes in float32. Weights are initialized as scikit-learn does
    (Glorot uniform, drawn from ``random_state``), so the same seed starts both
    libraries from the same weights.

    Examples
    --------
    >>> from sknn import MLPClassifier
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = make_classification(n_samples=100, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y,
    ...                                                     random_state=1)
    >>> clf = MLPClassifier(random_state=1, max_iter=300).fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:1]).shape
    (1, 2)
    >>> clf.predict(X_test[:5, :]).shape
    (5,)
    >>> clf.score(X_test, y_test) > 0.8
    True
    """

REGRESSOR_DOC = """Multi-layer Perceptron regressor on PyTorch.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`: the same
    parameters, fitted attributes, warnings and errors, trained by a PyTorch network
    through skorch. It optimizes the squared error (or the Poisson deviance) using
    LBFGS or stochastic gradient descent, and adds dropout, L1 regularization and a
    choice of device.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson', 'absolute_error', 'huber', \
'squared_log_error'}}, default='squared_error'
        The loss function to use when training the weights. With 'poisson' the output
        activation is exp and the targets must be non-negative. 'absolute_error' and
        'huber' (``torch.nn.functional.huber_loss``, delta 1 on the scaled targets)
        are robust to outlying targets. With 'squared_error', 'absolute_error' and
        'huber' the network learns standardized targets (centered and divided by
        their standard deviation; by their median and interquartile range / 1.349
        for the robust losses, weighted by ``sample_weight``) and ``predict`` maps
        its outputs back, so targets of any scale train with the default settings;
        ``loss_`` and ``loss_curve_`` are then in the scaled units.
        'squared_log_error' trains the squared error on ``log1p(y)`` and predicts
        through ``expm1`` (``out_activation_ = 'expm1'``); targets must be
        non-negative.

        .. versionadded:: 0.1
           'absolute_error', 'huber' and 'squared_log_error'.

    {parameters}
    Attributes
    ----------
    {attributes}
    See Also
    --------
    MLPClassifier : Multi-layer Perceptron classifier.
    sklearn.neural_network.MLPRegressor : scikit-learn's NumPy implementation.

    Notes
    -----
    The network computes in float32. Weights are initialized as scikit-learn does
    (Glorot uniform, drawn from ``random_state``).

    Examples
    --------
    >>> from sknn import MLPRegressor
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.model_selection import train_test_split
    >>> X, y = make_regression(n_samples=200, n_features=20, noise=1, random_state=1)
    >>> X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=1)
    >>> regr = MLPRegressor(random_state=1, max_iter=500).fit(X_train, y_train)
    >>> regr.predict(X_test[:2]).shape
    (2,)
    >>> regr.score(X_test, y_test) > 0.9
    True
    """


CLASS_WEIGHT = """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, ``{class_label: weight}``, multiplied into
        ``sample_weight`` (and carried into the early-stopping hold-out's score).
        'balanced' uses ``n_samples / (n_classes * np.bincount(y))`` as in
        :func:`sklearn.utils.class_weight.compute_sample_weight`; ``partial_fit``
        refuses it.

        .. versionadded:: 0.1

    loss : {{'log_loss', 'hinge'}}, default='log_loss'
        The loss the network minimizes. 'log_loss' is scikit-learn's (softmax
        cross-entropy for multiclass, logistic for binary and multi-label targets).
        'hinge' trains a margin classifier: the multi-class hinge of
        ``torch.nn.MultiMarginLoss`` (one output per class), or ``max(0, 1 - t z)``
        with ``t`` in {{-1, 1}} for binary and multi-label targets; it has
        ``decision_function`` and no ``predict_proba``, like
        :class:`sklearn.linear_model.SGDClassifier` with ``loss='hinge'``.

        .. versionadded:: 0.1
"""


LABEL_SMOOTHING = """
    label_smoothing : float, default=0.0
        With ``loss='log_loss'``, train on targets smoothed towards the uniform
        distribution: ``(1 - label_smoothing) * one_hot + label_smoothing / n``
        (``n`` classes; 2 for each output of binary and multi-label targets), as
        ``torch.nn.CrossEntropyLoss(label_smoothing=...)`` does. It trades a little
        log-loss for accuracy on noisy labels; ``loss_curve_`` and the validation
        loss are then of the smoothed targets.

        .. versionadded:: 0.1
"""


CLIP_PREDICTIONS = """
    clip_predictions : bool, default=False
        Clip each prediction to the range of the targets fitted on (each output's
        minimum and maximum over every ``fit`` or ``partial_fit`` call since the
        network started), as tree ensembles predict and as RealMLP does
        (pytabkit's ``clamp_output``). A row far from the training rows then
        cannot send a prediction beyond every target seen. The early-stopping
        score is of the clipped predictions, and ``return_std`` gives the spread
        of the members' clipped ones.

        .. versionadded:: 0.1
"""


def classifier_doc():
    return CLASSIFIER_DOC.format(
        parameters=SHARED_PARAMETERS.format(extra=CLASS_WEIGHT, tail=LABEL_SMOOTHING),
        attributes=SHARED_ATTRIBUTES.format(score="accuracy"),
    )


def regressor_doc():
    return REGRESSOR_DOC.format(
        parameters=SHARED_PARAMETERS.format(extra="", tail=CLIP_PREDICTIONS),
        attributes=SHARED_ATTRIBUTES.format(score="R²"),
    )


# the docstring of the estimators' find_lr
FIND_LR_DOC = """Run the learning-rate range test and suggest a ``learning_rate_init``.

        A throw-away copy of the network, initialized as ``fit`` would from
        ``random_state``, takes ``num_iter`` optimizer steps on successive
        mini-batches of X while the learning rate grows exponentially from
        ``start_lr`` to ``end_lr``; the loss is recorded after each step and the test
        stops early once the smoothed loss exceeds ``diverge_th`` times its minimum.
        The estimator is left unchanged, fitted or not.

        .. versionadded:: 0.1

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The training input, preprocessed as for ``fit``.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The training targets.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        start_lr : float, default=1e-7
            The learning rate of the first step.

        end_lr : float, default=10.0
            The learning rate of the last step.

        num_iter : int, default=100
            The number of steps (mini-batches); epochs repeat as needed.

        smooth_f : float, default=0.05
            Weight of the newest loss in the exponential moving average.

        diverge_th : float, default=5.0
            Stop when the smoothed loss exceeds this multiple of its minimum.

        Returns
        -------
        result : :class:`~sknn.LRFinderResult`
            ``learning_rates``, smoothed ``losses``, ``raw_losses`` and
            ``suggested_learning_rate`` (where the loss falls fastest); its ``plot()``
            draws the curve.
        """
