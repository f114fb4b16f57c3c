"""Statistical fidelity: SDMetrics' Column Shapes, Column Pair Trends and Quality Report.

Every figure here follows the definitions of SDMetrics (the metrics library of
SDV), so that a score computed with skgen can be compared with one computed with
``sdmetrics.reports.single_table.QualityReport``:

- **KSComplement** ``= 1 - D``, with ``D`` the two-sample Kolmogorov-Smirnov
  statistic, for ``numerical`` and ``datetime`` columns;
- **TVComplement** ``= 1 - TVD`` of the category frequencies, for
  ``categorical`` and ``boolean`` columns;
- **CorrelationSimilarity** ``= 1 - |r_real - r_synthetic| / 2`` with Pearson's
  ``r``, for pairs of continuous columns;
- **ContingencySimilarity** ``= 1 - TVD`` of the normalised two-way contingency
  tables, for every other pair, continuous columns being put in 10 bins first;
- **Column Shapes** and **Column Pair Trends** are the means of those scores --
  of the pairs related in the real data only (``|r| > 0.5``, Cramér's V > 0.3),
  as SDMetrics does since 0.29 -- and the **Quality Report**'s overall score is
  the mean of the two. The tests compare these with ``sdmetrics`` itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from numbers import Real
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.stats.contingency import association
from sklearn.utils._param_validation import Interval, validate_params

from skgen.exceptions import SchemaError
from skgen.metrics._metadata import CONTINUOUS, DISCRETE, _has_id_token, resolve_metadata
from skgen.schema import as_float

if TYPE_CHECKING:  # matplotlib is an extra: imported only where a figure is drawn
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# SDMetrics rounds continuous values to sys.float_info.dig - 1 decimals before the KS test.
_KS_DECIMALS = 14
# The Quality Report discretises continuous columns with np.histogram_bin_edges' default.
_N_BINS = 10


# --------------------------------------------------------------------------- single metrics
@validate_params({"real": ["array-like"], "synthetic": ["array-like"]},
                 prefer_skip_nested_validation=True)
def ks_complement(real, synthetic) -> float:
    """One minus the two-sample Kolmogorov-Smirnov statistic of two continuous columns.

    Parameters
    ----------
    real : array-like of shape (n_real,)
        Real values: numbers, or datetimes (compared as nanoseconds). Missing
        values (and values that cannot be read as numbers) are dropped.
    synthetic : array-like of shape (n_synthetic,)
        Synthetic values, read the same way.

    Returns
    -------
    score : float
        ``1 - max_x |F_real(x) - F_synthetic(x)|`` in ``[0, 1]``; 1 when the two
        empirical distributions are identical. NaN when either side holds no
        value.

    Notes
    -----
    Mirrors ``sdmetrics.single_column.KSComplement``: missing values are
    dropped on each side separately (so the share of missing values does not
    count) and values are rounded to 14 decimals first. Only the statistic is
    computed, not its p-value.

    References
    ----------
    SDMetrics, "KSComplement", https://docs.sdv.dev/sdmetrics/metrics/metrics-glossary/kscomplement
    """
    r = _continuous(real)
    s = _continuous(synthetic)
    return _ks_complement(r, s)


@validate_params({"real": ["array-like"], "synthetic": ["array-like"]},
                 prefer_skip_nested_validation=True)
def tv_complement(real, synthetic) -> float:
    """One minus the total variation distance between two categorical columns.

    Parameters
    ----------
    real : array-like of shape (n_real,)
        Real categories (any hashable values). Missing values are dropped.
    synthetic : array-like of shape (n_synthetic,)
        Synthetic categories. Missing values are dropped.

    Returns
    -------
    score : float
        ``1 - 0.5 * sum_c |p_real(c) - p_synthetic(c)|`` over the union of the
        categories, in ``[0, 1]``. NaN when either side holds no value.

    Notes
    -----
    Mirrors ``sdmetrics.single_column.TVComplement``: frequencies are taken
    among the non-missing values of each side. SDMetrics adds ``1e-6`` to the
    real count of a category seen only in the synthetic data; that changes the
    score by less than ``1e-6 / n_real`` and is not reproduced.

    References
    ----------
    SDMetrics, "TVComplement", https://docs.sdv.dev/sdmetrics/metrics/metrics-glossary/tvcomplement
    """
    r = pd.Series(np.asarray(real, dtype=object)).dropna()
    s = pd.Series(np.asarray(synthetic, dtype=object)).dropna()
    if len(r) == 0 or len(s) == 0:
        return math.nan
    rc, sc, k = _joint_codes(r, s)
    return _tv_complement(rc, sc, k)


@validate_params({"real": [pd.DataFrame], "synthetic": [pd.DataFrame]},
                 prefer_skip_nested_validation=True)
def correlation_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Similarity of the Pearson correlation of two continuous columns.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, 2)
        The two real columns (numbers or datetimes).
    synthetic : pandas.DataFrame of shape (n_synthetic, 2)
        The same two columns in the synthetic data.

    Returns
    -------
    score : float
        ``1 - |r_real - r_synthetic| / 2`` in ``[0, 1]``. NaN when a
        correlation is undefined (a constant column, fewer than two complete
        rows).

    Raises
    ------
    SchemaError
        If a frame does not have exactly two columns, or ``synthetic`` lacks one
        of ``real``'s columns.

    Notes
    -----
    Mirrors ``sdmetrics.column_pairs.CorrelationSimilarity`` with
    ``coefficient="Pearson"``: rows where either value is missing are dropped
    (pairwise-complete observations).

    References
    ----------
    SDMetrics, "CorrelationSimilarity",
    https://docs.sdv.dev/sdmetrics/metrics/metrics-glossary/correlationsimilarity
    """
    a, b = _two_columns(real, synthetic)
    kinds = {c: "datetime" if pd.api.types.is_datetime64_any_dtype(real[c].dtype)
             else "numerical" for c in (a, b)}
    r_real = _pearson(as_float(real[a], kinds[a]), as_float(real[b], kinds[b]))
    r_syn = _pearson(as_float(synthetic[a], kinds[a]), as_float(synthetic[b], kinds[b]))
    return _correlation_score(r_real, r_syn)


