"""Pre-flight checks on a training table, run before a model is trained.

Each check looks for one kind of problem that makes a table hard to learn or to
reproduce, and returns a list of :class:`DataCheckWarning` (empty when the table
is fine). The problems are the ones the seed documentation lists for its
"data checks" step [1]_:

========================  =====================================================
``complex_entities``      UUIDs and hex hashes (MD5, SHA-1, SHA-256, SHA-512)
``free_text``             long, mostly unique, multi-word strings (user agents,
                          log lines) beside other columns
``missing``               columns with more than half of their values missing
``float_precision``       floats with more than 4 decimals (``2.34473832``), for
                          models that write numbers digit by digit (the LSTM)
``one_hot``               several 0/1 columns that look like a one-hot encoding
``large_data``            more than 1,000,000 rows or 100 columns, or a
                          categorical with more than 1,000 levels
``whitespace``            strings with leading or trailing whitespace
``constant``              a column holding a single value
========================  =====================================================

Every check is a public function ``check_*(X, **thresholds)`` listed in
:data:`CHECKS`; :func:`run_data_checks` runs them all, and :func:`check_data`
applies a strategy (``"log"``, ``"skip"`` or ``"interrupt"``) to the result.
No check modifies its input.

Checks that match strings against patterns (``complex_entities``,
``free_text``, ``whitespace``) look only at the first ``max_values`` (10,000 by
default) non-missing values of each column, so the whole run stays fast on
large tables; pass ``max_values=None`` to a check to scan every value.

References
----------
.. [1] Gretel.ai documentation, "Gretel LSTM: Data checks" (pre-flight checks on
   the training data, with the ``log`` / ``skip`` / ``interrupt`` strategies).
"""

from __future__ import annotations

import logging
import numbers
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from skgen.exceptions import DataCheckError
from skgen.schema import check_frame

__all__ = [
    "CHECKS",
    "STRATEGIES",
    "DataCheckWarning",
    "check_complex_entities",
    "check_constant",
    "check_data",
    "check_float_precision",
    "check_free_text",
    "check_large_data",
    "check_missing",
    "check_one_hot",
    "check_whitespace",
    "run_data_checks",
]

_LOGGER = logging.getLogger("skgen.data_checks")

#: The strategies :func:`check_data` accepts.
STRATEGIES = ("log", "skip", "interrupt")

#: Number of leading non-missing values the string checks look at by default.
_DEFAULT_MAX_VALUES = 10_000

#: One pattern for every complex entity; the kind is told apart by length afterwards.
_ENTITY_PATTERN = (
    r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?"
    r"|[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128}"
)
_ENTITY_KINDS = {
    36: "UUIDs",
    38: "UUIDs",
    32: "MD5 hashes (or hyphen-less UUIDs)",
    40: "SHA-1 hashes",
    64: "SHA-256 hashes",
    128: "SHA-512 hashes",
}


@dataclass(frozen=True)
class DataCheckWarning:
    """One problem a data check found.

    A frozen dataclass: each parameter is kept as the attribute of the same name.

    Parameters
    ----------
    check : str
        Name of the check that found it, a key of :data:`CHECKS`.
    column : object or None
        The column at fault, or None for a problem of the whole table (too many
        rows or columns).
    message : str
        What was found, where, how often (a count and an example) and a
        suggested fix.
    """

    check: str
    column: object | None
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


# --------------------------------------------------------------------------- helpers

#: How to silence the checks, said in every message.
_SILENCE = (' To silence the data checks, pass data_checks="skip" to the synthesizer '
            "(CLI: --param data_checks=skip).")


def _warning(check: str, column: Any, message: str) -> DataCheckWarning:
    """A warning whose message ends by saying how to silence the checks."""
    return DataCheckWarning(check, column, message + _SILENCE)



def _check_frame(X: Any) -> None:
    check_frame(X, name="frame given to the data checks", allow_empty_columns=True,
                allow_empty_rows=True)


