"""
Mixed numeric and categorical columns: a DataFrame in a Pipeline
=================================================================

Real tables mix numbers with categories, and a network needs both as scaled numbers.
:class:`~sknn.TabularMLPClassifier` does that encoding itself and takes the
DataFrame as it is (the last cell, and :ref:`the comparison with
HistGradientBoosting <sphx_glr_auto_examples_plot_tabular_vs_hgb.py>`). To choose
the encoding yourself, a :class:`~sklearn.compose.ColumnTransformer` scales the
numeric columns and one-hot encodes the categorical ones inside the same Pipeline
as :class:`~sknn.MLPClassifier`, so the preprocessing is fitted on the training
folds only and ``predict`` takes the raw DataFrame.
"""

# %%
# A generated customer table: will a customer cancel their subscription? The odds
# depend on the plan, the region, the months as a customer and the support calls.
import numpy as np
import pandas as pd

rng = np.random.default_rng(0)
n = 1000
customers = pd.DataFrame(
    {
        "months": rng.integers(1, 60, n),
        "monthly_fee": rng.normal(40, 12, n).round(2),
        "support_calls": rng.poisson(1.5, n),
        "plan": rng.choice(["basic", "plus", "pro"], n),
        "region": rng.choice(["north", "south", "east", "west"], n),
    }
)
logit = (
    1.0
    - 0.06 * customers["months"]
    + 0.7 * customers["support_calls"]
    + customers["plan"].map({"basic": 1.0, "plus": 0.0, "pro": -1.5})
    + customers["region"].map({"north": 0.0, "south": 0.5, "east": -0.5, "west": 0.0})
)
cancelled = rng.random(n) < 1 / (1 + np.exp(-logit))
print(customers.head())

# %%
# Scale the numbers, one-hot encode the categories. ``set_output(transform="pandas")``
# keeps the column names, so the network records them in ``feature_names_in_``.
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sknn import MLPClassifier

preprocess = ColumnTransformer(
    [
        ("numbers", StandardScaler(), ["months", "monthly_fee", "support_calls"]),
        ("categories", OneHotEncoder(sparse_output=False), ["plan", "region"]),
    ]
).set_output(transform="pandas")
model = make_pipeline(
    preprocess,
    MLPClassifier(
        hidden_layer_sizes=(32,), alpha=1.0, learning_rate_init=0.01, random_state=0
    ),
)

# %%
# Fit on three quarters of the rows and score on the rest. The labels are random
# draws from the odds above, so even the true model would miss about one in five.
from sklearn.model_selection import train_test_split

X_train, X_test, y_train, y_test = train_test_split(
    customers, cancelled, random_state=0, stratify=cancelled
)
model.fit(X_train, y_train)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")
print("the network's inputs:", list(model[-1].feature_names_in_))

# %%
# New customers go in as a DataFrame with the original columns.
new_customers = pd.DataFrame(
    {
        "months": [2, 48],
        "monthly_fee": [35.0, 55.0],
        "support_calls": [4, 0],
        "plan": ["basic", "pro"],
        "region": ["south", "north"],
    }
)
print("probability of cancelling:", model.predict_proba(new_customers)[:, 1].round(2))

# %%
# The predicted odds of cancelling over the months as a customer, for each plan: a
# customer in the north region, paying 40 a month, who called support once.
import matplotlib.pyplot as plt

months = np.arange(1, 60)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for plan in ["basic", "plus", "pro"]:
    customer = pd.DataFrame(
        {"months": months, "monthly_fee": 40.0, "support_calls": 1}
    ).assign(plan=plan, region="north")
    ax.plot(months, model.predict_proba(customer)[:, 1], label=plan)
ax.set(xlabel="months as a customer", ylabel="probability of cancelling")
ax.legend(title="plan")
plt.show()

# %%
# The same table without a ColumnTransformer: :class:`~sknn.TabularMLPClassifier`
# finds the text columns, imputes, scales and one-hot encodes by itself (with the
# recipe of defaults chosen on sknn's real-data benchmark), and predicts from the
# same raw DataFrame.
from sknn import TabularMLPClassifier

tabular = TabularMLPClassifier(random_state=0).fit(X_train, y_train)
print(f"TabularMLPClassifier test accuracy: {tabular.score(X_test, y_test):.3f}")
print("probability of cancelling:", tabular.predict_proba(new_customers)[:, 1].round(2))
