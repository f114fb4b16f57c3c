"""The progress bar class every skgen model draws with (``verbose=1``).

``tqdm.auto`` picks the notebook widget bar inside Jupyter, but without
``ipywidgets`` it falls back to the text bar only after printing
``TqdmWarning: IProgress not found`` -- on import, into every notebook that
uses skgen. The widget bar is therefore used only where ``ipywidgets`` is
installed; elsewhere the text bar, which renders in a notebook too.
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("ipywidgets") is not None:
    from tqdm.auto import tqdm
else:
    from tqdm.std import tqdm

__all__ = ["tqdm"]
