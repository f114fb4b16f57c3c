"""Pickle-free persistence: a loaded model samples what the saved one would; bad files fail."""

from __future__ import annotations

import json
import os
import struct

import numpy as np
import pandas as pd
import pytest
from safetensors import safe_open
from safetensors.numpy import save_file

import skgen
import skgen.validators
from skgen import AmplifySampler, ModelFileError, persistence
from skgen.validators import PrivacyFilter, make_validators


@pytest.fixture(scope="module")
def fitted(adult):
    validators = make_validators(in_set_count=10, pattern_count=10, privacy_filter=True)
    return AmplifySampler(random_state=0, validators=validators).fit(adult)


def test_loaded_model_samples_the_same_rows(fitted, adult, tmp_path):
    path = fitted.save(tmp_path / "adult.skgen")
    loaded = skgen.load(path, reference_data=adult)
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


def test_validators_survive_the_round_trip(fitted, adult, tmp_path):
    loaded = skgen.load(fitted.save(tmp_path / "v.skgen"), reference_data=adult)
    probe = fitted.sample(300, random_state=1)
    probe.loc[0, "age"] = 500
    np.testing.assert_array_equal(loaded.validators_.is_valid(probe),
                                  fitted.validators_.is_valid(probe))
    assert not loaded.validators_.is_valid(probe)[0]


@pytest.mark.parametrize("name", [n for n in skgen.validators.__all__
                                  if isinstance(getattr(skgen.validators, n), type)
                                  # the text validator's round trip: tests/test_label_validator.py
                                  and n not in {"BaseValidator", "LabelAgreementValidator"}])
def test_every_public_validator_and_sampler_round_trips_alone(name, adult, tmp_path):
    est = getattr(skgen.validators, name)().fit(adult)
    path = persistence.save(est, tmp_path / "v.skgen", include_reference_data=True)
    loaded = skgen.load(path)
    probe = adult.head(300).copy()
    probe.loc[0, "age"] = 500
    if hasattr(est, "is_valid"):
        np.testing.assert_array_equal(loaded.is_valid(probe), est.is_valid(probe))
    else:  # DropInvalidRows: an imbalanced-learn sampler
        kept, _ = loaded.fit_resample(probe, probe["income"])
        assert kept.index.equals(est.fit_resample(probe, probe["income"])[0].index)


def _header(path):
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return raw, n, json.loads(raw[8:8 + n])


def _write_header(path, raw, n, header):
    blob = json.dumps(header).encode()
    blob += b" " * (n - len(blob)) if len(blob) <= n else b""
    path.write_bytes(struct.pack("<Q", len(blob)) + blob + raw[8 + n:])


def test_edited_payload_fails_the_integrity_check(fitted, tmp_path):
    path = fitted.save(tmp_path / "t.skgen")
    raw, n, header = _header(path)
    payload = header["__metadata__"]["payload"].replace('"max_invalid": null',
                                                        '"max_invalid": 1')
    assert payload != header["__metadata__"]["payload"]
    header["__metadata__"]["payload"] = payload
    _write_header(path, raw, n, header)
    with pytest.raises(ModelFileError, match="integrity check"):
        skgen.load(path)


def test_corrupted_tensor_bytes_fail_the_integrity_check(fitted, tmp_path):
    path = fitted.save(tmp_path / "t.skgen")
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="integrity check"):
        skgen.load(path)


def test_foreign_class_name_is_refused_even_with_a_valid_digest(fitted, tmp_path):
    path = fitted.save(tmp_path / "t.skgen")
    raw, n, header = _header(path)
    meta = header["__metadata__"]
    payload = meta["payload"].replace('"__estimator__": "AmplifySampler"',
                                      '"__estimator__": "os.system"', 1)
    meta["payload"] = payload
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


# ----------------------------------------------------------------------- helpers
def _read(path):
    with safe_open(str(path), framework="numpy") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118


def _forge(path, *, payload=None, arrays=None, **meta):
    """What anyone can do without the key: edit the file and recompute its SHA-256."""
    metadata, tensors = _read(path)
    tensors.update(arrays or {})
    metadata.update(meta)
    if payload is not None:
        metadata["payload"] = payload(metadata["payload"])
    metadata["sha256"] = persistence._digest(metadata["payload"], tensors)
    save_file(tensors, str(path), metadata=metadata)


