"""LSTMSynthesizer on 5,000 diamonds rows: training loss against CPU seconds at two batch sizes.

Issue 13 measures speed per epoch; a smaller batch takes more steps per epoch, so this script
prints, per epoch, the CPU seconds and the training loss at ``batch_size`` 32 (5 epochs) and 64
(9 epochs), one torch thread, no validation split and no early stopping. Figures in
docs/benchmarks.md (LSTM, fourth pass)::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/lstm_batch_time_to_loss.py
"""

from __future__ import annotations

import time

import numpy as np
import torch

from skgen import LSTMSynthesizer
from skgen.datasets import load_diamonds


def main() -> None:
    torch.set_num_threads(1)
    df = load_diamonds().sample(5000, random_state=0).reset_index(drop=True)
    for batch_size, epochs in ((32, 5), (64, 9)):
        start = time.process_time()
        model = LSTMSynthesizer(epochs=epochs, batch_size=batch_size, early_stopping=False,
                                validation_split=False, random_state=0).fit(df)
        history = model.history_[0]
        cumulative = np.cumsum(history["cpu_seconds"])
        print(f"batch_size={batch_size}: {time.process_time() - start:.1f} CPU s in all")
        for epoch, (loss, cpu) in enumerate(zip(history["loss"], cumulative, strict=True), 1):
            print(f"  epoch {epoch}: loss {loss:.3f} nats/token after {cpu:.1f} CPU s")


if __name__ == "__main__":
    main()
