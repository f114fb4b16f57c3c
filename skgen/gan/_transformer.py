"""Reversible encoding of a table into the matrix a tabular GAN works on.

Each modelled column becomes a *span* of the matrix:

- **continuous** (numeric, integer, datetime): mode-specific normalisation
  (Xu et al. 2019). A variational Gaussian mixture
  (:class:`sklearn.mixture.BayesianGaussianMixture`, at most ``n_modes``
  modes, modes lighter than ``weight_threshold`` dropped) is fitted on a
  bounded sample of the standardised values; a value becomes a scalar
  ``alpha = (z - mu_k) / (4 sigma_k)`` in ``[-0.99, 0.99]`` followed by the
  one-hot of its mode ``k``, drawn from the mode posterior. A column with
  missing values gets one more "missing" slot in the mode one-hot. A
  heavy-tailed column (sample skewness beyond ``HEAVY_TAIL_SKEW``) is first
  mapped to ``sign(v - c) log(1 + |v - c| / s)`` (``c`` its median, ``s`` the
  median distance from it), so that the bulk of the values is not squeezed
  into one narrow mode by the tail's spread, and the calibration interpolates
  between quantiles on that scale, not linearly across the tail.
- **integer** columns with at most ``MAX_INTEGER_LEVELS`` distinct values
  (codes, counts, ordinal scores): one-hot over the values seen, like a
  category, so that each value keeps its exact point mass and its dependence
  on the categories that determine it (Adult's ``education_num`` is fixed by
  ``education``).
- **discrete** (categorical, boolean) with at most ``binary_encoder_cutoff``
  levels: one-hot, missing as one more level.
- **binary** (categorical above the cutoff): the level's code written in
  ``ceil(log2(n_codes))`` bits, as ACTGAN does, so that a 20,000-level column
  costs 15 numbers per row instead of 20,000.

The fitted state is a list of plain dicts holding numbers, strings and numeric
arrays, so that it can be stored without pickle.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

from skgen.schema import ColumnSchema, as_float, from_float

#: Largest |alpha| a continuous value is encoded with (the generator's tanh range).
ALPHA_CLIP = 0.99
#: Smallest standard deviation of a mode, on the standardised scale.
MIN_MODE_STD = 1e-3
#: Training quantiles kept per continuous column for the marginal calibration.
N_QUANTILES = 1001
#: Probabilities of the per-level quantile tables of the group calibration: every
#: percent, and the tails refined down to 0.01 %. With percents alone the last
#: segment held 1 % of the rows: a lone extreme training value (diamonds' ``y`` of
#: 58.9 mm among 11,000 Premium stones) was spread over 1 % of the generated rows of
#: the level, 15 times the real share beyond 1.1 times the 99th percentile, and
#: broke their correlations (``x ~ y`` 0.46 against 0.92).
GROUP_GRID = np.unique(np.concatenate([
    np.linspace(0.0, 1.0, 101), [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3],
    1.0 - np.array([1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3])]))
#: Packs (group column, level) into one integer key.
_GROUP_KEY = 1 << 32
#: Most cells of the per-level frequency tables of one-hot columns within group
#: levels (levels of group columns x levels of one-hot columns); beyond it the
#: group calibration leaves discrete columns to the marginal offsets.
_GROUP_LEVEL_CELLS = 2_000_000
#: Integer columns with at most this many distinct values are one-hot encoded.
MAX_INTEGER_LEVELS = 20
#: Continuous columns whose sample skewness exceeds this (in absolute value) are
#: modelled on a signed log scale (see the module docstring).
HEAVY_TAIL_SKEW = 3.0


class DataTransformer:
    """Encode table columns as GAN spans and decode generated spans back.

    Build with :meth:`fit` or from a stored state with the constructor.

    Parameters
    ----------
    specs : list of dict
        One dict per modelled column, as :meth:`fit` makes them (see
        :attr:`specs`).

    Attributes
    ----------
    specs : list of dict
        Per column: ``name``, ``kind`` (``"continuous"``, ``"discrete"`` or
        ``"binary"``), ``source`` (the schema kind), ``has_missing`` and

        - continuous: ``origin`` (the exact value numbers are measured from,
          :attr:`skgen.schema.ColumnSchema.origin`; absent means 0), ``loc``,
          ``scale`` (standardisation), ``means``, ``stds``, ``weights`` (the
          kept modes, standardised scale), ``min``, ``max`` and ``step``
          (values are rounded to multiples of it: 1 for integers, the training
          resolution for datetimes, 0 for none), all measured from ``origin``;
          for a heavy-tailed column also ``log_center`` and ``log_scale``
          (``c`` and ``s`` of the signed log scale that ``loc``, ``scale``,
          the modes and the calibration quantiles are then measured on);
        - discrete and binary: ``categories`` (levels, missing excluded) and
          ``level_probs`` (training frequency of every code, missing last);
          binary also ``n_bits``; an integer column encoded by its values
          also ``numeric_levels`` (True: ``categories`` are its values
          measured from ``origin``, and a value between them is coded as the
          nearest).
    output_dim : int
        Width of the encoded matrix.
    slices : list of tuple of int
        ``(start, stop)`` of every column's span.
    alpha_index : ndarray of int
        Matrix positions of the continuous ``alpha`` scalars (tanh outputs).
    bit_index : ndarray of int
        Matrix positions of the binary-encoded bits (sigmoid outputs).
    softmax_spans : list of tuple of int
        ``(start, length)`` of every one-hot span (modes and discrete levels).

    References
    ----------
    Xu, L., Skoularidou, M., Cuesta-Infante, A. and Veeramachaneni, K. (2019).
    Modeling tabular data using conditional GAN. NeurIPS 32.
    Gretel.ai (2022). ACTGAN: binary encoding of high-cardinality columns,
    https://docs.gretel.ai/ (gretel-synthetics, ``binary_encoder_cutoff``).
    """

    def __init__(self, specs: list[dict]) -> None:
        self.specs = specs
        self.slices: list[tuple[int, int]] = []
        alpha, bits, spans = [], [], []
        pos = 0
        for spec in specs:
            width = span_width(spec)
            self.slices.append((pos, pos + width))
            if spec["kind"] == "continuous":
                alpha.append(pos)
                spans.append((pos + 1, width - 1))
            elif spec["kind"] == "discrete":
                spans.append((pos, width))
            else:
                bits.extend(range(pos, pos + width))
            pos += width
        self.output_dim = pos
        self.alpha_index = np.asarray(alpha, dtype=np.int64)
        self.bit_index = np.asarray(bits, dtype=np.int64)
        self.softmax_spans = spans

    # ------------------------------------------------------------------ fit
    @classmethod
    def fit(
        cls,
        X: pd.DataFrame,
        columns: list[ColumnSchema],
        *,
        n_modes: int = 10,
        weight_threshold: float = 0.005,
        binary_encoder_cutoff: int = 500,
        max_rows: int | None = 20_000,
        rng: np.random.Generator,
    ) -> DataTransformer:
        """Learn the encoding of ``columns`` from ``X``.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Training rows holding every column in ``columns``. Not modified.
        columns : list of ColumnSchema
            The columns to encode, of kind numeric, integer, datetime,
            categorical or boolean.
        n_modes : int, default=10
            Largest number of mixture modes per continuous column.
        weight_threshold : float, default=0.005
            Modes whose mixture weight is below this are dropped.
        binary_encoder_cutoff : int, default=500
            Categorical columns with more levels (missing counted) are binary
            encoded instead of one-hot.
        max_rows : int or None, default=20_000
            Largest number of values (drawn at random) each mixture is fitted
            on; ``None`` uses every value.
        rng : numpy.random.Generator
            Source of the subsample and of the mixtures' seeds.

        Returns
        -------
        DataTransformer
        """
        specs = []
        for col in columns:
            s = X[col.name]
            if col.kind == "integer" and _few_values(s):
                specs.append(_fit_integer_levels(s, col))
            elif col.kind in ("numeric", "integer", "datetime"):
                specs.append(_fit_continuous(s, col, n_modes, weight_threshold, max_rows, rng))
            else:
                specs.append(_fit_discrete(s, col, binary_encoder_cutoff))
        return cls(specs)

    # ------------------------------------------------------------ transform
    def codes(self, X: pd.DataFrame) -> list[np.ndarray]:
        """Level codes (missing = ``n_levels``) of every discrete and binary column.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Holds every encoded column.

        Returns
        -------
        list of ndarray of int64 of shape (n_samples,)
            One per spec, in order; ``None`` for continuous columns.
        """
        return [None if spec["kind"] == "continuous" else _level_codes(X[spec["name"]], spec)
                for spec in self.specs]

    def transform(self, X: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        """Encode rows.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Holds every encoded column; missing values are encoded as missing.
        rng : numpy.random.Generator
            Draws each continuous value's mode from its posterior.

        Returns
        -------
        ndarray of float32 of shape (n_samples, output_dim)
            The encoded rows, each column's span at its :attr:`slices` entry.
        """
        n = len(X)
        out = np.zeros((n, self.output_dim), dtype=np.float32)
        rows = np.arange(n)
        for spec, (start, stop) in zip(self.specs, self.slices, strict=True):
            s = X[spec["name"]]
            if spec["kind"] == "continuous":
                z = (_numbers(s, spec) - spec["loc"]) / spec["scale"]
                ok = np.isfinite(z)
                # missing slot; a column with none in training has no such slot (a
                # gap then only occurs in seed rows, where the span is masked out)
                gap = len(spec["means"]) if spec["has_missing"] else 0
                mode = np.full(n, gap, dtype=np.int64)
                alpha = np.zeros(n)
                if ok.any():
                    mode[ok] = _sample_modes(z[ok], spec, rng)
                    mu, sd = spec["means"][mode[ok]], spec["stds"][mode[ok]]
                    alpha[ok] = np.clip((z[ok] - mu) / (4.0 * sd), -ALPHA_CLIP, ALPHA_CLIP)
                out[:, start] = alpha
                out[rows, start + 1 + mode] = 1.0
            elif spec["kind"] == "discrete":
                out[rows, start + _level_codes(s, spec)] = 1.0
            else:
                code = _level_codes(s, spec)
                shifts = np.arange(spec["n_bits"], dtype=np.int64)
                out[:, start:stop] = (code[:, None] >> shifts) & 1
        return out

    def condition_widths(self, columns: list[int]) -> list[int]:
        """Number of condition features of each of ``columns``.

        Parameters
        ----------
        columns : list of int
            Positions of the columns in :attr:`specs`.

        Returns
        -------
        list of int
            How many features :meth:`condition_features` gives each column,
            in the order of ``columns``.
        """
        out = []
        for j in columns:
            spec = self.specs[j]
            if spec["kind"] == "continuous":
                out.append(1 + int(spec["has_missing"]))
            else:
                out.append(span_width(spec))
        return out

    def condition_features(self, X: pd.DataFrame, columns: list[int]) -> np.ndarray:
        """What the conditional vector carries about the values of ``columns``.

        A discrete column gives its one-hot, a binary-encoded one its bits, a
        continuous one its standardised value (clipped to ``[-10, 10]``, 0 when
        missing) followed, when it has missing values, by a missing flag.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Holds every column in ``columns``.
        columns : list of int
            Positions of the columns in :attr:`specs`.

        Returns
        -------
        ndarray of float32 of shape (n_samples, sum(condition_widths(columns)))
            The features of each column in ``columns``, side by side, in order.
        """
        n = len(X)
        widths = self.condition_widths(columns)
        out = np.zeros((n, int(sum(widths))), dtype=np.float32)
        rows = np.arange(n)
        pos = 0
        for j, width in zip(columns, widths, strict=True):
            spec = self.specs[j]
            s = X[spec["name"]]
            if spec["kind"] == "continuous":
                z = (_numbers(s, spec) - spec["loc"]) / spec["scale"]
                missing = ~np.isfinite(z)
                out[:, pos] = np.clip(np.where(missing, 0.0, z), -10.0, 10.0)
                if spec["has_missing"]:
                    out[:, pos + 1] = missing
            elif spec["kind"] == "discrete":
                out[rows, pos + _level_codes(s, spec)] = 1.0
            else:
                shifts = np.arange(spec["n_bits"], dtype=np.int64)
                out[:, pos:pos + width] = (_level_codes(s, spec)[:, None] >> shifts) & 1
            pos += width
        return out

    def calibrate(self, M: np.ndarray) -> None:
        """Learn each continuous column's marginal calibration from generated rows.

        Stores, per continuous column, the quantiles of the values decoded from
        ``M`` (a large unconditional sample of the generator) at the
        probabilities of the training quantiles; :meth:`inverse_transform`
        then maps a generated value ``x`` to ``Q_train(F_generated(x))``. The
        map is monotone, so it changes each column's marginal towards the
        training one (its range, tails and point masses included) and keeps
        the ranks -- the dependence between columns and on conditions -- the
        generator produced.

        Parameters
        ----------
        M : ndarray of shape (n_samples, output_dim)
            Generated scores, as given to :meth:`inverse_transform`.
        """
        for spec, (start, stop) in zip(self.specs, self.slices, strict=True):
            if spec["kind"] != "continuous":
                continue
            x, missing = _decode_continuous(M[:, start:stop], spec)
            x = x[~missing]
            if x.size < 2:
                spec.pop("calibration", None)
                continue
            grid = quantile_grid(len(spec["quantiles"]))
            spec["calibration"] = np.quantile(x, grid)

    def calibrate_levels(self, M: np.ndarray, free: np.ndarray, *, rounds: int = 20) -> None:
        """Learn per-level logit offsets that correct the generator's level frequencies.

        For every one-hot discrete column, finds offsets ``o`` such that the
        levels decoded as ``argmax(scores + o)`` from the cells the generator
        chose freely (not fixed by a condition) have the training frequencies,
        by iterative proportional fitting on ``M``. Adding a constant to a
        level's logit is a prior-shift correction (Saerens et al. 2002): it
        rescales the generator's odds of that level in every row alike, so the
        level's dependence on the other columns is kept.

        Parameters
        ----------
        M : ndarray of shape (n_samples, output_dim)
            Generated scores with Gumbel noise on the discrete spans, as given
            to :meth:`inverse_transform`.
        free : ndarray of bool of shape (n_samples, n_columns)
            True where the cell was generated, not fixed by the conditional vector.
        rounds : int, default=20
            Fitting iterations.
        """
        for j, (spec, (start, stop)) in enumerate(zip(self.specs, self.slices, strict=True)):
            if spec["kind"] != "discrete" or free[:, j].sum() < 100:
                continue
            spec["level_offsets"] = _level_offsets(
                M[free[:, j], start:stop].astype(np.float64),
                np.asarray(spec["level_probs"], dtype=np.float64), rounds)

    def fit_group_quantiles(self, X: pd.DataFrame, group_columns: list[int], *,
                            min_rows: int = 50) -> None:
        """Learn the quantiles of continuous columns within discrete columns' levels.

        Training quantiles of every continuous column, and frequencies of the
        levels of every other one-hot column, within each level of some
        discrete columns, for the group calibration (see
        :meth:`calibrate_groups`).

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            The training rows.
        group_columns : list of int
            Positions (in :attr:`specs`) of discrete columns.
        min_rows : int, default=50
            Levels with fewer non-missing values get no table (NaN).
        """
        grid = GROUP_GRID  # quantiles kept per level
        orders = []
        for g in group_columns:
            code = _level_codes(X[self.specs[g]["name"]], self.specs[g])
            order = np.argsort(code, kind="stable")
            bounds = np.searchsorted(code[order], np.arange(len(self.specs[g]["level_probs"]) + 1))
            orders.append((order, bounds))
        for spec in self.specs:
            if spec["kind"] != "continuous":
                continue
            x = _numbers(X[spec["name"]], spec)
            tables = []
            for order, bounds in orders:
                table = np.full((bounds.size - 1, grid.size), np.nan)
                for level in range(bounds.size - 1):
                    v = x[order[bounds[level]:bounds[level + 1]]]
                    v = v[np.isfinite(v)]
                    if v.size >= min_rows:
                        table[level] = np.quantile(v, grid)
                tables.append(table)
            spec["group_quantiles"] = tables
        widths = [len(spec["level_probs"]) for spec in self.specs if spec["kind"] == "discrete"]
        if sum(widths) * sum(len(self.specs[g]["level_probs"]) for g in group_columns) > (
                _GROUP_LEVEL_CELLS):
            return  # too many levels for a table per pair of columns: marginal offsets only
        for j, spec in enumerate(self.specs):
            if spec["kind"] != "discrete":
                continue
            code = _level_codes(X[spec["name"]], spec)
            width = len(spec["level_probs"])
            tables = []
            for g, (order, bounds) in zip(group_columns, orders, strict=True):
                table = np.full((bounds.size - 1, width), np.nan)
                if g != j:
                    for level in range(bounds.size - 1):
                        v = code[order[bounds[level]:bounds[level + 1]]]
                        if v.size >= min_rows:
                            table[level] = np.bincount(v, minlength=width) / v.size
                tables.append(table)
            spec["group_level_probs"] = tables

    def calibrate_groups(self, M: np.ndarray, groups: np.ndarray) -> None:
        """Learn the group calibration from generated rows conditioned on one level each.

        For a row generated with one discrete level in its conditional vector
        (every unconditional row is), :meth:`inverse_transform` maps each
        continuous value through ``Q_train|level(F_generated|level(x))``, so
        that the column's distribution *within that level* is the training
        one as well; the ranks within the level stay the generator's. The
        generated quantiles of a level come from a few hundred to a thousand
        rows, so that map holds at the level's ``1 / (n + 1)`` and
        ``n / (n + 1)`` training quantiles beyond the generated extremes
        instead of reaching the level's minimum and maximum. Each other one-hot
        column gets logit offsets for that level (as
        :meth:`calibrate_levels` fits them for the whole table), so that its
        levels have their training frequencies within the level.

        Parameters
        ----------
        M : ndarray of shape (n_samples, output_dim)
            Generated scores.
        groups : ndarray of int of shape (n_samples, 2)
            Per row, the group column (position in the list given to
            :meth:`fit_group_quantiles`) and the level it was conditioned on.
        """
        keys = groups[:, 0] * _GROUP_KEY + groups[:, 1]
        uniq, inverse = np.unique(keys, return_inverse=True)
        for spec, (start, stop) in zip(self.specs, self.slices, strict=True):
            if spec["kind"] != "continuous" or "group_quantiles" not in spec:
                continue
            x, missing = _decode_continuous(M[:, start:stop], spec)
            sources = [np.full_like(t, np.nan) for t in spec["group_quantiles"]]
            counts = [np.zeros(len(t)) for t in spec["group_quantiles"]]
            for u, key in enumerate(uniq):
                g, level = divmod(int(key), _GROUP_KEY)
                target = spec["group_quantiles"][g][level]
                v = x[(inverse == u) & ~missing]
                if np.isfinite(target).all() and v.size >= 2:
                    sources[g][level] = np.quantile(v, quantile_grid(target.size))
                    counts[g][level] = v.size
            spec["group_calibration"] = sources
            spec["group_calibration_rows"] = counts
        for spec, (start, stop) in zip(self.specs, self.slices, strict=True):
            if spec["kind"] != "discrete" or "group_level_probs" not in spec:
                continue
            block = M[:, start:stop].astype(np.float64)
            offsets = [np.full_like(t, np.nan) for t in spec["group_level_probs"]]
            for u, key in enumerate(uniq):
                g, level = divmod(int(key), _GROUP_KEY)
                target = spec["group_level_probs"][g][level]
                rows = inverse == u
                if np.isfinite(target).all() and rows.sum() >= 100:
                    offsets[g][level] = _level_offsets(block[rows], target)
            spec["group_level_offsets"] = offsets

    def inverse_transform(self, M: np.ndarray, rng: np.random.Generator, *,
                          calibrate: bool = True, groups: np.ndarray | None = None
                          ) -> pd.DataFrame:
        """Decode an encoded (or generated) matrix into column values.

        One-hot spans are read by their largest entry (add Gumbel noise to
        logits beforehand to *sample* them), bits by ``> 0.5``.

        Parameters
        ----------
        M : ndarray of shape (n_samples, output_dim)
            Encoded rows: ``alpha`` in ``[-1, 1]``, span scores, bits in
            ``[0, 1]``.
        rng : numpy.random.Generator
            Replaces a binary code beyond the known levels by a level drawn
            from the training frequencies.
        calibrate : bool, default=True
            Apply the calibrations learnt by :meth:`calibrate` and
            :meth:`calibrate_levels`, if any.
        groups : ndarray of int of shape (n_samples, 2) or None, default=None
            Per row, the (group column, level) its conditional vector held, or
            ``-1`` for none: such rows get the group calibration learnt by
            :meth:`calibrate_groups` where there is one.

        Returns
        -------
        pandas.DataFrame of shape (n_samples, n_columns)
            Numbers clipped to the training range, decoded by
            :func:`skgen.schema.from_float`: floats as float64, integers as
            exact ``Int64``, datetimes as ``datetime64[ns]`` in UTC; levels as
            objects with NaN for missing.
        """
        out = {}
        for spec, (start, stop) in zip(self.specs, self.slices, strict=True):
            block = M[:, start:stop]
            if spec["kind"] == "continuous":
                x, missing = _decode_continuous(block, spec)
                if calibrate and "calibration" in spec:
                    raw = x
                    x = _quantile_map(raw, spec["calibration"], spec["quantiles"])
                    if groups is not None and "group_calibration" in spec:
                        _group_map(x, raw, groups, spec)
                x = np.clip(_from_model_scale(x, spec), spec["min"], spec["max"])
                if spec["step"] > 0:  # integers; datetimes to their training resolution
                    x = np.round(x / spec["step"]) * spec["step"]
                x[missing] = np.nan
                out[spec["name"]] = from_float(x, spec["source"], spec.get("origin", 0))
                continue
            if spec["kind"] == "discrete":
                if calibrate and "level_offsets" in spec:
                    block = block + spec["level_offsets"]
                    if groups is not None and "group_level_offsets" in spec:
                        block = _group_offsets(block, groups, spec)
                code = np.argmax(block, axis=1)
            else:
                weights = np.left_shift(1, np.arange(spec["n_bits"], dtype=np.int64))
                code = (block > 0.5).astype(np.int64) @ weights
                bad = code >= len(spec["level_probs"])
                if bad.any():
                    code[bad] = rng.choice(len(spec["level_probs"]), size=int(bad.sum()),
                                           p=spec["level_probs"])
            if spec.get("numeric_levels"):
                values = np.append(np.asarray(spec["categories"], dtype=np.float64), np.nan)
                out[spec["name"]] = from_float(values[code], spec["source"],
                                               spec.get("origin", 0))
                continue
            levels = np.empty(len(spec["categories"]) + 1, dtype=object)
            levels[:-1] = spec["categories"]
            levels[-1] = np.nan
            out[spec["name"]] = levels[code]
        return pd.DataFrame(out, columns=[spec["name"] for spec in self.specs])


# ---------------------------------------------------------------------------
def span_width(spec: dict) -> int:
    """Number of matrix entries a column's span takes."""
    if spec["kind"] == "continuous":
        return 1 + len(spec["means"]) + int(spec["has_missing"])
    if spec["kind"] == "discrete":
        return len(spec["categories"]) + int(spec["has_missing"])
    return int(spec["n_bits"])


