"""AmplifySampler: a fast latent-class mixture with exact conditional sampling.

Two layers, both fitted in time linear in the number of rows:

1. **Latent-class mixture** ("mixture of products"). Every row belongs to one of
   ``n_components`` classes; inside a class the columns are independent:
   categorical columns (missing as one more level) follow a categorical
   distribution, numeric columns (integers and datetimes too) a Gaussian on their
   *normal scores* -- the value pushed through its empirical distribution function
   and the standard normal quantile function -- and are missing with a per-class
   probability. Fitted by EM (vectorised, log-space, memory linear in the number of
   category levels).

   Because each class factorises over the columns, conditioning on *any* subset of
   cells is closed form: the posterior over the classes is the prior times the
   fixed cells' likelihoods; a class is drawn from it and the free cells from that
   class. Conditions on several columns at once -- categories, numbers,
   combinations never seen in training -- hold by construction, without rejection.

2. **Refinement** (``refine=True``): one Gibbs sweep that draws every *free*
   categorical cell again from a classification tree of that column on all the
   row's other cells (fixed ones included). The trees carry the sharp,
   non-linear dependence a mixture of a few dozen classes blurs (a diamond's cut
   given its depth and table); their leaves are calibrated at fit time so that
   the sweep keeps each column's marginal. Fixed cells are never redrawn.

Numbers are given back through bounded quantile knots (at most ``n_quantiles``),
which keep each marginal, including point masses such as a column that is 92 %
zeros. ID-like columns get fresh identifiers drawn from the character pattern of
the training IDs; free-text columns get text from a word-level Markov chain;
neither ever gives back a training value (both keep only 64-bit hashes of the
training values to check against).

The choice of this design over a Gaussian copula, a Gaussian mixture copula and
sequential CART was made by measurement: see ``docs/amplify_model_selection.md``
and ``benchmarks/amplify_candidates.py``.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri, ndtri_exp
from sklearn.utils._param_validation import Interval, StrOptions
from threadpoolctl import threadpool_limits

from skgen._strings import (
    fit_id_patterns,
    fit_markov_text,
    generate_ids,
    generate_markov_text,
    hash_strings,
)
from skgen.base import COMMON_PARAMETERS_DOC, BaseSynthesizer
from skgen.exceptions import ConditionError
from skgen.schema import as_float

# Probabilities are kept this far from 0 and 1 before taking normal quantiles.
_P_EPS = 1e-7
# Rows per block in the E-step, to bound memory at (block rows x n_components).
_BLOCK = 65_536
_LOG_2PI = float(np.log(2.0 * np.pi))
# Categorical columns with more levels than this get no tree (mixture draw only).
_MAX_TREE_LEVELS = 255
# Rows drawn from the mixture at fit time to calibrate the trees' leaves.
_N_CALIBRATION = 20_000
# The refinement trees are fitted on at most this many of the EM rows.
_MAX_TREE_ROWS = 50_000
# Grid of normal scores on which each column's calibration map is tabulated.
SCORE_GRID = np.linspace(-9.0, 9.0, 721)


# =========================================================================== marginals
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


# =========================================================================== mixture
def fit_mixture(
    onehot: sparse.csr_matrix,
    level_column: np.ndarray,
    Z: np.ndarray,
    obs: np.ndarray,
    *,
    n_components: int,
    max_iter: int,
    tol: float,
    alpha: float,
    reg_covar: float,
    rng: np.random.Generator,
) -> dict:
    """Fit a latent-class mixture of products by expectation-maximisation.

    Parameters
    ----------
    onehot : sparse matrix of shape (n_samples, n_levels)
        One-hot codes of every categorical column (missing as its own level),
        the columns' levels side by side.
    level_column : ndarray of shape (n_levels,)
        Which categorical column each level belongs to.
    Z : ndarray of shape (n_samples, n_numeric)
        Normal scores of the numeric columns (any value where missing).
    obs : ndarray of shape (n_samples, n_numeric)
        1.0 where the numeric cell is observed, 0.0 where missing.
    n_components : int
        Number of latent classes.
    max_iter : int
        Largest number of EM iterations.
    tol : float
        Stop when the mean log-likelihood per row improves by less than this.
    alpha : float
        Pseudo-count pulling each class's categorical and missingness
        probabilities towards the overall frequencies (so that no level seen in
        training ever gets probability zero).
    reg_covar : float
        Added to every variance.
    rng : numpy.random.Generator

    Returns
    -------
    dict
        ``weights`` (K,), ``log_theta`` (K, n_levels), ``means``, ``variances``,
        ``miss_prob`` (K, n_numeric), ``n_iter``, ``converged``, ``loglik``.

    Notes
    -----
    BLAS is limited to one thread while fitting: the products are thin (one side
    has ``n_components`` or ``4 n_numeric`` columns), gain little from threads
    and lose much when the cores are shared.

    References
    ----------
    Dempster, A. P., Laird, N. M. and Rubin, D. B. (1977). Maximum likelihood from
    incomplete data via the EM algorithm. JRSS B 39(1).
    Lazarsfeld, P. F. and Henry, N. W. (1968). Latent Structure Analysis.
    Vermunt, J. K. and Magidson, J. (2002). Latent class cluster analysis.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _em(onehot, level_column, Z, obs, n_components=n_components, max_iter=max_iter,
                   tol=tol, alpha=alpha, reg_covar=reg_covar, rng=rng)


