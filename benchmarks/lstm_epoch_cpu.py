"""CPU seconds per training epoch of LSTMSynthesizer at its defaults (issue 13, point 3).

Fits ``LSTMSynthesizer(epochs=E, random_state=0)`` on 5,000 diamonds rows (gretel-synthetics:
24.6 s per epoch, so the target is 2.46) or on 10,000 Adult rows (seed columns ``income``,
``sex``), one torch thread, and prints one JSON line: CPU seconds of each epoch
(``history_[i]["cpu_seconds"]``, user + system time), their mean over epochs 2 onwards, the
training loss of each epoch (nats per token; the same seed gives the same curve, so two versions
of the code can be compared by it), and the system time and minor page faults of the whole fit.
Run it alternately on two checkouts (``PYTHONPATH``) to compare them. Figures in
docs/benchmarks.md (LSTM, fifth pass)::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/lstm_epoch_cpu.py --table diamonds --epochs 4
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import warnings

import numpy as np
import torch

from skgen import LSTMSynthesizer
from skgen.datasets import load_adult, load_diamonds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", choices=["diamonds", "adult"], default="diamonds")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--tag", default="")
    ns = ap.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    if ns.table == "diamonds":
        data, seeds = load_diamonds().sample(5000, random_state=0), None
    else:
        data, seeds = load_adult().sample(10000, random_state=0), ["income", "sex"]
        data = data.drop(columns="split", errors="ignore")
    data = data.reset_index(drop=True)
    before = resource.getrusage(resource.RUSAGE_SELF)
    syn = LSTMSynthesizer(epochs=ns.epochs, seed_columns=seeds, random_state=0).fit(data)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = [c for h in syn.history_ for c in h["cpu_seconds"]]
    print(json.dumps({
        "tag": ns.tag, "table": ns.table, "rows": len(data),
        "cpu_s_per_epoch": [round(c, 3) for c in cpu],
        "mean_from_epoch_2": round(float(np.mean(cpu[1:] or cpu)), 3),
        "loss": [round(x, 4) for h in syn.history_ for x in h["loss"]],
        "fit_system_s": round(after.ru_stime - before.ru_stime, 2),
        "fit_minor_page_faults": after.ru_minflt - before.ru_minflt,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
