"""The bins of the piecewise-linear numeric embedding, in numpy: their edges from the
training data, the encoding the edges define, and the checks of a saved file's edges.

Gorishniy et al., "On embeddings for numerical features in tabular deep learning"
(NeurIPS 2022), as rtdl_num_embeddings computes it: a feature's bins are between
its training quantiles, and a value ``x`` is encoded as one component per bin,
``(x - left) / (right - left)`` clipped to [0, 1], except the first bin's, which is
not clipped below, and the last bin's, which is not clipped above (a feature of
one bin is its min-max scaling, not clipped at all). A value thus reads as
"all bins to my left full, mine filled this far, those to my right empty".

Each feature's edges are a row of ``n_bins + 1`` float32 values: strictly
increasing, then the last one repeated where the feature has fewer distinct
quantiles than bins (a binary column has one bin, a constant one none). A
repeated edge opens no bin: its component is 0, whatever ``x``. The encoding's
arrays are derived from the edges here, once, for the torch module, the numpy
forward pass and ONNX export alike.
"""

import numpy as np

from sknn.exceptions import ModelFileError

# bins narrower than float32's smallest normal number are merged into the one on
# their left: the reciprocal of a narrower width overflows float32
MIN_WIDTH = float(np.finfo(np.float32).tiny)


def quantile_bin_edges(X, n_bins):
    """Each column's bin edges (one row per column of X, ``n_bins + 1`` float32
    values): the column's quantiles at ``0, 1/n_bins, ..., 1``, interpolated
    linearly as ``numpy.quantile`` and ``torch.quantile`` do, rounded to float32
    and made distinct, then padded by repeating the last edge."""
    if hasattr(X, "toarray"):  # the embedded columns of a sparse X
        X = X.toarray()
    quantiles = np.quantile(
        np.asarray(X, dtype=np.float64), np.linspace(0.0, 1.0, n_bins + 1), axis=0
    ).T.astype(np.float32)
    edges = np.empty((X.shape[1], n_bins + 1), np.float32)
    for row, column in zip(edges, quantiles):
        distinct = [column[0]]
        for edge in np.unique(column)[1:]:
            if float(edge) - float(distinct[-1]) >= MIN_WIDTH:
                distinct.append(edge)
        row[: len(distinct)] = distinct
        row[len(distinct) :] = distinct[-1]
    return edges


def bin_encoding(edges):
    """The encoding of each feature's bins as arrays of shape (n_features, n_bins):
    each bin's left edge, the reciprocal of its width (0 for a bin that padding
    closed), and the bounds its component is clipped to (-inf below the first bin,
    +inf above each feature's last open bin, else 0 and 1). A component is
    ``clip((x - left) * inverse_width, lower, upper)``; a closed bin's is 0. All
    float32."""
    edges = np.asarray(edges, dtype=np.float64)
    widths = np.diff(edges, axis=1)
    is_open = widths > 0
    inverse_width = np.zeros_like(widths)
    np.divide(1.0, widths, out=inverse_width, where=is_open)
    n_open = is_open.sum(axis=1)
    positions = np.arange(widths.shape[1])
    lower = np.where(positions == 0, -np.inf, 0.0) + np.zeros_like(widths)
    upper = np.where(positions == (n_open - 1)[:, None], np.inf, 1.0)
    # in float32, the precision torch trains in: the float64 forward pass then
    # computes the function the network learned
    arrays = (edges[:, :-1], inverse_width, lower, upper)
    return tuple(array.astype(np.float32) for array in arrays)


def check_bin_edges(edges, shape):
    """Raise ModelFileError unless ``edges`` (from a file) are float32 rows of
    ``shape`` as :func:`quantile_bin_edges` writes them: finite, each row strictly
    increasing by at least ``MIN_WIDTH``, then its last edge repeated."""
    if not isinstance(edges, np.ndarray) or edges.dtype != np.float32:
        raise ModelFileError(
            "the saved piecewise-linear embedding's bin edges are not a float32 "
            "array; sknn writes them as float32."
        )
    if edges.shape != shape:
        raise ModelFileError(
            f"the saved piecewise-linear embedding's bin edges are of shape "
            f"{edges.shape}; its network needs {shape}."
        )
    if not np.isfinite(edges).all():
        raise ModelFileError(
            "the saved piecewise-linear embedding's bin edges hold non-finite values."
        )
    widths = np.diff(edges.astype(np.float64), axis=1)
    is_open = widths > 0
    # an open bin after a closed one, a narrow or a negative width
    misplaced = is_open[:, 1:] & ~is_open[:, :-1]
    bad = (widths < 0) | (is_open & (widths < MIN_WIDTH))
    bad[:, 1:] |= misplaced
    if bad.any():
        feature = int(np.flatnonzero(bad.any(axis=1))[0])
        raise ModelFileError(
            f"the saved piecewise-linear embedding's bin edges of feature {feature} "
            "are not increasing: sknn writes each feature's edges in increasing "
            "order, the last one repeated where the feature has fewer bins."
        )
