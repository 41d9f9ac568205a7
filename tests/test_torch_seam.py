"""Unit tests of the torch seam: losses and gradients against sklearn's backprop."""

import copy
import dataclasses
import os
import re
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnClassifier
from sklearn.neural_network import MLPRegressor as SklearnRegressor

from sknn import MLPClassifier, _saved_net, _torch, _torch_state
from sknn import _load as load_reading
from sknn._network import _FIELD_CHECKS, LEARNING_RATES, Network
from sknn._training import TRAINING_CHECKS, Training

LOSSES = {
    # seam loss kind: (sklearn estimator, out_activation_, sklearn loss, n_outputs)
    "softmax_log_loss": (SklearnClassifier, "softmax", "log_loss", 3),
    "logistic_log_loss": (SklearnClassifier, "logistic", "log_loss", 2),
    "squared_error": (SklearnRegressor, "identity", "squared_error", 3),
    "poisson": (SklearnRegressor, "exp", "poisson", 2),
}


def _network(layer_units, activation="tanh", dropout=None):
    """The record of a network of ``layer_units`` (no embedding)."""
    hidden = tuple(layer_units[1:-1])
    dropout = (0.0,) * len(hidden) if dropout is None else dropout
    return Network(layer_units[0], hidden, layer_units[-1], activation, dropout)


def _training(kind, alpha, l1=0.0):
    return Training(
        loss=kind,
        solver="adam",
        alpha=alpha,
        l1=l1,
        batch_size=10,
        learning_rate="constant",
        learning_rate_init=1e-3,
        power_t=0.5,
        max_iter=1,
        shuffle=False,
        tol=1e-4,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        n_iter_no_change=10,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        max_fun=100,
        device="cpu",
        seed=0,
    )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("kind", sorted(LOSSES))
def test_loss_and_gradient_equal_sklearns_backprop(kind, weighted):
    sklearn_class, out_activation, loss, n_outputs = LOSSES[kind]
    rng = np.random.RandomState(0)
    layer_units = (4, 5, n_outputs)
    X = rng.normal(size=(10, 4))
    if kind == "softmax_log_loss":
        y = np.eye(3)[rng.randint(0, 3, 10)]
    elif kind == "logistic_log_loss":
        y = rng.randint(0, 2, (10, 2)).astype(float)
    elif kind == "poisson":
        y = rng.poisson(2.0, (10, 2)).astype(float)
    else:
        y = rng.normal(size=(10, 3))
    sw = rng.uniform(0.5, 2.0, 10) if weighted else None
    coefs = [rng.normal(scale=0.5, size=s) for s in [(4, 5), (5, n_outputs)]]
    intercepts = [rng.normal(scale=0.5, size=s) for s in [5, n_outputs]]

    reference = sklearn_class(activation="tanh", alpha=0.3)
    if sklearn_class is SklearnRegressor:
        reference.loss = loss
    reference.coefs_ = [c.copy() for c in coefs]
    reference.intercepts_ = [b.copy() for b in intercepts]
    reference.n_layers_, reference.out_activation_ = 3, out_activation
    expected_loss, coef_grads, intercept_grads = reference._backprop(
        X, y, sw, [X, None, None], [None, None], [None, None], [None, None]
    )

    net = _torch._build_net(
        _network(layer_units), _training(kind, alpha=0.3), coefs, intercepts
    )
    as_tensor = lambda a: None if a is None else torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
    target = (
        torch.as_tensor(y.argmax(1)) if kind == "softmax_log_loss" else as_tensor(y)
    )
    objective, reported = net.batch_loss(as_tensor(X), target, as_tensor(sw))
    objective.backward()
    np.testing.assert_allclose(reported.item(), expected_loss, rtol=1e-5)
    for linear, coef_grad, intercept_grad in zip(
        net.module_.linears(), coef_grads, intercept_grads
    ):
        np.testing.assert_allclose(linear.weight.grad.numpy().T, coef_grad, atol=1e-5)
        np.testing.assert_allclose(linear.bias.grad.numpy(), intercept_grad, atol=1e-5)


def test_l1_penalty_is_scaled_like_alpha():
    coefs = [np.ones((2, 3)), np.ones((3, 1))]
    intercepts = [np.zeros(3), np.zeros(1)]
    net = _torch._build_net(
        _network((2, 3, 1)),
        _training("squared_error", 0.0, l1=0.5),
        coefs,
        [*intercepts],
    )
    X, y = torch.zeros(4, 2), torch.zeros(4, 1)
    _, reported = net.batch_loss(X, y, None)
    assert reported.item() == pytest.approx(0.5 * 9 / 4)


