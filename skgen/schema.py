"""Column kinds, inferred once from the training frame and shared by every model.

A :class:`TableSchema` records, for each training column, what kind of data it
holds (numeric, integer, boolean, categorical, datetime, free text or ID-like),
the pandas dtype to give back, the observed range or categories and the rate of
missing values. Models read it to choose an encoding; the sampling loop uses it
to check conditions and to give generated rows the training dtypes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from skgen.exceptions import SchemaError

#: The column kinds skgen distinguishes.
KINDS = ("numeric", "integer", "boolean", "categorical", "datetime", "text", "id")

#: ISO 8601 dates and date-times: ``2017-01-01``, ``2017-01-01T13:45``,
#: ``2017-01-01 13:45:00.123``, ``2017-01-01T13:45:00Z``, ``...+05:30``, ``...-0600``.
_ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:(?P<sep>[ T])\d{2}:\d{2}(?P<sec>:\d{2}(?P<frac>[.,]\d{1,9})?)?"
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?$")
#: The UTC offset a string datetime format ends with (written literally).
_ZONE = re.compile(r"(?:Z|(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?)$")
#: A fraction of a second with a given number of digits in a datetime format.
_FRACTION = re.compile(r"%(\d)f")


@dataclass
class ColumnSchema:
    """What skgen learned about one training column.

    A dataclass, made by :meth:`TableSchema.infer`: each parameter is kept as
    the attribute of the same name.

    Parameters
    ----------
    name : str
        Column name.
    kind : str
        One of ``KINDS``.
    dtype : str
        The pandas dtype of the training column, given back on output.
    missing_rate : float, default=0.0
        Fraction of missing cells in training, in ``[0, 1)``.
    n_unique : int, default=0
        Number of distinct non-missing values.
    categories : list or None, default=None
        For ``categorical`` and ``boolean`` columns, the distinct values seen,
        most frequent first.
    min, max : float, int or None, default=None
        Observed range of ``numeric``, ``integer`` and ``datetime`` columns;
        exact Python ints for ``integer`` columns and for ``datetime`` columns
        (nanoseconds since the epoch, UTC), so that no integer is rounded.
    decimals : int or None, default=None
        For ``numeric`` columns, the largest number of decimal places seen
        (capped at 12); values are rounded to it on output.
    datetime_format : str or None, default=None
        For ``datetime`` columns held as strings, the format to write them back
        (a :meth:`~datetime.datetime.strftime` format learned from the training
        strings, e.g. ``"%Y-%m-%dT%H:%M:%S.%3fZ"``, where ``%<n>f`` is a
        fraction of a second with ``n`` digits and a trailing UTC offset is
        written literally: the most frequent offset of training, in which
        every value is written).
    step : int or None, default=None
        For ``datetime`` columns, the coarsest unit every training value falls
        on, in nanoseconds (a day, hour, minute, second, millisecond,
        microsecond or 1); generated datetimes are rounded to it.
    """

    name: Any
    kind: str
    dtype: str
    missing_rate: float = 0.0
    n_unique: int = 0
    categories: list | None = None
    min: float | None = None
    max: float | None = None
    decimals: int | None = None
    datetime_format: str | None = None
    step: int | None = None

    @property
    def seen_categories(self) -> list | None:
        """The categories that occur in training, most frequent first.

        ``categories`` also holds the levels of a category dtype that never
        occur, last (counted 0).
        """
        return None if self.categories is None else self.categories[:self.n_unique]

    @property
    def tz(self) -> Any:
        """Time zone of a time-zone-aware ``datetime`` column, else ``None``.

        For datetimes held as strings with a UTC offset, the fixed offset
        their format writes (:class:`datetime.timezone`).
        """
        if self.kind != "datetime":
            return None
        if self.datetime_format is not None:
            zone = _ZONE.search(self.datetime_format)
            if zone is None:
                return None
            if zone.group("sign") is None:
                return datetime.timezone.utc
            minutes = 60 * int(zone.group("h")) + int(zone.group("m") or 0)
            return datetime.timezone(datetime.timedelta(
                minutes=-minutes if zone.group("sign") == "-" else minutes))
        if not self.dtype.startswith("datetime64"):
            return None
        return getattr(pd.api.types.pandas_dtype(self.dtype), "tz", None)

    @property
    def origin(self) -> int:
        """The exact value :func:`as_float` measures this column from.

        The training minimum of ``integer`` and ``datetime`` columns (an exact
        Python int); 0 for other kinds.
        """
        if self.kind in ("integer", "datetime") and self.min is not None:
            return int(self.min)
        return 0

    @property
    def is_numeric(self) -> bool:
        """Whether values are ordered numbers (numeric, integer or datetime)."""
        return self.kind in ("numeric", "integer", "datetime")

    @property
    def is_discrete(self) -> bool:
        """Whether values come from a finite learned set (categorical, boolean)."""
        return self.kind in ("categorical", "boolean")


@dataclass
class TableSchema:
    """The schema of a training table: one :class:`ColumnSchema` per column, in order.

    Parameters
    ----------
    columns : list of ColumnSchema, default=[]
        One entry per training column, in order; kept as the attribute
        ``columns``. :meth:`infer` builds it from a DataFrame.
    """

    columns: list[ColumnSchema] = field(default_factory=list)

    # ------------------------------------------------------------------ access
    @property
    def names(self) -> list:
        """Column names in training order."""
        return [c.name for c in self.columns]

    def __getitem__(self, name: Any) -> ColumnSchema:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def __contains__(self, name: Any) -> bool:
        return any(c.name == name for c in self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def of_kind(self, *kinds: str) -> list[ColumnSchema]:
        """Columns whose kind is one of ``kinds``, in training order.

        Parameters
        ----------
        *kinds : str
            Column kinds, each one of ``KINDS``.

        Returns
        -------
        list of ColumnSchema
            The matching columns; empty when none matches.
        """
        return [c for c in self.columns if c.kind in kinds]

    # ------------------------------------------------------------ inference
    @classmethod
    def infer(
        cls,
        X: pd.DataFrame,
        *,
        id_unique_ratio: float = 0.95,
        text_min_mean_length: float = 30.0,
        strict: bool = True,
        column_types: Mapping | None = None,
    ) -> TableSchema:
        """Infer the schema of a training frame.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Training data. Not modified.
        column_types : dict or None, default=None
            ``{column: kind}`` for columns whose kind the user gives instead of
            the inferred one; kinds are those of ``KINDS``: ``"numeric"``,
            ``"integer"``, ``"boolean"``, ``"categorical"``, ``"datetime"``,
            ``"text"``, ``"id"`` (see :func:`infer_column_types`).
        id_unique_ratio : float, default=0.95
            A string column whose share of distinct values among its non-missing
            values is at least this (and that has at least 20 of them) is
            ``id`` when its values hold no spaces, ``text`` otherwise.
        text_min_mean_length : float, default=30.0
            A string column with at least 20 distinct values whose mean length is
            at least this many characters and whose values hold spaces is ``text``.
        strict : bool, default=True
            When False (validators learning rules from any frame), a column that
            holds no value, no finite number, or values of mixed types is
            ``categorical`` with no learned levels (its values judged as text)
            instead of an error.

        Returns
        -------
        TableSchema

        Raises
        ------
        SchemaError
            If ``X`` is empty or has duplicated column names; when ``strict``,
            also for a column with no observed value, or one mixing strings with
            numbers or booleans; for ``column_types`` naming an unknown column
            or kind, or a kind the column's values cannot take.
        """
        check_frame(X, allow_empty_columns=not strict)
        given = _check_column_types(column_types, X)
        columns = []
        for name in X.columns:
            if name in given:
                columns.append(_given_column(X[name], name, given[name]))
                continue
            try:
                columns.append(_infer_column(X[name], name, id_unique_ratio,
                                             text_min_mean_length))
            except SchemaError:
                if strict:
                    raise
                columns.append(ColumnSchema(name=name, kind="categorical",
                                            dtype=str(X[name].dtype),
                                            missing_rate=float(X[name].isna().mean()),
                                            n_unique=int(X[name].nunique())))
        return cls(columns)

    # ------------------------------------------------------------ output
    def coerce(self, df: pd.DataFrame) -> pd.DataFrame:
        """Give generated values the training columns' order and dtypes.

        Parameters
        ----------
        df : pandas.DataFrame
            Generated rows holding every training column (any order, any
            numeric dtype). Not modified.

        Returns
        -------
        pandas.DataFrame
            A new frame with the training columns, in order, with the training
            dtypes: integers rounded, floats rounded to the learned precision,
            categories restored.
        """
        out = {}
        for col in self.columns:
            out[col.name] = _coerce_column(df[col.name], col)
        return pd.DataFrame(out, index=df.index)

    # ------------------------------------------------------------ persistence
    def to_dict(self) -> dict:
        """A JSON-serialisable description of the schema.

        Returns
        -------
        dict
            ``{"columns": [...]}``, one dict of plain JSON values per column,
            read back by :meth:`from_dict`.
        """
        return {"columns": [_jsonable(asdict(c)) for c in self.columns]}

    @classmethod
    def from_dict(cls, data: dict) -> TableSchema:
        """Rebuild a schema written by :meth:`to_dict`.

        Parameters
        ----------
        data : dict
            What :meth:`to_dict` returned (after a JSON round trip).

        Returns
        -------
        TableSchema
            The schema, its columns in the stored order.

        Raises
        ------
        SchemaError
            For a column of unknown kind.
        """
        cols = []
        for c in data["columns"]:
            if c["kind"] not in KINDS:
                raise SchemaError(f"unknown column kind {c['kind']!r} for column {c['name']!r}")
            cols.append(ColumnSchema(**c))
        return cls(cols)


# ---------------------------------------------------------------------------
def check_frame(X: Any, *, name: str = "training frame", allow_empty_columns: bool = False,
                allow_empty_rows: bool = False) -> pd.DataFrame:
    """Check that ``X`` is a non-empty DataFrame with unique column names.

    The one frame check of skgen: synthesizers, validators and metrics call it.

    Parameters
    ----------
    X : object
        The frame to check.
    name : str, default="training frame"
        What ``X`` is, for the error messages.
    allow_empty_columns : bool, default=False
        Accept columns with no value (all missing).
    allow_empty_rows : bool, default=False
        Accept a frame with columns but no row (e.g. candidate rows to judge).

    Returns
    -------
    pandas.DataFrame
        ``X`` itself, unchanged.

    Raises
    ------
    SchemaError
        For an empty frame, duplicated column names, a column name that is
        neither a string nor an integer (a tuple from a MultiIndex, a
        timestamp: they would not survive saving), or (unless allowed) a
        column with no value.
    TypeError
        If ``X`` is not a DataFrame.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"the {name} must be a pandas DataFrame, got {type(X).__name__}")
    if X.shape[1] == 0 or (X.shape[0] == 0 and not allow_empty_rows):
        raise SchemaError(f"the {name} is empty (shape {X.shape})")
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise SchemaError(f"duplicated column names: {dup}")
    odd = [c for c in X.columns if not isinstance(c, str | Integral) or isinstance(c, bool)]
    if odd:
        raise SchemaError(
            f"column names must be strings (or integers); the {name} has {odd[0]!r} "
            f"({type(odd[0]).__name__}). Rename the columns first, e.g. X.columns = "
            "['_'.join(map(str, c)) if isinstance(c, tuple) else str(c) for c in X.columns]")
    if not allow_empty_columns:
        empty = [c for c in X.columns if X[c].isna().all()]
        if empty:
            raise SchemaError(f"column(s) {empty} hold no value (all missing); drop them "
                              "before fit")
    return X


