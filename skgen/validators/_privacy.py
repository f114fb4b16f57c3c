"""A validator that drops synthetic rows copying, or nearly copying, a training row."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval

from skgen.validators._base import (
    BaseValidator,
    as_text,
    booleans,
    canonical,
    column_kind,
    missing_mask,
)

#: Most knots kept to map a numeric column onto its rank scale.
MAX_KNOTS = 1000
# Offset between categorical groups on the group axis; any value > 1 (the largest
# threshold) keeps rows of different groups from ever being each other's near copy.
_GROUP_GAP = 2.0
_MISSING_KEY = "\x00missing"


def _rank_knots(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Knots mapping values to their mid-rank empirical CDF, at most ``MAX_KNOTS``."""
    values = values[np.isfinite(values)]
    if not values.size:
        return np.zeros(0), np.zeros(0)
    xs, counts = np.unique(values, return_counts=True)
    us = (np.cumsum(counts) - counts / 2.0) / values.size
    if xs.size > MAX_KNOTS:
        keep = np.unique(np.linspace(0, xs.size - 1, MAX_KNOTS).round().astype(np.int64))
        xs, us = xs[keep], us[keep]
    return xs, us


def _rank(values: np.ndarray, xs: np.ndarray, us: np.ndarray) -> np.ndarray:
    """Rank-scale ``values`` through the knots; linear beyond them; ``NaN`` stays ``NaN``.

    Between the knots the map is the (interpolated) empirical CDF, so one unit is
    "the whole training range" whatever the column's scale or skew; beyond the
    training range it continues linearly with one unit per training span, so
    distinct values always get distinct ranks.
    """
    if not xs.size:
        return np.full(values.shape, np.nan)
    u = np.interp(values, xs, us)
    span = xs[-1] - xs[0] if xs.size > 1 else max(abs(float(xs[0])), 1.0)
    below, above = values < xs[0], values > xs[-1]
    u[below] = us[0] - (xs[0] - values[below]) / span
    u[above] = us[-1] + (values[above] - xs[-1]) / span
    u[np.isnan(values)] = np.nan
    return u


