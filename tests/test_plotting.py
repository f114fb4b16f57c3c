"""skgen.plotting: real against synthetic figures, drawn on shared scales (Agg backend)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from skgen import AmplifySampler  # noqa: E402
from skgen.exceptions import SchemaError  # noqa: E402
from skgen.metrics import column_pair_trends, quality_report  # noqa: E402
from skgen.plotting import (  # noqa: E402
    plot_association,
    plot_column,
    plot_distance_to_closest_record,
    plot_pair,
    plot_quality_report,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def real(adult) -> pd.DataFrame:
    return adult.iloc[:2000].reset_index(drop=True)


@pytest.fixture(scope="module")
def holdout(adult) -> pd.DataFrame:
    return adult.iloc[2000:].reset_index(drop=True)


@pytest.fixture(scope="module")
def synthetic(real) -> pd.DataFrame:
    return AmplifySampler(random_state=0).fit(real).sample(1500)


def _bin_edges(container) -> np.ndarray:
    return np.array([p.get_x() for p in container] + [container[-1].get_x()
                                                      + container[-1].get_width()])


def test_import_skgen_does_not_import_matplotlib():
    code = ("import sys, skgen, skgen.metrics; "
            "sys.exit(1 if 'matplotlib' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --------------------------------------------------------------------------- plot_column
def test_numeric_column_histograms_share_their_bins_and_are_densities(real, synthetic):
    # synthetic shifted out of the real range: the bins must cover both tables
    shifted = synthetic.assign(age=synthetic["age"] + 40)
    ax = plot_column(real, shifted, "age", bins=25)
    assert len(ax.containers) == 2
    edges = [_bin_edges(c) for c in ax.containers]
    assert len(edges[0]) == 26
    np.testing.assert_allclose(edges[0], edges[1])
    assert edges[0][0] == real["age"].min() and edges[0][-1] == shifted["age"].max()
    for container in ax.containers:
        area = sum(p.get_height() * p.get_width() for p in container)
        assert area == pytest.approx(1.0)
    assert ax.get_title() == "age"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["real (n=2,000)", "synthetic (n=1,500)"]


def test_numeric_column_legend_reports_missing_values(real, synthetic):
    gappy = synthetic.assign(age=synthetic["age"].where(synthetic.index % 4 != 0))
    ax = plot_column(real, gappy, "age")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[1] == "synthetic (n=1,500, 25.0% missing)"
    assert sum(p.get_height() * p.get_width() for p in ax.containers[1]) == pytest.approx(1.0)


def test_categorical_column_bars_are_relative_frequencies(real, synthetic):
    ax = plot_column(real, synthetic, "occupation", max_categories=4)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # 4 categories, then everything else, then the missing values
    assert len(labels) == 6 and labels[4:] == ["(other)", "(missing)"]
    real_bars, syn_bars = ax.containers
    assert len(real_bars) == len(syn_bars) == 6
    for bars in (real_bars, syn_bars):
        assert sum(p.get_width() for p in bars) == pytest.approx(1.0)
    freq = real["occupation"].value_counts(normalize=True, dropna=False)
    for label, bar in zip(labels[:4], real_bars, strict=False):
        assert bar.get_width() == pytest.approx(freq[label])
    assert real_bars[5].get_width() == pytest.approx(real["occupation"].isna().mean())


def test_categorical_column_without_grouping_lists_every_category(real, synthetic):
    ax = plot_column(real, synthetic, "race")
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert labels == set(real["race"].unique()) | set(synthetic["race"].unique())


def test_datetime_column_is_drawn_on_a_date_axis(real):
    birth = pd.Timestamp("2020-01-01") - pd.to_timedelta(real["age"] * 365, unit="D")
    r = pd.DataFrame({"born": birth})
    s = pd.DataFrame({"born": birth.iloc[::-1].reset_index(drop=True) + pd.Timedelta(days=30)})
    ax = plot_column(r, s, "born", bins=10)
    edges = [_bin_edges(c) for c in ax.containers]
    np.testing.assert_allclose(edges[0], edges[1])
    assert mdates.num2date(edges[0][0]).date() == birth.min().date()
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.AutoDateFormatter)


def test_column_draws_on_the_given_axes(real, synthetic):
    _, ax = plt.subplots()
    assert plot_column(real, synthetic, "sex", ax=ax) is ax


@pytest.mark.parametrize("table", ["real", "synthetic"])
def test_unknown_column_is_named(real, synthetic, table):
    frames = {"real": real, "synthetic": synthetic}
    frames[table] = frames[table].drop(columns="age")
    with pytest.raises(SchemaError, match=f"column 'age' is not in the {table} table"):
        plot_column(frames["real"], frames["synthetic"], "age")
    with pytest.raises(SchemaError, match="'age'"):
        plot_pair(frames["real"], frames["synthetic"], "sex", "age")


def test_bad_arguments_are_refused(real, synthetic):
    with pytest.raises(ValueError, match="two different columns"):
        plot_pair(real, synthetic, "age", "age")
    with pytest.raises(ValueError, match="max_categories"):
        plot_column(real, synthetic, "race", max_categories=0)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot_column(real, synthetic, "race", ax="left")
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="sequence of 2 matplotlib Axes"):
        plot_pair(real, synthetic, "age", "sex", ax=axes)


# --------------------------------------------------------------------------- plot_pair
def test_numeric_pair_scatters_subsample_on_shared_limits(real, synthetic):
    fig = plot_pair(real, synthetic, "age", "hours_per_week", max_points=500)
    left, right = fig.axes
    assert [a.get_title() for a in (left, right)] == ["real (n=2,000)", "synthetic (n=1,500)"]
    assert left.get_xlabel() == right.get_xlabel() == "age"
    assert left.get_ylabel() == "hours_per_week"
    for a in (left, right):
        (points,) = a.collections
        assert len(points.get_offsets()) == 500
    assert left.get_xlim() == right.get_xlim() and left.get_ylim() == right.get_ylim()
    lo, hi = left.get_xlim()
    assert lo <= min(real["age"].min(), synthetic["age"].min())
    assert hi >= max(real["age"].max(), synthetic["age"].max())


def test_categorical_pair_heat_maps_are_contingency_tables(real, synthetic):
    fig = plot_pair(real, synthetic, "education", "income", max_categories=5)
    left, right = fig.axes[:2]
    tables = [a.images[0].get_array() for a in (left, right)]
    assert tables[0].shape == tables[1].shape == (2, 6)  # income x (5 + other)
    for t in tables:
        assert float(t.sum()) == pytest.approx(1.0)
    assert left.images[0].get_clim() == right.images[0].get_clim()
    xlabels = [t.get_text() for t in left.get_xticklabels()]
    ylabels = [t.get_text() for t in left.get_yticklabels()]
    assert xlabels[-1] == "(other)" and set(ylabels) == {"<=50K", ">50K"}
    share = ((real["education"] == xlabels[0]) & (real["income"] == ylabels[0])).mean()
    assert tables[0][0, 0] == pytest.approx(share)
    assert len(fig.axes) == 3  # and one colour bar


@pytest.mark.parametrize(("x", "y", "vertical"), [("income", "age", True),
                                                  ("age", "race", False)])
def test_mixed_pair_box_plots_one_box_per_category(real, synthetic, x, y, vertical):
    fig = plot_pair(real, synthetic, x, y)
    left, right = fig.axes
    category = x if vertical else y
    n = real[category].nunique()
    ticks = left.get_xticklabels() if vertical else left.get_yticklabels()
    assert {t.get_text() for t in ticks} == set(real[category].unique())
    for a in (left, right):
        assert len(a.patches) == n  # one box per category
    values = "get_ylim" if vertical else "get_xlim"
    assert getattr(left, values)() == getattr(right, values)()


def test_pair_draws_on_the_given_axes(real, synthetic):
    fig, axes = plt.subplots(2, 1)
    assert plot_pair(real, synthetic, "sex", "race", ax=axes) is fig


# --------------------------------------------------------------------------- plot_association
def test_association_matrices_are_the_quality_reports(real, synthetic):
    fig = plot_association(real, synthetic)
    images = [a.images[0].get_array() for a in fig.axes[:3]]
    k = real.shape[1]
    for m in images[:2]:
        assert m.shape == (k, k)
        np.testing.assert_allclose(np.diag(m), 1.0)
        np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(images[2], images[1] - images[0])
    assert [a.get_title() for a in fig.axes[:3]] == ["real", "synthetic", "synthetic − real"]
    # the same associations column_pair_trends uses to pick the pairs it scores
    trends = column_pair_trends(real, synthetic).set_index(["column_1", "column_2"])
    cols = list(real.columns)
    for a, b in [("age", "hours_per_week"), ("education", "income"), ("age", "income")]:
        row = trends.loc[(a, b)]
        expected = row["real_correlation"] if row["metric"] == "CorrelationSimilarity" \
            else row["real_association"]
        assert images[0][cols.index(a), cols.index(b)] == pytest.approx(expected)
    swapped = column_pair_trends(synthetic, real, metadata=dict.fromkeys(
        ["workclass", "education"], "categorical")).set_index(["column_1", "column_2"])
    assert images[1][cols.index("workclass"), cols.index("education")] == pytest.approx(
        swapped.loc[("workclass", "education"), "real_association"])


def test_association_accepts_three_axes_and_refuses_fewer_columns(real, synthetic):
    fig, axes = plt.subplots(3, 1)
    assert plot_association(real[["age", "sex"]], synthetic, ax=axes) is fig
    with pytest.raises(SchemaError, match="at least two"):
        plot_association(real[["age"]], synthetic)


# --------------------------------------------------------------------------- DCR
def test_dcr_histograms_share_bins_and_show_copies(real, synthetic, holdout):
    ax = plot_distance_to_closest_record(real, synthetic, holdout, bins=20)
    assert len(ax.containers) == 2
    e_syn, e_hold = (_bin_edges(c) for c in ax.containers)
    np.testing.assert_allclose(e_syn, e_hold)
    assert e_syn[0] == pytest.approx(0.0) and len(e_syn) == 21
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0].startswith("synthetic (n=1,500)") and legend[1].startswith(
        "holdout (n=1,000)")
    # copies of training rows sit at distance 0
    copies = real.sample(300, random_state=1)
    ax = plot_distance_to_closest_record(real, copies, None)
    (bars,) = ax.containers
    assert bars[0].get_height() * bars[0].get_width() == pytest.approx(1.0)
    assert "100.0% at 0" in ax.get_legend().get_texts()[0].get_text()


# --------------------------------------------------------------------------- quality report
def test_quality_report_plot_lists_scores_worst_first(real, synthetic):
    report = quality_report(real, synthetic)
    fig = report.plot()
    columns_ax, pairs_ax = fig.axes
    shapes = report.details["column_shapes"].sort_values("score", kind="stable")
    widths = [p.get_width() for p in columns_ax.containers[0]]
    np.testing.assert_allclose(widths, shapes["score"])
    assert [t.get_text() for t in columns_ax.get_yticklabels()] == list(shapes["column"])
    assert columns_ax.yaxis_inverted()  # the worst at the top
    scored = report.details["column_pair_trends"].dropna(subset=["score"])
    pair_widths = [p.get_width() for p in pairs_ax.containers[0]]
    assert len(pair_widths) == min(len(scored), 20) and pair_widths == sorted(pair_widths)
    assert f"{100 * report.column_shapes:.1f} %" in columns_ax.get_title()


def test_quality_report_plot_caps_the_pairs_and_takes_axes(real, synthetic):
    report = quality_report(real, synthetic, real_correlation_threshold=0,
                            real_association_threshold=0)
    fig, axes = plt.subplots(2, 1)
    assert plot_quality_report(report, ax=axes, max_pairs=5, max_columns=3) is fig
    assert len(axes[0].containers[0]) == 3 and len(axes[1].containers[0]) == 5
    with pytest.raises(TypeError, match="QualityReport"):
        plot_quality_report(report.details)


# --------------------------------------------------------------------------- HTML report
def test_html_report_escapes_every_data_string(real, synthetic):
    from skgen.metrics._html import html_report

    rename = {"occupation": "<b>job</b>", "race": "race & <i>origin</i>"}
    page = html_report(real.rename(columns=rename).head(500),
                       synthetic.rename(columns=rename).head(500),
                       names={"real": "<script>real.csv", "synthetic": "s\"yn.csv"})
    for raw in ("<b>job</b>", "<i>origin</i>", "<script>real.csv", 's"yn.csv'):
        assert raw not in page
    assert "&lt;b&gt;job&lt;/b&gt;" in page and "race &amp; &lt;i&gt;origin&lt;/i&gt;" in page
    assert "&lt;script&gt;real.csv" in page and "s&quot;yn.csv" in page
