"""Benchmark skgen on a Dask cluster (issue 12, item 5).

Run by hand, not in CI::

    python benchmarks/dask_benchmark.py --sample     # 2M and 20M rows, 1 and 2 workers
    python benchmarks/dask_benchmark.py --sample --rows 2000000 5000000 --workers 1 2

``--sample``: an AmplifySampler fitted on Adult (48,842 rows) writes ``n`` synthetic
rows to Parquet through :func:`skgen.dask.sample_dataframe` on a fresh
``LocalCluster`` (worker processes, one thread each) per (rows, workers) pair:
rows per second end to end, and each worker's peak resident memory (its
``ru_maxrss``: the cluster is new, so the peak is this job's). The figures that
cost a 1B-row job (docs/scaling.md) are measured too, in this process: seconds to
generate one partition, to write it to Parquet, and the scheduler's overhead per
task. The machine load (``os.getloadavg``) goes with every figure: on a shared
machine it says how far from idle the figures are.

Results go to standard output as Markdown and to ``benchmarks/results/dask.json``
(merged with what is there, so other parts of this script keep their figures).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "dask.json"


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _peak_rss_mib() -> float:
    """Peak resident memory of the calling process, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fit_adult():
    from skgen import AmplifySampler
    from skgen.datasets import load_adult

    return AmplifySampler(random_state=0).fit(load_adult())


def _noop(i: int) -> int:
    return i


def bench_sample(rows: list[int], workers: list[int], partition_rows: int,
                 folder: Path) -> dict:
    """Rows/s to Parquet and peak memory per worker, per (rows, workers); cost parts."""
    import distributed

    from skgen.dask import sample_dataframe

    started = time.perf_counter()
    syn = _fit_adult()
    out: dict = {"model": "AmplifySampler(random_state=0) fitted on Adult (48,842 x 15)",
                 "fit_seconds": round(time.perf_counter() - started, 1),
                 "partition_rows": partition_rows, "runs": []}

    # the parts of one partition's cost, in this process
    load = _load()
    t = time.perf_counter()
    part = syn.sample(partition_rows, random_state=0)
    generate = time.perf_counter() - t
    path = folder / "one.parquet"
    t = time.perf_counter()
    part.to_parquet(path, index=False)
    write = time.perf_counter() - t
    out["one_partition"] = {
        "rows": partition_rows, "generate_seconds": round(generate, 2),
        "parquet_write_seconds": round(write, 2),
        "parquet_bytes_per_row": round(path.stat().st_size / partition_rows, 1),
        "memory_bytes_per_row": round(part.memory_usage(deep=True).sum() / partition_rows, 1),
        "load_avg": load}
    del part
    print(f"one partition of {partition_rows:,} rows: generate {generate:.1f} s, "
          f"Parquet write {write:.1f} s (load {load})")

    for n in rows:
        for w in workers:
            target = folder / f"n{n}_w{w}"
            with distributed.LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                                          dashboard_address=None, memory_limit=0) as cluster, \
                    distributed.Client(cluster) as client:
                if "scheduler_task_ms" not in out:  # overhead per task, 2,000 empty tasks
                    t = time.perf_counter()
                    client.gather(client.map(_noop, range(2000)))
                    out["scheduler_task_ms"] = round((time.perf_counter() - t) / 2000 * 1e3,
                                                     3)
                load_before = _load()
                t = time.perf_counter()
                ddf = sample_dataframe(syn, n, partition_rows=partition_rows, random_state=0)
                ddf.to_parquet(target, write_index=False)
                seconds = time.perf_counter() - t
                peaks = sorted(client.run(_peak_rss_mib).values())
            written = sum(f.stat().st_size for f in target.glob("*.parquet"))
            shutil.rmtree(target)
            run = {"rows": n, "workers": w, "seconds": round(seconds, 1),
                   "rows_per_second": round(n / seconds), "parquet_mib": round(written / 2**20),
                   "peak_worker_rss_mib": [round(p) for p in peaks],
                   "load_avg_before": load_before, "load_avg_after": _load()}
            out["runs"].append(run)
            print(f"{n:>12,} rows, {w} worker(s): {seconds:7.1f} s, {n / seconds:9,.0f} rows/s, "
                  f"peak RSS per worker {run['peak_worker_rss_mib']} MiB, "
                  f"load {load_before} -> {run['load_avg_after']}", flush=True)
    return out


def _save(part: str, figures: dict) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    figures["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(),
                          "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    results[part] = figures
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def _markdown_sample(figures: dict) -> str:
    lines = ["| rows | workers | seconds | rows/s | peak RSS per worker (MiB) | load avg (1 min) |",
             "| ---: | ---: | ---: | ---: | --- | --- |"]
    for r in figures["runs"]:
        lines.append(f"| {r['rows']:,} | {r['workers']} | {r['seconds']} | "
                     f"{r['rows_per_second']:,} | {', '.join(map(str, r['peak_worker_rss_mib']))}"
                     f" | {r['load_avg_before'][0]} → {r['load_avg_after'][0]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", action="store_true",
                        help="rows/s to Parquet and peak memory per worker")
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000_000, 20_000_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if not args.sample:
        parser.error("say which part to run: --sample")
    folder = Path(tempfile.mkdtemp(prefix="skgen-dask-bench-"))
    try:
        if args.sample:
            figures = bench_sample(args.rows, args.workers, args.partition_rows, folder)
            _save("sample", figures)
            print(_markdown_sample(figures))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