def _numbers(s: pd.Series, spec: dict) -> np.ndarray:
    """A continuous column's values on the scale its spec is fitted on (measured from
    its origin; on the signed log scale for a heavy-tailed column)."""
    return _to_model_scale(as_float(s, spec["source"], spec.get("origin", 0)), spec)


def _to_model_scale(v: np.ndarray, spec: dict) -> np.ndarray:
    """Numbers on the signed log scale of a heavy-tailed column (identity without one)."""
    if "log_scale" not in spec:
        return v
    d = v - spec["log_center"]
    return np.sign(d) * np.log1p(np.abs(d) / spec["log_scale"])


def _from_model_scale(x: np.ndarray, spec: dict) -> np.ndarray:
    """The inverse of :func:`_to_model_scale`."""
    if "log_scale" not in spec:
        return x
    with np.errstate(over="ignore"):
        return spec["log_center"] + np.sign(x) * spec["log_scale"] * np.expm1(np.abs(x))


def _log_scale(v: np.ndarray) -> tuple[float, float] | None:
    """``(c, s)`` of the signed log scale for a heavy-tailed sample, or None.

    Heavy-tailed: the sample skewness exceeds :data:`HEAVY_TAIL_SKEW` in
    absolute value. ``c`` is the median, ``s`` the median of the non-zero
    distances from it.
    """
    if v.size < 20:
        return None
    sd = v.std()
    if not sd > 0 or abs(float(np.mean((v - v.mean()) ** 3)) / sd**3) <= HEAVY_TAIL_SKEW:
        return None
    center = float(np.median(v))
    dist = np.abs(v - center)
    dist = dist[dist > 0]
    return center, float(np.median(dist))


