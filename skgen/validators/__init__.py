"""Validators: scikit-learn transformers that keep the synthetic rows obeying the training data.

Each validator learns a constraint per column in ``fit(X)``; ``is_valid(X)``
gives the boolean mask of passing rows and ``explain(X)`` says why the others
fail. Dropping the failing rows is ``fit_resample(X, y)`` (``y`` kept aligned),
as imbalanced-learn's cleaning samplers do; ``transform(X)`` keeps every row, as
scikit-learn's contract says, so a validator in a scikit-learn pipeline never
loses a row at ``predict`` time. They compose in a :class:`ValidatorSet`, in a
synthesizer's ``validators=`` argument, and -- through :class:`DropInvalidRows`,
which drops invalid training rows at fit time only -- in an imbalanced-learn
pipeline.

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
* Classes: :class:`ClassConfidenceValidator` drops rows a classifier trained on the real
  table confidently assigns to another class than their label (LAMBADA's filter).
* Composition: :class:`ValidatorSet`; as an imbalanced-learn sampler: :class:`DropInvalidRows`.
"""

from skgen.validators._automated import (
    CharacterSetValidator,
    DataTypeValidator,
    NumericRangeValidator,
    StringLengthValidator,
)
from skgen.validators._base import EXPLAIN_COLUMNS, BaseValidator
from skgen.validators._class_confidence import ClassConfidenceValidator
from skgen.validators._compose import (
    DropInvalidRows,
    ValidatorSet,
    default_validators,
    make_validators,
)
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
    "ClassConfidenceValidator",
    "DataTypeValidator",
    "DropInvalidRows",
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
