"""PrivacyFilter on text columns, and its reference data in and out of model files."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

import skgen
from skgen import persistence
from skgen.validators import PrivacyFilter


@pytest.fixture(scope="module")
def notes(adult_full) -> pd.DataFrame:
    """A small text table built from real Adult rows: a free-text note and a label."""
    rows = adult_full.dropna(subset=["occupation", "workclass", "native_country"])
    rows = rows.sample(300, random_state=0).reset_index(drop=True)
    note = [f"A {r.age} year old {r.sex.lower()} works in {r.occupation} for "
            f"{r.workclass}, {r.hours_per_week} hours a week; born in {r.native_country}."
            for r in rows.itertuples()]
    return pd.DataFrame({"note": note, "income": rows["income"].astype(str)})


def test_text_columns_are_told_apart(notes):
    pf = PrivacyFilter(random_state=0).fit(notes)
    assert pf.kinds_ == ["text", "string"]


def test_copy_after_normalising_case_and_whitespace_is_rejected(notes):
    pf = PrivacyFilter(random_state=0).fit(notes)
    text = notes.loc[7, "note"]
    other_label = "<=50K" if notes.loc[7, "income"] == ">50K" else ">50K"
    candidates = pd.DataFrame({
        "note": ["  " + text.upper().replace(" ", " \t "), text,
                 "The committee approved next year's budget after a long debate."],
        "income": [other_label, other_label, notes.loc[7, "income"]]})
    assert pf.is_valid(candidates).tolist() == [False, False, True]
    report = pf.explain(candidates)
    assert report["rule"].tolist() == ["privacy_text_copy", "privacy_text_copy"]
    assert report["column"].tolist() == ["note", "note"]
    # a condition on the text column alone is judged too
    assert not pf.is_valid(candidates[["note"]].head(1))[0]


def test_rows_whose_texts_are_all_missing_are_judged_on_the_rest(notes):
    # a sampling batch of malformed completions: every text missing
    pf = PrivacyFilter(max_ngram_overlap=4, random_state=0).fit(notes)
    for missing in (None, np.nan, ""):
        candidates = pd.DataFrame({"note": [missing, missing],
                                   "income": ["<=50K", ">50K"]})
        assert pf.is_valid(candidates).tolist() == [True, True]


@pytest.mark.parametrize("k", [3, 6])
def test_long_shared_ngram_is_rejected(notes, k):
    words = re.findall(r"\w+", notes.loc[11, "note"])  # the filter's words
    run = " ".join(words[2:2 + k + 1])
    shorter = " ".join(words[2:2 + k])
    candidates = pd.DataFrame({
        "note": [f"Zebra quokka said {run} narwhal.", f"Zebra quokka said {shorter} narwhal."],
        "income": ["<=50K", "<=50K"]})
    strict = PrivacyFilter(max_ngram_overlap=k, random_state=0).fit(notes)
    assert strict.is_valid(candidates).tolist() == [False, True]
    assert strict.explain(candidates)["rule"].tolist() == ["privacy_ngram_overlap"]
    assert PrivacyFilter(random_state=0).fit(notes).is_valid(candidates).all()


def test_max_ngram_overlap_is_validated(notes):
    with pytest.raises(InvalidParameterError, match="max_ngram_overlap"):
        PrivacyFilter(max_ngram_overlap=0).fit(notes)


def test_text_reference_data_stays_out_of_the_file(notes, tmp_path):
    pf = PrivacyFilter(max_ngram_overlap=4, random_state=0).fit(notes)
    path = persistence.save(pf, tmp_path / "pf.skgen")
    raw = path.read_bytes()
    assert not any(t.encode() in raw for t in notes["note"])
    loaded = skgen.load(path)
    assert not loaded.has_reference_data()
    with pytest.raises(NotFittedError, match="attach_reference"):
        loaded.is_valid(notes.head(3))
    probe = pd.concat([notes.head(20), notes.head(20).assign(
        note=lambda d: "Quite new: " + d["note"].str[::-1])], ignore_index=True)
    loaded.attach_reference(notes)
    np.testing.assert_array_equal(loaded.is_valid(probe), pf.is_valid(probe))
    assert loaded.is_valid(probe).tolist() == [False] * 20 + [True] * 20
