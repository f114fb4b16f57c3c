"""Validators: scikit-learn transformers that keep the synthetic rows obeying the training data.

Each validator learns a constraint per column in ``fit(X)``; ``is_valid(X)``
gives the boolean mask of passing rows, ``transform(X)`` keeps them (index
preserved) and ``explain(X)`` says why the others fail. They compose with
:func:`sklearn.pipeline.make_pipeline` and with a synthesizer's ``validators=``
argument.

* Automated (learned for every model, :func:`default_validators`):
  :class:`CharacterSetValidator`, :class:`StringLengthValidator`,
  :class:`NumericRangeValidator`, :class:`DataTypeValidator`.
* Configurable (Gretel's ``validators:`` keys, :func:`make_validators`):
  :class:`InSetValidator`, :class:`PatternValidator`,
  :class:`NumericIQRValidator`, :class:`OpenCloseCharsValidator`,
  :class:`EmptyValueValidator`.
* Privacy: :class:`PrivacyFilter` drops copies and near copies of training rows.
* Text: :class:`LabelAgreementValidator` keeps texts a classifier trained on the real
  texts assigns to their label.
* Composition: :class:`ValidatorSet`.
"""

from skgen.validators._automated import (
    CharacterSetValidator,
    DataTypeValidator,
    NumericRangeValidator,
    StringLengthValidator,
)
from skgen.validators._base import EXPLAIN_COLUMNS, BaseValidator
from skgen.validators._compose import ValidatorSet, default_validators, make_validators
from skgen.validators._configurable import (
    DEFAULT_OPEN_CLOSE_CHARS,
    EmptyValueValidator,
    InSetValidator,
    NumericIQRValidator,
    OpenCloseCharsValidator,
    PatternValidator,
    pattern_mask,
)
from skgen.validators._label import LabelAgreementValidator
from skgen.validators._privacy import PrivacyFilter

__all__ = [
    "DEFAULT_OPEN_CLOSE_CHARS",
    "EXPLAIN_COLUMNS",
    "BaseValidator",
    "CharacterSetValidator",
    "DataTypeValidator",
    "EmptyValueValidator",
    "InSetValidator",
    "LabelAgreementValidator",
    "NumericIQRValidator",
    "NumericRangeValidator",
    "OpenCloseCharsValidator",
    "PatternValidator",
    "PrivacyFilter",
    "StringLengthValidator",
    "ValidatorSet",
    "default_validators",
    "make_validators",
    "pattern_mask",
]