def infer_column_types(X: pd.DataFrame, column_types: Mapping | None = None) -> dict:
    """The kind skgen's models give each column of a training frame.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        Training data. Not modified.
    column_types : dict or None, default=None
        Kinds given by the user (a model's ``column_types``), kept as given
        once checked.

    Returns
    -------
    dict
        ``{column: kind}`` in column order; kinds are those of ``KINDS``:
        ``"numeric"`` (floats), ``"integer"``, ``"boolean"``,
        ``"categorical"``, ``"datetime"`` (typed, or ISO 8601 strings),
        ``"text"`` (free text) and ``"id"`` (nearly unique strings without
        spaces).

    Raises
    ------
    SchemaError
        As :meth:`TableSchema.infer`.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.schema import infer_column_types
    >>> infer_column_types(pd.DataFrame({"when": ["2017-01-01T10:00:00Z"], "n": [1]}))
    {'when': 'datetime', 'n': 'integer'}
    """
    schema = TableSchema.infer(X, column_types=column_types)
    return {c.name: c.kind for c in schema.columns}


def _check_column_types(column_types: Mapping | None, X: pd.DataFrame) -> dict:
    """``column_types`` as a dict, each column and kind checked."""
    if column_types is None:
        return {}
    if not isinstance(column_types, Mapping):
        raise SchemaError(f"column_types must be a dict {{column: kind}}, got "
                          f"{type(column_types).__name__}")
    for name, kind in column_types.items():
        if name not in X.columns:
            raise SchemaError(f"column_types names column {name!r}, which the training frame "
                              f"does not hold; its columns: {list(X.columns)}")
        if kind not in KINDS:
            raise SchemaError(f"column_types gives column {name!r} the unknown kind {kind!r}; "
                              f"kinds: {list(KINDS)}")
    return dict(column_types)


