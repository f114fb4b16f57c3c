"""AmplifySampler: the estimator (see :mod:`skgen.amplify` for the model).

Fitting learns each column's state (quantile knots, ID patterns, text chains),
then the latent-class mixture by EM (:mod:`skgen.amplify._mixture`) and the
refinement trees (:mod:`skgen.amplify._trees`); sampling draws each seed row's
class from its posterior given the fixed cells, the free cells from that class,
then one Gibbs sweep of the trees; a row with fixed categorical cells keeps one
of several such completions, weighted by those cells' trees, and the exact
dependencies learned at fit are kept.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import logsumexp, ndtr, ndtri
from scipy.stats import truncnorm
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions

from skgen._dask_fit import DASK_MAX_FIT_ROWS, FullData
from skgen._dependencies import (
    anchored_levels,
    apply_dependencies,
    dependency_conflicts,
    fit_dependencies,
    fit_interval_dependencies,
    interval_conflicts,
    move_into_intervals,
)
from skgen._progress import tqdm
from skgen._strings import (
    fit_id_patterns,
    fit_markov_text,
    generate_ids,
    generate_markov_text,
)
from skgen.amplify._marginals import (
    _P_EPS,
    fit_quantile_knots,
    quantile_interval,
    quantile_inverse,
    randomized_pit,
)
from skgen.amplify._mixture import (
    SCORE_GRID,
    calibration_map,
    fit_mixture,
    interval_loglik,
    numeric_fixed_loglik,
    range_score_interval,
    residual_factors,
    sample_components,
    sample_rows_categorical,
)
from skgen.amplify._trees import (
    fit_leaf_tree,
    leaf_tree_distribution,
    leaf_tree_proba,
    sample_leaf_tree,
)
from skgen.base import (
    COLUMN_TYPES_DOC,
    COMMON_PARAMETERS_DOC,
    BaseSynthesizer,
    fit_out_of_time,
)
from skgen.conditions import (
    SeedRows,
    quantile_range,
    range_bounds,
    restrictions_of,
    snap,
)
from skgen.exceptions import ConditionError
from skgen.schema import ColumnSchema, as_float, from_float

# Categorical columns with more levels than this get no tree (mixture draw only).
_MAX_TREE_LEVELS = 255
# Rows drawn from the mixture at fit time to calibrate the trees' leaves.
_N_CALIBRATION = 20_000
# The refinement trees are fitted on at most this many of the EM rows.
_MAX_TREE_ROWS = 50_000
# Completions proposed per row whose fixed categorical cells have a tree (see
# AmplifySampler._importance_log_weights); one is kept.
_N_PROPOSALS = 4
# Floor of a tree's leaf probability in the importance weights.
_TREE_FLOOR = 0.01
# Rows whose only fixed cells are categorical are completed by drawing whole
# rows as the unconditional model does and keeping those that carry the fixed
# levels (see AmplifySampler._complete_by_rejection): exactly where the levels'
# share is at least 1 / this, and from classes tilted toward rarer levels, with
# importance weights. Each such row costs up to this many drawn rows: 50 keeps
# diamonds' "Fair" (2.9 %) exact at about 1/20 of the unconditional speed; plain
# rejection at 200 reached Adult's "1st-4th" (0.5 %) at 1/100 (20,000 rows: 160 s
# against 1.6 s), the tilted proposal at 1/3 (4.1 s).
_MAX_REJECTION_DRAWS = 50
# Rounds of unconditional draws for those rows.
_REJECTION_ROUNDS = 3
# Hits drawn per such row, among which it takes one by importance weight.
_REJECTION_POOL = 2
# Rounds of proposals for rows whose completions contradict an exact dependency.
_MAX_PROPOSAL_ROUNDS = 20
# After this many rounds, a free determinant is drawn only among the levels that
# agree with its fixed dependent: rejection keeps a determinant in line with the
# other cells (lending club's sub_grade with its int_rate), but seldom succeeds
# for a rare dependent level (a goat's breed, 0.5 % of pets).
_RESTRICT_AFTER = 5


def _as_numbers(s: pd.Series, col: ColumnSchema) -> np.ndarray:
    """A numeric column's values measured from its exact origin (see ``as_float``)."""
    return as_float(s, col.kind, col.origin)


def _value_counts(counts: pd.Series | None, col: ColumnSchema
                  ) -> tuple[np.ndarray, np.ndarray] | None:
    """A numeric column's distinct finite values (as ``_as_numbers``) and their row counts.

    From the value counts of every training row (:class:`skgen._dask_fit.FullData`);
    ``None`` when they were not kept (too many distinct values): the sample's
    own distribution is used instead.
    """
    if counts is None:
        return None
    x = _as_numbers(pd.Series(counts.index.to_numpy()), col)
    ok = np.isfinite(x)
    vals, inverse = np.unique(x[ok], return_inverse=True)
    return vals, np.bincount(inverse, weights=counts.to_numpy()[ok]).astype(np.int64)


