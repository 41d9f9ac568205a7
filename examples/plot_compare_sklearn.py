"""
sknn next to scikit-learn's MLP: accuracy and fit time
======================================================

sknn reproduces scikit-learn's MLP (same parameters, same initial weights for the same
``random_state``, same stopping rule) but trains it with PyTorch. This example fits
both on the same generated data with the same parameters and compares their test
accuracy, their number of epochs and their fit time.
"""

# %%
# A 3-class problem with 50 features, 5000 rows for training and 1000 for testing.
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

X, y = make_classification(
    n_samples=6000, n_features=50, n_informative=30, n_classes=3, random_state=0
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=1000, random_state=0
)

# %%
# The first fit in a process pays a one-off cost (about a second, for torch to import
# the parts of itself its optimizers use), so a one-epoch warm-up fit keeps it out
# of the timing. That fit warns that one epoch did not converge, which we silence.
import time
import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier

from sknn import MLPClassifier

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    MLPClassifier(max_iter=1).fit(X_train[:100], y_train[:100])

# %%
# The same parameters for both: two hidden layers of 128 units, Adam, batches of 256,
# and early stopping on 10% of the training rows.
params = dict(
    hidden_layer_sizes=(128, 128),
    batch_size=256,
    early_stopping=True,
    random_state=0,
)
results = {}
for name, estimator in [
    ("sknn", MLPClassifier(**params)),
    ("scikit-learn", SklearnMLPClassifier(**params)),
]:
    start = time.perf_counter()
    estimator.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    accuracy = estimator.score(X_test, y_test)
    results[name] = (accuracy, seconds, estimator.n_iter_)
    print(
        f"{name:>12}: test accuracy {accuracy:.3f}, {estimator.n_iter_} epochs "
        f"in {seconds:.2f} s ({1000 * seconds / estimator.n_iter_:.0f} ms per epoch)"
    )

# %%
# Side by side. Times depend on the machine and its load: on cores shared with other
# busy processes, torch's OpenMP threads slow down badly, and ``OMP_NUM_THREADS=1``
# keeps sknn fast. The performance page of the docs has careful measurements over a
# grid of network and batch sizes.
import matplotlib.pyplot as plt

names = list(results)
fig, (accuracy_ax, time_ax) = plt.subplots(1, 2, figsize=(8, 3))
accuracy_ax.barh(names, [results[n][0] for n in names], color=["C0", "C1"])
accuracy_ax.set(xlabel="test accuracy", xlim=(0.5, 1.0))
time_ax.barh(names, [results[n][1] / results[n][2] for n in names], color=["C0", "C1"])
time_ax.set(xlabel="fit time per epoch (s)")
fig.tight_layout()
plt.show()
