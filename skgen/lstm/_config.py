"""Reading a Gretel LSTM configuration (YAML text, a file or a dict).

The accepted shape is the seed documentation's::

    schema_version: "1.0"
    name: optional
    models:
      - synthetics:
          data_source: __tmp__
          params: {epochs: 100, batch_size: 64, vocab_size: 20000, ...}
          generate: {num_records: 5000, max_invalid: 5000}
          validators: {in_set_count: 10, pattern_count: 10, ...}
          data_checks: {strategy: log}
          fallback: {allow: True, max_fallback_training_time_seconds: 300}
          task: {type: seed, attrs: {fields: [col_a, col_b]}}

Every key is checked: an unknown one raises ``ValueError`` naming it and where
it sits. A parameter left out or set to ``null`` takes the seed's default
(:data:`SEED_DEFAULTS`), as the seed says ("the default value from the Open
Source package will be used"), so a Gretel configuration trains the model the
seed describes even where skgen's own defaults differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: ``params:`` keys of the seed documentation (all constructor parameters).
GRETEL_PARAMS = (
    "epochs", "batch_size", "vocab_size", "reset_states", "learning_rate", "rnn_units",
    "dropout_rate", "field_cluster_size", "early_stopping", "gen_temp", "predict_batch_size",
    "validation_split", "dp", "dp_noise_multiplier", "dp_l2_norm_clip", "dp_microbatches",
    "field_delimiter",
)
#: skgen extensions also accepted under ``params:``.
EXTRA_PARAMS = (
    "max_line_len", "embedding_dim", "early_stopping_patience", "lr_schedule",
    "dp_target_epsilon", "dp_delta", "device", "verbose", "n_jobs", "random_state",
)
#: The seed's defaults (its example configuration "with the default options
#: displayed", and gretel-synthetics' ``embedding_dim``, ``max_line_len``,
#: early-stopping patience and constant learning rate): a configuration that
#: leaves a key out, or sets it to ``null``, gets these -- not skgen's defaults,
#: which are tuned for speed and differ (see :class:`~skgen.LSTMSynthesizer`).
SEED_DEFAULTS = {
    "epochs": 100, "batch_size": 64, "vocab_size": 20000, "reset_states": False,
    "learning_rate": 0.001, "rnn_units": 256, "dropout_rate": 0.2, "field_cluster_size": 20,
    "early_stopping": True, "gen_temp": 1.0, "predict_batch_size": 64,
    "validation_split": False, "dp": False, "dp_noise_multiplier": 0.001,
    "dp_l2_norm_clip": 5.0, "dp_microbatches": 1, "field_delimiter": None,
    "embedding_dim": 256, "max_line_len": 2048, "early_stopping_patience": 5,
    "lr_schedule": "constant",
}
_SYNTHETICS_KEYS = ("data_source", "params", "generate", "validators", "data_checks",
                    "fallback", "task")
_TOP_KEYS = ("schema_version", "name", "models")
_GENERATE_KEYS = ("num_records", "max_invalid")
_VALIDATOR_KEYS = ("in_set_count", "pattern_count", "use_numeric_iqr", "open_close_chars",
                   "allow_empty_values")
_FALLBACK_KEYS = ("allow", "max_fallback_training_time_seconds")


@dataclass
class GretelConfig:
    """A parsed Gretel LSTM configuration.

    Made by :func:`parse_gretel_config`. A dataclass: each parameter is kept
    as the attribute of the same name.

    Parameters
    ----------
    params : dict, default={}
        Keyword arguments for :class:`~skgen.LSTMSynthesizer` (``params``,
        ``validators``, ``data_checks``, ``fallback``, ``task`` and
        ``generate.max_invalid`` mapped to constructor parameters).
    num_records : int or None, default=5000
        ``generate.num_records``: rows to pass to ``sample`` (``None``: the
        lesser of 5000 and the training size).
    data_source : str or None, default=None
        ``data_source`` (informational; skgen fits on the data you pass).
    seed_data_source : str or None, default=None
        ``generate.data_source`` (seed rows CSV), if given.
    name : str or None, default=None
        The configuration's ``name``.

    References
    ----------
    Gretel.ai, "Gretel LSTM" model documentation (configuration keys
    ``params``, ``validators``, ``data_checks``, ``generate``) and
    gretel-synthetics, https://github.com/gretelai/gretel-synthetics.
    """

    params: dict = field(default_factory=dict)
    num_records: int | None = 5000
    data_source: str | None = None
    seed_data_source: str | None = None
    name: str | None = None


def _load(config: Any) -> Mapping:
    if isinstance(config, Mapping):
        return config
    if isinstance(config, Path) or (isinstance(config, str) and "\n" not in config
                                    and config.strip().endswith((".yml", ".yaml", ".json"))):
        path = Path(config)
        if not path.is_file():
            raise FileNotFoundError(f"no Gretel configuration file at {path}")
        config = path.read_text(encoding="utf-8")
    if not isinstance(config, str):
        raise TypeError("config must be a dict, a YAML string or a path to a YAML file, got "
                        f"{type(config).__name__}")
    import yaml

    try:
        data = yaml.safe_load(config)
    except yaml.YAMLError as exc:
        raise ValueError(f"the Gretel configuration is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        raise ValueError("the Gretel configuration must be a mapping with a 'models' list")
    return data


def _check_keys(section: Mapping, allowed: tuple, where: str) -> None:
    if not isinstance(section, Mapping):
        raise ValueError(f"{where} must be a mapping, got {type(section).__name__}")
    for key in section:
        if key not in allowed:
            raise ValueError(f"unknown key {key!r} in {where}; allowed: {list(allowed)}")


def parse_gretel_config(config: Any) -> GretelConfig:
    """Parse a Gretel LSTM configuration into skgen's terms.

    Parameters
    ----------
    config : dict, str or pathlib.Path
        The configuration as a dict, a YAML string, or the path of a YAML file.

    Returns
    -------
    GretelConfig
        The LSTM's constructor arguments (``params``) and the generation
        settings.

    Raises
    ------
    ValueError
        For an unknown key (named, with where it sits), a wrong
        ``schema_version``, no ``synthetics`` model, or a task other than
        ``seed``.
    FileNotFoundError
        For a path that does not exist.
    TypeError
        For a config of another type.

    References
    ----------
    Gretel.ai, "Gretel LSTM" model documentation (configuration keys
    ``params``, ``validators``, ``data_checks``, ``generate``) and
    gretel-synthetics, https://github.com/gretelai/gretel-synthetics.
    """
    data = _load(config)
    _check_keys(data, _TOP_KEYS, "the configuration's top level")
    version = data.get("schema_version", "1.0")
    if str(version) not in ("1.0", "1"):
        raise ValueError(f"schema_version {version!r} is not supported; use \"1.0\"")
    models = data.get("models")
    if not isinstance(models, list) or not models:
        raise ValueError("the configuration needs a 'models' list with one 'synthetics' entry")
    synth = None
    for i, entry in enumerate(models):
        _check_keys(entry, ("synthetics",), f"models[{i}]")
        synth = entry["synthetics"]
    if len(models) != 1:
        raise ValueError(f"expected one model under 'models', got {len(models)}")
    synth = synth or {}
    _check_keys(synth, _SYNTHETICS_KEYS, "models[0].synthetics")
    out = GretelConfig(name=data.get("name"), data_source=synth.get("data_source"))
    params: dict = dict(SEED_DEFAULTS)

    raw = synth.get("params") or {}
    _check_keys(raw, GRETEL_PARAMS + EXTRA_PARAMS, "models[0].synthetics.params")
    for key, value in raw.items():
        if value is not None:
            params[key] = value

    generate = synth.get("generate") or {}
    _check_keys(generate, (*_GENERATE_KEYS, "data_source"), "models[0].synthetics.generate")
    if "num_records" in generate:
        out.num_records = None if generate["num_records"] is None else int(
            generate["num_records"])
    if generate.get("max_invalid") is not None:
        params["max_invalid"] = int(generate["max_invalid"])
    out.seed_data_source = generate.get("data_source")

    validators = synth.get("validators")
    if validators is not None:
        _check_keys(validators, _VALIDATOR_KEYS, "models[0].synthetics.validators")
        from skgen.validators import make_validators

        params["validators"] = make_validators(
            **{k: v for k, v in validators.items() if not (v is None and k in (
                "use_numeric_iqr", "allow_empty_values"))})

    checks = synth.get("data_checks")
    if checks is not None:
        _check_keys(checks, ("strategy",), "models[0].synthetics.data_checks")
        if checks.get("strategy") is not None:
            params["data_checks"] = checks["strategy"]

    fallback = synth.get("fallback")
    if fallback is not None:
        _check_keys(fallback, _FALLBACK_KEYS, "models[0].synthetics.fallback")
        params["fallback"] = {k: v for k, v in fallback.items() if v is not None}

    task = synth.get("task")
    if task is not None:
        _check_keys(task, ("type", "attrs"), "models[0].synthetics.task")
        if task.get("type") != "seed":
            raise ValueError(f"task type {task.get('type')!r} is not supported; the LSTM "
                             "knows the 'seed' task")
        attrs = task.get("attrs") or {}
        _check_keys(attrs, ("fields",), "models[0].synthetics.task.attrs")
        fields = attrs.get("fields")
        if not isinstance(fields, list) or not fields:
            raise ValueError("task.attrs.fields must be a non-empty list of column names")
        params["seed_columns"] = list(fields)

    out.params = params
    return out


__all__ = ["EXTRA_PARAMS", "GRETEL_PARAMS", "SEED_DEFAULTS", "GretelConfig",
           "parse_gretel_config"]