def _given_column(s: pd.Series, name: Any, kind: str) -> ColumnSchema:
    """The schema of a column whose kind the user gave, or a SchemaError saying why not."""
    values = s.dropna()
    base = {"name": name, "dtype": str(s.dtype), "missing_rate": float(s.isna().mean()),
            "n_unique": int(values.nunique())}
    if values.empty:
        raise SchemaError(f"column {name!r} holds no value (all missing); drop it before fit")

    def refuse(why: str) -> SchemaError:
        return SchemaError(f"column_types: column {name!r} cannot be {kind!r}: {why}")

    if kind in ("categorical", "boolean"):
        if kind == "boolean" and not set(map(_py, values.unique())) <= {True, False}:
            raise refuse(f"it holds {_py(values.iloc[0])!r}; a boolean column holds True/False "
                         "(or 1/0) only")
        return ColumnSchema(kind=kind, categories=_by_frequency(values), **base)
    if kind in ("numeric", "integer"):
        if ptypes.is_bool_dtype(values.dtype):
            raise refuse("it holds booleans")
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any():
            raise refuse(f"{_py(values[numbers.isna()].iloc[0])!r} is not a number")
        col = _numeric_column(numbers, base)
        if kind == "integer" and col.kind != "integer":
            raise refuse(f"it holds fractions, e.g. {numbers[numbers != numbers.round()].iloc[0]}")
        if kind == "numeric" and col.kind == "integer":
            col = ColumnSchema(kind="numeric", min=float(col.min), max=float(col.max),
                               decimals=0, **base)
        return col
    if kind == "datetime":
        if ptypes.is_datetime64_any_dtype(s.dtype):
            return _datetime_column(values, base)
        odd = next((v for v in values.to_numpy() if not isinstance(v, str)), None)
        if odd is not None:
            raise refuse(f"it holds {type(odd).__name__} values, not dates or date strings; "
                         f"convert it first, e.g. X[{name!r}] = pd.to_datetime(X[{name!r}])")
        distinct = pd.Series(values.unique())
        unreadable = _epoch_ns(distinct)[1]
        if unreadable.any():
            raise refuse(f"{distinct[unreadable].iloc[0]!r} is not a date")
        if distinct.str.match(_ISO_DATE).all():
            return _datetime_column(distinct, base, datetime_format=_iso_format(distinct))
        fmt = pd.tseries.api.guess_datetime_format(distinct.iloc[0])
        parsed = pd.to_datetime(distinct, format=fmt, errors="coerce") if fmt else None
        if parsed is None or not (parsed.dt.strftime(fmt) == distinct).all():
            raise refuse("its dates are not written in one format skgen can write back; "
                         f"convert it first, e.g. X[{name!r}] = pd.to_datetime(X[{name!r}])")
        return _datetime_column(parsed, base, datetime_format=fmt)
    return ColumnSchema(kind=kind, **base)  # text, id: any values, generated as strings