@validate_params({"real": [pd.DataFrame], "synthetic": [pd.DataFrame]},
                 prefer_skip_nested_validation=True)
def contingency_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """Similarity of the two-way contingency tables of two discrete columns.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, 2)
        The two real columns (categories, any hashable values).
    synthetic : pandas.DataFrame of shape (n_synthetic, 2)
        The same two columns in the synthetic data.

    Returns
    -------
    score : float
        ``1 - 0.5 * sum_{a,b} |p_real(a, b) - p_synthetic(a, b)|`` in ``[0, 1]``,
        the tables normalised to sum to one.

    Raises
    ------
    SchemaError
        If a frame does not have exactly two columns, or ``synthetic`` lacks one
        of ``real``'s columns.

    Notes
    -----
    Mirrors ``sdmetrics.column_pairs.ContingencySimilarity``: a missing value
    is one more category, not dropped. Continuous columns are not binned here;
    :func:`column_pair_trends` bins them the way the Quality Report does.

    References
    ----------
    SDMetrics, "ContingencySimilarity",
    https://docs.sdv.dev/sdmetrics/metrics/metrics-glossary/contingencysimilarity
    """
    a, b = _two_columns(real, synthetic)
    ra, sa, ka = _joint_codes(real[a], synthetic[a])
    rb, sb, kb = _joint_codes(real[b], synthetic[b])
    return _contingency_score(ra, rb, sa, sb, ka, kb)


# --------------------------------------------------------------------------- properties
@validate_params({"real": [pd.DataFrame], "synthetic": [pd.DataFrame],
                  "metadata": [dict, None]}, prefer_skip_nested_validation=True)
