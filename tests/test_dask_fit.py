"""Fit from a dask DataFrame (issue 12, point 3): schema from every row, model from a sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

import skgen._dask_fit as dask_fit  # noqa: E402
from skgen import AmplifySampler, GANSynthesizer, LSTMSynthesizer  # noqa: E402
from skgen.amplify._marginals import fit_quantile_knots  # noqa: E402
from skgen.exceptions import SchemaError  # noqa: E402
from skgen.schema import TableSchema  # noqa: E402
from skgen.validators import NumericRangeValidator, PrivacyFilter  # noqa: E402
from tests.conftest import ResampleSynthesizer  # noqa: E402

# tiny EM runs: convergence is not what these tests are about
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


class SeenRows(ResampleSynthesizer):
    """The base class's test double, with ``max_fit_rows``: ``train_`` is what ``_fit`` saw."""

    def __init__(self, *, max_fit_rows=None, validators=None, random_state=None):
        super().__init__(validators=validators, random_state=random_state)
        self.max_fit_rows = max_fit_rows


def _schema_diff(ddf, column_types=None) -> list:
    """Fields where the schema of the dask frame differs from that of its rows as pandas."""
    got = dask_fit.summarize_dask(ddf, 100, [0], column_types).schema.to_dict()["columns"]
    want = TableSchema.infer(ddf.compute(), column_types=column_types).to_dict()["columns"]
    assert [c["name"] for c in got] == [c["name"] for c in want]
    return [(g["name"], k, g[k], w[k]) for g, w in zip(got, want, strict=True)
            for k in w if g[k] != w[k]]


@pytest.mark.parametrize("convert_string", [True, False])
@pytest.mark.parametrize("loader", ["adult_full", "diamonds"])
def test_schema_from_partitions_equals_pandas_schema(loader, convert_string, request):
    df = request.getfixturevalue(loader)
    with dask.config.set({"dataframe.convert-string": convert_string}):
        ddf = dd.from_pandas(df, npartitions=5)
        assert _schema_diff(ddf) == []


def test_given_column_types_equal_pandas_schema(adult):
    kinds = {"age": "categorical", "education_num": "numeric", "fnlwgt": "integer",
             "sex": "text", "occupation": "id"}
    assert _schema_diff(dd.from_pandas(adult, npartitions=3), kinds) == []


@pytest.mark.parametrize(("values", "pattern"), [
    (pd.to_timedelta(np.arange(20), unit="s"), r"'c' holds durations .*dt\.total_seconds"),
    (np.arange(20) * (1 + 1j), "'c' holds complex numbers"),
    (pd.period_range("2020-01", periods=20, freq="M"), r"'c' holds pandas period\[M\] values"),
    (pd.arrays.SparseArray(np.arange(20.0)), "'c' is a sparse column"),
])
def test_unlearnable_columns_are_refused_as_in_pandas(values, pattern):
    frame = pd.DataFrame({"a": ["x", "y"] * 10, "c": values})
    for data in (frame, dd.from_pandas(frame, npartitions=2)):
        with pytest.raises(SchemaError, match=pattern):
            AmplifySampler(random_state=0).fit(data)


def test_schema_of_every_kind_equals_pandas_schema():
    """Missing values, typed and ISO-string datetimes, categoricals, booleans, object numbers,
    IDs and free text, with ties in the category frequencies and a column whose
    only gaps and extremes sit in a late partition."""
    rng = np.random.default_rng(0)
    n = 900
    when = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
    df = pd.DataFrame({
        "f": np.round(rng.normal(size=n), 3),
        "i": rng.integers(-5, 5, n),
        "when": when.where(rng.random(n) > 0.1),
        "iso": pd.Series(when.strftime("%Y-%m-%dT%H:%M"), dtype=object).where(
            rng.random(n) > 0.2),
        "cat": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["c", "b", "a", "z"]),
        "flag": rng.random(n) > 0.5,
        "obj_num": pd.Series(rng.integers(0, 50, n).tolist(), dtype=object),
        "tie": np.tile(list("pqrs"), n // 4 + 1)[:n],
        "id": [f"u{k:05d}" for k in rng.permutation(n)],
        "text": [" ".join(rng.choice(["lorem", "ipsum", "dolor", "sit", "amet"], 8))
                 + f" {k}" for k in range(n)],
    })
    df.loc[800, "f"], df.loc[850, "f"] = np.nan, 99.125
    with dask.config.set({"dataframe.convert-string": False}):
        ddf = dd.from_pandas(df, npartitions=4)
        assert _schema_diff(ddf) == []
    assert [c.kind for c in TableSchema.infer(df).columns] == [
        "numeric", "integer", "datetime", "datetime", "categorical", "boolean", "integer",
        "categorical", "id", "text"]


