"""LSTMSynthesizer: the Gretel LSTM on torch, with smart seeding, clusters, DP and fallback."""

from __future__ import annotations

import math
import threading
import time
import warnings
from functools import partial
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from skgen.base import (
    COLUMN_TYPES_DOC,
    COMMON_PARAMETERS_DOC,
    BaseSynthesizer,
    _entropy,
    fit_time_budget,
)
from skgen.conditions import SeedRows, restricted_choice, restrictions_of
from skgen.exceptions import ConditionError, SchemaError, TooManyInvalidError
from skgen.lstm._clusters import (
    cramers_v,
    discretize,
    order_fields,
    plan_clusters,
    plan_context,
)
from skgen.lstm._encoding import (
    choose_delimiter,
    decode_column,
    encode_column,
    format_seed_values,
    join_fields,
    split_fields,
)
from skgen.lstm._generate import Decoder, sample_tokens
from skgen.lstm._model import build_network, resolve_device, torch_generator
from skgen.lstm._tokenizers import (
    CharTokenizer,
    SentencePieceTokenizer,
    TokenTable,
    assemble_lines,
    field_segments,
    tokenizer_from_state,
)
from skgen.lstm._train import TrainConfig, fast_bf16, train_network
from skgen.privacy import DP_PARAMETER_CONSTRAINTS

_FALLBACK_DEFAULTS = {"allow": True, "max_fallback_training_time_seconds": 300}
#: ``dp=True`` without ``dp_target_epsilon`` warns when epsilon ends above this.
_LOUD_EPSILON = 10.0


