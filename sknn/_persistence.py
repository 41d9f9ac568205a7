"""sknn.save and sknn.load: a fitted model in a file that loads without running code.

The file is a zip archive holding ``manifest.json`` (format name and version, the
saved object's type, the versions of the libraries that wrote it, the SHA-256 of
the payload, and the caller's notes, which :func:`read_notes` reads without loading
the model) and ``model.skops``, the object in skops' format (scikit-learn's secure
persistence: a JSON schema plus numpy ``.npy`` arrays, read with
``allow_pickle=False``). sknn estimators persist as plain values and numpy arrays
(see ``_BaseMLP.__getstate__``), so skops needs to trust only sknn's own classes.

Loading never unpickles: it checks the manifest and the hash, asks skops which types
the payload holds, refuses any that neither skops trusts by default nor sknn
defines, and only then builds the object.
"""

import hashlib
import importlib.abc
import io
import json
import sys
import threading
import warnings
import zipfile
from importlib import metadata
from pathlib import Path

from sknn._files import write_atomically
from sknn._skops_schema import count_objects
from sknn._version import __version__
from sknn.exceptions import ModelFileError

FORMAT = "sknn-model"
FORMAT_VERSION = 6
MANIFEST = "manifest.json"
PAYLOAD = "model.skops"
# the types skops may build beyond its defaults: sknn's estimators, and numpy dtypes,
# which skops rebuilds from their names (scikit-learn's SimpleImputer keeps one; skops
# plans to trust them by default, skops-dev/skops#224), nothing else
SKNN_TYPES = (
    "sknn._multilayer_perceptron.MLPClassifier",
    "sknn._multilayer_perceptron.MLPRegressor",
    "sknn._tabular.TabularMLPClassifier",
    "sknn._tabular.TabularMLPRegressor",
    "sknn.preprocessing.RobustScaleSmoothClipTransformer",
    "sknn.preprocessing.TabularEncoder",
    "numpy.dtype",
)
# the public name, for skops' trusted= and MLflow's skops_trusted_types=
SKOPS_TRUSTED_TYPES = list(SKNN_TYPES)
VERSIONED = ("sknn", "scikit-learn", "torch", "numpy", "skops")


def library_versions(names=VERSIONED):
    """The installed version of each library in ``names``; sknn's own from
    ``sknn.__version__`` (it may run from a checkout), 'unknown' for a missing one."""
    versions = {}
    for name in names:
        try:
            versions[name] = __version__ if name == "sknn" else metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def save(obj, path, *, notes=None):
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

    notes : dict, default=None
        Facts to keep beside the model (where its data came from, its scores): a
        dict with string keys whose values are strings, numbers, booleans, None,
        and lists and dicts of them, at most 512 KiB as JSON and nested at most
        16 levels. They are stored as JSON in the file's manifest, where
        :func:`read_notes` reads them without loading the model; the command line
        keeps its notes there.

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
    skops_io = _import_skops()
    path = Path(path)
    notes = _checked_notes(path, {} if notes is None else notes, ValueError)
    payload = skops_io.dumps(obj)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "object": f"{type(obj).__module__}.{type(obj).__qualname__}",
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "versions": library_versions(),
        "notes": notes,
    }
    write_atomically(path, lambda file: _write_archive(file, manifest, payload))
    return path


def read_notes(path):
    """Read the notes saved with a model, without loading the model.

    Only the file's manifest is read: neither skops nor torch is imported, and the
    payload is neither read nor checked (:func:`load` checks it).

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`sknn.save`.

    Returns
    -------
    notes : dict
        The ``notes`` given to :func:`sknn.save` (empty if there were none); a
        model written by the command line holds its target, task, data, scores,
        pipeline, network, parameters, classes, features and training.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    sknn.ModelFileError
        If the file is not an sknn model file, is damaged, or holds notes that
        :func:`sknn.save` would not have written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklearn.datasets import load_iris
    >>> import sknn
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = sknn.MLPClassifier(max_iter=300, random_state=0).fit(X, y)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "iris.sknn"
    >>> path = sknn.save(clf, path, notes={"data": "iris", "rows": 150})
    >>> sknn.read_notes(path)
    {'data': 'iris', 'rows': 150}
    """
    return read_manifest(path)["notes"]