def _group_ids(group_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Position of each key in the sorted ``group_keys``; -1 for keys not there."""
    if not group_keys.size:
        return np.full(keys.shape, -1, dtype=np.int64)
    pos = np.searchsorted(group_keys, keys).clip(max=group_keys.size - 1)
    return np.where(group_keys[pos] == keys, pos, -1).astype(np.int64)


def _nearest(reference: np.ndarray, ranks: np.ndarray, group: np.ndarray,
             k: int = 1) -> np.ndarray:
    """Distance from each query row to its ``k``-th nearest reference row of its group.

    ``reference`` holds rank-scaled numeric values and, last, the group axis
    (group id times ``_GROUP_GAP``). Rows whose group has no (``k``-th) reference
    row get ``inf``; so do rows whose ``k``-th neighbour lies in another group,
    which only happens when fewer than ``k`` same-group rows are nearer than
    ``_GROUP_GAP``.
    """
    out = np.full(len(group), np.inf)
    sel = group >= 0
    if not sel.any() or len(reference) < k:
        return out
    query = np.column_stack([ranks[sel], group[sel] * _GROUP_GAP]).astype(np.float32)
    nn = NearestNeighbors(n_neighbors=k, algorithm="kd_tree").fit(reference)
    dist, idx = nn.kneighbors(query)
    same = reference[idx[:, k - 1], -1] == query[:, -1]
    out[sel] = np.where(same, dist[:, k - 1], np.inf)
    return out


class PrivacyFilter(BaseValidator):
    """Drop synthetic rows equal to a training row, or closer to one than real rows are.

    **Distance.** Numeric (and datetime) columns are put on a rank scale: a
    value maps to its mid-rank empirical CDF in the training column, so the
    whole training range spans one unit whatever the column's scale or skew
    (robust to outliers; values beyond the range continue linearly). Every
    other column is categorical, a missing value being one more category (for
    numeric columns too), and an unseen category differing from all others. The
    distance between two rows is the Heterogeneous Euclidean-Overlap Metric [1]_
    on that scale: the square root of the sum of squared rank differences plus 1
    per categorical column that differs - a one-hot encoding scaled so that a
    mismatch costs 1.

    **Threshold.** In ``fit`` up to ``n_threshold_samples`` training rows are
    drawn, and the distance from each to its nearest neighbour among all the
    *other* training rows is measured (leave-one-out): the distance to the
    closest record (DCR) [2]_ that a genuinely new row from the same population
    meets in a training set of this size. The ``quantile`` of these distances,
    capped at 1, is ``threshold_``. A candidate row is rejected when it equals a
    training row (distance 0, always rejected) or lies closer than
    ``threshold_`` to one: closer than all but a fraction ``quantile`` of fresh
    real rows are. The default 0.01 thus costs about 1 % of genuinely new rows
    (measured on the Adult table: 0.8 %); 0.05 matches the DCR fifth percentile
    used to evaluate synthesizers [2]_ and is stricter.

    Because the threshold is at most 1, a row can only be a near copy of a
    training row that agrees with it on every categorical column and on which
    numeric values are missing. The search is therefore exact and fast: rows are
    grouped by their categorical values and a k-d tree
    (:class:`sklearn.neighbors.NearestNeighbors`) finds the nearest neighbour in
    the numeric columns within the group.

    **What it protects against**: releasing training records verbatim or
    almost verbatim - the copies a generator that memorised its training data
    produces, which expose the real people behind them.

    **What it does not protect against**: it gives no formal guarantee (train
    with differential privacy for that); it does not stop membership or
    attribute inference from what the model learned about the population; a
    synthetic row that matches a real person on a few identifying columns
    (age, occupation, country) but differs in one other categorical column is
    not a near copy here and passes; and it only knows the rows given to
    ``fit``. The threshold itself is computed from the training data.

    A frame that lacks some training columns cannot be judged row by row: every
    one of its rows passes. Every training row is an exact copy of itself, so
    ``fit_transform`` on the training data returns no rows; in a pipeline, put
    the filter where it sees generated rows only.

    Parameters
    ----------
    quantile : float, default=0.01
        Quantile, in ``[0, 1]``, of the real rows' leave-one-out distances to
        their nearest training row that becomes the threshold. 0 takes the
        smallest such distance (0 when the training data holds duplicates, so
        that only exact copies are rejected).
    n_threshold_samples : int, default=2000
        Most training rows whose distance is measured to learn the threshold.
        Must be at least 1. Larger is steadier and slower.
    random_state : int, RandomState instance or None, default=None
        Chooses those rows. Pass an int for a reproducible threshold.

    Attributes
    ----------
    columns_ : list
        All training columns, in training order.
    kinds_ : list of str
        Kind of each column (``"numeric"``, ``"datetime"``, ``"boolean"``,
        ``"string"`` or ``"empty"``); the first two are rank-scaled, the others
        categorical.
    knots_x_ : list of numpy.ndarray or None
        For each rank-scaled column the training values of the rank map's knots
        (at most ``MAX_KNOTS``); ``None`` for categorical columns.
    knots_u_ : list of numpy.ndarray or None
        The ranks, in ``[0, 1]``, at those knots.
    group_keys_ : numpy.ndarray of uint64, shape (n_groups,)
        Sorted hashes of the distinct categorical parts (with the missingness of
        numeric values) of the training rows.
    train_encoded_ : numpy.ndarray of float32, shape (n_distinct_rows, n_numeric + 1)
        The distinct encoded training rows: rank-scaled numeric values (0 where
        missing) and, last, the row's group position times 2.
    threshold_ : float
        Rows closer than this to a training row are rejected, in ``[0, 1]``.
    n_features_in_ : int
        Number of columns of the training frame.

    References
    ----------
    .. [1] D. R. Wilson and T. R. Martinez, "Improved Heterogeneous Distance
       Functions", Journal of Artificial Intelligence Research 6, 1997.
    .. [2] N. Park, M. Mohammadi, K. Gorde, S. Jajodia, H. Park and Y. Kim,
       "Data Synthesis based on Generative Adversarial Networks", PVLDB 11(10),
       2018 (distance to the closest record); Z. Zhao, A. Kunar, R. Birke and
       L. Y. Chen, "CTAB-GAN", ACML 2021 (its fifth percentile).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import PrivacyFilter
    >>> real = pd.DataFrame({"age": range(20, 80), "sex": ["F", "M"] * 30})
    >>> pf = PrivacyFilter(random_state=0).fit(real)
    >>> pf.is_valid(pd.DataFrame({"age": [20, 20, 20], "sex": ["F", "M", "X"]})).tolist()
    [False, False, True]
    >>> pf.explain(pd.DataFrame({"age": [20, 20], "sex": ["F", "M"]}))["rule"].tolist()
    ['privacy_exact_match', 'privacy_too_close']
    """

    _parameter_constraints: dict = {
        "quantile": [Interval(Real, 0, 1, closed="both")],
        "n_threshold_samples": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, quantile: float = 0.01, n_threshold_samples: int = 2000,
                 random_state: Any = None) -> None:
        self.quantile = quantile
        self.n_threshold_samples = n_threshold_samples
        self.random_state = random_state

    def _encode(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Rank-scaled numeric values ``(n, n_numeric)`` and group hashes ``(n,)``."""
        ranks, key_parts = [], {}
        for j, column in enumerate(self.columns_):
            s, kind = X[column], self.kinds_[j]
            if kind in ("numeric", "datetime"):
                values = np.asarray(canonical(s, kind), dtype=float)
                values[~np.isfinite(values)] = np.nan
                u = _rank(values, self.knots_x_[j], self.knots_u_[j])
                missing = np.isnan(u)
                ranks.append(np.where(missing, 0.0, u))
                key_parts[f"m{j}"] = missing
                continue
            text = as_text(s).to_numpy(dtype=object, na_value=_MISSING_KEY)
            if kind == "boolean":
                flags = booleans(s)
                text = np.where(np.isnan(flags), text, np.where(flags == 1.0, "1", "0"))
            text[missing_mask(s)] = _MISSING_KEY
            key_parts[f"c{j}"] = text
        n = len(X)
        u = np.column_stack(ranks) if ranks else np.zeros((n, 0))
        if key_parts:
            keys = pd.util.hash_pandas_object(pd.DataFrame(key_parts), index=False)
            keys = keys.to_numpy(dtype=np.uint64)
        else:
            keys = np.zeros(n, dtype=np.uint64)
        return u, keys

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_ = list(X.columns)
        self.kinds_ = [column_kind(X[c]) for c in self.columns_]
        self.knots_x_, self.knots_u_ = [], []
        for column, kind in zip(self.columns_, self.kinds_, strict=True):
            if kind in ("numeric", "datetime"):
                xs, us = _rank_knots(np.asarray(canonical(X[column], kind), dtype=float))
                self.knots_x_.append(xs)
                self.knots_u_.append(us)
            else:
                self.knots_x_.append(None)
                self.knots_u_.append(None)
        u, keys = self._encode(X)

        self.group_keys_ = np.unique(keys)
        group = _group_ids(self.group_keys_, keys)
        encoded = np.column_stack([u, group * _GROUP_GAP]).astype(np.float32)
        self.train_encoded_ = np.unique(encoded, axis=0)

        n = len(X)
        if n < 2:
            self.threshold_ = 0.0
            return
        # Leave-one-out distance to the closest record: each sampled training row
        # against all the others (its 2nd neighbour, the 1st being itself), i.e.
        # what a fresh row from the same population meets in a training set of n rows.
        rng = check_random_state(self.random_state)
        sample = rng.choice(n, size=min(int(self.n_threshold_samples), n), replace=False)
        reference = np.column_stack([u, group * _GROUP_GAP]).astype(np.float32)
        dist = _nearest(reference, u[sample], group[sample], k=2)
        self.threshold_ = float(min(1.0, np.quantile(np.minimum(dist, 1.0), self.quantile)))

    def distances(self, X: pd.DataFrame) -> np.ndarray:
        """Distance from each row of ``X`` to its nearest training row.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            Candidate rows holding every training column. Not modified.

        Returns
        -------
        distances : numpy.ndarray of float, shape (n_samples,)
            The distance described in the class docstring to the nearest
            training row that agrees on every categorical column (and on which
            numeric values are missing); ``inf`` where no training row does,
            since such a row is at distance 1 or more from all of them and so
            never within the threshold.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the filter is not fitted.
        TypeError
            If ``X`` is not a DataFrame.
        KeyError
            If ``X`` lacks a training column.
        """
        X = self._checked(X)
        u, keys = self._encode(X)
        return _nearest(self.train_encoded_, u, _group_ids(self.group_keys_, keys))

    def _failures(self, X: pd.DataFrame) -> Iterator[tuple[Any, str, np.ndarray, Any]]:
        if any(column not in X.columns for column in self.columns_):
            return
        dist = self.distances(X)
        exact = dist == 0.0
        yield None, "privacy_exact_match", exact, dist
        yield None, "privacy_too_close", (dist < self.threshold_) & ~exact, dist
