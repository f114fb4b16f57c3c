"""Lengths and line breaks of GPT-LoRA texts against the real ones, per ``maximum_text_length``.

Run by hand, not in CI. One split of a corpus of ``gpt_benchmark.py`` (the same options
decide it: ``--keep-line-breaks``, ``--max-chars``, ``--seed``); GPT-LoRA at its defaults is
fitted once on the small set and sampled ``--draws`` times (``random_state`` 0, 1, ...) with
each ``--maximum-text-lengths`` value (``none`` for the default), 30 texts per class. Printed
per draw: texts per second, characters (mean, median, 90th percentile, max), the share over
100 tokens and the share holding a line break, beside the small set's own.

Command (docs/benchmarks.md, GPT ninth pass)::

    taskset -c 1 env OMP_NUM_THREADS=1 python benchmarks/gpt_text_lengths.py \
        --keep-line-breaks --max-chars 1000 --seed 0 --maximum-text-lengths none 100
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
import gpt_benchmark as gb  # noqa: E402

from skgen.text._synthesizer import _runtime_of  # noqa: E402


def describe(texts: pd.Series, tokenize) -> str:
    chars = texts.str.len()
    tokens = np.array([len(ids) for ids in tokenize(texts.tolist())])
    return (f"characters mean {chars.mean():.0f} median {chars.median():.0f} "
            f"p90 {chars.quantile(0.9):.0f} max {chars.max()}; over 100 tokens "
            f"{np.mean(tokens > 100):.1%}; with a line break "
            f"{texts.str.contains(chr(10), regex=False).mean():.0%}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", default="fortunes", choices=list(gb.CORPORA))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-chars", type=int, default=1000)
    p.add_argument("--keep-line-breaks", action="store_true")
    p.add_argument("--maximum-text-lengths", nargs="+", default=["none", "100"])
    p.add_argument("--draws", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", type=Path, default=gb.DATA)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    bench = gb.parse(["--data", str(args.data), "--seed", str(args.seed), "--max-chars",
                      str(args.max_chars)] + (["--keep-line-breaks"] if args.keep_line_breaks
                                              else []))
    df, label = gb.load_corpus(args.corpus, bench)
    small = gb.split(df, label, bench, args.seed)["small"]
    seeds = gb.conditions_frame(small, label, 30)
    syn = gb.gpt(bench, finetune="lora", verbose=0).fit(small[[label, "text"]])
    tokenize = _runtime_of(syn).tokenize
    print(f"{args.corpus} split {args.seed}, small set: {describe(small['text'], tokenize)}; "
          f"maximum_text_length_ = {syn.maximum_text_length_}", flush=True)
    for value in args.maximum_text_lengths:
        syn.set_params(maximum_text_length=None if value == "none" else int(value))
        for draw in range(args.draws):
            t0 = time.perf_counter()
            out = gb.sample_rows(syn, seeds, random_state=draw)
            seconds = time.perf_counter() - t0
            print(f"maximum_text_length={value} draw {draw}: {len(out)} texts, "
                  f"{len(out) / seconds:.2f} texts/s; {describe(out['text'].dropna(), tokenize)}",
                  flush=True)


if __name__ == "__main__":
    main()
