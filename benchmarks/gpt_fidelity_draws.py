"""Label fidelity of one fitted GPT-LoRA model over several sampling draws (issue 10).

One draw of 30 texts per class is noisy (one standard deviation about 0.03-0.10 of
fidelity / real on the tweets), so comparing samplers on single draws misleads. This
script makes the benchmark's split of a corpus (``gpt_benchmark.py``'s, same
``--seed``), fine-tunes ``GPTTextSynthesizer`` at its defaults on the small set (20
real texts per class) once, then samples it ``--draws`` times (``random_state`` 0,
1, ...) under each ``--variants`` of the sampler and prints label fidelity / real per
draw, its mean and standard deviation, and texts/s inside the sampling loop::

    python benchmarks/gpt_fidelity_draws.py --corpus tweets --seed 0 --draws 4 \
        --variants none cutoff bounds
    python benchmarks/gpt_fidelity_draws.py --corpus tweets --seed 1 --guidance-scales 3 5

Variants: ``bounds`` (the sampler as shipped: texts kept to the fitted character-set and
string-length validators), ``cutoff`` (only the cut-off of texts longer than the longest
training text), ``none`` (no bounds: the sampler before them, with the top-k draw). The
two last patch ``skgen.text._synthesizer._Runtime.text_bounds`` for the run. Each draw
also prints the texts' mean length in characters (the small set's own at the start).
``--guidance-scales`` samples the same model at each ``guidance_scale`` too, with the
same draws (matched ``random_state``). ``--separators '|' , '\\t'`` fits a model per
separator of the line format (same split, seed and draws).
Figures in docs/benchmarks.md (GPT section).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
import gpt_benchmark as gb  # noqa: E402

from skgen.metrics import label_fidelity  # noqa: E402
from skgen.text import _synthesizer  # noqa: E402


def _variant_bounds(name: str):
    original = _synthesizer._Runtime.text_bounds

    def bounds(self, validators, text_column, separator, line_break=None):
        b = original(self, validators, text_column, separator, line_break)
        if b is None or name == "bounds":
            return b
        if name == "none":
            return None
        return dataclasses.replace(b, banned=torch.zeros_like(b.banned), min_chars=0)

    return bounds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="tweets", choices=list(gb.CORPORA))
    p.add_argument("--seed", type=int, default=0, help="the benchmark's split seed")
    p.add_argument("--draws", type=int, default=4)
    p.add_argument("--variants", nargs="+", default=["bounds"],
                   choices=["bounds", "cutoff", "none"])
    p.add_argument("--guidance-scales", nargs="+", type=float, default=[3.0])
    p.add_argument("--per-class", type=int, default=30, help="texts per class and draw")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", type=Path, default=gb.DATA)
    p.add_argument("--separators", nargs="+", default=[None],
                   help="fit once per separator (escapes such as \\t read; default: the "
                        "estimator's choice)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    bench = gb.parse(["--data", str(args.data), "--seed", str(args.seed)])
    df, label = gb.load_corpus(args.corpus, bench)
    split = gb.split(df, label, bench, args.seed)
    seeds = gb.conditions_frame(split["small"], label, args.per_class)
    print(f"{args.corpus} split {args.seed}: small set's mean length "
          f"{split['small']['text'].str.len().mean():.1f} characters", flush=True)
    original = _synthesizer._Runtime.text_bounds
    for separator, variant, scale in [(sep, v, g) for sep in args.separators
                                      for v in args.variants for g in args.guidance_scales]:
        sep = None if separator is None else separator.encode().decode("unicode_escape")
        if variant == args.variants[0] and scale == args.guidance_scales[0]:  # fit anew
            syn = gb.gpt(bench, finetune="lora", verbose=0, separator=sep).fit(
                split["small"][[label, "text"]])
        _synthesizer._Runtime.text_bounds = _variant_bounds(variant)
        syn.set_params(guidance_scale=scale)
        name = f"{variant} guidance_scale={scale:g} separator={syn.separator_!r}"
        ratios, speeds = [], []
        for draw in range(args.draws):
            t0 = time.perf_counter()
            out = gb.sample_rows(syn, seeds, random_state=draw)
            dt = time.perf_counter() - t0
            f = label_fidelity(out[[label, "text"]].dropna(), split["judge"], split["test"],
                               text_column="text", label_column=label)
            ratios.append(f["ratio"])
            speeds.append(len(out) / dt)
            print(f"{args.corpus} split {args.seed} {name} draw {draw}: fidelity / real "
                  f"{f['ratio']:.3f} ({f['synthetic_accuracy']:.3f}), {len(out) / dt:.2f} "
                  f"texts/s, mean length {out['text'].str.len().mean():.1f}", flush=True)
        print(f"{args.corpus} split {args.seed} {name}: mean {np.mean(ratios):.3f} "
              f"sd {np.std(ratios):.3f}, {np.mean(speeds):.2f} texts/s", flush=True)
    _synthesizer._Runtime.text_bounds = original


if __name__ == "__main__":
    main()
