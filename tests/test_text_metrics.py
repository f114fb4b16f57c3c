"""Text metrics: exact values on hand-checkable inputs, behaviour on labelled sentences."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_label_validator import _sentences

from skgen.metrics import (
    augmentation_gain,
    copy_rate,
    distinct_n,
    distinct_starts,
    label_fidelity,
    ngram_overlap_rate,
    self_bleu,
    text_report,
)
from skgen.metrics.text import normalize_text, tokenize


def test_tokenize_and_normalize():
    assert tokenize("Don't STOP!") == ["don", "'", "t", "stop", "!"]
    assert normalize_text("  Hello \t World\n") == "hello world"


def test_distinct_n_exact_values():
    # tokens a b a | b c: 3 distinct of 5; bigrams ab ba | bc: all distinct
    assert distinct_n(["a b a", "B c"], 1) == pytest.approx(3 / 5)
    assert distinct_n(["a b a", "B c"], 2) == 1.0
    # bigrams ab ba ab: 2 distinct of 3; a one-token text has no bigram
    assert distinct_n(["a b a b", "z"], 2) == pytest.approx(2 / 3)
    assert math.isnan(distinct_n(["one"], 2))
    with pytest.raises(ValueError, match="n must be at least 1"):
        distinct_n(["a"], 0)
    with pytest.raises(TypeError, match="strings"):
        distinct_n(["a", None])


def test_distinct_starts_counts_openings_of_words_only():
    # openings: thanks, thanks, thanks, why (punctuation and @ skipped): 2 distinct of 4
    texts = ["Thanks!", "@thanks for all", "THANKS, so much", "Why? no"]
    assert distinct_starts(texts) == pytest.approx(2 / 4)
    # first two words: thanks|for, thanks|so, why|no (a one-word text is left out)
    assert distinct_starts(texts, 2) == pytest.approx(3 / 3)
    assert distinct_starts(["same start here", "same start there"], 2) == pytest.approx(1 / 2)
    assert math.isnan(distinct_starts(["!!", ""]))
    with pytest.raises(ValueError, match="n must be at least 1"):
        distinct_starts(["a"], 0)
    with pytest.raises(TypeError, match="strings"):
        distinct_starts(["a", 3])


def test_copy_rate_ignores_case_and_whitespace_only():
    synthetic = ["Hello   World", "hello world!", "something new", " HELLO world "]
    assert copy_rate(synthetic, ["hello world", "other"]) == pytest.approx(2 / 4)
    assert math.isnan(copy_rate([], ["x"]))


def test_ngram_overlap_rate_exact_values():
    reference = ["the cat sat on the mat"]
    synthetic = ["A cat sat on a mat", "the dog sat", "mat"]
    # only the first shares a 3-token run ("cat sat on")
    assert ngram_overlap_rate(synthetic, reference, n=3) == pytest.approx(1 / 3)
    assert ngram_overlap_rate(synthetic, reference, n=2) == pytest.approx(1 / 3)
    assert ngram_overlap_rate(synthetic, reference, n=1) == pytest.approx(3 / 3)
    long_ref = ["one two three four five six seven eight nine ten"]
    stitched = ["zero two three four five six seven eight nine plus",   # 8 shared tokens
                "zero three four five six seven eight nine plus"]       # 7 shared tokens
    assert ngram_overlap_rate(stitched, long_ref) == pytest.approx(1 / 2)


def test_self_bleu_exact_values():
    assert self_bleu(["a b c d", "a b c d"]) == pytest.approx(1.0)
    assert self_bleu(["a b c d", "e f g h"]) == 0.0
    # "a b" vs "a c": p1 = 1/2, p2 = (0 + 0.1)/1 (smoothed), equal lengths: BP = 1
    assert self_bleu(["a b", "a c"], max_n=2) == pytest.approx(math.sqrt(0.5 * 0.1))
    # "a" vs "a b": the short one pays the brevity penalty exp(1 - 2/1), p1 = 1
    assert self_bleu(["a", "a b"], max_n=1) == pytest.approx((math.exp(-1) + 0.5) / 2)
    with pytest.raises(ValueError, match="at least two texts"):
        self_bleu(["only one"])


def test_self_bleu_equals_nltk_sentence_bleu_against_all_others():
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    rng = np.random.default_rng(0)
    words = ["the", "a", "cat", "dog", "sat", "ran", "on", "mat", "fast", "!"]
    texts = [" ".join(rng.choice(words, rng.integers(0, 12))) for _ in range(60)]
    tokens = [tokenize(t) for t in texts]
    smooth = nltk_bleu.SmoothingFunction().method1
    for max_n in (2, 4):
        expected = np.mean([nltk_bleu.sentence_bleu(tokens[:i] + tokens[i + 1:], hyp,
                                                    weights=(1 / max_n,) * max_n,
                                                    smoothing_function=smooth)
                            for i, hyp in enumerate(tokens)])
        assert self_bleu(texts, max_n) == pytest.approx(expected, abs=1e-12)


@pytest.fixture(scope="module")
def labelled(adult_full):
    data = _sentences(adult_full.sample(3000, random_state=2).reset_index(drop=True))
    return data.iloc[:1500], data.iloc[1500:2250], data.iloc[2250:].reset_index(drop=True)


def _flip(frame):
    return frame.assign(sex=np.where(frame["sex"] == "Male", "Female", "Male"))


def test_label_fidelity_is_accuracy_against_the_conditioning_labels(labelled):
    train, test, pool = labelled
    good = label_fidelity(pool, train, test)
    assert 0.75 < good["real_accuracy"] < 1
    assert good["synthetic_accuracy"] == pytest.approx(good["real_accuracy"], abs=0.05)
    bad = label_fidelity(_flip(pool), train, test)
    # two labels: a text predicted right under its label is wrong under the other
    assert bad["synthetic_accuracy"] == pytest.approx(1 - good["synthetic_accuracy"])
    assert bad["ratio"] == pytest.approx(bad["synthetic_accuracy"] / bad["real_accuracy"])


def test_augmentation_gain_rewards_faithful_texts_and_punishes_wrong_labels(labelled):
    train, test, pool = labelled
    helpful = augmentation_gain(pool, train, test, k=3, m=200, n_repeats=3, random_state=0)
    harmful = augmentation_gain(_flip(pool), train, test, k=3, m=200, n_repeats=3,
                                random_state=0)
    assert helpful["real_only"] == harmful["real_only"]  # same real draws
    assert helpful["gain"] > 0.05
    assert harmful["gain"] < -0.05
    assert helpful["augmented"] == pytest.approx(helpful["real_only"] + helpful["gain"])
    with pytest.raises(ValueError, match="k must be at least 1"):
        augmentation_gain(pool, train, test, k=0)


def test_text_report_labelled_and_unlabelled(labelled):
    train, test, pool = labelled
    copies = train.iloc[:100]
    synthetic = pd.concat([copies, pool.iloc[:300]], ignore_index=True)
    report = text_report(synthetic, train, test, k=5, m=20, n_repeats=2, random_state=0)
    assert (report.text_column, report.label_column) == ("text", "sex")
    assert report.n_synthetic == 400 and report.n_real == 1500
    # the 100 copies, plus pool sentences that happen to equal a training one
    assert report.copy_rate == copy_rate(synthetic["text"], train["text"]) >= 0.25
    assert report.ngram_overlap_rate >= report.copy_rate
    assert set(report.diversity) == {"distinct_1", "distinct_2", "distinct_starts",
                                     "self_bleu"}
    assert report.label_fidelity["real_accuracy"] > 0.75
    assert report.augmentation["k"] == 5
    assert "label fidelity" in report.summary() and "augmentation" in str(report)
    assert report.to_dict()["diversity"]["distinct_2"]["real"] > 0

    plain = text_report(synthetic[["text"]], train[["text"]], random_state=0)
    assert plain.label_fidelity is None and plain.augmentation is None
    assert plain.copy_rate == report.copy_rate
    # diversity is measured on 400 real texts, as many as synthetic ones: more
    # texts repeat more bigrams, so all 1,500 would score lower
    assert plain.diversity["distinct_2"]["real"] > distinct_n(train["text"], 2) + 0.02


def test_cli_report_prints_text_metrics_for_a_text_table(labelled, tmp_path, capsys):
    import json

    from skgen.cli import main

    train, _, pool = labelled
    real_csv, syn_csv, out = tmp_path / "real.csv", tmp_path / "syn.csv", tmp_path / "r.json"
    train.to_csv(real_csv, index=False)
    pd.concat([train.iloc[:50], pool.iloc[:150]]).to_csv(syn_csv, index=False)
    assert main(["report", str(real_csv), str(syn_csv), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "label fidelity" in printed and "Overall" not in printed
    saved = json.loads(out.read_text())
    assert saved["label_column"] == "sex"
    assert saved["copy_rate"] == copy_rate(pd.concat([train.iloc[:50], pool.iloc[:150]])["text"],
                                           train["text"])
    # several label columns: the user must choose one
    train.assign(other=train["sex"]).to_csv(real_csv, index=False)
    pool.assign(other=pool["sex"]).iloc[:150].to_csv(syn_csv, index=False)
    assert main(["report", str(real_csv), str(syn_csv)]) == 2
    assert "--label-column" in capsys.readouterr().err
    assert main(["report", str(real_csv), str(syn_csv), "--label-column", "sex"]) == 0
