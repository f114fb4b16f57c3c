"""AmplifySampler's latent-class mixture: EM fit, calibration and conditional draws.

Every row belongs to one of ``n_components`` classes; inside a class the columns
are independent: categorical columns (missing as one more level) follow a
categorical distribution, numeric columns a Gaussian on their normal scores and
are missing with a per-class probability (after EM, the numeric columns' residual
correlation inside the classes is kept as a few factors: :func:`residual_factors`).
Fitted by EM (vectorised, log-space, memory linear in the number of category
levels), written as sklearn's ``BaseMixture`` writes it: :func:`_initialize`,
then :func:`_e_step` and :func:`_m_step` until the mean log-likelihood stops
improving.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import sparse
from scipy.special import log_ndtr, logsumexp, ndtr, ndtri, ndtri_exp
from threadpoolctl import threadpool_limits

from skgen._progress import tqdm
from skgen.amplify._marginals import _P_EPS, quantile_interval
from skgen.base import fit_out_of_time

# Rows per block in the E-step, to bound memory at (block rows x n_components).
_BLOCK = 65_536
_LOG_2PI = float(np.log(2.0 * np.pi))
# Grid of normal scores on which each column's calibration map is tabulated.
SCORE_GRID = np.linspace(-9.0, 9.0, 721)


class _Data(NamedTuple):
    """What EM reads of the training rows, prepared once."""

    onehot32: sparse.csr_matrix  # (n, n_levels), float32
    onehot_t: sparse.csr_matrix  # its transpose, CSR, for the M-step counts
    design: np.ndarray  # (n, 4 d) float32: [z^2 obs, z obs, obs, 1 - obs]
    level_prior: np.ndarray  # (n_levels,) overall level frequencies
    obs_prior: np.ndarray  # (d,) overall observed rate per numeric column


class _Params(NamedTuple):
    """The mixture's parameters between EM steps."""

    weights: np.ndarray  # (k,)
    theta: np.ndarray  # (k, n_levels) level probabilities
    means: np.ndarray  # (k, d)
    variances: np.ndarray  # (k, d)
    miss: np.ndarray  # (k, d) probability that a numeric cell is missing


def _prepare(onehot: sparse.csr_matrix, Z: np.ndarray, obs: np.ndarray) -> _Data:
    """The float32 design: the E-step is one sparse and one dense product per block."""
    n = onehot.shape[0]
    onehot32 = onehot.astype(np.float32)
    z_obs = Z * obs
    return _Data(
        onehot32=onehot32,
        onehot_t=onehot32.T.tocsr(),
        design=np.hstack([z_obs * Z, z_obs, obs, 1.0 - obs]).astype(np.float32),
        level_prior=np.maximum(np.asarray(onehot.sum(axis=0)).ravel() / n, 1e-12),
        obs_prior=obs.mean(axis=0) if Z.shape[1] else np.zeros(0),
    )


def _initialize(data: _Data, onehot: sparse.csr_matrix, Z: np.ndarray, obs: np.ndarray,
                k: int, rng: np.random.Generator) -> _Params:
    """Each class centred on a distinct random row."""
    seeds = rng.choice(onehot.shape[0], size=k, replace=False)
    return _Params(
        weights=np.full(k, 1.0 / k),
        theta=0.5 * onehot[seeds].toarray() + 0.5 * data.level_prior,
        means=np.where(obs[seeds] > 0, Z[seeds], 0.0),
        variances=np.full((k, Z.shape[1]), 0.5),
        miss=np.tile(np.clip(1.0 - data.obs_prior, 1e-6, 1 - 1e-6), (k, 1)),
    )


def _e_step(data: _Data, params: _Params, resp: np.ndarray) -> float:
    """Class responsibilities of every row, blocked over rows to bound memory at (block x k).

    Parameters
    ----------
    data : _Data
    params : _Params
    resp : ndarray of shape (n_samples, n_components), float32
        Filled in place with each row's posterior class probabilities.

    Returns
    -------
    float
        Mean log-likelihood per row under ``params``.
    """
    n = resp.shape[0]
    d = data.obs_prior.size
    means, variances, miss = params.means, params.variances, params.miss
    log_theta = np.log(params.theta).T.astype(np.float32)
    prec = 1.0 / variances
    coef = np.vstack([-0.5 * prec.T, (means * prec).T,
                      (-0.5 * (means**2 * prec + np.log(variances) + _LOG_2PI)
                       + np.log1p(-miss)).T,
                      np.log(miss).T]).astype(np.float32)
    log_w = np.log(params.weights).astype(np.float32)
    total = 0.0
    for start in range(0, n, _BLOCK):
        sl = slice(start, start + _BLOCK)
        ll = data.onehot32[sl] @ log_theta + log_w
        if d:
            ll += data.design[sl] @ coef
        top = ll.max(axis=1, keepdims=True)
        np.exp(ll - top, out=ll)
        norm = ll.sum(axis=1, keepdims=True)
        total += float(np.sum(top, dtype=np.float64) + np.sum(np.log(norm), dtype=np.float64))
        resp[sl] = ll / norm
    return total / n