def _check_fraction(name: str, value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0.0 <= float(value) <= 1.0
    ):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}.")


def _check_count(name: str, value: Any, *, allow_none: bool = False) -> None:
    if allow_none and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        extra = " or None" if allow_none else ""
        raise ValueError(f"{name} must be a positive integer{extra}, got {value!r}.")


def _columns(X: pd.DataFrame):
    """Yield ``(name, series)`` by position, so duplicated names do not break a check."""
    for position, name in enumerate(X.columns):
        yield name, X.iloc[:, position]


def _is_text_like(series: pd.Series) -> bool:
    dtype = series.dtype
    return (
        ptypes.is_object_dtype(dtype)
        or ptypes.is_string_dtype(dtype)
        or isinstance(dtype, pd.CategoricalDtype)
    )


def _string_sample(series: pd.Series, max_values: int | None) -> pd.Series:
    """The first ``max_values`` non-missing string values of a column, as strings."""
    values = series.dropna()
    if max_values is not None:
        values = values.iloc[:max_values]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    if ptypes.is_object_dtype(values.dtype):
        is_str = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
        values = values[is_str]
    return values.astype("str")


def _sample_note(n_checked: int, n_values: int) -> str:
    if n_checked < n_values:
        return f" (checked the first {n_checked:,} of {n_values:,} non-missing values)"
    return ""


