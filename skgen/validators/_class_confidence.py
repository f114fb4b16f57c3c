"""A validator that drops rows a classifier trained on the real table confidently puts in
another class (the LAMBADA filter, for tables)."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from skgen.exceptions import SchemaError
from skgen.validators._base import BaseValidator, missing_mask

#: Categorical columns with more levels than this are left out of the classifier's
#: features (histogram gradient boosting handles at most 255 categories per feature).
MAX_CATEGORIES = 250


def default_table_classifier() -> HistGradientBoostingClassifier:
    """The default classifier: histogram gradient boosting with native categories.

    Its classes are weighted to balance (``class_weight="balanced"``), so that
    its probabilities are those of a table with as many rows of every class:
    "confidently another class" then means the row's features say so, not the
    rarity of its class.

    Returns
    -------
    sklearn.ensemble.HistGradientBoostingClassifier
        Unfitted, ``categorical_features="from_dtype"``,
        ``class_weight="balanced"``, ``random_state=0``.
    """
    return HistGradientBoostingClassifier(categorical_features="from_dtype",
                                          class_weight="balanced", random_state=0)


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

    Features: numbers as they are, booleans as 0/1, datetimes as nanoseconds,
    every other column as a category (levels of the training rows; an unseen
    level counts as missing); a categorical column with more than 250 levels
    (an ID, free text) is left out. Rows whose label is missing, or a label
    the classifier never saw, pass, as does every row of a frame that lacks
    the label column.

    Parameters
    ----------
    label_column : hashable
        The column holding each row's class.
    threshold : float, default=0.9
        Probability in ``(0.5, 1]`` from which the classifier's belief in
        another class rejects a row. Lower drops more rows.
    classifier : estimator or None, default=None
        Unfitted scikit-learn classifier with ``fit`` and ``predict_proba``
        taking the feature frame described above (category dtype for the
        categorical columns). It is cloned. ``None`` uses
        :func:`default_table_classifier`.

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
    classes_ : numpy.ndarray of shape (n_classes,)
        The classes, in the classifier's order.
    classifier_ : estimator
        The fitted classifier. It cannot be stored without pickle:
        :func:`skgen.persistence.save` refuses a model holding this validator.
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
    >>> v = ClassConfidenceValidator(label_column="y").fit(real)
    >>> v.is_valid(pd.DataFrame({"x": [4.0, -1.0], "y": ["minor", "minor"]})).tolist()
    [True, False]
    """

    _rule = "class_confidence"
    _fitted_attributes = ("label_column_", "feature_columns_", "categories_", "classes_",
                          "classifier_")
    _parameter_constraints: dict = {
        "label_column": "no_validation",
        "threshold": [Interval(Real, 0.5, 1, closed="right")],
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
    }

    def __init__(self, label_column: Any, *, threshold: float = 0.9,
                 classifier: Any = None) -> None:
        self.label_column = label_column
        self.threshold = threshold
        self.classifier = classifier

    def _learn(self, X: pd.DataFrame) -> None:
        label = self.label_column
        if label not in X.columns:
            raise SchemaError(f"label_column={label!r} is not a column of X; columns: "
                              f"{list(X.columns)}")
        known = ~missing_mask(X[label])
        y = X.loc[known, label].to_numpy()
        if len(pd.unique(y)) < 2:
            raise SchemaError(f"column {label!r} holds fewer than two classes; a classifier "
                              "needs at least two")
        categories, features = {}, []
        for c in X.columns:
            if c == label:
                continue
            s = X[c]
            if not _is_number(s):
                levels = pd.unique(s.dropna())
                if len(levels) > MAX_CATEGORIES:
                    continue
                categories[c] = list(levels)
            features.append(c)
        self.columns_ = [label]
        self.label_column_ = label
        self.feature_columns_ = features
        self.categories_ = categories
        model = clone(self.classifier) if self.classifier is not None \
            else default_table_classifier()
        model.fit(self._features(X.loc[known]), y)
        self.classes_ = np.asarray(model.classes_)
        self.classifier_ = model

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

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities the classifier gives each row of ``X``.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_columns)
            Rows holding the feature columns (absent ones count as missing).

        Returns
        -------
        numpy.ndarray of float64, shape (n_samples, n_classes)
            Columns in the order of ``classes_``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the validator is not fitted.
        """
        X = self._checked(X)
        return np.asarray(self.classifier_.predict_proba(self._features(X)), dtype=np.float64)

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
        check_is_fitted(self)
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        labels = X[self.label_column_].to_numpy(dtype=object)
        pos = np.array([-1 if pd.isna(v) else index.get(v, -1) for v in labels],
                       dtype=np.int64)
        judged = pos >= 0
        proba = self.predict_proba(X.loc[judged]) if judged.any() else \
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
