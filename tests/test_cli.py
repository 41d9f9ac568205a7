"""The `sknn` command line, driven as a user drives it: `python -m sknn` in a
subprocess, on CSV files in a temporary directory, bad inputs included."""

import contextlib
import copy
import importlib.util
import io
import os
import re
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parent.parent
SPECIES = ["setosa", "versicolor", "virginica"]
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None


def run_sknn(*args, cwd, pythonpath=(), python_options=()):
    """Run `python -m sknn ARGS` with this checkout's sknn first on the path."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    paths = [*map(str, pythonpath), str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, paths))
    return subprocess.run(
        [sys.executable, *python_options, "-m", "sknn", *map(str, args)],
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
    for command in ["demo", "fit", "predict", "search", "info", "export"]:
        assert f"    {command} " in result.stdout


@pytest.mark.parametrize("task", ["classify", "regress"])
def test_the_tabular_model_trains_on_the_raw_columns(tmp_path, data_dir, task):
    data, target = (
        (data_dir / "classify.csv", "species")
        if task == "classify"
        else (data_dir / "regress.csv", "price")
    )
    fit = run_sknn(
        "fit", data, "--target", target, "--model", "tabular",
        "--set", "hidden_layer_sizes=(8,)", "--set", "max_iter=20",
        "--out", "model.sknn", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    name = "TabularMLPClassifier" if task == "classify" else "TabularMLPRegressor"
    assert f"with {name}(" in fit.stdout
    predict = run_sknn("predict", "model.sknn", data, cwd=tmp_path)
    assert_ok(predict)
    assert len(predict.stdout.splitlines()) == 1 + len(pd.read_csv(data))
    info = run_sknn("info", "model.sknn", cwd=tmp_path)
    assert_ok(info)
    assert name in info.stdout


def test_an_ensemble_is_one_setting_away(tmp_path, data_dir):
    data = data_dir / "classify.csv"
    fit = run_sknn(
        "fit", data, "--target", "species", "--set", "ensemble_size=2",
        "--set", "hidden_layer_sizes=(8,)", "--set", "max_iter=20",
        "--out", "model.sknn", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    info = run_sknn("info", "model.sknn", cwd=tmp_path)
    assert_ok(info)
    assert "ensemble_size=2" in info.stdout
    predict = run_sknn("predict", "model.sknn", data, cwd=tmp_path)
    assert_ok(predict)
    assert len(predict.stdout.splitlines()) == 1 + len(pd.read_csv(data))


def test_set_chooses_the_piecewise_linear_embedding(tmp_path, data_dir):
    data = data_dir / "regress.csv"
    fit = run_sknn(
        "fit", data, "--target", "price", "--model", "tabular",
        "--set", "numeric_embedding=piecewise_linear", "--set", "embedding_bins=8",
        "--set", "hidden_layer_sizes=(8,)", "--set", "max_iter=20",
        "--out", "model.sknn", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    import sknn

    mlp = sknn.load(tmp_path / "model.sknn")[-1].mlp_
    assert mlp.numeric_embedding == "piecewise_linear"
    assert mlp._extra_state["0.edges"].shape[1] == 8 + 1
    predict = run_sknn("predict", "model.sknn", data, cwd=tmp_path)
    assert_ok(predict)
    assert len(predict.stdout.splitlines()) == 1 + len(pd.read_csv(data))


def test_fit_predict_info_classify(tmp_path, data_dir):
    data = data_dir / "classify.csv"
    fit = run_sknn(
        "fit", data, "--target", "species", "--cv", 2, "--test-size", 0.25,
        "--set", "hidden_layer_sizes=(8,)", "--set", "max_iter=30",
        "--out", "model.sknn", "--plot", "fit", "--quiet",
        cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    assert "task: classify 'species'" in fit.stdout
    assert "2-fold cross-validation on 67 rows (StratifiedKFold" in fit.stdout
    assert "held-out test" in fit.stdout
    assert "accuracy" in fit.stdout and "f1-macro" in fit.stdout
    assert (tmp_path / "model.sknn").is_file()
    if HAS_MATPLOTLIB:  # a name without an extension gets .png, and says so
        assert "wrote the plot to fit.png" in fit.stdout
        assert (tmp_path / "fit.png").read_bytes().startswith(b"\x89PNG")
        assert not (tmp_path / "fit").exists()
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
    # matplotlib reads ./matplotlibrc: SVG text stays text, and the test can read it
    (tmp_path / "matplotlibrc").write_text("svg.fonttype: none\n")
    fit = run_sknn(
        "fit", data, "--target", "price", "--set", "max_iter=100",
        "--set", "early_stopping=true", "--out", "m.sknn", "--plot", "fit.svg", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    assert "task: regress 'price'" in fit.stdout
    assert "R²" in fit.stdout and "MAE" in fit.stdout
    if HAS_MATPLOTLIB:  # the second axis of the learning curve names its score
        assert "validation R²" in (tmp_path / "fit.svg").read_text()

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
    """The demo's tables: the default estimator first, beside HistGradientBoosting
    and scikit-learn's MLP, each with its scores over the same folds and fit time."""
    no_matplotlib = tmp_path / "no_matplotlib" / "matplotlib"
    no_matplotlib.mkdir(parents=True)
    (no_matplotlib / "__init__.py").write_text("raise ImportError('not installed')")

    demo = run_sknn("demo", "-q", cwd=tmp_path, pythonpath=[no_matplotlib.parent])
    assert_ok(demo)
    lines = demo.stdout.splitlines()
    folds = "shuffled with random_state=0), the same folds for every model, each fit "
    folds += "on one thread:"
    tables = {
        f"5-fold cross-validation on 569 rows (StratifiedKFold, {folds}": (
            ["accuracy", "f1-macro"],
            ["TabularMLPClassifier", "HistGradientBoostingClassifier", "MLPClassifier"],
        ),
        f"5-fold cross-validation on 442 rows (KFold, {folds}": (
            ["R²", "MAE"],
            ["TabularMLPRegressor", "HistGradientBoostingRegressor", "MLPRegressor"],
        ),
    }
    for first, (scores, models) in tables.items():
        start = lines.index(first)
        assert lines[start + 1].split() == ["model", *scores, "fit", "(s)"]
        names = ["sknn " + models[0], models[1], "scikit-learn " + models[2]]
        for line, name in zip(lines[start + 2 : start + 5], names):
            score = r"-?\d+\.\d{3} ± \d+\.\d{3}"  # mean ± std over the folds
            pattern = rf"  {re.escape(name)}\*? +{score} +{score} +\d+\.\d\d"
            assert re.fullmatch(pattern, line), line
    assert (tmp_path / "sknn-demo-model.sknn").is_file()
    assert not (tmp_path / "sknn-demo-learning-curve.png").exists()
    assert "plot skipped" in demo.stderr and "pip install 'sknn[plot]'" in demo.stderr


