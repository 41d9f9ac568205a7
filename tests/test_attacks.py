"""Red-team tests: crafted model files, checkpoints, threads and extreme targets.

Each test builds an attack and asserts the safe outcome. Attacks aimed at the
process itself (memory corruption, time, memory) run in a child process under a
cap of 8 GiB of address space and 60 s, which reports its peak memory: a signal
death, a hang or a blown cap fails the test instead of the test run.
"""

import copy
import hashlib
import io
import json
import os
import pickle
import random
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.datasets import load_diabetes

import sknn
from sknn import MLPClassifier, MLPRegressor, ModelFileError
from sknn._training import ConvergenceState

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ADDRESS_SPACE = 8 << 30
TIME_LIMIT = 60
# what loading any attack below may add to the process's peak memory
MEMORY_BOUND_MIB = 200

CHILD = """
import resource, sys, warnings
warnings.simplefilter("ignore")
import numpy as np, sknn
action, X, y, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
X, y = (None if name == "-" else np.load(name) for name in (X, y))
def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = peak_mib()
for path in paths:
    print("attack:", path, flush=True)
    try:
        model = sknn.load(path)
        if action == "partial_fit":
            model.partial_fit(X, y)
        elif action == "resume":
            sknn.resume(path, X, y)
        elif action == "predict":
            model.predict(X)
        print("outcome: loaded", flush=True)
    except sknn.ModelFileError as error:
        print("outcome: ModelFileError:", error, flush=True)
print(f"peak: {peak_mib() - before:.1f}")
"""


def _set_limits():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_capped(path, action, X="-", y="-"):
    """Run CHILD on one file under the caps; return its outcome line and the peak
    memory (MiB) the attack added. A signal, an exception or a timeout fails."""
    outcomes, peak = run_capped_many([path], action, X, y)
    return outcomes[str(path)], peak


