"""GANSynthesizer: a conditional tabular GAN (CTGAN / ACTGAN line) with native conditioning."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from skgen._dependencies import determined_values
from skgen._optim import fused_adam
from skgen._progress import tqdm
from skgen._strings import (
    fit_id_patterns,
    fit_markov_text,
    generate_ids,
    generate_markov_text,
)
from skgen.base import COLUMN_TYPES_DOC, COMMON_PARAMETERS_DOC, BaseSynthesizer
from skgen.conditions import (
    quantile_range,
    range_bounds,
    restricted_choice,
    restrictions_of,
    snap,
)
from skgen.gan._modules import (
    Discriminator,
    Generator,
    OutputHead,
    build,
    critic_loss,
    load,
    state_arrays,
)
from skgen.gan._sampler import ConditionLayout, LevelDraw, TrainingSampler
from skgen.gan._transformer import (
    MAX_INTEGER_LEVELS,
    DataTransformer,
    _from_model_scale,
    _to_model_scale,
    quantile_grid,
)
from skgen.privacy import DP_PARAMETER_CONSTRAINTS
from skgen.schema import as_float, from_float

#: Share of training rows drawn uniformly (not by training-by-sampling) in
#: "anyway" conditioning, so that conditions on any subset of columns -- also
#: ones without a discrete column -- are seen in training without bias.
_UNIFORM_SHARE = 0.25
#: In "anyway" training, the share of a row's columns added to its conditions is
#: ``u ** _SUBSET_POWER`` (``u`` uniform): mostly a few columns, sometimes many.
#: Chosen by measurement on diamonds (1, 2, 4, 8 tried; see docs/benchmarks.md).
_SUBSET_POWER = 4.0
#: Share of the packs the gradient penalty is computed on (the first ones; packs
#: are in random order): half the double-backward cost, no measured loss of
#: quality on diamonds (docs/benchmarks.md).
_PENALTY_SHARE = 0.5
#: Guards the lazy rebuild of the torch modules when sampling threads start together.
#: Unconditional rows generated after training to fit the marginal calibration:
#: twice the training rows, within these bounds.
_CALIBRATION_ROWS = (5_000, 20_000)
#: Group calibration: levels with at least this many training rows get one, fitted
#: on (min, max, total) generated rows per level.
_GROUP_MIN_ROWS = 50
_GROUP_ROWS = (200, 1_000, 100_000)
#: Rows per generator forward pass when sampling (bounds the activations' memory).
_FORWARD_ROWS = 16_384
#: Score written into a one-hot span to fix its decoded level (beyond any calibration
#: offset, which is at most 10 in absolute value).
_FIXED_SCORE = 1e6
#: Adam's betas for both networks (CTGAN's).
_BETAS = (0.5, 0.9)


class GANSynthesizer(BaseSynthesizer):
    """Conditional tabular GAN with mode-specific normalisation and native conditioning.

    The CTGAN architecture (Xu et al. 2019) with ACTGAN's memory-saving binary
    encoding: continuous columns are encoded by mode-specific normalisation
    (a variational Gaussian mixture per column), categorical columns one-hot
    or, above ``binary_encoder_cutoff`` levels, in binary; a residual
    generator with Gumbel-softmax outputs (Jang et al. 2017) plays against a
    PacGAN critic (Lin et al. 2018) trained with the WGAN gradient penalty
    (Gulrajani et al. 2017). Training-by-sampling draws rows through a
    conditional vector that picks discrete levels by log frequency, so rare
    categories are learnt.

    Conditions are native: the fixed values of a seed row are written into the
    conditional vector the generator was trained with, so a condition on a 1 %
    category costs what unconditional sampling costs. With
    ``conditional_vector_type="anyway"`` (the default) the generator is trained
    conditioned on random subsets of *all* columns (categories, numbers,
    datetimes, binary-encoded columns), as in ACTGAN's "anyway" mode, so any
    combination of fixed values -- and seed rows with gaps, for imputation --
    is generated from the conditional distribution, the fixed cells kept
    exactly. With ``"single_discrete"`` (CTGAN's vector) only the rarest fixed
    category goes into the vector and the other fixed values are met by
    rejection in the sampling loop.

    Range and set conditions (``sample(conditions={"price": skgen.Range(1000,
    2000), "cut": ["Fair", "Good"]})``) go through the conditional vector
    too: each row first draws a level of the set from the training
    frequencies restricted to the set, or (``"anyway"`` only) a number from
    the training quantiles restricted to the range (a number of a set by the
    training mass that rounds to it), and is then generated conditioned on
    that value. What the vector cannot carry -- ranges and sets on
    continuous columns with ``"single_discrete"`` (or ``dp``) -- is met by the
    sampling loop's rejection, as a last resort. The values are drawn from
    their marginal, not given the row's other fixed cells.

    Fitted with a label ``y`` (a category, a boolean or an integer of at most
    20 values), every unconditional row is generated *given its class*: the
    label goes into the row's conditional vector with a level drawn from its
    training frequency, and the row holds that level. Integer columns with at
    most 20 distinct values are one-hot encoded like categories, and
    heavy-tailed numbers are modelled on a signed log scale (see
    :class:`skgen.gan.DataTransformer`).

    ID-like and free-text columns are not modelled by the GAN: they receive
    fresh identifiers in the training character patterns and word-chain text,
    never a training value (as :class:`skgen.AmplifySampler` does).

    Parameters
    ----------
    embedding_dim : int, default=128
        Size of the random noise vector fed to the generator.
    generator_dim : tuple of int, default=(256, 256)
        Width of each residual layer of the generator.
    discriminator_dim : tuple of int, default=(256, 256)
        Width of each hidden layer of the discriminator (critic).
    generator_lr : float, default=2e-4
        Adam learning rate of the generator.
    generator_decay : float, default=1e-6
        Adam weight decay of the generator.
    discriminator_lr : float, default=2e-4
        Adam learning rate of the discriminator.
    discriminator_decay : float, default=1e-6
        Adam weight decay of the discriminator.
    batch_size : int, default=500
        Rows per training step; must be a multiple of ``pac``.
    epochs : int, default=300
        Passes over the training data (each ``n_samples // batch_size`` steps).
    discriminator_steps : int, default=1
        Discriminator updates per generator update.
    pac : int, default=10
        Rows the discriminator judges together (PacGAN), against mode collapse.
    log_frequency : bool, default=True
        Draw discrete levels for training-by-sampling with probability
        proportional to the log of their frequency (True) or to the
        frequency itself.
    conditional_vector_type : {"anyway", "single_discrete"}, default="anyway"
        ``"anyway"``: condition the generator on random subsets of all columns
        in training, so that conditions on any columns are native.
        ``"single_discrete"``: CTGAN's vector, one discrete column at a time.
    binary_encoder_cutoff : int, default=500
        Categorical columns with more levels than this (missing counted) are
        binary encoded instead of one-hot.
    n_modes : int, default=10
        Largest number of Gaussian modes per continuous column.
    weight_threshold : float, default=0.005
        Mixture modes lighter than this are dropped.
    mode_fit_rows : int or None, default=20_000
        Largest number of values each column's mixture is fitted on (drawn at
        random); ``None`` uses every value.
    max_fit_rows : int or None, default=None
        Largest number of rows the generator learns from, drawn uniformly at
        random without replacement (reproducibly, from ``random_state``) when
        the training table has more; the schema and the validators still
        learn from every row. ``None`` means every row of a pandas frame and
        at most 1,000,000 rows of a dask DataFrame (``fit`` accepts one).
    calibrate_marginals : bool, default=True
        After training, map each continuous column's generated values through
        ``Q_train(F_generated(x))``, both quantile functions estimated once
        (the generated one on a large unconditional sample of the
        generator). A row generated with a discrete level in its conditional
        vector -- every unconditional row has one, as in CTGAN -- uses the
        quantile functions *within that level* instead (levels with at least
        50 training rows). The maps are monotone: they bring each marginal --
        range, tails, point masses, and its shape within each level -- to the
        training one and keep the ranks, hence the dependence between
        columns, that the generator produced. Each one-hot discrete column
        gets per-level logit offsets, fitted on the same sample, that bring
        the frequencies of the levels the generator chooses freely to the
        training ones (a prior-shift correction: every row's odds of a level
        are scaled alike, so its dependence on the other columns stays); a
        row generated with a level in its vector gets offsets fitted within
        that level, to the column's training frequencies there.
        Measured on diamonds and Adult in ``docs/benchmarks.md``.
    dp : bool, default=False
        Train with differential privacy: DP-SGD (opacus) on the critic, the
        only part that sees training rows -- Poisson-sampled batches, each
        row's gradient (its loss and gradient penalty) clipped to
        ``dp_l2_norm_clip``, Gaussian noise -- and a generator that never sees
        a row, conditioned on level frequencies released with Gaussian noise
        (four times ``dp_noise_multiplier``, counted in the budget). Needs
        ``pac=1`` (a row is the privacy unit), ``calibrate_marginals=False``
        (the calibration stores training quantiles) and
        ``conditional_vector_type="single_discrete"``; ``log_frequency`` is
        not used (rows are drawn uniformly, as the accounting assumes). See
        Notes for what the guarantee covers.
    dp_noise_multiplier : float, default=1.0
        Noise standard deviation relative to ``dp_l2_norm_clip``.
    dp_l2_norm_clip : float, default=1.0
        Bound on the L2 norm of each row's critic gradient.
    dp_target_epsilon : float or None, default=None
        Reach this epsilon at the end of training: the noise multiplier is
        computed (for ``epochs`` and the level-frequency release) instead of
        taken from ``dp_noise_multiplier``.
    dp_delta : float or None, default=None
        Delta of the guarantee; ``None`` is ``1 / n_samples``.
    device : str, default="auto"
        Torch device to train and sample on; ``"auto"`` uses CUDA when
        available, the CPU otherwise. On the CPU torch's thread count
        (``torch.set_num_threads``) is respected.
    %(common)s

    Attributes
    ----------
    column_specs_ : list of dict
        The data transformer's state, one dict per GAN-modelled column (see
        :class:`skgen.gan.DataTransformer`).
    string_columns_ : list of dict
        One dict per ID-like or free-text column: how fresh values are made.
    string_hashes_ : list of ndarray of uint64
        Per ID-like or free-text column, the sorted 64-bit hashes of its
        training values, which the generators refuse. Reference data: a model
        file leaves them out unless saved with ``include_reference_data=True``;
        ``skgen.load(path, reference_data=X)`` computes them again (without,
        generated IDs and texts are not checked against the training ones, with
        a warning).
    history_ : dict of str to list of float
        ``"generator_loss"`` and ``"discriminator_loss"``, the mean loss of
        each epoch.
    output_dim_ : int
        Width of the encoded table.
    cond_dim_ : int
        Width of the conditional vector.
    conditionable_ : list of int
        Positions (in ``column_specs_``) of the columns the conditional vector
        carries.
    discrete_columns_ : list of int
        Positions (in ``column_specs_``) of the one-hot discrete columns
        training-by-sampling draws from.
    exact_dependencies_ : list of dict
        Exact dependencies of the training rows (a categorical column whose
        every level, with at least 5 rows, fixes another column's value:
        ``sub_grade -> grade``): each level and the value it maps to, no
        record. The sampling loop gives a free dependent cell the value its
        level maps to and proposes again a row whose generated level
        contradicts a fixed dependent. Empty with ``dp=True``: the table is
        data-derived, outside the DP accountant.
    device_ : str
        The device the model was trained on.
    epsilon_ : float or None
        With ``dp=True``, epsilon of the ``(epsilon_, delta_)`` guarantee of
        the generator's weights and the released level frequencies; ``None``
        otherwise.
    delta_ : float or None
        Delta of that guarantee; ``None`` without ``dp``.
    dp_noise_multiplier_ : float or None
        Noise multiplier of the critic's DP-SGD (from ``dp_target_epsilon``
        when given); ``None`` without ``dp``.
    schema_, validators_, data_check_warnings_, n_features_in_, \
