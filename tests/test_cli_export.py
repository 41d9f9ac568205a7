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


@pytest.fixture(scope="module")
def dated_csv(tmp_path_factory):
    """Numbers, a category, ISO dates alone and ISO times with UTC offsets, blanks
    in each; new.csv: held-out rows."""
    directory = tmp_path_factory.mktemp("export-dates")
    rng = np.random.default_rng(0)
    n = 360
    day = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D")
    stamp = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        rng.integers(0, 300 * 86400, n), "s"
    )
    stamp = stamp.tz_convert("+02:00").strftime("%Y-%m-%dT%H:%M:%S%z")

    def blanks(values):
        return np.where(rng.random(n) < 0.1, None, values)

    frame = pd.DataFrame(
        {
            "size": blanks(rng.normal(size=n)),
            "colour": blanks(rng.choice(["red", "green", "blue"], n)),
            "day": blanks(day.strftime("%Y-%m-%d")),
            "stamp": blanks(stamp),
        }
    )
    frame["label"] = np.where((day.month > 6) ^ (frame["colour"] == "red"),
                              "yes", "no")  # fmt: skip
    frame[:300].to_csv(directory / "train.csv", index=False)
    frame[300:].drop(columns="label").to_csv(directory / "new.csv", index=False)
    return directory


def _date_seconds(text):
    """The graph's input for a CSV column of ISO dates, as `sknn export` says:
    seconds since 1970 (of the UTC time where there are UTC offsets), NaN if
    blank."""
    dates = pd.to_datetime(text, format="ISO8601", utc=True).dt.tz_localize(None)
    return (dates.astype("datetime64[us]") - pd.Timestamp("1970-01-01")) / (
        pd.Timedelta(seconds=1)
    )


@pytest.mark.parametrize("model", ["tabular", "mlp"])
def test_export_of_date_columns_reproduces_predict_proba(dated_csv, model):
    import sknn
    from sknn import _cli_inputs

    fit = sknn_command("fit", "train.csv", "--target", "label", "--model", model,
                       "--set", "max_iter=5", "--out", f"{model}.sknn", "--quiet",
                       cwd=dated_csv)  # fmt: skip
    assert fit.returncode == 0, fit.stderr
    export = sknn_command("export", f"{model}.sknn", f"{model}.onnx", cwd=dated_csv)
    assert export.returncode == 0, export.stderr
    number = "double" if model == "tabular" else "float"
    assert export.stderr.splitlines() == [
        f"wrote the ONNX model to {model}.onnx; its inputs: size ({number}), "
        "colour (string), day (date, double), stamp (date, double)",
        "sknn: note: feed a date column its seconds since 1970-01-01 00:00 as "
        "doubles (of the UTC time where the column has UTC offsets), NaN where it "
        "is blank: the graph computes the year, month, day, weekday and hour from "
        "them",
    ]
    predict = sknn_command("predict", f"{model}.sknn", "new.csv", "--proba",
                           cwd=dated_csv)  # fmt: skip
    assert predict.returncode == 0, predict.stderr
    printed = pd.read_csv(io.StringIO(predict.stdout))

    rows = pd.read_csv(dated_csv / "new.csv")
    session = rt.InferenceSession(str(dated_csv / f"{model}.onnx"),
                                  providers=["CPUExecutionProvider"])  # fmt: skip
    number = np.float64 if model == "tabular" else np.float32
    feeds = {
        "size": rows[["size"]].to_numpy(number),
        "colour": rows[["colour"]].fillna("").to_numpy(str),
        "day": _date_seconds(rows["day"]).to_numpy()[:, None],
        "stamp": _date_seconds(rows["stamp"]).to_numpy()[:, None],
    }
    labels, probabilities = session.run(None, feeds)
    np.testing.assert_array_equal(labels, printed["label"].to_numpy())
    # sknn predict prints 7 significant digits
    np.testing.assert_allclose(probabilities, printed[["proba_no", "proba_yes"]],
                               rtol=0, atol=1e-6)  # fmt: skip
    fitted = sknn.load(dated_csv / f"{model}.sknn")
    as_text = dict.fromkeys(_cli_inputs.text_columns(fitted), str)
    text = pd.read_csv(dated_csv / "new.csv", dtype=as_text)
    X = _cli_inputs.prediction_features(fitted, text, "new.csv")
    np.testing.assert_allclose(probabilities, fitted.predict_proba(X), rtol=0,
                               atol=1e-5)  # fmt: skip