def test_sample_is_uniform_and_reproducible(adult_full):
    df = adult_full.assign(row=np.arange(len(adult_full)))
    ddf = dd.from_pandas(df, npartitions=4)
    first = dask_fit.summarize_dask(ddf, 4000, [7], None).sample
    again = dask_fit.summarize_dask(ddf, 4000, [7], None).sample
    other = dask_fit.summarize_dask(ddf, 4000, [8], None).sample
    assert len(first) == 4000 and first["row"].is_unique
    pd.testing.assert_frame_equal(first, again)
    assert len(set(first["row"]) & set(other["row"])) < 1000  # about 4000**2 / 48842 = 328
    # every quarter of the data is represented in proportion (binomial sd = 27)
    share = np.bincount(first["row"] * 4 // len(df), minlength=4)
    assert np.all(np.abs(share - 1000) < 150), share
    # the one-partition sample is the sample of the pandas path
    one = dask_fit.summarize_dask(dd.from_pandas(df, npartitions=1), 4000, [7], None).sample
    pd.testing.assert_frame_equal(dask_fit.sample_rows(df, 4000, [7])["row"].to_frame(),
                                  one["row"].to_frame())


def test_max_fit_rows_bounds_the_rows_the_model_sees(adult_full):
    ddf = dd.from_pandas(adult_full, npartitions=3)
    syn = SeenRows(max_fit_rows=1500, random_state=0).fit(ddf)
    assert len(syn.train_) == syn.n_fit_rows_ == 1500
    assert syn.n_train_rows_ == len(adult_full)
    # pandas input larger than max_fit_rows gets the same cap; smaller input is untouched
    syn = SeenRows(max_fit_rows=1500, random_state=0).fit(adult_full)
    assert len(syn.train_) == syn.n_fit_rows_ == 1500
    assert syn.n_train_rows_ == len(adult_full)
    small = adult_full.iloc[:1000]
    pd.testing.assert_frame_equal(SeenRows(max_fit_rows=1500).fit(small).train_, small)
    with pytest.raises(InvalidParameterError, match="max_fit_rows"):
        SeenRows(max_fit_rows=0).fit(small)
    with pytest.raises(TypeError, match="y cannot be given with a dask"):
        SeenRows().fit(ddf, ddf["income"])


def test_validators_learn_ranges_outside_the_sample(adult_full):
    """The row holding a column's maximum is (almost surely) not in a 500-row sample,
    yet the range validator learns the maximum: validators see the witness rows."""
    ddf = dd.from_pandas(adult_full, npartitions=3)
    syn = SeenRows(max_fit_rows=500, validators=[NumericRangeValidator()],
                   random_state=0).fit(ddf)
    assert syn.train_["fnlwgt"].max() < adult_full["fnlwgt"].max()
    (rng_validator,) = syn.validators_.validators_
    j = rng_validator.columns_.index("fnlwgt")
    assert rng_validator.max_[j] == adult_full["fnlwgt"].max()
    assert rng_validator.min_[j] == adult_full["fnlwgt"].min()


def _entropy(seed: int) -> list[int]:
    from skgen.base import _entropy
    return _entropy(seed)


def test_privacy_filter_on_a_sample_warns(adult):
    ddf = dd.from_pandas(adult, npartitions=2)
    with pytest.warns(UserWarning, match="PrivacyFilter learned the .* rows of the sample"):
        SeenRows(max_fit_rows=500, validators=[PrivacyFilter()], random_state=0).fit(ddf)
    # a pandas frame: the filter learns every row, whatever max_fit_rows
    syn = SeenRows(max_fit_rows=500, validators=[PrivacyFilter()], random_state=0).fit(adult)
    assert len(syn.train_) == 500


@pytest.fixture(scope="module")
def rare_adult(adult_full):
    """Adult with a workclass level held by 40 rows that a 2,000-row sample
    (``random_state=0``, 4 partitions) does not hold: which rows the sample takes
    depends on the partitions' lengths only, not on their values."""
    rows = dd.from_pandas(adult_full.assign(row=np.arange(len(adult_full))), npartitions=4)
    taken = set(dask_fit.summarize_dask(rows, 2000, _entropy(0), None).sample["row"])
    df = adult_full.copy()
    outside = [r for r in range(len(df) - 1, -1, -1) if r not in taken][:40]
    df.loc[outside, "workclass"] = "Rare-level"
    return df


def test_amplify_marginals_come_from_every_row(rare_adult):
    ddf = dd.from_pandas(rare_adult, npartitions=4)
    sample = dask_fit.summarize_dask(ddf, 2000, _entropy(0), None).sample
    assert "Rare-level" not in set(sample["workclass"])  # the model's rows lack it
    syn = AmplifySampler(n_components=10, max_iter=20, refine=False, max_fit_rows=2000,
                         random_state=0).fit(ddf)
    assert syn.n_fit_rows_ == 2000
    j = syn.categorical_index_.index(list(rare_adult.columns).index("workclass"))
    levels = syn.categories_[j]
    assert "Rare-level" in levels
    lo, hi = syn.level_offsets_[j], syn.level_offsets_[j + 1]
    marginal = syn.weights_ @ np.exp(syn.category_log_probs_[:, lo:hi])
    s = rare_adult["workclass"]
    want = s.value_counts().reindex(levels).to_numpy()
    if syn.has_missing_level_[j]:
        want = np.append(want, s.isna().sum())
    want = want / len(s)
    np.testing.assert_allclose(marginal, want, rtol=0.02, atol=1e-5)
    # the quantile knots are those of all rows, exactly
    d = syn.numeric_index_.index(list(rare_adult.columns).index("fnlwgt"))
    origin = syn.schema_["fnlwgt"].origin
    probs, knots = fit_quantile_knots(rare_adult["fnlwgt"].to_numpy() - float(origin),
                                      syn.n_quantiles)
    np.testing.assert_array_equal(syn.quantile_probs_[d], probs)
    np.testing.assert_array_equal(syn.quantile_knots_[d], knots)
    rows = syn.sample(3000, conditions={"workclass": "Rare-level"}, random_state=0)
    assert (rows["workclass"] == "Rare-level").all()


def test_amplify_fit_is_reproducible_and_scheduler_free(adult):
    ddf = dd.from_pandas(adult, npartitions=3)
    params = dict(n_components=8, max_iter=10, max_fit_rows=1000, random_state=1)
    local = AmplifySampler(**params).fit(ddf)
    again = AmplifySampler(**params).fit(ddf)
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                            dashboard_address=None):
        on_cluster = AmplifySampler(**params).fit(ddf)
    one = local.sample(500, random_state=3)
    pd.testing.assert_frame_equal(again.sample(500, random_state=3), one)
    pd.testing.assert_frame_equal(on_cluster.sample(500, random_state=3), one)
    assert one.dtypes.to_dict() == ddf.dtypes.to_dict()
    # pandas with the same cap learns the same model as the one-partition dask frame
    pandas_fit = AmplifySampler(**params).fit(adult)
    one_part = AmplifySampler(**params).fit(dd.from_pandas(adult, npartitions=1))
    np.testing.assert_array_equal(pandas_fit.means_, one_part.means_)
    np.testing.assert_array_equal(pandas_fit.category_log_probs_, one_part.category_log_probs_)


