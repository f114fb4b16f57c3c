"""skgen.dask: lazy sampling and imputation on a Dask cluster, reproducible whatever the workers."""

from __future__ import annotations

import os
import signal
import time
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.dataframe as dd  # noqa: E402

from skgen import AmplifySampler, Range  # noqa: E402
from skgen.dask import partition_random_state, sample_dataframe, sample_from_seeds  # noqa: E402
from skgen.exceptions import ConditionError  # noqa: E402
from skgen.persistence import dumps, loads  # noqa: E402
from skgen.validators import PrivacyFilter  # noqa: E402


@pytest.fixture(scope="module")
def syn(adult):
    return AmplifySampler(n_components=10, random_state=0).fit(adult)


@pytest.fixture(scope="module")
def private(adult):
    """A model whose privacy filter rejects about a fifth of what the model proposes."""
    return AmplifySampler(n_components=10, random_state=0, validators=[
        PrivacyFilter(quantile=0.2, random_state=0)]).fit(adult)


def _cluster(n_workers: int, processes: bool = False) -> distributed.LocalCluster:
    return distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1,
                                    processes=processes, dashboard_address=None)


@pytest.fixture(scope="module")
def workers():
    """Two worker processes: the model reaches them only as the bytes of its file."""
    with _cluster(2, processes=True) as cluster, distributed.Client(
            cluster, set_as_default=False) as client:
        yield client


def _on_one_worker(ddf: dd.DataFrame) -> pd.DataFrame:
    with _cluster(1) as cluster, distributed.Client(cluster, set_as_default=False) as client:
        return client.compute(ddf, sync=True)


def test_same_rows_on_one_or_two_workers_or_locally(syn, workers):
    ddf = sample_dataframe(syn, 2500, partition_rows=600, random_state=0)
    assert ddf.npartitions == 5 and ddf.divisions == (0, 600, 1200, 1800, 2400, 2499)
    with dask.config.set(scheduler="synchronous"):
        local = ddf.compute()
        parts = pd.concat([ddf.partitions[i].compute() for i in range(ddf.npartitions)])
    assert local.index.equals(pd.RangeIndex(2500))
    assert local.equals(parts)
    assert _on_one_worker(ddf).equals(local)
    assert workers.compute(ddf, sync=True).equals(local)
    # partition i is sample(rows, random_state=<stream of (seed, i)>) and nothing else
    third = syn.sample(600, random_state=partition_random_state(0, 2))
    assert third.equals(local.iloc[1200:1800].reset_index(drop=True))
    # another seed gives other rows; the same seed, rebuilt, the same rows
    assert not sample_dataframe(syn, 600, random_state=1).compute().equals(local.iloc[:600])
    assert sample_dataframe(syn, 2500, partition_rows=600, random_state=0).compute().equals(
        local)


def test_without_random_state_the_models_stream_seeds_each_call(syn):
    a, b = loads(dumps(syn)), loads(dumps(syn))  # two copies of one random stream
    first, second = (sample_dataframe(a, 300, partition_rows=100) for _ in range(2))
    assert first.compute().equals(first.compute())  # fixed once built
    assert not first.compute().equals(second.compute())
    assert sample_dataframe(b, 300, partition_rows=100).compute().equals(first.compute())


def test_meta_is_the_dtypes_sample_returns(syn):
    expected = syn.sample(50, random_state=0).dtypes
    ddf = sample_dataframe(syn, 700, partition_rows=300, random_state=0)
    assert ddf.dtypes.equals(expected)
    assert list(ddf.columns) == list(syn.feature_names_in_)
    assert ddf.compute(scheduler="synchronous").dtypes.equals(expected)


def test_dict_conditions_hold_in_every_partition(syn):
    conditions = {"sex": "Female", "age": Range(30, 40), "education": ["Masters", "Doctorate"]}
    ddf = sample_dataframe(syn, 1200, partition_rows=300, conditions=conditions,
                           random_state=0)
    held = ddf.map_partitions(
        lambda p: pd.Series([len(p) == 300 and bool(
            (p["sex"].eq("Female") & p["age"].between(30, 40)
             & p["education"].isin(["Masters", "Doctorate"])).all())]),
        meta=(None, bool)).compute(scheduler="synchronous")
    assert held.tolist() == [True] * 4


