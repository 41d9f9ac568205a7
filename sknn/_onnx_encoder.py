"""The ONNX graph of :class:`sknn.preprocessing.TabularEncoder`, for skl2onnx.

A fitted encoder becomes operators on one graph input per column (a DataFrame's
columns, as skl2onnx names them) or on one 2-D numeric input, computing what
``transform`` computes: the numeric columns and each date column's features imputed
with their medians, robustly scaled and smoothly clipped, their missing-value
indicators, then each categorical column one-hot encoded through a table of the
encoder's own rows (missing values, pooled rare categories and unknown ones
included).

Numeric columns take float, double, integer and boolean inputs; date columns take
doubles, the seconds since 1970-01-01 on the column's own clock (NaN missing), from
which the graph computes the features by the floor divisions of
:func:`sknn._dates.date_features`; categorical ones take strings (the empty string
is a missing value: ONNX strings have no NaN), integers, booleans, floats and
doubles (NaN missing). The output is float32 when every numeric input is float32 and
there are no date columns, float64 otherwise, as ``transform`` gives.
"""

import warnings

import numpy as np
from skl2onnx.algebra.onnx_ops import (
    OnnxAbs,
    OnnxAdd,
    OnnxCast,
    OnnxConcat,
    OnnxDiv,
    OnnxEqual,
    OnnxFloor,
    OnnxGather,
    OnnxGreater,
    OnnxGreaterOrEqual,
    OnnxIdentity,
    OnnxIsNaN,
    OnnxLabelEncoder_2,
    OnnxLessOrEqual,
    OnnxMatMul,
    OnnxMul,
    OnnxReshape,
    OnnxSign,
    OnnxSqrt,
    OnnxSub,
    OnnxWhere,
)
from skl2onnx.common.data_types import (
    BooleanTensorType,
    DoubleTensorType,
    FloatTensorType,
    Int8TensorType,
    Int16TensorType,
    Int32TensorType,
    Int64TensorType,
    StringTensorType,
    UInt8TensorType,
    UInt16TensorType,
    UInt32TensorType,
    UInt64TensorType,
)
from skl2onnx.common.utils import check_input_and_output_numbers
from skl2onnx.proto import onnx_proto

from sknn import _dates
from sknn._columns import category_key
from sknn.exceptions import OnnxExportError

LABEL_ENCODER_OPSET = 2  # ai.onnx.ml's LabelEncoder with string keys, int64 values
_INTEGER_TYPES = (
    BooleanTensorType,
    Int8TensorType,
    Int16TensorType,
    Int32TensorType,
    Int64TensorType,
    UInt8TensorType,
    UInt16TensorType,
    UInt32TensorType,
    UInt64TensorType,
)
_FLOAT_TYPES = (FloatTensorType, DoubleTensorType)
# what TabularEncoder.fit sets; anything else is a part this export does not know
_FITTED = {
    "is_categorical_",
    "is_date_",
    "date_features_",
    "date_utc_offsets_",
    "n_numeric_features_",
    "numeric_encoder_",
    "missing_indicator_",
    "category_encoder_",
    "is_target_encoded_",
    "target_encoders_",
    "n_features_in_",
    "feature_names_in_",
}


def encode(encoder, inputs, opv):
    """The encoder's output for the graph ``inputs`` (Variables) as an ONNX
    operator, and its numpy dtype (float32 or float64)."""
    check_exportable(encoder)
    columns, types = _columns(encoder, inputs, opv)
    numeric, dates = encoder._numeric_positions(), np.flatnonzero(encoder.is_date_)
    for i in numeric:
        if not issubclass(types[i], _INTEGER_TYPES + _FLOAT_TYPES):
            raise OnnxExportError(
                f"numeric column '{_name(encoder, i)}' has an ONNX input of type "
                f"{types[i].__name__}; declare it as floats, integers or booleans."
            )
    for i in dates:
        if types[i] is not DoubleTensorType:
            raise OnnxExportError(
                f"date column '{_name(encoder, i)}' has an ONNX input of type "
                f"{types[i].__name__}; declare it as doubles, its seconds since "
                "1970-01-01 on its own clock (sknn.onnx.dates_as_seconds)."
            )
    dtype = output_dtype(encoder, inputs)
    parts = []
    if encoder.numeric_encoder_ is not None:
        parts.extend(
            _numeric(
                encoder,
                [columns[i] for i in numeric],
                [columns[i] for i in dates],
                _target_encodings(encoder, columns, types, opv),
                dtype,
                opv,
            )
        )
    for k, i in enumerate(np.flatnonzero(encoder._one_hot_mask())):
        table, rows = _category_table(encoder, k)
        name = _name(encoder, i)
        row = _category_rows(columns[i], types[i], rows, len(table) - 1, name, opv)
        parts.append(OnnxGather(table.astype(dtype), row, axis=0, op_version=opv))
    if len(parts) == 1:
        return OnnxIdentity(parts[0], op_version=opv), dtype
    return OnnxConcat(*parts, axis=1, op_version=opv), dtype


