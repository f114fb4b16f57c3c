"""The four validators learned automatically for every model.

They follow the "Automated validators" of the Gretel LSTM documentation: the
character set and the string length of string fields, the numeric range of
numeric fields and the data type of fields that are entirely integers, floats
or strings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from skgen.schema import as_float
from skgen.validators._base import (
    BaseValidator,
    as_text,
    booleans,
    canonical,
    code_points,
    column_kind,
    datetimes,
    missing_mask,
    numbers,
    per_unique,
)


class CharacterSetValidator(BaseValidator):
    """Keep only values written with the characters seen in training.

    For every string column (text, categories, mixed values; not numbers held
    as strings, which :class:`NumericRangeValidator` handles) the set of
    characters used by its training values is learned. A candidate value passes
    when each of its characters is in that set; the check is case sensitive, so
    a column of lower-case hexadecimal strings only accepts ``[0-9a-f]``.

    Attributes
    ----------
    columns_ : list
        The string columns, in training order.
    charsets_ : list of str
        For each column of ``columns_``, its learned characters, sorted and
        concatenated into one string.
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    StringLengthValidator : Learned minimum and maximum length of string values.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Automated
       validators" (Character Set).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import CharacterSetValidator
    >>> v = CharacterSetValidator().fit(pd.DataFrame({"hex": ["0a3f", "ff01"]}))
    >>> v.is_valid(pd.DataFrame({"hex": ["a0", "0G"]})).tolist()
    [True, False]
    """

    _rule = "character_set"
    _fitted_attributes = ("charsets_",)

    def __init__(self) -> None:
        pass

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.charsets_ = [], []
        for column in X.columns:
            s = X[column]
            if column_kind(s) != "string":
                continue
            miss = missing_mask(s)
            uniques = pd.Series(pd.unique(as_text(s)[~miss]), dtype=object)
            points, _ = code_points(uniques)
            chars = np.unique(points).astype(np.uint32).tobytes().decode(
                "utf-32-le", errors="surrogatepass")
            self.columns_.append(column)
            self.charsets_.append(chars)

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        allowed = np.frombuffer(
            self.charsets_[j].encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)

        def unseen_char(u: pd.Series) -> np.ndarray:
            points, lengths = code_points(u)
            bad_points = np.concatenate([[0], np.cumsum(~np.isin(points, allowed))])
            ends = np.cumsum(lengths)
            return bad_points[ends] - bad_points[ends - lengths] > 0

        return per_unique(as_text(s), unseen_char, fill=False) & ~missing_mask(s)


class StringLengthValidator(BaseValidator):
    """Keep only string values whose length lies in the learned range.

    For every string column the minimum and maximum length (in characters) of
    its non-empty training values are learned; a candidate value passes when its
    length lies between them, inclusive.

    Attributes
    ----------
    columns_ : list
        The string columns, in training order.
    min_length_ : list of int
        Shortest training value of each column of ``columns_``.
    max_length_ : list of int
        Longest training value of each column of ``columns_``.
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    CharacterSetValidator : Learned character set of string values.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Automated
       validators" (String Length).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import StringLengthValidator
    >>> v = StringLengthValidator().fit(pd.DataFrame({"code": ["AB", "ABCD"]}))
    >>> v.is_valid(pd.DataFrame({"code": ["ABC", "A", "ABCDE"]})).tolist()
    [True, False, False]
    """

    _rule = "string_length"
    _fitted_attributes = ("min_length_", "max_length_")

    def __init__(self) -> None:
        pass

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.min_length_, self.max_length_ = [], [], []
        for column in X.columns:
            s = X[column]
            if column_kind(s) != "string":
                continue
            lengths = as_text(s)[~missing_mask(s)].str.len()
            self.columns_.append(column)
            self.min_length_.append(int(lengths.min()))
            self.max_length_.append(int(lengths.max()))

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        lo, hi = self.min_length_[j], self.max_length_[j]

        def out_of_range(u: pd.Series) -> np.ndarray:
            n = u.str.len().to_numpy(dtype=np.int64)
            return (n < lo) | (n > hi)

        return per_unique(as_text(s), out_of_range, fill=False) & ~missing_mask(s)


class NumericRangeValidator(BaseValidator):
    """Keep only numbers (and datetimes) inside the learned minimum and maximum.

    For every numeric column - typed numbers, or strings that all spell numbers,
    including ``0b``/``0o``/``0x`` base-2/8/16 integer literals - and every
    datetime column, the minimum and maximum training value are learned. A
    candidate number passes when it lies between them, inclusive. A candidate
    that is not a number passes this rule (:class:`DataTypeValidator` is the one
    that rejects it).

    Attributes
    ----------
    columns_ : list
        The numeric and datetime columns, in training order.
    kinds_ : list of str
        ``"numeric"`` or ``"datetime"`` for each column of ``columns_``.
    min_ : list of float or int
        Smallest training value of each column (datetimes as seconds since
        the epoch, UTC; an exact ``int`` for integer-typed columns, which are
        then judged in exact integer arithmetic, see
        :func:`skgen.schema.as_float`).
    max_ : list of float or int
        Largest training value of each column.
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    NumericIQRValidator : Tighter bounds that ignore training outliers.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Automated
       validators" (Numerical Ranges).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import NumericRangeValidator
    >>> v = NumericRangeValidator().fit(pd.DataFrame({"age": [18, 40, 90]}))
    >>> v.is_valid(pd.DataFrame({"age": [17, "55", 90.0]})).tolist()
    [False, True, True]
    """

    _rule = "numeric_range"
    _fitted_attributes = ("kinds_", "min_", "max_")

    def __init__(self) -> None:
        pass

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.kinds_, self.min_, self.max_ = [], [], [], []
        for column in X.columns:
            s = X[column]
            kind = column_kind(s)
            if kind not in ("numeric", "datetime"):
                continue
            values = canonical(s, kind)
            values = values[~np.isnan(values)]
            lo, hi = float(values.min()), float(values.max())
            if ptypes.is_integer_dtype(s.dtype):  # int64 beyond 2**53 is no float64
                lo, hi = int(s.min()), int(s.max())
            self.columns_.append(column)
            self.kinds_.append(kind)
            self.min_.append(lo)
            self.max_.append(hi)

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        values = canonical(s, self.kinds_[j])
        lo, hi = self.min_[j], self.max_[j]
        if isinstance(lo, int):  # measured from the exact minimum, not through float64
            exact = as_float(s, "integer", lo)
            values = np.where(np.isnan(exact), values - float(lo), exact)
            lo, hi = 0.0, float(hi - lo)
        with np.errstate(invalid="ignore"):
            return (values < lo) | (values > hi)


class DataTypeValidator(BaseValidator):
    """Keep a column's values of the one data type all its training values had.

    Each training column is typed by its non-missing values (typed or spelled
    as strings):

    * ``"integer"`` - every value is a whole number (``3``, ``"3"``, ``3.0``);
      candidates must be whole numbers.
    * ``"float"`` - every value is a number, not all whole; candidates must be
      numbers (a whole number is a valid float).
    * ``"string"`` - no value is a number; candidates must not be numbers.
    * ``"boolean"`` - booleans; candidates must be booleans or ``"true"`` /
      ``"false"`` in any case.
    * ``"datetime"`` - ``datetime64`` values; candidates must be datetimes or
      ISO 8601 strings.

    A column that mixes numbers and other strings is not enforced, as the
    documentation this follows prescribes; the other validators still judge it.

    Attributes
    ----------
    columns_ : list
        The enforced columns, in training order.
    types_ : list of str
        Data type of each column of ``columns_`` (one of the five above).
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    NumericRangeValidator : Learned range of numeric values.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Automated
       validators" (Field Data Types).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import DataTypeValidator
    >>> v = DataTypeValidator().fit(pd.DataFrame({"n": [1, 2], "s": ["a", "b"]}))
    >>> v.is_valid(pd.DataFrame({"n": [3, 2.5, 4], "s": ["c", "d", "7"]})).tolist()
    [True, False, False]
    """

    _rule = "data_type"
    _fitted_attributes = ("types_",)

    def __init__(self) -> None:
        pass

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.types_ = [], []
        for column in X.columns:
            s = X[column]
            kind = column_kind(s)
            if kind == "empty":
                continue
            if kind == "numeric":
                values = numbers(s)
                values = values[~np.isnan(values)]
                whole = np.isfinite(values).all() and (values == np.floor(values)).all()
                dtype = "integer" if whole else "float"
            elif kind == "string":
                miss = missing_mask(s)
                if not np.isnan(numbers(s[~miss])).all():
                    continue  # mixed numbers and strings: not enforced
                dtype = "string"
            else:
                dtype = kind
            self.columns_.append(column)
            self.types_.append(dtype)

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        dtype = self.types_[j]
        miss = missing_mask(s)
        if dtype == "boolean":
            ok = ~np.isnan(booleans(s))
        elif dtype == "datetime":
            ok = ~np.isnan(datetimes(s))
        else:
            values = numbers(s)
            if dtype == "integer":
                with np.errstate(invalid="ignore"):
                    ok = np.isfinite(values) & (values == np.floor(values))
            elif dtype == "float":
                ok = ~np.isnan(values)
            else:
                ok = np.isnan(values)
        return ~ok & ~miss
