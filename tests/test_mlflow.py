"""MLflow's scikit-learn flavour with sknn: the documented recipe runs, offline."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sknn

pytest.importorskip("mlflow")

RECIPE = Path(__file__).parents[1] / "docs" / "recipes" / "mlflow_tracking.py"


def test_trusted_types_name_sknns_estimators_and_nothing_foreign():
    assert "sknn._multilayer_perceptron.MLPClassifier" in sknn.SKOPS_TRUSTED_TYPES
    assert "sknn._multilayer_perceptron.MLPRegressor" in sknn.SKOPS_TRUSTED_TYPES
    assert all(
        name.startswith(("sknn.", "numpy.")) for name in sknn.SKOPS_TRUSTED_TYPES
    )


def test_the_mlflow_recipe_logs_autologs_and_loads(tmp_path):
    result = subprocess.run(
        [sys.executable, str(RECIPE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true", "OMP_NUM_THREADS": "1"},
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    autolog = re.search(r"autolog: (\d+) parameters, metrics (.*)", result.stdout)
    assert autolog and int(autolog.group(1)) > 30  # the Pipeline's and sknn's
    assert "training_accuracy_score" in autolog.group(2)
    assert "same predictions: True" in result.stdout
    accuracy = float(re.search(r"test accuracy: (.*)", result.stdout).group(1))
    assert accuracy > 0.9
