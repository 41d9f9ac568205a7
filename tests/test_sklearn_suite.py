"""scikit-learn's own MLP tests, run against sknn.

The module is taken from the installed scikit-learn at test time (so it follows
scikit-learn's releases), with its import of ``sklearn.neural_network``'s
estimators pointed at sknn's. Tests that read scikit-learn's private solver
internals are left out; the differences the README documents are strict xfails,
each with the README's sentence.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import sklearn

SOURCE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
IMPORT = "from sklearn.neural_network import MLPClassifier, MLPRegressor"

# tests that set or call scikit-learn's private solver internals (_backprop,
# _coef_grads, _coef_velocity...), which sknn's torch seam replaces: left out
PRIVATE_INTERNALS = {
    "test_fit": "sets sklearn's private _coef_grads/_coef_velocity and expects its "
    "hand-worked SGD arithmetic from them",
    "test_gradient": "compares sklearn's private _backprop with numerical gradients",
}

FLOAT32 = (
    "README: 'The network trains in float32; coefs_ and intercepts_ are float32 "
    "arrays.'"
)
DIVERGENCE = (
    "README: 'A fit whose loss becomes NaN or infinite stops with a ValueError "
    "naming the epoch and the loss, and leaves the estimator as it was.'"
)
OPTIMIZER = (
    "README: 'The solver's state lives in torch's optimizer, not in scikit-learn's "
    "private _optimizer attribute.'"
)
LBFGS = (
    'README: \'solver="lbfgs" uses torch.optim.LBFGS ... it takes another path to '
    "the optimum, in fewer or more function evaluations than SciPy's'. On the binary "
    "digits with activation='logistic', torch's LBFGS converges (max |gradient| "
    "4e-6 < tol) after 7 evaluations, below max_fun=10, so there is nothing to warn "
    "about; SciPy's needs more than 10. The other activations reach max_fun and warn."
)
# a test name, or (name, argument, value): only the cases with that argument
DOCUMENTED = {
    ("test_mlp_param_dtypes", "dtype", np.float64): FLOAT32,
    "test_nonfinite_params": DIVERGENCE,
    "test_mlp_diverging_loss": DIVERGENCE,
    "test_learning_rate_warmstart": OPTIMIZER,
    "test_adaptive_learning_rate": OPTIMIZER,
    ("test_lbfgs_classification_maxfun", "X,y", 1): LBFGS,
}


@pytest.fixture
def global_random_seed():
    """scikit-learn's conftest fixture, at its default seed."""
    return 42


def _load_sklearn_module():
    text = SOURCE.read_text()
    if IMPORT not in text:
        raise RuntimeError(f"{SOURCE} no longer imports the MLPs as {IMPORT!r}")
    text = text.replace(IMPORT, "from sknn import MLPClassifier, MLPRegressor")
    spec = importlib.util.spec_from_loader("sklearn_test_mlp_on_sknn", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(SOURCE)
    sys.modules[spec.name] = module
    exec(compile(text, str(SOURCE), "exec"), module.__dict__)
    return module


_module = _load_sklearn_module()
TESTS = sorted(name for name in vars(_module) if name.startswith("test_"))


def _with_marks(name, function):
    if name in PRIVATE_INTERNALS:
        return pytest.mark.skip(reason=PRIVATE_INTERNALS[name])(function)
    for key, reason in DOCUMENTED.items():
        if key == name:
            return pytest.mark.xfail(reason=reason, strict=True)(function)
        if isinstance(key, tuple) and key[0] == name:
            _mark_cases(function, *key[1:], reason)
    return function


def _mark_cases(function, argnames, selector, reason):
    """Mark the cases of ``function``'s parametrization over ``argnames`` whose
    value is ``selector`` (or whose index is, for an int) as strict xfails."""
    marks = function.pytestmark
    for i, mark in enumerate(marks):
        if mark.name != "parametrize" or mark.args[0] != argnames:
            continue
        values = [
            pytest.param(*(v if isinstance(v, tuple) else (v,)),
                         marks=pytest.mark.xfail(reason=reason, strict=True))
            if (index == selector if isinstance(selector, int) else v is selector)
            else v
            for index, v in enumerate(mark.args[1])
        ]  # fmt: skip
        marks[i] = pytest.mark.parametrize(argnames, values).mark
        return
    raise RuntimeError(f"{function.__name__} has no parametrization over {argnames}")


# pytest collects what this module's namespace holds: sklearn's fixtures, helpers
# and data sets as they are, its tests with sknn's marks
for _name, _value in vars(_module).items():
    if _name.startswith("test_"):
        globals()[_name] = _with_marks(_name, _value)
    elif not _name.startswith("__"):
        globals().setdefault(_name, _value)
