"""Benchmark GANSynthesizer side by side with SDV's CTGAN (issue 4).

Run by hand, not in CI. CTGAN is never a dependency of skgen: install it in a
throw-away virtual environment that reuses the installed torch, and run this
script with that environment's python::

    python -m venv --system-site-packages /tmp/ctgan-venv
    /tmp/ctgan-venv/bin/pip install --no-deps ctgan rdt faker
    export PYTHONPATH=$PWD OMP_NUM_THREADS=1
    PY=/tmp/ctgan-venv/bin/python
    $PY benchmarks/gan_benchmark.py speed                       # s/epoch, both, one run
    $PY benchmarks/gan_benchmark.py quality --table diamonds    # equal time budget
    $PY benchmarks/gan_benchmark.py quality --table adult --ctgan-epochs 30
    $PY benchmarks/gan_benchmark.py sampling                    # 1,000 rows: plain vs rare category
    $PY benchmarks/gan_benchmark.py conditioning                # "anyway" vs "single_discrete"
    $PY benchmarks/gan_benchmark.py by_vector                   # diamonds TSTR by vector column
    $PY benchmarks/gan_benchmark.py dp                          # DP at epsilon 3 and 10
    $PY benchmarks/gan_benchmark.py memory                      # a 20,000-level column
    $PY benchmarks/gan_benchmark.py label --epochs 20           # fitted with y (issue 14)
    $PY benchmarks/gan_benchmark.py report                      # Markdown tables

Each command appends its figures to ``benchmarks/results/gan.json``; ``report``
prints them as the tables of ``docs/benchmarks.md``. Every command stays under
ten minutes on a 2-core machine.

Protocol
--------
* Data: a 10,000-row sample of diamonds (``random_state=0``, 80/20 train/test
  split) and Adult with the census bureau's train/test split (32,561 / 16,281).
* Seconds per epoch: each training epoch timed alone (preprocessing excluded),
  median over the epochs of two fits of each model, the two models alternating
  in the same process so that both see the same machine load.
* Equal time budget: CTGAN trains ``--ctgan-epochs`` epochs; its whole fit time
  is the budget. GANSynthesizer then trains until the budget, less its own
  preprocessing and calibration time (measured on a 3-epoch fit just before),
  is spent; its whole fit time is reported too.
* Quality: :func:`skgen.metrics.quality_report` on as many synthetic rows as
  training rows; TSTR: :func:`skgen.metrics.tstr_score` (histogram gradient
  boosting, macro F1, per-class F1 of the rarest class).
* Conditional sampling: wall time for 1,000 rows of a category of at most 3 %
  (diamonds ``cut=Fair``, Adult ``race=Amer-Indian-Eskimo``), against 1,000
  unconditional rows. GANSynthesizer: ``sample(1000, conditions={col: value})``. CTGAN:
  ``sample(n, condition_column, condition_value)`` feeds its conditional vector
  but does not guarantee the value, so rows are drawn in batches of 1,000 and
  filtered until 1,000 hold it (what a user of CTGAN has to do).
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
import torch

from skgen.datasets import load_adult, load_diamonds
from skgen.gan import GANSynthesizer
from skgen.metrics import quality_report, tstr_score

RESULTS = Path(__file__).parent / "results"
OUT = RESULTS / "gan.json"
TABLES = {"diamonds": "cut", "adult": "income"}
#: A category of at most 3 % of the rows, for the conditional-sampling cost.
RARE = {"diamonds": ("cut", "Fair"), "adult": ("race", "Amer-Indian-Eskimo")}
DISCRETE = {"diamonds": ["cut", "color", "clarity"],
            "adult": ["workclass", "education", "marital_status", "occupation", "relationship",
                      "race", "sex", "native_country", "income"]}


def split(table: str, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    if table == "adult":  # the census bureau's own train/test split
        return (load_adult(split="train").reset_index(drop=True),
                load_adult(split="test").reset_index(drop=True))
    data = load_diamonds().sample(10_000, random_state=seed).reset_index(drop=True)
    train = data.sample(frac=0.8, random_state=seed)
    test = data.drop(train.index).reset_index(drop=True)
    return train.reset_index(drop=True), test


def ours(epochs: int, seed: int = 0, **kw) -> GANSynthesizer:
    return GANSynthesizer(epochs=epochs, random_state=seed, data_checks="skip", **kw)


def ctgan_model(epochs: int, seed: int = 0):
    from ctgan import CTGAN

    model = CTGAN(epochs=epochs, verbose=False)
    model.set_random_state(seed)
    return model


def fit_seconds(make, train: pd.DataFrame, fit_kw: dict) -> tuple[float, object]:
    t0 = time.perf_counter()
    model = make()
    model.fit(train, **fit_kw)
    return time.perf_counter() - t0, model


class EpochClock:
    """Stands in for ``tqdm`` in a training module and times each epoch of its loop.

    Both GANSynthesizer and CTGAN iterate ``for epoch in tqdm(range(epochs))``;
    replacing that name times the training epochs alone, without preprocessing.
    With a ``deadline`` (a ``time.perf_counter()`` value) the loop stops before an
    epoch that would end after it.
    """

    def __init__(self, module, deadline: float | None = None) -> None:
        self.module, self.times, self.deadline = module, [], deadline

    def __enter__(self) -> EpochClock:
        self.saved = self.module.tqdm
        clock = self

        class Timed:
            def __init__(self, iterable, **kwargs):
                self.iterable = iterable

            def __iter__(self):
                for item in self.iterable:
                    if clock.deadline is not None and clock.times and \
                            time.perf_counter() + clock.times[-1] > clock.deadline:
                        return  # the time budget is spent: stop training here
                    t0 = time.perf_counter()
                    yield item
                    clock.times.append(time.perf_counter() - t0)

            def set_postfix(self, *a, **k):
                pass

            set_description = set_postfix

            def close(self):
                pass

        self.module.tqdm = Timed
        return self

    def __exit__(self, *exc) -> None:
        self.module.tqdm = self.saved


def record(entry: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    rows = json.loads(OUT.read_text()) if OUT.exists() else []
    entry = {**entry, "when": time.strftime("%Y-%m-%d %H:%M"), "machine": machine()}
    rows.append(entry)
    OUT.write_text(json.dumps(rows, indent=1, default=float))
    print(json.dumps(entry, indent=1, default=float))


def machine() -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch "
            f"{torch.__version__}, {torch.get_num_threads()} torch thread(s), load "
            f"{os.getloadavg()[0]:.1f}")


# ---------------------------------------------------------------------- speed
def speed(args: argparse.Namespace) -> None:
    """Seconds per training epoch of both models on both tables, alternating in one run."""
    import ctgan.synthesizers.ctgan as ctgan_module

    import skgen.gan._synthesizer as skgen_module

    for table in args.tables:
        train, _ = split(table)
        disc = {"discrete_columns": DISCRETE[table]}
        per: dict = {"skgen": [], "ctgan": []}
        for _ in range(args.rounds):
            with EpochClock(skgen_module) as clock:
                ours(args.epochs).fit(train)
            per["skgen"] += clock.times
            with EpochClock(ctgan_module) as clock:
                ctgan_model(args.epochs).fit(train, **disc)
            per["ctgan"] += clock.times
        med = {k: float(np.median(v)) for k, v in per.items()}
        record({"bench": "speed", "table": table, "train_rows": len(train),
                "epoch_seconds": per, "s_per_epoch_skgen": med["skgen"],
                "s_per_epoch_ctgan": med["ctgan"], "ratio": med["skgen"] / med["ctgan"]})


# -------------------------------------------------------------------- quality
def rare_category(train: pd.DataFrame, target: str):
    return train[target].value_counts().index[-1]


def evaluate(synthetic: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame,
             target: str) -> dict:
    report = quality_report(train, synthetic)
    tstr = tstr_score(synthetic, train, test, target, random_state=0)
    rare = str(rare_category(train, target))
    return {"quality": report.overall, "column_shapes": report.column_shapes,
            "column_pair_trends": report.column_pair_trends,
            "tstr_macro_f1": tstr["synthetic"], "real_macro_f1": tstr["real"],
            "tstr_ratio": tstr["ratio"], "rare_class": rare,
            "rare_f1": tstr["synthetic_per_class_f1"].get(rare, float("nan")),
            "rare_f1_real": tstr["real_per_class_f1"].get(rare, float("nan"))}


def ctgan_conditional(model, target: str, value, n: int = 1000, max_rounds: int = 200) -> dict:
    t0 = time.perf_counter()
    got, drawn = 0, 0
    for _ in range(max_rounds):
        rows = model.sample(n, condition_column=target, condition_value=value)
        drawn += len(rows)
        got += int((rows[target] == value).sum())
        if got >= n:
            break
    return {"seconds": time.perf_counter() - t0, "rows_drawn": drawn, "rows_valid": got}


def quality(args: argparse.Namespace) -> None:
    """Both models at an equal time budget: quality, TSTR, rare class, conditional cost."""
    table = args.table
    target = TABLES[table]
    train, test = split(table)
    rare = rare_category(train, target)
    share = float((train[target] == rare).mean())
    disc = {"discrete_columns": DISCRETE[table]}

    # skgen's seconds per epoch and its fixed costs, measured now (same load as below)
    import skgen.gan._synthesizer as skgen_module

    with EpochClock(skgen_module) as clock:
        t3, _ = fit_seconds(lambda: ours(3), train, {})
    s_epoch = float(np.median(clock.times))
    overhead = max(t3 - sum(clock.times), 0.0)

    rare_col, rare_val = RARE[table]
    rare_share = float((train[rare_col] == rare_val).mean())
    budget, ct = fit_seconds(lambda: ctgan_model(args.ctgan_epochs), train, disc)
    ct_rows = ct.sample(len(train))
    ct_eval = evaluate(ct_rows, train, test, target)
    t0 = time.perf_counter()
    ct.sample(1000)
    ct_uncond = time.perf_counter() - t0
    ct_cond = ctgan_conditional(ct, rare_col, rare_val)

    # as many epochs as fit in CTGAN's fit time, less skgen's own fixed costs
    deadline = time.perf_counter() + budget - overhead
    with EpochClock(skgen_module, deadline=deadline) as clock:
        fit_s, syn = fit_seconds(lambda: ours(100_000), train, {})
    epochs = len(clock.times)
    syn_rows = syn.sample(len(train), random_state=1)
    syn_eval = evaluate(syn_rows, train, test, target)
    syn.sample(100, random_state=2)  # warm-up
    t0 = time.perf_counter()
    syn.sample(1000, random_state=3)
    syn_uncond = time.perf_counter() - t0
    t0 = time.perf_counter()
    cond = syn.sample(1000, conditions={rare_col: rare_val}, random_state=4)
    syn_cond = time.perf_counter() - t0
    assert (cond[rare_col] == rare_val).all()

    # the same skgen model without the marginal calibration (ablation)
    raw = None
    if args.ablation:
        rt = syn._get_runtime()
        keys = ("calibration", "group_calibration", "level_offsets")
        saved = [{k: s.pop(k) for k in keys if k in s} for s in rt["transformer"].specs]
        raw = evaluate(syn.sample(len(train), random_state=1), train, test, target)
        for s, c in zip(rt["transformer"].specs, saved, strict=True):
            s.update(c)

    record({"bench": "quality", "table": table, "train_rows": len(train), "target": target,
            "rare_class": str(rare), "rare_share": share,
            "condition": f"{rare_col}={rare_val}", "condition_share": rare_share,
            "ctgan": {"epochs": args.ctgan_epochs, "fit_s": budget, **ct_eval,
                      "uncond_1000_s": ct_uncond, "cond_1000_s": ct_cond["seconds"],
                      "cond_rows_drawn": ct_cond["rows_drawn"]},
            "skgen": {"epochs": epochs, "fit_s": fit_s, "s_per_epoch": s_epoch, **syn_eval,
                      "uncond_1000_s": syn_uncond, "cond_1000_s": syn_cond,
                      "without_calibration": raw}})


# ------------------------------------------------------------------- sampling
def sampling(args: argparse.Namespace) -> None:
    """Time to sample 1,000 rows, unconditionally and of a <= 3 % category (median of
    repeats), after a short fit: sampling time does not depend on training length."""
    for table in args.tables:
        train, _ = split(table)
        col, value = RARE[table]
        syn = ours(args.epochs).fit(train)
        syn.sample(1000, random_state=0)  # warm-up (builds nothing new, but caches)
        times: dict = {"unconditional": [], "conditional": []}
        for r in range(args.repeats):
            t0 = time.perf_counter()
            syn.sample(1000, random_state=r)
            times["unconditional"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            out = syn.sample(1000, conditions={col: value}, random_state=r)
            times["conditional"].append(time.perf_counter() - t0)
            assert (out[col] == value).all()
        med = {k: float(np.median(v)) for k, v in times.items()}
        record({"bench": "sampling", "table": table, "condition": f"{col}={value}",
                "condition_share": float((train[col] == value).mean()), "epochs": args.epochs,
                "seconds": times, "median_unconditional_s": med["unconditional"],
                "median_conditional_s": med["conditional"],
                "ratio": med["conditional"] / med["unconditional"]})


# --------------------------------------------------------------- conditioning
def conditioning(args: argparse.Namespace) -> None:
    """"anyway" against "single_discrete" conditioning, same epochs, on diamonds."""
    train, test = split("diamonds")
    cases = {"cut=Fair": {"cut": "Fair"},
             "cut=Fair, color=J": {"cut": "Fair", "color": "J"},
             "cut=Premium, clarity=IF, carat=1.01": {"cut": "Premium", "clarity": "IF",
                                                     "carat": 1.01}}
    out = {}
    for mode in ("anyway", "single_discrete"):
        t0 = time.perf_counter()
        syn = ours(args.epochs, conditional_vector_type=mode)
        syn.fit(train)
        res = {"fit_s": time.perf_counter() - t0,
               **evaluate(syn.sample(len(train), random_state=1), train, test, "cut")}
        for label, cond in cases.items():
            real = train
            for k, v in cond.items():
                real = real[real[k] == v]
            calls = []
            original = syn._generate

            def counting(seeds, rng, original=original, calls=calls):
                calls.append(len(seeds))
                return original(seeds, rng)

            syn._generate = counting
            t0 = time.perf_counter()
            try:
                rows = syn.sample(1000, conditions=cond, random_state=5)
                fidelity = _conditional_fidelity(rows, real, [c for c in train.columns
                                                              if c not in cond])
                res[label] = {"seconds": time.perf_counter() - t0, "proposed": sum(calls),
                              "real_rows": len(real), "fidelity": fidelity}
            except Exception as exc:  # TooManyInvalidError: record it
                res[label] = {"seconds": time.perf_counter() - t0, "proposed": sum(calls),
                              "real_rows": len(real), "error": type(exc).__name__}
            finally:
                del syn._generate
        out[mode] = res
    record({"bench": "conditioning", "table": "diamonds", "epochs": args.epochs, **out})


def _conditional_fidelity(rows: pd.DataFrame, real: pd.DataFrame, columns: list) -> float:
    """Mean column-shape score of the free columns against the real rows that hold the
    condition (how well the conditional distribution is reproduced)."""
    from skgen.metrics import column_shapes

    if len(real) < 5:
        return float("nan")
    return float(column_shapes(real[columns], rows[columns])["score"].mean())


# ------------------------------------------------------------------ by vector
def by_vector(args: argparse.Namespace) -> None:
    """Where diamonds' TSTR is lost: the same model's rows, unconditional and with every
    row's vector holding one column (its value taken from an unconditional sample)."""
    train, test = split("diamonds")
    syn = ours(args.epochs, **({"pac": args.pac} if args.pac else {})).fit(train)
    base = syn.sample(len(train), random_state=1)
    out = {"unconditional": evaluate(base, train, test, "cut")}
    for col in ("cut", "color", "clarity"):
        seeds = base.astype(object)
        seeds[[c for c in seeds.columns if c != col]] = np.nan
        rows = syn.sample(conditions=seeds, random_state=2)
        out[f"vector holds {col}"] = evaluate(rows, train, test, "cut")
        out[f"vector holds {col}"]["depth_mean_fair"] = float(
            rows.loc[rows["cut"] == "Fair", "depth"].mean())
    out["depth_mean_fair_real"] = float(train.loc[train["cut"] == "Fair", "depth"].mean())
    record({"bench": "by_vector", "table": f"diamonds pac={syn.pac}", "epochs": args.epochs,
            **out})


