"""A validator that drops rows a classifier trained on the real table confidently puts in
another class (the LAMBADA filter, for tables)."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import HasMethods, Interval

from skgen.exceptions import SchemaError
from skgen.validators._base import BaseValidator, as_text, missing_mask

#: Categorical columns with more levels than this are left out of the classifier's
#: features (IDs, free text).
MAX_CATEGORIES = 250
#: Settings of the default logistic regression.
LOGISTIC_PARAMS: dict[str, Any] = {"class_weight": "balanced", "max_iter": 2000}


def default_table_classifier() -> LogisticRegression:
    """The default classifier: a logistic regression with classes weighted to balance.

    It reads one-hot categories and standardised numbers (see
    :class:`ClassConfidenceValidator`). Weighting the classes to balance
    (``class_weight="balanced"``) makes its probabilities those of a table with
    as many rows of every class: "confidently another class" then means the
    row's features say so, not the rarity of its class. A linear model is
    smooth and does not memorise the training rows, so its confidence on new
    rows is not inflated, and its state is a few arrays, which
    :func:`skgen.persistence.save` stores without pickle.

    Returns
    -------
    sklearn.linear_model.LogisticRegression
        Unfitted, ``class_weight="balanced"``, ``max_iter=2000``.
    """
    return LogisticRegression(**LOGISTIC_PARAMS)


class ClassConfidenceValidator(BaseValidator):
    """Drop rows that a classifier trained on the real rows confidently assigns to another class.

    The filter of LAMBADA [1]_ for tables, as used to clean over-sampled
    minority rows: ``fit`` trains a classifier on the real table to predict
    ``label_column`` from the other columns; a candidate row fails when the
    classifier gives some class *other than its label* a probability of at
    least ``threshold`` -- a generated minority row that the real data says is
    surely a majority row. Rows it is unsure about, near the class boundary,
    pass. It composes like every validator: in a :class:`ValidatorSet`, in a
    synthesizer's ``validators=``, or through
    :class:`~skgen.oversampling.SyntheticOversampler`'s ``selection``.

    Features: numbers (booleans as 0/1, datetimes as nanoseconds) standardised,
    a missing one set to the mean; every other column one-hot over the levels
    of the training rows (an unseen or missing level: all zeros); a
    categorical column with more than 250 levels (an ID, free text) is left
    out. A user classifier gets the numbers unscaled, with gaps, and the
    categories as pandas categoricals instead. Rows whose label is missing, or a label
    the classifier never saw, pass, as does every row of a frame that lacks
    the label column.

    Parameters
    ----------
    label_column : hashable or None, default=None
        The column holding each row's class. ``None`` takes the last column
        of the training frame (where a synthesizer fitted with ``y`` and
        :class:`~skgen.oversampling.SyntheticOversampler` put the label).
    threshold : float, default=0.9
        Probability in ``(0.5, 1]`` from which the classifier's belief in
        another class rejects a row. Lower drops more rows.
    classifier : estimator or None, default=None
        Unfitted scikit-learn classifier with ``fit`` and ``predict_proba``
        taking the feature frame described above (category dtype for the
        categorical columns), e.g. ``HistGradientBoostingClassifier(
        categorical_features="from_dtype", class_weight="balanced")``. It is
        cloned. ``None`` uses :func:`default_table_classifier` on the one-hot
        and standardised features.

    Attributes
    ----------
    columns_ : list
        ``[label_column_]``, the column :meth:`explain` reports.
    label_column_ : hashable
        The label column.
    feature_columns_ : list
        Columns the classifier reads, in order.
    categories_ : dict
        Categorical feature column -> its training levels.
    classes_ : numpy.ndarray of object, shape (n_classes,)
        The classes, as strings (labels are compared as text), in the
        classifier's order.
    center_, scale_ : numpy.ndarray of float64, shape (n_numeric,)
        Default classifier only: mean and standard deviation of each numeric
        feature column.
    coef_ : numpy.ndarray of float64, shape (1 or n_classes, n_inputs)
        Default classifier only: the logistic regression's coefficients.
    intercept_ : numpy.ndarray of float64, shape (1 or n_classes,)
        Default classifier only: its intercepts.
    classifier_ : estimator
        A given classifier, fitted (absent with the default). It cannot be
        stored without pickle: :func:`skgen.persistence.save` refuses a model
        holding it.
    n_features_in_ : int
        Number of columns of the training frame.

    Raises
    ------
    skgen.exceptions.SchemaError
        From ``fit``: if ``label_column`` is not a column of ``X``, or holds
        fewer than two classes.

    References
    ----------
    .. [1] A. Anaby-Tavor, B. Carmeli, E. Goldbraich, A. Kantor, G. Kour,
       S. Shlomov, N. Tepper and N. Zwerdling, "Do Not Have Enough Data? Deep
       Learning to the Rescue!", AAAI 2020 (LAMBADA).
    .. [2] H. Han, W.-Y. Wang and B.-H. Mao, "Borderline-SMOTE: A New
       Over-Sampling Method in Imbalanced Data Sets Learning", ICIC 2005 (why
       rows near the boundary are kept).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skgen.validators import ClassConfidenceValidator
    >>> rng = np.random.default_rng(0)
    >>> real = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 300), rng.normal(4, 1, 100)],
    ...                      "y": ["major"] * 300 + ["minor"] * 100})
    >>> v = ClassConfidenceValidator().fit(real)  # the label: the last column
    >>> v.is_valid(pd.DataFrame({"x": [4.0, -1.0], "y": ["minor", "minor"]})).tolist()
    [True, False]
    """

    _rule = "class_confidence"
    _judges_new_categories = True  # an unseen label passes, an unseen level encodes as zeros
    _fitted_attributes = ("label_column_", "feature_columns_", "categories_", "classes_",
                          "center_", "scale_", "coef_", "intercept_", "classifier_")
    _parameter_constraints: dict = {
        "label_column": "no_validation",
        "threshold": [Interval(Real, 0.5, 1, closed="right")],
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
    }

    def __init__(self, label_column: Any = None, *, threshold: float = 0.9,
                 classifier: Any = None) -> None:
        self.label_column = label_column
        self.threshold = threshold
        self.classifier = classifier

    def _learn(self, X: pd.DataFrame) -> None:
        label = X.columns[-1] if self.label_column is None else self.label_column
        if label not in X.columns:
            raise SchemaError(f"label_column={label!r} is not a column of X; columns: "
                              f"{list(X.columns)}")
        if X.shape[1] < 2:
            raise SchemaError(f"X has 1 feature(s), the label {label!r}: nothing to predict "
                              "it from")
        known = ~missing_mask(X[label])
        y = as_text(X.loc[known, label]).to_numpy(dtype=object)
        if len(pd.unique(y)) < 2:
            raise SchemaError(f"column {label!r} holds one class or none; a classifier needs "
                              "at least two")
        categories, features = {}, []
        for c in X.columns:
            if c == label:
                continue
            s = X[c]
            if not _is_number(s):
                levels = pd.unique(s.dropna())
                if len(levels) > MAX_CATEGORIES:
                    continue
                categories[c] = pd.Series(levels).tolist()
            features.append(c)
        self.columns_ = [label]
        self.label_column_ = label
        self.feature_columns_ = features
        self.categories_ = categories
        rows = self._features(X.loc[known])
        if self.classifier is not None:
            model = clone(self.classifier).fit(rows, y)
            self.classifier_ = model
        else:
            numbers = rows[[c for c in features if c not in categories]].to_numpy(float)
            with np.errstate(invalid="ignore"):
                center = np.nan_to_num(np.nanmean(numbers, axis=0)) if numbers.size else \
                    np.zeros(numbers.shape[1])
                scale = np.nan_to_num(np.nanstd(numbers, axis=0)) if numbers.size else \
                    np.ones(numbers.shape[1])
            self.center_, self.scale_ = center, np.where(scale > 0, scale, 1.0)
            model = default_table_classifier().fit(self._design(rows), y)
            self.coef_ = np.asarray(model.coef_, dtype=np.float64)
            self.intercept_ = np.asarray(model.intercept_, dtype=np.float64)
        self.classes_ = np.asarray(model.classes_, dtype=object)

    def _design(self, rows: pd.DataFrame) -> np.ndarray:
        """The default classifier's inputs: standardised numbers, then one-hot levels."""
        numeric = [c for c in self.feature_columns_ if c not in self.categories_]
        z = (rows[numeric].to_numpy(float) - self.center_) / self.scale_
        parts = [np.nan_to_num(z, nan=0.0)]
        for c in self.feature_columns_:  # (a stored dict need not keep its order)
            if c not in self.categories_:
                continue
            codes = rows[c].cat.codes.to_numpy()
            hot = np.zeros((len(rows), len(self.categories_[c])))
            hot[np.flatnonzero(codes >= 0), codes[codes >= 0]] = 1.0
            parts.append(hot)
        return np.hstack(parts)

    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        """The classifier's feature frame (a new object)."""
        out = {}
        for c in self.feature_columns_:
            s = X[c] if c in X.columns else pd.Series(np.nan, index=X.index)
            if c in self.categories_:
                out[c] = pd.Categorical(s, categories=self.categories_[c])
            elif pd.api.types.is_datetime64_any_dtype(s):
                out[c] = np.where(s.isna(), np.nan, s.to_numpy().astype("datetime64[ns]")
                                  .astype(np.int64).astype(np.float64))
            else:
                out[c] = pd.to_numeric(s, errors="coerce").astype(np.float64).to_numpy()
        return pd.DataFrame(out, index=X.index)

    def _proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities (columns in the order of ``classes_``) of the rows of ``X``."""
        rows = self._features(X)
        if self.classifier is not None:
            return np.asarray(self.classifier_.predict_proba(rows), dtype=np.float64)
        model = LogisticRegression(**LOGISTIC_PARAMS)
        model.classes_, model.coef_, model.intercept_ = self.classes_, self.coef_, \
            self.intercept_
        return np.asarray(model.predict_proba(self._design(rows)), dtype=np.float64)

    def label_probability(self, X: pd.DataFrame) -> np.ndarray:
        """The probability the classifier gives each row's own label.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            Rows holding ``label_column``.

        Returns
        -------
        numpy.ndarray of float64, shape (n_samples,)
            NaN where the label is missing or was not seen in training.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the validator is not fitted.
        KeyError
            If ``X`` lacks the label column.
        """
        judged, own, proba = self._judge(X)
        out = np.full(len(X), np.nan)
        out[judged] = proba[np.arange(len(proba)), own]
        return out

    def _judge(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows with a known label, the position of their label in ``classes_`` and
        their class probabilities."""
        X = self._checked(X)
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        labels = as_text(X[self.label_column_]).to_numpy(dtype=object)
        pos = np.array([index.get(v, -1) for v in labels], dtype=np.int64)
        pos[missing_mask(X[self.label_column_])] = -1
        judged = pos >= 0
        proba = self._proba(X.loc[judged]) if judged.any() else \
            np.zeros((0, len(self.classes_)))
        return judged, pos[judged], proba

    def _failures(self, X: pd.DataFrame) -> Iterator[tuple[Any, str, np.ndarray, Any]]:
        label = self.label_column_
        bad = np.zeros(len(X), dtype=bool)
        reasons = np.full(len(X), None, dtype=object)
        if label in X.columns and len(X):
            judged, own, proba = self._judge(X)
            rows = np.arange(len(proba))
            others = proba.copy()
            others[rows, own] = -1.0
            best = others.argmax(axis=1) if len(proba) else np.zeros(0, dtype=np.int64)
            p_other = others[rows, best]
            bad[judged] = p_other >= self.threshold
            reasons[judged] = [f"p({self.classes_[b]!r})={p:.3f}"
                               for b, p in zip(best, p_other, strict=True)]
        yield label, self._rule, bad, reasons


def _is_number(s: pd.Series) -> bool:
    """Whether a column is read as numbers (numeric, boolean or datetime dtype)."""
    return (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
            or pd.api.types.is_datetime64_any_dtype(s))
