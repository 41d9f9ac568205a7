"""The `sknn` command line, driven as a user drives it: `python -m sknn` in a
subprocess, on CSV files in a temporary directory, bad inputs included."""

import importlib.util
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression

ROOT = Path(__file__).resolve().parent.parent
SPECIES = ["setosa", "versicolor", "virginica"]
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run_sknn(*args, cwd, pythonpath=()):
    """Run `python -m sknn ARGS` with this checkout's sknn first on the path."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    paths = [*map(str, pythonpath), str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    return subprocess.run(
        [sys.executable, "-m", "sknn", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_ok(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def assert_one_error_line(result, *words):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sknn: error: ")
    for word in words:
        assert word in lines[0]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """classify.csv (numeric + categorical columns, text target 'species', a few
    missing values) and regress.csv (numeric target 'price')."""
    directory = tmp_path_factory.mktemp("data")
    X, y = make_classification(
        n_samples=90, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
        random_state=0,
    )  # fmt: skip
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["color"] = np.array(["red", "green", "blue"])[y]
    frame.loc[3, "a"] = np.nan
    frame.loc[5, "color"] = np.nan
    frame["species"] = np.array(SPECIES)[y]
    frame.to_csv(directory / "classify.csv", index=False)

    X, y = make_regression(n_samples=80, n_features=3, noise=1.0, random_state=0)
    frame = pd.DataFrame(X, columns=["x1", "x2", "x3"])
    frame["kind"] = np.where(X[:, 0] > 0, "high", "low")
    frame["price"] = 50 + 10 * y / y.std()
    frame.to_csv(directory / "regress.csv", index=False)
    return directory


def test_help_lists_the_subcommands(tmp_path):
    result = run_sknn("--help", cwd=tmp_path)
    assert_ok(result)
    for command in ["demo", "fit", "predict", "search", "info"]:
        assert f"    {command} " in result.stdout


def test_fit_predict_info_classify(tmp_path, data_dir):
    data = data_dir / "classify.csv"
    fit = run_sknn(
        "fit", data, "--target", "species", "--cv", 2, "--test-size", 0.25,
        "--set", "hidden_layer_sizes=(8,)", "--set", "max_iter=30",
        "--out", "model.sknn", "--plot", "fit.png", "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    assert "task: classify 'species'" in fit.stdout
    assert "2-fold cross-validation" in fit.stdout
    assert "held-out test" in fit.stdout
    assert "accuracy" in fit.stdout and "f1-macro" in fit.stdout
    assert (tmp_path / "model.sknn").is_file()
    if HAS_MATPLOTLIB:
        assert (tmp_path / "fit.png").read_bytes().startswith(b"\x89PNG")
    else:
        assert "sknn[plot]" in fit.stderr

    predict = run_sknn(
        "predict", "model.sknn", data, "--proba", "--out", "pred.csv", cwd=tmp_path
    )
    assert_ok(predict)
    predictions = pd.read_csv(tmp_path / "pred.csv")
    assert len(predictions) == len(pd.read_csv(data))
    assert set(predictions["species"]) <= set(SPECIES)
    probabilities = predictions[[f"proba_{label}" for label in SPECIES]]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)

    # new rows without the target column, predicted on standard output
    new_rows = pd.read_csv(data).drop(columns="species").head(7)
    new_rows.to_csv(tmp_path / "new.csv", index=False)
    predict = run_sknn("predict", "model.sknn", "new.csv", cwd=tmp_path)
    assert_ok(predict)
    lines = predict.stdout.splitlines()
    assert lines[0] == "species" and len(lines) == 1 + 7
    assert set(lines[1:]) <= set(SPECIES)

    info = run_sknn("info", "model.sknn", cwd=tmp_path)
    assert_ok(info)
    assert "classes     3: setosa, versicolor, virginica" in info.stdout
    assert "features    5: a, b, c, d, color" in info.stdout
    assert "hidden_layer_sizes=(8,)" in info.stdout
    assert "30 iterations" in info.stdout
    assert "scikit-learn" in info.stdout and "torch" in info.stdout


def test_fit_infers_regression_and_predicts_in_target_units(tmp_path, data_dir):
    data = data_dir / "regress.csv"
    fit = run_sknn(
        "fit", data, "--target", "price", "--set", "max_iter=100", "--out", "m.sknn",
        "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    assert "task: regress 'price'" in fit.stdout
    assert "R²" in fit.stdout and "MAE" in fit.stdout

    predict = run_sknn("predict", "m.sknn", data, cwd=tmp_path)
    assert_ok(predict)
    predictions = pd.read_csv(io.StringIO(predict.stdout))["price"]
    prices = pd.read_csv(data)["price"]
    assert len(predictions) == len(prices)
    assert abs(predictions.mean() - prices.mean()) < prices.std()


def test_search_prints_a_ranked_table_and_saves_the_best(tmp_path, data_dir):
    search = run_sknn(
        "search", data_dir / "classify.csv", "--target", "species",
        "--grid", "hidden_layer_sizes=(4,),(8, 4)", "--grid", "alpha=1e-4,0.1",
        "--set", "max_iter=10", "--cv", 2, "--out", "best.sknn", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert_ok(search)
    lines = search.stdout.splitlines()
    header = lines.index("rank  mean accuracy     std  parameters")
    rows = lines[header + 1 : header + 5]
    ranks = [int(row.split()[0]) for row in rows]
    means = [float(row.split()[1]) for row in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert means == sorted(means, reverse=True)
    assert all("hidden_layer_sizes=" in row and "alpha=" in row for row in rows)
    assert {row.split("hidden_layer_sizes=")[1] for row in rows} == {"(4,)", "(8, 4)"}

    info = run_sknn("info", "best.sknn", cwd=tmp_path)
    assert_ok(info)
    best = rows[0].split(", ", 1)[1]  # "alpha=..., hidden_layer_sizes=(...)"
    assert best.startswith("hidden_layer_sizes=") and best in info.stdout


def test_demo_runs_and_skips_the_plot_without_matplotlib(tmp_path):
    no_matplotlib = tmp_path / "no_matplotlib" / "matplotlib"
    no_matplotlib.mkdir(parents=True)
    (no_matplotlib / "__init__.py").write_text("raise ImportError('not installed')")

    demo = run_sknn("demo", "-q", cwd=tmp_path, pythonpath=[no_matplotlib.parent])
    assert_ok(demo)
    assert "5-fold cross-validation" in demo.stdout
    assert "held-out test (450 rows" in demo.stdout
    assert "macro avg" in demo.stdout  # the classification report
    assert (tmp_path / "sknn-demo-model.sknn").is_file()
    assert not (tmp_path / "sknn-demo-learning-curve.png").exists()
    assert "plot skipped" in demo.stderr and "pip install 'sknn[plot]'" in demo.stderr


# Each bad input: the command (DATA stands for classify.csv) and words its error names.
BAD_INPUTS = {
    "missing-data-file": (
        "fit missing.csv --target species --out m.sknn",
        ["'missing.csv'"],
    ),
    "missing-target-column": (
        "fit DATA --target specie --out m.sknn",
        ["'specie'", "did you mean 'species'?"],
    ),
    "unknown-parameter": (
        "fit DATA --target species --set alpah=1 --out m.sknn",
        ["'alpah'", "did you mean 'alpha'?"],
    ),
    "bad-parameter-value": (
        "fit DATA --target species --set alpha=-1 --out m.sknn",
        ["'alpha'", "Got -1", "--set"],
    ),
    "bad-grid-value": (
        "search DATA --target species --grid activation=relu,sigmoid",
        ["'activation'", "Got 'sigmoid'", "--grid"],
    ),
    "csv-as-model": (
        "predict DATA DATA",
        ["classify.csv", "is not an sknn model file"],
    ),
    "random-bytes-as-model": (
        "info random.bin",
        ["'random.bin' is not an sknn model file"],
    ),
    "missing-model-file": (
        "info missing.sknn",
        ["'missing.sknn'"],
    ),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_one_error_line(tmp_path, data_dir, name):
    command, words = BAD_INPUTS[name]
    (tmp_path / "random.bin").write_bytes(np.random.default_rng(0).bytes(2000))
    data = str(data_dir / "classify.csv")
    args = [data if arg == "DATA" else arg for arg in command.split()]
    assert_one_error_line(run_sknn(*args, cwd=tmp_path), *words)
    assert not (tmp_path / "m.sknn").exists()