# Each bad input: the command (DATA stands for classify.csv, ONE for a file with one
# row, ZIP for a zip archive) and words its error names.
BAD_INPUTS = {
    "missing-data-file": (
        "fit missing.csv --target species --out m.sknn",
        ["'missing.csv'"],
    ),
    "missing-target-column": (
        "fit DATA --target specie --out m.sknn",
        ["'specie'", "did you mean 'species'?"],
    ),
    "missing-drop-column": (
        "fit DATA --target species --drop colour --out m.sknn",
        ["'colour'", "--drop", "did you mean 'color'?"],
    ),
    "one-row-file": (
        "fit ONE --target species --out m.sknn",
        ["'one.csv' has 1 row(s)", "need more rows"],
    ),
    "unknown-parameter": (
        "fit DATA --target species --set alpah=1 --out m.sknn",
        ["'alpah'", "did you mean 'alpha'?"],
    ),
    "parameter-of-the-other-model": (
        "fit DATA --target species --model mlp --set max_categories=4 --out m.sknn",
        [
            "unknown parameter 'max_categories' for MLPClassifier; 'max_categories' "
            "is a parameter of TabularMLPClassifier, which --model tabular (the "
            "default) trains; valid parameters: "
        ],
    ),
    "bad-parameter-value": (
        "fit DATA --target species --set alpha=-1 --out m.sknn",
        ["'alpha'", "Got -1", "--set"],
    ),
    "bad-grid-value": (
        "search DATA --target species --grid activation=relu,sigmoid",
        ["'activation'", "Got 'sigmoid'", "--grid"],
    ),
    "out-is-a-directory": (
        "fit DATA --target species --out .",
        ["--out '.' is a directory", "'model.sknn'"],
    ),
    "out-in-a-missing-directory": (
        "fit DATA --target species --out nowhere/m.sknn",
        ["--out 'nowhere/m.sknn'", "'nowhere' does not exist"],
    ),
    "out-under-a-file": (
        "search DATA --target species --grid alpha=1 --out one.csv/m.sknn",
        ["'one.csv' is not a directory"],
    ),
    "unknown-plot-format": (
        "fit DATA --target species --out m.sknn --plot p.jpgx",
        ["--plot 'p.jpgx'", "'.jpgx'", ".png", ".svg"],
    ),
    "csv-as-model": (
        "predict DATA DATA",
        ["cannot load '", "classify.csv'", "pass a model written by sknn fit"],
    ),
    "random-bytes-as-model": (
        "info random.bin",
        ["cannot load 'random.bin'", "pass a model written by sknn fit"],
    ),
    "swapped-predict-arguments": (
        "predict DATA ZIP",
        ["looks like one", "the model comes first", "sknn predict ZIP "],
    ),
    "missing-model-file": (
        "info missing.sknn",
        ["'missing.sknn'"],
    ),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_is_one_error_line_before_any_training(tmp_path, data_dir, name):
    command, words = BAD_INPUTS[name]
    if "plot" in name and not HAS_MATPLOTLIB:
        pytest.skip("without matplotlib the plot is skipped, not checked")
    (tmp_path / "random.bin").write_bytes(np.random.default_rng(0).bytes(2000))
    pd.read_csv(data_dir / "classify.csv").head(1).to_csv(tmp_path / "one.csv")
    with zipfile.ZipFile(tmp_path / "model.zip", "w") as archive:
        archive.writestr("manifest.json", "{}")
    paths = {
        "DATA": str(data_dir / "classify.csv"),
        "ONE": "one.csv",
        "ZIP": "model.zip",
    }
    args = [paths.get(arg, arg) for arg in command.split()]
    result = run_sknn(*args, cwd=tmp_path)
    words = [word.replace("ZIP", "model.zip") for word in words]
    assert_one_error_line(result, *words)
    assert result.returncode == 2 and result.stdout == ""
    assert not (tmp_path / "m.sknn").exists()
    if "model" in name:  # one sentence, not a sentence quoting another
        message = result.stderr.strip()
        assert ". " not in message and "((" not in message.replace(" (", "(")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root writes into read-only directories",
)
def test_out_in_a_read_only_directory_is_an_error_before_training(tmp_path, data_dir):
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o555)
    result = run_sknn(
        "fit", data_dir / "classify.csv", "--target", "species",
        "--out", "read-only/m.sknn",
        cwd=tmp_path,
    )  # fmt: skip
    assert_one_error_line(result, "--out 'read-only/m.sknn'", "'read-only'")
    assert result.stdout == ""


