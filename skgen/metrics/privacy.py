"""Privacy figures: exact copies of training rows and distance to the closest record."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.metrics import pairwise_distances_chunked
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from skgen.exceptions import SchemaError
from skgen.metrics._metadata import CONTINUOUS, DISCRETE, resolve_metadata
from skgen.schema import as_float

# Memory for one chunk of the distance matrix (scikit-learn's working_memory, in MiB).
_WORKING_MEMORY_MB = 64


@validate_params({"reference": [pd.DataFrame], "rows": [pd.DataFrame]},
                 prefer_skip_nested_validation=True)
def exact_match_rate(reference: pd.DataFrame, rows: pd.DataFrame) -> float:
    """Fraction of ``rows`` that are an exact copy of some row of ``reference``.

    Use ``exact_match_rate(train, synthetic)`` for the share of synthetic rows
    copied from the training data, and ``exact_match_rate(train, holdout)`` for
    the baseline: how often fresh real rows happen to repeat a training row.

    Parameters
    ----------
    reference : pandas.DataFrame of shape (n_reference, n_features)
        The rows to look up (typically the training table). Not modified.
    rows : pandas.DataFrame of shape (n_rows, n_features)
        The rows to check; must hold every column of ``reference`` (extra
        columns are ignored). Not modified.

    Returns
    -------
    rate : float
        In ``[0, 1]``: the share of ``rows`` equal, on every column of
        ``reference``, to at least one row of ``reference``. Duplicated rows
        each count.

    Raises
    ------
    SchemaError
        If either frame is empty or ``rows`` lacks a column of ``reference``.

    Notes
    -----
    Two cells are equal when they hold the same value whatever the dtype
    (``1``, ``1.0`` and ``True`` in numeric columns; ``int64`` and ``Int64``;
    ``str``, ``object`` and ``category`` strings; datetimes as instants), and
    two missing cells (``NaN``, ``None``, ``pd.NA``, ``NaT``) are equal. Rows
    are compared through 64-bit hashes (``pandas.util.hash_pandas_object``);
    the chance that two different rows share a hash is about
    ``n_rows * n_reference / 2**64``, negligible.

    References
    ----------
    Platzer, M. and Reutterer, T. (2021). "Holdout-Based Empirical Assessment
    of Mixed-Type Synthetic Data." Frontiers in Big Data 4.
    """
    if len(reference) == 0:
        raise SchemaError("reference is empty")
    if len(rows) == 0:
        raise SchemaError("rows is empty")
    missing = [c for c in reference.columns if c not in rows.columns]
    if missing:
        raise SchemaError(f"rows lacks column(s) {missing} of reference")
    ref_hash, row_hash = _row_hashes(reference, rows)
    return float(np.isin(row_hash, ref_hash).mean())


@validate_params(
    {"train": [pd.DataFrame], "synthetic": [pd.DataFrame], "holdout": [pd.DataFrame, None],
     "sample_size": [Interval(Integral, 1, None, closed="left")],
     "random_state": ["random_state"], "metadata": [dict, None]},
    prefer_skip_nested_validation=True)
def distance_to_closest_record(train: pd.DataFrame, synthetic: pd.DataFrame,
                               holdout: pd.DataFrame | None = None, *,
                               sample_size: int = 10000, random_state=None,
                               metadata: dict | None = None) -> dict:
    """Distance from each synthetic (and hold-out) row to its closest training row.

    A synthetic table that copies or nearly copies its training rows has many
    rows at distance 0 or close to it. The yardstick is a real hold-out table
    the model never saw: real rows drawn from the same population are this far
    from the training rows by chance. Synthetic rows much closer than that
    suggest memorisation.

    Parameters
    ----------
    train : pandas.DataFrame of shape (n_train, n_features)
        The training table. It fixes the encoding (ranges and categories). Not
        modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        Synthetic rows; must hold every scored column of ``train``. Not
        modified.
    holdout : pandas.DataFrame of shape (n_holdout, n_features) or None, default=None
        Real rows not used for training. Not modified.
    sample_size : int, default=10000
        At most this many rows of each table (drawn without replacement) are
        used, which bounds time and memory. Fewer training rows make every
        distance a little larger, for synthetic and hold-out rows alike.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling.
    metadata : dict or None, default=None
        Column name -> kind as in :func:`skgen.metrics.column_shapes`; columns
        not listed are inferred from ``train``. ``id`` and ``text`` columns are
        left out of the distance.

    Returns
    -------
    result : dict
        ``synthetic_dcr_median``, ``synthetic_dcr_p5`` (median and 5th
        percentile of the synthetic rows' distances), ``synthetic_share_zero``
        (share of synthetic rows at distance 0: copies on every scored column),
        ``holdout_dcr_median``, ``holdout_dcr_p5``,
        ``share_closer_than_holdout_p5`` (share of synthetic rows closer to the
        training rows than the hold-out's 5th percentile; about 0.05 for a
        model that does not memorise), ``n_train``, ``n_synthetic``,
        ``n_holdout``, ``n_columns``. The hold-out figures are NaN when
        ``holdout`` is None. Distances lie in ``[0, 1]``.

    Raises
    ------
    SchemaError
        If a frame is empty, lacks a scored column of ``train``, or ``train``
        has no column to measure.

    Notes
    -----
    The distance is Gower's: the mean over the scored columns of a per-column
    distance in ``[0, 1]``, as in SDMetrics' ``DCRBaselineProtection`` and
    ``DCROverfittingProtection``: ``|x - y| / range`` for ``numerical`` and
    ``datetime`` columns (range of the training column; a constant column
    gives 0 or 1), 0 or 1 for ``categorical`` and ``boolean`` columns; two
    missing values are at distance 0, a missing and a present value at 1, and
    a missing category matches only a missing category. The numeric part is
    computed as an L1 (Manhattan) distance on codes (a value ``v`` scaled to
    ``[0, 1]`` becomes ``(v/2, (1-v)/2)``, a missing one ``(-1/4, -1/4)``) with
    :func:`sklearn.metrics.pairwise_distances_chunked`, which bounds memory to
    a 64 MiB chunk of the distance matrix; the categorical part is the number
    of mismatches, a product of one-hot codes. Unlike SDMetrics, which caps
    each numeric difference at 1, values outside the training range are
    clipped into it first (the same for values inside it).

    References
    ----------
    Gower, J. C. (1971). "A general coefficient of similarity and some of its
    properties." Biometrics 27(4). SDMetrics, "DCRBaselineProtection",
    https://docs.sdv.dev/sdmetrics/metrics/metrics-glossary/dcrbaselineprotection
    """
    distances, n_train, n_columns = _closest_record_distances(
        train, synthetic, holdout, sample_size=sample_size, random_state=random_state,
        metadata=metadata)
    d_syn = distances["synthetic"]
    out = {
        "synthetic_dcr_median": float(np.median(d_syn)),
        "synthetic_dcr_p5": float(np.percentile(d_syn, 5)),
        "synthetic_share_zero": float(np.mean(d_syn <= 1e-9)),
        "holdout_dcr_median": math.nan,
        "holdout_dcr_p5": math.nan,
        "share_closer_than_holdout_p5": math.nan,
        "n_train": n_train,
        "n_synthetic": len(d_syn),
        "n_holdout": 0,
        "n_columns": n_columns,
    }
    if "holdout" in distances:
        d_hold = distances["holdout"]
        p5 = float(np.percentile(d_hold, 5))
        out.update(holdout_dcr_median=float(np.median(d_hold)), holdout_dcr_p5=p5,
                   share_closer_than_holdout_p5=float(np.mean(d_syn < p5)),
                   n_holdout=len(d_hold))
    return out


def _closest_record_distances(train: pd.DataFrame, synthetic: pd.DataFrame,
                              holdout: pd.DataFrame | None = None, *,
                              sample_size: int = 10000, random_state=None,
                              metadata: dict | None = None
                              ) -> tuple[dict[str, np.ndarray], int, int]:
    """Per-row distances behind :func:`distance_to_closest_record`.

    Returns ``({"synthetic": d, "holdout": d}, n_train, n_columns)`` (no
    ``"holdout"`` key when ``holdout`` is None); the arguments and errors are
    those of :func:`distance_to_closest_record`.
    """
    others = {"synthetic": synthetic}
    if holdout is not None:
        others["holdout"] = holdout
    if len(train) == 0:
        raise SchemaError("train is empty")
    kinds = resolve_metadata(train, metadata, others)
    cols = [c for c, k in kinds.items() if k in CONTINUOUS + DISCRETE]
    if not cols:
        raise SchemaError("train has no numerical, datetime, categorical or boolean column "
                          "to measure distances on")
    rng = check_random_state(random_state)
    train_s = _subsample(train, sample_size, rng)
    encoder = _GowerEncoding(train, cols, kinds)
    reference = encoder.transform(train_s)
    distances = {name: _closest_distances(encoder.transform(_subsample(frame, sample_size, rng)),
                                          reference, encoder.n_categorical, len(cols))
                 for name, frame in others.items()}
    return distances, len(train_s), len(cols)


# --------------------------------------------------------------------------- helpers
def _row_hashes(reference: pd.DataFrame, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Hash each row of both frames after putting their columns in a shared form."""
    ref_cols, row_cols = {}, {}
    for i, col in enumerate(reference.columns):
        ref_cols[i], row_cols[i] = _canonical(reference[col], rows[col])
    hashes = []
    for cols, n in ((ref_cols, len(reference)), (row_cols, len(rows))):
        frame = pd.DataFrame(cols, index=pd.RangeIndex(n))
        hashes.append(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    return hashes[0], hashes[1]


def _canonical(a: pd.Series, b: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Represent two columns alike: floats for numbers, int ns for dates, objects otherwise."""
    if all(ptypes.is_numeric_dtype(s.dtype) for s in (a, b)):  # bool included
        return _float_values(a), _float_values(b)
    if any(ptypes.is_datetime64_any_dtype(s.dtype) for s in (a, b)):
        return pd.Series(as_float(a, "datetime")), pd.Series(as_float(b, "datetime"))
    return _object_values(a), _object_values(b)


def _float_values(s: pd.Series) -> pd.Series:
    v = s.to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(np.where(np.isnan(v), np.nan, v + 0.0))  # one NaN, no -0.0


def _object_values(s: pd.Series) -> pd.Series:
    v = s.astype(object).reset_index(drop=True)
    v = v.where(v.notna(), None)
    if pd.api.types.infer_dtype(v, skipna=True) not in ("string", "empty"):
        present = v.notna()
        v[present] = v[present].map(str)  # mixed values: compare their text
    return v


def _subsample(frame: pd.DataFrame, size: int, rng: np.random.RandomState) -> pd.DataFrame:
    if len(frame) <= size:
        return frame
    idx = np.sort(rng.choice(len(frame), size=size, replace=False))
    return frame.iloc[idx]


def _closest_distances(query: tuple, reference: tuple, n_categorical: int,
                       n_columns: int) -> np.ndarray:
    """Gower distance from each query row to its closest reference row, chunk by chunk.

    The numeric part is the L1 distance of the numeric codes (scikit-learn's
    chunked pairwise distances bound the memory); the categorical part is the
    number of categorical columns minus the matches, a product of one-hot codes.
    """
    num_q, cat_q = query
    num_r, cat_r = reference

    def closest(dist: np.ndarray, start: int) -> np.ndarray:
        if n_categorical:
            matches = cat_q[start:start + dist.shape[0]] @ cat_r.T
            dist = dist + (n_categorical - matches)
        return dist.min(axis=1)

    chunks = pairwise_distances_chunked(num_q, num_r, metric="manhattan", reduce_func=closest,
                                        working_memory=_WORKING_MEMORY_MB)
    return np.concatenate(list(chunks)) / n_columns


class _GowerEncoding:
    """Codes on which Gower's distance is an L1 distance plus a one-hot mismatch count.

    A numeric value ``v`` scaled to ``[0, 1]`` by the training range becomes
    ``(v/2, (1-v)/2)`` and a missing one ``(-1/4, -1/4)``: two present values
    are ``|v - w|`` apart, a missing and a present value 1, two missing ones 0.
    Categories are one-hot coded, with one more slot for missing values and one
    for categories unseen in training.
    """

    def __init__(self, train: pd.DataFrame, cols: list, kinds: dict) -> None:
        self.numeric = [c for c in cols if kinds[c] in CONTINUOUS]
        self.categorical = [c for c in cols if kinds[c] not in CONTINUOUS]
        self.n_categorical = len(self.categorical)
        self.kinds = kinds
        self.ranges: dict = {}
        self.categories: dict = {}
        for c in self.numeric:
            v = as_float(train[c], kinds[c])
            v = v[~np.isnan(v)]
            self.ranges[c] = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
        for c in self.categorical:
            self.categories[c] = pd.Index(pd.unique(train[c].dropna().astype(object)))

    def transform(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        n = len(frame)
        num = [self._numeric(as_float(frame[c], self.kinds[c]), *self.ranges[c])
               for c in self.numeric]
        num_codes = np.hstack(num) if num else np.zeros((n, 1))
        cat = [self._onehot(frame[c], self.categories[c]) for c in self.categorical]
        cat_codes = np.hstack(cat).astype("float32") if cat else None
        return num_codes, cat_codes

    @staticmethod
    def _numeric(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
        missing = np.isnan(x)
        if hi > lo:
            v = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
        else:
            v = (x != lo).astype("float64")
        out = np.column_stack([v / 2.0, (1.0 - v) / 2.0])
        out[missing] = -0.25
        return out

    @staticmethod
    def _onehot(s: pd.Series, categories: pd.Index) -> np.ndarray:
        k = len(categories)
        codes = categories.get_indexer(s.astype(object))  # -1: missing or unseen
        codes = np.where(codes >= 0, codes, np.where(s.isna().to_numpy(), k, k + 1))
        out = np.zeros((len(s), k + 2), dtype="float32")
        out[np.arange(len(s)), codes] = 1.0
        return out


__all__ = ["distance_to_closest_record", "exact_match_rate"]
