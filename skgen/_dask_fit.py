"""Fit from a dask DataFrame: one pass of mergeable per-partition statistics.

``BaseSynthesizer.fit`` hands a :class:`dask.dataframe.DataFrame` to
:func:`summarize_dask`. Each partition is summarised once, on the workers, into
statistics that merge exactly (value counts, null counts, minima and maxima, the
first values in row order, type sets, sums), the summaries are merged in a tree
(:func:`merge_summaries`), and the driver gets back

* the :class:`~skgen.schema.TableSchema` that :meth:`TableSchema.infer` would
  give for the whole table computed as one pandas frame (:func:`schema_from_summary`
  repeats each of its decisions on the merged statistics);
* a uniform random sample of at most ``max_fit_rows`` rows without replacement,
  the same for the same ``random_state`` and partitioning whatever the
  scheduler: every row gets a uniform key from a stream seeded by the
  ``random_state`` and its partition's index alone, and the rows with the
  smallest keys are kept (the bottom-k sample of Cohen and Kaplan);
* *witness rows*: for every column the rows holding its minimum and maximum,
  its shortest and longest string, its first missing cell, every distinct value
  of a column with few of them and a row for every character of a column with
  many; validators learn from the sample plus these rows, so that a range or a
  character seen only outside the sample is still accepted;
* the full data's value counts of every column (:class:`FullData`), which
  :class:`~skgen.AmplifySampler` turns into its marginals.

Nothing here imports dask at module level: dask is needed only when a dask
frame is passed (extra ``skgen[dask]``).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from skgen.exceptions import SchemaError
from skgen.schema import (
    _ISO_DATE,
    ColumnSchema,
    TableSchema,
    _check_column_types,
    _check_learnable,
    _datetime_column,
    _decimals,
    _epoch_ns,
    _given_column,
    _iso_format,
    _numeric_column,
    _py,
    _resolution,
    check_frame,
)

#: Distinct values of a column whose exact counts are kept; beyond this the
#: column's number of distinct values is a HyperLogLog estimate and its counts
#: are not kept (a categorical column with more levels is refused).
MAX_DISTINCT = 2_000_000
#: Non-missing values kept from the start of each column, in row order: the
#: schema's decimal places read the first 10,000 values and the step of typed
#: datetimes the first 100,000.
_HEAD, _HEAD_DATETIME = 10_000, 100_000
#: Distinct values of a column up to which each gets a witness row.
_WITNESS_DISTINCT = 1000
#: HyperLogLog register bits (dask's ``nunique_approx`` default): relative
#: standard error about 1.04 / sqrt(2**16), i.e. 0.4 %.
_HLL_BITS = 16
#: Rows a model without ``max_fit_rows`` learns from when fitted on a dask frame.
DASK_MAX_FIT_ROWS = 1_000_000
#: Summaries merged per task of the reduction tree.
_SPLIT_EVERY = 8
_KEY, _PART, _POS = "__skgen_key", "__skgen_part", "__skgen_pos"


def is_dask_frame(X: Any) -> bool:
    """Whether ``X`` is a dask DataFrame (without importing dask when it is not loaded)."""
    dd = sys.modules.get("dask.dataframe")
    return dd is not None and isinstance(X, dd.DataFrame)


@dataclass
class FullData:
    """Statistics of every training row, for a model that learns from a sample.

    Parameters
    ----------
    n_rows : int
        Number of rows of the whole table.
    counts : dict
        ``{column: Series}``: each value's number of rows (missing excluded,
        values in order of first appearance), or ``None`` for a column with
        more than :data:`MAX_DISTINCT` distinct values.
    nulls : dict
        ``{column: int}``: missing cells per column.
    """

    n_rows: int
    counts: dict
    nulls: dict


@dataclass
class DaskFit:
    """What ``fit`` needs from a dask frame, computed in one pass.

    Parameters
    ----------
    schema : TableSchema
        The schema of the whole table.
    sample : pandas.DataFrame
        Uniform random rows (at most ``max_fit_rows``), in data order, index
        reset.
    witnesses : pandas.DataFrame
        Rows outside ``sample`` that hold an extreme, a first missing cell, a
        distinct value or a character of some column.
    full : FullData
        Statistics of every row.
    """

    schema: TableSchema
    sample: pd.DataFrame
    witnesses: pd.DataFrame
    full: FullData


# ---------------------------------------------------------------- summaries
def _string_like(s: pd.Series) -> bool:
    return ptypes.is_object_dtype(s.dtype) or isinstance(s.dtype, pd.StringDtype)


def _hll(values: pd.Series) -> np.ndarray:
    from dask.dataframe.hyperloglog import compute_hll_array
    return compute_hll_array(values, _HLL_BITS)


def _value_counts(s: pd.Series) -> pd.Series:
    """Rows per non-missing value, values in order of first appearance (categories as objects)."""
    counts = s.value_counts(sort=False)
    if isinstance(s.dtype, pd.CategoricalDtype):
        counts.index = counts.index.astype(object)
    return counts


def _column_summary(s: pd.Series) -> dict:
    """Mergeable statistics of one partition's column."""
    values = s.dropna()
    head = _HEAD_DATETIME if ptypes.is_datetime64_any_dtype(s.dtype) else _HEAD
    # a copy (take), not a view that would keep the whole partition's column alive
    st: dict[str, Any] = {"dtype": s.dtype, "n": len(s), "nulls": len(s) - len(values),
                          "head": values.take(np.arange(min(head, len(values)))),
                          "lo": None, "hi": None,
                          "integral": True, "types": None, "spaces": 0, "chars": 0,
                          "iso": None, "hll": None}
    counts = _value_counts(values)
    if len(counts) > MAX_DISTINCT:
        st["hll"], counts = _hll(pd.Series(counts.index)), None
    st["counts"] = counts
    if values.empty:
        return st
    if ptypes.is_datetime64_any_dtype(s.dtype):
        ns, _ = _epoch_ns(values)
        st["lo"], st["hi"] = int(ns.min()), int(ns.max())
    elif ptypes.is_bool_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
        pass
    elif ptypes.is_integer_dtype(s.dtype):
        st["lo"], st["hi"] = int(values.min()), int(values.max())
    elif ptypes.is_numeric_dtype(s.dtype):
        v = values.astype("float64").to_numpy()
        finite = v[np.isfinite(v)]
        if finite.size:
            st["lo"], st["hi"] = float(finite.min()), float(finite.max())
            st["integral"] = bool(np.all(finite == np.round(finite)))
    elif _string_like(s):
        st["types"] = {str} if isinstance(s.dtype, pd.StringDtype) else \
            {type(v) for v in values.to_numpy()}
        if st["types"] <= {str}:
            strings = values.astype(str)
            st["spaces"] = int(strings.str.contains(" ", regex=False).sum())
            st["chars"] = int(strings.str.len().sum())
            distinct = pd.Series(strings.unique())
            st["iso"] = bool(distinct.str.match(_ISO_DATE).all()) and \
                not _epoch_ns(distinct)[1].any()
    return st