def _em(
    onehot: sparse.csr_matrix,
    level_column: np.ndarray,
    Z: np.ndarray,
    obs: np.ndarray,
    *,
    n_components: int,
    max_iter: int,
    tol: float,
    alpha: float,
    reg_covar: float,
    rng: np.random.Generator,
) -> dict:
    """The EM iterations of :func:`fit_mixture`."""
    n, n_levels = onehot.shape
    d = Z.shape[1]
    k = int(min(n_components, n))
    level_prior = np.maximum(np.asarray(onehot.sum(axis=0)).ravel() / n, 1e-12)
    obs_prior = obs.mean(axis=0) if d else np.zeros(0)
    # float32 design: the E-step is one sparse and one dense product per block
    onehot32 = onehot.astype(np.float32)
    onehot_t = onehot32.T.tocsr()
    z_obs = Z * obs
    design = np.hstack([z_obs * Z, z_obs, obs, 1.0 - obs]).astype(np.float32)

    # initialise: each class centred on a distinct random row
    seeds = rng.choice(n, size=k, replace=False)
    theta = 0.5 * onehot[seeds].toarray() + 0.5 * level_prior
    means = np.where(obs[seeds] > 0, Z[seeds], 0.0)
    variances = np.full((k, d), 0.5)
    miss = np.tile(np.clip(1.0 - obs_prior, 1e-6, 1 - 1e-6), (k, 1))
    weights = np.full(k, 1.0 / k)

    prev = -np.inf
    converged = False
    mean_ll = -np.inf
    it = 0
    resp = np.empty((n, k), dtype=np.float32)
    for it in range(1, max_iter + 1):  # noqa: B007 - n_iter reported below
        # E-step, blocked over rows to bound memory at (block x k)
        log_theta = np.log(theta).T.astype(np.float32)
        prec = 1.0 / variances
        coef = np.vstack([-0.5 * prec.T, (means * prec).T,
                          (-0.5 * (means**2 * prec + np.log(variances) + _LOG_2PI)
                           + np.log1p(-miss)).T,
                          np.log(miss).T]).astype(np.float32)
        log_w = np.log(weights).astype(np.float32)
        total = 0.0
        for start in range(0, n, _BLOCK):
            sl = slice(start, start + _BLOCK)
            ll = onehot32[sl] @ log_theta + log_w
            if d:
                ll += design[sl] @ coef
            top = ll.max(axis=1, keepdims=True)
            np.exp(ll - top, out=ll)
            norm = ll.sum(axis=1, keepdims=True)
            total += float(np.sum(top, dtype=np.float64) + np.sum(np.log(norm), dtype=np.float64))
            resp[sl] = ll / norm
        mean_ll = total / n
        # M-step (sufficient statistics accumulated in float64)
        nk = resp.sum(axis=0, dtype=np.float64) + 1e-10
        weights = nk / n
        counts = np.asarray(onehot_t @ resp, dtype=np.float64).T  # (k, n_levels)
        theta = (counts + alpha * level_prior) / (nk[:, None] + alpha)
        if d:
            stats = (design[:, : 3 * d].T @ resp).astype(np.float64)
            s2, s1, w = stats[:d].T, stats[d: 2 * d].T, stats[2 * d:].T
            safe = np.maximum(w, 1e-10)
            means = np.where(w > 1e-10, s1 / safe, 0.0)
            variances = np.maximum(s2 / safe - means**2, 0.0) + reg_covar
            variances = np.where(w > 1e-10, variances, 1.0)
            miss = ((nk[:, None] - w) + alpha * (1.0 - obs_prior)) / (nk[:, None] + alpha)
            miss = np.clip(miss, 1e-6, 1.0 - 1e-6)
        if abs(mean_ll - prev) < tol:
            converged = True
            break
        prev = mean_ll
    # normalise each column's level probabilities exactly
    if n_levels:
        col_tot = np.zeros((k, int(level_column.max()) + 1))
        np.add.at(col_tot.T, level_column, theta.T)
        theta = theta / col_tot[:, level_column]
    return {
        "weights": weights,
        "log_theta": np.log(theta),
        "means": means,
        "variances": variances,
        "miss_prob": miss,
        "n_iter": it,
        "converged": converged,
        "loglik": mean_ll,
    }


def calibration_map(weights: np.ndarray, means: np.ndarray, variances: np.ndarray
                    ) -> np.ndarray:
    """Map each column's class scores to exact standard-normal scores.

    The mixture's marginal distribution of a numeric column's score ``s``,
    ``G(s) = sum_k w_k Phi((s - mu_k) / sigma_k)``, is close to but not exactly
    standard normal (least so in the tails). Sending a drawn score through
    ``h(s) = Phi^-1(G(s))`` before the quantile knots makes the generated
    marginal the training marginal exactly, extremes included.

    Parameters
    ----------
    weights : ndarray of shape (n_components,)
    means, variances : ndarray of shape (n_components, n_numeric)

    Returns
    -------
    ndarray of shape (n_numeric, len(SCORE_GRID))
        ``h`` tabulated on :data:`SCORE_GRID`, strictly increasing.
    """
    log_w = np.log(weights)
    sd = np.sqrt(variances)
    out = np.empty((means.shape[1], SCORE_GRID.size))
    for d in range(means.shape[1]):
        zc = (SCORE_GRID[:, None] - means[:, d]) / sd[:, d]
        lower = logsumexp(log_w + log_ndtr(zc), axis=1)
        upper = logsumexp(log_w + log_ndtr(-zc), axis=1)
        h = np.where(lower < upper, ndtri_exp(np.minimum(lower, 0.0)),
                     -ndtri_exp(np.minimum(upper, 0.0)))
        h = np.clip(np.nan_to_num(h, nan=0.0), -40.0, 40.0)
        out[d] = np.maximum.accumulate(h) + 1e-9 * np.arange(SCORE_GRID.size)
    return out


