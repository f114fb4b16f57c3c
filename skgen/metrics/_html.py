"""The quality report as one self-contained HTML page (``skgen report --html``).

Every figure is a PNG embedded as a ``data:`` URI and the style sheet is inline,
so the file opens anywhere, offline, and references nothing on the network.
Every string that comes from the data (column names, categories, file names) is
escaped with :func:`html.escape`.
"""

from __future__ import annotations

import base64
import io
import math
from html import escape
from typing import Any

import pandas as pd

from skgen.metrics.privacy import distance_to_closest_record, exact_match_rate
from skgen.metrics.quality import quality_report

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.7em; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
.grid { display: flex; flex-wrap: wrap; gap: 1em; } .grid figure { flex: 1 1 360px; }
.note { color: #555; }
"""


def html_report(real: pd.DataFrame, synthetic: pd.DataFrame, *,
                holdout: pd.DataFrame | None = None, names: dict | None = None,
                n_worst: int = 3, random_state: Any = 0) -> str:
    """Build the HTML quality report of a synthetic table.

    Parameters
    ----------
    real : pandas.DataFrame of shape (n_real, n_features)
        The real (training) table. Not modified.
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        The synthetic table; must hold every scored column of ``real``. Not
        modified.
    holdout : pandas.DataFrame of shape (n_holdout, n_features) or None, default=None
        Real rows not used for training: the yardstick of the privacy figures.
    names : dict or None, default=None
        ``"real"``, ``"synthetic"``, ``"holdout"`` -> a name to show for each
        table (e.g. its file name).
    n_worst : int, default=3
        How many of the lowest-scoring columns and pairs are drawn.
    random_state : int, RandomState instance or None, default=0
        Seeds the subsampling of the scatter plots and of the distances.

    Returns
    -------
    html : str
        A complete HTML5 document: the scores, the worst columns and pairs
        drawn, the association matrices, the privacy figures (exact copies,
        distance to closest record) and every per-column and per-pair score.

    Raises
    ------
    SchemaError
        If a table is empty or lacks a scored column of ``real``.
    ImportError
        If matplotlib is not installed.
    """
    from matplotlib.figure import Figure

    from skgen import plotting

    names = names or {}
    report = quality_report(real, synthetic)
    shapes = report.details["column_shapes"].dropna(subset=["score"]).sort_values(
        "score", kind="stable")
    pairs = report.details["column_pair_trends"].dropna(subset=["score"]).sort_values(
        "score", kind="stable")

    def figure(n: int, size: tuple[float, float]) -> tuple[Figure, Any]:
        fig = Figure(figsize=size, layout="constrained")
        return fig, fig.subplots(1, n) if n > 1 else fig.subplots()

    parts = ["<h1>Synthetic data quality report</h1>",
             f"<p>{_tables_line(real, synthetic, holdout, names)}</p>"]

    parts.append("<h2>Scores</h2>")
    n_pairs = len(report.details["column_pair_trends"])
    parts.append(_table(["property", "score", "scored"], [
        ["Overall", _pct(report.overall), ""],
        ["Column Shapes", _pct(report.column_shapes), f"{len(shapes)} columns"],
        ["Column Pair Trends", _pct(report.column_pair_trends),
         f"{len(pairs)} of {n_pairs} pairs (those related in the real data)"],
    ]))
    n_rows = max(min(30, len(shapes)), min(20, len(pairs)), 6)
    fig, axes = figure(2, (12, 0.5 + 0.28 * n_rows))
    plotting.plot_quality_report(report, ax=axes)
    parts.append(_img(fig, "Scores per column and per pair, lowest first",
                      "SDMetrics definitions: KSComplement / TVComplement per column, "
                      "CorrelationSimilarity / ContingencySimilarity per pair; the dashed "
                      "line is the property score."))

    parts.append('<h2>Lowest-scoring columns</h2>\n<div class="grid">')
    for row in shapes.head(n_worst).itertuples():
        fig, ax = figure(1, (6, 4.5))
        plotting.plot_column(real, synthetic, row.column, ax=ax, metadata=report.metadata)
        parts.append(_img(fig, f"{row.column}: real against synthetic",
                          f"{row.column}: {row.metric} {row.score:.3f}"))
    parts.append("</div>")

    parts.append("<h2>Lowest-scoring pairs</h2>")
    if pairs.empty:
        parts.append('<p class="note">No pair of columns is related enough in the real data '
                     "to be scored.</p>")
    for row in pairs.head(n_worst).itertuples():
        fig, axes = figure(2, (11, 4.5))
        plotting.plot_pair(real, synthetic, row.column_1, row.column_2, ax=axes,
                           metadata=report.metadata, random_state=random_state)
        parts.append(_img(fig, f"{row.column_1} and {row.column_2}: real and synthetic",
                          f"{row.column_1} and {row.column_2}: {row.metric} {row.score:.3f}"))

    if len(shapes) >= 2:
        parts.append("<h2>Associations between columns</h2>")
        fig, axes = figure(3, (17, 6.2))
        plotting.plot_association(real, synthetic, ax=axes, metadata=report.metadata)
        parts.append(_img(fig, "Association matrices: real, synthetic, difference",
                          "Pearson r for numerical pairs, Cramér's V for other pairs."))

    parts.append("<h2>Privacy</h2>")
    parts.append(_privacy(real, synthetic, holdout, report.metadata, random_state))
    fig, ax = figure(1, (8, 4.5))
    plotting.plot_distance_to_closest_record(real, synthetic, holdout, ax=ax,
                                             metadata=report.metadata,
                                             random_state=random_state)
    parts.append(_img(fig, "Distance to the closest real row",
                      "Gower distance of each synthetic"
                      + (" and hold-out" if holdout is not None else "")
                      + " row to its closest real (training) row."))

    parts.append("<h2>Every score</h2>")
    parts.append(_table(["column", "metric", "score"],
                        [[r.column, r.metric, f"{r.score:.4f}"] for r in shapes.itertuples()]))
    parts.append(_table(["column 1", "column 2", "metric", "score"],
                        [[r.column_1, r.column_2, r.metric, f"{r.score:.4f}"]
                         for r in pairs.itertuples()]))
    body = "\n".join(parts)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>skgen quality report</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")


def _privacy(real, synthetic, holdout, metadata, random_state) -> str:
    rows = [["synthetic rows copying a real row (every column)",
             f"{exact_match_rate(real, synthetic[real.columns]):.2%}"]]
    if holdout is not None:
        rows.append(["hold-out rows equal to a training row (baseline)",
                     f"{exact_match_rate(real, holdout[real.columns]):.2%}"])
    dcr = distance_to_closest_record(real, synthetic, holdout, metadata=metadata,
                                     random_state=random_state)
    rows += [["median distance of synthetic rows to the closest real row",
              f"{dcr['synthetic_dcr_median']:.4f}"],
             ["synthetic rows at distance 0", f"{dcr['synthetic_share_zero']:.2%}"]]
    if holdout is not None:
        rows += [["median distance of hold-out rows to the closest training row",
                  f"{dcr['holdout_dcr_median']:.4f}"],
                 ["synthetic rows closer than the hold-out's 5th percentile (about 5 % "
                  "when nothing is memorised)", f"{dcr['share_closer_than_holdout_p5']:.2%}"]]
    return _table(["figure", "value"], rows)


def _tables_line(real, synthetic, holdout, names: dict) -> str:
    items = [("real", real), ("synthetic", synthetic)]
    if holdout is not None:
        items.append(("hold-out", holdout))
    out = []
    for label, frame in items:
        name = names.get(label.replace("-", ""))
        shown = f" <code>{escape(str(name))}</code>" if name else ""
        out.append(f"{label}{shown}: {len(frame):,} rows &times; {frame.shape[1]} columns")
    return "; ".join(out)


def _table(header: list, rows: list) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "\n".join(
        "<tr>" + "".join(f"<td{_num_class(v)}>{escape(str(v))}</td>" for v in row) + "</tr>"
        for row in rows)
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>"


def _num_class(value: Any) -> str:
    text = str(value).rstrip(" %")
    try:
        float(text)
    except ValueError:
        return ""
    return ' class="num"'


def _img(fig, alt: str, caption: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.2f} %"
