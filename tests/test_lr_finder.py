"""The learning-rate range test: find_lr, its result and its display."""

import pickle
import re
import sys

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sknn import LRFinderDisplay, LRFinderResult, MLPClassifier, MLPRegressor


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_range_test_grows_the_rate_and_stops_at_divergence(digits):
    X, y = digits
    result = MLPClassifier(random_state=0).find_lr(X, y)
    assert isinstance(result, LRFinderResult)
    rates = result.learning_rates
    assert rates[0] == pytest.approx(1e-7)
    np.testing.assert_allclose(rates[1:] / rates[:-1], (1e8) ** (1 / 99))
    # Adam blows up long before lr=10: the test stops once the smoothed loss is
    # 5x its minimum, and the loss fell well below its start before that
    assert 20 < len(rates) < 100
    assert result.losses[-1] > 5 * result.losses.min()
    assert result.losses.min() < 0.5 * result.losses[0]
    assert rates[0] < result.suggested_learning_rate < rates[np.argmin(result.losses)]
    assert result.raw_losses.shape == result.losses.shape


def test_suggested_rate_trains_well_on_digits(digits):
    """Acceptance: the suggestion is within 10x of a rate that trains well.

    Measured (5-fold CV, standard-scaled digits, Adam): 1e-3 (sklearn's default)
    0.977, 3e-3 0.978, 1e-2 0.976, the suggested ~1.5e-2 0.972, 3e-2 0.969.
    """
    X, y = digits
    suggested = MLPClassifier(random_state=0).find_lr(X, y).suggested_learning_rate
    assert 3e-4 <= suggested <= 3e-2  # within 10x of 3e-3, the best rate measured
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = MLPClassifier(learning_rate_init=suggested, random_state=0)
    assert clf.fit(X_train, y_train).score(X_test, y_test) > 0.95


@pytest.mark.parametrize("fitted", [False, True])
def test_find_lr_leaves_the_estimator_as_it_was(fitted, digits):
    import torch

    X, y = digits
    clf = MLPClassifier(max_iter=5, random_state=np.random.RandomState(0))
    if fitted:
        clf.fit(X, y)
        proba = clf.predict_proba(X)
    before = dict(vars(clf))
    pickled = pickle.dumps(clf)  # every attribute's content (the net's as numpy)
    rng_state = torch.get_rng_state()
    clf.find_lr(X, y, num_iter=30)
    assert vars(clf).keys() == before.keys()
    assert all(vars(clf)[key] is value for key, value in before.items())
    assert pickle.dumps(clf) == pickled
    assert torch.equal(torch.get_rng_state(), rng_state)
    if fitted:
        np.testing.assert_array_equal(clf.predict_proba(X), proba)


def test_find_lr_is_seeded_by_random_state(digits):
    X, y = digits
    a = MLPClassifier(random_state=0).find_lr(X, y, num_iter=20)
    b = MLPClassifier(random_state=0).find_lr(X, y, num_iter=20)
    c = MLPClassifier(random_state=1).find_lr(X, y, num_iter=20)
    np.testing.assert_array_equal(a.raw_losses, b.raw_losses)
    assert not np.array_equal(a.raw_losses, c.raw_losses)


def test_find_lr_works_for_the_regressor_and_sample_weights():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    weights = np.random.RandomState(0).uniform(0.5, 2, len(y))
    result = MLPRegressor(solver="sgd", batch_size=16, random_state=0).find_lr(
        X[:, :3], X[:, 3], sample_weight=weights, end_lr=100.0
    )
    assert len(result.learning_rates) < 100  # sgd diverges before lr=100
    assert np.isfinite(result.losses).all()
    assert 1e-7 < result.suggested_learning_rate < 100


