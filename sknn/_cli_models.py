"""Model files as the command line writes and reads them: :func:`sknn.save` files
(loading one never runs code from it) of the fitted Pipeline, with the command's
notes on it in the file's manifest (target, task, data, scores, and what `sknn info`
shows of the model), which :func:`sknn.read_notes` reads without loading the model.

What a file holds is checked before it is used, and a failure to use it is the
file's fault: either way one :class:`CommandError` naming the file. This module
imports the standard library only: `sknn info` reads the notes alone, without
scikit-learn or torch."""

import re
from pathlib import Path

from sknn._cli_console import CommandError, estimator_types, one_line
from sknn._persistence import library_versions, read_manifest
from sknn.exceptions import ModelFileError

WRITE_ONE = "pass a model written by sknn fit, search or demo"
WRITE_AGAIN = "write it again with sknn fit, search or demo"
_TASKS = ("classify", "regress")


def stage_model(staged, path, model, notes):
    """Stage the file of ``model`` with the command's ``notes`` (target, task, data,
    scores) and the model's own (see :func:`model_notes`); see :class:`StagedFiles`."""
    import sknn

    notes = {**notes, **model_notes(model)}
    staged.stage(path, lambda temporary: sknn.save(model, temporary, notes=notes))


def model_notes(model):
    """What `sknn info` shows of a fitted Pipeline, as JSON values."""
    estimator = model[-1]
    default = type(estimator)().get_params()
    changed = {
        name: repr(value)
        for name, value in estimator.get_params().items()
        if name not in ("verbose", "progress_bar")
        and repr(value) != repr(default[name])
    }
    notes = {
        "pipeline": [type(step).__name__ for _, step in model.steps],
        "layer_sizes": [int(coef.shape[0]) for coef in estimator.coefs_]
        + [int(estimator.n_outputs_)],
        "activation": estimator.activation,
        "out_activation": estimator.out_activation_,
        "parameters": changed,
        "features": [str(name) for name in model.feature_names_in_],
        "iterations": int(estimator.n_iter_),
        "loss": float(estimator.loss_),
        "best_validation_score": getattr(estimator, "best_validation_score_", None),
    }
    if hasattr(estimator, "classes_"):
        notes["classes"] = [str(label) for label in estimator.classes_]
    if notes["best_validation_score"] is not None:
        notes["best_validation_score"] = float(notes["best_validation_score"])
    return notes


def _is_text_list(value):
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


# every note the command line writes, and what its value must be
_NOTES = {
    "target": lambda v: v is None or isinstance(v, str),
    "task": lambda v: v in _TASKS,
    "data": lambda v: isinstance(v, str),
    "scores": _is_text_list,
    "pipeline": lambda v: _is_text_list(v) and len(v) > 0,
    "layer_sizes": lambda v: (
        isinstance(v, list) and len(v) >= 2 and all(type(n) is int for n in v)
    ),
    "activation": lambda v: isinstance(v, str),
    "out_activation": lambda v: isinstance(v, str),
    "parameters": lambda v: (
        isinstance(v, dict) and all(isinstance(item, str) for item in v.values())
    ),
    "features": _is_text_list,
    "iterations": lambda v: type(v) is int,
    "loss": _is_number,
    "best_validation_score": lambda v: v is None or _is_number(v),
}
_OPTIONAL_NOTES = {"classes": _is_text_list}


def read_notes(path):
    """The command line's notes in ``path`` and the versions the file was saved
    with, checked; one CommandError for a file the command line cannot use."""
    try:
        manifest = read_manifest(path)
    except ModelFileError as error:
        raise _load_error(path, error) from None
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise _open_error(path, error) from None
    notes = manifest["notes"]
    if not notes:
        raise CommandError(
            f"'{path}' holds {_object_name(manifest)} saved by sknn.save without the "
            f"command line's notes; load it in Python with sknn.load, or {WRITE_ONE}"
        )
    for name, valid in {**_NOTES, **_OPTIONAL_NOTES}.items():
        if name not in notes and name in _OPTIONAL_NOTES:
            continue
        if name not in notes or not valid(notes[name]):
            what = "no" if name not in notes else "a malformed"
            raise CommandError(f"'{path}' has {what} '{name}' note; {WRITE_AGAIN}")
    return notes, manifest["versions"]


