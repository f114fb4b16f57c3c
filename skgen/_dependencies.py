"""Exact dependencies: a category that pins another column's value.

Where a categorical column fixes another column's value in every training row
-- each of its levels with at least ``MIN_LEVEL_ROWS`` rows maps to one value
(``sub_grade -> grade``, ``education -> education_num``) -- a generated row
must agree with it, as real rows do. :func:`fit_dependencies` finds such
dependencies on level codes; it serves two users:

- :class:`~skgen.AmplifySampler` keeps the table in its own codes and uses it
  inside its completion (a free level that contradicts a fixed value counts
  as one the trees give probability zero);
- every other tabular model opts into :func:`learn_frame_dependencies`
  (``BaseSynthesizer._learns_dependencies``): the base class learns the table
  at fit and :func:`apply_frame_dependencies` applies it to each proposed
  batch -- a free dependent cell takes the value its level maps to, and a row
  whose fixed dependent contradicts its generated determinant is rejected;
  before that, :func:`restrict_determinants` turns a batch's fixed dependent
  value into a set condition on the free determinant.

A number can pin a category too: where the training values of a numeric
column, in order, fall into intervals of one level of a categorical column
each (``int_rate`` -> ``grade``) in at least ``MIN_INTERVAL_CONFIDENCE`` of the
rows, :func:`fit_interval_dependencies` learns the intervals, and the frame
functions apply them as they do a level's value (a fixed category narrows its
free number to a range condition, or moves a generated one into its interval).
The exceptions of such a near-dependency that the data holds often -- a number
of one level's interval held by at least ``MIN_LEVEL_ROWS`` rows of another
level (lending club's rate 22.45: grade E's, and a tenth of grade F's rows) --
are kept as real pairs: neither moved nor rejected.

The tables hold statistics only: a determinant's levels (each shared by at
least ``MIN_LEVEL_ROWS`` training rows) or intervals, and the value each maps
to. Being
data-derived outside a differential-privacy accountant, they are not learned
by ``dp=True`` models.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from skgen.conditions import Restrictions, restrictions_of, with_restrictions

# Rows a level needs before its value is taken as fixed by it.
MIN_LEVEL_ROWS = 5
# Numbers are compared after rounding to this many decimals.
_DECIMALS = 9
# Share of rows a numeric determinant's intervals must agree with (the
# near-dependencies ``skgen.metrics.functional_dependencies`` reports too).
MIN_INTERVAL_CONFIDENCE = 0.99
# Share of rows whose number is shared by ``MIN_LEVEL_ROWS`` rows: below it the
# column is continuous, and one row per value would "pin" anything.
MIN_SHARED_SHARE = 0.9


def fit_dependencies(cat_codes: list, numbers: list) -> list:
    """Exact dependencies ``categorical column -> other column`` of the training rows.

    Parameters
    ----------
    cat_codes : list of ndarray of shape (n_samples,)
        Level codes of each categorical column (missing as its own code).
    numbers : list of ndarray of shape (n_samples,)
        Each numeric column on its numeric scale (NaN where missing).

    Returns
    -------
    list of dict
        ``determinant`` (position among the categorical columns), ``kind``
        (``"categorical"`` or ``"numeric"``), ``dependent`` (position among the
        columns of that kind), ``levels`` (sorted determinant codes with at
        least ``MIN_LEVEL_ROWS`` rows) and ``values`` (the dependent's code or
        number for each). Only dependencies that hold in every row of those
        levels, between at least two levels and two distinct values, are kept.

    References
    ----------
    Huhtala, Y., Kärkkäinen, J., Porkka, P. and Toivonen, H. (1999). TANE: an
    efficient algorithm for discovering functional and approximate
    dependencies. The Computer Journal 42(2), 100-111.
    """
    targets = [("categorical", j, c, None) for j, c in enumerate(cat_codes)]
    for d, x in enumerate(numbers):
        uniques, inverse = np.unique(np.round(x, _DECIMALS), return_inverse=True)
        targets.append(("numeric", d, inverse.ravel(), uniques))
    out = []
    for ja, a in enumerate(cat_codes):
        counts = np.bincount(a)
        if (counts >= MIN_LEVEL_ROWS).sum() < 2:
            continue
        rows = counts[a] >= MIN_LEVEL_ROWS
        for kind, jb, b, uniques in targets:
            if kind == "categorical" and jb == ja:
                continue
            width = np.int64(b.max()) + 1
            level, value = np.divmod(np.unique(a[rows] * width + b[rows]), width)
            if np.unique(level).size != level.size or np.unique(value).size < 2:
                continue  # a level with two values, or one value for every level
            out.append({"determinant": ja, "kind": kind, "dependent": jb, "levels": level,
                        "values": value if uniques is None else uniques[value]})
    return out


def fit_interval_dependencies(numbers: list, cat_codes: list,
                              min_confidence: float = MIN_INTERVAL_CONFIDENCE) -> list:
    """Numeric columns whose value, by interval, pins a categorical column.

    Each distinct value of the number held by at least ``MIN_LEVEL_ROWS``
    rows maps to the level most of its rows hold; consecutive values mapping
    to one level make an interval, and a value between two intervals belongs
    to the nearer one (the cut is the midpoint). The dependency holds when
    such values hold at least ``MIN_SHARED_SHARE`` of the rows with a number,
    at least ``min_confidence`` of their rows have their value's level (as
    :func:`skgen.metrics.functional_dependencies` counts), and there are at
    least two intervals and at most two per level
    (``int_rate -> grade``: each grade a range of rates, two grades sharing a
    few rates at their boundary).

    Parameters
    ----------
    numbers : list of ndarray of shape (n_samples,)
        Each numeric column on its numeric scale (NaN where missing).
    cat_codes : list of ndarray of shape (n_samples,)
        Level codes of each categorical column (missing as its own code).
    min_confidence : float in (0, 1], default=MIN_INTERVAL_CONFIDENCE
        Fewest share of rows the intervals must agree with.

    Returns
    -------
    list of dict
        ``determinant`` (position among the numeric columns), ``dependent``
        (position among the categorical columns), ``cuts`` (a value ``x``
        falls in interval ``searchsorted(cuts, x, side="right")``),
        ``intervals`` (per interval, its smallest and largest value held by
        ``MIN_LEVEL_ROWS`` rows) and ``values`` (the dependent's code for each
        interval).

    References
    ----------
    Huhtala, Y., Kärkkäinen, J., Porkka, P. and Toivonen, H. (1999). TANE: an
    efficient algorithm for discovering functional and approximate
    dependencies. The Computer Journal 42(2), 100-111.
    """
    out = []
    for d, x in enumerate(numbers):
        ok = ~np.isnan(x)
        xs = np.round(x[ok], _DECIMALS)
        uniques, inverse, held = np.unique(xs, return_inverse=True, return_counts=True)
        inverse = inverse.ravel()
        common = held >= MIN_LEVEL_ROWS
        if common.sum() < 2 or held[common].sum() < MIN_SHARED_SHARE * xs.size:
            continue  # a continuous column: too few rows share a value
        order = np.argsort(xs, kind="stable")
        slack = (1.0 - min_confidence) * xs.size
        for j, codes in enumerate(cat_codes):
            b = codes[ok].astype(np.int64)
            n_levels = np.unique(b).size
            if np.bincount(b).max() >= min_confidence * b.size:
                continue  # one level nearly everywhere: pinned by any column
            # cheap necessary test: along the sorted values the level changes at most
            # once per interval boundary and twice per row off its interval
            if np.count_nonzero(np.diff(b[order])) > 2 * n_levels - 1 + 2 * slack:
                continue
            width = np.int64(b.max()) + 1
            rows = common[inverse]
            pair, count = np.unique(inverse[rows] * width + b[rows], return_counts=True)
            value, level = np.divmod(pair, width)
            best = np.lexsort((-count, value))
            first = best[np.r_[True, value[best][1:] != value[best][:-1]]]
            if count[first].sum() < min_confidence * rows.sum():
                continue
            major, at = level[first], value[first]  # per common value, in order
            starts = np.flatnonzero(np.r_[True, major[1:] != major[:-1]])
            runs = major[starts]
            if not 2 <= runs.size <= 2 * np.unique(runs).size:
                continue
            ends = np.r_[starts[1:] - 1, major.size - 1]
            lows, highs = uniques[at[starts]], uniques[at[ends]]
            out.append({"determinant": d, "dependent": j, "cuts": (highs[:-1] + lows[1:]) / 2,
                        "intervals": np.column_stack([lows, highs]), "values": runs})
    return out


def _lookup(dep: dict, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each determinant code is in the table, and where."""
    levels = dep["levels"]
    at = np.minimum(np.searchsorted(levels, codes), levels.size - 1)
    return levels[at] == codes, at