# Limits on the notes a manifest may hold: they are read without the payload's
# checks, by read_notes and `sknn info`
MAX_NOTES_BYTES = 512 << 10
MAX_NOTES_DEPTH = 16
_NOTE_SCALARS = (str, int, float, bool, type(None))


def _checked_notes(path, notes, error):
    """``notes`` as JSON would read them back (tuples as lists), once they are a
    dict with string keys and JSON values within MAX_NOTES_BYTES and
    MAX_NOTES_DEPTH; else ``error`` (ValueError on save, ModelFileError on read)."""

    def valid(value, depth):
        if depth > MAX_NOTES_DEPTH:
            return False
        if isinstance(value, dict):
            return all(
                isinstance(key, str) and valid(item, depth + 1)
                for key, item in value.items()
            )
        if isinstance(value, list | tuple):
            return all(valid(item, depth + 1) for item in value)
        return isinstance(value, _NOTE_SCALARS)

    if not isinstance(notes, dict) or not valid(notes, 1):
        raise error(
            f"{path}: the notes must be a dict with string keys whose values are "
            "strings, numbers, booleans, None, and lists and dicts of them, nested "
            f"at most {MAX_NOTES_DEPTH} levels; got {_brief(repr(notes))}"
        )
    text = json.dumps(notes)
    if len(text) > MAX_NOTES_BYTES:
        raise error(
            f"{path}: the notes take {len(text)} bytes as JSON, over the "
            f"{MAX_NOTES_BYTES}-byte limit; keep large data in a file of its own."
        )
    return json.loads(text)


def _write_archive(file, manifest, payload):
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
        archive.writestr(PAYLOAD, payload)


# Limits on what a model file may make sknn.load read, allocate and walk, checked
# against the sizes the file declares before anything is decompressed or built. A
# fitted MLP's payload is its arrays in skops' uncompressed form: deflate shrinks it
# little (float weights), so a much larger ratio means a zip bomb.
MAX_MANIFEST_BYTES = 1 << 20
MAX_SCHEMA_BYTES = 64 << 20
MAX_MODEL_BYTES = 2 << 30  # the payload's uncompressed size; ``max_bytes`` raises it
MAX_COMPRESSION_RATIO = 50  # beyond the first MiB of a member


