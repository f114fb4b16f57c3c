"""How faithful, new, varied and useful are synthetic labelled texts?

- Label fidelity (:func:`label_fidelity`): a classifier trained on real texts,
  its accuracy on the synthetic texts against the labels they were generated
  for, beside its accuracy on real held-out texts.
- Novelty: :func:`copy_rate` (texts equal to a training text once case and
  whitespace are normalised) and :func:`ngram_overlap_rate` (texts sharing an
  8-token sequence with a training text).
- Diversity: :func:`distinct_n` [1]_, :func:`distinct_starts` (distinct-n of
  the texts' first words) and :func:`self_bleu` [2]_, to be read beside the
  real texts' own on the same number of texts.
- Usefulness (:func:`augmentation_gain`): macro-F1 on real test texts of a
  classifier trained on ``k`` real texts per class, with and without ``m``
  synthetic ones per class - the low-data augmentation setting of EDA [3]_
  and LAMBADA [4]_.

:func:`text_report` computes them all. Texts are split into tokens by
:func:`tokenize`: runs of word characters and single punctuation marks, case
folded.

References
----------
.. [1] J. Li, M. Galley, C. Brockett, J. Gao and B. Dolan, "A Diversity-Promoting
   Objective Function for Neural Conversation Models", NAACL 2016.
.. [2] Y. Zhu, S. Lu, L. Zheng, J. Guo, W. Zhang, J. Wang and Y. Yu, "Texygen: A
   Benchmarking Platform for Text Generation Models", SIGIR 2018.
.. [3] J. Wei and K. Zou, "EDA: Easy Data Augmentation Techniques for Boosting
   Performance on Text Classification Tasks", EMNLP-IJCNLP 2019.
.. [4] A. Anaby-Tavor et al., "Do Not Have Enough Data? Deep Learning to the
   Rescue!", AAAI 2020.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from skgen.validators._base import as_text, missing_mask
from skgen.validators._label import default_text_classifier, infer_text_and_label

_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w+")
#: Length of the token sequences :func:`ngram_overlap_rate` looks for by default.
OVERLAP_N = 8
# Count given to an n-gram order without matches by Chin-Yew Lin's smoothing
# ("method 1" of NLTK's SmoothingFunction, the one Texygen uses).
_BLEU_EPSILON = 0.1


def tokenize(text: str) -> list[str]:
    """Split a text into case-folded tokens: runs of word characters and punctuation marks.

    Parameters
    ----------
    text : str
        The text.

    Returns
    -------
    list of str
        ``"Don't stop!"`` gives ``["don", "'", "t", "stop", "!"]``.
    """
    return _TOKEN.findall(text.lower())


def normalize_text(text: str) -> str:
    """Case-fold a text and collapse its whitespace (runs to one space, ends stripped)."""
    return " ".join(text.lower().split())


def _ngrams(tokens: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def _texts(texts: Iterable[str]) -> list[str]:
    out = list(texts)
    bad = [t for t in out if not isinstance(t, str)]
    if bad:
        raise TypeError(f"texts must be strings; got {bad[0]!r} ({type(bad[0]).__name__})")
    return out


# --------------------------------------------------------------------------- diversity
def distinct_n(texts: Iterable[str], n: int = 1) -> float:
    """Share of distinct n-grams among all n-grams of a set of texts (distinct-n).

    Li et al. [1]_ count the distinct unigrams and bigrams of the generated
    responses and scale by the number of tokens; here the count is divided by
    the number of n-grams (equal for ``n=1``), so that the score is 1 when no
    n-gram repeats. It falls as the set grows: compare sets of equal size.

    Parameters
    ----------
    texts : iterable of str
        The texts, tokenised by :func:`tokenize`.
    n : int, default=1
        Length of the n-grams, at least 1.

    Returns
    -------
    float
        In ``[0, 1]``; NaN when no text has ``n`` tokens.

    Raises
    ------
    ValueError
        If ``n`` < 1.
    TypeError
        If a text is not a string.

    References
    ----------
    .. [1] J. Li, M. Galley, C. Brockett, J. Gao and B. Dolan, "A
       Diversity-Promoting Objective Function for Neural Conversation Models",
       NAACL 2016.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    grams = [g for t in _texts(texts) for g in _ngrams(tokenize(t), n)]
    return len(set(grams)) / len(grams) if grams else math.nan


