"""Benchmark LSTMSynthesizer on Adult (issue 3, item 12) and on a wide table (issue 13).

Run by hand, not in CI. One run trains one model on a 10,000-row training
sample of Adult (a further 2,500 rows are the real hold-out, 20 % of the
12,500 drawn) and measures training speed, generation speed, the share of
generated lines that are valid (per field cluster too), quality, TSTR and
conditional success::

    python benchmarks/lstm_benchmark.py run --name main --epochs 8
    python benchmarks/lstm_benchmark.py run --name dp --dp --dp-target-epsilon 5 --epochs 2
    python benchmarks/lstm_benchmark.py table          # Markdown table of all runs

``--table wide`` uses a 26-column table instead: Adult's 15 columns beside the
first 11 columns of ``load_lending_club()`` (rows paired at random), 2,530
training and 1,000 hold-out rows -- the size of issue 13's clinical table, so
two field clusters. ``--defaults`` leaves every model parameter at the
library's defaults (only ``epochs``, ``seed_columns`` and ``random_state`` are
set), where the other options otherwise give the tuned values below. The speed
part alone, on both tables at the defaults (fit of 30 epochs, rows/s), is::

    python benchmarks/lstm_benchmark.py --speed-only

and generation alone (5,000 rows, wall and CPU time; the fitted model is kept
in ``--model-dir`` for the next call)::

    python benchmarks/lstm_benchmark.py generation --table wide
    python benchmarks/lstm_benchmark.py generation --table adult

Model options (``--rnn-units``, ``--embedding-dim``, ``--vocab-size``,
``--learning-rate``, ``--batch-size``, ``--reset-states``, ``--seed-columns``)
map to the constructor parameters of the same names. ``--threads`` sets
torch's intra-op threads for the run (on a small shared machine one thread
is much faster than two). Results go to ``benchmarks/results/lstm_<name>.json``.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from skgen.datasets import load_adult, load_diamonds, load_lending_club
from skgen.exceptions import TooManyInvalidError
from skgen.lstm import LSTMSynthesizer
from skgen.metrics import exact_match_rate, quality_report, tstr_score

RESULTS = Path(__file__).parent / "results"


class _Counter:
    """Counts candidate lines and valid rows proposed to the sampling loop, and
    per field cluster the lines generated and the lines that read back."""

    def __init__(self) -> None:
        self.lines = 0
        self.valid = 0
        self.cluster_lines: dict[int, int] = {}
        self.cluster_ok: dict[int, int] = {}

    def install(self) -> tuple:
        original = LSTMSynthesizer._propose
        original_lines = LSTMSynthesizer._generate_lines
        counter = self

        def propose(syn, seeds, rng, *args):
            rows, ok, reasons = original(syn, seeds, rng, *args)
            counter.lines += len(ok)
            counter.valid += int(ok.sum())
            return rows, ok, reasons

        def generate_lines(syn, c, *args):
            fields, ok = original_lines(syn, c, *args)
            counter.cluster_lines[c] = counter.cluster_lines.get(c, 0) + len(ok)
            counter.cluster_ok[c] = counter.cluster_ok.get(c, 0) + int(ok.sum())
            return fields, ok

        LSTMSynthesizer._propose = propose
        LSTMSynthesizer._generate_lines = generate_lines
        return original, original_lines

    def per_cluster(self) -> list[float]:
        return [self.cluster_ok[c] / max(self.cluster_lines[c], 1)
                for c in sorted(self.cluster_lines)]


def split_adult(seed: int, n_train: int = 10_000, n_test: int = 2_500
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = load_adult().drop(columns="split", errors="ignore")
    sample = data.sample(n_train + n_test, random_state=seed)
    train = sample.iloc[:n_train].reset_index(drop=True)
    test = sample.iloc[n_train:].reset_index(drop=True)
    return train, test


def split_wide(seed: int, n_train: int = 2_530, n_test: int = 1_000
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Adult's 15 columns beside 11 of lending_club's: 26 columns, two field clusters."""
    n = n_train + n_test
    adult = load_adult().drop(columns="split", errors="ignore").sample(n, random_state=seed)
    loans = load_lending_club().iloc[:, :11].sample(n, random_state=seed)
    data = pd.concat([adult.reset_index(drop=True), loans.reset_index(drop=True)], axis=1)
    return data.iloc[:n_train].reset_index(drop=True), data.iloc[n_train:].reset_index(
        drop=True)


