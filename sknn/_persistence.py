"""sknn.save and sknn.load: a fitted model in a file that loads without running code.

The file is a zip archive holding ``manifest.json`` (format name and version, the
saved object's type, the versions of the libraries that wrote it, and the SHA-256 of
the payload) and ``model.skops``, the object in skops' format (scikit-learn's secure
persistence: a JSON schema plus numpy ``.npy`` arrays, read with
``allow_pickle=False``). sknn estimators persist as plain values and numpy arrays
(see ``_BaseMLP.__getstate__``), so skops needs to trust only sknn's own classes.

Loading never unpickles: it checks the manifest and the hash, asks skops which types
the payload holds, refuses any that neither skops trusts by default nor sknn
defines, and only then builds the object.
"""

import hashlib
import json
import os
import tempfile
import warnings
import zipfile
from importlib import metadata
from pathlib import Path

FORMAT = "sknn-model"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PAYLOAD = "model.skops"
# the types skops may build beyond its defaults: sknn's estimators, and numpy dtypes,
# which skops rebuilds from their names (scikit-learn's SimpleImputer keeps one; skops
# plans to trust them by default, skops-dev/skops#224), nothing else
SKNN_TYPES = (
    "sknn._multilayer_perceptron.MLPClassifier",
    "sknn._multilayer_perceptron.MLPRegressor",
    "numpy.dtype",
)
VERSIONED = ("sknn", "scikit-learn", "torch", "numpy", "skops")


class ModelFileError(ValueError):
    """A file that sknn.load refuses: not an sknn model, damaged, or unsafe."""


def library_versions(names=VERSIONED):
    """The installed version of each library in ``names``; sknn's own from
    ``sknn.__version__`` (it may run from a checkout), 'unknown' for a missing one."""
    from sknn import __version__

    versions = {}
    for name in names:
        try:
            versions[name] = __version__ if name == "sknn" else metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def save(obj, path):
    """Save a fitted scikit-learn object holding sknn estimators to ``path``.

    The object may be an sknn estimator, a Pipeline or any other scikit-learn object
    (a search's ``best_estimator_``, a dict of them). The file is written atomically:
    a temporary file in the same directory, flushed to disk, then renamed over
    ``path``; if anything fails, ``path`` is left as it was.

    Parameters
    ----------
    obj : object
        The object to save.

    path : str or path-like
        Where to write the file (by convention ``*.sknn``).

    Returns
    -------
    path : pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_iris
    >>> import sknn
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = sknn.MLPClassifier(max_iter=300, random_state=0).fit(X, y)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "iris.sknn"
    >>> loaded = sknn.load(sknn.save(clf, path))
    >>> bool((loaded.predict(X) == clf.predict(X)).all())
    True
    """
    import skops.io

    path = Path(path)
    payload = skops.io.dumps(obj)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "object": f"{type(obj).__module__}.{type(obj).__qualname__}",
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "versions": library_versions(),
    }
    write_atomically(path, lambda file: _write_archive(file, manifest, payload))
    return path


def _write_archive(file, manifest, payload):
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        archive.writestr(PAYLOAD, payload)


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
        os.chmod(temporary, _file_mode(path))  # mkstemp's are owner-only
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _file_mode(path):
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


def _fsync_directory(directory):
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


def load(path):
    """Load an object saved by :func:`save`, without unpickling or running code.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`sknn.save`.

    Returns
    -------
    obj : object
        The saved object; its predictions equal the original's.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    sknn.ModelFileError
        (a ValueError) If the file is not an sknn model file, is truncated or was
        altered after saving, or holds a type outside skops' defaults and sknn's
        estimators.

    Warns
    -----
    UserWarning
        When the versions of sknn, scikit-learn, torch, numpy or skops differ from
        those that saved the file.
    """
    import skops.io

    path = Path(path)
    manifest, payload = _read_archive(path)
    if hashlib.sha256(payload).hexdigest() != manifest.get("payload_sha256"):
        raise ModelFileError(
            f"{path}: the model's contents do not match the checksum in its manifest; "
            "the file was altered or damaged after it was saved. Save it again."
        )
    try:
        untrusted = skops.io.get_untrusted_types(data=payload)
    except Exception as error:
        raise ModelFileError(
            f"{path}: the model's contents are not a valid skops payload ({error})."
        ) from None
    unknown = sorted(set(untrusted) - set(SKNN_TYPES))
    if unknown:
        raise ModelFileError(
            f"{path}: refusing to load types that neither skops trusts by default nor "
            f"sknn defines: {', '.join(unknown)}. Only load files from sources you "
            "trust; if you do trust this one, use skops.io.load with trusted=[...]."
        )
    versions = manifest.get("versions")
    _warn_on_version_change(path, versions if isinstance(versions, dict) else {})
    return skops.io.loads(payload, trusted=list(untrusted))


def _read_archive(path):
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise ModelFileError(
            f"{path}: not an sknn model file (not a zip archive; sknn.save writes "
            "one). It may be truncated, or another format such as a pickle."
        ) from None
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names or PAYLOAD not in names:
            raise ModelFileError(
                f"{path}: not an sknn model file (a zip archive without "
                f"{MANIFEST} and {PAYLOAD})."
            )
        try:
            manifest = json.loads(archive.read(MANIFEST))
            payload = archive.read(PAYLOAD)
        except Exception as error:  # zlib, zip, JSON, I/O: a damaged file either way
            raise ModelFileError(
                f"{path}: the model file is damaged ({error})."
            ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an sknn model file (unknown manifest).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: sknn model format version {manifest.get('format_version')!r}; "
            f"this sknn reads version {FORMAT_VERSION}. Upgrade sknn to load it."
        )
    return manifest, payload


def _warn_on_version_change(path, saved):
    current = library_versions()
    changed = [
        f"{name} {saved[name]} -> {current[name]}"
        for name in VERSIONED
        if name in saved and saved[name] != current[name]
    ]
    if changed:
        warnings.warn(
            f"{path} was saved with other library versions ({'; '.join(changed)}). "
            "It loaded, but check its predictions before relying on them.",
            UserWarning,
        )