def test_bad_arguments_are_refused_before_computing(syn):
    with pytest.raises(ConditionError, match="colour"):
        sample_dataframe(syn, 100, conditions={"colour": "red"})
    with pytest.raises(ConditionError, match="age"):
        sample_dataframe(syn, 100, conditions={"age": 500})
    with pytest.raises(ValueError, match="partition_rows"):
        sample_dataframe(syn, 100, partition_rows=0)
    with pytest.raises(ValueError):
        sample_dataframe(syn, 0)
    with pytest.raises(TypeError, match="sample_from_seeds"):
        sample_dataframe(syn, 10, conditions=pd.DataFrame({"age": [30]}))
    seeds = dd.from_pandas(pd.DataFrame({"colour": ["red"]}), npartitions=1)
    with pytest.raises(ConditionError, match="colour"):
        syn.sample(conditions=seeds)
    with pytest.raises(ConditionError, match="n_samples"):
        syn.sample(5, conditions=dd.from_pandas(pd.DataFrame({"age": [30]}), npartitions=1))


def test_seeded_imputation_keeps_order_index_and_fixed_cells(syn, adult, workers):
    seeds = adult[["age", "sex", "education", "income"]].iloc[:900].copy()
    seeds.loc[seeds.index % 3 == 0, "age"] = np.nan
    seeds.loc[seeds.index % 4 == 0, "education"] = None
    seeds.index = pd.Index(np.arange(900) * 3 + 11)  # not 0..n-1: it must be kept
    ddf = dd.from_pandas(seeds, npartitions=4)
    out = syn.sample(conditions=ddf, random_state=5)  # dispatches to sample_from_seeds
    assert isinstance(out, dd.DataFrame) and out.npartitions == 4
    assert out.dtypes.equals(syn.sample(5, random_state=0).dtypes)
    local = out.compute(scheduler="synchronous")
    assert local.index.equals(seeds.index)
    for name in seeds.columns:
        fixed = seeds[name].notna()
        assert (local.loc[fixed, name] == seeds.loc[fixed, name]).all(), name
        assert local[name].notna().all(), name  # the gaps are filled
    assert workers.compute(sample_from_seeds(syn, ddf, random_state=5), sync=True).equals(
        local)
    # one partition alone is the model's own imputation of those seed rows
    first = seeds.iloc[:len(ddf.partitions[0].compute())]
    alone = syn.sample(conditions=first, random_state=partition_random_state(5, 0))
    assert alone.set_axis(first.index).equals(local.loc[first.index])


def test_privacy_filter_applies_on_workers(private, syn, adult, workers):
    pf = private.validators_.validators_[-1]
    assert isinstance(pf, PrivacyFilter)
    unfiltered = syn.sample(2000, random_state=0)
    assert (~pf.is_valid(unfiltered)).mean() > 0.1  # the filter has rows to drop
    with pytest.raises(ValueError, match="reference_data"):
        sample_dataframe(private, 100)
    ddf = sample_dataframe(private, 2000, partition_rows=500, random_state=0,
                           reference_data=adult)
    out = workers.compute(ddf, sync=True)
    assert len(out) == 2000 and pf.is_valid(out).all()


def test_a_killed_worker_loses_and_duplicates_no_partition(syn, workers):
    ddf = sample_dataframe(syn, 16_000, partition_rows=2000, random_state=0)
    clean = ddf.compute(scheduler="synchronous")
    persisted = workers.persist(ddf)
    futures = distributed.futures_of(persisted)
    deadline = time.monotonic() + 60
    while not any(f.done() for f in futures) and time.monotonic() < deadline:
        time.sleep(0.02)
    holders = {w for ws in workers.who_has(futures).values() for w in ws}
    victim = sorted(holders)[0]  # a worker holding a finished partition
    pid = workers.run(os.getpid, workers=[victim])[victim]
    unfinished = sum(not f.done() for f in futures)
    os.kill(pid, signal.SIGKILL)
    out = workers.compute(persisted, sync=True)
    assert unfinished > 0, "every partition was done before the kill"
    assert len(out) == 16_000 and out.index.is_unique
    assert out.equals(clean)


def test_id_columns_are_checked_on_workers_given_the_reference_data(adult):
    data = adult.head(400)[["age", "sex", "income"]].reset_index(drop=True)
    rng = np.random.default_rng(0)
    data["customer"] = [f"{v:05d}" for v in rng.choice(100_000, size=len(data), replace=False)]
    model = AmplifySampler(n_components=2, data_checks="skip", random_state=0).fit(data)
    with pytest.warns(UserWarning, match="reference_data"):
        sample_dataframe(model, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning here nor on the (local) workers
        out = sample_dataframe(model, 3000, partition_rows=1000, random_state=0,
                               reference_data=data).compute(scheduler="synchronous")
    assert len(out) == 3000 and not out["customer"].isin(data["customer"]).any()