def _decode_continuous(block: np.ndarray, spec: dict) -> tuple[np.ndarray, np.ndarray]:
    """Values (unclipped, unrounded) and missing mask of a continuous column's span."""
    n_valid = len(spec["means"])
    mode = np.argmax(block[:, 1:], axis=1)
    missing = mode >= n_valid
    k = np.minimum(mode, n_valid - 1)
    alpha = np.clip(block[:, 0].astype(np.float64), -1.0, 1.0)
    z = alpha * 4.0 * spec["stds"][k] + spec["means"][k]
    return z * spec["scale"] + spec["loc"], missing


def _group_rows(groups: np.ndarray):
    """``(group, level, rows)`` for every (group, level) pair some rows of ``groups`` have."""
    rows = np.flatnonzero(groups[:, 0] >= 0)
    keys = groups[rows, 0] * _GROUP_KEY + groups[rows, 1]
    uniq, inverse = np.unique(keys, return_inverse=True)
    for u, key in enumerate(uniq):
        g, level = divmod(int(key), _GROUP_KEY)
        yield g, level, rows[inverse == u]


def _group_map(out: np.ndarray, x: np.ndarray, groups: np.ndarray, spec: dict) -> None:
    """Write the group-calibrated values of the rows that have a group table (in place)."""
    counts = spec.get("group_calibration_rows")  # absent from models saved before it
    for g, level, sel in _group_rows(groups):
        source = spec["group_calibration"][g][level]
        target = spec["group_quantiles"][g][level]
        if np.isfinite(source).all() and np.isfinite(target).all():
            n = None if counts is None else int(counts[g][level])
            out[sel] = _quantile_map(x[sel], source, target, n_source=n)


