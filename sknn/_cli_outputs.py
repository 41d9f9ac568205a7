"""The files a command writes: checked before any training, written beside their paths
while the command runs, and moved into place together at its end, so that a mistake,
a failure or Ctrl-C leaves every existing file as it was. Standard library only."""

import contextlib
import os
import tempfile
from pathlib import Path

from sknn._cli_console import CommandError, interrupts_ignored
from sknn._files import file_mode, fsync_directory

_EXAMPLE_NAMES = {"--plot": "plot.png", "OUT": "model.onnx"}


def check_output(path, option, stream=False):
    """Raise CommandError now, not after training, if ``path`` cannot be written.

    Returns whether ``path`` is a stream, an existing file that is neither a regular
    file nor a directory (``/dev/stdout``): allowed if ``stream``, and then written
    to directly.
    """
    path = Path(path)
    if path.is_dir():
        raise CommandError(
            f"{option} '{path}' is a directory; pass a file path in it, such as "
            f"'{path / _EXAMPLE_NAMES.get(option, 'model.sknn')}'"
        )
    if path.exists() and not path.is_file():
        if not stream:
            raise CommandError(f"{option} '{path}' is not a regular file; pass a path")
        return True
    directory = path.parent
    if not directory.is_dir():
        problem = "is not a directory" if directory.exists() else "does not exist"
        raise CommandError(
            f"cannot write {option} '{path}': '{directory}' {problem}; create the "
            "directory or pass another path"
        )
    try:  # the one sure test: create (and remove) a file there
        descriptor, probe = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
        os.close(descriptor)
        os.unlink(probe)
    except OSError as exc:
        raise CommandError(
            f"cannot write {option} '{path}' into directory '{directory}': "
            f"{exc.strerror or exc}; pass a path in a writable directory"
        ) from None
    return False


class StagedFiles:
    """Files written to temporary names beside their paths, renamed onto them by
    :meth:`commit`; any not committed are removed by :func:`staged_files`."""

    def __init__(self):
        self._staged = []  # (temporary, path)

    def stage(self, path, write):
        """Call ``write(temporary_path)`` for a file to go to ``path``."""
        path = Path(path)
        try:
            descriptor, temporary = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
            )
            os.close(descriptor)
            self._staged.append((temporary, path))
            write(temporary)
            os.chmod(temporary, file_mode(path))  # mkstemp's are owner-only
        except OSError as exc:  # a full disk: exit status 1, naming the user's path
            raise OSError(exc.errno, exc.strerror, str(path)) from None

    def commit(self):
        """Rename every staged file onto its path, with Ctrl-C held off meanwhile."""
        directories = {path.parent for _, path in self._staged}
        with interrupts_ignored():
            try:
                while self._staged:
                    temporary, path = self._staged[0]
                    os.replace(temporary, path)
                    self._staged.pop(0)
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, str(path)) from None
        for directory in directories:
            fsync_directory(directory)

    def discard(self):
        for temporary, _ in self._staged:
            Path(temporary).unlink(missing_ok=True)
        self._staged.clear()


@contextlib.contextmanager
def staged_files():
    staged = StagedFiles()
    try:
        yield staged
    finally:
        staged.discard()
