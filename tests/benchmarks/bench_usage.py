"""sknn in use: inference, a Pipeline beside numpy, loops of numpy work and sknn
calls, cold starts, a busy machine, parallel search, memory.

Run with ``nox -s bench`` (or ``python tests/benchmarks/bench_usage.py``). Never
collected by the test suite; timings never gate CI. Every figure is a median over
interleaved repetitions, printed as a ratio to its reference.
"""

import argparse
import copy
import functools
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.neural_network import MLPRegressor as SklearnRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        tic = time.perf_counter()
        fn()
        times.append(time.perf_counter() - tic)
    return statistics.median(times)


def _inference_models(hidden_layer_sizes=(256, 256)):
    """float32 X, and sknn's and scikit-learn's networks fitted on it."""
    X, y = make_classification(
        n_samples=5000, n_features=50, n_informative=20, n_classes=3, random_state=0
    )
    X = X.astype(np.float32)
    params = dict(hidden_layer_sizes=hidden_layer_sizes, max_iter=2, random_state=0)
    return X, sknn.MLPClassifier(**params).fit(X, y), SklearnMLP(**params).fit(X, y)


def inference(rounds):
    """predict_proba of 1 and 1000 rows vs the bare module's forward pass, alone and
    after a StandardScaler in a Pipeline."""
    print(
        "\npredict_proba, median time per call. bare forward: the fitted module called "
        "on torch.from_numpy(X) under inference_mode, then softmax, on torch's "
        f"default {torch.get_num_threads()} threads (as a user's own torch code runs); "
        "sknn and scikit-learn compute in numpy; torch's calls and numpy's run in "
        "blocks of their own"
    )
    print(
        "| network | rows | X | bare forward | bare, X's dtype | sknn | sklearn | "
        "sknn / bare | sknn / bare, X's dtype | sknn / sklearn |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for hidden in [(100,), (256, 256)]:
        _inference_rows(hidden, rounds)
    _pipeline_inference_rows(rounds)


# the calls that run on torch's thread pool; the others (sknn, which predicts in
# numpy on the CPU, and scikit-learn) run on numpy's BLAS pool
TORCH_CALLS = ("bare", "same")


def _interleaved(calls, rounds, repeat):
    """Median time per call of each call. The calls on one thread pool alternate one
    call at a time (each sees the caches and the pool as the others left it: a few
    microseconds that blocks of one call would hide or favour); torch's calls and
    numpy's run in blocks of their own, each followed by a pause (a pool's threads
    spin after work and would slow the other pool's calls)."""
    results = {name: [] for name in calls}
    blocks = [
        [(name, call) for name, call in calls.items() if name in TORCH_CALLS],
        [(name, call) for name, call in calls.items() if name not in TORCH_CALLS],
    ]
    for _ in range(rounds):
        for block in blocks:
            for _ in range(repeat):
                for name, call in block:
                    tic = time.perf_counter()
                    call()
                    results[name].append(time.perf_counter() - tic)
            time.sleep(0.2)
    return {name: statistics.median(times) for name, times in results.items()}


def _inference_rows(hidden, rounds):
    X, ours, theirs = _inference_models(hidden)
    module = ours._net.module_
    module64 = copy.deepcopy(module).double()

    def bare(rows):
        with torch.inference_mode():
            return torch.softmax(module(torch.from_numpy(rows)), dim=1).numpy()

    def bare64(rows):
        with torch.inference_mode():
            return torch.softmax(module64(torch.from_numpy(rows)), dim=1).numpy()

    # "bare forward" is float32 throughout; "bare, X's dtype" runs a float64 copy of
    # the module on float64 X, as sknn does
    for dtype in (np.float32, np.float64):
        for n_rows, repeat in [(1, 300), (1000, 60)]:
            rows, rows32 = X[:n_rows].astype(dtype), X[:n_rows]
            same_dtype = bare if dtype == np.float32 else bare64
            calls = {
                "bare": functools.partial(bare, rows32),
                "same": functools.partial(same_dtype, rows),
                "sknn": functools.partial(ours.predict_proba, rows),
                "sklearn": functools.partial(theirs.predict_proba, rows),
            }
            med = _interleaved(calls, rounds, repeat)
            print(
                f"| {'x'.join(map(str, hidden))} | {n_rows} | {np.dtype(dtype).name} | "
                f"{med['bare'] * 1e6:.0f} us | {med['same'] * 1e6:.0f} us | "
                f"{med['sknn'] * 1e6:.0f} us | {med['sklearn'] * 1e6:.0f} us | "
                f"{med['sknn'] / med['bare']:.2f} | {med['sknn'] / med['same']:.2f} | "
                f"{med['sknn'] / med['sklearn']:.2f} |"
            )


def _pipeline_inference_rows(rounds):
    """Pipeline(StandardScaler(), MLPClassifier()).predict_proba, sknn's network
    against scikit-learn's, default network, float32 X."""
    X, y = make_classification(
        n_samples=5000, n_features=50, n_informative=20, n_classes=3, random_state=0
    )
    X = X.astype(np.float32)
    params = dict(max_iter=2, random_state=0)
    ours = make_pipeline(StandardScaler(), sknn.MLPClassifier(**params)).fit(X, y)
    theirs = make_pipeline(StandardScaler(), SklearnMLP(**params)).fit(X, y)
    print(
        "\nPipeline(StandardScaler(), MLPClassifier()).predict_proba, default network "
        "(100,), float32 X, median time per call"
    )
    print("| rows | sknn | sklearn | sknn / sklearn |")
    print("|---|---|---|---|")
    for n_rows, repeat in [(1, 300), (1000, 60)]:
        rows = X[:n_rows]
        calls = {
            "sknn": functools.partial(ours.predict_proba, rows),
            "sklearn": functools.partial(theirs.predict_proba, rows),
        }
        med = _interleaved(calls, rounds, repeat)
        print(
            f"| {n_rows} | {med['sknn'] * 1e6:.0f} us | "
            f"{med['sklearn'] * 1e6:.0f} us | {med['sknn'] / med['sklearn']:.2f} |"
        )


def onnx(rounds):
    """onnxruntime's latency on sknn's exported network, beside predict_proba."""
    import onnxruntime
    import skl2onnx

    import sknn.onnx  # noqa: F401  (registers the converters)

    X, ours, theirs = _inference_models()
    exported = skl2onnx.to_onnx(ours, X[:1], options={"zipmap": False})
    session = onnxruntime.InferenceSession(
        exported.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name

    print(
        "\nONNX export: onnxruntime vs predict_proba, 2 hidden layers of 256, float32"
    )
    print("| rows | onnxruntime | sknn | sklearn | onnxruntime / sknn |")
    print("|---|---|---|---|---|")
    for n_rows, repeat in [(1, 300), (1000, 60)]:
        rows = X[:n_rows]
        calls = {
            "onnxruntime": lambda r=rows: session.run(None, {name: r}),
            "sknn": lambda r=rows: ours.predict_proba(r),
            "sklearn": lambda r=rows: theirs.predict_proba(r),
        }
        results = {key: [] for key in calls}
        for _ in range(rounds):
            for key, call in calls.items():
                results[key].append(_median_time(call, repeat))
            time.sleep(0.2)
        med = {k: statistics.median(v) for k, v in results.items()}
        print(
            f"| {n_rows} | {med['onnxruntime'] * 1e6:.0f} us | "
            f"{med['sknn'] * 1e6:.0f} us | {med['sklearn'] * 1e6:.0f} us | "
            f"{med['onnxruntime'] / med['sknn']:.2f} |"
        )


def pipeline(rounds):
    """Pipeline(StandardScaler(), MLPClassifier()) vs the same network on scaled X."""
    X, y = make_classification(
        n_samples=20000, n_features=50, n_informative=20, n_classes=3, random_state=0
    )
    scaler = StandardScaler().fit(X)
    X_scaled = scaler.transform(X)
    params = dict(max_iter=5, random_state=0)
    rows, scaled_rows = X[:1000], X_scaled[:1000]
    fit_ratio, predict_ratio, scaler_share, parts_ratio = [], [], [], []
    for _ in range(rounds):
        pipe = make_pipeline(StandardScaler(), sknn.MLPClassifier(**params))
        alone = sknn.MLPClassifier(**params)
        t_pipe = _median_time(lambda p=pipe: p.fit(X, y), 1)
        t_alone = _median_time(lambda a=alone: a.fit(X_scaled, y), 1)
        fit_ratio.append(t_pipe / t_alone)
        p_pipe = _median_time(lambda p=pipe: p.predict(rows), 30)
        p_alone = _median_time(lambda a=alone: a.predict(scaled_rows), 30)
        p_scaler = _median_time(lambda: scaler.transform(rows), 30)
        predict_ratio.append(p_pipe / p_alone)
        scaler_share.append(p_scaler / p_alone)
        # the pipeline against its two steps timed apart: what running sknn right
        # after numpy work costs
        parts_ratio.append(p_pipe / (p_scaler + p_alone))
    print(
        "\nPipeline(StandardScaler(), MLPClassifier()) / MLPClassifier() alone, "
        f"20000 x 50: fit {statistics.median(fit_ratio):.2f}; predict 1000 rows "
        f"{statistics.median(predict_ratio):.2f}, of which StandardScaler.transform "
        f"alone is {statistics.median(scaler_share):.2f}; the pipeline's predict / "
        f"(transform alone + predict alone) = {statistics.median(parts_ratio):.2f}"
    )


GRIDS = {
    # torch runs these single-threaded whether the search is serial or parallel
    "small networks": {
        "alpha": [1e-4, 1e-3, 1e-2],
        "hidden_layer_sizes": [(16,), (32,), (64,)],
    },
    # the serial search gives the 128 and 64 x 64 candidates torch's second thread
    "mixed": {
        "alpha": [1e-4, 1e-3, 1e-2],
        "hidden_layer_sizes": [(32,), (64,), (128,), (64, 64)],
    },
}


def grid_search(rounds):
    """GridSearchCV wall time, n_jobs=2 vs n_jobs=1, 3 folds."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    base = sknn.MLPClassifier(max_iter=100, random_state=0)
    # start the worker processes first: each pays torch's import once
    GridSearchCV(base, {"alpha": [1e-4, 1e-3]}, cv=2, n_jobs=2).fit(X[:300], y[:300])
    for name, grid in GRIDS.items():
        ratios, walls = [], []
        for _ in range(rounds):
            t1 = _median_time(
                lambda g=grid: GridSearchCV(base, g, cv=3, n_jobs=1).fit(X, y), 1
            )
            t2 = _median_time(
                lambda g=grid: GridSearchCV(base, g, cv=3, n_jobs=2).fit(X, y), 1
            )
            ratios.append(t2 / t1)
            walls.append((t1, t2))
        t1, t2 = sorted(walls, key=lambda w: w[1] / w[0])[len(walls) // 2]
        n_candidates = len(grid["alpha"]) * len(grid["hidden_layer_sizes"])
        print(
            f"\nGridSearchCV over sknn, digits, {name} ({n_candidates} candidates x "
            f"3 folds, 100 epochs): n_jobs=2 / n_jobs=1 = "
            f"{statistics.median(ratios):.2f} ({t2:.1f} s vs {t1:.1f} s)"
        )
    print(
        f"ceiling on this machine: {_parallel_ceiling():.2f} (the same pure compute "
        "in 2 processes vs 1)"
    )


def _matmuls(n):
    torch.set_num_threads(1)
    a = torch.randn(256, 256)
    for _ in range(n):
        a @ a


def _parallel_ceiling():
    from joblib import Parallel, delayed

    Parallel(n_jobs=2)(delayed(_matmuls)(10) for _ in range(2))
    t1 = _median_time(lambda: [_matmuls(1500) for _ in range(2)], 1)
    t2 = _median_time(
        lambda: Parallel(n_jobs=2)(delayed(_matmuls)(1500) for _ in range(2)), 1
    )
    torch.set_num_threads(2)
    return t2 / t1


class BusyProcess:
    """One competing process busy on a CPU for the ``with`` block: a Python loop,
    pinned to no CPU, given half a second to be scheduled before the block runs."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        time.sleep(0.5)
        return self

    def __exit__(self, *exc_info):
        self.process.kill()
        self.process.wait()


BUSY_EPOCHS = 20


def _busy_cases():
    """(name, X, y, sknn's estimator, scikit-learn's, predict method) on the digits:
    the class, and the digit as a number for the regressors."""
    X, y = load_digits(return_X_y=True)
    return [
        ("classifier", X, y, sknn.MLPClassifier, SklearnMLP, "predict_proba"),
        (
            "regressor",
            X,
            y.astype(float),
            sknn.MLPRegressor,
            SklearnRegressor,
            "predict",
        ),
    ]


def _busy_times(X, y, estimator, hidden, method):
    """A Pipeline(StandardScaler(), estimator)'s fit time (BUSY_EPOCHS epochs, with
    early stopping's validation) and its median predict time on X."""
    params = dict(
        hidden_layer_sizes=hidden,
        early_stopping=True,
        max_iter=BUSY_EPOCHS,
        n_iter_no_change=BUSY_EPOCHS,
        random_state=0,
    )
    pipe = make_pipeline(StandardScaler(), estimator(**params))
    fit = _median_time(lambda: pipe.fit(X, y), 1)
    predict = _median_time(functools.partial(getattr(pipe, method), X), 20)
    return fit, predict


def _busy_round(cases, busy):
    """Fit and predict times of every case, sknn's and scikit-learn's; idle, also
    sknn's on one thread (what a single free CPU allows at best)."""
    times = {}
    for name, X, y, ours, theirs, method in cases:
        for hidden in [(100,), (256, 256)]:
            times[name, hidden, "sknn"] = _busy_times(X, y, ours, hidden, method)
            if not busy:
                caller = torch.get_num_threads()
                torch.set_num_threads(1)
                times[name, hidden, "one"] = _busy_times(X, y, ours, hidden, method)
                torch.set_num_threads(caller)
            times[name, hidden, "sklearn"] = _busy_times(X, y, theirs, hidden, method)
            time.sleep(0.3)  # numpy's BLAS threads spin after sklearn's work
    return times


def busy(rounds):
    """Fit and predict on an idle machine vs beside one busy process: busy / idle."""
    cases = _busy_cases()
    _busy_round(cases, busy=False)  # warm-up: torch's and BLAS's first calls
    idle_times, ratios = {}, {}
    for _ in range(rounds):
        idle = _busy_round(cases, busy=False)
        with BusyProcess():
            loaded = _busy_round(cases, busy=True)
        for (name, hidden, variant), times in idle.items():
            for what, seconds in zip(["fit", "predict"], times):
                key = name, hidden, variant, what
                idle_times.setdefault(key, []).append(seconds)
        for (name, hidden, variant), times in loaded.items():
            for what, seconds in zip(["fit", "predict"], times):
                key = name, hidden, variant, what
                ratios.setdefault(key, []).append(seconds / idle_times[key][-1])
    idle_times = {key: statistics.median(v) for key, v in idle_times.items()}
    ratios = {key: statistics.median(v) for key, v in ratios.items()}
    print(
        f"\nBusy machine: Pipeline(StandardScaler(), estimator) on the digits "
        f"(1797 x 64), fit ({BUSY_EPOCHS} epochs, early_stopping=True) and predict "
        f"(predict_proba / predict of the 1797 rows), idle and beside one busy "
        f"process (a Python loop); median over {rounds} rounds of busy / idle. "
        f"one thread: sknn with torch on 1 thread, idle, / sknn idle (the best a "
        f"single free CPU allows); busy / one thread: sknn busy / sknn on 1 thread "
        f"idle (1.00: as fast as the one CPU that the busy process leaves)"
    )
    print(
        "| estimator | network | what | sknn idle | sknn busy / idle | one thread "
        "/ idle | sknn busy / one thread | sklearn idle | sklearn busy / idle |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, *_ in cases:
        for hidden in [(100,), (256, 256)]:
            for what in ["fit", "predict"]:
                ours = idle_times[name, hidden, "sknn", what]
                one = idle_times[name, hidden, "one", what]
                theirs = idle_times[name, hidden, "sklearn", what]
                busy_ratio = ratios[name, hidden, "sknn", what]
                print(
                    f"| {name} | {'x'.join(map(str, hidden))} | {what} | "
                    f"{ours * 1e3:.1f} ms | {busy_ratio:.2f} | {one / ours:.2f} | "
                    f"{busy_ratio * ours / one:.2f} | {theirs * 1e3:.1f} ms | "
                    f"{ratios[name, hidden, 'sklearn', what]:.2f} |"
                )


# beside_numpy's loops, each run in a fresh process: numpy's BLAS pool and torch's
# are process-wide, and a clean process is what "bare forward" means. The script
# prints the median seconds of one call over its loop's last iterations.
NUMPY_LOOP_SCRIPT = """
import statistics, sys, time, warnings
import numpy as np, torch
from sklearn.datasets import load_digits, make_classification
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
import sknn
warnings.simplefilter("ignore")
call, variant = sys.argv[1:]
if variant == "one thread":
    torch.set_num_threads(1)
A = np.random.default_rng(0).standard_normal((300, 300))
if call == "predict":
    X, y = make_classification(n_samples=5000, n_features=50, n_informative=20,
                               n_classes=3, random_state=0)
    X = X.astype(np.float32)
    pipe = make_pipeline(StandardScaler(), sknn.MLPClassifier(
        hidden_layer_sizes=(100,), max_iter=2, random_state=0)).fit(X[:2000], y[:2000])
    rows, n, skip = X[:1000], 300, 100
    if variant == "bare forward":
        module, scaled = pipe[-1]._net.module_, pipe[0].transform(rows)
        def work():
            with torch.inference_mode():
                torch.softmax(module(torch.from_numpy(scaled)), 1).numpy()
    else:
        work = lambda: pipe.predict_proba(rows)
else:
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), sknn.MLPClassifier(max_iter=30,
                                                              random_state=0))
    n, skip = 6, 1
    work = lambda: pipe.fit(X, y)
times = []
for _ in range(n):
    if variant not in ("bare forward", "no numpy"):
        A @ A.T  # numpy's BLAS threads, then
    tic = time.perf_counter()
    work()
    times.append(time.perf_counter() - tic)
print(statistics.median(times[skip:]))
"""

NUMPY_LOOPS = {
    "predict": ["sknn", "one thread", "no numpy", "bare forward"],
    "fit": ["sknn", "one thread", "no numpy"],
}


def _fresh_process_seconds(script, *args):
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.split()[-1])


def beside_numpy(rounds):
    """A loop of numpy matrix products, each followed by a predict (or a fit), in
    a fresh process per variant, the variants interleaved round by round."""
    times = {}
    for _ in range(rounds):
        for call, variants in NUMPY_LOOPS.items():
            for variant in variants:
                seconds = _fresh_process_seconds(NUMPY_LOOP_SCRIPT, call, variant)
                times.setdefault((call, variant), []).append(seconds)
    med = {key: statistics.median(v) for key, v in times.items()}
    print(
        f"\nBeside numpy: each iteration A @ A.T (300 x 300 float64, numpy's BLAS "
        f"threads) then the call, in a fresh process per variant; median over "
        f"{rounds} processes. predict: Pipeline(StandardScaler(), MLPClassifier("
        f"(100,))).predict_proba of 1000 float32 rows of 50 features; fit: the same "
        f"Pipeline with the default network, 30 epochs on the digits. one thread: "
        f"torch.set_num_threads(1); no numpy: without the A @ A.T line; bare "
        f"forward: the scaled rows through the module, in a process without numpy "
        f"work"
    )
    print("| call | variant | time | / one thread | / bare forward |")
    print("|---|---|---|---|---|")
    for call, variants in NUMPY_LOOPS.items():
        one = med[call, "one thread"]
        bare = med.get((call, "bare forward"))
        for variant in variants:
            seconds = med[call, variant]
            unit = (seconds * 1e6, "us") if call == "predict" else (seconds, "s")
            print(
                f"| {call} | {variant} | {unit[0]:.{0 if unit[1] == 'us' else 2}f} "
                f"{unit[1]} | {seconds / one:.2f} | "
                f"{'' if bare is None else f'{seconds / bare:.2f}'} |"
            )


# cold_start's commands: a tiny model and a one-row CSV, written once
COLD_SETUP = """
import sys, warnings, numpy as np, pandas as pd
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
import sknn
warnings.simplefilter("ignore")
rng = np.random.default_rng(0)
frame = pd.DataFrame(rng.standard_normal((100, 4)), columns=list("abcd"))
frame["y"] = np.where(frame.a > 0, "yes", "no")
frame.to_csv(sys.argv[1] + "/data.csv", index=False)
frame.drop(columns="y").head(1).to_csv(sys.argv[1] + "/one.csv", index=False)
"""

COLD_PYTHON = """
import sys
import pandas as pd
import sknn
model = sknn.load(sys.argv[1] + "/model.sknn")
model.predict(pd.read_csv(sys.argv[1] + "/one.csv"))
"""

COLD_FLOOR = "import torch, pandas, sklearn.pipeline"


def cold_start(rounds):
    """Wall time of commands that read a model, each in a fresh process, beside
    the import of torch, pandas and sklearn.pipeline in one (their floor)."""
    import tempfile
    from pathlib import Path

    directory = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-c", COLD_SETUP, directory], check=True)
    sknn_cli = [sys.executable, "-m", "sknn"]
    subprocess.run(
        [*sknn_cli, "fit", "data.csv", "--target", "y", "--set", "max_iter=5",
         "--set", "hidden_layer_sizes=(8,)", "--out", "model.sknn", "-q"],
        cwd=directory, check=True, capture_output=True,
    )  # fmt: skip
    commands = {
        "import torch, pandas, sklearn.pipeline": [sys.executable, "-c", COLD_FLOOR],
        "sknn predict model.sknn one.csv": [*sknn_cli, "predict", "model.sknn",
                                            "one.csv"],
        "sknn info model.sknn": [*sknn_cli, "info", "model.sknn"],
        "python: import sknn, sknn.load, predict": [
            sys.executable, "-c", COLD_PYTHON, directory,
        ],
    }  # fmt: skip
    times = {name: [] for name in commands}
    for _ in range(rounds + 1):  # the first round fills the OS's file cache
        for name, command in commands.items():
            tic = time.perf_counter()
            subprocess.run(command, cwd=directory, check=True, capture_output=True)
            times[name].append(time.perf_counter() - tic)
    med = {name: statistics.median(t[1:]) for name, t in times.items()}
    floor = med["import torch, pandas, sklearn.pipeline"]
    print(
        f"\nCold start: a fresh process per command, median over {rounds} rounds "
        "(commands interleaved); floor: importing torch, pandas and sklearn.pipeline"
    )
    print("| command | time | / floor |")
    print("|---|---|---|")
    for name, seconds in med.items():
        print(f"| {name} | {seconds:.2f} s | {seconds / floor:.2f} |")


# the start of each memory script: its imports and a /proc/self/status reader. Each
# script fits once to load torch's kernels, resets the peak RSS (clear_refs), and
# prints the RSS before its work, the peak after it and the size of its X
PEAK_PROLOGUE = """
import numpy as np, scipy.sparse as sp, warnings, sknn
warnings.simplefilter("ignore")
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
"""

MEMORY_SCRIPT = """
X = np.random.RandomState(0).normal(size=(400_000, 50))  # float64, 160 MB
y = (X[:, 0] > 0).astype(int)
sknn.MLPClassifier(max_iter=1).fit(X[:500], y[:500])  # load torch's kernels first
open("/proc/self/clear_refs", "w").write("5")  # reset the peak RSS
before = status("VmRSS")
sknn.MLPClassifier(max_iter=2, batch_size=256).fit(X, y)
print(before, status("VmHWM"), X.nbytes)
"""


SPARSE_MEMORY_SCRIPT = """
rng = np.random.RandomState(0)
n, d, per_row = 3000, 50000, 50
columns = np.sort(rng.randint(0, d, size=(n, per_row)), axis=1).ravel()
indptr = np.arange(0, n * per_row + 1, per_row)
X = sp.csr_matrix((rng.rand(n * per_row), columns, indptr), shape=(n, d))
y = rng.randint(0, 2, n)
sknn.MLPClassifier(max_iter=1, batch_size=10).fit(X[:20], y[:20])
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
clf = sknn.MLPClassifier(max_iter=2, batch_size=10, hidden_layer_sizes=(8,)).fit(X, y)
clf.predict_proba(X)
print(before, status("VmHWM"), n * d * 4)
"""


LARGE_PREDICT_SCRIPT = """
from sklearn.neural_network import MLPClassifier as SklearnMLP
from sklearn.neural_network import MLPRegressor as SklearnRegressor
rng = np.random.default_rng(0)
X = rng.standard_normal((5_000_000, 20), dtype=np.float32)  # 381 MiB
y = (X[:2000, 0] > 0).astype(int)
Estimator = SklearnMLP if "{which}" == "sklearn" else sknn.MLPClassifier
clf = Estimator(max_iter=2, random_state=0).fit(X[:2000], y)
clf.predict_proba(X[:10])
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
proba = clf.predict_proba(X)
print(before, status("VmHWM"), proba.nbytes)
"""


def _peak_above(script):
    out = subprocess.run(
        [sys.executable, "-c", PEAK_PROLOGUE + script],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    before, peak, size = map(int, out)
    return (peak - before) / 2**20, size / 2**20


def memory():
    """Peak memory of a fit beyond the caller's X, in a fresh process each."""
    peak, x_mib = _peak_above(MEMORY_SCRIPT)
    print(
        f"\nfit on 400000 x 50 float64 X ({x_mib:.0f} MiB): peak RSS {peak:.0f} MiB "
        f"above the process before fit; one float32 copy of X is {x_mib / 2:.0f} MiB"
    )
    peak, dense_mib = _peak_above(SPARSE_MEMORY_SCRIPT)
    print(
        f"fit and predict_proba on a 3000 x 50000 CSR matrix (50 values a row): peak "
        f"RSS {peak:.0f} MiB above the process before; dense float32 it would be "
        f"{dense_mib:.0f} MiB"
    )
    for which in ("sknn", "sklearn"):
        peak, out_mib = _peak_above(LARGE_PREDICT_SCRIPT.replace("{which}", which))
        print(
            f"{which} predict_proba of 5M x 20 float32 rows, hidden_layer_sizes="
            f"(100,): peak RSS {peak:.0f} MiB above the process before; the output "
            f"is {out_mib:.0f} MiB"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--only",
        nargs="+",
        default=[
            "inference",
            "onnx",
            "pipeline",
            "beside_numpy",
            "cold_start",
            "busy",
            "grid_search",
            "memory",
        ],
    )
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"torch threads: {torch.get_num_threads()}")
    for name in args.only:
        fn = globals()[name]
        fn() if name == "memory" else fn(args.rounds)


if __name__ == "__main__":
    main()