#: Value types skgen cannot learn, by what to do about them.
_CONVERT = {"durations": "to numbers first, e.g. X[{0!r}] = X[{0!r}].dt.total_seconds()",
            "complex numbers": "into two real columns first (np.real, np.imag)",
            "sparse": "to a dense column first: X[{0!r}] = X[{0!r}].sparse.to_dense()",
            "dates": "to datetime64 first: X[{0!r}] = pd.to_datetime(X[{0!r}])",
            "other": "to strings or numbers first, e.g. X[{0!r}] = X[{0!r}].astype(str)"}


def _check_learnable(name: Any, dtype: Any, value_types: Any = (), values: Any = ()) -> None:
    """Refuse, naming the column and what to do, a column whose values no model learns:
    durations, complex numbers, sparse arrays, periods, intervals, and objects that are
    neither strings, real numbers nor booleans (lists, dicts, dates, decimals, ...).

    ``value_types`` are the Python types of an object column's values (the pandas and
    the dask inference both collect them), ``values`` some of its values, to show one.
    """
    if isinstance(dtype, pd.SparseDtype):
        what, holds = "sparse", "is a sparse column"
    elif ptypes.is_timedelta64_dtype(dtype):
        what, holds = "durations", "holds durations (timedelta64)"
    elif ptypes.is_complex_dtype(dtype):
        what, holds = "complex numbers", "holds complex numbers"
    elif isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype):
        what, holds = "other", f"holds pandas {dtype} values"
    else:
        odd = sorted((t for t in value_types if not issubclass(t, str | bool | np.bool_ | Real)),
                     key=lambda t: t.__name__)
        if not odd:
            return
        example = next((v for v in values if isinstance(v, odd[0])), None)
        what = "dates" if issubclass(odd[0], datetime.date) else "other"
        holds = f"holds {odd[0].__name__} values" + (
            "" if example is None else f" (e.g. {example!r:.40})")
    raise SchemaError(f"column {name!r} {holds}, which skgen cannot learn or generate; "
                      f"convert it {_CONVERT[what].format(name)}")


