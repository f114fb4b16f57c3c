"""Benchmark skgen on Dask (issue 12).

Run by hand, not in CI::

    python benchmarks/dask_benchmark.py --fit                       # 20M rows, 1M per partition
    python benchmarks/dask_benchmark.py --fit --rows 2000000 --workers 2
    python benchmarks/dask_benchmark.py --sample           # 2M and 20M rows, 1 and 2 workers
    python benchmarks/dask_benchmark.py --sample --rows 2000000 5000000 --workers 1 2

``--fit`` (:func:`bench_fit`) writes an Adult-like Parquet data set with dask
(each partition a bootstrap resample of rows an AmplifySampler fitted on Adult
generated), then fits ``AmplifySampler`` on ``dd.read_parquet`` of it in a
fresh process and records the time and the peak resident memory of that
process and of its dask workers. Results go to standard output and to
``benchmarks/results/dask_fit.json``; ``docs/benchmarks.md`` quotes them.

``--sample`` (:func:`bench_sample`; ``--rows 2000000 20000000 --workers 1 2`` by
default): an AmplifySampler fitted on Adult writes ``n`` rows to Parquet through
:func:`skgen.dask.sample_dataframe` on a fresh ``LocalCluster`` (worker processes,
one thread each) per (rows, workers) pair: rows/s end to end and each worker's
peak resident memory (``ru_maxrss``: the cluster is new, so the peak is this
job's); also, in this process, the seconds to generate one partition and to write
it to Parquet, and the scheduler's overhead per task (the parts of a 1B-row job's
cost, docs/scaling.md). The load average goes with every figure. Results go to
``benchmarks/results/dask.json`` (its ``"sample"`` part).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results"
SAMPLE_RESULTS = RESULTS / "dask.json"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's skgen, here and in the child process


# ------------------------------------------------------------------ fit from dask
def make_adult_like_parquet(path: Path, rows: int, partition_rows: int, seed: int = 0) -> dict:
    """Write ``rows`` Adult-like rows as Parquet, ``partition_rows`` per file, with dask.

    One AmplifySampler fitted on Adult samples ``min(partition_rows, 1_000_000)``
    base rows; partition ``i`` is a bootstrap resample of them seeded by ``i``
    (sampling 20M rows from the model itself takes ~7 CPU-minutes more and
    changes nothing the fit benchmark measures: the data's size and types).
    """
    import dask.dataframe as dd

    from skgen import AmplifySampler
    from skgen.datasets import load_adult

    t0 = time.perf_counter()
    syn = AmplifySampler(random_state=seed).fit(load_adult())
    base = syn.sample(min(partition_rows, 1_000_000), random_state=seed)
    sizes = [partition_rows] * (rows // partition_rows) + \
        ([rows % partition_rows] if rows % partition_rows else [])

    def partition(i: int):
        rng = np.random.default_rng([seed, i])
        return base.iloc[rng.integers(0, len(base), sizes[i])].reset_index(drop=True)

    ddf = dd.from_map(partition, list(range(len(sizes))), meta=base.iloc[:0],
                      enforce_metadata=False)
    ddf.to_parquet(path, write_index=False)
    return {"rows": rows, "partitions": len(sizes), "write_s": round(time.perf_counter() - t0, 1),
            "bytes": sum(f.stat().st_size for f in Path(path).glob("*.parquet"))}


def _fit_child(path: str, workers: int, max_fit_rows: int | None) -> None:
    """Fit AmplifySampler on the Parquet data set (in this fresh process); print JSON."""
    import dask.dataframe as dd
    import psutil

    from skgen import AmplifySampler

    client, peaks, done = None, {}, threading.Event()
    if workers:
        from distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, memory_limit="4GiB")
        client = Client(cluster)
        pids = list(client.run(os.getpid).values())

        def poll() -> None:  # peak RSS of each worker process, sampled every 0.2 s
            while not done.is_set():
                for pid in pids:
                    try:
                        rss = psutil.Process(pid).memory_info().rss
                    except psutil.Error:
                        continue
                    peaks[pid] = max(peaks.get(pid, 0), rss)
                time.sleep(0.2)

        threading.Thread(target=poll, daemon=True).start()
    ddf = dd.read_parquet(path)
    t0 = time.perf_counter()
    syn = AmplifySampler(random_state=0, max_fit_rows=max_fit_rows).fit(ddf)
    fit_s = time.perf_counter() - t0
    done.set()
    sample = syn.sample(10_000, random_state=0)
    print(json.dumps({
        "fit_s": round(fit_s, 1), "n_train_rows": syn.n_train_rows_,
        "n_fit_rows": syn.n_fit_rows_,
        "driver_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker_peak_rss_mib": [round(v / 2**20) for v in peaks.values()],
        "sampled_rows_ok": bool(len(sample) == 10_000),
    }))
    if client is not None:
        client.close()


def bench_fit(rows: int = 20_000_000, partition_rows: int = 1_000_000, workers: int = 0,
              max_fit_rows: int | None = None, data: str | None = None) -> dict:
    """Time and peak memory of ``AmplifySampler().fit(dd.read_parquet(...))``.

    Parameters
    ----------
    rows : int, default=20_000_000
        Rows of the Parquet data set.
    partition_rows : int, default=1_000_000
        Rows per Parquet file (dask partition).
    workers : int, default=0
        0 fits on dask's threaded scheduler inside one process (its peak RSS
        is everything); otherwise a ``LocalCluster`` of that many one-thread
        worker processes (4 GiB memory limit each).
    max_fit_rows : int or None, default=None
        The model's ``max_fit_rows`` (None: its ``subsample``, 200,000 rows).
    data : str or None, default=None
        Directory of an existing data set to reuse; ``None`` writes one to a
        temporary directory, removed afterwards.

    Returns
    -------
    dict
        The data set's size and write time, the fit's wall time, the peak RSS
        of the fitting process and of each worker (MiB), and the machine load.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(data) if data else Path(tmp) / "adult_like"
        made = {} if (path / "_metadata").exists() or any(path.glob("*.parquet")) else \
            make_adult_like_parquet(path, rows, partition_rows)
        cmd = [sys.executable, __file__, "--fit-child", str(path), "--workers", str(workers)]
        if max_fit_rows:
            cmd += ["--max-fit-rows", str(max_fit_rows)]
        t0 = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
        wall = time.perf_counter() - t0
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result.update(
        data=made, rows=rows, partition_rows=partition_rows, workers=workers,
        child_wall_s=round(wall, 1),
        child_peak_rss_mib=round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        load_average=os.getloadavg(), cpus=os.cpu_count(), python=platform.python_version())
    return result


