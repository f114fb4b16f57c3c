"""Marginals of AmplifySampler's numeric columns: bounded quantile knots and normal scores.

Numbers are given back through bounded quantile knots (at most ``n_quantiles``),
which keep each marginal, including point masses such as a column that is 92 %
zeros; in the mixture each value is represented by its *normal score* (the value
pushed through its empirical distribution function and the standard normal
quantile function).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

# Probabilities are kept this far from 0 and 1 before taking normal quantiles.
_P_EPS = 1e-7


def fit_quantile_knots(values: np.ndarray, n_quantiles: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounded piecewise-linear quantile function of one numeric column.

    Parameters
    ----------
    values : ndarray of shape (n_samples,)
        Finite training values.
    n_quantiles : int
        Largest number of knots for the continuous part. A column with at most
        this many distinct values is stored exactly, each value as a flat step.

    Returns
    -------
    probs : ndarray of shape (n_knots,)
        Non-decreasing cumulative probabilities, from 0 to 1.
    knots : ndarray of shape (n_knots,)
        Non-decreasing values; ``knots[i]`` is the quantile at ``probs[i]``.
        Two equal consecutive knots make a flat segment: a point mass.

    Notes
    -----
    A value holding at least ``1 / n_quantiles`` of the rows is always kept as
    an exact point mass, so spikes (a column that is 92 % zeros, a working week
    of exactly 40 hours) survive even in a column with many distinct values.
    """
    vals, counts = np.unique(values, return_counts=True)
    n = values.size
    hi = np.cumsum(counts) / n
    lo = hi - counts / n
    if vals.size <= n_quantiles:
        return np.column_stack([lo, hi]).ravel(), np.repeat(vals, 2).astype(float)
    grid = np.linspace(0.0, 1.0, n_quantiles)
    q = np.quantile(values, grid)
    heavy = counts >= n / n_quantiles
    probs = np.concatenate([grid, lo[heavy], hi[heavy]])
    knots = np.concatenate([q, vals[heavy], vals[heavy]]).astype(float)
    order = np.lexsort((knots, probs))
    return probs[order], np.maximum.accumulate(knots[order])


def quantile_inverse(u: np.ndarray, probs: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Values at cumulative probabilities ``u`` of a knot table (the inverse CDF).

    Parameters
    ----------
    u : ndarray of shape (n,)
        Probabilities in ``[0, 1]``.
    probs, knots : ndarray of shape (n_knots,)
        A table from :func:`fit_quantile_knots`.

    Returns
    -------
    ndarray of shape (n,)
        The value at each probability, interpolated between knots.
    """
    j = np.clip(np.searchsorted(probs, u, side="right") - 1, 0, probs.size - 2)
    width = probs[j + 1] - probs[j]
    t = np.divide(u - probs[j], width, out=np.zeros_like(u, dtype=float), where=width > 0)
    return knots[j] + np.clip(t, 0.0, 1.0) * (knots[j + 1] - knots[j])


def quantile_interval(x: np.ndarray, probs: np.ndarray, knots: np.ndarray) -> tuple:
    """Cumulative-probability interval ``[F(x-), F(x)]`` of values under a knot table.

    A value that is a point mass gets the interval of its mass; any other value
    a single probability (``lo == hi``), interpolated between knots.

    Parameters
    ----------
    x : ndarray of shape (n,)
        Values (within the knot range; clipped to it otherwise).
    probs, knots : ndarray of shape (n_knots,)
        A table from :func:`fit_quantile_knots`.

    Returns
    -------
    lo, hi : ndarray of shape (n,)
        ``F(x-)`` and ``F(x)`` of each value, in ``[0, 1]``.
    """
    x = np.clip(x, knots[0], knots[-1])
    left = np.searchsorted(knots, x, side="left")
    right = np.searchsorted(knots, x, side="right")
    on_knot = right > left
    lo = np.where(on_knot, probs[np.minimum(left, probs.size - 1)], 0.0)
    hi = np.where(on_knot, probs[np.maximum(right - 1, 0)], 0.0)
    j = np.clip(left - 1, 0, probs.size - 2)
    span = knots[j + 1] - knots[j]
    t = np.divide(x - knots[j], span, out=np.zeros_like(x, dtype=float), where=span > 0)
    between = probs[j] + t * (probs[j + 1] - probs[j])
    return np.where(on_knot, lo, between), np.where(on_knot, hi, between)


def randomized_pit(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Normal scores of training values, ties spread uniformly over their mass.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Finite values.
    rng : numpy.random.Generator
        Draws ``U``, the position of each tied value within its mass.

    Returns
    -------
    ndarray of shape (n,)
        ``Phi^-1(F(x-) + U (F(x) - F(x-)))`` with ``U ~ Uniform(0, 1)``: exactly
        standard normal whatever the ties.
    """
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    n = values.size
    lo = (np.cumsum(counts) - counts) / n
    u = lo[inverse] + rng.random(n) * (counts[inverse] / n)
    return ndtri(np.clip(u, _P_EPS, 1.0 - _P_EPS))