def _infer_column(s: pd.Series, name: Any, id_ratio: float, text_len: float) -> ColumnSchema:
    values = s.dropna()
    py_types = set(map(type, values.to_numpy())) if s.dtype == object else set()
    _check_learnable(name, s.dtype, py_types, values.to_numpy())
    dtype = str(s.dtype)
    missing_rate = float(s.isna().mean())
    n_unique = int(values.nunique())
    base = {"name": name, "dtype": dtype, "missing_rate": missing_rate, "n_unique": n_unique}

    if ptypes.is_bool_dtype(s.dtype):
        return ColumnSchema(kind="boolean", categories=_by_frequency(values), **base)
    if ptypes.is_datetime64_any_dtype(s.dtype):
        return _datetime_column(values, base)
    if isinstance(s.dtype, pd.CategoricalDtype):
        return ColumnSchema(kind="categorical", categories=_by_frequency(values), **base)
    if ptypes.is_numeric_dtype(s.dtype):
        return _numeric_column(values, base)

    # object / string columns: find out what they really hold
    py_types = {str} if isinstance(s.dtype, pd.StringDtype) else \
        (py_types or set(map(type, values.to_numpy())))  # read above for object columns
    is_num = {t for t in py_types if issubclass(t, (int, float, np.integer, np.floating))
              and not issubclass(t, (bool, np.bool_))}
    is_bool = {t for t in py_types if issubclass(t, (bool, np.bool_))}
    is_str = {t for t in py_types if issubclass(t, str)}
    other = py_types - is_num - is_bool - is_str
    if other or sum(bool(g) for g in (is_num, is_bool, is_str)) > 1:
        kinds = sorted(t.__name__ for t in py_types)
        raise SchemaError(
            f"column {name!r} mixes value types {kinds}; convert it to one type "
            "(e.g. df[col].astype(str)) before fit"
        )
    if is_bool:
        return ColumnSchema(kind="boolean", categories=_by_frequency(values), **base)
    if is_num:
        return _numeric_column(pd.to_numeric(values), base)

    strings = values.astype(str)
    distinct = pd.Series(strings.unique())  # the string checks once per distinct value
    if len(distinct) and distinct.str.match(_ISO_DATE).all() and \
            not _epoch_ns(distinct)[1].any():
        return _datetime_column(distinct, base, datetime_format=_iso_format(distinct))
    n = len(strings)
    if n_unique < 20:
        return ColumnSchema(kind="categorical", categories=_by_frequency(values), **base)
    has_space = strings.str.contains(" ", regex=False).mean() > 0.5
    if n_unique >= id_ratio * n:
        return ColumnSchema(kind="text" if has_space else "id", **base)
    if has_space and strings.str.len().mean() >= text_len:
        return ColumnSchema(kind="text", **base)
    return ColumnSchema(kind="categorical", categories=_by_frequency(values), **base)


