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

With classifier-free guidance (``guidance_scale`` > 1, Sanchez et al. 2023)
each prompt comes with a negative prompt (the same line without what
conditions it); both rows run in the same batch and KV cache, are fed the same
sampled token, and the token is drawn from ``uncond + guidance_scale * (cond -
uncond)`` of their logits (transformers' ``ClassifierFreeGuidanceLogitsProcessor``)
before temperature, top-k and top-p, as in ``transformers``' ``generate``.
A ``repetition_penalty`` other than 1 (CTRL's, Keskar et al. 2019) then lowers
the scores of the tokens the completion already holds, on log-probabilities
(the guided scores, or the model's log-softmax unguided) so that it means the
same with and without guidance. Last, unless ``guide_line_end``, the line's
end gets back the prompted row's own probability (the other tokens share the
rest in their guided proportions), since guidance toward a label pushed
completions past the longest training text.

With :class:`TextBounds` (what the estimator's fitted character-set and
string-length validators accept of a text), a row that is writing its text
(from the start when its prompt fixes every label, else once it has written
the separators of the labels left free) never draws a token holding a
character absent from the training texts, cannot end its line before the
shortest training text's length, and is cut off (leaves the batch, not
ended) once it is longer than the longest: the sampler spends no steps on
completions the validators must reject (constrained decoding: the masked
tokens get zero probability before top-k and top-p). Tokens are read as the
bytes they write, so a character split over several tokens (an emoji, in a
byte-level vocabulary) counts once, when its first byte is written, and its
bytes are kept to those of seen characters: each row carries the bytes of a
character it has started and not finished, and then may draw only the tokens
that continue it.

References
----------
.. [1] Holtzman, A., Buys, J., Du, L., Forbes, M., & Choi, Y. (2020). The
   Curious Case of Neural Text Degeneration. *ICLR 2020*.
.. [2] Sanchez, G., Fan, H., Spangher, A., Levi, E., Ammanamanchi, P. S., &
   Biderman, S. (2023). Stay on Topic with Classifier-Free Guidance.
   arXiv:2306.17806.
.. [3] Keskar, N. S., McCann, B., Varshney, L. R., Xiong, C., & Socher, R.
   (2019). CTRL: A Conditional Transformer Language Model for Controllable
   Generation. arXiv:1909.05858.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace

import torch


@dataclass(frozen=True)
class SamplingConfig:
    """How completions are drawn."""

    max_new_tokens: int
    temperature: float
    top_p: float
    top_k: int | None
    batch_size: int
    guidance_scale: float = 1.0
    repetition_penalty: float = 1.0
    guide_line_end: bool = False  # True: the line's end guided too (False: the prompt's)


@dataclass(frozen=True)
class TextBounds:
    """What the fitted validators accept of a text, per token of the vocabulary.

    Attributes
    ----------
    banned : torch.Tensor of bool, shape (vocab_size,)
        Tokens holding a character never seen in the training texts (before
        their line break, for tokens that end a line), and special tokens other
        than end-of-sequence.
    chars : torch.Tensor of int64, shape (vocab_size,)
        Characters each token adds to the text (up to its line break; 0 for
        special tokens): its bytes that start a character, so that a character
        split over several tokens counts once.
    min_chars : int
        Shortest text the validators accept, in characters.
    max_chars : int
        Longest text the validators accept, in characters.
    separators : torch.Tensor of int64, shape (vocab_size,)
        Separators of the line format each token holds (before its line break).
    after : torch.Tensor of int64, shape (vocab_size,)
        Characters a token holds after its last separator: the start of the
        text when that separator is the last label's.
    partial : mapping of int to bytes, default={}
        Tokens holding only part of a character (UTF-8 bytes that do not decode
        alone), with their bytes before a line break. Where a vocabulary has
        them, ``banned`` is what a row may draw between characters.
    allowed : set of str, default=frozenset()
        Characters of the training texts (with ``partial``).
    """

    banned: torch.Tensor
    chars: torch.Tensor
    min_chars: int
    max_chars: int
    separators: torch.Tensor
    after: torch.Tensor
    partial: Mapping[int, bytes] = field(default_factory=dict)
    allowed: Set[str] = frozenset()
    _banned_after: dict[bytes, torch.Tensor] = field(default_factory=dict, init=False,
                                                     compare=False, repr=False)

    def banned_after(self, started: bytes, stop: torch.Tensor) -> torch.Tensor:
        """Tokens a row may not draw after the bytes ``started`` of a character it has not
        finished: all but the partial tokens that continue it with seen characters."""
        if started not in self._banned_after:  # a few such states; built once each
            ban, ends = torch.ones(len(self.banned), dtype=torch.bool), stop.cpu()
            for i, data in self.partial.items():
                ban[i] = continue_text(started, data, bool(ends[i]), self.allowed) is None
            self._banned_after[started] = ban.to(self.banned.device)
        return self._banned_after[started]


#: Bytes a batch's keys, values and prompt attention weights may take; longer prompts
#: (few-shot) make smaller batches (see :func:`rows_per_batch`).
BATCH_MEMORY_BYTES = 2**30


def rows_per_batch(model: torch.nn.Module, longest: int, rows_per_prompt: int, most: int,
                   budget: int | None = None) -> int:
    """Prompts per batch, at most ``most``, whose memory stays within ``budget`` bytes
    (``None``: :data:`BATCH_MEMORY_BYTES`).

    A row of ``longest`` tokens (prompt plus completion) holds its keys and values in
    every layer (``2 * layers * kv_heads * head_dim`` numbers per token) and, while the
    prompt is read, one attention weight per head and pair of positions; each prompt
    takes ``rows_per_prompt`` rows (2 with guidance). At least one prompt per batch.
    """
    config = model.config
    heads = config.num_attention_heads
    kv_heads = getattr(config, "num_key_value_heads", None) or heads
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // heads
    # 4 bytes: float32 keys, values and attention (the int8 sampler keeps them in float);
    # kept for bfloat16: few-shot runs that sized batches at 2 bytes peaked up to 1.4 GiB higher
    size = 4
    per_row = size * longest * (2 * config.num_hidden_layers * kv_heads * head_dim
                                + heads * longest)
    budget = BATCH_MEMORY_BYTES if budget is None else budget
    return max(1, min(most, budget // (per_row * rows_per_prompt)))


def utf8_prefix(data: bytes) -> tuple[str, bytes] | None:
    """``data`` read as UTF-8 text whose last character may be unfinished: its whole
    characters and the bytes of the unfinished one (``b""`` when none); ``None`` when
    ``data`` is not the start of UTF-8 text."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None
    return text, decoder.getstate()[0]


def continue_text(started: bytes, data: bytes, ends_line: bool, allowed: Set[str]
                  ) -> bytes | None:
    """The unfinished character's bytes once a token of bytes ``data`` (before its
    line break) follows ``started``; ``None`` when that writes a character not in
    ``allowed``, bytes that no character of ``allowed`` starts with, or ends the line
    inside a character."""
    read = utf8_prefix(started + data)
    if read is None or not set(read[0]) <= allowed:
        return None
    rest = read[1]
    if rest and (ends_line or not any(c.encode()[:len(rest)] == rest and len(c.encode())
                                      > len(rest) for c in allowed if ord(c) > 127)):
        return None
    return rest


def draw_tokens(logits: torch.Tensor, temperature: float, top_p: float, top_k: int | None,
                generator: torch.Generator) -> torch.Tensor:
    """One token per row of ``(batch, vocab)`` logits: temperature, then top-k, then top-p.

    The nucleus is found among the ``top_k`` largest logits only (sorted once by
    ``topk``), and the draw is made among them, rather than sorting and sampling
    the whole vocabulary at every step; the distribution is the same.
    """
    logits = logits.float() / temperature
    vocab = logits.shape[-1]
    if top_k is not None and 0 < top_k < vocab:
        values, order = torch.topk(logits, top_k, dim=-1)  # sorted, largest first
    elif top_p < 1.0:
        values, order = torch.sort(logits, descending=True, dim=-1)
    else:
        return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(1)
    if top_p < 1.0:
        probs = torch.softmax(values, dim=-1)
        drop = probs.cumsum(dim=-1) - probs >= top_p  # keeps the first token
        values = values.masked_fill(drop, float("-inf"))
    pick = torch.multinomial(torch.softmax(values, -1), 1, generator=generator)
    return order.gather(-1, pick).squeeze(1)


@torch.no_grad()
def complete(model: torch.nn.Module, prompts: Sequence[Sequence[int]], *, pad_id: int,
             stop: torch.Tensor, cfg: SamplingConfig, generator: torch.Generator,
             device: torch.device, negative_prompts: Sequence[Sequence[int]] | None = None,
             bounds: TextBounds | None = None, text_chars: Sequence[int] | None = None,
             labels_left: Sequence[int] | None = None) -> list[tuple[list[int], bool]]:
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
    negative_prompts : sequence of sequence of int or None, default=None
        With ``cfg.guidance_scale`` > 1, one per prompt: the unconditional
        context of classifier-free guidance (not empty). Ignored at 1.
    bounds : TextBounds or None, default=None
        Lengths and characters the texts must keep to; ``None``: no bounds.
    text_chars : sequence of int or None, default=None
        With ``bounds``, one per prompt: the characters of text the prompt
        already holds (a start string; 0 when its text starts with the
        completion).
    labels_left : sequence of int or None, default=None
        With ``bounds``, one per prompt: the separators its completion writes
        before the text (one per label the prompt leaves free; ``None``: 0).
        The row is bounded once it has written them.

    Returns
    -------
    list of (list of int, bool)
        Per prompt, the generated ids (the stop token included) and whether
        the line ended (``False``: cut off at ``max_new_tokens``).
    """
    guided = cfg.guidance_scale != 1.0 and negative_prompts is not None
    if guided and len(negative_prompts) != len(prompts):
        raise ValueError(f"{len(negative_prompts)} negative prompts for {len(prompts)} prompts")
    if bounds is not None and (text_chars is None or len(text_chars) != len(prompts)):
        raise ValueError("bounds need text_chars, one per prompt")
    if bounds is not None and labels_left is None:
        labels_left = [0] * len(prompts)
    out: list[tuple[list[int], bool]] = []
    for start in range(0, len(prompts), cfg.batch_size):
        stop_at = start + cfg.batch_size
        out.extend(_complete_batch(model, prompts[start:stop_at],
                                   negative_prompts[start:stop_at] if guided else None, pad_id,
                                   stop, cfg, generator, device, bounds,
                                   None if bounds is None else text_chars[start:stop_at],
                                   None if bounds is None else labels_left[start:stop_at]))
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


def _bounded_logits(logits: torch.Tensor, bounds: TextBounds, stop: torch.Tensor,
                    written: torch.Tensor, bounded: torch.Tensor, started: list[bytes]
                    ) -> torch.Tensor:
    """``logits`` of the bounded rows with the tokens the bounds forbid at -inf: unseen
    characters, anything but the rest of a character a row has ``started`` (its bytes),
    and ending the line while the text is shorter than ``min_chars``."""
    ban = bounds.banned[None, :]
    if any(started):
        ban = torch.stack([bounds.banned_after(b, stop) if b else bounds.banned
                           for b in started])
    if bounds.min_chars > 0:
        ban = ban | (stop[None, :] & (written[:, None] + bounds.chars[None, :] < bounds.min_chars))
    return logits.masked_fill(ban & bounded[:, None], float("-inf"))


def _line_end_of(cond: torch.Tensor, guided: torch.Tensor, stop: torch.Tensor
                 ) -> torch.Tensor:
    """Log-probabilities whose line end is the conditional model's and whose other
    tokens share the rest as the ``guided`` scores do."""
    guided = guided.log_softmax(-1)
    end = torch.logsumexp(cond[:, stop], -1, keepdim=True).clamp(max=0.0)
    rest = torch.logsumexp(guided[:, ~stop], -1, keepdim=True)
    return torch.where(stop[None, :], cond, guided - rest + torch.log1p(-end.exp()))


def _complete_batch(model, prompts, negatives, pad_id, stop, cfg, generator, device,
                    bounds=None, text_chars=None, labels_left=None):
    cache_name, last_only = _forward_arguments(model)
    n = len(prompts)
    rows = list(prompts) + list(negatives or [])  # guided: row i + n is prompt i's negative
    guide = None
    if negatives is not None:
        from transformers.generation.logits_process import ClassifierFreeGuidanceLogitsProcessor

        guide = ClassifierFreeGuidanceLogitsProcessor(cfg.guidance_scale)
    penalty = None
    if cfg.repetition_penalty != 1.0:
        from transformers.generation.logits_process import RepetitionPenaltyLogitsProcessor

        penalty = RepetitionPenaltyLogitsProcessor(cfg.repetition_penalty)
    width = max(len(p) for p in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, p in enumerate(rows):
        ids[i, width - len(p):] = torch.as_tensor(list(p), dtype=torch.long)
        mask[i, width - len(p):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    result = model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                   **last_only)
    past, logits = getattr(result, cache_name), result.logits[:, -1, :].float()
    stop = stop.to(device)
    if bounds is not None:  # per row: characters of text, separators still to write
        chars = torch.tensor(list(text_chars), dtype=torch.long, device=device)
        pending = torch.tensor(list(labels_left), dtype=torch.long, device=device)
        if bounds.banned.device != device:
            bounds = replace(bounds, banned=bounds.banned.to(device),
                             chars=bounds.chars.to(device),
                             separators=bounds.separators.to(device),
                             after=bounds.after.to(device))
        started = [b""] * n  # per batch row: bytes of a character begun, not finished
    written: list[list[int]] = [[] for _ in range(n)]
    ended = [False] * n
    active = list(range(n))  # batch row -> prompt; finished rows leave the batch
    last_pos = positions[:, -1:]
    own_line_end = guide is not None and not cfg.guide_line_end
    for _ in range(cfg.max_new_tokens):
        if own_line_end:  # the prompted rows' law, before guidance replaces it
            cond = logits[:len(active)].log_softmax(-1)
        if guide is not None:  # the processor checks that input_ids has the prompts' rows
            logits = guide(torch.empty((len(active), 0), dtype=torch.long), logits)
        if penalty is not None and written[active[0]]:  # on log-probabilities, as guided
            so_far = torch.tensor([written[i] for i in active], device=device)  # equal lengths
            logits = penalty(so_far, logits if guide is not None else logits.log_softmax(-1))
        if own_line_end:
            logits = _line_end_of(cond, logits, stop)
        if bounds is not None:  # rows still writing labels are free
            logits = _bounded_logits(logits, bounds, stop, chars, pending == 0, started)
        token = draw_tokens(logits, cfg.temperature, cfg.top_p, cfg.top_k, generator)
        done, drawn = stop[token], token.tolist()
        for row, (t, d) in enumerate(zip(drawn, done.tolist(), strict=True)):
            written[active[row]].append(t)
            ended[active[row]] = d
        leave = done
        if bounds is not None:  # longer than any text the validators accept: cut off now
            in_text = pending == 0
            for row, (t, bounded) in enumerate(zip(drawn, in_text.tolist(), strict=True)):
                if bounded and (started[row] or t in bounds.partial):
                    started[row] = continue_text(started[row], bounds.partial.get(t, b""),
                                                 False, bounds.allowed) or b""
            pending = pending - bounds.separators[token]
            chars = torch.where(in_text, chars + bounds.chars[token],
                                torch.where(pending <= 0, bounds.after[token], chars))
            pending = pending.clamp(min=0)
            leave = done | ((pending == 0) & (chars > bounds.max_chars))
        if bool(leave.all()):
            break
        if bool(leave.any()):  # drop finished rows from the batch and from the KV cache
            keep = torch.nonzero(~leave).squeeze(1)
            token = token[keep]
            if bounds is not None:
                chars, pending = chars[keep], pending[keep]
                started = [started[i] for i in keep.tolist()]
            if guide is not None:  # and their negative rows
                keep = torch.cat([keep, keep + len(active)])
            past.batch_select_indices(keep)
            mask, last_pos = mask[keep], last_pos[keep]
            active = [active[i] for i in keep[:len(token)].tolist()]
        if guide is not None:  # a negative row reads the token its prompt's row drew
            token = torch.cat([token, token])
        mask = torch.cat([mask, torch.ones((len(token), 1), dtype=mask.dtype, device=device)],
                         dim=1)
        last_pos = last_pos + 1
        result = model(input_ids=token[:, None], attention_mask=mask, position_ids=last_pos,
                       use_cache=True, **{cache_name: past})
        past, logits = getattr(result, cache_name), result.logits[:, -1, :].float()
    return list(zip(written, ended, strict=True))


__all__ = ["BATCH_MEMORY_BYTES", "SamplingConfig", "TextBounds", "complete", "continue_text",
           "draw_tokens", "rows_per_batch", "utf8_prefix"]