def column_shapes(real: pd.DataFrame, synthetic: pd.DataFrame, *,
                  metadata: dict | None = None) -> pd.DataFrame:
    """Score how well each synthetic column reproduces the real column's distribution.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, n_features)
        The real table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        The synthetic table; must hold every scored column of ``real`` (other
        columns are ignored). Not modified.
    metadata : dict or None, default=None
        Column name -> kind, one of ``"numerical"``, ``"datetime"``,
        ``"categorical"``, ``"boolean"``, ``"id"``, ``"text"``. Columns not
        listed get the kind :func:`skgen.metrics.infer_metadata` infers from
        ``real``. ``id`` and ``text`` columns are not scored, as in SDMetrics.

    Returns
    -------
    details : pandas.DataFrame
        One row per scored column, in ``real``'s order, with columns
        ``column``, ``metric`` (``"KSComplement"`` or ``"TVComplement"``) and
        ``score`` (in ``[0, 1]``, NaN when the column has no value on a side).

    Raises
    ------
    SchemaError
        If a frame is empty, ``synthetic`` lacks a scored column, or
        ``metadata`` names an unknown column or kind.

    Notes
    -----
    Mirrors the *Column Shapes* property of SDMetrics' single-table Quality
    Report: KSComplement for ``numerical``/``datetime`` columns, TVComplement
    for ``categorical``/``boolean`` columns; missing values are dropped on each
    side (see :func:`ks_complement`, :func:`tv_complement`). The property score
    is the mean of the non-NaN scores.

    References
    ----------
    SDMetrics, "Quality Report: What's included?",
    https://docs.sdv.dev/sdmetrics/reports/quality-report/whats-included
    """
    kinds = resolve_metadata(real, metadata, {"synthetic": synthetic})
    rows = []
    for col, kind in kinds.items():
        if kind in CONTINUOUS:
            score = _ks_complement(as_float(real[col], kind), as_float(synthetic[col], kind))
            rows.append((col, "KSComplement", score))
        elif kind in DISCRETE:
            r, s = real[col].dropna(), synthetic[col].dropna()
            if len(r) == 0 or len(s) == 0:
                score = math.nan
            else:
                rc, sc, k = _joint_codes(r, s)
                score = _tv_complement(rc, sc, k)
            rows.append((col, "TVComplement", score))
    return pd.DataFrame(rows, columns=["column", "metric", "score"]).astype(
        {"score": "float64"})


@validate_params({"real": [pd.DataFrame], "synthetic": [pd.DataFrame],
                  "metadata": [dict, None],
                  "real_correlation_threshold": [Interval(Real, 0, 1, closed="both")],
                  "real_association_threshold": [Interval(Real, 0, 1, closed="both")]},
                 prefer_skip_nested_validation=True)
