"""Tests of skgen.datasets: the shipped real tables load with their documented shape and dtypes."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from skgen.datasets import list_datasets, load_adult, load_diamonds, load_lending_club

ADULT_COLUMNS = {
    "age": "int64",
    "workclass": "str",
    "fnlwgt": "int64",
    "education": "str",
    "education_num": "int64",
    "marital_status": "str",
    "occupation": "str",
    "relationship": "str",
    "race": "str",
    "sex": "str",
    "capital_gain": "int64",
    "capital_loss": "int64",
    "hours_per_week": "int64",
    "native_country": "str",
    "income": "str",
}
DIAMONDS_COLUMNS = {
    "carat": "float64",
    "cut": "str",
    "color": "str",
    "clarity": "str",
    "depth": "float64",
    "table": "float64",
    "price": "int64",
    "x": "float64",
    "y": "float64",
    "z": "float64",
}
LENDING_CLUB_COLUMNS = {
    "funded_amnt": "int64",
    "term": "str",
    "int_rate": "float64",
    "sub_grade": "str",
    "addr_state": "str",
    "verification_status": "str",
    "annual_inc": "float64",
    "emp_length": "str",
    "delinq_2yrs": "int64",
    "inq_last_6mths": "int64",
    "revol_util": "float64",
    "acc_now_delinq": "int64",
    "open_il_6m": "int64",
    "open_il_12m": "int64",
    "open_il_24m": "int64",
    "total_bal_il": "int64",
    "all_util": "int64",
    "inq_fi": "int64",
    "inq_last_12m": "int64",
    "delinq_amnt": "int64",
    "num_il_tl": "int64",
    "total_il_high_credit_limit": "int64",
    "Class": "str",
}


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    return load_adult()


def _assert_dtypes(frame: pd.DataFrame, expected: dict[str, str]) -> None:
    assert list(frame.columns) == list(expected)
    for column, dtype in expected.items():
        if dtype == "str":
            assert pd.api.types.is_string_dtype(frame[column].dtype), column
            assert not pd.api.types.is_numeric_dtype(frame[column].dtype), column
        else:
            assert frame[column].dtype == np.dtype(dtype), column


def test_list_datasets_names_a_loader_each():
    import skgen.datasets as datasets

    names = list_datasets()
    assert names == ["adult", "diamonds", "lending_club"]
    assert all(callable(getattr(datasets, f"load_{name}")) for name in names)


def test_shipped_files_are_the_verbatim_copies_the_readme_names():
    # The README records the SHA-256 of each file; a changed file fails here.
    folder = resources.files("skgen.datasets").joinpath("data")
    readme = folder.joinpath("README.md").read_text(encoding="utf-8")
    recorded = dict(
        (name, digest)
        for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+\.csv\.gz)$", readme, re.M)
    )
    assert set(recorded) == {
        "adult_census_income.csv.gz",
        "ggplot2_diamonds.csv.gz",
        "modeldata_lending_club.csv.gz",
    }
    for name, digest in recorded.items():
        assert hashlib.sha256(folder.joinpath(name).read_bytes()).hexdigest() == digest, name
        assert "verbatim" in readme and name in readme


def test_load_adult_shape_columns_dtypes(adult):
    assert adult.shape == (48842, 15)
    _assert_dtypes(adult, ADULT_COLUMNS)
    assert "split" not in adult.columns
    assert isinstance(adult.index, pd.RangeIndex)


def test_load_adult_missing_values_are_nan(adult):
    counts = adult.isna().sum()
    assert counts[counts > 0].to_dict() == {
        "workclass": 2799,
        "occupation": 2809,
        "native_country": 857,
    }
    missing = adult.loc[adult["workclass"].isna(), "workclass"].iloc[0]
    assert isinstance(missing, float) and np.isnan(missing)
    # The raw UCI files write missing values as "?"; none is left.
    strings = [column for column, dtype in ADULT_COLUMNS.items() if dtype == "str"]
    assert not adult[strings].isin(["?", " ?"]).any().any()


@pytest.mark.parametrize("split", ["all", "train", "test"])
def test_load_adult_income_has_the_train_spelling_in_every_split(split):
    # The raw UCI adult.test writes ">50K." with a trailing dot; the shipped file does not.
    income = load_adult(split=split)["income"]
    assert set(income.unique()) == {"<=50K", ">50K"}


def test_load_adult_target_rate(adult):
    assert adult["income"].eq(">50K").mean() == pytest.approx(0.2393, abs=5e-4)


def test_load_adult_splits_add_up(adult):
    train = load_adult(split="train")
    test = load_adult(split="test")
    assert len(train) == 32561
    assert len(test) == 16281
    assert len(train) + len(test) == len(adult)
    assert isinstance(test.index, pd.RangeIndex) and test.index[0] == 0
    pd.testing.assert_frame_equal(pd.concat([train, test], ignore_index=True), adult)


def test_load_adult_return_X_y(adult):
    X, y = load_adult(return_X_y=True)
    assert X.shape == (48842, 14)
    assert "income" not in X.columns
    assert y.name == "income"
    pd.testing.assert_series_equal(y, adult["income"])
    pd.testing.assert_frame_equal(X, adult.drop(columns="income"))

    X_test, y_test = load_adult(split="test", return_X_y=True)
    assert X_test.shape == (16281, 14) and len(y_test) == 16281


def test_load_diamonds():
    frame = load_diamonds()
    assert frame.shape == (53940, 10)
    _assert_dtypes(frame, DIAMONDS_COLUMNS)
    assert not frame.isna().any().any()
    assert frame["cut"].value_counts()["Fair"] == 1610
    X, y = load_diamonds(return_X_y=True)
    assert X.shape == (53940, 9) and "cut" not in X.columns
    assert y.name == "cut"
    pd.testing.assert_series_equal(y, frame["cut"])


def test_load_lending_club():
    frame = load_lending_club()
    assert frame.shape == (9857, 23)
    _assert_dtypes(frame, LENDING_CLUB_COLUMNS)
    assert not frame.isna().any().any()
    assert frame["Class"].value_counts().to_dict() == {"good": 9340, "bad": 517}
    X, y = load_lending_club(return_X_y=True)
    assert X.shape == (9857, 22) and "Class" not in X.columns
    assert y.name == "Class"
    pd.testing.assert_series_equal(y, frame["Class"])


def test_each_call_returns_a_fresh_frame():
    first = load_lending_club()
    first.loc[0, "Class"] = "changed"
    assert load_lending_club().loc[0, "Class"] == "good"


@pytest.mark.parametrize("split", ["validation", "Train", "", None, 1])
def test_load_adult_rejects_unknown_split(split):
    with pytest.raises(ValueError, match=re.escape(repr(split))):
        load_adult(split=split)


@pytest.mark.parametrize("loader", [load_adult, load_diamonds, load_lending_club])
@pytest.mark.parametrize("value", ["yes", 1, None])
def test_loaders_reject_non_bool_return_X_y(loader, value):
    with pytest.raises(ValueError, match=r"return_X_y.*" + re.escape(repr(value))):
        loader(return_X_y=value)


def test_loaders_take_keyword_arguments_only():
    with pytest.raises(TypeError):
        load_adult("train")
    with pytest.raises(TypeError):
        load_diamonds(True)
