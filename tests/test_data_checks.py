"""Tests of skgen.data_checks: each check fires on its problem and stays quiet on real data."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import uuid

import numpy as np
import pandas as pd
import pytest

from skgen.data_checks import (
    CHECKS,
    DataCheckWarning,
    check_complex_entities,
    check_constant,
    check_data,
    check_float_precision,
    check_free_text,
    check_large_data,
    check_missing,
    check_one_hot,
    check_whitespace,
    run_data_checks,
)
from skgen.datasets import load_adult, load_diamonds, load_lending_club
from skgen.exceptions import DataCheckError, SkgenError

N = 200


def pairs(warnings: list[DataCheckWarning]) -> set[tuple[str, object]]:
    return {(w.check, w.column) for w in warnings}


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    return load_adult()


@pytest.fixture
def base() -> pd.DataFrame:
    """A small clean table: none of the checks fires on it."""
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, N),
            "city": rng.choice(["Austin", "Boston", "Chicago"], N),
            "score": np.round(rng.normal(50, 10, N), 2),
            "name": [f"Person {i}" for i in range(N)],
        }
    )


def with_column(base: pd.DataFrame, name: str, values) -> pd.DataFrame:
    frame = base.copy()
    frame[name] = values
    return frame


def test_base_frame_is_clean(base):
    assert run_data_checks(base) == []


# ------------------------------------------------------------------------ real data


def test_real_tables_give_only_justified_warnings(adult):
    # The shipped copies are clean for every check, so the exact set is empty:
    # - adult: the strings are already trimmed (the raw UCI files put a space before
    #   every value, see the whitespace test below), the most-missing column
    #   (occupation) is 5.8 % missing, there are no float columns, no 0/1 numeric
    #   columns (sex and income are strings), 41 levels at most, 15 columns.
    # - diamonds: floats carry at most 2 decimals, no missing values, 10 columns.
    # - lending_club: floats carry at most 2 decimals; acc_now_delinq takes 0, 1
    #   and 2, so no column is a 0/1 column; 50 levels at most (addr_state).
    assert pairs(run_data_checks(adult)) == set()
    assert pairs(run_data_checks(load_diamonds())) == set()
    assert pairs(run_data_checks(load_lending_club())) == set()


def test_adult_with_the_raw_uci_leading_spaces_is_flagged(adult):
    raw_style = adult.copy()
    raw_style["workclass"] = " " + raw_style["workclass"]
    found = run_data_checks(raw_style)
    assert pairs(found) == {("whitespace", "workclass")}
    assert "' State-gov'" in found[0].message
    assert "10,000 values" in found[0].message  # only the first 10,000 are looked at



# ------------------------------------------------------------------ each check fires


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    return [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)]


def _hashes(algorithm: str, n: int) -> list[str]:
    return [hashlib.new(algorithm, str(i).encode()).hexdigest() for i in range(n)]


LOG_LINES = [
    f"10.0.{i % 7}.{i % 250} - - [12/Mar/2024:10:{i % 60:02d}:{i % 53:02d} +0000] "
    f'"GET /api/items/{i} HTTP/1.1" {200 if i % 9 else 404} {512 + 37 * i}'
    for i in range(N)
]
USER_AGENTS = [
    f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    f"Chrome/{100 + i % 25}.0.{4000 + i}.{i % 100} Safari/537.36"
    for i in range(N)
]


@pytest.mark.parametrize(
    ("column", "make_values", "check", "words"),
    [
        ("id", lambda rng: _uuids(rng, N), "complex_entities", "UUIDs"),
        ("md5", lambda rng: _hashes("md5", N), "complex_entities", "MD5"),
        ("sha1", lambda rng: _hashes("sha1", N), "complex_entities", "SHA-1"),
        ("sha256", lambda rng: _hashes("sha256", N), "complex_entities", "SHA-256"),
        ("log", lambda rng: LOG_LINES, "free_text", "free text"),
        ("user_agent", lambda rng: USER_AGENTS, "free_text", "free text"),
        (
            "mostly_missing",
            lambda rng: np.where(np.arange(N) % 5 == 0, rng.normal(size=N).round(1), np.nan),
            "missing",
            "160 of 200 values (80.0%)",
        ),
        ("ratio", lambda rng: np.round(rng.random(N) * 5, 8), "float_precision", "decimals"),
        ("label", lambda rng: [" yes", "no "] * (N // 2), "whitespace", "' yes'"),
        ("country", lambda rng: ["US"] * N, "constant", "'US'"),
    ],
)
def test_each_check_fires_and_names_the_column(base, column, make_values, check, words):
    frame = with_column(base, column, make_values(np.random.default_rng(1)))
    found = run_data_checks(frame)
    assert pairs(found) == {(check, column)}
    (warning,) = found
    assert repr(column) in warning.message
    assert words in warning.message
    assert check in CHECKS
    assert pairs(CHECKS[check](frame)) == {(check, column)}


def test_float_precision_on_the_seed_example(base):
    frame = with_column(base, "x", [2.34473832, 1.5] * (N // 2))
    (warning,) = check_float_precision(frame)
    assert warning.column == "x"
    assert "2.34473832" in warning.message and "100 of 200" in warning.message
    assert "round(4)" in warning.message


def test_one_hot_columns_from_get_dummies(base):
    dummies = pd.get_dummies(base["city"], dtype=int)
    frame = pd.concat([base, dummies], axis=1)
    found = run_data_checks(frame)
    assert pairs(found) == {("one_hot", city) for city in ["Austin", "Boston", "Chicago"]}
    assert all("'Austin', 'Boston', 'Chicago'" in w.message for w in found)
    # Booleans count as 0/1 too.
    bool_frame = pd.concat([base, pd.get_dummies(base["city"], prefix="c")], axis=1)
    assert pairs(check_one_hot(bool_frame)) == {
        ("one_hot", "c_Austin"),
        ("one_hot", "c_Boston"),
        ("one_hot", "c_Chicago"),
    }


def test_one_hot_pair_that_sums_to_one_per_row(base):
    is_female = (np.arange(N) % 2).astype(int)
    frame = base.assign(is_female=is_female, is_male=1 - is_female)
    assert pairs(check_one_hot(frame)) == {("one_hot", "is_female"), ("one_hot", "is_male")}


def test_one_hot_quiet_for_few_independent_flags(base):
    rng = np.random.default_rng(2)
    frame = base.assign(
        churned=(np.arange(N) % 3 != 0).astype(int),  # two thirds ones: dense
        premium=(rng.random(N) < 0.1).astype(int),
    )
    assert check_one_hot(frame) == []
    assert check_one_hot(frame, min_columns=2) == []  # premium is the only sparse one
    assert pairs(check_one_hot(frame, min_columns=2, max_ones_fraction=1.0)) == {
        ("one_hot", "churned"),
        ("one_hot", "premium"),
    }


def test_large_data_thresholds(base):
    table = check_large_data(base, max_rows=N - 1, max_columns=3)
    assert pairs(table) == {("large_data", None)}
    assert len(table) == 2
    assert f"{N} rows" in table[0].message and "4 columns" in table[1].message
    assert check_large_data(base, max_rows=N, max_columns=4) == []

    levels = with_column(
        pd.concat([base] * 6, ignore_index=True), "code", [f"C{i}" for i in range(6 * N)]
    )
    (warning,) = check_large_data(levels)
    assert warning.column == "code" and "1,200 distinct values" in warning.message
    assert check_large_data(levels, max_levels=1200) == []


def test_large_data_wide_table():
    wide = pd.DataFrame(np.zeros((2, 101), dtype=np.int64) + np.arange(2)[:, None])
    (warning,) = check_large_data(wide)
    assert warning.column is None and "101 columns" in warning.message


def test_constant_column_and_all_missing_column(base):
    frame = base.assign(flag=True, empty=np.nan)
    found = run_data_checks(frame)
    assert pairs(found) == {
        ("constant", "flag"),
        ("constant", "empty"),
        ("missing", "empty"),
    }


def test_one_value_plus_missing_is_not_constant(base):
    frame = with_column(base, "maybe", np.where(np.arange(N) % 3 == 0, np.nan, 1.0))
    assert check_constant(frame) == []


# --------------------------------------------------------------- quiet below thresholds


def test_complex_entities_needs_most_values_to_match(base):
    rng = np.random.default_rng(3)
    mixed = _uuids(rng, 60) + [f"order-{i}" for i in range(N - 60)]  # 30 % UUIDs
    frame = with_column(base, "ref", mixed)
    assert check_complex_entities(frame) == []
    assert pairs(check_complex_entities(frame, min_fraction=0.25)) == {("complex_entities", "ref")}
    # Hex strings of other lengths are not hashes.
    assert check_complex_entities(with_column(base, "hex", ["deadbeef"] * N)) == []


def test_free_text_needs_other_columns_and_long_unique_values(base):
    assert check_free_text(pd.DataFrame({"log": LOG_LINES})) == []
    short_names = with_column(base, "full_name", [f"Ann Lee Smith {i}" for i in range(N)])
    assert check_free_text(short_names) == []
    repeated = with_column(base, "msg", [LOG_LINES[0]] * N)
    assert check_free_text(repeated) == []


def test_missing_threshold_is_strictly_more_than(base):
    half = with_column(base, "half", np.where(np.arange(N) % 2 == 0, 1.0, np.nan))
    assert check_missing(half) == []
    assert pairs(check_missing(half, max_missing_fraction=0.4)) == {("missing", "half")}


def test_float_precision_quiet_for_four_decimals_and_float32(base):
    rng = np.random.default_rng(4)
    four = with_column(base, "f", np.round(rng.random(N) * 100, 4))
    assert check_float_precision(four) == []
    assert pairs(check_float_precision(four, max_decimals=3)) == {("float_precision", "f")}
    # 0.1 is not exact in float32, but it has one decimal as a float32.
    f32 = with_column(base, "g", np.full(N, 0.1, dtype=np.float32) * np.arange(N, dtype=np.float32))
    assert check_float_precision(f32) == []


def test_string_checks_sample_the_first_values(base):
    values = ["a"] * (N - 1) + [" a"]
    frame = with_column(base, "tail", values)
    assert check_whitespace(frame, max_values=N - 1) == []
    (warning,) = check_whitespace(frame, max_values=None)
    assert warning.column == "tail" and "1 of 200" in warning.message
    (sampled,) = check_whitespace(with_column(base, "tail", [" a"] * N), max_values=50)
    assert "checked the first 50 of 200" in sampled.message


def test_checks_handle_odd_columns(base):
    frame = base.copy()
    frame[7] = pd.Categorical([" x", "y"] * (N // 2))  # non-str name, categorical
    frame["mixed"] = [1, "two "] * (N // 2)  # mixed object column
    frame["lists"] = [[1, 2]] * N  # unhashable values
    frame["nullable"] = pd.array([1, None] * (N // 2), dtype="Int64")
    found = run_data_checks(frame)
    assert pairs(found) == {("whitespace", 7), ("whitespace", "mixed")}
    assert "X[7]" in found[0].message


# ------------------------------------------------------------------------ strategies

PROBLEMS = {
    "id": lambda: _uuids(np.random.default_rng(5), N),
    "blank": lambda: [" v"] * N,
    "same": lambda: [0] * N,
}


@pytest.fixture
def bad(base) -> pd.DataFrame:
    frame = base.copy()
    for column, make in PROBLEMS.items():
        frame[column] = make()
    return frame


def test_run_data_checks_runs_every_registered_check(bad):
    assert list(CHECKS) == [
        "complex_entities",
        "free_text",
        "missing",
        "float_precision",
        "one_hot",
        "large_data",
        "whitespace",
        "constant",
    ]
    expected = [w for check in CHECKS.values() for w in check(bad)]
    assert run_data_checks(bad) == expected
    assert pairs(expected) == {
        ("complex_entities", "id"),
        ("whitespace", "blank"),
        ("constant", "blank"),
        ("constant", "same"),
    }


def test_strategy_log_logs_every_warning(bad, caplog):
    with caplog.at_level(logging.WARNING, logger="skgen.data_checks"):
        found = check_data(bad)  # "log" is the default
    assert len(found) == 4
    records = [r for r in caplog.records if r.name == "skgen.data_checks"]
    assert [r.levelno for r in records] == [logging.WARNING] * 4
    assert [r.getMessage() for r in records] == [str(w) for w in found]
    assert "'id'" in records[0].getMessage()


def test_strategy_interrupt_raises_with_every_warning(bad, caplog):
    with pytest.raises(DataCheckError) as info:
        check_data(bad, strategy="interrupt")
    error = info.value
    assert isinstance(error, SkgenError) and isinstance(error, ValueError)
    assert error.warnings == run_data_checks(bad)
    for warning in error.warnings:
        assert warning.message in str(error)
    assert "4 problem(s)" in str(error)


def test_strategy_interrupt_passes_a_clean_table(base):
    assert check_data(base, strategy="interrupt") == []


def test_strategy_skip_runs_nothing(bad, caplog):
    with caplog.at_level(logging.WARNING, logger="skgen.data_checks"):
        assert check_data(bad, strategy="skip") == []
        assert check_data("not a frame", strategy="skip") == []
    assert not caplog.records


@pytest.mark.parametrize("strategy", ["abort", "LOG", None])
def test_unknown_strategy_is_named(base, strategy):
    with pytest.raises(ValueError, match=repr(strategy)):
        check_data(base, strategy=strategy)


def test_input_is_not_mutated(bad):
    frame = bad.assign(cat=pd.Categorical(["a ", "b"] * (N // 2)), f=np.full(N, 1.234567))
    before = frame.copy(deep=True)
    dtypes = frame.dtypes.copy()
    check_data(frame, strategy="log")
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_series_equal(frame.dtypes, dtypes)


# --------------------------------------------------------------------- API details


def test_warning_is_frozen():
    warning = DataCheckWarning("constant", "a", "Column 'a' ...")
    with pytest.raises(dataclasses.FrozenInstanceError):
        warning.column = "b"
    assert str(warning) == "[constant] Column 'a' ..."


@pytest.mark.parametrize("check", list(CHECKS.values()) + [run_data_checks])
def test_checks_require_a_dataframe(check):
    with pytest.raises(TypeError, match="ndarray"):
        check(np.zeros((3, 2)))


@pytest.mark.parametrize(
    ("check", "kwargs", "name"),
    [
        (check_missing, {"max_missing_fraction": 1.5}, "max_missing_fraction"),
        (check_complex_entities, {"min_fraction": -0.1}, "min_fraction"),
        (check_whitespace, {"max_values": 0}, "max_values"),
        (check_float_precision, {"max_decimals": 2.5}, "max_decimals"),
        (check_one_hot, {"min_columns": True}, "min_columns"),
        (check_large_data, {"max_rows": -1}, "max_rows"),
        (check_free_text, {"min_unique_fraction": "0.5"}, "min_unique_fraction"),
    ],
)
def test_bad_thresholds_are_named(base, check, kwargs, name):
    with pytest.raises(ValueError, match=name):
        check(base, **kwargs)


def test_empty_and_one_row_tables_give_no_warnings(base):
    assert run_data_checks(base.iloc[:0]) == []
    assert run_data_checks(base.iloc[:1]) == []


# ------------------------------------------------------ checks that help (issue 14.6)


def _genres(n: int, seed: int = 3) -> pd.DataFrame:
    """Multi-label genre flags, as in a movies table: a film has one to three genres."""
    rng = np.random.default_rng(seed)
    names = ["Action", "Comedy", "Drama", "Romance", "Thriller"]
    flags = np.zeros((n, len(names)), dtype=int)
    for i in range(n):
        flags[i, rng.choice(len(names), size=rng.integers(1, 4), replace=False)] = 1
    return pd.DataFrame(flags, columns=names)


def test_one_hot_does_not_advise_from_dummies_for_multi_label_flags(base):
    genres = _genres(N)
    assert (genres.sum(axis=1) > 1).mean() > 0.3  # several flags set on many rows
    frame = pd.concat([base, genres, pd.get_dummies(base["city"], prefix="c", dtype=int)],
                      axis=1)
    found = {w.column: w.message for w in check_one_hot(frame)}
    assert set(found) >= {"c_Austin", "c_Boston", "c_Chicago"}
    for city in ("c_Austin", "c_Boston", "c_Chicago"):  # a true one-hot group
        assert "from_dummies" in found[city]
        assert "'c_Austin', 'c_Boston', 'c_Chicago'" in found[city]
    for genre in genres.columns:
        if genre in found:
            assert "from_dummies" not in found[genre]
            assert "multi-label" in found[genre]
            assert "'c_Austin'" not in found[genre]


def test_float_precision_fires_only_for_models_that_learn_digit_strings(base):
    from skgen import AmplifySampler, GANSynthesizer, LSTMSynthesizer

    frame = with_column(base.drop(columns="name"), "ratio",
                        np.round(np.random.default_rng(1).random(N) * 5, 8))
    assert pairs(run_data_checks(frame)) == {("float_precision", "ratio")}
    for cls, params in ((AmplifySampler, {}), (GANSynthesizer, {"epochs": 1})):
        syn = cls(data_checks="interrupt", random_state=0, **params).fit(frame)
        assert syn.data_check_warnings_ == []
    with pytest.raises(DataCheckError, match="'ratio'.*decimals"):
        LSTMSynthesizer(data_checks="interrupt", epochs=1).fit(frame)
    assert check_data(frame, exclude=["float_precision"]) == []
    with pytest.raises(ValueError, match="'precision'"):
        run_data_checks(frame, exclude=["precision"])


def test_every_message_says_how_to_silence_the_checks(bad):
    frame = bad.assign(
        ratio=np.round(np.random.default_rng(1).random(N) * 5, 8),
        mostly_missing=np.where(np.arange(N) % 5 == 0, 1.0, np.nan),
        log=LOG_LINES, **_genres(N))
    found = run_data_checks(frame)
    assert {w.check for w in found} == set(CHECKS) - {"large_data"}
    found += check_large_data(frame, max_rows=10)
    for warning in found:
        assert 'data_checks="skip"' in warning.message, warning.check
        assert "--param data_checks=skip" in warning.message, warning.check
