"""``sknn export MODEL OUT.onnx``: a saved model's whole Pipeline as an ONNX graph.

The graph takes one input per CSV column the model was trained on, named after it:
float32 (n, 1) for numeric columns (float64 for a tabular model, which computes in
float64 on the CSV's numbers), strings (n, 1) for the others, where a missing
category is the empty string (ONNX strings have no NaN). Its outputs are skl2onnx's:
``label`` and ``probabilities`` (an array, not a list of dicts) for a classifier,
``variable`` for a regressor.
"""

import copy
from pathlib import Path

from sknn._cli_console import CommandError, say

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
    numeric = _numeric_columns(model)
    tabular = isinstance(
        model[-1], sknn.TabularMLPClassifier | sknn.TabularMLPRegressor
    )
    number = DoubleTensorType if tabular else FloatTensorType
    inputs = [
        (
            str(column),
            number([None, 1]) if column in numeric else StringTensorType([None, 1]),
        )
        for column in model.feature_names_in_
    ]
    options = {
        type(step): {"zipmap": False}
        for step in model
        if isinstance(step, sknn.MLPClassifier)
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
    kinds = ", ".join(
        f"{name} ({words.get(type(kind), 'string')})" for name, kind in inputs
    )
    say(f"wrote the ONNX model to {args.out}; its inputs: {kinds}")


def _numeric_columns(model):
    """The columns the Pipeline's ColumnTransformer treats as numbers (the command
    line's 'numeric' transformer) or the tabular estimator's encoder does, or every
    column for a plain Pipeline."""
    encoder = getattr(model[-1], "_encoder", None)
    if encoder is not None:
        return set(encoder.feature_names_in_[~encoder.is_categorical_])
    preprocess = model.named_steps.get("preprocess")
    if preprocess is None or not hasattr(preprocess, "transformers_"):
        return set(model.feature_names_in_)
    return {
        column
        for name, _, columns in preprocess.transformers_
        if name == "numeric"
        for column in columns
    }


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