def run_capped_many(paths, action, X="-", y="-"):
    """Run CHILD on each file in turn, in one process under the caps (one import
    of torch for them all); return each file's outcome line and the peak memory
    (MiB) that any of them added."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, action, str(X), str(y), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        preexec_fn=_set_limits,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        check=False,
    )
    attacked = re.findall(r"^attack: (.*)$", result.stdout, re.M)
    assert result.returncode == 0, (
        f"exit {result.returncode} on {attacked[-1:]}: {result.stderr[-2000:]}"
    )
    outcomes = dict(zip(attacked, re.findall(r"^outcome: (.*)$", result.stdout, re.M)))
    assert list(outcomes) == list(map(str, paths)), result.stdout[-2000:]
    peak = float(re.search(r"^peak: (.*)$", result.stdout, re.M).group(1))
    for path, outcome in outcomes.items():  # pytest -s
        print(f"attack on {Path(path).name}: {outcome[:70]}; peak +{peak:.1f} MiB")
    return outcomes, peak


@pytest.fixture(scope="module")
def data_files(tmp_path_factory, iris):
    directory = tmp_path_factory.mktemp("data")
    np.save(directory / "X.npy", iris[0])
    np.save(directory / "y.npy", iris[1])
    return directory / "X.npy", directory / "y.npy"


def _unchecked_copy(estimator, edit):
    """``estimator`` with its saved state changed by ``edit(state)``, built without
    the checks ``__setstate__`` would make."""
    state = estimator.__getstate__()
    edit(state)
    fake = type(estimator).__new__(type(estimator))
    fake.__dict__.update(state)
    if isinstance(state.get("_convergence"), dict):
        fake.__dict__["_convergence"] = ConvergenceState(**state["_convergence"])
    return fake


def crafted(path, estimator, edit):
    """Save ``estimator`` with its saved state changed by ``edit(state)``, through
    sknn.save (a valid checksum), skipping the checks a load would make."""
    return sknn.save(_unchecked_copy(estimator, edit), path)


def rewrite(path, payload=None, manifest=None):
    """Rewrite an sknn file's members, with the payload's hash recomputed."""
    with zipfile.ZipFile(path) as archive:
        manifest = manifest or json.loads(archive.read("manifest.json"))
        payload = archive.read("model.skops") if payload is None else payload
    manifest["payload_sha256"] = hashlib.sha256(payload).hexdigest()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("model.skops", payload)


def payload_members(path):
    with zipfile.ZipFile(path) as archive:
        payload = archive.read("model.skops")
    with zipfile.ZipFile(io.BytesIO(payload)) as inner:
        return {info.filename: inner.read(info) for info in inner.infolist()}


def write_payload(path, members, compressed=()):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as inner:
        for name, data in members.items():
            method = zipfile.ZIP_DEFLATED if name in compressed else zipfile.ZIP_STORED
            inner.writestr(name, data, compress_type=method)
    rewrite(path, payload=buffer.getvalue())


# ---------------------------------------------------------------- 1. memory safety


def _shrink_first_weight_state(state):
    for key, value in state["_net_state"]["optimizer"]["state"][0].items():
        if key != "step":
            state["_net_state"]["optimizer"]["state"][0][key] = value.ravel()[:1]


def _set(path, value):
    def edit(state):
        target = state
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return edit


PLE = {"numeric_embedding": "piecewise_linear", "embedding_dim": 2}


def _edges(change, dtype=np.float32):
    """An edit of the saved state: the bin edges become ``change(edges)``."""

    def edit(state):
        edges = change(state["_extra_state"]["0.edges"].copy()).astype(dtype)
        state["_extra_state"] = {**state["_extra_state"], "0.edges": edges}

    return edit


STATE_ATTACKS = {
    "optimizer state shrunk to one element": ({}, _shrink_first_weight_state),
    "scalar step made a vector": (
        {},
        _set(
            ("_net_state", "optimizer", "state", 0, "step"),
            np.zeros(3, np.float32),
        ),
    ),
    "momentum buffer of the wrong parameter": (
        {"solver": "sgd"},
        lambda s: s["_net_state"]["optimizer"]["state"][0].__setitem__(
            "momentum_buffer", np.zeros((3, 3), np.float32)
        ),
    ),
    "optimizer state for a parameter the net lacks": (
        {},
        lambda s: s["_net_state"]["optimizer"]["state"].__setitem__(
            99, dict(s["_net_state"]["optimizer"]["state"][0])
        ),
    ),
    "parameter group naming other parameters": (
        {},
        lambda s: s["_net_state"]["optimizer"]["param_groups"][0].__setitem__(
            "params", [0, 1, 2, 3, 4]
        ),
    ),
    "optimizer betas made a string": (
        {},
        _set(("_net_state", "optimizer", "param_groups", 0, "betas"), "evil"),
    ),
    "layer sizes larger than the weights": (
        {},
        _set(("_net_state", "network", "hidden_layer_sizes"), (16000, 16000)),
    ),
    "dropout for a layer that does not exist": (
        {},
        _set(("_net_state", "network", "dropout"), (0.5, 0.5)),
    ),
    "unknown activation": (
        {},
        _set(("_net_state", "network", "activation"), "__import__"),
    ),
    "network record with a field sknn does not write": (
        {},
        lambda s: s["_net_state"]["network"].__setitem__("evil", 1),
    ),
    "unknown solver in the training settings": (
        {},
        _set(("_net_state", "training", "solver"), "__import__"),
    ),
    "batch-norm statistics of the wrong width": (
        {"batch_norm": True},
        lambda s: s["_extra_state"].__setitem__(
            "1.running_mean", np.zeros(3, np.float32)
        ),
    ),
    "embedding frequencies of another feature count": (
        {"numeric_embedding": "periodic", "embedding_dim": 2},
        lambda s: s["_extra_state"].__setitem__(
            "0.frequencies", np.zeros((9, 48), np.float32)
        ),
    ),
    "a frequency count far beyond the saved frequencies (allocates nothing)": (
        {"numeric_embedding": "periodic", "embedding_dim": 2},
        _set(("_net_state", "network", "embedding_frequencies"), 10**12),
    ),
    "embedded features beyond the first layer's inputs": (
        {"numeric_embedding": "periodic", "embedding_dim": 2},
        _set(("_net_state", "network", "embedded_features"), 10**6),
    ),
    "embedding size that does not divide the first layer": (
        {"numeric_embedding": "periodic", "embedding_dim": 2},
        _set(("_net_state", "network", "embedding_dim"), 3),
    ),
    "ensemble adapter of another input width": (
        {"ensemble_size": 3},
        lambda s: s["_extra_state"].__setitem__("0.scale", np.ones((3, 5), np.float32)),
    ),
    "ensemble adapter erased": (
        {"ensemble_size": 3},
        lambda s: s.update(_extra_state={}),
    ),
    "members' output layers narrower than the ensemble": (
        {"ensemble_size": 3},
        lambda s: s.update(
            coefs_=[*s["coefs_"][:-1], s["coefs_"][-1][:, :6].copy()],
            intercepts_=[*s["intercepts_"][:-1], s["intercepts_"][-1][:6].copy()],
        ),
    ),
    "an ensemble size far beyond the saved heads (allocates nothing)": (
        {"ensemble_size": 3},
        _set(("_net_state", "network", "ensemble_size"), 10**12),
    ),
    "bin edges out of order": (PLE, _edges(lambda e: e[:, ::-1])),
    "bin edges of NaN": (PLE, _edges(lambda e: np.where(e == e[0, 3], np.nan, e))),
    "an open bin after a closed one": (
        PLE,
        _edges(lambda e: np.tile(np.r_[0, 0, np.arange(47)], (len(e), 1))),
    ),
    "bin edges of another bin count": (PLE, _edges(lambda e: e[:, :9])),
    "bin edges as float64": (PLE, _edges(lambda e: e, np.float64)),
    "a bin count far beyond the saved bins (allocates nothing)": (
        PLE,
        _set(("_net_state", "network", "embedding_bins"), 10**12),
    ),
    "bin edges missing": (
        PLE,
        lambda s: s.update(
            _extra_state={k: v for k, v in s["_extra_state"].items() if k != "0.edges"}
        ),
    ),
    "schedule state with foreign entries": (
        {"learning_rate": "cosine"},
        lambda s: s["_net_state"]["scheduler"].__setitem__("evil", 1),
    ),
    "weights that do not chain": (
        {},
        lambda s: s["coefs_"].__setitem__(1, np.zeros((7, 3), np.float32)),
    ),
    "non-finite weights": (
        {},
        lambda s: s["coefs_"][0].__setitem__((0, 0), np.inf),
    ),
    "more classes than outputs": (
        {},
        lambda s: s.update(classes_=np.arange(5)),
    ),
    "feature count unlike the weights": (
        {},
        _set(("n_features_in_",), 40000),
    ),
    "shuffling generator state truncated": (
        {},
        lambda s: s["_net_state"]["generators"].__setitem__(
            "shuffle", np.zeros(7, np.uint8)
        ),
    ),
    "weights without a network state": (
        {},
        lambda s: s.pop("_net_state"),
    ),
    "Adam state without its second moment": (
        {},
        lambda s: s["_net_state"]["optimizer"]["state"][0].pop("exp_avg_sq"),
    ),
    "fused Adam made differentiable": (
        {},
        _set(("_net_state", "optimizer", "param_groups", 0, "differentiable"), True),
    ),
    "step schedule of period zero": (
        {"learning_rate": "step"},
        _set(("_net_state", "scheduler", "step_size"), 0),
    ),
    "stopping rule's sample count erased": ({}, _set(("_convergence", "t"), None)),
    "early stopping's best score erased": (
        {"early_stopping": True},
        _set(("_convergence", "best_validation_score"), None),
    ),
    "label encoder with other labels": (
        {},
        lambda s: s.update(
            _label_binarizer=copy.deepcopy(s["_label_binarizer"]).set_params(
                neg_label=-1
            )
        ),
    ),
    "history that is not records": (
        {},
        _set(("history_",), [[1, [2, [3]]]]),
    ),
}


@pytest.fixture(scope="module")
def state_attacks(tmp_path_factory, iris):
    """Each of STATE_ATTACKS as (the fitted model, its crafted file)."""
    directory = tmp_path_factory.mktemp("state_attacks")
    X, y = iris
    attacks = {}
    for number, (attack, (params, edit)) in enumerate(sorted(STATE_ATTACKS.items())):
        clf = MLPClassifier((8,), max_iter=3, random_state=0, **params).fit(X, y)
        attacks[attack] = clf, crafted(directory / f"{number}.sknn", clf, edit)
    return attacks


@pytest.mark.parametrize("attack", sorted(STATE_ATTACKS))
def test_a_model_state_inconsistent_with_its_network_is_refused(attack, state_attacks):
    """The attack of the red-team report (the first weight's Adam state shrunk,
    the hash recomputed: partial_fit then corrupted the heap) and its relatives:
    each is refused at load with ModelFileError, before torch sees any of it."""
    clf, path = state_attacks[attack]
    with pytest.raises(ModelFileError, match=re.escape(f"{path}: the saved")):
        sknn.load(path)
    with pytest.raises(ModelFileError, match="the saved"):  # pickle checks too
        pickle.loads(pickle.dumps(_unchecked_copy(clf, STATE_ATTACKS[attack][1])))


TARGET_RANGE_ATTACKS = {
    "NaN": lambda r: np.where(r == r[0, 0], np.nan, r),
    "minimum above maximum": lambda r: r[::-1],
    "one output's range for two": lambda r: r[:, :1],
    "float32": lambda r: r.astype(np.float32),
    "a list": lambda r: r.tolist(),
}


@pytest.mark.parametrize("attack", sorted(TARGET_RANGE_ATTACKS))
def test_a_crafted_range_of_targets_is_refused(attack, tmp_path):
    """The range a clipping regressor clips to is checked against its outputs."""
    X, y = load_diabetes(return_X_y=True)
    Y = np.column_stack([y, -y])
    reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, clip_predictions=True)
    reg.fit(X, Y)

    def edit(state):
        state["_target_range"] = TARGET_RANGE_ATTACKS[attack](state["_target_range"])

    path = crafted(tmp_path / "m.sknn", reg, edit)
    with pytest.raises(ModelFileError, match="the saved target range is not"):
        sknn.load(path)
    loaded = sknn.load(sknn.save(reg, tmp_path / "whole.sknn"))
    np.testing.assert_array_equal(loaded.predict(X * 9), reg.predict(X * 9))


def test_inconsistent_model_states_never_reach_torch_in_a_capped_process(
    state_attacks, data_files
):
    """Every STATE_ATTACKS file loaded, then partial_fit, in a process under the
    caps: no crash, no hang, each a ModelFileError, bounded memory."""
    paths = {str(path): attack for attack, (_, path) in state_attacks.items()}
    outcomes, peak = run_capped_many(paths, "partial_fit", *data_files)
    refused = {paths[p]: o for p, o in outcomes.items() if o.startswith("ModelFile")}
    assert refused.keys() == STATE_ATTACKS.keys(), outcomes
    assert peak < MEMORY_BOUND_MIB


def test_checkpoint_rng_and_best_weights_are_checked_on_resume(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(
        (8,), max_iter=6, early_stopping=True, dropout=0.2, random_state=0,
        checkpoint_dir=tmp_path / "runs",
    )  # fmt: skip
    clf.fit(X, y)
    last = sknn.load(os.path.join(clf.checkpoint_path_, "last.sknn"))
    attacks = {
        "shuffling RNG state": ("generator", np.zeros(16, np.uint8)),
        "dropout RNG state": ("rng", np.zeros(7, np.uint8)),
        "best weights": ("best_params", {"0.weight": np.zeros(3, np.float32)}),
    }
    for what, (key, value) in attacks.items():
        directory = tmp_path / key
        directory.mkdir()

        def edit(state, key=key, value=value):
            state["_checkpoint_training"] = dict(
                state["_checkpoint_training"], finished=False, **{key: value}
            )
            state["n_iter_"] = 3
            state["history_"] = state["history_"][:3]

        crafted(directory / "last.sknn", last, edit)
        with pytest.raises(ModelFileError, match=re.escape(f"the saved {what}")):
            sknn.resume(directory, X, y)


def test_a_checkpoints_best_weights_keep_the_networks_bin_edges(tmp_path, iris):
    """Early stopping's best weights hold the bin edges too: a checkpoint whose
    edges there differ from its network's (unsorted ones, say, which the restored
    best weights would bring into torch) is refused before resuming."""
    X, y = iris
    clf = MLPClassifier(
        (8,), max_iter=6, early_stopping=True, random_state=0,
        checkpoint_dir=tmp_path / "runs", **PLE,
    )  # fmt: skip
    clf.fit(X, y)
    last = sknn.load(os.path.join(clf.checkpoint_path_, "last.sknn"))
    assert last._checkpoint_training["best_params"] is not None

    def edit(state):
        training = state["_checkpoint_training"]
        best = dict(training["best_params"])
        best["0.edges"] = best["0.edges"][:, ::-1].copy()
        state["_checkpoint_training"] = dict(training, finished=False, best_params=best)
        state["n_iter_"] = 3
        state["history_"] = state["history_"][:3]

    directory = tmp_path / "crafted"
    directory.mkdir()
    crafted(directory / "last.sknn", last, edit)
    with pytest.raises(ModelFileError, match=re.escape(
        "the saved checkpoint's best weights hold other embedding edges than its "
        "network; training never changes them."
    )):  # fmt: skip
        sknn.resume(directory, X, y)


def test_a_fitted_model_round_trips_every_option(tmp_path, iris):
    """The checks accept every model sknn writes: each loads and predicts as
    saved, and trains on."""
    X, y = iris
    options = [
        {"solver": "sgd", "learning_rate": "onecycle", "batch_norm": True},
        {"solver": "rmsprop", "momentum": 0.5, "learning_rate": "cyclic"},
        {"solver": "adagrad", "learning_rate": "step"},
        {"solver": "adamw", "dropout": 0.2, "learning_rate": "cosine"},
        {"solver": "sgd", "learning_rate": "adaptive", "early_stopping": True},
        {"solver": "lbfgs"},
        {"loss": "hinge"},
        {"numeric_embedding": "periodic", "embedding_dim": 3, "batch_norm": True},
        {"numeric_embedding": "piecewise_linear", "embedding_dim": 3, "dropout": 0.1},
    ]
    for params in options:
        clf = MLPClassifier((6,), max_iter=4, random_state=0, **params).fit(X, y)
        loaded = sknn.load(sknn.save(clf, tmp_path / "m.sknn"))
        np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
        if params.get("solver") != "lbfgs" and not params.get("early_stopping"):
            loaded.partial_fit(X, y)
    Xd, yd = load_diabetes(return_X_y=True)
    for loss in ("squared_error", "poisson", "huber", "squared_log_error"):
        reg = MLPRegressor(loss, hidden_layer_sizes=(6,), max_iter=4, random_state=0)
        reg.fit(Xd, yd)
        loaded = sknn.load(sknn.save(reg, tmp_path / "r.sknn"))
        np.testing.assert_array_equal(loaded.predict(Xd), reg.predict(Xd))


# ---------------------------------------------------------------- 2. time and memory


def _list_node(node_id, content):
    return {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "__id__": node_id,
        "content": content,
    }


def _dict_node(node_id, content):
    keys = [{"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}]
    return {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "DictNode",
        "__id__": node_id,
        "content": content,
        "key_types": _list_node(-node_id, keys * len(content)),
    }


# Each level holds the level below and a second reference to it: skops' audit walks
# a shared object once per reference, 2**depth visits from a few KB.
SHARING_SHAPES = {
    "list, bare reference": lambda i, below: _list_node(i, [below, {"__id__": i - 1}]),
    "list, full reference": lambda i, below: _list_node(
        i, [below, {**below, "content": []}]
    ),
    "list, cached reference": lambda i, below: _list_node(
        i, [below, {**below, "__loader__": "CachedNode", "content": None}]
    ),
    "tuple": lambda i, below: {
        **_list_node(i, [below, {"__id__": i - 1}]),
        "__class__": "tuple",
        "__loader__": "TupleNode",
    },
    "dict values": lambda i, below: _dict_node(i, {"a": below, "b": {"__id__": i - 1}}),
    "reference before the object": lambda i, below: _dict_node(
        i, {"b": {"__id__": i - 1}, "a": below}
    ),
    "object state": lambda i, below: {
        "__class__": "MLPClassifier",
        "__module__": "sknn._multilayer_perceptron",
        "__loader__": "ObjectNode",
        "__id__": i,
        "content": _dict_node(10**6 + i, {"a": below, "b": {"__id__": i - 1}}),
    },
}


def _shared_levels(shape, depth):
    """``depth`` levels of SHARING_SHAPES[shape] over an empty list."""
    node = _list_node(1000, [])
    for level in range(1001, 1001 + depth):
        node = SHARING_SHAPES[shape](level, node)
    return node


class _AuditRanAway(BaseException):
    """Raised past the audit budget; no ``except Exception`` swallows it."""


@pytest.mark.parametrize("shape", sorted(SHARING_SHAPES))
def test_checking_a_file_of_shared_objects_costs_work_linear_in_its_size(
    shape, tmp_path, iris, monkeypatch
):
    """A few KB whose levels each hold the level below twice (inline and by
    reference, in every way skops resolves one): skops' type audit walked 2**depth
    objects, hours at depth 40. Counted, skops' audit and sknn's own walk of the
    schema do at most one step per byte of schema at every depth, and the file is
    a ModelFileError."""
    from skops.io._audit import Node

    from sknn import _skops_schema

    X, y = iris
    path = sknn.save(MLPClassifier((4,), max_iter=2).fit(X, y), tmp_path / "m.sknn")
    members = payload_members(path)
    schema = json.loads(members["schema.json"])
    steps = 0

    def counted(original):
        def step(*args):
            nonlocal steps
            steps += 1
            if steps > budget:
                raise _AuditRanAway(f"{steps} steps on {budget} bytes of schema")
            return original(*args)

        return step

    monkeypatch.setattr(Node, "get_unsafe_set", counted(Node.get_unsafe_set))
    monkeypatch.setattr(_skops_schema, "_node_id", counted(_skops_schema._node_id))
    for depth in (10, 20, 40, 60):
        schema["content"]["content"]["history_"] = _shared_levels(shape, depth)
        members["schema.json"] = json.dumps(schema).encode()
        write_payload(path, members)
        steps, budget = 0, len(members["schema.json"])
        with pytest.raises(ModelFileError):
            sknn.load(path)
        assert 0 < steps <= budget


def test_a_small_file_of_shared_lists_is_refused_in_a_capped_process(
    tmp_path, iris, data_files
):
    """The red-team file: 11 KB, 40 levels of lists each holding the level below
    and a bare ``{"__id__": n}`` reference to it. Refused, within the child's caps."""
    X, y = iris
    path = sknn.save(MLPClassifier((4,), max_iter=2).fit(X, y), tmp_path / "m.sknn")
    members = payload_members(path)
    schema = json.loads(members["schema.json"])
    schema["content"]["content"]["history_"] = _shared_levels(
        "list, bare reference", 40
    )
    members["schema.json"] = json.dumps(schema).encode()
    write_payload(path, members)
    assert path.stat().st_size < 20_000
    outcome, peak = run_capped(path, "load")
    assert outcome.startswith("ModelFileError"), outcome
    assert re.search(r"more than \d+ objects, counting shared ones", outcome)
    assert peak < MEMORY_BOUND_MIB


