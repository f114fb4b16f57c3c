"""Benchmark AmplifySampler on real tables and at scale (issue 2, item 11).

Run by hand, not in CI::

    python benchmarks/amplify_benchmark.py quality      # Adult and diamonds, 80/20 split
    python benchmarks/amplify_benchmark.py scale        # 1M x 100 and 10k x 1,000 (subprocesses)
    python benchmarks/amplify_benchmark.py all

Each figure goes to standard output as a Markdown table and to
``benchmarks/results/amplify.json``; ``docs/benchmarks.md`` quotes them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skgen import AmplifySampler
from skgen.datasets import load_adult, load_diamonds
from skgen.metrics import distance_to_closest_record, exact_match_rate, quality_report, tstr_score

RESULTS = Path(__file__).parent / "results"
TABLES = {"adult": (load_adult, "income"), "diamonds": (load_diamonds, "cut")}


def quality_run(name: str, seed: int = 0) -> dict:
    loader, target = TABLES[name]
    data = loader()
    train = data.sample(frac=0.8, random_state=seed)
    test = data.drop(train.index).reset_index(drop=True)
    train = train.reset_index(drop=True)

    t0 = time.perf_counter()
    syn = AmplifySampler(random_state=seed).fit(train)
    fit_s = time.perf_counter() - t0

    syn.sample(1000)  # warm-up
    t0 = time.perf_counter()
    big = syn.sample(100_000)
    sample_s = time.perf_counter() - t0
    synthetic = big.head(len(train))

    report = quality_report(train, synthetic)
    tstr = tstr_score(synthetic, train, test, target, random_state=seed)
    copies = exact_match_rate(train, synthetic)
    holdout_copies = exact_match_rate(train, test)
    dcr = distance_to_closest_record(train, synthetic, test, random_state=seed)

    cond = conditional_run(syn, train, test, target, seed)
    return {
        "table": name, "rows": len(data), "train_rows": len(train), "columns": data.shape[1],
        "fit_s": fit_s, "sample_100k_s": sample_s, "rows_per_s": 100_000 / sample_s,
        "quality_overall": report.overall, "column_shapes": report.column_shapes,
        "column_pair_trends": report.column_pair_trends,
        "tstr_macro_f1_synthetic": tstr["synthetic"], "tstr_macro_f1_real": tstr["real"],
        "tstr_ratio": tstr["ratio"], "exact_copy_rate": copies,
        "holdout_match_rate": holdout_copies, "dcr": dcr, **cond,
    }


def conditional_run(syn: AmplifySampler, train: pd.DataFrame, test: pd.DataFrame, target: str,
                    seed: int) -> dict:
    """Conditions of several shapes; the share of rows that hold them, and the time."""
    rng = np.random.default_rng(seed)
    rare = train[target].value_counts().index[-1]
    numeric = [c for c in train.columns if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in train.columns if c not in numeric]
    cases = {f"{target}={rare} (rarest class)": {target: rare}}
    row = train.iloc[0]
    other = next(c for c in categorical if c != target)
    cases["one numeric + two categorical"] = {
        numeric[0]: row[numeric[0]], other: row[other], target: rare}
    # an unseen combination: a value pair that never occurs together in training
    a, b = next(c for c in categorical if c != target), target
    seen = set(map(tuple, train[[a, b]].dropna().drop_duplicates().to_numpy()))
    unseen = [(x, y) for x in train[a].dropna().unique() for y in train[b].unique()
              if (x, y) not in seen]
    if unseen:
        cases[f"never seen together: {a}={unseen[0][0]}, {b}={unseen[0][1]}"] = {
            a: unseen[0][0], b: unseen[0][1]}
    met, total, seconds = 0, 0, 0.0
    details = {}
    for label, cond in cases.items():
        t0 = time.perf_counter()
        out = syn.sample(1000, conditions=cond)
        dt = time.perf_counter() - t0
        ok = np.ones(len(out), dtype=bool)
        for k, v in cond.items():
            ok &= (out[k] == v).to_numpy()
        met += int(ok.sum())
        total += len(out)
        seconds += dt
        details[label] = {"rows": len(out), "met": int(ok.sum()), "seconds": dt}
    # seed rows from the hold-out with random gaps (imputation)
    # hold-out rows whose values the model can produce (a value outside the
    # training range or an unseen category is refused up front, by design)
    inside = np.ones(len(test), dtype=bool)
    for c in numeric:
        inside &= test[c].between(train[c].min(), train[c].max()).to_numpy() | test[c].isna()
    for c in categorical:
        inside &= (test[c].isin(train[c].dropna().unique()) | test[c].isna()).to_numpy()
    seeds = test[inside].sample(2000, random_state=seed).reset_index(drop=True)
    gaps = rng.random(seeds.shape) < 0.5
    seeds = seeds.mask(gaps)
    t0 = time.perf_counter()
    out = syn.sample(conditions=seeds)
    dt = time.perf_counter() - t0
    row_ok = np.ones(len(seeds), dtype=bool)
    for c in seeds.columns:
        kept = seeds[c].notna().to_numpy()
        if c in numeric:
            same = np.isclose(out[c].to_numpy(dtype=float), seeds[c].to_numpy(dtype=float))
        else:
            same = (out[c].astype(object).to_numpy() == seeds[c].astype(object).to_numpy())
        row_ok &= same | ~kept
    details["2,000 hold-out seed rows, half the cells blank"] = {
        "rows": len(out), "met": int(row_ok.sum()), "seconds": dt}
    met += int(row_ok.sum())
    total += len(out)
    return {"conditional_success_rate": met / total, "conditional_cases": details}


# ---------------------------------------------------------------- scale runs
def make_wide(n_rows: int, n_cols: int, seed: int = 0) -> pd.DataFrame:
    """A table of the requested size built from real Adult columns plus noise.

    Rows are resampled from Adult; columns cycle through Adult's columns, each
    copy perturbed (numbers jittered, a share of categories reassigned) so the
    copies are not identical.
    """
    rng = np.random.default_rng(seed)
    base = load_adult()
    idx = rng.integers(0, len(base), n_rows)
    cols = {}
    names = list(base.columns)
    for j in range(n_cols):
        src = names[j % len(names)]
        v = base[src].to_numpy()[idx]
        if pd.api.types.is_numeric_dtype(base[src]):
            v = v + rng.normal(0, base[src].std() * 0.05, n_rows).round().astype(v.dtype)
        else:
            v = v.copy()
            swap = rng.random(n_rows) < 0.05
            v[swap] = v[rng.permutation(np.flatnonzero(swap))]
        cols[f"{src}_{j}"] = v
    return pd.DataFrame(cols)


def scale_child(n_rows: int, n_cols: int, n_sample: int) -> dict:
    data = make_wide(n_rows, n_cols)
    t0 = time.perf_counter()
    syn = AmplifySampler(random_state=0, data_checks="skip").fit(data)
    fit_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    out = syn.sample(n_sample)
    sample_s = time.perf_counter() - t0
    assert out.shape == (n_sample, n_cols)
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return {"rows": n_rows, "columns": n_cols, "fit_s": fit_s, "sampled_rows": n_sample,
            "sample_s": sample_s, "peak_rss_gib": peak_gib}


def scale_run(n_rows: int, n_cols: int, n_sample: int) -> dict:
    """Run one scale case in a fresh process so that peak memory is its own."""
    cmd = [sys.executable, __file__, "_scale_child", str(n_rows), str(n_cols), str(n_sample)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"rows": n_rows, "columns": n_cols, "error": done.stderr.strip()[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["quality", "scale", "all", "_scale_child"])
    parser.add_argument("args", nargs="*")
    ns = parser.parse_args()
    if ns.what == "_scale_child":
        print(json.dumps(scale_child(*map(int, ns.args))))
        return
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "amplify.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()}
    if ns.what in ("quality", "all"):
        for name in TABLES:
            r = quality_run(name)
            results[name] = r
            print(json.dumps(r, indent=1, default=float))
    if ns.what in ("scale", "all"):
        results["scale_1M_x_100"] = scale_run(1_000_000, 100, 100_000)
        print(json.dumps(results["scale_1M_x_100"]))
        results["scale_10k_x_1000"] = scale_run(10_000, 1000, 10_000)
        print(json.dumps(results["scale_10k_x_1000"]))
    path.write_text(json.dumps(results, indent=1, default=float))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
