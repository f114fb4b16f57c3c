"""AmplifySampler: the estimator (see :mod:`skgen.amplify` for the model).

Fitting learns each column's state (quantile knots, ID patterns, text chains),
then the latent-class mixture by EM (:mod:`skgen.amplify._mixture`) and the
refinement trees (:mod:`skgen.amplify._trees`); sampling draws each seed row's
class from its posterior given the fixed cells, the free cells from that class,
then one Gibbs sweep of the trees.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from skgen._strings import (
    fit_id_patterns,
    fit_markov_text,
    generate_ids,
    generate_markov_text,
    hash_strings,
)
from skgen.amplify._marginals import (
    fit_quantile_knots,
    quantile_interval,
    quantile_inverse,
    randomized_pit,
)
from skgen.amplify._mixture import (
    SCORE_GRID,
    calibration_map,
    fit_mixture,
    numeric_fixed_loglik,
    sample_components,
    sample_rows_categorical,
)
from skgen.amplify._trees import fit_leaf_tree, sample_leaf_tree
from skgen.base import COLUMN_TYPES_DOC, COMMON_PARAMETERS_DOC, BaseSynthesizer, fit_out_of_time
from skgen.exceptions import ConditionError
from skgen.schema import ColumnSchema, as_float, from_float

# Categorical columns with more levels than this get no tree (mixture draw only).
_MAX_TREE_LEVELS = 255
# Rows drawn from the mixture at fit time to calibrate the trees' leaves.
_N_CALIBRATION = 20_000
# The refinement trees are fitted on at most this many of the EM rows.
_MAX_TREE_ROWS = 50_000


def _as_numbers(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    """A numeric column's values measured from its exact origin (see ``as_float``)."""
    return as_float(s, col.kind, col.origin)


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
        Whether EM met ``tol`` before ``max_iter``; when not, ``fit`` warns
        with a :class:`~sklearn.exceptions.ConvergenceWarning`.
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
    quantile_probs_, quantile_knots_ : list of ndarray
        Per numeric column, the knots of its quantile function, on the scale
        of :func:`skgen.schema.as_float` (measured from the column's origin).
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
        "categories_", "has_missing_level_", "quantile_probs_",
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
        column_types: dict | None = None,
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
        self.column_types = column_types
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
        numbers = [_as_numbers(X[self.schema_.names[i]].iloc[rows], self.schema_.columns[i])
                   for i in self.numeric_index_]
        self._fit_trees(self._tree_features(codes, numbers), codes, rng)

    def _fit_columns(self, X: pd.DataFrame, rng: np.random.Generator) -> tuple:
        """Per-column state; returns level codes, normal scores and observed masks."""
        n = len(X)
        self.roles_ = []
        self.categorical_index_, self.numeric_index_ = [], []
        self.id_index_, self.text_index_ = [], []
        self.categories_, self.has_missing_level_ = [], []
        self.quantile_probs_, self.quantile_knots_ = [], []
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
                v = _as_numbers(s, col)
                ok = np.isfinite(v)
                p, q = fit_quantile_knots(v[ok], self.n_quantiles)
                z = np.zeros(n)
                z[ok] = randomized_pit(v[ok], rng)
                self.roles_.append("numeric")
                self.numeric_index_.append(i)
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
        if not fitted["converged"] and fit_out_of_time():
            warnings.warn(
                f"AmplifySampler: EM stopped after {fitted['n_iter']} iterations because its "
                "fit time budget ran out, before converging", ConvergenceWarning, stacklevel=2)
        elif not fitted["converged"]:
            warnings.warn(
                f"AmplifySampler: EM stopped at max_iter={self.max_iter} iterations before "
                f"converging (the mean log-likelihood per row still changed by more than "
                f"tol={self.tol}); increase max_iter, or tol to accept a rougher fit",
                ConvergenceWarning, stacklevel=2)
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
            if fit_out_of_time():  # a fit_time_budget is spent: the trees so far still apply
                break
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
            col = self.schema_.columns[i]
            values = from_float(numbers[d], col.kind, col.origin, col.step or 0)
            if col.kind == "datetime":  # a seed off the training resolution stays as given
                keep = fixed[names[i]]
                values[keep] = pd.to_datetime(seeds[names[i]][keep]).to_numpy(
                    dtype="datetime64[ns]")
            out[names[i]] = values
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
        numbers = [_as_numbers(seeds[names[i]], self.schema_.columns[i])
                   for i in self.numeric_index_]
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
    "%(common)s", (COLUMN_TYPES_DOC + COMMON_PARAMETERS_DOC).strip())

__all__ = ["AmplifySampler"]