def _numbers(path):
    """Every number stored in a model file: tensor entries and JSON numbers."""
    metadata, arrays = _read(path)
    found = set()
    for a in arrays.values():
        found.update(np.asarray(a, dtype=float).ravel().tolist())

    def walk(obj):
        if isinstance(obj, dict):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, list):
            for v in obj:
                walk(v)
        elif isinstance(obj, int | float) and not isinstance(obj, bool):
            found.add(float(obj))

    walk(json.loads(metadata["payload"]))
    return found, arrays


# ------------------------------------------------------- 1. no training records
@pytest.fixture(scope="module")
def adult_1500(adult_full):
    return adult_full.sample(1500, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="module")
def private_model(adult_1500):
    validators = make_validators(privacy_filter=True)
    return AmplifySampler(random_state=0, validators=validators).fit(adult_1500)


def _leaks(path, train):
    """How much of the training table a model file gives away."""
    numbers, arrays = _numbers(path)
    fnlwgt = set(train["fnlwgt"].astype(float))  # nearly one distinct value per person
    return {
        "fnlwgt_share": len(fnlwgt & numbers) / len(fnlwgt),
        # one row per (distinct) training row, or one hash per row or group of rows
        "row_tables": [k for k, a in arrays.items() if a.ndim == 2 and len(a) >= len(train) / 5],
        "hash_tables": [k for k, a in arrays.items() if a.dtype == np.uint64 and a.size >= 100],
    }


def test_model_file_holds_no_training_records_by_default(private_model, adult_1500, tmp_path):
    path = private_model.save(tmp_path / "m.skgen")
    leaks = _leaks(path, adult_1500)
    # the model's own quantile knots may coincide with a few values (3 % here)
    assert leaks["fnlwgt_share"] < 0.05
    assert leaks["row_tables"] == [] and leaks["hash_tables"] == []
    assert _read(path)[0]["reference_data"] == "left out"
    # the detector finds the training data when it is there
    opt_in = private_model.save(tmp_path / "r.skgen", include_reference_data=True)
    leaks = _leaks(opt_in, adult_1500)
    assert leaks["fnlwgt_share"] > 0.5 and leaks["row_tables"] and leaks["hash_tables"]
    assert (opt_in.stat().st_mode & 0o077) == 0  # owner-only, like the training data


def test_detached_filter_says_how_to_reattach(private_model, adult_1500, tmp_path):
    from sklearn.exceptions import NotFittedError

    loaded = skgen.load(private_model.save(tmp_path / "m.skgen"))
    pf = loaded.validators_.validators_[-1]
    assert isinstance(pf, PrivacyFilter) and not pf.has_reference_data()
    assert pf.threshold_ == private_model.validators_.validators_[-1].threshold_
    with pytest.raises(NotFittedError, match=r"reference_data=X_train.*attach_reference"):
        loaded.sample(50, random_state=1)
    with pytest.raises(NotFittedError, match="no reference data"):
        pf.distances(adult_1500.head(3))


def test_reattached_model_samples_what_the_original_did(private_model, adult_1500, tmp_path):
    path = private_model.save(tmp_path / "m.skgen")
    expected = private_model.sample(1000, random_state=4)
    via_load = skgen.load(path, reference_data=adult_1500)
    pd.testing.assert_frame_equal(via_load.sample(1000, random_state=4), expected)
    by_hand = skgen.load(path)
    by_hand.validators_.validators_[-1].attach_reference(adult_1500)
    pd.testing.assert_frame_equal(by_hand.sample(1000, random_state=4), expected)
    # the filter works again: training rows are refused
    pf = via_load.validators_.validators_[-1]
    assert not pf.is_valid(adult_1500.head(200)).any()
    opted_in = skgen.load(private_model.save(tmp_path / "r.skgen", include_reference_data=True))
    pd.testing.assert_frame_equal(opted_in.sample(1000, random_state=4), expected)


def test_reference_data_must_match_the_fitted_columns(private_model, adult_1500, tmp_path):
    from skgen.exceptions import SchemaError

    path = private_model.save(tmp_path / "m.skgen")
    with pytest.raises(SchemaError, match="lacks the column"):
        skgen.load(path, reference_data=adult_1500.drop(columns="fnlwgt"))
    wrong = adult_1500.assign(age=adult_1500["age"].map(lambda v: f"age {v}"))
    with pytest.raises(SchemaError, match="'age'"):
        skgen.load(path, reference_data=wrong)
    with pytest.raises(ValueError, match="nothing to attach"):
        skgen.load(private_model.save(tmp_path / "r.skgen", include_reference_data=True),
                   reference_data=adult_1500)



