"""skgen: scikit-learn-compatible synthetic data generators.

``fit(df)`` then ``sample(n, conditions={"label": "fraud"})``: every model
learns a table and generates synthetic rows, optionally conditioned on fixed
values, with validators, pre-flight data checks and pickle-free persistence.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from skgen.exceptions import (
    ConditionError,
    DataCheckError,
    ModelFileError,
    SchemaError,
    SkgenError,
    TooManyInvalidError,
)

if TYPE_CHECKING:  # imported on first use, below; named here for type checkers and IDEs
    from skgen.amplify import AmplifySampler
    from skgen.base import BaseSynthesizer
    from skgen.conditions import Range
    from skgen.gan import GANSynthesizer
    from skgen.lstm import LSTMSynthesizer
    from skgen.oversampling import SyntheticOversampler
    from skgen.persistence import load
    from skgen.text import GPTTextSynthesizer

__version__ = "0.1.0"

#: Public names imported on first use -> the module defining them. ``import skgen``
#: stays light: scikit-learn loads with the first estimator, torch only with a torch
#: model (GAN, LSTM), transformers only when a GPT model is fitted or loaded.
_LAZY = {
    "AmplifySampler": "skgen.amplify",
    "BaseSynthesizer": "skgen.base",
    "GANSynthesizer": "skgen.gan",
    "GPTTextSynthesizer": "skgen.text",
    "LSTMSynthesizer": "skgen.lstm",
    "Range": "skgen.conditions",
    "SyntheticOversampler": "skgen.oversampling",
    "load": "skgen.persistence",
}
#: Subpackages reachable as ``skgen.NAME`` after a bare ``import skgen`` (each imported
#: on first use: ``skgen.dask`` needs the ``dask`` extra, ``skgen.plotting`` matplotlib).
_SUBMODULES = ("amplify", "base", "conditions", "dask", "data_checks", "datasets", "exceptions",
               "gan", "lstm", "metrics", "oversampling", "persistence", "plotting", "privacy",
               "schema", "text", "validators")


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = import_module(f"skgen.{name}")
    else:
        raise AttributeError(f"module 'skgen' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBMODULES})


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
