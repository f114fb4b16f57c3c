"""The line format shared by fine-tuning and prompting: ``label1<sep>…<sep>text``.

Every training row becomes one line: its label values, then its text, joined
by a separator that occurs in no value, as the seed's banking77 example
encodes ``intent,text``. Lines end with a newline, so a generated line ends
where the model writes one; line breaks inside texts are written as a marker
character that occurs in no text (``¶`` first) and read back as ``"\\n"``.
Label values of any type (strings, integers, booleans) are written with
``str`` and read back as the training value they spell; a missing label is an
empty field, so that an unlabelled text still teaches the model the corpus's
language. A prompt is the
beginning of such a line (the fixed labels, the separator, an optional start
of the text) and the model completes it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from skgen._strings import DELIMITER_CANDIDATES, choose_delimiter
from skgen.exceptions import SchemaError

#: Separators tried in this order when ``separator=None``: the seed documentation's
#: field delimiters (the LSTM's), ``|`` first. With SmolLM2-135M fine-tuned on 60 tweets
#: and guided at 5, label fidelity / real was 0.79 and 0.89 with ``|`` on two splits,
#: 0.50-0.65 with ``,``, ``:`` or a tab (docs/benchmarks.md, GPT section).
SEPARATOR_CANDIDATES = ("|", *(d for d in DELIMITER_CANDIDATES if d != "|"))

#: Characters that stand for a line break inside a text, tried in this order: one
#: character each, so that a text's length in characters is the same in a line.
LINE_BREAK_CANDIDATES = ("\u00b6", "\u21b5", "\u23ce", "\u2424")  # ¶ ↵ ⏎ ␤

_LINE_BREAK = r"\r\n|\r|\n"

#: Share of training texts below which whitespace at a text's start (or end) is taken for
#: an artefact of sampling and stripped from generated texts: guided by 5, SmolLM2-135M
#: fine-tuned on tweets or fortunes (none starting with whitespace) opened 13 % and 36 % of
#: its texts with a space (docs/benchmarks.md, GPT section, eleventh pass).
STRIP_BELOW = 0.01


def check_labels(frame: pd.DataFrame) -> None:
    """Refuse label values a line cannot hold: a line break, which would end the line
    early, or an empty string in a column with missing values, which a line writes
    alike (an empty field).

    Raises
    ------
    SchemaError
        Naming the first column (and value) at fault.
    """
    for name in frame.columns:
        values = frame[name].dropna().astype(str)
        bad = values.str.contains("[\n\r]", regex=True)
        if bad.any():
            value = values[bad].iloc[0]
            raise SchemaError(
                f"label column {name!r} holds a line break (value {value!r:.60}); labels are "
                "short categories: replace line breaks (e.g. with a space) before fit")
        if len(values) < len(frame) and values.eq("").any():
            raise SchemaError(
                f"label column {name!r} holds both missing values and empty strings, which "
                "the line format cannot tell apart: make the empty strings missing (or a "
                "word) before fit")


def choose_line_break(texts: pd.Series) -> str | None:
    """The marker of line breaks inside texts: ``None`` when no text holds one, else
    the first of :data:`LINE_BREAK_CANDIDATES` that occurs in no text.

    Raises
    ------
    SchemaError
        If the texts hold line breaks and every candidate.
    """
    values = texts.dropna().astype(str)
    if not values.str.contains("[\n\r]", regex=True).any():
        return None
    joined = "".join(values)
    for marker in LINE_BREAK_CANDIDATES:
        if marker not in joined:
            return marker
    raise SchemaError(f"the texts hold line breaks and every character that could stand for "
                      f"one in a line ({', '.join(LINE_BREAK_CANDIDATES)}); replace line "
                      "breaks (e.g. with a space) before fit")


def escape_line_breaks(texts: pd.Series | str, marker: str | None) -> pd.Series | str:
    """``texts`` (a Series or one text) with every line break (``\\r\\n``, ``\\r`` or
    ``\\n``) written as ``marker`` (unchanged when ``marker`` is ``None``)."""
    if marker is None:
        return texts
    if isinstance(texts, str):
        return re.sub(_LINE_BREAK, marker, texts)
    return texts.str.replace(_LINE_BREAK, marker, regex=True)


def unescape_line_breaks(text: str, marker: str | None) -> str:
    """A generated text with its line-break markers made ``"\\n"`` again."""
    return text if marker is None else text.replace(marker, "\n")


def ends_to_strip(texts: pd.Series) -> tuple[bool, bool]:
    """Whether generated texts are stripped of whitespace at their start and at their end:
    where fewer than :data:`STRIP_BELOW` of the training ``texts`` (strings) have any."""
    return (bool(texts.str.match(r"\s").mean() < STRIP_BELOW),
            bool(texts.str.contains(r"\s\Z").mean() < STRIP_BELOW))


def strip_ends(text: str, ends: tuple[bool, bool]) -> str:
    """``text`` stripped of whitespace at the ends ``ends`` (start, end) names."""
    if ends[0]:
        text = text.lstrip()
    return text.rstrip() if ends[1] else text


def choose_separator(labels: pd.DataFrame, given: str | None) -> str:
    """The separator: ``given``, checked, or the first candidate absent from the labels.

    Only label values must not hold the separator: the text is the last field of
    a line and is split off after the labels (``parse_line``), so it may hold it
    -- a large corpus holds every candidate somewhere in its texts.

    Parameters
    ----------
    labels : pandas.DataFrame
        The label columns (none: any separator will do).
    given : str or None
        A user-chosen separator, or ``None`` to pick the first of
        :data:`SEPARATOR_CANDIDATES` that occurs in no label value.

    Returns
    -------
    str

    Raises
    ------
    SchemaError
        If ``given`` is empty, holds a line break or occurs in a label value
        (naming the column and the value), or every candidate occurs in one.
    """
    if given is not None and (given == "" or "\n" in given or "\r" in given):
        raise SchemaError(f"separator must be a non-empty string without line breaks, "
                          f"got {given!r}")
    return choose_delimiter({name: labels[name].dropna().astype(str).unique()
                             for name in labels.columns}, given, name="separator",
                            candidates=SEPARATOR_CANDIDATES)


def label_strings(values: pd.Series) -> pd.Series:
    """A label column as lines write it: ``str`` of each value, ``""`` where missing.

    Floats are whole numbers here (a column of integers with missing values; other
    floats are not labels) and are written as integers.
    """
    if pd.api.types.is_float_dtype(values):
        values = values.astype("Int64")
    return values.astype(str).where(values.notna(), "")


def line_parts(frame: pd.DataFrame, label_columns: Sequence, text: pd.Series,
               separator: str, line_break: str | None = None) -> tuple[list[str], list[str]]:
    """The two parts of each row's ``label1<sep>…<sep>text`` line: its head (the labels,
    missing ones as empty fields, each followed by ``separator``; ``""`` without labels)
    and its text (``text``'s strings, line breaks written as ``line_break``)."""
    texts = escape_line_breaks(text, line_break).tolist()
    if not len(label_columns):
        return [""] * len(texts), texts
    heads = label_strings(frame[label_columns[0]])
    for c in label_columns[1:]:
        heads = heads.str.cat(label_strings(frame[c]), sep=separator)
    return (heads + separator).tolist(), texts


def encode_lines(frame: pd.DataFrame, label_columns: Sequence, text_column: Any,
                 separator: str, line_break: str | None = None) -> list[str]:
    """One ``label1<sep>…<sep>text`` line per row (without the newline), missing
    labels as empty fields, the text's line breaks written as ``line_break``."""
    heads, texts = line_parts(frame, label_columns, frame[text_column].astype(str),
                              separator, line_break)
    return [h + t for h, t in zip(heads, texts, strict=True)]


def prompt_prefix(labels: Sequence, text_prefix: str | None, separator: str) -> str:
    """The start of a line for one seed row.

    ``labels`` holds the seed's label values in line order, ``None`` where
    free: the prefix runs up to the first free label (the model writes the
    rest), and the text prefix follows only when every label is fixed.
    """
    out = []
    for value in labels:
        if value is None:
            return "".join(out)
        out.append(f"{value}{separator}")
    return "".join(out) + (text_prefix or "")


class _Missing:
    """A label drawn missing for a prompt: written as an empty field, read back as ``None``."""

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return "MISSING"


#: A label value of a seed row that asks for a missing label (see :class:`_Missing`).
MISSING = _Missing()


def parse_line(line: str, labels: Sequence, known: Sequence[Mapping[str, Any]],
               separator: str, line_break: str | None = None) -> tuple[list, str] | None:
    """Split a generated line into label values and text, or ``None`` if malformed.

    A line is malformed when it has too few fields, an empty text, a label
    other than the prompted one, or a free label never seen in training.
    ``labels`` are the seed's values (``None`` where free), returned as they
    are; ``known`` maps each label column's training categories as written
    (:func:`label_categories`) to their values, which free labels read back
    as. The text's ``line_break`` markers become line breaks.
    """
    fields = line.split(separator, len(labels))
    if len(fields) != len(labels) + 1 or not fields[-1].strip():
        return None
    values = []
    for got, want, cats in zip(fields[:-1], labels, known, strict=True):
        if (want is not None and got != str(want)) or (want is None and got not in cats):
            return None
        values.append(None if want is MISSING else want if want is not None else cats[got])
    return values, unescape_line_breaks(fields[-1], line_break)


def seed_labels(seeds: pd.DataFrame, label_columns: Sequence) -> list[list]:
    """Per seed row, its label values in line order (``None`` where free); whole
    floats (a label column of integers with missing values) as integers."""
    cols = [seeds[c].to_numpy(dtype=object) for c in label_columns]
    return [[None if pd.isna(v) else _whole(v) for v in row]
            for row in zip(*cols, strict=True)] if cols else [[] for _ in range(len(seeds))]


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def label_categories(categories: Sequence, missing: bool = False) -> dict[str, Any]:
    """The training categories of a label column as they are written in lines, each
    mapped to its value; with ``missing``, also ``""`` (a missing label) to ``None``."""
    out = {str(_whole(c)): c for c in categories if not (isinstance(c, float) and np.isnan(c))}
    if missing:
        out[""] = None
    return out


__all__ = ["LINE_BREAK_CANDIDATES", "MISSING", "SEPARATOR_CANDIDATES", "check_labels",
           "choose_line_break", "choose_separator", "encode_lines", "ends_to_strip",
           "escape_line_breaks", "label_categories", "label_strings", "line_parts", "parse_line",
           "prompt_prefix", "seed_labels", "strip_ends", "unescape_line_breaks"]