def _numeric_column(values: pd.Series, base: dict) -> ColumnSchema:
    if ptypes.is_integer_dtype(values.dtype):  # exact: int64 beyond 2**53 is no float64
        return ColumnSchema(kind="integer", min=int(values.min()), max=int(values.max()),
                            **base)
    v = values.astype("float64").to_numpy()
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        raise SchemaError(f"column {base['name']!r} holds no finite number")
    lo, hi = float(finite.min()), float(finite.max())
    if np.all(finite == np.round(finite)):
        return ColumnSchema(kind="integer", min=int(lo), max=int(hi), **base)
    return ColumnSchema(kind="numeric", min=lo, max=hi, decimals=_decimals(finite), **base)


def _datetime_column(values: pd.Series, base: dict, *,
                     datetime_format: str | None = None) -> ColumnSchema:
    ns, _ = _epoch_ns(values)
    return ColumnSchema(kind="datetime", min=int(ns.min()), max=int(ns.max()),
                        step=_resolution(ns), datetime_format=datetime_format, **base)


def _iso_format(strings: pd.Series) -> str:
    """The format that writes ISO 8601 ``strings`` back as they are spelt.

    The separator and the offset are the most frequent ones; seconds and the
    fraction's digits are kept when any value has them.
    """
    parts = strings.str.extract(_ISO_DATE)
    if parts["sep"].isna().all():
        return "%Y-%m-%d"
    fmt = "%Y-%m-%d" + parts["sep"].mode().iloc[0] + "%H:%M"
    if parts["sec"].notna().any():
        fmt += ":%S"
    fractions = parts["frac"].dropna()
    if len(fractions):
        fmt += fractions.iloc[0][0] + f"%{fractions.str.len().max() - 1}f"
    zones = parts["zone"].dropna()
    return fmt + (zones.mode().iloc[0] if len(zones) else "")


def format_datetimes(s: pd.Series, col: ColumnSchema) -> pd.Series:
    """Datetimes written as strings in a column's training format.

    Parameters
    ----------
    s : pandas.Series of shape (n_samples,)
        Datetimes: typed (naive ones are UTC), or strings as :func:`as_float`
        reads them. Not modified.
    col : ColumnSchema
        A ``datetime`` column with a :attr:`~ColumnSchema.datetime_format`.

    Returns
    -------
    pandas.Series of str, shape (n_samples,)
        Each value written in the column's format (in its UTC offset, if it
        has one); NaN where missing or unreadable.
    """
    ns, missing = _epoch_ns(s)
    ts = pd.Series(ns.view("datetime64[ns]"), index=s.index).where(~missing)
    if col.tz is not None:
        ts = ts.dt.tz_localize("UTC").dt.tz_convert(col.tz)
    fmt = col.datetime_format
    fraction = _FRACTION.search(fmt)
    if fraction is None:
        return ts.dt.strftime(fmt)
    nanos = (ts.dt.microsecond * 1000 + ts.dt.nanosecond).fillna(0).astype("int64")
    digits = nanos.astype(str).str.zfill(9).str[:int(fraction.group(1))]
    return ts.dt.strftime(fmt[:fraction.start()]) + digits + \
        ts.dt.strftime(fmt[fraction.end():])


def _resolution(ns: np.ndarray) -> int:
    """Coarsest unit (day, hour, minute, second, ms, us, ns) all the values fall on."""
    sample = ns[: 100_000]
    for unit in (86_400 * 10**9, 3600 * 10**9, 60 * 10**9, 10**9, 10**6, 10**3):
        if sample.size and np.all(sample % unit == 0):
            return unit
    return 1


def _decimals(v: np.ndarray, cap: int = 12) -> int:
    """Largest number of decimal places needed to write the values exactly (capped)."""
    sample = v[: 10_000]
    for d in range(cap + 1):
        if np.allclose(np.round(sample, d), sample, rtol=0, atol=10.0 ** -(d + 3)):
            return d
    return cap


def _by_frequency(values: pd.Series) -> list:
    counts = values.value_counts(sort=True)
    return [_py(v) for v in counts.index.tolist()]


