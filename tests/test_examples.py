"""Every example in examples/ runs to the end and reports a score (smoke tests)."""

import runpy
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from sklearn.exceptions import ConvergenceWarning

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("plot_*.py"))

plt.switch_backend("Agg")  # headless: the examples' plt.show() draws nowhere


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, capsys):
    # an example that stops on a ConvergenceWarning teaches settings that do not work
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        try:
            runpy.run_path(str(path), run_name="__main__")
        finally:
            plt.close("all")
    assert "accuracy" in capsys.readouterr().out


def test_examples_are_found():
    assert EXAMPLES
