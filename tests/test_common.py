"""Checks every public skgen estimator must pass (scikit-learn's rules, our contract)."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    parametrize_with_checks,
)

import skgen
import skgen.validators
from skgen.base import BaseSynthesizer
from skgen.oversampling import SyntheticOversampler
from skgen.validators import DropInvalidRows

SYNTHESIZERS = [getattr(skgen, n) for n in skgen.__all__
                if inspect.isclass(getattr(skgen, n))
                and issubclass(getattr(skgen, n), BaseSynthesizer)
                and not inspect.isabstract(getattr(skgen, n))]
VALIDATORS = [getattr(skgen.validators, n) for n in skgen.validators.__all__
              if inspect.isclass(getattr(skgen.validators, n))
              and hasattr(getattr(skgen.validators, n), "is_valid")
              and not inspect.isabstract(getattr(skgen.validators, n))
              and not n.startswith("Base")]
SAMPLERS = [SyntheticOversampler, DropInvalidRows]
ESTIMATORS = SYNTHESIZERS + VALIDATORS + SAMPLERS
#: Synthesizers of tables (GPTTextSynthesizer learns texts: tests/test_text.py).
TABLE_SYNTHESIZERS = [c for c in SYNTHESIZERS if c.__name__ != "GPTTextSynthesizer"]
#: Small settings so that the contract checks train in seconds.
FAST = {"GANSynthesizer": {"epochs": 2, "batch_size": 100},
        "LSTMSynthesizer": {"epochs": 2, "batch_size": 32, "rnn_units": 32, "embedding_dim": 16,
                            "vocab_size": 0, "learning_rate": 0.01}}
#: Tinier still for scikit-learn's checks, which fit each model some 40 times on
#: small random arrays: only the input handling and the fitted state are checked.
TINY = {"GANSynthesizer": {"epochs": 1, "batch_size": 20, "embedding_dim": 8,
                           "generator_dim": (8,), "discriminator_dim": (8,), "n_modes": 2},
        "LSTMSynthesizer": {"epochs": 1, "batch_size": 64, "rnn_units": 8, "embedding_dim": 8,
                            "vocab_size": 0}}
#: scikit-learn checks that cannot apply to an estimator, with the reason, by class name.
#: A new entry must say why it cannot.
_TEXT_ONLY = ("fits a text classifier on a free-text column and a label column; the check "
              "fits it on random numbers, which hold neither (its own tests: "
              "tests/test_label_validator.py)")
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "LabelAgreementValidator": dict.fromkeys((
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
    ), _TEXT_ONLY),
}


def _ids(classes):
    return [c.__name__ for c in classes]


def test_there_is_something_to_check():
    assert SYNTHESIZERS and len(VALIDATORS) >= 9


def _check_instance(cls):
    params = dict(TINY.get(cls.__name__, {}))
    if issubclass(cls, BaseSynthesizer):
        params["data_checks"] = "skip"  # the random arrays would only log warnings
    return cls(**params)


#: scikit-learn's checks fit on random numeric arrays, which GPTTextSynthesizer
#: refuses by design (it needs a text column and a pretrained model); its input
#: handling, fitted state and persistence are checked in tests/test_text.py.
CHECKED_ESTIMATORS = TABLE_SYNTHESIZERS + VALIDATORS + SAMPLERS


@parametrize_with_checks([_check_instance(c) for c in CHECKED_ESTIMATORS],
                         expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS.get(
                             type(est).__name__, {}))
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_sklearn_construction_rules(cls):
    name = cls.__name__
    check_parameters_default_constructible(name, cls())
    check_no_attributes_set_in_init(name, cls())
    check_get_params_invariance(name, cls())
    check_set_params(name, cls())
    assert clone(cls()).get_params() == cls().get_params()


@pytest.mark.parametrize("cls", ESTIMATORS, ids=_ids(ESTIMATORS))
def test_public_docstring_has_numpydoc_sections(cls):
    doc = inspect.getdoc(cls) or ""
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for section in ("Parameters",) * bool(params) + ("Attributes", "References"):
        assert section in doc, f"{cls.__name__} docstring lacks {section}"
    for p in params:
        assert f"{p} :" in doc, f"{cls.__name__} docstring does not document {p!r}"


@pytest.mark.parametrize("cls", TABLE_SYNTHESIZERS, ids=_ids(TABLE_SYNTHESIZERS))
def test_synthesizer_contract_on_real_data(cls, adult):
    small = adult.head(600)
    frame = small.copy()
    syn = cls(random_state=0, **FAST.get(cls.__name__, {})).fit(frame)
    pd.testing.assert_frame_equal(frame, small)  # input not mutated
    out = syn.sample(200, conditions={"sex": "Female"})
    assert list(out.columns) == list(small.columns)
    assert (out.dtypes == small.dtypes).all()
    assert (out["sex"] == "Female").all()
    assert syn.validators_.is_valid(out).all()
    # fit and sample are reproducible
    again = cls(random_state=0, **FAST.get(cls.__name__, {})).fit(small).sample(
        200, conditions={"sex": "Female"})
    pd.testing.assert_frame_equal(out, again)


@pytest.mark.parametrize("cls", TABLE_SYNTHESIZERS, ids=_ids(TABLE_SYNTHESIZERS))
def test_fitted_state_round_trips_through_a_file(cls, adult, tmp_path):
    syn = cls(random_state=0, **FAST.get(cls.__name__, {})).fit(adult.head(400))
    loaded = skgen.load(syn.save(tmp_path / "model.skgen"))
    assert type(loaded) is cls and loaded.get_params() == syn.get_params()
    expected = syn.sample(50, random_state=3)
    pd.testing.assert_frame_equal(loaded.sample(50, random_state=3), expected)
    seeded = loaded.sample(conditions=expected.head(5).assign(age=None), random_state=4)
    pd.testing.assert_frame_equal(seeded, syn.sample(conditions=expected.head(5).assign(age=None),
                                                     random_state=4))
