"""Device-free pickles; sknn.save / sknn.load: secure, atomic, refusing bad files."""

import hashlib
import io
import json
import os
import pickle
import re
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pytest
import torch
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sknn
from sknn import MLPClassifier, MLPRegressor, ModelFileError
from sknn._persistence import FORMAT_VERSION

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _pickled_modules(data):
    """The modules whose classes or functions unpickling ``data`` imports."""
    modules = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            modules.add(module)
            return super().find_class(module, name)

    Recorder(io.BytesIO(data)).load()
    return modules


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"solver": "sgd", "learning_rate": "onecycle", "batch_norm": True},
        {"solver": "lbfgs"},
        {"solver": "sgd", "momentum": 0.0, "learning_rate": "step", "lr_step_size": 1},
    ],
    ids=["adam", "sgd-onecycle-batchnorm", "lbfgs", "sgd-no-momentum-step"],
)
def test_pickle_holds_plain_values_and_numpy_only(params, iris):
    X, y = iris
    clf = MLPClassifier(max_iter=5, random_state=0, **params).fit(X, y)
    data = pickle.dumps(clf)
    roots = {module.split(".")[0] for module in _pickled_modules(data)}
    assert roots <= {"sknn", "sklearn", "numpy", "builtins", "copyreg", "_codecs"}
    loaded = pickle.loads(data)
    rng_state = torch.get_rng_state()
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert torch.equal(torch.get_rng_state(), rng_state)  # rebuilding drew nothing
    if params.get("solver") != "lbfgs":
        # optimizer and schedule state came along: training goes on identically
        clf.partial_fit(X, y)
        loaded.partial_fit(X, y)
        for a, b in zip(loaded.coefs_, clf.coefs_):
            np.testing.assert_array_equal(a, b)
        assert loaded.history_[-1]["lr"] == clf.history_[-1]["lr"]


PREDICT_WITHOUT_TORCH = """
import sys, numpy as np, sknn
model = sknn.load(sys.argv[1])
X = np.load(sys.argv[2])
np.save(sys.argv[3], model.predict_proba(X))
sknn.save(model, sys.argv[4])  # its net state as loaded: never rebuilt
assert "torch" not in sys.modules, "torch was imported"
"""


@pytest.mark.parametrize(
    "cls, params",
    [
        (MLPClassifier, {}),
        (
            MLPClassifier,
            {"solver": "sgd", "learning_rate": "onecycle", "batch_norm": True},
        ),
        (sknn.TabularMLPClassifier, {"early_stopping": False}),
        (MLPClassifier, {"numeric_embedding": "piecewise_linear", "embedding_dim": 3}),
    ],
    ids=["adam", "sgd-onecycle-batchnorm", "tabular", "piecewise-linear"],
)
def test_a_loaded_model_predicts_and_saves_without_torch(cls, params, tmp_path, iris):
    """A model trained on the CPU predicts in numpy: loading, predicting and saving
    it again never import torch (seconds), and the file it saves trains on as the
    original does."""
    X, y = iris
    clf = cls(max_iter=5, random_state=0, **params).fit(X, y)
    np.save(tmp_path / "X.npy", X)
    files = [tmp_path / name for name in ("a.sknn", "proba.npy", "b.sknn")]
    sknn.save(clf, files[0])
    result = subprocess.run(
        [sys.executable, "-c", PREDICT_WITHOUT_TORCH, files[0], tmp_path / "X.npy",
         *files[1:]],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    np.testing.assert_array_equal(np.load(files[1]), clf.predict_proba(X))
    loaded = sknn.load(files[2])
    clf.partial_fit(X, y)
    loaded.partial_fit(X, y)
    for a, b in zip(loaded.coefs_, clf.coefs_):
        np.testing.assert_array_equal(a, b)


def test_threads_sharing_a_loaded_model_rebuild_one_net(tmp_path, iris):
    """The net of a loaded model is rebuilt when training needs it, once, however
    many threads ask at the same time."""
    X, y = iris
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    loaded = sknn.load(sknn.save(clf, tmp_path / "model.sknn"))
    barrier = threading.Barrier(4)
    nets = []

    def rebuild():
        barrier.wait()
        nets.append(loaded._fitted_net())

    threads = [threading.Thread(target=rebuild) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(nets) == 4 and all(net is nets[0] for net in nets)


def test_skops_trusts_what_it_would_trust_when_imported_alone():
    """sknn imports skops without scikit-learn's array-API backends (which import
    torch); the scikit-learn estimators skops trusts by default are all there."""
    script = """
from sknn._persistence import _import_skops
_import_skops()
from skops.io._trusted_types import SKLEARN_ESTIMATOR_TYPE_NAMES as trusted
from skops.io._utils import get_type_name
from sklearn.utils import all_estimators
everything = [get_type_name(cls) for _, cls in all_estimators()]
assert trusted == [name for name in everything if name.startswith("sklearn.")]
assert len(trusted) > 100, len(trusted)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_display_flags_are_not_saved_with_the_model(iris):
    """verbose and progress_bar are the caller's: the saved net state holds the
    network's record and the training settings only."""
    X, y = iris
    clf = MLPClassifier(max_iter=2, verbose=True, progress_bar=True, random_state=0)
    state = clf.fit(X, y).__getstate__()["_net_state"]
    assert {"verbose", "progress_bar"}.isdisjoint(state["training"])
    assert {"verbose", "progress_bar"}.isdisjoint(state["network"])


def test_model_tagged_for_cuda_unpickles_and_predicts_on_cpu(iris):
    """Simulates a CUDA-trained model on a CPU-only machine: the recorded device is
    one this machine lacks, and the model still loads and predicts."""
    X, y = iris
    clf = MLPClassifier(max_iter=20, random_state=0).fit(X, y)
    state = clf.__getstate__()
    state["_net_state"]["training"]["device"] = "cuda:3"
    tagged = MLPClassifier.__new__(MLPClassifier)
    tagged.__setstate__(state)
    loaded = pickle.loads(pickle.dumps(tagged))
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X))
    loaded.partial_fit(X, y)  # and trains on, on the CPU
    assert loaded._fitted_net().device == "cpu"