def split_lending(seed: int, n_train: int = 2_500, n_test: int = 2_500
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``load_lending_club()``: 23 columns (two field clusters by default), target ``Class``."""
    sample = load_lending_club().sample(n_train + n_test, random_state=seed)
    return (sample.iloc[:n_train].reset_index(drop=True),
            sample.iloc[n_train:].reset_index(drop=True))


#: The column TSTR predicts, per table.
TARGETS = {"adult": "income", "wide": "income", "lending": "Class"}


def timed_sample(syn: LSTMSynthesizer, n: int, **kwargs) -> tuple[pd.DataFrame, float, dict]:
    counter = _Counter()
    original, original_lines = counter.install()
    try:
        t0 = time.perf_counter()
        try:
            out = syn.sample(n, **kwargs)
        except TooManyInvalidError as err:
            out = err.partial
        seconds = time.perf_counter() - t0
    finally:
        LSTMSynthesizer._propose = original
        LSTMSynthesizer._generate_lines = original_lines
    return out, seconds, {"candidate_lines": counter.lines, "valid_rows": counter.valid,
                          "valid_line_fraction_per_cluster": counter.per_cluster()}


def conditional_run(syn: LSTMSynthesizer, train: pd.DataFrame, test: pd.DataFrame,
                    seed: int) -> dict:
    """Smart seeding and rejection: the share of asked rows that hold their conditions."""
    seed_cols = list(syn.seed_columns or [])
    cases: dict[str, dict] = {}
    met = total = 0
    seconds = 0.0

    def record(label: str, out: pd.DataFrame, wanted: pd.DataFrame, dt: float) -> None:
        nonlocal met, total, seconds
        keep = wanted.notna().to_numpy()
        got = out.reindex(range(len(wanted)))[wanted.columns]
        made = np.isin(np.arange(len(wanted)), np.asarray(out.index))
        same = (got.astype(str).to_numpy() == wanted.astype(str).to_numpy()) | ~keep
        ok = int((same.all(axis=1) & made).sum())
        cases[label] = {"rows": len(wanted), "met": ok, "seconds": dt}
        met += ok
        total += len(wanted)
        seconds += dt

    if seed_cols:
        seeds = test[seed_cols].head(1000).reset_index(drop=True)
        t0 = time.perf_counter()
        out = _sample_or_partial(syn, conditions=seeds, random_state=seed)
        record(f"1,000 hold-out seed rows ({', '.join(seed_cols)})", out, seeds,
               time.perf_counter() - t0)
        seen = set(map(tuple, train[seed_cols].astype(str).drop_duplicates().to_numpy()))
        values = [train[c].dropna().unique() for c in seed_cols]
        grid = pd.MultiIndex.from_product(values).to_frame(index=False, name=seed_cols)
        unseen = grid[[tuple(r) not in seen for r in grid.astype(str).to_numpy()]]
        if len(unseen):
            seeds = unseen.sample(200, replace=True, random_state=seed).reset_index(drop=True)
            t0 = time.perf_counter()
            out = _sample_or_partial(syn, conditions=seeds, random_state=seed)
            record(f"200 rows of {unseen.shape[0]} combinations never seen in training", out,
                   seeds, time.perf_counter() - t0)
        gaps = test[seed_cols].head(500).reset_index(drop=True)
        gaps = gaps.mask(np.random.default_rng(seed).random(gaps.shape) < 0.5)
        t0 = time.perf_counter()
        out = _sample_or_partial(syn, conditions=gaps, random_state=seed)
        record("500 seed rows, half the seed cells blank", out, gaps,
               time.perf_counter() - t0)
    other = next(c for c in ["race", "marital_status"] if c not in seed_cols)
    value = train[other].value_counts().index[1]
    share = float((train[other] == value).mean())
    wanted = pd.DataFrame({other: [value] * 200})
    before = syn.max_invalid
    syn.set_params(max_invalid=4000)  # rejection of a ~10 % value needs ~10 tries a row
    try:
        t0 = time.perf_counter()
        out = _sample_or_partial(syn, 200, conditions={other: value}, random_state=seed)
        record(f"{other}={value} ({share:.0%} of rows; not a seed column: rejection, "
               "max_invalid=4000)", out, wanted, time.perf_counter() - t0)
    finally:
        syn.set_params(max_invalid=before)
    return {"conditional_success_rate": met / max(total, 1), "conditional_cases": cases,
            "conditional_seconds": seconds}


def _sample_or_partial(syn: LSTMSynthesizer, *args, **kwargs) -> pd.DataFrame:
    try:
        return syn.sample(*args, **kwargs)
    except TooManyInvalidError as err:
        return err.partial


_KEPT = ("epochs", "batch_size", "rnn_units", "embedding_dim", "vocab_size", "learning_rate",
         "reset_states", "validation_split", "seed_columns", "dp", "dp_noise_multiplier",
         "dp_l2_norm_clip", "dp_target_epsilon", "max_invalid", "random_state",
         "predict_batch_size", "field_cluster_size", "lr_schedule", "dropout_rate",
         "early_stopping", "gen_temp")


def run(ns: argparse.Namespace) -> dict:
    torch.set_num_threads(ns.threads)
    if ns.table == "wide":
        train, test = split_wide(ns.seed)
    elif ns.table == "lending":
        train, test = split_lending(ns.seed, ns.train_rows, ns.test_rows or ns.train_rows)
    else:
        train, test = split_adult(ns.seed, ns.train_rows, ns.test_rows or ns.train_rows // 4)
    if ns.columns:
        train, test = train[ns.columns], test[ns.columns]
    if ns.defaults:  # the library's defaults; DP options only when asked for
        params = dict(epochs=ns.epochs, seed_columns=ns.seed_columns or None, dp=ns.dp,
                      max_invalid=ns.max_invalid, random_state=ns.seed, verbose=ns.verbose)
        if ns.dp:
            params.update(dp_noise_multiplier=ns.dp_noise_multiplier,
                          dp_l2_norm_clip=ns.dp_l2_norm_clip,
                          dp_target_epsilon=ns.dp_target_epsilon)
    else:
        params = dict(epochs=ns.epochs, batch_size=ns.batch_size, rnn_units=ns.rnn_units,
                      embedding_dim=ns.embedding_dim, vocab_size=ns.vocab_size,
                      learning_rate=ns.learning_rate, reset_states=ns.reset_states,
                      validation_split=ns.validation_split,
                      seed_columns=ns.seed_columns or None, dp=ns.dp,
                      dp_noise_multiplier=ns.dp_noise_multiplier,
                      dp_l2_norm_clip=ns.dp_l2_norm_clip,
                      dp_target_epsilon=ns.dp_target_epsilon,
                      max_invalid=ns.max_invalid, random_state=ns.seed, verbose=ns.verbose)
    if ns.field_cluster_size:
        params["field_cluster_size"] = ns.field_cluster_size
    for name in ("lr_schedule", "learning_rate_given", "rnn_units_given"):
        value = getattr(ns, name)
        if value is not None:
            params[name.removesuffix("_given")] = value
    for item in ns.set or []:  # --set NAME=VALUE, a Python literal, even with --defaults
        key, _, text = item.partition("=")
        params[key] = ast.literal_eval(text)
    syn = LSTMSynthesizer(**params)
    params = {k: v for k, v in syn.get_params().items() if k in _KEPT}
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        syn.fit(train)
    fit_s = time.perf_counter() - t0
    history = syn.history_
    tokens = sum(sum(h["tokens"]) for h in history)
    train_s = sum(sum(h["seconds"]) for h in history)
    result = {
        "name": ns.name, "params": params, "table": ns.table, "defaults": ns.defaults,
        "columns": train.shape[1], "n_models": len(syn.clusters_),
        "threads": ns.threads, "train_rows": len(train), "test_rows": len(test),
        "fit_s": fit_s, "epochs_run": syn.n_epochs_, "best_epoch": syn.best_epoch_,
        "vocab_sizes": syn.vocab_sizes_, "tokens_per_epoch": history[0]["tokens"][0],
        "training_tokens_per_s": tokens / train_s, "seconds_per_epoch": train_s / sum(
            syn.n_epochs_), "cpu_seconds_per_epoch": sum(
            sum(h["cpu_seconds"]) for h in history) / sum(syn.n_epochs_),
        "final_loss": [h["loss"][-1] for h in history],
        "final_val_loss": [h["val_loss"][-1] if h["val_loss"] else None for h in history],
        "epsilon": syn.epsilon_, "delta": syn.delta_,
        "dp_noise_multiplier": syn.dp_noise_multiplier_,
        "fallback_used": syn.fallback_used_,
        "fit_warnings": [str(w.message)[:200] for w in caught],
    }
    # generation at the default batch, the rows TSTR trains on
    synthetic, gen_s, counts = timed_sample(syn, len(train), random_state=ns.seed)
    result.update({
        "generated_rows": len(synthetic), "generate_s": gen_s,
        "rows_per_s": len(synthetic) / gen_s,
        "valid_line_fraction": counts["valid_rows"] / max(counts["candidate_lines"], 1),
        **counts, "fallback_rows": synthetic.attrs.get("fallback_rows", 0),
    })
    if ns.big_batch:
        syn.set_params(predict_batch_size=ns.big_batch)
        big, big_s, _ = timed_sample(syn, 2000, random_state=ns.seed + 1)
        result[f"rows_per_s_batch_{ns.big_batch}"] = len(big) / big_s
        syn.set_params(predict_batch_size=params["predict_batch_size"])
    if ns.save_synthetic:
        synthetic.to_csv(ns.save_synthetic, index=False)
    if ns.save_model:
        syn.save(ns.save_model)
    if len(synthetic):
        report = quality_report(train, synthetic)
        tstr = tstr_score(synthetic, train, test, TARGETS[ns.table], random_state=ns.seed)
        result.update({
            "quality_overall": report.overall, "column_shapes": report.column_shapes,
            "column_pair_trends": report.column_pair_trends,
            "tstr_macro_f1_synthetic": tstr["synthetic"], "tstr_macro_f1_real": tstr["real"],
            "tstr_ratio": tstr["ratio"],
            "exact_copy_rate": exact_match_rate(train, synthetic),
            "holdout_match_rate": exact_match_rate(train, test),
        })
    if not ns.no_conditional:
        result.update(conditional_run(syn, train, test, ns.seed))
    result["machine"] = {"cpus": os.cpu_count(), "python": platform.python_version(),
                         "torch": torch.__version__, "platform": platform.platform(),
                         "load_average": os.getloadavg()}
    return result


def table() -> str:
    rows = []
    for path in sorted(RESULTS.glob("lstm_*.json")):
        r = json.loads(path.read_text())
        p = r["params"]
        model = (("defaults: " if r.get("defaults") else "")
                 + f"{r.get('table', 'adult')} {r.get('columns', 15)} cols, "
                 + f"{p['rnn_units']} units, emb {p['embedding_dim']}, "
                 f"{'chars' if p['vocab_size'] == 0 else 'SP ' + str(p['vocab_size'])}, "
                 f"{'+'.join(map(str, r['epochs_run']))} epochs, "
                 f"reset_states={p['reset_states']}"
                 + (", DP" if p["dp"] else ""))
        eps = "" if r["epsilon"] is None else f"{r['epsilon']:.2f}"
        rows.append(
            f"| {r['name']} | {model} | {r['training_tokens_per_s']:,.0f} | "
            f"{r['seconds_per_epoch']:.0f} | {r['rows_per_s']:,.0f} | "
            f"{r['valid_line_fraction']:.1%} | "
            f"{' / '.join(f'{v:.1%}' for v in r.get('valid_line_fraction_per_cluster', []))} | "
            f"{r.get('quality_overall', float('nan')):.3f} | "
            f"{r.get('tstr_ratio', float('nan')):.2f} | "
            f"{r.get('conditional_success_rate', float('nan')):.1%} | {eps} |")
    head = ("| run | model | train tokens/s | s/epoch | rows/s (batch 64) | valid rows | "
            "lines read back per cluster | quality | TSTR ratio | conditional success | "
            "epsilon |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    return "\n".join([head, *rows])


def speed_only(epochs: int = 30, threads: int = 1, seed: int = 0) -> dict:
    """Fit and generation speed at the library's defaults (issue 13's targets).

    Wide table: fit of ``epochs`` epochs (early stopping may end it sooner) and
    rows/s for 2,530 rows; Adult (10,000 rows): seconds per epoch and rows/s
    for 10,000 rows after ``epochs // 3`` epochs; diamonds (5,000 rows):
    seconds per epoch over two epochs (gretel-synthetics: 24.6 s).
    """
    torch.set_num_threads(threads)
    out: dict = {"load_average_before": os.getloadavg(), "threads": threads}
    warnings.simplefilter("ignore")
    cases = [("wide", split_wide(seed)[0], epochs, ["income", "sex"]),
             ("adult", split_adult(seed)[0], max(1, epochs // 3), ["income", "sex"]),
             ("diamonds", load_diamonds().sample(5000, random_state=seed)
              .reset_index(drop=True), 2, None)]
    for name, data, n_epochs, seeds in cases:
        syn = LSTMSynthesizer(epochs=n_epochs, seed_columns=seeds, random_state=seed)
        t0 = time.perf_counter()
        syn.fit(data)
        fit_s = time.perf_counter() - t0
        seconds = sum(sum(h["seconds"]) for h in syn.history_)
        cpu = sum(sum(h["cpu_seconds"]) for h in syn.history_)
        row = {"rows": len(data), "columns": data.shape[1], "epochs_run": syn.n_epochs_,
               "fit_s": fit_s, "seconds_per_epoch": seconds / max(syn.n_epochs_),
               "cpu_seconds_per_epoch": cpu / max(syn.n_epochs_)}
        if name != "diamonds":
            n = len(data)
            rows, gen_s, counts = timed_sample(syn, n, random_state=seed)
            row.update(rows_per_s=len(rows) / gen_s, generate_s=gen_s,
                       valid_line_fraction=counts["valid_rows"] / max(
                           counts["candidate_lines"], 1),
                       valid_line_fraction_per_cluster=counts[
                           "valid_line_fraction_per_cluster"])
        out[name] = row
        print(name, json.dumps(row, default=float), flush=True)
    out["load_average_after"] = os.getloadavg()
    return out


def generation_speed(table_name: str, rows: int, model_dir: Path, seed: int = 0,
                     params: dict | None = None) -> dict:
    """Rows/s at the defaults: ``LSTMSynthesizer(epochs=30, random_state=seed)``.

    The fitted model is saved in ``model_dir`` and reused by later calls (the
    fit takes long on a shared machine); the timed call is
    ``sample(rows, random_state=seed)`` after a warm-up sample of 50 rows,
    with wall and CPU time (``time.process_time``, less sensitive to other
    processes) and the 1-minute load average before and after. ``params``
    (``--set``) changes constructor parameters; give such a run its own
    ``model_dir``.
    """
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    from skgen import load

    path = model_dir / f"lstm_defaults_{table_name}_{seed}.skgen"
    if path.exists():
        syn = load(path)
    else:
        train = (split_wide if table_name == "wide" else split_adult)(seed)[0]
        syn = LSTMSynthesizer(epochs=30, random_state=seed, **(params or {})).fit(train)
        model_dir.mkdir(parents=True, exist_ok=True)
        syn.save(path)
    syn.set_params(predict_batch_size=LSTMSynthesizer().predict_batch_size)  # today's default
    syn.sample(50, random_state=seed + 1)
    load_before = os.getloadavg()[0]
    t0, cpu0 = time.perf_counter(), time.process_time()
    out = syn.sample(rows, random_state=seed)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"table": table_name, "rows": len(out), "seconds": wall, "rows_per_s": len(out) / wall,
            "cpu_seconds": cpu, "rows_per_cpu_s": len(out) / cpu,
            "load_average_1min": [load_before, os.getloadavg()[0]], **out.attrs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speed-only", action="store_true",
                        help="fit and generation speed at the defaults, nothing else")
    parser.add_argument("--speed-epochs", type=int, default=30)
    sub = parser.add_subparsers(dest="what")
    r = sub.add_parser("run")
    r.add_argument("--table", choices=["adult", "wide", "lending"], default="adult")
    r.add_argument("--defaults", action="store_true",
                   help="the library's default model parameters")
    r.add_argument("--name", required=True)
    r.add_argument("--epochs", type=int, default=8)
    r.add_argument("--train-rows", type=int, default=10_000)
    r.add_argument("--test-rows", type=int, default=None,
                   help="Adult hold-out rows (default: a quarter of --train-rows)")
    r.add_argument("--columns", nargs="*", default=None,
                   help="Adult columns to keep (default: all 15)")
    r.add_argument("--batch-size", type=int, default=64)
    r.add_argument("--rnn-units", type=int, default=128)
    r.add_argument("--embedding-dim", type=int, default=64)
    r.add_argument("--vocab-size", type=int, default=500)
    r.add_argument("--learning-rate", type=float, default=0.01)
    r.add_argument("--reset-states", action="store_true")
    r.add_argument("--validation-split", type=float, default=False)
    r.add_argument("--seed-columns", nargs="*", default=["income", "sex", "relationship"])
    r.add_argument("--field-cluster-size", type=int, default=None)
    r.add_argument("--lr-schedule", choices=["constant", "cosine"], default=None,
                   help="set even with --defaults")
    r.add_argument("--set-learning-rate", dest="learning_rate_given", type=float, default=None,
                   help="learning_rate, set even with --defaults")
    r.add_argument("--set-rnn-units", dest="rnn_units_given", type=int, default=None,
                   help="rnn_units, set even with --defaults")
    r.add_argument("--set", nargs="*", metavar="NAME=VALUE",
                   help="any constructor parameter (a Python literal), even with --defaults")
    r.add_argument("--save-synthetic", type=Path, default=None,
                   help="CSV of the generated rows that quality and TSTR score")
    r.add_argument("--save-model", type=Path, default=None, help="save the fitted model")
    r.add_argument("--results-dir", type=Path, default=RESULTS)
    r.add_argument("--dp", action="store_true")
    r.add_argument("--dp-noise-multiplier", type=float, default=1.0)
    r.add_argument("--dp-l2-norm-clip", type=float, default=1.0)
    r.add_argument("--dp-target-epsilon", type=float, default=None)
    r.add_argument("--max-invalid", type=int, default=None)
    r.add_argument("--big-batch", type=int, default=1024)
    r.add_argument("--no-conditional", action="store_true")
    r.add_argument("--threads", type=int, default=1)
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--verbose", type=int, default=0)
    sub.add_parser("table")
    g = sub.add_parser("generation", help="rows/s at the defaults after 30 epochs")
    g.add_argument("--table", choices=["adult", "wide"], default="wide")
    g.add_argument("--rows", type=int, default=5000)
    g.add_argument("--model-dir", type=Path, default=Path("/tmp/skgen_lstm_models"))
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--set", nargs="*", metavar="NAME=VALUE",
                   help="constructor parameters (Python literals) of the model fitted")
    ns = parser.parse_args()
    if ns.what == "generation":
        params = {k: ast.literal_eval(v) for k, _, v in
                  (item.partition("=") for item in ns.set or [])}
        print(json.dumps(generation_speed(ns.table, ns.rows, ns.model_dir, ns.seed, params),
                         default=float))
        return
    if ns.speed_only:
        RESULTS.mkdir(exist_ok=True)
        result = speed_only(ns.speed_epochs)
        path = RESULTS / "lstm_speed_defaults.json"
        path.write_text(json.dumps(result, indent=1, default=float))
        print(f"wrote {path}")
        return
    if ns.what is None:
        parser.error("give a command (run, table) or --speed-only")
    if ns.what == "table":
        print(table())
        return
    ns.results_dir.mkdir(parents=True, exist_ok=True)
    result = run(ns)
    path = ns.results_dir / f"lstm_{ns.name}.json"
    path.write_text(json.dumps(result, indent=1, default=float))
    print(json.dumps(result, indent=1, default=float))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
