"""The docstrings of the tabular estimators, and the column parameters they share
with :class:`sknn.preprocessing.TabularEncoder`."""

import inspect

# the column parameters of sknn.preprocessing.TabularEncoder, which the tabular
# estimators take and pass on to it
TABULAR_COLUMN_PARAMETERS = """\
    categorical_features : 'from_dtype' or array-like, default='from_dtype'
        Which columns are categorical. 'from_dtype': those of category, object or
        string dtype (a NumPy array is then all numeric). Otherwise a boolean mask
        over the columns, their positions, or their names. Columns of datetime64
        dtype not listed here are dates: each becomes its year, month, day,
        weekday, hour of the day (where fit saw times) and seconds since 1970, as
        numbers.

    max_categories : int or None, default=16
        The most one-hot columns of one categorical column, the infrequent
        categories' shared column included (``OneHotEncoder(max_categories=...)``),
        and the most categories of a column that is one-hot encoded where
        ``high_cardinality='target'``; None one-hot encodes every category.
"""


def high_cardinality_doc(default):
    """The text of the ``high_cardinality`` parameter, whose ``default`` the
    encoder and the estimators choose apart."""
    return f"""\
    high_cardinality : {{'one_hot', 'target'}}, default={default!r}
        The encoding of a categorical column with more than ``max_categories``
        categories (missing values one of them):

        - 'one_hot': one-hot, as the other categorical columns, its rarer
          categories sharing one column;
        - 'target': its target encoding
          (:class:`sklearn.preprocessing.TargetEncoder`: each category's shrunk
          mean target, one column per class in multiclass classification and
          per target column of a 2-D ``y``), as numeric columns. Fit needs ``y``;
          ``fit_transform`` encodes each row with the other folds' means (cross
          fitting), so a row's own target never makes its features, while
          ``transform`` uses every row's. Unseen categories encode as the mean
          target.
"""


TABULAR_DOC = """{title} for tabular data: a DataFrame in, a modern recipe.

    A :class:`~sknn.preprocessing.TabularEncoder` and a :class:`{base}`, composed.
    It takes what :class:`sklearn.ensemble.HistGradientBoosting{kind}` takes: a
    pandas DataFrame with numeric, boolean, categorical (category, object or string
    dtype) columns and missing values, or a numeric array with NaN; and date columns
    (datetime64 dtype). It encodes the columns itself, so no preprocessing pipeline
    is needed:

    * numeric columns are imputed with their median, robustly scaled and smoothly
      clipped (:class:`sknn.preprocessing.RobustScaleSmoothClipTransformer`), get a
      missing-value indicator where fit saw missing values, and are fed through the
      piecewise-linear numeric embedding (``numeric_embedding``: each
      column's bins between its training quantiles);
    * date columns become numeric columns as above: their year, month, day,
      weekday, hour of the day (where fit saw times) and seconds since 1970
      (:class:`sknn.preprocessing.TabularEncoder`);
    * categorical columns are one-hot encoded, missing values as a category of their
      own; a column of more than ``max_categories`` categories (``high_cardinality``)
      either pools its rarer categories and unseen ones into one column, or is
      target-encoded: each category's shrunk mean target (cross-fitted in fit; an
      unseen category's is the mean target), as a numeric column.

    The network's defaults are the recipe chosen on sknn's real-data benchmark
    (``tests/benchmarks/bench_tabular.py``; see Notes): they differ from
    :class:`{base}`'s as listed there. Every parameter of :class:`{base}` is
    accepted and documented there; the two below are this class's own.

    Parameters
    ----------
{columns}
    **mlp_params
        Every parameter of :class:`{base}`, with the defaults of the Notes.

    Attributes
    ----------
    encoder_ : :class:`~sknn.preprocessing.TabularEncoder`
        The fitted encoder of the columns: numeric columns, date features and
        target encodings first, then the missing-value indicators and the one-hot
        columns.

    mlp_ : :class:`{base}`
        The fitted network, trained on ``encoder_``'s output; its
        ``embedded_features`` are the encoder's numeric columns.

    is_categorical_ : ndarray of shape (`n_features_in_`,), dtype=bool
        Which columns were encoded as categories (``encoder_.is_categorical_``).

    n_features_in_ : int
        The number of columns of X seen in fit (before encoding).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        The column names seen in fit, when X had string column names.

    The network's fitted attributes (``coefs_``, ``intercepts_``, ``loss_``,
    ``loss_curve_``, ``n_iter_``, ``history_``, ``classes_``...) are ``mlp_``'s,
    read through this estimator; ``coefs_[0]`` takes the encoded columns (each
    numeric column ``embedding_dim`` times after the embedding).

    See Also
    --------
    {base} : The same network on data that is already numeric.
    sklearn.ensemble.HistGradientBoosting{kind} : Gradient boosting on such data.

    Notes
    -----
    Defaults that differ from :class:`{base}`'s:

{recipe}
    ``batch_size='auto'`` splits the training rows (the early-stopping hold-out
    does not count) into the fewest batches of equal size with at most 256 rows
    each: 514 rows train as batches of 172, 172 and 170, not 256, 256 and 2.
    ``max_iter='auto'`` is 160 epochs, or on a small training set as many as make
    4000 batches (early stopping then usually ends the fit first; the cosine
    schedule anneals over them all);
    ``partial_fit``, whose stream has no known length, takes 160.
    ``partial_fit`` needs ``early_stopping=False``: early stopping holds out part
    of the data, which a stream of batches cannot.

    Examples
    --------
    >>> import pandas as pd
    >>> from sknn import Tabular{base}
    >>> X = pd.DataFrame({{"size": [1.0, 2.5, None, 4.0] * 25,
    ...                   "colour": ["red", "blue", "red", None] * 25}})
    >>> y = {example_y}
    >>> model = Tabular{base}(max_iter=5, random_state=0).fit(X, y)
    >>> model.predict(X.head(2)).shape
    (2,)
    """


def tabular_doc(base, kind, recipe, high_cardinality):
    """The docstring of the tabular estimator over ``base``, its ``recipe`` (the
    defaults that differ from ``base``'s) listed, its ``high_cardinality``
    default given."""
    theirs = inspect.signature(base.__init__).parameters
    recipe = "".join(
        f"    * ``{name}={value!r}`` (``{theirs[name].default!r}``)\n"
        for name, value in recipe.items()
    )
    return TABULAR_DOC.format(
        title=f"Multi-layer Perceptron {kind.lower()}",
        base=base.__name__,
        kind=kind,
        recipe=recipe,
        columns=TABULAR_COLUMN_PARAMETERS
        + "\n"
        + high_cardinality_doc(high_cardinality),
        example_y="[0, 1, 1, 0] * 25" if kind == "Classifier" else "list(range(100))",
    )
