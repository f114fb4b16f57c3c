"""prefix_conditions: seed rows that start new texts with the first words of real ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skgen.exceptions import SchemaError
from skgen.text import prefix_conditions

DATA = Path(__file__).parent / "data" / "tweets_sample.csv"


@pytest.fixture(scope="module")
def tweets() -> pd.DataFrame:
    return pd.read_csv(DATA)


def test_each_row_keeps_its_labels_and_the_first_words_of_its_text(tweets):
    before = tweets.copy()
    out = prefix_conditions(tweets, n_words=4)
    pd.testing.assert_frame_equal(tweets, before)  # not mutated
    assert list(out.columns) == list(tweets.columns)
    assert (out["sentiment"].to_numpy() == tweets["sentiment"].to_numpy()).all()
    for start, text in zip(out["text"], tweets["text"], strict=True):
        words = text.split()
        assert start.split() == words[:min(4, max(1, len(words) // 2))]


def test_a_short_text_gives_at_most_half_of_its_words():
    df = pd.DataFrame({"label": ["a", "b", "c"],
                       "text": ["one two three four five six seven eight nine ten",
                                "one two  three", "single"]})
    out = prefix_conditions(df, n_words=6)
    assert out["text"].tolist() == ["one two three four five", "one", "single"]


def test_a_start_is_the_real_text_as_written():
    df = pd.DataFrame({"label": ["poem", "poem"],
                       "text": ["Roses are\nred,  violets\nare blue.", "  Indented line one\ntwo"]})
    out = prefix_conditions(df, n_words=3)
    assert out["text"].tolist() == ["Roses are\nred,", "  Indented line"]
    assert all(t.startswith(s) for s, t in zip(out["text"], df["text"], strict=True))


def test_n_rows_use_every_real_row_before_any_twice(tweets):
    out = prefix_conditions(tweets, n=150, random_state=0)
    starts = prefix_conditions(tweets)["text"]
    counts = pd.Series(out["text"]).value_counts()
    assert len(out) == 150
    # 60 rows drawn 2 or 3 times each (2.5 on average): none left out, none drawn a third
    # time before all were drawn twice
    uses = starts.map(lambda s: counts.get(s, 0) / (starts == s).sum())
    assert uses.min() >= 2 and uses.max() <= 3
    again = prefix_conditions(tweets, n=150, random_state=0)
    pd.testing.assert_frame_equal(out, again)
    assert not out.equals(prefix_conditions(tweets, n=150, random_state=1))


def test_the_text_column_is_found_or_named(tweets):
    series = prefix_conditions(tweets["text"], n_words=2)
    assert list(series.columns) == ["text"] and len(series) == len(tweets)
    extra = tweets.assign(note=tweets["text"])
    with pytest.raises(SchemaError, match="cannot tell the text column.*text=.*note="):
        prefix_conditions(extra)
    assert prefix_conditions(extra, text_column="note")["text"].equals(tweets["text"])
    with pytest.raises(SchemaError, match="'body' is not a column"):
        prefix_conditions(tweets, text_column="body")


def test_missing_or_empty_texts_are_refused_naming_the_row(tweets):
    bad = tweets.copy()
    bad.loc[7, "text"] = np.nan
    with pytest.raises(SchemaError, match=r"index 7"):
        prefix_conditions(bad, text_column="text")
    bad.loc[7, "text"] = "   "
    with pytest.raises(SchemaError, match=r"missing or empty text"):
        prefix_conditions(bad, text_column="text")


@pytest.mark.parametrize("kw", [{"n_words": 0}, {"n": 0}])
def test_bad_counts_are_refused(tweets, kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        prefix_conditions(tweets, **kw)
