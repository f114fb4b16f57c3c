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


def fit_quantile_knots(values: np.ndarray, n_quantiles: int,
                       counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bounded piecewise-linear quantile function of one numeric column.

    Parameters
    ----------
    values : ndarray of shape (n_samples,)
        Finite training values; with ``counts``, the distinct values (any
        order).
    n_quantiles : int
        Largest number of knots for the continuous part. A column with at most
        this many distinct values is stored exactly, each value as a flat step.
    counts : ndarray of int of shape (n_samples,) or None, default=None
        How many rows hold each of ``values`` (value counts merged over the
        partitions of a dask frame); the knots are then those of the rows
        these counts describe, exactly.

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
    if counts is None:
        vals, counts = np.unique(values, return_counts=True)
    else:
        order = np.argsort(values, kind="stable")
        vals, counts = np.asarray(values, dtype=float)[order], np.asarray(counts)[order]
    n = int(counts.sum())
    hi = np.cumsum(counts) / n
    lo = hi - counts / n
    if vals.size <= n_quantiles:
        return np.column_stack([lo, hi]).ravel(), np.repeat(vals, 2).astype(float)
    grid = np.linspace(0.0, 1.0, n_quantiles)
    q = np.quantile(values, grid) if vals.size == n else _sorted_quantile(vals, counts, grid)
    heavy = counts >= n / n_quantiles
    probs = np.concatenate([grid, lo[heavy], hi[heavy]])
    knots = np.concatenate([q, vals[heavy], vals[heavy]]).astype(float)
    order = np.lexsort((knots, probs))
    return probs[order], np.maximum.accumulate(knots[order])


def _sorted_quantile(vals: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``np.quantile`` (linear method) of the rows that hold sorted ``vals`` ``counts`` times.

    The same virtual indexes and interpolation as numpy, so the result is the
    one ``np.quantile(np.repeat(vals, counts), q)`` gives, without the rows.
    """
    n = int(counts.sum())
    h = n * q + (1 + q * (1 - 1 - 1)) - 1  # numpy's virtual index, alpha = beta = 1
    prev = np.floor(h)
    gamma = h - prev
    ends = np.cumsum(counts)
    lo = np.clip(prev, 0, n - 1).astype(np.int64)
    hi = np.clip(prev + 1, 0, n - 1).astype(np.int64)
    a = vals[np.searchsorted(ends, lo, side="right")].astype(float)
    b = vals[np.searchsorted(ends, hi, side="right")].astype(float)
    diff = b - a
    out = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=out, where=gamma >= 0.5)
    return out


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


def randomized_pit(values: np.ndarray, rng: np.random.Generator,
                   reference: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Normal scores of training values, ties spread uniformly over their mass.

    Parameters
    ----------
    values : ndarray of shape (n,)
        Finite values.
    rng : numpy.random.Generator
        Draws ``U``, the position of each tied value within its mass.
    reference : (ndarray, ndarray) or None, default=None
        Distinct values and their counts of the distribution ``F`` to use
        (all rows, when ``values`` is a sample of them); ``None`` uses the
        empirical distribution of ``values``. Every value must be one of them.

    Returns
    -------
    ndarray of shape (n,)
        ``Phi^-1(F(x-) + U (F(x) - F(x-)))`` with ``U ~ Uniform(0, 1)``: exactly
        standard normal whatever the ties.
    """
    if reference is None:
        _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
        total = values.size
    else:
        order = np.argsort(reference[0], kind="stable")
        vals, counts = reference[0][order], np.asarray(reference[1])[order]
        inverse, total = np.searchsorted(vals, values), counts.sum()
    n = values.size
    lo = (np.cumsum(counts) - counts) / total
    u = lo[inverse] + rng.random(n) * (counts[inverse] / total)
    return ndtri(np.clip(u, _P_EPS, 1.0 - _P_EPS))