class AmplifySampler(BaseSynthesizer):
    """Fast statistical synthesizer with exact conditional sampling on any columns.

    A latent-class mixture ("mixture of products"): each row belongs to one of
    ``n_components`` classes; within a class, categorical columns (missing as
    one more level) are independent categorical variables and numeric,
    integer and datetime columns Gaussians on their normal scores (``Phi^-1``
    of the empirical CDF), each missing with a per-class probability. It is
    fitted by EM in time linear in the number of rows and memory linear in the
    number of category levels, and needs no GPU. The numeric columns'
    correlation that the classes leave unexplained (their residuals inside
    the classes) is then kept by up to 32 shared factors, so that a class
    draws its numbers from a correlated Gaussian -- a mixture of Gaussian
    copulas -- and a free number follows the fixed ones in its row (lending
    club's ``revol_util`` and ``all_util``: Spearman 0.68 in the data, 0.28
    in generated rows from independent Gaussians, 0.68 with the factors).

    Conditioning is exact and costs no rejection: for every seed row the class
    is drawn from its posterior given the row's fixed cells (categories,
    numbers, several columns at once, also combinations never seen in
    training), then the free cells from that class. With ``refine=True`` each
    free categorical cell is then drawn once more from a classification tree
    of its column given all the row's other cells -- one Gibbs sweep of a
    dependency network -- which keeps sharp dependence the mixture blurs; the
    trees' leaf distributions are calibrated at fit time so that the sweep
    preserves every column's marginal. Fixed cells are never redrawn.

    A fixed category often pins other cells down (``education = "Masters"``
    means ``education_num = 14``), which the few dozen classes blur. So a row
    whose fixed cells are all categorical is one of the model's own rows that
    carry those levels: whole rows are drawn as the unconditional model draws
    them and matched to the seed rows -- the exact conditional of the refined
    model for levels not rarer than 2 % together; for rarer ones the rows'
    classes are drawn from a proposal tilted toward the levels, and the
    matches chosen by importance weight. Other rows with a fixed categorical
    cell get several completions, weighted by how much more likely the cell's
    tree finds the fixed level given the completion than the mixture does,
    and one is kept (sampling-importance-resampling). And where a categorical column fixes
    another column's value in every training row (each level with at least
    5 rows), the free cell takes that value and a free level must agree
    with a fixed value (completions are drawn again until one does) -- the
    same in seed rows (imputation).

    Range and set conditions (``sample(conditions={"price": skgen.Range(1000,
    2000), "cut": ["Fair", "Good"]})``) are met by construction too: the
    class is drawn from its posterior given the fixed cells *and* the event
    that every restricted cell falls inside its range or set, then each
    restricted cell from that class restricted to it -- a category from the
    class's probabilities renormalised over the set, a number from the class's
    Gaussian truncated to the normal-score interval of the range (through the
    quantile map, no rejection) -- and the row is completed as if those cells
    were fixed.

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
        patterns and text chains always use every row (of the sample, when
        ``max_fit_rows`` draws one: see there). ``None`` runs EM on every row.
    max_fit_rows : int or None, default=None
        Largest number of rows the mixture, the trees, the ID patterns and the
        text chains learn from, drawn uniformly at random without replacement
        (reproducibly, from ``random_state``) when the training table has
        more; the schema, the validators and the marginals (category levels
        and frequencies, quantile knots) still come from every row. ``None``
        means every row of a pandas frame, and ``subsample`` rows (1,000,000
        when ``subsample`` is None) of a dask DataFrame (``fit`` accepts one).
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
        Reference data: a model file leaves them out unless saved with
        ``include_reference_data=True``; ``skgen.load(path,
        reference_data=X)`` computes them again (without, generated IDs and
        texts are not checked against the training ones, with a warning).
    text_chains_ : list of dict
        Per text column, its word-level Markov chain.
    tree_columns_ : list of int
        Categorical columns (positions among ``categorical_index_``) that have
        a refinement tree, in the order the sweep redraws them.
    trees_ : list of dict
        The refinement trees as plain arrays (see :func:`fit_leaf_tree`).
    dependencies_ : list of dict
        Exact dependencies of the training rows: a categorical column
        (``determinant``, its position among the categorical columns) whose
        every level with at least 5 rows (``levels``) maps to one value of a
        categorical or numeric column (``kind``, ``dependent``, ``values``).
    interval_dependencies_ : list of dict
        Numeric columns (``determinant``, position among the numeric columns)
        whose value, by interval, pins a categorical column (``dependent``) in
        at least 99 % of the training rows (``int_rate -> grade``):
        ``cuts``, ``intervals`` (bounds only) and the level of each interval
        (``values``). A free number of a row whose level is fixed, or pinned
        by a fixed cell, is drawn again until it falls in one of that level's
        intervals, and moved into the nearest one if it never does.

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
    Tipping, M. E. and Bishop, C. M. (1999). Mixtures of probabilistic
    principal component analysers. Neural Computation 11(2), 443-482.
    Rubin, D. B. (1988). Using the SIR algorithm to simulate posterior
    distributions. In Bayesian Statistics 3, Oxford University Press, 395-402.
    Huhtala, Y., Kärkkäinen, J., Porkka, P. and Toivonen, H. (1999). TANE: an
    efficient algorithm for discovering functional and approximate
    dependencies. The Computer Journal 42(2), 100-111.

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
        "quantile_knots_", "id_patterns_", "id_pattern_weights_", "text_chains_",
        "level_offsets_", "weights_", "category_log_probs_", "means_",
        "variances_", "missing_probs_", "n_iter_", "converged_", "lower_bound_", "calibration_",
        "residual_factors_", "tree_columns_", "trees_", "dependencies_",
        "interval_dependencies_")
    #: Left out of a model file by default (see :mod:`skgen.persistence`): the
    #: hashes of training IDs and texts (``_string_hash_columns``).
    _reference_attributes = ("id_hashes_", "text_hashes_")

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
        max_fit_rows: int | None = None,
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
        self.max_fit_rows = max_fit_rows
        self.column_types = column_types
        self.validators = validators
        self.max_invalid = max_invalid
        self.data_checks = data_checks
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _dask_fit_rows(self) -> int:
        """A dask frame's sample: the rows EM learns from (``subsample``)."""
        return self.subsample or DASK_MAX_FIT_ROWS

    def _fit(self, X: pd.DataFrame, rng: np.random.Generator) -> None:
        """Learn marginals, ID patterns, text chains, the mixture (EM) and the trees."""
        codes, scores, observed = self._fit_columns(X, rng)
        self._attach_string_hashes(X)
        numbers = [_as_numbers(X[self.schema_.names[i]], self.schema_.columns[i])
                   for i in self.numeric_index_]
        self.dependencies_ = fit_dependencies(codes, numbers)
        # a number that pins a category by interval (int_rate -> grade), unless the
        # category pins the number (education <-> education_num: the level decides)
        pinned = {(d["determinant"], d["dependent"]) for d in self.dependencies_
                  if d["kind"] == "numeric"}
        self.interval_dependencies_ = [d for d in fit_interval_dependencies(numbers, codes)
                                       if (d["dependent"], d["determinant"]) not in pinned]
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

    def _string_hash_columns(self) -> dict[str, list]:
        names = self.schema_.names
        return {"id_hashes_": [names[i] for i in self.id_index_],
                "text_hashes_": [names[i] for i in self.text_index_]}

    def _fit_columns(self, X: pd.DataFrame, rng: np.random.Generator) -> tuple:
        """Per-column state; returns level codes, normal scores and observed masks."""
        n = len(X)
        self.roles_ = []
        self.categorical_index_, self.numeric_index_ = [], []
        self.id_index_, self.text_index_ = [], []
        self.categories_, self.has_missing_level_ = [], []
        self.quantile_probs_, self.quantile_knots_ = [], []
        self.id_patterns_, self.id_pattern_weights_ = [], []
        self.text_chains_ = []
        codes, scores, observed = [], [], []
        full = getattr(self, "_full_data", None)  # all rows' counts when X is a sample
        for i, col in enumerate(self.schema_.columns):
            s = X[col.name]
            if col.kind in ("categorical", "boolean"):
                levels = list(col.categories or [])
                c = pd.Categorical(s, categories=levels).codes.astype(np.int64)
                missing = c < 0
                self.roles_.append("categorical")
                self.categorical_index_.append(i)
                self.categories_.append(levels)
                self.has_missing_level_.append(bool(missing.any()) or (
                    full is not None and full.nulls[col.name] > 0))
                codes.append(np.where(missing, len(levels), c))
            elif col.kind in ("numeric", "integer", "datetime"):
                v = _as_numbers(s, col)
                ok = np.isfinite(v)
                ref = None if full is None else _value_counts(full.counts[col.name], col)
                p, q = (fit_quantile_knots(v[ok], self.n_quantiles) if ref is None else
                        fit_quantile_knots(ref[0], self.n_quantiles, ref[1]))
                z = np.zeros(n)
                z[ok] = randomized_pit(v[ok], rng, ref)
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
            else:  # free text
                values = s.dropna().astype(str)
                self.roles_.append("text")
                self.text_index_.append(i)
                self.text_chains_.append(fit_markov_text(values))
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
        Z = np.column_stack(scores) if scores else np.zeros((n_fit, 0))
        obs = np.column_stack(observed).astype(float) if observed else np.zeros((n_fit, 0))
        fitted = fit_mixture(
            onehot, level_column, Z, obs,
            n_components=self.n_components, max_iter=self.max_iter, tol=self.tol,
            alpha=self.alpha, reg_covar=self.reg_covar, rng=rng, verbose=self.verbose)
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
        self.residual_factors_ = residual_factors(Z, obs, fitted["resp"], self.means_,
                                                  self.variances_, self.calibration_, rng)
        full = getattr(self, "_full_data", None)
        if full is not None:
            self._match_category_frequencies(full)

    def _match_category_frequencies(self, full: FullData) -> None:
        """Give each categorical column the level frequencies of all training rows.

        When the mixture learned from a sample, iterative proportional fitting
        (Deming and Stephan, 1940) rescales each class's level probabilities
        until the mixture's marginal of every level is its frequency in all
        rows (:class:`skgen._dask_fit.FullData`), so that a level seen only
        outside the sample is drawn as often as it occurs.
        """
        for j, i in enumerate(self.categorical_index_):
            name = self.schema_.columns[i].name
            counts = full.counts[name]
            if counts is None:
                continue
            target = counts.reindex(self.categories_[j], fill_value=0).to_numpy(dtype=float)
            if self.has_missing_level_[j]:
                target = np.append(target, full.nulls[name])
            target /= target.sum()
            lo, hi = self.level_offsets_[j], self.level_offsets_[j + 1]
            theta = np.exp(self.category_log_probs_[:, lo:hi])
            for _ in range(50):
                marginal = self.weights_ @ theta
                theta *= np.divide(target, marginal, out=np.zeros_like(target),
                                   where=marginal > 0)
                theta /= np.maximum(theta.sum(axis=1, keepdims=True), 1e-300)
            self.category_log_probs_[:, lo:hi] = np.log(np.maximum(theta, np.finfo(float).tiny))

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
        bar = tqdm(enumerate(codes), total=len(codes), disable=not self.verbose,
                   desc="AmplifySampler trees", unit="column")
        for j, c in bar:
            if fit_out_of_time():  # a fit_time_budget is spent: the trees so far still apply
                break
            if not 2 <= n_levels[j] <= _MAX_TREE_LEVELS or np.unique(c).size < 2:
                continue
            # not the coarser columns j pins down (grade for sub_grade): the sampler
            # sets them from j's new level; one that pins j down as well stays
            tied = [d["dependent"] + (0 if d["kind"] == "categorical" else len(codes))
                    for d in self.dependencies_ if d["determinant"] == j
                    and np.unique(d["values"]).size < d["values"].size]
            others = np.delete(np.arange(F.shape[1]), [j, *tied])
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
        bar.close()

    # ------------------------------------------------------------- generate
    def _generate(self, seeds: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Draw one row per seed row given the row's fixed cells.

        The class comes from its posterior given the fixed cells, the free
        cells from that class; then (``refine=True``) each free categorical
        cell is drawn again, once, from its tree given all the row's other
        cells -- one sweep of Gibbs sampling (:meth:`_complete`). Rows with a
        fixed categorical cell, or a fixed cell an exact dependency ties to a
        free one, keep one of several completions (:meth:`_complete_checked`);
        last, free cells take the value an exact dependency gives them.
        """
        seeds = self._draw_restricted(seeds, rng)
        names = self.schema_.names
        fixed = {name: seeds[name].notna().to_numpy() for name in names}
        cat_codes, fixed_numbers = self._encode_fixed(seeds, fixed)
        cat_fixed = [fixed[names[i]] for i in self.categorical_index_]
        num_fixed = [fixed[names[i]] for i in self.numeric_index_]
        done, cat_codes, numbers = self._complete_by_rejection(cat_codes, fixed_numbers,
                                                               len(seeds), rng)
        rest = np.flatnonzero(~done)
        if rest.size:
            part = self._complete_proposed([c[rest] for c in cat_codes],
                                           [x[rest] for x in fixed_numbers],
                                           {name: f[rest] for name, f in fixed.items()}, rng)
            for out, got in zip(cat_codes + numbers, part[0] + part[1], strict=True):
                out[rest] = got
        # free cells an exact dependency ties to a categorical cell: the value its level maps to
        apply_dependencies(self.dependencies_, cat_codes, numbers, cat_fixed, num_fixed)

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
        id_hashes = self._string_hashes("id_hashes_") if self.id_index_ else []
        text_hashes = self._string_hashes("text_hashes_") if self.text_index_ else []
        for j, i in enumerate(self.id_index_):
            out[names[i]] = self._fill_strings(
                seeds[names[i]], fixed[names[i]], self.schema_.columns[i].missing_rate, rng,
                lambda size, j=j: generate_ids(self.id_patterns_[j], self.id_pattern_weights_[j],
                                               id_hashes[j], size, rng))
        for j, i in enumerate(self.text_index_):
            out[names[i]] = self._fill_strings(
                seeds[names[i]], fixed[names[i]], self.schema_.columns[i].missing_rate, rng,
                lambda size, j=j: generate_markov_text(self.text_chains_[j],
                                                       text_hashes[j], size, rng))
        return pd.DataFrame({name: out[name] for name in names}, index=seeds.index)

    def _complete_by_rejection(self, cat_codes: list, fixed_numbers: list, m: int,
                               rng: np.random.Generator) -> tuple[np.ndarray, list, list]:
        """Rows whose only fixed cells are categorical, drawn from the model's own rows.

        Such a row's target is the unconditional model's rows that carry its
        fixed levels. Whole rows are drawn as the unconditional model draws
        them (a class, its cells, then the trees' sweep), and a drawn row that
        ends up carrying the row's fixed levels is a hit. Where the levels'
        share (the mixture's) is at least ``1 / _MAX_REJECTION_DRAWS``, the
        class comes from the mixture's weights and a seed row takes any unused
        hit: exact. For rarer levels the class comes from a proposal that
        favours them -- half the mixture's weights, half the classes'
        posterior given the levels -- and a hit has the importance weight
        ``p(class) / q(class)`` (at most 2); a seed row takes one of about
        ``_REJECTION_POOL`` hits per row, chosen by weight (Gumbel top-k), so
        the rows are still the model's own rows of those levels (Adult's
        ``"1st-4th"``, 0.5 %: importance resampling of completions given the
        fixed cells reached a quality of 0.82 against these rows' 0.86,
        measured on 2,000 rows against the level's training rows). Draws come
        in up to ``_REJECTION_ROUNDS`` rounds sized by the expected (then the
        observed) share of hits. Rows whose share of hits is below ``1 /
        _MAX_REJECTION_DRAWS`` even so, rows with a fixed number and rows left
        unmatched are completed by :meth:`_complete_proposed`. Without
        refinement trees the mixture's posterior is already exact, and nothing
        is drawn here.

        Returns the mask of rows completed here, and the level codes and
        numbers of every row (the fixed cells as given elsewhere).
        """
        codes = [c.copy() for c in cat_codes]
        numbers = [x.copy() for x in fixed_numbers]
        done = np.zeros(m, dtype=bool)
        if not self.trees_:
            return done, codes, numbers
        given = np.column_stack(cat_codes)
        on = given >= 0
        wanted = on.any(axis=1)
        for x in fixed_numbers:
            wanted &= ~np.isfinite(x)
        if not wanted.any():
            return done, codes, numbers
        # a row's pattern: which columns are fixed and to which levels
        patterns, first, key = np.unique(np.where(on, given, -1), axis=0, return_index=True,
                                         return_inverse=True)
        key = key.ravel()
        # per pattern: the class proposal q, each class's weight p / q, and the share
        # of hits expected (the mixture's probability of the levels under q)
        no_numbers = [np.full(first.size, np.nan) for _ in fixed_numbers]
        log_prior = np.log(self.weights_)
        log_joint = self._class_log_posterior([c[first] for c in cat_codes], no_numbers,
                                              first.size)
        log_share = logsumexp(log_joint, axis=1, keepdims=True)
        # levels common enough are drawn from the model's own proposal (exact);
        # rarer ones from a proposal tilted toward them, chosen among more hits
        tilt = np.exp(log_share[:, 0]) * _MAX_REJECTION_DRAWS < 1
        log_q = np.where(tilt[:, None],
                         np.logaddexp(log_prior, log_joint - log_share) - np.log(2), log_prior)
        log_weight = log_prior - log_q
        share = np.exp(logsumexp(log_q + log_joint - log_prior, axis=1))
        pool = np.where(tilt, _REJECTION_POOL, 1)
        q_cum = np.cumsum(np.exp(log_q), axis=1)
        q_cum /= q_cum[:, -1:]
        todo = np.flatnonzero(wanted & (share[key] * _MAX_REJECTION_DRAWS >= 1))
        for _ in range(_REJECTION_ROUNDS):
            if not todo.size:
                break
            ks, per = np.unique(key[todo], return_counts=True)
            sizes = np.minimum(np.ceil(1.2 * pool[ks] * per / share[ks]),
                               _MAX_REJECTION_DRAWS * per).astype(np.int64)
            n = int(sizes.sum())
            z = sample_rows_categorical(q_cum, np.repeat(ks, sizes), rng)
            drawn_codes, drawn_numbers = self._complete(
                [np.full(n, -1, dtype=np.int64) for _ in cat_codes],
                [np.full(n, np.nan) for _ in fixed_numbers],
                {name: np.zeros(n, dtype=bool) for name in self.schema_.names}, rng,
                classes=z)
            # the unconditional model's rows: free dependents follow their determinants
            nothing = [np.zeros(n, dtype=bool)] * len(self.schema_.names)
            apply_dependencies(self.dependencies_, drawn_codes, drawn_numbers, nothing, nothing)
            drawn = np.column_stack(drawn_codes)
            left = []
            for k, size, end in zip(ks, sizes, np.cumsum(sizes), strict=True):
                rows = todo[key[todo] == k]
                cols = np.flatnonzero(patterns[k] >= 0)
                mine = drawn[end - size:end, cols]  # the rows drawn for this pattern
                hits = end - size + np.flatnonzero((mine == patterns[k][cols]).all(axis=1))
                share[k] = max(hits.size, 1) / size
                take = min(hits.size, rows.size)
                # the hits with the largest weight-perturbed keys: a draw by weight
                keys = log_weight[k, z[hits]] + rng.gumbel(size=hits.size)
                chosen = hits[np.argsort(-keys, kind="stable")[:take]]
                for out, got in zip(codes + numbers, drawn_codes + drawn_numbers, strict=True):
                    out[rows[:take]] = got[chosen]
                done[rows[:take]] = True
                left.append(rows[take:])
            todo = np.concatenate(left)
            todo = todo[share[key[todo]] * _MAX_REJECTION_DRAWS >= 1]
        return done, codes, numbers

    def _complete_proposed(self, cat_codes: list, fixed_numbers: list, fixed: dict,
                           rng: np.random.Generator) -> tuple[list, list]:
        """Free cells given the fixed ones, from the mixture's posterior and the trees.

        Rows with a fixed categorical cell that has a tree, or a fixed cell an
        exact dependency ties to a free one, keep one of several completions
        (:meth:`_complete_checked`); other rows one (:meth:`_complete`).
        """
        names = self.schema_.names
        cat_fixed = [fixed[names[i]] for i in self.categorical_index_]
        num_fixed = [fixed[names[i]] for i in self.numeric_index_]
        # fixed categorical cells a refinement tree can check: their column's tree
        # tells how likely each completion makes them (see _importance_log_weights);
        # fixed cells an exact dependency ties to a free determinant likewise
        checked = [(j, tree) for j, tree in zip(self.tree_columns_, self.trees_, strict=True)
                   if cat_fixed[j].any()]
        need = np.zeros(next(iter(fixed.values())).size, dtype=bool)
        for j, _tree in checked:
            need |= cat_fixed[j]
        for dep in self.dependencies_:
            tied = (cat_fixed if dep["kind"] == "categorical" else num_fixed)[dep["dependent"]]
            need |= tied & ~cat_fixed[dep["determinant"]]
        # a free number whose interval must agree with a fixed (or pinned) level
        intervals = getattr(self, "interval_dependencies_", [])
        anchored = (anchored_levels(self.dependencies_, cat_codes, fixed_numbers)
                    if intervals else [])
        for dep in intervals:
            need |= (anchored[dep["dependent"]] >= 0) & ~num_fixed[dep["determinant"]]
        if not need.any():
            return self._complete(cat_codes, fixed_numbers, fixed, rng)
        return self._complete_checked(cat_codes, fixed_numbers, fixed, checked, need, anchored,
                                      rng)

    def _complete(self, cat_codes: list, fixed_numbers: list, fixed: dict,
                  rng: np.random.Generator, restrict: bool = False,
                  classes: np.ndarray | None = None) -> tuple[list, list]:
        """Free cells from a class drawn from the posterior, then one sweep of the trees.

        ``restrict=True`` draws a free determinant of an exact dependency only
        among the levels that agree with its fixed dependent (see
        :meth:`_levels_agreeing`), for rows that many proposals did not bring
        into agreement. ``classes`` gives each row's class instead of a draw
        from its posterior.
        """
        names = self.schema_.names
        m = next(iter(fixed.values())).size
        z = self._draw_classes(cat_codes, fixed_numbers, m, rng) if classes is None else classes
        given = cat_codes
        cat_codes = self._draw_categorical(given, z, rng, restrict)
        numbers = self._draw_numeric(fixed_numbers, z, rng)
        if self.trees_:
            F = self._tree_features(cat_codes, numbers)
            for j, tree in zip(self.tree_columns_, self.trees_, strict=True):
                free = np.flatnonzero(~fixed[names[self.categorical_index_[j]]])
                if not free.size:
                    continue
                new = sample_leaf_tree(tree, F[free], rng)
                at, allowed = self._levels_agreeing(j, given, free) if restrict else (
                    np.zeros(0, dtype=np.int64), None)
                if at.size:  # free levels whose fixed dependents rule some levels out
                    probs = leaf_tree_distribution(tree, F[free[at]], allowed.shape[1])
                    drawn = _draw_allowed(probs, allowed, rng)
                    new[at] = np.where(drawn >= 0, drawn, cat_codes[j][free[at]])
                cat_codes[j][free] = new
                F[free, j] = new
        return cat_codes, numbers

    def _levels_agreeing(self, j: int, given: list, rows: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
        """The levels of categorical column ``j`` that agree with each row's fixed dependents.

        ``given`` holds the fixed level codes (``-1`` where free). For every
        exact dependency ``j -> k`` whose ``k`` is fixed in a row, only the
        levels of ``j`` that the table maps to that value are allowed (a level
        too rare to be in the table is not known to agree): with ``species``
        fixed to ``"Goat"``, a free ``breed`` is drawn among goat breeds, from
        the same distribution restricted to them. Returns the positions in
        ``rows`` of the rows so constrained and their ``(n, n_levels)``
        boolean masks; a row with no level left is not constrained (its
        completions count a conflict, see :meth:`_complete_checked`).
        """
        n_levels = int(self.level_offsets_[j + 1] - self.level_offsets_[j])
        allowed = None
        for dep in self.dependencies_:
            if dep["kind"] != "categorical" or dep["determinant"] != j:
                continue
            want = given[dep["dependent"]][rows]
            on = want >= 0
            if not on.any():
                continue
            if allowed is None:
                allowed = np.ones((rows.size, n_levels), dtype=bool)
            maps = np.zeros((int(on.sum()), n_levels), dtype=bool)
            maps[:, dep["levels"]] = dep["values"][None, :] == want[on, None]
            allowed[on] &= maps
        if allowed is None:
            return np.zeros(0, dtype=np.int64), np.zeros((0, n_levels), dtype=bool)
        at = np.flatnonzero(~allowed.all(axis=1) & allowed.any(axis=1))
        return at, allowed[at]

    def _complete_checked(self, cat_codes: list, fixed_numbers: list, fixed: dict,
                          checked: list, need: np.ndarray, anchored: list,
                          rng: np.random.Generator) -> tuple[list, list]:
        """Completions by sampling-importance-resampling (see ``_importance_log_weights``).

        Each row marked in ``need`` (a fixed cell in ``checked``, or one an exact
        dependency ties to a free cell) gets ``_N_PROPOSALS`` completions, one
        kept with probability proportional to its weight among those that
        contradict the fewest exact dependencies. A row whose kept completion
        still contradicts one (a fixed ``education_num = 1`` whose free
        education the mixture seldom makes ``"Preschool"``) gets fresh ones, up
        to ``_MAX_PROPOSAL_ROUNDS`` times, and keeps a new completion only if it
        contradicts fewer; from round ``_RESTRICT_AFTER`` on, its free
        determinants are drawn among the levels that agree with their fixed
        dependents (``species = "Goat"``: a goat breed). A free number outside
        the intervals of the level its row fixes or pins (``anchored``, see
        ``interval_dependencies_``) counts as a contradiction too, and is moved
        into the nearest of them if every round leaves it there.
        """
        m = need.size
        out_codes = [c.copy() for c in cat_codes]
        out_numbers = [x.copy() for x in fixed_numbers]
        out_conflicts = np.full(m, np.iinfo(np.int64).max)
        todo = np.arange(m)
        names = self.schema_.names
        intervals = getattr(self, "interval_dependencies_", [])
        for round_ in range(_MAX_PROPOSAL_ROUNDS):
            rows = todo[np.r_[np.arange(todo.size),
                              np.repeat(np.flatnonzero(need[todo]), _N_PROPOSALS - 1)]]
            cand_fixed = {name: f[rows] for name, f in fixed.items()}
            cand_codes, cand_numbers = self._complete(
                [c[rows] for c in cat_codes], [x[rows] for x in fixed_numbers], cand_fixed, rng,
                restrict=round_ >= _RESTRICT_AFTER)
            log_w = self._importance_log_weights(checked, cat_codes, rows, cand_codes,
                                                 cand_numbers)
            cand_num_fixed = [cand_fixed[names[i]] for i in self.numeric_index_]
            conflicts = dependency_conflicts(
                self.dependencies_, cand_codes, cand_numbers,
                [cand_fixed[names[i]] for i in self.categorical_index_], cand_num_fixed)
            if intervals:
                conflicts += interval_conflicts(intervals, [a[rows] for a in anchored],
                                                cand_numbers, cand_num_fixed)
            # Gumbel-max: a draw proportional to the weight among the fewest conflicts
            key = log_w + rng.gumbel(size=rows.size)
            order = np.lexsort((key, -conflicts, rows))
            pick = order[np.r_[rows[order][1:] != rows[order][:-1], True]]
            better = conflicts[pick] < out_conflicts[rows[pick]]
            pick, at = pick[better], rows[pick][better]
            for out, cand in zip(out_codes + out_numbers, cand_codes + cand_numbers,
                                 strict=True):
                out[at] = cand[pick]
            out_conflicts[at] = conflicts[pick]
            todo = todo[out_conflicts[todo] > 0]
            if not todo.size:
                break
        if intervals:
            move_into_intervals(intervals, anchored, out_numbers,
                                [fixed[names[i]] for i in self.numeric_index_])
        return out_codes, out_numbers

    def _importance_log_weights(self, checked: list, fixed_codes: list, rows: np.ndarray,
                                cat_codes: list, numbers: list) -> np.ndarray:
        """Log importance weight of each completion, from the fixed cells' trees.

        The mixture's posterior proposes the free cells given the fixed ones,
        but a few dozen classes blur sharp dependence: a class likely to hold
        ``education = "Masters"`` also gives ``education_num`` values of
        neighbouring degrees, and a fixed cell, unlike a free one, is never
        redrawn by its tree to agree with them. The target is the refined
        model's own conditional, ``p(rest) * tree_j(a | rest)`` for a fixed
        level ``a`` of column ``j``; the proposal already holds ``p(rest) *
        mixture(a | rest)``, so each completion is weighted by
        ``tree_j(a | rest) / mixture(a | rest)`` (the product over the row's
        fixed categorical cells that have a tree). A leaf of a few dozen rows
        may miss a level by chance: leaf probabilities are floored at
        ``_TREE_FLOOR``, so a weight can demote a completion but not forbid it
        (which would push a rare level's rows into the few leaves that held it
        in training, e.g. diamonds' ``cut = "Fair"``).
        """
        n_cand = rows.size
        F = self._tree_features(cat_codes, numbers)
        # log p(class, every cell of the completion) per class
        joint = np.tile(np.log(self.weights_), (n_cand, 1))
        for j, c in enumerate(cat_codes):
            joint += self.category_log_probs_[:, self.level_offsets_[j] + c].T
        for d, x in enumerate(numbers):
            ok = np.isfinite(x)
            joint[~ok] += np.log(self.missing_probs_[:, d])
            if ok.any():
                joint[ok] += numeric_fixed_loglik(
                    x[ok], self.quantile_probs_[d], self.quantile_knots_[d], self.means_[:, d],
                    self.variances_[:, d], self.calibration_[d]) + np.log1p(
                    -self.missing_probs_[:, d])
        log_w = np.zeros(n_cand)
        for j, tree in checked:
            a = fixed_codes[j][rows]
            on = a >= 0
            if not on.any():
                continue
            own = self.category_log_probs_[:, self.level_offsets_[j] + a[on]].T
            mixture = logsumexp(joint[on], axis=1) - logsumexp(joint[on] - own, axis=1)
            p = np.maximum(leaf_tree_proba(tree, F[on], a[on]), _TREE_FLOOR)
            log_w[on] += np.log(p) - mixture
        return log_w

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

    def _check_seeds(self, seeds: SeedRows) -> None:
        """Refuse, before sampling, a range or set holding no value the model can produce."""
        for name, bounds in seeds.restrictions.ranges.items():
            u_lo, u_hi = self._range_mass(name, bounds)
            if u_hi <= u_lo:
                raise ConditionError(f"no value the model can produce for column {name!r} "
                                     f"lies between {bounds[0]} and {bounds[1]}: the training "
                                     "values there have no mass", column=name, value=bounds)

    def _range_mass(self, name: str, bounds: tuple) -> tuple[float, float]:
        """CDF positions ``(u_lo, u_hi)`` of a numeric column's range under its knots."""
        col = self.schema_[name]
        d = self.numeric_index_.index(self.schema_.names.index(name))
        lo, hi = range_bounds(col, bounds, widen=True)
        return quantile_range(self.quantile_probs_[d], self.quantile_knots_[d], lo, hi)

    def _draw_restricted(self, seeds: pd.DataFrame, rng: np.random.Generator
                         ) -> pd.DataFrame:
        """Seed rows with the cells of range and set conditions drawn, to be held as fixed.

        All restricted cells of a row are drawn together: the class from its
        posterior given the fixed cells and every restriction (within a class
        the columns are independent, so the restrictions' probabilities
        multiply), then each cell from that class restricted to its range or
        set. ID and text columns are left to the sampling loop.
        """
        restrictions = restrictions_of(seeds)
        if not restrictions:
            return seeds
        names = self.schema_.names
        m = len(seeds)
        fixed = {name: seeds[name].notna().to_numpy() for name in names}
        log_post = self._class_log_posterior(*self._encode_fixed(seeds, fixed), m)
        draws = []  # (name, set values or None, per-class probabilities or score interval)
        for name, values in restrictions.sets.items():
            i = names.index(name)
            if self.roles_[i] == "categorical":
                j = self.categorical_index_.index(i)
                codes = pd.Categorical(list(values), categories=self.categories_[j]).codes
                probs = np.exp(self.category_log_probs_[:, self.level_offsets_[j] + codes])
            elif self.roles_[i] == "numeric":  # each value: the mass that rounds to it
                d = self.numeric_index_.index(i)
                probs = np.column_stack([np.exp(interval_loglik(
                    *range_score_interval(*self._range_mass(name, (v, v)),
                                          self.calibration_[d]),
                    self.means_[:, d], self.variances_[:, d])) for v in values])
                probs *= 1.0 - self.missing_probs_[:, [d]]
            else:
                continue
            log_post += np.log(probs.sum(axis=1) + 1e-300)
            draws.append((name, values, probs))
        for name, bounds in restrictions.ranges.items():
            d = self.numeric_index_.index(names.index(name))
            a, b = range_score_interval(*self._range_mass(name, bounds), self.calibration_[d])
            log_post += interval_loglik(a, b, self.means_[:, d], self.variances_[:, d]) + \
                np.log1p(-self.missing_probs_[:, d])
            draws.append((name, None, (a, b)))
        z = (np.zeros(m, dtype=np.int64) if self.weights_.size == 1
             else sample_components(log_post, rng))
        seeds = seeds.copy()
        seeds.attrs = {}
        for name, values, what in draws:
            col = self.schema_[name]
            if values is not None:
                cum = np.cumsum(what[z], axis=1)
                pick = (cum < rng.random(m)[:, None] * cum[:, -1:]).sum(axis=1)
                seeds[name] = pd.Series(np.asarray(values, dtype=object)[
                    np.minimum(pick, len(values) - 1)], dtype=seeds[name].dtype)
                continue
            d = self.numeric_index_.index(names.index(name))
            mu, sd = self.means_[z, d], np.sqrt(self.variances_[z, d])
            t = truncnorm.rvs((what[0] - mu) / sd, (what[1] - mu) / sd, random_state=rng)
            u = ndtr(np.interp(mu + sd * np.atleast_1d(t), SCORE_GRID, self.calibration_[d]))
            lo, hi = range_bounds(col, restrictions.ranges[name], widen=True)
            x = snap(col, np.clip(quantile_inverse(u, self.quantile_probs_[d],
                                                   self.quantile_knots_[d]), lo, hi))
            seeds[name] = pd.Series(from_float(x, col.kind, col.origin),
                                    dtype=seeds[name].dtype)
        return seeds

    def _class_log_posterior(self, cat_codes: list, fixed_numbers: list, m: int
                             ) -> np.ndarray:
        """Unnormalised log-posterior of every row's class given its fixed cells, (m, K)."""
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
        return log_post

    def _draw_classes(self, cat_codes: list, fixed_numbers: list, m: int,
                      rng: np.random.Generator) -> np.ndarray:
        """One class per row from its posterior given the row's fixed cells."""
        log_post = self._class_log_posterior(cat_codes, fixed_numbers, m)
        if self.weights_.size == 1:
            return np.zeros(m, dtype=np.int64)
        return sample_components(log_post, rng)

    def _draw_categorical(self, cat_codes: list, z: np.ndarray, rng: np.random.Generator,
                          restrict: bool = False) -> list:
        """Free categorical cells from their class (``restrict``: see :meth:`_complete`)."""
        out = []
        for j, c in enumerate(cat_codes):
            c = c.copy()
            free = np.flatnonzero(c < 0)
            if free.size:
                lo, hi = self.level_offsets_[j], self.level_offsets_[j + 1]
                cum = np.cumsum(np.exp(self.category_log_probs_[:, lo:hi]), axis=1)
                cum /= cum[:, -1:]
                c[free] = sample_rows_categorical(cum, z[free], rng)
                at, allowed = self._levels_agreeing(j, cat_codes, free) if restrict else (
                    np.zeros(0, dtype=np.int64), None)
                if at.size:
                    probs = np.exp(self.category_log_probs_[z[free[at]], lo:hi])
                    drawn = _draw_allowed(probs, allowed, rng)
                    c[free[at]] = np.where(drawn >= 0, drawn, c[free[at]])
            out.append(c)
        return out

    def _draw_numeric(self, fixed_numbers: list, z: np.ndarray,
                      rng: np.random.Generator) -> list:
        """Free numeric cells from their class, correlated as ``residual_factors_`` says."""
        eps = self._residuals(fixed_numbers, z, rng)
        out = []
        for d, x in enumerate(fixed_numbers):
            v = x.copy()
            free = ~np.isfinite(x)
            zf = z[free]
            score = self.means_[zf, d] + np.sqrt(self.variances_[zf, d]) * eps[free, d]
            u = ndtr(np.interp(score, SCORE_GRID, self.calibration_[d]))
            gen = quantile_inverse(u, self.quantile_probs_[d], self.quantile_knots_[d])
            gen[rng.random(zf.size) < self.missing_probs_[zf, d]] = np.nan
            v[free] = gen
            out.append(v)
        return out

    def _residuals(self, fixed_numbers: list, z: np.ndarray, rng: np.random.Generator
                   ) -> np.ndarray:
        """Standardised class residuals of every numeric cell, shape (m, n_numeric).

        Drawn from the factor model ``W f + sqrt(psi) e`` (``W`` =
        ``residual_factors_``, ``f`` and ``e`` standard normal); in a row with
        fixed numbers, ``f`` comes from its posterior given the fixed cells'
        residuals (a fixed point mass at a uniform position inside its
        normal-score interval), so the free numbers follow the fixed ones
        (Tipping and Bishop, 1999). A model saved before the factors existed
        draws independent residuals.
        """
        m, n_num = z.size, len(fixed_numbers)
        eps = rng.standard_normal((m, n_num))
        W = getattr(self, "residual_factors_", None)
        if W is None or not W.shape[1] or not m:
            return eps
        psi = 1.0 - (W**2).sum(axis=1)
        f = rng.standard_normal((m, W.shape[1]))
        fixed = np.column_stack([np.isfinite(x) for x in fixed_numbers])
        some = np.flatnonzero(fixed.any(axis=1))
        if some.size:
            patterns, key = np.unique(fixed[some], axis=0, return_inverse=True)
            key = key.ravel()
            own = np.zeros((some.size, n_num))
            for d in np.flatnonzero(patterns.any(axis=0)):
                at = fixed[some, d]
                rows = some[at]
                lo, hi = quantile_interval(fixed_numbers[d][rows], self.quantile_probs_[d],
                                           self.quantile_knots_[d])
                u = np.clip(lo + rng.random(rows.size) * (hi - lo), _P_EPS, 1.0 - _P_EPS)
                s = np.interp(ndtri(u), self.calibration_[d], SCORE_GRID)
                own[at, d] = (s - self.means_[z[rows], d]) / np.sqrt(self.variances_[z[rows], d])
            for k, pattern in enumerate(patterns):
                at = key == k
                Wf = W[pattern] / psi[pattern, None]
                precision = np.eye(W.shape[1]) + W[pattern].T @ Wf
                chol = np.linalg.cholesky(precision)
                mean = np.linalg.solve(precision, Wf.T @ own[at][:, pattern].T).T
                # f = mean + L^-T n has covariance precision^-1
                f[some[at]] = mean + np.linalg.solve(chol.T, f[some[at]].T).T
        return f @ W.T + np.sqrt(psi) * eps

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


def _draw_allowed(probs: np.ndarray, allowed: np.ndarray, rng: np.random.Generator
                  ) -> np.ndarray:
    """One level per row from ``probs`` restricted to ``allowed`` (-1 where none has mass)."""
    p = probs * allowed
    total = p.sum(axis=1)
    u = rng.random(total.size) * total
    codes = np.minimum((np.cumsum(p, axis=1) < u[:, None]).sum(axis=1), p.shape[1] - 1)
    return np.where(total > 0, codes, -1)