def test_module_layers_follow_the_config():
    module = _torch.MLPModule(_network((4, 8, 6, 2), "relu", (0.5, 0.0)))
    kinds = [type(m).__name__ for m in module]
    assert kinds == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Linear"]


def test_every_training_setting_is_checked_on_load():
    """A saved file's training settings are refused unless they are exactly the
    fields of Training, each checked: a new setting needs its check."""
    fields = {field.name for field in dataclasses.fields(Training)}
    assert set(TRAINING_CHECKS) == fields
    fields = {field.name for field in dataclasses.fields(Network)}
    assert set(_FIELD_CHECKS) == fields


def _kinds(value):
    """What ``_saved_net.same_kind`` compares of a fresh state's value: its
    structure, strings, None and flags, whether an int is at least 1, floats as
    floats."""
    if isinstance(value, dict):
        return {key: _kinds(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_kinds(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return ("int", value >= 1)
    return type(value).__name__


LAYOUT_NETWORKS = {
    "plain": Network(4, (5,), 1, "relu", (0.0,)),
    "batch norm, dropout": Network(4, (5, 3), 3, "tanh", (0.2, 0.0), batch_norm=True),
    "embedding": Network(
        4, (5,), 2, "relu", (0.0,), batch_norm=True, numeric_embedding="periodic",
        embedding_dim=3, embedded_features=2, embedding_frequencies=6,
    ),
    "piecewise-linear embedding": Network(
        4, (5,), 2, "relu", (0.0,), numeric_embedding="piecewise_linear",
        embedding_dim=3, embedded_features=2, embedding_bins=5,
    ),
}  # fmt: skip


@pytest.mark.parametrize("solver", sorted(_saved_net.OPTIMIZER_DEFAULTS))
def test_optimizer_defaults_are_torchs(solver):
    optimizer = getattr(torch.optim, _saved_net.OPTIMIZERS[solver])
    parameter = torch.zeros(1, requires_grad=True)
    assert optimizer([parameter]).defaults == _saved_net.OPTIMIZER_DEFAULTS[solver]


@pytest.mark.parametrize("network", sorted(LAYOUT_NETWORKS))
@pytest.mark.parametrize("learning_rate", LEARNING_RATES)
@pytest.mark.parametrize(
    "solver, momentum, max_iter",
    [("sgd", 0.9, 3), ("sgd", 0.0, 1), ("adam", 0.9, 1), ("adamw", 0.9, 2),
     ("rmsprop", 0.0, 3), ("rmsprop", 0.5, 1), ("adagrad", 0.9, 1),
     ("lbfgs", 0.9, 5)],
)  # fmt: skip
def test_saved_state_layouts_are_those_of_torchs_net(
    network, learning_rate, solver, momentum, max_iter
):
    """sknn.load checks a file's net state against layouts written from the saved
    records alone: they must be what torch builds for those records, or a file sknn
    wrote would be refused (or a hostile one let through to torch)."""
    network = LAYOUT_NETWORKS[network]
    training = dataclasses.replace(
        _training("squared_error", 1e-4),
        solver=solver,
        momentum=momentum,
        learning_rate=learning_rate,
        max_iter=max_iter,
    )
    coefs = [np.zeros(shape, np.float32) for shape in network.weight_shapes()]
    intercepts = [np.zeros(shape[1], np.float32) for shape in network.weight_shapes()]
    net = _torch._build_net(network, training, coefs, intercepts)
    module = net.module_
    assert _saved_net.parameter_shapes(network) == [
        (name, tuple(parameter.shape)) for name, parameter in module.named_parameters()
    ]
    assert _saved_net.extra_state_layout(network) == _torch_state.module_layout(
        module, extra_only=True
    )
    layout = _saved_net.optimizer_layout(network, training)
    groups = net.optimizer_.state_dict()["param_groups"]
    assert _kinds(layout.param_groups) == _kinds(groups)
    if solver != "lbfgs":
        assert layout.entries == _torch_state._state_entries(net.optimizer_)
    scheduler = net.lr_scheduler_
    schedule = _saved_net.schedule_state(training, len(groups))
    assert _kinds(schedule) == _kinds(scheduler and scheduler.state_dict())
    generators = [torch.Generator(), _torch.dropout_generator(training)]
    for generator in generators:
        assert tuple(generator.get_state().shape) == _saved_net.CPU_GENERATOR_STATE


def test_resolve_device():
    assert _torch.resolve_device("cpu") == "cpu"
    assert _torch.resolve_device("auto") in {"cpu", "cuda", "mps"}
    with pytest.raises(ValueError, match=re.escape("device='tpu:x' is not a device")):
        _torch.resolve_device("tpu:x")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_matches_cpu_fit():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    params = dict(max_iter=30, random_state=0, shuffle=False)
    cpu = MLPClassifier(**params).fit(X, y)
    gpu = MLPClassifier(device="cuda", **params).fit(X, y)
    assert gpu._net.device.startswith("cuda")
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-3)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_does_not_synchronize_per_batch():
    """Batches are sliced on the device and the loss is read once an epoch: ten
    times as many batches give no more host/device synchronizations."""
    import warnings

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(2000, 20)), rng.randint(0, 3, 2000)

    def synchronizations(batch_size):
        params = dict(max_iter=2, tol=0.0, random_state=0, device="cuda")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                MLPClassifier(batch_size=batch_size, **params).fit(X, y)
        finally:
            torch.cuda.set_sync_debug_mode("default")
        return sum("synchroniz" in str(w.message) for w in caught)

    few_batches = synchronizations(200)  # first: any one-off start-up syncs count here
    assert synchronizations(20) <= few_batches  # 100 batches an epoch vs 10


@pytest.mark.parametrize("kind", ["classifier", "multilabel", "regressor", "poisson"])
def test_fast_epoch_loop_trains_like_the_exact_loop(kind):
    """Unit sample weights take the exact (autograd-penalty) loop; none, the fast one.

    The weights agree; the fast loop's reported L2/L1 term is averaged from the
    epoch's first and last weights, so its loss differs by ~1e-4 relative at this large
    alpha and by float32 round-off at sklearn's default alpha=1e-4.
    """
    from sklearn.datasets import make_multilabel_classification

    from sknn import MLPRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 5))
    if kind == "multilabel":
        X, y = make_multilabel_classification(90, 5, n_classes=3, random_state=0)
    elif kind == "classifier":
        y = rng.randint(0, 3, 90)
    else:
        y = rng.poisson(np.exp(X[:, :2]))
    estimator = MLPClassifier if kind in ("classifier", "multilabel") else MLPRegressor
    for alpha, l1, loss_rtol in [(0.5, 0.01, 1e-3), (1e-4, 0.0, 1e-5)]:
        params = dict(max_iter=15, batch_size=20, alpha=alpha, l1=l1, random_state=0)
        if kind == "poisson":
            params["loss"] = "poisson"
        fast = estimator(**params).fit(X, y)
        exact = estimator(**params).fit(X, y, sample_weight=np.ones(len(X)))
        for a, b in zip(
            fast.coefs_ + fast.intercepts_, exact.coefs_ + exact.intercepts_
        ):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(fast.loss_curve_, exact.loss_curve_, rtol=loss_rtol)


