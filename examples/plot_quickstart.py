"""
Quick start: a one-line swap for scikit-learn's MLP
====================================================

``sknn.MLPClassifier`` takes the same parameters as
``sklearn.neural_network.MLPClassifier`` and trains a PyTorch network. Here it
classifies the handwritten digits bundled with scikit-learn, inside a Pipeline, and
prints its held-out accuracy next to scikit-learn's.
"""

# %%
# Load the digits and hold out a quarter of them for testing.
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

# %%
# Swap the import: the rest of the code is scikit-learn as usual.
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

for name, estimator in [
    ("sknn", MLPClassifier(random_state=0)),
    ("scikit-learn", SklearnMLPClassifier(random_state=0)),
]:
    model = make_pipeline(StandardScaler(), estimator).fit(X_train, y_train)
    print(f"{name:>12} MLPClassifier test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# sknn's own parameters come after scikit-learn's: dropout, L1, and the device.
model = make_pipeline(
    StandardScaler(), MLPClassifier(dropout=0.2, l1=1e-4, device="auto", random_state=0)
).fit(X_train, y_train)
accuracy = model.score(X_test, y_test)
print(f"{'with dropout':>12} MLPClassifier test accuracy: {accuracy:.3f}")

# %%
# Which digits does it confuse? The held-out predictions, by true and predicted digit.
import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay

ConfusionMatrixDisplay.from_estimator(model, X_test, y_test, colorbar=False)
plt.show()
