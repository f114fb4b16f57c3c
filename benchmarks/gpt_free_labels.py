"""GPTTextSynthesizer with labels left free: unconditioned ``sample(n)``, and a condition
on a second label column alone.

Fits the default GPT-LoRA model on the benchmark's small set (split 0: 20 real texts per
class) and samples 30 texts without conditions, counting the completions proposed (each
parsed line) and the labels written. With ``--second-label`` (tweets), the small set gets
a second label, ``opinion`` (``"no"`` for neutral tweets, ``"yes"`` otherwise), and 40 texts
are asked for each opinion alone: the sentiments written beside it show how well the
labels' joint is kept. With ``--no-labels`` the model is fitted on the texts alone and 60 texts
are sampled, counting those that begin with a stray mark (``- , ' +``, a space, ``. ; :``).

    SKGEN_SHARED_DATA=/work/shared/data taskset -c 0 env OMP_NUM_THREADS=1 \
        python benchmarks/gpt_free_labels.py tweets --second-label
    ... python benchmarks/gpt_free_labels.py tweets --no-labels

Results: ``benchmarks/results/gpt_free_labels.txt``; read in docs/benchmarks.md (GPT
section, tenth pass).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
import gpt_benchmark as gb  # noqa: E402

from skgen import GPTTextSynthesizer  # noqa: E402
from skgen.exceptions import TooManyInvalidError  # noqa: E402
from skgen.text import _format  # noqa: E402


def sample_counted(syn: GPTTextSynthesizer, label: str, n: int, **kw) -> str:
    """One ``sample`` call: the time, completions proposed and labels written."""
    lines: list[str] = []
    parse = _format.parse_line

    def counted(line, *args, **kwargs):
        lines.append(line)
        return parse(line, *args, **kwargs)

    _format.parse_line = counted
    t0 = time.perf_counter()
    try:
        out = syn.sample(n, **kw)
        got = f"{len(out)} of {n} texts"
    except TooManyInvalidError as err:
        out = err.partial
        got = f"TooManyInvalidError, {len(out.dropna())} of {n} texts"
    finally:
        _format.parse_line = parse
    seconds = time.perf_counter() - t0
    counts = out[label].value_counts().to_dict() if len(out) else {}
    return (f"{got} in {seconds:.1f} s from {len(lines)} completions; {label}: {counts}; "
            f"first completions: {lines[:3]}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("corpus", choices=list(gb.CORPORA))
    p.add_argument("--second-label", action="store_true")
    p.add_argument("--no-labels", action="store_true")
    p.add_argument("--data", type=Path, default=gb.DATA)
    p.add_argument("--threads", type=int, default=1)
    cli = p.parse_args()
    warnings.simplefilter("ignore")
    torch.set_num_threads(cli.threads)
    args = gb.parse(["--data", str(cli.data)])  # the benchmark's sets, split 0
    df, label = gb.load_corpus(cli.corpus, args)
    small = gb.split(df, label, args, 0)["small"]
    common = {"text_column": "text", "random_state": 0, "data_checks": "skip",
              "max_invalid": 300}
    if cli.no_labels:
        syn = GPTTextSynthesizer(**common).fit(small["text"])
        t0 = time.perf_counter()
        out = syn.sample(60, random_state=1)
        seconds = time.perf_counter() - t0

        def stray(texts):
            return texts.str.match(r"^[-,'+ .;:]").mean()

        print(f"{cli.corpus}, no labels: 60 texts in {seconds:.1f} s; starting with a stray "
              f"mark: {stray(out['text']):.0%} (real training texts {stray(small['text']):.0%});"
              f" first five: {out['text'].head(5).tolist()}", flush=True)
        return
    syn = GPTTextSynthesizer(**common).fit(small)
    print(f"{cli.corpus}, labels free: {sample_counted(syn, label, 30, random_state=1)}",
          flush=True)
    if cli.second_label:
        two = small.assign(opinion=np.where(small[label] == "neutral", "no", "yes"))
        syn = GPTTextSynthesizer(**common).fit(two[[label, "opinion", "text"]])
        for opinion in ("yes", "no"):
            got = sample_counted(syn, label, 40, conditions={"opinion": opinion},
                                 random_state=0)
            print(f"{cli.corpus}, opinion={opinion} alone: {got}", flush=True)


if __name__ == "__main__":
    main()
