"""
Deploy with ONNX: export a Pipeline and run it with onnxruntime
================================================================

A fitted sknn model goes to production the way scikit-learn's MLP does: through
ONNX. ``import sknn.onnx`` registers sknn's converters with skl2onnx, so that
``skl2onnx.to_onnx`` converts a whole Pipeline, and onnxruntime then predicts
without Python, PyTorch or sknn. This example trains a Pipeline, exports it, runs
the graph and compares its outputs with sknn's. It needs the ``onnx`` extra
(``pip install "sknn[onnx]"``).
"""

# %%
# Train a Pipeline on the wine data: scaling, then a network with batch norm and
# the GELU activation (both go into the graph; dropout does not, as at inference).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn

X, y = load_wine(return_X_y=True)
X = X.astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
model = make_pipeline(
    StandardScaler(),
    sknn.MLPClassifier(
        (32,), activation="gelu", batch_norm=True, dropout=0.1, max_iter=300,
        random_state=0,
    ),
).fit(X_train, y_train)  # fmt: skip
print(f"sknn test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# Export: importing ``sknn.onnx`` registers the converters, then skl2onnx's usual
# call takes the whole Pipeline. ``zipmap=False`` returns the probabilities as one
# array instead of a list of dicts.
import onnxruntime
import skl2onnx

import sknn.onnx  # noqa: F401

exported = skl2onnx.to_onnx(model, X_train[:1], options={"zipmap": False})
print(f"ONNX graph: {len(exported.SerializeToString()) / 1024:.0f} KiB")

# %%
# Run the graph with onnxruntime and compare: the labels are the same and the
# probabilities agree to float32's precision.
session = onnxruntime.InferenceSession(
    exported.SerializeToString(), providers=["CPUExecutionProvider"]
)
labels, probabilities = session.run(None, {session.get_inputs()[0].name: X_test})
expected = model.predict_proba(X_test)
print(f"same labels: {np.array_equal(labels, model.predict(X_test))}")
print(f"largest probability difference: {np.abs(probabilities - expected).max():.1e}")

# %%
# Each held-out row's probabilities, from sknn and from onnxruntime.
fig, ax = plt.subplots(figsize=(4.5, 4.5))
for k in range(probabilities.shape[1]):
    ax.scatter(expected[:, k], probabilities[:, k], s=12, label=f"class {k}")
ax.plot([0, 1], [0, 1], color="grey", linewidth=0.8)
ax.set_xlabel("sknn predict_proba")
ax.set_ylabel("onnxruntime")
ax.set_title("The exported Pipeline reproduces sknn")
ax.legend()
plt.show()