def apply_dependencies(deps: list, cat_codes: list, numbers: list, cat_fixed: list,
                       num_fixed: list) -> None:
    """Give every free dependent cell the value its determinant's level maps to (in place)."""
    for dep in deps:
        hit, at = _lookup(dep, cat_codes[dep["determinant"]])
        if dep["kind"] == "categorical":
            target, fixed = cat_codes[dep["dependent"]], cat_fixed[dep["dependent"]]
        else:
            target, fixed = numbers[dep["dependent"]], num_fixed[dep["dependent"]]
        free = hit & ~fixed
        target[free] = dep["values"][at[free]]


def dependency_conflicts(deps: list, cat_codes: list, numbers: list, cat_fixed: list,
                         num_fixed: list) -> np.ndarray:
    """Per row, how many fixed dependent cells its free determinants' levels contradict.

    A level the table does not hold (too rare in training) counts as a
    contradiction too: it is not known to agree.
    """
    n = cat_codes[0].size
    out = np.zeros(n, dtype=np.int64)
    for dep in deps:
        free_a = ~cat_fixed[dep["determinant"]]
        hit, at = _lookup(dep, cat_codes[dep["determinant"]])
        if dep["kind"] == "categorical":
            got, fixed = cat_codes[dep["dependent"]], cat_fixed[dep["dependent"]]
            differs = dep["values"][at] != got
        else:
            got, fixed = numbers[dep["dependent"]], num_fixed[dep["dependent"]]
            want = dep["values"][at]
            differs = ~((np.round(got, _DECIMALS) == want) | (np.isnan(got) & np.isnan(want)))
        out += free_a & fixed & (~hit | differs)  # a level not in the table: not known to agree
    return out