def column_pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, *,
                       metadata: dict | None = None,
                       real_correlation_threshold: float = 0.5,
                       real_association_threshold: float = 0.3) -> pd.DataFrame:
    """Score how well the synthetic table reproduces the trend between each pair of columns.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, n_features)
        The real table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        The synthetic table; must hold every scored column of ``real``. Not
        modified.
    metadata : dict or None, default=None
        Column name -> kind, one of ``"numerical"``, ``"datetime"``,
        ``"categorical"``, ``"boolean"``, ``"id"``, ``"text"``. Columns not
        listed get the kind :func:`skgen.metrics.infer_metadata` infers from
        ``real``. ``id`` and ``text`` columns are not scored, as in SDMetrics.
    real_correlation_threshold : float in [0, 1], default=0.5
        A pair of continuous columns counts towards the property score only if
        ``|r_real|`` exceeds this, as in SDMetrics' Quality Report since 0.29
        (``DEFAULT_REAL_CORRELATION_THRESHOLD``). 0 counts every pair, as
        SDMetrics did up to 0.28.
    real_association_threshold : float in [0, 1], default=0.3
        Any other pair counts only if the Cramér's V of its real contingency
        table exceeds this, as in SDMetrics since 0.29
        (``DEFAULT_REAL_ASSOCIATION_THRESHOLD``). 0 counts every pair.

    Returns
    -------
    details : pandas.DataFrame
        One row per pair of scored columns (``real``'s order, first column
        before second) with columns ``column_1``, ``column_2``, ``metric``
        (``"CorrelationSimilarity"`` or ``"ContingencySimilarity"``),
        ``score``, ``real_correlation`` and ``synthetic_correlation`` (Pearson's
        r, NaN for contingency pairs). When a threshold is above 0 (the
        default), also ``real_association`` (Cramér's V, contingency pairs)
        and ``meets_threshold``; as in SDMetrics, the score of a pair below its
        threshold is NaN.

    Raises
    ------
    SchemaError
        If a frame is empty, ``synthetic`` lacks a scored column, or
        ``metadata`` names an unknown column or kind.

    Notes
    -----
    Mirrors the *Column Pair Trends* property of SDMetrics' single-table
    Quality Report:

    - two continuous columns (``numerical``/``datetime``, datetimes as
      nanoseconds): CorrelationSimilarity on the rows where both are present;
      NaN when a correlation is undefined (constant column);
    - two discrete columns: ContingencySimilarity on the raw values, a missing
      value being one more category;
    - a continuous with a discrete column: the continuous one is cut into the
      10 equal-width bins of ``numpy.histogram_bin_edges`` and the pair scored
      with ContingencySimilarity. As in SDMetrics, the bin edges of the real
      column are computed on the real values and those of the synthetic column
      on the synthetic values (each column is binned on its own range), and
      ``numpy.digitize`` puts the maximum value and the missing values together
      in one last bin.

    The property score (see :func:`quality_report`) is the mean of the non-NaN
    scores of the pairs that meet the thresholds. SDMetrics draws a random
    subsample of 50,000 rows for contingency tables of larger frames; all rows
    are used here.

    References
    ----------
    SDMetrics, "Quality Report: What's included?",
    https://docs.sdv.dev/sdmetrics/reports/quality-report/whats-included;
    ``sdmetrics/reports/single_table/_properties/column_pair_trends.py``,
    https://github.com/sdv-dev/SDMetrics
    """
    kinds = resolve_metadata(real, metadata, {"synthetic": synthetic})
    cols = [c for c, k in kinds.items() if k in CONTINUOUS + DISCRETE]
    cont = [c for c in cols if kinds[c] in CONTINUOUS]
    real_num = {c: as_float(real[c], kinds[c]) for c in cont}
    syn_num = {c: as_float(synthetic[c], kinds[c]) for c in cont}
    real_corr = _pearson_matrix(real_num)
    syn_corr = _pearson_matrix(syn_num)
    # integer codes for contingency tables: categories coded jointly, continuous binned
    codes: dict = {}
    for c in cols:
        if kinds[c] in CONTINUOUS:
            codes[c] = (_bin(real_num[c]), _bin(syn_num[c]), _N_BINS + 2)
        else:
            codes[c] = _joint_codes(real[c], synthetic[c])
    thresholds = real_correlation_threshold > 0 or real_association_threshold > 0

    rows = []
    for a, b in combinations(cols, 2):
        r_real = r_syn = assoc = math.nan
        meets = True
        if kinds[a] in CONTINUOUS and kinds[b] in CONTINUOUS:
            metric = "CorrelationSimilarity"
            r_real, r_syn = real_corr.loc[a, b], syn_corr.loc[a, b]
            score = _correlation_score(r_real, r_syn)
            if real_correlation_threshold > 0:
                meets = bool(abs(r_real) > real_correlation_threshold)  # NaN -> False
                if abs(r_real) <= real_correlation_threshold:
                    score = math.nan
        else:
            metric = "ContingencySimilarity"
            (ra, sa, ka), (rb, sb, kb) = codes[a], codes[b]
            score = _contingency_score(ra, rb, sa, sb, ka, kb)
            if real_association_threshold > 0:
                assoc = _cramers_v(ra, rb, ka, kb)
                meets = bool(assoc > real_association_threshold)  # NaN -> False
                if not meets:
                    score = math.nan
        row = {"column_1": a, "column_2": b, "metric": metric, "score": score,
               "real_correlation": r_real, "synthetic_correlation": r_syn}
        if thresholds:
            row["real_association"] = assoc
            row["meets_threshold"] = meets
        rows.append(row)
    columns = ["column_1", "column_2", "metric", "score", "real_correlation",
               "synthetic_correlation"]
    if thresholds:
        columns += ["real_association", "meets_threshold"]
    out = pd.DataFrame(rows, columns=columns)
    floats = {c: "float64" for c in columns if c not in ("column_1", "column_2", "metric",
                                                         "meets_threshold")}
    return out.astype(floats)


