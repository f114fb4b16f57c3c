"""Differential privacy for skgen's torch models: opacus glue and epsilon accounting.

The models that offer ``dp=True`` (the LSTM, later the GAN) train with
differentially private stochastic gradient descent (DP-SGD, Abadi et al. 2016 [1]_):
every step draws a batch by Poisson sampling (each record joins independently
with probability ``q``), clips each record's gradient to L2 norm ``C``
(``max_grad_norm``) and adds Gaussian noise of standard deviation ``sigma * C``
(``sigma`` the noise multiplier) to the sum. The privacy loss of all steps is
tracked by an opacus [4]_ accountant; the default is Rényi DP (Mironov 2017
[2]_, [3]_), which converts to an ``(epsilon, delta)`` guarantee at the end.

This module is model-agnostic: it takes any ``torch.nn.Module`` whose layers
opacus can compute per-sample gradients for (``opacus.layers.DPLSTM`` for LSTMs),
an optimizer and a data loader whose every item is **one record**, and returns
their private counterparts. Whether the guarantee is about records depends on
that: the privacy unit is whatever one item of the data loader's dataset is.

What DP-SGD covers, and what it does not: it bounds what the *trained weights*
reveal about any one training record. Anything else a model learns from the
data without noise -- its tokenizer vocabulary, categories and numeric ranges
in the schema, validator rules, loss curves computed on the data -- is outside
the guarantee; the models document their own such parts.

References
----------
.. [1] Abadi, M., Chu, A., Goodfellow, I., McMahan, H. B., Mironov, I.,
   Talwar, K., & Zhang, L. (2016). Deep Learning with Differential Privacy.
   *Proceedings of ACM CCS 2016*, 308-318.
.. [2] Mironov, I. (2017). Rényi Differential Privacy. *IEEE 30th Computer
   Security Foundations Symposium (CSF)*, 263-275.
.. [3] Mironov, I., Talwar, K., & Zhang, L. (2019). Rényi Differential Privacy
   of the Sampled Gaussian Mechanism. arXiv:1908.10530.
.. [4] Yousefpour, A. et al. (2021). Opacus: User-Friendly Differential
   Privacy Library in PyTorch. arXiv:2109.12298.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from numbers import Real
from typing import Any

from sklearn.utils._param_validation import Interval

#: Accountants skgen accepts by name (opacus' names).
ACCOUNTANTS = ("rdp", "prv", "gdp")

#: Parameter constraints of the DP-SGD options every opacus-trained model takes.
#:
#: ``dp``, ``dp_noise_multiplier``, ``dp_l2_norm_clip``, ``dp_target_epsilon``
#: and ``dp_delta``, merged into each model's ``_parameter_constraints``.
DP_PARAMETER_CONSTRAINTS = {
    "dp": ["boolean"],
    "dp_noise_multiplier": [Interval(Real, 0, None, closed="neither")],
    "dp_l2_norm_clip": [Interval(Real, 0, None, closed="neither")],
    "dp_target_epsilon": [Interval(Real, 0, None, closed="neither"), None],
    "dp_delta": [Interval(Real, 0, 1, closed="neither"), None],
}


@dataclass
class PrivateTraining:
    """The private counterparts of a model, optimizer and data loader.

    Made by :func:`make_private`. A dataclass: each parameter is kept as the
    attribute of the same name.

    Parameters
    ----------
    module : torch.nn.Module
        The model wrapped to compute per-sample gradients
        (an ``opacus.GradSampleModule``); train through it. Its
        ``_module`` attribute is the original module.
    optimizer : opacus.optimizers.DPOptimizer
        Clips every record's gradient and adds noise on ``step()``.
    data_loader : torch.utils.data.DataLoader
        Draws batches by Poisson sampling when ``poisson_sampling=True``, so
        batch sizes vary around the original ``batch_size``.
    accountant : opacus.accountants.IAccountant
        Records every optimizer step; pass it to :func:`epsilon`.
    noise_multiplier : float
        Noise standard deviation relative to ``max_grad_norm``.
    max_grad_norm : float
        Per-record gradient L2 norm bound.
    sample_rate : float
        Probability that a record joins a batch.

    References
    ----------
    Abadi, M. et al. (2016). Deep Learning with Differential Privacy. ACM CCS
    (DP-SGD). Yousefpour, A. et al. (2021). Opacus: User-Friendly Differential
    Privacy Library in PyTorch. arXiv:2109.12298.
    """

    module: Any
    optimizer: Any
    data_loader: Any
    accountant: Any
    noise_multiplier: float
    max_grad_norm: float
    sample_rate: float


def default_delta(n_records: int) -> float:
    """The default ``delta``: one over the number of training records.

    Parameters
    ----------
    n_records : int
        Number of records the model is trained on (the privacy units).

    Returns
    -------
    float
        ``1 / n_records``.

    Raises
    ------
    ValueError
        If ``n_records`` is smaller than 1.
    """
    if n_records < 1:
        raise ValueError(f"n_records must be at least 1, got {n_records}")
    return 1.0 / n_records


def make_accountant(accountant: str = "rdp") -> Any:
    """A fresh opacus accountant.

    One accountant passed to several :func:`make_private` calls composes their
    privacy losses, as needed when several models are trained on the same
    records (the LSTM's field clusters).

    Parameters
    ----------
    accountant : {"rdp", "prv", "gdp"}, default="rdp"
        ``"rdp"``: Rényi DP of the sampled Gaussian mechanism [2]_, [3]_;
        ``"prv"``: privacy random variables; ``"gdp"``: Gaussian DP.

    Returns
    -------
    opacus.accountants.IAccountant
        An accountant with no step recorded yet.

    Raises
    ------
    ValueError
        For an unknown accountant name.

    References
    ----------
    .. [2] Mironov, I. (2017). Rényi Differential Privacy. *IEEE 30th Computer
       Security Foundations Symposium (CSF)*, 263-275.
    .. [3] Mironov, I., Talwar, K., & Zhang, L. (2019). Rényi Differential Privacy
       of the Sampled Gaussian Mechanism. arXiv:1908.10530.
    """
    from opacus.accountants import create_accountant

    if accountant not in ACCOUNTANTS:
        raise ValueError(f"accountant must be one of {ACCOUNTANTS}, got {accountant!r}")
    return create_accountant(mechanism=accountant)


def noise_multiplier_for_epsilon(
    target_epsilon: float,
    delta: float,
    sample_rate: float,
    *,
    epochs: float | None = None,
    steps: int | None = None,
    accountant: str = "rdp",
    releases: tuple[tuple[float, float, int], ...] = (),
) -> float:
    """The noise multiplier that spends ``target_epsilon`` over a training run.

    Parameters
    ----------
    target_epsilon : float
        Privacy budget to reach at the end of training; positive.
    delta : float
        Target delta, in ``(0, 1)``.
    sample_rate : float
        Poisson sampling probability of a record per step, in ``(0, 1]``.
    epochs : float or None, default=None
        Number of passes over the data (``steps = epochs / sample_rate``).
        Exactly one of ``epochs`` and ``steps`` must be given.
    steps : int or None, default=None
        Number of optimizer steps.
    accountant : {"rdp", "prv", "gdp"}, default="rdp"
        Accountant used for the binary search.
    releases : tuple of (float, float, int), default=()
        Further Gaussian mechanisms on the same records that share the budget,
        each ``(factor, sample_rate, steps)`` with noise multiplier ``factor``
        times the one searched for (e.g. ``(4.0, 1.0, 1)``: one release of
        histograms with four times the training noise).

    Returns
    -------
    float
        The smallest noise multiplier (within a tolerance of 0.01 in epsilon)
        whose run -- with the ``releases`` -- stays within ``target_epsilon``.

    Raises
    ------
    ValueError
        If the arguments are out of range, both or neither of ``epochs`` and
        ``steps`` are given, or the budget is too small to reach with any
        noise multiplier up to 1e6.
    """
    from opacus.accountants.utils import get_noise_multiplier

    if not target_epsilon > 0:
        raise ValueError(f"target_epsilon must be positive, got {target_epsilon}")
    _check_delta(delta)
    if not 0 < sample_rate <= 1:
        raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate}")
    if (epochs is None) == (steps is None):
        raise ValueError("give exactly one of epochs and steps")
    if steps is None:
        steps = max(1, int(math.ceil(epochs / sample_rate)))
    if accountant not in ACCOUNTANTS:
        raise ValueError(f"accountant must be one of {ACCOUNTANTS}, got {accountant!r}")
    with warnings.catch_warnings():
        # the search visits noise levels whose best Rényi order is at the edge
        warnings.filterwarnings("ignore", message="Optimal order is the largest alpha")
        if not releases:
            return float(get_noise_multiplier(target_epsilon=target_epsilon, target_delta=delta,
                                              sample_rate=sample_rate, steps=steps,
                                              accountant=accountant))
        acc = make_accountant(accountant)

        def spent(sigma: float) -> float:
            acc.history = [(factor * sigma, float(q), int(k)) for factor, q, k in releases]
            acc.history.append((sigma, float(sample_rate), int(steps)))
            return epsilon(acc, delta)

        high = 1.0
        while spent(high) > target_epsilon:
            high *= 2.0
            if high > 1e6:
                raise ValueError(f"target_epsilon={target_epsilon} cannot be reached with a "
                                 "noise multiplier up to 1e6")
        low = 0.0
        while spent(high) < target_epsilon - 0.01 and high - low > 1e-6:
            mid = (low + high) / 2.0
            if mid > 0 and spent(mid) <= target_epsilon:
                high = mid
            else:
                low = mid
        return float(high)


def epsilon(accountant: Any, delta: float) -> float:
    """The epsilon spent so far by the steps an accountant recorded.

    Parameters
    ----------
    accountant : opacus.accountants.IAccountant
        An accountant used by :func:`make_private` (or :func:`make_accountant`).
    delta : float
        Target delta, in ``(0, 1)``.

    Returns
    -------
    float
        Epsilon of the ``(epsilon, delta)`` guarantee; ``0.0`` when no step was
        taken, ``inf`` when the noise is too small for any finite bound.

    Raises
    ------
    ValueError
        If ``delta`` is not in ``(0, 1)``.
    """
    _check_delta(delta)
    if len(accountant) == 0:
        return 0.0
    value = float(accountant.get_epsilon(delta=delta))
    return value if math.isfinite(value) else math.inf


def epsilon_for(
    noise_multiplier: float,
    sample_rate: float,
    steps: int,
    delta: float,
    *,
    accountant: str = "rdp",
) -> float:
    """Epsilon of a planned run, without training.

    Parameters
    ----------
    noise_multiplier : float
        Noise standard deviation relative to the clipping norm; positive.
    sample_rate : float
        Poisson sampling probability per step, in ``(0, 1]``.
    steps : int
        Number of optimizer steps; at least 1.
    delta : float
        Target delta, in ``(0, 1)``.
    accountant : {"rdp", "prv", "gdp"}, default="rdp"
        Accountant to use.

    Returns
    -------
    float
        The epsilon the run would spend.

    Raises
    ------
    ValueError
        For arguments out of range.
    """
    if not noise_multiplier > 0:
        raise ValueError(f"noise_multiplier must be positive, got {noise_multiplier}")
    if not 0 < sample_rate <= 1:
        raise ValueError(f"sample_rate must be in (0, 1], got {sample_rate}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    acc = make_accountant(accountant)
    acc.history = [(float(noise_multiplier), float(sample_rate), int(steps))]
    return epsilon(acc, delta)


def make_private(
    module: Any,
    optimizer: Any,
    data_loader: Any,
    *,
    max_grad_norm: float,
    noise_multiplier: float | None = None,
    target_epsilon: float | None = None,
    delta: float | None = None,
    epochs: float | None = None,
    poisson_sampling: bool = True,
    accountant: Any = "rdp",
    noise_generator: Any = None,
) -> PrivateTraining:
    """Make a model, its optimizer and its data loader differentially private.

    Thin, explicit glue over opacus' ``PrivacyEngine.make_private``: the
    module gets per-sample gradients, the optimizer clips each record's
    gradient to ``max_grad_norm`` and adds Gaussian noise, the data loader
    draws Poisson-sampled batches, and every step is recorded by
    ``accountant``. Give either ``noise_multiplier`` or ``target_epsilon``
    (with ``delta`` and ``epochs``).

    Parameters
    ----------
    module : torch.nn.Module
        The model. Every layer must support per-sample gradients (use
        ``opacus.layers.DPLSTM`` rather than ``torch.nn.LSTM``); checked with
        opacus' ``ModuleValidator``.
    optimizer : torch.optim.Optimizer
        Optimizer over ``module``'s parameters.
    data_loader : torch.utils.data.DataLoader
        Loader whose dataset items are the privacy units (one record each).
        Its ``generator``, when set, drives the Poisson sampling.
    max_grad_norm : float
        Per-record gradient clipping norm ``C``; positive.
    noise_multiplier : float or None, default=None
        Noise standard deviation relative to ``C``. Ignored when
        ``target_epsilon`` is given.
    target_epsilon : float or None, default=None
        Budget to spend over ``epochs`` passes; the noise multiplier is then
        computed by :func:`noise_multiplier_for_epsilon`.
    delta : float or None, default=None
        Target delta for ``target_epsilon``; ``None`` uses
        ``1 / len(dataset)`` (:func:`default_delta`).
    epochs : float or None, default=None
        Planned passes over the data; required with ``target_epsilon``. When
        the accountant already holds steps of other trainings on the same
        records, give the *total* epochs of all of them so the budget covers
        their composition.
    poisson_sampling : bool, default=True
        Draw batches by Poisson sampling, which the accountant assumes. Leave
        on unless you know what you do.
    accountant : str or opacus.accountants.IAccountant, default="rdp"
        A mechanism name for a fresh accountant (see :func:`make_accountant`),
        or an existing accountant to compose with the steps it already holds.
    noise_generator : torch.Generator or None, default=None
        Random source of the noise (for reproducible runs; leave ``None`` for
        opacus' default). Not for production privacy: seeded noise is
        predictable to whoever knows the seed.

    Returns
    -------
    PrivateTraining
        The private module, optimizer, data loader, the accountant and the
        noise multiplier actually used.

    Raises
    ------
    ValueError
        If neither ``noise_multiplier`` nor ``target_epsilon`` is given, an
        argument is out of range, ``target_epsilon`` comes without ``epochs``,
        or the module holds layers without per-sample gradient support.

    References
    ----------
    .. [1] Abadi et al. (2016), Deep Learning with Differential Privacy.
    .. [2] Mironov (2017), Rényi Differential Privacy.
    """
    from opacus import PrivacyEngine
    from opacus.validators import ModuleValidator

    if not max_grad_norm > 0:
        raise ValueError(f"max_grad_norm must be positive, got {max_grad_norm}")
    problems = ModuleValidator.validate(module, strict=False)
    if problems:
        raise ValueError("the module cannot be trained with DP-SGD: "
                         + "; ".join(str(p) for p in problems))
    n_records = len(data_loader.dataset)
    if n_records < 1:
        raise ValueError("the data loader's dataset is empty")
    if isinstance(accountant, str):
        accountant = make_accountant(accountant)
    sample_rate = 1.0 / len(data_loader)
    if target_epsilon is not None:
        if epochs is None:
            raise ValueError("target_epsilon needs epochs (the planned passes over the data)")
        delta = default_delta(n_records) if delta is None else delta
        noise_multiplier = noise_multiplier_for_epsilon(
            target_epsilon, delta, sample_rate, epochs=epochs,
            accountant=accountant.mechanism())
    elif noise_multiplier is None:
        raise ValueError("give noise_multiplier or target_epsilon")
    if not noise_multiplier >= 0:
        raise ValueError(f"noise_multiplier must be non-negative, got {noise_multiplier}")

    with warnings.catch_warnings():
        # opacus warns that secure_mode is off: skgen documents that its seeded
        # noise is for reproducibility, not for adversarial settings.
        warnings.filterwarnings("ignore", message=".*[Ss]ecure RNG.*")
        engine = PrivacyEngine(accountant=accountant.mechanism())
        engine.accountant = accountant  # compose with earlier trainings on the same records
        private_module, private_optimizer, private_loader = engine.make_private(
            module=module, optimizer=optimizer, data_loader=data_loader,
            noise_multiplier=float(noise_multiplier), max_grad_norm=float(max_grad_norm),
            poisson_sampling=poisson_sampling, noise_generator=noise_generator)
    return PrivateTraining(module=private_module, optimizer=private_optimizer,
                           data_loader=private_loader, accountant=accountant,
                           noise_multiplier=float(noise_multiplier),
                           max_grad_norm=float(max_grad_norm), sample_rate=sample_rate)


def _check_delta(delta: float) -> None:
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta}")


__all__ = [
    "ACCOUNTANTS",
    "DP_PARAMETER_CONSTRAINTS",
    "PrivateTraining",
    "default_delta",
    "epsilon",
    "epsilon_for",
    "make_accountant",
    "make_private",
    "noise_multiplier_for_epsilon",
]
