"""A validator that drops synthetic rows copying, or nearly copying, a training row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from skgen.exceptions import SchemaError
from skgen.schema import TableSchema, check_frame
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
#: Words, for the n-gram overlap of text columns (Unicode letters, digits, ``_``).
_WORD = re.compile(r"\w+")


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



def _normalised(texts: pd.Series) -> np.ndarray:
    """Texts case-folded, whitespace runs made one space, ends stripped; missing stays None."""
    missing = missing_mask(texts)
    out = np.full(len(texts), None, dtype=object)
    out[~missing] = [" ".join(t.casefold().split()) for t in as_text(texts[~missing])]
    return out


def _hashes(strings: list | np.ndarray) -> np.ndarray:
    """Stable 64-bit hashes of strings (the same in every process)."""
    if not len(strings):
        return np.zeros(0, dtype=np.uint64)
    return pd.util.hash_array(np.asarray(strings, dtype=object))


def _ngram_hashes(texts: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every run of ``n`` words of each normalised text, and its text's position."""
    grams, owner = [], []
    for i, text in enumerate(texts):
        if text is None:
            continue
        words = _WORD.findall(text)
        for start in range(len(words) - n + 1):
            grams.append(" ".join(words[start:start + n]))
            owner.append(i)
    return _hashes(grams), np.asarray(owner, dtype=np.int64)


