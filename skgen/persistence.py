"""Save and load fitted skgen objects without pickle.

A model file is one `safetensors <https://huggingface.co/docs/safetensors>`_
file: every numeric array of the fitted state is a tensor, and everything else
(parameters, schema, validator rules, random-stream state) is JSON stored in the
file's metadata header.

**What a file holds.** Each estimator class declares the fitted attributes it
may store (``_fitted_attributes``, collected over its base classes); ``save``
writes those and refuses any other, and ``load`` sets only those. Reference data
- the training rows a :class:`~skgen.validators.PrivacyFilter` compares against,
and the hashes of training IDs and texts that a synthesizer's string generators
refuse (a 9-digit ID is recovered from its hash by trying every candidate),
declared in ``_reference_attributes`` - is left out unless
``include_reference_data=True``: by default a model file holds no training
record nor anything that decodes to one.

**Integrity and authenticity.** The header carries a SHA-256 digest of the JSON
and of every tensor's bytes. It detects a truncated or corrupted file, *not* a
deliberately crafted one: anyone can recompute a digest. With a secret ``key``
the file also carries an HMAC-SHA256 tag (RFC 2104) of its whole content, and
``load`` with the same key refuses a file whose tag does not verify - real
tamper-evidence, as long as the key stays secret.

**Safe to load.** Loading parses JSON and raw numbers only: classes are looked
up by name in an allow-list of skgen's own estimators and built through their
constructors, their parameters validated, so a file from someone else can never
run code. A file that is truncated, modified, not an skgen model or from an
incompatible version raises :class:`~skgen.exceptions.ModelFileError`.
With a ``key``, the tag is an HMAC [1]_.

**Atomic.** ``save`` writes a temporary file next to the target, flushes it to
disk (``fsync``) and renames it over the target (:func:`os.replace`), so an
interrupted save leaves the previous file as it was.

References
----------
.. [1] H. Krawczyk, M. Bellare and R. Canetti, "HMAC: Keyed-Hashing for Message
   Authentication", RFC 2104, 1997.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import json
import math
import os
import re
import secrets
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import InvalidParameterError

from skgen.exceptions import ModelFileError
from skgen.schema import TableSchema

FORMAT_NAME = "skgen-model"
#: Version of the model-file layout; ``load`` refuses a file written with another.
FORMAT_VERSION = 1
_TAG_FIELD = "hmac_sha256"
_RELEASE = re.compile(r"^(\d+)\.(\d+)(?:\.|$|[a-z+])")


def save(obj: BaseEstimator, path: str | os.PathLike, *, key: bytes | str | None = None,
         include_reference_data: bool = False) -> Path:
    """Write a fitted skgen estimator (synthesizer or validator) to ``path``.

    Parameters
    ----------
    obj : skgen estimator
        A fitted synthesizer or validator.
    path : str or path-like
        File to write; replaced atomically if it exists. Its folder must exist.
    key : bytes, str or None, default=None
        Secret key to sign the file with HMAC-SHA256, so that :func:`load`
        with the same key can tell a genuine file from a modified or forged
        one. A ``str`` is encoded as UTF-8. Use a random key of 32 bytes
        (:func:`secrets.token_bytes`) kept outside the file. ``None`` writes an
        unsigned file, whose SHA-256 digest detects corruption only.
    include_reference_data : bool, default=False
        Also store the reference data of privacy filters (their distinct
        training rows, rank-scaled, the training values of their rank maps and
        the hashes of training texts), and the hashes of the training IDs and
        texts a synthesizer's generators refuse. **Warning**: the file then
        holds the training records themselves and must be protected like the
        training data. By default it is left out; re-attach it after loading
        with ``load(path, reference_data=X)`` or :func:`attach_reference`.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If the fitted state holds a value that cannot be stored safely or an
        attribute its class does not declare (a bug in the estimator, reported
        with the attribute's path), or ``key`` is not bytes or str.
    ValueError
        If ``key`` is empty.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    OSError
        If the file cannot be written (the message names ``path``); the
        previous file at ``path``, if any, is left as it was.

    References
    ----------
    Hugging Face, "safetensors" file format, https://huggingface.co/docs/safetensors.
    Krawczyk, H., Bellare, M. and Canetti, R. (1997). HMAC: Keyed-Hashing for
    Message Authentication. RFC 2104.
    """
    data = dumps(obj, key=key, include_reference_data=include_reference_data)
    path = Path(path)
    _write_atomically(path, data, private=bool(include_reference_data))
    return path


def dumps(obj: BaseEstimator, *, key: bytes | str | None = None,
          include_reference_data: bool = False) -> bytes:
    """The bytes of the model file :func:`save` would write for ``obj``.

    For sending a model to other processes or machines (a Dask or Spark
    cluster, a database column) without pickle: :func:`loads` rebuilds it
    there with the same checks as :func:`load`.

    Parameters
    ----------
    obj : skgen estimator
        A fitted synthesizer or validator.
    key : bytes, str or None, default=None
        Secret key to sign the bytes with HMAC-SHA256 (see :func:`save`).
    include_reference_data : bool, default=False
        Also store the reference data of privacy filters. **Warning**: the
        bytes then hold training records (see :func:`save`).

    Returns
    -------
    bytes
        A complete safetensors model file.

    Raises
    ------
    TypeError
        If the fitted state holds a value that cannot be stored safely or an
        undeclared attribute, or ``key`` is not bytes or str.
    ValueError
        If ``key`` is empty.

    References
    ----------
    Hugging Face, "safetensors" file format, https://huggingface.co/docs/safetensors.
    """
    from safetensors.numpy import save as to_bytes

    import skgen

    secret = _key_bytes(key)
    arrays: dict[str, np.ndarray] = {}
    payload = json.dumps(_encode(obj, arrays, "model", bool(include_reference_data)),
                         allow_nan=False, sort_keys=True)
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "skgen_version": skgen.__version__,
        "reference_data": "included" if include_reference_data else "left out",
        "payload": payload,
        "sha256": _digest(payload, arrays),
    }
    if secret is not None:
        metadata[_TAG_FIELD] = _tag(secret, metadata, arrays)
    return to_bytes(arrays, metadata=metadata)


def load(path: str | os.PathLike, *, key: bytes | str | None = None,
         reference_data: Any = None) -> BaseEstimator:
    """Load an estimator written by :func:`save` (or ``Synthesizer.save``).

    Parameters
    ----------
    path : str or path-like
        A model file.
    key : bytes, str or None, default=None
        The key the file was signed with (see :func:`save`). Required for a
        signed file, refused for an unsigned one: a caller who passes a key
        expects authenticity and gets it or an error.
    reference_data : pandas.DataFrame, array-like or None, default=None
        The training data, to re-attach to every privacy filter in the model
        whose reference data was left out of the file, and to recompute the
        hashes of training IDs and texts that a synthesizer's generators
        refuse (see :func:`attach_reference`). For a synthesizer,
        anything its ``fit`` accepts as ``X`` (with ``y`` as its column, if
        ``fit`` was given one); for a validator, the DataFrame it was fitted
        on. ``None`` leaves such filters detached: sampling then raises until
        their reference data is attached; and it leaves generated IDs and
        texts unchecked against the training ones (sampling warns).

    Returns
    -------
    estimator
        The fitted estimator, which samples exactly what the saved one would
        (once its privacy filters have their reference data).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file is not an skgen model, is corrupt (fails its SHA-256
        check), fails its HMAC check (modified, forged, or signed with another
        key), is signed and no ``key`` was given (or the reverse), names a
        class that is not one of skgen's, an invalid parameter or an
        undeclared attribute, holds an unreadable tokenizer, or was written by
        an incompatible skgen version (the message says what to do).
    TypeError, ValueError
        If ``key`` is not bytes or str, or is empty.

    References
    ----------
    Hugging Face, "safetensors" file format, https://huggingface.co/docs/safetensors.
    Krawczyk, H., Bellare, M. and Canetti, R. (1997). HMAC: Keyed-Hashing for
    Message Authentication. RFC 2104.
    """
    from safetensors import safe_open

    secret = _key_bytes(key)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no model file", str(path))
    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFileError(f"{path} is not a readable model file: {exc}") from None
    return _rebuild(str(path), secret, metadata, arrays, reference_data)


def loads(data: bytes, *, key: bytes | str | None = None,
          reference_data: Any = None) -> BaseEstimator:
    """Rebuild an estimator from the bytes of a model file (:func:`dumps`, or a file's content).

    The same checks as :func:`load`: JSON and raw numbers only, classes from
    skgen's allow-list, integrity (SHA-256) and, with ``key``, authenticity.

    Parameters
    ----------
    data : bytes
        A whole model file, as :func:`dumps` returns it.
    key : bytes, str or None, default=None
        The key the bytes were signed with (see :func:`load`).
    reference_data : pandas.DataFrame, array-like or None, default=None
        The training data to re-attach to privacy filters (see :func:`load`).

    Returns
    -------
    estimator
        The fitted estimator.

    Raises
    ------
    ModelFileError
        If ``data`` is not an skgen model file or fails a check of :func:`load`.
    TypeError, ValueError
        If ``data`` is not bytes, or ``key`` is not bytes or str or is empty.

    References
    ----------
    Hugging Face, "safetensors" file format, https://huggingface.co/docs/safetensors.
    """
    from safetensors.numpy import load as from_bytes

    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"data must be the bytes of a model file, got {type(data).__name__}")
    data = bytes(data)
    secret = _key_bytes(key)
    try:
        # the safetensors layout: an 8-byte little-endian header length, then a
        # JSON header whose "__metadata__" holds skgen's fields, then the tensors
        size = int.from_bytes(data[:8], "little")
        if len(data) < 8 or size > len(data) - 8:
            raise ValueError("truncated header")
        metadata = json.loads(data[8:8 + size]).get("__metadata__") or {}
        arrays = from_bytes(data)
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFileError(f"the model bytes are not a readable model file: {exc}") from None
    return _rebuild("the model bytes", secret, metadata, arrays, reference_data)


def _rebuild(path: str, secret: bytes | None, metadata: dict, arrays: dict[str, np.ndarray],
             reference_data: Any) -> BaseEstimator:
    """Check a model file's metadata and build its estimator; ``path`` names it in errors."""
    if metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is a safetensors file but not an skgen model")
    _authenticate(path, secret, metadata, arrays)
    if metadata.get("format_version") != str(FORMAT_VERSION):
        raise ModelFileError(
            f"{path} was written in skgen model format version "
            f"{metadata.get('format_version')!r} (by skgen {metadata.get('skgen_version')}); "
            f"this skgen reads version {FORMAT_VERSION}")
    _check_version(path, metadata.get("skgen_version"))
    payload = metadata.get("payload", "")
    if not _same(metadata.get("sha256"), _digest(payload, arrays)):
        raise ModelFileError(f"{path} failed its integrity check (SHA-256): the file is "
                             "corrupt or was modified after it was saved")
    try:
        obj = _decode(json.loads(payload), arrays)
    except ModelFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None
    except Exception as exc:
        raise ModelFileError(f"{path} holds a model this skgen cannot rebuild: {exc}") from None
    if not isinstance(obj, BaseEstimator):
        raise ModelFileError(f"{path} holds no estimator")
    if reference_data is not None:
        attach_reference(obj, reference_data)
    return obj


def attach_reference(obj: BaseEstimator, X: Any) -> BaseEstimator:
    """Give ``obj`` the reference data its model file left out, from the training data.

    That is: every detached privacy filter gets its reference data again, and
    a synthesizer with ID-like or free-text columns gets back the hashes of the
    training IDs and texts that its generators refuse to give back.

    Parameters
    ----------
    obj : skgen estimator
        A loaded synthesizer or validator.
    X : pandas.DataFrame, array-like
        The training data (see ``reference_data`` of :func:`load`). Not
        modified.

    Returns
    -------
    obj : skgen estimator
        ``obj`` itself, its reference data attached.

    Raises
    ------
    ValueError
        If ``obj`` lacks no reference data.
    KeyError, skgen.exceptions.SchemaError
        If ``X`` lacks a column ``obj`` was fitted on, or a column's kind
        differs from the one seen in ``fit``.
    """
    found = _estimators(obj)
    filters = [v for v in found
               if hasattr(v, "attach_reference") and not v.has_reference_data()]
    hashing = [v for v in found if getattr(v, "_lacks_string_hashes", lambda: False)()]
    if not filters and not hashing:
        raise ValueError(f"{type(obj).__name__} lacks no reference data (it has no privacy "
                         "filter nor ID-like or free-text column, or the file was saved with "
                         "include_reference_data=True); there is nothing to attach")
    prepare = getattr(obj, "_prepare_training_frame", None)
    frame = prepare(X, None) if prepare is not None else X
    for f in filters:
        f.attach_reference(frame)
    for model in hashing:
        model._attach_string_hashes(frame)
    return obj


def _write_atomically(path: Path, data: bytes, *, private: bool) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, rename it over ``path``."""
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "the folder to save the model in does not exist",
                                str(path))
    tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        # 0o666 lets the umask decide, as open() does; a file holding training
        # records is readable by its owner only
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o600 if private else 0o666)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # OSError(errno, ...) is the matching subclass
            raise OSError(exc.errno, f"cannot save the model ({exc.strerror or exc})",
                          str(path)) from exc
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _key_bytes(key: bytes | str | None) -> bytes | None:
    if key is None:
        return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    elif isinstance(key, bytes | bytearray | memoryview):
        key = bytes(key)
    else:
        raise TypeError(f"key must be bytes or str, got {type(key).__name__}")
    if not key:
        raise ValueError("key is empty; use a secret of at least 32 random bytes")
    return key


def _authenticate(path: str, secret: bytes | None, metadata: dict,
                  arrays: dict[str, np.ndarray]) -> None:
    tag = metadata.get(_TAG_FIELD)
    if secret is None and tag is None:
        return
    if secret is None:
        raise ModelFileError(f"{path} is signed (HMAC-SHA256); pass the key it was saved with "
                             "(load(path, key=...)) to verify and load it")
    if tag is None:
        raise ModelFileError(f"{path} is not signed, so its authenticity cannot be checked "
                             "with the key given; load it without key only if you trust "
                             "where it came from")
    if not _same(tag, _tag(secret, metadata, arrays)):
        raise ModelFileError(f"{path} failed its authenticity check (HMAC-SHA256): it was "
                             "modified after it was saved, or signed with another key")


def _check_version(path: str, version: Any) -> None:
    """Accept files of this skgen's release series: same major (same minor while 0.x)."""
    import skgen

    ours, theirs = _RELEASE.match(skgen.__version__), _RELEASE.match(str(version or ""))
    if theirs is None:
        raise ModelFileError(f"{path} does not say which skgen wrote it (skgen_version="
                             f"{version!r}); refit the model with this skgen")
    mine, file = (int(ours[1]), int(ours[2])), (int(theirs[1]), int(theirs[2]))
    if mine[0] == file[0] and (mine[0] > 0 or mine[1] == file[1]):
        return
    wanted = f"{file[0]}.{file[1]}" if file[0] == 0 else f"{file[0]}"
    if file > mine:
        advice = f"upgrade skgen (pip install -U 'skgen>={wanted}') to load it"
    else:
        advice = (f"refit the model with this skgen, or load it with the skgen that wrote it "
                  f"(pip install 'skgen=={wanted}.*')")
    raise ModelFileError(
        f"{path} was written by skgen {version}, whose models this skgen "
        f"{skgen.__version__} cannot read (files are compatible within one release series: "
        f"same major version, and same minor version before 1.0); {advice}")


def _same(stored: Any, computed: str) -> bool:
    """Constant-time comparison of a digest read from a file with the one computed."""
    return hmac.compare_digest(str(stored).encode("utf-8"), computed.encode("ascii"))


def _hash_content(h: Any, text: str, arrays: dict[str, np.ndarray]) -> str:
    h.update(text.encode("utf-8"))
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(key.encode("utf-8"))
        h.update(str(a.dtype).encode("ascii"))
        h.update(str(a.shape).encode("ascii"))
        h.update(a.tobytes())
    return h.hexdigest()


def _digest(payload: str, arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the payload and the tensors: detects corruption, not forgery."""
    return _hash_content(hashlib.sha256(), payload, arrays)


def _tag(secret: bytes, metadata: dict, arrays: dict[str, np.ndarray]) -> str:
    """HMAC-SHA256 of every metadata field but the tag itself, and of the tensors."""
    signed = json.dumps({k: v for k, v in metadata.items() if k != _TAG_FIELD},
                        sort_keys=True)
    return _hash_content(hmac.new(secret, digestmod=hashlib.sha256), signed, arrays)


# ------------------------------------------------------------------ classes and state
def _skgen_class(name: str) -> type | None:
    """skgen's own estimator class called ``name`` (the only classes a file may name), or None.

    Only the module defining that class is imported: loading an AmplifySampler
    file does not import torch.
    """
    import skgen
    import skgen.validators

    for module in (skgen, skgen.validators):
        if name in getattr(module, "__all__", ()):
            cls = getattr(module, name)
            if isinstance(cls, type) and issubclass(cls, BaseEstimator) and cls.__name__ == name:
                return cls
    return None


def _declared(cls: type, name: str) -> frozenset[str]:
    """Union of the class attribute ``name`` (a tuple of names) over ``cls``'s bases."""
    return frozenset(a for klass in cls.__mro__ for a in vars(klass).get(name, ()))


def fitted_attributes(cls: type) -> frozenset[str]:
    """Names of the fitted attributes a model file may hold for ``cls``.

    The union of ``_fitted_attributes`` and ``_reference_attributes`` declared
    by ``cls`` and its base classes: what :func:`save` writes and the only
    attributes :func:`load` sets. ``cls`` is an skgen estimator or validator
    class.

    Returns
    -------
    frozenset of str
        The attribute names, each ending in ``_``.
    """
    return _declared(cls, "_fitted_attributes") | _declared(cls, "_reference_attributes")


def _fitted_state(obj: BaseEstimator, where: str, include_reference: bool) -> dict[str, Any]:
    cls = type(obj)
    allowed = fitted_attributes(cls)
    reference = _declared(cls, "_reference_attributes")
    state = {}
    for name, value in sorted(vars(obj).items()):  # sorted: save(load(f)) is f, byte for byte
        if not name.endswith("_") or name.startswith("__"):
            continue
        if name not in allowed:
            raise TypeError(f"{cls.__name__} at {where} has the fitted attribute {name!r}, "
                            f"which it does not declare in _fitted_attributes; declare it so "
                            "that save and load know it")
        if name in reference and not include_reference:
            continue
        state[name] = value
    return state


def _estimators(obj: Any) -> list[BaseEstimator]:
    """``obj`` and every estimator nested in its fitted state, depth first."""
    found = []
    if isinstance(obj, BaseEstimator):
        found.append(obj)
        for name in fitted_attributes(type(obj)):
            found.extend(_estimators(getattr(obj, name, None)))
    elif isinstance(obj, list | tuple):
        for value in obj:
            found.extend(_estimators(value))
    elif isinstance(obj, dict):
        for value in obj.values():
            found.extend(_estimators(value))
    return found


# ------------------------------------------------------------------ encoding
def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str, reference: bool = False) -> Any:
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if math.isfinite(f) else {"__float__": repr(f)}
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "biuf":
            key = f"t{len(arrays)}"
            arrays[key] = np.ascontiguousarray(obj)
            return {"__ndarray__": key}
        if obj.dtype.kind in "OUS":
            flat = obj.reshape(-1).tolist()
            return {"__objarray__": [_encode(v, arrays, f"{where}[{i}]", reference)
                                     for i, v in enumerate(flat)],
                    "shape": list(obj.shape)}
        raise TypeError(f"cannot store array of dtype {obj.dtype} at {where}")
    if isinstance(obj, list | tuple):
        items = [_encode(v, arrays, f"{where}[{i}]", reference) for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: _encode(obj[k], arrays, f"{where}.{k}", reference)
                                 for k in sorted(obj)}}
        return {"__items__": [[_encode(k, arrays, where, reference),
                               _encode(v, arrays, f"{where}[{k!r}]", reference)]
                              for k, v in obj.items()]}
    if isinstance(obj, TableSchema):
        return {"__schema__": obj.to_dict()}
    if isinstance(obj, pd.Timestamp):
        return {"__timestamp__": obj.isoformat()}
    if isinstance(obj, np.random.Generator):
        return {"__generator__": _encode(obj.bit_generator.state, arrays, where, reference)}
    if isinstance(obj, BaseEstimator):
        cls = type(obj)
        if _skgen_class(cls.__name__) is not cls:
            raise TypeError(f"{cls.__name__} at {where} is not an skgen estimator")
        return {"__estimator__": cls.__name__,
                "params": _encode(obj.get_params(deep=False), arrays, f"{where}.params",
                                  reference),
                "state": _encode(_fitted_state(obj, where, reference), arrays,
                                 f"{where}.state", reference)}
    raise TypeError(f"cannot store a {type(obj).__name__} at {where} without pickle")


def _decode(data: Any, arrays: dict[str, np.ndarray]) -> Any:
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [_decode(v, arrays) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise ModelFileError(f"unexpected value in model file: {data!r:.80}")
    if "__ndarray__" in data:
        key = data["__ndarray__"]
        if key not in arrays:
            raise ModelFileError(f"model file refers to a missing tensor {key!r}")
        return arrays[key].copy()
    if "__objarray__" in data:
        values = [_decode(v, arrays) for v in data["__objarray__"]]
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):  # element by element: tuples stay elements
            out[i] = v
        return out.reshape(data["shape"])
    if "__float__" in data:
        return float(data["__float__"])
    if "__tuple__" in data:
        return tuple(_decode(v, arrays) for v in data["__tuple__"])
    if "__dict__" in data:
        return {k: _decode(v, arrays) for k, v in data["__dict__"].items()}
    if "__items__" in data:
        return {_hashable(_decode(k, arrays)): _decode(v, arrays) for k, v in data["__items__"]}
    if "__schema__" in data:
        return TableSchema.from_dict(data["__schema__"])
    if "__timestamp__" in data:
        return pd.Timestamp(data["__timestamp__"])
    if "__generator__" in data:
        state = _decode(data["__generator__"], arrays)
        name = state.get("bit_generator")
        if name != "PCG64":
            raise ModelFileError(f"unsupported random generator {name!r} in model file")
        bit_gen = np.random.PCG64()
        bit_gen.state = state
        return np.random.Generator(bit_gen)
    if "__estimator__" in data:
        return _decode_estimator(data, arrays)
    raise ModelFileError(f"unexpected value in model file: {data!r:.80}")


def _decode_estimator(data: dict, arrays: dict[str, np.ndarray]) -> BaseEstimator:
    name = data["__estimator__"]
    cls = _skgen_class(name)
    if cls is None:
        raise ModelFileError(f"model file names class {name!r}, which is not an skgen "
                             "estimator; refusing to load it")
    params, state = _decode(data["params"], arrays), _decode(data["state"], arrays)
    if not isinstance(params, dict) or not isinstance(state, dict):
        raise ModelFileError(f"model file holds malformed parameters or state for {name}")
    obj = cls(**params)
    try:
        obj._validate_params()
    except InvalidParameterError as exc:
        raise ModelFileError(f"model file holds an invalid parameter for {name}: "
                             f"{exc}") from None
    allowed = fitted_attributes(cls)
    for attr, value in state.items():
        if attr not in allowed:
            raise ModelFileError(f"model file sets attribute {attr!r} of {name}, which is not "
                                 "one of its declared fitted attributes; refusing to load it")
        setattr(obj, attr, value)
    check = getattr(obj, "_check_loaded_state", None)
    if check is not None:
        try:
            check()
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
            raise ModelFileError(f"model file holds an unusable {name}: {exc}") from None
    return obj


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


__all__ = ["FORMAT_VERSION", "attach_reference", "dumps", "fitted_attributes", "load", "loads",
           "save"]
