"""skgen.privacy: opacus glue and epsilon accounting, on a tiny model."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from skgen.privacy import (
    default_delta,
    epsilon,
    epsilon_for,
    make_accountant,
    make_private,
    noise_multiplier_for_epsilon,
)

# opacus' hooks on a first layer whose input needs no gradient
pytestmark = pytest.mark.filterwarnings("ignore:Full backward hook is firing")


def _setup(n=256, batch=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=g)
    y = (x[:, 0] > 0).long()
    with torch.random.fork_rng(devices=[]):
        model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))
    loader = DataLoader(TensorDataset(x, y), batch_size=batch,
                        generator=torch.Generator().manual_seed(seed))
    return model, torch.optim.SGD(model.parameters(), lr=0.1), loader


def _train(private, epochs=2):
    for _ in range(epochs):
        for xb, yb in private.data_loader:
            if len(yb) == 0:
                continue
            private.optimizer.zero_grad()
            nn.functional.cross_entropy(private.module(xb), yb).backward()
            private.optimizer.step()


def test_make_private_trains_and_accounts_every_step():
    model, opt, loader = _setup()
    private = make_private(model, opt, loader, noise_multiplier=1.0, max_grad_norm=1.0,
                           noise_generator=torch.Generator().manual_seed(1))
    assert private.sample_rate == pytest.approx(32 / 256)
    assert type(private.data_loader).__name__ == "DPDataLoader"  # Poisson sampling
    _train(private)
    steps = sum(h[2] for h in private.accountant.history)
    assert steps == 2 * len(loader)
    eps = epsilon(private.accountant, 1e-3)
    assert 0 < eps < math.inf
    # the accountant agrees with a plan of the same run made without training
    assert eps == pytest.approx(epsilon_for(1.0, 32 / 256, steps, 1e-3), rel=1e-6)


def test_more_noise_gives_smaller_epsilon_and_composition_adds_up():
    small = epsilon_for(0.8, 0.01, 1000, 1e-5)
    large = epsilon_for(2.0, 0.01, 1000, 1e-5)
    assert large < small
    acc = make_accountant()
    acc.history = [(1.0, 0.01, 500), (1.0, 0.01, 500)]
    assert epsilon(acc, 1e-5) == pytest.approx(epsilon_for(1.0, 0.01, 1000, 1e-5), rel=1e-6)
    assert epsilon(make_accountant(), 1e-5) == 0.0


def test_target_epsilon_is_reached_over_the_planned_epochs():
    model, opt, loader = _setup()
    private = make_private(model, opt, loader, target_epsilon=2.0, delta=1e-3, epochs=2,
                           max_grad_norm=1.0, noise_generator=torch.Generator().manual_seed(2))
    sigma = noise_multiplier_for_epsilon(2.0, 1e-3, 32 / 256, epochs=2)
    assert private.noise_multiplier == pytest.approx(sigma)
    _train(private, epochs=2)
    assert epsilon(private.accountant, 1e-3) == pytest.approx(2.0, abs=0.05)


def test_shared_accountant_composes_two_trainings():
    acc = make_accountant("rdp")
    for seed in (0, 1):
        model, opt, loader = _setup(seed=seed)
        _train(make_private(model, opt, loader, noise_multiplier=1.0, max_grad_norm=1.0,
                            accountant=acc), epochs=1)
    assert sum(h[2] for h in acc.history) == 2 * 8
    assert epsilon(acc, 1e-3) > epsilon_for(1.0, 1 / 8, 8, 1e-3)


def test_default_delta_and_bad_arguments():
    assert default_delta(400) == 1 / 400
    with pytest.raises(ValueError, match="n_records"):
        default_delta(0)
    with pytest.raises(ValueError, match="delta"):
        epsilon_for(1.0, 0.1, 10, 1.5)
    with pytest.raises(ValueError, match="exactly one"):
        noise_multiplier_for_epsilon(1.0, 1e-5, 0.01)
    with pytest.raises(ValueError, match="accountant"):
        make_accountant("magic")
    model, opt, loader = _setup()
    with pytest.raises(ValueError, match="noise_multiplier or target_epsilon"):
        make_private(model, opt, loader, max_grad_norm=1.0)
    with pytest.raises(ValueError, match="needs epochs"):
        make_private(model, opt, loader, max_grad_norm=1.0, target_epsilon=1.0)


def test_layers_without_per_sample_gradients_are_refused():
    with torch.random.fork_rng(devices=[]):
        model = nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
    loader = DataLoader(TensorDataset(torch.zeros(16, 5), torch.zeros(16).long()),
                        batch_size=4)
    with pytest.raises(ValueError, match="cannot be trained with DP-SGD"):
        make_private(model, torch.optim.SGD(model.parameters(), lr=0.1), loader,
                     noise_multiplier=1.0, max_grad_norm=1.0)


def test_seeded_noise_is_reproducible():
    weights = []
    for _ in range(2):
        model, opt, loader = _setup()
        private = make_private(model, opt, loader, noise_multiplier=1.0, max_grad_norm=1.0,
                               noise_generator=torch.Generator().manual_seed(5))
        _train(private, epochs=1)
        weights.append(np.concatenate([p.detach().numpy().ravel()
                                       for p in model.parameters()]))
    np.testing.assert_array_equal(weights[0], weights[1])


def test_target_epsilon_search_counts_further_releases():
    sigma = noise_multiplier_for_epsilon(3.0, 1e-4, 0.05, steps=400)
    shared = noise_multiplier_for_epsilon(3.0, 1e-4, 0.05, steps=400, releases=((1.0, 1.0, 1),))
    assert shared > sigma  # the release takes part of the budget: more noise per step
    acc = make_accountant()
    acc.history = [(shared, 1.0, 1), (shared, 0.05, 400)]
    assert 2.98 <= epsilon(acc, 1e-4) <= 3.0
