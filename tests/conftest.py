"""Fixtures shared by the test modules: the data sets most tests train on.

Module-scoped, as each module's own were: a module may not change them in place,
and no other module sees what it does.
"""

import pytest
from sklearn.datasets import load_iris
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="module")
def iris():
    """``load_iris(return_X_y=True)``: 150 rows, 4 float64 features, labels 0-2."""
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def iris_scaled(iris):
    """The iris data with standard-scaled features (float64)."""
    X, y = iris
    return StandardScaler().fit_transform(X), y
