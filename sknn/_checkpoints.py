"""Checkpoints of a fit in progress, and resuming an interrupted fit from one.

With ``checkpoint_dir`` set, every ``fit`` writes into a new sub-directory of it (so
parallel fits of cross-validation or a grid search never share files), named after
the estimator and the time, and ``partial_fit`` calls go on writing into their
first call's. After every epoch, ``last.sknn`` holds the model at the end of that
epoch and ``best.sknn`` the best so far (by validation score with early stopping,
else by training loss). Both are :func:`sknn.save` files, written atomically: a
process killed at any moment leaves the previous file whole. Each holds, beyond a
usable fitted estimator, what continuing needs: the optimizer's and the schedule's
state and the shuffling and dropout RNG states. :func:`resume` continues a fit from
``last.sknn``.
"""

import contextlib
import contextvars
import tempfile
import time
from pathlib import Path

import numpy as np

from sknn import _persistence, _torch
from sknn._training import Snapshot, TrainingResult
from sknn.exceptions import ModelFileError

# what a checkpoint keeps beyond a fitted model's state, to go on training
TRAINING_KEYS = ("generator", "rng", "best_params", "finished")

LAST, BEST = "last.sknn", "best.sknn"

# what the fits inside a ``saved_as`` block save their checkpoints as
_SAVED_AS = contextvars.ContextVar("sknn_checkpoints_saved_as", default=None)


@contextlib.contextmanager
def saved_as(wrap, cls):
    """Within this block (in this thread), a fit saves each checkpoint as
    ``wrap(model)``, ``model`` being the fitted MLP at that epoch, in a
    sub-directory named after ``cls``: an estimator that holds the MLP (the
    tabular ones) saves checkpoints of itself, which :func:`resume` gives back."""
    token = _SAVED_AS.set((wrap, cls))
    try:
        yield
    finally:
        _SAVED_AS.reset(token)


def writer(estimator, continue_run):
    """Set ``estimator.checkpoint_path_`` and return the seam's ``checkpoint``
    callable, which saves each epoch's snapshot. ``continue_run`` (partial_fit, a
    resumed fit) keeps writing into the estimator's existing sub-directory, if it
    is one of ``checkpoint_dir``'s (an unpickled model's may name any other)."""
    wrap, cls = _SAVED_AS.get() or (None, type(estimator))
    directory = getattr(estimator, "checkpoint_path_", None)
    root = Path(estimator.checkpoint_dir)
    if (
        continue_run
        and isinstance(directory, str)
        and Path(directory).is_dir()
        and Path(directory).resolve().parent == root.resolve()
    ):
        _remove_stale_temporaries(Path(directory))
    else:
        root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        prefix = f"{cls.__name__}-{stamp}-"
        directory = tempfile.mkdtemp(prefix=prefix, dir=root)
    estimator.checkpoint_path_ = str(directory)
    template = dict(estimator.__dict__, _net=None)

    def write(snapshot, is_best):
        # a shallow copy of the estimator's attributes: copy.copy would export and
        # rebuild the network through __getstate__/__setstate__ every epoch
        model = type(estimator).__new__(type(estimator))
        model.__dict__.update(template)
        _become(model, snapshot)
        if wrap is not None:
            model = wrap(model)
        _persistence.save(model, Path(directory) / LAST)
        if is_best:
            _persistence.save(model, Path(directory) / BEST)

    return write


def _become(model, snapshot):
    """Make ``model`` the model at the end of ``snapshot``'s epoch, able to go on:
    its fitted attributes, its net's record (rebuilt into a net when loaded) and
    the RNG and best-weights state under ``_checkpoint_training``."""
    state = snapshot.state
    result = TrainingResult(
        coefs=snapshot.coefs,
        intercepts=snapshot.intercepts,
        loss=state.loss_curve[-1],
        n_iter=len(snapshot.history),
        state=state,
        history=snapshot.history,
        max_iter_reached=False,
        extra_state=snapshot.extra_state,
    )
    model._set_fitted(None, result)
    model._net_state = snapshot.net_state
    model._checkpoint_training = {key: getattr(snapshot, key) for key in TRAINING_KEYS}


def _remove_stale_temporaries(directory):
    """Remove the temporary files of checkpoint writes that a killed process left
    in ``directory`` (a fit's own sub-directory: nothing else writes there)."""
    for name in (LAST, BEST):
        for stale in directory.glob(f".{name}.*.tmp"):
            stale.unlink(missing_ok=True)


