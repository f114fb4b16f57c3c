"""Conditional fidelity: do conditioned and imputed rows follow the data given their fixed cells?

- :func:`functional_dependencies` finds the dependencies ``a -> b`` of a real
  table (each level of ``a`` maps to one value of ``b`` in at least
  ``min_confidence`` of the rows), such as Adult's ``education ->
  education_num``;
- :func:`dependency_consistency` measures the share of synthetic rows that
  break them (a level seen in training paired with another value than the
  training one);
- :func:`conditional_quality` scores ``sample(conditions={column: level})``
  against the real training rows of that level, relative to the real hold-out
  rows of that level (1.0: as good as real data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, validate_params

from skgen.exceptions import SchemaError
from skgen.metrics.quality import quality_report

# Floats are compared after rounding to this many decimals (float noise is not a new value).
_DECIMALS = 9
_DEPENDENCY_COLUMNS = ["determinant", "dependent", "confidence", "n_levels", "mapping"]


def _values(s: pd.Series) -> pd.Series:
    """Hashable, comparable values: floats rounded, missing as one value of its own."""
    if pd.api.types.is_float_dtype(s):
        s = s.round(_DECIMALS)
    return s.astype(object).where(s.notna(), "<missing>")


@validate_params(
    {"real": [pd.DataFrame],
     "min_confidence": [Interval(Real, 0, 1, closed="right")],
     "min_level_rows": [Interval(Integral, 1, None, closed="left")],
     "max_levels": [Interval(Integral, 2, None, closed="left")],
     "columns": [list, None]},
    prefer_skip_nested_validation=True)
def functional_dependencies(real: pd.DataFrame, *, min_confidence: float = 0.99,
                            min_level_rows: int = 5, max_levels: int = 1000,
                            columns: list | None = None) -> pd.DataFrame:
    """Find the (near-)functional dependencies ``a -> b`` between two columns of a table.

    A column ``a`` qualifies as a determinant when it has between 2 and
    ``max_levels`` distinct values and at least ``min_level_rows`` rows per level
    on average (identifiers and continuous measurements do not). Only its levels
    with at least ``min_level_rows`` rows are learned: each maps to the most
    frequent value of ``b`` among its rows. The dependency is reported when
    those majority values account for at least ``min_confidence`` of the rows of
    the learned levels, and ``b`` is not itself that constant (its own most
    frequent value covers less than ``min_confidence`` of the rows, so a
    near-constant column is not "determined" by everything). ``b`` may be any
    column; numeric values are compared as values (floats after rounding to 9
    decimals), missing values count as one more value.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_samples, n_features)
        The real table. Not modified.
    min_confidence : float in (0, 1], default=0.99
        Smallest share of rows that must follow the dependency; 1.0 keeps the
        exact dependencies only.
    min_level_rows : int, default=5
        Rows a determinant level needs to be learned (and, on average, per level
        of a determinant column).
    max_levels : int, default=1000
        Largest number of distinct values of a determinant column.
    columns : list or None, default=None
        Columns to consider (as determinants and as dependents); all by default.

    Returns
    -------
    dependencies : pandas.DataFrame
        One row per dependency, strongest first, with columns ``determinant``,
        ``dependent``, ``confidence`` (share of the learned levels' rows that
        follow it; 1.0 for an exact dependency), ``n_levels`` (levels learned)
        and ``mapping`` (dict: determinant level -> dependent value, missing
        written ``"<missing>"``). Empty when there is none.

    Raises
    ------
    SchemaError
        If ``real`` is empty or ``columns`` names a column it lacks.

    References
    ----------
    Huhtala, Y., Kärkkäinen, J., Porkka, P. and Toivonen, H. (1999). TANE: an
    efficient algorithm for discovering functional and approximate dependencies.
    The Computer Journal 42(2), 100-111 (the ``g3`` error, whose complement is
    the confidence reported here).
    """
    if real.empty:
        raise SchemaError("functional_dependencies needs a non-empty table")
    columns = list(real.columns) if columns is None else list(columns)
    unknown = [c for c in columns if c not in real.columns]
    if unknown:
        raise SchemaError(f"columns {unknown!r} are not in the table")
    codes, uniques = {}, {}
    for c in columns:
        codes[c], uniques[c] = pd.factorize(_values(real[c]))
    n = len(real)
    top_share = {c: np.bincount(codes[c]).max() / n for c in columns}
    rows = []
    for a in columns:
        counts = np.bincount(codes[a])
        if not 2 <= counts.size <= max_levels or n / counts.size < min_level_rows:
            continue
        learned = counts[codes[a]] >= min_level_rows
        n_learned = int(learned.sum())
        if not n_learned:
            continue
        ca = codes[a][learned]
        for b in columns:
            if b == a or top_share[b] >= min_confidence:
                continue
            cb = codes[b][learned]
            pair, n_pair = np.unique(ca * np.int64(uniques[b].size) + cb, return_counts=True)
            level, value = np.divmod(pair, uniques[b].size)
            # the most frequent value of each level: last after sorting by (level, count)
            order = np.lexsort((n_pair, level))
            last = order[np.r_[level[order][1:] != level[order][:-1], True]]
            confidence = n_pair[last].sum() / n_learned
            if confidence >= min_confidence:
                mapping = dict(zip(uniques[a][level[last]], uniques[b][value[last]], strict=True))
                rows.append({"determinant": a, "dependent": b, "confidence": float(confidence),
                             "n_levels": int(last.size), "mapping": mapping})
    out = pd.DataFrame(rows, columns=_DEPENDENCY_COLUMNS)
    return out.sort_values("confidence", ascending=False, kind="stable").reset_index(drop=True)


@dataclass
class ConsistencyReport:
    """How many synthetic rows break the real table's functional dependencies.

    A dataclass: each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    rate : float
        Share of the rows checked by at least one dependency that break at least
        one (NaN when no row could be checked).
    n_rows : int
        Rows checked by at least one dependency.
    details : pandas.DataFrame, default=empty DataFrame
        Per dependency: ``determinant``, ``dependent``, ``confidence`` (in the
        real table), ``n_checked`` (rows whose determinant level was learned),
        ``n_broken`` and ``rate``.
    """

    rate: float
    n_rows: int
    details: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __str__(self) -> str:
        lines = [f"Rows breaking a dependency: {self.rate:.2%} of {self.n_rows}"]
        for r in self.details.itertuples():
            lines.append(f"  {r.determinant} -> {r.dependent}: {r.rate:.2%} "
                         f"({r.n_broken} of {r.n_checked})")
        return "\n".join(lines)


@validate_params(
    {"real_or_dependencies": [pd.DataFrame], "synthetic": [pd.DataFrame],
     "min_confidence": [Interval(Real, 0, 1, closed="right")]},
    prefer_skip_nested_validation=True)
def dependency_consistency(real_or_dependencies: pd.DataFrame, synthetic: pd.DataFrame, *,
                           min_confidence: float = 0.99, **kwargs: Any) -> ConsistencyReport:
    """Share of synthetic rows that break a functional dependency of the real table.

    A row breaks ``a -> b`` when its ``a`` is a level learned from the real table
    and its ``b`` differs from the value that level maps to. Rows whose ``a``
    was not learned (a level unseen or too rare in the real table) are not
    checked. Run it on a real hold-out too: its rate is the target (0 % for
    an exact dependency).

    Parameters
    ----------
    real_or_dependencies : pandas.DataFrame
        Either the real (training) table, whose dependencies are found with
        :func:`functional_dependencies`, or that function's result.
    synthetic : pandas.DataFrame of shape (n_samples, n_features)
        The rows to check. Not modified.
    min_confidence : float in (0, 1], default=0.99
        Passed to :func:`functional_dependencies` when a real table is given.
    **kwargs
        Further arguments of :func:`functional_dependencies` (``min_level_rows``,
        ``max_levels``, ``columns``) when a real table is given.

    Returns
    -------
    report : ConsistencyReport
        The overall rate, the rows checked and the per-dependency details.

    Raises
    ------
    SchemaError
        If ``synthetic`` lacks a column of a dependency.

    References
    ----------
    Huhtala, Y. et al. (1999). TANE: an efficient algorithm for discovering
    functional and approximate dependencies. The Computer Journal 42(2).
    """
    deps = real_or_dependencies
    if list(deps.columns) != _DEPENDENCY_COLUMNS:
        deps = functional_dependencies(deps, min_confidence=min_confidence, **kwargs)
    missing = sorted({c for c in pd.concat([deps["determinant"], deps["dependent"]])
                      if c not in synthetic.columns})
    if missing:
        raise SchemaError(f"synthetic lacks the columns {missing!r} of the dependencies")
    checked = np.zeros(len(synthetic), dtype=bool)
    broken = np.zeros(len(synthetic), dtype=bool)
    rows = []
    for dep in deps.itertuples():
        a = _values(synthetic[dep.determinant])
        expected = a.map(dep.mapping)
        on = expected.notna().to_numpy()
        bad = on & (_values(synthetic[dep.dependent]) != expected).to_numpy()
        checked |= on
        broken |= bad
        rows.append({"determinant": dep.determinant, "dependent": dep.dependent,
                     "confidence": dep.confidence, "n_checked": int(on.sum()),
                     "n_broken": int(bad.sum()),
                     "rate": float(bad.sum() / on.sum()) if on.any() else float("nan")})
    details = pd.DataFrame(rows, columns=["determinant", "dependent", "confidence", "n_checked",
                                          "n_broken", "rate"])
    n_rows = int(checked.sum())
    rate = float(broken.sum() / n_rows) if n_rows else float("nan")
    return ConsistencyReport(rate=rate, n_rows=n_rows, details=details)


@validate_params(
    {"model_or_sampler": "no_validation", "train": [pd.DataFrame], "holdout": [pd.DataFrame],
     "column": "no_validation", "levels": [list, None],
     "n_samples": [Interval(Integral, 1, None, closed="left"), None],
     "min_holdout_rows": [Interval(Integral, 2, None, closed="left")],
     "random_state": ["random_state"], "metadata": [dict, None]},
    prefer_skip_nested_validation=True)
def conditional_quality(model_or_sampler: Any, train: pd.DataFrame, holdout: pd.DataFrame,
                        column: Any, *, levels: list | None = None, n_samples: int | None = None,
                        min_holdout_rows: int = 30, random_state: Any = None,
                        metadata: dict | None = None) -> pd.DataFrame:
    """Quality of rows conditioned on a level, relative to real rows of that level.

    For each level ``v`` of ``column``, the rows ``sample(n, conditions={column:
    v})`` are scored with :func:`skgen.metrics.quality_report` against the
    training rows whose ``column`` is ``v``; so are the hold-out rows whose
    ``column`` is ``v``. The ratio of the two overall scores says how close the
    conditional rows come to real rows of that level (1.0: as good as real data;
    above 1 is possible by chance). ``column`` itself is left out of the scores
    (it is constant in all three frames).

    Parameters
    ----------
    model_or_sampler : fitted synthesizer or callable
        Anything with ``sample(n_samples, conditions=..., random_state=...)``
        (every skgen synthesizer), or a callable ``f(n_samples, conditions)``
        returning a DataFrame.
    train : pandas.DataFrame of shape (n_train, n_features)
        The rows the model was fitted on. Not modified.
    holdout : pandas.DataFrame of shape (n_holdout, n_features)
        Real rows the model never saw, same columns. Not modified.
    column : column label
        The column conditioned on.
    levels : list or None, default=None
        Levels to condition on. ``None``: the three most frequent training
        levels and the rarest training level with at least ``min_holdout_rows``
        hold-out rows.
    n_samples : int or None, default=None
        Rows sampled per level. ``None``: as many as the hold-out has of that
        level, so that both scores are computed from samples of one size.
    min_holdout_rows : int, default=30
        Fewest hold-out rows a level needs to be scored.
    random_state : int, RandomState instance, Generator or None, default=None
        Passed to ``sample`` (the level's position is added to an int seed).
    metadata : dict or None, default=None
        Column kinds, passed to :func:`skgen.metrics.quality_report`.

    Returns
    -------
    scores : pandas.DataFrame
        One row per level: ``level``, ``train_rows``, ``holdout_rows``,
        ``n_samples``, ``synthetic_quality``, ``holdout_quality`` and ``ratio``
        (``synthetic_quality / holdout_quality``).

    Raises
    ------
    SchemaError
        If ``column`` is not a column of both tables, or a requested level has
        fewer than ``min_holdout_rows`` hold-out rows or no training row.

    References
    ----------
    SDMetrics, "Quality Report", https://docs.sdv.dev/sdmetrics/reports/quality-report
    """
    if column not in train.columns or column not in holdout.columns:
        raise SchemaError(f"column {column!r} is not in both the training and hold-out tables")
    train_counts = train[column].value_counts()
    hold_counts = holdout[column].value_counts()
    if levels is None:
        levels = list(train_counts.index[:3])
        enough = [v for v in train_counts.index[::-1]
                  if hold_counts.get(v, 0) >= min_holdout_rows]
        if enough and enough[0] not in levels:
            levels.append(enough[0])
    if metadata is not None:
        metadata = {k: v for k, v in metadata.items() if k != column}
    rows = []
    for i, level in enumerate(levels):
        n_train, n_hold = int(train_counts.get(level, 0)), int(hold_counts.get(level, 0))
        if n_train == 0 or n_hold < min_holdout_rows:
            raise SchemaError(f"level {level!r} of {column!r} has {n_train} training and "
                              f"{n_hold} hold-out rows; it needs at least one and "
                              f"{min_holdout_rows}")
        n = n_hold if n_samples is None else n_samples
        seed = random_state + i if isinstance(random_state, Integral) else random_state
        if hasattr(model_or_sampler, "sample"):
            synthetic = model_or_sampler.sample(n, conditions={column: level}, random_state=seed)
        else:
            synthetic = model_or_sampler(n, {column: level})
        real_level = train.loc[train[column] == level].drop(columns=column)
        hold_level = holdout.loc[holdout[column] == level].drop(columns=column)
        syn_q = quality_report(real_level, synthetic.drop(columns=column),
                               metadata=metadata).overall
        hold_q = quality_report(real_level, hold_level, metadata=metadata).overall
        rows.append({"level": level, "train_rows": n_train, "holdout_rows": n_hold,
                     "n_samples": n, "synthetic_quality": syn_q, "holdout_quality": hold_q,
                     "ratio": syn_q / hold_q})
    return pd.DataFrame(rows, columns=["level", "train_rows", "holdout_rows", "n_samples",
                                       "synthetic_quality", "holdout_quality", "ratio"])


__all__ = ["ConsistencyReport", "conditional_quality", "dependency_consistency",
           "functional_dependencies"]
