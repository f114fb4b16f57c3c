"""Normalise the ``conditions`` given to ``sample`` and check them against the schema.

Whatever form the user passes (nothing, a dict of fixed values, a DataFrame of
seed rows with NaN meaning "generate this field"), the sampling loop works on one
shape: *seed rows* (:class:`SeedRows`), one per requested output row, with every
training column, where a non-missing cell is a value that row must hold. They
are built a chunk at a time, so that a large request costs no memory up front.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from skgen.exceptions import ConditionError
from skgen.schema import ColumnSchema, TableSchema, as_float

#: Rows generated when neither ``n_samples`` nor seed rows say how many
#: (the seed documentation's rule: the lesser of 5000 and the training size).
DEFAULT_N_SAMPLES = 5000


def check_n_samples(n_samples: Any) -> int:
    """Check that ``n_samples`` is a positive integer.

    Raises
    ------
    TypeError
        If ``n_samples`` is not an integer (``bool`` included).
    ValueError
        If ``n_samples`` is smaller than 1.
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral):
        raise TypeError(f"n_samples must be an integer, got {n_samples!r}")
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1, got {n_samples}")
    return int(n_samples)


class SeedRows:
    """The seed rows of one ``sample`` call, built a chunk at a time.

    Dict conditions (or none) give the same seed row ``n`` times, so the rows
    are made only when a chunk of them is asked for: a very large ``n`` costs
    no memory up front. Seed rows given as a DataFrame are held normalised.

    Parameters
    ----------
    schema : TableSchema
        The fitted schema.
    n : int
        Number of seed rows.
    fixed : dict or None, default=None
        ``{column: value}`` (values already checked) held by every row.
    frame : pandas.DataFrame or None, default=None
        Normalised seed rows (instead of ``fixed``), of length ``n``.
    """

    def __init__(self, schema: TableSchema, n: int, *, fixed: dict | None = None,
                 frame: pd.DataFrame | None = None) -> None:
        self.schema = schema
        self.n = n
        self.fixed = {} if fixed is None else fixed
        self.frame = frame

    def __len__(self) -> int:
        return self.n

    def take(self, positions: np.ndarray | None = None) -> pd.DataFrame:
        """The seed rows at ``positions`` (all when ``None``), indexed from 0.

        Returns
        -------
        pandas.DataFrame of shape (len(positions), n_columns)
            Every training column, in order; numeric columns as float64 (NaN
            where free), datetime columns as ``datetime64[ns]``, the others as
            objects.
        """
        if self.frame is not None:
            rows = self.frame if positions is None else self.frame.iloc[positions]
            return rows.reset_index(drop=True)
        m = self.n if positions is None else len(positions)
        seeds = _empty_seeds(self.schema, m)
        for name, value in self.fixed.items():
            seeds[name] = _fill(self.schema[name], value, m)
        return seeds

    def subset(self, positions: np.ndarray) -> SeedRows:
        """The seed rows at ``positions``, as a new :class:`SeedRows`."""
        if self.frame is not None:
            return SeedRows(self.schema, len(positions), frame=self.take(positions))
        return SeedRows(self.schema, len(positions), fixed=self.fixed)

    def distinct(self) -> pd.DataFrame:
        """Rows holding every condition value at least once (to check them once)."""
        return self.take(None if self.frame is not None else np.arange(min(self.n, 1)))