def test_a_registered_optimizer_step_hook_still_runs():
    """sknn's epoch loop skips torch's per-step profiler scope, but not a hook a
    user registered: it runs once per optimizer step."""
    from torch.optim.optimizer import register_optimizer_step_post_hook

    X = np.random.RandomState(0).normal(size=(100, 4))
    y = (X[:, 0] > 0).astype(int)
    steps = []
    handle = register_optimizer_step_post_hook(lambda *args: steps.append(1))
    try:
        MLPClassifier(max_iter=3, batch_size=25, random_state=0).fit(X, y)
    finally:
        handle.remove()
    assert len(steps) == 3 * 4


@pytest.fixture
def torch_threads_4(monkeypatch):
    """torch on 4 threads, a fresh load reading every time, and 4 CPUs to run on."""
    from sknn import _torch_devices

    before = torch.get_num_threads()
    torch.set_num_threads(4)
    monkeypatch.setattr(_torch_devices, "LOAD_READING_SECONDS", 0.0)
    monkeypatch.setattr(load_reading.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    yield _torch_devices
    torch.set_num_threads(before)


def _load(devices, monkeypatch, machine, pool=0, other=0):
    """Make the load reading see ``machine`` runnable threads: the caller, ``pool``
    spinning threads of torch's pool, ``other`` runnable threads of another pool
    of this process (numpy's BLAS) and, for the rest, other processes'."""
    import threading

    caller = str(threading.get_native_id())
    torch_pool = {f"torch-{i}" for i in range(pool)}
    own = {caller, *torch_pool, *(f"blas-{i}" for i in range(other))}
    monkeypatch.setattr(devices._TORCH_POOL, "threads", frozenset(torch_pool))
    monkeypatch.setattr(load_reading, "running_threads_of_machine", lambda: machine)
    monkeypatch.setattr(load_reading, "running_threads_of_this_process", lambda: own)


@pytest.mark.parametrize(
    "machine, pool, other, threads",
    [
        (1, 0, 0, 4),  # idle: only the thread that reads
        (3, 2, 0, 4),  # idle, and torch's pool still spinning after earlier work
        (2, 0, 0, 3),  # one other busy process
        (4, 1, 0, 2),  # two others, one pool thread of ours spinning
        (9, 0, 0, 1),  # more busy than CPUs: still one thread
        (2, 0, 1, 3),  # numpy's BLAS pool spinning after its work
        (4, 1, 2, 2),  # ... two of its threads, and one of torch's
        (4, 0, 1, 1),  # one of its threads, and two other processes
    ],
)
def test_large_work_runs_on_the_cpus_other_threads_leave_free(
    torch_threads_4, monkeypatch, machine, pool, other, threads
):
    _load(torch_threads_4, monkeypatch, machine, pool, other)
    with torch_threads_4.TorchThreads(2**30, 2**20):
        assert torch.get_num_threads() == threads
    assert torch.get_num_threads() == 4


def test_threads_never_exceed_the_callers(torch_threads_4, monkeypatch):
    _load(torch_threads_4, monkeypatch, machine=1)
    torch.set_num_threads(2)
    with torch_threads_4.TorchThreads(2**30, 2**20):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == 2


def test_small_work_is_single_threaded_without_reading_the_load(
    torch_threads_4, monkeypatch
):
    def unread():
        raise AssertionError("the load was read for single-threaded work")

    monkeypatch.setattr(torch_threads_4, "read_free_cpus", unread)
    with torch_threads_4.TorchThreads(2**19, 2**20):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 4


def test_without_a_load_reading_large_work_takes_the_callers_threads(
    torch_threads_4, monkeypatch
):
    def no_proc():
        raise FileNotFoundError("/proc/loadavg")

    monkeypatch.setattr(load_reading, "running_threads_of_machine", no_proc)
    assert torch_threads_4.read_free_cpus() is None
    with torch_threads_4.TorchThreads(2**30, 2**20):
        assert torch.get_num_threads() == 4


def test_a_load_reading_is_reused_for_a_while(torch_threads_4, monkeypatch):
    readings = iter([3, 1])
    monkeypatch.setattr(torch_threads_4, "read_free_cpus", lambda: next(readings))
    assert torch_threads_4.free_cpus() == 3
    monkeypatch.setattr(torch_threads_4, "LOAD_READING_SECONDS", 3600.0)
    assert torch_threads_4.free_cpus() == 3
    monkeypatch.setattr(torch_threads_4, "LOAD_READING_SECONDS", 0.0)
    assert torch_threads_4.free_cpus() == 1


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="Linux's /proc only")
def test_the_load_reading_counts_this_process_and_the_machine():
    from sknn import _torch_devices

    ours = load_reading.running_threads_of_this_process()
    assert str(threading.get_native_id()) in ours  # the reading thread itself
    assert load_reading.running_threads_of_machine() >= 1
    free = _torch_devices.read_free_cpus()
    assert 1 <= free <= len(os.sched_getaffinity(0))


