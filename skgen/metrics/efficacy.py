"""Machine-learning efficacy: train on synthetic, test on real (TSTR)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, f1_score, r2_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, validate_params

from skgen.exceptions import SchemaError
from skgen.metrics._metadata import CONTINUOUS, DISCRETE, resolve_metadata
from skgen.schema import as_float

# HistGradientBoosting takes at most max_bins (255) categories per native categorical feature.
_MAX_CATEGORIES = 255


@validate_params(
    {"synthetic": [pd.DataFrame], "real_train": [pd.DataFrame], "real_test": [pd.DataFrame],
     "target": "no_validation", "estimator": [HasMethods(["fit", "predict"]), None],
     "random_state": ["random_state"], "metadata": [dict, None]},
    prefer_skip_nested_validation=True)
def tstr_score(synthetic: pd.DataFrame, real_train: pd.DataFrame, real_test: pd.DataFrame,
               target: Any, *, estimator=None, random_state=None,
               metadata: dict | None = None) -> dict:
    """Compare a model trained on synthetic rows with one trained on real rows, on real rows.

    TSTR (train on synthetic, test on real) fits ``estimator`` on
    ``synthetic`` and scores it on ``real_test``; TRTR (train on real, test on
    real) fits the same estimator on ``real_train`` and scores it on the same
    ``real_test``. Their ratio says how much of the real data's usefulness for
    predicting ``target`` the synthetic data keeps.

    Parameters
    ----------
    synthetic : pandas.DataFrame of shape (n_synthetic, n_features)
        Synthetic rows (generated from ``real_train``). Not modified.
    real_train : pandas.DataFrame of shape (n_train, n_features)
        The real rows the synthesizer was trained on. Not modified.
    real_test : pandas.DataFrame of shape (n_test, n_features)
        Real rows neither model saw. Not modified.
    target : hashable
        The column to predict. A ``categorical`` or ``boolean`` target (see
        ``metadata``) is a classification task, a ``numerical`` one a
        regression task.
    estimator : estimator or None, default=None
        Any scikit-learn estimator; it is cloned for each fit and receives the
        features as a DataFrame in which string, boolean and categorical
        columns have a pandas ``category`` dtype (with the same categories in
        all three frames), datetimes are nanoseconds and missing values are
        NaN. None uses :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
        or :class:`~sklearn.ensemble.HistGradientBoostingRegressor` with
        ``categorical_features="from_dtype"`` and ``random_state``.
    random_state : int, RandomState instance or None, default=None
        Seeds the default estimator (both fits get the same seed). Ignored
        when ``estimator`` is given: set its own ``random_state``.
    metadata : dict or None, default=None
        Column name -> kind as in :func:`skgen.metrics.column_shapes`; columns
        not listed are inferred from ``real_train``. ``id`` and ``text``
        columns are not used as features.

    Returns
    -------
    result : dict
        ``task`` (``"classification"`` or ``"regression"``), ``metric``
        (``"f1_macro"`` or ``"r2"``), ``synthetic`` (TSTR score), ``real``
        (TRTR score) and ``ratio`` (``synthetic / real``; NaN when ``real`` is
        not positive). For classification also ``synthetic_accuracy``,
        ``real_accuracy``, ``synthetic_per_class_f1`` and
        ``real_per_class_f1`` (dicts class label (str) -> F1).

    Raises
    ------
    SchemaError
        If a frame is empty, lacks ``target`` or a feature column of
        ``real_train``, ``target`` is an ``id``/``text`` column, or a training
        frame holds fewer than two classes (classification) or no target value.

    Notes
    -----
    Rows whose target is missing are dropped from each frame. Macro F1 is the
    unweighted mean of the per-class F1 over the classes present in
    ``real_test``; a prediction of another class counts as an error. A
    categorical feature with more than 255 categories keeps its 255 most
    frequent ones (over the three frames); the others become missing.

    References
    ----------
    Esteban, C., Hyland, S. L. and Rätsch, G. (2017). "Real-valued (Medical)
    Time Series Generation with Recurrent Conditional GANs." arXiv:1706.02633
    (the TSTR protocol). Xu, L. et al. (2019). "Modeling Tabular Data using
    Conditional GAN." NeurIPS (machine-learning efficacy of synthetic tables).
    """
    frames = {"synthetic": synthetic, "real_train": real_train, "real_test": real_test}
    for name, frame in frames.items():
        if target not in frame.columns:
            raise SchemaError(f"{name} lacks the target column {target!r}")
    kinds = resolve_metadata(real_train, metadata, {"synthetic": synthetic,
                                                    "real_test": real_test})
    if kinds[target] not in CONTINUOUS + DISCRETE:
        raise SchemaError(f"target column {target!r} is of kind {kinds[target]!r}; "
                          "expected numerical, datetime, categorical or boolean")
    task = "classification" if kinds[target] in DISCRETE else "regression"
    features = [c for c, k in kinds.items() if c != target and k in CONTINUOUS + DISCRETE]
    if not features:
        raise SchemaError("real_train has no feature column besides the target")

    frames = {name: f[f[target].notna()] for name, f in frames.items()}
    for name, frame in frames.items():
        if len(frame) == 0:
            raise SchemaError(f"{name} holds no row with a value for target {target!r}")
    X = _encode_features(frames, features, kinds)
    if random_state is not None and not isinstance(random_state, (int, np.integer)):
        random_state = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))

    if task == "classification":
        y_all = pd.concat([frames[n][target].astype(object) for n in frames], ignore_index=True)
        codes, labels = pd.factorize(y_all)
        sizes = np.cumsum([0] + [len(frames[n]) for n in frames])
        y = {n: codes[sizes[i]:sizes[i + 1]] for i, n in enumerate(frames)}
        for name in ("synthetic", "real_train"):
            if np.unique(y[name]).size < 2:
                raise SchemaError(f"{name} holds a single class of target {target!r}; "
                                  "a classifier needs at least two")
        base = estimator if estimator is not None else HistGradientBoostingClassifier(
            categorical_features="from_dtype", random_state=random_state)
    else:
        y = {n: as_float(frames[n][target], kinds[target]) for n in frames}
        keep = {n: ~np.isnan(v) for n, v in y.items()}
        X = {n: X[n][keep[n]] for n in X}
        y = {n: y[n][keep[n]] for n in y}
        for name, v in y.items():
            if v.size == 0:
                raise SchemaError(f"{name} holds no numeric value for target {target!r}")
        base = estimator if estimator is not None else HistGradientBoostingRegressor(
            categorical_features="from_dtype", random_state=random_state)

    results = {}
    for name in ("synthetic", "real_train"):
        model = clone(base).fit(X[name], y[name])
        results[name] = np.asarray(model.predict(X["real_test"]))

    y_test = y["real_test"]
    if task == "regression":
        syn = float(r2_score(y_test, results["synthetic"]))
        real = float(r2_score(y_test, results["real_train"]))
        return {"task": task, "metric": "r2", "synthetic": syn, "real": real,
                "ratio": _ratio(syn, real)}

    present = np.unique(y_test)
    out: dict = {"task": task, "metric": "f1_macro"}
    for key, name in (("synthetic", "synthetic"), ("real", "real_train")):
        pred = results[name]
        per_class = f1_score(y_test, pred, labels=present, average=None, zero_division=0.0)
        out[key] = float(np.mean(per_class))
        out[f"{key}_accuracy"] = float(accuracy_score(y_test, pred))
        out[f"{key}_per_class_f1"] = {str(labels[c]): float(f)
                                      for c, f in zip(present, per_class, strict=True)}
    out["ratio"] = _ratio(out["synthetic"], out["real"])
    return out


def _encode_features(frames: dict, features: list, kinds: dict) -> dict:
    """Features of every frame: floats for continuous columns, shared categories otherwise."""
    encoded: dict = {name: {} for name in frames}
    for col in features:
        if kinds[col] in CONTINUOUS:
            for name, frame in frames.items():
                encoded[name][col] = as_float(frame[col], kinds[col])
            continue
        values = {name: frame[col].astype(object).where(frame[col].notna(), None)
                  for name, frame in frames.items()}
        counts = pd.concat(list(values.values()), ignore_index=True).value_counts()
        categories = counts.index[:_MAX_CATEGORIES]
        dtype = pd.CategoricalDtype(categories=categories)
        for name, v in values.items():
            encoded[name][col] = pd.Categorical(v, dtype=dtype)
    return {name: pd.DataFrame(cols, index=pd.RangeIndex(len(frames[name])))
            for name, cols in encoded.items()}


def _ratio(synthetic: float, real: float) -> float:
    return synthetic / real if real > 0 else math.nan


__all__ = ["tstr_score"]
