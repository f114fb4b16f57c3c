"""Does the fitted model's own label score predict the judge's verdict on its texts?

Run by hand, not in CI: ``python benchmarks/gpt_self_score.py CORPUS SEED`` (one thread).
GPT-LoRA at its defaults is fitted on one split's small set of ``gpt_benchmark.py`` and
samples 30 texts per class twice (``random_state`` 0, 1). Each text is scored by the fitted
model itself, teacher-forced: ``log p(text | label<sep>)`` for every class and ``log p(text |
<sep>)`` without a label; PMI is its label's score less the label-free one, the margin its
label's score less the best other label's. Printed: the judge's accuracy on the texts (as
label fidelity counts it), how often the model's own Bayes classifier picks the conditioning
label, and the judge's accuracy on the texts left after dropping the lowest 10-30 % by PMI or
by margin -- what a filter on the model's own score would give (docs/benchmarks.md, GPT ninth
pass).
"""
import sys
from pathlib import Path

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).parent))
import gpt_benchmark as gb  # noqa: E402

from skgen.text._synthesizer import _runtime_of  # noqa: E402
from skgen.text._train import token_nll  # noqa: E402
from skgen.validators._label import default_text_classifier  # noqa: E402


@torch.no_grad()
def log_prob(runtime, model, prefix: str, text: str) -> float:
    """``log p(text + "\\n" | prefix)`` under the model, teacher-forced."""
    head = runtime.bos + (runtime.tokenize([prefix])[0] if prefix else [])
    ids = torch.tensor([head + runtime.tokenize([text + "\n"])[0]])
    nll, _ = token_nll(model, ids, torch.ones_like(ids))
    return -nll[0, len(head) - 1:].sum().item()  # the text's tokens, after the head


def main() -> None:
    torch.set_num_threads(1)
    corpus, seed = sys.argv[1], int(sys.argv[2])
    args = gb.parse(["--seed", str(seed)])
    df, label = gb.load_corpus(corpus, args)
    split = gb.split(df, label, args, seed)
    small = split["small"]
    judge = default_text_classifier().fit(split["judge"]["text"], split["judge"][label])
    syn = gb.gpt(args, finetune="lora", verbose=0).fit(small[[label, "text"]])
    seeds = gb.conditions_frame(small, label, 30)
    out = pd.concat([gb.sample_rows(syn, seeds, random_state=d).dropna() for d in range(2)],
                    ignore_index=True)
    runtime = _runtime_of(syn)
    model = runtime.sampling_model(syn.sampling_precision)
    classes = sorted(small[label].unique())
    records = []
    for lab, text in zip(out[label], out["text"], strict=True):
        scores = {c: log_prob(runtime, model, f"{c}{syn.separator_}", text) for c in classes}
        free = log_prob(runtime, model, syn.separator_, text)
        records.append({"pmi": scores[lab] - free,
                        "margin": scores[lab] - max(v for c, v in scores.items() if c != lab),
                        "own": max(scores, key=scores.get) == lab})
    r = pd.DataFrame(records)
    r["judge"] = judge.predict(out["text"]) == out[label].to_numpy()
    print(f"{corpus} split {seed}: {len(r)} texts; judge accuracy {r.judge.mean():.3f}; the "
          f"model's own classifier picks the label of {r.own.mean():.1%} (judge accuracy "
          f"{r.judge[r.own].mean():.3f} on those, {r.judge[~r.own].mean():.3f} on the rest); "
          f"PMI < 0: {(r.pmi < 0).mean():.1%}")
    for q in (0.1, 0.2, 0.3):
        by_pmi = r.judge[r.pmi > r.pmi.quantile(q)].mean()
        by_margin = r.judge[r.margin > r.margin.quantile(q)].mean()
        print(f"  dropping the lowest {q:.0%}: judge accuracy {by_pmi:.3f} by PMI, "
              f"{by_margin:.3f} by margin")


if __name__ == "__main__":
    main()
