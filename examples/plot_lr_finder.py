"""
Choosing a learning rate with the range test
============================================

A learning rate too small wastes epochs; one too large diverges. The learning-rate
range test (L. N. Smith, 2017) finds the range in one short run: it trains a
throw-away copy of the network for a hundred mini-batches while the rate grows
exponentially, and watches the loss. ``find_lr`` runs it and suggests the rate where
the loss falls fastest; the estimator itself is left untouched.
"""

# %%
# The digits, scaled, with a quarter held out.
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Run the range test from 1e-7 to 10 and plot it: flat while the rate is too small
# to matter, falling, then blowing up. The test stops once the smoothed loss is five
# times its minimum.
import matplotlib.pyplot as plt

from sknn import MLPClassifier

clf = MLPClassifier(random_state=0)
result = clf.find_lr(X_train, y_train)
result.plot()
plt.title("LR range test, Adam, digits")
plt.show()
print(f"suggested learning_rate_init: {result.suggested_learning_rate:.3g}")
print(f"steps before divergence: {len(result.learning_rates)} of 100")

# %%
# Train with the suggestion, with scikit-learn's default 1e-3 and with a rate near
# the loss's minimum. The suggestion reaches about the default's accuracy in a fifth
# of the epochs; the largest rate converges fast to a worse network.
for rate in [result.suggested_learning_rate, 1e-3, 1.0]:
    model = MLPClassifier(learning_rate_init=rate, random_state=0)
    model.fit(X_train, y_train)
    accuracy = model.score(X_test, y_test)
    print(
        f"learning_rate_init={rate:<8.3g} {model.n_iter_:3d} epochs, "
        f"test accuracy {accuracy:.3f}"
    )
