"""Normalise the ``conditions`` given to ``sample`` and check them against the schema.

Whatever form the user passes (nothing, a dict of fixed values, a DataFrame of
seed rows with NaN meaning "generate this field"), the sampling loop works on one
shape: *seed rows* (:class:`SeedRows`), one per requested output row, with every
training column, where a non-missing cell is a value that row must hold. They
are built a chunk at a time, so that a large request costs no memory up front.

Dict conditions may also restrict a column to a :class:`Range` of values or to
a set of values (a list, tuple or set); these *restrictions* travel with the
seed rows in ``DataFrame.attrs`` (read them with :func:`restrictions_of`), so
that a model can draw values inside them and the sampling loop can check them.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from skgen.exceptions import ConditionError
from skgen.schema import ColumnSchema, TableSchema, as_float

#: Rows generated when neither ``n_samples`` nor seed rows say how many.
#:
#: The seed documentation's rule: the lesser of 5000 and the training size.
DEFAULT_N_SAMPLES = 5000
#: Key of :class:`Restrictions` in a seed frame's ``attrs``.
_ATTRS_KEY = "skgen_restrictions"
#: Containers read as a set of values in dict conditions.
_SET_TYPES = (list, tuple, set, frozenset, np.ndarray, pd.Index, pd.Series)


@dataclass(frozen=True)
class Range:
    """A condition: the column's value lies between ``low`` and ``high``, both included.

    Use it as a value of ``sample(conditions={...})`` on a numeric, integer or
    datetime column: every generated row then holds a value inside the range,
    drawn from the data's distribution restricted to it.

    Parameters
    ----------
    low : number, datetime-like, str or None, default=None
        Smallest allowed value, in the column's units (a date string or
        timestamp for a datetime column); ``None`` leaves the range open below.
    high : number, datetime-like, str or None, default=None
        Largest allowed value; ``None`` leaves the range open above.

    Raises
    ------
    ValueError
        If both bounds are ``None``, or ``low > high`` for two numbers (other
        bounds, such as date strings, are compared when ``sample`` reads them
        in the column's type, and a :class:`~skgen.exceptions.ConditionError`
        names the column then).

    See Also
    --------
    skgen.base.BaseSynthesizer.sample : where ranges are used.

    Examples
    --------
    >>> import skgen
    >>> skgen.Range(1000, 2000)
    Range(low=1000, high=2000)
    >>> skgen.Range(high="2020-12-31")  # open below
    Range(low=None, high='2020-12-31')
    """

    low: Any = None
    high: Any = None

    def __post_init__(self) -> None:
        if self.low is None and self.high is None:
            raise ValueError("Range needs at least one bound (low or high)")
        numbers_given = all(isinstance(b, numbers.Real) and not isinstance(b, bool)
                            for b in (self.low, self.high))
        if numbers_given and self.low > self.high:
            raise ValueError(f"Range low={self.low!r} is greater than high={self.high!r}")


@dataclass(frozen=True)
class Restrictions:
    """The range and set conditions of one ``sample`` call, checked against the schema.

    Parameters
    ----------
    ranges : dict, default={}
        ``{column: (low, high)}``: bounds in the column's type (float, or a
        naive UTC :class:`pandas.Timestamp` for datetimes), ``None`` where open.
    sets : dict, default={}
        ``{column: tuple}``: the allowed values, each as a fixed condition
        value would be held (known categories, floats, timestamps, strings).
    """

    ranges: dict = field(default_factory=dict)
    sets: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.ranges or self.sets)


def restrictions_of(seeds: pd.DataFrame) -> Restrictions:
    """The range and set conditions a frame of seed rows carries.

    Parameters
    ----------
    seeds : pandas.DataFrame
        Seed rows as :meth:`SeedRows.take` gives them (or a frame derived
        from them: pandas keeps ``attrs``).

    Returns
    -------
    Restrictions
        Empty (false) when the frame carries none.
    """
    return seeds.attrs.get(_ATTRS_KEY) or Restrictions()


def with_restrictions(seeds: pd.DataFrame, restrictions: Restrictions) -> pd.DataFrame:
    """Let a frame of seed rows carry range and set conditions (the inverse of
    :func:`restrictions_of`); ``seeds`` itself is set, and returned."""
    seeds.attrs[_ATTRS_KEY] = restrictions
    return seeds


def range_bounds(col: ColumnSchema, bounds: tuple, *, widen: bool = False
                 ) -> tuple[float, float]:
    """A range's bounds as :func:`~skgen.schema.as_float` numbers (``-inf``/``inf`` when open).

    Parameters
    ----------
    col : ColumnSchema
        The numeric, integer or datetime column.
    bounds : tuple
        ``(low, high)`` as :class:`Restrictions` holds them.
    widen : bool, default=False
        Give instead the interval of raw model values that round (to the
        column's integers, decimals or datetime step) to a value inside the
        range: what a model should draw from. It is empty (``lo >= hi``)
        when no value of the column's precision lies in the range.

    Returns
    -------
    lo, hi : float
        Measured from ``col.origin``.
    """
    parts = [b for b in bounds if b is not None]
    values = iter(as_float(pd.Series(parts, dtype="datetime64[ns]" if col.kind == "datetime"
                                     else "float64"), col.kind, col.origin))
    lo = -np.inf if bounds[0] is None else float(next(values))
    hi = np.inf if bounds[1] is None else float(next(values))
    if widen:
        step = _grid_step(col)
        if step:
            lo = np.ceil(np.round(lo / step, 6)) * step - step / 2
            hi = np.floor(np.round(hi / step, 6)) * step + step / 2
    return lo, hi


def snap(col: ColumnSchema, x: np.ndarray) -> np.ndarray:
    """Round :func:`~skgen.schema.as_float` numbers to the values the column holds.

    Parameters
    ----------
    col : ColumnSchema
        The numeric, integer or datetime column.
    x : array-like of float, shape (n_values,)
        Numbers measured from ``col.origin``.

    Returns
    -------
    numpy.ndarray of float, shape (n_values,)
        ``x`` rounded to whole numbers, the column's decimals or its datetime
        step (unchanged for a column without such a grid).
    """
    step = _grid_step(col)
    return np.round(np.asarray(x, dtype=float) / step) * step if step else np.asarray(x, float)


def quantile_range(probs: np.ndarray, knots: np.ndarray, lo: float, hi: float
                   ) -> tuple[float, float]:
    """Cumulative probabilities ``F(lo-)`` and ``F(hi)`` under a piecewise-linear quantile table.

    Parameters
    ----------
    probs : ndarray of shape (n_knots,)
        Non-decreasing cumulative probabilities from 0 to 1.
    knots : ndarray of shape (n_knots,)
        Non-decreasing values; ``knots[i]`` is the quantile at ``probs[i]``
        (equal consecutive knots are a point mass).
    lo : float
        Lower end of the range, ``-inf`` when open.
    hi : float
        Upper end of the range, ``inf`` when open.

    Returns
    -------
    u_lo, u_hi : float
        Drawing ``u`` uniformly in ``[u_lo, u_hi]`` and reading the table at
        ``u`` draws from the table's distribution restricted to the range;
        ``u_hi <= u_lo`` when the range holds no mass.
    """
    n = knots.size
    i = int(np.searchsorted(knots, lo, side="left"))  # first knot >= lo
    j = int(np.searchsorted(knots, hi, side="right"))  # first knot > hi
    if i >= n or j <= 0:
        return 1.0, 0.0
    u_lo = probs[0] if i == 0 else _between(probs, knots, i, lo)
    u_hi = probs[-1] if j >= n else _between(probs, knots, j, hi)
    return float(u_lo), float(u_hi)


def restricted_choice(weights: np.ndarray, allowed: np.ndarray, size: int,
                      rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` positions among ``allowed``, with ``weights`` renormalised to them.

    Parameters
    ----------
    weights : ndarray of shape (n_values,)
        Non-negative weights of all values (e.g. training frequencies).
    allowed : ndarray of int
        Positions of the allowed values.
    size : int
        Number of draws.
    rng : numpy.random.Generator
        Random source.

    Returns
    -------
    ndarray of int of shape (size,)
        Positions in ``weights``; uniform over ``allowed`` if they weigh nothing.
    """
    w = np.asarray(weights, dtype=float)[allowed]
    p = w / w.sum() if w.sum() > 0 else np.full(len(allowed), 1.0 / len(allowed))
    return np.asarray(allowed)[rng.choice(len(allowed), size=size, p=p)]


def check_n_samples(n_samples: Any) -> int:
    """Check that ``n_samples`` is a positive integer.

    Parameters
    ----------
    n_samples : object
        The value to check.

    Returns
    -------
    int
        ``n_samples`` as a Python int.

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
    restrictions : Restrictions or None, default=None
        Range and set conditions every row must meet (with ``fixed``); the
        frames :meth:`take` gives carry them in ``attrs``.
    """

    def __init__(self, schema: TableSchema, n: int, *, fixed: dict | None = None,
                 frame: pd.DataFrame | None = None,
                 restrictions: Restrictions | None = None) -> None:
        self.schema = schema
        self.n = n
        self.fixed = {} if fixed is None else fixed
        self.frame = frame
        self.restrictions = Restrictions() if restrictions is None else restrictions

    def __len__(self) -> int:
        return self.n

    def take(self, positions: np.ndarray | None = None) -> pd.DataFrame:
        """The seed rows at ``positions`` (all when ``None``), indexed from 0.

        Parameters
        ----------
        positions : ndarray of int or None, default=None
            Positions of the seed rows to take, in the order wanted.

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
        if self.restrictions:
            with_restrictions(seeds, self.restrictions)
        return seeds

    def subset(self, positions: np.ndarray) -> SeedRows:
        """The seed rows at ``positions``, as a new :class:`SeedRows`.

        Parameters
        ----------
        positions : ndarray of int
            Positions of the seed rows to keep, in the order wanted.

        Returns
        -------
        SeedRows
            ``len(positions)`` seed rows on the same schema.
        """
        if self.frame is not None:
            return SeedRows(self.schema, len(positions), frame=self.take(positions))
        return SeedRows(self.schema, len(positions), fixed=self.fixed,
                        restrictions=self.restrictions)

    def distinct(self) -> pd.DataFrame:
        """Rows holding every condition value at least once (to check them once).

        Returns
        -------
        pandas.DataFrame
            All seed rows when they are a frame; otherwise one row holding the
            fixed values (none when there are no rows).
        """
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
        those values (a missing value in the dict is ignored); a value may
        also be a :class:`Range` (numeric, integer and datetime columns) or a
        list, tuple or set of values (the row holds one of them). A DataFrame
        of seed rows: one output row per seed row, its non-missing values
        kept, its missing cells generated.
        A number is read the way its column is: rounded to the column's
        decimals (whole numbers for integer columns, where only float noise
        such as ``3.0000000000000004`` is rounded).
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
        of seed rows; for a :class:`Range` on a column that is not numeric or
        datetime, with ``low > high``, or holding no value the model can
        produce; for an empty set or one holding such a value; for a range
        or set in seed rows.
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
        ranges, sets = {}, {}
        for name, value in list(fixed.items()):
            if isinstance(value, Range):
                bounds = _check_range(value, schema[name], extrapolate)
                if bounds[0] is None or bounds[1] is None or bounds[0] != bounds[1]:
                    ranges[name] = bounds
                    del fixed[name]
                else:  # Range(x, x) is the value x
                    fixed[name] = bounds[0]
            elif isinstance(value, _SET_TYPES):
                values = _check_set(value, schema[name], extrapolate, open_categories)
                if len(values) > 1:
                    sets[name] = values
                    del fixed[name]
                else:
                    fixed[name] = values[0]
        return SeedRows(schema, n, fixed={
            name: _check_value(value, schema[name], extrapolate, open_categories)
            for name, value in fixed.items()}, restrictions=Restrictions(ranges, sets))

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
            if isinstance(raw[i], (Range, *_SET_TYPES)):
                raise ConditionError(
                    f"seed row {i} holds {raw[i]!r} for column {name!r}: ranges and sets of "
                    "values are conditions for every row (a dict), not seed-row cells",
                    column=name, value=raw[i])
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

    Parameters
    ----------
    candidates : pandas.DataFrame of shape (n_rows, n_columns)
        Generated rows, in the training dtypes.
    seeds : pandas.DataFrame of shape (n_rows, n_columns)
        The seed row of each candidate (:meth:`SeedRows.take`); a missing cell
        fixes nothing.
    schema : TableSchema
        The fitted schema; its columns are the ones compared.
    text_prefix : bool, default=False
        Whether a condition on a text column is a prefix to start with rather
        than the whole value.

    Returns
    -------
    ndarray of bool of shape (n_rows,)
        True where the candidate holds every fixed value of its seed row.
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
    restrictions = restrictions_of(seeds)
    if restrictions:
        ok &= restrictions_met(candidates, restrictions, schema, text_prefix=text_prefix)
    return ok


def restrictions_met(candidates: pd.DataFrame, restrictions: Restrictions,
                     schema: TableSchema, *, text_prefix: bool = False) -> np.ndarray:
    """Which candidate rows lie inside every range and hold one value of every set.

    Range bounds are inclusive and a missing value is outside every range;
    set values are compared as fixed values are by :func:`conditions_met`.

    Parameters
    ----------
    candidates : pandas.DataFrame of shape (n_rows, n_columns)
        Generated rows in the training dtypes.
    restrictions : Restrictions
        The ranges and sets.
    schema : TableSchema
        The fitted schema.
    text_prefix : bool, default=False
        Whether a set on a text column holds prefixes the values start with.

    Returns
    -------
    numpy.ndarray of bool, shape (n_rows,)
        True where the row meets every range and set.
    """
    ok = np.ones(len(candidates), dtype=bool)
    for name, bounds in restrictions.ranges.items():
        col = schema[name]
        lo, hi = range_bounds(col, bounds)
        x = as_float(candidates[name], col.kind, col.origin)
        ok &= (x >= lo) & (x <= hi)  # NaN: False
    for name, values in restrictions.sets.items():
        col = schema[name]
        got = candidates[name]
        if col.kind in ("numeric", "integer"):
            g = pd.to_numeric(got, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            tol = 0.5 * 10.0 ** -(col.decimals or 0) if col.kind == "numeric" else 0.5
            ok &= (np.abs(g[:, None] - np.asarray(values, dtype=float)[None, :]) < tol).any(1)
        elif col.kind == "datetime":
            want = as_float(pd.Series(values, dtype="datetime64[ns]"), "datetime", col.origin)
            ok &= np.isin(as_float(got, "datetime", col.origin), want)
        elif text_prefix and col.kind == "text":
            ok &= np.array([isinstance(a, str) and a.startswith(tuple(values))
                            for a in got.to_numpy(dtype=object)], dtype=bool)
        else:
            ok &= np.array([any(_same(a, b) for b in values) for a in
                            got.to_numpy(dtype=object)], dtype=bool)
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


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def _new_category(value: Any, col: ColumnSchema) -> bool:
    """Whether ``value`` can be a new level of ``col``: a string, or a whole number
    where the training levels are whole numbers."""
    return isinstance(value, str) or (_whole(value) and bool(col.categories) and
                                      all(_whole(c) for c in col.categories))


def _check_value(value: Any, col: ColumnSchema, extrapolate: bool,
                 open_categories: bool = False) -> Any:
    """Return ``value`` in the column's training type, or raise ConditionError."""
    name = col.name
    if col.kind in ("categorical", "boolean"):
        for known in col.categories or []:
            if _same(value, known):
                return known
        if open_categories and col.kind == "categorical" and _new_category(value, col):
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


def _check_range(value: Range, col: ColumnSchema, extrapolate: bool) -> tuple:
    """A :class:`Range` condition's bounds in the column's type, or ConditionError."""
    name = col.name
    if col.kind not in ("numeric", "integer", "datetime"):
        hint = " (give a list of the allowed values instead)" if col.is_discrete else ""
        raise ConditionError(f"{value!r} for column {name!r}: a Range needs a numeric, integer "
                             f"or datetime column, and {name!r} is {col.kind}{hint}",
                             column=name, value=value)
    bounds = []
    for b in (value.low, value.high):
        if b is None:
            bounds.append(None)
        elif col.kind == "datetime":
            bounds.append(_check_value(b, col, extrapolate=True))
        else:
            try:
                number = float(b)
            except (TypeError, ValueError):
                number = np.nan
            if isinstance(b, bool | np.bool_) or np.isnan(number):
                raise ConditionError(f"{value!r} for numeric column {name!r}: bound {b!r} "
                                     "is not a number", column=name, value=value)
            bounds.append(number)
    if None not in bounds and bounds[0] > bounds[1]:
        raise ConditionError(f"{value!r} for column {name!r} is empty: low is greater than "
                             "high", column=name, value=value)
    lo, hi = range_bounds(col, tuple(bounds), widen=True)
    if lo >= hi:
        raise ConditionError(f"{value!r} for column {name!r} holds no value of the column's "
                             "precision (integers, its decimals or its datetime step)",
                             column=name, value=value)
    low, high = col.min - col.origin, col.max - col.origin
    if not extrapolate and (hi < low or lo > high):
        shown = ((pd.Timestamp(int(col.min)), pd.Timestamp(int(col.max)))
                 if col.kind == "datetime" else (col.min, col.max))
        raise ConditionError(f"{value!r} for column {name!r} does not overlap the values the "
                             f"model can produce [{shown[0]}, {shown[1]}] (its training range)",
                             column=name, value=value)
    return tuple(bounds)


def _check_set(values: Any, col: ColumnSchema, extrapolate: bool,
               open_categories: bool) -> tuple:
    """A set condition's distinct values, each checked as a fixed value would be."""
    name = col.name
    items = list(values)
    if not items:
        raise ConditionError(f"the set of values for column {name!r} is empty", column=name,
                             value=values)
    out: list = []
    for v in items:
        if _is_missing(v) or isinstance(v, (Range, *_SET_TYPES)):
            raise ConditionError(f"the set of values for column {name!r} holds {v!r}; give "
                                 "plain values (no missing value, range or nested set)",
                                 column=name, value=v)
        checked = _check_value(v, col, extrapolate, open_categories)
        if not any(_same(checked, seen) for seen in out):
            out.append(checked)
    return tuple(out)


def _grid_step(col: ColumnSchema) -> float:
    """Spacing of the values a column holds, in :func:`as_float` units (0: none)."""
    if col.kind == "integer":
        return 1.0
    if col.kind == "datetime":
        return float(col.step or 1)
    if col.kind == "numeric" and col.decimals is not None:
        return 10.0 ** -col.decimals
    return 0.0


def _between(probs: np.ndarray, knots: np.ndarray, i: int, x: float) -> float:
    """Probability at ``x`` on the table's segment from knot ``i - 1`` to knot ``i``."""
    span = knots[i] - knots[i - 1]
    t = 0.0 if span <= 0 else min(max((x - knots[i - 1]) / span, 0.0), 1.0)
    return probs[i - 1] + t * (probs[i] - probs[i - 1])


def _same(a: Any, b: Any) -> bool:
    if isinstance(b, bool | np.bool_) or isinstance(a, bool | np.bool_):
        return isinstance(a, bool | np.bool_) and isinstance(b, bool | np.bool_) and \
            bool(a) == bool(b)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


__all__ = ["DEFAULT_N_SAMPLES", "Range", "SeedRows", "check_n_samples", "conditions_met",
           "seed_rows"]
