"""Differentially private GAN training: DP-SGD on the critic, noisy level frequencies.

Only the critic (discriminator) sees training rows, so only its updates go
through DP-SGD (Abadi et al. 2016; as DP-CTGAN, Fang et al. 2022): every step
draws real rows by Poisson sampling, computes one gradient per row -- the
Wasserstein loss of the row and of a generated row, plus the WGAN-GP penalty
at a point between them -- clips it, adds Gaussian noise and steps (opacus'
``DPOptimizer``, with an opacus accountant). Per-row gradients of a loss that
holds a gradient penalty need a double backward, which opacus' hooks do not
support, so they are computed with ``torch.func`` (``vmap`` over the ``grad`` of
a per-row loss whose penalty comes from a ``vjp``) and handed to opacus'
optimizer as ``grad_sample``.

The generator never sees a training row: its conditional vectors are drawn
from level frequencies released once with the Gaussian mechanism, and it
learns through the critic alone, so its weights are post-processing of the
private critic's iterates and of the released frequencies.

References
----------
Abadi, M. et al. (2016). Deep learning with differential privacy. ACM CCS.
Fang, M. L., Dhami, D. S. and Kersting, K. (2022). DP-CTGAN: differentially
private medical data generation using CTGANs. AIME.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch
from torch.func import functional_call, grad_and_value, vjp, vmap

from skgen.gan._modules import GP_LAMBDA, Discriminator

#: The level-frequency release uses this many times the training noise
#: multiplier (a small share of the budget; counts stay accurate on real tables).
MARGINAL_NOISE_FACTOR = 4.0


def noisy_level_probs(codes: list[np.ndarray], n_levels: list[int], noise_multiplier: float,
                      rng: np.random.Generator) -> list[np.ndarray]:
    """Level frequencies of categorical columns, released with the Gaussian mechanism.

    One record adds 1 to one count of every column, so the L2 sensitivity of
    all histograms together is ``sqrt(n_columns)``; each count gets Gaussian
    noise of standard deviation ``noise_multiplier * sqrt(n_columns)``.
    Negative noisy counts become 0.

    Parameters
    ----------
    codes : list of ndarray of int of shape (n_samples,)
        Level codes of each column.
    n_levels : list of int
        Number of levels of each column.
    noise_multiplier : float
        Noise standard deviation relative to the sensitivity.
    rng : numpy.random.Generator

    Returns
    -------
    list of ndarray of float64
        One probability vector per column.
    """
    sd = noise_multiplier * math.sqrt(len(codes))
    out = []
    for c, k in zip(codes, n_levels, strict=True):
        counts = np.bincount(c, minlength=k).astype(np.float64) + rng.normal(0.0, sd, k)
        counts = np.clip(counts, 0.0, None)
        out.append(counts / counts.sum() if counts.sum() > 0 else np.full(k, 1.0 / k))
    return out


class PrivateCritic:
    """DP-SGD updates of a PacGAN critic with ``pac == 1``.

    Parameters
    ----------
    critic : Discriminator
        The critic; ``pac`` must be 1 (a row is the privacy unit).
    optimizer : torch.optim.Optimizer
        Optimizer over the critic's parameters.
    noise_multiplier, max_grad_norm : float
        DP-SGD noise standard deviation (relative to ``max_grad_norm``) and
        per-row gradient L2 norm bound.
    batch_size : int
        Expected rows per step (``sample_rate * n_rows``).
    sample_rate : float
        Poisson sampling probability of a row per step.
    accountant : opacus.accountants.IAccountant
        Records every step.
    generator : torch.Generator
        Random source of the noise, the dropout masks and the penalty's mixing
        weights.
    """

    def __init__(self, critic: Discriminator, optimizer: torch.optim.Optimizer, *,
                 noise_multiplier: float, max_grad_norm: float, batch_size: int,
                 sample_rate: float, accountant: Any, generator: torch.Generator) -> None:
        from opacus.optimizers import DPOptimizer

        if critic.pac != 1:
            raise ValueError("a private critic judges one row at a time (pac=1)")
        self.critic = critic
        self.generator = generator
        self.params = dict(critic.named_parameters())
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")
            self.optimizer = DPOptimizer(optimizer, noise_multiplier=noise_multiplier,
                                         max_grad_norm=max_grad_norm,
                                         expected_batch_size=batch_size, generator=generator)
        self.optimizer.attach_step_hook(accountant.get_optimizer_hook_fn(sample_rate))

        def row_loss(params, real, fake, alpha, keep):
            # one forward over (real, fake, mixed): the per-row weight gradients of
            # the three scores come out as one product instead of three and a sum
            x = torch.stack([real, fake, alpha * real + (1.0 - alpha) * fake])
            scores, pull = vjp(lambda x: functional_call(critic, params, (x,), {"keep": keep}),
                               x)
            slope = pull(self._mixed_only)[0][2]
            penalty = GP_LAMBDA * (slope.norm(2) - 1.0) ** 2
            return scores[1, 0] - scores[0, 0] + penalty

        device = next(critic.parameters()).device
        self._mixed_only = torch.tensor([[0.0], [0.0], [1.0]], device=device)
        self._row_grads = vmap(grad_and_value(row_loss), in_dims=(None, 0, 0, 0, 0))

    def per_row_gradients(self, real: torch.Tensor, fake: torch.Tensor
                          ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """Each row's gradient of its critic loss (with penalty), and the losses.

        Parameters
        ----------
        real, fake : Tensor of shape (n, width)
            Real and generated rows with their conditional vectors, paired.

        Returns
        -------
        grads : dict of str to Tensor of shape (n, \\*parameter shape)
        losses : Tensor of shape (n,)
        """
        n, dev = real.shape[0], real.device
        alpha = torch.rand(n, 1, generator=self.generator, device=dev)
        keep = [m.view(n, 3, -1) for m in self.critic.dropout_masks(3 * n, self.generator, dev)]
        params = {k: v.detach() for k, v in self.params.items()}
        return self._row_grads(params, real, fake, alpha, keep)

    def step(self, real: torch.Tensor, fake: torch.Tensor) -> float:
        """One DP-SGD step of the critic on a Poisson-sampled batch (possibly empty).

        Returns
        -------
        float
            The batch's summed critic loss (0 for an empty batch).
        """
        if real.shape[0]:
            grads, losses = self.per_row_gradients(real, fake)
            total = float(losses.sum())
        else:  # an empty draw still takes a (pure noise) step, as the accountant assumes
            grads = {k: torch.zeros((1, *p.shape), device=p.device)
                     for k, p in self.params.items()}
            total = 0.0
        for name, p in self.params.items():
            p.grad_sample = grads[name]
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return total


__all__ = ["MARGINAL_NOISE_FACTOR", "PrivateCritic", "noisy_level_probs"]