def _merge_columns(name: Any, a: dict, b: dict) -> dict:
    if str(a["dtype"]) != str(b["dtype"]):
        raise SchemaError(f"the partitions disagree on the dtype of column {name!r}: "
                          f"{a['dtype']} and {b['dtype']}; give the dask frame one dtype per "
                          "column (ddf.astype(...))")
    out = dict(a)
    out["n"], out["nulls"] = a["n"] + b["n"], a["nulls"] + b["nulls"]
    out["spaces"], out["chars"] = a["spaces"] + b["spaces"], a["chars"] + b["chars"]
    head, size = a["head"], _HEAD_DATETIME if ptypes.is_datetime64_any_dtype(a["dtype"]) else _HEAD
    if len(head) < size:
        head = pd.concat([head, b["head"].iloc[:size - len(head)]])
    out["head"] = head
    los = [x for x in (a["lo"], b["lo"]) if x is not None]
    his = [x for x in (a["hi"], b["hi"]) if x is not None]
    out["lo"], out["hi"] = (min(los) if los else None), (max(his) if his else None)
    out["integral"] = a["integral"] and b["integral"]
    out["types"] = None if a["types"] is None and b["types"] is None else \
        (a["types"] or set()) | (b["types"] or set())
    isos = [x for x in (a["iso"], b["iso"]) if x is not None]
    out["iso"] = all(isos) if isos else None
    if a["counts"] is not None and b["counts"] is not None:
        counts = pd.concat([a["counts"], b["counts"]]).groupby(level=0, sort=False).sum()
        if len(counts) <= MAX_DISTINCT:
            out["counts"], out["hll"] = counts, None
            return out
        a = {**a, "counts": None, "hll": _hll(pd.Series(a["counts"].index))}
    hlls = [x["hll"] if x["counts"] is None else _hll(pd.Series(x["counts"].index))
            for x in (a, b)]
    out["counts"], out["hll"] = None, np.maximum(*hlls)
    return out


