"""Benchmark SyntheticOversampler against imbalanced-learn's over-samplers (issues 5, 14).

Five imbalanced tables, all offline: the three shipped ones -- lending club
(``Class``, 5.2 % ``"bad"``), Adult (``income``, 23.9 % ``">50K"``) and diamonds
with the target ``cut == "Fair"`` (3 %, ``cut`` itself dropped) -- and two public
tables shipped inside scikit-learn: the Wisconsin breast cancer table
(``load_breast_cancer``, 37 % malignant, numbers only) and the Titanic passenger
list (OpenML 40945, the copy in scikit-learn's test data; 38 % survived;
``pclass, sex, age, sibsp, parch, fare, embarked``, rows with a gap dropped).
A table larger than ``--max-rows`` (default 8,000) is first subsampled to that
many rows, stratified on the target, so that a run finishes on a 2-core machine.
With a real stratified 80/20 hold-out per seed: the minority-class F1 (at the
0.5 threshold), the macro-F1 and the average precision (of the minority class)
of a ``HistGradientBoostingClassifier`` with native categorical support and of a
``LogisticRegression`` (one-hot categories, standardised numbers), trained after

- no resampling,
- ``RandomOverSampler``,
- ``SMOTENC`` (categorical columns declared; ``SMOTE`` on a numbers-only table),
- ``SyntheticOversampler`` with each tabular synthesizer that exists in skgen
  (AmplifySampler always; GANSynthesizer and LSTMSynthesizer when importable),
  fitted jointly or per class, each with every ``--selections`` value ("all",
  "filter": the LAMBADA-style classifier filter, "boundary": rows near the class
  boundary preferred),

and the seconds ``fit_resample`` took. Run by hand, not in CI::

    python benchmarks/oversampling_benchmark.py                      # all tables, 3 seeds
    python benchmarks/oversampling_benchmark.py --tables lending_club --seeds 0
    python benchmarks/oversampling_benchmark.py --strategies auto 0.5   # also other ratios

Results go to standard output as a Markdown table and, per run, to
``benchmarks/results/oversampling.json``; ``docs/benchmarks.md`` quotes them.
The machine is shared, so the seconds are noisy.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import importlib.resources
import json
import platform
import time
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTENC, RandomOverSampler
from sklearn.base import clone
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from skgen.amplify import AmplifySampler
from skgen.datasets import load_adult, load_diamonds, load_lending_club
from skgen.exceptions import SkgenError
from skgen.oversampling import SyntheticOversampler

RESULTS = Path(__file__).parent / "results"


def load_titanic() -> pd.DataFrame:
    """The Titanic passenger list (OpenML 40945) from scikit-learn's own test data."""
    path = (importlib.resources.files("sklearn.datasets.tests.data.openml") / "id_40945"
            / "data-v1-dl-16826755.arff.gz")
    with gzip.open(path, "rt") as fh:
        text = fh.read()
    header, data = text.split("@data", 1)
    names = [line.split()[1].strip("'") for line in header.splitlines()
             if line.lower().startswith("@attribute")]
    df = pd.read_csv(StringIO(data.strip()), header=None, names=names, na_values="?",
                     quotechar='"')
    df = df[["pclass", "sex", "age", "sibsp", "parch", "fare", "embarked", "survived"]]
    df = df.dropna().reset_index(drop=True)
    df["survived"] = df["survived"].map({0: "died", 1: "survived"})
    return df


def load_cancer() -> pd.DataFrame:
    """Wisconsin breast cancer (scikit-learn's ``load_breast_cancer``), target as names."""
    data = load_breast_cancer(as_frame=True)
    return data.data.assign(diagnosis=data.target.map({0: "malignant", 1: "benign"}))


def load_diamonds_fair() -> pd.DataFrame:
    """Diamonds with the target ``cut == "Fair"`` (3 %), ``cut`` dropped."""
    df = load_diamonds()
    return df.drop(columns="cut").assign(fair=np.where(df["cut"] == "Fair", "Fair", "other"))


