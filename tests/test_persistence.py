"""Pickle-free persistence: a loaded model samples what the saved one would; bad files fail."""

from __future__ import annotations

import json
import struct

import numpy as np
import pandas as pd
import pytest

import skgen
from skgen import AmplifySampler, ModelFileError
from skgen.validators import make_validators


@pytest.fixture(scope="module")
def fitted(adult):
    validators = make_validators(in_set_count=10, pattern_count=10, privacy_filter=True)
    return AmplifySampler(random_state=0, validators=validators).fit(adult)


def test_loaded_model_samples_the_same_rows(fitted, tmp_path):
    path = fitted.save(tmp_path / "adult.skgen")
    loaded = skgen.load(path)
    assert type(loaded) is AmplifySampler
    assert loaded.get_params(deep=False).keys() == fitted.get_params(deep=False).keys()
    pd.testing.assert_frame_equal(loaded.sample(500, random_state=11),
                                  fitted.sample(500, random_state=11))
    seeds = pd.DataFrame({"age": [25, np.nan, 70], "sex": ["Male", "Female", np.nan]})
    pd.testing.assert_frame_equal(loaded.sample(conditions=seeds, random_state=2),
                                  fitted.sample(conditions=seeds, random_state=2))


def test_loaded_model_continues_the_same_random_stream(adult, tmp_path):
    a = AmplifySampler(random_state=5).fit(adult)
    a.sample(100)
    path = a.save(tmp_path / "m.skgen")
    b = skgen.load(path)
    pd.testing.assert_frame_equal(a.sample(100), b.sample(100))


def test_validators_survive_the_round_trip(fitted, tmp_path):
    loaded = skgen.load(fitted.save(tmp_path / "v.skgen"))
    probe = fitted.sample(300, random_state=1)
    probe.loc[0, "age"] = 500
    np.testing.assert_array_equal(loaded.validators_.is_valid(probe),
                                  fitted.validators_.is_valid(probe))
    assert not loaded.validators_.is_valid(probe)[0]


def _header(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return raw, n, json.loads(raw[8:8 + n])


def _write_header(path, raw, n, header):
    blob = json.dumps(header).encode()
    blob += b" " * (n - len(blob)) if len(blob) <= n else b""
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + raw[8 + n:])


def test_tampered_payload_is_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "t.skgen")
    raw, n, header = _header(path)
    payload = header["__metadata__"]["payload"].replace('"max_invalid": null',
                                                        '"max_invalid": 1')
    assert payload != header["__metadata__"]["payload"]
    header["__metadata__"]["payload"] = payload
    _write_header(path, raw, n, header)
    with pytest.raises(ModelFileError, match="integrity check"):
        skgen.load(path)


def test_tampered_tensor_bytes_are_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "t.skgen")
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="integrity check"):
        skgen.load(path)


def test_foreign_class_name_is_refused_even_with_a_valid_digest(fitted, tmp_path):
    from skgen import persistence

    path = fitted.save(tmp_path / "t.skgen")
    raw, n, header = _header(path)
    meta = header["__metadata__"]
    payload = meta["payload"].replace('"__estimator__": "AmplifySampler"',
                                      '"__estimator__": "os.system"', 1)
    meta["payload"] = payload
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        arrays = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118
    meta["sha256"] = persistence._digest(payload, arrays)
    _write_header(path, raw, n, header)
    with pytest.raises(ModelFileError, match="not an skgen estimator"):
        skgen.load(path)


@pytest.mark.parametrize("content", [b"", b"garbage that is no model", b"\x00" * 64])
def test_corrupt_files_raise_model_file_error(tmp_path, content):
    path = tmp_path / "bad.skgen"
    path.write_bytes(content)
    with pytest.raises(ModelFileError):
        skgen.load(path)


def test_truncated_file_raises(fitted, tmp_path):
    path = fitted.save(tmp_path / "t.skgen")
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ModelFileError):
        skgen.load(path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        skgen.load(tmp_path / "nope.skgen")


def test_saving_unfitted_raises(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        AmplifySampler().save(tmp_path / "x.skgen")
