"""What a fitted MLP needs to be pickled, saved, loaded and to predict: its state as
plain values and numpy arrays, the checks of a saved state against its own
structure (a file may be hostile), the net rebuilt when training goes on, and the
forward pass in numpy on the CPU (through the net on another device).

The torch seam is imported only where a net is rebuilt or exported, or predicts on
another device: a model loaded to predict on the CPU never waits for torch.
"""

import dataclasses
import math
import os
import threading

import numpy as np
from sklearn.base import is_classifier
from sklearn.utils.validation import check_is_fitted, validate_data

from sknn import _inference
from sknn._fitted_state import check_fitted_state
from sknn._network import Network
from sknn._saved_net import check_net_state
from sknn._training import ConvergenceState

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
# held while a loaded estimator's net is rebuilt, so threads sharing it build one
_NET_REBUILD = threading.Lock()


class _FittedModelMixin:
    """The saved state and the prediction path of MLPClassifier and MLPRegressor;
    not for direct use (see ``sknn._base._BaseMLP``)."""

    def __getstate__(self):
        """Plain values and numpy arrays only: no tensors, modules or skorch nets, so
        a model trained on any device unpickles (and loads with skops) anywhere."""
        state = dict(super().__getstate__())  # object's may be __dict__ itself
        state.pop("_inference_weights", None)  # derived from the weights
        net = state.pop("_net", None)
        if net is not None:
            from sknn import _torch

            state["_net_state"] = _torch.export_state(net)
        # else a loaded net not rebuilt since: its _net_state, as loaded and checked
        if "_convergence" in state:
            state["_convergence"] = dataclasses.asdict(state["_convergence"])
        return with_plain_paths(state)

    def __setstate__(self, state):
        """Become the saved estimator, once its state is checked against its own
        structure (a file may be hostile: see ``sknn._fitted_state`` and
        ``sknn._saved_net``, in numpy).

        A net trained on the CPU is rebuilt when training goes on from it (see
        :meth:`_fitted_net`): prediction there is numpy's, so a loaded model
        predicts without importing torch. A net of another device is rebuilt here,
        on it where this machine has it, to predict there.
        """
        check_fitted_state(state, is_classifier(self))
        state = dict(state)
        if "_convergence" in state:
            state["_convergence"] = ConvergenceState(**state["_convergence"])
        net_state = state.get("_net_state")
        if net_state is not None:
            _, training = check_net_state(
                net_state, state["coefs_"], state.get("_extra_state", {})
            )
            state["_inference_weights"] = {}  # see _weights
            if training.device != "cpu":
                from sknn import _torch

                del state["_net_state"]
                state["_net"] = _torch.restore_net(
                    net_state,
                    state["coefs_"],
                    state["intercepts_"],
                    state.get("_extra_state", {}),
                )
        super().__setstate__(state)

    def _fitted_network(self):
        """The record of the fitted network: the one its weights have, not the one
        set_params may since describe."""
        net = self.__dict__.get("_net")
        if net is None and "_net_state" in self.__dict__:  # loaded, not rebuilt
            return Network.from_saved(self._net_state["network"])
        return net.sknn_network

    def _fitted_net(self):
        """The skorch net, rebuilt from a loaded estimator's checked ``_net_state``
        on first use (under a lock: threads sharing the estimator build one)."""
        net = self.__dict__.get("_net")
        if net is None and "_net_state" in self.__dict__:
            from sknn import _torch

            with _NET_REBUILD:
                net = self.__dict__.get("_net")
                if net is None:
                    net = self._net = _torch.restore_net(
                        self._net_state,
                        self.coefs_,
                        self.intercepts_,
                        self._extra_state,
                    )
        return net

    def _check_is_fitted(self):
        """``check_is_fitted(self)``, at the cost of a dict lookup once fitted.

        sklearn's check rebuilds the estimator's tags on every call (~8 us, a third of
        a one-row predict); it still raises the NotFittedError when unfitted.
        """
        if "coefs_" not in self.__dict__:
            check_is_fitted(self)

    def _validate_predict_input(self, X):
        """``validate_data(reset=False)``, skipped where it would return X as it is.

        A 2-D float ndarray with the fitted number of columns, a finite sum and no
        fitted feature names passes sklearn's checks unchanged; anything else goes
        through ``validate_data`` and gets sklearn's conversions, warnings and errors.
        On one row, sklearn's checks cost more than the network's forward pass.
        """
        if (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in _FLOAT_DTYPES
            and X.shape[0] > 0
            and X.shape[1] == self.n_features_in_
            and "feature_names_in_" not in self.__dict__
            and math.isfinite(X.sum())
        ):
            return X
        return validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)

    def _forward(self, X, members=False):
        """Output-layer activations for validated X: in numpy on the CPU, as
        sklearn's MLP predicts (see ``sknn._inference``); on another device, by the
        net there. An ensemble's are its members' mean, or with ``members`` each
        member's, ``(n_samples, ensemble_size, n_outputs)``."""
        net = self.__dict__.get("_net")  # a loaded CPU net is not rebuilt to predict
        if net is not None and net.device != "cpu":
            from sknn import _torch

            return _torch.predict(net, X, self.out_activation_, members)
        weights = self._weights(X.dtype)
        return _inference.predict(weights, X, self.out_activation_, members)

    def _weights(self, dtype):
        """The fitted arrays in X's precision (float32 for float32 X, float64
        otherwise), made once per fitted network: the float32 ones are coefs_ and
        intercepts_ themselves."""
        dtype = np.float32 if dtype == np.float32 else np.float64
        # a dict set when the weights are: predict fills it, but adds no attribute
        cache = self.__dict__.get("_inference_weights", {})
        weights = cache.get(dtype)
        if weights is None or not weights.is_of(self.coefs_, self.intercepts_):
            weights = cache[dtype] = _inference.Weights(
                self._fitted_network(),
                self.coefs_,
                self.intercepts_,
                self._extra_state,
                dtype,
            )
        return weights


def with_plain_paths(state):
    """``state`` with a path-like ``checkpoint_dir`` as the string skops can save."""
    if isinstance(state.get("checkpoint_dir"), os.PathLike):
        state["checkpoint_dir"] = os.fspath(state["checkpoint_dir"])
    return state