class LSTMSynthesizer(BaseSynthesizer):
    """Autoregressive LSTM language model over records written as lines of text.

    The Gretel LSTM of gretel-synthetics, rebuilt on torch: every record is
    written as one line (values joined by a field delimiter), tokenized by a
    SentencePiece model trained on the data (or per character), and a
    two-layer LSTM learns the lines with cross-entropy; new records are
    sampled token by token, ``predict_batch_size`` lines at a time, with
    temperature ``gen_temp``, and read back into the training types. Also
    works on a single free-text column (any language or character set: pass a
    Series or list of strings).

    Conditional generation ("smart seeding"): the ``seed_columns`` are written
    first in every line, so ``sample(conditions=...)`` prompts the model with
    their values and it writes the rest of the line -- for value combinations
    never seen together too, one output row per seed row, in parallel batches
    (every row of a batch has its own prompt). Fixed values of other columns
    (imputation, conditions) are written into the line at their place while
    the model writes the fields around them (the fields before them do not
    see them; exact dependencies and validators are checked by the sampling
    loop).

    Set conditions on a categorical seed column (``sample(conditions={"cut":
    ["Fair", "Good"]})``) draw a value per row from the training frequencies
    restricted to the set, then seed the line with it. Ranges
    (``skgen.Range(1000, 2000)``), and sets on other columns (or under
    ``dp``, where no frequency is kept), are met by rejection of the
    generated field: the loop keeps the rows inside the range or set, which
    draws exactly from the model's distribution restricted to them, at the
    cost of about ``1 / p`` proposals per row for a share ``p`` of the rows;
    raise ``max_invalid`` for rare ones.

    Tables wider than ``field_cluster_size`` columns are split into clusters of
    correlated columns with one model each; every later cluster is prompted
    with the values already generated for its most associated earlier columns,
    so dependence across clusters is kept. Within a line the fields are not in
    table order: after the seed columns each field comes right after the one it
    is most associated with (Cramér's V), which the LSTM learns far more easily
    than a dependence across several fields (lending club, 15 epochs, 8,000
    rows: the correlation of ``revol_util`` and ``all_util`` 0.26 in table
    order, 0.68 now, 0.69 in the data; unconditional quality 0.944 -> 0.950,
    Adult 0.931 -> 0.967; ``docs/benchmarks.md``, "Conditional fidelity").

    Parameters
    ----------
    epochs : int, default=100
        Largest number of passes over the training lines. With
        ``early_stopping`` training usually stops earlier.
    batch_size : int, default=32
        Records per gradient step (with ``dp=True``: the expected Poisson
        batch size). *Changed from the seed's 64* (issue 13,
        ``docs/benchmarks.md``, LSTM section, "Fourth pass"): twice the
        steps per epoch for 4-10 % more CPU on that table's long records
        (30-40 % on diamonds' short ones, which need 7-21 % more CPU to
        reach the same training loss as at 64), and with
        ``dropout_rate=0.1`` quality 0.957 and 0.949 against 0.948 and 0.921
        on the 26-column benchmark table (30 epochs, seeds 0 and 1; TSTR
        0.89× and 0.92× against 0.92× and 0.93×, fewer rejected candidates),
        0.946, 0.901, 0.947, 0.924 against 0.931, 0.865, 0.902, 0.901 on
        Adult (2,500 rows, 15 epochs, seeds 0-3; TSTR 0.94, 0.94, 0.93,
        0.89× against 0.84, 0.79, 0.91, 0.85×), 0.930 against 0.926 on
        lending club. Larger batches learned slower (256: 4.6 against 3.8
        nats per token after one epoch). Measured without DP; under DP the
        batch of 32 gave more valid rows at each epsilon (``dp``). With the
        cheaper training step of the fifth pass an epoch of the 5,000 diamonds
        rows costs 2.35-2.43 CPU s at 32 (10× gretel-synthetics' 24.6 s).
    vocab_size : int, default=500
        Vocabulary of the SentencePiece tokenizer (a soft limit: small data
        yields fewer tokens). ``0`` uses a character tokenizer. *Changed from
        the seed's 20,000*: on tables that limit makes nearly every distinct
        value a piece of its own (9,443 pieces for 2,530 rows of a 26-column
        table), so every token pays a 9,443-way softmax -- 381 s for one
        epoch there against 28 s with 500 pieces on the same loaded machine
        (``docs/benchmarks.md``, LSTM section, "Defaults"). Kept for free
        text: on 2,000 tweets or fortunes, 2,000 or 4,000 pieces cost 18-61 %
        more CPU per epoch for at most 2.5 % less loss per text ("Fifth
        pass").
    reset_states : bool, default=True
        ``True``: every batch of ``predict_batch_size`` generated lines
        starts from a zero state and training records are independent.
        ``False`` (the seed's default, gretel-synthetics' stateful
        generation): the LSTM state flows from one record to the next -- in
        generation each batch slot continues from the state its previous line
        ended with, and training carries the state from record to record so
        the model knows such starts. *Changed from the seed's default*: on
        Adult ``True`` gives a TSTR of 0.92 against 0.71 times the real-data
        figure (and quality 0.934 against 0.928, ``docs/benchmarks.md``).
        Training with ``dp=True`` always treats records independently (the
        privacy unit is one record).
    learning_rate : float, default=0.01
        Adam learning rate. *Changed from the seed configuration's 0.001*
        (its prose says 0.01): with 0.01 and the other defaults here Adult
        reaches quality 0.934 and TSTR 0.92× in 20 epochs (run ``main``).
        On a 26-column table (two field clusters) 30 epochs gave 0.875 and
        0.72× with a constant rate before the clustering fix, 0.930 and
        0.81× with ``lr_schedule="cosine"`` after it (``docs/benchmarks.md``).
        Re-measured after the training fix of issue 13 (seeds 0 and 1, 30
        epochs, that table): 0.005 gave quality 0.934 and 0.927 but TSTR
        0.86× and 0.82× against 0.911, 0.914 and 0.90×, 0.91× at 0.01, so
        0.01 stays.
    lr_schedule : {"constant", "cosine"}, default="constant"
        ``"constant"``: the learning rate stays at ``learning_rate`` (the
        seed's behaviour). ``"cosine"``: it falls from ``learning_rate`` to 0
        along a half cosine over the ``epochs`` planned (per batch; early
        stopping may end training before it is low). On the 26-column table
        of ``docs/benchmarks.md``, 30 epochs, ``"cosine"`` gave quality
        0.930 and TSTR 0.81× against 0.888 and 0.80× with a constant rate;
        but on Adult (2,500 rows, 15 epochs) quality 0.852 and TSTR 0.63×
        against 0.861 and 0.85×, so the default stays constant. After the
        training fix of issue 13 (each epoch keeps the mean of its weights)
        ``"cosine"`` no longer helps there: 0.912 and 0.901, TSTR 0.78× and
        0.84×, against 0.911 and 0.914, 0.90× and 0.91× (seeds 0 and 1). Not
        used with ``dp=True`` (constant there).
    rnn_units : int, default=128
        Hidden size of each of the two LSTM layers. *Changed from the
        seed's 256*: half the units, a quarter of the recurrent work per
        token. On the 26-column benchmark table (30 epochs, 2 seeds each;
        ``docs/benchmarks.md``, LSTM section, "Sixth pass") 256 units gave
        no gain at 2.3× the CPU (one fit past 300 s), and 64 lost 0.04 of
        quality and 0.15-0.20 of TSTR; at 128 and the other defaults,
        quality 0.951 ± 0.007 and TSTR 0.93 ± 0.04× over 18 seeds.
        ``from_gretel_config`` keeps the seed's values for every key the
        configuration leaves out.
    dropout_rate : float, default=0.1
        Dropout after the embedding and after each LSTM layer, in ``[0, 1)``.
        *Changed from the seed's 0.2* (issue 13, ``docs/benchmarks.md``,
        LSTM section, "Fourth pass"; batch 64): on the 26-column benchmark
        table (30 epochs) quality 0.948, 0.921, 0.943 against 0.911, 0.914,
        0.933 (seeds 0-2; TSTR 0.92, 0.93, 0.87× against 0.90, 0.91, 0.89×),
        levels under 1 % of training rows written at 0.54-0.63 of their
        share against 0.45-0.47; on Adult (2,500 rows, 15 epochs, seeds 0-3)
        mean quality 0.900 against 0.879 and mean TSTR 0.85× against 0.72×;
        on lending club 0.926 and 0.925 against 0.921 and 0.921. It costs
        the wide table about 5 % more rejected candidates. ``0.0`` scored
        like 0.1 but about 1.35 candidates per kept row (lines whose fields
        run into each other).
    field_cluster_size : int, default=20
        Largest number of columns per model; wider tables are split into
        clusters of correlated columns. The seed's value, kept after
        measuring one model instead of two (``docs/benchmarks.md``, issue 13,
        30 epochs, two seeds): on the 26-column benchmark table quality 0.946
        and 0.920 against 0.911 and 0.914, 1,070-1,220 generated rows/s
        against 770-880 and 2.9 against 4.3 CPU s per epoch, but TSTR 0.86×
        and 0.84× against 0.90× and 0.91×; on lending club (23 columns)
        quality 0.928 and 0.925 against 0.921 and 0.921.
    early_stopping : bool, default=True
        Stop when the monitored loss (validation loss with
        ``validation_split``, training loss otherwise) has not improved for
        ``early_stopping_patience`` epochs. The weights of the best epoch are
        kept either way. Not used with ``dp=True``.
    early_stopping_patience : int, default=5
        Epochs without improvement before stopping (gretel-synthetics' value).
    gen_temp : float, default=1.0
        Sampling temperature: logits are divided by it before the softmax.
        Lower is more predictable, higher more surprising.
    predict_batch_size : int, default=1024
        Lines generated in parallel. It changes speed and memory, not the
        rows (with ``reset_states=True`` each row draws from its own random
        stream). *Changed from the seed's 64*: on the CPU one step of 1,024
        lines costs about 0.7 of 16 steps of 64 (per CPU second 550-740
        against 410-450 rows of the 26-column table of ``docs/benchmarks.md``).
    validation_split : bool or float, default=False
        Hold out records to monitor over-fitting: ``True`` holds out a fifth
        (the seed's figure), a float in ``(0, 1)`` that fraction.
    dp : bool, default=False
        Train with differentially private SGD (opacus): per-record gradient
        clipping to ``dp_l2_norm_clip``, Gaussian noise, Poisson sampling, the
        privacy loss tracked by the RDP accountant. See Notes for what the
        guarantee covers. DP-SGD needs many noisy steps: on 2,500 Adult
        rows (five columns) a smaller network (``rnn_units=64``,
        ``embedding_dim=32``), 15 epochs, ``dp_l2_norm_clip=1`` and
        ``dp_target_epsilon`` 1, 3 or 10 gave 20 %, 51 % or 72 % valid rows
        and quality 0.816, 0.862 or 0.887 at the default ``batch_size=32``
        (at 64 with dropout 0.2: 7 %, 37 %, 58 % and 0.824, 0.853, 0.874;
        the smaller expected batch needs less noise for the same epsilon),
        where 2 epochs of the default network gave no valid row
        (``docs/benchmarks.md``, LSTM, "Quality against epsilon" and "Fifth
        pass").
    dp_noise_multiplier : float, default=0.001
        Noise standard deviation relative to ``dp_l2_norm_clip``. The seed's
        default is tiny and gives a very large epsilon; raise it (about 1) or
        set ``dp_target_epsilon`` for a meaningful guarantee. Without
        ``dp_target_epsilon``, ``fit`` warns (``UserWarning``) when the
        epsilon it reaches is above 10.
    dp_l2_norm_clip : float, default=5.0
        Per-record gradient L2 norm bound.
    dp_microbatches : int, default=1
        Accepted for configuration compatibility and must divide
        ``batch_size``. Opacus clips every record's gradient on its own, which
        is TensorFlow Privacy's finest setting (``dp_microbatches ==
        batch_size``); the value changes nothing else.
    dp_target_epsilon : float or None, default=None
        Reach this epsilon after ``epochs`` (all clusters together): the noise
        multiplier is computed instead of taken from ``dp_noise_multiplier``.
    dp_delta : float or None, default=None
        Delta of the guarantee; ``None`` is ``1 / n_records`` (the records
        trained on).
    field_delimiter : str or None, default=None
        Character(s) joining fields. ``None`` picks the first of
        ``[",", ":", "|", ";", "\\t", "+", "-", "^", "@", "#", "*"]`` that
        occurs in no value.
    max_line_len : int, default=2048
        Longest line in characters: longer training lines are ignored (with a
        warning), and a generated line ends at this length at the latest.
    embedding_dim : int, default=64
        Size of the token embedding. *Changed from gretel-synthetics' 256*
        with ``rnn_units`` (the figures above were measured with 64).
    seed_columns : list or None, default=None
        Columns written first in every line, to condition on with
        ``sample(conditions=...)`` (Gretel's ``task: {type: seed}``).
    fallback : bool or dict, default=True
        Whether to fall back to :class:`~skgen.AmplifySampler` when training
        fails or sampling cannot reach enough valid rows; a dict takes the
        seed's keys ``allow`` and ``max_fallback_training_time_seconds``
        (default 300: the fallback's training is given this many seconds and
        stops early, keeping what it learned, when they run out). Never used
        with ``dp=True`` or ``seed_columns``, as in the seed documentation.
    device : str, default="auto"
        Torch device: ``"auto"`` is CUDA when available, else CPU.
    max_fit_rows : int or None, default=None
        Largest number of rows the network learns from, drawn uniformly at
        random without replacement (reproducibly, from ``random_state``) when
        the training table has more; the schema and the validators still
        learn from every row. ``None`` means every row of a pandas frame and
        at most 1,000,000 rows of a dask DataFrame (``fit`` accepts one).
    %(common)s

    Attributes
    ----------
    columns_ : list
        Training columns, in order.
    field_delimiter_ : str or None
        The delimiter used (``None`` for one-column data).
    clusters_ : list of list of int
        Per model, the positions of the columns it generates, in line order
        (the first starts with the seed columns).
    cluster_context_ : list of list of int
        Per model, the positions of the earlier columns it is prompted with.
    vocab_sizes_ : list of int
        Vocabulary size of each model's tokenizer.
    history_ : list of dict
        Per model: ``loss`` and ``val_loss`` (``None`` without validation)
        per epoch in nats per token, ``seconds`` (wall), ``cpu_seconds``
        (this process's CPU time) and ``tokens`` per epoch.
    n_epochs_ : list of int
        Epochs run per model.
    best_epoch_ : list of int
        The epoch whose weights each model keeps.
    epsilon_ : float or None
        Epsilon of the ``(epsilon, delta)``-DP guarantee of all models'
        weights together (``dp=True``), ``None`` otherwise.
    delta_ : float or None
        Its delta (``dp=True``), ``None`` otherwise.
    dp_noise_multiplier_ : float or None
        Noise multiplier used (from ``dp_target_epsilon`` when given).
    seed_level_probs_ : list
        Per seed column, the training frequency of each of its categories (in
        the schema's order), to draw set conditions from; ``None`` for a
        numeric seed column, and for all under ``dp``.
    exact_dependencies_ : list of dict
        Exact dependencies of the training rows (a categorical column whose
        every level, with at least 5 rows, fixes another column's value:
        ``sub_grade -> grade``): each level and the value it maps to, no
        record. The sampling loop gives a free dependent cell the value its
        level maps to and proposes again a row whose generated level
        contradicts a fixed dependent. Empty with ``dp=True``: the table is
        data-derived, outside the DP accountant.
    fallback_used_ : bool
        Whether training failed, so that the fallback model generates every
        row. (A ``sample`` call that the LSTM cannot complete gets its
        remaining rows from the fallback with a warning, and its output's
        ``attrs["fallback_rows"]`` counts them; ``sample`` never changes the
        estimator.)
    fallback_model_ : AmplifySampler or None
        The fitted fallback model, when allowed.
    n_ignored_lines_ : int
        Training records longer than ``max_line_len`` characters, left out.
    training_seconds_ : float
        Wall time of the LSTM training (all models).
    (plus the attributes of :class:`~skgen.base.BaseSynthesizer`)

    See Also
    --------
    skgen.AmplifySampler : The fast statistical model used as fallback.

    Notes
    -----
    *What differential privacy covers.* With ``dp=True`` the guarantee is about
    the network weights: DP-SGD with one record per training item, so adding
    or removing one record changes the weights' distribution by at most
    ``(epsilon_, delta_)``. It does not cover what is learned from the data
    without noise: the tokenizer vocabulary (SentencePiece pieces can be whole
    values, e.g. rare names), the field delimiter, the schema (categories,
    ranges, missing rates), the fitted validators (value sets, patterns,
    ranges), the field clusters, and ``history_`` (losses computed on the
    data). For end-to-end DP use ``vocab_size=0`` (characters), no
    configurable validators (``validators=[]``), and treat the schema as
    public. Early stopping is off under DP since it would pick the released
    weights by a non-private look at the data.

    *Precision.* On a CPU with native bfloat16 instructions (AVX512-BF16 or
    AMX) and ``rnn_units >= 128``, training runs the network's forward pass
    in bfloat16 autocast; weights, optimiser state and the loss stay float32.
    It takes 1.46x less CPU per epoch (diamonds, 5,000 rows) and gave the same
    quality on the 26-column table of ``docs/benchmarks.md`` (0.898 against
    0.875 in float32). Elsewhere, and with ``dp=True``, training is float32.
    ``history_`` records wall and CPU seconds per epoch.

    *Training batches.* Records of similar length are batched together (less
    padding), so a batch is a slice of the table by line length, and the
    level shares of a slice differ from the table's (on the benchmark's
    26-column table 14 % of the shortest eighth of rows earn >50K, 32 % of
    the longest). Two consequences are corrected: a batch's summed token loss
    is divided by one constant for the run (``batch_size`` times the mean
    tokens per record), not by the batch's own tokens, so a short record's
    tokens weigh no more than a long one's; and the weights kept for an epoch
    are their mean over its steps (stochastic weight averaging [6]_), not
    those after its last step. Before, a model kept after its last batch
    wrote the shares of that slice: ``income=>50K`` in 13 % of lines
    against 23 % in training, column shapes 0.929; now 22 % and 0.970, with
    a lower hold-out loss (0.921 and 0.896 against 0.922 and 0.904 nats per
    token for the two field clusters' models). On Adult (2,500 rows, 15
    epochs, four seeds) quality rose from 0.839 to 0.879 on average (TSTR
    0.74× and 0.72×, within its spread of 0.59-0.87×; ``docs/benchmarks.md``).

    *Lines.* Values are written so that they read back exactly (shortest
    round-trip floats, integers, ``True``/``False``, ISO dates); a missing
    value is an empty field (invalid in a column that has no missing value in
    training, so such columns keep their dtype). Training lines are
    ``newline, tokens, newline``;
    generated lines end at the newline token, at ``max_line_len`` characters,
    or after twice the longest training line's tokens. A generated line with
    the wrong number of fields, or a value not readable in its column's type,
    counts as invalid in the sampling loop (against ``max_invalid``).

    *Sampling statistics.* ``sample``'s output carries in ``attrs``:
    ``candidate_rows`` (rows proposed), ``lines_per_cluster`` (lines each
    model wrote; a later cluster only continues rows whose earlier lines read
    back) and ``valid_line_rate_per_cluster`` (the share of those lines that
    read back as their fields); ``len(out) / candidate_rows`` is the share of
    proposed rows that passed every check.

    References
    ----------
    .. [1] Hochreiter, S. and Schmidhuber, J. (1997). Long Short-Term Memory.
       *Neural Computation* 9(8), 1735-1780.
    .. [2] Gretel.ai. gretel-synthetics (Apache-2.0),
       https://github.com/gretelai/gretel-synthetics, and the "Gretel LSTM"
       model documentation.
    .. [3] Kudo, T. and Richardson, J. (2018). SentencePiece: A simple and
       language independent subword tokenizer and detokenizer for Neural Text
       Processing. *EMNLP 2018 (System Demonstrations)*, 66-71.
    .. [4] Abadi, M. et al. (2016). Deep Learning with Differential Privacy.
       *ACM CCS 2016*, 308-318.
    .. [5] Mironov, I. (2017). Rényi Differential Privacy. *IEEE CSF 2017*,
       263-275.
    .. [6] Izmailov, P., Podoprikhin, D., Garipov, T., Vetrov, D. and Wilson,
       A. G. (2018). Averaging Weights Leads to Wider Optima and Better
       Generalization. *UAI 2018*.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.lstm import LSTMSynthesizer
    >>> from skgen.datasets import load_adult
    >>> df = load_adult().sample(400, random_state=1)[["sex", "race", "income"]]
    >>> syn = LSTMSynthesizer(epochs=8, batch_size=16, rnn_units=32, embedding_dim=16,
    ...                       vocab_size=0, learning_rate=0.01, seed_columns=["sex"],
    ...                       random_state=0).fit(df)
    >>> rows = syn.sample(conditions=pd.DataFrame({"sex": ["Female", "Male"]}))
    >>> rows["sex"].tolist()
    ['Female', 'Male']
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseSynthesizer._parameter_constraints,
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "vocab_size": [Interval(Integral, 0, None, closed="left")],
        "reset_states": ["boolean"],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "rnn_units": [Interval(Integral, 1, None, closed="left")],
        "dropout_rate": [Interval(Real, 0, 1, closed="left")],
        "field_cluster_size": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "early_stopping_patience": [Interval(Integral, 1, None, closed="left")],
        "gen_temp": [Interval(Real, 0, None, closed="neither")],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_split": ["boolean", Interval(Real, 0, 1, closed="neither")],
        **DP_PARAMETER_CONSTRAINTS,
        "dp_microbatches": [Interval(Integral, 1, None, closed="left")],
        "field_delimiter": [str, None],
        "max_line_len": [Interval(Integral, 1, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "seed_columns": [list, tuple, None],
        "fallback": ["boolean", dict],
        "device": [str],
    }
    #: It writes numbers digit by digit, so long float digits concern it.
    _irrelevant_data_checks: ClassVar[tuple[str, ...]] = ()
    #: Fitted attributes a model file holds (see :mod:`skgen.persistence`).
    _fitted_attributes = (
        "columns_", "field_delimiter_", "epsilon_", "delta_", "dp_noise_multiplier_",
        "fallback_used_", "fallback_reason_", "fallback_model_", "_models_", "history_",
        "n_epochs_", "best_epoch_", "vocab_sizes_", "max_tokens_", "training_seconds_",
        "clusters_", "cluster_context_", "n_ignored_lines_", "seed_level_probs_",
        "exact_dependencies_")
    _learns_dependencies = True

    def __init__(
        self,
        *,
        epochs: int = 100,
        batch_size: int = 32,
        vocab_size: int = 500,
        reset_states: bool = True,
        learning_rate: float = 0.01,
        lr_schedule: str = "constant",
        rnn_units: int = 128,
        dropout_rate: float = 0.1,
        field_cluster_size: int = 20,
        early_stopping: bool = True,
        early_stopping_patience: int = 5,
        gen_temp: float = 1.0,
        predict_batch_size: int = 1024,
        validation_split: bool | float = False,
        dp: bool = False,
        dp_noise_multiplier: float = 0.001,
        dp_l2_norm_clip: float = 5.0,
        dp_microbatches: int = 1,
        dp_target_epsilon: float | None = None,
        dp_delta: float | None = None,
        field_delimiter: str | None = None,
        max_line_len: int = 2048,
        embedding_dim: int = 64,
        seed_columns: list | None = None,
        fallback: bool | dict = True,
        device: str = "auto",
        max_fit_rows: int | None = None,
        column_types: dict | None = None,
        validators: Any = None,
        max_invalid: int | None = None,
        data_checks: str = "log",
        verbose: int = 0,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.epochs = epochs
        self.batch_size = batch_size
        self.vocab_size = vocab_size
        self.reset_states = reset_states
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.rnn_units = rnn_units
        self.dropout_rate = dropout_rate
        self.field_cluster_size = field_cluster_size
        self.early_stopping = early_stopping
        self.early_stopping_patience = early_stopping_patience
        self.gen_temp = gen_temp
        self.predict_batch_size = predict_batch_size
        self.validation_split = validation_split
        self.dp = dp
        self.dp_noise_multiplier = dp_noise_multiplier
        self.dp_l2_norm_clip = dp_l2_norm_clip
        self.dp_microbatches = dp_microbatches
        self.dp_target_epsilon = dp_target_epsilon
        self.dp_delta = dp_delta
        self.field_delimiter = field_delimiter
        self.max_line_len = max_line_len
        self.embedding_dim = embedding_dim
        self.seed_columns = seed_columns
        self.fallback = fallback
        self.device = device
        self.max_fit_rows = max_fit_rows
        self.column_types = column_types
        self.validators = validators
        self.max_invalid = max_invalid
        self.data_checks = data_checks
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------ config
    @classmethod
    def from_gretel_config(cls, config: Any, **overrides: Any) -> LSTMSynthesizer:
        """Build the synthesizer from a Gretel LSTM configuration.

        Parameters
        ----------
        config : dict, str or pathlib.Path
            The configuration (``schema_version: "1.0"``, ``models: -
            synthetics: {params, generate, validators, data_checks, fallback,
            task}``) as a dict, a YAML string, or a YAML file's path.
        **overrides
            Constructor parameters that replace the configuration's (e.g.
            ``random_state``).

        Returns
        -------
        LSTMSynthesizer
            Unfitted. Keys the configuration leaves out (or sets to ``null``)
            take the seed's defaults (``skgen.lstm._config.SEED_DEFAULTS``:
            256 units and embedding, a 20,000-piece vocabulary,
            ``learning_rate=0.001``, ``reset_states=False``, ...), not
            skgen's faster defaults, so the configuration trains the model
            the seed describes. ``params`` map one to one; ``generate.max_invalid`` to
            ``max_invalid``; ``validators`` through
            :func:`skgen.validators.make_validators`; ``data_checks.strategy``
            to ``data_checks``; ``fallback`` as is; ``task.attrs.fields`` to
            ``seed_columns``. ``generate.num_records`` belongs to ``sample``:
            read it with :func:`skgen.lstm.parse_gretel_config`.

        Raises
        ------
        ValueError
            For an unknown key anywhere (the message names it and where it
            sits), an unsupported ``schema_version`` or task type.
        """
        from skgen.lstm._config import parse_gretel_config

        params = {**parse_gretel_config(config).params, **overrides}
        return cls(**params)

    def _check_loaded_state(self) -> None:
        """Refuse tokenizers that do not parse or do not fit the networks (called by load)."""
        for i, m in enumerate(self._models_):
            if tokenizer_from_state(m["tokenizer"]).vocab_size != self.vocab_sizes_[i]:
                raise ValueError(f"tokenizer {i} does not match its network's vocabulary")

    # --------------------------------------------------------------- fit
    def _check_extra_params(self, X: pd.DataFrame) -> None:
        if self.field_delimiter is not None and (self.field_delimiter == "" or
                                                 "\n" in self.field_delimiter):
            raise ValueError(f"field_delimiter must be a non-empty string without a newline, "
                             f"got {self.field_delimiter!r}")
        if self.seed_columns is not None:
            seen = set()
            for name in self.seed_columns:
                if name not in X.columns:
                    raise SchemaError(f"seed_columns names {name!r}, which is not a column of "
                                      f"the training data {list(X.columns)}")
                if name in seen:
                    raise ValueError(f"seed_columns names {name!r} twice")
                seen.add(name)
        if isinstance(self.fallback, dict):
            for key, value in self.fallback.items():
                if key not in _FALLBACK_DEFAULTS:
                    raise ValueError(f"unknown fallback key {key!r}; allowed: "
                                     f"{list(_FALLBACK_DEFAULTS)}")
                if key == "allow" and not isinstance(value, bool | np.bool_):
                    raise ValueError(f"fallback['allow'] must be a bool, got {value!r}")
                if key == "max_fallback_training_time_seconds" and not (
                        isinstance(value, Real) and value > 0):
                    raise ValueError("fallback['max_fallback_training_time_seconds'] must be "
                                     f"a positive number, got {value!r}")
        if self.dp and self.batch_size % self.dp_microbatches:
            raise ValueError(f"dp_microbatches={self.dp_microbatches} must divide "
                             f"batch_size={self.batch_size} evenly")

    def _fallback_settings(self) -> dict:
        settings = dict(_FALLBACK_DEFAULTS)
        if isinstance(self.fallback, dict):
            settings.update(self.fallback)
        else:
            settings["allow"] = bool(self.fallback)
        # the seed: DP and smart seeding turn the fallback off
        settings["allow"] = bool(settings["allow"]) and not self.dp and not self.seed_columns
        return settings

    def _fit(self, X: pd.DataFrame, rng: np.random.Generator) -> None:
        self._check_extra_params(X)
        schema = self.schema_
        device = resolve_device(self.device)
        columns = list(X.columns)
        k = len(columns)
        seed_pos = [columns.index(c) for c in (self.seed_columns or [])]

        codes = np.empty((len(X), k), dtype=np.int64)
        uniques: list[list[str]] = []
        for j, col in enumerate(schema.columns):
            codes[:, j], u = encode_column(X.iloc[:, j], col)
            uniques.append(u)
        delimiter = (choose_delimiter(dict(zip(columns, uniques, strict=True)),
                                      self.field_delimiter) if k > 1
                     else self.field_delimiter)

        self.columns_ = columns
        self.field_delimiter_ = delimiter
        self.seed_level_probs_ = [
            None if self.dp or not schema[name].is_discrete else
            X[name].value_counts(normalize=True).reindex(schema[name].categories,
                                                         fill_value=0.0).tolist()
            for name in self.seed_columns or []]
        self.epsilon_ = None
        self.delta_ = None
        self.dp_noise_multiplier_ = None
        self.fallback_used_ = False
        self.fallback_reason_ = None
        self.fallback_model_ = None
        self._models_ = []
        self.history_ = []
        self.n_epochs_ = []
        self.best_epoch_ = []
        self.vocab_sizes_ = []
        self.max_tokens_ = []
        self.training_seconds_ = 0.0

        # field clusters
        size = self.field_cluster_size
        assoc = cramers_v(discretize(X, schema, rng)) if k > 2 else np.eye(k)
        if k > size:
            clusters = plan_clusters(assoc, size, seed_pos)
            context = plan_context(assoc, clusters, max(1, math.ceil(size / 2)))
        else:
            clusters = plan_clusters(np.eye(k), size, seed_pos)
            context = [[]]
        # associated fields side by side in the line (seed columns first)
        clusters = [order_fields(assoc, cl, seed_pos if c == 0 else (), ctx)
                    for c, (cl, ctx) in enumerate(zip(clusters, context, strict=True))]
        self.clusters_ = [[int(c) for c in cl] for cl in clusters]
        self.cluster_context_ = [[int(c) for c in cl] for cl in context]

        # records too long to learn are ignored, as in gretel-synthetics
        value_chars = [np.asarray([len(u) for u in uniques[j]] + [0], dtype=np.int64)
                       for j in range(k)]
        line_chars = np.zeros(len(X), dtype=np.int64)
        for cols, ctx in zip(clusters, context, strict=True):
            line_cols = list(ctx) + list(cols)
            chars = sum(value_chars[j][codes[:, j]] for j in line_cols)
            chars = chars + (len(line_cols) - 1) * len(delimiter or "")
            line_chars = np.maximum(line_chars, chars)
        keep = line_chars <= self.max_line_len
        self.n_ignored_lines_ = int((~keep).sum())
        if self.n_ignored_lines_:
            warnings.warn(f"{self.n_ignored_lines_} of {len(X)} training records are longer "
                          f"than max_line_len={self.max_line_len} characters and are left out "
                          "of training", UserWarning, stacklevel=3)

        settings = self._fallback_settings()
        if settings["allow"]:
            self._fit_fallback(X, rng, settings["max_fallback_training_time_seconds"])
        failure = None
        if not keep.any():
            failure = SchemaError(f"every training record is longer than max_line_len="
                                  f"{self.max_line_len} characters; raise max_line_len")
        else:
            try:
                self._train_models(codes[keep], uniques, rng, device)
            except (FloatingPointError, RuntimeError) as exc:  # diverged, out of memory
                failure = exc
        if failure is not None:
            if self.fallback_model_ is None:
                raise failure
            warnings.warn(f"LSTM training failed ({failure}); falling back to AmplifySampler",
                          UserWarning, stacklevel=3)
            self._models_ = []
            self.history_, self.n_epochs_, self.best_epoch_ = [], [], []
            self.vocab_sizes_, self.max_tokens_ = [], []
            self.fallback_used_ = True
            self.fallback_reason_ = f"training failed: {failure}"
        self._runtime = self._build_runtime()

    def _fit_fallback(self, X: pd.DataFrame, rng: np.random.Generator, limit: float) -> None:
        from skgen.amplify import AmplifySampler

        t0 = time.perf_counter()
        model = AmplifySampler(validators=[], data_checks="skip",
                               random_state=int(rng.integers(0, 2**31 - 1)))
        with fit_time_budget(limit):  # its training stops early when time is up
            model.fit(X)
        seconds = time.perf_counter() - t0
        if seconds > limit:
            warnings.warn(f"the fallback model took {seconds:.0f} s to train, more than "
                          f"max_fallback_training_time_seconds={limit}", UserWarning,
                          stacklevel=4)
        self.fallback_model_ = model

    def _train_models(self, codes: np.ndarray, uniques: list[list[str]],
                      rng: np.random.Generator, device: Any) -> None:
        from skgen.privacy import default_delta, epsilon, make_accountant

        delimiter = self.field_delimiter_
        n_models = len(self.clusters_)
        accountant = make_accountant("rdp") if self.dp else None
        fraction = 0.2 if self.validation_split is True else float(self.validation_split or 0)
        n_records = len(codes)
        n_train = n_records - (int(round(fraction * n_records)) if fraction else 0)
        if n_train < 1:
            n_train = n_records
        delta = (self.dp_delta if self.dp_delta is not None else default_delta(n_train)) \
            if self.dp else None
        t0 = time.perf_counter()
        for c, (cols, ctx) in enumerate(zip(self.clusters_, self.cluster_context_,
                                            strict=True)):
            line_cols = list(ctx) + list(cols)
            sub = codes[:, line_cols]
            # only the values this model's lines hold
            used_uniques = []
            remap = np.empty_like(sub)
            for f, col in enumerate(line_cols):
                present = np.unique(sub[:, f][sub[:, f] >= 0])
                lookup = np.full(len(uniques[col]) + 1, -1, dtype=np.int64)
                lookup[present] = np.arange(len(present))
                remap[:, f] = np.where(sub[:, f] >= 0, lookup[sub[:, f]], -1)
                used_uniques.append([uniques[col][i] for i in present])
            all_values = sorted({v for u in used_uniques for v in u})
            if self.vocab_size == 0:
                tok = CharTokenizer.fit(all_values, delimiter)
            else:
                strings = [np.asarray(u, dtype=object)[np.maximum(remap[:, f], 0)]
                           for f, u in enumerate(used_uniques)]
                strings = [np.where(remap[:, f] >= 0, s, None) for f, s in enumerate(strings)]
                lines = join_fields(strings, delimiter)
                tok = SentencePieceTokenizer.fit(lines, all_values, delimiter, self.vocab_size,
                                                 rng)
            tables = [TokenTable(tok, u) for u in used_uniques]
            flat, lengths = assemble_lines(remap, tables, n_used=None,
                                           start_id=tok.newline_id, sep_id=tok.delimiter_id,
                                           last_sep_id=tok.newline_id)
            gen = torch_generator(rng, device)
            net = build_network(tok.vocab_size, self.embedding_dim, self.rnn_units,
                                self.dropout_rate, dp=self.dp, device=device, generator=gen)
            cfg = TrainConfig(
                epochs=self.epochs, batch_size=self.batch_size,
                learning_rate=self.learning_rate,
                early_stopping=self.early_stopping and not self.dp,
                patience=self.early_stopping_patience, validation_fraction=fraction,
                carry_state=not self.reset_states and not self.dp, dp=self.dp,
                noise_multiplier=self.dp_noise_multiplier, max_grad_norm=self.dp_l2_norm_clip,
                target_epsilon=self.dp_target_epsilon, delta=delta,
                budget_epochs=self.epochs * n_models, accountant=accountant,
                verbose=self.verbose, bf16=fast_bf16(device, self.rnn_units) and not self.dp,
                lr_schedule=self.lr_schedule,
                desc=f"LSTM {c + 1}/{n_models}" if n_models > 1 else "LSTM training")
            result = train_network(net, flat, lengths, tok.newline_id, cfg, rng, device)
            self._models_.append({"tokenizer": tok.to_state(), "weights": result.weights})
            self.history_.append(result.history)
            self.n_epochs_.append(int(result.epochs_run))
            self.best_epoch_.append(int(result.best_epoch))
            self.vocab_sizes_.append(int(tok.vocab_size))
            self.max_tokens_.append(int(lengths.max()) - 1)
            if self.dp:
                self.dp_noise_multiplier_ = float(result.noise_multiplier)
        self.training_seconds_ = float(time.perf_counter() - t0)
        if self.dp:
            self.delta_ = float(delta)
            self.epsilon_ = float(epsilon(accountant, delta))
            if self.dp_target_epsilon is None and self.epsilon_ > _LOUD_EPSILON:
                warnings.warn(
                    f"dp=True with dp_noise_multiplier={self.dp_noise_multiplier} gave epsilon="
                    f"{self.epsilon_:.4g} (delta={self.delta_:.3g}), above {_LOUD_EPSILON}: "
                    "that bound protects next to nothing. Set dp_target_epsilon (e.g. 3) to "
                    "have the noise computed for it, or raise dp_noise_multiplier.",
                    UserWarning, stacklevel=4)

    # ----------------------------------------------------------- runtime state
    def _build_runtime(self) -> tuple[list, list, Any]:
        """Tokenizers and each network's generation form (:class:`Decoder`, eval mode)."""
        device = resolve_device(self.device)
        toks = [tokenizer_from_state(m["tokenizer"]) for m in self._models_]
        decoders = []
        for m, tok in zip(self._models_, toks, strict=True):
            net = build_network(tok.vocab_size, self.embedding_dim, self.rnn_units,
                                self.dropout_rate, dp=False, device=device,
                                weights=m["weights"])
            net.eval()
            decoders.append(Decoder(net))
        return toks, decoders, decoders[0].device if decoders else None

    def _get_runtime(self) -> tuple[list, list, Any]:
        """The runtime built in ``fit``, or once (under a lock) after ``load``.

        Sampling only reads it: the networks are used in eval mode without
        gradients and every call has its own torch generator, so threads can
        share them.
        """
        return self._lazy_runtime(self._build_runtime)

    # --------------------------------------------------------------- sample
    def _check_seeds(self, seeds: SeedRows) -> None:
        """Refuse seed values holding the field delimiter, before sampling."""
        if self.field_delimiter_ is None:
            return
        given = seeds.distinct()
        for name in given.columns[given.notna().any().to_numpy()]:  # all written in lines
            col = self.schema_[name]
            values = format_seed_values(given[name].dropna().drop_duplicates(), col)
            bad = [v for v in values if v is not None and self.field_delimiter_ in v]
            if bad:
                raise ConditionError(
                    f"seed value {bad[0]!r} for column {name!r} holds the field delimiter "
                    f"{self.field_delimiter_!r}, so it cannot be written in a line",
                    column=name, value=bad[0])

    def _sampling_loop(self, seeds: SeedRows, rng: np.random.Generator,
                       generate: Any = None) -> pd.DataFrame:
        """The base loop, counting per field cluster the lines written and read back.

        The output's ``attrs`` (and a ``TooManyInvalidError``'s ``partial``)
        get ``candidate_rows`` (rows the LSTM proposed), ``lines_per_cluster``
        (lines each model wrote: later clusters only continue rows whose
        earlier lines read back) and ``valid_line_rate_per_cluster`` (the
        share of those lines that read back as their fields). Rows are then
        still checked by the loop (types, conditions, validators):
        ``len(out) / candidate_rows`` is the share of valid rows. A
        ``generate`` given (the fallback model's) is run as is.
        """
        if generate is not None or not self._models_:
            return super()._sampling_loop(seeds, rng, generate)
        tally = _LineTally(len(self.clusters_))
        try:
            out = super()._sampling_loop(seeds, rng, partial(self._generate, tally=tally))
        except TooManyInvalidError as err:
            tally.attach(err.partial)
            raise
        tally.attach(out)
        return out

    def _recover(self, err: TooManyInvalidError, seeds: SeedRows,
                 random_state: Any) -> pd.DataFrame:
        """Generate the rows the LSTM could not with the fallback AmplifySampler, if any.

        Writes nothing to the estimator; the output's ``attrs["fallback_rows"]``
        says how many rows the fallback made.
        """
        if self.fallback_model_ is None or not self._models_:
            raise err
        warnings.warn(f"the LSTM could not produce enough valid rows ({err.n_invalid} "
                      f"rejected); the remaining rows come from the fallback "
                      "AmplifySampler", UserWarning, stacklevel=3)
        done = np.zeros(len(seeds), dtype=bool)
        partial = err.partial
        if len(partial):
            done[np.asarray(partial.index, dtype=np.int64)] = True
        rng = (self._sample_rng_ if random_state is None
               else np.random.default_rng([*_entropy(random_state), 3]))
        todo = np.flatnonzero(~done)
        rest = self._sampling_loop(seeds.subset(todo), rng,
                                   generate=self.fallback_model_._generate)
        rest.index = todo
        out = pd.concat([partial, rest]) if len(partial) else rest
        out = out.sort_index().reset_index(drop=True)
        out.attrs.update(partial.attrs)
        out.attrs["fallback_rows"] = len(todo)
        return out

    def _generate(self, seeds: pd.DataFrame, rng: np.random.Generator,
                  tally: _LineTally | None = None
                  ) -> tuple[pd.DataFrame, np.ndarray] | pd.DataFrame:
        if not self._models_:  # training failed: the fallback model generates
            return self.fallback_model_._generate(seeds, rng)
        toks, nets, device = self._get_runtime()
        seeds = self._draw_restricted(seeds, rng)
        schema = self.schema_
        m, k = len(seeds), len(self.columns_)
        # every given cell is written into the line: seed columns as the prompt, the
        # others forced at their place while the model writes the rest
        fixed = {j: format_seed_values(seeds.iloc[:, j], schema.columns[j]) for j in range(k)
                 if seeds.iloc[:, j].notna().any()}
        strings = np.empty((m, k), dtype=object)
        ok = np.ones(m, dtype=bool)
        gen = torch_generator(rng, device)
        for c, (cols, ctx) in enumerate(zip(self.clusters_, self.cluster_context_,
                                            strict=True)):
            line_cols = list(ctx) + list(cols)
            given = np.empty((m, len(line_cols)), dtype=object)
            for f, col in enumerate(line_cols):
                if f < len(ctx):
                    given[:, f] = np.where(pd.isna(strings[:, col]), "", strings[:, col])
                elif col in fixed:
                    given[:, f] = fixed[col]
            rows = np.flatnonzero(ok)
            if not len(rows):
                break
            fields, line_ok = self._generate_lines(c, toks[c], nets[c], given[rows], gen,
                                                   device)
            ok[rows[~line_ok]] = False
            if tally is not None:
                tally.add(c, len(rows), int(line_ok.sum()))
            strings[np.ix_(rows, cols)] = fields[:, len(ctx):]
        data = {}
        for j, col in enumerate(schema.columns):
            values, cell_ok = decode_column(strings[:, j], col)
            if col.missing_rate == 0:  # never missing in training: an empty field is an error
                cell_ok = cell_ok & pd.notna(values)
            if j in fixed:
                keep = seeds.iloc[:, j].notna().to_numpy()
                if keep.any():
                    values = values.copy() if values.dtype.kind == "f" else np.asarray(
                        values, dtype=object).copy()
                    values[keep] = seeds.iloc[:, j].to_numpy()[keep]
                    cell_ok = cell_ok | keep
            ok &= cell_ok
            data[j] = values
        for j, col in enumerate(schema.columns):
            if col.missing_rate == 0 and col.kind in ("numeric", "integer"):
                # rows already rejected: a placeholder number keeps the column's
                # dtype (the loop coerces every proposal before filtering)
                data[j] = np.where(~ok & pd.isna(data[j]), col.min, data[j])
        out = pd.DataFrame(data)
        out.columns = pd.Index(self.columns_, dtype=object)
        return out, ok

    def _draw_restricted(self, seeds: pd.DataFrame, rng: np.random.Generator
                         ) -> pd.DataFrame:
        """Seed rows with each set condition on a categorical seed column drawn.

        The value comes from the training frequencies restricted to the set;
        other ranges and sets are left to the sampling loop's rejection.
        """
        sets = restrictions_of(seeds).sets
        probs = dict(zip(self.seed_columns or [], getattr(self, "seed_level_probs_", None)
                         or [], strict=False))
        todo = [name for name in sets if probs.get(name) is not None]
        if not todo:
            return seeds
        seeds = seeds.copy()
        for name in todo:
            values, cats = sets[name], self.schema_[name].categories
            weights = [probs[name][cats.index(v)] if v in cats else 0.0 for v in values]
            pick = restricted_choice(weights, np.arange(len(values)), len(seeds), rng)
            seeds[name] = pd.Series(np.asarray(values, dtype=object)[pick],
                                    dtype=seeds[name].dtype)
        return seeds

    def _generate_lines(self, c: int, tok: Any, net: Any, given: np.ndarray, gen: Any,
                        device: Any) -> tuple[np.ndarray, np.ndarray]:
        """Lines of model ``c`` for rows whose known fields are in ``given``."""
        n, n_fields = given.shape
        present = pd.notna(given)
        prefix = np.cumprod(present, axis=1).sum(axis=1)
        fields = np.empty((n, n_fields), dtype=object)
        ok = np.ones(n, dtype=bool)
        complete = prefix == n_fields
        fields[complete] = given[complete]
        todo = np.flatnonzero(~complete)
        if not len(todo):
            return fields, ok
        g = given[todo]
        pres = present[todo]
        pre = prefix[todo]
        codes = np.full(g.shape, -1, dtype=np.int64)
        tables = []
        for f in range(n_fields):
            col_codes, uniq = pd.factorize(pd.Series(g[:, f], dtype=object))
            codes[:, f] = col_codes
            tables.append(TokenTable(tok, [str(u) for u in uniq]))
        # an empty given string is a missing value: an empty field, no tokens
        for f, table in enumerate(tables):
            empty = np.flatnonzero(table.lengths == 0)
            if len(empty):
                codes[np.isin(codes[:, f], empty), f] = -1
        prompt_flat, prompt_len = assemble_lines(
            codes, tables, n_used=pre, start_id=tok.newline_id, sep_id=tok.delimiter_id,
            last_sep_id=tok.delimiter_id)
        gaps = pres & (np.arange(n_fields)[None, :] >= pre[:, None])
        forced_tokens = forced_len = None
        if gaps.any():
            forced_tokens, forced_len = field_segments(
                codes, tables, gaps, sep_id=tok.delimiter_id, last_sep_id=tok.newline_id)
        max_steps = max(1, min(self.max_line_len, 2 * self.max_tokens_[c] + 8))
        result = sample_tokens(
            net, prompt_flat, prompt_len, pre, n_fields=n_fields, newline_id=tok.newline_id,
            delimiter_id=tok.delimiter_id, forced_tokens=forced_tokens, forced_len=forced_len,
            batch_size=self.predict_batch_size, temperature=float(self.gen_temp),
            max_steps=max_steps, reset_states=bool(self.reset_states), generator=gen,
            device=device)
        text = np.asarray(tok.decode_lines(result.flat, result.lengths), dtype=object)
        line_ok = ~result.bad
        if n_fields == 1:
            text = np.asarray([t[: self.max_line_len] for t in text], dtype=object)
            fields[todo, 0] = text
        else:
            line_ok &= result.ended
            for p in np.unique(pre):
                grp = np.flatnonzero(pre == p)
                parts, split_ok = split_fields(text[grp], self.field_delimiter_,
                                               n_fields - int(p))
                fields[np.ix_(todo[grp], np.arange(int(p), n_fields))] = parts
                line_ok[grp] &= split_ok
        fields[todo] = np.where(pres, g, fields[todo])
        ok[todo] = line_ok
        return fields, ok


class _LineTally:
    """Lines written and read back per field cluster during one ``sample`` call.

    Shared by the threads of one call (``n_jobs``), hence the lock.
    """

    def __init__(self, n_clusters: int) -> None:
        self.lines = [0] * n_clusters
        self.read_back = [0] * n_clusters
        self._lock = threading.Lock()

    def add(self, cluster: int, lines: int, read_back: int) -> None:
        with self._lock:
            self.lines[cluster] += lines
            self.read_back[cluster] += read_back

    def attach(self, frame: pd.DataFrame) -> None:
        """Write the counts into ``frame.attrs``."""
        frame.attrs["candidate_rows"] = self.lines[0] if self.lines else 0
        frame.attrs["lines_per_cluster"] = list(self.lines)
        frame.attrs["valid_line_rate_per_cluster"] = [
            r / n if n else float("nan") for r, n in zip(self.read_back, self.lines, strict=True)]


LSTMSynthesizer.__doc__ = LSTMSynthesizer.__doc__.replace(
    "%(common)s", (COLUMN_TYPES_DOC + COMMON_PARAMETERS_DOC).strip())

__all__ = ["LSTMSynthesizer"]
