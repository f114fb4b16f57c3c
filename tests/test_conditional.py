"""skgen.metrics' conditional fidelity on real tables: dependencies, breaks, quality per level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from skgen.datasets import load_lending_club
from skgen.exceptions import SchemaError
from skgen.metrics import conditional_quality, dependency_consistency, functional_dependencies


@pytest.fixture(scope="module")
def split(adult_full):
    rows = adult_full.sample(16000, random_state=0)
    return rows.iloc[:8000].reset_index(drop=True), rows.iloc[8000:].reset_index(drop=True)


def test_adult_education_and_education_num_determine_each_other_and_nothing_else(split):
    deps = functional_dependencies(split[0])
    pairs = set(zip(deps["determinant"], deps["dependent"], strict=True))
    assert pairs == {("education", "education_num"), ("education_num", "education")}
    assert (deps["confidence"] == 1.0).all()
    masters = deps.set_index("determinant").loc["education", "mapping"]["Masters"]
    assert masters == 14


def test_near_dependency_is_found_below_one_and_ids_are_no_determinants():
    loans = load_lending_club()
    loans["grade"] = loans["sub_grade"].str[0]
    loans["loan_id"] = np.arange(len(loans))  # one row per level: never a determinant
    deps = functional_dependencies(loans)
    found = deps.set_index(["determinant", "dependent"])["confidence"]
    assert found[("sub_grade", "grade")] == 1.0
    assert 0.99 <= found[("int_rate", "grade")] < 1.0  # a few rates are shared by two grades
    assert "loan_id" not in set(deps["determinant"])
    exact = functional_dependencies(loans, min_confidence=1.0)
    assert ("int_rate", "grade") not in set(zip(exact["determinant"], exact["dependent"],
                                                strict=True))


def test_real_holdout_breaks_nothing_and_a_shuffled_column_breaks_most_rows(split):
    train, holdout = split
    deps = functional_dependencies(train)
    real = dependency_consistency(deps, holdout)
    assert real.rate == 0.0 and real.n_rows == len(holdout)
    shuffled = holdout.assign(education_num=holdout["education_num"].sample(
        frac=1, random_state=0).to_numpy())
    broken = dependency_consistency(train, shuffled)  # dependencies found on the fly
    assert broken.rate > 0.7
    assert set(broken.details["rate"].round(6)) == {round(broken.rate, 6)}
    assert "education -> education_num" in str(broken)


def test_conditional_quality_is_one_for_real_rows_and_low_when_the_condition_is_ignored(split):
    train, holdout = split
    other = holdout.iloc[4000:].reset_index(drop=True)
    holdout = holdout.iloc[:4000].reset_index(drop=True)

    def real_rows(n, conditions):
        (column, level), = conditions.items()
        return other[other[column] == level].sample(n, replace=True, random_state=0)

    def ignores_condition(n, conditions):
        (column, level), = conditions.items()
        return other.sample(n, random_state=0).assign(**{column: level})

    good = conditional_quality(real_rows, train, holdout, "education")
    bad = conditional_quality(ignores_condition, train, holdout, "education")
    assert list(good["level"][:3]) == list(train["education"].value_counts().index[:3])
    assert len(good) == 4 and (good["holdout_rows"] >= 30).all()
    assert good["ratio"].mean() > 0.96 and bad["ratio"].mean() < 0.9
    assert (good["ratio"] > bad["ratio"] + 0.04).all()


def test_conditional_quality_refuses_unknown_columns_and_thin_levels(split):
    train, holdout = split
    with pytest.raises(SchemaError, match="not_a_column"):
        conditional_quality(lambda n, c: train.head(n), train, holdout, "not_a_column")
    with pytest.raises(SchemaError, match="Preschool"):
        conditional_quality(lambda n, c: train.head(n), train, holdout, "education",
                            levels=["Preschool"], min_holdout_rows=1000)


def test_metrics_leave_the_inputs_alone(split):
    train, holdout = split
    before = holdout.copy()
    dependency_consistency(train, holdout)
    pd.testing.assert_frame_equal(holdout, before)
