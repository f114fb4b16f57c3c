"""Fresh identifiers and free text for ID-like and text columns, shared by the models.

Both generators refuse to give back a training value: they keep 64-bit hashes of
the training values (never the values) and redraw any candidate that hashes to
one of them. The hashes are *reference data* (see :mod:`skgen.persistence`): a
model file leaves them out, since a low-entropy ID (a 9-digit number) is
recovered from its hash by trying every candidate.

What the file does keep is k-anonymous: an ID shape (length and punctuation)
is learned only from at least :data:`MIN_GROUP` training IDs, and a word of the
text chain only when it occurs in at least :data:`MIN_GROUP` training texts (a
rarer word that holds digits is kept as its shape, its digits drawn afresh;
any other rarer word -- a name, an e-mail address -- is dropped).

Also here: the field delimiter of the line formats the LSTM and GPT models
share (:func:`choose_delimiter`).
"""

from __future__ import annotations

import re
import string
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from skgen.exceptions import SchemaError

#: Field delimiters tried in order when none is given (the Gretel LSTM's list).
DELIMITER_CANDIDATES = (",", ":", "|", ";", "\t", "+", "-", "^", "@", "#", "*")

#: Fewest training IDs an ID shape, and fewest training texts a word of the text
#: chain, must come from to be stored in a model (k-anonymity; see the module
#: docstring).
MIN_GROUP = 5

# Stands for one digit in a word kept by its shape (Unicode private use area).
_DIGIT = "\ue000"
_NUMBER = re.compile(r"\d+")
_PLACEHOLDERS = re.compile(_DIGIT + "+")


def hash_strings(values) -> np.ndarray:
    """Stable 64-bit hashes of strings.

    Parameters
    ----------
    values : sequence of str of length n

    Returns
    -------
    ndarray of uint64 of shape (n,)
        pandas' SipHash-2-4 with its fixed key: the same on every machine and
        run, so hashes stored in a model file stay valid.
    """
    arr = np.asarray(values, dtype=object)
    return pd.util.hash_array(arr, categorize=False)


def string_hashes(frame: pd.DataFrame, names: Sequence[Any]) -> list[np.ndarray]:
    """Sorted distinct hashes of each named column's non-missing values, as strings.

    Parameters
    ----------
    frame : pandas.DataFrame of shape (n_samples, n_features)
        Training data. Not modified.
    names : sequence of column labels
        The ID-like and free-text columns.

    Returns
    -------
    list of ndarray of uint64
        One sorted array per column (:func:`hash_strings`).
    """
    return [np.unique(hash_strings(frame[name].dropna().astype(str).tolist()))
            for name in names]


def _contains(sorted_hashes: np.ndarray, h: np.ndarray) -> np.ndarray:
    if sorted_hashes.size == 0:
        return np.zeros(h.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_hashes, h), sorted_hashes.size - 1)
    return sorted_hashes[pos] == h


def fit_id_patterns(values: pd.Series, max_patterns: int = 10) -> tuple[list, np.ndarray]:
    """Character patterns of ID-like strings.

    Values are grouped by shape (length, and where non-alphanumeric characters
    sit); for each of the ``max_patterns`` most frequent shapes held by at least
    :data:`MIN_GROUP` IDs, every position keeps the set of characters seen there
    (a constant prefix stays constant, hexadecimal digits stay hexadecimal). A
    shape of fewer IDs is not stored: its per-position sets would spell those
    IDs out. When no shape has that many, the most frequent one is stored with
    each position widened to its whole character class (any digit, any
    lower-case or upper-case letter).

    Parameters
    ----------
    values : pandas.Series of str
        Non-missing training IDs.
    max_patterns : int, default=10

    Returns
    -------
    patterns : list of list of str
        Per pattern, per position, the characters allowed there.
    weights : ndarray of shape (n_patterns,)
        How often each pattern occurs, normalised.
    """
    s = values.astype(str)
    shape = s.str.replace(r"[^\W_]", "x", regex=True)
    counts = shape.value_counts()
    top = counts[counts >= MIN_GROUP].head(max_patterns)
    if top.empty:
        if counts.empty:
            return [], np.zeros(0)
        first = s[shape == counts.index[0]].iloc[0]
        return [[_char_class(c) for c in first]], np.ones(1)
    patterns = []
    for pat in top.index:
        members = s[shape == pat].to_numpy(dtype=object)
        width = len(pat)
        if width == 0:
            patterns.append([])
            continue
        chars = np.array(members.tolist(), dtype=f"<U{width}").view("<U1").reshape(-1, width)
        patterns.append(["".join(np.unique(chars[:, j])) for j in range(width)])
    weights = top.to_numpy(dtype=float)
    return patterns, weights / weights.sum()


