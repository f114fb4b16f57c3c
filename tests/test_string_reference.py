"""What a model file keeps of ID-like and free-text columns: no hashes, no rare words.

A 64-bit hash of a 5-digit customer number is as good as the number (try all
100,000), so the hashes that let the generators refuse training values are
reference data, left out of the file; what the file keeps (ID shapes, the word
chain) is learned from at least ``MIN_GROUP`` training values each.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import skgen
from skgen._strings import (
    MIN_GROUP,
    fit_id_patterns,
    fit_markov_text,
    generate_markov_text,
    hash_strings,
)

RARE_NAME = "Zebulonius"


@pytest.fixture(scope="module")
def table(adult) -> pd.DataFrame:
    data = adult.head(400)[["age", "sex", "income"]].reset_index(drop=True)
    rng = np.random.default_rng(0)
    data["customer"] = [f"{v:05d}" for v in rng.choice(100_000, size=len(data), replace=False)]
    notes = [f"order {i} shipped to warehouse {('north', 'south')[i % 2]}" for i in range(400)]
    notes[7] = f"order 7 shipped to {RARE_NAME} at home"
    data["note"] = notes
    return data


def _model(kind: str):
    if kind == "amplify":
        return skgen.AmplifySampler(n_components=2, data_checks="skip", random_state=0)
    return skgen.GANSynthesizer(epochs=1, batch_size=100, data_checks="skip", random_state=0)


@pytest.mark.parametrize("kind", ["amplify", "gan"])
def test_model_file_holds_no_training_hashes_nor_rare_words(table, kind, tmp_path):
    model = _model(kind).fit(table)
    raw = model.save(tmp_path / "m.skgen").read_bytes()
    for column in ("customer", "note"):
        hashes = np.unique(hash_strings(table[column].tolist()))
        found = sum(h.tobytes() in raw for h in hashes[:50])
        assert found == 0, f"{found} hashes of training {column} values are in the file"
    assert RARE_NAME.encode() not in raw
    # with include_reference_data=True the hashes are there, as documented
    full = model.save(tmp_path / "full.skgen", include_reference_data=True).read_bytes()
    assert hash_strings([table["customer"].iloc[0]])[0].tobytes() in full


@pytest.mark.parametrize("kind", ["amplify", "gan"])
def test_loaded_model_gets_hashes_back_from_reference_data(table, kind, tmp_path):
    model = _model(kind).fit(table)
    path = model.save(tmp_path / "m.skgen")
    expected = model.sample(300, random_state=1)

    bare = skgen.load(path)
    with pytest.warns(UserWarning, match="loaded without its reference data"):
        bare.sample(50, random_state=1)

    restored = skgen.load(path, reference_data=table)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = restored.sample(300, random_state=1)
    pd.testing.assert_frame_equal(got, expected)
    assert not got["customer"].isin(table["customer"]).any()
    assert not got["note"].isin(table["note"]).any()

    attached = skgen.persistence.attach_reference(skgen.load(path), table)
    pd.testing.assert_frame_equal(attached.sample(300, random_state=1), expected)
    with pytest.raises(ValueError, match="nothing to attach"):
        skgen.persistence.attach_reference(restored, table)
    with pytest.raises(skgen.exceptions.SchemaError, match="customer"):
        skgen.load(path, reference_data=table.drop(columns="customer"))


def test_id_shape_of_few_ids_is_not_stored():
    ids = pd.Series([f"C{i:04d}" for i in range(50)] + ["ADMIN-7", "ROOT-01"])
    patterns, weights = fit_id_patterns(ids)
    assert len(patterns) == 1 and weights.tolist() == [1.0]
    assert len(patterns[0]) == 5 and patterns[0][0] == "C"
    # no shape with MIN_GROUP IDs: only character classes are kept
    patterns, _ = fit_id_patterns(pd.Series(["ADMIN-7", "ADMIN-7", "XK-12"]))
    assert patterns == [[*["ABCDEFGHIJKLMNOPQRSTUVWXYZ"] * 5, "-", "0123456789"]]


def test_text_chain_keeps_only_words_of_several_texts():
    texts = pd.Series([f"call {RARE_NAME} back" if i == 0 else f"call client {i} back"
                       for i in range(3 * MIN_GROUP)])
    chain = fit_markov_text(texts)
    assert RARE_NAME not in chain["vocab"]
    assert not any(ch.isdigit() for w in chain["vocab"] for ch in w)
    out = generate_markov_text(chain, np.unique(hash_strings(texts.tolist())), 200,
                               np.random.default_rng(0))
    assert pd.Series(out).str.fullmatch(r"call (client \d+ )?back").all()
    assert pd.Series(out).str.contains(r"\d").any()


def test_cli_sample_takes_the_training_csv_as_reference(table, tmp_path):
    from skgen.cli import main

    train = tmp_path / "train.csv"
    table.to_csv(train, index=False)
    model = tmp_path / "m.skgen"
    assert main(["fit", str(train), "--model", "amplify", "--param", "n_components=2",
                 "--column-type", "customer=id", "-o", str(model), "--random-state", "0"]) == 0
    out = tmp_path / "s.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["sample", str(model), "-n", "200", "-o", str(out), "--random-state", "0",
                     "--reference-data", str(train)]) == 0
    got = pd.read_csv(out, dtype={"customer": str})
    assert len(got) == 200 and not got["customer"].isin(table["customer"]).any()
    with pytest.warns(UserWarning, match="reference data"):
        assert main(["sample", str(model), "-n", "20", "-o", str(out)]) == 0


def test_model_without_string_columns_lacks_nothing(adult, tmp_path):
    model = skgen.AmplifySampler(n_components=2, data_checks="skip", random_state=0)
    loaded = skgen.load(model.fit(adult.head(300)).save(tmp_path / "m.skgen"))
    assert not loaded._lacks_string_hashes()
    with pytest.raises(ValueError, match="nothing to attach"):
        skgen.persistence.attach_reference(loaded, adult.head(300))