def output_dtype(encoder, inputs):
    """The encoder's output dtype for the graph ``inputs``: float32 when every
    numeric column's input is float32 and there are no date columns, float64
    otherwise, as ``transform``."""
    types = [type(variable.type) for variable in inputs]
    if len(types) != encoder.n_features_in_:  # one 2-D input of every column
        types = types[:1] * encoder.n_features_in_
    numeric = [types[i] for i in encoder._numeric_positions()]
    single = (
        bool(numeric)
        and not encoder.is_date_.any()
        and all(kind is FloatTensorType for kind in numeric)
    )
    return np.float32 if single else np.float64


def check_exportable(encoder):
    """Raise OnnxExportError unless ``encoder`` is a fitted TabularEncoder made of
    the parts this export knows."""
    if not hasattr(encoder, "is_categorical_"):
        raise OnnxExportError(
            "TabularEncoder is not fitted: fit it before exporting it."
        )
    unknown = sorted(
        name
        for name in vars(encoder)
        if name.endswith("_") and not name.startswith("_") and name not in _FITTED
    )
    if (
        unknown
        or not _dates_known(encoder)
        or _known_width(encoder) != len(encoder.get_feature_names_out())
    ):
        which = f"fitted part(s) {unknown}" if unknown else "output columns"
        raise OnnxExportError(
            f"the TabularEncoder has {which} that this sknn's ONNX export does not "
            "know; export it with the sknn version that fitted it."
        )
    dates = np.flatnonzero(encoder.is_date_)
    for i, offset in zip(dates, encoder.date_utc_offsets_, strict=True):
        if offset is None:
            raise OnnxExportError(
                f"date column '{_name(encoder, i)}' has a time zone whose offset "
                "from UTC changes (daylight saving time), which an ONNX graph cannot "
                "follow; convert the column to UTC or to a fixed offset before "
                "fitting to export the model."
            )


def _dates_known(encoder):
    """Whether each date column has features and a clock offset as fit gives them."""
    features = getattr(encoder, "date_features_", None)
    offsets = getattr(encoder, "date_utc_offsets_", None)
    if not isinstance(features, list) or not isinstance(offsets, list):
        return False
    known = (_dates.DATE_FEATURES, _dates.DATE_ONLY_FEATURES)
    return (
        len(features) == len(offsets) == encoder.is_date_.sum()
        and all(f in known for f in features)
        and all(o is None or (isinstance(o, float) and np.isfinite(o)) for o in offsets)
    )


def _known_width(encoder):
    """How many output columns the parts this export knows give."""
    width = 0
    if encoder.numeric_encoder_ is not None:
        width += encoder.n_numeric_features_
        if encoder.missing_indicator_ is not None:
            width += len(encoder.missing_indicator_.features_)
    one_hot = encoder.category_encoder_
    if one_hot is not None:
        width += sum(_width(one_hot, k) for k in range(len(one_hot.categories_)))
    return width


def _name(encoder, i):
    names = getattr(encoder, "feature_names_in_", None)
    return str(names[i]) if names is not None else f"x{i}"


