"""Draw the README's figure: real Adult rows against AmplifySampler's synthetic rows.

Run from the repository root (skgen installed or on ``PYTHONPATH``, matplotlib
installed: ``pip install "skgen[plot]"``)::

    python docs/make_readme_figure.py [--output docs/_static/readme_real_vs_synthetic.png]

Fits ``AmplifySampler(random_state=0)`` on the whole Adult table shipped with
skgen, samples as many rows, and draws with :mod:`skgen.plotting`: the age
histograms on shared bins, the marital-status frequencies, and age against
weekly hours, real and synthetic side by side. Deterministic up to matplotlib's
rendering; the PNG stays under 150 KB.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from skgen import AmplifySampler  # noqa: E402
from skgen.datasets import load_adult  # noqa: E402
from skgen.plotting import plot_column, plot_pair  # noqa: E402

DEFAULT = Path(__file__).parent / "_static" / "readme_real_vs_synthetic.png"


def draw() -> Figure:
    real = load_adult()
    synthetic = AmplifySampler(random_state=0).fit(real).sample(len(real), random_state=0)
    fig = Figure(figsize=(15, 3.8), layout="constrained")
    axes = fig.subplots(1, 4, width_ratios=[1, 1.25, 1, 1])
    plot_column(real, synthetic, "age", ax=axes[0], bins=40)
    plot_column(real, synthetic, "marital_status", ax=axes[1])
    plot_pair(real, synthetic, "age", "hours_per_week", ax=axes[2:], max_points=1500)
    fig.suptitle("Adult census: real rows against AmplifySampler's synthetic rows "
                 "(skgen.plotting)")
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(DEFAULT), help="PNG to write")
    args = parser.parse_args()
    draw().savefig(args.output, dpi=72, metadata={"Software": None})
    size = Path(args.output).stat().st_size
    print(f"wrote {args.output} ({size / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
