"""Generator, discriminator, output activations and losses of the conditional GAN.

Every random draw (weight initialisation, dropout masks, Gumbel noise,
gradient-penalty mixing) takes an explicit :class:`torch.Generator`, so that
training is reproducible without touching torch's global random state. Modules
are first built on the ``meta`` device (no memory, no random draws), then
materialised and initialised from that generator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

#: Temperature of the Gumbel-softmax outputs during training (as CTGAN).
GUMBEL_TAU = 0.2
#: Weight of the gradient penalty (Gulrajani et al. 2017).
GP_LAMBDA = 10.0


class Residual(nn.Module):
    """Fully connected layer with batch norm and ReLU whose output is concatenated to its input.

    Parameters
    ----------
    i : int
        Input width.
    o : int
        Width added to the input.
    """

    def __init__(self, i: int, o: int) -> None:
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.bn = nn.BatchNorm1d(o)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ``cat([relu(bn(fc(x))), x])``."""
        return torch.cat([F.relu(self.bn(self.fc(x))), x], dim=1)


class Generator(nn.Module):
    """Residual generator: noise and conditional vector in, raw span scores out.

    Parameters
    ----------
    input_dim : int
        ``embedding_dim + cond_dim``.
    dims : sequence of int
        Width of each residual layer.
    output_dim : int
        Width of the encoded table.
    """

    def __init__(self, input_dim: int, dims: Sequence[int], output_dim: int) -> None:
        super().__init__()
        layers, width = [], input_dim
        for d in dims:
            layers.append(Residual(width, int(d)))
            width += int(d)
        self.body = nn.Sequential(*layers)
        self.out = nn.Linear(width, output_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw scores of shape ``(n, output_dim)``."""
        return self.out(self.body(x))


class Discriminator(nn.Module):
    """PacGAN critic: scores packs of ``pac`` rows (with their conditional vectors).

    Parameters
    ----------
    input_dim : int
        Width of one row: ``output_dim + cond_dim``.
    dims : sequence of int
        Width of each hidden layer (LeakyReLU 0.2, dropout).
    pac : int
        Rows per pack.
    dropout : float, default=0.5
        Dropout rate of the hidden layers while training.
    """

    def __init__(self, input_dim: int, dims: Sequence[int], pac: int,
                 dropout: float = 0.5) -> None:
        super().__init__()
        self.pac = pac
        self.dropout = dropout
        width = input_dim * pac
        hidden = []
        for d in dims:
            hidden.append(nn.Linear(width, int(d)))
            width = int(d)
        self.hidden = nn.ModuleList(hidden)
        self.out = nn.Linear(width, 1)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None,
                keep: Sequence[torch.Tensor] | None = None) -> torch.Tensor:
        """Scores of shape ``(n // pac, 1)``.

        Dropout masks come from ``generator``, or are given as ``keep``: one
        0/1 tensor per hidden layer, broadcastable to its output (used where
        random draws cannot happen inside the forward, as in per-sample
        gradients under ``torch.func.vmap``).
        """
        h = x.reshape(-1, x.shape[-1] * self.pac)
        for i, layer in enumerate(self.hidden):
            h = F.leaky_relu(layer(h), 0.2)
            if self.training and self.dropout > 0:
                if keep is None:
                    mask = torch.rand(h.shape, generator=generator, device=h.device,
                                      dtype=h.dtype) >= self.dropout
                else:
                    mask = keep[i]
                h = h * mask / (1.0 - self.dropout)
        return self.out(h)

    def dropout_masks(self, n: int, generator: torch.Generator,
                      device: torch.device) -> list[torch.Tensor]:
        """Dropout keep-masks for ``n`` packs, one ``(n, width)`` tensor per hidden layer."""
        return [(torch.rand(n, layer.out_features, generator=generator, device=device)
                 >= self.dropout).float() for layer in self.hidden]


def build(module_cls: type, *args, device: torch.device, generator: torch.Generator,
          **kwargs) -> nn.Module:
    """Build a module without touching torch's global random state.

    The module is constructed on the ``meta`` device, materialised on
    ``device`` and its weights drawn from ``generator`` (PyTorch's default
    scheme for linear layers: uniform in ``±1/sqrt(fan_in)``).
    """
    with torch.device("meta"):
        module = module_cls(*args, **kwargs)
    module = module.to_empty(device=device)
    with torch.no_grad():
        for sub in module.modules():
            if isinstance(sub, nn.Linear):
                bound = 1.0 / float(np.sqrt(sub.in_features))
                sub.weight.uniform_(-bound, bound, generator=generator)
                if sub.bias is not None:
                    sub.bias.uniform_(-bound, bound, generator=generator)
            elif isinstance(sub, nn.BatchNorm1d):
                sub.reset_parameters()
    return module


def load(module_cls: type, state: dict[str, np.ndarray], *args, device: torch.device,
         **kwargs) -> nn.Module:
    """Build a module and load weights stored as numpy arrays."""
    with torch.device("meta"):
        module = module_cls(*args, **kwargs)
    module = module.to_empty(device=device)
    module.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()})
    return module


def state_arrays(module: nn.Module) -> dict[str, np.ndarray]:
    """A module's weights as numpy arrays (for pickle-free storage)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


class OutputHead:
    """Activations, sampling and conditional loss over the spans of the encoded table.

    The generator and the critic work on the encoded table in an *internal
    column order*: all ``alpha`` scalars first, then all bits, then the one-hot
    spans grouped by length. Every activation is then a contiguous slice, and
    spans of equal length are processed together as one ``(n, k, length)``
    tensor, so the cost does not grow with the number of columns in Python.

    Parameters
    ----------
    alpha_index, bit_index : ndarray of int
        Positions (in the transformer's order) of the tanh scalars and of the
        binary-encoded bits.
    softmax_spans : list of tuple of int
        ``(start, length)`` of every one-hot span (transformer's order).
    alpha_owner, bit_owner, span_owner : sequence of int
        The column each alpha, bit and span belongs to.
    mode_span : sequence of bool
        Per span, whether it is the mode indicator of a continuous column.
    device : torch.device

    Attributes
    ----------
    perm : ndarray of int
        Internal order: ``internal = encoded[:, perm]``.
    inverse : Tensor of int
        Back to the transformer's order: ``encoded = internal[:, inverse]``.
    """

    def __init__(self, alpha_index: np.ndarray, bit_index: np.ndarray,
                 softmax_spans: list[tuple[int, int]], alpha_owner, bit_owner, span_owner,
                 mode_span, device: torch.device) -> None:
        def t(a):
            return torch.as_tensor(np.asarray(a, dtype=np.int64), device=device)

        self.n_alpha = len(alpha_index)
        self.n_bits = len(bit_index)
        self.alpha_owner = t(alpha_owner)
        self.bit_owner = t(bit_owner)
        by_length: dict[int, list[tuple[int, int, bool]]] = {}
        for (start, length), owner, is_mode in zip(softmax_spans, span_owner, mode_span,
                                                   strict=True):
            by_length.setdefault(length, []).append((start, int(owner), bool(is_mode)))
        order = [np.asarray(alpha_index, dtype=np.int64), np.asarray(bit_index, dtype=np.int64)]
        self.groups = []
        noisy = []
        offset = self.n_alpha + self.n_bits
        self.softmax_start = offset
        for length, items in sorted(by_length.items()):
            order.append(np.concatenate([np.arange(s, s + length) for s, _, _ in items]))
            self.groups.append((offset, len(items), length, t([o for _, o, _ in items])))
            noisy.append(np.repeat([0.0 if m else 1.0 for _, _, m in items], length))
            offset += len(items) * length
        self.sample_noise = torch.as_tensor(np.concatenate(noisy) if noisy else np.zeros(0),
                                            dtype=torch.float32, device=device)
        self.perm = np.concatenate(order).astype(np.int64)
        if np.unique(self.perm).size != self.perm.size:
            raise RuntimeError("the output spans overlap")
        self.output_dim = int(self.perm.size)
        self.inverse = t(np.argsort(self.perm))

    def _gumbel(self, n: int, width: int, like: torch.Tensor,
                generator: torch.Generator) -> torch.Tensor:
        u = torch.rand(n, width, generator=generator, device=like.device, dtype=like.dtype)
        return u.log_().neg_().log_().neg_()

    def activate(self, raw: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Training outputs: tanh, sigmoid and Gumbel-softmax (tau 0.2) per span."""
        n = raw.shape[0]
        a, b, s0 = self.n_alpha, self.n_bits, self.softmax_start
        parts = [torch.tanh(raw[:, :a]), torch.sigmoid(raw[:, a:a + b])]
        noisy = (raw[:, s0:] + self._gumbel(n, self.output_dim - s0, raw, generator)) / GUMBEL_TAU
        for offset, k, length, _ in self.groups:
            lo = offset - s0
            y = torch.softmax(noisy[:, lo:lo + k * length].view(n, k, length), dim=-1)
            parts.append(y.reshape(n, k * length))
        return torch.cat(parts, dim=1)

    def sample_scores(self, raw: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Scores to decode, in the transformer's order: tanh, sigmoid, and logits.

        Discrete spans get Gumbel noise, so that their argmax is a draw from
        the span's softmax; mode spans of continuous columns do not: a value's
        mode is a function of the value (see :class:`DataTransformer`), and
        drawing it independently per column would undo the dependence between
        columns the generator carries in its noise input.
        """
        a, b, s0 = self.n_alpha, self.n_bits, self.softmax_start
        logits = raw[:, s0:]
        noise = self._gumbel(raw.shape[0], logits.shape[1], raw, generator)
        parts = [torch.tanh(raw[:, :a]), torch.sigmoid(raw[:, a:a + b]),
                 logits + noise * self.sample_noise.to(raw.dtype)]
        return torch.cat(parts, dim=1)[:, self.inverse]

    def condition_loss(self, raw: torch.Tensor, target: torch.Tensor,
                       mask: torch.Tensor) -> torch.Tensor:
        """How far raw outputs are from the encoded values they were conditioned on.

        Cross-entropy on one-hot spans, squared error on ``alpha``, binary
        cross-entropy on bits, each counted only where the row is conditioned
        on the span's column; summed per row, averaged over rows. ``raw`` and
        ``target`` are in the internal order.
        """
        n = raw.shape[0]
        m = mask.to(raw.dtype)
        a, b = self.n_alpha, self.n_bits
        total = raw.new_zeros(())
        for offset, k, length, owner in self.groups:
            sl = slice(offset, offset + k * length)
            logp = torch.log_softmax(raw[:, sl].view(n, k, length), dim=-1)
            ce = -(target[:, sl].view(n, k, length) * logp).sum(-1)
            total = total + (ce * m[:, owner]).sum()
        if a:
            err = (torch.tanh(raw[:, :a]) - target[:, :a]) ** 2
            total = total + (err * m[:, self.alpha_owner]).sum()
        if b:
            bce = F.binary_cross_entropy_with_logits(raw[:, a:a + b], target[:, a:a + b],
                                                     reduction="none")
            total = total + (bce * m[:, self.bit_owner]).sum()
        return total / n


def critic_loss(critic: Discriminator, real: torch.Tensor, fake: torch.Tensor,
                generator: torch.Generator, penalty_share: float = 1.0
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """Wasserstein critic loss and WGAN-GP gradient penalty.

    Real and fake packs go through the critic in one batch. The penalty is
    ``10 * (||grad||_2 - 1)^2`` of the critic's output with respect to packs
    interpolated between real and fake ones (one mixing weight per pack),
    averaged over the first ``penalty_share`` of the packs: an unbiased
    estimate of the same expectation (the packs are in random order) at a
    fraction of the double-backward cost.

    Returns
    -------
    loss : Tensor
        ``mean(critic(fake)) - mean(critic(real))``.
    penalty : Tensor
    """
    pac = critic.pac
    n, d = real.shape
    scores = critic(torch.cat([real, fake], dim=0), generator)
    loss = scores[n // pac:].mean() - scores[:n // pac].mean()
    m = max(1, int(round(penalty_share * (n // pac)))) * pac
    alpha = torch.rand(m // pac, 1, 1, generator=generator, device=real.device,
                       dtype=real.dtype).expand(-1, pac, d).reshape(m, d)
    mixed = (alpha * real[:m] + (1.0 - alpha) * fake[:m]).requires_grad_(True)
    grad = torch.autograd.grad(critic(mixed, generator).sum(), mixed, create_graph=True)[0]
    norm = grad.reshape(-1, pac * d).norm(2, dim=1)
    return loss, GP_LAMBDA * ((norm - 1.0) ** 2).mean()


__all__ = ["Discriminator", "Generator", "OutputHead", "Residual", "build", "critic_loss", "load",
           "state_arrays"]
