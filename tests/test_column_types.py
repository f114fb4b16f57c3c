"""Columns read the way the user means them: seed values, ISO dates, ``column_types``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from skgen import AmplifySampler, GANSynthesizer, LSTMSynthesizer
from skgen.cli import main
from skgen.datasets import load_diamonds
from skgen.lstm._encoding import encode_column, format_seed_values
from skgen.schema import TableSchema
from tests.test_common import FAST

MODELS = [AmplifySampler, GANSynthesizer, LSTMSynthesizer]


def _model(cls, **params):
    return cls(random_state=0, data_checks="skip", **FAST.get(cls.__name__, {}), **params)


def _quiet_sample(syn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the LSTM's fallback at FAST settings
        return syn.sample(*args, **kwargs)


# ----------------------------------------------------------------- seed values (point 2)
@pytest.fixture(scope="module")
def grams():
    """Diamonds with the weight in grams (carat * 0.2): a column full of float noise."""
    data = load_diamonds().sample(1200, random_state=0).reset_index(drop=True)
    data = data.assign(weight=data["carat"] * 0.2)[["weight", "cut", "color", "price"]]
    return data.iloc[:1000], data.iloc[1000:].reset_index(drop=True)


def test_a_hold_out_row_with_float_noise_is_a_valid_seed_row(grams):
    train, holdout = grams
    noisy = holdout["weight"][holdout["weight"] != holdout["weight"].round(2)]
    assert len(noisy) > 50  # the hold-out values carry float noise, as training does
    syn = AmplifySampler(random_state=0, data_checks="skip").fit(train)
    seeds = holdout.head(20).copy()
    seeds.loc[::2, "price"] = np.nan  # imputation: the model fills in these
    out = syn.sample(conditions=seeds)
    decimals = syn.schema_["weight"].decimals
    np.testing.assert_allclose(out["weight"], seeds["weight"].round(decimals), rtol=0,
                               atol=10.0 ** -decimals)
    assert out.loc[1::2, "price"].tolist() == seeds.loc[1::2, "price"].tolist()


def test_a_float_seed_is_rounded_to_the_column_precision(grams):
    train, _ = grams
    rounded = train.assign(weight=train["weight"].round(3))
    syn = AmplifySampler(random_state=0, data_checks="skip").fit(rounded)
    assert syn.schema_["weight"].decimals == 3
    out = syn.sample(5, conditions={"weight": 0.1234567})
    assert (out["weight"] == 0.123).all()


def test_seed_csv_is_read_with_the_model_schema(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    zips = rng.choice(["98103", "98115", "98117", "98122"], n)
    frame = pd.DataFrame({"zip_code": zips,
                          "species": rng.choice(["Cat", "Dog", "Goat"], n),
                          "age": rng.integers(1, 15, n)})
    path = tmp_path / "pets.skgen"
    AmplifySampler(random_state=0, data_checks="skip").fit(frame).save(path)
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("zip_code,species,age\n98103,,3\n,Dog,\n98122,Cat,7\n")
    out = tmp_path / "out.csv"
    assert main(["sample", str(path), "--conditions", str(seeds), "-o", str(out)]) == 0
    got = pd.read_csv(out, dtype={"zip_code": str})
    assert got["zip_code"][[0, 2]].tolist() == ["98103", "98122"]
    assert got["zip_code"][1] in set(zips)  # a missing cell is generated, not "nan"
    assert got["species"][[1, 2]].tolist() == ["Dog", "Cat"]
    assert got["age"][[0, 2]].tolist() == [3, 7]


# ------------------------------------------------------------------------- dates (point 3)
#: ISO-8601 spellings and the format each is written back in.
ISO_SPELLINGS = {
    "day": ("%Y-%m-%d", "%Y-%m-%d"),
    "stamp": ("%Y-%m-%dT%H:%M:%S.000Z", "%Y-%m-%dT%H:%M:%S.%3fZ"),  # Minneapolis stops
    "local": ("%Y-%m-%dT%H:%M:%S-06:00", "%Y-%m-%dT%H:%M:%S-06:00"),
    "minute": ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M"),
    "plain": ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S"),
}
ISO_SHAPES = {
    "day": r"\d{4}-\d{2}-\d{2}",
    "stamp": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z",
    "local": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-06:00",
    "minute": r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}",
    "plain": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
}


@pytest.fixture(scope="module")
def stops():
    """300 stops in 2017 whose times are ISO-8601 strings of five spellings."""
    rng = np.random.default_rng(0)
    n = 300
    when = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86_400, n),
                                                        unit="s")
    frame = {name: list(when.strftime(spelling)) for name, (spelling, _) in
             ISO_SPELLINGS.items()}
    frame["precinct"] = rng.choice(["1", "2", "3", "4", "5"], n)
    return pd.DataFrame(frame)


def test_iso_strings_are_datetimes_in_their_own_format(stops):
    schema = TableSchema.infer(stops)
    for name, (_, written) in ISO_SPELLINGS.items():
        col = schema[name]
        assert (col.kind, col.datetime_format) == ("datetime", written), name
    assert schema["stamp"].step == 10**9 and schema["minute"].step == 60 * 10**9
    assert str(schema["local"].tz) == "UTC-06:00" and schema["plain"].tz is None
    pd.testing.assert_frame_equal(schema.coerce(stops), stops)  # written back exactly


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_models_generate_valid_dates_in_the_training_format(cls, stops):
    syn = _model(cls).fit(stops)
    out = _quiet_sample(syn, 80)
    assert (out.dtypes == stops.dtypes).all()
    for name, shape in ISO_SHAPES.items():
        assert out[name].str.fullmatch(shape).all(), (name, out[name].head(3).tolist())
        when = pd.to_datetime(out[name], format="ISO8601", utc=True)
        real = pd.to_datetime(stops[name], format="ISO8601", utc=True)
        assert when.between(real.min(), real.max()).all(), name
    fixed = _quiet_sample(syn, 10, conditions={"local": "2017-03-04T05:06:07-06:00",
                                               "stamp": pd.Timestamp("2017-05-06 07:08:09")})
    assert (fixed["local"] == "2017-03-04T05:06:07-06:00").all()
    assert (fixed["stamp"] == "2017-05-06T07:08:09.000Z").all()


def test_a_naive_seed_for_a_column_with_an_offset_is_local_time(stops):
    syn = AmplifySampler(random_state=0, data_checks="skip").fit(stops)
    out = syn.sample(3, conditions={"local": "2017-03-04 05:06:07"})
    assert (out["local"] == "2017-03-04T05:06:07-06:00").all()


def test_the_lstm_learns_dates_as_spelt_and_writes_seeds_the_same_way(stops):
    schema = TableSchema.infer(stops)
    for name in ISO_SPELLINGS:
        col = schema[name]
        codes, strings = encode_column(stops[name], col)
        assert sorted(strings) == sorted(stops[name].unique()), name
        seed = pd.Series([pd.Timestamp(stops[name].iloc[0]).tz_localize(None)
                          if col.tz is None else
                          pd.Timestamp(stops[name].iloc[0]).tz_convert("UTC").tz_localize(None)])
        assert format_seed_values(seed, col).tolist() == [stops[name].iloc[0]], name


# ------------------------------------------------------------------ column_types (point 4)
@pytest.fixture(scope="module")
def permits():
    """Whole-number zip codes, US-style dates, numeric IDs and notes: kinds inference misses."""
    rng = np.random.default_rng(2)
    n = 300
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")
    return pd.DataFrame({
        "zip": rng.choice([98103, 98115, 98117, 98122], n),
        "issued": list(days.strftime("%m/%d/%Y")),
        "permit": rng.permutation(n) * 7 + 10_000,
        "fee": rng.gamma(2.0, 150.0, n).round(2),
        "note": [f"replace the {rng.choice(['roof', 'deck', 'fence'])} of house {i} on "
                 f"{rng.choice(['Elm', 'Oak'])} street" for i in range(n)]})


PERMIT_TYPES = {"zip": "categorical", "issued": "datetime", "permit": "id", "note": "text"}


def test_infer_column_types_shows_what_the_models_see(permits):
    from skgen.schema import infer_column_types

    inferred = infer_column_types(permits)
    assert inferred == {"zip": "integer", "issued": "categorical", "permit": "integer",
                        "fee": "numeric",
                        "note": "text"}
    assert infer_column_types(permits, PERMIT_TYPES) == {**inferred, **PERMIT_TYPES}


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_every_model_honours_column_types(cls, permits):
    syn = _model(cls, column_types=PERMIT_TYPES)
    assert syn.get_params()["column_types"] is PERMIT_TYPES  # stored verbatim
    syn.fit(permits)
    assert {c.name: c.kind for c in syn.schema_.columns} == {
        "zip": "categorical", "issued": "datetime", "permit": "id", "fee": "numeric",
        "note": "text"}
    out = _quiet_sample(syn, 60)
    assert (out.dtypes == permits.dtypes).all()
    assert out["zip"].isin(permits["zip"]).all()  # only the training zip codes
    issued = pd.to_datetime(out["issued"], format="%m/%d/%Y", errors="coerce")
    assert issued.notna().all()  # valid dates, written as in training
    assert issued.between(pd.Timestamp("2020-01-01"), pd.Timestamp("2020-12-31")).all()


@pytest.mark.parametrize(("column_types", "needle"), [
    ({"zipcode": "categorical"}, "'zipcode'"),
    ({"zip": "category"}, "'category'"),
    ({"fee": "datetime"}, "'fee'"),
    ({"note": "integer"}, "'note'"),
    (["zip"], "dict"),
])
def test_bad_column_types_are_named_in_fit(permits, column_types, needle):
    from sklearn.utils._param_validation import InvalidParameterError

    from skgen.exceptions import SchemaError

    syn = AmplifySampler(column_types=column_types, data_checks="skip")
    with pytest.raises((SchemaError, InvalidParameterError), match=needle):
        syn.fit(permits)


def test_cli_column_types_and_the_kinds_fit_prints(permits, tmp_path, capsys):
    data = tmp_path / "permits.csv"
    permits.assign(zip=permits["zip"].astype(str).str.zfill(6)).to_csv(data, index=False)
    model = tmp_path / "permits.skgen"
    assert main(["fit", str(data), "-o", str(model), "--random-state", "0",
                 "--column-type", "zip=categorical", "--column-type", "issued=datetime",
                 "--param", "data_checks=skip"]) == 0
    printed = capsys.readouterr().out
    assert "categorical zip" in " ".join(printed.split())
    assert "datetime issued" in " ".join(printed.split())
    out = tmp_path / "out.csv"
    assert main(["sample", str(model), "-n", "20", "--where", "zip=098103",
                 "-o", str(out)]) == 0
    assert (pd.read_csv(out, dtype={"zip": str})["zip"] == "098103").all()  # the leading 0
    assert main(["fit", str(data), "-o", str(model), "--column-type", "zip=zipcode"]) == 2
    assert "unknown kind 'zipcode'" in capsys.readouterr().err


def test_quality_report_names_every_column_it_leaves_out(permits):
    from skgen.metrics import quality_report

    real = permits.assign(owner_id=np.arange(len(permits)), empty=np.nan)
    synthetic = real.sample(frac=1.0, random_state=0).assign(fee=np.nan)
    report = quality_report(real, synthetic)
    assert set(report.skipped_columns) == {"note", "owner_id", "empty", "fee"}
    assert "identifier" in report.skipped_columns["owner_id"]
    assert "'id' in its name" in report.skipped_columns["owner_id"]
    assert "free text" in report.skipped_columns["note"]
    assert "synthetic" in report.skipped_columns["fee"]
    assert "real" in report.skipped_columns["empty"]
    text = str(report)
    for name in report.skipped_columns:
        assert f"not scored:     {name}:" in text


def test_lstm_reads_made_up_offsets_in_a_naive_datetime_column_without_failing():
    from skgen.lstm._encoding import decode_column

    col = TableSchema.infer(pd.DataFrame({"t": pd.to_datetime(["2017-01-01 10:00:00",
                                                               "2017-02-01 11:30:00"])}))["t"]
    values, ok = decode_column(np.array(["2017-01-03 10:00:00", "2017-01-03 10:00:00+3",
                                         "2017-13-45 10:00", None], dtype=object), col)
    assert ok.tolist() == [True, True, False, True]
    assert values[0] == pd.Timestamp("2017-01-03 10:00:00") and values[3] is None


def test_dates_in_several_spellings_and_units_are_read_together():
    from skgen.schema import as_float

    # ISO strings parse to microseconds; a nanosecond in another spelling must not break them
    s = pd.Series(["2017-01-01T10:00:00.000Z", "2017-13-08T28:05:33.000Z",
                   "03/04/2021 10:00:00.0000007", None])
    x = as_float(s, "datetime")
    assert x[0] == pd.Timestamp("2017-01-01T10:00:00Z").value
    assert np.isnan(x[1]) and np.isnan(x[3])
    assert x[2] == pd.Timestamp("2021-03-04 10:00:00.0000007").value
