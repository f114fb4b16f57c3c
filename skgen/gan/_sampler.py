"""Training-by-sampling and the conditional vector of the GAN, vectorised in torch.

CTGAN (Xu et al. 2019) conditions its generator on one discrete column at a
time: a column is picked uniformly, a level of it with probability proportional
to the log of its frequency, and a real row holding that level. Rare levels are
thus seen often, and because the chosen level is always part of the condition
the generator still learns the true conditional distribution.

This module draws whole batches of such (column, level, row) triples with a
few tensor operations — no per-row Python — and builds the conditional vector
from the encoded real rows and a column mask, which also serves the ACTGAN-like
"anyway" conditioning on any subset of columns.
"""

from __future__ import annotations

import numpy as np
import torch


class LevelDraw:
    """Draw (column, level) pairs: a column uniformly, then a level of it by weight.

    The levels of all columns are laid side by side on one "lifted" cumulative
    axis -- column ``j`` occupies ``(j, j + 1]`` -- so a whole batch is drawn
    with one ``searchsorted``.

    Parameters
    ----------
    weights : list of ndarray of float
        Non-negative level weights of each column (each with a positive sum).
    device : torch.device
    """

    def __init__(self, weights: list[np.ndarray], device: torch.device) -> None:
        self.n_columns = len(weights)
        self.device = device
        lifted = []
        for j, w in enumerate(weights):
            cum = np.cumsum(w) / np.sum(w)
            cum[-1] = 1.0
            lifted.append(j + cum)
        self._lifted = torch.as_tensor(np.concatenate(lifted) if lifted else np.zeros(0),
                                       dtype=torch.float64, device=device)

    def __call__(self, size: int, generator: torch.Generator
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``size`` pairs.

        Returns
        -------
        columns : Tensor of int64 of shape (size,)
            The column drawn (position in ``weights``).
        levels : Tensor of int64 of shape (size,)
            The level drawn, as a position on the lifted axis (all columns'
            levels concatenated).
        """
        dev = self.device
        col = torch.randint(0, self.n_columns, (size,), generator=generator, device=dev)
        u = torch.rand(size, generator=generator, device=dev, dtype=torch.float64)
        level = torch.searchsorted(self._lifted, col + u, right=True)
        return col, level.clamp(max=self._lifted.numel() - 1)


class TrainingSampler:
    """Draw training rows by training-by-sampling over the one-hot discrete columns.

    Parameters
    ----------
    codes : list of ndarray of int64 of shape (n_samples,)
        Level codes of each discrete column (``0 .. n_levels - 1``).
    n_levels : list of int
        Number of levels (missing counted) of each discrete column.
    log_frequency : bool
        Pick levels with probability proportional to ``log(1 + count)``
        (True) or to ``count`` (False).
    device : torch.device
        Where the index tables live and the draws happen.

    Attributes
    ----------
    n_rows : int
        Number of training rows.
    n_columns : int
        Number of discrete columns.
    """

    def __init__(self, codes: list[np.ndarray], n_levels: list[int], log_frequency: bool,
                 device: torch.device) -> None:
        self.n_columns = len(codes)
        self.n_rows = int(codes[0].size) if codes else 0
        self.device = device
        if not self.n_columns:
            return
        n = self.n_rows
        weights, starts, counts, orders = [], [], [], []
        for j, (c, k) in enumerate(zip(codes, n_levels, strict=True)):
            count = np.bincount(c, minlength=k).astype(np.float64)
            weight = np.log1p(count) if log_frequency else count.copy()
            weight[count == 0] = 0.0
            weights.append(weight)
            order = np.argsort(c, kind="stable")
            orders.append(order)
            first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
            starts.append(j * n + first)
            counts.append(count.astype(np.int64))
        self._draw = LevelDraw(weights, device)
        self._start = torch.as_tensor(np.concatenate(starts), device=device)
        self._count = torch.as_tensor(np.concatenate(counts), device=device)
        self._rows = torch.as_tensor(np.concatenate(orders), device=device)

    def sample(self, size: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``size`` (column, row) pairs by training-by-sampling.

        Parameters
        ----------
        size : int
            Number of draws.
        generator : torch.Generator
            Random source (on the sampler's device).

        Returns
        -------
        rows : Tensor of int64 of shape (size,)
            Training rows, each holding the level drawn for its column.
        columns : Tensor of int64 of shape (size,)
            The discrete column (position among the discrete columns) drawn.
        """
        dev = self.device
        col, level = self._draw(size, generator)
        offset = (torch.rand(size, generator=generator, device=dev, dtype=torch.float64)
                  * self._count[level]).long()
        offset = torch.minimum(offset, self._count[level] - 1)
        return self._rows[self._start[level] + offset], col


class ConditionLayout:
    """How the conditional vector is made from a row's condition features and a column mask.

    Every conditionable column contributes its condition features (see
    :meth:`DataTransformer.condition_features`: the one-hot of a discrete
    column, the bits of a binary-encoded one, the standardised value -- and a
    missing flag -- of a continuous one), zeroed where the row is not
    conditioned on the column. Columns whose zeroed features would be
    ambiguous (continuous and binary ones) add a flag saying "conditioned";
    an all-zero one-hot already says "not conditioned".

    Parameters
    ----------
    widths : list of int
        Number of condition features of each conditionable column.
    columns : list of int
        The conditionable columns (positions among all modelled columns).
    kinds : list of str
        ``"continuous"``, ``"discrete"`` or ``"binary"`` for every modelled column.
    device : torch.device

    Attributes
    ----------
    cond_dim : int
        Width of the conditional vector.
    """

    def __init__(self, widths: list[int], columns: list[int], kinds: list[str],
                 device: torch.device) -> None:
        owner = np.repeat(np.asarray(columns, dtype=np.int64),
                          np.asarray(widths, dtype=np.int64)) if columns else np.zeros(0)
        flags = [j for j in columns if kinds[j] != "discrete"]
        self.cond_dim = int(sum(widths)) + len(flags)
        self._owner = torch.as_tensor(owner.astype(np.int64), device=device)
        self._flags = torch.as_tensor(np.asarray(flags, dtype=np.int64), device=device)

    def build(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The conditional vectors of rows under a column mask.

        Parameters
        ----------
        features : Tensor of shape (n, n_features)
            Condition features of the rows.
        mask : Tensor of bool of shape (n, n_columns)
            True where the row is conditioned on the column.

        Returns
        -------
        Tensor of shape (n, cond_dim)
        """
        m = mask.to(features.dtype)
        values = features * m[:, self._owner]
        if self._flags.numel():
            values = torch.cat([values, m[:, self._flags]], dim=1)
        return values


__all__ = ["ConditionLayout", "LevelDraw", "TrainingSampler"]