def _log_interval_prob(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, stable in both tails."""
    # use the tail where the difference is not a difference of numbers near 1
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    log_hi = log_ndtr(hi)
    log_lo = log_ndtr(lo)
    return log_hi + np.log1p(-np.exp(np.minimum(log_lo - log_hi, -1e-300)))


def numeric_fixed_loglik(
    x: np.ndarray,
    probs: np.ndarray,
    knots: np.ndarray,
    means: np.ndarray,
    variances: np.ndarray,
    calibration: np.ndarray,
) -> np.ndarray:
    """Log-likelihood of fixed values of one numeric column under every class.

    A value that is a point mass of the column contributes the probability its
    normal-score interval has under each class's Gaussian; any other value the
    Gaussian density at its normal score.

    Parameters
    ----------
    x : ndarray of shape (m,)
        Fixed values, in the column's numeric scale.
    probs, knots : ndarray of shape (n_knots,)
        The column's quantile knots.
    means, variances : ndarray of shape (n_components,)
        Each class's normal-score Gaussian.
    calibration : ndarray of shape (len(SCORE_GRID),)
        The column's map from class scores to standard-normal scores
        (:func:`calibration_map`), inverted here.

    Returns
    -------
    ndarray of shape (m, n_components)
    """
    lo, hi = quantile_interval(x, probs, knots)
    a = np.interp(ndtri(np.clip(lo, _P_EPS, 1.0 - _P_EPS)), calibration, SCORE_GRID)[:, None]
    b = np.interp(ndtri(np.clip(hi, _P_EPS, 1.0 - _P_EPS)), calibration, SCORE_GRID)[:, None]
    sd = np.sqrt(variances)[None, :]
    interval = (b - a) > 1e-9
    out = np.empty((x.size, means.size))
    if interval.any():
        rows = interval.ravel()
        out[rows] = _log_interval_prob((a[rows] - means) / sd, (b[rows] - means) / sd)
    if (~interval).any():
        rows = ~interval.ravel()
        zc = (a[rows] - means) / sd
        out[rows] = -0.5 * (zc**2 + _LOG_2PI) - np.log(sd)
    return out


def sample_rows_categorical(
    probs_cum: np.ndarray, component: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draw one level per row from the row's class distribution, vectorised.

    Parameters
    ----------
    probs_cum : ndarray of shape (n_components, n_levels)
        Cumulative level probabilities of each class (last column 1).
    component : ndarray of shape (m,)
        Class of each row.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (m,)
        Level index per row. Memory stays at (n_components x n_levels): rows
        search one flat table in which class ``k`` occupies ``[k, k + 1]``.
    """
    k, n_levels = probs_cum.shape
    flat = (probs_cum + np.arange(k)[:, None]).ravel()
    pos = np.searchsorted(flat, component + rng.random(component.size), side="right")
    return np.clip(pos - component * n_levels, 0, n_levels - 1)


def sample_components(log_post: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one class per row from its unnormalised log-probabilities.

    Parameters
    ----------
    log_post : ndarray of shape (m, n_components)
        Log-probabilities up to a constant per row.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int of shape (m,)
    """
    p = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    cum = np.cumsum(p, axis=1)
    u = rng.random(p.shape[0]) * cum[:, -1]
    return np.minimum((cum < u[:, None]).sum(axis=1), p.shape[1] - 1)


# =========================================================================== refinement
def fit_leaf_tree(
    X: np.ndarray,
    y: np.ndarray,
    n_levels: int,
    feature_map: np.ndarray,
    X_cal: np.ndarray,
    *,
    min_samples_leaf: int,
    max_features,
    random_state: int,
    max_iter: int = 100,
) -> dict:
    """A classification tree stored as plain arrays, its leaves calibrated to the marginal.

    The tree learns ``P(level | other columns)`` on the training rows. Applied
    to generated rows, whose other columns follow the mixture rather than the
    data, its leaf distributions would shift the column's marginal; each
    level's probability is therefore reweighted (the same weight in every
    leaf) until the levels drawn for the calibration rows ``X_cal`` follow the
    training frequencies -- the EM prior-shift correction of Saerens et al.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_inputs), float32
        Inputs (the other columns, encoded).
    y : ndarray of shape (n_samples,)
        Level codes of the column to predict, in ``[0, n_levels)``.
    n_levels : int
        Number of levels (missing included).
    feature_map : ndarray of shape (n_inputs,)
        Position of each input in the full feature matrix used at sampling.
    X_cal : ndarray of shape (n_calibration, n_inputs), float32
        Inputs of rows generated by the mixture.
    min_samples_leaf, max_features, random_state :
        Passed to :class:`sklearn.tree.DecisionTreeClassifier`.
    max_iter : int, default=100
        Iterations of the prior-shift correction.

    Returns
    -------
    dict
        ``left``, ``right``, ``feature``, ``threshold`` (per node), ``depth``,
        and the leaves' level distributions as a flat table: ``leaf_cum``
        (cumulative probability plus node id, increasing) and ``leaf_code``
        (level of each entry). Memory is linear in the leaves' distinct
        levels, never nodes x levels.

    References
    ----------
    Breiman, L., Friedman, J., Olshen, R. and Stone, C. (1984). Classification
    and Regression Trees. Wadsworth.
    Saerens, M., Latinne, P. and Decaestecker, C. (2002). Adjusting the outputs
    of a classifier to new a priori probabilities: a simple procedure. Neural
    Computation 14(1), 21-41.
    """
    from sklearn.tree import DecisionTreeClassifier

    clf = DecisionTreeClassifier(min_samples_leaf=min_samples_leaf, max_features=max_features,
                                 random_state=random_state).fit(X, y)
    t = clf.tree_
    leaf = t.children_left < 0
    probs = np.zeros((t.node_count, n_levels))
    probs[:, clf.classes_] = t.value[:, 0, :]
    probs[~leaf] = 0.0
    probs /= np.maximum(probs.sum(axis=1, keepdims=True), 1e-300)
    target = np.bincount(y, minlength=n_levels) / y.size
    visits = np.bincount(clf.apply(X_cal), minlength=t.node_count).astype(float)
    visits /= max(visits.sum(), 1.0)
    weight = np.ones(n_levels)
    adjusted = probs
    for _ in range(max_iter):
        adjusted = probs * weight
        adjusted /= np.maximum(adjusted.sum(axis=1, keepdims=True), 1e-300)
        drawn = visits @ adjusted
        if np.abs(drawn - target).max() < 1e-4:
            break
        weight = np.clip(weight * target / np.maximum(drawn, 1e-12), 1e-3, 1e3)
    node, code = np.nonzero(adjusted > 0)
    prob = adjusted[node, code]
    cum = np.cumsum(prob)
    first = np.r_[True, node[1:] != node[:-1]]
    start = np.flatnonzero(first)[np.cumsum(first) - 1]
    cum = cum - (cum[start] - prob[start])
    cum[np.r_[node[1:] != node[:-1], True]] = 1.0
    feature = np.where(leaf, -1, feature_map[np.maximum(t.feature, 0)])
    return {
        "left": t.children_left.astype(np.int64),
        "right": t.children_right.astype(np.int64),
        "feature": feature.astype(np.int64),
        "threshold": t.threshold.astype(np.float64),
        "depth": int(t.max_depth),
        "leaf_cum": cum + node,
        "leaf_code": code.astype(np.int64),
    }


def sample_leaf_tree(tree: dict, F: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw a level per row from the class distribution of the row's leaf.

    Parameters
    ----------
    tree : dict
        From :func:`fit_leaf_tree`.
    F : ndarray of shape (m, n_features), float32
        Every row's encoded columns.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of shape (m,)
        Level codes.
    """
    left, right, feature, threshold = (tree["left"], tree["right"], tree["feature"],
                                       tree["threshold"])
    m = F.shape[0]
    node = np.zeros(m, dtype=np.int64)
    rows = np.arange(m)
    for _ in range(tree["depth"]):
        f = feature[node]
        inner = f >= 0
        if not inner.any():
            break
        x = F[rows, np.maximum(f, 0)]
        step = np.where(x <= threshold[node], left[node], right[node])
        node = np.where(inner, step, node)
    pos = np.searchsorted(tree["leaf_cum"], node + rng.random(m), side="right")
    return tree["leaf_code"][np.minimum(pos, tree["leaf_code"].size - 1)]