# --------------------------------------------------------------------------- report
@dataclass
class QualityReport:
    """SDMetrics-style quality report: Column Shapes, Column Pair Trends and their mean.

    Made by :func:`quality_report`. A dataclass: each parameter is kept as the
    attribute of the same name.

    Parameters
    ----------
    overall : float
        Mean of ``column_shapes`` and ``column_pair_trends`` (NaN ones left out),
        in ``[0, 1]``.
    column_shapes : float
        Mean of the per-column scores of :func:`column_shapes`.
    column_pair_trends : float
        Mean of the per-pair scores of :func:`column_pair_trends` (those meeting
        the thresholds).
    details : dict of str to pandas.DataFrame, default={}
        ``"column_shapes"`` and ``"column_pair_trends"``: the per-column and
        per-pair frames the scores are the means of.
    metadata : dict, default={}
        Column kinds used (given or inferred).
    skipped_columns : dict
        Every column of the real table left out of the scores -> why (an
        identifier, free text, no value on one side).

    References
    ----------
    SDMetrics, "Quality Report", https://docs.sdv.dev/sdmetrics/reports/quality-report
    """

    overall: float
    column_shapes: float
    column_pair_trends: float
    details: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    skipped_columns: dict = field(default_factory=dict)

    def summary(self, n_worst: int = 3) -> str:
        """A short, human-readable table of the scores.

        Parameters
        ----------
        n_worst : int, default=3
            How many of the lowest-scoring columns and pairs to list.

        Returns
        -------
        text : str
            The property scores in percent and the weakest columns and pairs.
        """
        shapes = self.details.get("column_shapes", pd.DataFrame(columns=["score"]))
        pairs = self.details.get("column_pair_trends", pd.DataFrame(columns=["score"]))
        lines = [
            "Quality report (SDMetrics definitions)",
            f"  {'Column Shapes':<20}{_pct(self.column_shapes):>9}   "
            f"({shapes['score'].notna().sum()} columns)",
            f"  {'Column Pair Trends':<20}{_pct(self.column_pair_trends):>9}   "
            f"({pairs['score'].notna().sum()} of {len(pairs)} pairs)",
            f"  {'Overall':<20}{_pct(self.overall):>9}",
        ]
        worst_cols = shapes.dropna(subset=["score"]).nsmallest(n_worst, "score")
        if len(worst_cols):
            lines.append("  lowest columns: " + ", ".join(
                f"{r.column} {r.score:.2f} ({r.metric})" for r in worst_cols.itertuples()))
        worst_pairs = pairs.dropna(subset=["score"]).nsmallest(n_worst, "score")
        if len(worst_pairs):
            lines.append("  lowest pairs:   " + ", ".join(
                f"{r.column_1}~{r.column_2} {r.score:.2f}" for r in worst_pairs.itertuples()))
        lines += [f"  not scored:     {name}: {why}" for name, why in self.skipped_columns.items()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, *, ax: Sequence[Axes] | None = None, max_columns: int = 30,
             max_pairs: int = 20) -> Figure:
        """Draw the scores per column and per pair as bar charts, worst first.

        Needs matplotlib (``pip install "skgen[plot]"``).

        Parameters
        ----------
        ax : sequence of 2 matplotlib.axes.Axes or None, default=None
            Where to draw the column scores and the pair scores; a new figure
            when None.
        max_columns : int, default=30
            Most columns drawn: the lowest-scoring ones.
        max_pairs : int, default=20
            Most pairs drawn: the lowest-scoring ones among the scored pairs.

        Returns
        -------
        fig : matplotlib.figure.Figure
            Two panels of horizontal bars in ``[0, 1]``, the lowest score at
            the top and the property score as a dashed line.

        Raises
        ------
        ImportError
            If matplotlib is not installed.
        ValueError
            If ``ax`` is not two ``Axes``, or ``max_columns`` or ``max_pairs``
            is below 1.

        See Also
        --------
        skgen.plotting.plot_quality_report : the function this calls.
        """
        from skgen.plotting import plot_quality_report

        return plot_quality_report(self, ax=ax, max_columns=max_columns, max_pairs=max_pairs)