def _columns(encoder, inputs, opv):
    """One (N, 1) operator input per encoder column, and each one's input type."""
    n_features = encoder.n_features_in_
    if len(inputs) == n_features:
        return list(inputs), [type(variable.type) for variable in inputs]
    shape = inputs[0].type.shape if len(inputs) == 1 else None
    if shape is not None and len(shape) == 2 and shape[1] in (n_features, None):
        kind = type(inputs[0].type)
        columns = [
            OnnxGather(inputs[0], np.array([i], np.int64), axis=1, op_version=opv)
            for i in range(n_features)
        ]
        return columns, [kind] * n_features
    raise OnnxExportError(
        f"the TabularEncoder was fitted on {n_features} columns, but the graph has "
        f"{len(inputs)} input(s); convert it with one input per column (a DataFrame "
        "as the sample) or one 2-D input of every column."
    )


def _numeric(encoder, numeric, dates, targets, dtype, opv):
    """The scaled numeric columns, date features and target encodings (the
    ``targets`` blocks), and their missing-value indicators."""
    double = onnx_proto.TensorProto.DOUBLE
    blocks = [OnnxCast(column, to=double, op_version=opv) for column in numeric]
    blocks += [
        _date_features(clock, features, offset, opv)
        for clock, features, offset in zip(
            dates, encoder.date_features_, encoder.date_utc_offsets_, strict=True
        )
    ]
    x = OnnxConcat(*blocks, *targets, axis=1, op_version=opv)
    missing = OnnxIsNaN(x, op_version=opv)
    imputer, scaler = (step for _, step in encoder.numeric_encoder_.steps)
    x = OnnxWhere(missing, imputer.statistics_.reshape(1, -1), x, op_version=opv)
    # RobustScaleSmoothClipTransformer.transform, in float64 as it computes
    t = OnnxMul(
        OnnxSub(x, scaler.center_.reshape(1, -1), op_version=opv),
        (scaler.scale_ / scaler.clip).reshape(1, -1),
        op_version=opv,
    )
    zero, one = np.array([0.0]), np.array([1.0])
    t = OnnxWhere(OnnxIsNaN(t, op_version=opv), zero, t, op_version=opv)  # inf * 0
    # t / hypot(1, t) without squaring a large t: sign(t) / sqrt(1 + 1/t**2) there
    inverse = OnnxDiv(one, t, op_version=opv)
    small = OnnxDiv(t, _root_of_one_plus_square(t, opv), op_version=opv)
    large = OnnxDiv(
        OnnxSign(t, op_version=opv),
        _root_of_one_plus_square(inverse, opv),
        op_version=opv,
    )
    ratio = OnnxWhere(
        OnnxGreater(OnnxAbs(t, op_version=opv), one, op_version=opv),
        large,
        small,
        op_version=opv,
    )
    scaled = OnnxMul(ratio, np.array([float(scaler.clip)]), op_version=opv)
    proto = _proto(dtype)
    parts = [OnnxCast(scaled, to=proto, op_version=opv)]
    # the indicator's columns are of the numeric columns and total_seconds
    indicator = encoder.missing_indicator_
    indicated = (
        [] if indicator is None else encoder._missing_sources()[indicator.features_]
    )
    if len(indicated):
        parts.append(
            OnnxCast(
                OnnxGather(missing, indicated.astype(np.int64), axis=1, op_version=opv),
                to=proto,
                op_version=opv,
            )
        )
    return parts


def _date_features(clock, features, utc_offset, opv):
    """The date ``features`` of the (N, 1) double ``clock``, seconds since
    1970-01-01 on the column's clock, which is ``utc_offset`` seconds ahead of
    UTC: (N, len(features)), NaN where ``clock`` is, built by
    :func:`sknn._dates.date_features` itself, so that every float64 operation is
    the one ``transform`` makes."""
    clock = _Float64(clock, opv)
    epoch = clock - utc_offset if utc_offset else clock
    return _dates.date_features(
        clock,
        epoch,
        features,
        floor=lambda x: _Float64(OnnxFloor(x.node, op_version=opv), opv),
        stack=lambda xs: OnnxConcat(*(x.node for x in xs), axis=1, op_version=opv),
    )


