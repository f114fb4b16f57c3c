"""The validator base class and the vectorised column helpers every validator shares.

A validator learns, per column, a constraint from the training frame and then
judges candidate rows. Candidate values may arrive typed (ints, floats,
strings, categoricals, booleans, datetimes) or as strings that spell them (a CSV
read without dtypes), so every check first brings a column to one *canonical*
form for its learned *kind*, which :func:`column_kind` reads from the column's
:class:`skgen.schema.TableSchema` (the one inference every model uses):

========== ====================================== ==============================
kind       training column                        canonical form of a value
========== ====================================== ==============================
numeric    numbers, or strings that all spell      ``float64`` (decimal, or
           numbers                                 ``0b``/``0o``/``0x`` integers)
datetime   ``datetime64`` dtype                    ``float64`` seconds since epoch,
                                                   UTC (``schema.as_float``)
boolean    ``bool`` dtype, or only Python bools    ``float64`` 1.0 / 0.0
string     anything else (text, categories,        ``str``
           mixed)
empty      no non-missing value                    (no constraint learned)
========== ====================================== ==============================

A cell is *missing* when it is ``None``, ``NaN``, ``NaT``, ``pd.NA`` or the empty
string ``""``. Missing cells are judged only by
:class:`~skgen.validators.EmptyValueValidator`; every other rule lets them pass.
A value that cannot be brought to the canonical form (``"abc"`` in a numeric
column) counts as *not a number* for the range rules, which let it pass: the
data-type and in-set rules are the ones that reject it.

All helpers work on whole columns with pandas/numpy, and the string checks run
once per *distinct* value (:func:`pandas.factorize`), so a check costs little
more than one hash pass over the column.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterator
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from skgen._tags import TableInputMixin, check_2d_array
from skgen.exceptions import SchemaError
from skgen.schema import TableSchema, as_float, check_frame

#: Columns of the frame returned by ``explain``.
EXPLAIN_COLUMNS = ["row", "column", "rule", "value"]

#: Column kinds a validator can learn (see the module docstring).
KINDS = ("numeric", "datetime", "boolean", "string", "empty")

# Digit value of each ASCII code point for base-2/8/16 literals; 99 marks "not a digit".
_DIGIT_VALUE = np.full(128, 99, dtype=np.int64)
_DIGIT_VALUE[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_DIGIT_VALUE[np.frombuffer(b"abcdef", dtype=np.uint8)] = np.arange(10, 16)
_DIGIT_VALUE[np.frombuffer(b"ABCDEF", dtype=np.uint8)] = np.arange(10, 16)
_BASES = {"b": 2, "o": 8, "x": 16}
_PREFIXED = r"^([+-]?)0([bBoOxX])([0-9a-fA-F]+)$"


# ----------------------------------------------------------------------------------- helpers
def as_text(s: pd.Series) -> pd.Series:
    """Values of ``s`` as a ``str`` Series; missing cells stay ``NaN``."""
    return s.astype("str")


def missing_mask(s: pd.Series) -> np.ndarray:
    """Boolean mask of missing cells: ``None``/``NaN``/``NaT``/``pd.NA`` or ``""``."""
    miss = s.isna().to_numpy(dtype=bool, copy=True)
    if not (ptypes.is_numeric_dtype(s.dtype) or ptypes.is_datetime64_any_dtype(s.dtype)):
        miss |= as_text(s).eq("").to_numpy(dtype=bool, na_value=False)
    return miss


def per_unique(text: pd.Series, func: Callable[[pd.Series], np.ndarray],
               fill: Any = True, dtype: Any = bool) -> np.ndarray:
    """Evaluate ``func`` once per distinct value of ``text`` and spread the result.

    Parameters
    ----------
    text : pandas.Series of shape (n_samples,)
        Values (missing as ``NaN``).
    func : callable
        Takes an object-dtype Series of the distinct non-missing values and
        returns an array of the same length.
    fill : object, default=True
        Result for missing cells.
    dtype : numpy dtype, default=bool
        dtype of the result.

    Returns
    -------
    numpy.ndarray of shape (n_samples,)
    """
    codes, uniques = pd.factorize(text)
    out = np.full(len(text), fill, dtype=dtype)
    if len(uniques):
        res = np.asarray(func(pd.Series(np.asarray(uniques, dtype=object), dtype=object)),
                         dtype=dtype)
        seen = codes >= 0
        out[seen] = res[codes[seen]]
    return out


def _parse_prefixed(text: pd.Series) -> np.ndarray:
    """Parse ``0b..``/``0o..``/``0x..`` integer literals; ``NaN`` where a value is not one."""
    out = np.full(len(text), np.nan)
    parts = text.str.extract(_PREFIXED)
    letters = parts[1].str.lower().to_numpy(dtype=object, na_value="")
    for letter, base in _BASES.items():
        sel = letters == letter
        if not sel.any():
            continue
        digits = parts.loc[sel, 2]
        width = int(digits.str.len().max())
        padded = np.asarray(digits.str.rjust(width, "0").to_list(), dtype=f"<U{width}")
        codes = padded.view(np.uint32).reshape(-1, width).clip(max=127)
        values = _DIGIT_VALUE[codes]
        ok = (values < base).all(axis=1)
        powers = float(base) ** np.arange(width - 1, -1, -1)
        number = (values * powers).sum(axis=1)
        number[parts.loc[sel, 0].to_numpy(dtype=object) == "-"] *= -1
        out[np.flatnonzero(sel)[ok]] = number[ok]
    return out


def parse_numbers(values: pd.Series) -> np.ndarray:
    """Parse strings that spell numbers into ``float64``.

    Decimal integers and floats (``"42"``, ``"-1.5e3"``) and Python-style base-2,
    base-8 and base-16 integer literals (``"0b101"``, ``"0o17"``, ``"0x1F"``) are
    read; anything else, including ``"inf"`` and ``"nan"``, gives ``NaN``.

    Parameters
    ----------
    values : pandas.Series of shape (n_values,)
        Strings (object or ``str`` dtype).

    Returns
    -------
    numpy.ndarray of shape (n_values,), dtype float64
    """
    text = values.astype(object)
    nums = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan,
                                                         copy=True)
    nums[~np.isfinite(nums)] = np.nan
    todo = np.isnan(nums)
    if todo.any():
        sub = pd.Series(text.to_numpy()[todo], dtype=object).astype("str")
        prefixed = sub.str.match(r"[+-]?0[bBoOxX]").to_numpy(dtype=bool, na_value=False)
        if prefixed.any():
            rows = np.flatnonzero(todo)[prefixed]
            nums[rows] = _parse_prefixed(sub[prefixed].reset_index(drop=True))
    return nums


def _seconds(s: pd.Series) -> np.ndarray:
    """Datetimes (typed, or strings that spell them) as float seconds since the epoch,
    UTC, by the schema's conversion (:func:`skgen.schema.as_float`)."""
    return as_float(s, "datetime") / 1e9


