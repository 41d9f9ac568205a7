"""Where and how torch runs: the device a user names, and the thread count for a
piece of work (sknn's own policy, a Dask worker's share, the caller's setting
restored). Part of the torch seam."""

import sys
import threading

import torch

from sknn._load import LOAD_READING_SECONDS, Reading, read_load, thread_run_times

# torch's OpenMP threads pay off only for large work on a small machine. Measured on
# the 2-core CI machine (tests/benchmarks/bench_training.py): a second thread slows
# training batches under ~1M multiply-adds (hot pool).
TRAIN_SINGLE_THREAD_MACS = 2**20


class TorchThreads:
    """Run torch single-threaded for work under ``single_thread_below`` multiply-adds;
    above it on as many of the caller's threads as there are CPUs no other process
    keeps busy (:func:`free_cpus`), within a Dask worker on the task's share of the
    worker's threads; and leave the caller's thread count as it was.

    torch's OpenMP threads split each operation evenly and wait for the slowest: on a
    CPU that another process holds, one thread's share waits for the scheduler's next
    time slice, and the threads that finished spin meanwhile. Measured on this
    2-core machine, ``Pipeline(StandardScaler(), MLPClassifier(early_stopping=True))``
    on the digits beside one busy process: 1.13 s on torch's 2 threads, 0.28 s on
    1, 0.26 s under this policy (0.30 s idle). ``OMP_WAIT_POLICY=PASSIVE`` stops the
    spinning too, but makes every parallel operation wake sleeping threads: idle
    fits took 2.5-3.7x as long (tests/benchmarks/bench_usage.py, busy section).

    A class rather than a contextlib generator: it is entered on every partial_fit,
    and costs a fraction of a microsecond this way.
    """

    __slots__ = ("caller", "parallel", "target")

    def __init__(self, macs, single_thread_below):
        self.caller = torch.get_num_threads()
        self.parallel = macs >= single_thread_below and self.caller > 1
        self.target = self._threads() if self.parallel else 1

    def _threads(self):
        share = dask_worker_share(self.caller)
        free = free_cpus()
        return share if free is None else min(share, free)

    def __enter__(self):
        if self.target != self.caller:
            torch.set_num_threads(self.target)
        if self.target > 1 + len(_TORCH_POOL.threads):
            _TORCH_POOL.watch()
        return self

    def follow_load(self):
        """Choose the thread count again for the machine's load now: a long fit calls
        this every epoch, and follows a process that starts or ends meanwhile. The
        threads torch started, or ran beside the caller, since the last call are its
        pool's (learnt first: a pool thread still spinning from the last epoch is not
        another's load)."""
        if self.parallel:
            if _TORCH_POOL.before is not None:
                _TORCH_POOL.learn()
            target = self._threads()
            if target != self.target:
                torch.set_num_threads(target)
                self.target = target
            if self.target > 1 + len(_TORCH_POOL.threads):
                _TORCH_POOL.watch()

    def __exit__(self, *exc_info):
        if self.target != self.caller:
            torch.set_num_threads(self.caller)
        if _TORCH_POOL.before is not None:
            _TORCH_POOL.learn()


class _TorchPool:
    """The ids of torch's pool threads, as far as sknn has seen them: the threads
    that start while sknn runs torch on more threads than the pool has had (OpenMP
    starts them at a parallel region, and keeps them), and the threads that work
    beside the caller while it runs torch's parallel work (a pool that the caller's
    own torch code started earlier). Every other thread of the process, numpy's BLAS
    pool among them, competes with torch's."""

    threads = frozenset()
    before = None  # this process's threads and their run times, parallel work ahead

    # a thread that ran at least this share of the caller's time beside it, while
    # torch worked in parallel, is one of torch's pool: a BLAS pool spins for
    # milliseconds after its own work, and none of it runs during torch's
    BESIDE_SHARE = 0.25

    def watch(self):
        """Note the process's threads and run times before parallel work."""
        try:
            self.before = thread_run_times()
        except OSError:
            self.before = None

    def learn(self):
        try:
            now = thread_run_times()
        except OSError:
            now = {}
        before, self.before = self.before or {}, None
        caller = str(threading.get_native_id())
        worked = now.get(caller, 0) - before.get(caller, 0)
        beside = {
            thread
            for thread in now.keys() & before.keys()
            if thread != caller
            and worked > 0
            and now[thread] - before[thread] >= self.BESIDE_SHARE * worked
        }
        self.threads = self.threads | (now.keys() - before.keys()) | beside


_TORCH_POOL = _TorchPool()


_LAST_READING = Reading()


def free_cpus():
    """:func:`read_free_cpus`, read again once the last reading is older than
    LOAD_READING_SECONDS."""
    return _LAST_READING.get(read_free_cpus, LOAD_READING_SECONDS)


def read_free_cpus():
    """How many of the CPUs this process may run on are not taken right now by a
    runnable thread of another process or of another thread pool of this one (at
    least 1); None where Linux's /proc is not there to tell.

    Runnable threads are counted machine-wide (``/proc/loadavg``) and in this
    process. torch's pool threads spin for a few milliseconds after each operation
    and would otherwise count against the next one, so neither they nor the caller
    count; this process's other runnable threads do: numpy's (and scipy's,
    scikit-learn's) BLAS pool spins after its work just as torch's does, and a
    torch thread beside a spinning BLAS thread waits for it as for another
    process. A process that is busy on a CPU outside this process's affinity
    counts too.
    """
    load = read_load()
    if load is None:
        return None
    own, others, usable = load
    ours = own - _TORCH_POOL.threads - {str(threading.get_native_id())}
    return max(1, usable - others - len(ours))


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
