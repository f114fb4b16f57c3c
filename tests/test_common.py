"""Checks every public skgen estimator must pass (scikit-learn's rules, our contract)."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

import skgen
import skgen.validators
from skgen.base import BaseSynthesizer

SYNTHESIZERS = [getattr(skgen, n) for n in skgen.__all__
                if inspect.isclass(getattr(skgen, n))
                and issubclass(getattr(skgen, n), BaseSynthesizer)
                and not inspect.isabstract(getattr(skgen, n))]
VALIDATORS = [getattr(skgen.validators, n) for n in skgen.validators.__all__
              if inspect.isclass(getattr(skgen.validators, n))
              and hasattr(getattr(skgen.validators, n), "is_valid")
              and not inspect.isabstract(getattr(skgen.validators, n))
              and not n.startswith("Base")]
ESTIMATORS = SYNTHESIZERS + VALIDATORS
#: Synthesizers of tables (GPTTextSynthesizer learns texts: tests/test_text.py).
TABLE_SYNTHESIZERS = [c for c in SYNTHESIZERS if c.__name__ != "GPTTextSynthesizer"]
#: Small settings so that the contract checks train in seconds.
FAST = {"GANSynthesizer": {"epochs": 2, "batch_size": 100},
        "LSTMSynthesizer": {"epochs": 2, "batch_size": 32, "rnn_units": 32, "embedding_dim": 16,
                            "vocab_size": 0, "learning_rate": 0.01}}


def _ids(classes):
    return [c.__name__ for c in classes]


def test_there_is_something_to_check():
    assert SYNTHESIZERS and len(VALIDATORS) >= 9


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
def test_fitted_state_is_persistable(cls, adult):
    from skgen.persistence import _encode

    syn = cls(random_state=0, **FAST.get(cls.__name__, {})).fit(adult.head(400))
    arrays: dict[str, np.ndarray] = {}
    _encode(syn, arrays, "model")  # raises TypeError on anything pickle-only