def distinct_starts(texts: Iterable[str], n: int = 1) -> float:
    """Share of distinct openings (first ``n`` words) among a set of texts.

    Distinct-n [1]_ applied to the start of each text alone: 1 when no two
    texts open alike, ``1 / len(texts)`` when all do. Guided or low-temperature
    decoding can open most texts of a label with the same label-typical word
    while distinct-n over whole texts hardly moves; this shows it. Words are
    runs of word characters, case folded (``"@united Thanks!"`` opens with
    ``united``). It falls as the set grows: compare sets of equal size, and
    texts of one label with texts of that label.

    Parameters
    ----------
    texts : iterable of str
        The texts; those with fewer than ``n`` words are left out.
    n : int, default=1
        Words per opening, at least 1.

    Returns
    -------
    float
        In ``(0, 1]``; NaN when no text has ``n`` words.

    Raises
    ------
    ValueError
        If ``n`` < 1.
    TypeError
        If a text is not a string.

    References
    ----------
    .. [1] J. Li, M. Galley, C. Brockett, J. Gao and B. Dolan, "A
       Diversity-Promoting Objective Function for Neural Conversation Models",
       NAACL 2016.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    starts = [tuple(w[:n]) for w in (_WORD.findall(t.lower()) for t in _texts(texts))
              if len(w) >= n]
    return len(set(starts)) / len(starts) if starts else math.nan


def self_bleu(texts: Iterable[str], max_n: int = 4) -> float:
    """Mean BLEU of each text against all the others as references (Self-BLEU).

    Texygen's diversity measure [1]_: every text is scored as a hypothesis by
    sentence-level BLEU [2]_ with uniform weights over 1- to ``max_n``-grams,
    the brevity penalty of the closest reference length, and Lin's smoothing
    (an order without matches counts 0.1 matches; NLTK's ``method1``, as
    Texygen). Higher means the texts resemble each other more: less diverse.
    The value rises with the number of texts: compare sets of equal size.

    Computed exactly in time linear in the number of n-grams (each n-gram's
    two highest counts over the texts give its largest count in any *other*
    text), where calling NLTK's ``sentence_bleu`` per text is quadratic.

    Parameters
    ----------
    texts : iterable of str
        At least two texts, tokenised by :func:`tokenize`.
    max_n : int, default=4
        Longest n-gram order, at least 1.

    Returns
    -------
    float
        In ``[0, 1]``.

    Raises
    ------
    ValueError
        If there are fewer than two texts, or ``max_n`` < 1.
    TypeError
        If a text is not a string.

    References
    ----------
    .. [1] Y. Zhu, S. Lu, L. Zheng, J. Guo, W. Zhang, J. Wang and Y. Yu,
       "Texygen: A Benchmarking Platform for Text Generation Models", SIGIR 2018.
    .. [2] K. Papineni, S. Roukos, T. Ward and W.-J. Zhu, "BLEU: a Method for
       Automatic Evaluation of Machine Translation", ACL 2002.
    """
    if max_n < 1:
        raise ValueError(f"max_n must be at least 1, got {max_n}")
    tokens = [tokenize(t) for t in _texts(texts)]
    if len(tokens) < 2:
        raise ValueError(f"self_bleu needs at least two texts, got {len(tokens)}")
    counts = [[Counter(_ngrams(t, n)) for n in range(1, max_n + 1)] for t in tokens]
    # per n-gram: (highest count, text holding it, second highest count)
    top: list[dict[tuple, list[int]]] = [{} for _ in range(max_n)]
    for i, per_order in enumerate(counts):
        for order, counter in enumerate(per_order):
            table = top[order]
            for gram, c in counter.items():
                entry = table.get(gram)
                if entry is None:
                    table[gram] = [c, i, 0]
                elif c > entry[0]:
                    entry[2], entry[0], entry[1] = entry[0], c, i
                elif c > entry[2]:
                    entry[2] = c
    lengths = Counter(len(t) for t in tokens)
    scores = []
    for i, per_order in enumerate(counts):
        hyp_len = len(tokens[i])
        lengths[hyp_len] -= 1
        ref_len = min((r for r, k in lengths.items() if k > 0),
                      key=lambda r: (abs(r - hyp_len), r))
        lengths[hyp_len] += 1
        log_p = 0.0
        for order, counter in enumerate(per_order):
            table = top[order]
            matches = sum(min(c, table[g][0] if table[g][1] != i else table[g][2])
                          for g, c in counter.items())
            total = max(1, sum(counter.values()))
            if order == 0 and matches == 0:
                log_p = -math.inf
                break
            log_p += math.log((matches or _BLEU_EPSILON) / total) / max_n
        if hyp_len == 0 or log_p == -math.inf:
            scores.append(0.0)
            continue
        bp = 1.0 if hyp_len > ref_len else math.exp(1 - ref_len / hyp_len)
        scores.append(bp * math.exp(log_p))
    return float(np.mean(scores))


# ----------------------------------------------------------------------------- novelty
def copy_rate(synthetic: Iterable[str], reference: Iterable[str]) -> float:
    """Share of synthetic texts equal to a reference text, ignoring case and whitespace.

    Parameters
    ----------
    synthetic : iterable of str
        Generated texts.
    reference : iterable of str
        The texts the generator was trained on.

    Returns
    -------
    float
        In ``[0, 1]``; NaN when ``synthetic`` is empty.

    Raises
    ------
    TypeError
        If a text is not a string.

    References
    ----------
    Carlini, N. et al. (2023). Quantifying Memorization Across Neural Language
    Models. ICLR. McCoy, R. T. et al. (2023). How much do language models copy
    from their training data? TACL 11 (n-gram novelty).
    """
    seen = {normalize_text(t) for t in _texts(reference)}
    syn = [normalize_text(t) in seen for t in _texts(synthetic)]
    return float(np.mean(syn)) if syn else math.nan


def ngram_overlap_rate(synthetic: Iterable[str], reference: Iterable[str],
                       n: int = OVERLAP_N) -> float:
    """Share of synthetic texts that hold a run of ``n`` tokens found in a reference text.

    A generator that memorises stitches long verbatim pieces of its training
    texts together; a run of 8 tokens rarely recurs by chance. Texts shorter
    than ``n`` tokens hold no such run (:func:`copy_rate` catches their copies).

    Parameters
    ----------
    synthetic : iterable of str
        Generated texts, tokenised by :func:`tokenize`.
    reference : iterable of str
        The texts the generator was trained on.
    n : int, default=8
        Length of the token runs, at least 1.

    Returns
    -------
    float
        In ``[0, 1]``; NaN when ``synthetic`` is empty.

    Raises
    ------
    ValueError
        If ``n`` < 1.
    TypeError
        If a text is not a string.

    References
    ----------
    Carlini, N. et al. (2023). Quantifying Memorization Across Neural Language
    Models. ICLR. McCoy, R. T. et al. (2023). How much do language models copy
    from their training data? TACL 11 (n-gram novelty).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    seen = {g for t in _texts(reference) for g in _ngrams(tokenize(t), n)}
    hits = [any(g in seen for g in _ngrams(tokenize(t), n)) for t in _texts(synthetic)]
    return float(np.mean(hits)) if hits else math.nan


