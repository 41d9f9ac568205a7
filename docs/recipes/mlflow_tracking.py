"""Track, save and load sknn models with MLflow.

MLflow's scikit-learn flavour takes sknn's estimators as they are. Three things to
know: models are best logged in skops' format, which loads only the types it is told
to trust (``sknn.SKOPS_TRUSTED_TYPES`` names sknn's); ``mlflow.sklearn.autolog``
patches scikit-learn's own classes, so it logs an sknn estimator inside a Pipeline
or a search, not a bare one, and it cannot pass skops the trusted types, so the
model is logged with ``log_model``; and this script logs to a local file store
(MLflow 3 asks for ``MLFLOW_ALLOW_FILE_STORE=true`` to use one), so it runs offline.

Run it with ``MLFLOW_ALLOW_FILE_STORE=true python mlflow_tracking.py``; it needs
``pip install mlflow-skinny``.
"""

import tempfile
from pathlib import Path

import mlflow
import mlflow.sklearn
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn

store = Path(tempfile.mkdtemp()) / "mlruns"
mlflow.set_tracking_uri(store.as_uri())

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)

# autolog: the parameters and training metrics of a Pipeline's fit; the model is
# logged explicitly, in skops' format (autolog cannot pass skops the trusted types)
mlflow.sklearn.autolog(log_models=False)
model = make_pipeline(
    StandardScaler(), sknn.MLPClassifier(random_state=0, max_iter=300)
)
with mlflow.start_run() as run:
    model.fit(X_train, y_train)
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        serialization_format="skops",
        skops_trusted_types=sknn.SKOPS_TRUSTED_TYPES,
    )
mlflow.sklearn.autolog(disable=True)
logged = mlflow.get_run(run.info.run_id).data
print(f"autolog: {len(logged.params)} parameters, metrics {sorted(logged.metrics)}")

# load_model trusts sknn's types, recorded by log_model
loaded = mlflow.sklearn.load_model(info.model_uri)
same = (loaded.predict(X_test) == model.predict(X_test)).all()
print(f"loaded from {info.model_uri}: same predictions: {same}")
print(f"test accuracy: {loaded.score(X_test, y_test):.3f}")
