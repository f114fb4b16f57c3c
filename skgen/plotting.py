"""Figures of real against synthetic data, drawn with matplotlib.

Install the ``plot`` extra (``pip install "skgen[plot]"``) for matplotlib;
``import skgen`` does not import it. Every function draws real and synthetic
data on the same scale (shared bins, categories, colour limits and axis
ranges) so that a difference in the picture is a difference in the data:

- :func:`plot_column`: one column, histograms or bar charts;
- :func:`plot_pair`: two columns, scatter plots, contingency heat maps or box
  plots;
- :func:`plot_association`: the column-pair association matrices of the
  quality report, real, synthetic and their difference;
- :func:`plot_distance_to_closest_record`: how close synthetic and hold-out rows
  come to the training rows;
- :func:`plot_quality_report`: the per-column and per-pair scores of a
  :class:`~skgen.metrics.QualityReport`, worst first (also
  :meth:`QualityReport.plot <skgen.metrics.QualityReport.plot>`).

A function that draws one panel takes ``ax=`` (a matplotlib ``Axes``) and
returns it; one that draws several takes a sequence of that many ``Axes`` and
returns their ``Figure``. Without ``ax``, a new figure is made with
:func:`matplotlib.pyplot.subplots`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

try:
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("skgen.plotting needs matplotlib; install it with "
                      "pip install 'skgen[plot]'") from exc

from skgen.exceptions import SchemaError
from skgen.metrics._metadata import CONTINUOUS, DISCRETE, METRIC_KINDS, resolve_metadata
from skgen.metrics.privacy import _closest_distances, _GowerEncoding, _subsample
from skgen.metrics.quality import _N_BINS, QualityReport, _bin, _cramers_v, _pearson_matrix
from skgen.schema import as_float

#: Colours of the real and the synthetic data in every figure.
REAL_COLOR = "tab:blue"
SYNTHETIC_COLOR = "tab:orange"
HOLDOUT_COLOR = "tab:green"
#: Labels of the categories grouped together and of missing values.
OTHER = "(other)"
MISSING = "(missing)"
_NS_PER_DAY = 86_400e9


# --------------------------------------------------------------------------- one column
def plot_column(real: pd.DataFrame, synthetic: pd.DataFrame, column: Any, *,
                ax: Axes | None = None, bins: int | str | Sequence[float] = 30,
                max_categories: int = 10, metadata: dict | None = None) -> Axes:
    """Draw the distribution of one column, real against synthetic.

    Numerical and datetime columns get two density histograms on the same bin
    edges (computed on the real and synthetic values together); categorical,
    boolean, id and text columns get side-by-side horizontal bars of the
    relative frequency of each category, the most frequent first.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, n_features)
        The real table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        The synthetic table. Not modified.
    column : hashable
        Name of the column to draw; both tables must hold it.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when None.
    bins : int, str or sequence of float, default=30
        Histogram bins, as :func:`numpy.histogram_bin_edges` reads them (a
        number of equal-width bins over the range of both tables, a rule such
        as ``"auto"``, or the edges themselves, in days since 1970-01-01 for a
        datetime column). Ignored for categorical columns.
    max_categories : int, default=10
        At most this many categories get a bar of their own: those most frequent
        in real and synthetic data together; the others share one bar,
        ``"(other)"``. Missing values get a bar ``"(missing)"`` when there are
        any.
    metadata : dict or None, default=None
        Column name -> kind (``"numerical"``, ``"datetime"``,
        ``"categorical"``, ``"boolean"``, ``"id"``, ``"text"``), as in
        :func:`skgen.metrics.quality_report`; inferred from ``real`` by
        :func:`skgen.metrics.infer_metadata` when not given.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on. Its ``containers`` hold the real and then the
        synthetic bars; the legend gives each table's row count and, for a
        numerical column, its share of missing values (which the histogram
        leaves out).

    Raises
    ------
    SchemaError
        If a table lacks ``column`` (the message lists the columns it has), or
        ``metadata`` names an unknown kind.
    ValueError
        If ``max_categories`` is below 1.
    TypeError
        If a table is not a DataFrame or ``ax`` is not an ``Axes``.

    See Also
    --------
    skgen.metrics.column_shapes : the KSComplement / TVComplement score of each column.
    plot_pair : two columns at once.
    """
    _check_columns(real, synthetic, [column])
    _check_positive(max_categories, "max_categories")
    kind = _kinds(real, [column], metadata)[column]
    ax = _one_axes(ax)
    if kind in CONTINUOUS:
        _histograms(ax, real[column], synthetic[column], kind, bins)
        ax.set_ylabel("density")
    else:
        _category_bars(ax, real[column], synthetic[column], max_categories)
        ax.set_xlabel("relative frequency")
    ax.set_title(str(column))
    ax.legend(loc="best", fontsize="small")
    return ax


def _histograms(ax: Axes, real: pd.Series, synthetic: pd.Series, kind: str, bins) -> None:
    values = [_numbers(real, kind), _numbers(synthetic, kind)]
    present = [v[~np.isnan(v)] for v in values]
    if not any(p.size for p in present):
        raise SchemaError(f"column {real.name!r} holds no value in either table")
    edges = np.histogram_bin_edges(np.concatenate(present), bins=bins)
    for name, v, p, color in zip(("real", "synthetic"), values, present,
                                 (REAL_COLOR, SYNTHETIC_COLOR), strict=True):
        label = f"{name} (n={v.size:,}{_missing_note(v)})"
        if p.size:
            ax.hist(p, bins=edges, density=True, color=color, alpha=0.5, label=label)
        else:
            ax.plot([], [], color=color, label=f"{label}: no value")
    if kind == "datetime":
        ax.xaxis_date()


def _category_bars(ax: Axes, real: pd.Series, synthetic: pd.Series,
                   max_categories: int) -> None:
    r, s = _grouped_categories(real, synthetic, max_categories)
    labels = list(r.index)
    y = np.arange(len(labels))
    height = 0.4
    ax.barh(y - height / 2, r.to_numpy(), height=height, color=REAL_COLOR,
            label=f"real (n={len(real):,})")
    ax.barh(y + height / 2, s.to_numpy(), height=height, color=SYNTHETIC_COLOR,
            label=f"synthetic (n={len(synthetic):,})")
    ax.set_yticks(y, [str(c) for c in labels])
    ax.invert_yaxis()  # most frequent at the top


def _grouped_categories(real: pd.Series, synthetic: pd.Series,
                        max_categories: int) -> tuple[pd.Series, pd.Series]:
    """Relative frequencies of the most frequent categories on a shared index.

    Missing values count as ``MISSING``; categories beyond ``max_categories``
    are summed into ``OTHER``. Each returned series sums to 1 (when its table
    has rows).
    """
    r, s = _category_labels(real, synthetic, max_categories)
    order = _order_of(r, s)
    return (r.value_counts(normalize=True).reindex(order, fill_value=0.0),
            s.value_counts(normalize=True).reindex(order, fill_value=0.0))


def _category_labels(real: pd.Series, synthetic: pd.Series,
                     max_categories: int) -> tuple[pd.Series, pd.Series]:
    """Both columns as labels: their top categories kept, the rest ``OTHER``, NaN ``MISSING``."""
    r = real.astype(object).where(real.notna(), MISSING)
    s = synthetic.astype(object).where(synthetic.notna(), MISSING)
    both = (r.value_counts(normalize=True).add(s.value_counts(normalize=True), fill_value=0)
            .sort_values(ascending=False, kind="stable"))
    keep = [c for c in both.index if c != MISSING][:max_categories]
    if len(both) - (MISSING in both.index) > len(keep):
        kept = set(keep) | {MISSING}
        r = r.where(r.isin(kept), OTHER)
        s = s.where(s.isin(kept), OTHER)
    return r, s


def _order_of(r: pd.Series, s: pd.Series) -> list:
    """Labels by joint frequency, ``OTHER`` and ``MISSING`` last."""
    both = (r.value_counts(normalize=True).add(s.value_counts(normalize=True), fill_value=0)
            .sort_values(ascending=False, kind="stable"))
    tail = [c for c in (OTHER, MISSING) if c in both.index]
    return [c for c in both.index if c not in tail] + tail


# --------------------------------------------------------------------------- two columns
def plot_pair(real: pd.DataFrame, synthetic: pd.DataFrame, x: Any, y: Any, *,
              ax: Sequence[Axes] | None = None, max_points: int = 2000,
              max_categories: int = 10, metadata: dict | None = None,
              random_state: Any = 0) -> Figure:
    """Draw how two columns vary together, real and synthetic side by side.

    Two panels on shared scales, real on the left, synthetic on the right:

    - two numerical (or datetime) columns: a scatter plot of at most
      ``max_points`` rows of each table (rows missing either value left out);
    - two categorical columns: a heat map of the contingency table (the share of
      rows holding each pair of categories), on one colour scale;
    - a numerical and a categorical column: a box plot of the numerical values
      per category (whiskers at 1.5 IQR, outliers not drawn).

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, n_features)
        The real table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        The synthetic table. Not modified.
    x, y : hashable
        Names of the two columns (different ones); ``x`` goes on the horizontal
        axis.
    ax : sequence of 2 matplotlib.axes.Axes or None, default=None
        Where to draw real and synthetic; a new figure when None.
    max_points : int, default=2000
        Most rows of each table drawn in a scatter plot, drawn at random
        without replacement.
    max_categories : int, default=10
        Most categories of a categorical column shown on their own; the rest
        share ``"(other)"``, missing values are ``"(missing)"``.
    metadata : dict or None, default=None
        Column name -> kind, as in :func:`plot_column`.
    random_state : int, RandomState instance or None, default=0
        Seeds the choice of the rows drawn in a scatter plot.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the two panels (and a colour bar for a heat map).

    Raises
    ------
    SchemaError
        If a table lacks ``x`` or ``y``, or ``metadata`` names an unknown kind.
    ValueError
        If ``x`` and ``y`` are the same column, ``ax`` is not two ``Axes``, or
        ``max_points`` or ``max_categories`` is below 1.

    See Also
    --------
    skgen.metrics.column_pair_trends : the score of each pair of columns.
    plot_association : every pair at once.
    """
    _check_columns(real, synthetic, [x, y])
    if x == y:
        raise ValueError(f"x and y must be two different columns, got {x!r} twice")
    _check_positive(max_points, "max_points")
    _check_positive(max_categories, "max_categories")
    kinds = _kinds(real, [x, y], metadata)
    fig, axes = _several_axes(ax, 2, figsize=(11, 4.5))
    continuous = [kinds[c] in CONTINUOUS for c in (x, y)]
    frames = (real, synthetic)
    if all(continuous):
        _scatters(axes, frames, x, y, kinds, max_points, check_random_state(random_state))
    elif not any(continuous):
        _heat_maps(fig, axes, frames, x, y, max_categories)
    else:
        _box_plots(axes, frames, x, y, kinds, max_categories)
    for a, name, frame in zip(axes, ("real", "synthetic"), frames, strict=True):
        a.set_title(f"{name} (n={len(frame):,})")
        a.set_xlabel(str(x))
        a.set_ylabel(str(y))
    fig.suptitle(f"{x} and {y}")
    return fig


def _scatters(axes, frames, x, y, kinds, max_points, rng) -> None:
    for a, frame, color in zip(axes, frames, (REAL_COLOR, SYNTHETIC_COLOR), strict=True):
        vx, vy = _numbers(frame[x], kinds[x]), _numbers(frame[y], kinds[y])
        keep = np.flatnonzero(~(np.isnan(vx) | np.isnan(vy)))
        if keep.size > max_points:
            keep = np.sort(rng.choice(keep, size=max_points, replace=False))
        a.scatter(vx[keep], vy[keep], s=6, alpha=0.4, color=color, linewidths=0)
        if kinds[x] == "datetime":
            a.xaxis_date()
        if kinds[y] == "datetime":
            a.yaxis_date()
    _share_limits(axes, "x")
    _share_limits(axes, "y")


def _heat_maps(fig, axes, frames, x, y, max_categories) -> None:
    rx, sx = _category_labels(frames[0][x], frames[1][x], max_categories)
    ry, sy = _category_labels(frames[0][y], frames[1][y], max_categories)
    order_x, order_y = _order_of(rx, sx), _order_of(ry, sy)
    tables = [pd.crosstab(ly, lx, normalize="all").reindex(index=order_y, columns=order_x,
                                                             fill_value=0.0).to_numpy()
              for lx, ly in ((rx, ry), (sx, sy))]
    vmax = max(float(t.max()) for t in tables) or 1.0
    for a, table in zip(axes, tables, strict=True):
        image = a.imshow(table, cmap="viridis", vmin=0.0, vmax=vmax, aspect="auto",
                         interpolation="nearest")
        a.set_xticks(np.arange(len(order_x)), [str(c) for c in order_x], rotation=90)
        a.set_yticks(np.arange(len(order_y)), [str(c) for c in order_y])
    fig.colorbar(image, ax=list(axes), label="share of rows")


def _box_plots(axes, frames, x, y, kinds, max_categories) -> None:
    vertical = kinds[x] not in CONTINUOUS  # categories along x, values along y
    cat, num = (x, y) if vertical else (y, x)
    labels = _category_labels(frames[0][cat], frames[1][cat], max_categories)
    order = _order_of(*labels)
    for a, frame, lab, color in zip(axes, frames, labels, (REAL_COLOR, SYNTHETIC_COLOR),
                                    strict=True):
        values = pd.Series(_numbers(frame[num], kinds[num]), index=lab.index)
        groups = [values[(lab == c).to_numpy()].dropna().to_numpy() for c in order]
        a.boxplot([g if g.size else [np.nan] for g in groups],
                  orientation="vertical" if vertical else "horizontal",
                  tick_labels=[str(c) for c in order], showfliers=False, patch_artist=True,
                  boxprops={"facecolor": color, "alpha": 0.5},
                  medianprops={"color": "black"})
        if vertical:
            a.tick_params(axis="x", labelrotation=90)
        else:
            a.invert_yaxis()  # most frequent category at the top
        if kinds[num] == "datetime":
            (a.yaxis_date if vertical else a.xaxis_date)()
    _share_limits(axes, "y" if vertical else "x")


# --------------------------------------------------------------------------- all pairs
def plot_association(real: pd.DataFrame, synthetic: pd.DataFrame, *,
                     ax: Sequence[Axes] | None = None,
                     metadata: dict | None = None) -> Figure:
    """Draw the column-pair association matrices: real, synthetic and their difference.

    The association of two columns is the one the quality report uses to decide
    which pairs are related (:func:`skgen.metrics.column_pair_trends`):
    Pearson's ``r`` for two numerical/datetime columns (in ``[-1, 1]``),
    Cramér's V of the contingency table for any other pair (in ``[0, 1]``;
    numerical columns cut into 10 equal-width bins, missing values one more
    category). The third panel is synthetic minus real.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, n_features)
        The real table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        The synthetic table; must hold every scored column of ``real``. Not
        modified.
    ax : sequence of 3 matplotlib.axes.Axes or None, default=None
        Where to draw real, synthetic and the difference; a new figure when
        None.
    metadata : dict or None, default=None
        Column name -> kind, as in :func:`skgen.metrics.quality_report`. ``id``
        and ``text`` columns are left out.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the three ``n_scored x n_scored`` matrices (images
        on one colour scale, ``[-1, 1]``) and their colour bar.

    Raises
    ------
    SchemaError
        If a table is empty, ``synthetic`` lacks a scored column, ``metadata``
        names an unknown column or kind, or fewer than two columns are scored.
    ValueError
        If ``ax`` is not three ``Axes``.

    See Also
    --------
    skgen.metrics.column_pair_trends : the per-pair scores built on these associations.

    References
    ----------
    SDMetrics, "Quality Report: What's included?",
    https://docs.sdv.dev/sdmetrics/reports/quality-report/whats-included
    """
    kinds = resolve_metadata(real, metadata, {"synthetic": synthetic})
    cols = [c for c, k in kinds.items() if k in CONTINUOUS + DISCRETE]
    if len(cols) < 2:
        raise SchemaError(f"at least two numerical, datetime, categorical or boolean columns "
                          f"are needed for an association matrix; scored: {cols}")
    fig, axes = _several_axes(ax, 3, figsize=(17, 6.2))
    m_real = _association_matrix(real, kinds)
    m_syn = _association_matrix(synthetic, kinds)
    diff = m_syn - m_real
    # the difference gets its own scale, symmetric around 0, so that small gaps show
    reach = max(float(np.nanmax(np.abs(diff), initial=0.0)), 0.05)
    names = [str(c) for c in cols]
    for i, (a, m, title) in enumerate(zip(axes, (m_real, m_syn, diff),
                                          ("real", "synthetic", "synthetic − real"),
                                          strict=True)):
        limit = reach if i == 2 else 1.0
        image = a.imshow(m, cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        a.set_xticks(np.arange(len(names)), names, rotation=90)
        a.set_yticks(np.arange(len(names)), names if i == 0 else [])
        a.set_title(title)
        if i == 1:
            fig.colorbar(image, ax=list(axes[:2]), shrink=0.7,
                         label="Pearson r (numerical pairs), Cramér's V (other pairs)")
    fig.colorbar(image, ax=axes[2], shrink=0.7, label="difference")
    return fig


def _association_matrix(frame: pd.DataFrame, kinds: dict) -> np.ndarray:
    """Association of every pair of scored columns, as the quality report measures it.

    Parameters
    ----------
    frame : pandas.DataFrame of shape (n_samples, n_features)
        The table (real or synthetic). Not modified.
    kinds : dict
        Column name -> kind for every column of the real table, as
        :func:`skgen.metrics.infer_metadata` returns it; ``id`` and ``text``
        columns are left out.

    Returns
    -------
    matrix : numpy.ndarray of shape (n_scored, n_scored)
        Symmetric, ones on the diagonal: Pearson's ``r`` of two numerical or
        datetime columns, Cramér's V of any other pair (numerical columns cut
        into 10 equal-width bins, missing values one more category); NaN where
        undefined (a constant column).
    """
    cols = [c for c, k in kinds.items() if k in CONTINUOUS + DISCRETE]
    numbers = {c: as_float(frame[c], kinds[c]) for c in cols if kinds[c] in CONTINUOUS}
    corr = _pearson_matrix(numbers)
    codes = {}
    for c in cols:
        if c in numbers:
            codes[c] = (_bin(numbers[c]), _N_BINS + 2)
        else:
            values, uniques = pd.factorize(frame[c].astype(object), use_na_sentinel=False)
            codes[c] = (values, max(len(uniques), 1))
    out = np.eye(len(cols))
    for (i, a), (j, b) in combinations(enumerate(cols), 2):
        if a in numbers and b in numbers:
            value = corr.loc[a, b]
        else:
            (ca, ka), (cb, kb) = codes[a], codes[b]
            value = _cramers_v(ca, cb, ka, kb)
        out[i, j] = out[j, i] = value
    return out


# --------------------------------------------------------------------------- privacy
def plot_distance_to_closest_record(train: pd.DataFrame, synthetic: pd.DataFrame,
                                    holdout: pd.DataFrame | None, *,
                                    ax: Axes | None = None, bins: int = 30,
                                    sample_size: int = 10000, random_state: Any = 0,
                                    metadata: dict | None = None) -> Axes:
    """Draw the distances of synthetic and hold-out rows to their closest training row.

    A synthetic row much closer to a training row than fresh real rows come
    (the hold-out) suggests the model memorised that row. Both distributions
    are drawn as density histograms on the same bins, with their medians as
    dashed lines.

    Parameters
    ----------
    train : pandas.DataFrame of shape (n_train, n_features)
        The training table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        Synthetic rows. Not modified.
    holdout : pandas.DataFrame of shape (n_holdout, n_features) or None
        Real rows the model never saw; None draws the synthetic rows only.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; a new figure when None.
    bins : int, default=30
        Number of equal-width bins between 0 and the largest distance.
    sample_size : int, default=10000
        At most this many rows of each table are used, as in
        :func:`skgen.metrics.distance_to_closest_record`.
    random_state : int, RandomState instance or None, default=0
        Seeds that subsampling.
    metadata : dict or None, default=None
        Column name -> kind, as in
        :func:`skgen.metrics.distance_to_closest_record`.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on; the legend gives each table's median distance and
        share of rows at distance 0 (exact copies on every scored column).

    Raises
    ------
    SchemaError
        If a table is empty, lacks a scored column of ``train``, or ``train``
        has no column to measure.

    See Also
    --------
    skgen.metrics.distance_to_closest_record : the summary figures of these distances.
    skgen.metrics.exact_match_rate : the share of exact copies on every column.

    References
    ----------
    Platzer, M. and Reutterer, T. (2021). "Holdout-Based Empirical Assessment
    of Mixed-Type Synthetic Data." Frontiers in Big Data 4.
    """
    _check_positive(bins, "bins")
    distances = _closest_record_distances(train, synthetic, holdout, sample_size=sample_size,
                                         random_state=random_state, metadata=metadata)
    ax = _one_axes(ax)
    top = max(float(d.max()) for d in distances.values())
    edges = np.linspace(0.0, top if top > 0 else 1.0, bins + 1)
    colors = {"synthetic": SYNTHETIC_COLOR, "holdout": HOLDOUT_COLOR}
    for name, d in distances.items():
        median = float(np.median(d))
        label = (f"{name} (n={d.size:,}): median {median:.3f}, "
                 f"{np.mean(d <= 1e-9):.1%} at 0")
        ax.hist(d, bins=edges, density=True, alpha=0.5, color=colors[name], label=label)
        ax.axvline(median, color=colors[name], linestyle="--", linewidth=1)
    ax.set_xlabel("Gower distance to the closest training row")
    ax.set_ylabel("density")
    ax.set_title("Distance to closest record")
    ax.legend(loc="best", fontsize="small")
    return ax


def _closest_record_distances(train: pd.DataFrame, synthetic: pd.DataFrame,
                             holdout: pd.DataFrame | None = None, *,
                             sample_size: int = 10000, random_state: Any = 0,
                             metadata: dict | None = None) -> dict[str, np.ndarray]:
    """Gower distance of each synthetic (and hold-out) row to its closest training row.

    The per-row distances whose summary
    :func:`skgen.metrics.distance_to_closest_record` returns, with the same
    encoding, subsampling and arguments.

    Parameters
    ----------
    train, synthetic, holdout, sample_size, random_state, metadata
        As in :func:`skgen.metrics.distance_to_closest_record`.

    Returns
    -------
    distances : dict of str to numpy.ndarray
        ``"synthetic"`` (shape ``(min(n_synthetic, sample_size),)``) and, when
        ``holdout`` is given, ``"holdout"``: distances in ``[0, 1]``.

    Raises
    ------
    SchemaError
        If a table is empty, lacks a scored column of ``train``, or ``train``
        has no column to measure.
    """
    others = {"synthetic": synthetic}
    if holdout is not None:
        others["holdout"] = holdout
    if len(train) == 0:
        raise SchemaError("train is empty")
    kinds = resolve_metadata(train, metadata, others)
    cols = [c for c, k in kinds.items() if k in CONTINUOUS + DISCRETE]
    if not cols:
        raise SchemaError("train has no numerical, datetime, categorical or boolean column "
                          "to measure distances on")
    rng = check_random_state(random_state)
    encoder = _GowerEncoding(train, cols, kinds)
    reference = encoder.transform(_subsample(train, sample_size, rng))
    return {name: _closest_distances(encoder.transform(_subsample(frame, sample_size, rng)),
                                     reference, encoder.n_categorical, len(cols))
            for name, frame in others.items()}


# --------------------------------------------------------------------------- quality report
def plot_quality_report(report: QualityReport, *, ax: Sequence[Axes] | None = None,
                        max_columns: int = 30, max_pairs: int = 20) -> Figure:
    """Draw a quality report's scores per column and per pair, worst first.

    Parameters
    ----------
    report : skgen.metrics.QualityReport
        The report, as :func:`skgen.metrics.quality_report` returns it.
    ax : sequence of 2 matplotlib.axes.Axes or None, default=None
        Where to draw the column scores and the pair scores; a new figure when
        None.
    max_columns : int, default=30
        Most columns drawn: the lowest-scoring ones.
    max_pairs : int, default=20
        Most pairs drawn: the lowest-scoring ones among the pairs the report
        scores (those related in the real data).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels of horizontal bars in ``[0, 1]``, the lowest score at the top
        and the property score (the mean) as a dashed line.

    Raises
    ------
    TypeError
        If ``report`` is not a :class:`~skgen.metrics.QualityReport`.
    ValueError
        If ``ax`` is not two ``Axes``, or ``max_columns`` or ``max_pairs`` is
        below 1.

    See Also
    --------
    skgen.metrics.quality_report : computes the report.
    """
    if not isinstance(report, QualityReport):
        raise TypeError(f"report must be a QualityReport, got {type(report).__name__}")
    _check_positive(max_columns, "max_columns")
    _check_positive(max_pairs, "max_pairs")
    fig, axes = _several_axes(ax, 2, figsize=(12, 0.5 + 0.28 * max(
        min(max_columns, len(report.details.get("column_shapes", ()))),
        min(max_pairs, len(report.details.get("column_pair_trends", ()))), 6)))
    shapes = report.details.get("column_shapes", pd.DataFrame(columns=["column", "metric",
                                                                       "score"]))
    pairs = report.details.get("column_pair_trends",
                               pd.DataFrame(columns=["column_1", "column_2", "metric", "score"]))
    shapes = shapes.dropna(subset=["score"]).sort_values("score", kind="stable")
    pairs = pairs.dropna(subset=["score"]).sort_values("score", kind="stable")
    _score_bars(axes[0], [str(c) for c in shapes["column"][:max_columns]],
                shapes["score"][:max_columns], shapes["metric"][:max_columns],
                report.column_shapes, f"Column Shapes: {_pct(report.column_shapes)}",
                "no column scored")
    _score_bars(axes[1], [f"{a} · {b}" for a, b in zip(pairs["column_1"][:max_pairs],
                                                       pairs["column_2"][:max_pairs],
                                                       strict=True)],
                pairs["score"][:max_pairs], pairs["metric"][:max_pairs],
                report.column_pair_trends,
                f"Column Pair Trends: {_pct(report.column_pair_trends)}",
                "no pair is related enough in the real data to be scored")
    fig.suptitle(f"Quality: {_pct(report.overall)} overall")
    return fig


_METRIC_COLORS = {"KSComplement": "tab:blue", "TVComplement": "tab:purple",
                  "CorrelationSimilarity": "tab:blue", "ContingencySimilarity": "tab:purple"}


def _score_bars(ax: Axes, labels: list, scores: pd.Series, metrics: pd.Series, mean: float,
                title: str, empty: str) -> None:
    y = np.arange(len(labels))
    colors = [_METRIC_COLORS.get(m, "tab:gray") for m in metrics]
    bars = ax.barh(y, scores.to_numpy(dtype=float), color=colors)
    ax.bar_label(bars, fmt="%.3f", padding=-34, color="white", fontsize="small")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()  # worst at the top
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("score")
    ax.set_title(title)
    if not labels:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes)
    elif not np.isnan(mean):
        ax.axvline(mean, color="black", linestyle="--", linewidth=1)
    for metric in dict.fromkeys(metrics):
        ax.bar(0, 0, color=_METRIC_COLORS.get(metric, "tab:gray"), label=metric)
    if labels:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2, fontsize="small")


# --------------------------------------------------------------------------- helpers
def _check_columns(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list) -> None:
    for name, frame in (("real", real), ("synthetic", synthetic)):
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
        for column in columns:
            if column not in frame.columns:
                raise SchemaError(f"column {column!r} is not in the {name} table; its columns: "
                                  f"{list(frame.columns)}")


def _check_positive(value: int, name: str) -> None:
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an integer of at least 1, got {value!r}")


def _kinds(real: pd.DataFrame, columns: list, metadata: dict | None) -> dict:
    given = {c: k for c, k in (metadata or {}).items() if c in columns}
    for c, k in given.items():
        if k not in METRIC_KINDS:
            raise SchemaError(f"unknown kind {k!r} for column {c!r}; expected one of "
                              f"{list(METRIC_KINDS)}")
    return resolve_metadata(real[columns], given, {})


def _numbers(s: pd.Series, kind: str) -> np.ndarray:
    """Values as floats for drawing: datetimes in days since 1970 (matplotlib's dates)."""
    v = as_float(s, kind)
    return v / _NS_PER_DAY if kind == "datetime" else v


def _missing_note(v: np.ndarray) -> str:
    share = float(np.isnan(v).mean()) if v.size else 0.0
    return f", {share:.1%} missing" if share > 0 else ""


def _one_axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
        return ax
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    return ax


def _several_axes(ax: Sequence[Axes] | None, n: int,
                  figsize: tuple[float, float]) -> tuple[Figure, list[Axes]]:
    if ax is None:
        fig, axes = plt.subplots(1, n, figsize=figsize, layout="constrained")
        return fig, list(np.ravel(axes))
    axes = list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n or not all(isinstance(a, Axes) for a in axes):
        raise ValueError(f"ax must be a sequence of {n} matplotlib Axes, got {ax!r}")
    return axes[0].figure, axes


def _share_limits(axes: list[Axes], which: str) -> None:
    """Give every panel the union of their ranges on one axis."""
    limits = [getattr(a, f"get_{which}lim")() for a in axes]
    inverted = limits[0][0] > limits[0][1]
    lo = min(min(lim) for lim in limits)
    hi = max(max(lim) for lim in limits)
    for a in axes:
        getattr(a, f"set_{which}lim")((hi, lo) if inverted else (lo, hi))


def _pct(x: float) -> str:
    return "n/a" if x is None or np.isnan(x) else f"{100 * x:.1f} %"


__all__ = ["plot_association", "plot_column", "plot_distance_to_closest_record", "plot_pair",
           "plot_quality_report"]
