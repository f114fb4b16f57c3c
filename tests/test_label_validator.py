"""LabelAgreementValidator: the LAMBADA filter, on sentences made from Adult rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline

import skgen
from skgen.exceptions import SchemaError
from skgen.persistence import save
from skgen.validators import LabelAgreementValidator


def _sentences(rows: pd.DataFrame) -> pd.DataFrame:
    """Adult rows told as sentences (no word naming the sex), labelled by sex."""
    text = ("A " + rows["age"].astype(str) + " year old " + rows["relationship"].str.lower()
            + ", " + rows["marital_status"].str.lower() + ", works as "
            + rows["occupation"].fillna("unknown").str.lower() + " for "
            + rows["hours_per_week"].astype(str) + " hours a week.")
    return pd.DataFrame({"sex": rows["sex"].to_numpy(), "text": text.to_numpy()})


@pytest.fixture(scope="module")
def texts(adult_full):
    rows = adult_full.sample(2400, random_state=1).reset_index(drop=True)
    data = _sentences(rows)
    return data.iloc[:2000].reset_index(drop=True), data.iloc[2000:].reset_index(drop=True)


def _flipped(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["sex"] = np.where(frame["sex"] == "Male", "Female", "Male")
    return out


def test_keeps_agreeing_texts_and_rejects_texts_of_the_other_label(texts):
    train, new = texts
    before = train.copy()
    v = LabelAgreementValidator().fit(train)
    pd.testing.assert_frame_equal(train, before)
    assert (v.text_column_, v.label_column_) == ("text", "sex")
    kept_true, kept_flipped = v.is_valid(new), v.is_valid(_flipped(new))
    # two labels, no threshold: every text agrees with exactly one of them
    assert (kept_true ^ kept_flipped).all()
    assert kept_true.mean() > 0.75            # relationship/occupation tell the sex well
    assert kept_flipped.mean() < 0.25
    # the mask is the classifier's verdict
    proba = v.predict_proba(new["text"])
    predicted = v.classes_[proba.argmax(axis=1)]
    np.testing.assert_array_equal(kept_true, predicted == new["sex"].to_numpy())
    # a text that plainly reads as the other label is rejected, and explained
    wife = pd.DataFrame({"sex": ["Male", "Female"],
                         "text": ["A 40 year old wife, married-civ-spouse, works as "
                                  "adm-clerical for 40 hours a week."] * 2})
    assert v.is_valid(wife).tolist() == [False, True]
    why = v.explain(wife)
    assert why[["row", "column", "rule"]].values.tolist() == [[0, "text", "label_agreement"]]
    assert why["value"][0].startswith("predicted 'Female'")


def test_threshold_keeps_only_confident_agreement(texts):
    train, new = texts
    loose = LabelAgreementValidator().fit(train).is_valid(new)
    strict_v = LabelAgreementValidator(threshold=0.95).fit(train)
    strict = strict_v.is_valid(new)
    assert not (strict & ~loose).any()
    assert strict.sum() < loose.sum()
    p = strict_v.predict_proba(new["text"])
    label_pos = np.searchsorted(strict_v.classes_, new["sex"].to_numpy())
    np.testing.assert_array_equal(strict, loose & (p[np.arange(len(p)), label_pos] >= 0.95))


def test_unknown_labels_missing_cells_and_absent_columns_pass(texts):
    train, _ = texts
    v = LabelAgreementValidator().fit(train)
    text = "A 40 year old wife, married-civ-spouse, works as sales for 40 hours a week."
    odd = pd.DataFrame({"sex": ["Other", None, "Male"], "text": [text, text, None]})
    assert v.is_valid(odd).all()
    assert v.is_valid(odd[["text"]]).all()
    assert v.explain(odd).empty


def test_any_classifier_with_predict_proba(texts):
    train, new = texts
    nb = make_pipeline(CountVectorizer(), MultinomialNB())
    v = LabelAgreementValidator(classifier=nb).fit(train)
    assert not hasattr(nb[-1], "classes_")  # cloned, not fitted in place
    assert v.is_valid(new).mean() > 0.7
    with pytest.raises(TypeError, match="classifier"):
        save(v, "unused.skgen")


def test_save_load_round_trip_gives_same_verdicts(texts, tmp_path):
    train, new = texts
    v = LabelAgreementValidator(threshold=0.6).fit(train)
    candidates = pd.concat([new, _flipped(new)], ignore_index=True)
    path = save(v, tmp_path / "label.skgen")
    loaded = skgen.load(path)
    assert isinstance(loaded, LabelAgreementValidator)
    np.testing.assert_array_equal(loaded.is_valid(candidates), v.is_valid(candidates))
    pd.testing.assert_frame_equal(loaded.explain(candidates), v.explain(candidates))
    # the file holds terms found in two or more texts, never a whole text
    assert not set(train["text"].str.lower()) & set(loaded.vocabulary_)
    assert clone(loaded).get_params() == v.get_params()


def test_column_inference_errors_name_the_candidates(texts):
    train, _ = texts
    two_labels = train.assign(other=train["sex"])
    with pytest.raises(SchemaError, match=r"several label columns \['sex', 'other'\]"):
        LabelAgreementValidator().fit(two_labels)
    assert LabelAgreementValidator(label_column="sex").fit(two_labels).label_column_ == "sex"
    with pytest.raises(SchemaError, match="no free-text column"):
        LabelAgreementValidator().fit(train.assign(text="same words"))
    with pytest.raises(SchemaError, match="'nope' is not a column"):
        LabelAgreementValidator(text_column="nope").fit(train)
    with pytest.raises(SchemaError, match="at least two"):
        LabelAgreementValidator().fit(train.assign(sex="Male"))


def test_in_a_synthesizer_every_sampled_text_agrees_with_its_condition(texts, resample_cls):
    train, _ = texts
    # the test double proposes random training texts with the condition written over the
    # label, so about 1/3 of its "Female" rows tell of a man: the validator must drop them
    syn = resample_cls(validators=[LabelAgreementValidator(text_column="text")],
                       random_state=0).fit(train)
    out = syn.sample(200, conditions={"sex": "Female"})
    assert (out["sex"] == "Female").all() and len(out) == 200
    v = syn.validators_.validators_[0]
    assert (v.classes_[v.predict_proba(out["text"]).argmax(axis=1)] == "Female").all()
    unfiltered = resample_cls(validators=[], random_state=0).fit(train).sample(
        200, conditions={"sex": "Female"})
    read_as = v.classes_[v.predict_proba(unfiltered["text"]).argmax(axis=1)]
    assert (read_as != "Female").mean() > 0.2
