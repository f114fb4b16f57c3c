"""The Gretel LSTM on torch: records as lines of text, an LSTM language model over them.

:class:`LSTMSynthesizer` is the estimator; :func:`parse_gretel_config` reads a
Gretel LSTM configuration (``LSTMSynthesizer.from_gretel_config`` builds the
estimator from one). The submodules are the parts: ``_encoding`` (rows <->
lines, the field delimiter), ``_tokenizers`` (SentencePiece and characters),
``_model`` (the torch network), ``_train`` (training, early stopping, DP-SGD),
``_generate`` (batched sampling with per-row prompts), ``_clusters`` (field
clusters) and ``_config`` (Gretel configurations).
"""

from skgen.lstm._config import GretelConfig, parse_gretel_config
from skgen.lstm._encoding import DELIMITER_CANDIDATES
from skgen.lstm._synthesizer import LSTMSynthesizer

__all__ = ["DELIMITER_CANDIDATES", "GretelConfig", "LSTMSynthesizer", "parse_gretel_config"]