def _imported_modules(stderr):
    """The modules `python -X importtime` reported on ``stderr``."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize(
    "command",
    [
        "--help",
        "fit --help",
        "fit DATA --out m.sknn",  # an argument error: --target is missing
        "fit missing.csv --target species --out m.sknn",
        "fit DATA --target specie --out m.sknn",
        "search DATA --target species --grid alpha=1 --drop colour",
    ],
)
def test_help_and_input_mistakes_are_answered_before_importing_torch(
    tmp_path, data_dir, command
):
    args = [
        str(data_dir / "classify.csv") if a == "DATA" else a for a in command.split()
    ]
    result = run_sknn(*args, cwd=tmp_path, python_options=["-X", "importtime"])
    assert result.returncode == (0 if "--help" in command else 2)
    assert "Traceback" not in result.stderr
    imported = _imported_modules(result.stderr)
    assert "sknn._cli" in imported
    assert not {"torch", "skorch", "sklearn", "pandas"} & imported


@pytest.mark.parametrize("target", ["species", "price"])
def test_fit_cv_and_search_score_a_file_sorted_by_its_target_alike(
    tmp_path, data_dir, target
):
    """Both use the same shuffled (for classes, stratified) folds: a file sorted by
    its target gives unshuffled folds each holding other targets than the rest."""
    source = "classify.csv" if target == "species" else "regress.csv"
    frame = pd.read_csv(data_dir / source).sort_values(target)
    frame.to_csv(tmp_path / "sorted.csv", index=False)
    common = ["sorted.csv", "--target", target, "--cv", 3, "-q"]
    fit = run_sknn(
        "fit", *common, "--test-size", 0, "--set", "max_iter=30", "--out", "m.sknn",
        cwd=tmp_path,
    )  # fmt: skip
    search = run_sknn("search", *common, "--grid", "max_iter=30", cwd=tmp_path)
    assert_ok(fit)
    assert_ok(search)

    folds = "StratifiedKFold" if target == "species" else "KFold"
    cv = f"3-fold cross-validation on {len(frame)} rows ({folds}, shuffled with"
    metric = "accuracy" if target == "species" else "R²"
    [fit_line] = [line for line in fit.stdout.splitlines() if line.startswith(cv)]
    fit_mean, fit_std = fit_line.split(f": {metric} ")[1].split(",")[0].split(" ± ")
    lines = search.stdout.splitlines()
    assert lines[0] == f"{fit_line.split('):')[0]}), mean {metric} of each candidate:"
    rank, mean, std, params = lines[2].split()
    assert (rank, params) == ("1", "max_iter=30")
    assert (f"{float(mean):.3f}", f"{float(std):.3f}") == (fit_mean, fit_std)


def test_warnings_are_lines_of_their_own_shown_once(tmp_path, data_dir):
    """Also with progress bars on the same stream and from worker processes."""
    data = data_dir / "classify.csv"
    # the MLP's ConvergenceWarning (the tabular recipe's schedule ends at max_iter)
    fit = run_sknn(
        "fit", data, "--target", "species", "--cv", 2, "--set", "max_iter=2",
        "--model", "mlp", "--out", "m.sknn",
        cwd=tmp_path,
    )  # fmt: skip
    search = run_sknn(
        "search", data, "--target", "species", "--grid", "alpha=1e-4,1e-2",
        "--set", "max_iter=2", "--cv", 2, "--n-jobs", 2, "--model", "mlp",
        cwd=tmp_path,
    )  # fmt: skip
    assert "evaluating: " in fit.stderr and "searching: " in search.stderr  # bars
    for result in (fit, search):
        assert_ok(result)
        # what a terminal shows of each line: the text after its last carriage return
        shown = [line.rsplit("\r", 1)[-1] for line in result.stderr.split("\n")]
        assert [line for line in shown if "arning" in line] == [
            "sknn: warning: Stochastic Optimizer: Maximum iterations (2) reached and "
            "the optimization hasn't converged yet."
        ]
        assert "warnings.warn" not in result.stderr


def test_columns_can_be_dropped_and_identifiers_are_named(tmp_path, data_dir):
    frame = pd.read_csv(data_dir / "classify.csv")
    frame["passenger"] = [f"passenger {i}" for i in range(len(frame))]
    frame["ticket"] = np.arange(len(frame))
    frame.to_csv(tmp_path / "semicolons.csv", sep=";", index=False)
    fit = run_sknn(
        "fit", "semicolons.csv", "--target", "species", "--drop", "ticket",
        "--set", "max_iter=5", "--out", "m.sknn", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    assert (
        "sknn: note: reading 'semicolons.csv' with ';' as its column separator"
        in fit.stderr.splitlines()
    )
    [warning] = [line for line in fit.stderr.splitlines() if "passenger" in line]
    assert warning == (
        "sknn: warning: text column 'passenger' has 90 distinct values in 90 rows: "
        "TabularMLPClassifier target-encodes it, each value as the mean target of "
        "the other rows that have it, a value no other row has and every new value "
        "as the overall mean (more than max_categories=16 values, "
        "high_cardinality='target'); if it names or numbers the rows, leave it out "
        "with --drop passenger"
    )
    info = run_sknn("info", "m.sknn", cwd=tmp_path)
    assert "features    6: a, b, c, d, color, passenger" in info.stdout


@pytest.mark.parametrize(
    "model, max_categories, high_cardinality, says",
    [
        (
            "mlp",
            16,
            None,
            "one-hot encoded, it becomes 30 features that new rows cannot use",
        ),
        (
            "tabular",
            16,
            "target",
            "TabularMLPRegressor target-encodes it, each value as the mean target of "
            "the other rows that have it, a value no other row has and every new "
            "value as the overall mean (more than max_categories=16 values, "
            "high_cardinality='target')",
        ),
        (
            "tabular",
            16,
            "one_hot",
            "TabularMLPRegressor one-hot encodes 15 of them and pools the other 16, "
            "and every new value, into one feature (max_categories=16)",
        ),
        # missing values are a category of the tabular encoding's own
        (
            "tabular",
            None,
            "target",
            "one-hot encoded, it becomes 31 features that new rows cannot use",
        ),
    ],
)
def test_the_identifier_warning_says_what_the_model_makes_of_the_column(
    model, max_categories, high_cardinality, says
):
    from sknn._cli_console import command_context
    from sknn._cli_inputs import build_estimator, build_pipeline

    X = pd.DataFrame({"name": [f"name {i}" for i in range(30)] + [None] * 10})
    estimator = build_estimator("regress", {}, model=model)
    if model == "tabular":
        estimator.set_params(
            max_categories=max_categories, high_cardinality=high_cardinality
        )
    stderr = io.StringIO()
    with command_context(), contextlib.redirect_stderr(stderr):
        build_pipeline(X, estimator)
    assert stderr.getvalue() == (
        f"sknn: warning: text column 'name' has 30 distinct values in 30 rows: {says}"
        "; if it names or numbers the rows, leave it out with --drop name\n"
    )


def test_readme_says_how_to_install_the_cpu_or_the_cuda_build_of_torch():
    readme = (ROOT / "README.md").read_text()
    installs = [
        line for line in readme.splitlines() if re.search(r"pip install .*\.\[", line)
    ]
    assert installs and all("-c constraints.txt" in line for line in installs)
    assert "--index-url https://download.pytorch.org/whl/cpu" in readme
    assert "https://download.pytorch.org/whl/cu" in readme


def test_the_command_line_page_documents_every_command_and_option(tmp_path):
    page = (ROOT / "docs" / "command_line.rst").read_text()
    for command in ["demo", "fit", "predict", "search", "info", "export"]:
        help_text = run_sknn(command, "--help", cwd=tmp_path).stdout
        assert f"sknn {command}" in page
        for option in set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", help_text)):
            assert option in page, f"{option} of sknn {command}"
    for status in ["0", "1", "2", "130"]:
        assert re.search(rf"^   \* - {status}$", page, re.MULTILINE), status


@pytest.fixture(scope="module")
def foreign_files(tmp_path_factory, data_dir):
    """Files sknn.save wrote that the command line did not, or whose contents were
    changed: each the command line must refuse in one line."""
    import sknn

    directory = tmp_path_factory.mktemp("foreign")
    frame = pd.read_csv(data_dir / "classify.csv").dropna()
    X, y = frame[["a", "b", "c", "d"]], frame["species"]
    logistic = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    mlp = make_pipeline(StandardScaler(), sknn.MLPClassifier(max_iter=5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    from sknn._cli_models import model_notes

    notes = {
        "target": "species",
        "task": "classify",
        "data": "classify.csv",
        "scores": [],
        **model_notes(mlp),
    }
    no_weights = copy.deepcopy(mlp)
    del no_weights[-1].coefs_
    files = {
        "not-a-pipeline": ({"model": mlp}, notes),
        "foreign-pipeline": (logistic, None),
        "foreign-pipeline-with-notes": (logistic, notes),
        "bare-estimator": (mlp[-1], None),
        "malformed-state": (no_weights, notes),
        "malformed-notes": (mlp, {**notes, "scores": 5}),
        "missing-notes": (mlp, {"target": "species"}),
    }
    for name, (obj, file_notes) in files.items():
        sknn.save(obj, directory / f"{name}.sknn", notes=file_notes)
    return directory


@pytest.mark.parametrize(
    "name, command",
    [
        ("not-a-pipeline", "predict"),
        ("foreign-pipeline", "info"),
        ("foreign-pipeline", "predict"),
        ("foreign-pipeline-with-notes", "predict"),
        ("bare-estimator", "info"),
        ("malformed-state", "predict"),
        ("malformed-notes", "info"),
        ("malformed-notes", "predict"),
        ("missing-notes", "info"),
    ],
)
def test_a_model_file_the_command_line_cannot_use_is_one_error_line(
    tmp_path, data_dir, foreign_files, name, command
):
    model = foreign_files / f"{name}.sknn"
    args = [model] if command == "info" else [model, data_dir / "classify.csv"]
    result = run_sknn(command, *args, cwd=tmp_path)
    assert_one_error_line(result, f"{name}.sknn'")
    assert result.returncode == 2 and result.stdout == ""


@pytest.mark.parametrize("model", ["mlp", "tabular"])
def test_a_text_column_of_digits_keeps_its_categories_at_predict(tmp_path, model):
    """Trained where 'code' holds text ("1", "2", "3", "x"); new rows where it
    holds digits only, which pandas reads as integers, and as floats with a blank:
    every row predicts as its category does (they were all 'unseen' before)."""
    rng = np.random.default_rng(0)
    code = rng.choice(["1", "2", "3", "x"], 400)
    train = pd.DataFrame({"num": rng.normal(size=400), "code": code})
    train["y"] = np.isin(code, ["2", "x"]).astype(int)
    train.to_csv(tmp_path / "train.csv", index=False)
    fit = run_sknn(
        "fit", "train.csv", "--target", "y", "--model", model, "--out", "m.sknn",
        "--set", "max_iter=60", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    rows = pd.DataFrame({"num": [0.0] * 4, "code": ["1", "2", "3", "2"]})
    rows.to_csv(tmp_path / "digits.csv", index=False)
    rows.assign(code=["1", "2", "3", None]).to_csv(tmp_path / "blank.csv", index=False)
    digits = run_sknn("predict", "m.sknn", "digits.csv", "--proba", cwd=tmp_path)
    blank = run_sknn("predict", "m.sknn", "blank.csv", "--proba", cwd=tmp_path)
    assert_ok(digits)
    assert_ok(blank)
    digits = pd.read_csv(io.StringIO(digits.stdout))
    blank = pd.read_csv(io.StringIO(blank.stdout))
    assert digits.y.tolist() == [0, 1, 0, 1]
    pd.testing.assert_frame_equal(digits.head(3), blank.head(3))


@pytest.mark.parametrize("model", ["mlp", "tabular"])
def test_iso_dates_are_numbers_and_a_bad_value_names_its_line(tmp_path, model):
    """A column of ISO dates (one blank, a new date on most rows: no identifier
    warning) becomes date features in fit; at predict, text in a numeric or date
    column is one error line naming the column, the CSV line and the value."""
    rng = np.random.default_rng(0)
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.permutation(200), "D")
    train = pd.DataFrame({"age": rng.normal(40, 9, 200), "when": day.date})
    train["y"] = (day.month > 6).astype(int)
    train.loc[3, "when"] = None
    train.to_csv(tmp_path / "train.csv", index=False)
    fit = run_sknn(
        "fit", "train.csv", "--target", "y", "--model", model, "--out", "m.sknn",
        "--set", "max_iter=5", "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert_ok(fit)
    assert fit.stderr.splitlines()[0] == (
        "sknn: note: reading 'when' as dates: each becomes its year, month, day, "
        "weekday, hour of the day (where it has times) and seconds since 1970, as "
        "numbers"
    )
    assert "distinct values" not in fit.stderr
    import sknn

    fitted = sknn.load(tmp_path / "m.sknn")
    encoder = fitted[-1].encoder_ if model == "tabular" else fitted[0]
    assert "when_weekday" in str(encoder.get_feature_names_out())
    rows = train.drop(columns="y").head(20).astype(object)
    rows.to_csv(tmp_path / "new.csv", index=False)
    assert_ok(run_sknn("predict", "m.sknn", "new.csv", cwd=tmp_path))
    rows.loc[17, "age"] = "unknown"
    rows.to_csv(tmp_path / "age.csv", index=False)
    result = run_sknn("predict", "m.sknn", "age.csv", cwd=tmp_path)
    assert_one_error_line(
        result,
        "sknn: error: cannot predict the rows of 'age.csv': Column 'age' holds a "
        "value that is not a number: 'unknown' (line 19). The column is numeric: "
        "correct the value, or leave it missing.",
    )
    rows.loc[17, "age"] = 30
    rows.loc[5, "when"] = "31/01/2025"
    (tmp_path / "when.csv").write_text(rows.to_csv(index=False).replace("\n", "\n\n"))
    result = run_sknn("predict", "m.sknn", "when.csv", cwd=tmp_path)
    assert_one_error_line(
        result,
        "Column 'when' holds a value that is not a date: '31/01/2025' (data row 6, "
        "counting from 1 below the header).",
    )


@pytest.fixture(scope="module")
def cli_model(tmp_path_factory, data_dir):
    """A model file written by `sknn fit`."""
    directory = tmp_path_factory.mktemp("cli-model")
    fit = run_sknn(
        "fit", data_dir / "classify.csv", "--target", "species",
        "--set", "hidden_layer_sizes=(8,)", "--set", "max_iter=5",
        "--out", "model.sknn", "--quiet", cwd=directory,
    )  # fmt: skip
    assert_ok(fit)
    return directory / "model.sknn"


def test_a_model_the_command_line_wrote_loads_as_a_model_in_python(cli_model, data_dir):
    import sknn

    frame = pd.read_csv(data_dir / "classify.csv")
    model = sknn.load(cli_model)
    # the training columns, as sknn predict passes them: the tabular estimators, as
    # HistGradientBoosting, refuse columns fit did not see (the target among them)
    assert set(model.predict(frame[model.feature_names_in_])) <= set(SPECIES)
    notes = sknn.read_notes(cli_model)
    assert notes["target"] == "species" and notes["task"] == "classify"
    assert notes["features"] == ["a", "b", "c", "d", "color"]
    assert notes["classes"] == SPECIES
    assert any("accuracy" in line for line in notes["scores"])


def test_info_reads_the_notes_without_importing_torch(tmp_path, cli_model):
    """`sknn info` describes the model from the file's notes alone: torch, skops and
    scikit-learn are never imported (they take seconds)."""
    result = run_sknn(
        "info", cli_model, cwd=tmp_path, python_options=["-X", "importtime"]
    )
    assert_ok(result)
    assert "classes     3: setosa, versicolor, virginica" in result.stdout
    assert "features    5: a, b, c, d, color" in result.stdout
    assert not {"torch", "skops", "sklearn", "pandas"} & _imported_modules(
        result.stderr
    )


def test_predict_on_the_cpu_never_imports_torch(tmp_path, cli_model, data_dir):
    """A model trained on the CPU predicts in numpy: `sknn predict` checks the file
    and predicts without importing torch (seconds), nor skorch."""
    result = run_sknn(
        "predict", cli_model, data_dir / "classify.csv", cwd=tmp_path,
        python_options=["-X", "importtime"],
    )  # fmt: skip
    assert_ok(result)
    assert set(result.stdout.split()[1:]) <= set(SPECIES)
    assert not {"torch", "skorch"} & _imported_modules(result.stderr)


def test_a_model_file_of_an_older_format_is_one_error_line(
    tmp_path, data_dir, cli_model
):
    import json

    old = tmp_path / "old.sknn"
    with zipfile.ZipFile(cli_model) as source, zipfile.ZipFile(old, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["format_version"] = 1
                data = json.dumps(manifest)
            target.writestr(name, data)
    for command in ["info", "predict"]:
        args = [old] if command == "info" else [old, data_dir / "classify.csv"]
        result = run_sknn(command, *args, cwd=tmp_path)
        assert_one_error_line(result, "old.sknn'", "format version 1", "again")