def _char_class(c: str) -> str:
    """Every character of ``c``'s class (digits, lower, upper); ``c`` itself otherwise."""
    for cls in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
        if c in cls:
            return cls
    return c


def _widen(alphabet: str) -> str:
    """The full character classes (digits, lower, upper) an observed alphabet touches."""
    if len(alphabet) < 2:
        return alphabet
    out = set(alphabet)
    for cls in (string.digits, string.ascii_lowercase, string.ascii_uppercase):
        if out & set(cls):
            out |= set(cls)
    return "".join(sorted(out))


def generate_ids(
    patterns: list,
    weights: np.ndarray,
    training_hashes: np.ndarray,
    m: int,
    rng: np.random.Generator,
    max_rounds: int = 20,
) -> np.ndarray:
    """Fresh IDs following the training patterns, none equal to a training ID.

    Parameters
    ----------
    patterns, weights :
        From :func:`fit_id_patterns`.
    training_hashes : ndarray of uint64
        Sorted hashes of the training IDs.
    m : int
        Number of IDs.
    rng : numpy.random.Generator
    max_rounds : int, default=20
        Redraws for IDs that hit a training ID or repeat within the batch.
        After half of them, varying positions may take any character of their
        class (any digit, any letter), so that sequential IDs that used up
        their observed characters still get fresh ones of the same shape; an
        ID that still clashes after all rounds gets six random digits appended.

    Returns
    -------
    ndarray of object (str) of shape (m,)
    """
    wide = [[_widen(a) for a in pat] for pat in patterns]
    out = np.empty(m, dtype=object)
    todo = np.arange(m)
    for round_ in range(max_rounds + 1):
        if todo.size == 0:
            break
        use = patterns if round_ < max_rounds // 2 else wide
        which = rng.choice(len(use), size=todo.size, p=weights)
        for p_idx in np.unique(which):
            rows = todo[which == p_idx]
            pat = use[p_idx]
            if not pat:
                out[rows] = ""
                continue
            cols = [np.array(list(a), dtype="<U1")[rng.integers(0, len(a), rows.size)]
                    for a in pat]
            chars = np.ascontiguousarray(np.stack(cols, axis=1))
            out[rows] = chars.view(f"<U{len(pat)}").ravel().astype(object)
        if round_ == max_rounds:  # the pattern space is used up: lengthen
            digits = rng.integers(0, 10, size=(todo.size, 6)).astype(str)
            out[todo] = out[todo] + np.array(["".join(d) for d in digits], dtype=object)
        h = hash_strings(out)
        clash = _contains(training_hashes, h) | pd.Series(h).duplicated().to_numpy()
        todo = np.flatnonzero(clash)
    return out


