"""Execute the notebooks in place, so that they are stored with their outputs.

Usage, from the repository root (skgen installed, or ``PYTHONPATH=.``)::

    OMP_NUM_THREADS=1 python3 notebooks/execute.py               # every notebook
    OMP_NUM_THREADS=1 python3 notebooks/execute.py notebooks/privacy.ipynb

Each notebook runs in a fresh kernel from the ``notebooks/`` folder, as
``pytest --nbmake notebooks`` (in ``.ci/run``) runs it. Progress bars are
stored as a terminal would show them (the last state of each bar, not every
refresh), cell ids are stable, and the wall time of each notebook is printed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def _tidy(outputs: list) -> list:
    """Merge consecutive stream outputs and keep what a terminal shows after each \\r."""
    merged: list = []
    for out in outputs:
        if (out.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == out.name):
            merged[-1].text += out.text
        else:
            merged.append(out)
    for out in merged:
        if out.output_type == "stream":
            out.text = "\n".join(line.rsplit("\r", 1)[-1] for line in out.text.split("\n"))
    return [o for o in merged if o.output_type != "stream" or o.text.strip()]


def execute(path: Path) -> float:
    """Run ``path`` top to bottom, write it back with its outputs; return the seconds taken."""
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:02d}"
        if cell.cell_type == "code":
            cell.outputs = _tidy(cell.outputs)
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    paths = [Path(p).resolve() for p in sys.argv[1:]] or sorted(HERE.glob("*.ipynb"))
    for p in paths:
        print(f"{p.name}: {execute(p):.1f} s", flush=True)