class _Float64:
    """An (N, k) double ONNX operator that takes Python's ``+ - * /`` and
    comparisons (as 0.0 or 1.0) with numbers and with others of its kind."""

    def __init__(self, node, opv):
        self.node, self.opv = node, opv

    def _apply(self, operator, left, right):
        left, right = (
            x.node if isinstance(x, _Float64) else np.array([x], np.float64)
            for x in (left, right)
        )
        return _Float64(operator(left, right, op_version=self.opv), self.opv)

    def _flag(self, operator, other):
        test = self._apply(operator, self, other).node
        double = onnx_proto.TensorProto.DOUBLE
        return _Float64(OnnxCast(test, to=double, op_version=self.opv), self.opv)

    def __add__(self, other):
        return self._apply(OnnxAdd, self, other)

    def __radd__(self, other):
        return self._apply(OnnxAdd, other, self)

    def __sub__(self, other):
        return self._apply(OnnxSub, self, other)

    def __rsub__(self, other):
        return self._apply(OnnxSub, other, self)

    def __mul__(self, other):
        return self._apply(OnnxMul, self, other)

    def __rmul__(self, other):
        return self._apply(OnnxMul, other, self)

    def __truediv__(self, other):
        return self._apply(OnnxDiv, self, other)

    def __ge__(self, other):
        return self._flag(OnnxGreaterOrEqual, other)

    def __le__(self, other):
        return self._flag(OnnxLessOrEqual, other)


def _root_of_one_plus_square(x, opv):
    square = OnnxMul(x, x, op_version=opv)
    return OnnxSqrt(OnnxAdd(square, np.array([1.0]), op_version=opv), op_version=opv)


def _proto(dtype):
    if dtype == np.float32:
        return onnx_proto.TensorProto.FLOAT
    return onnx_proto.TensorProto.DOUBLE


def _category_table(encoder, k):
    """The one-hot rows of categorical column ``k``: one per fitted category (in
    ``categories_`` order), then the row of an unknown one, as the fitted
    OneHotEncoder transforms them; and a dict of each category key's row (NaN's
    under None)."""
    one_hot = encoder.category_encoder_
    categories = [list(c) for c in one_hot.categories_]
    unknown = "\0unknown"
    while any(unknown in c for c in categories):
        unknown += "\0"
    n_rows = len(categories[k]) + 1
    keys = np.empty((n_rows, len(categories)), dtype=object)
    for j, column in enumerate(categories):
        keys[:, j] = column[0]
    keys[:, k] = [*categories[k], unknown]
    with warnings.catch_warnings():  # an unknown category, on purpose
        warnings.simplefilter("ignore")
        encoded = one_hot.transform(keys)
    start = sum(_width(one_hot, j) for j in range(k))
    table = encoded[:, start : start + _width(one_hot, k)]
    return table, _rows(categories[k])


def _rows(categories):
    """Each category key's row in a table of one row per category (NaN's key under
    None)."""
    return {
        (None if isinstance(key, float) and np.isnan(key) else key): row
        for row, key in enumerate(categories)
    }


def _target_encodings(encoder, columns, types, opv):
    """Each target encoder's (N, w) float64 encodings of each target-encoded
    column, in ``transform``'s order: a lookup in a table of the column's
    category encodings (``encodings_``) and, for an unknown category, the mean
    target (``target_mean_``)."""
    blocks = []
    positions = np.flatnonzero(encoder.is_target_encoded_)
    for target_encoder in encoder.target_encoders_ or []:
        per = len(target_encoder.encodings_) // len(positions)
        for k, i in enumerate(positions):
            encodings = target_encoder.encodings_[k * per : (k + 1) * per]
            table = np.vstack(
                [
                    np.column_stack(encodings),
                    np.reshape(target_encoder.target_mean_, (1, per)),
                ]
            ).astype(np.float64)
            rows = _rows(target_encoder.categories_[k])
            name = _name(encoder, i)
            row = _category_rows(columns[i], types[i], rows, len(table) - 1, name, opv)
            blocks.append(OnnxGather(table, row, axis=0, op_version=opv))
    return blocks


