"""skgen: scikit-learn-compatible synthetic data generators.

``fit(df)`` then ``sample(n, conditions={"label": "fraud"})``: every model
learns a table and generates synthetic rows, optionally conditioned on fixed
values, with validators, pre-flight data checks and pickle-free persistence.
"""

from skgen.amplify import AmplifySampler
from skgen.base import BaseSynthesizer
from skgen.conditions import Range
from skgen.exceptions import (
    ConditionError,
    DataCheckError,
    ModelFileError,
    SchemaError,
    SkgenError,
    TooManyInvalidError,
)
from skgen.gan import GANSynthesizer
from skgen.lstm import LSTMSynthesizer
from skgen.oversampling import SyntheticOversampler
from skgen.persistence import load
from skgen.text import GPTTextSynthesizer

__version__ = "0.1.0"

__all__ = [
    "AmplifySampler",
    "BaseSynthesizer",
    "ConditionError",
    "DataCheckError",
    "GANSynthesizer",
    "GPTTextSynthesizer",
    "LSTMSynthesizer",
    "ModelFileError",
    "Range",
    "SchemaError",
    "SkgenError",
    "SyntheticOversampler",
    "TooManyInvalidError",
    "__version__",
    "load",
]