# ------------------------------------------------------------------------- dp
def dp(args: argparse.Namespace) -> None:
    """Differentially private training on diamonds at several budgets: epsilon spent,
    seconds per epoch, quality and TSTR."""
    train, test = split("diamonds")
    for eps in args.epsilons:
        t0 = time.perf_counter()
        syn = ours(args.epochs, dp=True, dp_target_epsilon=eps, pac=1,
                   calibrate_marginals=False, conditional_vector_type="single_discrete")
        syn.fit(train)
        fit_s = time.perf_counter() - t0
        rows = syn.sample(len(train), random_state=1)
        record({"bench": "dp", "table": f"diamonds eps={eps}", "target_epsilon": eps,
                "epsilon": syn.epsilon_, "delta": syn.delta_,
                "noise_multiplier": syn.dp_noise_multiplier_, "epochs": args.epochs,
                "fit_s": fit_s, "s_per_epoch": fit_s / args.epochs,
                **evaluate(rows, train, test, "cut")})


# --------------------------------------------------------------------- memory
MEMORY_CHILD = r"""
import resource, sys, time, numpy as np, pandas as pd
from skgen.gan import GANSynthesizer
n, k = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
levels = np.array([f"city{i:05d}" for i in range(k)], dtype=object)
codes = np.concatenate([np.arange(k), rng.zipf(1.3, n - k) % k])
df = pd.DataFrame({"city": levels[codes], "income": rng.lognormal(10, 1, n).round(2),
                   "age": rng.integers(18, 90, n), "segment": rng.choice(list("ABCD"), n)})
t0 = time.perf_counter()
syn = GANSynthesizer(epochs=1, random_state=0, data_checks="skip").fit(df)
fit_s = time.perf_counter() - t0
out = syn.sample(2000, conditions={"city": levels[k - 1]})
assert (out["city"] == levels[k - 1]).all()
print(fit_s, syn.output_dim_, syn.cond_dim_,
      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
"""


