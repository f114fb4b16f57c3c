"""Fine-tuning a causal language model on lines: plain loop, optional DP-SGD.

Each training line is one sequence (beginning-of-sequence token when the
tokenizer has one, the line, its line break) and the loss is the mean
next-token cross-entropy over its tokens. The optimizer is AdamW
(Loshchilov & Hutter, 2019) over the trainable parameters only (the LoRA
matrices, or every weight with ``finetune="full"``), with the learning-rate
schedule of ``transformers.get_scheduler``. With ``dp=True`` the same model is
trained by DP-SGD through :mod:`skgen.privacy`: one line -- one text -- is one
privacy unit, batches are Poisson-sampled, each line's gradient is clipped and
noise is added; no early stopping or best-epoch choice is made then, as both
would look at the data without noise.

References
----------
.. [1] Hu, E. J. et al. (2022). LoRA: Low-Rank Adaptation of Large Language
   Models. *ICLR 2022*.
.. [2] Loshchilov, I., & Hutter, F. (2019). Decoupled Weight Decay
   Regularization. *ICLR 2019*.
.. [3] Abadi, M. et al. (2016). Deep Learning with Differential Privacy.
   *ACM CCS 2016*.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from skgen._progress import tqdm


@dataclass
class TrainConfig:
    """Training settings, from the estimator's parameters."""

    epochs: int
    batch_size: int
    learning_rate: float
    weight_decay: float
    warmup_steps: int
    lr_scheduler: str
    validation_fraction: float
    early_stopping: bool
    patience: int
    dp: bool = False
    noise_multiplier: float = 1.0
    max_grad_norm: float = 1.0
    target_epsilon: float | None = None
    delta: float | None = None
    verbose: int = 0


@dataclass
class TrainResult:
    """What training produced."""

    history: dict
    epochs_run: int
    best_epoch: int
    epsilon: float | None = None
    delta: float | None = None
    noise_multiplier: float | None = None
    extra: dict = field(default_factory=dict)


