"""Batched, temperature-scaled sampling of lines, with per-row prompts.

``predict_batch_size`` lines are generated at once. Each row of a batch may
have its own prompt (smart seeding: the values of its seed fields, then a
delimiter; a later field cluster's context columns): the prompts run through
the network's generation step (:class:`Decoder`), longest first, so every row
starts sampling from the state after *its own* prompt. Sampling then advances
all rows of the batch by one token per step, each row with its own uniform
draws; rows that end (newline token, or one delimiter too many) leave the
batch, which shrinks as it goes. Every draw keeps the line format: the
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

import numpy as np
import torch

from skgen.lstm._model import native_bf16
from skgen.lstm._train import pad_sequences


@dataclass
class SampledTokens:
    """Generated token ids (after the prompt, newline excluded) and how lines ended."""

    flat: np.ndarray
    lengths: np.ndarray
    ended: np.ndarray
    bad: np.ndarray
    n_forward: int


def _categorical(logits: torch.Tensor, temperature: float, u: torch.Tensor) -> torch.Tensor:
    """One draw per row from ``softmax(logits / temperature)``, by inverse CDF.

    ``u`` holds one uniform in ``[0, 1)`` per row; ``logits`` is overwritten.
    Exactly categorical sampling (the CDF is left unnormalised and ``u``
    scaled by its total instead), and on the CPU about ten times faster than
    ``torch.multinomial`` for one sample per row.
    """
    if temperature != 1.0:
        logits.div_(temperature)
    cdf = logits.sub_(logits.amax(dim=1, keepdim=True)).exp_().cumsum_(dim=1)
    tok = torch.searchsorted(cdf, u[:, None] * cdf[:, -1:], right=True)
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


class Decoder:
    """A trained network's prompt pass and one-token step, laid out for generation.

    Built once per model and only read afterwards (threads share it). The
    step computes the same two LSTM cells and head as ``torch.nn.LSTM`` and
    ``nn.Linear`` with fewer, larger operations:

    - the first layer's input gates are a ``(vocab, 4 * units)`` table
      (``embedding @ W_ih1.T + b_ih1 + b_hh1``), gathered per token;
    - the second layer is one product of ``[h1, h2]`` with the stacked
      ``[W_ih2; W_hh2]``;
    - the gates are reordered ``(i, f, o, g)`` and computed with one sigmoid
      (``tanh(x) = 2 sigmoid(2x) - 1``: torch's CPU tanh costs about six
      times its sigmoid);
    - with ``bf16`` the three matrix products take bfloat16 inputs (float32
      accumulation in oneDNN, float32 state, softmax and sampling): 2.4 times
      faster products on a CPU with AVX512-BF16, and a next-token distribution
      0.0001 nats per token (mean KL divergence) from the float32 network's on
      the benchmark's 26-column table. ``None`` uses them where
      :func:`native_bf16` says they are native.

    The recurrent state is a pair ``(h, c)`` of shape ``(batch, 2 * units)``
    each, both layers side by side: ``h`` in the products' dtype (it only
    feeds them), ``c`` in float32.

    Parameters
    ----------
    net : LSTMNetwork
        The trained network; its weights are copied.
    bf16 : bool or None, default=None
        bfloat16 matrix products in :meth:`step` and :meth:`prompt`.
    """

    def __init__(self, net: torch.nn.Module, bf16: bool | None = None) -> None:
        device = next(net.parameters()).device
        self.bf16 = native_bf16(device) if bf16 is None else bool(bf16)
        with torch.no_grad():
            p = dict(net.lstm1.named_parameters())
            q = dict(net.lstm2.named_parameters())
            units = p["weight_hh_l0"].shape[1]
            order = torch.cat([torch.arange(0, 2 * units),  # i, f
                               torch.arange(3 * units, 4 * units),  # o
                               torch.arange(2 * units, 3 * units)]).to(device)  # g
            # the g gate's pre-activations are doubled (exact in binary floating
            # point), so that its tanh is 2 sigmoid - 1: torch's CPU tanh costs
            # about six times its sigmoid
            scale = torch.ones(4 * units, device=device)
            scale[3 * units:] = 2.0
            self.units = units
            self.gate_table = (net.embedding.weight @ p["weight_ih_l0"].t()
                               + p["bias_ih_l0"] + p["bias_hh_l0"])[:, order] * scale
            self.gate_table = self.gate_table.contiguous()
            w_hh1 = p["weight_hh_l0"][order].t() * scale
            w2 = torch.cat([q["weight_ih_l0"], q["weight_hh_l0"]], dim=1)[order].t() * scale
            self.b2 = (q["bias_ih_l0"] + q["bias_hh_l0"])[order] * scale
            w_head = net.head.weight.t().contiguous()
            self.b_head = net.head.bias.detach().clone()
            dtype = torch.bfloat16 if self.bf16 else self.gate_table.dtype
            self.w_hh1, self.w2, self.w_head = (w.to(dtype).contiguous()
                                                for w in (w_hh1, w2, w_head))
            self.dtype = dtype

    @property
    def device(self) -> torch.device:
        return self.gate_table.device

    def zeros(self, batch: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The zero state of ``batch`` rows."""
        device = self.device
        return (torch.zeros((batch, 2 * self.units), dtype=self.dtype, device=device),
                torch.zeros((batch, 2 * self.units), device=device))

    def _cell(self, gates: torch.Tensor, c: torch.Tensor, h_out: torch.Tensor,
              c_out: torch.Tensor) -> None:
        """LSTM cell update from gate pre-activations (``g`` doubled, see ``__init__``).

        Overwrites ``gates``; writes the new hidden and cell states into the
        views ``h_out`` and ``c_out``.
        """
        u = self.units
        s = gates.sigmoid_()
        g = s[:, 3 * u:].mul_(2.0).sub_(1.0)  # tanh(x) = 2 sigmoid(2x) - 1
        torch.mul(s[:, u:2 * u], c, out=c_out)
        c_out.addcmul_(s[:, :u], g)
        tanh_c = torch.mul(c_out, 2.0).sigmoid_().mul_(2.0).sub_(1.0)
        torch.mul(s[:, 2 * u:3 * u], tanh_c, out=h_out)

    def _advance(self, tokens: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """The state after feeding ``tokens``."""
        h, c = state
        u = self.units
        h_new, c_new = torch.empty_like(h), torch.empty_like(c)
        gates = self.gate_table[tokens]
        # a strided view is a slow matrix operand: contiguous copies (b x units) are cheap
        gates += torch.mm(h[:, :u].contiguous(), self.w_hh1).float()
        self._cell(gates, c[:, :u], h_new[:, :u], c_new[:, :u])
        h_new[:, u:] = h[:, u:]  # the second layer reads [new h1, old h2]
        gates = torch.mm(h_new, self.w2).float().add_(self.b2)
        self._cell(gates, c[:, u:], h_new[:, u:], c_new[:, u:])
        return h_new, c_new

    def _head(self, h: torch.Tensor) -> torch.Tensor:
        return torch.mm(h[:, self.units:].contiguous(), self.w_head).float().add_(self.b_head)

    def step(self, tokens: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]
             ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Logits of shape (batch, vocab), float32, after feeding ``tokens``; the new state."""
        state = self._advance(tokens, state)
        return self._head(state[0]), state

    def prompt(self, prompts: torch.Tensor, lens: np.ndarray,
               state: tuple[torch.Tensor, torch.Tensor] | None
               ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Next-token logits after each row's prompt, and the state there.

        Parameters
        ----------
        prompts : Tensor of shape (batch, steps), int64
            Right-padded prompts.
        lens : ndarray of shape (batch,)
            Their lengths (at least 1).
        state : tuple of two Tensors of shape (batch, 2 * units), or None
            The state ``(h, c)`` to start from (see the class); ``None`` for zeros.

        The prompts run through the same steps as generation, longest first:
        at step ``t`` only the rows whose prompt is longer than ``t`` advance,
        and the head is applied once, after each row's last prompt token (not
        at every prompt position: a later field cluster's prompt holds its
        context columns, as many tokens as a short line).
        """
        b = prompts.shape[0]
        order = np.argsort(-lens, kind="stable")
        active = np.searchsorted(-lens[order], -np.arange(int(lens.max())), side="left")
        order_t = torch.as_tensor(order, device=prompts.device)
        tokens = prompts[order_t]
        h, c = self.zeros(b) if state is None else (state[0][order_t], state[1][order_t])
        for t, k in enumerate(active.tolist()):
            if k == b:
                h, c = self._advance(tokens[:, t], (h, c))
            else:
                h[:k], c[:k] = self._advance(tokens[:k, t], (h[:k], c[:k]))
        inverse = torch.empty_like(order_t)
        inverse[order_t] = torch.arange(b, device=prompts.device)
        h, c = h[inverse], c[inverse]
        return self._head(h), (h, c)


def sample_tokens(
    decoder: Decoder,
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

    Every row's randomness is its own: the uniforms of row ``r`` (one per
    step) are the ``r``-th row of one ``(n_rows, max_steps)`` draw from
    ``generator``, made batch by batch, so with ``reset_states=True`` a row's
    line does not depend on ``batch_size`` (up to float rounding of batched
    matrix products).

    Parameters
    ----------
    decoder : Decoder
        The trained network's generation form, on ``device``.
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
            state = None if carry is None else (carry[0][:b], carry[1][:b])
            logits, state = decoder.prompt(prompts, lens, state)
            n_forward += 1
            uniforms = torch.rand((b, max_steps), generator=generator, device=device)
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
            final = None if reset_states else decoder.zeros(b)
            for t in range(max_steps):
                _line_format(logits, fpos, n_fields, newline_id, delimiter_id)
                tok = _categorical(logits, temperature, uniforms[rows, t])
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
                        final[0][d_rows], final[1][d_rows] = state[0][done], state[1][done]
                    keep = ~done
                    if not bool(keep.any()):
                        break
                    rows, tok, fpos = rows[keep], tok[keep], fpos[keep]
                    state = (state[0][keep], state[1][keep])
                    if has_forced:
                        fptr, in_force = fptr[keep], in_force[keep]
                logits, state = decoder.step(tok, state)
                n_forward += 1
            else:
                if final is not None:  # lines cut at max_steps keep their state too
                    final[0][rows], final[1][rows] = state
            if final is not None:
                carry = final
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


__all__ = ["Decoder", "SampledTokens", "native_bf16", "sample_tokens"]