def fit_markov_text(values: pd.Series) -> dict:
    """A first-order word-level Markov chain of free text.

    Only words that occur in at least :data:`MIN_GROUP` training texts are
    learned. A rarer word that holds digits is replaced by its shape (its
    digits become placeholders that :func:`generate_markov_text` fills with
    random digits), and learned if that shape is common enough; any other
    rarer word is left out of the text it occurs in.

    Parameters
    ----------
    values : pandas.Series of str
        Non-missing training texts.

    Returns
    -------
    dict
        ``vocab`` (list of str; index 0 is the start/end marker ``""``),
        ``indptr`` (where each previous word's transitions start, in ``next``
        and ``cum``), ``next`` (next word ids), ``cum`` (cumulative transition
        probabilities within each previous word) and ``max_words`` (longest
        training text, in words).

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. Bell System
    Technical Journal 27, section 3 (word-level approximations to English).
    Sweeney, L. (2002). k-anonymity: a model for protecting privacy.
    International Journal of Uncertainty, Fuzziness and Knowledge-Based
    Systems 10(5), 557-570.
    """
    tokens = values.astype(str).str.split().reset_index(drop=True)
    kept = _common_words(_common_words(tokens, shape_digits=True), shape_digits=False)
    # a text left without words is not learned (it would teach the chain an empty text)
    kept = kept[(kept.str.len() > 0) | (tokens.str.len() == 0)]
    if kept.empty and not tokens.empty:
        warnings.warn(f"free-text column {values.name!r}: no word occurs in {MIN_GROUP} or more "
                      "training texts, so none is stored in the model and its generated values "
                      "will be missing", UserWarning, stacklevel=2)
    tokens = kept
    lengths = tokens.str.len().to_numpy(dtype=np.int64)
    words = [w for t in tokens for w in t]
    codes, vocab = pd.factorize(pd.Series(words, dtype=object))
    starts = np.cumsum(lengths) - lengths
    # one stream: each text is [0, w1, ..., wn]; a final 0 closes the last one
    stream = np.append(np.insert(codes.astype(np.int64) + 1, starts, 0), 0)
    n_states = len(vocab) + 1
    key, counts = np.unique(stream[:-1] * n_states + stream[1:], return_counts=True)
    prev, nxt = key // n_states, key % n_states
    indptr = np.concatenate([[0], np.cumsum(np.bincount(prev, minlength=n_states))])
    cum = np.cumsum(counts).astype(float)
    row_start = np.repeat(np.concatenate([[0.0], cum])[indptr[:-1]], np.diff(indptr))
    row_total = np.repeat(np.add.reduceat(counts, indptr[:-1][np.diff(indptr) > 0]),
                          np.diff(indptr)[np.diff(indptr) > 0])
    cum = (cum - row_start) / row_total
    return {
        "vocab": [""] + [str(v) for v in vocab],
        "indptr": indptr.astype(np.int64),
        "next": nxt.astype(np.int64),
        "cum": cum,
        "max_words": int(lengths.max()) if lengths.size else 0,
    }


def _common_words(tokens: pd.Series, *, shape_digits: bool) -> pd.Series:
    """``tokens`` (lists of words) with the words of fewer than MIN_GROUP texts handled.

    ``shape_digits=True``: such a word with a digit becomes its shape (digits as
    placeholders); ``False``: such a word is dropped.
    """
    flat = tokens.explode().dropna()
    pairs = pd.DataFrame({"text": flat.index, "word": flat.to_numpy()}).drop_duplicates()
    texts_per_word = pairs["word"].value_counts()
    rare = set(texts_per_word.index[texts_per_word < MIN_GROUP])
    if not rare:
        return tokens
    if shape_digits:
        shaped = {w: _NUMBER.sub(lambda m: _DIGIT * len(m.group()), w)
                  for w in rare if _NUMBER.search(w)}
        return tokens.map(lambda t: [shaped.get(w, w) for w in t])
    return tokens.map(lambda t: [w for w in t if w not in rare])