@validate_params({"real": [pd.DataFrame], "synthetic": [pd.DataFrame],
                  "metadata": [dict, None],
                  "real_correlation_threshold": [Interval(Real, 0, 1, closed="both")],
                  "real_association_threshold": [Interval(Real, 0, 1, closed="both")]},
                 prefer_skip_nested_validation=True)
def quality_report(real: pd.DataFrame, synthetic: pd.DataFrame, *,
                   metadata: dict | None = None,
                   real_correlation_threshold: float = 0.5,
                   real_association_threshold: float = 0.3) -> QualityReport:
    """Compute SDMetrics' single-table Quality Report of a synthetic table.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, n_features)
        The real table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        The synthetic table; must hold every scored column of ``real``. Not
        modified.
    metadata : dict or None, default=None
        Column name -> kind, one of ``"numerical"``, ``"datetime"``,
        ``"categorical"``, ``"boolean"``, ``"id"``, ``"text"``. Columns not
        listed get the kind :func:`skgen.metrics.infer_metadata` infers from
        ``real``. ``id`` and ``text`` columns are not scored, as in SDMetrics.
    real_correlation_threshold : float in [0, 1], default=0.5
        See :func:`column_pair_trends`. The defaults are those of SDMetrics'
        Quality Report since 0.29, which scores only the pairs related in the
        real data; pass 0 for both thresholds to score every pair (SDMetrics
        up to 0.28).
    real_association_threshold : float in [0, 1], default=0.3
        See :func:`column_pair_trends`.

    Returns
    -------
    report : QualityReport
        ``overall``, ``column_shapes``, ``column_pair_trends`` (floats in
        ``[0, 1]``), the ``details`` frames and ``skipped_columns`` (every
        column left out of the scores, and why); ``print(report)`` shows a
        short table naming them.

    Raises
    ------
    SchemaError
        If a frame is empty, ``synthetic`` lacks a scored column, or
        ``metadata`` names an unknown column or kind.

    Notes
    -----
    Column Shapes is the mean of :func:`column_shapes`' scores, Column Pair
    Trends the mean of :func:`column_pair_trends`' scores over the pairs that
    meet the thresholds (NaN scores left out of both means), and the overall
    score the mean of the two properties, as ``sdmetrics.reports.QualityReport``
    (0.32) computes them; the test suite checks the three scores and every
    per-column and per-pair score against sdmetrics itself. Remaining
    differences: SDMetrics subsamples 50,000 rows for the contingency tables
    of larger frames (all rows are used here), and it adds ``1e-6`` to the
    real count of a category seen only in the synthetic data (below
    ``1e-6 / n_real`` in a score).

    References
    ----------
    SDMetrics, "Quality Report", https://docs.sdv.dev/sdmetrics/reports/quality-report
    """
    kinds = resolve_metadata(real, metadata, {"synthetic": synthetic})
    shapes = column_shapes(real, synthetic, metadata=kinds)
    pairs = column_pair_trends(real, synthetic, metadata=kinds,
                               real_correlation_threshold=real_correlation_threshold,
                               real_association_threshold=real_association_threshold)
    shapes_score = _mean(shapes["score"])
    if "meets_threshold" in pairs:
        pairs_score = _mean(pairs.loc[pairs["meets_threshold"], "score"])
    else:
        pairs_score = _mean(pairs["score"])
    overall = _mean(pd.Series([shapes_score, pairs_score]))
    return QualityReport(overall=overall, column_shapes=shapes_score,
                         column_pair_trends=pairs_score,
                         details={"column_shapes": shapes, "column_pair_trends": pairs},
                         metadata=dict(kinds),
                         skipped_columns=_skipped_columns(real, synthetic, kinds, metadata))


def _skipped_columns(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: dict,
                     given: dict | None) -> dict:
    """Each column of ``real`` the scores leave out -> why."""
    skipped = {}
    for col, kind in kinds.items():
        if kind == "id":
            named = col not in (given or {}) and _has_id_token(col)
            skipped[col] = ("an identifier (kind 'id'" + (", from the word 'id' in its name"
                            if named else "") + "): unique by design, so not scored, as in "
                            "SDMetrics; give its kind in metadata to score it")
        elif kind == "text":
            skipped[col] = ("free text (kind 'text'): not scored, as in SDMetrics; "
                            "skgen.metrics.text_report compares texts")
        elif real[col].isna().all():
            skipped[col] = "no value in the real table"
        elif synthetic[col].isna().all():
            skipped[col] = "no value in the synthetic table"
    return skipped