# ------------------------------------------------------------------ sample with dask
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
    results = json.loads(SAMPLE_RESULTS.read_text()) if SAMPLE_RESULTS.exists() else {}
    figures["machine"] = {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "python": platform.python_version(),
                          "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    results[part] = figures
    SAMPLE_RESULTS.parent.mkdir(parents=True, exist_ok=True)
    SAMPLE_RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def _markdown_sample(figures: dict) -> str:
    lines = ["| rows | workers | seconds | rows/s | peak RSS per worker (MiB) | load avg (1 min) |",
             "| ---: | ---: | ---: | ---: | --- | --- |"]
    for r in figures["runs"]:
        lines.append(f"| {r['rows']:,} | {r['workers']} | {r['seconds']} | "
                     f"{r['rows_per_second']:,} | {', '.join(map(str, r['peak_worker_rss_mib']))}"
                     f" | {r['load_avg_before'][0]} → {r['load_avg_after'][0]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help="fit from a Parquet data set")
    parser.add_argument("--sample", action="store_true",
                        help="rows/s to Parquet and peak memory per worker")
    parser.add_argument("--rows", type=int, nargs="+", default=None,
                        help="--fit: 20000000; --sample: 2000000 20000000")
    parser.add_argument("--partition-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, nargs="+", default=None,
                        help="--fit: 0 (threads); --sample: 1 2")
    parser.add_argument("--max-fit-rows", type=int, default=None)
    parser.add_argument("--data", default=None, help="reuse this Parquet directory")
    parser.add_argument("--fit-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fit_child:
        _fit_child(args.fit_child, (args.workers or [0])[0], args.max_fit_rows)
        return
    if not (args.fit or args.sample):
        parser.error("say which part to run: --fit and/or --sample")
    if args.fit:
        for rows in args.rows or [20_000_000]:
            for workers in args.workers or [0]:
                result = bench_fit(rows, args.partition_rows, workers, args.max_fit_rows,
                                   args.data)
                print(json.dumps(result, indent=1))
                RESULTS.mkdir(exist_ok=True)
                out = RESULTS / "dask_fit.json"
                runs = json.loads(out.read_text()) if out.exists() else []
                out.write_text(json.dumps(runs + [result], indent=1) + "\n")
    if args.sample:
        folder = Path(tempfile.mkdtemp(prefix="skgen-dask-bench-"))
        try:
            figures = bench_sample(args.rows or [2_000_000, 20_000_000], args.workers or [1, 2],
                                   args.partition_rows, folder)
            _save("sample", figures)
            print(_markdown_sample(figures))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
