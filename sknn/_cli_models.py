"""Model files as the command line writes and reads them: :func:`sknn.save` files
(loading one never runs code from it) holding a dict of the fitted Pipeline, under
"model", and the command's notes on it (target, task, data, scores, versions).

What a file holds is checked before it is used, and a failure to use it is the
file's fault: either way one :class:`CommandError` naming the file."""

import re
from pathlib import Path

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

import sknn
from sknn._cli_console import CommandError, format_params, one_line
from sknn._persistence import library_versions

WRITE_ONE = "pass a model written by sknn fit, search or demo"
WRITE_AGAIN = "write it again with sknn fit, search or demo"
_TASKS = ("classify", "regress")


def versions():
    """The libraries `sknn info` reports: the model's own and pandas, which read it."""
    return library_versions(("sknn", "scikit-learn", "torch", "numpy", "pandas"))


def stage_model(staged, path, model, metadata):
    """Stage the file of ``model`` and ``metadata`` (see :class:`StagedFiles`)."""
    bundle = {**metadata, "versions": versions(), "model": model}
    staged.stage(path, lambda temporary: sknn.save(bundle, temporary))


def load_model(path):
    """The fitted Pipeline in ``path`` and the metadata saved with it."""
    try:
        bundle = sknn.load(path)
    except FileNotFoundError:
        raise CommandError(f"no such model file: '{path}'; check the path") from None
    except IsADirectoryError:
        raise CommandError(f"'{path}' is a directory; {WRITE_ONE}") from None
    except PermissionError:
        raise CommandError(
            f"cannot read '{path}': permission denied; check its permissions"
        ) from None
    except sknn.ModelFileError as error:
        why = one_line(error)
        for prefix in (f"{path}: ", f"{Path(path)}: "):  # the error names the file
            why = why.removeprefix(prefix)
        why = _first_sentence(why)
        raise CommandError(f"cannot load '{path}': {why}; {WRITE_ONE}") from None
    except Exception as error:  # any other failure to read it: a damaged file
        raise CommandError(
            f"cannot load '{path}', a damaged model file: {reason(error)}; {WRITE_ONE}"
        ) from None
    if not isinstance(bundle, dict) or "model" not in bundle:
        raise CommandError(
            f"'{path}' holds {_kind(bundle)} saved by sknn.save without the command "
            f"line's notes; load it in Python with sknn.load, or {WRITE_ONE}"
        )
    model = bundle.pop("model")
    _check_model(path, model)
    _check_metadata(path, bundle)
    return model, bundle


def _check_model(path, model):
    if not isinstance(model, Pipeline):
        raise CommandError(
            f"'{path}' holds {_kind(model)} where the command line keeps a fitted "
            f"Pipeline; {WRITE_ONE}"
        )
    try:
        estimator = model.steps[-1][1]
        if isinstance(estimator, (sknn.MLPClassifier, sknn.MLPRegressor)):
            check_is_fitted(estimator)
            features = list(model.feature_names_in_)
    except Exception as error:
        raise CommandError(
            f"'{path}' holds a damaged Pipeline: {reason(error)}; {WRITE_AGAIN}"
        ) from None
    if not isinstance(estimator, (sknn.MLPClassifier, sknn.MLPRegressor)):
        raise CommandError(
            f"'{path}' holds a Pipeline ending in {type(estimator).__name__}, not in "
            f"sknn's MLPClassifier or MLPRegressor; {WRITE_ONE}"
        )
    if not all(isinstance(name, str) for name in features):
        raise CommandError(
            f"'{path}' holds a Pipeline whose feature names are not all text; "
            f"{WRITE_AGAIN}"
        )


def _check_metadata(path, metadata):
    checks = {
        "target": lambda v: v is None or isinstance(v, str),
        "task": lambda v: v in _TASKS,
        "data": lambda v: isinstance(v, str),
        "scores": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
        "versions": lambda v: (
            isinstance(v, dict)
            and all(isinstance(s, str) for item in v.items() for s in item)
        ),
    }
    for name, valid in checks.items():
        if name in metadata and not valid(metadata[name]):
            raise CommandError(
                f"'{path}' has a malformed '{name}' entry, {_kind(metadata[name])}; "
                f"{WRITE_AGAIN}"
            )


def describe(model, metadata):
    """`sknn info`'s rows: (name, value) pairs."""
    estimator = model[-1]
    default = type(estimator)().get_params()
    changed = {
        name: value
        for name, value in estimator.get_params().items()
        if name not in ("verbose", "progress_bar")
        and repr(value) != repr(default[name])
    }
    steps = [type(step).__name__ for _, step in model.steps]
    sizes = [coef.shape[0] for coef in estimator.coefs_] + [estimator.n_outputs_]
    features = [str(name) for name in model.feature_names_in_]
    rows = [
        ("pipeline", " -> ".join(steps)),
        ("task", f"{metadata.get('task')} '{metadata.get('target')}'"),
        ("trained on", metadata.get("data")),
        (
            "network",
            f"{sizes[0]} inputs -> "
            + "".join(f"{n} {estimator.activation} -> " for n in sizes[1:-1])
            + f"{sizes[-1]} {estimator.out_activation_} outputs",
        ),
        ("parameters", format_params(changed) or "all defaults"),
    ]
    if hasattr(estimator, "classes_"):
        classes = estimator.classes_
        rows.append(("classes", f"{len(classes)}: {', '.join(map(str, classes))}"))
    shown = ", ".join(features[:20]) + (", ..." if len(features) > 20 else "")
    rows.append(("features", f"{len(features)}: {shown}"))
    training = f"{estimator.n_iter_} iterations, final loss {estimator.loss_:.4g}"
    if getattr(estimator, "best_validation_score_", None) is not None:
        training += f", best validation score {estimator.best_validation_score_:.4f}"
    rows.append(("training", training))
    rows += [("scores", line) for line in metadata.get("scores", [])]
    saved = metadata.get("versions", {})
    rows.append(("saved with", ", ".join(f"{k} {v}" for k, v in saved.items())))
    current = versions()
    if any(current.get(name) != version for name, version in saved.items()):
        rows.append(("running", ", ".join(f"{k} {v}" for k, v in current.items())))
    return rows


def _first_sentence(text):
    """The first sentence of ``text``, without its full stop."""
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0].rstrip(".")


def reason(error):
    return one_line(error) or type(error).__name__


def _kind(obj):
    return f"a value of type {type(obj).__name__}"
