"""Batched, temperature-scaled sampling of lines, with per-row prompts.

``predict_batch_size`` lines are generated at once. Each row of a batch may
have its own prompt (smart seeding: the values of its seed fields, then a
delimiter): the prompts are right-padded and run through the LSTM as packed
sequences, so every row starts sampling from the state after *its own* prompt,
in one forward call per batch. Sampling then advances all rows of the batch by
one token per step; rows that end (newline token, or one delimiter too many)
leave the batch, which shrinks as it goes. Every draw keeps the line format: the
newline cannot come before the last field, the delimiter not inside it, so no
line is lost to a wrong number of fields.

Fixed fields that are not part of a row's prompt because an earlier seed field
is free in that row (seed rows with gaps) are *forced*: when the row reaches
such a field, its tokens are fed instead of sampled ones.

With ``reset_states=False`` (gretel-synthetics' default) each batch slot starts
from the LSTM state its previous line ended with, like one stream of lines;
``reset_states=True`` starts every batch from a zero state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from skgen.lstm._train import pad_sequences


@dataclass
class SampledTokens:
    """Generated token ids (after the prompt, newline excluded) and how lines ended."""

    flat: np.ndarray
    lengths: np.ndarray
    ended: np.ndarray
    bad: np.ndarray
    n_forward: int


def _categorical(logits: torch.Tensor, temperature: float,
                 generator: torch.Generator) -> torch.Tensor:
    """One draw per row from ``softmax(logits / temperature)``, by inverse CDF.

    Exactly categorical sampling, and on the CPU about ten times faster than
    ``torch.multinomial`` for one sample per row.
    """
    cdf = torch.softmax(logits / temperature, dim=-1).cumsum(dim=-1)
    u = torch.rand((logits.shape[0], 1), generator=generator, device=logits.device)
    tok = torch.searchsorted(cdf, u * cdf[:, -1:], right=True)
    return tok.squeeze(1).clamp_(max=logits.shape[-1] - 1)


def _line_format(logits: torch.Tensor, fpos: torch.Tensor, n_fields: int, newline_id: int,
                 delimiter_id: int) -> None:
    """Only lines of ``n_fields`` fields: no newline before the last field, no delimiter in it.

    Sets the two logits to ``-inf`` in place where they would break the line
    format, so the draw is from the model's distribution given a well-formed
    line (no rejected line for a wrong field count).
    """
    last = (fpos >= n_fields - 1)[:, None]
    blocked = torch.tensor(-math.inf, dtype=logits.dtype, device=logits.device)
    nl = logits[:, newline_id:newline_id + 1]
    nl.copy_(torch.where(last, nl, blocked))
    if delimiter_id != newline_id:
        dl = logits[:, delimiter_id:delimiter_id + 1]
        dl.copy_(torch.where(last, blocked, dl))


def _index_state(state: Any, keep: torch.Tensor) -> Any:
    return tuple((h[:, keep], c[:, keep]) for h, c in state)


def sample_tokens(
    net: torch.nn.Module,
    prompt_flat: np.ndarray,
    prompt_len: np.ndarray,
    prompt_fields: np.ndarray,
    *,
    n_fields: int,
    newline_id: int,
    delimiter_id: int,
    forced_tokens: np.ndarray | None,
    forced_len: np.ndarray | None,
    batch_size: int,
    temperature: float,
    max_steps: int,
    reset_states: bool,
    generator: torch.Generator,
    device: torch.device,
) -> SampledTokens:
    """Sample one line per prompt, ``batch_size`` lines at a time.

    Parameters
    ----------
    net : LSTMNetwork
        Trained network, in eval mode, on ``device``.
    prompt_flat : ndarray of shape (total_prompt_tokens,)
        Concatenated prompts, each starting with ``newline_id``.
    prompt_len : ndarray of shape (n_rows,)
        Prompt lengths (at least 1).
    prompt_fields : ndarray of shape (n_rows,)
        Fields each prompt completes (its number of delimiters).
    n_fields : int
        Fields of a line; a delimiter after the last one ends the row as bad.
    newline_id, delimiter_id : int
        Special token ids.
    forced_tokens : ndarray of shape (n_rows, n_fields, width) or None
        Per row and field, token ids to feed instead of sampling (value and
        separator); see :func:`skgen.lstm._tokenizers.field_segments`.
    forced_len : ndarray of shape (n_rows, n_fields) or None
        Lengths of the forced segments; 0 where the field is sampled.
    batch_size : int
        Lines generated in parallel.
    temperature : float
        Logits are divided by it before the softmax.
    max_steps : int
        Most tokens sampled per line.
    reset_states : bool
        Start each batch from a zero state (True) or from the states the
        previous batch's lines ended with (False).
    generator : torch.Generator
        Source of all sampling randomness (on ``device``).
    device : torch.device
        Where to compute.

    Returns
    -------
    SampledTokens
        ``flat``/``lengths``: the tokens after each prompt, newline excluded;
        ``ended``: the line ended with a newline; ``bad``: it produced more
        fields than a line has; ``n_forward``: network calls made.
    """
    n = len(prompt_len)
    starts = np.concatenate([[0], np.cumsum(prompt_len)[:-1]]).astype(np.int64)
    pieces_out: list[np.ndarray] = []
    lengths_out = np.zeros(n, dtype=np.int64)
    ended = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    n_forward = 0
    carry = None
    has_forced = forced_tokens is not None and bool((forced_len > 0).any())
    with torch.inference_mode():
        for lo in range(0, n, batch_size):
            hi = min(lo + batch_size, n)
            b = hi - lo
            lens = prompt_len[lo:hi]
            flat = prompt_flat[starts[lo]:starts[hi - 1] + lens[-1]]
            prompts = torch.as_tensor(pad_sequences(flat, lens, newline_id), device=device)
            state = None
            if carry is not None:
                state = tuple((h[:, :b].contiguous(), c[:, :b].contiguous()) for h, c in carry)
            if (lens == lens[0]).all():
                logits, state = net(prompts, state)
                logits = logits[:, -1]
            else:
                lens_t = torch.as_tensor(lens, device=device)
                logits, state = net(prompts, state, lengths=lens_t)
                logits = logits[torch.arange(b, device=device), lens_t - 1]
            n_forward += 1
            out = torch.full((b, max_steps), newline_id, dtype=torch.int64, device=device)
            gen_len = torch.full((b,), max_steps, dtype=torch.int64, device=device)
            done_nl = torch.zeros(b, dtype=torch.bool, device=device)
            done_bad = torch.zeros(b, dtype=torch.bool, device=device)
            rows = torch.arange(b, device=device)
            fpos = torch.as_tensor(prompt_fields[lo:hi], device=device)
            if has_forced:
                ftok = torch.as_tensor(forced_tokens[lo:hi], device=device)
                flen = torch.as_tensor(forced_len[lo:hi], device=device)
                width = ftok.shape[2]
                fptr = torch.zeros(b, dtype=torch.int64, device=device)
                in_force = flen[rows, fpos.clamp(max=n_fields - 1)] > 0
                in_force &= fpos < n_fields
            final = None
            if not reset_states:
                final = [(torch.zeros_like(h), torch.zeros_like(c)) for h, c in state]
            for t in range(max_steps):
                _line_format(logits, fpos, n_fields, newline_id, delimiter_id)
                tok = _categorical(logits, temperature, generator)
                if has_forced:
                    fp = fpos.clamp(max=n_fields - 1)
                    forced_tok = ftok[rows, fp, fptr.clamp(max=width - 1)]
                    tok = torch.where(in_force, forced_tok, tok)
                    fptr = torch.where(in_force, fptr + 1, fptr)
                    seg_done = in_force & (fptr >= flen[rows, fp])
                    moved = seg_done | (~in_force & (tok == delimiter_id))
                    fpos = fpos + moved.long()
                    fptr = torch.where(seg_done, torch.zeros_like(fptr), fptr)
                    nxt = (flen[rows, fpos.clamp(max=n_fields - 1)] > 0) & (fpos < n_fields)
                    in_force = torch.where(moved, nxt, in_force)
                else:
                    fpos = fpos + (tok == delimiter_id).long()
                out[rows, t] = tok
                is_nl = tok == newline_id
                is_bad = (fpos >= n_fields) & ~is_nl
                done = is_nl | is_bad
                if bool(done.any()):
                    d_rows = rows[done]
                    gen_len[d_rows] = t
                    done_nl[d_rows] = is_nl[done]
                    done_bad[d_rows] = is_bad[done]
                    if final is not None:
                        for (fh, fc), (h, c) in zip(final, state, strict=True):
                            fh[:, d_rows] = h[:, done]
                            fc[:, d_rows] = c[:, done]
                    keep = ~done
                    if not bool(keep.any()):
                        break
                    rows, tok, fpos = rows[keep], tok[keep], fpos[keep]
                    state = _index_state(state, keep)
                    if has_forced:
                        fptr, in_force = fptr[keep], in_force[keep]
                logits, state = net.step(tok, state)
                n_forward += 1
            else:
                if final is not None:  # lines cut at max_steps keep their state too
                    for (fh, fc), (h, c) in zip(final, state, strict=True):
                        fh[:, rows] = h
                        fc[:, rows] = c
            if final is not None:
                carry = tuple(final)
            g_len = gen_len.cpu().numpy()
            out_np = out.cpu().numpy()
            keep_mask = np.arange(max_steps)[None, :] < g_len[:, None]
            pieces_out.append(out_np[keep_mask])
            lengths_out[lo:hi] = g_len
            ended[lo:hi] = done_nl.cpu().numpy()
            bad[lo:hi] = done_bad.cpu().numpy()
    flat_out = np.concatenate(pieces_out) if pieces_out else np.zeros(0, dtype=np.int64)
    return SampledTokens(flat=flat_out, lengths=lengths_out, ended=ended, bad=bad,
                         n_forward=n_forward)


__all__ = ["SampledTokens", "sample_tokens"]
