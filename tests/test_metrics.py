"""skgen.metrics: SDMetrics-style fidelity scores, exact copies, DCR and TSTR."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from skgen.datasets import load_adult
from skgen.exceptions import SchemaError
from skgen.metrics import (
    QualityReport,
    column_pair_trends,
    column_shapes,
    contingency_similarity,
    correlation_similarity,
    distance_to_closest_record,
    exact_match_rate,
    infer_metadata,
    ks_complement,
    quality_report,
    tstr_score,
    tv_complement,
)

NUMERIC = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"]


@pytest.fixture(scope="module", autouse=True)
def _one_openmp_thread():
    """HistGradientBoosting's OpenMP threads crawl on a busy shared machine; one is enough."""
    with threadpool_limits(limits=1, user_api="openmp"):
        yield


@pytest.fixture(scope="module")
def adult_train() -> pd.DataFrame:
    return load_adult(split="train").sample(3000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def adult_test() -> pd.DataFrame:
    return load_adult(split="test").sample(2000, random_state=0).reset_index(drop=True)


def _shuffle_columns(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Each column permuted on its own: same marginals, pairs broken."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: df[c].to_numpy()[rng.permutation(len(df))] for c in df.columns})


# --------------------------------------------------------------------------- single metrics
def test_ks_complement_by_hand():
    # ECDFs differ by 0.5 at x = 2, 3, 4; the synthetic NaN is dropped
    assert ks_complement([1, 2, 3, 4], [3, 4, 5, 6, np.nan]) == pytest.approx(0.5)
    assert ks_complement([1, 2, 3], [3, 2, 1]) == 1.0
    assert ks_complement([1.0, 2.0], [10.0, 20.0]) == 0.0
    assert math.isnan(ks_complement([1.0, 2.0], [np.nan]))
    dates = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02"]))
    assert ks_complement(dates, dates + pd.Timedelta(days=10)) == 0.0


def test_tv_complement_by_hand():
    # p_real = (a .5, b .25, c .25), p_syn = (a .25, b .5, d .25): TVD = 0.5
    assert tv_complement(["a", "a", "b", "c"], ["a", "b", "b", "d", None]) == pytest.approx(0.5)
    assert tv_complement([True, False], [False, True]) == 1.0
    assert tv_complement(["x"], ["y"]) == 0.0


def test_correlation_similarity_by_hand():
    real = pd.DataFrame({"x": [1, 2, 3, 4], "y": [1, 2, 3, 4]})  # r = 1
    # r = 0.8 (sum dx*dy = 4, sum dx^2 = sum dy^2 = 5): score 1 - 0.2 / 2
    syn = pd.DataFrame({"x": [1, 2, 3, 4, np.nan], "y": [1, 3, 2, 4, 7]})
    assert correlation_similarity(real, syn) == pytest.approx(0.9)
    opposite = pd.DataFrame({"x": [1, 2, 3, 4], "y": [4, 3, 2, 1]})  # r = -1
    assert correlation_similarity(real, opposite) == pytest.approx(0.0)
    constant = pd.DataFrame({"x": [1, 2, 3, 4], "y": [5, 5, 5, 5]})
    assert math.isnan(correlation_similarity(real, constant))


def test_contingency_similarity_by_hand():
    real = pd.DataFrame({"a": ["p", "p", "q", "q"], "b": ["x", "x", "y", "y"]})
    # missing values form their own category: (p,x) (p,y) (q,y) (NaN,y), a quarter each
    syn = pd.DataFrame({"a": ["p", "p", "q", None], "b": ["x", "y", "y", "y"]})
    assert contingency_similarity(real, syn) == pytest.approx(0.5)
    assert contingency_similarity(real, real.iloc[::-1]) == 1.0
    with pytest.raises(SchemaError, match="two columns"):
        contingency_similarity(real.assign(c=1), syn)


# --------------------------------------------------------------------------- properties
def test_real_against_itself_scores_one(adult_train):
    report = quality_report(adult_train, adult_train)
    assert isinstance(report, QualityReport)
    assert report.overall == 1.0
    assert report.column_shapes == 1.0
    assert report.column_pair_trends == 1.0
    shapes = report.details["column_shapes"]
    pairs = report.details["column_pair_trends"]
    assert list(shapes.columns) == ["column", "metric", "score"]
    assert list(shapes["column"]) == list(adult_train.columns)
    n = len(adult_train.columns)
    assert len(pairs) == n * (n - 1) // 2
    assert list(pairs.columns) == ["column_1", "column_2", "metric", "score",
                                   "real_correlation", "synthetic_correlation",
                                   "real_association", "meets_threshold"]
    assert (pairs.loc[pairs["meets_threshold"], "score"] == 1.0).all()
    assert pairs.loc[~pairs["meets_threshold"], "score"].isna().all()
    numeric_pair = pairs[(pairs.column_1 == "age") & (pairs.column_2 == "education_num")].iloc[0]
    assert numeric_pair["metric"] == "CorrelationSimilarity"
    assert numeric_pair["real_correlation"] == pytest.approx(
        adult_train["age"].corr(adult_train["education_num"]))
    text = str(report)
    assert "Column Shapes" in text and "Column Pair Trends" in text and "100.00 %" in text


def test_shuffled_columns_keep_shapes_and_lose_pair_trends(adult_train):
    shuffled = _shuffle_columns(adult_train)
    shapes = column_shapes(adult_train, shuffled)
    assert shapes["score"].min() == pytest.approx(1.0)
    pairs = column_pair_trends(adult_train, shuffled).set_index(["column_1", "column_2"])
    # education and education_num are the same variable: their table is destroyed
    assert pairs.loc[("education", "education_num"), "score"] < 0.35
    assert pairs.loc[("marital_status", "relationship"), "score"] < 0.6
    report = quality_report(adult_train, shuffled)
    assert report.column_shapes == pytest.approx(1.0)
    assert report.column_pair_trends < 0.95
    assert report.overall == pytest.approx((report.column_shapes + report.column_pair_trends) / 2)


def test_noise_lowers_column_shapes(adult_train):
    noisy = adult_train.copy()
    rng = np.random.default_rng(0)
    noisy["age"] = noisy["age"] + rng.normal(0, 15, len(noisy))
    shapes = column_shapes(adult_train, noisy).set_index("column")["score"]
    assert shapes["age"] < 0.9
    assert shapes.drop("age").min() == 1.0


def test_pair_trends_bin_continuous_columns_on_their_own_range():
    # SDMetrics' Quality Report: 10 equal-width bins per side, max and NaN share the last bin
    real = pd.DataFrame({"x": np.arange(11.0), "c": ["k"] * 11})
    syn = pd.DataFrame({"x": [*range(10), np.nan], "c": ["k"] * 11})
    pairs = column_pair_trends(real, syn, metadata={"c": "categorical"},
                               real_association_threshold=0)  # score the pair, related or not
    # real: one value per bin 1..11; synthetic edges 0, .9, ..., 9 leave bin 10 empty
    # and put 9 and NaN in bin 11: TVD = 1/11
    assert pairs.loc[0, "metric"] == "ContingencySimilarity"
    assert pairs.loc[0, "score"] == pytest.approx(10 / 11)
    shifted = pd.DataFrame({"x": real["x"] + 100, "c": real["c"]})
    assert column_pair_trends(real, shifted, real_association_threshold=0).loc[0, "score"] == 1.0
    assert column_shapes(real, shifted).loc[0, "score"] == 0.0  # the shift shows here


def test_thresholds_keep_only_strong_real_pairs(adult_train):
    shuffled = _shuffle_columns(adult_train)
    pairs = column_pair_trends(adult_train, shuffled, real_correlation_threshold=0.5,
                               real_association_threshold=0.3)
    assert {"real_association", "meets_threshold"} <= set(pairs.columns)
    kept = pairs[pairs["meets_threshold"]]
    assert 0 < len(kept) < len(pairs)
    assert pairs.loc[~pairs["meets_threshold"], "score"].isna().all()
    assert ((kept["real_association"] > 0.3) | (kept["real_correlation"].abs() > 0.5)).all()
    report = quality_report(adult_train, shuffled, real_correlation_threshold=0.5,
                            real_association_threshold=0.3)
    assert report.column_pair_trends == pytest.approx(kept["score"].mean())
    classic = quality_report(adult_train, shuffled, real_correlation_threshold=0,
                             real_association_threshold=0)  # every pair, SDMetrics <= 0.28
    assert report.column_pair_trends < classic.column_pair_trends


def test_metadata_excludes_id_and_text_columns(adult_train):
    real = adult_train.head(200).assign(
        user_id=np.arange(200), note=[f"free text number {i} here" for i in range(200)])
    syn = real.sample(frac=1, random_state=1).reset_index(drop=True)
    kinds = infer_metadata(real)
    assert kinds["user_id"] == "id"
    assert kinds["note"] in ("id", "text")
    shapes = column_shapes(real, syn)
    assert "user_id" not in set(shapes["column"]) and "note" not in set(shapes["column"])
    pairs = column_pair_trends(real, syn.drop(columns=["user_id", "note"]))
    assert "user_id" not in set(pairs["column_1"]) | set(pairs["column_2"])
    only_numeric = column_shapes(real, syn, metadata={c: "id" for c in real if c not in NUMERIC})
    assert list(only_numeric["column"]) == NUMERIC


def test_infer_metadata_follows_sdv_rules():
    n = 100
    df = pd.DataFrame({
        "small_ints": np.arange(n) % 5,  # whole, >= 0, <= min(n/10, 10) values: categorical
        "signed": np.arange(n) % 5 - 2,  # negative values: numerical
        "many_ints": np.arange(n) % 50,
        "real": np.linspace(0, 1, n),
        "flag": np.arange(n) % 2 == 0,
        "when": pd.date_range("2020-01-01", periods=n),
        "userId": np.arange(n),
        "colour": ["red", "blue"] * (n // 2),
    })
    assert infer_metadata(df) == {
        "small_ints": "categorical", "signed": "numerical", "many_ints": "numerical",
        "real": "numerical", "flag": "boolean", "when": "datetime", "userId": "id",
        "colour": "categorical",
    }


def test_bad_inputs_raise_clear_errors(adult_train):
    with pytest.raises(SchemaError, match="lacks column.*income"):
        column_shapes(adult_train, adult_train.drop(columns="income"))
    with pytest.raises(SchemaError, match="unknown kind 'numbers' for column 'age'"):
        quality_report(adult_train, adult_train, metadata={"age": "numbers"})
    with pytest.raises(SchemaError, match="does not hold"):
        quality_report(adult_train, adult_train, metadata={"nope": "numerical"})
    with pytest.raises(SchemaError, match="empty"):
        column_shapes(adult_train, adult_train.iloc[:0])
    with pytest.raises(ValueError, match="real_correlation_threshold"):
        quality_report(adult_train, adult_train, real_correlation_threshold=2.0)
    with pytest.raises(ValueError, match="sample_size"):
        distance_to_closest_record(adult_train, adult_train, sample_size=0)


# --------------------------------------------------------------------------- exact copies
def test_exact_match_rate(adult_train, adult_test):
    assert exact_match_rate(adult_train, adult_train) == 1.0
    assert exact_match_rate(adult_train, _shuffle_columns(adult_train).head(500)) < 0.01
    half = pd.concat([adult_train.head(100), adult_test.head(100)], ignore_index=True)
    assert exact_match_rate(adult_train, half) == pytest.approx(0.5, abs=0.01)
    disjoint = adult_train.head(50).assign(age=adult_train["age"].head(50) + 1000)
    assert exact_match_rate(adult_train, disjoint) == 0.0


def test_exact_match_rate_treats_missing_and_dtypes_alike():
    ref = pd.DataFrame({"n": [1, 2, 3], "s": ["a", None, "c"], "f": [0.5, np.nan, 2.0]})
    rows = pd.DataFrame({
        "f": [np.nan, 0.5, 9.0],  # column order does not matter
        "n": pd.array([2, 1, 3], dtype="Int64"),
        "s": pd.Series([np.nan, "a", "c"], dtype="category"),
        "extra": [1, 2, 3],
    })
    # row 0 = ref row 1 (NaN == NaN, None == NaN), row 1 = ref row 0, row 2 differs on f
    assert exact_match_rate(ref, rows) == pytest.approx(2 / 3)
    with pytest.raises(SchemaError, match="lacks column"):
        exact_match_rate(ref, rows.drop(columns="s"))


# --------------------------------------------------------------------------- DCR
def test_dcr_by_hand():
    train = pd.DataFrame({"x": [0.0, 10.0], "c": ["a", "b"]})
    syn = pd.DataFrame({"x": [5.0, np.nan, 0.0], "c": ["a", "b", "z"]})
    # Gower: (|5-0|/10 + 0) / 2 = .25; (missing 1 + match 0) / 2 = .5; (0 + unseen 1) / 2 = .5
    out = distance_to_closest_record(train, syn, metadata={"c": "categorical"})
    assert out["synthetic_dcr_median"] == pytest.approx(0.5)
    assert out["synthetic_dcr_p5"] == pytest.approx(0.25 + 0.05 * 2 * 0.25)
    assert out["n_columns"] == 2 and math.isnan(out["holdout_dcr_median"])


def test_dcr_copies_versus_holdout(adult_train, adult_test):
    copies = distance_to_closest_record(adult_train, adult_train.head(500), adult_test,
                                        sample_size=2000, random_state=0)
    assert copies["n_train"] == 2000 and copies["n_holdout"] == 2000
    assert copies["n_synthetic"] == 500
    # the copied rows outside the 2,000-row training sample are not at distance 0
    assert 0.5 < copies["synthetic_share_zero"] < 0.9
    assert copies["synthetic_dcr_p5"] == 0.0
    assert copies["holdout_dcr_p5"] > 0.0
    assert copies["share_closer_than_holdout_p5"] > 0.5
    shuffled = distance_to_closest_record(adult_train, _shuffle_columns(adult_train), adult_test,
                                          sample_size=2000, random_state=0)
    assert shuffled["synthetic_share_zero"] == 0.0
    assert shuffled["synthetic_dcr_median"] > shuffled["holdout_dcr_median"]
    assert shuffled["share_closer_than_holdout_p5"] < 0.05
    again = distance_to_closest_record(adult_train, _shuffle_columns(adult_train), adult_test,
                                       sample_size=2000, random_state=0)
    assert again == shuffled


# --------------------------------------------------------------------------- TSTR
def test_tstr_real_against_real_and_random_labels(adult_train, adult_test):
    same = tstr_score(adult_train, adult_train, adult_test, "income", random_state=0)
    assert same["task"] == "classification" and same["metric"] == "f1_macro"
    assert same["ratio"] == pytest.approx(1.0)
    assert 0.7 < same["real"] < 0.9
    assert set(same["real_per_class_f1"]) == {"<=50K", ">50K"}
    assert 0.8 < same["real_accuracy"] < 0.9
    noise = adult_train.assign(
        income=np.random.default_rng(0).permutation(adult_train["income"].to_numpy()))
    random_labels = tstr_score(noise, adult_train, adult_test, "income", random_state=0)
    assert random_labels["real"] == pytest.approx(same["real"])
    assert random_labels["ratio"] < 0.8


def test_tstr_regression_target(adult_train, adult_test):
    out = tstr_score(adult_train, adult_train, adult_test, "hours_per_week", random_state=0)
    assert out["task"] == "regression" and out["metric"] == "r2"
    assert out["synthetic"] == pytest.approx(out["real"])
    with pytest.raises(SchemaError, match="target column 'nope'"):
        tstr_score(adult_train, adult_train, adult_test, "nope")


# --------------------------------------------------------------------------- no mutation
def test_inputs_are_not_modified(adult_train, adult_test):
    real, test = adult_train.head(400).copy(), adult_test.head(300).copy()
    syn = _shuffle_columns(real)
    before = [real.copy(), syn.copy(), test.copy()]
    quality_report(real, syn)
    exact_match_rate(real, syn)
    distance_to_closest_record(real, syn, test, random_state=0)
    tstr_score(syn, real, test, "income", random_state=0)
    for original, now in zip(before, [real, syn, test], strict=True):
        pd.testing.assert_frame_equal(original, now)
