"""Composing validators: :class:`ValidatorSet` and the factories that build one."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)

from skgen._tags import TableInputMixin
from skgen.validators._automated import (
    CharacterSetValidator,
    DataTypeValidator,
    NumericRangeValidator,
    StringLengthValidator,
)
from skgen.validators._base import BaseValidator
from skgen.validators._configurable import (
    EmptyValueValidator,
    InSetValidator,
    NumericIQRValidator,
    OpenCloseCharsValidator,
    PatternValidator,
)
from skgen.validators._privacy import PrivacyFilter


def _automated() -> list[BaseValidator]:
    return [CharacterSetValidator(), StringLengthValidator(), NumericRangeValidator(),
            DataTypeValidator()]


class ValidatorSet(BaseValidator):
    """Several validators acting as one: a row passes when it passes them all.

    ``fit`` fits a clone of each validator (the ones given are left untouched),
    ``is_valid`` is the logical AND of their masks and ``explain`` lists the
    failures of all of them; ``fit_resample`` drops the failing rows (``y``
    kept aligned) and ``transform`` keeps every row, as for every validator
    (see :class:`~skgen.validators.BaseValidator`). ``is_valid`` asks each
    validator only about the rows that passed the ones before it, so put cheap
    validators first and the :class:`PrivacyFilter` last.

    Parameters
    ----------
    validators : list of BaseValidator or None, default=None
        The validators, in the order they are applied. ``None`` stands for the
        automated set of :func:`default_validators`: character set, string
        length, numeric range and data type.

    Attributes
    ----------
    validators_ : list of BaseValidator
        The fitted clones, in order.
    columns_ : list
        Columns any of them learned a constraint for, in training order.
    n_features_in_ : int
        Number of columns of the training frame.

    See Also
    --------
    make_validators : Build a set from Gretel's ``validators:`` configuration keys.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Automated
       validators" ("The validators above are composed automatically").

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import ValidatorSet
    >>> train = pd.DataFrame({"age": [20, 30, 40], "city": ["Austin", "Boston", "Austin"]})
    >>> vs = ValidatorSet().fit(train)
    >>> cand = pd.DataFrame({"age": [25, 99, 30], "city": ["Boston", "Austin", "Aust!n"]})
    >>> vs.is_valid(cand).tolist()
    [True, False, False]
    >>> vs.explain(cand)[["row", "column", "rule"]].values.tolist()
    [[1, 'age', 'numeric_range'], [2, 'city', 'character_set']]
    """

    _parameter_constraints: dict = {"validators": [list, tuple, None]}
    _fitted_attributes = ("validators_",)

    def __init__(self, validators: list[BaseValidator] | None = None) -> None:
        self.validators = validators

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: pd.DataFrame, y: Any = None) -> ValidatorSet:
        """Fit a clone of every validator on the training data.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Training data. Not modified.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self : ValidatorSet
            The fitted set.

        Raises
        ------
        TypeError
            If ``X`` is neither a DataFrame nor a dense 2-D array-like, or an
            element of ``validators`` is not a skgen validator.
        ValueError
            If ``X`` has no rows or columns (:class:`skgen.exceptions.SchemaError`
            for no rows or duplicated column names), or a validator's
            parameters are invalid.
        """
        return self._fit(X)

    def _learn(self, X: pd.DataFrame) -> None:
        validators = _automated() if self.validators is None else list(self.validators)
        for i, validator in enumerate(validators):
            if not isinstance(validator, BaseValidator):
                raise TypeError(f"validators[{i}] is a {type(validator).__name__}, not a skgen "
                                "validator (a BaseValidator instance).")
        self.validators_ = [clone(v).fit(X) for v in validators]
        learned = [c for v in self.validators_ for c in v.columns_]
        self.columns_ = [c for c in X.columns if c in learned]

    def _failures(self, X: pd.DataFrame) -> Iterator[tuple[Any, str, np.ndarray, Any]]:
        for validator in self.validators_:
            yield from validator._failures(X)

    def is_valid(self, X: pd.DataFrame) -> np.ndarray:
        """Mask of the rows of ``X`` that pass every validator.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_columns)
            Candidate rows; a DataFrame may hold only some of the training
            columns. Not modified.

        Returns
        -------
        mask : numpy.ndarray of bool, shape (n_samples,)
            ``True`` where the row passes.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the set is not fitted.
        TypeError
            If ``X`` is neither a DataFrame nor a dense 2-D array-like.
        """
        return self._is_valid(X)

    def _is_valid(self, X: pd.DataFrame, known: pd.DataFrame | None = None) -> np.ndarray:
        """``is_valid``; with ``known`` (``X`` with new categories shown as known ones,
        same index), each validator that does not judge new categories itself reads
        ``known`` instead of ``X``."""
        X = self._checked(X)
        known = X if known is None else self._checked(known)
        ok = np.ones(len(X), dtype=bool)
        for validator in self.validators_:
            alive = np.flatnonzero(ok)
            if not alive.size:
                break
            frame = X if validator._judges_new_categories else known
            ok[alive] = validator.is_valid(frame if alive.size == len(X) else frame.iloc[alive])
        return ok


class DropInvalidRows(TableInputMixin, BaseEstimator):
    """An imbalanced-learn sampler that drops the training rows its validators reject.

    A validator itself is a transformer (its ``transform`` keeps every row),
    and an :class:`imblearn.pipeline.Pipeline` refuses a step that has both
    ``transform`` and ``fit_resample``. This sampler has only
    ``fit_resample``, so the pipeline calls it while fitting -- dropping the
    rows that fail, with ``y`` kept aligned -- and skips it in ``predict``,
    ``transform`` and ``score``, as it does ``EditedNearestNeighbours``.

    Parameters
    ----------
    validators : validator, list of validators, ValidatorSet or None, default=None
        The rules, learned from the ``X`` given to ``fit_resample`` (the given
        objects are cloned, never fitted in place). ``None`` uses the automated
        set (:func:`default_validators`), which keeps every row of the data it
        learned from; rules with fences or learned sets
        (:class:`NumericIQRValidator`, :class:`InSetValidator`) drop rows.

    Attributes
    ----------
    validators_ : ValidatorSet
        The fitted set.
    n_features_in_ : int
        Number of columns of the training data.

    See Also
    --------
    BaseValidator.fit_resample : The same, on one validator.

    References
    ----------
    .. [1] G. Lemaitre, F. Nogueira and C. K. Aridas, "Imbalanced-learn: A
       Python Toolbox to Tackle the Curse of Imbalanced Datasets in Machine
       Learning", JMLR 18(17), 2017 (samplers in pipelines act at fit time
       only).

    Examples
    --------
    >>> import pandas as pd
    >>> from imblearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skgen.validators import DropInvalidRows, NumericIQRValidator
    >>> X = pd.DataFrame({"x": [1.0, 2.0, 2.5, 3.0, 100.0]})
    >>> y = [0, 1, 0, 1, 1]
    >>> X_res, y_res = DropInvalidRows(NumericIQRValidator()).fit_resample(X, y)
    >>> y_res
    [0, 1, 0, 1]
    >>> pipe = make_pipeline(DropInvalidRows(NumericIQRValidator()), LogisticRegression())
    >>> len(pipe.fit(X, y).predict(X))  # every row predicted
    5
    """

    _parameter_constraints: dict = {
        "validators": [list, HasMethods(["fit", "is_valid"]), None]}

    #: Fitted attributes a model file holds (see :mod:`skgen.persistence`).
    _fitted_attributes = ("validators_", "n_features_in_")

    def __init__(self, validators: Any = None) -> None:
        self.validators = validators

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any = None) -> DropInvalidRows:
        """Learn the validators from ``X``.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Training data. Not modified.
        y : None
            Ignored; present for scikit-learn compatibility.

        Returns
        -------
        self : DropInvalidRows
            The fitted sampler.

        Raises
        ------
        ValueError
            For the reasons :meth:`ValidatorSet.fit` raises, or an invalid
            ``validators`` parameter.
        """
        validators = as_validator_set(self.validators).fit(X)
        self.validators_, self.n_features_in_ = validators, validators.n_features_in_
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X: Any, y: Any) -> tuple[Any, Any]:
        """Learn the validators from ``X`` and keep the rows of ``X`` that pass.

        Parameters
        ----------
        X : pandas.DataFrame or array-like of shape (n_samples, n_features)
            Training data. Not modified.
        y : array-like of shape (n_samples,) or None
            Targets, kept aligned with the rows kept.

        Returns
        -------
        X_resampled : pandas.DataFrame or numpy.ndarray of shape (n_valid, n_features)
            The passing rows, in order.
        y_resampled : array-like of shape (n_valid,) or None
            Their targets.

        Raises
        ------
        ValueError
            For the reasons :meth:`BaseValidator.fit_resample` raises, or an
            invalid ``validators`` parameter.
        """
        validators = as_validator_set(self.validators)
        out = validators.fit_resample(X, y)
        self.validators_, self.n_features_in_ = validators, validators.n_features_in_
        return out


def as_validator_set(validators: Any) -> ValidatorSet:
    """A new, unfitted :class:`ValidatorSet` from a ``validators`` parameter.

    ``None`` gives the automated set; a validator or a list of them is wrapped;
    a ``ValidatorSet`` is copied with its parameters (never fitted in place).
    """
    if isinstance(validators, ValidatorSet):
        return validators.__class__(**validators.get_params(deep=False))
    if validators is None:
        return ValidatorSet()
    return ValidatorSet(validators=list(validators) if isinstance(validators, list)
                        else [validators])


def default_validators() -> ValidatorSet:
    """The automated validators: character set, string length, numeric range, data type.

    Returns
    -------
    validators : ValidatorSet
        An unfitted set of :class:`CharacterSetValidator`,
        :class:`StringLengthValidator`, :class:`NumericRangeValidator` and
        :class:`DataTypeValidator`.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, section "Automated
       validators".
    """
    return ValidatorSet(_automated())


@validate_params(
    {
        "in_set_count": [Interval(Integral, 1, None, closed="left"), None],
        "pattern_count": [Interval(Integral, 1, None, closed="left"), None],
        "use_numeric_iqr": ["boolean"],
        "open_close_chars": [StrOptions({"default"}), list, tuple, None],
        "allow_empty_values": ["boolean"],
        "privacy_filter": ["boolean", PrivacyFilter],
    },
    prefer_skip_nested_validation=True,
)
def make_validators(
    *,
    in_set_count: int | None = None,
    pattern_count: int | None = None,
    use_numeric_iqr: bool = False,
    open_close_chars: str | list[str] | None = None,
    allow_empty_values: bool = True,
    privacy_filter: bool | PrivacyFilter = False,
) -> ValidatorSet:
    """Build a validator set from the keys of Gretel's ``validators:`` configuration.

    The four automated validators are always in the set; each configurable one
    is added when its key asks for it:

    * always: :class:`CharacterSetValidator`, :class:`StringLengthValidator`,
      :class:`NumericRangeValidator`, :class:`DataTypeValidator`;
    * ``in_set_count`` not ``None``: ``InSetValidator(in_set_count)``;
    * ``pattern_count`` not ``None``: ``PatternValidator(pattern_count)``;
    * ``use_numeric_iqr=True``: ``NumericIQRValidator()`` (``iqr_factor=1.5``);
    * ``open_close_chars`` not ``None``: ``OpenCloseCharsValidator(open_close_chars)``;
    * ``allow_empty_values=False``: ``EmptyValueValidator(allow_empty_values=False)``
      (``True`` allows empty values, which needs no validator);
    * ``privacy_filter=True`` or a :class:`PrivacyFilter`: that filter (a default
      one for ``True``), placed last since it is the costliest.

    The defaults add nothing to the automated set, which keeps every training
    row valid. The Gretel LSTM's own defaults (``in_set_count: 10``,
    ``pattern_count: 10``, ``use_numeric_iqr: true``) are
    ``make_validators(in_set_count=10, pattern_count=10, use_numeric_iqr=True)``;
    skgen does not turn them on by itself because the IQR fences reject real
    training values by design.

    Parameters
    ----------
    in_set_count : int or None, default=None
        Enforce the set of training values in columns with at most this many
        distinct values. Must be at least 1.
    pattern_count : int or None, default=None
        Enforce the learned value patterns in string columns with at most this
        many distinct patterns. Must be at least 1.
    use_numeric_iqr : bool, default=False
        Bound numeric columns by Tukey's fences (``iqr_factor=1.5``).
    open_close_chars : "default", list of str or None, default=None
        Enforce balanced open/close characters: ``"default"`` for ``""``,
        ``()``, ``[]``, ``{}``, or a list of 2-character strings.
    allow_empty_values : bool, default=True
        ``False`` forbids empty values in every column not entirely empty in
        training.
    privacy_filter : bool or PrivacyFilter, default=False
        Add a :class:`PrivacyFilter` (last, as it is the costliest): ``True``
        for one with default parameters, or the instance to use.

    Returns
    -------
    validators : ValidatorSet
        The unfitted set.

    Raises
    ------
    sklearn.utils._param_validation.InvalidParameterError
        (a ``ValueError``) if a key has a value of the wrong type or range.
    ValueError
        If ``open_close_chars`` is a list with an element that is not a
        2-character string, or a character in two pairs.

    References
    ----------
    .. [1] Gretel.ai, "Gretel LSTM" model documentation, sections "Automated
       validators" and "Configurable validators".

    Examples
    --------
    >>> from skgen.validators import make_validators
    >>> vs = make_validators(in_set_count=10, allow_empty_values=False)
    >>> [type(v).__name__ for v in vs.validators]  # doctest: +NORMALIZE_WHITESPACE
    ['CharacterSetValidator', 'StringLengthValidator', 'NumericRangeValidator',
     'DataTypeValidator', 'InSetValidator', 'EmptyValueValidator']
    """
    validators = _automated()
    if in_set_count is not None:
        validators.append(InSetValidator(in_set_count=in_set_count))
    if pattern_count is not None:
        validators.append(PatternValidator(pattern_count=pattern_count))
    if use_numeric_iqr:
        validators.append(NumericIQRValidator())
    if open_close_chars is not None:
        open_close = OpenCloseCharsValidator(open_close_chars=open_close_chars)
        open_close._validated_pairs()  # raise on a bad pair now, not at fit time
        validators.append(open_close)
    if not allow_empty_values:
        validators.append(EmptyValueValidator(allow_empty_values=False))
    if isinstance(privacy_filter, PrivacyFilter):
        validators.append(privacy_filter)
    elif privacy_filter:
        validators.append(PrivacyFilter())
    return ValidatorSet(validators)