def numbers(s: pd.Series) -> np.ndarray:
    """Values of ``s`` as ``float64`` numbers; ``NaN`` where missing or not a number.

    Typed numbers and booleans are taken as they are, datetimes as seconds since
    the epoch, and strings through :func:`parse_numbers`.
    """
    dt = s.dtype
    if ptypes.is_bool_dtype(dt) or ptypes.is_numeric_dtype(dt):
        return s.to_numpy(dtype=float, na_value=np.nan, copy=True)
    if ptypes.is_datetime64_any_dtype(dt):
        return _seconds(s)
    return per_unique(as_text(s), parse_numbers, fill=np.nan, dtype=float)


def datetimes(s: pd.Series) -> np.ndarray:
    """Values of ``s`` as float seconds since the epoch; ``NaN`` where not a datetime.

    ``datetime64`` columns are converted directly, anything else is read as
    text (``"2021-03-04"``, ``"2021-03-04T05:06:07+01:00"``, other spellings
    pandas reads), once per distinct value, by :func:`skgen.schema.as_float`.
    """
    if ptypes.is_datetime64_any_dtype(s.dtype):
        return _seconds(s)
    return per_unique(as_text(s), _seconds, fill=np.nan, dtype=float)


def booleans(s: pd.Series) -> np.ndarray:
    """Values of ``s`` as 1.0 / 0.0; ``NaN`` where missing or not a boolean.

    Typed booleans are taken as they are; strings ``"true"``/``"false"`` are read
    case-insensitively; numbers are *not* booleans.
    """
    if ptypes.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan, copy=True)
    mapping = {"true": 1.0, "false": 0.0}
    return per_unique(as_text(s),
                      lambda u: u.str.lower().map(mapping).to_numpy(dtype=float, na_value=np.nan),
                      fill=np.nan, dtype=float)


