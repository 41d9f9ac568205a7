"""
Several targets at once: multi-label classification and multi-output regression
================================================================================

One network can predict several targets from a shared hidden layer. Give the
classifier a 0/1 indicator matrix and it learns one independent yes/no per column
(a sigmoid output per label, trained with the logistic loss); give the regressor a
2-D ``y`` and it predicts every column, as scikit-learn's MLP does.
"""

# %%
# Multi-label: each sample can carry any number of 5 labels.
from sklearn.datasets import make_multilabel_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, Y = make_multilabel_classification(
    n_samples=600, n_features=20, n_classes=5, random_state=0
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
print("label matrix:", Y.shape, "labels per sample:", Y.sum(axis=1)[:8])

# %%
# ``score`` is the subset accuracy (every label of a sample right); the Hamming loss
# counts the single wrong labels.
from sklearn.metrics import hamming_loss

from sknn import MLPClassifier

classifier = MLPClassifier(
    hidden_layer_sizes=(64,), alpha=3.0, learning_rate_init=0.01, random_state=0
).fit(X_train, Y_train)
print("output activation:", classifier.out_activation_)
print(f"subset accuracy: {classifier.score(X_test, Y_test):.3f}")
print(f"hamming loss: {hamming_loss(Y_test, classifier.predict(X_test)):.3f}")

# %%
# Multi-output regression: three targets, one network. Networks train best on
# targets of unit scale, so :class:`~sklearn.compose.TransformedTargetRegressor`
# standardizes them for training and maps the predictions back.
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_regression
from sklearn.pipeline import make_pipeline

from sknn import MLPRegressor

X, Y = make_regression(
    n_samples=600, n_features=10, n_targets=3, noise=5.0, random_state=0
)
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, random_state=0)
regressor = TransformedTargetRegressor(
    make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(64,), learning_rate_init=0.01, random_state=0),
    ),
    transformer=StandardScaler(),
).fit(X_train, Y_train)
Y_pred = regressor.predict(X_test)
print("predictions:", Y_pred.shape)
print(f"R² averaged over the targets: {regressor.score(X_test, Y_test):.3f}")

# %%
# Predicted against true values, one panel per target.
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), sharex=True, sharey=True)
for target, ax in enumerate(axes):
    ax.scatter(Y_test[:, target], Y_pred[:, target], s=8, alpha=0.6)
    ax.axline((0, 0), slope=1, color="grey", linestyle="--")
    ax.set(title=f"target {target}", xlabel="true")
axes[0].set_ylabel("predicted")
fig.tight_layout()
plt.show()