def _contains(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Whether each of ``keys`` is in the sorted array ``sorted_keys``."""
    if not sorted_keys.size or not keys.size:
        return np.zeros(keys.shape, dtype=bool)
    pos = np.searchsorted(sorted_keys, keys).clip(max=sorted_keys.size - 1)
    return sorted_keys[pos] == keys


def _filter_kind(s: pd.Series) -> str:
    """The validators' column kind, with free-text string columns told apart as ``"text"``."""
    kind = column_kind(s)
    if kind != "string":
        return kind
    try:
        inferred = TableSchema.infer(s.to_frame(name="column")).columns[0].kind
    except SchemaError:
        return kind
    return "text" if inferred == "text" else kind


def _rank_scaled(kind: str) -> bool:
    return kind in ("numeric", "datetime")


def _encode_rows(X: pd.DataFrame, columns: list, kinds: list[str], knots_x: list,
                 knots_u: list) -> tuple[np.ndarray, np.ndarray]:
    """Rank-scaled numeric values ``(n, n_numeric)`` and group hashes ``(n,)``."""
    ranks, key_parts = [], {}
    for j, column in enumerate(columns):
        s, kind = X[column], kinds[j]
        if _rank_scaled(kind):
            values = np.asarray(canonical(s, kind), dtype=float)
            values[~np.isfinite(values)] = np.nan
            u = _rank(values, knots_x[j], knots_u[j])
            missing = np.isnan(u)
            ranks.append(np.where(missing, 0.0, u))
            key_parts[f"m{j}"] = missing
            continue
        if kind == "text":
            text = _normalised(s)
        else:
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


def _reference(X: pd.DataFrame, columns: list, kinds: list[str],
               max_ngram_overlap: int | None) -> tuple[dict, np.ndarray, np.ndarray]:
    """The reference data of ``X``: the filter's ``_reference_attributes``, ranks and groups."""
    knots_x, knots_u = [], []
    for column, kind in zip(columns, kinds, strict=True):
        xs, us = (_rank_knots(np.asarray(canonical(X[column], kind), dtype=float))
                  if _rank_scaled(kind) else (None, None))
        knots_x.append(xs)
        knots_u.append(us)
    u, keys = _encode_rows(X, columns, kinds, knots_x, knots_u)
    group_keys = np.unique(keys)
    group = _group_ids(group_keys, keys)
    encoded = np.column_stack([u, group * _GROUP_GAP]).astype(np.float32)
    text_hashes, text_ngrams = [], []
    for column, kind in zip(columns, kinds, strict=True):
        if kind != "text":
            text_hashes.append(None)
            text_ngrams.append(None)
            continue
        norm = _normalised(X[column])
        text_hashes.append(np.unique(_hashes(norm[pd.notna(norm)])))
        text_ngrams.append(None if max_ngram_overlap is None else
                           np.unique(_ngram_hashes(norm, max_ngram_overlap + 1)[0]))
    state = {"knots_x_": knots_x, "knots_u_": knots_u, "group_keys_": group_keys,
             "train_encoded_": np.unique(encoded, axis=0), "text_hashes_": text_hashes,
             "text_ngrams_": text_ngrams}
    return state, u, group

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

    **Text columns** (string columns that the schema infers as free text, see
    :meth:`skgen.schema.TableSchema.infer`) are compared after normalising case
    and whitespace: a text equal to a training text of its column is rejected
    whatever the rest of its row (``privacy_text_copy``), and with
    ``max_ngram_overlap=k`` so is a text sharing a run of ``k + 1`` consecutive
    words with one (``privacy_ngram_overlap``), the verbatim-overlap notion of
    memorisation studies [3]_.

    **Reference data and model files.** The rank maps' knots (training values),
    the distinct encoded training rows, the group hashes and the text hashes are
    the training data in another form: ``save`` leaves them out of model files
    unless ``include_reference_data=True`` (see :mod:`skgen.persistence`). A
    filter loaded without them keeps its threshold but cannot judge rows and
    raises :class:`~sklearn.exceptions.NotFittedError` until
    :meth:`attach_reference` gives it the training data again.

    A frame that lacks some training columns cannot be judged row by row: every
    one of its rows passes the row rules (its text columns are still checked).
    Every training row is an exact copy of itself, so ``fit_resample`` on the
    training data drops every row; in a pipeline, put the filter where it sees
    generated rows only.

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
    max_ngram_overlap : int or None, default=None
        Longest run of consecutive words (``\\w+`` tokens of the case-folded
        text) a generated text may share with a training text of its column;
        a text sharing ``max_ngram_overlap + 1`` of them is rejected. At least
        1; ``None`` checks only whole-text copies.
    random_state : int, RandomState instance or None, default=None
        Chooses those rows. Pass an int for a reproducible threshold.

    Attributes
    ----------
    columns_ : list
        All training columns, in training order.
    kinds_ : list of str
        Kind of each column (``"numeric"``, ``"datetime"``, ``"boolean"``,
        ``"text"``, ``"string"`` or ``"empty"``); the first two are
        rank-scaled, the others categorical (texts normalised).
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
    text_hashes_ : list of numpy.ndarray of uint64 or None
        For each text column, sorted hashes of its normalised training texts;
        ``None`` for other columns.
    text_ngrams_ : list of numpy.ndarray of uint64 or None
        For each text column with ``max_ngram_overlap`` set, sorted hashes of
        the training texts' runs of ``max_ngram_overlap + 1`` words.
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
    .. [3] N. Carlini, D. Ippolito, M. Jagielski, K. Lee, F. Tramer and
       C. Zhang, "Quantifying Memorization Across Neural Language Models",
       ICLR 2023; R. T. McCoy, P. Smolensky, T. Linzen, J. Gao and
       A. Celikyilmaz, "How much do language models copy from their training
       data?", TACL 11, 2023 (n-gram novelty).

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
        "max_ngram_overlap": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    }
    #: What a model file holds (see :mod:`skgen.persistence`).
    _fitted_attributes = ("kinds_", "threshold_")
    #: Reference data: the training rows in another form, left out of model files.
    _reference_attributes: tuple[str, ...] = (
        "knots_x_", "knots_u_", "group_keys_", "train_encoded_", "text_hashes_", "text_ngrams_")

    def __init__(self, *, quantile: float = 0.01, n_threshold_samples: int = 2000,
                 max_ngram_overlap: int | None = None, random_state: Any = None) -> None:
        self.quantile = quantile
        self.n_threshold_samples = n_threshold_samples
        self.max_ngram_overlap = max_ngram_overlap
        self.random_state = random_state

    def _learn(self, X: pd.DataFrame) -> None:
        columns = list(X.columns)
        kinds = [_filter_kind(X[c]) for c in columns]
        reference, u, group = _reference(X, columns, kinds, self.max_ngram_overlap)
        n = len(X)
        threshold = 0.0
        if n >= 2:
            # Leave-one-out distance to the closest record: each sampled training row
            # against all the others (its 2nd neighbour, the 1st being itself), i.e.
            # what a fresh row from the same population meets in a training set of n rows.
            rng = check_random_state(self.random_state)
            sample = rng.choice(n, size=min(int(self.n_threshold_samples), n), replace=False)
            rows = np.column_stack([u, group * _GROUP_GAP]).astype(np.float32)
            dist = _nearest(rows, u[sample], group[sample], k=2)
            threshold = float(min(1.0, np.quantile(np.minimum(dist, 1.0), self.quantile)))
        self.columns_, self.kinds_, self.threshold_ = columns, kinds, threshold
        self._set_reference(reference)

    def _set_reference(self, reference: dict) -> None:
        for name, value in reference.items():
            setattr(self, name, value)

    def has_reference_data(self) -> bool:
        """Whether the filter holds its reference data (the training rows it compares against).

        A filter loaded from a model file saved without
        ``include_reference_data=True`` has none until
        :meth:`attach_reference` gives it back.

        Returns
        -------
        bool
            True when the reference data is there and the filter can judge rows.
        """
        return all(hasattr(self, name) for name in self._reference_attributes)

    def attach_reference(self, X: pd.DataFrame) -> PrivacyFilter:
        """Give the filter its reference data: the training rows to compare against.

        Model files leave a privacy filter's reference data out (see
        :func:`skgen.persistence.save`); after loading, pass the training data
        here (or to ``skgen.load(path, reference_data=X)``). The threshold
        learned in ``fit`` is kept, so the same training data restores exactly
        the filter that was saved. Any other data replaces the rows compared
        against, not the threshold.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            Holds every column seen in ``fit``, of the same kinds; other
            columns are ignored. Not modified.

        Returns
        -------
        self : PrivacyFilter
            The filter, ready to judge rows again.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the filter was never fitted.
        TypeError
            If ``X`` is not a DataFrame.
        skgen.exceptions.SchemaError
            If ``X`` is empty, lacks a column seen in ``fit`` or holds a column
            of another kind (say, text where numbers were).
        """
        check_is_fitted(self, "threshold_")
        check_frame(X, name="reference data", allow_empty_columns=True)
        missing = [c for c in self.columns_ if c not in X.columns]
        if missing:
            raise SchemaError(f"the reference data lacks the column(s) {missing} the filter "
                              "was fitted on")
        for column, kind in zip(self.columns_, self.kinds_, strict=True):
            got = _filter_kind(X[column])
            if got != kind:
                raise SchemaError(f"column {column!r} of the reference data holds {got} "
                                  f"values, but {kind} values in the data the filter was "
                                  "fitted on")
        self._set_reference(_reference(X, self.columns_, self.kinds_,
                                       self.max_ngram_overlap)[0])
        return self

    def _require_reference(self) -> None:
        if not self.has_reference_data():
            raise NotFittedError(
                "this PrivacyFilter has no reference data: model files leave out the training "
                "rows a privacy filter compares against (unless saved with "
                "include_reference_data=True), so it cannot judge rows. Attach the training "
                "data again: skgen.load(path, reference_data=X_train), or "
                "filter.attach_reference(X_train) on the loaded filter.")

    def _encode(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Rank-scaled numeric values ``(n, n_numeric)`` and group hashes ``(n,)``."""
        return _encode_rows(X, self.columns_, self.kinds_, self.knots_x_, self.knots_u_)

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
            If the filter is not fitted, or has no reference data (see
            :meth:`attach_reference`).
        TypeError
            If ``X`` is not a DataFrame.
        KeyError
            If ``X`` lacks a training column.
        """
        X = self._checked(X)
        self._require_reference()
        u, keys = self._encode(X)
        return _nearest(self.train_encoded_, u, _group_ids(self.group_keys_, keys))

    def _text_failures(self, X: pd.DataFrame) -> Iterator[tuple[Any, str, np.ndarray, Any]]:
        for j, column in enumerate(self.columns_):
            if self.kinds_[j] != "text" or column not in X.columns:
                continue
            norm = _normalised(X[column])
            present = pd.notna(norm)
            copy = np.zeros(len(X), dtype=bool)
            copy[present] = _contains(self.text_hashes_[j], _hashes(norm[present]))
            yield column, "privacy_text_copy", copy, None
            if self.max_ngram_overlap is not None:
                hashes, owner = _ngram_hashes(norm, self.max_ngram_overlap + 1)
                shares = np.zeros(len(X), dtype=bool)
                shares[owner[_contains(self.text_ngrams_[j], hashes)]] = True
                yield column, "privacy_ngram_overlap", shares & ~copy, None

    def _failures(self, X: pd.DataFrame) -> Iterator[tuple[Any, str, np.ndarray, Any]]:
        if not any(column in X.columns for column in self.columns_):
            return
        self._require_reference()
        yield from self._text_failures(X)
        if any(column not in X.columns for column in self.columns_):
            return
        dist = self.distances(X)
        exact = dist == 0.0
        yield None, "privacy_exact_match", exact, dist
        yield None, "privacy_too_close", (dist < self.threshold_) & ~exact, dist
