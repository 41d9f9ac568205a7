"""
Saving, checkpoints, and resuming a killed fit
==============================================

A model is only useful once it can leave the process that trained it. ``sknn.save``
writes a fitted estimator or Pipeline to a file that loads without running any code
from it; ``checkpoint_dir`` makes a fit write the model after every epoch, so that a
fit killed halfway goes on from where it stopped with ``sknn.resume``.
"""

# %%
# Fit a Pipeline, save it, load it back: the predictions are the same.
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
folder = Path(tempfile.mkdtemp())

pipeline = make_pipeline(
    StandardScaler(), sknn.MLPClassifier(early_stopping=True, random_state=0)
)
pipeline.fit(X, y)
loaded = sknn.load(sknn.save(pipeline, folder / "digits.sknn"))
same = np.array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))
print(f"training accuracy {loaded.score(X, y):.3f}; same predictions: {same}")

# %%
# Train in another process with checkpoints, and kill it (as a crash, a Ctrl-C or a
# lost machine would) a moment after its first epochs are on disk.
import subprocess
import sys
import time

training = """
import sys
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
from sknn import MLPClassifier
X, y = load_digits(return_X_y=True)
MLPClassifier(batch_size=32, early_stopping=True, random_state=0,
              checkpoint_dir=sys.argv[1]).fit(StandardScaler().fit_transform(X), y)
"""
process = subprocess.Popen([sys.executable, "-c", training, str(folder / "runs")])
while not list(folder.glob("runs/*/last.sknn")):
    time.sleep(0.05)
time.sleep(0.5)
process.kill()
process.wait()
(run,) = (folder / "runs").iterdir()
killed_after = sknn.load(run / "last.sknn").n_iter_
print(f"killed after {killed_after} epochs: {run.name}")

# %%
# Resume: one call goes on from the last epoch on disk, with the optimizer's state,
# the shuffling and the dropout RNGs as they were. The result is the fit that was
# never interrupted.
resumed = sknn.resume(run, X, y)
uninterrupted = sknn.MLPClassifier(batch_size=32, early_stopping=True, random_state=0)
uninterrupted.fit(X, y)
print(
    f"resumed: {resumed.n_iter_} epochs, validation accuracy "
    f"{resumed.best_validation_score_:.3f}"
)
same = np.array_equal(resumed.predict_proba(X), uninterrupted.predict_proba(X))
print(f"same as the uninterrupted fit: {same}")

# %%
# ``best.sknn`` holds the epoch with the best validation accuracy, which early
# stopping also restores at the end of the fit.
best = sknn.load(run / "best.sknn")
print(
    f"best checkpoint: epoch {best.n_iter_}, validation accuracy "
    f"{best.best_validation_score_:.3f}"
)

# %%
# The validation accuracy of each epoch: the resumed fit retraces the uninterrupted
# one, before and after the kill.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
epochs = np.arange(1, uninterrupted.n_iter_ + 1)
ax.plot(
    epochs, uninterrupted.validation_scores_, lw=5, alpha=0.4, label="uninterrupted"
)
ax.plot(epochs, resumed.validation_scores_, "k--", label="killed, then resumed")
ax.axvline(killed_after, color="C3", ls=":", label="killed")
ax.set(xlabel="epoch", ylabel="validation accuracy")
ax.legend()
plt.show()
