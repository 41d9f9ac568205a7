"""GridSearchCV over sknn on a Dask cluster (two worker processes on loopback)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sknn import MLPClassifier

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning",
    # a LocalCluster on loopback warns about ports and closes its comms noisily
    "ignore::UserWarning:distributed",
    "ignore::DeprecationWarning",
    "ignore::ResourceWarning",
)

ROOT = Path(__file__).resolve().parent.parent
GRID = {"hidden_layer_sizes": [(8,), (16,)], "alpha": [1e-4, 1e-2], "batch_size": [32]}


@pytest.fixture(scope="module")
def client():
    """Two worker processes with two task slots each, on loopback."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    with cluster, distributed.Client(cluster) as client:
        client.wait_for_workers(2, timeout=120)  # an error, never a hang
        yield client


def _search():
    return GridSearchCV(MLPClassifier(max_iter=30, random_state=0), GRID, cv=3)


def test_search_on_the_cluster_equals_the_local_search(
    client, iris_scaled, monkeypatch
):
    X, y = iris_scaled
    local = _search().fit(X, y)

    scattered = []
    scatter = client.scatter

    def counting_scatter(data, *args, **kwargs):
        scattered.append(data)
        return scatter(data, *args, **kwargs)

    monkeypatch.setattr(client, "scatter", counting_scatter)
    with joblib.parallel_config(backend="dask", wait_for_workers_timeout=120):
        remote = _search().fit(X, y)

    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict_proba(X), local.predict_proba(X))
    # joblib's Dask backend sends X and y to the cluster once for the whole search
    # (4 candidates x 3 folds = 12 fits) and passes the tasks references to them
    assert sum(data is X for data in scattered) == 1
    assert sum(data is y for data in scattered) == 1


def test_a_fit_in_a_worker_takes_its_share_of_threads(client, iris_scaled):
    """A worker with 2 task slots and torch at 2 threads: each fit runs on 1, and the
    worker's setting is back after it. (Dask's nanny starts workers with
    OMP_NUM_THREADS=1; the task sets torch to 2 threads to show the division.)"""
    X, y = iris_scaled

    # defined here, so that the task ships by value: workers cannot import tests/
    def _threads_in_a_fit(X, y):
        """Run in a worker task: torch's thread count inside a fit, and after it."""
        import torch

        from sknn import _torch

        seen = []
        fit_loop = _torch.SknnNet.fit_loop

        def spy(self, *args, **kwargs):
            seen.append(torch.get_num_threads())
            return fit_loop(self, *args, **kwargs)

        _torch.SknnNet.fit_loop = spy
        torch.set_num_threads(2)  # as torch starts on 2 cores without OMP_NUM_THREADS
        try:
            before = torch.get_num_threads()
            MLPClassifier((512, 512), batch_size=150, max_iter=1).fit(X, y)
        finally:
            _torch.SknnNet.fit_loop = fit_loop
        return before, seen[0], torch.get_num_threads()

    task = client.submit(_threads_in_a_fit, X, y, pure=False)
    before, during, after = task.result(timeout=120)
    assert (before, during, after) == (2, 1, 2)


def _run(*args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    return subprocess.run(
        [sys.executable, *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_sknn_never_imports_dask_unless_asked(tmp_path):
    script = (
        "import sys; from sklearn.datasets import load_iris; import sknn; "
        "sknn.MLPClassifier(max_iter=5).fit(*load_iris(return_X_y=True)); "
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    )
    result = _run("-W", "ignore", "-c", script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_cli_search_on_a_local_cluster_ranks_like_the_local_search(
    tmp_path, iris_scaled
):
    import pandas as pd

    X, y = iris_scaled
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(species=y)
    frame.to_csv(tmp_path / "iris_scaled.csv", index=False)
    command = [
        "-m", "sknn", "search", "iris_scaled.csv", "--target", "species", "--task",
        "classify", "--grid", "alpha=1e-4,1e-2", "--set", "max_iter=20", "--cv", 2,
        "--quiet",
    ]  # fmt: skip
    here = _run(*command, cwd=tmp_path)
    there = _run(*command, "--scheduler", "local", cwd=tmp_path)
    assert here.returncode == 0 and there.returncode == 0, there.stderr
    assert "rank" in here.stdout and there.stdout == here.stdout
    unreachable = _run(*command, "--scheduler", "tcp://127.0.0.1:9", cwd=tmp_path)
    assert unreachable.returncode != 0 and "Traceback" not in unreachable.stderr
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in (
        unreachable.stderr
    )