def seed_rows(
    conditions: Mapping | pd.DataFrame | None,
    n_samples: int | None,
    schema: TableSchema,
    *,
    n_train: int,
    extrapolate: bool = False,
    open_categories: bool = False,
) -> SeedRows:
    """Turn ``sample``'s arguments into seed rows, checked against the schema.

    Parameters
    ----------
    conditions : dict, pandas.DataFrame or None
        ``None``: no condition. A dict ``{column: value}``: every row holds
        those values (a missing value in the dict is ignored). A DataFrame of
        seed rows: one output row per seed row, its non-missing values kept,
        its missing cells generated. A number is read the way its column is:
        rounded to the column's decimals (whole numbers for integer columns,
        where only float noise such as ``3.0000000000000004`` is rounded).
    n_samples : int or None
        Rows wanted. With seed rows it must be ``None`` or ``len(conditions)``;
        otherwise ``None`` means ``min(5000, n_train)``.
    schema : TableSchema
        The fitted schema the conditions are checked against.
    n_train : int
        Number of training rows (for the default ``n_samples``).
    extrapolate : bool, default=False
        Whether the model can produce numbers outside the training range.
    open_categories : bool, default=False
        Whether the model can write a category (a string) never seen in
        training, as a language model following the words of a new label can.

    Returns
    -------
    SeedRows
        ``n_rows`` seed rows; for dict conditions they are built only chunk by
        chunk (:meth:`SeedRows.take`).

    Raises
    ------
    ConditionError
        For a condition on an unknown column, a value the model can never
        produce, empty seed rows, or ``n_samples`` disagreeing with the number
        of seed rows.
    TypeError, ValueError
        For an ``n_samples`` that is not a positive integer, or conditions of
        an unsupported type.
    """
    if conditions is None or (isinstance(conditions, Mapping) and not isinstance(
            conditions, pd.DataFrame)):
        n = min(DEFAULT_N_SAMPLES, n_train) if n_samples is None else check_n_samples(n_samples)
        fixed = {} if conditions is None else {
            k: v for k, v in conditions.items() if not _is_missing(v)}
        _check_columns(list(fixed), schema)
        return SeedRows(schema, n, fixed={
            name: _check_value(value, schema[name], extrapolate, open_categories)
            for name, value in fixed.items()})

    if isinstance(conditions, pd.Series):
        raise TypeError("conditions must be a dict or a DataFrame of seed rows; "
                        "for one seed row use conditions.to_frame().T or a dict")
    if not isinstance(conditions, pd.DataFrame):
        raise TypeError(f"conditions must be a dict or a pandas DataFrame, "
                        f"got {type(conditions).__name__}")
    if len(conditions) == 0:
        raise ConditionError("conditions is a DataFrame with no rows")
    if n_samples is not None and check_n_samples(n_samples) != len(conditions):
        raise ConditionError(
            f"n_samples={n_samples} disagrees with the {len(conditions)} seed rows in "
            "conditions; pass n_samples=None to get one row per seed row")
    if conditions.columns.duplicated().any():
        dup = conditions.columns[conditions.columns.duplicated()].tolist()
        raise ConditionError(f"conditions has duplicated columns {dup}", column=dup[0])
    _check_columns(list(conditions.columns), schema)
    n = len(conditions)
    seeds = _empty_seeds(schema, n)
    for name in conditions.columns:
        col = schema[name]
        raw = conditions[name].to_numpy(dtype=object)
        present = ~pd.isna(raw)
        checked = {}
        values = np.empty(n, dtype=object)
        values[:] = None
        for i in np.flatnonzero(present):
            key = _hash_key(raw[i])
            if key not in checked:
                checked[key] = _check_value(raw[i], col, extrapolate, open_categories)
            values[i] = checked[key]
        seeds[name] = _column_from_objects(col, values)
    return SeedRows(schema, n, frame=seeds)