def _witness_positions(frame: pd.DataFrame) -> np.ndarray:
    """Positions of the rows that hold some column's extreme, first gap or distinct value."""
    keep: set[int] = set()
    for name in frame.columns:
        s = frame[name]
        missing = s.isna().to_numpy()
        if missing.any():
            keep.add(int(np.argmax(missing)))
        if missing.all():
            continue
        present = np.flatnonzero(~missing)
        if isinstance(s.dtype, pd.CategoricalDtype) or ptypes.is_bool_dtype(s.dtype):
            codes = pd.factorize(s.iloc[present])[0]
            keep.update(present[np.unique(codes, return_index=True)[1]].tolist())
        elif ptypes.is_datetime64_any_dtype(s.dtype) or ptypes.is_numeric_dtype(s.dtype):
            v = s.iloc[present].to_numpy()
            keep.update([int(present[np.argmin(v)]), int(present[np.argmax(v)])])
        else:
            values = s.iloc[present]
            codes, uniques = pd.factorize(values)
            first = present[np.unique(codes, return_index=True)[1]]
            if len(uniques) <= _WITNESS_DISTINCT:
                keep.update(first.tolist())
                continue
            strings = values.astype(str)
            lengths = strings.str.len().to_numpy()
            keep.update([int(present[np.argmin(lengths)]), int(present[np.argmax(lengths)])])
            seen: set[str] = set()
            for pos, text in zip(first.tolist(), uniques.astype(str), strict=True):
                new = set(text) - seen
                if new:
                    seen |= new
                    keep.add(int(pos))
    return np.array(sorted(keep), dtype=np.int64)


