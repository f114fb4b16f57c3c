"""AmplifySampler's exact dependencies: a category that pins another column's value.

A latent class that is likely to hold ``education = "Masters"`` also gives
``education_num`` values of neighbouring degrees, and a tree fitted on codes
ordered by frequency may split ``grade`` on the interest rate rather than on the
``sub_grade`` that fixes it. Where a categorical column fixes another column's
value in every training row -- each of its levels with at least
``MIN_LEVEL_ROWS`` rows maps to one value -- the sampler keeps that map: a
generated row takes the value its level maps to, and a completion whose free
level contradicts a fixed value counts as one the trees give probability zero.

The table holds statistics only: level codes and the value each maps to, every
level shared by at least ``MIN_LEVEL_ROWS`` training rows.
"""

from __future__ import annotations

import numpy as np

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