def conditions_met(candidates: pd.DataFrame, seeds: pd.DataFrame,
                   schema: TableSchema, *, text_prefix: bool = False) -> np.ndarray:
    """Which candidate rows hold every fixed value of their seed row.

    Both frames share index order and columns; candidates are already in the
    training dtypes. Numbers are compared after rounding to the column's
    precision, datetimes to the nanosecond, everything else by equality --
    except text columns when ``text_prefix`` is true: their condition is a
    prefix the generated value must start with.
    """
    ok = np.ones(len(seeds), dtype=bool)
    for col in schema.columns:
        want = seeds[col.name]
        fixed = want.notna().to_numpy()
        if not fixed.any():
            continue
        got = candidates[col.name]
        if col.kind in ("numeric", "integer"):
            g = pd.to_numeric(got, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            w = want.to_numpy(dtype="float64", na_value=np.nan)
            tol = 0.5 * 10.0 ** -(col.decimals or 0) if col.kind == "numeric" else 0.5
            same = np.abs(g - w) < tol
        elif col.kind == "datetime":  # any zone, or ISO strings: the same instant
            same = as_float(got, "datetime", col.origin) == as_float(want, "datetime",
                                                                      col.origin)
        else:
            g, w = got.to_numpy(dtype=object), want.to_numpy(dtype=object)
            same = np.ones(len(seeds), dtype=bool)
            if text_prefix and col.kind == "text":
                same[fixed] = [isinstance(a, str) and a.startswith(b)
                               for a, b in zip(g[fixed], w[fixed], strict=True)]
            else:
                same[fixed] = [a is not pd.NA and a == b
                               for a, b in zip(g[fixed], w[fixed], strict=True)]
        ok &= np.where(fixed, same, True)
    return ok


# ---------------------------------------------------------------------------
def _is_missing(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):  # list-likes
        return False


def _hash_key(v: Any) -> Any:
    try:
        hash(v)
        return (type(v), v)
    except TypeError:
        return (type(v), repr(v))


def _check_columns(names: list, schema: TableSchema) -> None:
    unknown = [c for c in names if c not in schema]
    if unknown:
        raise ConditionError(
            f"condition on unknown column(s) {unknown}; the model knows {schema.names}",
            column=unknown[0])


def _empty_seeds(schema: TableSchema, n: int) -> pd.DataFrame:
    data = {}
    for col in schema.columns:
        if col.kind in ("numeric", "integer"):
            data[col.name] = np.full(n, np.nan)
        elif col.kind == "datetime":
            data[col.name] = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        else:
            data[col.name] = pd.Series([None] * n, dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(n), columns=schema.names)


def _fill(col: ColumnSchema, value: Any, n: int) -> Any:
    if col.kind in ("numeric", "integer"):
        return np.full(n, float(value))
    if col.kind == "datetime":
        return pd.Series([value] * n, dtype="datetime64[ns]")
    return pd.Series([value] * n, dtype=object)


def _column_from_objects(col: ColumnSchema, values: np.ndarray) -> Any:
    if col.kind in ("numeric", "integer"):
        return np.array([np.nan if v is None else float(v) for v in values])
    if col.kind == "datetime":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    return pd.Series(values, dtype=object)


def _check_value(value: Any, col: ColumnSchema, extrapolate: bool,
                 open_categories: bool = False) -> Any:
    """Return ``value`` in the column's training type, or raise ConditionError."""
    name = col.name
    if col.kind in ("categorical", "boolean"):
        for known in col.categories or []:
            if _same(value, known):
                return known
        if open_categories and col.kind == "categorical" and isinstance(value, str):
            if col.dtype == "category":
                raise ConditionError(
                    f"value {value!r} for column {name!r} never occurs in training and the "
                    "column has the pandas category dtype, whose categories are fixed; fit "
                    "with the column as strings (astype(object)) to ask for new labels",
                    column=name, value=value)
            return value
        shown = (col.categories or [])[:10]
        more = "" if len(col.categories or []) <= 10 else f" (and {len(col.categories) - 10} more)"
        raise ConditionError(
            f"value {value!r} for column {name!r} never occurs in training, so the model "
            f"cannot produce it; known values: {shown}{more}", column=name, value=value)
    if col.kind in ("numeric", "integer"):
        if isinstance(value, bool | np.bool_):
            raise ConditionError(f"value {value!r} for numeric column {name!r} is a boolean",
                                 column=name, value=value)
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConditionError(f"value {value!r} for numeric column {name!r} is not a number",
                                 column=name, value=value) from None
        if not np.isfinite(number):
            raise ConditionError(f"value {value!r} for column {name!r} is not finite",
                                 column=name, value=value)
        if col.kind == "integer" and abs(number - round(number)) > 1e-9 * max(1.0, abs(number)):
            raise ConditionError(f"value {value!r} for integer column {name!r} is not a "
                                 "whole number", column=name, value=value)
        if col.kind == "integer" and abs(number) > 2.0**53:  # seeds hold float64
            raise ConditionError(
                f"value {value!r} for integer column {name!r} is beyond 2**53, where a "
                "condition cannot be held exactly; sample without it and filter the rows",
                column=name, value=value)
        # read the way the column is: float noise (0.1 + 0.2) and extra digits are
        # rounded to the column's precision, as every generated value is
        if col.kind == "integer":
            number = float(round(number))
        elif col.kind == "numeric" and col.decimals is not None:
            number = round(number, col.decimals)
        if not extrapolate and not (col.min <= number <= col.max):
            raise ConditionError(
                f"value {value!r} for column {name!r} is outside the training range "
                f"[{col.min:g}, {col.max:g}] and this model does not extrapolate",
                column=name, value=value)
        return number
    if col.kind == "datetime":
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError):
            raise ConditionError(f"value {value!r} for datetime column {name!r} is not a date",
                                 column=name, value=value) from None
        if ts.tzinfo is None and col.tz is not None:  # a naive value means local time
            ts = ts.tz_localize(col.tz)
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        ns = float(ts.value)
        if not extrapolate and not (col.min <= ns <= col.max):
            raise ConditionError(
                f"value {value!r} for column {name!r} is outside the training range "
                f"[{pd.Timestamp(int(col.min))}, {pd.Timestamp(int(col.max))}]",
                column=name, value=value)
        return ts
    # text / id: any string is a valid seed value
    if not isinstance(value, str):
        raise ConditionError(f"value {value!r} for text column {name!r} is not a string",
                             column=name, value=value)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, bool | np.bool_) or isinstance(a, bool | np.bool_):
        return isinstance(a, bool | np.bool_) and isinstance(b, bool | np.bool_) and \
            bool(a) == bool(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


__all__ = ["DEFAULT_N_SAMPLES", "SeedRows", "check_n_samples", "conditions_met", "seed_rows"]
