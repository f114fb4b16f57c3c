"""Save and load fitted skgen objects without pickle.

A model file is one `safetensors <https://huggingface.co/docs/safetensors>`_
file: every numeric array of the fitted state is a tensor, and everything else
(parameters, schema, validator rules, random-stream state) is JSON stored in the
file's metadata header, together with a SHA-256 digest of the JSON and of every
tensor's bytes. Loading parses JSON and raw numbers only: classes are looked up
by name in an allow-list of skgen's own estimators and built through their
constructors, so a file from someone else can never run code. A file that is
truncated, edited, not an skgen model or from an incompatible format version
raises :class:`~skgen.exceptions.ModelFileError`.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from skgen.exceptions import ModelFileError
from skgen.schema import TableSchema

FORMAT_NAME = "skgen-model"
FORMAT_VERSION = 1


def save(obj: BaseEstimator, path: str | Path) -> Path:
    """Write a fitted skgen estimator (synthesizer or validator) to ``path``.

    Parameters
    ----------
    obj : skgen estimator
        A fitted synthesizer or validator.
    path : str or pathlib.Path
        File to write; overwritten if it exists.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If the fitted state holds a value that cannot be stored safely (a bug
        in the estimator, reported with the attribute's path).
    """
    from safetensors.numpy import save_file

    import skgen

    arrays: dict[str, np.ndarray] = {}
    payload = json.dumps(_encode(obj, arrays, "model"), allow_nan=False, sort_keys=True)
    metadata = {
        "format": FORMAT_NAME,
        "format_version": str(FORMAT_VERSION),
        "skgen_version": skgen.__version__,
        "payload": payload,
        "sha256": _digest(payload, arrays),
    }
    path = Path(path)
    save_file(arrays, str(path), metadata=metadata)
    return path


def load(path: str | Path) -> BaseEstimator:
    """Load an estimator written by :func:`save` (or ``Synthesizer.save``).

    Parameters
    ----------
    path : str or pathlib.Path
        A model file.

    Returns
    -------
    estimator
        The fitted estimator, which samples exactly what the saved one would.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file is not an skgen model, is corrupt or was modified after
        saving, names a class that is not one of skgen's, or was written by an
        incompatible format version.
    """
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFileError(f"{path} is not a readable model file: {exc}") from None
    if metadata.get("format") != FORMAT_NAME:
        raise ModelFileError(f"{path} is a safetensors file but not an skgen model")
    if metadata.get("format_version") != str(FORMAT_VERSION):
        raise ModelFileError(
            f"{path} was written in skgen model format version "
            f"{metadata.get('format_version')!r} (by skgen {metadata.get('skgen_version')}); "
            f"this skgen reads version {FORMAT_VERSION}")
    payload = metadata.get("payload", "")
    if metadata.get("sha256") != _digest(payload, arrays):
        raise ModelFileError(f"{path} failed its integrity check: the file is corrupt or was "
                             "modified after it was saved")
    try:
        return _decode(json.loads(payload), arrays)
    except ModelFileError:
        raise
    except Exception as exc:
        raise ModelFileError(f"{path} holds a model this skgen cannot rebuild: {exc}") from None


# ---------------------------------------------------------------------------
def _digest(payload: str, arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256(payload.encode("utf-8"))
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(key.encode("utf-8"))
        h.update(str(a.dtype).encode("ascii"))
        h.update(str(a.shape).encode("ascii"))
        h.update(a.tobytes())
    return h.hexdigest()


def _registry() -> dict[str, type]:
    """skgen's own estimator classes, by name: the only classes a file may name."""
    import skgen
    import skgen.validators

    found: dict[str, type] = {}
    for module in (skgen, skgen.validators):
        for name in getattr(module, "__all__", []):
            cls = getattr(module, name, None)
            if isinstance(cls, type) and issubclass(cls, BaseEstimator):
                found[cls.__name__] = cls
    return found


def _fitted_state(obj: BaseEstimator) -> dict[str, Any]:
    return {k: v for k, v in vars(obj).items() if k.endswith("_") and not k.startswith("__")}


def _encode(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
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
            return {"__objarray__": [_encode(v, arrays, f"{where}[{i}]")
                                     for i, v in enumerate(obj.tolist())],
                    "shape": list(obj.shape)}
        raise TypeError(f"cannot store array of dtype {obj.dtype} at {where}")
    if isinstance(obj, list | tuple):
        items = [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else {"__tuple__": items}
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj):
            return {"__dict__": {k: _encode(v, arrays, f"{where}.{k}") for k, v in obj.items()}}
        return {"__items__": [[_encode(k, arrays, where), _encode(v, arrays, f"{where}[{k!r}]")]
                              for k, v in obj.items()]}
    if isinstance(obj, TableSchema):
        return {"__schema__": obj.to_dict()}
    if isinstance(obj, pd.Timestamp):
        return {"__timestamp__": obj.isoformat()}
    if isinstance(obj, np.random.Generator):
        return {"__generator__": _encode(obj.bit_generator.state, arrays, where)}
    if isinstance(obj, BaseEstimator):
        cls = type(obj)
        if _registry().get(cls.__name__) is not cls:
            raise TypeError(f"{cls.__name__} at {where} is not an skgen estimator")
        return {"__estimator__": cls.__name__,
                "params": _encode(obj.get_params(deep=False), arrays, f"{where}.params"),
                "state": _encode(_fitted_state(obj), arrays, f"{where}.state")}
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
        out = np.empty(len(data["__objarray__"]), dtype=object)
        out[:] = [_decode(v, arrays) for v in data["__objarray__"]]
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
        name = data["__estimator__"]
        cls = _registry().get(name)
        if cls is None:
            raise ModelFileError(f"model file names class {name!r}, which is not an skgen "
                                 "estimator; refusing to load it")
        params = _decode(data["params"], arrays)
        obj = cls(**params)
        for attr, value in _decode(data["state"], arrays).items():
            if not attr.endswith("_"):
                raise ModelFileError(f"model file sets attribute {attr!r}, which is not "
                                     "fitted state")
            setattr(obj, attr, value)
        if hasattr(obj, "_check_loaded"):  # e.g. that an external base model is unchanged
            obj._check_loaded()
        return obj
    raise ModelFileError(f"unexpected value in model file: {data!r:.80}")


def _hashable(v: Any) -> Any:
    return tuple(v) if isinstance(v, list) else v


__all__ = ["FORMAT_VERSION", "load", "save"]
