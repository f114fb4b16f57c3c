"""Columns read the way the user means them: seed values, ISO dates, ``column_types``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from skgen import AmplifySampler, GANSynthesizer, LSTMSynthesizer
from skgen.cli import main
from skgen.datasets import load_diamonds
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