POOL_SCRIPT = """
import os, threading, numpy as np, torch
from sknn import _torch_devices as devices
torch.set_num_threads(2)
devices.free_cpus = lambda: 2  # as if idle
before = set(os.listdir("/proc/self/task"))
with devices.TorchThreads(2**30, 2**20):
    torch.ones(512, 512) @ torch.ones(512, 512)  # starts torch's pool
started = set(os.listdir("/proc/self/task")) - before
pool = devices._TORCH_POOL.threads
print(bool(pool), pool == started, str(threading.get_native_id()) in pool)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="Linux's /proc")
def test_the_threads_torch_starts_are_told_from_numpys():
    """The threads that start while sknn runs torch are torch's pool; the others
    (numpy's BLAS pool, started when numpy was imported) count as load."""
    env = dict(os.environ, OMP_NUM_THREADS="2")
    result = subprocess.run(
        [sys.executable, "-c", POOL_SCRIPT], env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["True", "True", "False"], result.stderr


POOL_DURING_FIT_SCRIPT = """
import numpy as np, torch
from sknn import _torch_devices as devices
torch.set_num_threads(2)
devices.free_cpus = lambda: 2  # as if idle
with devices.TorchThreads(2**30, 2**20) as threads:
    torch.ones(512, 512) @ torch.ones(512, 512)  # an epoch starts torch's pool
    threads.follow_load()  # the next epoch's reading
    print(bool(devices._TORCH_POOL.threads))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="Linux's /proc")
def test_a_fit_learns_torchs_pool_before_its_next_epoch():
    """A pool thread torch starts in a fit's first epoch is known as torch's at the
    second epoch's load reading: spinning on, it is not another thread's load."""
    env = dict(os.environ, OMP_NUM_THREADS="2")
    result = subprocess.run(
        [sys.executable, "-c", POOL_DURING_FIT_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["True"], result.stderr


POOL_STARTED_BEFORE_SCRIPT = """
import torch
from sknn import _torch_devices as devices
torch.set_num_threads(2)
torch.ones(512, 512) @ torch.ones(512, 512)  # the caller's own work starts the pool
devices.free_cpus = lambda: 2  # as if idle
with devices.TorchThreads(2**30, 2**20) as threads:
    for _ in range(20):  # an epoch
        torch.ones(512, 512) @ torch.ones(512, 512)
    threads.follow_load()
    print(len(devices._TORCH_POOL.threads))
"""


@pytest.mark.skipif(
    not os.path.exists("/proc/self/schedstat"), reason="Linux's /proc schedstat"
)
def test_a_pool_the_callers_torch_code_started_is_learnt_as_torchs():
    """A pool thread that existed before sknn ran (the caller's own torch work
    started it) is known as torch's once it has worked beside the caller for an
    epoch: spinning on at the next epoch's reading, it is not another's load (on
    an idle machine, epochs took turns on 2 and 1 threads)."""
    env = dict(os.environ, OMP_NUM_THREADS="2")
    result = subprocess.run(
        [sys.executable, "-c", POOL_STARTED_BEFORE_SCRIPT],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["1"], result.stderr


def test_a_fit_gives_up_a_thread_when_another_process_starts(
    torch_threads_4, monkeypatch
):
    # the machine gets busier after the first epoch: the second runs on fewer threads
    readings = iter([4, 4, 2, 2, 2])
    monkeypatch.setattr(torch_threads_4, "read_free_cpus", lambda: next(readings))
    seen = []
    train_epoch = _torch.SknnNet._train_epoch_fast

    def spy(self, *args):
        seen.append(torch.get_num_threads())
        return train_epoch(self, *args)

    monkeypatch.setattr(_torch.SknnNet, "_train_epoch_fast", spy)
    X = np.random.RandomState(0).normal(size=(60, 20)).astype(np.float32)
    y = np.arange(60) % 3
    clf = MLPClassifier((2048, 2048), batch_size=60, max_iter=3, n_iter_no_change=5)
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert seen == [4, 2, 2]
    assert torch.get_num_threads() == 4


@pytest.mark.parametrize(
    "params",
    [
        {"activation": activation}
        for activation in ("identity", "logistic", "tanh", "relu", "leaky_relu",
                           "elu", "selu", "gelu", "silu", "softplus", "hardtanh")
    ]
    + [
        {"batch_norm": True, "dropout": 0.2},
        {"numeric_embedding": "periodic", "embedding_dim": 3, "batch_norm": True},
        {"numeric_embedding": "piecewise_linear", "embedding_dim": 3,
         "embedding_bins": 6, "embedded_features": 3},
    ],
)  # fmt: skip
def test_numpy_predictions_equal_the_torch_modules(params, iris):
    """On the CPU the estimators predict in numpy from their fitted arrays; each
    layer computes what the torch module's does, in float64 and float32."""
    X, y = iris
    X = X * 3  # reach the activations' saturating and negative sides
    clf = MLPClassifier((9, 7), max_iter=20, random_state=0, **params).fit(X, y)
    module = copy.deepcopy(clf._net.module_).to(torch.float64).eval()
    with torch.inference_mode():
        expected = torch.softmax(module(torch.from_numpy(X)), dim=1).numpy()
    for dtype, tolerance in ((np.float64, 1e-12), (np.float32, 1e-5)):
        proba = clf.predict_proba(X.astype(dtype))
        assert proba.dtype == dtype
        np.testing.assert_allclose(proba, expected, atol=tolerance)
