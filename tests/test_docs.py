"""The API reference (docs/api.rst) lists every public name.

The site itself is built, with warnings as errors, by ``.ci/run``; this test only checks
that a name added to a module's ``__all__`` gets its page.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def _listed() -> dict[str, set[str]]:
    """Names under each ``.. currentmodule::`` of api.rst, in autosummary tables or ``:obj:``."""
    listed: dict[str, set[str]] = {}
    module = None
    in_table = False
    for line in API.read_text(encoding="utf-8").splitlines():
        if line.startswith(".."):
            in_table = line.startswith(".. autosummary::")
            m = re.match(r"\.\. currentmodule:: (\S+)", line)
            if m:
                module = m.group(1)
            continue
        names = listed.setdefault(module, set())
        names.update(re.findall(r":obj:`(?:skgen\.)?(\w+)`", line))
        entry = re.fullmatch(r" {3}(\w+)", line)
        if in_table and entry:
            names.add(entry.group(1))
    return listed


@pytest.mark.parametrize("module", sorted(m for m in _listed() if m))
def test_api_reference_lists_every_public_name(module):
    mod = importlib.import_module(module)
    public = {n for n in mod.__all__ if n != "__version__"}
    assert public - _listed()[module] == set(), f"add them to docs/api.rst under {module}"


def test_api_reference_covers_every_public_submodule():
    import skgen

    documented = set(_listed())
    for path in sorted(Path(skgen.__file__).parent.iterdir()):
        name = path.stem if path.suffix == ".py" else path.name
        if name.startswith("_") or not (path.suffix == ".py" or (path / "__init__.py").exists()):
            continue
        if name == "cli":  # the command line: documented in the README, nothing to import
            continue
        assert f"skgen.{name}" in documented, f"add skgen.{name} to docs/api.rst"
