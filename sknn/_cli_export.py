"""``sknn export MODEL OUT.onnx``: a saved model's whole Pipeline as an ONNX graph.

The graph takes one input per CSV column the model was trained on, named after it:
float32 (n, 1) for numeric columns (float64 for a tabular model, which computes in
float64 on the CSV's numbers), float64 (n, 1) for date columns (each date's seconds
since 1970-01-01 00:00, of its UTC time where the column has UTC offsets, NaN where
it is blank: a graph cannot parse text), strings (n, 1) for the others, where a
missing category is the empty string (ONNX strings have no NaN). Its outputs are
skl2onnx's:
``label`` and ``probabilities`` (an array, not a list of dicts) for a classifier,
``variable`` for a regressor.
"""

import copy
from pathlib import Path

from sknn._cli_console import CommandError, estimator_types, note, say

INSTALL = "pip install 'sknn[onnx]'"


def export_command(args):
    from sknn._cli_outputs import check_output, staged_files

    check_output(args.out, "OUT")
    try:
        import skl2onnx
        from skl2onnx.common.data_types import (
            DoubleTensorType,
            FloatTensorType,
            StringTensorType,
        )

        import sknn.onnx
    except ImportError:
        raise CommandError(
            f"sknn export needs skl2onnx and onnxruntime, the onnx extra: {INSTALL}"
        ) from None
    from sknn import _cli_models

    model, _ = _cli_models.load_model(args.model)
    model = _with_string_imputers(model)
    kinds = _column_kinds(model)
    tabular = isinstance(
        model[-1], sknn.TabularMLPClassifier | sknn.TabularMLPRegressor
    )
    tensors = {
        # a tabular model computes in float64 on the CSV's numbers
        "numeric": DoubleTensorType if tabular else FloatTensorType,
        "dates": DoubleTensorType,
        "categorical": StringTensorType,
    }
    inputs = [
        (str(column), tensors[kinds[str(column)]]([None, 1]))
        for column in model.feature_names_in_
    ]
    options = {
        type(step): {"zipmap": False}
        for step in model
        if isinstance(step, estimator_types(classifiers=True))
    }
    try:
        graph = skl2onnx.convert_sklearn(model, initial_types=inputs, options=options)
    except Exception as exc:  # OnnxExportError, skl2onnx's missing converters
        raise CommandError(
            f"cannot export the model in '{args.model}' to ONNX: "
            f"{_cli_models.reason(exc)}"
        ) from None
    with staged_files() as staged:
        data = graph.SerializeToString()
        staged.stage(args.out, lambda path: Path(path).write_bytes(data))
        staged.commit()
    words = {FloatTensorType: "float", DoubleTensorType: "double"}
    described = ", ".join(
        f"{name} ({'date, ' if kinds[name] == 'dates' else ''}"
        f"{words.get(type(tensor), 'string')})"
        for name, tensor in inputs
    )
    say(f"wrote the ONNX model to {args.out}; its inputs: {described}")
    if "dates" in kinds.values():
        note(
            "feed a date column its seconds since 1970-01-01 00:00 as doubles (of "
            "the UTC time where the column has UTC offsets), NaN where it is blank: "
            "the graph computes the year, month, day, weekday and hour from them"
        )


def _column_kinds(model):
    """Each column's kind, 'numeric', 'dates' or 'categorical': as the tabular
    estimator's encoder or the Pipeline's ColumnTransformer takes it, every column
    numeric in a Pipeline without one."""
    from sknn._cli_inputs import column_kinds

    kinds = {
        column: kind
        for kind, columns in column_kinds(model).items()
        for column in columns
    }
    return kinds or dict.fromkeys(map(str, model.feature_names_in_), "numeric")


def _with_string_imputers(model):
    """A copy of ``model`` whose imputers of text columns take the empty string for
    a missing value: skl2onnx converts string imputers only so, and an ONNX string
    input cannot hold NaN."""
    from sklearn.impute import SimpleImputer

    model = copy.deepcopy(model)
    for imputer in _steps(model):
        if (
            isinstance(imputer, SimpleImputer)
            and getattr(imputer, "statistics_", None) is not None
            and imputer.statistics_.dtype.kind == "O"
        ):
            imputer.missing_values = ""
    return model


def _steps(estimator):
    """Every estimator inside ``estimator``: Pipeline steps, ColumnTransformer
    transformers, recursively."""
    yield estimator
    for _, step in getattr(estimator, "steps", []):
        yield from _steps(step)
    for _, transformer, _ in getattr(estimator, "transformers_", []):
        if not isinstance(transformer, str):
            yield from _steps(transformer)
