"""How busy this machine is now, from Linux's /proc: the runnable threads machine-wide
and in this process. The torch seam chooses torch's threads with it, and prediction
numpy's BLAS threads."""

import math
import os
import time

# A reading of the machine's load is reused for this long: it costs ~40 us, and a
# fit's epochs or a stream of predicts would otherwise take one each.
LOAD_READING_SECONDS = 0.1


def running_threads_of_machine():
    """Runnable threads machine-wide (the caller's included), from /proc/loadavg."""
    with open("/proc/loadavg", "rb") as loadavg:
        return int(loadavg.read().split()[3].split(b"/")[0])


def running_threads_of_this_process():
    """The ids of this process's threads that are running or runnable now (the
    caller's included), from their /proc/self/task/*/stat state letters."""
    running = set()
    for thread in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{thread}/stat", "rb") as stat:
                fields = stat.read()
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        # "pid (command name) state ...": the name may hold spaces and parentheses
        if fields.rpartition(b") ")[2][:1] == b"R":
            running.add(thread)
    return running


def thread_run_times():
    """This process's thread ids and the nanoseconds each has run on a CPU, from
    their /proc/self/task/*/schedstat (0 where the kernel keeps no such count)."""
    times = {}
    for thread in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{thread}/schedstat", "rb") as schedstat:
                times[thread] = int(schedstat.read().split()[0])
        except FileNotFoundError:  # the thread ended meanwhile
            continue
        except (OSError, ValueError, IndexError):
            times[thread] = 0
    return times


def read_load():
    """This process's runnable threads (their ids), the other processes' runnable
    threads (a count) and the CPUs this process may run on, now; None where Linux's
    /proc is not there to tell."""
    try:
        # ours first: a pool thread of ours stops spinning, it never starts on its
        # own, so a thread counted machine-wide is never missing from ``own``
        own = running_threads_of_this_process()
        others = running_threads_of_machine() - len(own)
        usable = len(os.sched_getaffinity(0))
    except (OSError, AttributeError, ValueError, IndexError):
        return None
    return own, max(0, others), usable


def cpus_free_of_other_processes():
    """The CPUs this process may run on that no other process's runnable thread
    takes now (at least 1); None where /proc is not there to tell. This process's
    own threads do not count: numpy's BLAS pool, which spins after its work, is the
    pool that a predict uses itself."""
    load = read_load()
    if load is None:
        return None
    _, others, usable = load
    return max(1, usable - others)


class Reading:
    """The last value of a load reading and when it was taken (time.monotonic)."""

    taken_at = -math.inf
    value = None

    def get(self, read, seconds):
        """``read()``'s value, read again once the last is older than ``seconds``."""
        now = time.monotonic()
        if now - self.taken_at >= seconds:
            self.value = read()
            self.taken_at = now
        return self.value
