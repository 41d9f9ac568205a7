"""scikit-learn's own estimator checks, run over both sknn estimators."""

import re

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import MLPClassifier, MLPRegressor, TabularMLPClassifier, TabularMLPRegressor

# sklearn compares fits on weighted and on repeated samples at rtol=1e-7.
SAMPLE_WEIGHT_CHECKS = (
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
)
# Where weighting a row cannot equal repeating it, by design (strict xfail):
_STRUCTURAL = {
    "dropout": "dropout draws one mask per row: a repeated row gets several masks, a "
    "weighted row one",
    "batch_norm": "batch norm normalizes with unweighted batch statistics, which "
    "repeating a row changes and weighting it does not",
}
# Elsewhere sknn trains in float32: the two fits sum the same gradients in another
# order and agree to ~1e-7 relative (more with RMSprop/Adagrad, which divide small
# gradients by their running size), on either side of the tolerance depending on the
# instance and on how the arrays sit in memory. Those run, and a miss within
# ROUND_OFF is reported as xfail; a larger one fails. The adaptive solvers' miss
# depends on the CPU's float32 kernels: Adagrad's was within 1e-4 on one machine and
# 7.7e-4 on an AVX-512 AMD EPYC, the same code and versions.
# test_sample_weight_equals_repetition pins the equivalence at rtol 1e-4.
ROUND_OFF = 1e-4
ADAPTIVE_ROUND_OFF = {"adagrad": 1e-3, "rmsprop": 1e-3}


def _expected_failed_checks(estimator):
    params = estimator.get_params()
    for name, reason in _STRUCTURAL.items():
        if params.get(name):
            return dict.fromkeys(SAMPLE_WEIGHT_CHECKS, reason)
    return {}


ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    # sknn's own controls, non-default. Training computes in float32; predictions
    # of float64 input are computed in float64, so the subset and sample-order
    # invariance checks (rtol=1e-7) hold: float32 products rounded a row 1-3 ulps
    # differently with the batch's size and memory layout, and made them flaky.
    MLPClassifier(
        activation="leaky_relu",
        solver="adamw",
        weight_init="kaiming_uniform",
        max_iter=100,
    ),
    MLPClassifier(activation="silu", dropout=0.1, l1=1e-4, max_grad_norm=1.0),
    MLPRegressor(
        loss="huber", activation="elu", solver="rmsprop", weight_init="xavier_normal"
    ),
    MLPClassifier(loss="hinge", batch_norm=True, learning_rate="onecycle"),
    MLPRegressor(batch_norm=True, solver="sgd", learning_rate="cosine", max_iter=100),
    MLPClassifier(
        solver="adagrad",
        learning_rate="cyclic",
        lr_step_size=2,
        learning_rate_init=0.01,
    ),
    # the tabular front door, with a network small enough for the checks' many fits
    # (its encoders and the numeric embedding stay on)
    TabularMLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01),
    TabularMLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    if check.func.__name__ not in SAMPLE_WEIGHT_CHECKS or _expected_failed_checks(
        estimator
    ):
        check(estimator)
        return
    try:
        check(estimator)
    except AssertionError as error:
        worst = re.search(r"Max relative difference.*: (\S+)", str(error))
        round_off = ADAPTIVE_ROUND_OFF.get(estimator.solver, ROUND_OFF)
        if worst is None or not float(worst.group(1)) <= round_off:
            raise
        pytest.xfail(
            f"float32 training: weighted and repeated fits differ by {worst.group(1)} "
            f"relative, above rtol=1e-7 and within round-off ({round_off})"
        )
