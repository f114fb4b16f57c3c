"""The configurable validators of the Gretel LSTM documentation.

``in_set_count``, ``pattern_count``, ``use_numeric_iqr``, ``open_close_chars``
and ``allow_empty_values`` each map to one class here;
:func:`skgen.validators.make_validators` builds a set from those keys.
"""

from __future__ import annotations

import re
import string
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from skgen.validators._base import (
    BaseValidator,
    as_text,
    canonical,
    column_kind,
    missing_mask,
    numbers,
    per_unique,
)

#: The open/close pairs ``open_close_chars="default"`` stands for.
DEFAULT_OPEN_CLOSE_CHARS = ['""', "()", "[]", "{}"]

_PATTERN_TABLE = str.maketrans({**dict.fromkeys(string.ascii_letters, "a"),
                                **dict.fromkeys(string.digits, "d")})


def pattern_mask(values: pd.Series) -> pd.Series:
    """Mask values into patterns: ASCII letters to ``a``, digits to ``d``.

    Every other character is kept, so ``"867-5309"`` becomes ``"ddd-dddd"`` and
    ``"f32-sk-39d"`` becomes ``"add-aa-dda"``.

    Parameters
    ----------
    values : pandas.Series of shape (n_values,)
        Strings.

    Returns
    -------
    patterns : pandas.Series of shape (n_values,)
        The mask of each value, same index.
    """
    return values.astype(object).str.translate(_PATTERN_TABLE)


class InSetValidator(BaseValidator):
    """Keep only training values in columns with few distinct values.

    The distinct non-missing values of each column are collected; when a column
    has at most ``in_set_count`` of them, a candidate value must be one of them.
    Columns with more distinct values are not enforced. Values are compared in
    their canonical form, so ``"3"`` equals ``3`` and ``3.0`` in a numeric column.

    Parameters
    ----------
    in_set_count : int, default=10
        Largest number of distinct training values for which the set is
        enforced. Must be at least 1.

    Attributes
    ----------
    columns_ : list
        The enforced columns, in training order.
    kinds_ : list of str
        Kind of each column of ``columns_`` (``"numeric"``, ``"datetime"``,
        ``"boolean"`` or ``"string"``).
    values_ : list of list
        Sorted allowed values of each column: floats for numeric, datetime
        (seconds since the epoch) and boolean (1.0/0.0) columns, str otherwise.
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    PatternValidator : The same idea applied to value patterns.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Configurable
       validators" (``in_set_count``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import InSetValidator
    >>> v = InSetValidator(in_set_count=2).fit(pd.DataFrame({"sex": ["F", "M", "F"]}))
    >>> v.is_valid(pd.DataFrame({"sex": ["M", "X"]})).tolist()
    [True, False]
    """

    _rule = "in_set"
    _parameter_constraints: dict = {"in_set_count": [Interval(Integral, 1, None, closed="left")]}
    _fitted_attributes = ("kinds_", "values_")

    def __init__(self, in_set_count: int = 10) -> None:
        self.in_set_count = in_set_count

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.kinds_, self.values_ = [], [], []
        for column in X.columns:
            s = X[column]
            kind = column_kind(s)
            if kind == "empty":
                continue
            values = canonical(s, kind)
            if kind == "string":
                allowed = sorted(pd.unique(values[~missing_mask(s)]).tolist())
            else:
                allowed = np.unique(values[~np.isnan(values)]).tolist()
            if len(allowed) <= self.in_set_count:
                self.columns_.append(column)
                self.kinds_.append(kind)
                self.values_.append(allowed)

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        values = canonical(s, self.kinds_[j])
        if self.kinds_[j] == "string":
            inside = values.isin(self.values_[j]).to_numpy(dtype=bool)
        else:
            inside = np.isin(values, np.asarray(self.values_[j], dtype=float))
        return ~inside & ~missing_mask(s)


