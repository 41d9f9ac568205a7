"""`sknn export`: a model file's whole Pipeline as ONNX, run as a user runs it."""

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

rt = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

ROOT = Path(__file__).resolve().parent.parent


def sknn_command(*args, cwd):
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "sknn", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def mixed_csv(tmp_path_factory):
    """Numbers, a category and missing values in both."""
    directory = tmp_path_factory.mktemp("export")
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "size": rng.normal(size=n),
            "weight": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "colour": np.where(
                rng.random(n) < 0.1, None, rng.choice(["red", "green", "blue"], n)
            ),
        }
    )
    frame["label"] = np.where(frame["size"] + (frame["colour"] == "red") > 0.5,
                              "yes", "no")  # fmt: skip
    frame["price"] = 3 * frame["size"] + (frame["colour"] == "blue") * 2
    frame.to_csv(directory / "data.csv", index=False)
    return directory


def _onnx_outputs(path, csv):
    frame = pd.read_csv(csv)
    session = rt.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {}
    for spec in session.get_inputs():
        column = frame[[spec.name]]
        if spec.type == "tensor(string)":
            feeds[spec.name] = column.fillna("").to_numpy(str)
        elif spec.type == "tensor(double)":
            feeds[spec.name] = column.to_numpy(np.float64)
        else:
            feeds[spec.name] = column.to_numpy(np.float32)
    return session.run(None, feeds)


def test_export_reproduces_predict_proba_of_a_classifier(mixed_csv):
    fit = sknn_command("fit", "data.csv", "--target", "label", "--drop", "price",
                       "--model", "mlp", "--out", "clf.sknn", "--quiet",
                       cwd=mixed_csv)  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    export = sknn_command("export", "clf.sknn", "clf.onnx", cwd=mixed_csv)
    assert export.returncode == 0, export.stderr
    assert "colour (string)" in export.stderr and "size (float)" in export.stderr
    predict = sknn_command("predict", "clf.sknn", "data.csv", "--proba",
                           cwd=mixed_csv)  # fmt: skip
    expected = pd.read_csv(io.StringIO(predict.stdout))
    labels, probabilities = _onnx_outputs(mixed_csv / "clf.onnx",
                                          mixed_csv / "data.csv")  # fmt: skip
    np.testing.assert_array_equal(labels, expected["label"].to_numpy())
    np.testing.assert_allclose(
        probabilities, expected[["proba_no", "proba_yes"]], rtol=1e-5, atol=1e-6
    )


def test_export_reproduces_a_regressor(mixed_csv):
    fit = sknn_command("fit", "data.csv", "--target", "price", "--drop", "label",
                       "--model", "mlp", "--out", "reg.sknn", "--quiet",
                       cwd=mixed_csv)  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    export = sknn_command("export", "reg.sknn", "reg.onnx", cwd=mixed_csv)
    assert export.returncode == 0, export.stderr
    predict = sknn_command("predict", "reg.sknn", "data.csv", cwd=mixed_csv)
    expected = pd.read_csv(io.StringIO(predict.stdout))["price"].to_numpy()
    (values,) = _onnx_outputs(mixed_csv / "reg.onnx", mixed_csv / "data.csv")
    np.testing.assert_allclose(values.ravel(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("target", ["label", "price"])
def test_export_reproduces_a_tabular_model(mixed_csv, target):
    """The tabular estimators' encoding in the graph: blanks, categories, and the
    CSV's numbers as float64, as `sknn predict` reads them."""
    other = "price" if target == "label" else "label"
    fit = sknn_command("fit", "data.csv", "--target", target, "--drop", other,
                       "--model", "tabular", "--set", "hidden_layer_sizes=(8,)",
                       "--set", "max_iter=5", "--out", "tab.sknn", "--quiet",
                       cwd=mixed_csv)  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    export = sknn_command("export", "tab.sknn", "tab.onnx", cwd=mixed_csv)
    assert export.returncode == 0, export.stderr
    assert "colour (string)" in export.stderr and "size (double)" in export.stderr
    args = ["--proba"] if target == "label" else []
    predict = sknn_command("predict", "tab.sknn", "data.csv", *args, cwd=mixed_csv)
    expected = pd.read_csv(io.StringIO(predict.stdout))
    outputs = _onnx_outputs(mixed_csv / "tab.onnx", mixed_csv / "data.csv")
    if target == "label":
        labels, probabilities = outputs
        np.testing.assert_array_equal(labels, expected["label"].to_numpy())
        np.testing.assert_allclose(
            probabilities, expected[["proba_no", "proba_yes"]], rtol=1e-5, atol=1e-6
        )
    else:
        np.testing.assert_allclose(outputs[0].ravel(), expected["price"].to_numpy(),
                                   rtol=1e-5, atol=1e-5)  # fmt: skip


def test_export_errors_are_one_line_and_write_nothing(mixed_csv):
    cases = [
        (("export", "data.csv", "x.onnx"), "not an sknn model file"),
        (("export", "missing.sknn", "x.onnx"), "missing.sknn"),
        (("export", "clf.sknn", "nowhere/x.onnx"), "does not exist"),
    ]
    sknn_command("fit", "data.csv", "--target", "label", "--out", "clf.sknn",
                 "--quiet", cwd=mixed_csv)  # fmt: skip
    for args, words in cases:
        result = sknn_command(*args, cwd=mixed_csv)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sknn: error: "), lines
        assert words in lines[0]
    assert not (mixed_csv / "x.onnx").exists()
