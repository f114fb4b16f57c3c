"""The progress bar class every skgen model draws with (``verbose=1``).

``tqdm.auto`` picks the notebook widget bar inside Jupyter, but without
``ipywidgets`` it falls back to the text bar only after printing
``TqdmWarning: IProgress not found`` -- on import, into every notebook that
uses skgen. The widget bar is therefore used only where ``ipywidgets`` is
installed; elsewhere the text bar, which renders in a notebook too. In that
case ``tqdm.auto`` is also imported here once, its warning silenced, so that
the libraries skgen drives (transformers, for the GPT model) find it imported
and do not print the warning either: they get the same text bar.
"""

from __future__ import annotations

import warnings
from importlib import import_module
from importlib.util import find_spec

if find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm
else:
    from tqdm.std import TqdmWarning, tqdm

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found", category=TqdmWarning)
        import_module("tqdm.auto")

__all__ = ["tqdm"]
