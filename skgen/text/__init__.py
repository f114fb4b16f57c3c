"""GPTTextSynthesizer: labelled texts from a pretrained causal language model.

Importing this package does not import ``transformers``; fitting or loading a
model does (the ``text`` extra: ``pip install "skgen[text]"``).
"""

from skgen.text._augment import prefix_conditions
from skgen.text._pretrained import fetch_default
from skgen.text._synthesizer import GPTTextSynthesizer

__all__ = ["GPTTextSynthesizer", "fetch_default", "prefix_conditions"]