def load_model(path):
    """The fitted Pipeline in ``path`` and the command line's notes saved with it."""
    import sknn

    notes, _ = read_notes(path)
    try:
        model = sknn.load(path)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise _open_error(path, error) from None
    except ModelFileError as error:
        raise _load_error(path, error) from None
    except Exception as error:  # any other failure to read it: a damaged file
        raise CommandError(
            f"cannot load '{path}', a damaged model file: {reason(error)}; {WRITE_ONE}"
        ) from None
    _check_model(path, model)
    return model, notes


def _open_error(path, error):
    if isinstance(error, FileNotFoundError):
        return CommandError(f"no such model file: '{path}'; check the path")
    if isinstance(error, IsADirectoryError):
        return CommandError(f"'{path}' is a directory; {WRITE_ONE}")
    return CommandError(
        f"cannot read '{path}': permission denied; check its permissions"
    )


def _load_error(path, error):
    why = one_line(error)
    for prefix in (f"{path}: ", f"{Path(path)}: "):  # the error names the file
        why = why.removeprefix(prefix)
    why = _first_sentence(why)
    return CommandError(f"cannot load '{path}': {why}; {WRITE_ONE}")


def _check_model(path, model):
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    if not isinstance(model, Pipeline):
        raise CommandError(
            f"'{path}' holds {_kind(model)} where the command line keeps a fitted "
            f"Pipeline; {WRITE_ONE}"
        )
    try:
        estimator = model.steps[-1][1]
        if isinstance(estimator, estimator_types()):
            check_is_fitted(estimator)
            features = list(model.feature_names_in_)
    except Exception as error:
        raise CommandError(
            f"'{path}' holds a damaged Pipeline: {reason(error)}; {WRITE_AGAIN}"
        ) from None
    if not isinstance(estimator, estimator_types()):
        raise CommandError(
            f"'{path}' holds a Pipeline ending in {type(estimator).__name__}, not in "
            f"one of sknn's estimators; {WRITE_ONE}"
        )
    if not all(isinstance(name, str) for name in features):
        raise CommandError(
            f"'{path}' holds a Pipeline whose feature names are not all text; "
            f"{WRITE_AGAIN}"
        )


def describe(notes, saved):
    """`sknn info`'s rows, (name, value) pairs, from a file's checked notes and the
    library versions it was ``saved`` with."""
    sizes = notes["layer_sizes"]
    features = notes["features"]
    rows = [
        ("pipeline", " -> ".join(notes["pipeline"])),
        ("task", f"{notes['task']} '{notes['target']}'"),
        ("trained on", notes["data"]),
        (
            "network",
            f"{sizes[0]} inputs -> "
            + "".join(f"{n} {notes['activation']} -> " for n in sizes[1:-1])
            + f"{sizes[-1]} {notes['out_activation']} outputs",
        ),
        (
            "parameters",
            ", ".join(f"{k}={v}" for k, v in notes["parameters"].items())
            or "all defaults",
        ),
    ]
    if "classes" in notes:
        classes = notes["classes"]
        rows.append(("classes", f"{len(classes)}: {', '.join(classes)}"))
    shown = ", ".join(features[:20]) + (", ..." if len(features) > 20 else "")
    rows.append(("features", f"{len(features)}: {shown}"))
    training = f"{notes['iterations']} iterations, final loss {notes['loss']:.4g}"
    if notes["best_validation_score"] is not None:
        training += f", best validation score {notes['best_validation_score']:.4f}"
    rows.append(("training", training))
    rows += [("scores", line) for line in notes["scores"]]
    saved = {name: v for name, v in saved.items() if isinstance(v, str)}
    rows.append(("saved with", ", ".join(f"{k} {v}" for k, v in saved.items())))
    current = library_versions()
    if any(current.get(name, version) != version for name, version in saved.items()):
        rows.append(("running", ", ".join(f"{k} {v}" for k, v in current.items())))
    return rows


def _first_sentence(text):
    """The first sentence of ``text``, without its full stop."""
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0].rstrip(".")


def reason(error):
    return one_line(error) or type(error).__name__


def _kind(obj):
    return f"a value of type {type(obj).__name__}"


def _object_name(manifest):
    """The type of the object a manifest names, as `a value of type Pipeline`."""
    name = manifest.get("object")
    if not isinstance(name, str):
        return "an object"
    return f"a value of type {name.rpartition('.')[2][:100]}"