def _sample_positions(n: int, index: int, entropy: list[int], max_rows: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Bottom-k sample of a partition: positions of its ``max_rows`` smallest keys, and the keys.

    Every row's key is uniform on [0, 1), drawn from a stream seeded by the
    estimator's entropy and the partition's index alone, so the global
    smallest keys form a uniform sample without replacement that does not
    depend on where or in which order the partitions are computed.
    """
    keys = np.random.default_rng([*entropy, 2, index]).random(n)
    take = np.argsort(keys, kind="stable")[:max_rows] if n > max_rows else np.arange(n)
    return take, keys[take]


def sample_rows(X: pd.DataFrame, max_rows: int, entropy: list[int]) -> pd.DataFrame:
    """A uniform random sample of ``max_rows`` rows of a pandas frame, in data order.

    Parameters
    ----------
    X : pandas.DataFrame
        The prepared training frame. Not modified.
    max_rows : int
        Rows to draw (at most ``len(X)``).
    entropy : list of int
        The estimator's ``random_state`` entropy.

    Returns
    -------
    pandas.DataFrame
        The rows a one-partition dask frame of ``X`` gives as its sample,
        index reset.
    """
    take, _ = _sample_positions(len(X), 0, entropy, max_rows)
    return X.iloc[np.sort(take)].reset_index(drop=True)


def full_data(X: pd.DataFrame) -> FullData:
    """:class:`FullData` of a pandas frame.

    Parameters
    ----------
    X : pandas.DataFrame
        The prepared training frame. Not modified.

    Returns
    -------
    FullData
        Its row count, value counts and missing cells per column.
    """
    return FullData(n_rows=len(X), counts={name: _value_counts(X[name]) for name in X.columns},
                    nulls={name: int(X[name].isna().sum()) for name in X.columns})


def summarize_partition(part: pd.DataFrame, index: int, entropy: list[int],
                        max_rows: int) -> dict:
    """Mergeable summary of one partition.

    Parameters
    ----------
    part : pandas.DataFrame
        The partition's rows. Not modified.
    index : int
        The partition's position in the frame; seeds its sampling keys.
    entropy : list of int
        The estimator's ``random_state`` entropy.
    max_rows : int
        Rows of the sample to keep (those with the smallest keys).

    Returns
    -------
    dict
        Row count, per-column statistics, the sample candidates and the
        witness rows (each tagged with partition index and position).
    """
    from skgen.base import _check_finite  # the training-frame check of the pandas path

    _check_finite(part)
    take, keys = _sample_positions(len(part), index, entropy, max_rows)
    sample = part.iloc[take].assign(**{_KEY: keys, _PART: index, _POS: take})
    wpos = _witness_positions(part)
    witnesses = part.iloc[wpos].assign(**{_PART: index, _POS: wpos})
    return {"n": len(part), "columns": {c: _column_summary(part[c]) for c in part.columns},
            "sample": sample, "witnesses": witnesses, "max_rows": max_rows}


def merge_summaries(*summaries: dict) -> dict:
    """Merge partition summaries, in partition order, into one.

    Parameters
    ----------
    *summaries : dict
        What :func:`summarize_partition` (or this function) returned, for
        consecutive partitions in order.

    Returns
    -------
    dict
        The summary of all their rows: the same statistics the one partition
        of their concatenation would give.
    """
    out = summaries[0]
    for s in summaries[1:]:
        cols = {c: _merge_columns(c, out["columns"][c], s["columns"][c])
                for c in out["columns"]}
        sample = pd.concat([out["sample"], s["sample"]], ignore_index=True)
        if len(sample) > out["max_rows"]:
            sample = sample.iloc[np.argsort(sample[_KEY].to_numpy(), kind="stable")
                                 [:out["max_rows"]]]
        witnesses = pd.concat([out["witnesses"], s["witnesses"]], ignore_index=True)
        witnesses = witnesses.iloc[_witness_positions(witnesses.drop(columns=[_PART, _POS]))]
        out = {"n": out["n"] + s["n"], "columns": cols, "sample": sample,
               "witnesses": witnesses, "max_rows": out["max_rows"]}
    return out


# ---------------------------------------------------------------- schema
def _by_frequency(counts: pd.Series) -> list:
    """Values most frequent first, ties in order of first appearance (as ``value_counts``)."""
    return [_py(v) for v in counts.sort_values(ascending=False, kind="stable").index.tolist()]


def _n_unique(st: dict) -> int:
    if st["counts"] is not None:
        return int((st["counts"] > 0).sum())
    from dask.dataframe.hyperloglog import estimate_count
    return int(round(estimate_count(st["hll"], _HLL_BITS)))


def _need_counts(st: dict, name: Any) -> pd.Series:
    if st["counts"] is None:
        raise SchemaError(
            f"column {name!r} has more than {MAX_DISTINCT} distinct values, too many to learn "
            "as categories from a dask frame; give it another kind with column_types "
            "(e.g. {'" + str(name) + "': 'id'})")
    return st["counts"]


def _column_schema(name: Any, st: dict, given: str | None, id_ratio: float,
                   text_len: float) -> ColumnSchema:
    """The :class:`ColumnSchema` ``TableSchema.infer`` gives, from merged statistics."""
    dtype, n_rows = st["dtype"], st["n"]
    n = n_rows - st["nulls"]
    if n == 0:
        raise SchemaError(f"column(s) {[name]} hold no value (all missing); drop them before fit")
    _check_learnable(name, dtype, st["types"] or (), st["head"].to_numpy())
    base = {"name": name, "dtype": str(dtype), "missing_rate": float(st["nulls"] / n_rows),
            "n_unique": _n_unique(st)}
    head = st["head"]
    if given is not None:
        return _given_schema(name, st, given, base)
    if ptypes.is_bool_dtype(dtype):
        return ColumnSchema(kind="boolean", categories=_by_frequency(_need_counts(st, name)),
                            **base)
    if ptypes.is_datetime64_any_dtype(dtype):
        ns, _ = _epoch_ns(head)
        return ColumnSchema(kind="datetime", min=st["lo"], max=st["hi"], step=_resolution(ns),
                            **base)
    if isinstance(dtype, pd.CategoricalDtype):
        counts = _need_counts(st, name).reindex(list(dtype.categories), fill_value=0)
        counts.index = pd.CategoricalIndex(counts.index, dtype=dtype)
        return ColumnSchema(kind="categorical", categories=_by_frequency(counts), **base)
    if ptypes.is_integer_dtype(dtype):
        return ColumnSchema(kind="integer", min=st["lo"], max=st["hi"], **base)
    if ptypes.is_numeric_dtype(dtype):
        return _float_schema(name, st, head, base)
    py_types = st["types"]
    is_num = {t for t in py_types if issubclass(t, (int, float, np.integer, np.floating))
              and not issubclass(t, (bool, np.bool_))}
    is_bool = {t for t in py_types if issubclass(t, (bool, np.bool_))}
    is_str = {t for t in py_types if issubclass(t, str)}
    if py_types - is_num - is_bool - is_str or sum(map(bool, (is_num, is_bool, is_str))) > 1:
        raise SchemaError(
            f"column {name!r} mixes value types {sorted(t.__name__ for t in py_types)}; "
            "convert it to one type (e.g. df[col].astype(str)) before fit")
    if is_bool:
        return ColumnSchema(kind="boolean", categories=_by_frequency(_need_counts(st, name)),
                            **base)
    if is_num:  # numbers in an object column: the rule of the typed columns on their values
        return _object_numbers(_need_counts(st, name), head, base)
    if st["iso"] and st["counts"] is not None:
        distinct = pd.Series(st["counts"].index.astype(str))
        return _datetime_column(distinct, base, datetime_format=_iso_format(distinct))
    if base["n_unique"] < 20:
        return ColumnSchema(kind="categorical", categories=_by_frequency(_need_counts(st, name)),
                            **base)
    has_space = st["spaces"] / n > 0.5
    if base["n_unique"] >= id_ratio * n:
        return ColumnSchema(kind="text" if has_space else "id", **base)
    if has_space and st["chars"] / n >= text_len:
        return ColumnSchema(kind="text", **base)
    return ColumnSchema(kind="categorical", categories=_by_frequency(_need_counts(st, name)),
                        **base)


def _float_schema(name: Any, st: dict, head: pd.Series, base: dict) -> ColumnSchema:
    """``schema._numeric_column`` for a float column from its range and first values."""
    if st["lo"] is None:
        raise SchemaError(f"column {name!r} holds no finite number")
    if st["integral"]:
        return ColumnSchema(kind="integer", min=int(st["lo"]), max=int(st["hi"]), **base)
    v = head.astype("float64").to_numpy()
    return ColumnSchema(kind="numeric", min=st["lo"], max=st["hi"],
                        decimals=_decimals(v[np.isfinite(v)]), **base)


def _object_numbers(counts: pd.Series, head: pd.Series, base: dict) -> ColumnSchema:
    """``schema._numeric_column`` for numbers held in an object column."""
    distinct = pd.to_numeric(pd.Series(counts.index.to_numpy(dtype=object)))
    col = _numeric_column(distinct, base)
    if col.kind == "numeric":
        v = pd.to_numeric(head).astype("float64").to_numpy()
        col.decimals = _decimals(v[np.isfinite(v)])
    return col


def _given_schema(name: Any, st: dict, kind: str, base: dict) -> ColumnSchema:
    """A column whose kind the user gave: ``schema._given_column`` on its distinct values.

    The values' counts give the frequencies and the missing rate; the first
    values in row order give the decimal places, as in the pandas path.
    """
    if kind in ("text", "id"):
        return ColumnSchema(kind=kind, **base)
    counts = _need_counts(st, name)
    distinct = pd.Series(counts.index.to_numpy(dtype=object) if not
                         ptypes.is_numeric_dtype(counts.index.dtype) else counts.index)
    col = _given_column(distinct, name, kind)
    col.missing_rate, col.n_unique = base["missing_rate"], base["n_unique"]
    col.dtype = base["dtype"]
    if col.categories is not None:
        col.categories = _by_frequency(counts)
    if col.kind == "numeric" and kind == "numeric" and col.decimals:
        v = pd.to_numeric(st["head"], errors="coerce").astype("float64").to_numpy()
        col.decimals = _decimals(v[np.isfinite(v)])
    return col


def schema_from_summary(summary: dict, column_types: Any, *, id_unique_ratio: float = 0.95,
                        text_min_mean_length: float = 30.0) -> TableSchema:
    """The :class:`TableSchema` of the whole table a merged summary describes.

    Parameters
    ----------
    summary : dict
        A merged summary (:func:`merge_summaries`).
    column_types : dict or None
        The estimator's ``column_types``.
    id_unique_ratio, text_min_mean_length : float
        As in :meth:`TableSchema.infer`.

    Returns
    -------
    TableSchema
        The schema ``TableSchema.infer`` gives for the table as one pandas
        frame. Exact, except the number of distinct values of a column with
        more than :data:`MAX_DISTINCT` (a HyperLogLog estimate), and for
        columns given a kind in ``column_types``, whose decimal places are read
        from the first values and datetime formats from the distinct values.

    Raises
    ------
    SchemaError
        As :meth:`TableSchema.infer`; also for a categorical column with more
        than :data:`MAX_DISTINCT` distinct values.
    """
    meta = summary["sample"].drop(columns=[_KEY, _PART, _POS]).iloc[:0]
    given = _check_column_types(column_types, meta)
    cols = [_column_schema(name, st, given.get(name), id_unique_ratio, text_min_mean_length)
            for name, st in summary["columns"].items()]
    return TableSchema(cols)


# ---------------------------------------------------------------- driver
def summarize_dask(ddf: Any, max_rows: int, entropy: list[int], column_types: Any) -> DaskFit:
    """Summarise a dask DataFrame in one pass (a tree reduction over its partitions).

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        The training table. Computed once, on whatever scheduler is active
        (a :class:`distributed.Client` if one is); not modified.
    max_rows : int
        Largest sample to draw.
    entropy : list of int
        The estimator's ``random_state`` entropy.
    column_types : dict or None
        The estimator's ``column_types``.

    Returns
    -------
    DaskFit

    Raises
    ------
    SchemaError
        For an empty frame, duplicated or odd column names, and as
        :func:`schema_from_summary`.
    """
    import dask

    check_frame(ddf._meta, allow_empty_columns=True, allow_empty_rows=True)
    parts = ddf.to_delayed()
    level = [dask.delayed(summarize_partition)(p, i, entropy, max_rows)
             for i, p in enumerate(parts)]
    while len(level) > 1:
        level = [dask.delayed(merge_summaries)(*level[i:i + _SPLIT_EVERY])
                 for i in range(0, len(level), _SPLIT_EVERY)]
    (summary,) = dask.compute(level[0])
    if summary["n"] == 0:
        raise SchemaError(f"the training frame is empty (shape (0, {len(ddf.columns)}))")
    return _finish(summary, column_types)


def _finish(summary: dict, column_types: Any) -> DaskFit:
    schema = schema_from_summary(summary, column_types)
    order = np.lexsort((summary["sample"][_POS].to_numpy(), summary["sample"][_PART].to_numpy()))
    sample = summary["sample"].iloc[order]
    taken = set(zip(sample[_PART].tolist(), sample[_POS].tolist(), strict=True))
    w = summary["witnesses"]
    outside = [(p, q) not in taken for p, q in zip(w[_PART].tolist(), w[_POS].tolist(),
                                                    strict=True)]
    witnesses = w[np.asarray(outside, dtype=bool)].drop(columns=[_PART, _POS])
    cols = summary["columns"]
    full = FullData(n_rows=summary["n"], counts={c: st["counts"] for c, st in cols.items()},
                    nulls={c: st["nulls"] for c, st in cols.items()})
    return DaskFit(schema=schema,
                   sample=sample.drop(columns=[_KEY, _PART, _POS]).reset_index(drop=True),
                   witnesses=witnesses.reset_index(drop=True), full=full)
