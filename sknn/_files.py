"""Files written whole or not at all: a temporary file beside the target, fsynced,
renamed onto it, the directory fsynced; the target keeps its permissions (a new
one gets the umask's). Model files, checkpoints and the command line's outputs
are written this way."""

import os
import tempfile
from pathlib import Path


def write_atomically(path, write):
    """Call ``write(binary_file)`` on a temporary file beside ``path``, fsync it and
    rename it to ``path``; on any error remove the temporary file and re-raise,
    leaving ``path`` untouched."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, file_mode(path))  # mkstemp's are owner-only
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)


def file_mode(path):
    """The permissions ``path`` has, or a new file would get under the umask."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask():
    """The process umask, read without changing it where Linux allows (os.umask's
    set-and-restore would briefly give other threads' new files mode 0o666)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    umask = os.umask(0o077)  # a brief, restrictive setting rather than an open one
    os.umask(umask)
    return umask


def fsync_directory(directory):
    """Make a rename in ``directory`` durable (where the OS allows it)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
