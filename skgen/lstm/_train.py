"""Training the LSTM language model: batches of records, early stopping, DP-SGD.

Every training item is one record: the token ids ``newline, t1..tk, newline``
(the loss asks the model to predict ``t1..tk, newline`` from what precedes).
Batches are drawn in random order, records of similar length grouped to save
padding. Two consequences are corrected (issue 13, ``docs/benchmarks.md``):
a batch's summed token loss is divided by one constant for the whole run
(``batch_size`` times the mean tokens per record), not by the batch's own
tokens, so a short record's tokens weigh no more than a long one's; and the
weights kept for an epoch are their mean over its steps (stochastic weight
averaging, Izmailov et al. 2018), not those after its last step, which saw a
single length slice of the table.

* ``reset_states=True``, and always with ``dp=True``: records are independent,
  each starts from a zero LSTM state (DP: batches by opacus' Poisson sampling,
  so the privacy unit is one record).
* ``reset_states=False`` (gretel-synthetics' default): slot ``j`` of each batch
  starts from the state slot ``j`` of the previous batch ended with (after its
  record's last token; packed sequences give the exact state), gradients cut
  between records. The model so learns to start a line from the state a
  previous line left, which is what generation with ``reset_states=False``
  does (gretel-synthetics learns the same from training windows that span
  record boundaries). On Adult with a 2,000-piece vocabulary this learns
  slower than independent records (102 against 67 nats per record after six
  epochs); with characters the two are alike.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_swa_multi_avg_fn

from skgen._optim import fused_adam
from skgen._progress import tqdm
from skgen.lstm._model import (
    native_bf16,
    network_weights,
    sequence_loss_nats,
    torch_generator,
)

#: Global gradient-norm clip of non-private training (stability only).
_CLIP_NORM = 5.0
#: Batches sorted together by length in independent-record training.
_SORT_POOL = 50
#: Smallest hidden size trained in bfloat16 autocast (see :func:`fast_bf16`).
_BF16_MIN_UNITS = 128
#: Bytes of the tensor freed before training on the CPU (see :func:`_reuse_freed_memory`).
_PRIME_BYTES = 30 * 2**20


@dataclass
class TrainConfig:
    """What :func:`train_network` needs beyond the data (see LSTMSynthesizer)."""

    epochs: int
    batch_size: int
    learning_rate: float
    early_stopping: bool
    patience: int
    validation_fraction: float
    carry_state: bool = False
    dp: bool = False
    noise_multiplier: float | None = None
    max_grad_norm: float = 1.0
    target_epsilon: float | None = None
    delta: float | None = None
    budget_epochs: float | None = None
    accountant: Any = None
    verbose: int = 0
    desc: str = "LSTM training"
    bf16: bool = False
    lr_schedule: str = "constant"


@dataclass
class TrainResult:
    """Weights and the record of a training run."""

    weights: dict
    history: dict
    epochs_run: int
    best_epoch: int
    n_train_records: int
    noise_multiplier: float | None = None
    sample_rate: float | None = None
    steps: int = 0
    extra: dict = field(default_factory=dict)


def pad_sequences(flat: np.ndarray, lengths: np.ndarray, pad: int) -> np.ndarray:
    """Right-padded matrix of shape (n, max length) from concatenated sequences."""
    n = len(lengths)
    width = int(lengths.max()) if n else 0
    out = np.full((n, width), pad, dtype=np.int64)
    if n and width:
        rows = np.repeat(np.arange(n), lengths)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        cols = np.arange(len(flat)) - np.repeat(starts, lengths)
        out[rows, cols] = flat
    return out


def _split(n: int, fraction: float, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    n_val = int(round(fraction * n)) if fraction > 0 else 0
    if n_val < 1 or n - n_val < 1:
        return np.arange(n), np.arange(0)
    perm = rng.permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def _batches(rows: np.ndarray, lengths: np.ndarray, batch_size: int,
             rng: np.random.Generator) -> list[np.ndarray]:
    """Random batches, rows of similar length grouped to save padding."""
    perm = rows[rng.permutation(len(rows))]
    pool = batch_size * _SORT_POOL
    batches = []
    for start in range(0, len(perm), pool):
        chunk = perm[start:start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size))
    order = rng.permutation(len(batches))
    return [batches[i] for i in order]


def _token_loss(net: Any, seqs: torch.Tensor, lens: torch.Tensor,
                generator: torch.Generator | None, per_record: bool = False,
                state: Any = None, carry: bool = False,
                per_tokens: float | None = None) -> tuple[torch.Tensor, int, Any]:
    """Loss of a batch of records (right padding masked).

    With ``carry`` each record starts from the given state and the state after
    its last real token is returned (packed sequences); otherwise records
    start from zeros. The summed loss is divided by ``per_tokens`` where given
    (a constant for the whole training run), else by the batch's own tokens.
    """
    width = int(lens.max())
    x = seqs[:, :width]
    inp, tgt = x[:, :-1], x[:, 1:]
    in_lens = lens - 1
    if carry:
        logits, state = net(inp, state, lengths=in_lens, generator=generator)
    else:
        logits, state = net(inp, generator=generator)
    mask = torch.arange(width - 1, device=x.device)[None, :] < in_lens[:, None]
    nll = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tgt.reshape(-1),
                          reduction="none").reshape(tgt.shape) * mask
    n_tokens = int(in_lens.sum())
    if per_record:
        loss = (nll.sum(dim=1) / in_lens.clamp(min=1)).mean()
    else:
        loss = nll.sum() / (per_tokens if per_tokens else max(n_tokens, 1))
    return loss, n_tokens, state


def fast_bf16(device: torch.device, rnn_units: int) -> bool:
    """Whether training runs its forward pass in bfloat16 autocast.

    True on a CPU with native bfloat16 instructions (AVX512-BF16 or AMX, as
    oneDNN reports them) for networks of at least :data:`_BF16_MIN_UNITS`
    units: there one epoch of 5,000 diamonds rows took 2.6 s of CPU against
    3.7 s in float32 at 128 units (``docs/benchmarks.md``, LSTM section),
    while a 32-unit network gained nothing and learned a little slower.
    Other CPUs emulate bfloat16, which is slower, so they train in float32;
    so do GPUs (not measured here). Weights, optimiser state and the loss
    stay in float32 either way.
    """
    return device.type == "cpu" and rnn_units >= _BF16_MIN_UNITS and native_bf16(device)


def _autocast(cfg: TrainConfig, device: torch.device) -> Any:
    """Mixed precision for the forward pass: bfloat16 matrix products, float32 weights."""
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=cfg.bf16)


def _reuse_freed_memory() -> None:
    """Free one 30 MiB tensor, so that glibc keeps freed tensor memory for reuse.

    glibc's ``malloc`` serves a block above its mmap threshold (128 KiB at
    start) with fresh pages from the kernel and unmaps it when it is freed;
    freeing such a block raises the threshold to its size (at most 32 MiB),
    and the heap then keeps up to twice the threshold of free memory. A
    training step allocates and frees tensors of 0.1 to a few MB; until a
    larger block has been freed, many of them were fresh pages every step:
    on 5,000 diamonds rows 160,000 to 270,000 page faults and 0.3 to 0.9 CPU
    seconds in the kernel per epoch (of 3.3), none after this call
    (``docs/benchmarks.md``, LSTM, fifth pass). This is the state glibc
    reaches by itself once a tensor of that size is freed; other allocators
    just allocate and free the block.
    """
    block = torch.empty(_PRIME_BYTES, dtype=torch.uint8)
    del block


def _vocab(net: Any) -> int:
    return int(getattr(net, "_module", net).head.out_features)


def _carried(state: Any, n: int) -> Any:
    """The first ``n`` slots of a state, cut from the graph."""
    if state is None:
        return None
    out = []
    for h, c in state:
        h, c = h[:, :n].detach(), c[:, :n].detach()
        if h.shape[1] < n:  # more slots than the previous batch had: new ones start at zero
            pad = h.new_zeros((h.shape[0], n - h.shape[1], h.shape[2]))
            h, c = torch.cat([h, pad], dim=1), torch.cat([c, pad], dim=1)
        out.append((h, c))
    return tuple(out)


def _evaluate(net: Any, seqs: torch.Tensor, lens: torch.Tensor, rows: np.ndarray,
              cfg: TrainConfig, device: torch.device) -> float:
    """Mean loss per token of the records ``rows``, without dropout or gradients."""
    net.eval()
    try:
        total, count, state = 0.0, 0, None
        with torch.no_grad():
            for i in range(0, len(rows), cfg.batch_size):
                idx = torch.as_tensor(rows[i:i + cfg.batch_size], device=device)
                with _autocast(cfg, device):
                    loss, n_tok, state = _token_loss(net, seqs[idx], lens[idx], None,
                                                     state=_carried(state, len(idx)),
                                                     carry=cfg.carry_state)
                total += float(loss) * n_tok
                count += n_tok
        return total / max(count, 1)
    finally:
        net.train()


def train_network(net: torch.nn.Module, flat: np.ndarray, lengths: np.ndarray, pad_id: int,
                  cfg: TrainConfig, rng: np.random.Generator,
                  device: torch.device) -> TrainResult:
    """Train ``net`` on token sequences, one per record.

    Parameters
    ----------
    net : LSTMNetwork
        Freshly initialised network on ``device`` (``dp=True`` layers for DP).
    flat : ndarray of shape (total_tokens,)
        Concatenated sequences ``newline, tokens..., newline``.
    lengths : ndarray of shape (n_records,)
        Length of each sequence.
    pad_id : int
        Id written after the end of shorter sequences (masked out).
    cfg : TrainConfig
        Hyper-parameters.
    rng : numpy.random.Generator
        Source of all randomness (batches, dropout, DP sampling and noise).
    device : torch.device
        Where to train.

    Returns
    -------
    TrainResult

    Raises
    ------
    FloatingPointError
        If the loss stops being finite (training diverged).
    """
    seqs_np = pad_sequences(flat, lengths, pad_id)
    train_rows, val_rows = _split(len(lengths), cfg.validation_fraction, rng)
    seqs = torch.as_tensor(seqs_np, device=device)
    lens = torch.as_tensor(lengths, device=device)
    gen = torch_generator(rng, device)
    if device.type == "cpu":
        _reuse_freed_memory()
    if cfg.dp:
        return _train_dp(net, seqs, lens, train_rows, val_rows, cfg, rng, gen, device)

    optimizer = fused_adam(net.parameters(), lr=cfg.learning_rate)
    schedule = None
    if cfg.lr_schedule == "cosine":
        n_steps = max(1, cfg.epochs * math.ceil(len(train_rows) / cfg.batch_size))
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer,
            lambda step: 0.5 * (1.0 + math.cos(math.pi * min(step, n_steps) / n_steps)))
    history: dict = {"loss": [], "val_loss": [] if len(val_rows) else None, "seconds": [],
                     "cpu_seconds": [], "tokens": []}
    # every token weighs the same in every batch: batches group records of similar
    # length, and dividing by each batch's own token count made a short record's
    # tokens weigh more than a long one's
    per_tokens = cfg.batch_size * float(np.mean(lengths[train_rows] - 1))
    best, best_epoch, best_weights, wait = math.inf, 0, None, 0
    net.train()
    bar = tqdm(range(cfg.epochs), disable=not cfg.verbose, desc=cfg.desc, unit="epoch")
    epoch = 0
    for epoch in bar:
        t0, cpu0 = time.perf_counter(), time.process_time()
        total, count, state = 0.0, 0, None
        # the weights kept for an epoch are their mean over its steps (Izmailov et
        # al. 2018): the last step saw one length slice of the table, and a model
        # kept after it wrote that slice's level shares (issue 13); updated with
        # one foreach lerp over all tensors (a third of the per-tensor loop's time)
        average = AveragedModel(net, use_buffers=True, multi_avg_fn=get_swa_multi_avg_fn())
        for b in _batches(train_rows, lengths, cfg.batch_size, rng):
            idx = torch.as_tensor(b, device=device)
            with _autocast(cfg, device):
                loss, n_tok, state = _token_loss(net, seqs[idx], lens[idx], gen,
                                                 state=_carried(state, len(b)),
                                                 carry=cfg.carry_state, per_tokens=per_tokens)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), _CLIP_NORM)
            optimizer.step()
            if schedule is not None:
                schedule.step()
            average.update_parameters(net)
            total += float(loss.detach()) * per_tokens
            count += n_tok
        train_loss = sequence_loss_nats(total / max(count, 1), _vocab(net))
        history["loss"].append(train_loss)
        monitor = train_loss
        kept = average.module
        if len(val_rows):
            val = sequence_loss_nats(_evaluate(kept, seqs, lens, val_rows, cfg, device),
                                     _vocab(net))
            history["val_loss"].append(val)
            monitor = val
        history["seconds"].append(time.perf_counter() - t0)
        history["cpu_seconds"].append(time.process_time() - cpu0)
        history["tokens"].append(count)
        bar.set_postfix(loss=f"{train_loss:.4f}", **(
            {"val_loss": f"{monitor:.4f}"} if len(val_rows) else {}))
        if monitor < best:
            best, best_epoch, wait = monitor, epoch + 1, 0
            best_weights = network_weights(kept)
        else:
            wait += 1
            if cfg.early_stopping and wait >= cfg.patience:
                break
    bar.close()
    weights = best_weights if best_weights is not None else network_weights(net)
    return TrainResult(weights=weights, history=history, epochs_run=epoch + 1,
                       best_epoch=best_epoch, n_train_records=len(train_rows))


def _train_dp(net: torch.nn.Module, seqs: torch.Tensor, lens: torch.Tensor,
              train_rows: np.ndarray, val_rows: np.ndarray, cfg: TrainConfig,
              rng: np.random.Generator, gen: torch.Generator,
              device: torch.device) -> TrainResult:
    """DP-SGD: one record per item, Poisson batches, per-record clipping and noise.

    No early stopping and no best-epoch selection: both would choose the
    released weights by a non-private look at the data. The loss history is
    recorded for information only (it is computed without noise).
    """
    from torch.utils.data import DataLoader, TensorDataset

    from skgen.privacy import make_private

    idx = torch.as_tensor(train_rows, device=device)
    dataset = TensorDataset(seqs[idx], lens[idx])
    loader_gen = torch.Generator()  # DataLoader sampling runs on the CPU
    loader_gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
    loader = DataLoader(dataset, batch_size=min(cfg.batch_size, len(dataset)),
                        generator=loader_gen)
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.learning_rate)
    private = make_private(
        net, optimizer, loader, max_grad_norm=cfg.max_grad_norm,
        noise_multiplier=cfg.noise_multiplier, target_epsilon=cfg.target_epsilon,
        delta=cfg.delta, epochs=cfg.budget_epochs, accountant=cfg.accountant,
        noise_generator=gen)
    model, opt = private.module, private.optimizer
    history: dict = {"loss": [], "val_loss": [] if len(val_rows) else None, "seconds": [],
                     "cpu_seconds": [], "tokens": []}
    steps = 0
    model.train()
    bar = tqdm(range(cfg.epochs), disable=not cfg.verbose, desc=cfg.desc + " (DP)",
               unit="epoch")
    for _ in bar:
        t0, cpu0 = time.perf_counter(), time.process_time()
        total, count = 0.0, 0
        for x, lx in private.data_loader:
            if len(lx) == 0:  # an empty Poisson batch: nothing to learn from
                continue
            loss, n_tok, _ = _token_loss(model, x, lx, gen, per_record=True)
            opt.zero_grad(set_to_none=True)
            with warnings.catch_warnings():
                # opacus' hooks on the embedding, whose integer input needs no gradient
                warnings.filterwarnings("ignore", message="Full backward hook is firing")
                loss.backward()
            opt.step()
            steps += 1
            total += float(loss.detach()) * n_tok
            count += n_tok
        train_loss = sequence_loss_nats(total / max(count, 1), _vocab(net)) if count \
            else math.nan
        history["loss"].append(train_loss)
        if len(val_rows):
            history["val_loss"].append(_evaluate(model, seqs, lens, val_rows, cfg, device))
        history["seconds"].append(time.perf_counter() - t0)
        history["cpu_seconds"].append(time.process_time() - cpu0)
        history["tokens"].append(count)
        bar.set_postfix(loss=f"{train_loss:.4f}")
    bar.close()
    return TrainResult(weights=network_weights(model), history=history,
                       epochs_run=cfg.epochs, best_epoch=cfg.epochs,
                       n_train_records=len(train_rows),
                       noise_multiplier=private.noise_multiplier,
                       sample_rate=private.sample_rate, steps=steps,
                       extra={"accountant": private.accountant})


__all__ = ["TrainConfig", "TrainResult", "pad_sequences", "train_network"]
