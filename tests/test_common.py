"""scikit-learn's own estimator checks, run over both sknn estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import MLPClassifier, MLPRegressor

_FLOAT32 = (
    "the network computes in float32: weighted and repeated-sample fits agree to "
    "about 1e-6 relative (test_sample_weight_equals_repetition pins 1e-5), above "
    "this check's float64 tolerance of rtol=1e-7"
)
EXPECTED_FAILED_CHECKS = {
    name: {
        "check_sample_weight_equivalence_on_dense_data": _FLOAT32,
        "check_sample_weight_equivalence_on_sparse_data": _FLOAT32,
    }
    for name in ("MLPClassifier", "MLPRegressor")
}


_MARGINS = (
    "decision_function returns the hinge network's raw float32 margins, which CPU "
    "sgemm/sgemv round 2-3 ulps differently for a subset's batch size than for the "
    "whole (1e-5 relative at worst), above this check's rtol=atol=1e-7; "
    "predict_proba of the log-loss instances passes it"
)


def _expected_failed_checks(estimator):
    expected = dict(EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {}))
    if getattr(estimator, "loss", None) == "hinge":
        expected["check_methods_subset_invariance"] = _MARGINS
    return expected


ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    # sknn's own controls, non-default. The network computes in float32, and CPU
    # sgemm rounds a row differently depending on the batch's size and order, so
    # the invariance checks (rtol=1e-7) sit one ulp from failing: activation="gelu"
    # with this solver failed check_methods_subset_invariance, and silu with
    # solver="adagrad" once failed check_methods_sample_order_invariance. Open
    # problem, recorded on the issue.
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
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