def _m_step(data: _Data, resp: np.ndarray, params: _Params, *, alpha: float,
            reg_covar: float) -> _Params:
    """Parameters maximising the expected log-likelihood under ``resp``.

    Sufficient statistics are accumulated in float64. ``params`` supplies the
    numeric parameters unchanged when there is no numeric column.
    """
    n = resp.shape[0]
    d = data.obs_prior.size
    nk = resp.sum(axis=0, dtype=np.float64) + 1e-10
    counts = np.asarray(data.onehot_t @ resp, dtype=np.float64).T  # (k, n_levels)
    theta = (counts + alpha * data.level_prior) / (nk[:, None] + alpha)
    means, variances, miss = params.means, params.variances, params.miss
    if d:
        stats = (data.design[:, : 3 * d].T @ resp).astype(np.float64)
        s2, s1, w = stats[:d].T, stats[d: 2 * d].T, stats[2 * d:].T
        safe = np.maximum(w, 1e-10)
        means = np.where(w > 1e-10, s1 / safe, 0.0)
        variances = np.maximum(s2 / safe - means**2, 0.0) + reg_covar
        variances = np.where(w > 1e-10, variances, 1.0)
        miss = ((nk[:, None] - w) + alpha * (1.0 - data.obs_prior)) / (nk[:, None] + alpha)
        miss = np.clip(miss, 1e-6, 1.0 - 1e-6)
    return _Params(weights=nk / n, theta=theta, means=means, variances=variances, miss=miss)


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
    verbose: int = 0,
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
        Draws the training rows that seed the initial classes.
    verbose : int, default=0
        Show a progress bar over the iterations, with the mean log-likelihood
        per row, when positive.

    Returns
    -------
    dict
        ``weights`` (K,), ``log_theta`` (K, n_levels), ``means``, ``variances``,
        ``miss_prob`` (K, n_numeric), ``n_iter``, ``converged``, ``loglik``,
        and ``resp`` (n_samples, K), the rows' class probabilities at the last
        E-step.

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
    n, n_levels = onehot.shape
    k = int(min(n_components, n))
    with threadpool_limits(limits=1, user_api="blas"):
        data = _prepare(onehot, Z, obs)
        params = _initialize(data, onehot, Z, obs, k, rng)
        prev = -np.inf
        converged = False
        mean_ll = -np.inf
        it = 0
        resp = np.empty((n, k), dtype=np.float32)
        bar = tqdm(total=max_iter, disable=not verbose, desc="AmplifySampler EM", unit="iter")
        for it in range(1, max_iter + 1):  # noqa: B007 - n_iter reported below
            mean_ll = _e_step(data, params, resp)
            params = _m_step(data, resp, params, alpha=alpha, reg_covar=reg_covar)
            bar.set_postfix(loglik=f"{mean_ll:.4f}", refresh=False)
            bar.update()
            if abs(mean_ll - prev) < tol:
                converged = True
                break
            prev = mean_ll
            if fit_out_of_time():  # a fit_time_budget is spent: keep what EM has so far
                break
        bar.close()
    # normalise each column's level probabilities exactly
    theta = params.theta
    if n_levels:
        col_tot = np.zeros((k, int(level_column.max()) + 1))
        np.add.at(col_tot.T, level_column, theta.T)
        theta = theta / col_tot[:, level_column]
    return {
        "weights": params.weights,
        "log_theta": np.log(theta),
        "means": params.means,
        "variances": params.variances,
        "miss_prob": params.miss,
        "n_iter": it,
        "converged": converged,
        "loglik": mean_ll,
        "resp": resp,
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


def residual_factors(Z: np.ndarray, obs: np.ndarray, resp: np.ndarray, means: np.ndarray,
                     variances: np.ndarray, calibration: np.ndarray, rng: np.random.Generator,
                     *, max_rank: int = 32, floor: float = 0.01) -> np.ndarray:
    """Loadings of the correlation the numeric columns keep inside a class.

    The classes' Gaussians are products: within a class two numeric columns are
    independent, and a few dozen classes reproduce a strong correlation only in
    part (lending club's ``revol_util`` and ``all_util``, 0.66 in the data,
    came out at 0.21). Each row's class is drawn from its responsibilities and
    its standardised residuals ``(s - mu) / sigma`` (``s`` the class score of
    the row's normal score, through ``calibration``) are correlated over the
    rows where both cells are observed. The correlation, shrunk by ``floor``
    toward the identity, is kept as a factor model ``W W' + diag(psi)`` of
    rank at most ``max_rank`` (``psi = 1 - rowsum(W^2) >= floor``), so that
    drawing costs ``n x d x rank`` and conditioning on fixed cells a small
    ``rank x rank`` system. Together with the classes this is a mixture of
    Gaussian copulas.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_numeric)
        Normal scores of the numeric cells (any value where missing).
    obs : ndarray of shape (n_samples, n_numeric)
        1.0 where observed, 0.0 where missing.
    resp : ndarray of shape (n_samples, n_components)
        The rows' class probabilities.
    means, variances : ndarray of shape (n_components, n_numeric)
        The classes' Gaussians on class scores.
    calibration : ndarray of shape (n_numeric, len(SCORE_GRID))
        From :func:`calibration_map`.
    rng : numpy.random.Generator
        Draws each row's class.
    max_rank : int, default=32
        Most factors kept.
    floor : float, default=0.01
        Share of each column's residual variance left independent.

    Returns
    -------
    ndarray of shape (n_numeric, rank)
        The loadings ``W``; ``rank`` is 0 with fewer than two numeric columns.

    References
    ----------
    Tipping, M. E. and Bishop, C. M. (1999). Mixtures of probabilistic principal
    component analysers. Neural Computation 11(2), 443-482.
    Nelsen, R. B. (2006). An Introduction to Copulas. Springer.
    """
    n, d = Z.shape
    if d < 2 or n == 0:
        return np.zeros((d, 0))
    cum = np.cumsum(resp, axis=1, dtype=np.float64)
    z = np.minimum((cum < rng.random(n)[:, None] * cum[:, -1:]).sum(axis=1), means.shape[0] - 1)
    E = np.zeros((n, d))
    for j in range(d):
        s = np.interp(Z[:, j], calibration[j], SCORE_GRID)
        E[:, j] = (s - means[z, j]) / np.sqrt(variances[z, j])
    E *= obs
    cov = (E.T @ E) / np.maximum(obs.T @ obs, 1.0)
    scale = np.sqrt(np.maximum(np.diag(cov), 1e-12))
    corr = np.clip(cov / np.outer(scale, scale), -1.0, 1.0)
    np.fill_diagonal(corr, 1.0)
    values, vectors = np.linalg.eigh((1.0 - floor) * corr)
    keep = np.argsort(values)[::-1][:max_rank]
    keep = keep[values[keep] > 1e-6]
    loadings = vectors[:, keep] * np.sqrt(values[keep])
    # at least ``floor`` of independent variance per column, also where the pairwise
    # estimate was not positive semi-definite (its negative directions are dropped)
    rows = np.sqrt((loadings**2).sum(axis=1))
    return loadings * np.minimum(1.0, np.sqrt(1.0 - floor) / np.maximum(rows, 1e-12))[:, None]


def _log_interval_prob(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a <= b``, stable in both tails."""
    # use the tail where the difference is not a difference of numbers near 1
    flip = a > 0
    lo = np.where(flip, -b, a)
    hi = np.where(flip, -a, b)
    diff = ndtr(hi) - ndtr(lo)  # accurate unless tiny (cancellation)
    out = np.log(np.maximum(diff, 1e-300))
    tiny = diff < 1e-8
    if tiny.any():
        log_hi = log_ndtr(hi[tiny])
        log_lo = log_ndtr(lo[tiny])
        out[tiny] = log_hi + np.log1p(-np.exp(np.minimum(log_lo - log_hi, -1e-300)))
    return out


def range_score_interval(u_lo: float, u_hi: float, calibration: np.ndarray
                         ) -> tuple[float, float]:
    """The class-score interval whose calibrated scores fall in CDF positions ``[u_lo, u_hi]``.

    Parameters
    ----------
    u_lo, u_hi : float
        Cumulative probabilities of a value range under the column's knots
        (:func:`skgen.conditions.quantile_range`); 0 and 1 give open ends.
    calibration : ndarray of shape (len(SCORE_GRID),)
        The column's calibration map (:func:`calibration_map`), inverted here.

    Returns
    -------
    a, b : float
        A class's Gaussian truncated to ``[a, b]`` gives values inside the
        range, in the proportions the model gives them (``-inf``/``inf`` open).
    """
    def score(u: float, open_end: float) -> float:
        if u <= 0.0 or u >= 1.0:
            return open_end
        return float(np.interp(ndtri(np.clip(u, _P_EPS, 1.0 - _P_EPS)), calibration,
                               SCORE_GRID))

    return score(u_lo, -np.inf), score(u_hi, np.inf)


def interval_loglik(a: float, b: float, means: np.ndarray, variances: np.ndarray
                    ) -> np.ndarray:
    """``log P(a <= score <= b)`` under every class's Gaussian, shape (n_components,)."""
    sd = np.sqrt(variances)
    return _log_interval_prob((a - means) / sd, (b - means) / sd)


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
        # point masses repeat: compute each distinct interval once
        starts, inverse = np.unique(a[rows, 0], return_inverse=True)
        ends = np.zeros_like(starts)
        ends[inverse] = b[rows, 0]
        out[rows] = _log_interval_prob((starts[:, None] - means) / sd,
                                       (ends[:, None] - means) / sd)[inverse]
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
        Draws the uniform number each row's level is read at.

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