def test_model_bytes_are_the_file_and_load_the_same_model(fitted, adult, tmp_path):
    blob = persistence.dumps(fitted, key=b"k" * 32)
    path = fitted.save(tmp_path / "b.skgen", key=b"k" * 32)
    expected = fitted.sample(200, random_state=4)
    for data in (blob, path.read_bytes()):  # a file's content loads as bytes too
        loaded = persistence.loads(data, key=b"k" * 32, reference_data=adult)
        pd.testing.assert_frame_equal(loaded.sample(200, random_state=4), expected)
    with pytest.raises(ModelFileError, match="signed"):
        persistence.loads(blob)


@pytest.mark.parametrize("cut", ["truncated", "tensor", "header", "empty"])
def test_corrupt_model_bytes_raise_model_file_error(fitted, cut):
    blob = persistence.dumps(fitted)
    bad = {"truncated": blob[:1000], "tensor": blob[:-10] + bytes(10),
           "header": (2**40).to_bytes(8, "little") + blob[8:], "empty": b""}[cut]
    with pytest.raises(ModelFileError):
        persistence.loads(bad)
    with pytest.raises(TypeError, match="bytes"):
        persistence.loads("not bytes")

# --------------------------------------------------- 2. integrity vs authenticity
def test_signed_file_round_trips_with_its_key(fitted, adult, tmp_path):
    path = fitted.save(tmp_path / "s.skgen", key=b"k" * 32)
    loaded = skgen.load(path, key="k" * 32, reference_data=adult)  # str is its UTF-8 bytes
    pd.testing.assert_frame_equal(loaded.sample(200, random_state=1),
                                  fitted.sample(200, random_state=1))


def test_forged_signed_file_is_refused(fitted, tmp_path):
    key = b"0123456789abcdef0123456789abcdef"
    path = fitted.save(tmp_path / "s.skgen", key=key)
    # a valid SHA-256 is no proof: an attacker recomputes it
    _forge(path, payload=lambda p: p.replace('"max_invalid": null', '"max_invalid": 1'))
    with pytest.raises(ModelFileError, match="authenticity check"):
        skgen.load(path, key=key)
    # what the digest alone lets through
    unsigned = fitted.save(tmp_path / "u.skgen")
    _forge(unsigned, payload=lambda p: p.replace('"max_invalid": null', '"max_invalid": 1'))
    assert skgen.load(unsigned).max_invalid == 1


@pytest.mark.parametrize("case", ["wrong key", "no key", "unsigned", "tag removed"])
def test_key_mismatches_are_refused(fitted, tmp_path, case):
    path = fitted.save(tmp_path / "s.skgen", key=None if case == "unsigned" else b"right key")
    if case == "tag removed":
        metadata, arrays = _read(path)
        del metadata["hmac_sha256"]
        save_file(arrays, str(path), metadata=metadata)
    key = {"wrong key": b"wrong key", "no key": None}.get(case, b"right key")
    message = {"wrong key": "authenticity check", "no key": "is signed"}.get(case, "not signed")
    with pytest.raises(ModelFileError, match=message):
        skgen.load(path, key=key)


@pytest.mark.parametrize(("key", "error"), [(b"", ValueError), ("", ValueError),
                                            (12345, TypeError)])
def test_bad_keys_are_refused(fitted, tmp_path, key, error):
    with pytest.raises(error, match="key"):
        fitted.save(tmp_path / "s.skgen", key=key)
    with pytest.raises(error, match="key"):
        skgen.load(fitted.save(tmp_path / "u.skgen"), key=key)


# ------------------------------------------------------- 3. load trusts nothing
def test_invalid_parameter_in_file_is_refused(fitted, tmp_path):
    path = fitted.save(tmp_path / "p.skgen")
    _forge(path, payload=lambda p: p.replace('"max_invalid": null', '"max_invalid": -5'))
    with pytest.raises(ModelFileError, match="invalid parameter.*max_invalid"):
        skgen.load(path)


@pytest.mark.parametrize("attr", ["__dict__", "__class__", "extra_", "fit", "columns"])
def test_undeclared_attribute_in_file_is_refused(tmp_path, adult, attr):
    from skgen.validators import NumericRangeValidator

    path = persistence.save(NumericRangeValidator().fit(adult), tmp_path / "v.skgen")
    forged = '{"__dict__": {"columns_": ["x"]}}'
    _forge(path, payload=lambda p: p.replace(
        '"state": {"__dict__": {', f'"state": {{"__dict__": {{"{attr}": {forged}, ', 1))
    with pytest.raises(ModelFileError, match=f"attribute '{attr}'.*not one of its declared"):
        skgen.load(path)