def _level_offsets(block: np.ndarray, target: np.ndarray, rounds: int = 20) -> np.ndarray:
    """Logit offsets giving ``argmax(block + offsets)`` the level frequencies ``target``
    (iterative proportional fitting; a prior-shift correction, Saerens et al. 2002)."""
    floor = 0.5 / block.shape[0]
    offset = np.zeros(target.size)
    for _ in range(rounds):
        got = np.bincount(np.argmax(block + offset, axis=1),
                          minlength=target.size) / block.shape[0]
        offset = np.clip(offset + np.log(np.maximum(target, floor))
                         - np.log(np.maximum(got, floor)), -10.0, 10.0)
    return offset - offset.mean()


def _group_offsets(block: np.ndarray, groups: np.ndarray, spec: dict) -> np.ndarray:
    """``block`` (with the marginal offsets added) where the rows of a group with its
    own offsets have those instead."""
    if not (groups[:, 0] >= 0).any():
        return block
    block = block.copy()
    for g, level, sel in _group_rows(groups):
        offset = spec["group_level_offsets"][g][level]
        if np.isfinite(offset).all():
            block[sel] += offset - spec["level_offsets"]
    return block


def quantile_grid(n: int) -> np.ndarray:
    """Probabilities of a quantile table of ``n`` entries: :data:`GROUP_GRID` for a
    table of its size, ``n`` evenly spaced ones otherwise (the table-wide quantiles, and
    per-level tables of model files saved before the tails were refined)."""
    return GROUP_GRID if n == GROUP_GRID.size else np.linspace(0.0, 1.0, n)


