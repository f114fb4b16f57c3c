"""Classifier-free guidance against the variety of the texts' first words (issue 10).

Guidance (``guidance_scale``) raises label fidelity mostly through the first words of a
text: at a high scale the word that speaks most for the label (``Thanks`` for a positive
tweet, ``Why`` for a negative one) opens most texts of the label. Distinct-2 and Self-BLEU,
computed over all of a text's words, hardly see it. This script makes the benchmark's split
of a corpus (``gpt_benchmark.py``'s, same ``--seed``), fine-tunes ``GPTTextSynthesizer`` at
its defaults on the small set (20 real texts per class; ``--train-per-class``, ``--epochs``)
once, samples it ``--draws`` times (``random_state`` 0, 1, ...) at each of
``--guidance-scales`` (30 texts per class per draw) and prints per draw and on average:

- fidelity / real (the benchmark's judge) and the macro-F1 gain of adding the texts to the
  small set (``augmentation_gain``, one repeat);
- the first words (``skgen.metrics.distinct_starts``'s: runs of word characters, case
  folded): within each class, the share of its texts that open with its most frequent first
  word ("top first word") and ``distinct_starts`` ("distinct first words"), averaged over the
  classes; the small set's own on the first line;
- distinct-2 over all words, the share of texts with a word written twice in a row
  ("repeats"; ``--repetition-penalties`` samples again at each ``repetition_penalty``), and
  texts/s inside the sampling loop.

    SKGEN_SHARED_DATA=/work/shared/data taskset -c 0 env OMP_NUM_THREADS=1 python \\
        benchmarks/gpt_guidance_starts.py --corpus tweets --seed 0 --guidance-scales 1 2 3 5

Figures in docs/benchmarks.md (GPT section, eleventh and twelfth passes).
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
import gpt_benchmark as gb  # noqa: E402

from skgen.metrics import distinct_n, distinct_starts, label_fidelity  # noqa: E402
from skgen.metrics.text import _WORD  # noqa: E402

REPEAT = re.compile(r"\b(\w+)\W+\1\b", re.IGNORECASE)


def repeats(texts) -> float:
    """Share of the texts that write a word twice in a row ("thanks, thanks")."""
    return float(np.mean([bool(REPEAT.search(t)) for t in texts]))


def first_words(frame: pd.DataFrame, label: str) -> tuple[float, float]:
    """Mean over classes of the top first word's share and of ``distinct_starts``."""
    top, distinct = [], []
    for _, group in frame.groupby(label):
        words = pd.Series([(_WORD.findall(t.lower()) or [""])[0] for t in group["text"]])
        top.append(words.value_counts(normalize=True).iloc[0])
        distinct.append(distinct_starts(group["text"]))
    return float(np.mean(top)), float(np.mean(distinct))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="tweets", choices=list(gb.CORPORA))
    p.add_argument("--seed", type=int, default=0, help="the benchmark's split seed")
    p.add_argument("--draws", type=int, default=2)
    p.add_argument("--guidance-scales", nargs="+", type=float, default=[1.0, 2.0, 3.0, 5.0])
    p.add_argument("--repetition-penalties", nargs="+", type=float, default=[1.0])
    p.add_argument("--per-class", type=int, default=30, help="texts per class and draw")
    p.add_argument("--train-per-class", type=int, default=20,
                   help="real texts per class in the small set (the benchmark's --per-class)")
    p.add_argument("--epochs", type=int, default=None, help="LoRA epochs (default: the "
                   "estimator's)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", type=Path, default=gb.DATA)
    p.add_argument("--out", type=Path, default=None, help="JSON of the sampled texts")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    bench = gb.parse(["--data", str(args.data), "--seed", str(args.seed),
                      "--per-class", str(args.train_per_class)])
    df, label = gb.load_corpus(args.corpus, bench)
    split = gb.split(df, label, bench, args.seed)
    small = split["small"][[label, "text"]]
    name = f"{args.corpus} split {args.seed}"
    top, distinct = first_words(small, label)
    print(f"{name} small set: top first word {top:.2f}, distinct first words {distinct:.2f}, "
          f"repeats {repeats(small['text']):.3f}", flush=True)
    t0 = time.perf_counter()
    epochs = {} if args.epochs is None else {"epochs": args.epochs}
    syn = gb.gpt(bench, finetune="lora", verbose=0, **epochs).fit(small)
    print(f"{name}: fitted in {time.perf_counter() - t0:.0f} s", flush=True)
    seeds = gb.conditions_frame(small, label, args.per_class)
    texts = {}
    for scale, penalty in itertools.product(args.guidance_scales, args.repetition_penalties):
        syn.set_params(guidance_scale=scale, repetition_penalty=penalty)
        setting = f"guidance_scale={scale:g} repetition_penalty={penalty:g}"
        rows = []
        for draw in range(args.draws):
            t0 = time.perf_counter()
            out = gb.sample_rows(syn, seeds, random_state=draw)[[label, "text"]].dropna()
            seconds = time.perf_counter() - t0
            fid = label_fidelity(out, split["judge"], split["test"], text_column="text",
                                 label_column=label)["ratio"]
            gain = gb.augmentation(out, split, label, bench)["gain"]
            rows.append([fid, gain, *first_words(out, label), distinct_n(out["text"], 2),
                         repeats(out["text"]), len(out) / seconds])
            texts[f"{setting} draw={draw}"] = out.values.tolist()
            print(f"{name} {setting} draw {draw}: " + _row(rows[-1]), flush=True)
        print(f"{name} {setting} mean: " + _row(np.mean(rows, axis=0)), flush=True)
    if args.out:
        args.out.write_text(json.dumps(texts, indent=0))


def _row(r) -> str:
    return (f"fidelity / real {r[0]:.3f}, gain {r[1]:+.3f}, top first word {r[2]:.2f}, "
            f"distinct first words {r[3]:.2f}, distinct-2 {r[4]:.3f}, repeats {r[5]:.3f}, "
            f"{r[6]:.2f} texts/s")


if __name__ == "__main__":
    main()
