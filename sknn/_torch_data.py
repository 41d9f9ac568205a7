"""The training data of the torch seam: arrays made tensors once, batches as slices.

Part of the torch seam (with ``sknn._torch``).
"""

import warnings

import numpy as np
import scipy.sparse as sp
import torch

# losses whose targets are class indices rather than indicator rows
CLASS_INDEX_LOSSES = ("softmax_log_loss", "multi_margin")

# X rows gathered at once by the epoch loop, and densified at once from sparse X
# (training and prediction): about this many bytes, and at least one batch. The
# memory an epoch holds beyond X is one such chunk, however wide X is.
CHUNK_BYTES = 2**21


def chunk_rows(n_features, multiple=1):
    """Rows of ``n_features`` float32 columns in a chunk of about CHUNK_BYTES, as a
    whole number of ``multiple`` rows (at least one)."""
    rows = CHUNK_BYTES // (4 * max(1, n_features))
    return multiple * max(1, rows // multiple)


class TrainingData:
    """Training (and validation) arrays, resident on the device.

    Dense X becomes one float32 tensor (shared with the caller's array when that is
    already C-contiguous float32 on the CPU); sparse X stays a scipy matrix on the
    host and each batch is densified on its own, so a wide sparse matrix never becomes
    dense whole. Targets are class indices for the softmax loss, float32 otherwise.
    """

    def __init__(
        self, X, y, sample_weight, device, loss, X_val=None, y_val=None, weight_val=None
    ):
        self.device = device
        self.X = _as_tensor(X, device)
        self.y = _targets(y, device, loss)
        self.sample_weight = _weights(sample_weight, device)
        self.X_val = None if X_val is None else _as_tensor(X_val, device)
        self.y_val = None if y_val is None else _targets(y_val, device, loss)
        self.sample_weight_val = _weights(weight_val, device)
        self.n_samples = X.shape[0]
        self.n_outputs = y.shape[1]

    def rows_per_epoch(self, batch_size, batch_norm):
        """Rows an epoch trains on: all, but for a last batch of one row under batch
        norm (which cannot normalize a single row); it is dropped, as a DataLoader's
        ``drop_last`` would, and the shuffle puts another row last in the next epoch.
        """
        n = self.n_samples
        return n - 1 if batch_norm and n > 1 and n % batch_size == 1 else n

    def batches(self, order, batch_size, n):
        """Yield ``(X_batch, y_batch)`` over the first ``n`` samples of ``order``.

        Rows are gathered a chunk of batches at a time (see CHUNK_BYTES) and the
        batches sliced from the chunk, so a small batch costs no gather of its own.
        """
        chunk = chunk_rows(self.X.shape[1], batch_size)
        for chunk_start in range(0, n, chunk):
            index = slice(chunk_start, min(chunk_start + chunk, n))
            if order is not None:
                index = order[index]
            X, y = self.rows(index), self.y[index]
            for offset in range(0, len(y), batch_size):
                stop = offset + batch_size
                yield X[offset:stop], y[offset:stop]

    def rows(self, index):
        """X rows at ``index`` (a slice or an index tensor) as a dense tensor."""
        if isinstance(self.X, torch.Tensor):
            return self.X[index]
        if isinstance(index, torch.Tensor):
            index = index.cpu().numpy()
        return dense_tensor(self.X[index], self.device)


def _targets(y, device, loss):
    y = np.asarray(y)
    if loss in CLASS_INDEX_LOSSES:
        return torch.as_tensor(y.argmax(axis=1), device=device)
    return torch.as_tensor(y.astype(np.float32, copy=False), device=device)


def _weights(sample_weight, device):
    if sample_weight is None:
        return None
    return torch.as_tensor(np.asarray(sample_weight, np.float32), device=device)


def epoch_index(order, start, stop):
    """Positions start:stop of the epoch, as a slice or as indices into ``order``."""
    return slice(start, stop) if order is None else order[start:stop]


def _as_tensor(X, device):
    return X.tocsr() if sp.issparse(X) else dense_tensor(X, device)


def dense_tensor(X, device, dtype=np.float32):
    if sp.issparse(X):
        X = X.astype(dtype, copy=False).toarray()  # one dense array, not two
    X = np.ascontiguousarray(X, dtype=dtype)
    if X.flags.writeable:
        tensor = torch.from_numpy(X)
        return tensor if device == "cpu" else tensor.to(device)
    with warnings.catch_warnings():
        # read-only arrays (joblib memmaps) are safe: sknn never writes into X
        warnings.filterwarnings("ignore", message="The given NumPy array is not writ")
        return torch.as_tensor(X, device=device)