def load(path, *, max_bytes=MAX_MODEL_BYTES):
    """Load an object saved by :func:`save`, without unpickling or running code.

    A model file is treated as hostile until checked: its sizes are bounded before
    anything is decompressed or allocated, the object tree it describes is bounded
    in size and depth, only skops' default types and sknn's estimators are built,
    and every sknn estimator in it is checked against its own structure (layer
    sizes, batch-norm, optimizer, schedule and RNG state, history) before torch
    sees any of it.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`sknn.save`.

    max_bytes : int, default=2 GiB
        The largest uncompressed model sknn will read. Raise it to load a larger
        model from a source you trust.

    Returns
    -------
    obj : object
        The saved object; its predictions equal the original's.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    sknn.ModelFileError
        (a ValueError) If the file is not an sknn model file, is truncated, damaged
        or was altered after saving, exceeds a size limit, holds a type outside
        skops' defaults and sknn's estimators, or holds an sknn estimator whose
        state does not fit its own structure.

    Warns
    -----
    UserWarning
        When the versions of sknn, scikit-learn, torch, numpy or skops differ from
        those that saved the file.
    """
    path = Path(path)
    manifest, payload = _read_archive(path, max_bytes)
    if hashlib.sha256(payload).hexdigest() != manifest.get("payload_sha256"):
        raise ModelFileError(
            f"{path}: the model's contents do not match the checksum in its manifest; "
            "the file was altered or damaged after it was saved. Save it again."
        )
    _check_payload(path, payload, max_bytes)
    skops_io = _import_skops()  # after the cheap checks: it imports scikit-learn

    try:
        untrusted = skops_io.get_untrusted_types(data=payload)
    except Exception as error:
        raise ModelFileError(
            f"{path}: the model's contents are not a valid skops payload "
            f"({_brief(error)})."
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
    try:
        return skops_io.loads(payload, trusted=list(untrusted))
    except ModelFileError as error:  # an sknn estimator's own check of its state
        raise ModelFileError(f"{path}: {error}") from None
    except Exception as error:  # TypeError, ValueError, MemoryError, RecursionError...
        raise ModelFileError(
            f"{path}: the model file is damaged: its objects cannot be rebuilt "
            f"({type(error).__name__}: {_brief(error)})."
        ) from None


# The array-API backends scikit-learn vendors for other libraries' arrays. Importing
# skops.io lists scikit-learn's estimators (sklearn.utils.all_estimators), whose walk
# over scikit-learn's packages imports each of them, and so torch and dask: seconds
# that loading a model, which needs neither, would wait for. The walk skips what
# sklearn.externals holds, so the list it makes is the same without them.
_ARRAY_API_BACKENDS = tuple(
    f"sklearn.externals.array_api_compat.{name}" for name in ("torch", "dask", "cupy")
)


class _SkipArrayApiBackends(importlib.abc.MetaPathFinder):
    """Refuse the backends of ``_ARRAY_API_BACKENDS`` to imports made by the thread
    that imports skops.io (the walk passes over a package whose import fails);
    other threads import as ever."""

    def __init__(self):
        self.thread = threading.get_ident()

    def find_spec(self, name, path=None, target=None):
        if threading.get_ident() == self.thread and (
            name in _ARRAY_API_BACKENDS
            or name.startswith(tuple(f"{backend}." for backend in _ARRAY_API_BACKENDS))
        ):
            raise ImportError(f"{name} is not needed to read or write model files")
        return None


def _import_skops():
    """``skops.io``, imported without the array-API backends it never uses (once
    imported, ``import`` returns it, or waits while another thread imports it)."""
    finder = _SkipArrayApiBackends()
    sys.meta_path.insert(0, finder)
    try:
        import skops.io
    finally:
        sys.meta_path.remove(finder)
    return skops.io


def _brief(error):
    """An exception's message on one line, at most 300 characters."""
    text = " ".join(str(error).split())
    return text if len(text) <= 300 else text[:297] + "..."


def read_manifest(path):
    """The checked manifest of the model file at ``path``, without its payload."""
    with _open_archive(path) as archive:
        return _read_manifest(path, archive)


def _read_archive(path, max_bytes):
    with _open_archive(path) as archive:
        info = archive.getinfo(PAYLOAD)
        _check_member_size(path, info, max_bytes, "the model")  # before anything
        manifest = _read_manifest(path, archive)
        try:
            payload = archive.read(info)
        except Exception as error:  # zlib, zip, I/O: a damaged file either way
            raise ModelFileError(
                f"{path}: the model file is damaged ({_brief(error)})."
            ) from None
    return manifest, payload


def _open_archive(path):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise ModelFileError(
            f"{path}: not an sknn model file: not a zip archive (sknn.save writes "
            "one); it may be truncated, or another format such as a pickle."
        ) from None
    except NotImplementedError as error:  # e.g. a zip version or method zipfile lacks
        raise ModelFileError(
            f"{path}: the model file is damaged ({_brief(error)})."
        ) from None
    names = set(archive.namelist())
    if MANIFEST not in names or PAYLOAD not in names:
        archive.close()
        raise ModelFileError(
            f"{path}: not an sknn model file: a zip archive without "
            f"{MANIFEST} and {PAYLOAD}."
        )
    return archive


def _read_manifest(path, archive):
    """The manifest of an open model file, once its format, version and notes are
    ones this sknn writes."""
    info = archive.getinfo(MANIFEST)
    _check_member_size(path, info, MAX_MANIFEST_BYTES, "the manifest")
    try:
        manifest = json.loads(archive.read(info))
    except Exception as error:  # zlib, zip, JSON, I/O: a damaged file either way
        raise ModelFileError(
            f"{path}: the model file is damaged ({_brief(error)})."
        ) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not an sknn model file: unknown manifest.")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        older = type(version) is int and version < FORMAT_VERSION
        raise ModelFileError(
            f"{path}: sknn model format version {version!r}; this sknn reads only "
            f"version {FORMAT_VERSION}, "
            + (
                "so train and save the model again with it."
                if older
                else "so upgrade sknn to load it."
            )
        )
    manifest["notes"] = _checked_notes(path, manifest.get("notes"), ModelFileError)
    if not isinstance(manifest.get("versions"), dict):
        manifest["versions"] = {}
    return manifest


def _check_member_size(path, info, limit, what):
    """Refuse an archive member whose declared size exceeds ``limit`` or whose
    compression ratio only a zip bomb reaches (zipfile then holds the member to
    its declared size)."""
    if info.file_size > limit:
        raise ModelFileError(
            f"{path}: {what} is {info.file_size} bytes uncompressed, over the "
            f"{limit}-byte limit; if you trust this file, pass a larger max_bytes."
        )
    if info.file_size > (1 << 20) + MAX_COMPRESSION_RATIO * info.compress_size:
        raise ModelFileError(
            f"{path}: {what} expands {info.file_size / max(info.compress_size, 1):.0f}"
            f" times when decompressed, over the limit of {MAX_COMPRESSION_RATIO}: "
            "it is not a file sknn.save wrote."
        )


def _check_payload(path, payload, max_bytes):
    """Bound the skops payload before skops reads it: the sizes of its members, each
    array's declared shape against its member's size, and the size and depth of the
    object tree its schema describes, counting every reference to a shared object
    (skops walks a shared object once per reference)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(payload))
    except Exception as error:
        raise ModelFileError(
            f"{path}: the model's contents are not a valid skops payload "
            f"({_brief(error)})."
        ) from None
    with archive:
        members = archive.infolist()
        total = 0
        for info in members:
            _check_member_size(path, info, max_bytes, f"the member {info.filename!r}")
            total += info.file_size
        if total > max_bytes:
            raise ModelFileError(
                f"{path}: the model's arrays hold {total} bytes, over the "
                f"{max_bytes}-byte limit; if you trust this file, pass a larger "
                "max_bytes."
            )
        try:
            for info in members:
                if info.filename.endswith(".npy"):
                    _check_array_member(archive, info)
                elif info.filename.endswith(".npz"):  # scipy's sparse matrices
                    with zipfile.ZipFile(archive.open(info)) as arrays:
                        for inner in arrays.infolist():
                            _check_member_size(path, inner, max_bytes, "an array")
                            _check_array_member(arrays, inner)
            schema = archive.getinfo("schema.json")
            if schema.file_size > MAX_SCHEMA_BYTES:
                raise ValueError(
                    f"its schema is {schema.file_size} bytes, over the "
                    f"{MAX_SCHEMA_BYTES}-byte limit"
                )
            tree = json.loads(archive.read(schema))
            count_objects(tree)
        except ModelFileError:
            raise
        except Exception as error:  # zip, .npy header, JSON, recursion: damaged
            raise ModelFileError(
                f"{path}: the model's contents are not a valid skops payload "
                f"({_brief(error)})."
            ) from None


def _check_array_member(archive, info):
    """An .npy member must hold exactly the bytes its header declares: numpy
    allocates the declared shape before it reads."""
    import numpy as np

    with archive.open(info) as file:
        version = np.lib.format.read_magic(file)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(file)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(file)
        else:
            raise ValueError(f"{info.filename} has .npy format version {version}")
        header = file.tell()
    count = 1
    for size in shape:
        count *= size
    if dtype.hasobject or header + count * dtype.itemsize != info.file_size:
        raise ValueError(
            f"{info.filename} declares a {dtype} array of shape {shape}, which its "
            f"{info.file_size} bytes do not hold"
        )


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
