"""Column kinds for the metrics, in SDV's vocabulary ("sdtypes").

The quality metrics choose a statistic by column kind, as SDMetrics does:
``numerical`` and ``datetime`` columns are *continuous*, ``categorical`` and
``boolean`` columns are *discrete*, ``id`` and ``text`` columns are not scored.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pandas.api import types as ptypes

from skgen.exceptions import SchemaError
from skgen.schema import TableSchema, check_frame

#: Column kinds understood by :mod:`skgen.metrics`.
METRIC_KINDS = ("numerical", "categorical", "datetime", "boolean", "id", "text")
CONTINUOUS = ("numerical", "datetime")
DISCRETE = ("categorical", "boolean")

# skgen.schema kind -> SDV sdtype (integer columns are refined below)
_FROM_SCHEMA = {
    "numeric": "numerical",
    "integer": "numerical",
    "boolean": "boolean",
    "categorical": "categorical",
    "datetime": "datetime",
    "text": "text",
    "id": "id",
}
# SDV needs more than this many rows before it turns a whole-number column categorical.
_SDV_MIN_ROWS_FOR_PREDICTION = 5


def infer_metadata(data: pd.DataFrame) -> dict:
    """Infer the kind of every column the way SDV's metadata detection does.

    Parameters
    ----------
    data : pandas.DataFrame of shape (n_samples, n_features)
        The real table. Not modified.

    Returns
    -------
    metadata : dict
        Column name -> kind, one of ``"numerical"``, ``"categorical"``,
        ``"datetime"``, ``"boolean"``, ``"id"``, ``"text"``, in column order.

    Raises
    ------
    TypeError
        If ``data`` is not a DataFrame.
    SchemaError
        If ``data`` is empty, has duplicated column names, or a column mixes
        strings with numbers (pass its kind in ``metadata`` instead).

    Notes
    -----
    The value types are read by :meth:`skgen.schema.TableSchema.infer` (the
    inference every skgen model uses) and mapped to SDV's sdtypes with SDV's
    own refinements (``SingleTableMetadata.detect_from_dataframe``):

    - a column whose name holds the word ``id`` (``id``, ``customer_id``,
      ``userId``) is ``"id"``;
    - a whole-number, non-negative numeric column with at most
      ``min(round(n_rows / 10), 10)`` distinct values (and more than 5 rows) is
      ``"categorical"``; other numeric columns are ``"numerical"``;
    - ``bool`` columns are ``"boolean"`` (SDV says ``categorical``; SDMetrics
      scores both the same way);
    - string columns are ``"datetime"`` when every value is an ISO date,
      ``"id"`` when nearly every value is distinct (at least 95 % and at least
      20 values) and holds no space, ``"text"`` when nearly unique or long
      with spaces, and ``"categorical"`` otherwise;
    - a column with no observed value is ``"numerical"`` when its dtype is
      numeric, ``"categorical"`` otherwise.

    Not mirrored: SDV's promotion of the first unique whole-number column to a
    primary key (it misfires on small samples, e.g. ``fnlwgt`` in 100 Adult
    rows) and its PII detection from column names (``email``, ``phone``...).

    References
    ----------
    SDV, ``sdv.metadata.single_table.SingleTableMetadata._detect_columns`` and
    ``_determine_sdtype_for_numbers``, https://github.com/sdv-dev/SDV
    """
    check_frame(data, name="real table", allow_empty_columns=True)
    empty = [c for c in data.columns if data[c].isna().all()]
    observed = [c for c in data.columns if c not in empty]
    inferred: dict[Any, str] = {}
    if observed:
        schema = TableSchema.infer(data[observed])
        for col in schema.columns:
            kind = _FROM_SCHEMA[col.kind]
            if col.kind == "integer" and _sdv_categorical_number(col.n_unique, col.min,
                                                                 len(data)):
                kind = "categorical"
            inferred[col.name] = kind
    out = {}
    for name in data.columns:
        if _has_id_token(name):
            out[name] = "id"
        elif name in inferred:
            out[name] = inferred[name]
        else:
            out[name] = "numerical" if ptypes.is_numeric_dtype(data[name].dtype) else \
                "categorical"
    return out


def resolve_metadata(real: pd.DataFrame, metadata: dict | None,
                     others: dict[str, pd.DataFrame]) -> dict:
    """Kinds of the columns of ``real``: given ones checked, the rest inferred.

    ``others`` maps a parameter name to a frame that must hold every scored
    column of ``real``. Returns column -> kind in ``real``'s column order.
    """
    if not isinstance(real, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(real).__name__}")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be a dict column -> kind or None, got "
                        f"{type(metadata).__name__}")
    unknown = [c for c in metadata if c not in real.columns]
    if unknown:
        raise SchemaError(f"metadata names column(s) {unknown} that the real table does not "
                          "hold")
    for col, kind in metadata.items():
        if kind not in METRIC_KINDS:
            raise SchemaError(f"unknown kind {kind!r} for column {col!r}; expected one of "
                              f"{list(METRIC_KINDS)}")
    rest = [c for c in real.columns if c not in metadata]
    inferred = infer_metadata(real[rest]) if rest else {}
    kinds = {c: metadata[c] if c in metadata else inferred[c] for c in real.columns}
    scored = [c for c, k in kinds.items() if k in CONTINUOUS + DISCRETE]
    for name, frame in others.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
        if len(frame) == 0:
            raise SchemaError(f"{name} is empty")
        missing = [c for c in scored if c not in frame.columns]
        if missing:
            raise SchemaError(f"{name} lacks column(s) {missing} of the real table")
    return kinds


def _sdv_categorical_number(n_unique: int, minimum: float | None, n_rows: int) -> bool:
    """SDV's rule: few distinct whole non-negative numbers make a categorical column."""
    if n_rows <= _SDV_MIN_ROWS_FOR_PREDICTION:
        return False
    non_negative = minimum is not None and minimum >= 0
    return non_negative and n_unique <= min(round(n_rows / 10), 10)


def _has_id_token(name: Any) -> bool:
    """Whether a column name holds the word ``id`` (``id``, ``user_id``, ``userId``)."""
    if not isinstance(name, str):
        return False
    tokens = [t for t in re.split(r"[\s_\-]+", name) if t]
    if len(tokens) == 1:
        word = tokens[0]
        if word.upper() != word and word[1:].lower() != word[1:]:  # camelCase
            tokens = re.findall(r"[A-Z][^A-Z]*|^[^A-Z]+", word)
    return any(t.lower() == "id" for t in tokens)


__all__ = ["CONTINUOUS", "DISCRETE", "METRIC_KINDS", "infer_metadata", "resolve_metadata"]