def _short(value: Any, limit: int = 50) -> str:
    """A short printable form of one cell value, for messages."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + "..."
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------------------- checks


def check_complex_entities(
    X: pd.DataFrame, *, min_fraction: float = 0.5, max_values: int | None = _DEFAULT_MAX_VALUES
) -> list[DataCheckWarning]:
    """Find columns of UUIDs or hex hashes (MD5, SHA-1, SHA-256, SHA-512).

    Such values are random by construction: a model cannot learn them and only
    spends capacity trying. A string column is flagged when at least
    ``min_fraction`` of its checked non-missing values, stripped of surrounding
    whitespace, are a UUID (``8-4-4-4-12`` hex digits, optionally in braces) or
    a run of exactly 32, 40, 64 or 128 hex digits.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.
    min_fraction : float, default=0.5
        Smallest fraction of matching values that flags a column.
    max_values : int or None, default=10000
        Number of leading non-missing values checked per column; None checks
        all of them.

    Returns
    -------
    warnings : list of DataCheckWarning
        One per flagged column, naming the kind of value found.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If a threshold is out of range.
    """
    _check_frame(X)
    _check_fraction("min_fraction", min_fraction)
    _check_count("max_values", max_values, allow_none=True)
    found = []
    for name, series in _columns(X):
        if not _is_text_like(series):
            continue
        sample = _string_sample(series, max_values).str.strip()
        if sample.empty:
            continue
        matches = sample[sample.str.fullmatch(_ENTITY_PATTERN)]
        if len(matches) == 0 or len(matches) < min_fraction * len(sample):
            continue
        kind = _ENTITY_KINDS[int(matches.str.len().mode().iloc[0])]
        note = _sample_note(len(sample), int(series.notna().sum()))
        found.append(
            _warning(
                "complex_entities",
                name,
                f"Column {name!r}: {len(matches):,} of {len(sample):,} values look like "
                f"{kind}{note}, e.g. {_short(matches.iloc[0])}. Such values are random and "
                "cannot be learned; drop the column, or fill it with freshly generated IDs "
                "after sampling.",
            )
        )
    return found


def check_free_text(
    X: pd.DataFrame,
    *,
    min_median_length: int = 40,
    min_median_words: int = 5,
    min_unique_fraction: float = 0.5,
    max_values: int | None = _DEFAULT_MAX_VALUES,
) -> list[DataCheckWarning]:
    """Find free-text columns (user agents, log lines, comments) inside a table.

    Text beside other fields makes a row long and irregular and is a common
    cause of failed or invalid generation. A string column is flagged when the
    table has at least one other column and, over its checked non-missing
    values, the median length is at least ``min_median_length`` characters, the
    median number of whitespace-separated words is at least
    ``min_median_words``, and at least ``min_unique_fraction`` of the values are
    distinct. A table holding only a text column is not flagged: it is a job for
    a text model.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.
    min_median_length : int, default=40
        Smallest median length, in characters, of a text column.
    min_median_words : int, default=5
        Smallest median number of words of a text column.
    min_unique_fraction : float, default=0.5
        Smallest fraction of distinct values among the checked ones.
    max_values : int or None, default=10000
        Number of leading non-missing values checked per column; None checks
        all of them.

    Returns
    -------
    warnings : list of DataCheckWarning
        One per flagged column.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If a threshold is out of range.
    """
    _check_frame(X)
    _check_count("min_median_length", min_median_length)
    _check_count("min_median_words", min_median_words)
    _check_fraction("min_unique_fraction", min_unique_fraction)
    _check_count("max_values", max_values, allow_none=True)
    if X.shape[1] < 2:
        return []
    found = []
    for name, series in _columns(X):
        if not _is_text_like(series):
            continue
        sample = _string_sample(series, max_values)
        if sample.empty:
            continue
        stripped = sample.str.strip()
        median_length = float(stripped.str.len().median())
        median_words = float(stripped.str.count(r"\S+").median())
        unique_fraction = sample.nunique() / len(sample)
        if (
            median_length < min_median_length
            or median_words < min_median_words
            or unique_fraction < min_unique_fraction
        ):
            continue
        note = _sample_note(len(sample), int(series.notna().sum()))
        found.append(
            _warning(
                "free_text",
                name,
                f"Column {name!r} holds free text{note}: median {median_length:.0f} characters "
                f"and {median_words:.0f} words, {unique_fraction:.0%} distinct values, e.g. "
                f"{_short(sample.iloc[0])}. Text mixed into a table is hard to learn; drop or "
                "parse the column into structured fields, or model it with a text synthesizer "
                "(GPTTextSynthesizer).",
            )
        )
    return found


def check_missing(X: pd.DataFrame, *, max_missing_fraction: float = 0.5) -> list[DataCheckWarning]:
    """Find columns where most values are missing.

    A column flagged here carries little to learn, and a model that writes rows
    as text must learn long runs of empty fields. A column is flagged when more
    than ``max_missing_fraction`` of its values are missing (``NaN``, ``None``,
    ``NaT`` or ``pd.NA``; empty strings are not counted as missing).

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.
    max_missing_fraction : float, default=0.5
        Largest fraction of missing values that does not flag a column.

    Returns
    -------
    warnings : list of DataCheckWarning
        One per flagged column.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If the threshold is out of range.
    """
    _check_frame(X)
    _check_fraction("max_missing_fraction", max_missing_fraction)
    n_rows = len(X)
    if n_rows == 0:
        return []
    counts = X.isna().sum(axis=0).to_numpy()
    found = []
    for position, name in enumerate(X.columns):
        n_missing = int(counts[position])
        if n_missing / n_rows <= max_missing_fraction:
            continue
        found.append(
            _warning(
                "missing",
                name,
                f"Column {name!r}: {n_missing:,} of {n_rows:,} values ({n_missing / n_rows:.1%}) "
                f"are missing, more than {max_missing_fraction:.0%}. Drop the column, or fill "
                "the missing values before training.",
            )
        )
    return found


def check_float_precision(
    X: pd.DataFrame, *, max_decimals: int = 4, min_fraction: float = 0.1
) -> list[DataCheckWarning]:
    """Find float columns whose values carry many decimals (e.g. ``2.34473832``).

    Long digit strings are hard to learn and rarely meaningful. A value counts
    as long when it is not a multiple of ``10 ** -max_decimals`` (up to the
    rounding error of its float type); a float column is flagged when at least
    ``min_fraction`` of its finite values are long. Every value is checked
    (the test is vectorised).

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.
    max_decimals : int, default=4
        Number of decimals that is still fine.
    min_fraction : float, default=0.1
        Smallest fraction of long values that flags a column.

    Returns
    -------
    warnings : list of DataCheckWarning
        One per flagged column.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If a threshold is out of range.
    """
    _check_frame(X)
    _check_count("max_decimals", max_decimals)
    _check_fraction("min_fraction", min_fraction)
    found = []
    for name, series in _columns(X):
        if not ptypes.is_float_dtype(series.dtype):
            continue
        numpy_dtype = np.dtype(getattr(series.dtype, "numpy_dtype", series.dtype))
        work_dtype = np.float32 if numpy_dtype.itemsize <= 4 else np.float64
        values = series.dropna().to_numpy(dtype=work_dtype)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        scaled = values * work_dtype(10.0**max_decimals)
        rounded = np.rint(scaled)
        rtol = 16 * np.finfo(work_dtype).eps
        is_long = np.abs(scaled - rounded) > np.maximum(rtol * np.abs(scaled), 1e-6)
        n_long = int(is_long.sum())
        if n_long == 0 or n_long < min_fraction * values.size:
            continue
        example = np.format_float_positional(values[is_long][0], unique=True, trim="-")
        found.append(
            _warning(
                "float_precision",
                name,
                f"Column {name!r}: {n_long:,} of {values.size:,} values have more than "
                f"{max_decimals} decimals, e.g. {example}. Long digit strings are hard to "
                f"learn; round them, e.g. X[{name!r}] = X[{name!r}].round({max_decimals}).",
            )
        )
    return found


def _binary_columns(X: pd.DataFrame) -> list[tuple[int, Any, float]]:
    """``(position, name, fraction of ones)`` of columns holding exactly the values 0 and 1."""
    binary = []
    for position, (name, series) in enumerate(_columns(X)):
        dtype = series.dtype
        if not (ptypes.is_bool_dtype(dtype) or ptypes.is_numeric_dtype(dtype)):
            continue
        values = series.dropna()
        if values.empty:
            continue
        if ptypes.is_bool_dtype(dtype):
            ones = values.to_numpy(dtype=bool)
        else:
            numbers_ = values.to_numpy(dtype=np.float64)
            if not np.isin(numbers_, (0.0, 1.0)).all():
                continue
            ones = numbers_ == 1.0
        if ones.all() or not ones.any():  # a single value: the constant check's business
            continue
        binary.append((position, name, float(ones.mean())))
    return binary


def check_one_hot(
    X: pd.DataFrame, *, min_columns: int = 3, max_ones_fraction: float = 0.5
) -> list[DataCheckWarning]:
    """Find sparse 0/1 columns that look like a one-hot encoding.

    One-hot columns spread one categorical over many mostly-zero fields, which
    a model must then keep consistent (exactly one 1 per row). A column is
    binary when its non-missing values are booleans, or numbers that are all 0
    or 1, with both values present. Binary columns are flagged when either

    * at least ``min_columns`` of them are sparse (at most
      ``max_ones_fraction`` of their values are 1); the sparse ones are flagged;
    * at least two of them, without missing values, add up to the same
      positive number on every row (one or more complete one-hot groups); all
      of them are flagged.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.
    min_columns : int, default=3
        Smallest number of sparse binary columns that is flagged.
    max_ones_fraction : float, default=0.5
        Largest fraction of ones for a binary column to count as sparse.

    Returns
    -------
    warnings : list of DataCheckWarning
        One per flagged column, each listing the whole group.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If a threshold is out of range.
    """
    _check_frame(X)
    _check_count("min_columns", min_columns)
    _check_fraction("max_ones_fraction", max_ones_fraction)
    binary = _binary_columns(X)
    flagged: dict[int, tuple[Any, float]] = {}
    sparse = [item for item in binary if item[2] <= max_ones_fraction]
    if len(sparse) >= min_columns:
        flagged.update({position: (name, ones) for position, name, ones in sparse})
    if len(binary) >= 2 and len(X) >= 2:
        block = X.iloc[:, [position for position, _, _ in binary]]
        if not block.isna().to_numpy().any():
            row_sums = block.to_numpy(dtype=np.float64).sum(axis=1)
            if row_sums[0] >= 1 and (row_sums == row_sums[0]).all():
                flagged.update({position: (name, ones) for position, name, ones in binary})
    if not flagged:
        return []
    positions = sorted(flagged)
    groups = _one_hot_groups(X.iloc[:, positions].to_numpy(dtype=np.float64))
    group_of = {positions[j]: [positions[k] for k in g] for g in groups for j in g}
    flags = [p for p in positions if p not in group_of]
    set_per_row = np.nansum(X.iloc[:, flags].to_numpy(dtype=np.float64), axis=1)
    several = float((set_per_row > 1).mean()) if flags else 0.0
    found = []
    for position in positions:
        name, ones = flagged[position]
        if position in group_of:
            members = group_of[position]
            message = (
                f"Column {name!r} is one of {len(members)} 0/1 columns "
                f"({_listed(X, members)}) exactly one of which is 1 on every row: a one-hot "
                f"encoding; {ones:.1%} of its values are 1. Sparse binary columns are hard to "
                "learn consistently; turn the group back into one categorical column, e.g. "
                "with pandas.from_dummies.")
        else:
            message = (
                f"Column {name!r} is one of {len(flags)} sparse 0/1 columns "
                f"({_listed(X, flags)}); {ones:.1%} of its values are 1, and {several:.1%} of "
                "the rows set more than one of these columns, so they are multi-label flags "
                "(genres, tags) rather than a one-hot encoding and stay separate columns. "
                "Many rare flags are hard to learn together: drop those you do not need, and "
                "check that their co-occurrence survives (skgen.metrics.quality_report, "
                "column pair trends).")
        found.append(_warning("one_hot", name, message))
    return found


def _listed(X: pd.DataFrame, positions: list[int], limit: int = 10) -> str:
    names = [X.columns[p] for p in positions]
    listed = ", ".join(repr(name) for name in names[:limit])
    return listed + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _one_hot_groups(block: np.ndarray) -> list[list[int]]:
    """Groups of at least two columns of a 0/1 ``block`` exactly one of which is 1 on every row.

    Columns never 1 on the same row are grouped greedily in column order (the
    columns of ``pandas.get_dummies`` are adjacent); a group is kept when its
    row sums are 1 on every row where none of its cells is missing.
    """
    ones = np.nan_to_num(block, nan=0.0)
    together = ones.T @ ones
    groups: list[list[int]] = []
    for j in range(block.shape[1]):
        for group in groups:
            if not together[j, group].any():
                group.append(j)
                break
        else:
            groups.append([j])
    kept = []
    for group in groups:
        part = block[:, group]
        complete = ~np.isnan(part).any(axis=1)
        if len(group) >= 2 and complete.any() and (part[complete].sum(axis=1) == 1).all():
            kept.append(group)
    return kept


def check_large_data(
    X: pd.DataFrame,
    *,
    max_rows: int = 1_000_000,
    max_columns: int = 100,
    max_levels: int = 1_000,
) -> list[DataCheckWarning]:
    """Find tables that are very large or complex.

    Flags a table with more than ``max_rows`` rows or more than
    ``max_columns`` columns (warnings with ``column=None``), and each string or
    categorical column with more than ``max_levels`` distinct values.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.
    max_rows : int, default=1000000
        Largest number of rows that is not flagged.
    max_columns : int, default=100
        Largest number of columns that is not flagged.
    max_levels : int, default=1000
        Largest number of distinct values of a string or categorical column
        that is not flagged.

    Returns
    -------
    warnings : list of DataCheckWarning
        One for too many rows, one for too many columns, one per column with
        too many levels.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If a threshold is out of range.
    """
    _check_frame(X)
    _check_count("max_rows", max_rows)
    _check_count("max_columns", max_columns)
    _check_count("max_levels", max_levels)
    n_rows, n_columns = X.shape
    found = []
    if n_rows > max_rows:
        found.append(
            _warning(
                "large_data",
                None,
                f"The table has {n_rows:,} rows, more than {max_rows:,}. Training will be slow "
                "and memory-hungry; train on a random sample of the rows.",
            )
        )
    if n_columns > max_columns:
        found.append(
            _warning(
                "large_data",
                None,
                f"The table has {n_columns:,} columns, more than {max_columns:,}. Wide rows are "
                "hard to learn; drop unneeded columns, or split them into groups modelled "
                "separately.",
            )
        )
    for name, series in _columns(X):
        if not _is_text_like(series):
            continue
        try:
            n_levels = int(series.nunique(dropna=True))
        except TypeError:  # unhashable values: not a categorical column
            continue
        if n_levels <= max_levels:
            continue
        found.append(
            _warning(
                "large_data",
                name,
                f"Column {name!r} has {n_levels:,} distinct values, more than {max_levels:,}. A "
                "categorical with this many levels is hard to learn; group the rare levels "
                "(e.g. into 'Other'), or drop the column if it is an identifier.",
            )
        )
    return found


def check_whitespace(
    X: pd.DataFrame, *, max_values: int | None = _DEFAULT_MAX_VALUES
) -> list[DataCheckWarning]:
    """Find string values with leading or trailing whitespace.

    Surrounding whitespace is invisible but makes ``"a"`` and ``" a"`` two
    different values. A string column is flagged when any of its checked
    non-missing values differs from itself stripped of whitespace (this includes
    values made only of whitespace).

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.
    max_values : int or None, default=10000
        Number of leading non-missing values checked per column; None checks
        all of them.

    Returns
    -------
    warnings : list of DataCheckWarning
        One per flagged column.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If ``max_values`` is out of range.
    """
    _check_frame(X)
    _check_count("max_values", max_values, allow_none=True)
    found = []
    for name, series in _columns(X):
        if not _is_text_like(series):
            continue
        sample = _string_sample(series, max_values)
        if sample.empty:
            continue
        padded = sample[sample.str.strip() != sample]
        if padded.empty:
            continue
        note = _sample_note(len(sample), int(series.notna().sum()))
        found.append(
            _warning(
                "whitespace",
                name,
                f"Column {name!r}: {len(padded):,} of {len(sample):,} values have leading or "
                f"trailing whitespace{note}, e.g. {_short(padded.iloc[0])}. Trim them, e.g. "
                f"X[{name!r}] = X[{name!r}].str.strip().",
            )
        )
    return found


def check_constant(X: pd.DataFrame) -> list[DataCheckWarning]:
    """Find columns that hold a single value.

    Such a column carries nothing to learn; a synthesizer reproduces it as a
    constant. A column is flagged when the table has at least two rows and all
    its cells hold the same value (a column that is entirely missing counts as
    constant; one value plus some missing cells does not).

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table.

    Returns
    -------
    warnings : list of DataCheckWarning
        One per flagged column.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    """
    _check_frame(X)
    n_rows = len(X)
    if n_rows < 2:
        return []
    found = []
    for name, series in _columns(X):
        try:
            n_distinct = int(series.nunique(dropna=False))
        except TypeError:  # unhashable values
            continue
        if n_distinct != 1:
            continue
        found.append(
            _warning(
                "constant",
                name,
                f"Column {name!r} holds the single value {_short(series.iloc[0])} in all "
                f"{n_rows:,} rows. It carries nothing to learn and will be reproduced as a "
                "constant; drop it before training and add it back afterwards if needed.",
            )
        )
    return found


#: Checks that judge a string column as a categorical: natural-language text
#: columns (``text_columns`` of :func:`run_data_checks`) are what they flag.
_CATEGORICAL_CHECKS = frozenset({"free_text", "large_data"})

#: Every data check, by name, in the order :func:`run_data_checks` runs them.
CHECKS: dict[str, Callable[[pd.DataFrame], list[DataCheckWarning]]] = {
    "complex_entities": check_complex_entities,
    "free_text": check_free_text,
    "missing": check_missing,
    "float_precision": check_float_precision,
    "one_hot": check_one_hot,
    "large_data": check_large_data,
    "whitespace": check_whitespace,
    "constant": check_constant,
}


def run_data_checks(X: pd.DataFrame, *, exclude: Iterable[str] = (),
                    text_columns: Iterable[Hashable] = ()) -> list[DataCheckWarning]:
    """Run every check of :data:`CHECKS` with its default thresholds.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table. It is not modified.
    exclude : iterable of str, default=()
        Names of checks (keys of :data:`CHECKS`) not to run, e.g. those that
        do not concern the model about to be trained.
    text_columns : iterable of column labels, default=()
        Columns of natural-language text that the model is made to write
        (the text column of :class:`~skgen.GPTTextSynthesizer`): many distinct,
        long, multi-word values are what they hold, so ``free_text`` and the
        level count of ``large_data`` do not flag them.

    Returns
    -------
    warnings : list of DataCheckWarning
        The warnings of all checks, in the order of :data:`CHECKS`; empty when
        nothing was found.

    Raises
    ------
    TypeError
        If ``X`` is not a DataFrame.
    ValueError
        If ``exclude`` names an unknown check.
    """
    _check_frame(X)
    exclude = set(exclude)
    unknown = sorted(map(str, exclude - set(CHECKS)))
    if unknown:
        raise ValueError(f"unknown data check(s) {unknown}; known: {list(CHECKS)}")
    text_columns = set(text_columns)
    found: list[DataCheckWarning] = []
    for name, check in CHECKS.items():
        if name not in exclude:
            found.extend(w for w in check(X)
                         if not (name in _CATEGORICAL_CHECKS and w.column in text_columns))
    return found


def check_data(X: pd.DataFrame, strategy: str = "log", *, exclude: Iterable[str] = (),
               text_columns: Iterable[Hashable] = ()) -> list[DataCheckWarning]:
    """Run the data checks and act on their warnings according to a strategy.

    This is what a synthesizer's ``fit`` calls with its ``data_checks``
    argument before training.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features)
        The training table. It is not modified.
    strategy : {"log", "skip", "interrupt"}, default="log"
        ``"log"`` runs every check and logs each warning with
        ``logging.getLogger("skgen.data_checks").warning``; ``"skip"`` runs
        nothing; ``"interrupt"`` runs every check, logs each warning, and raises
        :class:`~skgen.exceptions.DataCheckError` if there is any.
    exclude : iterable of str, default=()
        Checks not to run (see :func:`run_data_checks`).
    text_columns : iterable of column labels, default=()
        Columns of natural-language text the model writes, not flagged as
        free text or as categoricals with many levels (see
        :func:`run_data_checks`).

    Returns
    -------
    warnings : list of DataCheckWarning
        The warnings found; always empty for ``"skip"``.

    Raises
    ------
    ValueError
        If ``strategy`` is not one of ``"log"``, ``"skip"``, ``"interrupt"``.
    skgen.exceptions.DataCheckError
        With ``strategy="interrupt"``, if any check found a problem; its message
        lists every warning and its ``warnings`` attribute holds them.
    TypeError
        If ``X`` is not a DataFrame (not raised for ``"skip"``).
    """
    if not isinstance(strategy, str) or strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {list(STRATEGIES)}, got {strategy!r}.")
    if strategy == "skip":
        return []
    found = run_data_checks(X, exclude=exclude, text_columns=text_columns)
    for warning in found:
        _LOGGER.warning("%s", warning)
    if strategy == "interrupt" and found:
        listed = "\n".join(f"  - {warning}" for warning in found)
        raise DataCheckError(
            f"Data checks found {len(found)} problem(s) and data_checks='interrupt' stops "
            f"training:\n{listed}",
            warnings=found,
        )
    return found
