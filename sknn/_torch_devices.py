"""Where and how torch runs: the device a user names, and the thread count for a
piece of work (sknn's own policy, a Dask worker's share, the caller's setting
restored). Part of the torch seam."""

import functools
import sys

import torch

# torch's OpenMP threads pay off only for large work on a small machine. Measured on
# the 2-core CI machine (tests/benchmarks/bench_training.py): a second thread slows
# training batches under ~1M multiply-adds (hot pool), and waking a sleeping pool costs
# milliseconds, so a one-off forward pass stays single-threaded up to ~32M.
TRAIN_SINGLE_THREAD_MACS = 2**20
PREDICT_SINGLE_THREAD_MACS = 2**25


@functools.cache
def macs_per_row(layer_units):
    """Multiply-adds of one row's forward pass through the network."""
    return sum(a * b for a, b in zip(layer_units, layer_units[1:]))


class TorchThreads:
    """Run torch single-threaded for work under ``single_thread_below`` multiply-adds,
    within a Dask worker on the task's share of the worker's threads, and leave the
    caller's thread count as it was.

    A class rather than a contextlib generator: it is entered on every predict, and
    costs a fraction of a microsecond this way.
    """

    __slots__ = ("caller", "target")

    def __init__(self, macs, single_thread_below):
        self.caller = torch.get_num_threads()
        if macs < single_thread_below:
            self.target = 1
        else:
            self.target = min(self.caller, dask_worker_share(self.caller))

    def __enter__(self):
        if self.target != self.caller:
            torch.set_num_threads(self.target)

    def __exit__(self, *exc_info):
        if self.target != self.caller:
            torch.set_num_threads(self.caller)


def dask_worker_share(threads):
    """Inside a task on a Dask worker, ``threads`` divided among the worker's task
    slots (its ``nthreads``), at least 1: tasks that run side by side in a worker
    process share torch's thread pool. Outside one, ``threads``. Dask is looked up,
    never imported: a process that runs a Dask worker has already imported it."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return threads
    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a worker task
        return threads
    return max(1, threads // max(1, worker.state.nthreads))


def resolve_device(device):
    """Return the torch device named by ``device``, or raise a ValueError."""
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a device name. Use 'cpu', 'cuda', "
            "'cuda:N', 'mps' or 'auto'."
        ) from None
    if parsed.type == "cpu":
        return "cpu"
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device={device!r} was requested but CUDA is not available on this "
                "machine. Use device='cpu', or device='auto' to pick the best one."
            )
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was requested but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s). Use an index below "
                f"{torch.cuda.device_count()}, or device='auto'."
            )
        return str(parsed)
    if parsed.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(
                f"device={device!r} was requested but MPS is not available on this "
                "machine. Use device='cpu', or device='auto' to pick the best one."
            )
        return "mps"
    raise ValueError(
        f"device={device!r} is not supported. Use 'cpu', 'cuda', 'cuda:N', 'mps' "
        "or 'auto'."
    )