def _width(one_hot, k):
    """How many output columns OneHotEncoder gives column ``k`` (no drop)."""
    infrequent = one_hot.infrequent_categories_[k]
    if infrequent is None:
        return len(one_hot.categories_[k])
    return len(one_hot.categories_[k]) - len(infrequent) + 1


def _category_rows(column, kind, rows, unknown, name, opv):
    """The table row of each value of the (N, 1) ``column``: its category's,
    the missing category's for a missing value, ``unknown`` for any other."""
    missing = rows.get(None, unknown)
    if kind is StringTensorType:
        if "" in rows:
            raise OnnxExportError(
                f"categorical column '{name}' has the empty string as a category, "
                "which an ONNX string input cannot tell from a missing value; replace "
                "it with another text before fitting to export the model."
            )
        known = {key: row for key, row in rows.items() if key is not None}
        keys = [*known, ""]
        values = [*known.values(), missing]
        row = OnnxLabelEncoder_2(
            column,
            keys_strings=keys,
            values_int64s=values,
            default_int64=unknown,
            op_version=LABEL_ENCODER_OPSET,
        )
        return OnnxReshape(row, np.array([-1], np.int64), op_version=opv)
    if issubclass(kind, _INTEGER_TYPES):
        parse, numbers, as_type = int, np.int64, onnx_proto.TensorProto.INT64
    elif issubclass(kind, _FLOAT_TYPES):
        parse, numbers, as_type = float, np.float64, onnx_proto.TensorProto.DOUBLE
    else:
        raise OnnxExportError(
            f"categorical column '{name}' has an ONNX input of type "
            f"{kind.__name__}; declare it as strings, integers, booleans or floats."
        )
    known = {}  # the keys this type can hold: those category_keys gives its values
    for key, row in rows.items():
        try:
            value = parse(key)
        except (TypeError, ValueError):  # None (missing), or a text
            continue
        if category_key(value) == key:
            known[value] = row
    x = OnnxCast(column, to=as_type, op_version=opv)
    double = onnx_proto.TensorProto.DOUBLE
    if known:  # a value equals one known value at most: its row's offset, or 0
        equal = OnnxEqual(x, np.array([list(known)], numbers), op_version=opv)
        offsets = np.array([[row - unknown] for row in known.values()], np.float64)
        offset = OnnxMatMul(
            OnnxCast(equal, to=double, op_version=opv), offsets, op_version=opv
        )
    else:
        offset = OnnxMul(OnnxCast(x, to=double, op_version=opv), np.array([0.0]),
                         op_version=opv)  # fmt: skip
    row = OnnxCast(
        OnnxAdd(offset, np.array([float(unknown)]), op_version=opv),
        to=onnx_proto.TensorProto.INT64,
        op_version=opv,
    )
    if numbers is np.float64:
        row = OnnxWhere(
            OnnxIsNaN(x, op_version=opv), np.array([missing], np.int64), row,
            op_version=opv,
        )  # fmt: skip
    return OnnxReshape(row, np.array([-1], np.int64), op_version=opv)


# ------------------------------------------------------------- skl2onnx's hooks


def parse_encoder(scope, model, inputs, custom_parsers=None):
    """The encoder as one operator of every graph input, with one output."""
    check_exportable(model)
    operator = scope.declare_local_operator("SknnTabularEncoder", model)
    operator.inputs = list(inputs)
    output = scope.declare_local_variable("encoded", DoubleTensorType())
    operator.outputs.append(output)
    return operator.outputs


def encoder_shapes(operator):
    """The encoded rows [N, n_outputs]: float32 when every numeric input is."""
    check_input_and_output_numbers(operator, output_count_range=1)
    encoder = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    single = output_dtype(encoder, operator.inputs) == np.float32
    tensor = FloatTensorType if single else DoubleTensorType
    operator.outputs[0].type = tensor([n, len(encoder.get_feature_names_out())])


def convert_encoder(scope, operator, container):
    """skl2onnx converter of :class:`sknn.preprocessing.TabularEncoder`."""
    opv = container.target_opset
    encoded, _ = encode(operator.raw_operator, operator.inputs, opv)
    OnnxIdentity(encoded, op_version=opv, output_names=[operator.outputs[0]]).add_to(
        scope, container
    )
