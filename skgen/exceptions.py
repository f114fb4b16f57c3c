"""Exceptions raised by skgen.

Every error skgen raises on purpose derives from :class:`SkgenError`, so a caller
can catch them all at once; each also derives from the built-in exception a
scikit-learn user would expect (``ValueError`` for bad input, ``RuntimeError``
for a sampling run that could not finish).
"""

from __future__ import annotations

from typing import Any


class SkgenError(Exception):
    """Base class of every error raised by skgen."""


class SchemaError(SkgenError, ValueError):
    """The training data cannot be modelled as given.

    Raised by ``fit`` for an empty frame, a column with no observed value,
    duplicated column names or a column that mixes incompatible types. The
    message names the column at fault.
    """


class ConditionError(SkgenError, ValueError):
    """A condition passed to ``sample`` can never be met.

    Raised *before* any sampling for a condition on an unknown column, or for a
    value the fitted model can never produce (an unseen category, a number
    outside the learned range, a value a fitted validator rejects).

    Attributes
    ----------
    column : str or None
        The column the bad condition is on.
    value : object
        The offending value.
    """

    def __init__(self, message: str, *, column: Any = None, value: Any = None) -> None:
        super().__init__(message)
        self.column = column
        self.value = value


class TooManyInvalidError(SkgenError, RuntimeError):
    """Sampling rejected more candidate rows than ``max_invalid`` allows.

    Attributes
    ----------
    partial : pandas.DataFrame
        The valid rows produced before giving up, so no work is lost. For seed
        rows (``conditions`` given as a DataFrame) its index holds the positions
        of the seed rows that were filled.
    n_invalid : int
        Number of candidate rows rejected.
    n_requested : int
        Number of rows asked for.
    """

    def __init__(self, message: str, *, partial: Any, n_invalid: int, n_requested: int) -> None:
        super().__init__(message)
        self.partial = partial
        self.n_invalid = n_invalid
        self.n_requested = n_requested


class DataCheckError(SkgenError, ValueError):
    """Pre-flight data checks found problems and ``data_checks="interrupt"``.

    Attributes
    ----------
    warnings : list of skgen.data_checks.DataCheckWarning
        Every warning the checks produced.
    """

    def __init__(self, message: str, *, warnings: list) -> None:
        super().__init__(message)
        self.warnings = list(warnings)


class ModelFileError(SkgenError, ValueError):
    """A model file is corrupt, fails its key (HMAC) check, or is from an incompatible version."""


__all__ = [
    "ConditionError",
    "DataCheckError",
    "ModelFileError",
    "SchemaError",
    "SkgenError",
    "TooManyInvalidError",
]