def test_find_lr_refuses_bad_arguments(digits):
    X, y = digits
    clf = MLPClassifier()
    msg = "end_lr must be larger than start_lr, got start_lr=0.1 and end_lr=0.01."
    with pytest.raises(ValueError, match=re.escape(msg)):
        clf.find_lr(X, y, start_lr=0.1, end_lr=0.01)
    with pytest.raises(InvalidParameterError, match="The 'num_iter' parameter"):
        clf.find_lr(X, y, num_iter=2)
    msg = "find_lr needs a stochastic solver"
    with pytest.raises(ValueError, match=re.escape(msg)):
        MLPClassifier(solver="lbfgs").find_lr(X, y)
    with pytest.raises(InvalidParameterError, match="The 'solver' parameter"):
        MLPClassifier(solver="newton").find_lr(X, y)


def test_display_plots_the_curve_on_a_log_axis(digits):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    X, y = digits
    result = MLPClassifier(random_state=0).find_lr(X, y, num_iter=40)
    display = result.plot()
    assert isinstance(display, LRFinderDisplay)
    assert display.ax_.get_xscale() == "log"
    np.testing.assert_array_equal(display.line_.get_xdata(), result.learning_rates)
    np.testing.assert_array_equal(display.line_.get_ydata(), result.losses)
    assert display.suggestion_.get_xdata()[0] == pytest.approx(
        result.suggested_learning_rate
    )
    assert "suggested" in display.ax_.get_legend().get_texts()[1].get_text()


def test_display_without_matplotlib_says_how_to_install(monkeypatch, digits):
    X, y = digits
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    msg = "LRFinderDisplay.from_estimator needs matplotlib, which is an optional"
    with pytest.raises(ImportError, match=re.escape(msg)):
        LRFinderDisplay.from_estimator(MLPClassifier(), X, y)
    result = MLPClassifier(random_state=0).find_lr(X, y, num_iter=10)
    with pytest.raises(ImportError, match=re.escape("pip install 'sknn[plot]'")):
        result.plot()


def test_the_range_test_starts_from_the_drawn_numeric_embedding(monkeypatch):
    """The throw-away network has fit's initial embedding, not zeros: with
    zero frequencies every feature would embed to a constant."""
    from sknn import _torch

    X, y = load_iris(return_X_y=True)
    clf = MLPClassifier(numeric_embedding="periodic", embedding_dim=4, random_state=0)
    seen = {}
    original = _torch._build_net

    def spy(network, training, coefs, intercepts, extra_state=None, steps=1):
        net = original(network, training, coefs, intercepts, extra_state, steps)
        seen["frequencies"] = net.module_[0].frequencies.detach().numpy().copy()
        return net

    monkeypatch.setattr(_torch, "_build_net", spy)
    clf.find_lr(X, y, num_iter=5)
    fitted = MLPClassifier(numeric_embedding="periodic", embedding_dim=4, max_iter=1,
                           random_state=0)  # fmt: skip
    fitted._validate_params()
    fitted._prepare_training(X, y, None, incremental=False)
    np.testing.assert_array_equal(
        seen["frequencies"], fitted._extra_state["0.frequencies"]
    )
    assert np.abs(seen["frequencies"]).max() > 0


def test_the_range_test_starts_from_the_fits_bins(monkeypatch):
    """The throw-away network has the bins fit would compute: with zero edges
    every feature's bins would encode to nothing."""
    from sknn import _torch

    X, y = load_iris(return_X_y=True)
    params = dict(numeric_embedding="piecewise_linear", embedding_dim=4, random_state=0)
    seen = {}
    original = _torch._build_net

    def spy(network, training, coefs, intercepts, extra_state=None, steps=1):
        net = original(network, training, coefs, intercepts, extra_state, steps)
        seen["edges"] = net.module_[0].edges.numpy().copy()
        seen["inverse_width"] = net.module_[0].inverse_width.numpy().copy()
        return net

    monkeypatch.setattr(_torch, "_build_net", spy)
    MLPClassifier(**params).find_lr(X, y, num_iter=5)
    fitted = MLPClassifier(max_iter=1, **params)
    fitted._validate_params()
    fitted._prepare_training(X, y, None, incremental=False)
    np.testing.assert_array_equal(seen["edges"], fitted._extra_state["0.edges"])
    assert seen["inverse_width"].max() > 0