class PatternValidator(BaseValidator):
    """Keep only values whose pattern was seen in training.

    Each string value is masked into a pattern (ASCII letters to ``a``, digits
    to ``d``, other characters kept: ``867-5309`` gives ``ddd-dddd``). When a
    string column has at most ``pattern_count`` distinct patterns, a candidate
    value's pattern must be one of them; columns with more are not enforced.
    Numeric columns (also numbers held as strings) are left to the numeric
    validators, since the text of a typed number (``0.30000000000000004``)
    does not say how it was written.

    Parameters
    ----------
    pattern_count : int, default=10
        Largest number of distinct patterns for which they are enforced. Must
        be at least 1.

    Attributes
    ----------
    columns_ : list
        The enforced columns, in training order.
    patterns_ : list of list of str
        Sorted learned patterns of each column of ``columns_``.
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    pattern_mask : The masking applied to each value.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Configurable
       validators" (``pattern_count``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import PatternValidator
    >>> v = PatternValidator().fit(pd.DataFrame({"phone": ["867-5309", "555-1234"]}))
    >>> v.is_valid(pd.DataFrame({"phone": ["123-4567", "1234567", "12-34567"]})).tolist()
    [True, False, False]
    """

    _rule = "pattern"
    _parameter_constraints: dict = {"pattern_count": [Interval(Integral, 1, None, closed="left")]}
    _fitted_attributes = ("patterns_",)

    def __init__(self, pattern_count: int = 10) -> None:
        self.pattern_count = pattern_count

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.patterns_ = [], []
        for column in X.columns:
            s = X[column]
            if column_kind(s) != "string":
                continue
            uniques = pd.Series(pd.unique(as_text(s)[~missing_mask(s)]), dtype=object)
            patterns = sorted(pd.unique(pattern_mask(uniques)).tolist())
            if len(patterns) <= self.pattern_count:
                self.columns_.append(column)
                self.patterns_.append(patterns)

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        patterns = self.patterns_[j]
        unseen = per_unique(as_text(s), lambda u: ~pattern_mask(u).isin(patterns).to_numpy(),
                            fill=False)
        return unseen & ~missing_mask(s)


class NumericIQRValidator(BaseValidator):
    """Keep only numbers inside Tukey's fences of the training values.

    For every numeric column the quartiles ``Q1``, ``Q3`` and the interquartile
    range ``IQR = Q3 - Q1`` of the finite training values are computed; a candidate
    number passes when it lies in ``[Q1 - k * IQR, Q3 + k * IQR]`` with
    ``k = iqr_factor``. Unlike :class:`NumericRangeValidator` these bounds
    ignore training outliers, which can skew the minimum and maximum and which
    membership-inference attacks exploit; by design some training values fall
    outside them.

    When ``IQR`` is 0 (half the values or more are one number - e.g. 92 % of
    ``capital_gain`` in the Adult data is 0), the fences would collapse onto that
    single number and reject every other value, although a zero IQR says nothing
    about the spread of the rest. The bounds then fall back to the training
    minimum and maximum, as :class:`NumericRangeValidator` learns them.

    Candidates that are not numbers pass this rule.

    Parameters
    ----------
    iqr_factor : float, default=1.5
        Multiple ``k`` of the IQR added beyond the quartiles; 1.5 gives Tukey's
        inner fences, 3.0 his outer fences. Must be non-negative.

    Attributes
    ----------
    columns_ : list
        The numeric columns, in training order.
    lower_ : list of float
        Lower bound of each column of ``columns_``.
    upper_ : list of float
        Upper bound of each column of ``columns_``.
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    NumericRangeValidator : Bounds at the training minimum and maximum.

    References
    ----------
    .. [1] J. W. Tukey, "Exploratory Data Analysis", Addison-Wesley, 1977
       (fences at ``Q1 - 1.5 IQR`` and ``Q3 + 1.5 IQR``).
    .. [2] Gretel.ai, "Gretel LSTM" model documentation, section "Configurable
       validators" (``use_numeric_iqr``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import NumericIQRValidator
    >>> v = NumericIQRValidator().fit(pd.DataFrame({"x": [1, 2, 3, 4, 5, 100]}))
    >>> v.lower_, v.upper_
    ([-1.5], [8.5])
    >>> v.is_valid(pd.DataFrame({"x": [5, 50]})).tolist()
    [True, False]
    """

    _rule = "numeric_iqr"
    _parameter_constraints: dict = {"iqr_factor": [Interval(Real, 0, None, closed="left")]}
    _fitted_attributes = ("lower_", "upper_")

    def __init__(self, iqr_factor: float = 1.5) -> None:
        self.iqr_factor = iqr_factor

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.lower_, self.upper_ = [], [], []
        k = float(self.iqr_factor)
        for column in X.columns:
            s = X[column]
            if column_kind(s) != "numeric":
                continue
            values = numbers(s)
            values = values[np.isfinite(values)]
            if not values.size:
                continue
            q1, q3 = np.quantile(values, [0.25, 0.75])
            iqr = q3 - q1
            if iqr > 0:
                lower, upper = q1 - k * iqr, q3 + k * iqr
            else:
                lower, upper = values.min(), values.max()
            self.columns_.append(column)
            self.lower_.append(float(lower))
            self.upper_.append(float(upper))

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        values = numbers(s)
        with np.errstate(invalid="ignore"):
            return (values < self.lower_[j]) | (values > self.upper_[j])


