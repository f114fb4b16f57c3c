"""Conditional quality per level over several sampling seeds (issue 14, point 1).

Run by hand, not in CI::

    python benchmarks/conditional_seeds.py --models amplify --seeds 8

One draw of a rare level says little: with 39-55 hold-out rows (Adult's
``1st-4th``, lending club's ``F``) the synthetic score moves by +-0.02-0.03
between samples. This fits each model once, on the split of
``conditional_benchmark.py`` (80 %, ``random_state=0``; the same models and
parameters), and runs :func:`skgen.metrics.conditional_quality` with
``random_state`` 0, 100, 200, ...: the mean, standard deviation and minimum of
each level's ratio separate the model from the luck of one sample (the
hold-out's own score, the denominator, is one fixed draw).
"""

from __future__ import annotations

import argparse

import pandas as pd
from conditional_benchmark import CONDITION_COLUMN, load, make_model

from skgen.metrics import conditional_quality


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="amplify")
    parser.add_argument("--datasets", default="adult,diamonds,lending_club")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--gan-epochs", type=int, default=300)
    parser.add_argument("--lstm-epochs", type=int, default=100)
    ns = parser.parse_args()
    for kind in ns.models.split(","):
        for table in ns.datasets.split(","):
            column = CONDITION_COLUMN[table]
            data = load(table)
            train = data.sample(frac=0.8, random_state=0)
            holdout = data.drop(train.index)
            model, params = make_model(kind, ns, column)
            model.fit(train)
            runs = [conditional_quality(model, train, holdout, column, random_state=100 * s)
                    for s in range(ns.seeds)]
            stats = pd.concat(runs).groupby("level", sort=False)["ratio"].agg(
                ["mean", "std", "min", "max"])
            print(f"\n{kind} {params or ''} {table}: {ns.seeds} samples per level")
            print(stats.round(3).to_string())
            print(f"mean over levels: {stats['mean'].mean():.3f}", flush=True)


if __name__ == "__main__":
    main()
