"""Conditional fidelity of the tabular models (issue 14, point 1).

Run by hand, not in CI::

    python benchmarks/conditional_benchmark.py --models amplify \
        --datasets adult,diamonds,lending_club
    python benchmarks/conditional_benchmark.py --models gan --gan-epochs 30
    python benchmarks/conditional_benchmark.py --models lstm --lstm-epochs 2 --train-rows 2000
    python benchmarks/conditional_benchmark.py --report        # Markdown tables of every result

For every model and table, at the model's defaults (except the flags named in
the output: epochs for the GAN and the LSTM, and the LSTM's ``seed_columns``,
which its documentation asks for to condition on a column):

* **Split**: the table (``--train-rows`` of its training split when given) with
  ``random_state=0``: 80 % training rows, 20 % real hold-out rows.
* **Unconditional quality**: :func:`skgen.metrics.quality_report` of as many
  synthetic rows as hold-out rows against the training rows, beside the real
  hold-out's own score.
* **Conditional quality**: :func:`skgen.metrics.conditional_quality` on the
  condition column (Adult ``education``, diamonds ``cut``, lending club
  ``grade``): the three most frequent levels and the rarest with at least 30
  hold-out rows; the ratio is the level's synthetic score over the real
  hold-out's (target >= 0.97).
* **Dependency consistency**: :func:`skgen.metrics.dependency_consistency` of
  the dependencies :func:`skgen.metrics.functional_dependencies` finds in the
  training rows (confidence >= 0.99), in unconditional rows, in the rows of the
  conditional-quality runs, and in imputed rows: 500 hold-out rows with half
  their cells blanked at random (and the cells a model cannot take as a seed --
  a number outside the training range, a category never seen -- blanked too),
  counting only the rows in which a cell of a dependency was blanked; the real
  hold-out's own rate is the target.

Lending club has ``sub_grade`` but no ``grade``: the benchmark adds ``grade``
(the sub-grade's letter) so that conditioning on a column that another one
determines (``grade``; ``sub_grade`` must then be of that grade) is measured.

Results go to ``benchmarks/results/conditional_<model>.json`` (one entry per
table, parameters and training rows, replaced when rerun with the same ones);
``--report`` prints the tables of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

from skgen.datasets import load_adult, load_diamonds, load_lending_club
from skgen.exceptions import TooManyInvalidError
from skgen.metrics import (
    conditional_quality,
    dependency_consistency,
    functional_dependencies,
    quality_report,
)

RESULTS = Path(__file__).parent / "results"
CONDITION_COLUMN = {"adult": "education", "diamonds": "cut", "lending_club": "grade"}
N_IMPUTED = 500


def load(name: str) -> pd.DataFrame:
    if name == "adult":
        return load_adult()
    if name == "diamonds":
        return load_diamonds()
    loans = load_lending_club()
    loans.insert(loans.columns.get_loc("sub_grade") + 1, "grade", loans["sub_grade"].str[0])
    return loans


def make_model(kind: str, ns: argparse.Namespace, column: str):
    if kind == "amplify":
        from skgen import AmplifySampler

        return AmplifySampler(random_state=0), {}
    if kind == "gan":
        from skgen import GANSynthesizer

        params = {"epochs": ns.gan_epochs}
        return GANSynthesizer(random_state=0, **params), params
    from skgen import LSTMSynthesizer

    params = {"epochs": ns.lstm_epochs, "seed_columns": [column]}
    return LSTMSynthesizer(random_state=0, **params), params


def blank_half(holdout: pd.DataFrame, train: pd.DataFrame, rng: np.random.Generator
               ) -> tuple[pd.DataFrame, int]:
    """Half the cells blanked at random, and the ones no model takes as a seed."""
    seeds = holdout.mask(rng.random(holdout.shape) < 0.5)
    extra = 0
    for c in seeds.columns:
        if pd.api.types.is_numeric_dtype(train[c]):
            bad = (seeds[c] < train[c].min()) | (seeds[c] > train[c].max())
        else:
            bad = seeds[c].notna() & ~seeds[c].isin(set(train[c].dropna()))
        extra += int(bad.sum())
        seeds.loc[bad, c] = np.nan
    return seeds, extra


def rate(deps: pd.DataFrame, rows: pd.DataFrame) -> float | None:
    if deps.empty or rows.empty:
        return None
    r = dependency_consistency(deps, rows).rate
    return None if np.isnan(r) else r


def run_one(kind: str, table: str, ns: argparse.Namespace) -> dict:
    column = CONDITION_COLUMN[table]
    data = load(table)
    train = data.sample(frac=0.8, random_state=0)
    holdout = data.drop(train.index).reset_index(drop=True)
    train = train.reset_index(drop=True)
    if ns.train_rows and ns.train_rows < len(train):
        train = train.head(ns.train_rows)
        holdout = holdout.head(max(ns.train_rows // 4, 1000))
    deps = functional_dependencies(train)
    model, params = make_model(kind, ns, column)
    t0 = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - t0
    out: dict = {"model": kind, "table": table, "params": params, "train_rows": len(train),
                 "holdout_rows": len(holdout), "fit_s": round(fit_s, 1),
                 "condition_column": column,
                 "dependencies": [f"{d.determinant} -> {d.dependent} ({d.confidence:.4f})"
                                  for d in deps.itertuples()]}

    t0 = time.perf_counter()
    uncond = model.sample(len(holdout), random_state=1)
    out["uncond_sample_s"] = round(time.perf_counter() - t0, 2)
    out["quality_synthetic"] = quality_report(train, uncond).overall
    out["quality_holdout"] = quality_report(train, holdout).overall
    out["consistency_holdout"] = rate(deps, holdout)
    out["consistency_uncond"] = rate(deps, uncond)

    made: list = []

    def sampler(n, conditions):
        rows = model.sample(n, conditions=conditions, random_state=len(made))
        made.append(rows)
        return rows

    t0 = time.perf_counter()
    try:
        cq = conditional_quality(sampler, train, holdout, column)
        out["conditional"] = cq.to_dict(orient="records")
        out["conditional_mean_ratio"] = float(cq["ratio"].mean())
        out["consistency_conditional"] = rate(deps, pd.concat(made))
    except TooManyInvalidError as err:
        out["conditional_error"] = f"TooManyInvalidError: {err}"[:300]
    out["conditional_s"] = round(time.perf_counter() - t0, 1)

    seeds, extra = blank_half(holdout.head(N_IMPUTED), train, np.random.default_rng(0))
    out["imputed_extra_blanked_cells"] = extra
    t0 = time.perf_counter()
    try:
        imputed = model.sample(conditions=seeds, random_state=2)
        dep_cols = sorted(set(deps["determinant"]) | set(deps["dependent"]))
        touched = seeds[dep_cols].isna().any(axis=1).to_numpy() if dep_cols else None
        out["imputed_rows_checked"] = int(touched.sum()) if touched is not None else 0
        out["consistency_imputed"] = (rate(deps, imputed[touched]) if touched is not None
                                      else None)
    except (TooManyInvalidError, ValueError) as err:
        out["imputed_error"] = f"{type(err).__name__}: {err}"[:300]
    out["imputed_s"] = round(time.perf_counter() - t0, 1)
    return out


def save(result: dict) -> None:
    path = RESULTS / f"conditional_{result['model']}.json"
    runs = json.loads(path.read_text())["runs"] if path.exists() else []
    key = ("table", "params", "train_rows")  # e.g. GAN runs at 30 and 300 epochs are both kept
    runs = [r for r in runs if any(r.get(k) != result[k] for k in key)] + [result]
    path.write_text(json.dumps({"machine": platform.platform(), "runs": runs}, indent=1,
                               default=float) + "\n")


def pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def report() -> None:
    print("| model | table | fit s | quality: synthetic / hold-out | conditional quality "
          "ratio per level (mean) | broken: hold-out / uncond. / cond. / imputed |")
    print("|---|---|---|---|---|---|")
    for path in sorted(RESULTS.glob("conditional_*.json")):
        for r in json.loads(path.read_text())["runs"]:
            params = ", ".join(f"{k}={v}" for k, v in r["params"].items())
            model = r["model"] + (f" ({params})" if params else "")
            if "conditional" in r:
                levels = ", ".join(f"{c['level']} {c['ratio']:.3f}" for c in r["conditional"])
                cond = f"{levels} (**{r['conditional_mean_ratio']:.3f}**)"
            else:
                cond = r.get("conditional_error", "")[:80]
            imputed = (pct(r.get("consistency_imputed")) if "imputed_error" not in r
                       else "error")
            print(f"| {model} | {r['table']} ({r['train_rows']} rows) | {r['fit_s']} | "
                  f"{r['quality_synthetic']:.3f} / {r['quality_holdout']:.3f} | {cond} | "
                  f"{pct(r['consistency_holdout'])} / {pct(r['consistency_uncond'])} / "
                  f"{pct(r.get('consistency_conditional'))} / {imputed} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="amplify")
    parser.add_argument("--datasets", default="adult,diamonds,lending_club")
    parser.add_argument("--train-rows", type=int, default=0,
                        help="use only this many training rows (0: all)")
    parser.add_argument("--gan-epochs", type=int, default=300)
    parser.add_argument("--lstm-epochs", type=int, default=100)
    parser.add_argument("--report", action="store_true")
    ns = parser.parse_args()
    if ns.report:
        report()
        return
    RESULTS.mkdir(exist_ok=True)
    for kind in ns.models.split(","):
        for table in ns.datasets.split(","):
            try:
                result = run_one(kind, table, ns)
            except Exception:  # keep the other runs going; the failure is recorded
                result = {"model": kind, "table": table, "error": traceback.format_exc()[-800:]}
                print(result["error"])
            if "error" not in result:
                save(result)
            print(json.dumps(result, default=float)[:2000], flush=True)


if __name__ == "__main__":
    main()