def _quantile_map(x: np.ndarray, source: np.ndarray, target: np.ndarray, *,
                  n_source: int | None = None) -> np.ndarray:
    """``Q_target(F_source(x))`` for quantile tables on the same probability grid.

    Tied source quantiles (a point mass in the generated values) take the
    mean of their probabilities. ``n_source``, the number of generated values
    the source table was read from, bounds ``F_source`` to ``[1 / (n + 1),
    n / (n + 1)]``: a sample of ``n`` values says nothing of the probabilities
    beyond its extremes (Weibull's plotting position), so a generated value at or
    past the largest of 1,000 maps to the target's 99.9th percentile, not to its
    maximum -- which may be one training outlier.
    """
    grid = quantile_grid(len(source))
    values, inverse = np.unique(source, return_inverse=True)
    if values.size < 2:
        return np.full_like(x, float(np.median(target)))
    probs = np.bincount(inverse, weights=grid) / np.bincount(inverse)
    probs[0], probs[-1] = 0.0, 1.0
    u = np.interp(x, values, probs)
    if n_source:
        u = np.clip(u, 1.0 / (n_source + 1), n_source / (n_source + 1))
    return np.interp(u, grid, target)


def _fit_continuous(s: pd.Series, col: ColumnSchema, n_modes: int, weight_threshold: float,
                    max_rows: int | None, rng: np.random.Generator) -> dict:
    v = as_float(s, col.kind, col.origin)
    raw = v[np.isfinite(v)]
    log = _log_scale(raw) if col.kind != "datetime" else None
    extra = {} if log is None else {"log_center": log[0], "log_scale": log[1]}
    finite = _to_model_scale(raw, extra)
    loc = float(finite.mean())
    scale = float(finite.std())
    scale = scale if scale > 0 else 1.0
    z = (finite - loc) / scale
    if max_rows is not None and z.size > max_rows:
        z = rng.choice(z, size=max_rows, replace=False)
    n_distinct = np.unique(z).size
    if n_distinct < 2:
        means, stds, weights = np.array([float(z[0])]), np.array([MIN_MODE_STD]), np.array([1.0])
    else:
        bgm = BayesianGaussianMixture(
            n_components=min(n_modes, n_distinct),
            weight_concentration_prior_type="dirichlet_process",
            weight_concentration_prior=0.001,
            n_init=1,
            covariance_type="diag",  # one dimension: the same model as "full", cheaper
            random_state=int(rng.integers(0, 2**31 - 1)),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            bgm.fit(z.reshape(-1, 1))
        keep = bgm.weights_ > weight_threshold
        if not keep.any():
            keep = bgm.weights_ == bgm.weights_.max()
        means = bgm.means_.ravel()[keep].astype(np.float64)
        stds = np.maximum(np.sqrt(bgm.covariances_.reshape(-1)[keep]), MIN_MODE_STD)
        weights = bgm.weights_[keep] / bgm.weights_[keep].sum()
        order = np.argsort(means)
        means, stds, weights = means[order], stds[order], weights[order]
    step = float(col.step or 1) if col.kind == "datetime" else float(col.kind == "integer")
    return {
        "name": col.name, "kind": "continuous", "source": col.kind, "step": step,
        "origin": col.origin,
        "has_missing": bool(np.isnan(v).any()), "loc": loc, "scale": scale,
        "means": means, "stds": stds.astype(np.float64), "weights": weights.astype(np.float64),
        "min": float(raw.min()), "max": float(raw.max()),
        "quantiles": np.quantile(finite, quantile_grid(min(N_QUANTILES, max(2, finite.size)))),
        **extra,
    }


def _few_values(s: pd.Series) -> bool:
    """Whether an integer column has at most :data:`MAX_INTEGER_LEVELS` distinct values."""
    return s.dropna().nunique() <= MAX_INTEGER_LEVELS


def _fit_integer_levels(s: pd.Series, col: ColumnSchema) -> dict:
    """One-hot spec of an integer column over the values seen (measured from its origin)."""
    v = as_float(s, col.kind, col.origin)
    levels = np.unique(v[np.isfinite(v)])
    spec = {"name": col.name, "kind": "discrete", "source": col.kind, "origin": col.origin,
            "numeric_levels": True, "categories": [float(x) for x in levels],
            "has_missing": bool(np.isnan(v).any())}
    code = _level_codes(s, spec)
    counts = np.bincount(code, minlength=levels.size + int(spec["has_missing"]))
    spec["level_probs"] = counts.astype(np.float64) / counts.sum()
    return spec


def _fit_discrete(s: pd.Series, col: ColumnSchema, cutoff: int) -> dict:
    categories = list(col.categories or [])
    spec: dict[str, Any] = {"name": col.name, "source": col.kind, "categories": categories}
    code = pd.Categorical(s, categories=categories).codes.astype(np.int64)
    has_missing = bool((code < 0).any())
    spec["has_missing"] = has_missing
    n_codes = len(categories) + int(has_missing)
    code = np.where(code < 0, len(categories), code)
    counts = np.bincount(code, minlength=n_codes).astype(np.float64)
    spec["level_probs"] = counts / counts.sum()
    if n_codes > cutoff:
        spec["kind"] = "binary"
        spec["n_bits"] = max(1, math.ceil(math.log2(n_codes)))
    else:
        spec["kind"] = "discrete"
    return spec


def _level_codes(s: pd.Series, spec: dict) -> np.ndarray:
    """Codes of a discrete column: category position, missing (or unknown) -> n_levels.

    A column encoded by its integer values codes a number as its nearest value.
    """
    n_levels = len(spec["categories"])
    if spec.get("numeric_levels"):
        v = as_float(s, spec["source"], spec.get("origin", 0))
        levels = np.asarray(spec["categories"], dtype=np.float64)
        if n_levels == 1:
            nearest = np.zeros(v.size, dtype=np.int64)
        else:
            right = np.clip(np.searchsorted(levels, v), 1, n_levels - 1)
            nearest = np.where(v - levels[right - 1] <= levels[right] - v, right - 1, right)
        code = np.where(np.isfinite(v), nearest, -1).astype(np.int64)
    else:
        code = pd.Categorical(s, categories=spec["categories"]).codes.astype(np.int64)
    if spec["has_missing"]:
        return np.where(code < 0, n_levels, code)
    # a column with no missing value in training has no missing slot: use the top level
    return np.where(code < 0, 0, code)


def _sample_modes(z: np.ndarray, spec: dict, rng: np.random.Generator) -> np.ndarray:
    """Draw each value's mode from its posterior under the fitted mixture (Gumbel-max)."""
    means, stds, weights = spec["means"], spec["stds"], spec["weights"]
    if means.size == 1:
        return np.zeros(z.size, dtype=np.int64)
    out = np.empty(z.size, dtype=np.int64)
    block = 262_144
    for i in range(0, z.size, block):
        zz = z[i:i + block, None]
        logp = np.log(weights) - np.log(stds) - 0.5 * ((zz - means) / stds) ** 2
        out[i:i + block] = np.argmax(logp - np.log(-np.log(rng.random(logp.shape))), axis=1)
    return out


__all__ = ["ALPHA_CLIP", "DataTransformer", "span_width"]