def test_save_refuses_an_undeclared_attribute(adult, tmp_path):
    from skgen.validators import NumericRangeValidator

    v = NumericRangeValidator().fit(adult)
    v.sneaky_ = adult.to_numpy()
    with pytest.raises(TypeError, match="sneaky_.*_fitted_attributes"):
        persistence.save(v, tmp_path / "v.skgen")
    assert not (tmp_path / "v.skgen").exists()


@pytest.mark.parametrize(("version", "advice"), [
    ("0.2.0", "upgrade skgen"), ("1.0.0", "upgrade skgen"), ("0.0.9", "refit the model"),
    ("banana", "does not say which skgen"), (None, "does not say which skgen")])
def test_incompatible_skgen_version_says_what_to_do(fitted, tmp_path, version, advice):
    path = fitted.save(tmp_path / "v.skgen")
    metadata, arrays = _read(path)
    if version is None:
        del metadata["skgen_version"]
    else:
        metadata["skgen_version"] = version
    save_file(arrays, str(path), metadata=metadata)
    with pytest.raises(ModelFileError, match=advice):
        skgen.load(path)


def test_same_release_series_loads(fitted, tmp_path):
    path = fitted.save(tmp_path / "v.skgen")
    _forge(path, skgen_version=skgen.__version__.rsplit(".", 1)[0] + ".99")
    assert type(skgen.load(path)) is AmplifySampler


# ------------------------------------------------- 3b. SentencePiece bytes are bounded
@pytest.fixture()
def lstm_file(adult, tmp_path):
    """An LSTM's tokenizer state in a model file (no network needed to check it)."""
    from skgen import LSTMSynthesizer
    from skgen.lstm._tokenizers import SentencePieceTokenizer

    values = adult["occupation"].dropna().astype(str)
    lines = (values + "," + adult.loc[values.index, "sex"]).tolist()
    tok = SentencePieceTokenizer.fit(lines, sorted(set(values)), ",", 40,
                                     np.random.default_rng(0))
    syn = LSTMSynthesizer(vocab_size=40)
    syn._models_ = [{"tokenizer": tok.to_state(), "weights": {}}]
    syn.vocab_sizes_ = [tok.vocab_size]
    return persistence.save(syn, tmp_path / "lstm.skgen"), tok


def _tokenizer_tensor(path, proto):
    metadata, arrays = _read(path)
    [key] = [k for k, a in arrays.items() if a.dtype == np.uint8 and a.tobytes() == proto]
    return key


def test_sentencepiece_model_is_parsed_on_load(lstm_file):
    path, tok = lstm_file
    assert skgen.load(path)._models_[0]["tokenizer"]["kind"] == "sentencepiece"
    key = _tokenizer_tensor(path, tok.model_proto)
    garbage = np.frombuffer(b"\x0a\xff" * 300, dtype=np.uint8).copy()
    _forge(path, arrays={key: garbage})
    with pytest.raises(ModelFileError, match="not a SentencePiece model"):
        skgen.load(path)
    _forge(path, arrays={key: np.zeros(0, dtype=np.uint8)})
    with pytest.raises(ModelFileError, match="SentencePiece model of 0 bytes"):
        skgen.load(path)


def test_sentencepiece_model_size_is_bounded(lstm_file, monkeypatch):
    from skgen.lstm import _tokenizers

    path, tok = lstm_file
    monkeypatch.setattr(_tokenizers, "MAX_SENTENCEPIECE_BYTES", len(tok.model_proto) - 1)
    with pytest.raises(ModelFileError, match=f"SentencePiece model of {len(tok.model_proto):,}"):
        skgen.load(path)


def test_tokenizer_must_match_its_network(lstm_file):
    path, _ = lstm_file
    metadata, _ = _read(path)
    payload = json.loads(metadata["payload"])
    payload["state"]["__dict__"]["vocab_sizes_"] = [10_000]
    _forge(path, payload=lambda p: json.dumps(payload))
    with pytest.raises(ModelFileError, match="does not match its network"):
        skgen.load(path)


# ------------------------------------------------------------------ 4. atomic save
def _leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"),
                                     KeyboardInterrupt()])
def test_interrupted_save_keeps_the_old_file(fitted, adult, tmp_path, monkeypatch, failure):
    from skgen.validators import NumericRangeValidator

    path = persistence.save(NumericRangeValidator().fit(adult), tmp_path / "m.skgen")
    before = path.read_bytes()
    written = []

    def fail_after_writing(fd):
        written.append(fd)
        raise failure

    monkeypatch.setattr(os, "fsync", fail_after_writing)
    with pytest.raises(type(failure)) as info:
        fitted.save(path)
    assert written, "the failure must come mid-save, after the bytes were written"
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, {"m.skgen"}) == []
    if isinstance(failure, OSError):
        assert str(path) in str(info.value) and info.value.errno == 28
    monkeypatch.undo()
    assert type(skgen.load(path)) is NumericRangeValidator