@pytest.mark.parametrize(
    "command", [["predict", "m.sknn", "X.csv"], ["export", "m.sknn", "m.onnx"]]
)
def test_the_command_line_refuses_a_file_of_shared_objects_in_one_line(
    command, tmp_path, iris
):
    """The file as `sknn fit` writes it (its notes in the manifest), the shared
    objects in the Pipeline's payload."""
    from sklearn.pipeline import Pipeline

    from sknn._cli_models import model_notes

    X, y = iris
    X = pd.DataFrame(X, columns=list("abcd"))
    model = Pipeline([("model", MLPClassifier((4,), max_iter=2).fit(X, y))])
    notes = {"target": "y", "task": "classify", "data": "X.csv", "scores": []}
    path = sknn.save(model, tmp_path / "m.sknn", notes={**notes, **model_notes(model)})
    members = payload_members(path)
    schema = json.loads(members["schema.json"])
    schema["content"]["content"]["memory"] = _shared_levels("dict values", 40)
    members["schema.json"] = json.dumps(schema).encode()
    write_payload(path, members)
    X.to_csv(tmp_path / "X.csv", index=False)
    result = subprocess.run(
        [sys.executable, "-m", "sknn", *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIME_LIMIT,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("sknn: error: "), result.stderr
    assert "objects, counting shared ones once per reference" in result.stderr
    assert "Traceback" not in result.stderr


def test_deeply_nested_and_cyclic_payloads_are_refused(tmp_path, iris):
    X, y = iris
    path = sknn.save(MLPClassifier((4,), max_iter=2).fit(X, y), tmp_path / "m.sknn")
    members = payload_members(path)
    schema = json.loads(members["schema.json"])
    node = _list_node(1, [])
    for level in range(2, 300):
        node = _list_node(level, [node])
    schema["content"]["content"]["history_"] = node
    members["schema.json"] = json.dumps(schema).encode()
    write_payload(path, members)
    with pytest.raises(ModelFileError, match="deeper than|not a valid skops"):
        sknn.load(path)
    schema["content"]["content"]["history_"] = _list_node(7, [_list_node(7, [])])
    schema["content"]["content"]["history_"]["content"][0]["__loader__"] = "CachedNode"
    members["schema.json"] = json.dumps(schema).encode()
    write_payload(path, members)
    with pytest.raises(ModelFileError, match="refers to one that is not complete"):
        sknn.load(path)


def _zip_bomb(path, member, size):
    """An sknn-looking archive whose ``member`` is ``size`` zero bytes, deflated."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("manifest.json", json.dumps({"format": "sknn-model"}))
        with archive.open(member, "w", force_zip64=True) as file:
            chunk = bytes(1 << 20)
            for _ in range(size >> 20):
                file.write(chunk)


@pytest.mark.parametrize("member", ["model.skops", "manifest.json"])
def test_zip_bombs_are_refused_before_they_expand(member, tmp_path):
    path = tmp_path / "bomb.sknn"
    _zip_bomb(path, member, 1 << 28)  # 256 MiB of zeros in a file of ~260 KB
    assert path.stat().st_size < 1 << 20
    if member == "manifest.json":
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("model.skops", b"")
    outcome, peak = run_capped(path, "load")
    assert outcome.startswith("ModelFileError"), outcome
    assert re.search("over the .*limit|expands .* times", outcome)
    assert peak < MEMORY_BOUND_MIB


def test_arrays_inside_the_payload_are_held_to_their_size(tmp_path, iris):
    """A compressed array member inside the skops payload (a 6.9 KB file that
    loaded 1.9 GB), and an .npy header declaring more than its member holds."""
    X, y = iris
    path = sknn.save(MLPClassifier((4,), max_iter=2).fit(X, y), tmp_path / "m.sknn")
    members = payload_members(path)
    name = next(n for n in members if n.endswith(".npy"))
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(1 << 26, np.float32))  # 256 MiB of zeros
    write_payload(path, {**members, name: buffer.getvalue()}, compressed={name})
    assert path.stat().st_size < 1 << 20
    outcome, peak = run_capped(path, "load")
    assert outcome.startswith("ModelFileError"), outcome
    assert peak < MEMORY_BOUND_MIB

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (1 << 30,)}
    )
    write_payload(path, {**members, name: header.getvalue() + bytes(16)})
    outcome, peak = run_capped(path, "load")
    assert "which its 144 bytes do not hold" in outcome or "do not hold" in outcome
    assert peak < MEMORY_BOUND_MIB


def test_max_bytes_bounds_what_load_reads(tmp_path, iris):
    X, y = iris
    path = sknn.save(MLPClassifier((64,), max_iter=2).fit(X, y), tmp_path / "m.sknn")
    with pytest.raises(ModelFileError, match="pass a larger max_bytes"):
        sknn.load(path, max_bytes=1000)
    assert sknn.load(path, max_bytes=10**6).n_features_in_ == 4


# ---------------------------------------------------------------- 3. threads


def _first_predictions_in_threads(model, X, n_threads=8):
    barrier = threading.Barrier(n_threads)
    errors, results = [], []

    def predict():
        barrier.wait()
        try:
            results.append(model.predict_proba(X))
        except Exception as error:  # what the test reports
            errors.append(error)

    threads = [threading.Thread(target=predict) for _ in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, results


def test_first_predictions_of_a_loaded_model_are_thread_safe(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier((16,), max_iter=5, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    path = sknn.save(clf, tmp_path / "m.sknn")
    data = pickle.dumps(clf)
    for run in range(20):
        model = sknn.load(path) if run % 2 else pickle.loads(data)
        errors, results = _first_predictions_in_threads(model, X)
        assert errors == []
        for result in results:
            np.testing.assert_array_equal(result, expected)


def test_dropout_fits_in_threads_equal_serial_ones_and_leave_the_rng(iris):
    X, y = iris

    def fit(seed):
        return MLPClassifier((16,), dropout=0.3, max_iter=5, random_state=seed).fit(
            X, y
        )

    serial = [fit(seed).coefs_ for seed in range(2)]
    torch.manual_seed(1234)
    rng_state = torch.get_rng_state()
    for _ in range(20):
        fitted = {}

        def fit_into(seed, fitted=fitted):
            fitted[seed] = fit(seed).coefs_

        threads = [threading.Thread(target=fit_into, args=(s,)) for s in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for seed in range(2):
            for a, b in zip(fitted[seed], serial[seed]):
                np.testing.assert_array_equal(a, b)
        assert torch.equal(torch.get_rng_state(), rng_state)


def test_resume_refuses_parameters_that_do_not_describe_the_network(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier((8,), max_iter=3, random_state=0, checkpoint_dir=tmp_path)
    clf.fit(X, y)
    last = sknn.load(os.path.join(clf.checkpoint_path_, "last.sknn"))

    def edit(state):
        state["hidden_layer_sizes"] = (7,)
        state["max_iter"] = 6
        state["_checkpoint_training"] = dict(
            state["_checkpoint_training"], finished=False
        )

    crafted(tmp_path / "last.sknn", last, edit)
    msg = "the checkpoint's hidden_layer_sizes do not describe the network it holds"
    with pytest.raises(ModelFileError, match=re.escape(msg)):
        sknn.resume(tmp_path / "last.sknn", X, y)

    unfitted = MLPClassifier()
    unfitted.__dict__["_checkpoint_training"] = "x"
    path = sknn.save(unfitted, tmp_path / "unfitted.sknn")
    with pytest.raises(ModelFileError, match="checkpoint state but no weights"):
        sknn.resume(path, X, y)


# ---------------------------------------------------------------- 4. resume's writes


def test_resume_writes_only_into_the_directory_it_was_given(tmp_path, iris):
    X, y = iris
    clf = MLPClassifier(
        (8,), max_iter=3, random_state=0, checkpoint_dir=tmp_path / "runs"
    ).fit(X, y)
    last = sknn.load(os.path.join(clf.checkpoint_path_, "last.sknn"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    victim_tree = tmp_path / "created" / "by" / "the" / "file"

    def edit(state):
        state["checkpoint_path_"] = str(elsewhere)
        state["checkpoint_dir"] = str(victim_tree)
        state["max_iter"] = 6
        state["_checkpoint_training"] = dict(
            state["_checkpoint_training"], finished=False
        )

    given = tmp_path / "given"
    given.mkdir()
    crafted(given / "last.sknn", last, edit)
    (given / ".last.sknn.abc123.tmp").write_bytes(b"half a file")  # kill -9 left it
    resumed = sknn.resume(given, X, y)
    assert resumed.n_iter_ == 6
    assert list(elsewhere.iterdir()) == []
    assert not (tmp_path / "created").exists()
    assert sorted(p.name for p in given.iterdir()) == ["best.sknn", "last.sknn"]
    assert sknn.load(given / "last.sknn").n_iter_ == 6
    assert resumed.checkpoint_path_ == str(given)


def test_resume_from_a_relative_file_goes_on_in_its_directory(
    tmp_path, iris, monkeypatch
):
    X, y = iris
    clf = MLPClassifier((8,), max_iter=3, random_state=0, checkpoint_dir=tmp_path)
    clf.fit(X, y)
    run = Path(clf.checkpoint_path_)

    def edit(state):
        state["max_iter"] = 5
        state["_checkpoint_training"] = dict(
            state["_checkpoint_training"], finished=False
        )

    crafted(run / "last.sknn", sknn.load(run / "last.sknn"), edit)
    monkeypatch.chdir(run)
    sknn.resume("last.sknn", X, y)
    assert sorted(p.name for p in run.iterdir()) == ["best.sknn", "last.sknn"]
    assert sknn.load(run / "last.sknn").n_iter_ == 5


def test_resuming_a_copied_run_after_the_original_is_deleted(
    tmp_path, iris, monkeypatch
):
    import shutil

    X, y = iris
    monkeypatch.chdir(tmp_path)
    clf = MLPClassifier((8,), max_iter=6, random_state=0, checkpoint_dir="runs")
    clf.set_params(max_iter=3).fit(X, y)
    original = clf.checkpoint_path_
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    shutil.rmtree(tmp_path / "runs")

    def edit(state):
        state["max_iter"] = 6
        state["_checkpoint_training"] = dict(
            state["_checkpoint_training"], finished=False
        )

    crafted(copy / "last.sknn", sknn.load(copy / "last.sknn"), edit)
    sknn.resume(copy, X, y)
    assert not (tmp_path / "runs").exists()
    assert sknn.load(copy / "last.sknn").n_iter_ == 6


# ---------------------------------------------------------------- 6. exception types


def test_random_damage_to_a_model_file_is_a_model_file_error(tmp_path, iris):
    """1500 random truncations and byte flips of a valid file, loaded in a capped
    child process: each gives ModelFileError or the same model."""
    X, y = iris
    clf = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    good = sknn.save(clf, tmp_path / "good.sknn").read_bytes()
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "expected.npy", clf.predict_proba(X))
    rng = random.Random(0)
    for i in range(1500):
        damaged = bytearray(good)
        if i % 3 == 0:
            damaged = damaged[: rng.randrange(len(good))]
        else:
            for _ in range(rng.choice((1, 1, 2, 8))):
                damaged[rng.randrange(len(good))] ^= 1 << rng.randrange(8)
        (tmp_path / f"{i}.sknn").write_bytes(bytes(damaged))
    script = f"""
import sys, warnings
import numpy as np, sknn
warnings.simplefilter("ignore")
X = np.load({str(tmp_path / "X.npy")!r})
expected = np.load({str(tmp_path / "expected.npy")!r})
counts = {{"refused": 0, "same": 0}}
for i in range(1500):
    path = {str(tmp_path)!r} + f"/{{i}}.sknn"
    try:
        model = sknn.load(path)
    except sknn.ModelFileError:
        counts["refused"] += 1
        continue
    except BaseException as error:
        print(f"file {{i}}: {{type(error).__name__}}: {{error}}")
        sys.exit(3)
    np.testing.assert_array_equal(model.predict_proba(X), expected)
    counts["same"] += 1
print(counts)
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_set_limits,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    counts = eval(result.stdout.strip().splitlines()[-1])
    assert counts["refused"] + counts["same"] == 1500
    assert counts["refused"] > 1000


# ---------------------------------------------------------------- 7. infinities


def test_huge_targets_give_finite_predictions():
    """scikit-learn's regressor predicts finite values for y * 1e300; sknn's target
    scaling overflowed and predicted +-inf without a word."""
    X, y = load_diabetes(return_X_y=True)
    reg = MLPRegressor(max_iter=5, random_state=0).fit(X, y * 1e300)
    predictions = reg.predict(X)
    assert np.isfinite(predictions).all()
    assert 1e301 < np.abs(predictions).max() < 1e303


def test_huge_targets_from_float32_rows_are_an_error_that_names_float32():
    """float32 rows predict in float32, whose range targets near 1e300 exceed: the
    error says so, and float64 rows of the same data fit."""
    X, y = load_diabetes(return_X_y=True)
    with pytest.raises(ValueError, match="exceed float32's range.* float64 rows"):
        MLPRegressor(max_iter=5, random_state=0).fit(X.astype(np.float32), y * 1e300)
    MLPRegressor(max_iter=5, random_state=0).fit(X, y * 1e300)


def test_a_fit_whose_predictions_would_not_be_finite_is_an_error():
    X, y = load_diabetes(return_X_y=True)
    y = np.where(X[:, 2] > 0, 1.797e308, -1.797e308)
    reg = MLPRegressor(solver="lbfgs", max_iter=300, random_state=0)
    msg = "The fitted network's predictions on its own training data are not finite"
    with pytest.raises(ValueError, match=re.escape(msg)):
        reg.fit(X, y)
    assert not hasattr(reg, "coefs_")  # and the estimator is as it was


def test_float32_targets_skip_the_check_of_finite_predictions(monkeypatch):
    """The check predicts the whole training set once more, so it runs only where a
    prediction can overflow; float32 targets of scale above 1 ran it on every fit,
    their scale times float32's largest value having overflowed float32."""
    X, y = load_diabetes(return_X_y=True)
    checked = []
    monkeypatch.setattr(
        MLPRegressor, "_check_finite_predictions", lambda _, *parts: checked.append(1)
    )
    reg = MLPRegressor(max_iter=2, random_state=0)
    reg.fit(X.astype(np.float32), y.astype(np.float32))
    assert not checked