@pytest.mark.skipif(
    not __import__("torch").cuda.is_available(), reason="needs a CUDA device"
)
def test_cuda_trained_model_loads_in_a_cpu_only_process(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(max_iter=20, random_state=0, device="cuda").fit(X, y)
    path = sknn.save(clf, tmp_path / "cuda.sknn")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    _run_fresh(tmp_path, path, env={"CUDA_VISIBLE_DEVICES": ""}, atol=1e-5)


def _run_fresh(tmp_path, path, env=None, atol=0.0):
    """Load ``path`` in a new Python process and compare its predictions."""
    script = f"""
import numpy as np, sknn
model = sknn.load({str(path)!r})
X = np.load({str(tmp_path / "X.npy")!r})
expected = np.load({str(tmp_path / "expected.npy")!r})
method = "predict_proba" if hasattr(model, "predict_proba") else "predict"
np.testing.assert_allclose(getattr(model, method)(X), expected, rtol=0, atol={atol})
print("same predictions")
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "same predictions" in result.stdout


def test_save_and_load_a_pipeline_in_a_fresh_process(tmp_path, iris):
    X, y = iris
    pipeline = make_pipeline(
        StandardScaler(), MLPClassifier(batch_norm=True, max_iter=50, random_state=0)
    ).fit(X, y)
    path = sknn.save(pipeline, tmp_path / "iris.sknn")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", pipeline.predict_proba(X))
    _run_fresh(tmp_path, path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["manifest.json", "model.skops"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["object"] == "sklearn.pipeline.Pipeline"
    libraries = {"sknn", "scikit-learn", "torch", "numpy", "skops"}
    assert set(manifest["versions"]) == libraries


def test_save_and_load_a_searched_regressor(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X), y / 100
    search = GridSearchCV(
        MLPRegressor(max_iter=30, random_state=0), {"alpha": [1e-4, 1e-2]}, cv=2
    ).fit(X, y)
    loaded = sknn.load(sknn.save(search.best_estimator_, tmp_path / "best.sknn"))
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    assert loaded.get_params() == search.best_estimator_.get_params()
    assert loaded.loss_curve_ == search.best_estimator_.loss_curve_


def test_load_refuses_what_is_not_an_sknn_model(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    good = sknn.save(clf, tmp_path / "good.sknn")

    with pytest.raises(FileNotFoundError):
        sknn.load(tmp_path / "missing.sknn")

    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(ModelFileError, match=re.escape(f"{csv}: not an sknn model")):
        sknn.load(csv)

    truncated = tmp_path / "truncated.sknn"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ModelFileError, match=re.escape(f"{truncated}: ")):
        sknn.load(truncated)

    other_zip = tmp_path / "other.sknn"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match="a zip archive without manifest.json"):
        sknn.load(other_zip)


def _rewrite(path, manifest=None, payload=None, keep_hash=False):
    """Rewrite an sknn file's members; recompute the payload hash unless asked."""
    with zipfile.ZipFile(path) as archive:
        old_manifest = json.loads(archive.read("manifest.json"))
        old_payload = archive.read("model.skops")
    manifest = manifest or old_manifest
    payload = old_payload if payload is None else payload
    if not keep_hash:
        manifest["payload_sha256"] = hashlib.sha256(payload).hexdigest()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("model.skops", payload)


def test_load_refuses_a_tampered_file(tmp_path, iris):
    X, y = iris
    path = sknn.save(MLPClassifier(max_iter=5).fit(X, y), tmp_path / "m.sknn")
    with zipfile.ZipFile(path) as archive:
        payload = bytearray(archive.read("model.skops"))
    payload[len(payload) // 2] ^= 0xFF
    _rewrite(path, payload=bytes(payload), keep_hash=True)
    msg = f"{path}: the model's contents do not match the checksum in its manifest"
    with pytest.raises(ModelFileError, match=re.escape(msg)):
        sknn.load(path)


class MarkerOnLoad:
    """Creates a marker file whenever an instance is rebuilt from saved state."""

    def __init__(self, marker):
        self.marker = marker

    def __setstate__(self, state):
        open(state["marker"], "w").close()
        self.__dict__.update(state)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_load_never_runs_code_from_a_crafted_file(tmp_path, iris):
    """Files carrying a pickle payload, or an untrusted type, that would create a
    marker file when loaded: sknn.load refuses each, and the marker never appears."""
    import skops.io

    X, y = iris
    marker = tmp_path / "marker"
    pickled = pickle.dumps(MarkerOnLoad(str(marker)))
    raw = tmp_path / "raw.sknn"
    raw.write_bytes(pickled)
    with pytest.raises(ModelFileError, match="not an sknn model file"):
        sknn.load(raw)

    inside = sknn.save(MLPClassifier(max_iter=5).fit(X, y), tmp_path / "inside.sknn")
    _rewrite(inside, payload=pickled)  # a valid hash, pickled contents
    with pytest.raises(ModelFileError, match="not a valid skops payload"):
        sknn.load(inside)

    untrusted = sknn.save(MLPClassifier(max_iter=5).fit(X, y), tmp_path / "u.sknn")
    evil = MarkerOnLoad.__new__(MarkerOnLoad)
    evil.__dict__["marker"] = str(marker)
    _rewrite(untrusted, payload=skops.io.dumps({"model": evil}))
    msg = "refusing to load types that neither skops trusts by default nor sknn"
    with pytest.raises(ModelFileError, match=re.escape(msg)) as error:
        sknn.load(untrusted)
    assert "MarkerOnLoad" in str(error.value)
    assert not marker.exists()


def test_load_warns_when_library_versions_differ(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    path = sknn.save(clf, tmp_path / "old.sknn")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["versions"]["sknn"] = "0.0.1"
    _rewrite(path, manifest=manifest)
    with pytest.warns(UserWarning, match=re.escape("(sknn 0.0.1 -> ")):
        loaded = sknn.load(path)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_notes_are_read_back_without_loading_the_model(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    notes = {"data": "iris", "rows": 150, "scores": {"accuracy": 0.9}, "tags": ("a",)}
    path = sknn.save(clf, tmp_path / "m.sknn", notes=notes)
    assert sknn.read_notes(path) == {**notes, "tags": ["a"]}  # as JSON holds them
    np.testing.assert_array_equal(sknn.load(path).predict(X), clf.predict(X))
    assert sknn.read_notes(sknn.save(clf, tmp_path / "plain.sknn")) == {}


# notes beyond what sknn.save writes: as given to save, and as crafted in a file
# (None: JSON cannot hold them; the file's notes are null instead)
BAD_NOTES = {
    "not-a-dict": (["not", "a", "dict"], ["not", "a", "dict"]),
    "key-not-text": ({1: "a"}, None),
    "object": ({"value": object()}, None),
    "array": ({"array": np.zeros(3)}, None),
    "too-deep": ({"deep": json.loads("[" * 20 + "]" * 20)},) * 2,
    "too-large": ({"large": "x" * (600 << 10)},) * 2,
}


@pytest.mark.parametrize("name", BAD_NOTES)
def test_notes_that_are_not_small_json_are_refused(tmp_path, iris, name):
    """On save a ValueError, and nothing written; in a file (hand-edited or
    crafted), a ModelFileError from read_notes and load alike."""
    X, y = iris
    clf = MLPClassifier(max_iter=2, random_state=0).fit(X, y)
    given, in_file = BAD_NOTES[name]
    with pytest.raises(ValueError, match="notes"):
        sknn.save(clf, tmp_path / "bad.sknn", notes=given)
    assert not (tmp_path / "bad.sknn").exists()

    path = sknn.save(clf, tmp_path / "m.sknn")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["notes"] = in_file
    _rewrite(path, manifest=manifest)
    for read in (sknn.read_notes, sknn.load):
        with pytest.raises(ModelFileError, match=re.escape(f"{path}: the notes")):
            read(path)


def test_load_refuses_a_file_of_another_format_version_in_one_sentence(tmp_path, iris):
    X, y = iris
    path = sknn.save(MLPClassifier(max_iter=2).fit(X, y), tmp_path / "m.sknn")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    current = FORMAT_VERSION
    for version, fix in [
        (current - 1, "train and save the model again"),
        (current + 1, "upgrade sknn"),
    ]:
        manifest["format_version"] = version
        _rewrite(path, manifest=manifest)
        msg = (
            f"{path}: sknn model format version {version}; this sknn reads only "
            f"version {current}, so {fix} with it."
            if version < current
            else f"{path}: sknn model format version {version}; this sknn reads "
            f"only version {current}, so {fix} to load it."
        )
        for read in (sknn.read_notes, sknn.load):
            with pytest.raises(ModelFileError, match=re.escape(msg)):
                read(path)


def test_a_failed_save_leaves_the_previous_file_whole(tmp_path, iris, monkeypatch):
    X, y = iris
    first = MLPClassifier(max_iter=5, random_state=0).fit(X, y)
    path = sknn.save(first, tmp_path / "model.sknn")
    before = path.read_bytes()

    def disk_full(self, name, data, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", disk_full)
    second = MLPClassifier(max_iter=5, random_state=1).fit(X, y)
    with pytest.raises(OSError, match="No space left on device"):
        sknn.save(second, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.sknn"]  # no temp
    np.testing.assert_array_equal(sknn.load(path).predict(X), first.predict(X))


# ---------------------------------------------------------------- checkpoints


def _interrupt_after(monkeypatch, epochs):
    """Raise KeyboardInterrupt (a Ctrl-C) right after epoch ``epochs``'s checkpoint."""
    from sknn import _checkpoints

    real, written = _checkpoints._persistence.save, []

    def save(obj, path):
        real(obj, path)
        if path.name == "last.sknn":
            written.append(path)
            if len(written) == epochs:
                raise KeyboardInterrupt

    monkeypatch.setattr(_checkpoints._persistence, "save", save)


@pytest.mark.parametrize(
    "params",
    [
        {"dropout": 0.2},
        {"solver": "sgd", "learning_rate": "onecycle", "early_stopping": True},
        {
            "numeric_embedding": "periodic",
            "embedding_dim": 3,
            "dropout": 0.1,
            "early_stopping": True,
            "restore_best": "last",
        },  # fmt: skip
        {
            "numeric_embedding": "piecewise_linear",
            "embedding_dim": 3,
            "early_stopping": True,
        },
    ],
    ids=[
        "adam-dropout",
        "sgd-onecycle-early-stopping",
        "embedding-restore-last",
        "piecewise-linear-early-stopping",
    ],
)
def test_three_plus_three_resumed_epochs_equal_six(params, tmp_path, iris, monkeypatch):
    X, y = iris
    params = dict(max_iter=6, batch_size=32, random_state=0, **params)
    uninterrupted = MLPClassifier(**params).fit(X, y)
    _interrupt_after(monkeypatch, 3)
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        interrupted = MLPClassifier(checkpoint_dir=tmp_path, **params).fit(X, y)
    monkeypatch.undo()
    assert interrupted.n_iter_ == 3
    resumed = sknn.resume(interrupted.checkpoint_path_, X, y)
    assert resumed.n_iter_ == 6
    assert [record["epoch"] for record in resumed.history_] == [1, 2, 3, 4, 5, 6]
    assert resumed.loss_curve_ == uninterrupted.loss_curve_
    for a, b in zip(resumed.coefs_, uninterrupted.coefs_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(
        resumed.predict_proba(X), uninterrupted.predict_proba(X)
    )


def test_checkpoints_hold_the_last_and_the_best_model(tmp_path, iris):
    X, y = iris
    params = dict(max_iter=40, random_state=0, learning_rate_init=0.01)
    clf = MLPClassifier(checkpoint_dir=tmp_path / "runs", **params).fit(X, y)
    run = tmp_path / "runs" / os.path.basename(clf.checkpoint_path_)
    assert run.is_dir() and run.name.startswith("MLPClassifier-")
    assert sorted(p.name for p in run.iterdir()) == ["best.sknn", "last.sknn"]
    last = sknn.load(run / "last.sknn")
    np.testing.assert_array_equal(last.predict_proba(X), clf.predict_proba(X))
    assert last.n_iter_ == clf.n_iter_
    # with early stopping the fitted model is the best epoch's: best.sknn holds it
    stopping = MLPClassifier(checkpoint_dir=tmp_path, early_stopping=True, **params)
    stopping.fit(X, y)
    best = sknn.load(os.path.join(stopping.checkpoint_path_, "best.sknn"))
    np.testing.assert_array_equal(best.predict_proba(X), stopping.predict_proba(X))
    assert best.best_validation_score_ == stopping.best_validation_score_
    # every fit gets a directory of its own; partial_fit calls keep theirs
    assert MLPClassifier(checkpoint_dir=tmp_path, **params).fit(
        X, y
    ).checkpoint_path_ != (stopping.checkpoint_path_)
    online = MLPClassifier(checkpoint_dir=tmp_path, random_state=0)
    first = online.partial_fit(X, y, classes=[0, 1, 2]).checkpoint_path_
    assert online.partial_fit(X, y).checkpoint_path_ == first
    assert len(sknn.load(os.path.join(first, "last.sknn")).loss_curve_) == 2


def test_parallel_cross_validation_fits_never_share_checkpoints(tmp_path, iris):
    from sklearn.model_selection import cross_validate

    X, y = iris
    clf = MLPClassifier(max_iter=10, random_state=0, checkpoint_dir=tmp_path)
    folds = cross_validate(clf, X, y, cv=3, n_jobs=2, return_estimator=True)
    paths = [estimator.checkpoint_path_ for estimator in folds["estimator"]]
    assert len(set(paths)) == 3
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in paths)
    for estimator, path in zip(folds["estimator"], paths):
        last = sknn.load(os.path.join(path, "last.sknn"))
        np.testing.assert_array_equal(last.predict(X), estimator.predict(X))


def test_a_failed_checkpoint_write_raises_and_keeps_the_previous(
    tmp_path, iris, monkeypatch
):
    from sknn import _persistence

    X, y = iris
    real, calls = _persistence._write_archive, []

    def write_archive(file, manifest, payload):
        calls.append(file)
        if len(calls) == 3:  # epoch 1 writes last and best, epoch 2 last: disk full
            file.write(payload[:1000])
            raise OSError(28, "No space left on device")
        return real(file, manifest, payload)

    monkeypatch.setattr(_persistence, "_write_archive", write_archive)
    clf = MLPClassifier(max_iter=10, random_state=0, checkpoint_dir=tmp_path)
    with pytest.raises(OSError, match="No space left on device"):
        clf.fit(X, y)
    monkeypatch.undo()
    assert not hasattr(clf, "coefs_")  # the failed fit left the estimator unfitted
    (run,) = tmp_path.iterdir()
    names = sorted(p.name for p in run.iterdir())
    assert names == ["best.sknn", "last.sknn"]  # and no temporary file
    assert sknn.load(run / "last.sknn").n_iter_ == 1


def test_resume_refuses_a_crafted_checkpoint_and_a_finished_model(tmp_path, iris):
    X, y = iris
    marker = tmp_path / "marker"
    clf = MLPClassifier(max_iter=3, random_state=0, checkpoint_dir=tmp_path / "c")
    clf.fit(X, y)
    last = os.path.join(clf.checkpoint_path_, "last.sknn")
    _rewrite(last, payload=pickle.dumps(MarkerOnLoad(str(marker))))
    with pytest.raises(ModelFileError, match="not a valid skops payload"):
        sknn.resume(clf.checkpoint_path_, X, y)
    assert not marker.exists()
    saved = sknn.save(clf, tmp_path / "model.sknn")
    with pytest.raises(ModelFileError, match="there is nothing to resume"):
        sknn.resume(saved, X, y)
    with pytest.raises(FileNotFoundError, match="no checkpoint there"):
        sknn.resume(tmp_path / "nowhere", X, y)


KILLED_TRAINING = """
import sys
import numpy as np
from sklearn.datasets import load_digits
from sknn import MLPClassifier
X, y = load_digits(return_X_y=True)
MLPClassifier((64,), max_iter=100000, n_iter_no_change=np.inf, batch_size=64,
              random_state=0, checkpoint_dir=sys.argv[1]).fit(X / 16, y)
"""


def test_checkpoints_survive_a_training_process_killed_at_random(tmp_path):
    """12 training processes killed (SIGKILL) at random moments while they write a
    checkpoint every epoch: every checkpoint left behind loads and predicts."""
    import random
    import signal
    import time

    X = load_digits_scaled()
    rng = random.Random(0)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    survivors = []
    for batch in range(3):
        runs = []
        for i in range(4):
            directory = tmp_path / f"kill-{batch}-{i}"
            process = subprocess.Popen(
                [sys.executable, "-c", KILLED_TRAINING, str(directory)], env=env
            )
            runs.append((process, directory))
        for process, directory in runs:
            deadline = time.monotonic() + 60
            while not list(directory.glob("*/last.sknn")):
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.3))
            process.send_signal(signal.SIGKILL)
            process.wait()
            survivors += list(directory.glob("*/*.sknn"))
    assert len(survivors) >= 12
    for path in survivors:
        model = sknn.load(path)
        assert model.predict(X).shape == (len(X),)
        assert model.score(X, load_digits(return_X_y=True)[1]) > 0.5


def load_digits_scaled():
    return load_digits(return_X_y=True)[0] / 16


def test_saved_files_get_the_usual_permissions(tmp_path, iris):
    X, y = iris
    umask = os.umask(0o022)
    try:
        path = sknn.save(MLPClassifier(max_iter=2).fit(X, y), tmp_path / "m.sknn")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's owner-only 0o600
    path.chmod(0o640)
    sknn.save(MLPClassifier(max_iter=2).fit(X, y), path)
    assert path.stat().st_mode & 0o777 == 0o640  # an overwrite keeps the file's mode


@pytest.mark.parametrize("early_stopping", [False, True])
def test_resuming_a_finished_fit_changes_nothing(early_stopping, tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(
        learning_rate_init=0.05,
        early_stopping=early_stopping,
        random_state=0,
        checkpoint_dir=tmp_path,
    ).fit(X, y)
    assert clf.n_iter_ < clf.max_iter  # it converged, and its last checkpoint says so
    resumed = sknn.resume(clf.checkpoint_path_, X, y)
    assert resumed.n_iter_ == clf.n_iter_
    # with early stopping, the best epoch's weights, as the fitted model has them
    np.testing.assert_array_equal(resumed.predict_proba(X), clf.predict_proba(X))


def test_a_partial_fit_checkpoint_is_not_resumed_but_trained_on(tmp_path, iris):
    X, y = iris
    online = MLPClassifier(random_state=0, checkpoint_dir=tmp_path)
    online.partial_fit(X, y, classes=[0, 1, 2]).partial_fit(X, y)
    resumed = sknn.resume(online.checkpoint_path_, X, y)
    np.testing.assert_array_equal(resumed.predict_proba(X), online.predict_proba(X))
    assert len(resumed.partial_fit(X, y).loss_curve_) == 3


def test_lbfgs_writes_no_checkpoints(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(solver="lbfgs", max_iter=20, checkpoint_dir=tmp_path / "c")
    clf.fit(X, y)
    assert not hasattr(clf, "checkpoint_path_") and not (tmp_path / "c").exists()


def test_load_reports_a_damaged_archive(tmp_path, iris):
    X, y = iris
    path = sknn.save(MLPClassifier(max_iter=2).fit(X, y), tmp_path / "m.sknn")
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the compressed payload
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match=re.escape(f"{path}: ")):
        sknn.load(path)