def canonical(s: pd.Series, kind: str) -> np.ndarray | pd.Series:
    """Values of ``s`` in the canonical form of ``kind`` (see the module docstring).

    Returns a float64 array for ``numeric``, ``datetime`` and ``boolean`` kinds and
    a ``str`` Series for ``string``.
    """
    if kind == "numeric":
        return numbers(s)
    if kind == "datetime":
        return datetimes(s)
    if kind == "boolean":
        return booleans(s)
    return as_text(s)


def column_kind(s: pd.Series) -> str:
    """The kind (one of ``KINDS``) of a training column, read from its schema.

    The schema says what the column holds; a validator judges booleans as
    booleans, typed datetimes as datetimes, numbers (integer or not) as
    numbers, and every other column (categories, text, IDs, ISO date strings,
    mixed values) as strings -- unless every present value spells a number
    (``"42"``, ``"0x1F"``), which the range and type rules then judge as one.
    """
    miss = missing_mask(s)
    if miss.all():
        return "empty"
    col = TableSchema.infer(s.to_frame(name="column"), strict=False).columns[0]  # any name
    if col.kind == "boolean":
        return "boolean"
    if col.kind == "datetime" and col.datetime_format is None:
        return "datetime"
    if col.kind in ("numeric", "integer"):
        return "numeric"
    if not np.isnan(numbers(s[~miss])).any():
        return "numeric"
    return "string"


