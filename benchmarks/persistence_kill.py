"""Kill a process while it saves a model, again and again; the file must always load (issue 9, 4).

Run by hand, not in CI::

    python benchmarks/persistence_kill.py [--kills 10]

A child process saves two different models in turn to the same path, without
pause; the parent kills it (SIGKILL) at a random moment, then loads the path.
Before the atomic save, safetensors 0.4.5 left a corrupt file in 1 of 6 tries.
Prints one Markdown table row: kills, loads that failed, temporary files left
behind (a SIGKILL gives no chance to remove them; they are hidden
``.NAME.*.tmp`` files beside the target).
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import sys, skgen
from skgen.persistence import save
a, b, target = skgen.load(sys.argv[1]), skgen.load(sys.argv[2]), sys.argv[3]
print("ready", flush=True)
while True:
    save(a, target, include_reference_data=True)
    save(b, target, include_reference_data=True)
"""


def _digest(path: Path) -> str:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as f:
        return f.metadata()["sha256"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=10)
    args = parser.parse_args()

    import skgen
    from skgen.datasets import load_adult
    from skgen.validators import PrivacyFilter

    data = load_adult()
    folder = Path(tempfile.mkdtemp())
    a = PrivacyFilter(random_state=0).fit(data)
    b = PrivacyFilter(random_state=0).fit(data.sample(20_000, random_state=1))
    pa = skgen.persistence.save(a, folder / "a.skgen", include_reference_data=True)
    pb = skgen.persistence.save(b, folder / "b.skgen", include_reference_data=True)
    target = folder / "target.skgen"
    digests = {_digest(pa), _digest(pb)}
    rng = random.Random(0)
    failed = 0
    for _ in range(args.kills):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(pa), str(pb), str(target)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.2, 1.5))
        child.send_signal(signal.SIGKILL)
        child.wait()
        try:
            skgen.load(target)
            failed += _digest(target) not in digests
        except Exception as exc:  # noqa: BLE001 - any failure to load counts
            print(f"load failed: {exc}", file=sys.stderr)
            failed += 1
    left = len(list(folder.glob(".target.skgen.*.tmp")))
    print("| kills | target failed to load or was neither model | temporary files left |")
    print("| --- | --- | --- |")
    print(f"| {args.kills} | {failed} | {left} |")


if __name__ == "__main__":
    main()