feature_names_in_, n_train_rows_ :
        See :class:`skgen.base.BaseSynthesizer`.

    See Also
    --------
    skgen.AmplifySampler : a fast statistical model with exact conditioning.

    Notes
    -----
    Sampling decodes each discrete span by a Gumbel-max draw from the
    generator's softmax (the same as sampling the category) but reads each
    continuous value from its most likely mode: drawing the modes of several
    columns independently would undo the dependence between them that the
    generator carries in its noise input. Numbers are then calibrated (see
    ``calibrate_marginals``), clipped to the training range and rounded
    (integers; datetimes to their training resolution). The generator runs
    in evaluation mode (batch-norm running statistics) when sampling, so a
    row does not depend on the others in its batch.

    *What differential privacy covers.* With ``dp=True`` the generator's
    weights and the level frequencies it samples conditions from are
    ``(epsilon_, delta_)``-DP with respect to adding or removing one training
    row, so every sample is too. Outside the guarantee, learned from the data
    without noise: the schema (categories, ranges, missing rates), the mode
    mixtures of continuous columns (their means, spreads and weights), fitted
    validators, data-check warnings and ``history_`` (critic losses on real
    rows). Treat the schema as public and pass ``validators=[]`` for
    end-to-end DP. ID-like and free-text columns are refused under ``dp``:
    their generators keep training strings. All noise is drawn from
    ``random_state``: a fixed seed makes a run reproducible, and its noise
    predictable to whoever knows the seed; leave ``random_state=None`` for a
    release.

    References
    ----------
    Xu, L., Skoularidou, M., Cuesta-Infante, A. and Veeramachaneni, K. (2019).
    Modeling tabular data using conditional GAN. NeurIPS 32 (CTGAN).
    Gulrajani, I., Ahmed, F., Arjovsky, M., Dumoulin, V. and Courville, A.
    (2017). Improved training of Wasserstein GANs. NeurIPS 30 (WGAN-GP).
    Lin, Z., Khetan, A., Fanti, G. and Oh, S. (2018). PacGAN: the power of two
    samples in generative adversarial networks. NeurIPS 31.
    Jang, E., Gu, S. and Poole, B. (2017). Categorical reparameterization with
    Gumbel-softmax. ICLR.
    Abadi, M. et al. (2016). Deep learning with differential privacy. ACM CCS
    (DP-SGD); Fang, M. L., Dhami, D. S. and Kersting, K. (2022). DP-CTGAN:
    differentially private medical data generation using CTGANs. AIME.
    Gretel.ai (2022). ACTGAN, gretel-synthetics
    (https://github.com/gretelai/gretel-synthetics): binary encoding above a
    cardinality cutoff and conditioning on any columns ("anyway" mode).
    Saerens, M., Latinne, P. and Decaestecker, C. (2002). Adjusting the
    outputs of a classifier to new a priori probabilities. Neural Computation
    14(1) (the prior-shift correction of the level calibration).
    Panofsky, H. A. and Brier, G. W. (1968). Some Applications of Statistics
    to Meteorology. Pennsylvania State University (quantile mapping, used by
    the marginal calibration).

    Examples
    --------
    >>> from skgen import GANSynthesizer
    >>> from skgen.datasets import load_diamonds
    >>> df = load_diamonds().sample(2000, random_state=0)
    >>> syn = GANSynthesizer(epochs=5, random_state=0).fit(df)
    >>> rows = syn.sample(100, conditions={"cut": "Fair", "color": "J"})
    >>> bool(((rows["cut"] == "Fair") & (rows["color"] == "J")).all())
    True
    """

    _parameter_constraints: dict = {
        **BaseSynthesizer._parameter_constraints,
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "generator_dim": [tuple, list],
        "discriminator_dim": [tuple, list],
        "generator_lr": [Interval(Real, 0, None, closed="neither")],
        "generator_decay": [Interval(Real, 0, None, closed="left")],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither")],
        "discriminator_decay": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "discriminator_steps": [Interval(Integral, 1, None, closed="left")],
        "pac": [Interval(Integral, 1, None, closed="left")],
        "log_frequency": ["boolean"],
        "conditional_vector_type": [StrOptions({"anyway", "single_discrete"})],
        "binary_encoder_cutoff": [Interval(Integral, 2, None, closed="left")],
        "n_modes": [Interval(Integral, 1, None, closed="left")],
        "weight_threshold": [Interval(Real, 0, 1, closed="left")],
        "mode_fit_rows": [Interval(Integral, 2, None, closed="left"), None],
        "calibrate_marginals": ["boolean"],
        **DP_PARAMETER_CONSTRAINTS,
        "device": [str],
    }
    #: Fitted attributes a model file holds (see :mod:`skgen.persistence`).
    _fitted_attributes = (
        "column_specs_", "discrete_columns_", "string_columns_", "paired_columns_",
        "conditionable_", "cond_dim_",
        "output_dim_", "device_", "history_", "epsilon_", "delta_", "dp_noise_multiplier_",
        "_generator_weights_", "exact_dependencies_")
    #: Left out of a model file by default (see :mod:`skgen.persistence`): the
    #: hashes of training IDs and texts (``_string_hash_columns``).
    _reference_attributes = ("string_hashes_",)
    _learns_dependencies = True

    def __init__(
        self,
        *,
        embedding_dim: int = 128,
        generator_dim: tuple = (256, 256),
        discriminator_dim: tuple = (256, 256),
        generator_lr: float = 2e-4,
        generator_decay: float = 1e-6,
        discriminator_lr: float = 2e-4,
        discriminator_decay: float = 1e-6,
        batch_size: int = 500,
        epochs: int = 300,
        discriminator_steps: int = 1,
        pac: int = 10,
        log_frequency: bool = True,
        conditional_vector_type: str = "anyway",
        binary_encoder_cutoff: int = 500,
        n_modes: int = 10,
        weight_threshold: float = 0.005,
        mode_fit_rows: int | None = 20_000,
        max_fit_rows: int | None = None,
        calibrate_marginals: bool = True,
        dp: bool = False,
        dp_noise_multiplier: float = 1.0,
        dp_l2_norm_clip: float = 1.0,
        dp_target_epsilon: float | None = None,
        dp_delta: float | None = None,
        device: str = "auto",
        column_types: dict | None = None,
        validators=None,
        max_invalid: int | None = None,
        data_checks: str = "log",
        verbose: int = 0,
        n_jobs: int | None = None,
        random_state=None,
    ) -> None:
        self.embedding_dim = embedding_dim
        self.generator_dim = generator_dim
        self.discriminator_dim = discriminator_dim
        self.generator_lr = generator_lr
        self.generator_decay = generator_decay
        self.discriminator_lr = discriminator_lr
        self.discriminator_decay = discriminator_decay
        self.batch_size = batch_size
        self.epochs = epochs
        self.discriminator_steps = discriminator_steps
        self.pac = pac
        self.log_frequency = log_frequency
        self.conditional_vector_type = conditional_vector_type
        self.binary_encoder_cutoff = binary_encoder_cutoff
        self.n_modes = n_modes
        self.weight_threshold = weight_threshold
        self.mode_fit_rows = mode_fit_rows
        self.max_fit_rows = max_fit_rows
        self.calibrate_marginals = calibrate_marginals
        self.dp = dp
        self.dp_noise_multiplier = dp_noise_multiplier
        self.dp_l2_norm_clip = dp_l2_norm_clip
        self.dp_target_epsilon = dp_target_epsilon
        self.dp_delta = dp_delta
        self.device = device
        self.column_types = column_types
        self.validators = validators
        self.max_invalid = max_invalid
        self.data_checks = data_checks
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def _check_settings(self) -> torch.device:
        """Checks the constraints cannot express; returns the torch device."""
        if self.batch_size % self.pac:
            raise ValueError(f"batch_size={self.batch_size} must be a multiple of "
                             f"pac={self.pac} (the discriminator judges packs of pac rows)")
        for name in ("generator_dim", "discriminator_dim"):
            dims = getattr(self, name)
            if not all(isinstance(d, Integral) and not isinstance(d, bool) and d > 0
                       for d in dims):
                raise ValueError(f"{name} must hold positive integers, got {dims!r}")
        if self.dp:
            conflicts = [f"{name}={getattr(self, name)!r} (needs {need!r})"
                         for name, need in (("pac", 1), ("calibrate_marginals", False),
                                            ("conditional_vector_type", "single_discrete"))
                         if getattr(self, name) != need]
            if conflicts:
                raise ValueError("dp=True cannot be used with " + ", ".join(conflicts) +
                                 "; pass GANSynthesizer(dp=True, pac=1, calibrate_marginals="
                                 "False, conditional_vector_type='single_discrete', ...)")
        return _resolve_device(self.device)

    def _fit(self, X: pd.DataFrame, rng: np.random.Generator) -> None:
        """Encode the table and train the generator against the critic."""
        device = self._check_settings()
        self._runtime = None
        schema = self.schema_
        gan_cols = [c for c in schema.columns if c.kind not in ("id", "text")]
        if self.dp and len(gan_cols) < len(schema.columns):
            names = [c.name for c in schema.columns if c.kind in ("id", "text")]
            raise ValueError(f"dp=True cannot model the ID-like or free-text column(s) "
                             f"{names}: their generators keep training strings; drop them")
        self.string_columns_ = [self._fit_strings(X[c.name], c.kind, c.missing_rate)
                                for c in schema.columns if c.kind in ("id", "text")]
        self._attach_string_hashes(X)
        self.paired_columns_ = [] if self.dp else _one_to_one_pairs(X, gan_cols)
        derived = {pair["name"] for pair in self.paired_columns_}
        gan_cols = [c for c in gan_cols if c.name not in derived]
        transformer = DataTransformer.fit(
            X, gan_cols, n_modes=self.n_modes, weight_threshold=self.weight_threshold,
            binary_encoder_cutoff=self.binary_encoder_cutoff, max_rows=self.mode_fit_rows,
            rng=rng)
        specs = transformer.specs
        self.column_specs_ = specs
        self.output_dim_ = transformer.output_dim
        self.discrete_columns_ = [j for j, s in enumerate(specs) if s["kind"] == "discrete"]
        if self.conditional_vector_type == "anyway":
            self.conditionable_ = list(range(len(specs)))
        else:
            self.conditionable_ = list(self.discrete_columns_)
        if self.calibrate_marginals and self.discrete_columns_:
            transformer.fit_group_quantiles(X, self.discrete_columns_,
                                            min_rows=_GROUP_MIN_ROWS)
        self.device_ = str(device)
        self.history_ = {"generator_loss": [], "discriminator_loss": []}
        self.epsilon_ = self.delta_ = self.dp_noise_multiplier_ = None
        if self.dp:
            for spec in specs:  # only the calibration reads them: training values
                spec.pop("quantiles", None)
        if not specs:  # only ID / text columns: nothing for the GAN to learn
            self.cond_dim_ = 0
            self._generator_weights_ = {}
            return

        torch_gen = torch.Generator(device=device)
        torch_gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
        rt = self._build_runtime(transformer, device)
        layout, head = rt["layout"], rt["head"]
        self.cond_dim_ = layout.cond_dim
        # the encoded table in the generator's internal column order, and the
        # condition features of every row, both kept on the device
        encoded = torch.as_tensor(transformer.transform(X, rng)[:, head.perm], device=device)
        features = torch.as_tensor(transformer.condition_features(X, self.conditionable_),
                                   device=device)
        codes = transformer.codes(X)
        if self.dp:
            G = self._train_private(encoded, features, codes, rt, torch_gen, rng)
        else:
            sampler = TrainingSampler(
                [codes[j] for j in self.discrete_columns_],
                [len(specs[j]["level_probs"]) for j in self.discrete_columns_],
                self.log_frequency, device)
            draw = _BatchDrawer(sampler, len(X), self.discrete_columns_, len(specs), device,
                                anyway=self.conditional_vector_type == "anyway")
            G = self._train(encoded, features, draw, rt, torch_gen)
        self._generator_weights_ = state_arrays(G)
        rt["generator"] = G
        if self.calibrate_marginals:
            self._calibrate(rt, rng, torch_gen)
        self._runtime = rt

    def _networks(self, rt: dict, torch_gen: torch.Generator) -> tuple:
        """A fresh generator and critic, and their Adam optimizers."""
        device, cond_dim = rt["device"], rt["layout"].cond_dim
        G = build(Generator, self.embedding_dim + cond_dim, tuple(self.generator_dim),
                  self.output_dim_, device=device, generator=torch_gen)
        D = build(Discriminator, self.output_dim_ + cond_dim, tuple(self.discriminator_dim),
                  self.pac, device=device, generator=torch_gen)
        return (G, D, fused_adam(G.parameters(), lr=self.generator_lr, betas=_BETAS,
                                 weight_decay=self.generator_decay),
                fused_adam(D.parameters(), lr=self.discriminator_lr, betas=_BETAS,
                           weight_decay=self.discriminator_decay))

    def _train(self, encoded: torch.Tensor, features: torch.Tensor, draw: _BatchDrawer,
               rt: dict, torch_gen: torch.Generator) -> Generator:
        """The WGAN-GP training loop; fills ``history_`` and returns the generator
        (in evaluation mode)."""
        device, layout, head = rt["device"], rt["layout"], rt["head"]
        G, D, opt_g, opt_d = self._networks(rt, torch_gen)
        B = self.batch_size
        steps = max(1, encoded.shape[0] // B)
        G.train()
        D.train()
        bar = tqdm(range(self.epochs), disable=not self.verbose,
                   desc=f"{type(self).__name__} training", unit="epoch")
        for _ in bar:
            g_sum = torch.zeros((), device=device)
            d_sum = torch.zeros((), device=device)
            for _ in range(steps):
                for d_step in range(self.discriminator_steps):
                    rows, mask = draw(B, torch_gen)
                    real = encoded[rows]
                    cond_real = layout.build(features[rows], mask)
                    perm = torch.randperm(B, generator=torch_gen, device=device)
                    cond_fake = cond_real[perm]
                    z = torch.randn(B, self.embedding_dim, generator=torch_gen, device=device)
                    if d_step == self.discriminator_steps - 1:
                        # the last critic step's fakes also serve the generator step
                        raw = G(torch.cat([z, cond_fake], dim=1))
                        fake = head.activate(raw, torch_gen)
                        fake_d = fake.detach()
                    else:
                        with torch.no_grad():
                            fake_d = head.activate(G(torch.cat([z, cond_fake], dim=1)),
                                                   torch_gen)
                    loss_d, penalty = critic_loss(D, torch.cat([real, cond_real], dim=1),
                                                  torch.cat([fake_d, cond_fake], dim=1),
                                                  torch_gen, _PENALTY_SHARE)
                    opt_d.zero_grad(set_to_none=True)
                    (loss_d + penalty).backward()
                    opt_d.step()
                D.requires_grad_(False)
                loss_g = -D(torch.cat([fake, cond_fake], dim=1), torch_gen).mean() + \
                    head.condition_loss(raw, real[perm], mask[perm])
                D.requires_grad_(True)
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                g_sum += loss_g.detach()
                d_sum += (loss_d + penalty).detach()
            g_mean, d_mean = float(g_sum) / steps, float(d_sum) / steps
            self.history_["generator_loss"].append(g_mean)
            self.history_["discriminator_loss"].append(d_mean)
            if self.verbose:
                bar.set_postfix(G=f"{g_mean:.3f}", D=f"{d_mean:.3f}")
        bar.close()
        return G.eval()

    def _train_private(self, encoded: torch.Tensor, features: torch.Tensor,
                       codes: list, rt: dict, torch_gen: torch.Generator,
                       rng: np.random.Generator) -> Generator:
        """Differentially private training (see ``dp``); sets ``epsilon_``, ``delta_``.

        The level frequencies of the categorical columns are released once
        with Gaussian noise and replace the exact ones; the critic takes
        DP-SGD steps on Poisson-sampled rows, each conditioned on one of its
        own discrete values (column drawn uniformly); the generator is
        conditioned on levels drawn from the released frequencies only.
        """
        from skgen.gan._private import (
            MARGINAL_NOISE_FACTOR,
            PrivateCritic,
            noisy_level_probs,
        )
        from skgen.privacy import (
            default_delta,
            epsilon,
            make_accountant,
            noise_multiplier_for_epsilon,
        )

        device, layout, head = rt["device"], rt["layout"], rt["head"]
        specs = self.column_specs_
        n = int(encoded.shape[0])
        B = min(self.batch_size, n)
        rate = B / n
        steps = max(1, n // B)
        delta = self.dp_delta if self.dp_delta is not None else default_delta(n)
        categorical = [j for j, s in enumerate(specs) if s["kind"] != "continuous"]
        releases = ((MARGINAL_NOISE_FACTOR, 1.0, 1),) if categorical else ()
        if self.dp_target_epsilon is not None:
            sigma = noise_multiplier_for_epsilon(
                self.dp_target_epsilon, delta, rate,
                steps=self.epochs * steps * self.discriminator_steps, releases=releases)
        else:
            sigma = float(self.dp_noise_multiplier)
        accountant = make_accountant("rdp")
        if categorical:
            probs = noisy_level_probs([codes[j] for j in categorical],
                                      [len(specs[j]["level_probs"]) for j in categorical],
                                      MARGINAL_NOISE_FACTOR * sigma, rng)
            for j, p in zip(categorical, probs, strict=True):
                specs[j]["level_probs"] = p
            accountant.history.append((MARGINAL_NOISE_FACTOR * sigma, 1.0, 1))
        draw_fake = _ReleasedConditions(specs, self.discrete_columns_, rt, device)

        G, D, opt_g, opt_d = self._networks(rt, torch_gen)
        critic = PrivateCritic(D, opt_d, noise_multiplier=sigma, max_grad_norm=self.dp_l2_norm_clip,
                               batch_size=B, sample_rate=rate, accountant=accountant,
                               generator=torch_gen)
        disc = torch.as_tensor(np.asarray(self.discrete_columns_, dtype=np.int64), device=device)
        G.train()
        D.train()
        bar = tqdm(range(self.epochs), disable=not self.verbose,
                   desc=f"{type(self).__name__} training (DP)", unit="epoch")
        for _ in bar:
            g_sum, d_sum, d_rows = 0.0, 0.0, 0
            for _ in range(steps):
                for _ in range(self.discriminator_steps):
                    rows = torch.nonzero(torch.rand(n, generator=torch_gen, device=device)
                                         < rate).squeeze(1)
                    b = int(rows.numel())
                    mask = torch.zeros(b, len(specs), dtype=torch.bool, device=device)
                    if disc.numel():
                        pick = torch.randint(0, disc.numel(), (b,), generator=torch_gen,
                                             device=device)
                        mask[torch.arange(b, device=device), disc[pick]] = True
                    real = torch.cat([encoded[rows], layout.build(features[rows], mask)], dim=1)
                    with torch.no_grad():  # batch norm needs two rows: make at least two
                        cond, _, _ = draw_fake(max(b, 2), torch_gen)
                        z = torch.randn(cond.shape[0], self.embedding_dim, generator=torch_gen,
                                        device=device)
                        fake = head.activate(G(torch.cat([z, cond], dim=1)), torch_gen)
                    d_sum += critic.step(real, torch.cat([fake, cond], dim=1)[:b])
                    d_rows += b
                cond, target, mask = draw_fake(B, torch_gen)
                z = torch.randn(B, self.embedding_dim, generator=torch_gen, device=device)
                raw = G(torch.cat([z, cond], dim=1))
                fake = head.activate(raw, torch_gen)
                D.requires_grad_(False)
                loss_g = -D(torch.cat([fake, cond], dim=1), torch_gen).mean() + \
                    head.condition_loss(raw, target, mask)
                D.requires_grad_(True)
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
                g_sum += float(loss_g.detach())
            self.history_["generator_loss"].append(g_sum / steps)
            self.history_["discriminator_loss"].append(d_sum / max(d_rows, 1))
            if self.verbose:
                bar.set_postfix(G=f"{g_sum / steps:.3f}", D=f"{d_sum / max(d_rows, 1):.3f}")
        bar.close()
        self.dp_noise_multiplier_ = float(sigma)
        self.delta_ = float(delta)
        self.epsilon_ = float(epsilon(accountant, delta))
        return G.eval()


    def _string_hash_columns(self) -> dict[str, list]:
        return {"string_hashes_": [info["name"] for info in self.string_columns_]}

    @staticmethod
    def _fit_strings(s: pd.Series, kind: str, missing_rate: float) -> dict:
        values = s.dropna().astype(str)
        info = {"name": s.name, "kind": kind, "missing_rate": float(missing_rate)}
        if kind == "id":
            info["patterns"], info["weights"] = fit_id_patterns(values)
        else:
            info["chain"] = fit_markov_text(values)
        return info

    # ------------------------------------------------------------ runtime
    def _build_runtime(self, transformer: DataTransformer, device: torch.device) -> dict:
        specs = transformer.specs
        owner_of = np.zeros(transformer.output_dim, dtype=np.int64)
        for j, (start, stop) in enumerate(transformer.slices):
            owner_of[start:stop] = j
        head = OutputHead(
            transformer.alpha_index, transformer.bit_index, transformer.softmax_spans,
            owner_of[transformer.alpha_index], owner_of[transformer.bit_index],
            [int(owner_of[s]) for s, _ in transformer.softmax_spans],
            [specs[owner_of[s]]["kind"] == "continuous" for s, _ in transformer.softmax_spans],
            device)
        widths = transformer.condition_widths(self.conditionable_)
        layout = ConditionLayout(widths, self.conditionable_, [s["kind"] for s in specs],
                                 device)
        offsets = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        feature_start = {j: int(offsets[i]) for i, j in enumerate(self.conditionable_)}
        return {"device": device, "transformer": transformer, "head": head, "layout": layout,
                "feature_start": feature_start, "generator": None}

    def _get_runtime(self) -> dict:
        """Transformer and torch modules, rebuilt from the stored state on first use."""

        def build() -> dict:
            device = _resolve_device(self.device, fallback=True)
            rt = self._build_runtime(DataTransformer(self.column_specs_), device)
            if self.column_specs_:
                G = load(Generator, self._generator_weights_,
                         self.embedding_dim + self.cond_dim_, tuple(self.generator_dim),
                         self.output_dim_, device=device)
                rt["generator"] = G.eval()
            return rt

        return self._lazy_runtime(build, usable=lambda rt: rt["generator"] is not None
                                  or not self.column_specs_)

    # ------------------------------------------------------------- generate
    def _generate(self, seeds: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Generate one row per seed row, its fixed values fed to the conditional vector."""
        rt = self._get_runtime()
        out: dict[Any, Any] = {}
        specs = self.column_specs_
        seeds = self._draw_restricted(seeds, rng)
        pairs = getattr(self, "paired_columns_", [])
        if specs:
            transformer: DataTransformer = rt["transformer"]
            names = [s["name"] for s in specs]
            frame = seeds[names]
            for pair in pairs:  # a fixed derived value fixes the value it is paired with
                given = seeds[pair["name"]].notna().to_numpy() & frame[pair["of"]].isna()
                if given.any():  # (frame is a new object: seeds are not touched)
                    frame.loc[given, pair["of"]] = _translate(
                        seeds.loc[given, pair["name"]], pair["to"], pair["from"])
            fixed = frame.notna().to_numpy()
            features = transformer.condition_features(frame, self.conditionable_)
            groups = self._rarest_fixed_level(fixed, transformer, frame)
            vector = self._vector_mask(fixed, groups)
            implied = np.zeros_like(fixed)
            if self.conditional_vector_type == "anyway":
                # a fixed cell another fixed cell determines (grade given sub_grade) stays out
                # of the vector: the generator is conditioned on fewer columns, as in most of
                # its training, and the group calibration fitted on one level then fits
                implied = _implied_cells(getattr(self, "exact_dependencies_", []), frame, fixed)
                vector &= ~implied
                # calibrate by the rarest fixed level that has a group calibration
                groups = self._rarest_fixed_level(fixed, transformer, frame,
                                                  min_rows=_GROUP_MIN_ROWS)
            drawn = self._marginal_conditions(features, vector, rt, rng)
            groups[drawn[:, 0] >= 0] = drawn[drawn[:, 0] >= 0]
            gen = torch.Generator(device=rt["device"])
            gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
            scores = self._scores(rt, features, vector, gen)
            label = self._label_column()
            if label is not None:  # the row is made given its label: it holds it
                rows = np.flatnonzero(drawn[:, 0] == self.discrete_columns_.index(label))
                start, stop = transformer.slices[label]
                scores[rows, start:stop] = 0.0
                scores[rows, start + drawn[rows, 1]] = _FIXED_SCORE
            made = transformer.inverse_transform(scores, rng, groups=groups)
            keep = (vector | implied) & fixed  # fixed cells the generator was conditioned on
            for j, name in enumerate(names):
                col = made[name].to_numpy()
                if keep[:, j].any():
                    col = col.copy()
                    col[keep[:, j]] = frame[name].to_numpy()[keep[:, j]]
                out[name] = col
        for pair in pairs:
            given = seeds[pair["name"]].notna().to_numpy()
            values = _translate(pd.Series(out[pair["of"]]), pair["from"], pair["to"])
            values[given] = seeds[pair["name"]].to_numpy(dtype=object)[given]
            out[pair["name"]] = values
        if self.string_columns_:
            hashes = self._string_hashes("string_hashes_")
            for info, known in zip(self.string_columns_, hashes, strict=True):
                out[info["name"]] = self._make_strings(info, known, seeds[info["name"]], rng)
        return pd.DataFrame({name: out[name] for name in self.schema_.names}, index=seeds.index)

    def _draw_restricted(self, seeds: pd.DataFrame, rng: np.random.Generator
                         ) -> pd.DataFrame:
        """Seed rows with the cells of range and set conditions drawn, for the vector to carry.

        A level of a set comes from the training frequencies restricted to the
        set; with ``"anyway"`` a number from the training quantiles restricted
        to the range (a set of numbers: each by the mass that rounds to it).
        The rest is left to the sampling loop's rejection.
        """
        restrictions = restrictions_of(seeds)
        if not restrictions:
            return seeds
        seeds = seeds.copy()
        seeds.attrs = {}
        m = len(seeds)
        anyway = self.conditional_vector_type == "anyway"
        specs = {spec["name"]: spec for spec in self.column_specs_}
        for name, values in restrictions.sets.items():
            spec = specs.get(name)
            if spec is None:
                continue
            if spec["kind"] != "continuous":
                levels = list(values)
                if spec.get("numeric_levels"):  # levels are as_float numbers
                    col = self.schema_[name]
                    levels = list(as_float(pd.Series(levels, dtype=seeds[name].dtype),
                                           col.kind, col.origin))
                codes = pd.Categorical(levels, categories=spec["categories"]).codes
                weights = np.asarray(spec["level_probs"])[codes]
            elif anyway and "quantiles" in spec:
                weights = np.asarray([np.diff(_quantile_interval(
                    spec, *range_bounds(self.schema_[name], (v, v), widen=True)))[0]
                    for v in values]).clip(0)
            else:
                continue
            chosen = np.asarray(values, dtype=object)[
                restricted_choice(weights, np.arange(len(values)), m, rng)]
            if spec["kind"] != "continuous":
                chosen[self._left_to_generator(spec, codes, seeds)] = None
            seeds[name] = pd.Series(chosen, dtype=seeds[name].dtype)
        for name, bounds in restrictions.ranges.items():
            spec = specs.get(name)
            col = self.schema_[name]
            if spec is not None and spec.get("numeric_levels"):  # a few-valued integer column
                lo, hi = range_bounds(col, bounds)
                levels = np.asarray(spec["categories"])
                allowed = np.flatnonzero((levels >= lo) & (levels <= hi))
                if not len(allowed):
                    continue
                x = levels[restricted_choice(np.asarray(spec["level_probs"]), allowed, m, rng)]
            elif anyway and spec is not None and "quantiles" in spec:
                q = spec["quantiles"]  # on the model's scale (signed log for heavy tails)
                lo, hi = range_bounds(col, bounds, widen=True)
                u_lo, u_hi = _quantile_interval(spec, lo, hi)
                if u_hi <= u_lo:
                    continue
                u = u_lo + rng.random(m) * (u_hi - u_lo)
                x = _from_model_scale(np.interp(u, quantile_grid(len(q)), q), spec)
                x = snap(col, np.clip(x, lo, hi))
            else:
                continue
            seeds[name] = pd.Series(from_float(x, col.kind, col.origin),
                                    dtype=seeds[name].dtype)
        return seeds

    def _left_to_generator(self, spec: dict, codes: np.ndarray, seeds: pd.DataFrame
                           ) -> np.ndarray:
        """Rows whose set condition (on the levels ``codes`` of the discrete column whose
        spec is ``spec``) is left to the generator.

        The sampling loop turns a fixed dependent (``grade = "F"``) into a set
        condition on its free determinant (``sub_grade`` among ``F1``-``F5``).
        When a level of the set has fewer than ``_GROUP_MIN_ROWS`` training
        rows and the fixed dependent's level has that many, a drawn level may
        put the generator on a sub-grade the group calibration was never
        fitted for, while the row is calibrated within the grade: the grade's
        number (``int_rate``) then comes from the wrong quantiles (0.53 of
        the shape score on grade ``F``, most rates piled on one value). Such
        rows keep the cell free: the generator is conditioned on the grade,
        makes the sub-grade and the rate together, and the loop rejects a
        sub-grade outside the set.
        """
        probs = np.asarray(spec["level_probs"])
        free = np.zeros(len(seeds), dtype=bool)
        if (probs[codes] * self.n_train_rows_ >= _GROUP_MIN_ROWS).all():
            return free
        specs = {sp["name"]: sp for sp in self.column_specs_}
        for dep in getattr(self, "exact_dependencies_", []):
            b = dep["dependent"]
            if dep["determinant"] != spec["name"] or b not in specs or "cuts" in dep:
                continue
            sb = specs[b]
            if sb["kind"] == "continuous" or sb.get("numeric_levels"):
                continue
            given = seeds[b]
            at = pd.Categorical(given, categories=sb["categories"]).codes
            rows = (at >= 0) & given.notna().to_numpy()
            level_rows = np.asarray(sb["level_probs"])[at.clip(0)] * self.n_train_rows_
            free |= rows & (level_rows >= _GROUP_MIN_ROWS)
        return free

    def _scores(self, rt: dict, features: np.ndarray, vector: np.ndarray,
                gen: torch.Generator) -> np.ndarray:
        """Generator outputs for rows with these condition features, ready to decode."""
        device = rt["device"]
        parts = []
        with torch.inference_mode():
            for i in range(0, len(features), _FORWARD_ROWS):
                cond = rt["layout"].build(
                    torch.as_tensor(features[i:i + _FORWARD_ROWS], device=device),
                    torch.as_tensor(vector[i:i + _FORWARD_ROWS], device=device))
                z = torch.randn(cond.shape[0], self.embedding_dim, generator=gen, device=device)
                raw = rt["generator"](torch.cat([z, cond], dim=1))
                parts.append(rt["head"].sample_scores(raw, gen).cpu().numpy())
        return np.concatenate(parts) if parts else np.zeros((0, self.output_dim_), np.float32)

    def _calibrate(self, rt: dict, rng: np.random.Generator, gen: torch.Generator) -> None:
        """Fit the marginal calibration on a large unconditional sample of the generator,
        and the group calibration on samples conditioned on each discrete level."""
        transformer: DataTransformer = rt["transformer"]
        width = int(sum(transformer.condition_widths(self.conditionable_)))
        n_ref = int(np.clip(2 * self.n_train_rows_, *_CALIBRATION_ROWS))
        features = np.zeros((n_ref, width), dtype=np.float32)
        vector = np.zeros((n_ref, len(transformer.specs)), dtype=bool)
        self._marginal_conditions(features, vector, rt, rng)
        scores = self._scores(rt, features, vector, gen)
        transformer.calibrate_levels(scores, ~vector)
        transformer.calibrate(scores)

        levels = [(i, level) for i, j in enumerate(self.discrete_columns_)
                  for level, p in enumerate(transformer.specs[j]["level_probs"])
                  if p * self.n_train_rows_ >= _GROUP_MIN_ROWS]
        if not levels:
            return
        per = max(_GROUP_ROWS[0], min(_GROUP_ROWS[1], _GROUP_ROWS[2] // len(levels)))
        groups = np.repeat(np.asarray(levels, dtype=np.int64), per, axis=0)
        features = np.zeros((len(groups), width), dtype=np.float32)
        vector = np.zeros((len(groups), len(transformer.specs)), dtype=bool)
        for i, j in enumerate(self.discrete_columns_):
            rows = np.flatnonzero(groups[:, 0] == i)
            start = rt["feature_start"][j]
            features[rows, start + groups[rows, 1]] = 1.0
            vector[rows, j] = True
        transformer.calibrate_groups(self._scores(rt, features, vector, gen), groups)

    def _rarest_fixed_level(self, fixed: np.ndarray, transformer: DataTransformer,
                            frame: pd.DataFrame, *, min_rows: int = 0) -> np.ndarray:
        """Per row, the (discrete column, level) of its rarest fixed discrete value among
        the levels with at least ``min_rows`` training rows, or ``(-1, -1)`` when it fixes
        none. Shape (n_rows, 2); the column is a position in ``discrete_columns_``.

        With ``min_rows=_GROUP_MIN_ROWS``, the level whose group calibration a row gets:
        lending club's ``grade = "F"`` fixes a sub-grade too, drawn from ``F1``-``F5``, of
        which only ``F1`` has 50 training rows; the others are calibrated within ``F``.
        """
        out = np.full((len(frame), 2), -1, dtype=np.int64)
        disc = self.discrete_columns_
        if not disc or not fixed[:, disc].any():
            return out
        freq = np.full((len(frame), len(disc)), np.inf)
        level = np.zeros((len(frame), len(disc)), dtype=np.int64)
        codes = transformer.codes(frame)
        for i, j in enumerate(disc):
            f = fixed[:, j]
            if f.any():
                level[f, i] = codes[j][f]
                freq[f, i] = transformer.specs[j]["level_probs"][codes[j][f]]
        if min_rows:
            freq[freq * self.n_train_rows_ < min_rows] = np.inf
        rows = np.flatnonzero(np.isfinite(freq).any(axis=1))
        best = np.argmin(freq[rows], axis=1)
        out[rows, 0] = best
        out[rows, 1] = level[rows, best]
        return out

    def _vector_mask(self, fixed: np.ndarray, rarest: np.ndarray) -> np.ndarray:
        """Which fixed cells go into the conditional vector (the others are left to the
        sampling loop's rejection): all of them ("anyway"), or the rarest fixed
        discrete level of each row (CTGAN's vector holds one discrete column)."""
        if self.conditional_vector_type == "anyway":
            return fixed.copy()
        vector = np.zeros_like(fixed)
        rows = np.flatnonzero(rarest[:, 0] >= 0)
        vector[rows, np.asarray(self.discrete_columns_, dtype=np.int64)[rarest[rows, 0]]] = True
        return vector

    def _label_column(self) -> int | None:
        """Position (in ``column_specs_``) of the label ``y`` the model was fitted with,
        when it is a one-hot discrete column; None otherwise."""
        names = [s["name"] for s in self.column_specs_]
        label = [j for j, name in enumerate(names) if name not in set(self.feature_names_in_)]
        if len(label) == 1 and label[0] in self.discrete_columns_:
            return label[0]
        return None

    def _marginal_conditions(self, features: np.ndarray, vector: np.ndarray, rt: dict,
                             rng: np.random.Generator) -> np.ndarray:
        """Rows without any condition get, as in training, one discrete column with a
        level drawn from its training frequency in the vector (in place). For a model
        fitted with a discrete label ``y``, that column is always the label, so that
        every row is generated given its class.

        Returns the (discrete column, level) drawn per row, ``-1`` where none was.
        """
        drawn = np.full((len(features), 2), -1, dtype=np.int64)
        disc = self.discrete_columns_
        free = np.flatnonzero(~vector.any(axis=1))
        if not disc or not free.size:
            return drawn
        specs = rt["transformer"].specs
        label = self._label_column()
        if label is None:
            which = rng.integers(0, len(disc), size=free.size)
        else:
            which = np.full(free.size, disc.index(label))
        for i, j in enumerate(disc):
            rows = free[which == i]
            if not rows.size:
                continue
            probs = specs[j]["level_probs"]
            level = rng.choice(len(probs), size=rows.size, p=probs)
            start = rt["feature_start"][j]
            features[rows, start:start + len(probs)] = 0.0
            features[rows, start + level] = 1.0
            vector[rows, j] = True
            drawn[rows, 0] = i
            drawn[rows, 1] = level
        return drawn

    @staticmethod
    def _make_strings(info: dict, known: np.ndarray, seed: pd.Series,
                      rng: np.random.Generator) -> np.ndarray:
        values = seed.to_numpy(dtype=object).copy()
        free = np.flatnonzero(pd.isna(values))
        return_missing = rng.random(free.size) < info["missing_rate"]
        todo = free[~return_missing]
        values[free[return_missing]] = np.nan
        if todo.size:
            if info["kind"] == "id":
                values[todo] = generate_ids(info["patterns"], info["weights"], known,
                                            todo.size, rng)
            else:
                values[todo] = generate_markov_text(info["chain"], known, todo.size, rng)
        return values


GANSynthesizer.__doc__ = GANSynthesizer.__doc__.replace(
    "%(common)s", (COLUMN_TYPES_DOC + COMMON_PARAMETERS_DOC).strip())


class _BatchDrawer:
    """Draws a training batch: real rows and the column mask of their conditions.

    ``single_discrete``: rows by training-by-sampling, conditioned on the
    drawn discrete column only (CTGAN). ``anyway``: three rows in four drawn
    the same way and conditioned on the drawn column plus a random subset of
    the others; one in four drawn uniformly and conditioned on a random subset
    (possibly empty). The share of a row's columns in its subset is
    ``u ** _SUBSET_POWER`` for a uniform ``u``, so small subsets -- the common
    requests, and the unconditional case -- dominate.
    """

    def __init__(self, sampler: TrainingSampler, n_rows: int, discrete: list[int],
                 n_columns: int, device: torch.device, *, anyway: bool) -> None:
        self.sampler = sampler
        self.n_rows = n_rows
        self.n_columns = n_columns
        self.anyway = anyway
        self.device = device
        self.discrete = torch.as_tensor(np.asarray(discrete, dtype=np.int64), device=device)

    def __call__(self, size: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        dev = self.device
        arange = torch.arange(size, device=dev)
        if self.sampler.n_columns:
            rows, col = self.sampler.sample(size, gen)
            forced = self.discrete[col]
        else:
            rows = torch.randint(0, self.n_rows, (size,), generator=gen, device=dev)
            forced = None
        if not self.anyway:
            mask = torch.zeros(size, self.n_columns, dtype=torch.bool, device=dev)
            if forced is not None:
                mask[arange, forced] = True
            return rows, mask
        uniform = torch.rand(size, generator=gen, device=dev) < _UNIFORM_SHARE
        if forced is None:
            uniform[:] = True
        rows = torch.where(uniform, torch.randint(0, self.n_rows, (size,), generator=gen,
                                                  device=dev), rows)
        share = torch.rand(size, 1, generator=gen, device=dev) ** _SUBSET_POWER
        mask = torch.rand(size, self.n_columns, generator=gen, device=dev) < share
        if forced is not None:
            mask[arange, forced] |= ~uniform
        return rows, mask


class _ReleasedConditions:
    """Conditional vectors for the generator under ``dp``: a discrete column drawn
    uniformly, a level of it from the (noisy) ``level_probs``; no training row used.

    Calling it with a size returns the conditional vectors, the encoded target
    of the condition loss (internal order) and the column mask.
    """

    def __init__(self, specs: list[dict], discrete: list[int], rt: dict,
                 device: torch.device) -> None:
        transformer, head = rt["transformer"], rt["head"]
        self.layout, self.device = rt["layout"], device
        self.n_columns, self.output_dim = len(specs), transformer.output_dim
        self.width = int(sum(transformer.condition_widths(discrete))) if discrete else 0
        probs = [np.asarray(specs[j]["level_probs"], dtype=np.float64) for j in discrete]
        self.draw = LevelDraw(probs, device)
        inverse = head.inverse.cpu().numpy()
        feat, enc = [], []
        for j, p in zip(discrete, probs, strict=True):
            feat.append(rt["feature_start"][j] + np.arange(p.size))
            enc.append(inverse[transformer.slices[j][0] + np.arange(p.size)])

        def t(parts):
            return torch.as_tensor(np.concatenate(parts) if parts else np.zeros(0),
                                   dtype=torch.int64, device=device)

        self.feature_pos, self.encoded_pos = t(feat), t(enc)
        self.columns = torch.as_tensor(np.asarray(discrete, dtype=np.int64), device=device)

    def __call__(self, size: int, gen: torch.Generator
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dev = self.device
        features = torch.zeros(size, self.width, device=dev)
        target = torch.zeros(size, self.output_dim, device=dev)
        mask = torch.zeros(size, self.n_columns, dtype=torch.bool, device=dev)
        if self.columns.numel():
            rows = torch.arange(size, device=dev)
            col, level = self.draw(size, gen)
            features[rows, self.feature_pos[level]] = 1.0
            target[rows, self.encoded_pos[level]] = 1.0
            mask[rows, self.columns[col]] = True
        return self.layout.build(features, mask), target, mask


def _one_to_one_pairs(X: pd.DataFrame, columns: list) -> list[dict]:
    """Few-valued columns that are in one-to-one correspondence with an earlier one.

    Candidates are categorical and boolean columns and integer columns with at
    most :data:`~skgen.gan._transformer.MAX_INTEGER_LEVELS` values; two of them
    are paired when every level of one occurs with exactly one level of the
    other in the training rows, and the other way round (missing counted as a
    level) -- Adult's ``education`` and ``education_num``. The GAN models the
    first and the second is read off it, so that no generated row breaks the
    pairing.

    Returns
    -------
    list of dict
        Per derived column: ``name``, ``of`` (the modelled column), ``from``
        and ``to`` (the paired levels, as lists).
    """
    candidates = [c.name for c in columns
                  if c.kind in ("categorical", "boolean")
                  or (c.kind == "integer" and X[c.name].nunique() <= MAX_INTEGER_LEVELS)]
    n_levels = {c: X[c].nunique(dropna=False) for c in candidates}
    pairs: list[dict] = []
    derived: set = set()
    for i, a in enumerate(candidates):
        if a in derived or n_levels[a] < 2:
            continue
        for b in candidates[i + 1:]:
            if b in derived or n_levels[b] != n_levels[a]:
                continue
            both = X[[a, b]].drop_duplicates()
            if len(both) == n_levels[a]:
                derived.add(b)
                pairs.append({"name": b, "of": a, "from": both[a].tolist(),
                              "to": both[b].tolist()})
    return pairs


def _implied_cells(deps: list[dict], frame: pd.DataFrame, fixed: np.ndarray) -> np.ndarray:
    """Fixed cells whose value another fixed cell of the row determines.

    Parameters
    ----------
    deps : list of dict
        ``exact_dependencies_``: a determinant column's levels (or a numeric
        one's intervals, by ``cuts``) and the dependent value each maps to.
    frame : pandas.DataFrame of shape (n_rows, n_columns)
        Seed rows, the GAN-modelled columns only; a non-missing cell is fixed.
    fixed : ndarray of bool of shape (n_rows, n_columns)
        ``frame.notna()``.

    Returns
    -------
    ndarray of bool of shape (n_rows, n_columns)
        True where the dependent cell of a dependency is fixed to the value its
        fixed determinant maps to (``grade = "B"`` beside ``sub_grade = "B3"``),
        unless that determinant is itself implied (of two columns that determine
        each other, one stays).
    """
    out = np.zeros_like(fixed)
    pos = {name: j for j, name in enumerate(frame.columns)}
    for dep in deps:
        a, b = dep["determinant"], dep["dependent"]
        if a not in pos or b not in pos:
            continue
        want, hit = determined_values(dep, frame)
        same = hit & (want == frame[b].to_numpy(dtype=object))
        out[:, pos[b]] |= fixed[:, pos[a]] & fixed[:, pos[b]] & same & ~out[:, pos[a]]
    return out


def _translate(values: pd.Series, source: list, target: list) -> np.ndarray:
    """Each value's partner: ``target[i]`` where the value is ``source[i]``; NaN for a
    value not in ``source``."""
    pos = pd.Index(source).get_indexer(values)
    out = np.asarray(target + [np.nan], dtype=object)
    return out[np.where(pos < 0, len(target), pos)]


def _resolve_device(device: str, *, fallback: bool = False) -> torch.device:
    """The torch device for the ``device`` parameter.

    ``fallback`` (used when sampling from a loaded model) falls back to the CPU
    when the requested accelerator is not there, rather than failing.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise ValueError(f"device={device!r} is not a torch device; use 'auto', 'cpu' or "
                         "'cuda'") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        if fallback:
            return torch.device("cpu")
        raise ValueError(f"device={device!r} was asked for but CUDA is not available; "
                         "use device='auto' or 'cpu'")
    return dev


__all__ = ["GANSynthesizer"]


def _quantile_interval(spec: dict, lo: float, hi: float) -> tuple[float, float]:
    """``F(lo-)`` and ``F(hi)`` of a continuous column under its training quantiles, for
    bounds in data units (the quantiles are on the model's scale)."""
    q = np.asarray(spec["quantiles"])
    lo_m, hi_m = _to_model_scale(np.array([lo, hi], dtype=float), spec)
    return quantile_range(quantile_grid(len(q)), q, lo_m, hi_m)
