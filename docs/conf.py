"""Sphinx configuration of the skgen documentation site.

Build it from the repository root with::

    python3 -m sphinx -W --keep-going -b html docs docs/_build/html

Nothing is fetched from the network at build time (no intersphinx inventories) and no
notebook is executed: notebooks are rendered from the outputs stored in them.
"""

from __future__ import annotations

import inspect
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the skgen of this checkout, not whichever one is installed.
sys.path.insert(0, str(ROOT))

import skgen  # noqa: E402

# -- The notebooks --------------------------------------------------------------------------
# Every notebooks/*.ipynb is copied into docs/notebooks/ (ignored by git) at each build, and
# docs/examples.md lists that folder with a glob: a notebook added to notebooks/ appears on
# the site without touching the docs. copy2 keeps the modification time, so an unchanged
# notebook is not re-read by an incremental build.
NOTEBOOKS_SRC = ROOT / "notebooks"
NOTEBOOKS_DST = DOCS / "notebooks"
NOTEBOOKS_DST.mkdir(exist_ok=True)
_wanted = {p.name: p for p in sorted(NOTEBOOKS_SRC.glob("*.ipynb"))}
for stale in NOTEBOOKS_DST.iterdir():
    if stale.name not in _wanted:
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
for name, src in _wanted.items():
    dst = NOTEBOOKS_DST / name
    if not dst.exists() or dst.stat().st_mtime != src.stat().st_mtime:
        shutil.copy2(src, dst)

# -- Project --------------------------------------------------------------------------------
project = "skgen"
author = "skgen developers"
copyright = "skgen developers, Apache-2.0"
release = skgen.__version__
version = ".".join(release.split(".")[:2])

# -- General --------------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",
]
# No intersphinx: the build must not need the network.

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "Thumbs.db", ".DS_Store"]
default_role = "literal"
nitpicky = False

# -- MyST and notebooks ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
# The guides link to their own sections as [text](#the-heading) and to each other's as
# [text](page.md#the-heading): give headings GitHub-style anchors so that both resolve.
myst_heading_anchors = 4
nb_execution_mode = "off"  # render the stored outputs; never run a notebook at build time
nb_merge_streams = True

# -- autodoc / autosummary / numpydoc -------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "groupwise"}
autodoc_typehints = "none"  # numpydoc's Parameters sections give the types
numpydoc_show_class_members = False  # the class template lists the members itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# numpydoc validation of every public docstring rendered on the site: a failing check is a
# warning, so `sphinx -W` fails the build. The checks (numpydoc's codes):
numpydoc_validation_checks = {
    "GL08",  # the object has no docstring
    "SS01",  # no summary line
    "SS03",  # summary does not end with a period
    "SS06",  # summary longer than one line
    "GL07",  # sections in the wrong order
    "PR01",  # a parameter is not documented
    "PR02",  # a documented parameter does not exist
    "PR04",  # a parameter has no type
    "PR07",  # a parameter has no description
    "PR09",  # a parameter description does not end with a period
    "PR10",  # "name:type" without the space before the colon
    "RT01",  # no Returns section
    "RT03",  # a return value has no description
    "YD01",  # no Yields section
}
# BaseSynthesizer has no constructor of its own; its docstring lists the parameters every
# subclass takes (and says so), which PR02 would read as unknown parameters.
numpydoc_validation_overrides = {"PR02": [r"abstract class has no constructor of its own"]}
numpydoc_validation_exclude = {
    r"\._[a-z]",  # private names
    r"\.__[a-z]+__$",  # dunder methods
}


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Leave out members inherited from scikit-learn, imbalanced-learn or Python.

    Their docstrings are documented (and cross-referenced) by those projects; the class pages
    show skgen's own methods, including those inherited from skgen base classes.
    """
    if skip or what != "class":
        return skip
    func = inspect.unwrap(getattr(obj, "fget", obj))
    module = getattr(func, "__module__", None) or ""
    if callable(func) and not module.startswith("skgen"):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)


# -- HTML -----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skgen {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"**": ["sidebar-nav-bs"], "index": [], "benchmarks": [], "changelog": []}
html_static_path: list[str] = []
html_show_sourcelink = False