# =========================================================================== estimator
def _as_numbers(s: pd.Series, is_datetime: bool) -> np.ndarray:
    return as_float(s, "datetime" if is_datetime else "numeric")


class AmplifySampler(BaseSynthesizer):
    """Fast statistical synthesizer with exact conditional sampling on any columns.

    A latent-class mixture ("mixture of products"): each row belongs to one of
    ``n_components`` classes; within a class, categorical columns (missing as
    one more level) are independent categorical variables and numeric,
    integer and datetime columns independent Gaussians on their normal scores
    (``Phi^-1`` of the empirical CDF), each missing with a per-class
    probability. It is fitted by EM in time linear in the number of rows and
    memory linear in the number of category levels, and needs no GPU.

    Conditioning is exact and costs no rejection: for every seed row the class
    is drawn from its posterior given the row's fixed cells (categories,
    numbers, several columns at once, also combinations never seen in
    training), then the free cells from that class. With ``refine=True`` each
    free categorical cell is then drawn once more from a classification tree
    of its column given all the row's other cells -- one Gibbs sweep of a
    dependency network -- which keeps sharp dependence the mixture blurs; the
    trees' leaf distributions are calibrated at fit time so that the sweep
    preserves every column's marginal. Fixed cells are never redrawn.

    Numbers go back through at most ``n_quantiles`` quantile knots per column,
    which keep marginals and point masses (e.g. a column that is mostly
    zeros). ID-like columns receive fresh IDs in the training character
    pattern, free-text columns text from a word-level Markov chain; neither
    repeats a training value.

    Parameters
    ----------
    n_components : int, default=60
        Number of latent classes. More classes capture finer dependence
        between columns, at linear cost in fit and sample time.
    max_iter : int, default=100
        Largest number of EM iterations.
    tol : float, default=1e-3
        EM stops when the mean log-likelihood per row improves by less.
    alpha : float, default=1.0
        Pseudo-count that pulls each class's category and missingness
        probabilities towards the overall frequencies, so every level seen in
        training keeps a non-zero probability in every class.
    reg_covar : float, default=1e-3
        Added to every class variance (normal-score scale) for stability.
    n_quantiles : int, default=1000
        Knots kept per numeric column to map normal scores back to values. A
        column with at most this many distinct values is kept exactly.
    refine : bool, default=True
        Whether to redraw each free categorical cell (of a column with at most
        255 levels) from its calibrated tree given the row's other cells.
        ``False`` samples from the mixture alone (faster to fit, weaker on
        dependence a classifier needs).
    min_samples_leaf : int, default=20
        Smallest leaf of the refinement trees
        (:class:`sklearn.tree.DecisionTreeClassifier`); larger leaves give
        smoother conditionals.
    max_features : int, float, {"sqrt", "log2"} or None, default=64
        Columns the refinement trees consider at each split, as in
        :class:`sklearn.tree.DecisionTreeClassifier` (an int larger than the
        number of other columns means all of them). The default considers
        every column of tables up to 65 columns and bounds the cost of wider
        ones; ``None`` always considers all, ``"sqrt"`` fits fastest.
    subsample : int or None, default=200_000
        Largest number of rows EM is fitted on (drawn at random; the
        refinement trees use at most 50,000 of them); the quantile knots, ID
        patterns and text chains always use every row. ``None`` runs EM on
        every row.
    %(common)s

    Attributes
    ----------
    weights_ : ndarray of shape (n_components,)
        Class probabilities.
    category_log_probs_ : ndarray of shape (n_components, n_levels)
        Log-probability of every level of every categorical column in every
        class; the columns' levels sit side by side (see ``level_offsets_``).
    means_, variances_ : ndarray of shape (n_components, n_numeric)
        Each class's Gaussian on the normal scores of each numeric column.
    missing_probs_ : ndarray of shape (n_components, n_numeric)
        Each class's probability that a numeric cell is missing.
    n_iter_ : int
        EM iterations run.
    converged_ : bool
        Whether EM met ``tol`` before ``max_iter``.
    lower_bound_ : float
        Mean log-likelihood per row at the last iteration.
    roles_ : list of str
        Per training column: ``"categorical"``, ``"numeric"``, ``"id"`` or
        ``"text"``.
    categorical_index_, numeric_index_, id_index_, text_index_ : list of int
        Positions (in the training columns) of the columns in each role.
    categories_ : list of list
        Levels of each categorical column (missing not included).
    has_missing_level_ : list of bool
        Whether each categorical column's last level stands for missing.
    level_offsets_ : ndarray of shape (n_categorical + 1,)
        Where each categorical column's levels start in
        ``category_log_probs_``.
    is_datetime_ : list of bool
        Per numeric column, whether it holds datetimes (as nanoseconds).
    quantile_probs_, quantile_knots_ : list of ndarray
        Per numeric column, the knots of its quantile function.
    calibration_ : ndarray of shape (n_numeric, len(SCORE_GRID))
        Per numeric column, the map from class scores to standard-normal
        scores that makes generated marginals exact (:func:`calibration_map`).
    id_patterns_, id_pattern_weights_ : list
        Per ID column, its character patterns and their frequencies.
    id_hashes_, text_hashes_ : list of ndarray of uint64
        Sorted 64-bit hashes of the training IDs / texts, to refuse them.
    text_chains_ : list of dict
        Per text column, its word-level Markov chain.
    tree_columns_ : list of int
        Categorical columns (positions among ``categorical_index_``) that have
        a refinement tree, in the order the sweep redraws them.
    trees_ : list of dict
        The refinement trees as plain arrays (see :func:`fit_leaf_tree`).

    See Also
    --------
    sklearn.mixture.GaussianMixture : the numeric-only analogue of the mixture.

    Notes
    -----
    The design and the defaults were chosen by measurement on the Adult and
    diamonds tables against a Gaussian copula, a Gaussian mixture copula with
    full covariance and sequential CART; see
    ``docs/amplify_model_selection.md``. Fitting is linear in the rows (EM on
    at most ``subsample`` rows); sampling is vectorised over rows, with
    per-column loops only.

    References
    ----------
    Lazarsfeld, P. F. and Henry, N. W. (1968). Latent Structure Analysis.
    Houghton Mifflin.
    Dempster, A. P., Laird, N. M. and Rubin, D. B. (1977). Maximum likelihood
    from incomplete data via the EM algorithm. JRSS B 39(1), 1-38.
    Vermunt, J. K. and Magidson, J. (2002). Latent class cluster analysis. In
    Applied Latent Class Analysis, Cambridge University Press.
    Dunson, D. B. and Xing, C. (2009). Nonparametric Bayes modeling of
    multivariate categorical data. JASA 104(487), 1042-1051.
    Heckerman, D., Chickering, D. M., Meek, C., Rounthwaite, R. and Kadie, C.
    (2000). Dependency networks for inference, collaborative filtering, and
    data visualization. JMLR 1, 49-75.
    Saerens, M., Latinne, P. and Decaestecker, C. (2002). Adjusting the outputs
    of a classifier to new a priori probabilities. Neural Computation 14(1).

    Examples
    --------
    >>> from skgen import AmplifySampler
    >>> from skgen.datasets import load_adult
    >>> syn = AmplifySampler(random_state=0).fit(load_adult())
    >>> rows = syn.sample(100, conditions={"age": 50, "sex": "Female", "income": ">50K"})
    >>> bool((rows["age"] == 50).all())
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseSynthesizer._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "reg_covar": [Interval(Real, 0, None, closed="left")],
        "n_quantiles": [Interval(Integral, 2, None, closed="left")],
        "refine": ["boolean"],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "max_features": [Interval(Integral, 1, None, closed="left"),
                         Interval(Real, 0, 1, closed="right"), StrOptions({"sqrt", "log2"}),
                         None],
        "subsample": [Interval(Integral, 1, None, closed="left"), None],
    }
    #: Fitted attributes a model file holds (see :mod:`skgen.persistence`).
    _fitted_attributes = (
        "roles_", "categorical_index_", "numeric_index_", "id_index_", "text_index_",
        "categories_", "has_missing_level_", "is_datetime_", "quantile_probs_",
        "quantile_knots_", "id_patterns_", "id_pattern_weights_", "id_hashes_", "text_chains_",
        "text_hashes_", "level_offsets_", "weights_", "category_log_probs_", "means_",
        "variances_", "missing_probs_", "n_iter_", "converged_", "lower_bound_", "calibration_",
        "tree_columns_", "trees_")

    def __init__(
        self,
        *,
        n_components: int = 60,
        max_iter: int = 100,
        tol: float = 1e-3,
        alpha: float = 1.0,
        reg_covar: float = 1e-3,
        n_quantiles: int = 1000,
        refine: bool = True,
        min_samples_leaf: int = 20,
        max_features=64,
        subsample: int | None = 200_000,
        validators=None,
        max_invalid: int | None = None,
        data_checks: str = "log",
        verbose: int = 0,
        n_jobs: int | None = None,
        random_state=None,
    ) -> None:
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.alpha = alpha
        self.reg_covar = reg_covar
        self.n_quantiles = n_quantiles
        self.refine = refine
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.subsample = subsample
        self.validators = validators
        self.max_invalid = max_invalid
        self.data_checks = data_checks
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _fit(self, X: pd.DataFrame, rng: np.random.Generator) -> None:
        """Learn marginals, ID patterns, text chains, the mixture (EM) and the trees."""
        codes, scores, observed = self._fit_columns(X, rng)
        n = len(X)
        rows = np.arange(n)
        if self.subsample is not None and n > self.subsample:
            rows = np.sort(rng.choice(n, size=self.subsample, replace=False))
        codes = [c[rows] for c in codes]
        self._fit_mixture(codes, [z[rows] for z in scores], [o[rows] for o in observed],
                          rows.size, rng)
        self.tree_columns_, self.trees_ = [], []
        if not self.refine:
            return
        if rows.size > _MAX_TREE_ROWS:
            pick = np.sort(rng.choice(rows.size, size=_MAX_TREE_ROWS, replace=False))
            rows, codes = rows[pick], [c[pick] for c in codes]
        numbers = [_as_numbers(X[self.schema_.names[i]].iloc[rows], dt)
                   for i, dt in zip(self.numeric_index_, self.is_datetime_, strict=True)]
        self._fit_trees(self._tree_features(codes, numbers), codes, rng)

    def _fit_columns(self, X: pd.DataFrame, rng: np.random.Generator) -> tuple:
        """Per-column state; returns level codes, normal scores and observed masks."""
        n = len(X)
        self.roles_ = []
        self.categorical_index_, self.numeric_index_ = [], []
        self.id_index_, self.text_index_ = [], []
        self.categories_, self.has_missing_level_ = [], []
        self.is_datetime_, self.quantile_probs_, self.quantile_knots_ = [], [], []
        self.id_patterns_, self.id_pattern_weights_, self.id_hashes_ = [], [], []
        self.text_chains_, self.text_hashes_ = [], []
        codes, scores, observed = [], [], []
        for i, col in enumerate(self.schema_.columns):
            s = X[col.name]
            if col.kind in ("categorical", "boolean"):
                levels = list(col.categories or [])
                c = pd.Categorical(s, categories=levels).codes.astype(np.int64)
                missing = c < 0
                self.roles_.append("categorical")
                self.categorical_index_.append(i)
                self.categories_.append(levels)
                self.has_missing_level_.append(bool(missing.any()))
                codes.append(np.where(missing, len(levels), c))
            elif col.kind in ("numeric", "integer", "datetime"):
                v = _as_numbers(s, col.kind == "datetime")
                ok = np.isfinite(v)
                p, q = fit_quantile_knots(v[ok], self.n_quantiles)
                z = np.zeros(n)
                z[ok] = randomized_pit(v[ok], rng)
                self.roles_.append("numeric")
                self.numeric_index_.append(i)
                self.is_datetime_.append(col.kind == "datetime")
                self.quantile_probs_.append(p)
                self.quantile_knots_.append(q)
                scores.append(z)
                observed.append(ok)
            elif col.kind == "id":
                values = s.dropna().astype(str)
                patterns, weights = fit_id_patterns(values)
                self.roles_.append("id")
                self.id_index_.append(i)
                self.id_patterns_.append(patterns)
                self.id_pattern_weights_.append(weights)
                self.id_hashes_.append(np.unique(hash_strings(values.tolist())))
            else:  # free text
                values = s.dropna().astype(str)
                self.roles_.append("text")
                self.text_index_.append(i)
                self.text_chains_.append(fit_markov_text(values))
                self.text_hashes_.append(np.unique(hash_strings(values.tolist())))
        sizes = [len(lv) + int(m) for lv, m in zip(self.categories_, self.has_missing_level_,
                                                    strict=True)]
        self.level_offsets_ = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        return codes, scores, observed

    def _fit_mixture(self, codes: list, scores: list, observed: list, n_fit: int,
                     rng: np.random.Generator) -> None:
        n_cat = len(codes)
        flat = ((np.column_stack(codes) + self.level_offsets_[:-1]).ravel() if n_cat
                else np.zeros(0, dtype=np.int64))
        indptr = np.arange(n_fit + 1, dtype=np.int64) * n_cat
        onehot = sparse.csr_matrix((np.ones(flat.size), flat, indptr),
                                   shape=(n_fit, int(self.level_offsets_[-1])))
        level_column = np.repeat(np.arange(n_cat), np.diff(self.level_offsets_))
        fitted = fit_mixture(
            onehot, level_column,
            np.column_stack(scores) if scores else np.zeros((n_fit, 0)),
            np.column_stack(observed).astype(float) if observed else np.zeros((n_fit, 0)),
            n_components=self.n_components, max_iter=self.max_iter, tol=self.tol,
            alpha=self.alpha, reg_covar=self.reg_covar, rng=rng)
        self.weights_ = fitted["weights"]
        self.category_log_probs_ = fitted["log_theta"]
        self.means_ = fitted["means"]
        self.variances_ = fitted["variances"]
        self.missing_probs_ = fitted["miss_prob"]
        self.n_iter_ = int(fitted["n_iter"])
        self.converged_ = bool(fitted["converged"])
        self.lower_bound_ = float(fitted["loglik"])
        self.calibration_ = calibration_map(self.weights_, self.means_, self.variances_)

    def _tree_features(self, codes: list, numbers: list) -> np.ndarray:
        """Encode rows for the trees: level codes, then numbers as CDF positions (-1: missing)."""
        m = codes[0].size if codes else (numbers[0].size if numbers else 0)
        F = np.empty((m, len(codes) + len(numbers)), dtype=np.float32)
        for j, c in enumerate(codes):
            F[:, j] = c
        for d, v in enumerate(numbers):
            ok = np.isfinite(v)
            lo, hi = quantile_interval(v[ok], self.quantile_probs_[d], self.quantile_knots_[d])
            col = np.full(m, -1.0)
            col[ok] = 0.5 * (lo + hi)
            F[:, len(codes) + d] = col
        return F

    def _fit_trees(self, F: np.ndarray, codes: list, rng: np.random.Generator) -> None:
        """One tree per categorical column (2 to 255 levels) on every other column.

        The trees are fitted in the order the sampler applies them; each is
        calibrated on rows drawn from the mixture and refined by the trees
        before it, exactly as at sampling time.
        """
        if not codes or F.shape[1] < 2:
            return
        n_cal = min(F.shape[0], _N_CALIBRATION)
        z = rng.choice(self.weights_.size, size=n_cal, p=self.weights_ / self.weights_.sum())
        cal_codes = self._draw_categorical([np.full(n_cal, -1, dtype=np.int64)] * len(codes),
                                           z, rng)
        cal_numbers = self._draw_numeric([np.full(n_cal, np.nan)] * len(self.numeric_index_),
                                         z, rng)
        F_cal = self._tree_features(cal_codes, cal_numbers)
        n_levels = np.diff(self.level_offsets_)
        for j, c in enumerate(codes):
            if not 2 <= n_levels[j] <= _MAX_TREE_LEVELS or np.unique(c).size < 2:
                continue
            others = np.delete(np.arange(F.shape[1]), j)
            max_features = self.max_features
            if isinstance(max_features, Integral) and max_features >= others.size:
                max_features = None
            tree = fit_leaf_tree(F[:, others], c, int(n_levels[j]), others, F_cal[:, others],
                                 min_samples_leaf=self.min_samples_leaf,
                                 max_features=max_features,
                                 random_state=int(rng.integers(2**31 - 1)))
            self.tree_columns_.append(j)
            self.trees_.append(tree)
            F_cal[:, j] = sample_leaf_tree(tree, F_cal, rng)

    # ------------------------------------------------------------- generate
    def _generate(self, seeds: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Draw one row per seed row given the row's fixed cells.

        The class comes from its posterior given the fixed cells, the free
        cells from that class; then (``refine=True``) each free categorical
        cell is drawn again, once, from its tree given all the row's other
        cells -- one sweep of Gibbs sampling.
        """
        names = self.schema_.names
        m = len(seeds)
        fixed = {name: seeds[name].notna().to_numpy() for name in names}
        cat_codes, fixed_numbers = self._encode_fixed(seeds, fixed)
        z = self._draw_classes(cat_codes, fixed_numbers, m, rng)
        cat_codes = self._draw_categorical(cat_codes, z, rng)
        numbers = self._draw_numeric(fixed_numbers, z, rng)
        if self.trees_:
            F = self._tree_features(cat_codes, numbers)
            for j, tree in zip(self.tree_columns_, self.trees_, strict=True):
                free = np.flatnonzero(~fixed[names[self.categorical_index_[j]]])
                if free.size:
                    new = sample_leaf_tree(tree, F[free], rng)
                    cat_codes[j][free] = new
                    F[free, j] = new

        out: dict = {}
        for j, i in enumerate(self.categorical_index_):
            levels = np.empty(self.level_offsets_[j + 1] - self.level_offsets_[j], dtype=object)
            levels[:] = np.nan
            levels[: len(self.categories_[j])] = self.categories_[j]
            values = levels[cat_codes[j]]
            keep = fixed[names[i]]
            values[keep] = seeds[names[i]].to_numpy(dtype=object)[keep]
            out[names[i]] = values
        for d, i in enumerate(self.numeric_index_):
            v = numbers[d]
            if self.is_datetime_[d]:
                ok = np.isfinite(v)
                ts = np.full(m, np.datetime64("NaT"), dtype="datetime64[ns]")
                ts[ok] = np.round(v[ok]).astype(np.int64).astype("datetime64[ns]")
                keep = fixed[names[i]]
                ts[keep] = pd.to_datetime(seeds[names[i]][keep]).to_numpy(
                    dtype="datetime64[ns]")
                out[names[i]] = ts
            else:
                out[names[i]] = v
        for j, i in enumerate(self.id_index_):
            out[names[i]] = self._fill_strings(
                seeds[names[i]], fixed[names[i]], self.schema_.columns[i].missing_rate, rng,
                lambda size, j=j: generate_ids(self.id_patterns_[j], self.id_pattern_weights_[j],
                                               self.id_hashes_[j], size, rng))
        for j, i in enumerate(self.text_index_):
            out[names[i]] = self._fill_strings(
                seeds[names[i]], fixed[names[i]], self.schema_.columns[i].missing_rate, rng,
                lambda size, j=j: generate_markov_text(self.text_chains_[j],
                                                       self.text_hashes_[j], size, rng))
        return pd.DataFrame({name: out[name] for name in names}, index=seeds.index)

    def _encode_fixed(self, seeds: pd.DataFrame, fixed: dict) -> tuple[list, list]:
        """Level codes (-1 where free) and numbers (NaN where free) of the fixed cells."""
        names = self.schema_.names
        cat_codes = []
        for j, i in enumerate(self.categorical_index_):
            c = np.full(len(seeds), -1, dtype=np.int64)
            keep = fixed[names[i]]
            if keep.any():
                got = pd.Categorical(seeds[names[i]][keep], categories=self.categories_[j]).codes
                if (got < 0).any():
                    bad = seeds[names[i]][keep].to_numpy()[got < 0][0]
                    raise ConditionError(f"value {bad!r} for column {names[i]!r} never occurs "
                                         "in training", column=names[i], value=bad)
                c[keep] = got
            cat_codes.append(c)
        numbers = [_as_numbers(seeds[names[i]], dt)
                   for i, dt in zip(self.numeric_index_, self.is_datetime_, strict=True)]
        return cat_codes, numbers

    def _draw_classes(self, cat_codes: list, fixed_numbers: list, m: int,
                      rng: np.random.Generator) -> np.ndarray:
        """One class per row from its posterior given the row's fixed cells."""
        log_post = np.tile(np.log(self.weights_), (m, 1))
        for j, c in enumerate(cat_codes):
            keep = c >= 0
            if keep.any():
                log_post[keep] += self.category_log_probs_[:, self.level_offsets_[j] + c[keep]].T
        for d, x in enumerate(fixed_numbers):
            keep = np.isfinite(x)
            if keep.any():
                log_post[keep] += numeric_fixed_loglik(
                    x[keep], self.quantile_probs_[d], self.quantile_knots_[d],
                    self.means_[:, d], self.variances_[:, d], self.calibration_[d]
                ) + np.log1p(-self.missing_probs_[:, d])
        if self.weights_.size == 1:
            return np.zeros(m, dtype=np.int64)
        return sample_components(log_post, rng)

    def _draw_categorical(self, cat_codes: list, z: np.ndarray,
                          rng: np.random.Generator) -> list:
        out = []
        for j, c in enumerate(cat_codes):
            c = c.copy()
            free = c < 0
            if free.any():
                lo, hi = self.level_offsets_[j], self.level_offsets_[j + 1]
                cum = np.cumsum(np.exp(self.category_log_probs_[:, lo:hi]), axis=1)
                cum /= cum[:, -1:]
                c[free] = sample_rows_categorical(cum, z[free], rng)
            out.append(c)
        return out

    def _draw_numeric(self, fixed_numbers: list, z: np.ndarray,
                      rng: np.random.Generator) -> list:
        out = []
        for d, x in enumerate(fixed_numbers):
            v = x.copy()
            free = ~np.isfinite(x)
            zf = z[free]
            score = self.means_[zf, d] + np.sqrt(self.variances_[zf, d]) * \
                rng.standard_normal(zf.size)
            u = ndtr(np.interp(score, SCORE_GRID, self.calibration_[d]))
            gen = quantile_inverse(u, self.quantile_probs_[d], self.quantile_knots_[d])
            gen[rng.random(zf.size) < self.missing_probs_[zf, d]] = np.nan
            v[free] = gen
            out.append(v)
        return out

    @staticmethod
    def _fill_strings(seed: pd.Series, fixed: np.ndarray, missing_rate: float,
                      rng: np.random.Generator, make) -> np.ndarray:
        values = seed.to_numpy(dtype=object).copy()
        free = np.flatnonzero(~fixed)
        gaps = rng.random(free.size) < missing_rate
        values[free[gaps]] = np.nan
        todo = free[~gaps]
        if todo.size:
            values[todo] = make(todo.size)
        return values


AmplifySampler.__doc__ = AmplifySampler.__doc__.replace(
    "%(common)s", COMMON_PARAMETERS_DOC.strip())

__all__ = ["AmplifySampler"]
