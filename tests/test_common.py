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


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


ESTIMATORS = [
    MLPClassifier(max_iter=100),
    MLPRegressor(max_iter=100),
    # sknn's own controls, non-default. (activation="gelu" with this solver and init
    # fails check_methods_subset_invariance by one float32 ulp: CPU sgemm rounds a
    # 1-row batch differently from a 20-row one; see the issue notes.)
    MLPClassifier(
        activation="leaky_relu",
        solver="adamw",
        weight_init="kaiming_uniform",
        max_iter=100,
    ),
    MLPClassifier(activation="silu", solver="adagrad", dropout=0.1, l1=1e-4),
    MLPRegressor(
        loss="huber", activation="elu", solver="rmsprop", weight_init="xavier_normal"
    ),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
