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

    Parameters
    ----------
    message : str
        What is wrong, naming the column and the value.
    column : str or None, default=None
        The column the bad condition is on; kept as the attribute ``column``.
    value : object, default=None
        The offending value; kept as the attribute ``value``.
    """

    def __init__(self, message: str, *, column: Any = None, value: Any = None) -> None:
        super().__init__(message)
        self.column = column
        self.value = value


class TooManyInvalidError(SkgenError, RuntimeError):
    """Sampling rejected more candidate rows than ``max_invalid`` allows.

    Parameters
    ----------
    message : str
        What was asked for and how many candidates were rejected.
    partial : pandas.DataFrame
        The valid rows produced before giving up, so no work is lost. For seed
        rows (``conditions`` given as a DataFrame) its index holds the positions
        of the seed rows that were filled. Kept as the attribute ``partial``.
    n_invalid : int
        Number of candidate rows rejected; kept as the attribute ``n_invalid``.
    n_requested : int
        Number of rows asked for; kept as the attribute ``n_requested``.
    """

    def __init__(self, message: str, *, partial: Any, n_invalid: int, n_requested: int) -> None:
        super().__init__(message)
        self.partial = partial
        self.n_invalid = n_invalid
        self.n_requested = n_requested


class DataCheckError(SkgenError, ValueError):
    """Pre-flight data checks found problems and ``data_checks="interrupt"``.

    Parameters
    ----------
    message : str
        How many problems were found, then each warning on its own line.
    warnings : list of skgen.data_checks.DataCheckWarning
        Every warning the checks produced; kept (as a list) as the attribute
        ``warnings``.
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