def generate_markov_text(
    chain: dict, training_hashes: np.ndarray, m: int, rng: np.random.Generator,
    max_rounds: int = 20,
) -> np.ndarray:
    """Texts walked from a word chain, none equal to a training text.

    All rows advance one word per step together; each row finds its next word
    by one binary search in a flat table where previous word ``s`` occupies
    ``(s, s + 1]``.

    Parameters
    ----------
    chain : dict
        From :func:`fit_markov_text`.
    training_hashes : ndarray of uint64
        Sorted hashes of the training texts.
    m : int
        Number of texts.
    rng : numpy.random.Generator
    max_rounds : int, default=20
        Redraws for texts equal to a training text. After half of them, the
        numbers in a text that still equals one are redrawn, one digit longer
        each further round (so that templated texts such as ``"order 17
        shipped"``, where every walk recreates a training text, get fresh
        ones); a text still equal to a training text after all rounds is left
        missing.

    Returns
    -------
    ndarray of object of shape (m,)
    """
    indptr, nxt = chain["indptr"], chain["next"]
    vocab = np.asarray(chain["vocab"], dtype=object)
    lifted = chain["cum"] + np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    limit = max(1, 2 * int(chain["max_words"]))
    has_placeholders = any(_DIGIT in w for w in chain["vocab"])
    out = np.full(m, None, dtype=object)
    todo = np.arange(m)
    for round_ in range(max_rounds):
        if todo.size == 0 or nxt.size == 0:
            break
        n = todo.size
        words = np.zeros((n, limit), dtype=np.int64)
        state = np.zeros(n, dtype=np.int64)
        alive = np.arange(n)
        for step in range(limit):
            pos = np.searchsorted(lifted, state[alive] + rng.random(alive.size), side="right")
            w = nxt[np.minimum(pos, nxt.size - 1)]
            words[alive, step] = w
            state[alive] = w
            alive = alive[w != 0]
            if alive.size == 0:
                break
        texts = np.array([" ".join(vocab[r[r > 0]]) for r in words], dtype=object)
        if has_placeholders:
            texts = _redraw_numbers(texts, 0, rng, _PLACEHOLDERS)
        bad = _contains(training_hashes, hash_strings(texts))
        if round_ >= max_rounds // 2 and bad.any():
            texts[bad] = _redraw_numbers(texts[bad], round_ - max_rounds // 2, rng)
            bad[bad] = _contains(training_hashes, hash_strings(texts[bad]))
        out[todo[~bad]] = texts[~bad]
        todo = todo[bad]
    return out






def _redraw_numbers(texts: np.ndarray, extra: int, rng: np.random.Generator,
                    pattern: re.Pattern = _NUMBER) -> np.ndarray:
    """``texts`` with every run of ``pattern`` replaced by random digits, ``extra`` more of them.

    ``pattern`` matches runs of digits by default, or of the placeholders of
    :func:`fit_markov_text`. A run of more than one digit does not start with 0.
    """
    def draw(match: re.Match) -> str:
        k = len(match.group()) + extra
        digits = rng.integers(0, 10, size=k)
        if k > 1:
            digits[0] = rng.integers(1, 10)
        return "".join(map(str, digits))

    return np.array([pattern.sub(draw, t) for t in texts], dtype=object)


def choose_delimiter(values: Mapping[Any, Sequence[str]], given: str | None, *,
                     name: str = "field_delimiter",
                     candidates: Sequence[str] = DELIMITER_CANDIDATES) -> str:
    """The delimiter of a line format: ``given``, checked, or the first free candidate.

    Parameters
    ----------
    values : mapping of column name to sequence of str
        The (encoded, distinct or all) values of every column the lines hold.
    given : str or None
        A user-chosen delimiter, or ``None`` to pick the first of
        ``candidates`` that occurs in no value.
    name : str, default="field_delimiter"
        The parameter's name, for the messages.
    candidates : sequence of str, default=DELIMITER_CANDIDATES
        The delimiters tried, in order.

    Returns
    -------
    str
        The delimiter.

    Raises
    ------
    SchemaError
        If ``given`` occurs in a value (naming the column and the value), or
        when ``given`` is ``None`` and every candidate occurs somewhere (naming
        where each one was found).
    """
    def first_occurrence(delim: str) -> tuple[Any, str] | None:
        for column, vals in values.items():
            vals = list(vals)
            if not vals:
                continue
            hits = pd.Series(vals, dtype=object).str.contains(delim, regex=False).to_numpy()
            if hits.any():
                return column, vals[int(np.argmax(hits))]
        return None

    if given is not None:
        where = first_occurrence(given)
        if where is not None:
            raise SchemaError(
                f"{name} {given!r} occurs in column {where[0]!r} (value {where[1]!r:.60}); "
                f"choose another {name}, or None to pick a free one automatically")
        return given
    found = {}
    for cand in candidates:
        where = first_occurrence(cand)
        if where is None:
            return cand
        found[cand] = where[0]
    listing = ", ".join(f"{d!r} (in {c!r})" for d, c in found.items())
    raise SchemaError(f"no {name.replace('_', ' ')} is free: every candidate occurs in the "
                      f"data: {listing}; pass a {name} that occurs in no value")