def resume(checkpoint, X, y, sample_weight=None):
    """Continue an interrupted fit from its last checkpoint, to the end.

    The fit goes on from the end of the last epoch that was written, with its
    optimizer and schedule state, RNG states, stopping-rule bookkeeping and history,
    for the epochs left of ``max_iter``; with the same data, a fit interrupted after
    3 epochs and resumed equals an uninterrupted one (on the CPU). It writes on into
    the same checkpoint directory, and nowhere else: whatever directory the file
    names, the resumed fit writes its checkpoints into the one given here (and its
    ``checkpoint_dir`` becomes that directory's parent), after removing the
    temporary files a killed process may have left there.

    Parameters
    ----------
    checkpoint : str or path-like
        A fit's checkpoint directory (its ``checkpoint_path_``), or a checkpoint file
        in it.

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The training input the fit was started with.

    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The training targets the fit was started with.

    sample_weight : array-like of shape (n_samples,), default=None
        The sample weights the fit was started with.

    Returns
    -------
    estimator : MLPClassifier, MLPRegressor, TabularMLPClassifier or \
TabularMLPRegressor
        The fitted estimator.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.datasets import load_iris
    >>> import sknn
    >>> X, y = load_iris(return_X_y=True)
    >>> directory = tempfile.mkdtemp()
    >>> clf = sknn.MLPClassifier(max_iter=5, checkpoint_dir=directory, random_state=0)
    >>> clf = clf.fit(X, y)  # doctest: +SKIP
    >>> clf = sknn.resume(clf.checkpoint_path_, X, y)  # doctest: +SKIP
    """
    path = Path(checkpoint).absolute()  # "last.sknn" has a parent to write into
    file = path / LAST if path.is_dir() else path
    if not file.exists():
        raise FileNotFoundError(
            f"{file}: no checkpoint there. Pass the checkpoint_path_ of a fit that "
            f"ran with checkpoint_dir set, or the {LAST} file in it."
        )
    estimator = _persistence.load(file)
    # a tabular estimator's checkpoint holds the fit's MLP as its mlp_
    network = vars(estimator).get("mlp_", estimator)
    if getattr(network, "_checkpoint_training", None) is None:
        raise ModelFileError(
            f"{file}: a saved model, not a checkpoint of a fit in progress; there "
            "is nothing to resume. Fit it, or call partial_fit to train it on."
        )
    # write where the caller pointed, never where the (possibly copied or crafted)
    # file says the fit ran
    network.checkpoint_path_ = str(file.parent)
    estimator.checkpoint_dir = str(file.parent.parent)
    estimator._validate_params()
    return estimator._resume(X, y, sample_weight)


def snapshot_to_resume(estimator):
    """The :class:`Snapshot` a just-loaded checkpoint's MLP ``estimator`` goes on
    from, once its parameters are checked to describe its network; None when its
    fit had ended."""
    _check_parameters(estimator)
    training = estimator.__dict__.pop("_checkpoint_training")
    if training["finished"] or estimator.n_iter_ >= estimator.max_iter:
        return None
    return Snapshot(
        coefs=estimator.coefs_,
        intercepts=estimator.intercepts_,
        extra_state=estimator._extra_state,
        net_state=_torch.export_state(estimator._fitted_net()),
        state=estimator._convergence,
        history=estimator.history_,
        **training,
    )


def _check_parameters(estimator):
    """A checkpoint's parameters must describe the network it holds: resuming
    builds the network from them and loads the saved state into it."""
    net = estimator._fitted_net()  # rebuilt from the checked file
    network, training = net.sknn_network, net.sknn_training
    hidden = list(np.ravel(estimator.hidden_layer_sizes))
    expected = {
        "hidden_layer_sizes": (hidden, list(network.hidden_layer_sizes)),
        "activation": (estimator.activation, network.activation),
        "solver": (estimator.solver, training.solver),
        "batch_norm": (bool(estimator.batch_norm), network.batch_norm),
        "numeric_embedding": (
            estimator._numeric_embedding()[0],
            network.numeric_embedding,
        ),
    }
    differ = [name for name, (ours, saved) in expected.items() if ours != saved]
    try:
        dropout = estimator._dropout_per_layer(len(hidden))
    except ValueError:  # a dropout list of another length
        dropout = None
    if dropout != network.dropout:
        differ.append("dropout")
    if differ:
        raise ModelFileError(
            f"the checkpoint's {', '.join(differ)} do not describe the network it "
            "holds; it cannot be resumed."
        )
