"""
Tuning dropout, alpha and batch size with GridSearchCV
======================================================

sknn's estimators are plain scikit-learn estimators, so the usual model-selection
tools tune them, sknn's own parameters included. This example cross-validates a
small grid over ``dropout``, ``alpha`` and ``batch_size`` on the digits and scores
the best model on held-out data.
"""

# %%
# The digits bundled with scikit-learn, with a quarter held out.
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

# %%
# Parameters of a step in a Pipeline are named ``<step>__<parameter>``. Each of the
# 8 candidates is fitted on 3 folds; ``n_jobs=2`` would run the fits in two
# processes (joblib gives each worker one torch thread).
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

pipeline = make_pipeline(
    StandardScaler(),
    MLPClassifier(
        hidden_layer_sizes=(64,), learning_rate_init=0.01, tol=1e-3, random_state=0
    ),
)
grid = {
    "mlpclassifier__dropout": [0.0, 0.3],
    "mlpclassifier__alpha": [1e-4, 1.0],
    "mlpclassifier__batch_size": [64, 256],
}
search = GridSearchCV(pipeline, grid, cv=3).fit(X_train, y_train)

# %%
# The candidates, best first.
import pandas as pd

results = pd.DataFrame(search.cv_results_).sort_values("rank_test_score")
columns = [f"param_{name}" for name in grid] + ["mean_test_score", "mean_fit_time"]
table = results[columns].rename(columns=lambda c: c.split("__")[-1])
print(table.to_string(index=False, float_format="{:.3g}".format))

# %%
# GridSearchCV refits the best candidate on all the training data.
print("best parameters:", search.best_params_)
print(f"cross-validated accuracy: {search.best_score_:.3f}")
print(f"test accuracy: {search.score(X_test, y_test):.3f}")

# %%
# The same table as a chart: each candidate's mean accuracy over the folds, with the
# spread between folds.
import matplotlib.pyplot as plt

labels = [
    ", ".join(f"{name}={value}" for name, value in row.items())
    for row in table[list(table.columns[:3])].to_dict("records")
]
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.barh(
    labels[::-1], results["mean_test_score"][::-1], xerr=results["std_test_score"][::-1]
)
ax.set(xlabel="mean cross-validated accuracy", xlim=(0.5, 1))
plt.show()
