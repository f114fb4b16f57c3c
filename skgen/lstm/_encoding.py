"""Rows as text lines: value formatting, the field delimiter, and the way back.

The LSTM learns records as lines of text: every value written as a string,
fields joined by a field delimiter, one record per line. This module writes
values so that they read back *exactly* in their training type (integers as
integers, floats in their shortest round-trip form, booleans, datetimes,
categories of any type), picks a delimiter that occurs in no value, and turns
generated field strings back into typed values, saying which cells could not
be read.

A missing value is written as the empty string, so an empty field reads back as
missing. (A string column that holds the empty string ``""`` as a value reads
it back as missing, too.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from skgen._strings import DELIMITER_CANDIDATES, choose_delimiter
from skgen.schema import ColumnSchema, as_float, format_datetimes


# ---------------------------------------------------------------- formatting
def _format_float(v: float) -> str:
    """Shortest string that reads back as exactly ``v`` (positional when sensible)."""
    a = abs(v)
    if a == 0 or 1e-6 <= a < 1e16:
        return np.format_float_positional(v, unique=True, trim="-")
    return repr(float(v))


def format_values(values: Sequence[Any] | np.ndarray, col: ColumnSchema) -> list[str]:
    """Write non-missing values of one column as strings that read back exactly.

    Parameters
    ----------
    values : sequence of shape (n_values,)
        Non-missing values of column ``col`` (python or numpy scalars,
        timestamps, strings).
    col : skgen.schema.ColumnSchema
        The column's schema; its ``kind`` decides the format.

    Returns
    -------
    list of str
        One string per value.
    """
    kind = col.kind
    if kind == "integer":  # ints as they are: beyond 2**53 a float would change them
        return [str(v if isinstance(v, int | np.integer) else int(round(float(v))))
                for v in values]
    if kind == "numeric":
        return [_format_float(float(v)) for v in values]
    if kind == "boolean":
        return ["True" if bool(v) else "False" for v in values]
    if kind == "datetime" and col.datetime_format is not None:  # as spelt in training
        return format_datetimes(pd.Series(list(values), dtype=object), col).tolist()
    if kind == "datetime" and col.tz is not None:  # seeds come in UTC: write local time
        stamps = pd.to_datetime(pd.Series(list(values), dtype=object), utc=True)
        return [str(ts) for ts in stamps.dt.tz_convert(col.tz)]
    if kind == "datetime" and col.datetime_format is None:
        stamps = pd.to_datetime(pd.Series(list(values), dtype=object))
        if len(stamps) and (stamps == stamps.dt.normalize()).all():
            return stamps.dt.strftime("%Y-%m-%d").tolist()
        return [str(ts) for ts in stamps]
    return [str(v) for v in values]


def encode_column(values: pd.Series, col: ColumnSchema) -> tuple[np.ndarray, list[str]]:
    """Factorise one training column into codes and encoded unique strings.

    Parameters
    ----------
    values : pandas.Series of shape (n_samples,)
        The column.
    col : skgen.schema.ColumnSchema
        Its schema.

    Returns
    -------
    codes : ndarray of shape (n_samples,), dtype int64
        Index into ``uniques`` for each row; ``-1`` for a missing value.
    uniques : list of str
        Each distinct value written by :func:`format_values`. Distinct
        values that write the same (none, for the formats used) share a code.
    """
    codes, uniq = pd.factorize(values, use_na_sentinel=True)
    strings = format_values(np.asarray(uniq, dtype=object), col)
    # two values writing the same string (e.g. 1 and 1.0 in an object column)
    # must share one code so that each encoded string has one token sequence
    strings_arr = np.asarray(strings, dtype=object)
    canon, inverse = np.unique(strings_arr, return_inverse=True) if len(strings) else (
        np.array([], dtype=object), np.array([], dtype=np.int64))
    codes = np.asarray(codes, dtype=np.int64)
    if len(canon) != len(strings):
        codes = np.where(codes >= 0, inverse[np.maximum(codes, 0)], -1)
        strings = [str(s) for s in canon]
    return codes, strings


def format_seed_values(values: pd.Series, col: ColumnSchema) -> np.ndarray:
    """Encode seed (condition) values; missing cells become ``None``.

    Parameters
    ----------
    values : pandas.Series of shape (n_rows,)
        A column of the seed frame (see :mod:`skgen.conditions`).
    col : skgen.schema.ColumnSchema
        Its schema.

    Returns
    -------
    ndarray of shape (n_rows,), dtype object
        The encoded strings, ``None`` where the seed cell is missing.
    """
    out = np.empty(len(values), dtype=object)
    present = values.notna().to_numpy()
    if present.any():
        codes, uniq = pd.factorize(values[present])
        strings = np.asarray(format_values(np.asarray(uniq, dtype=object), col), dtype=object)
        out[present] = strings[codes]
    return out


# ---------------------------------------------------------------- delimiter
# ---------------------------------------------------------------- decoding
def decode_column(strings: np.ndarray, col: ColumnSchema) -> tuple[np.ndarray, np.ndarray]:
    """Read generated field strings back as values of the column's type.

    Parameters
    ----------
    strings : ndarray of shape (n_rows,), dtype object
        Generated strings; ``None`` or ``""`` means missing.
    col : skgen.schema.ColumnSchema
        The column's schema.

    Returns
    -------
    values : ndarray of shape (n_rows,)
        float64 (``NaN`` for missing) for numeric columns, exact Python ints
        for integer columns, objects otherwise (``None`` for missing), ready for
        :meth:`skgen.schema.TableSchema.coerce`.
    ok : ndarray of shape (n_rows,), dtype bool
        False where a non-empty string could not be read in the column's type
        (not a number, a fraction in an integer column, an unknown boolean or
        category literal, an unreadable date).
    """
    s = pd.Series(strings, dtype=object)
    missing = s.isna().to_numpy() | (s == "").to_numpy()
    kind = col.kind
    if kind == "integer":  # read exactly, as Python ints (no float64 on the way)
        read = ~missing & s.str.fullmatch(r"[+-]?[0-9]+").to_numpy(dtype=bool, na_value=False)
        codes, uniq = pd.factorize(s[read])
        ints = np.array([int(u) for u in uniq], dtype=object)
        fits = np.array([-(2**63) <= v < 2**64 for v in ints], dtype=bool)  # 64-bit at most
        read[read] = fits[codes]
        out = np.full(len(s), None, dtype=object)
        out[read] = ints[codes[fits[codes]]]
        return out, missing | read
    if kind == "numeric":
        num = np.array(pd.to_numeric(s.where(~missing, None), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan), dtype="float64")
        ok = missing | np.isfinite(num)
        num[missing | ~ok] = np.nan
        return num, ok
    out = s.to_numpy(dtype=object).copy()
    out[missing] = None
    ok = np.ones(len(s), dtype=bool)
    if kind == "boolean":
        mapping = {"True": True, "False": False}
        mapped = np.array(s.map(mapping).to_numpy(dtype=object), dtype=object)
        ok = missing | pd.notna(mapped)
        mapped[~ok | missing] = None
        return mapped, ok
    if kind == "datetime" and col.datetime_format is not None:  # strings, any offset
        ok = missing | np.isfinite(as_float(s.where(~missing, None), "datetime"))
        out[~ok] = None
        return out, ok
    if kind == "datetime":
        parsed = pd.to_datetime(s.where(~missing, None), errors="coerce", format="mixed",
                                utc=True)  # offsets differ across DST, or are made up
        if col.tz is None:
            parsed = parsed.dt.tz_localize(None)
        ok = missing | parsed.notna().to_numpy()
        vals = np.array(parsed.to_numpy(dtype=object), dtype=object)
        vals[missing | ~ok] = None
        return vals, ok
    if kind == "categorical" and col.dtype == "category":
        lookup = {str(c): c for c in (col.categories or [])}
        mapped = np.array(s.map(lookup).to_numpy(dtype=object), dtype=object)
        ok = missing | pd.notna(mapped)
        mapped[~ok | missing] = None
        return mapped, ok
    return out, ok


def join_fields(columns: list[np.ndarray], delimiter: str | None) -> np.ndarray:
    """Join per-column string arrays into lines.

    Parameters
    ----------
    columns : list of ndarray of shape (n_rows,), dtype object
        Encoded strings per column (``None`` for missing), in line order.
    delimiter : str or None
        Field delimiter; only ``None`` with a single column.

    Returns
    -------
    ndarray of shape (n_rows,), dtype object
        The lines.
    """
    frame = [pd.Series(c, dtype=object).fillna("").astype(str) for c in columns]
    if len(frame) == 1:
        return frame[0].to_numpy(dtype=object)
    return frame[0].str.cat(frame[1:], sep=delimiter).to_numpy(dtype=object)


def split_fields(lines: Sequence[str], delimiter: str | None, n_fields: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Split lines into ``n_fields`` field strings.

    Parameters
    ----------
    lines : sequence of str of shape (n_rows,)
        Generated lines (without the newline).
    delimiter : str or None
        Field delimiter; ``None`` when a line is one field.
    n_fields : int
        Fields a line must have.

    Returns
    -------
    fields : ndarray of shape (n_rows, n_fields), dtype object
        The field strings (``None`` for the rows that do not split right).
    ok : ndarray of shape (n_rows,), dtype bool
        Whether the line has exactly ``n_fields`` fields.
    """
    n = len(lines)
    fields = np.empty((n, n_fields), dtype=object)
    if n == 0:
        return fields, np.ones(0, dtype=bool)
    s = pd.Series(list(lines), dtype=object)
    if n_fields == 1 or delimiter is None:
        fields[:, 0] = s.to_numpy(dtype=object)
        return fields, np.ones(n, dtype=bool)
    counts = s.str.count(_regex_escape(delimiter)).to_numpy()
    ok = counts == n_fields - 1
    if ok.any():
        parts = s[ok].str.split(delimiter, n=n_fields - 1, regex=False, expand=True)
        fields[ok] = parts.to_numpy(dtype=object)
    return fields, ok


def _regex_escape(s: str) -> str:
    import re

    return re.escape(s)


__all__ = [
    "DELIMITER_CANDIDATES",
    "choose_delimiter",
    "decode_column",
    "encode_column",
    "format_seed_values",
    "format_values",
    "join_fields",
    "split_fields",
]
