"""Conditions that start new texts with the first words of real ones (augmentation)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

from skgen.exceptions import SchemaError


@validate_params(
    {
        "X": [pd.DataFrame, pd.Series],
        "n": [Interval(Integral, 1, None, closed="left"), None],
        "n_words": [Interval(Integral, 1, None, closed="left")],
        "text_column": [None, str, Integral],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def prefix_conditions(
    X: pd.DataFrame | pd.Series,
    n: int | None = None,
    *,
    n_words: int = 4,
    text_column: Any = None,
    random_state: Any = None,
) -> pd.DataFrame:
    """Seed rows that start each new text with the first words of a real text.

    Each row holds the label values of one real row of ``X`` and, in its text
    column, the start of that row's text up to its ``n_words``-th word (at
    most half of its words, at least one; spaces and line breaks as written).
    Passed as ``conditions`` to :meth:`GPTTextSynthesizer.sample
    <skgen.GPTTextSynthesizer.sample>`, each row gives one new text: the
    model is prompted with the labels and that start -- Gretel's "start
    string" -- and writes the rest. The new texts
    stay closer to the real ones: on the benchmark's sets of 20 real texts
    per class, completions of 4-word starts were judged to be of their label
    more often than texts written from the label alone on the fortunes
    (label fidelity / real 0.90 against 0.75, means of five splits), about
    as often on the tweets (0.82 against 0.80), at about the same
    augmentation gain (``docs/benchmarks.md``, GPT section).

    The starts are copied from the real texts, so the new texts share their
    first words with real ones: use this to augment your own training data,
    not to release texts about people. A model completing a real start can
    also write the rest of that text again: add the privacy filter
    (``validators=make_validators(privacy_filter=True)``, see
    :func:`skgen.validators.make_validators`) to reject exact copies.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_features) or pandas.Series of shape (n_samples,)
        Real rows: a text column and the label columns to keep (e.g. the rows
        of one class). Not modified.
    n : int or None, default=None
        Number of rows returned. ``None``: one per row of ``X``, in its order.
        Otherwise rows of ``X`` are drawn without replacement, in random
        order, and drawn again only when all have been used.
    n_words : int, default=4
        Words (whitespace-separated) of each real text to start with. A text
        of fewer than ``2 * n_words`` words gives half of its words (rounded
        down, at least one). In the benchmark 37-52 % of the completions of
        6-word starts shared a run of 8 words with a real text, 5-20 % with
        4, at about the same label fidelity and gain.
    text_column : str or None, default=None
        The text column. ``None``: the Series itself, the only column of a
        one-column frame, or else the column whose values hold the most
        words on average (label values are short).
    random_state : int, RandomState instance or None, default=None
        Seeds the draw of rows when ``n`` is given.

    Returns
    -------
    conditions : pandas.DataFrame of shape (n or n_samples, n_features)
        The columns of ``X`` (a Series' name, or ``"text"``), with a fresh
        integer index.

    Raises
    ------
    SchemaError
        If ``text_column`` is not a column, or, when it is ``None``, no
        column holds more words per value than every other (and more than
        one); or if a text is missing or empty.

    See Also
    --------
    skgen.GPTTextSynthesizer.sample : Draws one text per seed row.

    References
    ----------
    .. [1] Gretel.ai, "Conditional data generation" FAQ: seeding a model with a
       start string to complete.
    .. [2] Kumar, V., Choudhary, A., & Cho, E. (2020). Data Augmentation using
       Pre-trained Transformer Models. *Workshop on Life-long Learning for
       Spoken Language Systems*: a fine-tuned language model prompted with
       the label and the first words of a real example.

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.text import prefix_conditions
    >>> df = pd.DataFrame({"intent": ["refund", "refund"],
    ...                    "text": ["I want my money back for the order I sent back",
    ...                             "please refund me"]})
    >>> prefix_conditions(df, n_words=3)
       intent       text
    0  refund  I want my
    1  refund     please
    """
    frame = X.to_frame(X.name if X.name is not None else "text") if isinstance(X, pd.Series) \
        else X
    column = find_text_column(frame, text_column)
    texts = frame[column]
    words = texts.map(lambda t: t.split() if isinstance(t, str) else [])
    empty = words.map(len) == 0
    if empty.any():
        where = frame.index[empty.to_numpy()][0]
        raise SchemaError(f"text column {column!r} has a missing or empty text (index "
                          f"{where!r}); drop those rows first")
    if n is None:
        rows = np.arange(len(frame))
    else:
        rng = check_random_state(random_state)
        rounds = -(-n // len(frame))
        rows = np.concatenate([rng.permutation(len(frame)) for _ in range(rounds)])[:n]
    out = frame.iloc[rows].reset_index(drop=True)
    out[column] = [_first_words(t, min(n_words, max(1, len(w) // 2)))
                   for t, w in zip(texts.iloc[rows], words.iloc[rows], strict=True)]
    return out


def _first_words(text: str, k: int) -> str:
    """The start of ``text`` up to the end of its ``k``-th word, as written (its spaces
    and line breaks kept)."""
    return re.match(rf"\s*(?:\S+\s+){{{k - 1}}}\S+", text).group(0)


def find_text_column(frame: pd.DataFrame, given: Any, inferred: Sequence = ()) -> Any:
    """The text column: ``given``, checked; else the single one of ``inferred`` (the
    schema's text columns), the only column, or the column whose values hold the most
    words on average (a table's text beside short labels).

    Raises
    ------
    SchemaError
        If ``given`` is not a column; if ``inferred`` holds several columns; or if,
        with neither, no column holds more words per value than every other and more
        than one (naming each column's mean).
    """
    if given is not None:
        if given not in frame.columns:
            raise SchemaError(f"text_column {given!r} is not a column; columns: "
                              f"{list(frame.columns)}")
        return given
    if len(inferred) > 1:
        raise SchemaError(f"several text columns {list(inferred)}; pass text_column= to say "
                          "which one to generate (the others must be dropped or be labels)")
    if inferred:
        return inferred[0]
    if frame.shape[1] == 1:
        return frame.columns[0]
    words = {c: frame[c].map(lambda v: len(v.split()) if isinstance(v, str) else 0).mean()
             for c in frame.columns}
    ranked = sorted(words, key=words.get, reverse=True)
    if words[ranked[0]] <= 1 or words[ranked[0]] == words[ranked[1]]:
        raise SchemaError(f"cannot tell the text column among {list(frame.columns)} (mean "
                          f"words per value: {', '.join(f'{c}={w:.1f}' for c, w in words.items())}"
                          "); pass text_column=")
    return ranked[0]


__all__ = ["prefix_conditions"]