def anchored_levels(deps: list, cat_codes: list, numbers: list) -> list:
    """Each row's categorical levels, fixed or pinned by a fixed determinant.

    ``cat_codes`` hold the fixed level codes (``-1`` where free) and
    ``numbers`` the fixed numbers (NaN where free); a free cell that an exact
    dependency of ``deps`` maps a fixed level onto (``sub_grade = "B2"`` pins
    ``grade = "B"``) takes that level. Returns new arrays; ``-1`` where a level
    is neither fixed nor pinned.
    """
    codes = [c.copy() for c in cat_codes]
    apply_dependencies(deps, codes, [x.copy() for x in numbers], [c >= 0 for c in cat_codes],
                       [np.isfinite(x) for x in numbers])
    return codes


def interval_conflicts(deps: list, anchored: list, numbers: list, num_fixed: list
                       ) -> np.ndarray:
    """Per row, how many free numbers fall in an interval of another level than the
    one their row's categorical cell is fixed or pinned to.

    ``deps`` are :func:`fit_interval_dependencies` entries and ``anchored`` the
    rows' levels from :func:`anchored_levels` (``int_rate`` in a grade-C
    interval of a row whose ``sub_grade`` is fixed to ``"B2"``: one conflict).
    """
    n = numbers[0].size if numbers else 0
    out = np.zeros(n, dtype=np.int64)
    for dep in deps:
        x, level = numbers[dep["determinant"]], anchored[dep["dependent"]]
        on = ~num_fixed[dep["determinant"]] & (level >= 0) & np.isfinite(x)
        if on.any():
            got = dep["values"][np.searchsorted(dep["cuts"], x[on], side="right")]
            out[on] += got != level[on]
    return out