#: name -> (loader, target column, minority label)
TABLES = {
    "lending_club": (load_lending_club, "Class", "bad"),
    "adult": (lambda: load_adult().drop(columns="split", errors="ignore"), "income", ">50K"),
    "diamonds_fair": (load_diamonds_fair, "fair", "Fair"),
    "titanic": (load_titanic, "survived", "survived"),
    "breast_cancer": (load_cancer, "diagnosis", "malignant"),
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


def prepare(table: str, seed: int, max_rows: int | None = None) -> tuple:
    """Stratified 80/20 split (of at most ``max_rows`` rows, a stratified subsample);
    string columns as pandas categories for the classifier."""
    loader, target, minority = TABLES[table]
    data = loader()
    if max_rows is not None and len(data) > max_rows:
        data, _ = train_test_split(data, train_size=max_rows, stratify=data[target],
                                   random_state=seed)
        data = data.reset_index(drop=True)
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
                  modes: tuple, selections: tuple = ("all",)) -> dict:
    smote = SMOTENC(categorical_features=categorical, sampling_strategy=strategy,
                    random_state=seed) if categorical else \
        SMOTE(sampling_strategy=strategy, random_state=seed)
    samplers = {
        "none": None,
        "RandomOverSampler": RandomOverSampler(sampling_strategy=strategy, random_state=seed),
        "SMOTENC": smote,
    }
    for name, (cls, params) in synthesizers.items():
        for per_class in modes:
            for selection in selections:
                label = (f"Synthetic({name}{', per class' if per_class else ''}"
                         f"{'' if selection == 'all' else ', ' + selection})")
                samplers[label] = SyntheticOversampler(
                    cls(**params), sampling_strategy=strategy, fit_per_class=per_class,
                    selection=selection, random_state=seed)
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


def logistic(categorical: list[str]):
    """Logistic regression on one-hot categories and standardised (median-imputed) numbers."""
    features = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), categorical),
        remainder=make_pipeline(SimpleImputer(strategy="median"), StandardScaler()))
    return make_pipeline(features, LogisticRegression(max_iter=2000))


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


def run(tables, seeds, strategies, synthesizers, modes, selections=("all",),
        max_rows=None) -> list[dict]:
    rows = []
    for table in tables:
        for seed in seeds:
            X_train, y_train, X_test, y_test, categorical, minority = prepare(table, seed,
                                                                              max_rows)
            reference = classifier(seed).fit(X_train, y_train)  # also the "none" method
            for strategy in strategies:
                for method, sampler in make_samplers(categorical, strategy, seed,
                                                     synthesizers, modes,
                                                     selections).items():
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
                    lr = logistic(categorical).fit(X_res, y_res)
                    scores.update({f"lr_{k}": v for k, v in
                                   evaluate(lr, X_test, y_test, minority).items()})
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
                          f" LR F1min={scores['lr_minority_f1']:.3f} "
                          f"AP={scores['lr_average_precision']:.3f}"
                          f" agree={row['label_agreement']:.2f} {seconds:6.1f}s", flush=True)
    return rows


def summarize(rows: list[dict]) -> str:
    df = pd.DataFrame(rows)
    metrics = ["minority_f1", "macro_f1", "average_precision", "minority_precision",
               "minority_recall", "fit_resample_s", "retries", "label_agreement",
               "lr_minority_f1", "lr_average_precision"]
    agg = df.groupby(["table", "sampling_strategy", "method"], sort=False)[metrics]
    mean, std, total = agg.mean(), agg.std().fillna(0.0), agg.sum()
    lines = ["| table | strategy | method | HGB minority F1 | HGB AP | "
             "HGB precision / recall | LR minority F1 | LR AP | label agreement | "
             "fit_resample s | retries |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for key in mean.index:
        m, s = mean.loc[key], std.loc[key]
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {m.minority_f1:.3f} ± {s.minority_f1:.3f} | "
            f"{m.average_precision:.3f} ± {s.average_precision:.3f} | "
            f"{m.minority_precision:.2f} / {m.minority_recall:.2f} | "
            f"{m.lr_minority_f1:.3f} ± {s.lr_minority_f1:.3f} | "
            f"{m.lr_average_precision:.3f} ± {s.lr_average_precision:.3f} | "
            f"{m.label_agreement:.2f} | {m.fit_resample_s:.1f} | "
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
    parser.add_argument("--selections", nargs="+", choices=["all", "filter", "boundary"],
                        default=["all", "filter", "boundary"],
                        help="SyntheticOversampler(selection=...) values to compare")
    parser.add_argument("--max-rows", type=int, default=8000,
                        help="stratified subsample of a larger table (0: every row)")
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
        rows = run(args.tables, args.seeds, strategies, synthesizers, modes,
                   tuple(args.selections), args.max_rows or None)
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
