"""Tokenizers for the LSTM: SentencePiece subwords or single characters.

Both map text to integer ids with three reserved meanings:

* ``newline_id`` ends a line (and starts the next one: every training line is
  ``newline, tokens..., newline``, as in a stream of lines);
* ``delimiter_id`` is the field delimiter, always one token of its own, so a
  token never spans two fields;
* ``unk_id`` stands for a character the tokenizer never saw (possible only in
  a seed value given at sampling time).

Values are tokenized *field by field* and joined with ``delimiter_id``, both in
training and in the prompts of smart seeding, so a prompt tokenizes exactly as
the start of a training line does.

The SentencePiece model is trained on the training lines with the delimiter
as a user-defined symbol (Kudo & Richardson 2018), byte-pair encoding, identity
normalisation and no whitespace rewriting, so decoding gives back the exact
characters. Its serialized model is kept as bytes (a ``uint8`` array in the
fitted state), so nothing is written to disk.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

#: Highest vocabulary a SentencePiece model may reach before it is capped;
#: SentencePiece treats ``vocab_size`` as a soft limit here.
_SP_MIN_VOCAB = 8
#: Largest serialized SentencePiece model accepted (from a model file, say): a
#: model of vocabulary 1,000,000 takes about 20 MB.
MAX_SENTENCEPIECE_BYTES = 64 * 1024 * 1024


class CharTokenizer:
    """One token per character, learned from the training values.

    Parameters
    ----------
    chars : list of str
        The characters, in id order after the reserved ids.
    delimiter : str or None
        The field delimiter (one reserved id), or ``None`` for one-field lines.

    Attributes
    ----------
    vocab_size : int
        ``len(chars) + 3``.
    """

    newline_id = 0
    delimiter_id = 1
    unk_id = 2
    kind = "char"

    def __init__(self, chars: list[str], delimiter: str | None) -> None:
        self.chars = list(chars)
        self.delimiter = delimiter
        self._codepoints = np.array([ord(c) for c in self.chars], dtype=np.int64)
        self._order = np.argsort(self._codepoints)
        self._sorted = self._codepoints[self._order]
        table = ["\n", delimiter or "", "\ufffd", *self.chars]
        self._table = np.array(table, dtype=object)

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + 3

    @classmethod
    def fit(cls, values: Sequence[str], delimiter: str | None) -> CharTokenizer:
        """Learn the character set of the encoded training values.

        Parameters
        ----------
        values : sequence of str
            Every distinct encoded value of every field of the lines.
        delimiter : str or None
            The field delimiter.

        Returns
        -------
        CharTokenizer
        """
        joined = "".join(values)
        cps = np.unique(_codepoints(joined)) if joined else np.array([], dtype=np.int64)
        return cls([chr(int(c)) for c in cps], delimiter)

    def encode(self, values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of each value (no delimiter, no newline).

        Parameters
        ----------
        values : sequence of str of shape (n_values,)

        Returns
        -------
        flat : ndarray of shape (total_tokens,), dtype int64
            The ids of all values, one after the other.
        lengths : ndarray of shape (n_values,), dtype int64
            Tokens per value.
        """
        lengths = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
        joined = "".join(values)
        if not joined:
            return np.zeros(0, dtype=np.int64), lengths
        cps = _codepoints(joined)
        pos = np.searchsorted(self._sorted, cps)
        pos = np.minimum(pos, max(len(self._sorted) - 1, 0))
        found = (len(self._sorted) > 0) & (self._sorted[pos] == cps) if len(self._sorted) else \
            np.zeros(len(cps), dtype=bool)
        ids = np.where(found, self._order[pos] + 3, self.unk_id)
        return ids.astype(np.int64), lengths

    def decode_lines(self, flat: np.ndarray, lengths: np.ndarray) -> list[str]:
        """Text of token sequences (delimiters written as the delimiter).

        Parameters
        ----------
        flat : ndarray of shape (total_tokens,)
            The ids of all sequences, one after the other; newlines dropped.
        lengths : ndarray of shape (n_lines,)
            Tokens per sequence.

        Returns
        -------
        list of str
        """
        pieces = self._table[flat]
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        return ["".join(pieces[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def to_state(self) -> dict:
        """JSON-able description (for the fitted state)."""
        return {"kind": "char", "chars": list(self.chars), "delimiter": self.delimiter}


class SentencePieceTokenizer:
    """Subword tokens learned by SentencePiece (byte-pair encoding).

    Parameters
    ----------
    model_proto : bytes
        A serialized SentencePiece model trained by :meth:`fit`.
    delimiter : str or None
        The field delimiter (a user-defined symbol of the model).

    Attributes
    ----------
    vocab_size : int
        Number of pieces.
    """

    kind = "sentencepiece"
    unk_id = 0
    newline_id = 1

    def __init__(self, model_proto: bytes, delimiter: str | None) -> None:
        import sentencepiece as spm

        self.model_proto = bytes(model_proto)
        self.delimiter = delimiter
        if not 0 < len(self.model_proto) <= MAX_SENTENCEPIECE_BYTES:
            raise ValueError(f"a SentencePiece model of {len(self.model_proto):,} bytes; "
                             f"expected 1 to {MAX_SENTENCEPIECE_BYTES:,}")
        try:
            self._sp = spm.SentencePieceProcessor(model_proto=self.model_proto)
        except RuntimeError:
            raise ValueError("the tokenizer bytes are not a SentencePiece model") from None
        if self._sp.get_piece_size() < 2 or (
                delimiter is not None and self._sp.piece_to_id(delimiter) == self.unk_id):
            raise ValueError("the SentencePiece model lacks the pieces skgen's LSTM uses "
                             "(unknown, newline and the field delimiter)")
        self.delimiter_id = (self._sp.piece_to_id(delimiter) if delimiter is not None
                             else self.newline_id)

    @property
    def vocab_size(self) -> int:
        return int(self._sp.get_piece_size())

    @classmethod
    def fit(cls, lines: Sequence[str], values: Sequence[str], delimiter: str | None,
            vocab_size: int, rng: np.random.Generator, max_sentences: int = 1_000_000
            ) -> SentencePieceTokenizer:
        """Train a SentencePiece model on the training lines.

        Parameters
        ----------
        lines : sequence of str
            The training lines (fields joined by ``delimiter``).
        values : sequence of str
            Every distinct encoded value (makes sure each character is covered).
        delimiter : str or None
            Field delimiter, made a user-defined symbol.
        vocab_size : int
            Target vocabulary size (a soft limit: small data gives fewer pieces).
        rng : numpy.random.Generator
            Picks the lines used when there are more than ``max_sentences``.
        max_sentences : int, default=1_000_000
            Most lines SentencePiece is trained on.

        Returns
        -------
        SentencePieceTokenizer
        """
        import sentencepiece as spm

        lines = list(lines)
        if len(lines) > max_sentences:
            keep = np.sort(rng.choice(len(lines), size=max_sentences, replace=False))
            lines = [lines[i] for i in keep]
        # every distinct value once more, so rare characters are covered too
        corpus = [ln for ln in lines if ln] + [v for v in values if v]
        if not corpus:
            corpus = [" "]
        user_symbols = [delimiter] if delimiter is not None else []
        n_chars = len(set("".join(corpus)) - set(user_symbols))
        size = max(int(vocab_size), n_chars + len(user_symbols) + 2, _SP_MIN_VOCAB)
        writer = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(corpus), model_writer=writer, vocab_size=size,
            hard_vocab_limit=False, model_type="bpe", character_coverage=1.0,
            user_defined_symbols=user_symbols, normalization_rule_name="identity",
            remove_extra_whitespaces=False, add_dummy_prefix=False,
            unk_id=0, eos_id=1, bos_id=-1, pad_id=-1, num_threads=1, minloglevel=2,
            max_sentence_length=1 << 20, shuffle_input_sentence=False,
            split_digits=False, byte_fallback=False)
        return cls(writer.getvalue(), delimiter)

    def encode(self, values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of each value (no delimiter, no newline); see :meth:`CharTokenizer.encode`."""
        ids = self._sp.encode(list(values))
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        flat = np.fromiter((t for x in ids for t in x), dtype=np.int64, count=int(lengths.sum()))
        return flat, lengths

    def decode_lines(self, flat: np.ndarray, lengths: np.ndarray) -> list[str]:
        """Text of token sequences; see :meth:`CharTokenizer.decode_lines`."""
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        flat_list = flat.tolist()
        seqs = [flat_list[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        return list(self._sp.decode(seqs)) if seqs else []

    def to_state(self) -> dict:
        """JSON-able description with the model as a ``uint8`` array."""
        return {"kind": "sentencepiece",
                "model": np.frombuffer(self.model_proto, dtype=np.uint8).copy(),
                "delimiter": self.delimiter}


def tokenizer_from_state(state: dict) -> Any:
    """Rebuild a tokenizer from :meth:`to_state` output."""
    if state["kind"] == "char":
        return CharTokenizer(state["chars"], state["delimiter"])
    model = state["model"]
    if state["kind"] != "sentencepiece" or not (isinstance(model, np.ndarray)
                                                and model.dtype == np.uint8 and model.ndim == 1):
        raise ValueError(f"unknown tokenizer state of kind {state['kind']!r}")
    return SentencePieceTokenizer(model.tobytes(), state["delimiter"])


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


__all__ = ["CharTokenizer", "SentencePieceTokenizer", "tokenizer_from_state"]


# ----------------------------------------------------------------- lines of tokens
class TokenTable:
    """Token ids of a column's distinct encoded values, ragged.

    Parameters
    ----------
    tokenizer : CharTokenizer or SentencePieceTokenizer
        Tokenizer to encode with.
    values : sequence of str of shape (n_values,)
        Distinct encoded values.
    """

    def __init__(self, tokenizer: Any, values: Sequence[str]) -> None:
        self.flat, self.lengths = tokenizer.encode(list(values))
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64) \
            if len(self.lengths) else np.zeros(0, dtype=np.int64)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + l)`` for every pair, vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    seg_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    within = np.arange(total, dtype=np.int64) - np.repeat(seg_start, lengths)
    return np.repeat(starts.astype(np.int64), lengths) + within


def assemble_lines(codes: np.ndarray, tables: list[TokenTable], *, n_used: np.ndarray | None,
                   start_id: int, sep_id: int, last_sep_id: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Token sequences of lines, built from per-column token tables without row loops.

    Row ``r`` becomes ``start_id, tokens(field 0), sep, tokens(field 1), sep, ...``
    over its first ``n_used[r]`` fields, the last one followed by
    ``last_sep_id`` instead of ``sep_id``.

    Parameters
    ----------
    codes : ndarray of shape (n_rows, n_fields), int
        Per field, the index of the value in that field's table; ``-1`` for an
        empty (missing) field.
    tables : list of TokenTable of length n_fields
        Token ids of each field's distinct values.
    n_used : ndarray of shape (n_rows,) or None
        Fields used per row (``None``: all).
    start_id, sep_id, last_sep_id : int
        Ids of the line start, the field separator and the separator after
        the last used field.

    Returns
    -------
    flat : ndarray of shape (total_tokens,), int64
    lengths : ndarray of shape (n_rows,), int64
    """
    n, n_fields = codes.shape
    if n_used is None:
        n_used = np.full(n, n_fields, dtype=np.int64)
    used = np.arange(n_fields)[None, :] < n_used[:, None]
    seg = np.zeros((n, n_fields), dtype=np.int64)
    for f, table in enumerate(tables):
        has = used[:, f] & (codes[:, f] >= 0)
        seg[has, f] = table.lengths[codes[has, f]]
    width = np.where(used, seg + 1, 0)
    lengths = 1 + width.sum(axis=1)
    row_start = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    field_start = row_start[:, None] + 1 + np.cumsum(width, axis=1) - width
    out = np.empty(int(lengths.sum()), dtype=np.int64)
    out[row_start] = start_id
    for f, table in enumerate(tables):
        has = used[:, f] & (seg[:, f] > 0)
        if has.any():
            src = _ranges(table.offsets[codes[has, f]], seg[has, f])
            dst = _ranges(field_start[has, f], seg[has, f])
            out[dst] = table.flat[src]
        sep_rows = used[:, f]
        last = n_used[sep_rows] == f + 1
        out[field_start[sep_rows, f] + seg[sep_rows, f]] = np.where(last, last_sep_id, sep_id)
    return out, lengths.astype(np.int64)


def field_segments(codes: np.ndarray, tables: list[TokenTable], mask: np.ndarray, *,
                   sep_id: int, last_sep_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Padded token segments (value + separator) of selected fields.

    Parameters
    ----------
    codes : ndarray of shape (n_rows, n_fields), int
        As in :func:`assemble_lines`.
    tables : list of TokenTable
        As in :func:`assemble_lines`.
    mask : ndarray of shape (n_rows, n_fields), bool
        Which fields get a segment.
    sep_id, last_sep_id : int
        Separator after a field; after the last field of the line.

    Returns
    -------
    tokens : ndarray of shape (n_rows, n_fields, width), int64
        Segment ids, padded with ``sep_id``.
    lengths : ndarray of shape (n_rows, n_fields), int64
        Segment lengths (0 where ``mask`` is False).
    """
    n, n_fields = codes.shape
    seg = np.zeros((n, n_fields), dtype=np.int64)
    for f, table in enumerate(tables):
        has = mask[:, f] & (codes[:, f] >= 0)
        seg[has, f] = table.lengths[codes[has, f]]
    lengths = np.where(mask, seg + 1, 0)
    width = max(int(lengths.max()) if lengths.size else 1, 1)
    tokens = np.full((n, n_fields, width), sep_id, dtype=np.int64)
    for f, table in enumerate(tables):
        has = mask[:, f] & (seg[:, f] > 0)
        if has.any():
            rows = np.flatnonzero(has)
            src = _ranges(table.offsets[codes[has, f]], seg[has, f])
            r_idx = np.repeat(rows, seg[has, f])
            c_idx = _ranges(np.zeros(len(rows), dtype=np.int64), seg[has, f])
            tokens[r_idx, f, c_idx] = table.flat[src]
        rows = np.flatnonzero(mask[:, f])
        tokens[rows, f, seg[rows, f]] = last_sep_id if f == n_fields - 1 else sep_id
    return tokens, lengths


__all__ += ["TokenTable", "assemble_lines", "field_segments"]