def memory(args: argparse.Namespace) -> None:
    """Peak memory of fitting and sampling with a 20,000-level categorical column."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    res = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(args.rows), str(args.levels)],
                         capture_output=True, text=True, env=env, check=True)
    fit_s, out_dim, cond_dim, peak_gib = res.stdout.split()
    record({"bench": "memory", "rows": args.rows, "levels": args.levels,
            "fit_1_epoch_s": float(fit_s), "output_dim": int(out_dim), "cond_dim": int(cond_dim),
            "peak_rss_gib": float(peak_gib),
            "parent_peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20})


# ---------------------------------------------------------------------- label
def label(args: argparse.Namespace) -> None:
    """Fitted with ``y`` = the target (issue 14): TSTR of the unconditional rows, how
    many Adult rows break ``education <-> education_num``, and the heavy-tailed
    ``capital_gain`` (mean, quantiles, max) against the training rows."""
    import subprocess as sp

    commit = sp.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                    cwd=Path(__file__).parent).stdout.strip()
    for table in args.tables:
        target = TABLES[table]
        train, test = split(table)
        train = train.sample(min(args.train_rows, len(train)), random_state=0)
        train = train.reset_index(drop=True)
        t0 = time.perf_counter()
        syn = ours(args.epochs).fit(train.drop(columns=target), train[target])
        fit_s = time.perf_counter() - t0
        rows = syn.sample(len(train), random_state=1)[list(train.columns)]
        entry = {"bench": "label", "table": f"{table} {args.tag}", "code": commit,
                 "epochs": args.epochs, "train_rows": len(train), "fit_s": fit_s,
                 **evaluate(rows, train, test, target)}
        if table == "adult":
            level = train.groupby("education")["education_num"].first()
            entry["education_broken"] = float(
                (rows["education_num"] != rows["education"].map(level)).mean())
            for name, v in (("real", train["capital_gain"]), ("synthetic",
                                                              rows["capital_gain"])):
                v = v.astype(float)
                entry[f"capital_gain_{name}"] = {
                    "mean": v.mean(), "q90": v.quantile(0.9), "q99": v.quantile(0.99),
                    "max": v.max(), "nonzero": float((v > 0).mean())}
        record(entry)


# --------------------------------------------------------------------- report
def report(args: argparse.Namespace) -> None:
    rows = json.loads(OUT.read_text()) if OUT.exists() else []
    latest: dict = {}
    for r in rows:
        latest[(r["bench"], r.get("table"))] = r
    for (bench, table), r in latest.items():
        print(f"\n### {bench} {table or ''} ({r['when']}; {r['machine']})\n")
        if bench == "speed":
            print("| | s/epoch | ratio |\n|---|---|---|")
            print(f"| GANSynthesizer | {r['s_per_epoch_skgen']:.3f} | {r['ratio']:.2f} |")
            print(f"| CTGAN {ctgan_version()} | {r['s_per_epoch_ctgan']:.3f} | 1 |")
        elif bench == "quality":
            keys = ["epochs", "fit_s", "quality", "column_shapes", "column_pair_trends",
                    "tstr_macro_f1", "real_macro_f1", "tstr_ratio", "rare_f1", "rare_f1_real",
                    "uncond_1000_s", "cond_1000_s"]
            print("| | " + " | ".join(keys) + " |")
            print("|" + "---|" * (len(keys) + 1))
            for who in ("skgen", "ctgan"):
                vals = [r[who].get(k) for k in keys]
                print(f"| {who} | " + " | ".join(_fmt(v) for v in vals) + " |")
        elif bench == "dp":
            keys = ["target_epsilon", "epsilon", "noise_multiplier", "epochs", "s_per_epoch",
                    "quality", "tstr_ratio", "rare_f1"]
            print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
            print("| " + " | ".join(_fmt(r[k]) for k in keys) + " |")
        else:
            print("```\n" + json.dumps(r, indent=1, default=float) + "\n```")


def ctgan_version() -> str:
    try:
        import ctgan

        return ctgan.__version__
    except ImportError:
        return "?"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("speed")
    p.add_argument("--tables", nargs="+", default=["diamonds", "adult"])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--rounds", type=int, default=2)
    p = sub.add_parser("quality")
    p.add_argument("--table", choices=list(TABLES), default="diamonds")
    p.add_argument("--ctgan-epochs", type=int, default=100)
    p.add_argument("--ablation", action="store_true")
    p = sub.add_parser("sampling")
    p.add_argument("--tables", nargs="+", default=["diamonds", "adult"])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--repeats", type=int, default=7)
    p = sub.add_parser("conditioning")
    p.add_argument("--epochs", type=int, default=100)
    p = sub.add_parser("by_vector")
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--pac", type=int, default=None)
    p = sub.add_parser("dp")
    p.add_argument("--epsilons", type=float, nargs="+", default=[3.0, 10.0])
    p.add_argument("--epochs", type=int, default=20)
    p = sub.add_parser("memory")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--levels", type=int, default=20_000)
    p = sub.add_parser("label")
    p.add_argument("--tables", nargs="+", default=["diamonds", "adult"])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--train-rows", type=int, default=8000)
    p.add_argument("--tag", default="", help="label of the run in the results")
    sub.add_parser("report")
    args = parser.parse_args()
    {"speed": speed, "quality": quality, "sampling": sampling, "conditioning": conditioning,
     "by_vector": by_vector, "dp": dp, "memory": memory, "label": label,
     "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
