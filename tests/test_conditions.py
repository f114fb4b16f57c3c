"""Range and set conditions: every row inside, drawn from the data restricted to them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

import skgen
from skgen import AmplifySampler, ConditionError, GANSynthesizer, LSTMSynthesizer, Range
from skgen.cli import main
from skgen.datasets import load_diamonds

GAN_TINY = {"embedding_dim": 16, "generator_dim": (64, 64), "discriminator_dim": (64, 64),
            "batch_size": 100, "pac": 10, "n_modes": 5, "mode_fit_rows": 1000,
            "data_checks": "skip"}
LSTM_TINY = dict(epochs=8, batch_size=16, rnn_units=32, embedding_dim=16, vocab_size=0,
                 learning_rate=0.01, dropout_rate=0.0, data_checks="skip")
PRICE = Range(1000, 2000)
CUTS = ["Fair", "Good"]


@pytest.fixture(scope="module")
def gem():
    """Diamonds with a datetime column (a date per price: a real, skewed distribution)."""
    df = load_diamonds().sample(3000, random_state=0).reset_index(drop=True)
    df["listed"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(df["price"] // 10, unit="D")
    return df


@pytest.fixture(scope="module")
def amplify(gem):
    return AmplifySampler(n_components=20, random_state=0).fit(gem)


@pytest.fixture(scope="module")
def gan(gem):
    torch.set_num_threads(1)
    return GANSynthesizer(epochs=3, random_state=0, **GAN_TINY).fit(gem.head(1500))


def _set_shares_match(out: pd.Series, real: pd.Series, values: list) -> float:
    """p-value of a chi-square test of the generated shares against the real ones."""
    counts = out.value_counts().reindex(values, fill_value=0).to_numpy()
    expected = real.value_counts(normalize=True).reindex(values).to_numpy() * counts.sum()
    return stats.chisquare(counts, expected).pvalue


def test_range_by_construction_amplify(amplify, gem):
    out = amplify.sample(1500, conditions={"price": PRICE}, random_state=0)
    assert out["price"].between(1000, 2000).all()
    real = gem[gem["price"].between(1000, 2000)]
    # the range-restricted distribution is the training one in that range, also in
    # the columns that depend on price
    assert stats.ks_2samp(out["price"], real["price"]).statistic < 0.08
    assert abs(out["carat"].median() - real["carat"].median()) < 0.05


def test_open_ranges_and_datetimes_amplify(amplify, gem):
    out = amplify.sample(800, conditions={"price": Range(None, 800)}, random_state=1)
    assert out["price"].le(800).all()
    assert stats.ks_2samp(out["price"], gem.loc[gem["price"] <= 800, "price"]).statistic < 0.08
    window = Range("2020-06-01", "2020-12-31")
    out = amplify.sample(800, conditions={"listed": window}, random_state=2)
    assert out["listed"].between(pd.Timestamp("2020-06-01"), pd.Timestamp("2020-12-31")).all()
    real = gem.loc[gem["listed"].between("2020-06-01", "2020-12-31"), "listed"]
    assert stats.ks_2samp(out["listed"].astype("int64"), real.astype("int64")).statistic < 0.1
    assert amplify.sample(200, conditions={"x": Range(6.0, None)}, random_state=3)["x"].ge(
        6.0).all()


def test_set_by_construction_amplify(amplify, gem):
    out = amplify.sample(1500, conditions={"cut": CUTS, "color": ("D", "J")}, random_state=0)
    assert out["cut"].isin(CUTS).all() and out["color"].isin(["D", "J"]).all()
    assert _set_shares_match(out["cut"], gem.loc[gem["cut"].isin(CUTS), "cut"], CUTS) > 1e-3
    both = amplify.sample(600, conditions={"cut": CUTS, "price": PRICE}, random_state=1)
    assert both["cut"].isin(CUTS).all() and both["price"].between(1000, 2000).all()


def test_set_of_numbers_amplify(amplify, gem):
    out = amplify.sample(1000, conditions={"carat": {0.3, 1.01}}, random_state=0)
    assert out["carat"].isin([0.3, 1.01]).all()
    real = gem.loc[gem["carat"].isin([0.3, 1.01]), "carat"]
    assert _set_shares_match(out["carat"], real, [0.3, 1.01]) > 1e-3


def test_range_and_set_through_the_conditional_vector_gan(gan, gem):
    train = gem.head(1500)
    out = gan.sample(1000, conditions={"cut": CUTS}, random_state=0)
    assert out["cut"].isin(CUTS).all()
    assert _set_shares_match(out["cut"], train.loc[train["cut"].isin(CUTS), "cut"], CUTS) > 1e-3
    out = gan.sample(1000, conditions={"price": PRICE, "cut": CUTS}, random_state=1)
    assert out["price"].between(1000, 2000).all() and out["cut"].isin(CUTS).all()
    real = train.loc[train["price"].between(1000, 2000), "price"]
    assert stats.ks_2samp(out["price"], real).statistic < 0.1


def test_range_and_set_by_rejection_lstm(adult_full):
    small = adult_full.sample(400, random_state=1).reset_index(drop=True)[
        ["sex", "race", "income", "age", "education"]]
    syn = LSTMSynthesizer(random_state=0, max_invalid=20_000, fallback=False,
                          **LSTM_TINY).fit(small)
    races = ["White", "Black"]
    out = syn.sample(200, conditions={"age": Range(30, 50), "race": races}, random_state=0)
    assert out["age"].between(30, 50).all() and out["race"].isin(races).all()
    # rejection keeps the model's own proportions: White dominates as in training
    assert (out["race"] == "White").mean() > 0.7


def test_set_on_a_seed_column_is_drawn_from_training_frequencies_lstm(adult_full, tmp_path):
    small = adult_full.sample(400, random_state=1).reset_index(drop=True)[
        ["sex", "race", "income", "age", "education"]]
    syn = LSTMSynthesizer(seed_columns=["race"], reset_states=True, random_state=0,
                          max_invalid=5_000, **LSTM_TINY).fit(small)
    races = ["White", "Black", "Asian-Pac-Islander"]
    syn = skgen.load(syn.save(tmp_path / "lstm.skgen"))  # the frequencies are saved
    out = syn.sample(300, conditions={"race": races, "sex": ["Male", "Female"]},
                     random_state=0)
    assert out["race"].isin(races).all()
    assert _set_shares_match(out["race"], small.loc[small["race"].isin(races), "race"],
                             races) > 1e-3


@pytest.mark.parametrize(("conditions", "needle"), [
    ({"price": Range(50_000, None)}, r"'price' does not overlap"),
    ({"price": Range(1000.2, 1000.8)}, r"'price' holds no value"),
    ({"price": Range("2020-01-01", 5)}, r"'price'.*not a number"),
    ({"listed": Range("2024-01-01", "2023-01-01")}, r"'listed' is empty"),
    ({"cut": Range(1, 2)}, r"'cut' is categorical"),
    ({"cut": ["Fair", "Superb"]}, r"'Superb' for column 'cut' never occurs"),
    ({"cut": []}, r"'cut' is empty"),
    ({"cut": ["Fair", None]}, r"'cut' holds None"),
])
def test_impossible_ranges_and_sets_are_refused_before_sampling(amplify, conditions, needle):
    with pytest.raises(ConditionError, match=needle) as info:
        amplify.sample(10, conditions=conditions)
    assert info.value.column == next(iter(conditions))


def test_range_validation_and_seed_rows(amplify):
    with pytest.raises(ValueError, match="greater than"):
        Range(2, 1)
    with pytest.raises(ValueError, match="at least one bound"):
        Range()
    seeds = pd.DataFrame({"price": [PRICE, None]})
    with pytest.raises(ConditionError, match="not seed-row cells"):
        amplify.sample(conditions=seeds)
    # a one-point range or one-value set is a fixed value
    assert amplify.sample(5, conditions={"price": Range(1500, 1500), "cut": ["Ideal"]},
                          random_state=0)[["price", "cut"]].drop_duplicates().shape == (1, 2)


def test_loop_checks_every_row_and_keeps_too_many_invalid(resample_cls, gem):
    syn = resample_cls(random_state=0, max_invalid=50).fit(gem)
    with pytest.raises(skgen.TooManyInvalidError) as info:
        syn.sample(400, conditions={"price": Range(1000, 1100), "cut": CUTS})
    partial = info.value.partial
    assert len(partial) < 400
    assert partial["price"].between(1000, 1100).all() and partial["cut"].isin(CUTS).all()


def test_cli_where_ranges_and_sets(tmp_path, adult):
    data = tmp_path / "adult.csv"
    adult.to_csv(data, index=False)
    model = tmp_path / "adult.skgen"
    assert main(["fit", str(data), "--model", "amplify", "-o", str(model),
                 "--param", "n_components=10", "--random-state", "0"]) == 0
    out = tmp_path / "r.csv"
    assert main(["sample", str(model), "-n", "100", "--where", "age=30..40",
                 "--where", "race=White|Black", "--where", "hours_per_week=..20",
                 "-o", str(out)]) == 0
    got = pd.read_csv(out)
    assert got["age"].between(30, 40).all() and got["race"].isin(["White", "Black"]).all()
    assert got["hours_per_week"].le(20).all()
    assert main(["sample", str(model), "-n", "50", "--where", "age=60..",
                 "-o", str(out)]) == 0
    assert pd.read_csv(out)["age"].ge(60).all()
    assert main(["sample", str(model), "-n", "5", "--where", "age=..", "-o", str(out)]) == 2
    assert np.isfinite(pd.read_csv(out)["age"]).all()


def test_gan_ranges_on_heavy_tailed_and_few_valued_integer_columns(adult_full):
    """capital_gain is modelled on a signed log scale and education_num one-hot over its
    values: a range on either is drawn from the training rows inside it."""
    torch.set_num_threads(1)
    train = adult_full.sample(2000, random_state=0)
    gan = GANSynthesizer(epochs=2, random_state=0, **GAN_TINY).fit(train)
    out = gan.sample(400, conditions={"capital_gain": Range(1000, 5000)}, random_state=0)
    real = train.loc[train["capital_gain"].between(1000, 5000), "capital_gain"]
    assert out["capital_gain"].between(1000, 5000).all()
    assert stats.ks_2samp(out["capital_gain"], real).statistic < 0.25
    out = gan.sample(400, conditions={"education_num": Range(13, 16)}, random_state=0)
    levels = [13, 14, 15, 16]
    assert out["education_num"].isin(levels).all()
    inside = train.loc[train["education_num"].between(13, 16), "education_num"]
    assert _set_shares_match(out["education_num"], inside, levels) > 1e-3
