"""Shared fixtures: small real tables shipped with the package."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from threadpoolctl import threadpool_limits

from skgen.base import BaseSynthesizer
from skgen.datasets import load_adult, load_diamonds

# The tests train tiny models on small data: extra threads only add contention
# (torch's and OpenMP's pools spin on a busy 2-core machine), so use one.
torch.set_num_threads(1)
_THREAD_LIMITS = threadpool_limits(1)


@pytest.fixture(scope="session")
def adult_full() -> pd.DataFrame:
    return load_adult()


@pytest.fixture(scope="session")
def adult(adult_full) -> pd.DataFrame:
    """3,000 rows of the Adult census table (mixed types, missing values)."""
    return adult_full.sample(3000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def diamonds() -> pd.DataFrame:
    return load_diamonds().sample(3000, random_state=0).reset_index(drop=True)


class ResampleSynthesizer(BaseSynthesizer):
    """Test double: proposes training rows at random, fixed cells overwritten.

    ``reject_rate`` makes that share of proposals carry an unreadable age so
    that the loop's retry and ``max_invalid`` paths are exercised.
    """

    _parameter_constraints = {**BaseSynthesizer._parameter_constraints}

    def __init__(self, *, reject_rate=0.0, validators=None, max_invalid=None,
                 data_checks="skip", verbose=0, n_jobs=None, random_state=None):
        self.reject_rate = reject_rate
        self.validators = validators
        self.max_invalid = max_invalid
        self.data_checks = data_checks
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X, rng):
        self.train_ = X

    def _generate(self, seeds, rng):
        rows = self.train_.iloc[rng.integers(0, len(self.train_), len(seeds))].reset_index(
            drop=True).astype(object)
        fixed = seeds.notna().to_numpy()
        rows = rows.mask(fixed, seeds.astype(object))
        if self.reject_rate and "age" in rows:
            bad = rng.random(len(rows)) < self.reject_rate
            rows.loc[bad, "age"] = "not a number"
        return rows


@pytest.fixture
def resample_cls():
    return ResampleSynthesizer


def allclose_frames(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.shape == b.shape and bool((a.astype(str).to_numpy() == b.astype(str).to_numpy())
                                       .all())


@pytest.fixture
def rng():
    return np.random.default_rng(0)
