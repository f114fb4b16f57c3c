"""Batched sampling of line completions with the KV cache and left padding.

Prompts of different lengths are padded on the left, so that every row's next
token sits in the last column; the attention mask hides the padding and the
position ids count real tokens only. After the prompt is read once, each step
feeds one new token per row and reuses the keys and values of all earlier
positions (the model's KV cache). A row is done when it writes a token holding a
line break or the end-of-sequence token, and then leaves the batch (its rows
of the KV cache are dropped), so a batch costs the sum of its rows' lengths
rather than its longest row times its size; the batch stops when every row
is done or after ``max_new_tokens`` steps (rows not done then are cut off).

Tokens are drawn from the temperature-scaled distribution restricted to the
``top_k`` most likely tokens and to the smallest set whose probability reaches
``top_p`` (nucleus sampling, Holtzman et al. 2020), with a ``torch.Generator``
of its own, so that the global torch random state is never used.

References
----------
.. [1] Holtzman, A., Buys, J., Du, L., Forbes, M., & Choi, Y. (2020). The
   Curious Case of Neural Text Degeneration. *ICLR 2020*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class SamplingConfig:
    """How completions are drawn."""

    max_new_tokens: int
    temperature: float
    top_p: float
    top_k: int | None
    batch_size: int


def filter_logits(logits: torch.Tensor, temperature: float, top_p: float,
                  top_k: int | None) -> torch.Tensor:
    """Temperature, top-k and top-p applied to a ``(batch, vocab)`` float tensor."""
    logits = logits.float() / temperature
    if top_k is not None and 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
        cum = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
        drop = cum - torch.softmax(sorted_logits, dim=-1) >= top_p  # keeps the first token
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return logits


@torch.no_grad()
def complete(model: torch.nn.Module, prompts: Sequence[Sequence[int]], *, pad_id: int,
             stop: torch.Tensor, cfg: SamplingConfig, generator: torch.Generator,
             device: torch.device) -> list[tuple[list[int], bool]]:
    """Sample one completion per prompt.

    Parameters
    ----------
    model : torch.nn.Module
        A causal language model (``transformers`` interface), in eval mode.
    prompts : sequence of sequence of int
        Token ids of each prompt (not empty).
    pad_id : int
        Token id written in the padding (masked out).
    stop : torch.Tensor of bool, shape (vocab_size,)
        Tokens that end a line (a line break inside, or end-of-sequence).
    cfg : SamplingConfig
    generator : torch.Generator
        Random source on ``device``.
    device : torch.device

    Returns
    -------
    list of (list of int, bool)
        Per prompt, the generated ids (the stop token included) and whether
        the line ended (``False``: cut off at ``max_new_tokens``).
    """
    out: list[tuple[list[int], bool]] = []
    for start in range(0, len(prompts), cfg.batch_size):
        out.extend(_complete_batch(model, prompts[start:start + cfg.batch_size], pad_id, stop,
                                   cfg, generator, device))
    return out


def _forward_arguments(model: torch.nn.Module) -> tuple[str, dict]:
    """The KV cache's name in ``forward`` and its output (``cache`` from transformers 5.x,
    ``past_key_values`` before), and the argument that limits the logits computed for the
    prompt to its last position, where the model offers it."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    params = inspect.signature(base.forward).parameters
    last_only = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
    return ("cache" if "cache" in params else "past_key_values"), last_only


def _complete_batch(model, prompts, pad_id, stop, cfg, generator, device):
    cache_name, last_only = _forward_arguments(model)
    n, width = len(prompts), max(len(p) for p in prompts)
    ids = torch.full((n, width), pad_id, dtype=torch.long)
    mask = torch.zeros((n, width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.as_tensor(list(p), dtype=torch.long)
        mask[i, width - len(p):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    result = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                   **last_only)
    past, logits = getattr(result, cache_name), result.logits[:, -1, :]
    stop = stop.to(device)
    written: list[list[int]] = [[] for _ in range(n)]
    ended = [False] * n
    active = list(range(n))  # batch row -> prompt; finished rows leave the batch
    last_pos = positions[:, -1:]
    for _ in range(cfg.max_new_tokens):
        probs = torch.softmax(filter_logits(logits, cfg.temperature, cfg.top_p, cfg.top_k), -1)
        token = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        done = stop[token]
        for row, (t, d) in enumerate(zip(token.tolist(), done.tolist(), strict=True)):
            written[active[row]].append(t)
            ended[active[row]] = d
        if bool(done.all()):
            break
        if bool(done.any()):  # drop finished rows from the batch and from the KV cache
            keep = torch.nonzero(~done).squeeze(1)
            past.batch_select_indices(keep)
            mask, last_pos, token = mask[keep], last_pos[keep], token[keep]
            active = [active[i] for i in keep.tolist()]
        mask = torch.cat([mask, torch.ones((len(active), 1), dtype=mask.dtype, device=device)],
                         dim=1)
        last_pos = last_pos + 1
        result = model(input_ids=token[:, None], attention_mask=mask, position_ids=last_pos,
                       use_cache=True, **{cache_name: past})
        past, logits = getattr(result, cache_name), result.logits[:, -1, :]
    return list(zip(written, ended, strict=True))


__all__ = ["SamplingConfig", "complete", "filter_logits"]
