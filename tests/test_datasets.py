"""Tests of skgen.datasets: the shipped real tables load with their documented shape and dtypes."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from skgen.datasets import list_datasets, load_adult, load_diamonds, load_lending_club

# Facts about each table from its source's own documentation, not from the loader: the
# columns in the source's order, each as ("int"|"real", lower, upper bound; None: unbounded),
# ("levels", the documented categories, or how many there are) or ("levels within", the
# possible categories, how many occur). Sources: UCI "adult.names" (Becker and Kohavi 1996);
# ggplot2's "?diamonds" (Wickham 2016: price $326-$18,823, carat 0.2-5.01, x 0-10.74, y 0-58.9,
# z 0-31.8 mm, depth 43-79 %, table 43-95); modeldata's "?lending_club" (Kuhn).
US_STATES = set("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT "
                "NC ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY".split())
ADULT_FACTS = {
    "age": ("int", 17, 90),
    "workclass": ("levels", {"Private", "Self-emp-not-inc", "Self-emp-inc", "Federal-gov",
                             "Local-gov", "State-gov", "Without-pay", "Never-worked"}),
    "fnlwgt": ("int", 12285, 1490400),
    "education": ("levels", {"Bachelors", "Some-college", "11th", "HS-grad", "Prof-school",
                             "Assoc-acdm", "Assoc-voc", "9th", "7th-8th", "12th", "Masters",
                             "1st-4th", "10th", "Doctorate", "5th-6th", "Preschool"}),
    "education_num": ("int", 1, 16),
    "marital_status": ("levels", {"Married-civ-spouse", "Divorced", "Never-married", "Separated",
                                  "Widowed", "Married-spouse-absent", "Married-AF-spouse"}),
    "occupation": ("levels", {"Tech-support", "Craft-repair", "Other-service", "Sales",
                              "Exec-managerial", "Prof-specialty", "Handlers-cleaners",
                              "Machine-op-inspct", "Adm-clerical", "Farming-fishing",
                              "Transport-moving", "Priv-house-serv", "Protective-serv",
                              "Armed-Forces"}),
    "relationship": ("levels", {"Wife", "Own-child", "Husband", "Not-in-family",
                                "Other-relative", "Unmarried"}),
    "race": ("levels", {"White", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other", "Black"}),
    "sex": ("levels", {"Female", "Male"}),
    "capital_gain": ("int", 0, 99999),
    "capital_loss": ("int", 0, 4356),
    "hours_per_week": ("int", 1, 99),
    "native_country": ("levels", 41),  # adult.names lists 41 countries
    "income": ("levels", {"<=50K", ">50K"}),
}
DIAMONDS_FACTS = {
    "carat": ("real", 0.2, 5.01),
    "cut": ("levels", {"Fair", "Good", "Very Good", "Premium", "Ideal"}),
    "color": ("levels", set("DEFGHIJ")),
    "clarity": ("levels", {"I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"}),
    "depth": ("real", 43.0, 79.0),
    "table": ("real", 43.0, 95.0),
    "price": ("int", 326, 18823),
    "x": ("real", 0.0, 10.74),
    "y": ("real", 0.0, 58.9),
    "z": ("real", 0.0, 31.8),
}
COUNT = ("int", 0, None)  # counts and amounts: non-negative integers
LENDING_CLUB_FACTS = {
    "funded_amnt": ("int", 1000, 40000),
    "term": ("levels", {"term_36", "term_60"}),
    "int_rate": ("real", 0.0, 100.0),
    "sub_grade": ("levels", {f"{g}{k}" for g in "ABCDEFG" for k in range(1, 6)}),
    "addr_state": ("levels within", US_STATES, 50),  # the 50 states and DC, one missing
    "verification_status": ("levels", {"Not_Verified", "Source_Verified", "Verified"}),
    "annual_inc": ("real", 0.0, None),
    "emp_length": ("levels", {"emp_lt_1", *(f"emp_{k}" for k in range(1, 10)), "emp_ge_10",
                              "emp_unk"}),
    "delinq_2yrs": COUNT,
    "inq_last_6mths": COUNT,
    "revol_util": ("real", 0.0, None),
    "acc_now_delinq": COUNT,
    "open_il_6m": COUNT,
    "open_il_12m": COUNT,
    "open_il_24m": COUNT,
    "total_bal_il": COUNT,
    "all_util": COUNT,
    "inq_fi": COUNT,
    "inq_last_12m": COUNT,
    "delinq_amnt": COUNT,
    "num_il_tl": COUNT,
    "total_il_high_credit_limit": COUNT,
    "Class": ("levels", {"good", "bad"}),
}


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    return load_adult()


def _assert_facts(frame: pd.DataFrame, facts: dict[str, tuple]) -> None:
    """Columns in the documented order, integers as int64, reals as float64, text as str,
    values within the documented range or set of levels."""
    assert list(frame.columns) == list(facts)
    for column, (kind, *spec) in facts.items():
        values = frame[column].dropna()
        if kind.startswith("levels"):
            assert pd.api.types.is_string_dtype(frame[column].dtype), column
            assert not pd.api.types.is_numeric_dtype(frame[column].dtype), column
            levels = set(values.unique())
            if kind == "levels within":
                assert levels <= spec[0] and len(levels) == spec[1], column
            elif isinstance(spec[0], int):
                assert len(levels) == spec[0], column
            else:
                assert levels == spec[0], column
            continue
        assert frame[column].dtype == np.dtype("int64" if kind == "int" else "float64"), column
        low, high = spec
        assert values.min() >= low and (high is None or values.max() <= high), column


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
    _assert_facts(adult, ADULT_FACTS)
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
    strings = [column for column, (kind, *_) in ADULT_FACTS.items() if kind == "levels"]
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
    _assert_facts(frame, DIAMONDS_FACTS)
    assert not frame.isna().any().any()
    assert frame["cut"].value_counts()["Fair"] == 1610
    # ggplot2's documentation gives the exact ranges
    assert frame["price"].agg(["min", "max"]).tolist() == [326, 18823]
    assert frame["carat"].agg(["min", "max"]).tolist() == [0.2, 5.01]
    X, y = load_diamonds(return_X_y=True)
    assert X.shape == (53940, 9) and "cut" not in X.columns
    assert y.name == "cut"
    pd.testing.assert_series_equal(y, frame["cut"])


def test_load_lending_club():
    frame = load_lending_club()
    assert frame.shape == (9857, 23)
    _assert_facts(frame, LENDING_CLUB_FACTS)
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
