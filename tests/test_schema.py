"""TableSchema: inference, the shared numeric conversion and giving back training dtypes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import skgen.metrics._metadata
from skgen import AmplifySampler, GANSynthesizer, LSTMSynthesizer
from skgen.exceptions import ConditionError
from skgen.lstm._encoding import decode_column, encode_column
from skgen.metrics import column_shapes
from skgen.schema import TableSchema, as_float, from_float
from skgen.validators import NumericRangeValidator
from skgen.validators._base import column_kind
from tests.test_common import FAST

MODELS = [AmplifySampler, GANSynthesizer, LSTMSynthesizer]
BIG = 2**63 - 1  # int64's largest value: 2**63 - 1 and 2**63 - 1001 are one float64 apart


def _model(cls):
    return cls(random_state=0, **FAST.get(cls.__name__, {}))


@pytest.fixture(scope="module")
def zoned():
    """Whole-second Berlin times across the spring DST change, a level and an amount."""
    rng = np.random.default_rng(0)
    n = 300
    start = pd.Timestamp("2024-03-25", tz="Europe/Berlin")
    when = start + pd.to_timedelta(rng.integers(0, 14 * 86_400, n), unit="s")
    return pd.DataFrame({"when": when, "shop": rng.choice(["north", "south"], n),
                         "amount": rng.normal(50, 10, n).round(2)})


@pytest.fixture(scope="module")
def huge():
    """An int64 column at the top of its range, beside a level."""
    rng = np.random.default_rng(1)
    n = 300
    return pd.DataFrame({"key": np.where(rng.random(n) < 0.5, BIG, BIG - 1000).astype("int64"),
                         "shop": rng.choice(["north", "south"], n)})


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_time_zone_aware_datetimes_sample_in_their_zone(cls, zoned):
    syn = _model(cls).fit(zoned)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the LSTM's fallback at FAST settings
        out = syn.sample(60)
        fixed = zoned["when"].iloc[7]
        held = syn.sample(20, conditions={"when": fixed})
    assert (out.dtypes == zoned.dtypes).all()
    assert str(out["when"].dt.tz) == "Europe/Berlin"
    assert out["when"].between(zoned["when"].min(), zoned["when"].max()).all()
    assert (out["when"] == out["when"].dt.floor("s")).all()  # training resolution: seconds
    assert (held["when"] == fixed).all() and held["when"].dtype == zoned["when"].dtype


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_int64_at_its_limit_samples_exact_integers_in_range(cls, huge):
    syn = _model(cls).fit(huge)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = syn.sample(60)
    assert out["key"].dtype == np.int64
    values = [int(v) for v in out["key"]]
    assert min(values) >= BIG - 1000 and max(values) <= BIG


def test_schema_keeps_exact_range_zone_and_resolution(zoned, huge):
    key = TableSchema.infer(huge)["key"]
    assert (key.kind, key.min, key.max, key.origin) == ("integer", BIG - 1000, BIG, BIG - 1000)
    when = TableSchema.infer(zoned)["when"]
    assert str(when.tz) == "Europe/Berlin" and when.step == 10**9
    assert when.min == zoned["when"].min().value  # exact nanoseconds, no float64 rounding
    restored = TableSchema.from_dict(TableSchema.infer(huge).to_dict())
    assert restored["key"].max == BIG


@pytest.mark.parametrize("values,dtype", [
    ([BIG, BIG - 1000, BIG - 1, None], "Int64"),
    ([2**64 - 1, 2**64 - 3, 2**64 - 1001], "uint64"),
    ([-(2**63), -(2**63) + 17, -(2**63) + 1000], "int64"),
])
def test_as_float_and_from_float_round_trip_integers_exactly(values, dtype):
    s = pd.Series(values, dtype=dtype)
    col = TableSchema.infer(s.to_frame("x"))["x"]
    back = from_float(as_float(s, col.kind, col.origin), col.kind, col.origin)
    assert [None if pd.isna(v) else int(v) for v in back] == \
        [None if pd.isna(v) else int(v) for v in s]


def test_datetimes_round_trip_through_numbers_and_coerce_in_their_zone(zoned):
    schema = TableSchema.infer(zoned)
    col = schema["when"]
    x = as_float(zoned["when"], "datetime", col.origin)
    assert x.min() == 0  # measured from the exact training minimum
    raw = zoned.assign(when=from_float(x + 0.4e9, "datetime", col.origin, col.step))
    out = schema.coerce(raw)
    assert out["when"].dtype == zoned["when"].dtype
    pd.testing.assert_series_equal(out["when"], zoned["when"])  # rounded back to the second


def test_coerce_refuses_integers_the_dtype_cannot_hold(huge):
    schema = TableSchema.infer(huge)
    raw = pd.DataFrame({"key": np.array([BIG - 1000, 2**64 - 5], dtype=object),
                        "shop": ["north", "south"]})
    out = schema.coerce(raw)
    assert out["key"].iloc[0] == BIG - 1000 and pd.isna(out["key"].iloc[1])


def test_lstm_writes_and_reads_zoned_datetimes_and_big_integers_exactly(zoned, huge):
    for frame, name in ((zoned, "when"), (huge, "key")):
        col = TableSchema.infer(frame)[name]
        codes, strings = encode_column(frame[name], col)
        values, ok = decode_column(np.asarray(strings, dtype=object)[codes], col)
        assert ok.all()
        assert not decode_column(np.array([str(2**64)], dtype=object), col)[1].any()
        typed = TableSchema.infer(frame).coerce(frame.assign(**{name: values}))
        pd.testing.assert_series_equal(typed[name], frame[name])


def test_metrics_read_numbers_and_dates_with_the_schema_conversion():
    # one conversion for models and metrics: ISO strings whose UTC offset changes with
    # DST (which the metrics' own parser refused) and typed zoned times are the same instants
    real = pd.DataFrame({"when": ["2024-03-30 12:00:00+01:00", "2024-03-31 12:00:00+02:00",
                                  "2024-04-01 12:00:00+02:00"]})
    same = pd.DataFrame({"when": pd.to_datetime(real["when"], utc=True)
                         .dt.tz_convert("Europe/Berlin")})
    shapes = column_shapes(real, same, metadata={"when": "datetime"})
    assert shapes["score"].tolist() == [1.0]
    assert not hasattr(skgen.metrics._metadata, "as_float")


def test_numeric_range_validator_judges_int64_near_its_limit_exactly(huge):
    rule = NumericRangeValidator().fit(huge)
    cand = pd.DataFrame({"key": np.array([BIG, BIG - 1000, BIG - 1001, BIG - 1010],
                                         dtype="int64")})
    assert rule.is_valid(cand).tolist() == [True, True, False, False]
    spelled = pd.DataFrame({"key": [str(BIG - 1001), str(BIG - 999)]})
    assert rule.is_valid(spelled).tolist() == [False, True]


def test_validators_take_their_column_kinds_from_the_schema(adult, zoned):
    frame = pd.concat([adult.head(300).reset_index(drop=True), zoned], axis=1).assign(
        spelled=lambda d: d["age"].astype(str), hexes=["0x1F", "0b11", "7"] * 100,
        mixed=[1, "x", 2.5] * 100, nothing=None)
    schema = TableSchema.infer(frame, strict=False)
    as_validator = {"numeric": "numeric", "integer": "numeric", "boolean": "boolean",
                    "datetime": "datetime"}
    for col in schema.columns:
        got = column_kind(frame[col.name])
        if col.name in ("spelled", "hexes"):  # strings that spell numbers: judged as numbers
            assert (col.kind, got) == ("categorical", "numeric")
        elif col.name == "nothing":
            assert got == "empty"
        else:
            assert got == as_validator.get(col.kind, "string"), col.name


def test_condition_on_an_integer_beyond_2_53_is_refused_by_name(huge):
    syn = AmplifySampler(random_state=0).fit(huge)
    with pytest.raises(ConditionError, match="'key'.*beyond 2\\*\\*53"):
        syn.sample(5, conditions={"key": BIG - 1000})