def pad_right(seqs: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask of a batch, padded on the right."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.as_tensor(s, dtype=torch.long)
        mask[i, :len(s)] = 1
    return ids, mask


def token_nll(model: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-token negative log-likelihood of each token after the first, 0 at padding;
    and which tokens are real (both of shape ``(n_lines, length - 1)``)."""
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1, :].float()
    target, keep = ids[:, 1:], mask[:, 1:].to(logits.dtype)
    nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                            target.reshape(-1), reduction="none")
    return nll.view(target.shape) * keep, keep


def token_loss(model: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor, *,
               per_record: bool = False) -> tuple[torch.Tensor, int]:
    """Next-token cross-entropy over the real tokens; and how many were scored.

    ``per_record=True`` averages within each line first, then over lines (the
    loss DP-SGD needs, one unit per line); otherwise over all tokens.
    """
    nll, keep = token_nll(model, ids, mask)
    count = int(keep.sum())
    if per_record:
        return (nll.sum(1) / keep.sum(1).clamp(min=1)).mean(), count
    return nll.sum() / max(count, 1), count


def train(model: torch.nn.Module, seqs: list[list[int]], cfg: TrainConfig,
          rng: np.random.Generator, pad_id: int, device: torch.device) -> TrainResult:
    """Fine-tune ``model``'s trainable parameters in place on ``seqs``.

    Parameters
    ----------
    model : torch.nn.Module
        The causal language model; parameters with ``requires_grad`` train.
    seqs : list of list of int
        Token ids of the training lines.
    cfg : TrainConfig
    rng : numpy.random.Generator
        Drives the validation split, batch order and DP sampling and noise.
    pad_id : int
    device : torch.device

    Returns
    -------
    TrainResult
        With early stopping, ``model`` holds the best epoch's weights.
    """
    n = len(seqs)
    order = rng.permutation(n)
    n_val = int(round(cfg.validation_fraction * n)) if cfg.validation_fraction else 0
    n_val = min(n_val, n - 1)
    val = [seqs[i] for i in order[:n_val]]
    tr = [seqs[i] for i in order[n_val:]]
    if cfg.dp:
        return _train_dp(model, tr, val, cfg, rng, pad_id, device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(tr) / cfg.batch_size)
    scheduler = _scheduler(optimizer, cfg, steps_per_epoch * cfg.epochs)
    history: dict[str, list] = {"loss": [], "val_loss": [], "seconds": []}
    best, best_epoch, best_state, waited = math.inf, 0, None, 0
    model.train()
    epoch = 0
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        batches = rng.permutation(len(tr))
        total, count = 0.0, 0
        bar = tqdm(range(0, len(tr), cfg.batch_size), disable=not cfg.verbose,
                   desc=f"GPT fine-tuning epoch {epoch}/{cfg.epochs}", unit="batch")
        for start in bar:
            ids, mask = pad_right([tr[i] for i in batches[start:start + cfg.batch_size]],
                                  pad_id)
            loss, k = token_loss(model, ids.to(device), mask.to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            total += float(loss.detach()) * k
            count += k
            bar.set_postfix(loss=f"{total / max(count, 1):.4f}")
        bar.close()
        history["loss"].append(total / max(count, 1))
        monitored = history["loss"][-1]
        if val:
            history["val_loss"].append(evaluate(model, val, cfg.batch_size, pad_id, device))
            monitored = history["val_loss"][-1]
            model.train()
        history["seconds"].append(time.perf_counter() - t0)
        if monitored < best - 1e-4:
            best, best_epoch, waited = monitored, epoch, 0
            if cfg.early_stopping:
                best_state = [p.detach().clone() for p in params]
        else:
            waited += 1
            if cfg.early_stopping and waited >= cfg.patience:
                break
    if best_state is not None and best_epoch != epoch:
        with torch.no_grad():
            for p, b in zip(params, best_state, strict=True):
                p.copy_(b)
    model.eval()
    if not val:
        history["val_loss"] = None
    return TrainResult(history=history, epochs_run=epoch,
                       best_epoch=best_epoch if cfg.early_stopping else epoch)


@torch.no_grad()
def evaluate(model: torch.nn.Module, seqs: list[list[int]], batch_size: int, pad_id: int,
             device: torch.device) -> float:
    """Mean next-token cross-entropy (nats per token) of ``seqs``."""
    model.eval()
    total, count = 0.0, 0
    for start in range(0, len(seqs), batch_size):
        ids, mask = pad_right(seqs[start:start + batch_size], pad_id)
        loss, k = token_loss(model, ids.to(device), mask.to(device))
        total += float(loss) * k
        count += k
    return total / max(count, 1)


def _scheduler(optimizer: Any, cfg: TrainConfig, total_steps: int) -> Any:
    from transformers import get_scheduler

    name = "constant_with_warmup" if cfg.lr_scheduler == "constant" else cfg.lr_scheduler
    warmup = min(cfg.warmup_steps, total_steps // 10)
    return get_scheduler(name, optimizer=optimizer, num_warmup_steps=warmup,
                         num_training_steps=max(total_steps, 1))


class _Lines(torch.utils.data.Dataset):
    """One training line per item: the privacy unit of DP-SGD."""

    def __init__(self, seqs: list[list[int]]) -> None:
        self.seqs = [torch.as_tensor(s, dtype=torch.long) for s in seqs]

    def __len__(self) -> int:
        return len(self.seqs)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.seqs[i]


def _train_dp(model, tr, val, cfg, rng, pad_id, device) -> TrainResult:
    from torch.utils.data import DataLoader

    from skgen.privacy import epsilon, make_private

    def collate(items):
        return pad_right([t.tolist() for t in items], pad_id) if items else (
            torch.zeros((0, 1), dtype=torch.long), torch.zeros((0, 1), dtype=torch.long))

    loader_gen = torch.Generator()
    loader_gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
    noise_gen = torch.Generator(device=device)
    noise_gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
    loader = DataLoader(_Lines(tr), batch_size=min(cfg.batch_size, len(tr)),
                        collate_fn=collate, generator=loader_gen)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    private = make_private(model, optimizer, loader, max_grad_norm=cfg.max_grad_norm,
                           noise_multiplier=cfg.noise_multiplier,
                           target_epsilon=cfg.target_epsilon, delta=cfg.delta,
                           epochs=cfg.epochs, noise_generator=noise_gen)
    scheduler = _scheduler(private.optimizer, cfg, len(loader) * cfg.epochs)
    history: dict[str, Any] = {"loss": [], "val_loss": [] if val else None, "seconds": []}
    private.module.train()
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        total, count = 0.0, 0
        bar = tqdm(private.data_loader, disable=not cfg.verbose,
                   desc=f"GPT fine-tuning (DP) epoch {epoch}/{cfg.epochs}", unit="batch")
        for ids, mask in bar:
            if len(ids) == 0:  # an empty Poisson batch: nothing to learn from
                continue
            loss, k = token_loss(private.module, ids.to(device), mask.to(device),
                                 per_record=True)
            private.optimizer.zero_grad(set_to_none=True)
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="Full backward hook is firing")
                loss.backward()
            private.optimizer.step()
            scheduler.step()
            total += float(loss.detach()) * k
            count += k
            bar.set_postfix(loss=f"{total / max(count, 1):.4f}")
        bar.close()
        history["loss"].append(total / max(count, 1) if count else math.nan)
        if val:
            history["val_loss"].append(evaluate(model, val, cfg.batch_size, pad_id, device))
            private.module.train()
        history["seconds"].append(time.perf_counter() - t0)
    delta = cfg.delta if cfg.delta is not None else 1.0 / len(tr)
    eps = epsilon(private.accountant, delta)
    if hasattr(private.module, "_close"):
        private.module._close()  # remove opacus' hooks and per-sample gradients
    model.eval()
    return TrainResult(history=history, epochs_run=cfg.epochs, best_epoch=cfg.epochs,
                       epsilon=eps, delta=delta, noise_multiplier=private.noise_multiplier)


__all__ = ["TrainConfig", "TrainResult", "evaluate", "pad_right", "token_loss", "train"]
