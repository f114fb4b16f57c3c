"""Build `skgen report --html` on the Adult table and render it in headless Chromium (issue 11).

Run by hand from the repository root, skgen installed or on ``PYTHONPATH`` (a documented
check, not a timing)::

    python benchmarks/render_report.py [--rows N] [--output-dir DIR] [--screenshot PNG]

It splits the shipped Adult table 80/20 into training and hold-out rows, fits
``AmplifySampler`` on the training rows, samples 10,000 rows, writes the three
CSVs and runs ``skgen report train.csv synthetic.csv --holdout holdout.csv
--html report.html``. Then Chromium (``chromium --headless --no-sandbox``)
opens the page twice:

1. with a one-line script appended to a *copy* of the page, which records how
   many ``<img>`` elements the browser decoded (``naturalWidth > 0``) and the
   page height, read back with ``--dump-dom``; the check fails unless every
   image decoded;
2. to take a screenshot of the whole page (``--screenshot``,
   ``--window-size=1280,<page height>``); ``--screenshot PNG`` also writes it,
   halved and on 256 colours, to PNG (the repository keeps
   ``docs/_static/report_screenshot.png``).

Chromium is searched as ``chromium``, ``chromium-browser``, ``google-chrome``
on PATH (or ``$CHROMIUM``). Prints one line per step and exits 1 if an image
did not render. ``--rows`` subsamples the Adult table first (the test suite
runs this script with a few hundred rows when Chromium is installed).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Appended to a copy of the page: counts the images the browser decoded.
_PROBE = ("<script>window.addEventListener('load', () => {"
          "const imgs = [...document.images];"
          "document.body.dataset.images = imgs.length;"
          "document.body.dataset.decoded = imgs.filter(i => i.naturalWidth > 0).length;"
          "document.body.dataset.height = document.documentElement.scrollHeight;});"
          "</script>")
_WIDTH = 1280


def find_chromium() -> str | None:
    """The Chromium executable: ``$CHROMIUM`` or the first known name on PATH."""
    if os.environ.get("CHROMIUM"):
        return os.environ["CHROMIUM"]
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _chromium(browser: str, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                               "--hide-scrollbars", f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=180, check=True)


def probe(browser: str, page: Path) -> dict:
    """Open a copy of ``page`` with the probe script; images, decoded images, height."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "probe.html"
        copy.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
                        encoding="utf-8")
        dom = _chromium(browser, "--virtual-time-budget=20000", "--dump-dom",
                        copy.as_uri()).stdout
    found = {k: int(v) for k, v in re.findall(r'data-(images|decoded|height)="(\d+)"', dom)}
    if len(found) != 3:
        raise RuntimeError("the probe script did not run; Chromium printed:\n" + dom[:2000])
    return found


def screenshot(browser: str, page: Path, height: int, out: Path) -> None:
    """A screenshot of the whole page, ``_WIDTH`` pixels wide."""
    _chromium(browser, f"--screenshot={out}", f"--window-size={_WIDTH},{height}",
              page.as_uri())


def build_report(folder: Path, rows: int | None) -> Path:
    """Fit AmplifySampler on 80 % of Adult, sample, and run ``skgen report --html``."""
    from skgen import AmplifySampler
    from skgen.cli import main
    from skgen.datasets import load_adult

    data = load_adult()
    if rows is not None:
        data = data.sample(rows, random_state=0)
    train = data.sample(frac=0.8, random_state=0)
    holdout = data.drop(train.index)
    synthetic = AmplifySampler(random_state=0).fit(train).sample(min(10_000, len(train)))
    paths = {}
    for name, frame in (("train", train), ("synthetic", synthetic), ("holdout", holdout)):
        paths[name] = folder / f"adult_{name}.csv"
        frame.to_csv(paths[name], index=False)
    page = folder / "report.html"
    status = main(["report", str(paths["train"]), str(paths["synthetic"]),
                   "--holdout", str(paths["holdout"]), "--html", str(page)])
    if status != 0:
        raise RuntimeError(f"skgen report exited with status {status}")
    return page


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=None,
                        help="subsample the Adult table to this many rows first")
    parser.add_argument("--output-dir", default=None,
                        help="where to write the CSVs, the page and the full screenshot "
                        "(default: a temporary folder)")
    parser.add_argument("--screenshot", default=None,
                        help="also write the screenshot, halved, to this PNG")
    args = parser.parse_args(argv)
    browser = find_chromium()
    if browser is None:
        print("no Chromium on PATH (set $CHROMIUM)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.output_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        page = build_report(folder, args.rows)
        print(f"built {page} ({page.stat().st_size / 1e6:.2f} MB) in "
              f"{time.perf_counter() - t0:.1f} s")
        found = probe(browser, page)
        print(f"Chromium decoded {found['decoded']} of {found['images']} images; page height "
              f"{found['height']} px")
        full = folder / "report_screenshot_full.png"
        screenshot(browser, page, found["height"], full)
        print(f"wrote {full}")
        if args.screenshot:
            from PIL import Image

            with Image.open(full) as image:
                half = image.convert("RGB").resize((image.width // 2, image.height // 2),
                                                   Image.LANCZOS)
                small = half.quantize(colors=256, method=Image.Quantize.FASTOCTREE)
                small.save(args.screenshot, optimize=True)  # about 0.1 MB
            print(f"wrote {args.screenshot}")
    ok = found["images"] > 0 and found["decoded"] == found["images"]
    print("every figure rendered" if ok else "SOME FIGURES DID NOT RENDER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