def test_too_many_distinct_values(monkeypatch, adult_full):
    """Beyond MAX_DISTINCT, n_unique is a HyperLogLog estimate and categories are refused."""
    monkeypatch.setattr(dask_fit, "MAX_DISTINCT", 60)
    ddf = dd.from_pandas(adult_full[["age", "fnlwgt", "sex"]], npartitions=3)
    schema = dask_fit.summarize_dask(ddf, 100, [0], None).schema
    n_unique = adult_full["fnlwgt"].nunique()
    assert abs(schema["fnlwgt"].n_unique - n_unique) < 0.02 * n_unique
    assert schema["sex"].categories == ["Male", "Female"]
    syn = AmplifySampler(n_components=4, max_iter=5, refine=False, max_fit_rows=1000,
                         random_state=0).fit(ddf)  # knots of fnlwgt from the sample
    assert syn.sample(50, random_state=0)["fnlwgt"].between(*adult_full["fnlwgt"].agg(
        ["min", "max"])).all()
    with pytest.raises(SchemaError, match="native_country.*more than 60 distinct"):
        dask_fit.summarize_dask(dd.from_pandas(adult_full[["native_country"]].assign(
            native_country=lambda d: d["native_country"] + d.index.astype(str).str[-2:]),
            npartitions=2), 100, [0], None)


@pytest.mark.filterwarnings("ignore:the LSTM could not produce:UserWarning")
@pytest.mark.parametrize("make", [
    lambda: GANSynthesizer(epochs=1, batch_size=100, pac=10, generator_dim=(16,),
                           discriminator_dim=(16,), calibrate_marginals=False, max_fit_rows=400,
                           random_state=0),
    lambda: LSTMSynthesizer(epochs=1, max_fit_rows=400, random_state=0),
], ids=["gan", "lstm"])
def test_neural_models_fit_a_dask_frame(make, diamonds):
    ddf = dd.from_pandas(diamonds.iloc[:1200], npartitions=3)
    syn = make().fit(ddf)
    assert syn.n_fit_rows_ == 400 and syn.n_train_rows_ == 1200
    assert syn.schema_.to_dict() == TableSchema.infer(ddf.compute()).to_dict()
    out = syn.sample(20, random_state=0)
    assert out.dtypes.to_dict() == ddf.dtypes.to_dict()


@pytest.mark.parametrize("as_dask", [True, False])
def test_every_training_id_is_refused_not_only_the_samples(adult, as_dask):
    """The generators refuse all training IDs, also those outside the ``max_fit_rows`` sample."""
    from skgen._strings import hash_strings

    data = adult.head(2000)[["age", "sex"]].reset_index(drop=True)
    data["customer"] = [f"C{i:05d}" for i in range(len(data))]
    X = dd.from_pandas(data, npartitions=4) if as_dask else data
    syn = AmplifySampler(n_components=2, max_fit_rows=300, column_types={"customer": "id"},
                         data_checks="skip", random_state=0).fit(X)
    assert syn.n_fit_rows_ == 300
    np.testing.assert_array_equal(syn.id_hashes_[0],
                                  np.unique(hash_strings(data["customer"].tolist())))