def _epoch_ns(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Datetimes (typed, any zone, or ISO strings) as int64 nanoseconds since the
    epoch in UTC, and the mask of missing or unreadable ones (0 there; dates
    beyond what int64 nanoseconds hold, years 1677 to 2262, are unreadable)."""
    if ptypes.is_datetime64_any_dtype(s.dtype):
        return _utc_ns(pd.to_datetime(s, utc=True))
    # naive strings are read as UTC, aware ones converted to it
    ts = pd.to_datetime(s, errors="coerce", format="ISO8601", utc=True)
    ns, missing = _utc_ns(ts)
    retry = (ts.isna() & s.notna()).to_numpy()
    if retry.any():  # other spellings: "03/04/2021", "4 Mar 2021 10:00" (in their own unit)
        ns[retry], missing[retry] = _utc_ns(pd.to_datetime(s[retry], errors="coerce",
                                                           format="mixed", utc=True))
    return ns, missing


def _utc_ns(ts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """UTC datetimes (any unit) as int64 nanoseconds, and the mask of missing ones."""
    ts = ts.dt.tz_localize(None)
    inside = ts.between(pd.Timestamp.min, pd.Timestamp.max)
    missing = ~inside.to_numpy()
    ns = ts.where(inside).astype("datetime64[ns]").to_numpy().view(np.int64).copy()
    ns[missing] = 0
    return ns, missing


def _offsets(raw: np.ndarray, origin: int) -> np.ndarray:
    """``raw - origin`` as float64 for int64/uint64 ``raw``, without going through
    float64 before the subtraction (exact while the difference is below 2**53)."""
    o = np.uint64(origin % 2**64)
    u = raw.astype(np.uint64)  # two's complement: the subtractions below wrap exactly
    below = raw < origin
    return np.where(below, -(o - u).astype(np.float64), (u - o).astype(np.float64))


def _numbers(s: pd.Series) -> pd.Series:
    """Values as numbers, whole numbers (Python ints too) as exact nullable integers."""
    return pd.to_numeric(s, errors="coerce", dtype_backend="numpy_nullable")


def as_float(s: pd.Series, kind: str, origin: int = 0) -> np.ndarray:
    """A column as float64 numbers measured from ``origin``, NaN where missing or unreadable.

    Parameters
    ----------
    s : pandas.Series of shape (n_samples,)
        The column (typed, or strings that spell its values). Not modified.
    kind : str
        Its kind. ``"datetime"`` values (typed in any time zone, or strings:
        ISO 8601 first, other spellings as :func:`pandas.to_datetime` reads
        them) become nanoseconds since the epoch in UTC; every other kind is
        read as numbers (booleans as 1/0, strings that spell numbers).
    origin : int, default=0
        Subtracted from every value *before* the conversion to float64, in
        exact integer arithmetic for integer and datetime values. Give
        :attr:`ColumnSchema.origin` (the training minimum) so that int64 values
        near the type's limits, or nanosecond datetimes, keep every digit
        (float64 is exact only below 2**53).

    Returns
    -------
    numpy.ndarray of float64, shape (n_samples,)
        ``value - origin``. Models use this one conversion, and
        :func:`from_float` to come back, so that all of them see the same
        numbers.
    """
    if kind == "datetime":
        ns, missing = _epoch_ns(s)
        out = _offsets(ns, origin)
        out[missing] = np.nan
        return out
    v = _numbers(s)
    if origin and ptypes.is_integer_dtype(v.dtype):
        missing = v.isna().to_numpy()
        raw = v.to_numpy(dtype=getattr(v.dtype, "numpy_dtype", v.dtype), na_value=0)
        out = _offsets(raw, origin)
        out[missing] = np.nan
        return out
    out = v.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    out[~np.isfinite(out)] = np.nan
    if origin:
        out -= float(origin)
    return out


def from_float(x: np.ndarray, kind: str, origin: int = 0, step: int | float = 0) -> Any:
    """The inverse of :func:`as_float`: numbers measured from ``origin`` back to values.

    Parameters
    ----------
    x : array-like of float, shape (n_samples,)
        Numbers as :func:`as_float` gives them; NaN for missing.
    kind : str
        The column's schema kind.
    origin : int, default=0
        The origin ``x`` is measured from, added back in exact integer
        arithmetic for ``integer`` and ``datetime`` columns.
    step : int or float, default=0
        Round ``x`` to a multiple of this first (a datetime column's
        :attr:`ColumnSchema.step`); 0 for none.

    Returns
    -------
    numpy.ndarray or pandas.arrays.IntegerArray of shape (n_samples,)
        ``datetime64[ns]`` (UTC, no zone; :meth:`TableSchema.coerce` gives back
        the training zone) for ``datetime``; an ``Int64`` (or ``UInt64``, for
        values beyond int64) array of exact integers for ``integer``, with
        ``<NA>`` where missing; float64 otherwise.
    """
    x = np.asarray(x, dtype=np.float64)
    missing = ~np.isfinite(x)
    if kind not in ("integer", "datetime"):
        return x + float(origin) if origin else x
    k = np.where(missing, 0.0, x)
    k = np.round(k / step) * step if step else np.round(k)
    k = np.clip(k, -(2.0**64 - 2048), 2.0**64 - 2048)
    mag, o = np.abs(k).astype(np.uint64), np.uint64(origin % 2**64)
    total = np.where(k >= 0, o + mag, o - mag)  # uint64 arithmetic wraps exactly
    if kind == "datetime":
        out = total.view(np.int64).astype("datetime64[ns]")
        out[missing] = np.datetime64("NaT")
        return out
    lo, hi = origin + int(k.min(initial=0)), origin + int(k.max(initial=0))
    if -(2**63) <= lo and hi < 2**63:
        return pd.arrays.IntegerArray(total.view(np.int64), missing)
    if 0 <= lo and hi < 2**64:
        return pd.arrays.IntegerArray(total, missing)
    return np.where(missing, np.nan, k + float(origin))


def _py(v: Any) -> Any:
    """A plain Python scalar for numpy/pandas scalars (JSON-able, hashable)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def _jsonable(d: dict) -> dict:
    return {k: ([_py(x) for x in v] if isinstance(v, list) else _py(v)) for k, v in d.items()}


def _coerce_column(s: pd.Series, col: ColumnSchema) -> pd.Series:
    kind, dtype = col.kind, col.dtype
    if kind in ("categorical", "text", "id") and dtype.lower().startswith(("int", "uint")):
        kind = "integer"  # categories or IDs that are whole numbers (column_types)
    if kind in ("numeric", "integer"):
        v = _numbers(s)
        if not (kind == "integer" and ptypes.is_integer_dtype(v.dtype)):  # exact ints stay
            v = v.astype("float64").round(0 if kind == "integer" else col.decimals)
        if dtype.lower().startswith(("int", "uint")) and dtype[0].islower():
            info = np.iinfo(dtype)  # a value the dtype cannot hold is unreadable
            v = v.mask(((v < info.min) | (v >= info.max + 1)).fillna(False))
            if v.isna().any():  # the model produced a gap in a gap-free int column
                return v.astype(dtype.capitalize() if not dtype.startswith("u") else "UInt64")
            return v.astype(dtype)
        if dtype in ("object", "str", "string"):
            return v.astype(object).where(v.notna(), None)
        return v.astype(dtype)
    if kind == "datetime":
        if col.datetime_format is not None:
            out = format_datetimes(s, col)
            return out.astype(dtype) if dtype != "object" else out.astype(object)
        if col.tz is not None:  # models give UTC (naive or with any offset)
            ts = pd.to_datetime(s, errors="coerce", utc=True).dt.tz_convert(col.tz)
        else:
            ts = pd.to_datetime(s, errors="coerce")
        return ts.astype(dtype)
    if kind == "boolean":
        if dtype == "bool" and not s.isna().any():
            return s.astype(bool)
        if dtype == "bool":
            return s.astype("boolean")
        return s.astype(dtype) if dtype != "object" else s.astype(object)
    if kind == "categorical" and dtype == "category":
        return pd.Series(pd.Categorical(s, categories=col.categories), index=s.index)
    # categorical / text / id held as strings (or numbers in an object column)
    if dtype == "object":
        return s.astype(object).where(s.notna(), None)
    if dtype.startswith("float"):  # categories or IDs that are numbers (column_types)
        return _numbers(s).astype(dtype)
    return s.astype(dtype)


__all__ = ["KINDS", "ColumnSchema", "TableSchema", "as_float", "check_frame",
           "format_datetimes", "from_float", "infer_column_types"]