def move_into_intervals(deps: list, anchored: list, numbers: list, num_fixed: list) -> None:
    """Move each free number that :func:`interval_conflicts` counts to the nearest value
    of an interval of its row's level (in place); a level with no interval keeps it."""
    for dep in deps:
        x, level = numbers[dep["determinant"]], anchored[dep["dependent"]]
        on = ~num_fixed[dep["determinant"]] & (level >= 0) & np.isfinite(x)
        at = np.flatnonzero(on)
        if not at.size:
            continue
        wrong = dep["values"][np.searchsorted(dep["cuts"], x[at], side="right")] != level[at]
        for a in np.unique(level[at[wrong]]):
            own = dep["intervals"][dep["values"] == a]
            if len(own):
                sel = at[wrong][level[at[wrong]] == a]
                x[sel] = _nearest_in(x[sel], own)


def _nearest_in(x: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Each value of ``x`` moved to the nearest point of the ``(n, 2)`` intervals ``spans``."""
    near = np.clip(x[:, None], spans[:, 0], spans[:, 1])
    return near[np.arange(x.size), np.argmin(np.abs(near - x[:, None]), axis=1)]


def learn_frame_dependencies(X: pd.DataFrame, schema: Any) -> list[dict]:
    """Exact dependencies of a training frame, by column name and value.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training rows, with the columns of ``schema``. Not modified.
    schema : TableSchema
        The fitted schema: categorical and boolean columns are determinants
        and dependents, numeric and integer columns dependents and (by
        interval) determinants.

    Returns
    -------
    list of dict
        JSON-able: ``determinant`` and ``dependent`` (column names),
        ``levels`` (the determinant's values with at least ``MIN_LEVEL_ROWS``
        rows), ``values`` (the dependent's value for each; ``None`` for a
        missing value) and ``numeric`` (whether the dependent is a number,
        compared after rounding). See :func:`fit_dependencies`. A numeric
        determinant has ``intervals`` and ``cuts`` instead of ``levels`` (see
        :func:`fit_interval_dependencies`): bounds only, no training row;
        and ``exception_values`` and ``exception_levels``: the numbers of one
        level's interval that another level holds in at least
        ``MIN_LEVEL_ROWS`` rows, with that level (kept in generated rows).

    References
    ----------
    Huhtala, Y., Kärkkäinen, J., Porkka, P. and Toivonen, H. (1999). TANE: an
    efficient algorithm for discovering functional and approximate
    dependencies. The Computer Journal 42(2), 100-111.
    """
    cats = [c.name for c in schema.columns if c.is_discrete]
    nums = [c.name for c in schema.columns if c.kind in ("numeric", "integer")]
    if not cats:
        return []
    X = schema.coerce(X[schema.names])
    factorized = [pd.factorize(X[name], use_na_sentinel=False) for name in cats]
    numbers = [pd.to_numeric(X[name], errors="coerce").to_numpy(dtype=float) for name in nums]
    out = []
    for dep in fit_dependencies([codes for codes, _ in factorized], numbers):
        a = dep["determinant"]
        if dep["kind"] == "categorical":
            name, values = cats[dep["dependent"]], factorized[dep["dependent"]][1][dep["values"]]
        else:
            name, values = nums[dep["dependent"]], dep["values"]
        out.append({"determinant": cats[a], "dependent": name,
                    "levels": _plain(factorized[a][1][dep["levels"]]),
                    "values": _plain(values), "numeric": dep["kind"] == "numeric"})
    pinned = {(dep["determinant"], dep["dependent"]) for dep in out if dep["numeric"]}
    for dep in fit_interval_dependencies(numbers, [codes for codes, _ in factorized]):
        j = dep["dependent"]
        if (cats[j], nums[dep["determinant"]]) in pinned:
            continue  # one to one (education <-> education_num): the level pins the number
        x, levels = numbers[dep["determinant"]], factorized[j][1]
        at, level = _exceptions(dep, x, factorized[j][0])
        out.append({"determinant": nums[dep["determinant"]], "dependent": cats[j],
                    "intervals": dep["intervals"].tolist(), "cuts": dep["cuts"].tolist(),
                    "values": _plain(levels[dep["values"]]), "numeric": False,
                    "exception_values": at.tolist(), "exception_levels": _plain(levels[level])})
    return out


def _exceptions(dep: dict, x: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numbers that a level other than their interval's holds in ``MIN_LEVEL_ROWS`` rows.

    A near-dependency (``int_rate -> grade`` in 99.2 % of the rows) has its
    exceptions: a rate shared by two grades at their boundary, held by a tenth
    of grade F's rows though most of its rows are grade E. Such a pair is as
    real as the rule, so a row holding it keeps it (statistics only: a value
    and a level, each shared by ``MIN_LEVEL_ROWS`` rows).

    Returns the values (rounded to ``_DECIMALS``) and their level codes.
    """
    ok = ~np.isnan(x)
    xs, b = np.round(x[ok], _DECIMALS), codes[ok].astype(np.int64)
    width = np.int64(b.max()) + 1 if b.size else np.int64(1)
    uniques, inverse = np.unique(xs, return_inverse=True)
    pair, count = np.unique(inverse.ravel() * width + b, return_counts=True)
    value, level = np.divmod(pair[count >= MIN_LEVEL_ROWS], width)
    at = uniques[value]
    other = dep["values"][np.searchsorted(dep["cuts"], at, side="right")] != level
    return at[other], level[other]


def _numbers(rows: pd.DataFrame, dep: dict) -> np.ndarray:
    """The numeric determinant's column of ``rows`` as floats (NaN where missing)."""
    return pd.to_numeric(rows[dep["determinant"]], errors="coerce").to_numpy(dtype=float)


def _known_exception(dep: dict, rows: pd.DataFrame, levels: np.ndarray) -> np.ndarray:
    """Rows whose number and level are a pair :func:`_exceptions` found in training.

    All ``False`` for a categorical determinant or a table without exceptions.
    """
    out = np.zeros(len(rows), dtype=bool)
    if "cuts" not in dep or not dep.get("exception_values"):
        return out
    x = np.round(_numbers(rows, dep), _DECIMALS)
    for value, level in zip(dep["exception_values"], dep["exception_levels"], strict=True):
        out |= (x == value) & (levels == level)
    return out


def determined_values(dep: dict, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The dependent value each row's determinant cell maps to under ``dep``.

    Parameters
    ----------
    dep : dict
        One entry of :func:`learn_frame_dependencies`: a determinant column's
        levels, or a numeric one's intervals (by ``cuts``), and the values
        they map to.
    rows : pandas.DataFrame of shape (n_rows, n_columns)
        Rows holding the determinant column.

    Returns
    -------
    want : ndarray of object of shape (n_rows,)
        The value the row's determinant maps to (meaningless where not ``hit``).
    hit : ndarray of bool of shape (n_rows,)
        Rows whose determinant is a level (or a number) the table covers.
    """
    values = np.asarray(dep["values"], dtype=object)
    a = dep["determinant"]
    if "cuts" in dep:
        x = _numbers(rows, dep)
        want = values[np.searchsorted(np.asarray(dep["cuts"], dtype=float), x, side="right")]
        return want, ~np.isnan(x) & pd.notna(want)
    at = pd.Index(dep["levels"], dtype=object).get_indexer(rows[a].astype(object))
    want = values[at]
    return want, (at >= 0) & pd.notna(want)


def apply_frame_dependencies(deps: list, rows: pd.DataFrame, seeds: pd.DataFrame,
                             restricted: Any = ()) -> np.ndarray:
    """Make generated rows follow ``deps`` (in place); flag the rows that cannot.

    Parameters
    ----------
    deps : list of dict
        As :func:`learn_frame_dependencies` gives them.
    rows : pandas.DataFrame
        Generated rows, coerced to the schema; free dependent cells whose
        determinant level (or interval) is in a table take the value it maps
        to -- first from fixed determinants, then from generated ones.
    seeds : pandas.DataFrame
        The rows' seed rows (a non-missing cell is fixed), same length.
    restricted : collection of str, default=()
        Columns under a range or set condition: their cells are kept, as
        fixed ones are.

    Returns
    -------
    ndarray of bool of shape (n_rows,)
        Rows where a generated (not fixed) determinant maps to another value
        than its dependent cell holds, that cell being kept or set by another
        determinant (``sub_grade`` and ``int_rate`` both pin ``grade``):
        invalid, to be proposed again. Instead, a generated level whose
        dependent value only one level maps to becomes that level, and a
        generated numeric determinant whose dependent is kept or set from a
        fixed cell moves into the nearest interval of that value. A number
        and level that are an exception the training rows hold (a numeric
        determinant's ``exception_values``) are kept as they are.
    """
    n = len(rows)
    wants = [(dep, *determined_values(dep, rows), seeds[dep["determinant"]].notna().to_numpy())
             for dep in deps]
    kept = {b: seeds[b].notna().to_numpy() | (b in restricted)
            for b in {dep["dependent"] for dep in deps}}
    anchored = {b: k.copy() for b, k in kept.items()}  # kept, or set from a fixed cell
    got = {b: rows[b].to_numpy(dtype=object, copy=True) for b in kept}
    for from_fixed in (True, False):
        for dep, want, hit, fixed_a in wants:
            b = dep["dependent"]
            free = hit & ~kept[b] & (fixed_a == from_fixed)
            free &= ~_known_exception(dep, rows, got[b])  # a pair real rows hold too
            got[b][free] = want[free]
            kept[b] = kept[b] | free  # a later determinant must agree with it
            if from_fixed:
                anchored[b] |= free
    bad = np.zeros(n, dtype=bool)
    for dep, want, hit, fixed_a in wants:
        b = dep["dependent"]
        if dep["numeric"]:
            same = np.round(got[b].astype(float), _DECIMALS) == want.astype(float)
        else:
            same = got[b] == want
        wrong = hit & ~fixed_a & ~same
        wrong &= ~_known_exception(dep, rows, got[b])
        if "cuts" not in dep and dep["determinant"] not in restricted and wrong.any():
            _to_only_level(dep, rows, got[b], wrong)
        if "cuts" in dep and dep["determinant"] not in restricted:
            # a generated number off the interval of a level given by the seed row
            # moves to that interval's nearest value (rejection would seldom meet it)
            moved = wrong & anchored[b]
            if moved.any():
                _into_interval(dep, rows, got[b], moved)
                wrong &= ~moved
        bad |= wrong
    for b, values in got.items():
        if not (values == rows[b].to_numpy(dtype=object)).all():
            rows[b] = pd.Series(values, index=rows.index).astype(rows[b].dtype)
    return bad


def _to_only_level(dep: dict, rows: pd.DataFrame, values: np.ndarray, wrong: np.ndarray
                   ) -> None:
    """Give the ``wrong`` rows whose dependent value only one level maps to (one to one:
    ``education_num`` 14 is only ``Masters``) that level (in place); clear them in
    ``wrong``."""
    numeric = dep["numeric"]
    key = [round(float(v), _DECIMALS) if numeric else v for v in dep["values"]]
    by_value: dict = {}
    for level, v in zip(dep["levels"], key, strict=True):
        by_value.setdefault(v, []).append(level)
    at = np.flatnonzero(wrong)
    given = [round(float(v), _DECIMALS) if numeric else v for v in values[at]]
    only = [by_value.get(v, ()) for v in given]
    ok = np.asarray([len(o) == 1 for o in only], dtype=bool)
    if not ok.any():
        return
    a = dep["determinant"]
    col = rows[a].to_numpy(dtype=object, copy=True)
    col[at[ok]] = [o[0] for o, k in zip(only, ok, strict=True) if k]
    rows[a] = pd.Series(col, index=rows.index).astype(rows[a].dtype)
    wrong[at[ok]] = False


def _into_interval(dep: dict, rows: pd.DataFrame, levels: np.ndarray, move: np.ndarray
                   ) -> None:
    """Move the number of the ``move`` rows to the nearest value of an interval of their
    level (in place); rows whose level has no interval keep theirs."""
    a = dep["determinant"]
    x = pd.to_numeric(rows[a], errors="coerce").to_numpy(dtype=float, copy=True)
    spans = np.asarray(dep["intervals"], dtype=float)
    values = np.asarray(dep["values"], dtype=object)
    for level in pd.unique(levels[move]):
        sel = np.flatnonzero(move & (levels == level))
        own = spans[values == level]
        if len(own):
            x[sel] = _nearest_in(x[sel], own)
    rows[a] = pd.Series(x, index=rows.index).astype(rows[a].dtype)


def restrict_determinants(deps: list, seeds: pd.DataFrame) -> pd.DataFrame:
    """Seed rows whose fixed dependent value narrows a free determinant to a set or range.

    A batch whose rows all fix a dependent to one value (``grade = "F"``) and
    leave its determinant free (``sub_grade``) gets the set condition "one of
    the levels that map to it" on the determinant, which the models draw from
    the training frequencies; rejection alone seldom meets it for a rare level.
    A numeric determinant (``int_rate``) gets the range condition spanning
    the level's intervals, unless a categorical determinant of the same value
    got a set (``sub_grade``): the number is then generated given it, and
    checked.

    Parameters
    ----------
    deps : list of dict
        As :func:`learn_frame_dependencies` gives them.
    seeds : pandas.DataFrame
        A batch of seed rows, their range and set conditions in ``attrs``
        (see :func:`skgen.conditions.restrictions_of`). Not modified.

    Returns
    -------
    pandas.DataFrame
        ``seeds`` itself, or a copy carrying the added set and range conditions.
    """
    restrictions = restrictions_of(seeds)
    sets, ranges = dict(restrictions.sets), dict(restrictions.ranges)
    narrowed = set()  # dependents whose categorical determinant got a set
    for dep in sorted(deps, key=lambda dep: "cuts" in dep):
        a, given = dep["determinant"], seeds[dep["dependent"]]
        if (a in sets or a in ranges or seeds[a].notna().any()
                or given.isna().any() or given.nunique() != 1):
            continue
        value = given.iloc[0]
        if "cuts" in dep:  # the span of that level's intervals, as a range condition
            if dep["dependent"] in narrowed:
                continue  # drawn apart from that set, the number would not fit its level
            spans = [span for span, v in zip(dep["intervals"], dep["values"], strict=True)
                     if v == value]
            spans += [[x, x] for x, v in zip(dep.get("exception_values", ()),
                                             dep.get("exception_levels", ()), strict=True)
                      if v == value]  # a rate of another grade's interval this one holds too
            if spans:
                ranges[a] = (min(s[0] for s in spans), max(s[1] for s in spans))
            continue
        allowed = tuple(level for level, v in zip(dep["levels"], dep["values"], strict=True)
                        if v is not None and (round(float(value), _DECIMALS) == v
                                              if dep["numeric"] else v == value))
        if allowed:
            sets[a] = allowed
            narrowed.add(dep["dependent"])
    if sets == restrictions.sets and ranges == restrictions.ranges:
        return seeds
    return with_restrictions(seeds.copy(), Restrictions(ranges=ranges, sets=sets))


def _plain(values: np.ndarray) -> list:
    """``values`` as JSON-able Python scalars, ``None`` for a missing one."""
    return [None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v
            for v in values]