def _balanced(values: pd.Series, pairs: list[str]) -> np.ndarray:
    """Whether each string has its ``pairs`` characters balanced and properly nested.

    The characters that are not part of a pair are dropped, then adjacent
    open/close pairs (``()``, ``""``) are removed until none is left; a value is
    balanced when nothing remains. Each pass is vectorised over the values and
    removes one nesting level.
    """
    text = values.astype(object)
    specials = sorted(set("".join(pairs)))
    strip = "[^" + "".join(re.escape(c) for c in specials) + "]"
    adjacent = "|".join(re.escape(p) for p in pairs)
    rest = np.array(text.str.replace(strip, "", regex=True).to_numpy(dtype=object))
    todo = np.flatnonzero(pd.Series(rest).str.len().to_numpy() > 0)
    while todo.size:
        before = rest[todo]
        after = pd.Series(before, dtype=object).str.replace(adjacent, "", regex=True).to_numpy()
        rest[todo] = after
        shrunk = pd.Series(after).str.len().to_numpy() < pd.Series(before).str.len().to_numpy()
        todo = todo[shrunk & (pd.Series(after).str.len().to_numpy() > 0)]
    return pd.Series(rest).str.len().to_numpy() == 0


class OpenCloseCharsValidator(BaseValidator):
    """Keep only values whose open/close characters are balanced and nested.

    For every string column and every open/close pair, the pair is enforced
    when the column's training values use it (at least one value holds one of
    its characters) and every training value has it balanced. A candidate value
    must then have the enforced pairs balanced: each opening character closed by
    its partner, and pairs properly nested (``Foo [Bar(baz), Fiz(bunch)]`` passes,
    ``Foo [Bar(baz])`` does not). When the training values already nest the
    enforced pairs properly together, candidates are checked for the joint
    nesting; otherwise each pair is checked on its own. A pair whose two
    characters are the same (``""``) must occur an even number of times at each
    nesting level.

    Parameters
    ----------
    open_close_chars : "default" or list of str, default="default"
        The pairs to look for. ``"default"`` stands for ``'""'``, ``"()"``,
        ``"[]"`` and ``"{}"``. A list gives custom pairs, each a string of
        exactly two characters, opening then closing (``["()", "$$"]``); a
        character may belong to one pair only.

    Attributes
    ----------
    columns_ : list
        The enforced columns, in training order.
    pairs_ : list of list of str
        Enforced pairs of each column of ``columns_``.
    nested_ : list of bool
        For each column, whether its pairs are checked jointly (``True``) or
        each on its own.
    n_features_in_ : int
        Number of columns of the training frame.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Configurable
       validators" (``open_close_chars``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import OpenCloseCharsValidator
    >>> v = OpenCloseCharsValidator().fit(pd.DataFrame({"age": ["143 (Months)", "12 (Years)"]}))
    >>> v.is_valid(pd.DataFrame({"age": ["3 (Days)", "3 (Days", "3 )Days("]})).tolist()
    [True, False, False]
    """

    _rule = "open_close_chars"
    _parameter_constraints: dict = {"open_close_chars": [StrOptions({"default"}), list, tuple]}
    _fitted_attributes = ("pairs_", "nested_")

    def __init__(self, open_close_chars: str | list[str] = "default") -> None:
        self.open_close_chars = open_close_chars

    def _validated_pairs(self) -> list[str]:
        if isinstance(self.open_close_chars, str):
            return list(DEFAULT_OPEN_CLOSE_CHARS)
        pairs: list[str] = []
        owner: dict[str, str] = {}
        for pair in self.open_close_chars:
            if not isinstance(pair, str) or len(pair) != 2:
                raise ValueError(
                    "open_close_chars must hold strings of exactly 2 characters (an opening "
                    f"and a closing character, such as '()'); got {pair!r}.")
            if pair in pairs:
                continue
            for char in set(pair):
                if char in owner:
                    raise ValueError(
                        f"open_close_chars uses the character {char!r} in both {owner[char]!r} "
                        f"and {pair!r}; each character may belong to one pair only.")
                owner[char] = pair
            pairs.append(pair)
        if not pairs:
            raise ValueError("open_close_chars is empty; give at least one 2-character string "
                             "such as '()', or 'default'.")
        return pairs

    def _learn(self, X: pd.DataFrame) -> None:
        pairs = self._validated_pairs()
        self.columns_, self.pairs_, self.nested_ = [], [], []
        for column in X.columns:
            s = X[column]
            if column_kind(s) != "string":
                continue
            uniques = pd.Series(pd.unique(as_text(s)[~missing_mask(s)]), dtype=object)
            enforced = [
                pair for pair in pairs
                if (uniques.str.contains(pair[0], regex=False).any()
                    or uniques.str.contains(pair[1], regex=False).any())
                and _balanced(uniques, [pair]).all()
            ]
            if enforced:
                self.columns_.append(column)
                self.pairs_.append(enforced)
                self.nested_.append(bool(_balanced(uniques, enforced).all()))

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        pairs, nested = self.pairs_[j], self.nested_[j]

        def unbalanced(u: pd.Series) -> np.ndarray:
            if nested:
                return ~_balanced(u, pairs)
            return np.logical_or.reduce([~_balanced(u, [pair]) for pair in pairs])

        return per_unique(as_text(s), unbalanced, fill=False) & ~missing_mask(s)


