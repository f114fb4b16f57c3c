"""Benchmark SyntheticOversampler against imbalanced-learn's over-samplers (issue 5).

On the lending club table (``Class``, 5.2 % ``"bad"``) and Adult (``income``,
23.9 % ``">50K"``), with a real stratified 80/20 hold-out per seed: the
minority-class F1, the macro-F1 and the average precision (of the minority class)
of a ``HistGradientBoostingClassifier`` with native categorical support, trained
after

- no resampling,
- ``RandomOverSampler``,
- ``SMOTENC`` (categorical columns declared),
- ``SyntheticOversampler`` with each tabular synthesizer that exists in skgen
  (AmplifySampler always; GANSynthesizer and LSTMSynthesizer when importable),

and the seconds ``fit_resample`` took. Run by hand, not in CI::

    python benchmarks/oversampling_benchmark.py                      # both tables, 3 seeds
    python benchmarks/oversampling_benchmark.py --tables lending_club --seeds 0
    python benchmarks/oversampling_benchmark.py --strategies auto 0.5   # also other ratios

Results go to standard output as a Markdown table and, per run, to
``benchmarks/results/oversampling.json``; ``docs/benchmarks.md`` quotes them.
The machine is shared, so the seconds are noisy.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTENC, RandomOverSampler
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from skgen.amplify import AmplifySampler
from skgen.datasets import load_adult, load_lending_club
from skgen.exceptions import SkgenError
from skgen.oversampling import SyntheticOversampler

RESULTS = Path(__file__).parent / "results"
#: name -> (loader, target column, minority label)
TABLES = {
    "lending_club": (load_lending_club, "Class", "bad"),
    "adult": (lambda: load_adult().drop(columns="split", errors="ignore"), "income", ">50K"),
}
#: Optional synthesizers: (module, class name, keyword arguments for a CPU-sized run).
OPTIONAL_SYNTHESIZERS = [
    ("skgen.gan", "GANSynthesizer", {"epochs": 30}),
    ("skgen.lstm", "LSTMSynthesizer", {"epochs": 5}),
]


def available_synthesizers(names: list[str] | None, epochs: int | None = None) -> dict:
    """The tabular synthesizers that exist in this checkout, by name."""
    found = {"AmplifySampler": (AmplifySampler, {})}
    for module, cls_name, params in OPTIONAL_SYNTHESIZERS:
        try:
            cls = getattr(importlib.import_module(module), cls_name)
        except (ImportError, AttributeError):
            continue
        found[cls_name] = (cls, params if epochs is None else {**params, "epochs": epochs})
    if names:
        missing = sorted(set(names) - set(found))
        if missing:
            raise SystemExit(f"synthesizer(s) {missing} not available; have {sorted(found)}")
        found = {k: v for k, v in found.items() if k in names}
    return found


def prepare(table: str, seed: int) -> tuple:
    """Stratified 80/20 split; string columns as pandas categories for the classifier."""
    loader, target, minority = TABLES[table]
    data = loader()
    X, y = data.drop(columns=target), data[target]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, stratify=y, random_state=seed)
    categorical = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    dtypes = {c: pd.CategoricalDtype(sorted(X[c].dropna().unique())) for c in categorical}
    X_train = X_train.astype(dtypes).reset_index(drop=True)
    X_test = X_test.astype(dtypes).reset_index(drop=True)
    return (X_train, y_train.reset_index(drop=True), X_test, y_test.reset_index(drop=True),
            categorical, minority)


def make_samplers(categorical: list[str], strategy, seed: int, synthesizers: dict,
                  modes: tuple) -> dict:
    samplers = {
        "none": None,
        "RandomOverSampler": RandomOverSampler(sampling_strategy=strategy, random_state=seed),
        "SMOTENC": SMOTENC(categorical_features=categorical, sampling_strategy=strategy,
                           random_state=seed),
    }
    for name, (cls, params) in synthesizers.items():
        for per_class in modes:
            label = f"Synthetic({name}{', per class' if per_class else ''})"
            samplers[label] = SyntheticOversampler(
                cls(**params), sampling_strategy=strategy, fit_per_class=per_class,
                random_state=seed)
    return samplers


def fit_resample(sampler, X, y, max_retries: int = 5) -> tuple:
    """``sampler.fit_resample(X, y)``, retried with the next seed on a known synthesizer fault.

    A synthesizer that gives an integer column with no missing value a missing one
    breaks the dtype contract, and SyntheticOversampler refuses its rows with a
    SkgenError naming the column. Each retry is counted in the results.
    """
    for retries in range(max_retries + 1):
        try:
            X_res, y_res = sampler.fit_resample(X, y)
            return X_res, y_res, retries
        except SkgenError as exc:
            if "generated missing values" not in str(exc) or retries == max_retries:
                raise
            print(f"    retry: {exc}", flush=True)
            sampler = clone(sampler).set_params(random_state=sampler.random_state + 1000)
    raise AssertionError("unreachable")


def classifier(seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)


def evaluate(clf, X_test, y_test, minority: str) -> dict:
    """Minority F1, macro-F1, AP and minority precision / recall at the 0.5 threshold."""
    pos = list(clf.classes_).index(minority)
    proba = clf.predict_proba(X_test)[:, pos]
    pred = clf.classes_[np.where(proba >= 0.5, pos, 1 - pos)]
    hits = float(((pred == minority) & (y_test == minority)).sum())
    return {
        "minority_f1": f1_score(y_test, pred, pos_label=minority),
        "macro_f1": f1_score(y_test, pred, average="macro"),
        "average_precision": average_precision_score(y_test == minority, proba),
        "minority_precision": hits / max(int((pred == minority).sum()), 1),
        "minority_recall": hits / int((y_test == minority).sum()),
    }


def label_agreement(reference, rows, minority: str) -> float:
    """Mean probability of the minority class that a classifier trained on the real
    training rows gives ``rows``: how much new minority rows look like that class."""
    if len(rows) == 0:
        return float("nan")
    return float(reference.predict_proba(rows)[:, list(reference.classes_).index(minority)]
                 .mean())


def run(tables, seeds, strategies, synthesizers, modes) -> list[dict]:
    rows = []
    for table in tables:
        for seed in seeds:
            X_train, y_train, X_test, y_test, categorical, minority = prepare(table, seed)
            reference = classifier(seed).fit(X_train, y_train)  # also the "none" method
            for strategy in strategies:
                for method, sampler in make_samplers(categorical, strategy, seed,
                                                     synthesizers, modes).items():
                    if sampler is None and strategy != strategies[0]:
                        continue  # "none" does not depend on the strategy
                    t0 = time.perf_counter()
                    retries = 0
                    if sampler is None:
                        X_res, y_res = X_train, y_train
                    else:
                        X_res, y_res, retries = fit_resample(sampler, X_train, y_train)
                    seconds = time.perf_counter() - t0
                    clf = reference if sampler is None else classifier(seed).fit(X_res, y_res)
                    scores = evaluate(clf, X_test, y_test, minority)
                    # "none": the real hold-out minority rows, for comparison
                    if sampler is None:
                        new = X_test[(y_test == minority).to_numpy()]
                    else:
                        added = (y_res.iloc[len(X_train):] == minority).to_numpy()
                        new = X_res.iloc[len(X_train):][added]
                    row = {"table": table, "seed": seed, "method": method,
                           "sampling_strategy": "-" if sampler is None else str(strategy),
                           "train_rows": len(X_train), "resampled_rows": len(X_res),
                           "fit_resample_s": seconds, "retries": retries,
                           "label_agreement": label_agreement(reference, new, minority),
                           **scores}
                    rows.append(row)
                    print(f"{table:12s} seed={seed} {row['sampling_strategy']:>5s} "
                          f"{method:28s} F1min={scores['minority_f1']:.3f} "
                          f"macroF1={scores['macro_f1']:.3f} AP={scores['average_precision']:.3f}"
                          f" agree={row['label_agreement']:.2f} {seconds:6.1f}s", flush=True)
    return rows


def summarize(rows: list[dict]) -> str:
    df = pd.DataFrame(rows)
    metrics = ["minority_f1", "macro_f1", "average_precision", "minority_precision",
               "minority_recall", "fit_resample_s", "retries", "label_agreement"]
    agg = df.groupby(["table", "sampling_strategy", "method"], sort=False)[metrics]
    mean, std, total = agg.mean(), agg.std().fillna(0.0), agg.sum()
    lines = ["| table | strategy | method | minority F1 | macro-F1 | average precision | "
             "precision / recall (minority) | label agreement | fit_resample s | retries |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for key in mean.index:
        m, s = mean.loc[key], std.loc[key]
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {m.minority_f1:.3f} ± {s.minority_f1:.3f} | "
            f"{m.macro_f1:.3f} ± {s.macro_f1:.3f} | "
            f"{m.average_precision:.3f} ± {s.average_precision:.3f} | "
            f"{m.minority_precision:.2f} / {m.minority_recall:.2f} | {m.label_agreement:.2f} | "
            f"{m.fit_resample_s:.1f} | "
            f"{int(total.loc[key, 'retries'])} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", choices=list(TABLES), default=list(TABLES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--strategies", nargs="+", default=["auto"],
                        help="sampling_strategy values: 'auto', other strings, or floats")
    parser.add_argument("--synthesizers", nargs="+", default=None,
                        help="restrict to these synthesizer class names")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of the neural synthesizers (GAN 30, LSTM 5 by default)")
    parser.add_argument("--modes", nargs="+", choices=["joint", "per-class"],
                        default=["joint", "per-class"],
                        help="SyntheticOversampler(fit_per_class=False) and/or (=True)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads (1: the shared machine's cores are busy)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file for the per-run rows (default: benchmarks/results/"
                             "oversampling_<tables>_<synthesizers>.json)")
    args = parser.parse_args(argv)
    strategies = [float(s) if s.replace(".", "", 1).isdigit() else s for s in args.strategies]
    synthesizers = available_synthesizers(args.synthesizers, args.epochs)
    t0 = time.perf_counter()
    modes = tuple(m == "per-class" for m in args.modes)
    with threadpool_limits(args.threads):
        rows = run(args.tables, args.seeds, strategies, synthesizers, modes)
    print()
    print(summarize(rows))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s on {platform.machine()}, "
          f"{platform.python_version()}")
    out = args.out or RESULTS / (f"oversampling_{'-'.join(args.tables)}_"
                                 f"{'-'.join(synthesizers)}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"argv": argv, "args": {k: str(v) for k, v in
                                                          vars(args).items()}, "rows": rows},
                                   indent=1))


if __name__ == "__main__":
    main()
