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

The tables hold statistics only: a determinant's levels (each shared by at
least ``MIN_LEVEL_ROWS`` training rows) and the value each maps to. Being
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


def learn_frame_dependencies(X: pd.DataFrame, schema: Any) -> list[dict]:
    """Exact dependencies of a training frame, by column name and value.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training rows, with the columns of ``schema``. Not modified.
    schema : TableSchema
        The fitted schema: categorical and boolean columns are determinants
        (and dependents), numeric and integer columns dependents.

    Returns
    -------
    list of dict
        JSON-able: ``determinant`` and ``dependent`` (column names),
        ``levels`` (the determinant's values with at least ``MIN_LEVEL_ROWS``
        rows), ``values`` (the dependent's value for each; ``None`` for a
        missing value) and ``numeric`` (whether the dependent is a number,
        compared after rounding). See :func:`fit_dependencies`.

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
    return out


def apply_frame_dependencies(deps: list, rows: pd.DataFrame, seeds: pd.DataFrame,
                             restricted: Any = ()) -> np.ndarray:
    """Make generated rows follow ``deps`` (in place); flag the rows that cannot.

    Parameters
    ----------
    deps : list of dict
        As :func:`learn_frame_dependencies` gives them.
    rows : pandas.DataFrame
        Generated rows, coerced to the schema; free dependent cells whose
        determinant level is in a table take the value it maps to.
    seeds : pandas.DataFrame
        The rows' seed rows (a non-missing cell is fixed), same length.
    restricted : collection of str, default=()
        Columns under a range or set condition: their cells are kept, as
        fixed ones are.

    Returns
    -------
    ndarray of bool of shape (n_rows,)
        Rows whose kept dependent cell contradicts the value their generated
        (not fixed) determinant maps to: invalid, to be proposed again.
    """
    bad = np.zeros(len(rows), dtype=bool)
    for dep in deps:
        a, b = dep["determinant"], dep["dependent"]
        at = pd.Index(dep["levels"], dtype=object).get_indexer(rows[a].astype(object))
        want = np.asarray(dep["values"], dtype=object)[at]
        hit = (at >= 0) & pd.notna(want)
        kept = seeds[b].notna().to_numpy() | (b in restricted)
        got = rows[b].to_numpy(dtype=object, copy=True)
        if dep["numeric"]:
            same = np.round(got.astype(float), _DECIMALS) == want.astype(float)
        else:
            same = got == want
        bad |= hit & kept & seeds[a].isna().to_numpy() & ~same
        free = hit & ~kept
        if free.any():
            got[free] = want[free]
            rows[b] = pd.Series(got, index=rows.index).astype(rows[b].dtype)
    return bad


def restrict_determinants(deps: list, seeds: pd.DataFrame) -> pd.DataFrame:
    """Seed rows whose fixed dependent value narrows a free determinant to a set condition.

    A batch whose rows all fix a dependent to one value (``grade = "F"``) and
    leave its determinant free (``sub_grade``) gets the set condition "one of
    the levels that map to it" on the determinant, which the models draw from
    the training frequencies; rejection alone seldom meets it for a rare level.

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
        ``seeds`` itself, or a copy carrying the added set conditions.
    """
    restrictions = restrictions_of(seeds)
    sets = dict(restrictions.sets)
    for dep in deps:
        a, given = dep["determinant"], seeds[dep["dependent"]]
        if (a in sets or a in restrictions.ranges or seeds[a].notna().any()
                or given.isna().any() or given.nunique() != 1):
            continue
        value = given.iloc[0]
        allowed = tuple(level for level, v in zip(dep["levels"], dep["values"], strict=True)
                        if v is not None and (round(float(value), _DECIMALS) == v
                                              if dep["numeric"] else v == value))
        if allowed:
            sets[a] = allowed
    if sets == restrictions.sets:
        return seeds
    return with_restrictions(seeds.copy(), Restrictions(ranges=restrictions.ranges, sets=sets))


def _plain(values: np.ndarray) -> list:
    """``values`` as JSON-able Python scalars, ``None`` for a missing one."""
    return [None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v
            for v in values]