class EmptyValueValidator(BaseValidator):
    """Forbid empty values, or allow them (the default).

    With ``allow_empty_values=False`` a candidate cell that is missing
    (``None``, ``NaN``, ``NaT``, ``pd.NA``) or the empty string is rejected in
    every column, except in a column that was empty in every training row: the
    model can produce nothing else there, so it stays allowed. With the default
    ``True`` nothing is enforced.

    Parameters
    ----------
    allow_empty_values : bool, default=True
        Whether empty values are allowed.

    Attributes
    ----------
    columns_ : list
        The columns where empty values are rejected, in training order (empty
        when ``allow_empty_values=True``).
    always_empty_ : list
        Training columns that were entirely empty, hence exempt.
    n_features_in_ : int
        Number of columns of the training frame.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Configurable
       validators" (``allow_empty_values``).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import EmptyValueValidator
    >>> v = EmptyValueValidator(allow_empty_values=False).fit(pd.DataFrame({"a": ["x", None]}))
    >>> v.is_valid(pd.DataFrame({"a": ["y", "", None]})).tolist()
    [True, False, False]
    """

    _rule = "empty_value"
    _parameter_constraints: dict = {"allow_empty_values": ["boolean"]}
    _fitted_attributes = ("always_empty_",)

    def __init__(self, allow_empty_values: bool = True) -> None:
        self.allow_empty_values = allow_empty_values

    def _learn(self, X: pd.DataFrame) -> None:
        self.columns_, self.always_empty_ = [], []
        for column in X.columns:
            if missing_mask(X[column]).all():
                self.always_empty_.append(column)
            elif not self.allow_empty_values:
                self.columns_.append(column)

    def _check_column(self, j: int, s: pd.Series) -> np.ndarray:
        return missing_mask(s)