# ------------------------------------------------------------------------ label metrics
def _labelled(frame: pd.DataFrame, text_column: Any, label_column: Any,
              what: str) -> tuple[list[str], np.ndarray]:
    """Texts and labels (as strings) of the rows holding both."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise KeyError(f"{what} has no column {column!r}; columns: {list(frame.columns)}")
    keep = ~(missing_mask(frame[text_column]) | missing_mask(frame[label_column]))
    return (as_text(frame[text_column])[keep].to_list(),
            as_text(frame[label_column])[keep].to_numpy(dtype=object))


def label_fidelity(synthetic: pd.DataFrame, real_train: pd.DataFrame, real_test: pd.DataFrame,
                   *, text_column: Any = None, label_column: Any = None,
                   classifier: Any = None) -> dict:
    """Share of synthetic texts whose label a classifier trained on real texts agrees with.

    Parameters
    ----------
    synthetic : pandas.DataFrame
        Generated texts with the labels they were generated for.
    real_train : pandas.DataFrame
        Real labelled texts the classifier is trained on.
    real_test : pandas.DataFrame
        Real labelled texts held out from training (and from the generator).
    text_column, label_column : hashable or None, default=None
        Columns of the texts and labels in all three frames; ``None`` infers
        them from ``real_train`` (:func:`skgen.validators._label.infer_text_and_label`).
    classifier : estimator or None, default=None
        Unfitted classifier taking a sequence of strings; cloned. ``None`` is
        :func:`skgen.validators._label.default_text_classifier` (TF-IDF and
        logistic regression).

    Returns
    -------
    dict
        ``synthetic_accuracy`` (share of synthetic texts whose predicted label
        is their own), ``real_accuracy`` (the same on ``real_test``) and
        ``ratio`` (the first over the second).

    Raises
    ------
    KeyError
        If a frame lacks the text or label column.
    skgen.exceptions.SchemaError
        If the columns cannot be inferred.

    References
    ----------
    Anaby-Tavor, A. et al. (2020). Do Not Have Enough Data? Deep Learning to the
    Rescue! AAAI (LAMBADA: a classifier trained on real data filters generated
    texts by their label).
    """
    text_column, label_column = infer_text_and_label(real_train, text_column, label_column)
    model = clone(classifier) if classifier is not None else default_text_classifier()
    model.fit(*_labelled(real_train, text_column, label_column, "real_train"))
    out = {}
    for key, frame, what in (("synthetic_accuracy", synthetic, "synthetic"),
                             ("real_accuracy", real_test, "real_test")):
        texts, labels = _labelled(frame, text_column, label_column, what)
        out[key] = float(accuracy_score(labels, model.predict(texts))) if texts else math.nan
    out["ratio"] = _ratio(out["synthetic_accuracy"], out["real_accuracy"])
    return out


def _per_class(texts: list[str], labels: np.ndarray, classes: Iterable[str], size: int,
               rng: np.random.RandomState) -> tuple[list[str], list[str]]:
    """Up to ``size`` texts drawn without replacement from each class."""
    pick = []
    for c in classes:
        rows = np.flatnonzero(labels == c)
        pick.extend(rng.choice(rows, min(size, rows.size), replace=False).tolist())
    return [texts[i] for i in pick], [labels[i] for i in pick]


def augmentation_gain(synthetic: pd.DataFrame, real_train: pd.DataFrame,
                      real_test: pd.DataFrame, *, k: int = 20, m: int = 40,
                      n_repeats: int = 5, text_column: Any = None, label_column: Any = None,
                      classifier: Any = None, random_state: Any = None) -> dict:
    """Macro-F1 on real test texts with ``k`` real texts per class, without and with synthetic.

    For each repeat, ``k`` texts per class are drawn from ``real_train`` and
    ``m`` per class from ``synthetic`` (classes with fewer give all they
    have); one classifier is trained on the real draw alone and one on the
    real and synthetic draws together, and both are scored by macro-F1 on
    ``real_test``. The low-data setting in which EDA [1]_ and LAMBADA [2]_
    measure augmentation. For a fair comparison the generator should have
    seen only the real texts such a draw can hold.

    Parameters
    ----------
    synthetic : pandas.DataFrame
        Generated texts with the labels they were generated for.
    real_train : pandas.DataFrame
        Real labelled texts to draw the ``k`` per class from.
    real_test : pandas.DataFrame
        Real labelled texts to score on.
    k : int, default=20
        Real texts per class, at least 1.
    m : int, default=40
        Synthetic texts per class, at least 0.
    n_repeats : int, default=5
        Draws to average over, at least 1.
    text_column, label_column : hashable or None, default=None
        As in :func:`label_fidelity`.
    classifier : estimator or None, default=None
        As in :func:`label_fidelity`.
    random_state : int, RandomState instance or None, default=None
        Chooses the draws. The real draws depend on it alone, not on
        ``synthetic``: corpora scored with the same integer are compared on
        the same real texts.

    Returns
    -------
    dict
        ``k``, ``m``, ``n_repeats``, ``real_only`` and ``augmented`` (mean
        macro-F1), their standard deviations over the repeats ``real_only_std``
        and ``augmented_std``, and ``gain`` (``augmented - real_only``).

    Raises
    ------
    ValueError
        If ``k`` < 1, ``m`` < 0 or ``n_repeats`` < 1.
    KeyError
        If a frame lacks the text or label column.

    References
    ----------
    .. [1] J. Wei and K. Zou, "EDA: Easy Data Augmentation Techniques for
       Boosting Performance on Text Classification Tasks", EMNLP-IJCNLP 2019.
    .. [2] A. Anaby-Tavor et al., "Do Not Have Enough Data? Deep Learning to the
       Rescue!", AAAI 2020.
    """
    for name, value, least in (("k", k, 1), ("m", m, 0), ("n_repeats", n_repeats, 1)):
        if value < least:
            raise ValueError(f"{name} must be at least {least}, got {value}")
    text_column, label_column = infer_text_and_label(real_train, text_column, label_column)
    rng = check_random_state(random_state)
    # separate streams: the real draws do not depend on the synthetic corpus, so two
    # corpora scored with the same random_state are compared on the same real texts
    real_rng, syn_rng = (np.random.RandomState(rng.randint(2**31 - 1)) for _ in range(2))
    real_texts, real_labels = _labelled(real_train, text_column, label_column, "real_train")
    syn_texts, syn_labels = _labelled(synthetic, text_column, label_column, "synthetic")
    test_texts, test_labels = _labelled(real_test, text_column, label_column, "real_test")
    classes = sorted(set(real_labels))
    scores: dict[str, list[float]] = {"real_only": [], "augmented": []}
    for _ in range(n_repeats):
        texts, labels = _per_class(real_texts, real_labels, classes, k, real_rng)
        more_texts, more_labels = _per_class(syn_texts, syn_labels, classes, m, syn_rng)
        for key, (x, y) in (("real_only", (texts, labels)),
                            ("augmented", (texts + more_texts, labels + more_labels))):
            model = clone(classifier) if classifier is not None else default_text_classifier()
            model.fit(x, y)
            scores[key].append(float(f1_score(test_labels, model.predict(test_texts),
                                              average="macro", labels=classes)))
    out: dict[str, Any] = {"k": k, "m": m, "n_repeats": n_repeats}
    for key, values in scores.items():
        out[key] = float(np.mean(values))
        out[f"{key}_std"] = float(np.std(values))
    out["gain"] = out["augmented"] - out["real_only"]
    return out


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


# ------------------------------------------------------------------------------ report
@dataclass
class TextReport:
    """Text metrics of a synthetic corpus, beside the real corpus' own.

    Made by :func:`text_report`. A dataclass: each parameter is kept as the
    attribute of the same name.

    Parameters
    ----------
    n_synthetic : int
        Number of synthetic texts.
    n_real : int
        Number of real training texts.
    copy_rate : float
        :func:`copy_rate` of the synthetic texts against the real training texts.
    ngram_overlap_rate : float
        :func:`ngram_overlap_rate` (8-token runs), likewise.
    diversity : dict of str to dict
        ``"distinct_1"``, ``"distinct_2"``, ``"distinct_starts"``,
        ``"self_bleu"``: each ``{"synthetic": float, "real": float}``, both on
        the same number of texts.
    label_fidelity : dict or None
        :func:`label_fidelity`; ``None`` without a label column.
    augmentation : dict or None
        :func:`augmentation_gain`; ``None`` without a label column, or when
        not asked for.
    text_column : hashable
        The column of the texts.
    label_column : hashable or None
        The column of the labels; ``None`` for unlabelled texts.

    References
    ----------
    Li, J. et al. (2016). A Diversity-Promoting Objective Function for Neural
    Conversation Models. NAACL (distinct-n). Zhu, Y. et al. (2018). Texygen: A
    Benchmarking Platform for Text Generation Models. SIGIR (Self-BLEU).
    Wei, J. and Zou, K. (2019). EDA: Easy Data Augmentation Techniques for
    Boosting Performance on Text Classification Tasks. EMNLP-IJCNLP.
    Anaby-Tavor, A. et al. (2020). Do Not Have Enough Data? Deep Learning to the
    Rescue! AAAI (label fidelity and augmentation in the low-data setting).
    """

    n_synthetic: int
    n_real: int
    copy_rate: float
    ngram_overlap_rate: float
    diversity: dict
    label_fidelity: dict | None
    augmentation: dict | None
    text_column: Any
    label_column: Any

    def to_dict(self) -> dict:
        """The report as plain nested dicts (for JSON).

        Returns
        -------
        dict
            One key per parameter of the report, nested dicts as they are.
        """
        return asdict(self)

    def summary(self) -> str:
        """A short, human-readable account of the metrics.

        Returns
        -------
        str
            One line per measure, synthetic beside real.
        """
        lines = [f"text metrics: {self.n_synthetic} synthetic texts, {self.n_real} real "
                 f"({self.text_column!r}" + (f", label {self.label_column!r})"
                                             if self.label_column is not None else ")"),
                 f"  {'exact copies of a training text':<35}{self.copy_rate:7.1%}",
                 f"  {f'sharing an {OVERLAP_N}-token run with one':<35}"
                 f"{self.ngram_overlap_rate:7.1%}",
                 "  diversity                  synthetic    real"]
        for name, v in self.diversity.items():
            lines.append(f"    {name:<24} {v['synthetic']:9.3f} {v['real']:7.3f}")
        if self.label_fidelity is not None:
            f = self.label_fidelity
            lines.append(f"  label fidelity: classifier accuracy {f['synthetic_accuracy']:.3f} on "
                         f"synthetic, {f['real_accuracy']:.3f} on real held-out "
                         f"(ratio {f['ratio']:.2f})")
        if self.augmentation is not None:
            a = self.augmentation
            lines.append(f"  augmentation: macro-F1 {a['real_only']:.3f} with {a['k']} real "
                         f"texts per class, {a['augmented']:.3f} with {a['m']} synthetic "
                         f"added (gain {a['gain']:+.3f})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def text_report(synthetic: pd.DataFrame, real_train: pd.DataFrame,
                real_test: pd.DataFrame | None = None, *, text_column: Any = None,
                label_column: Any = None, augmentation: bool = True, k: int = 20, m: int = 40,
                n_repeats: int = 5, max_diversity_texts: int = 1000, classifier: Any = None,
                random_state: Any = None) -> TextReport:
    """All text metrics of a synthetic corpus in one report.

    Parameters
    ----------
    synthetic : pandas.DataFrame
        Generated texts, with the labels they were generated for when there
        are labels.
    real_train : pandas.DataFrame
        The real texts the generator was trained on, same columns.
    real_test : pandas.DataFrame or None, default=None
        Real texts held out from the generator, for label fidelity and
        augmentation. ``None`` holds out a stratified quarter of
        ``real_train`` for them (novelty still compares with all of it).
    text_column : hashable or None, default=None
        Column of the texts; ``None`` takes the single free-text column (or,
        in a one-column frame, that column).
    label_column : hashable or None, default=None
        Column of the labels; ``None`` takes the single other column, and no
        label metrics are computed when there is none.
    augmentation : bool, default=True
        Whether to run :func:`augmentation_gain` (trains ``2 * n_repeats``
        classifiers).
    k, m, n_repeats : int, default=20, 40, 5
        As in :func:`augmentation_gain`.
    max_diversity_texts : int, default=1000
        Diversity is measured on this many texts of each corpus at most, the
        same number for both (drawn at random).
    classifier : estimator or None, default=None
        As in :func:`label_fidelity`.
    random_state : int, RandomState instance or None, default=None
        Chooses the hold-out, the diversity subsets and the augmentation draws.

    Returns
    -------
    TextReport
        Copies, n-gram overlap, diversity beside the real texts', and, with a
        label column, label fidelity and augmentation gain.

    Raises
    ------
    TypeError
        If a frame is not a DataFrame.
    KeyError
        If ``synthetic`` lacks the text column.
    skgen.exceptions.SchemaError
        If the columns cannot be inferred.

    References
    ----------
    Li, J. et al. (2016). A Diversity-Promoting Objective Function for Neural
    Conversation Models. NAACL (distinct-n). Zhu, Y. et al. (2018). Texygen: A
    Benchmarking Platform for Text Generation Models. SIGIR (Self-BLEU).
    Wei, J. and Zou, K. (2019). EDA: Easy Data Augmentation Techniques for
    Boosting Performance on Text Classification Tasks. EMNLP-IJCNLP.
    Anaby-Tavor, A. et al. (2020). Do Not Have Enough Data? Deep Learning to the
    Rescue! AAAI (label fidelity and augmentation in the low-data setting).
    """
    if not isinstance(real_train, pd.DataFrame) or not isinstance(synthetic, pd.DataFrame):
        raise TypeError("synthetic and real_train must be pandas DataFrames")
    rng = check_random_state(random_state)
    if real_train.shape[1] == 1:
        text_column, label_column = real_train.columns[0], None
    else:
        text_column, label_column = infer_text_and_label(real_train, text_column,
                                                         label_column)
    if text_column not in synthetic.columns:
        raise KeyError(f"synthetic has no column {text_column!r}; "
                       f"columns: {list(synthetic.columns)}")
    syn_texts, real_texts = (as_text(f[text_column])[~missing_mask(f[text_column])].to_list()
                             for f in (synthetic, real_train))
    size = min(len(syn_texts), len(real_texts), max_diversity_texts)
    syn_sub = [syn_texts[i] for i in rng.choice(len(syn_texts), size, replace=False)]
    real_sub = [real_texts[i] for i in rng.choice(len(real_texts), size, replace=False)]
    measures = {"distinct_1": lambda t: distinct_n(t, 1), "distinct_2": lambda t: distinct_n(t, 2),
                "distinct_starts": distinct_starts,
                "self_bleu": lambda t: self_bleu(t) if len(t) > 1 else math.nan}
    diversity = {name: {"synthetic": f(syn_sub), "real": f(real_sub)}
                 for name, f in measures.items()}
    fidelity = gain = None
    if label_column is not None:
        train, test = real_train, real_test
        if test is None:
            train, test = train_test_split(real_train, test_size=0.25,
                                           stratify=as_text(real_train[label_column]),
                                           random_state=rng.randint(2**31 - 1))
        columns = {"text_column": text_column, "label_column": label_column,
                   "classifier": classifier}
        fidelity = label_fidelity(synthetic, train, test, **columns)
        if augmentation:
            gain = augmentation_gain(synthetic, train, test, k=k, m=m, n_repeats=n_repeats,
                                     random_state=rng, **columns)
    return TextReport(n_synthetic=len(syn_texts), n_real=len(real_texts),
                      copy_rate=copy_rate(syn_texts, real_texts),
                      ngram_overlap_rate=ngram_overlap_rate(syn_texts, real_texts),
                      diversity=diversity, label_fidelity=fidelity, augmentation=gain,
                      text_column=text_column, label_column=label_column)
