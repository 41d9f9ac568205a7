"""A 12-candidate grid search over sknn: on a 2-worker Dask LocalCluster vs n_jobs=1.

Run with ``python tests/benchmarks/bench_dask.py`` (needs the dask extra). Never
collected by the test suite; timings never gate CI. The cluster is started and its
workers have imported sknn before the clock starts, as a standing cluster would.
"""

import argparse
import statistics
import time
import warnings

import joblib
from distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

import sknn

GRID = {
    "hidden_layer_sizes": [(32,), (64,), (128,)],
    "alpha": [1e-4, 1e-2],
    "batch_size": [64, 200],
}


def _search():
    return GridSearchCV(
        sknn.MLPClassifier(max_iter=60, random_state=0), GRID, cv=3, refit=False
    )


def _warm_up():
    import sknn  # noqa: F401  (the worker imports torch and sknn once)

    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    _search().set_params(param_grid={"alpha": [1e-4]}).fit(X, y)  # warm this process
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(_warm_up)
        local, dask = [], []
        for _ in range(args.rounds):
            tic = time.perf_counter()
            serial = _search().fit(X, y)
            local.append(time.perf_counter() - tic)
            tic = time.perf_counter()
            with joblib.parallel_config(backend="dask"):
                remote = _search().fit(X, y)
            dask.append(time.perf_counter() - tic)
            same = (serial.cv_results_["mean_test_score"] ==
                    remote.cv_results_["mean_test_score"]).all()  # fmt: skip
    n = len(serial.cv_results_["params"])
    print(f"GridSearchCV, {n} candidates x 3 folds, digits, medians of {args.rounds}:")
    print("| where | wall time | ratio |")
    print("|---|---|---|")
    print(f"| n_jobs=1, this process | {statistics.median(local):.2f} s | 1.00 |")
    median = statistics.median(dask)
    ratio = median / statistics.median(local)
    print(f"| Dask LocalCluster, 2 workers | {median:.2f} s | {ratio:.2f} |")
    print(f"same cv_results_ scores: {bool(same)}")


if __name__ == "__main__":
    main()