# --------------------------------------------------------------------------- helpers
def _continuous(values) -> np.ndarray:
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    kind = "datetime" if pd.api.types.is_datetime64_any_dtype(s.dtype) else "numerical"
    return as_float(s, kind)


def _ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    r = np.sort(np.round(real[~np.isnan(real)], _KS_DECIMALS))
    s = np.sort(np.round(synthetic[~np.isnan(synthetic)], _KS_DECIMALS))
    if r.size == 0 or s.size == 0:
        return math.nan
    grid = np.concatenate([r, s])
    cdf_r = np.searchsorted(r, grid, side="right") / r.size
    cdf_s = np.searchsorted(s, grid, side="right") / s.size
    return float(1.0 - np.max(np.abs(cdf_r - cdf_s)))


def _joint_codes(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of two columns' values on a shared list of categories (NaN included)."""
    both = pd.concat([real.astype(object), synthetic.astype(object)], ignore_index=True)
    codes, uniques = pd.factorize(both, use_na_sentinel=False)
    n = len(real)
    return codes[:n], codes[n:], max(len(uniques), 1)


def _tv_complement(real_codes: np.ndarray, syn_codes: np.ndarray, k: int) -> float:
    p = np.bincount(real_codes, minlength=k) / real_codes.size
    q = np.bincount(syn_codes, minlength=k) / syn_codes.size
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def _contingency_score(ra, rb, sa, sb, ka: int, kb: int) -> float:
    if ra.size == 0 or sa.size == 0:
        return math.nan
    p = np.bincount(ra * kb + rb, minlength=ka * kb) / ra.size
    q = np.bincount(sa * kb + sb, minlength=ka * kb) / sa.size
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def _cramers_v(ra: np.ndarray, rb: np.ndarray, ka: int, kb: int) -> float:
    """Cramér's V of the real contingency table (observed categories only)."""
    table = np.bincount(ra * kb + rb, minlength=ka * kb).reshape(ka, kb)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if table.sum() == 0 or min(table.shape) < 2:
        return math.nan
    return float(association(table, method="cramer"))


def _bin(values: np.ndarray) -> np.ndarray:
    """SDMetrics' Quality Report discretisation: 10 equal-width bins on the column's own range.

    ``np.digitize`` gives 0..11: values below the first edge (none), the 10 bins
    (1..10), and 11 for the maximum and for missing values.
    """
    edges = np.histogram_bin_edges(values[~np.isnan(values)], bins=_N_BINS)
    return np.digitize(values, bins=edges)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    return _pearson_matrix({0: x[keep], 1: y[keep]}).loc[0, 1]


def _pearson_matrix(columns: dict) -> pd.DataFrame:
    """Pearson correlations on pairwise-complete rows (NaN when undefined)."""
    if not columns:
        return pd.DataFrame()
    with np.errstate(all="ignore"):
        return pd.DataFrame(columns).corr(method="pearson", min_periods=2)


def _correlation_score(r_real: float, r_syn: float) -> float:
    if math.isnan(r_real) or math.isnan(r_syn):
        return math.nan
    return float(1.0 - abs(r_real - r_syn) / 2.0)


def _two_columns(real: pd.DataFrame, synthetic: pd.DataFrame) -> tuple:
    if real.shape[1] != 2:
        raise SchemaError(f"real must hold exactly two columns, got {list(real.columns)}")
    a, b = real.columns
    missing = [c for c in (a, b) if c not in synthetic.columns]
    if missing:
        raise SchemaError(f"synthetic lacks column(s) {missing}")
    return a, b


def _mean(scores: pd.Series) -> float:
    scores = pd.to_numeric(scores, errors="coerce").dropna()
    return float(scores.mean()) if len(scores) else math.nan


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.2f} %"


__all__ = ["QualityReport", "column_pair_trends", "column_shapes", "contingency_similarity",
           "correlation_similarity", "ks_complement", "quality_report", "tv_complement"]
