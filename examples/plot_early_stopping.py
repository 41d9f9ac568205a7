"""
Early stopping, and the loss and validation curves
===================================================

With ``early_stopping=True`` the estimator sets aside ``validation_fraction`` of the
training data, scores it after every epoch and stops once the score has not improved
by ``tol`` for ``n_iter_no_change`` epochs, keeping the weights of the best epoch.
The curves it records, ``loss_curve_`` and ``validation_scores_``, show when a network
stops learning anything that generalizes.
"""

# %%
# The digits, scaled, with a quarter held out for the final test.
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# The same network twice. By default training stops once the *training* loss stops
# improving; with early stopping, once the accuracy on 10% of the training rows
# (stratified, drawn with ``random_state``) stops improving.
from sknn import MLPClassifier

default = MLPClassifier(random_state=0).fit(X_train, y_train)
stopped = MLPClassifier(
    early_stopping=True, validation_fraction=0.1, random_state=0
).fit(X_train, y_train)

for name, model in [("default", default), ("early stopping", stopped)]:
    accuracy = model.score(X_test, y_test)
    print(f"{name:>14}: {model.n_iter_:3d} epochs, test accuracy {accuracy:.3f}")
print(f"best validation accuracy: {stopped.best_validation_score_:.3f}")

# %%
# The training loss keeps falling long after the validation accuracy has levelled
# off: the default run's extra epochs fit the training rows more closely and buy
# little on new data. ``history_``
# holds the same numbers per epoch, with each epoch's duration.
import matplotlib.pyplot as plt

fig, (loss_ax, score_ax) = plt.subplots(1, 2, figsize=(9, 3.5))
for name, model in [("default", default), ("early stopping", stopped)]:
    epochs = range(1, model.n_iter_ + 1)
    loss_ax.plot(epochs, model.loss_curve_, label=name)
loss_ax.set(xlabel="epoch", ylabel="training loss", yscale="log", title="loss_curve_")
loss_ax.legend()
score_ax.plot(epochs, stopped.validation_scores_, color="C1")
best_epoch = stopped.validation_scores_.index(stopped.best_validation_score_) + 1
score_ax.axvline(best_epoch, color="grey", linestyle="--", label="weights kept")
score_ax.set(xlabel="epoch", ylabel="validation accuracy", title="validation_scores_")
score_ax.legend()
fig.tight_layout()
plt.show()
