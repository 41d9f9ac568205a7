"""
XOR: the smallest problem a linear model cannot solve
======================================================

No straight line separates the two classes of XOR, so a logistic regression stays at
chance. One hidden layer of a few units is enough: this example trains a tiny network
on noisy XOR points and draws the curved boundary it learns.
"""

# %%
# Four clouds of points around the corners of the unit square: the class is 1 when
# exactly one coordinate is above 0.5.
import numpy as np

rng = np.random.default_rng(0)
corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
X = np.repeat(corners, 50, axis=0) + rng.normal(scale=0.15, size=(200, 2))
y = np.repeat([0, 1, 1, 0], 50)

# %%
# A linear model cannot do better than chance here.
from sklearn.linear_model import LogisticRegression

linear = LogisticRegression().fit(X, y)
print(f"logistic regression training accuracy: {linear.score(X, y):.2f}")

# %%
# A network with one hidden layer of four tanh units learns it. With a few hundred
# points, ``solver="lbfgs"`` (``torch.optim.LBFGS`` on the whole set) converges in a
# fraction of a second.
from sknn import MLPClassifier

net = MLPClassifier(
    hidden_layer_sizes=(4,), activation="tanh", solver="lbfgs", random_state=0
).fit(X, y)
print(f"4-unit network training accuracy: {net.score(X, y):.2f}")

# %%
# The probability of class 1 over the plane: the network bends its boundary around
# the two diagonals.
import matplotlib.pyplot as plt

grid = np.linspace(-0.5, 1.5, 201)
xx, yy = np.meshgrid(grid, grid)
proba = net.predict_proba(np.c_[xx.ravel(), yy.ravel()])[:, 1].reshape(xx.shape)

fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
contour = ax.contourf(xx, yy, proba, levels=20, cmap="RdBu_r", alpha=0.8)
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="RdBu_r", edgecolors="k", s=20)
fig.colorbar(contour, ax=ax, label="P(class 1)")
ax.set(title="XOR learned by 4 hidden units", xlabel="$x_1$", ylabel="$x_2$")
plt.show()