def code_points(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Unicode code points of all strings in ``values`` and each string's length.

    Parameters
    ----------
    values : pandas.Series of shape (n_values,)
        Non-missing strings.

    Returns
    -------
    points : numpy.ndarray of uint32, shape (total_length,)
        The strings' code points, one after the other.
    lengths : numpy.ndarray of int64, shape (n_values,)
    """
    strings = values.astype(object).to_list()
    lengths = np.fromiter((len(v) for v in strings), dtype=np.int64, count=len(strings))
    joined = "".join(strings).encode("utf-32-le", errors="surrogatepass")
    return np.frombuffer(joined, dtype=np.uint32), lengths


# ------------------------------------------------------------------------------ base class
class BaseValidator(TableInputMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of skgen validators: learn constraints per column, judge rows.

    ``fit(X)`` learns a constraint for each column it applies to and records
    those columns in ``columns_``; ``is_valid(X)`` gives the boolean mask of
    rows that pass every learned constraint and ``explain(X)`` lists why the
    others fail. Dropping the failing rows is ``fit_resample(X, y)``, as in
    imbalanced-learn's cleaning samplers: ``y`` is kept aligned with the rows
    kept. ``transform(X)`` keeps every row (it returns a copy of ``X``), as
    scikit-learn's transformer contract asks, so that a validator in a
    :class:`sklearn.pipeline.Pipeline` never makes ``predict`` return fewer
    predictions than rows. To drop invalid training rows inside an
    imbalanced-learn pipeline (at fit time only) use
    :class:`~skgen.validators.DropInvalidRows`.

    ``X`` is a DataFrame, or a 2-D array whose columns are then named ``0, 1,
    ...`` (so a validator fitted on named columns needs a DataFrame). Columns
    of ``X`` not seen in ``fit`` are ignored by ``is_valid`` and ``explain``,
    and learned columns absent from ``X`` are skipped, so a frame holding only
    some columns (for example the values a user conditions on) can be checked.
    Missing cells are judged only by :class:`EmptyValueValidator`.

    Subclasses implement ``_learn(X)`` (set ``columns_`` and per-column state
    aligned with it) and ``_check_column(j, s)`` (the mask of failing cells of
    the ``j``-th learned column), or override ``_failures`` for whole-row rules.

    Attributes
    ----------
    columns_ : list
        Names of the columns a constraint was learned for, in training order.
    n_features_in_ : int
        Number of columns of the training frame.

    References
    ----------
    .. [1] G. Lemaitre, F. Nogueira and C. K. Aridas, "Imbalanced-learn: A
       Python Toolbox to Tackle the Curse of Imbalanced Datasets in Machine
       Learning", JMLR 18(17), 2017 (``fit_resample`` and cleaning samplers).
    """

    #: Name of the rule, reported in the ``rule`` column of :meth:`explain`.
    _rule = "rule"
    #: Whether the rule decides for itself on categories it never saw in ``fit`` (a
    #: label a model was asked for that no training row holds). A synthesizer that
    #: accepts new categories gives such a validator its rows as generated, and the
    #: others the rows with each new category shown as a known one.
    _judges_new_categories = False
    _parameter_constraints: dict = {}
    #: Fitted attributes a model file may hold; subclasses add theirs (see
    #: :mod:`skgen.persistence`).
    _fitted_attributes: tuple[str, ...] = ("columns_", "n_features_in_")

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: pd.DataFrame, y: Any = None) -> BaseValidator:
        """Learn the constraints from the training data.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Training data. Not modified.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self : BaseValidator
            The fitted validator.

        Raises
        ------
        TypeError
            If ``X`` is neither a DataFrame nor a dense 2-D array-like.
        ValueError
            If ``X`` is not 2-D, holds complex numbers or has no column;
            :class:`skgen.exceptions.SchemaError` (a ``ValueError``) if it has
            no rows or duplicated column names.
        """
        return self._fit(X)

    def _fit(self, X: Any) -> BaseValidator:
        X = self._as_frame(X, fitted=False)
        if X.shape[0] == 0:
            raise SchemaError("X has no rows; a validator needs training data to learn from.")
        self._learn(X)
        self.n_features_in_ = int(X.shape[1])
        return self

    def _as_frame(self, X: Any, *, fitted: bool = True) -> pd.DataFrame:
        """``X`` itself if a DataFrame, else a 2-D array-like as a DataFrame.

        The array's columns are named ``0, 1, ...``, as a validator ``fitted``
        on an array knows them; one fitted on named columns refuses an array,
        whose columns it could not match.
        """
        if isinstance(X, pd.DataFrame):
            check_frame(X, name="validator's input frame", allow_empty_columns=True,
                        allow_empty_rows=True)
            return X
        if fitted and not all(isinstance(c, Integral) for c in self.columns_):
            raise TypeError(f"{type(self).__name__} was fitted on a DataFrame with named "
                            f"columns; pass a DataFrame with those columns, not a "
                            f"{type(X).__name__}.")
        return pd.DataFrame(check_2d_array(X, ensure_min_samples=0))

    @abstractmethod
    def _learn(self, X: pd.DataFrame) -> None:
        """Set ``columns_`` and the per-column fitted state from ``X``."""

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        """Mask of the cells of ``s`` (the ``j``-th learned column) that fail."""
        raise TypeError(f"{type(self).__name__} defines no per-column check.")

    def _failures(self, X: pd.DataFrame) -> Iterator[tuple[Any, str, np.ndarray, Any]]:
        """Yield ``(column, rule, failing_mask, values)`` for each learned rule.

        ``values`` is ``None`` when the failing cells of ``X[column]`` are the
        values to report, else an array aligned with ``failing_mask``.
        """
        present = set(X.columns)
        for j, column in enumerate(self.columns_):
            if column in present:
                yield column, self._rule, self._check_column(j, X[column]), None

    def _checked(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self)
        return self._as_frame(X)

    def is_valid(self, X: pd.DataFrame) -> np.ndarray:
        """Mask of the rows of ``X`` that pass every learned constraint.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            Candidate rows; may hold only some of the training columns, and
            columns not seen in ``fit`` (those are ignored). Not modified.

        Returns
        -------
        mask : numpy.ndarray of bool, shape (n_samples,)
            ``True`` where the row passes.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the validator is not fitted.
        TypeError
            If ``X`` is neither a DataFrame nor a dense 2-D array-like.
        """
        X = self._checked(X)
        ok = np.ones(len(X), dtype=bool)
        for _, _, bad, _ in self._failures(X):
            ok &= ~bad
        return ok

    def transform(self, X: Any) -> Any:
        """Return every row of ``X`` unchanged, as scikit-learn's transformers do.

        A validator judges rows, it does not change them: in a
        :class:`sklearn.pipeline.Pipeline` it lets every row through, so that
        ``predict`` gives one prediction per row. Use :meth:`is_valid` for
        the mask of valid rows and :meth:`fit_resample` to drop the others.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, `n_features_in_`)
            Rows with the training columns. Not modified.

        Returns
        -------
        X_out : pandas.DataFrame or numpy.ndarray of shape (n_samples, `n_features_in_`)
            A copy of ``X`` (a DataFrame for a DataFrame, else an array).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the validator is not fitted.
        ValueError
            If ``X`` does not have ``n_features_in_`` columns, or is not 2-D.
        """
        check_is_fitted(self)
        frame = self._as_frame(X)
        if frame.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {frame.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")
        return X.copy() if isinstance(X, pd.DataFrame) else frame.to_numpy(copy=True)

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Learn the constraints from ``X``, then keep only the rows of ``X`` that pass.

        Like imbalanced-learn's cleaning samplers (e.g.
        ``EditedNearestNeighbours``), it drops rows and keeps ``y`` aligned
        with the rows kept. The automated validators learn their rules from
        ``X`` itself, so they keep every row; rules with fences or learned
        sets (:class:`NumericIQRValidator`, :class:`InSetValidator`,
        :class:`PatternValidator`) drop the rows outside them.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Training data. Not modified.
        y : array-like of shape (n_samples,) or None
            Targets, kept aligned with the rows of ``X``; ``None`` gives
            ``None`` back.

        Returns
        -------
        X_resampled : pandas.DataFrame or numpy.ndarray of shape (n_valid, n_features)
            The passing rows, in order (a DataFrame keeps its index).
        y_resampled : array-like of shape (n_valid,) or None
            The targets of those rows (a Series keeps its index).

        Raises
        ------
        ValueError
            If ``X`` and ``y`` have different numbers of rows, or for the
            reasons :meth:`fit` raises.
        """
        frame = self._as_frame(X, fitted=False)
        if y is not None:
            check_consistent_length(frame, y)
        self.fit(frame, y)
        keep = np.flatnonzero(self.is_valid(frame))
        X_out = X if isinstance(X, pd.DataFrame) else frame.to_numpy()
        return (_safe_indexing(X_out, keep),
                None if y is None else _safe_indexing(y, keep))

    def explain(self, X: pd.DataFrame) -> pd.DataFrame:
        """Say why rows fail: one line per failing cell (or row, for row rules).

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            Candidate rows. Not modified.

        Returns
        -------
        report : pandas.DataFrame with columns ``["row", "column", "rule", "value"]``
            ``row`` is the index label of the failing row, ``column`` the column
            at fault (``None`` for whole-row rules such as the privacy filter),
            ``rule`` the rule's name and ``value`` the rejected value (the
            distance for the privacy filter). Sorted by row position; empty when
            every row passes.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the validator is not fitted.
        TypeError
            If ``X`` is neither a DataFrame nor a dense 2-D array-like.
        """
        X = self._checked(X)
        positions, columns, rules, values = [], [], [], []
        for column, rule, bad, vals in self._failures(X):
            idx = np.flatnonzero(bad)
            if not idx.size:
                continue
            positions.append(idx)
            columns.extend([column] * idx.size)
            rules.extend([rule] * idx.size)
            if vals is None:
                vals = X[column].to_numpy(dtype=object)
            values.extend(np.asarray(vals, dtype=object)[idx].tolist())
        if not positions:
            return pd.DataFrame({name: pd.Series(dtype=object) for name in EXPLAIN_COLUMNS})
        pos = np.concatenate(positions)
        order = np.argsort(pos, kind="stable")
        report = pd.DataFrame({
            "row": pd.Series(X.index.to_numpy()[pos], dtype=object),
            "column": pd.Series(columns, dtype=object),
            "rule": pd.Series(rules, dtype=object),
            "value": pd.Series(values, dtype=object),
        })
        return report.iloc[order].reset_index(drop=True)