def test_failed_rename_leaves_no_temporary_file(fitted, tmp_path):
    target = tmp_path / "a_folder"
    target.mkdir()
    with pytest.raises(OSError, match="a_folder"):
        fitted.save(target)
    assert _leftovers(tmp_path, {"a_folder"}) == [] and list(target.iterdir()) == []


def test_missing_folder_is_a_file_not_found_error_naming_the_path(fitted, tmp_path):
    path = tmp_path / "no" / "such" / "m.skgen"
    with pytest.raises(FileNotFoundError, match="m.skgen") as info:
        fitted.save(path)
    assert info.value.filename == str(path)
    assert list(tmp_path.iterdir()) == []


# -------------------------------------------------------- 5. non-string column names
@pytest.mark.parametrize("names", [
    pd.MultiIndex.from_tuples([("person", "age"), ("person", "sex"), ("job", "hours")]),
    [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")],
    ["age", "sex", 1.5],
    ["age", "sex", None],
])
def test_column_names_that_cannot_be_saved_are_refused_in_fit(adult, names):
    from skgen.exceptions import SchemaError

    frame = adult[["age", "sex", "hours_per_week"]].head(300).copy()
    frame.columns = names
    with pytest.raises(SchemaError, match="column names must be strings"):
        AmplifySampler(random_state=0).fit(frame)


def test_integer_column_names_round_trip(adult, tmp_path):
    frame = adult[["age", "sex", "hours_per_week"]].head(500).copy()
    frame.columns = [0, 1, 2]
    syn = AmplifySampler(random_state=0).fit(frame)
    loaded = skgen.load(syn.save(tmp_path / "i.skgen"))
    out = loaded.sample(100, conditions={1: "Female"}, random_state=3)
    pd.testing.assert_frame_equal(out, syn.sample(100, conditions={1: "Female"},
                                                  random_state=3))
    assert list(out.columns) == [0, 1, 2] and (out[1] == "Female").all()


def test_series_named_zero_round_trips(adult, tmp_path):
    occupations = adult["occupation"].dropna().head(400).reset_index(drop=True).rename(0)
    syn = AmplifySampler(random_state=0).fit(occupations)
    loaded = skgen.load(syn.save(tmp_path / "s.skgen"))
    out = loaded.sample(50, random_state=2)
    assert list(out.columns) == [0]
    pd.testing.assert_frame_equal(out, syn.sample(50, random_state=2))


def test_cli_signs_and_verifies_with_the_key_in_the_environment(adult, tmp_path, monkeypatch,
                                                                 capsys):
    from skgen.cli import main

    data = tmp_path / "train.csv"
    adult[["age", "sex", "hours_per_week"]].head(300).to_csv(data, index=False)
    model, out = tmp_path / "m.skgen", tmp_path / "out.csv"
    monkeypatch.setenv("SKGEN_MODEL_KEY", "a long secret from the environment")
    assert main(["fit", str(data), "-o", str(model), "--random-state", "0"]) == 0
    assert main(["sample", str(model), "-n", "20", "-o", str(out)]) == 0
    assert len(pd.read_csv(out)) == 20
    with pytest.raises(ModelFileError, match="is signed"):
        skgen.load(model)
    monkeypatch.setenv("SKGEN_MODEL_KEY", "another secret")
    assert main(["sample", str(model), "-n", "20", "-o", str(out)]) == 2
    assert "authenticity check" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["sha256", "hmac_sha256"])
def test_non_ascii_digest_is_a_model_file_error(fitted, tmp_path, field):
    path = fitted.save(tmp_path / "s.skgen", key=b"key")
    metadata, arrays = _read(path)
    metadata[field] = "\u00e9" * 64
    save_file(arrays, str(path), metadata=metadata)
    with pytest.raises(ModelFileError, match="check"):
        skgen.load(path, key=b"key")


def test_saving_a_loaded_model_writes_the_same_content(fitted, tmp_path):
    first = fitted.save(tmp_path / "a.skgen", include_reference_data=True)
    again = skgen.load(first).save(tmp_path / "b.skgen", include_reference_data=True)
    (meta_a, arrays_a), (meta_b, arrays_b) = _read(first), _read(again)
    assert meta_a == meta_b  # payload and digest: the encoding is canonical
    assert arrays_a.keys() == arrays_b.keys()
