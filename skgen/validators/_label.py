"""A validator that keeps a generated text only when a classifier agrees with its label."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from skgen.exceptions import SchemaError
from skgen.schema import TableSchema
from skgen.validators._base import BaseValidator, as_text, missing_mask

#: Settings of the default TF-IDF features: words and word pairs, each found in at
#: least two training texts (so a word that only one text holds, a name say, never
#: enters the model), with sublinear term frequency.
TFIDF_PARAMS: dict[str, Any] = {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True}
#: Settings of the default logistic regression.
LOGISTIC_PARAMS: dict[str, Any] = {"C": 10.0, "max_iter": 2000}


def default_text_classifier() -> Pipeline:
    """The default text classifier: TF-IDF features and a logistic regression.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Unfitted ``TfidfVectorizer(ngram_range=(1, 2), min_df=2,
        sublinear_tf=True)`` followed by ``LogisticRegression(C=10,
        max_iter=2000)``; it takes a sequence of strings.
    """
    return Pipeline([("tfidf", TfidfVectorizer(**TFIDF_PARAMS)),
                     ("logreg", LogisticRegression(**LOGISTIC_PARAMS))])


def infer_text_and_label(X: pd.DataFrame, text_column: Any = None,
                         label_column: Any = None) -> tuple[Any, Any]:
    """Find the free-text column and the one label column of a frame.

    Parameters
    ----------
    X : pandas.DataFrame of shape (n_samples, n_columns)
        Labelled texts. Not modified.
    text_column : hashable or None, default=None
        The text column; ``None`` takes the frame's single column of kind
        ``"text"`` (see :class:`skgen.schema.TableSchema`).
    label_column : hashable or None, default=None
        The label column; ``None`` takes the single column other than the
        text column.

    Returns
    -------
    text_column, label_column : hashable
        The two column names.

    Raises
    ------
    skgen.exceptions.SchemaError
        If a given column is not in ``X``, the two are the same, or a column
        left as ``None`` cannot be told apart (none or several candidates,
        which the message names).
    """
    columns = list(X.columns)
    for name, given in (("text_column", text_column), ("label_column", label_column)):
        if given is not None and given not in columns:
            raise SchemaError(f"{name}={given!r} is not a column of X; columns: {columns}")
    if text_column is None:
        others = [c for c in columns if c != label_column]
        kinds = TableSchema.infer(X[others]).of_kind("text")
        candidates = [c.name for c in kinds]
        if len(candidates) != 1:
            what = "no free-text column" if not candidates else \
                f"several free-text columns {candidates}"
            raise SchemaError(f"X has {what}; pass text_column= (one of {others})")
        text_column = candidates[0]
    if label_column is None:
        candidates = [c for c in columns if c != text_column]
        if len(candidates) != 1:
            what = "no label column" if not candidates else \
                f"several label columns {candidates}"
            raise SchemaError(f"X has {what} beside the text column {text_column!r}; "
                              "pass label_column=")
        label_column = candidates[0]
    if text_column == label_column:
        raise SchemaError(f"text_column and label_column are both {text_column!r}")
    return text_column, label_column


class LabelAgreementValidator(BaseValidator):
    """Keep a generated text only when a classifier trained on real texts predicts its label.

    The filter of LAMBADA [1]_: a classifier is fitted on the real labelled
    texts in ``fit``; a candidate row (a text and the label it was generated
    for) passes when the classifier's most probable label for the text is the
    row's label and, when ``threshold`` is set, that label's probability is at
    least ``threshold``. It makes conditional text generation keep its word:
    texts that read as another class are dropped.

    Rows whose text or label is missing pass (missing cells are judged by
    :class:`~skgen.validators.EmptyValueValidator`), as do rows whose label the
    classifier never saw in training (a pretrained language model may follow a
    new label's words; nothing here can judge it) and every row of a frame that
    lacks the text or the label column.

    **Persistence.** With the default classifier the fitted state is plain
    arrays - the vocabulary (words and word pairs found in at least two training
    texts), their inverse document frequencies and the regression's
    coefficients - so :func:`skgen.persistence.save` stores it without pickle
    and the file holds no training text. Any other classifier is kept as the
    fitted object, which cannot be stored safely: saving such a validator
    raises ``TypeError``.

    Parameters
    ----------
    classifier : estimator or None, default=None
        Unfitted scikit-learn classifier with ``fit`` and ``predict_proba``
        that takes a sequence of strings (a pipeline that starts with a text
        vectorizer). It is cloned, never fitted in place. ``None`` uses
        :func:`default_text_classifier` (TF-IDF of words and word pairs,
        logistic regression).
    text_column : hashable or None, default=None
        Column of the texts. ``None`` takes the single free-text column of the
        training frame.
    label_column : hashable or None, default=None
        Column of the labels. ``None`` takes the single column other than the
        text column.
    threshold : float or None, default=None
        Least probability, in ``[0, 1]``, the classifier must give the row's
        label, on top of predicting it. ``None`` asks only that it be the most
        probable label.

    Attributes
    ----------
    columns_ : list
        ``[text_column_]``, the column :meth:`explain` reports.
    text_column_ : hashable
        The text column used.
    label_column_ : hashable
        The label column used.
    classes_ : numpy.ndarray of object, shape (n_classes,)
        The training labels, as strings, in the classifier's order.
    vocabulary_ : numpy.ndarray of object, shape (n_terms,)
        Default classifier only: the TF-IDF terms, in feature order.
    idf_ : numpy.ndarray of float64, shape (n_terms,)
        Default classifier only: their inverse document frequencies.
    coef_ : numpy.ndarray of float64, shape (n_classes or 1, n_terms)
        Default classifier only: the logistic regression's coefficients.
    intercept_ : numpy.ndarray of float64, shape (n_classes or 1,)
        Default classifier only: its intercepts.
    classifier_ : estimator
        A given classifier, fitted (absent with the default).
    n_features_in_ : int
        Number of columns of the training frame.

    References
    ----------
    .. [1] A. Anaby-Tavor, B. Carmeli, E. Goldbraich, A. Kantor, G. Kour,
       S. Shlomov, N. Tepper and N. Zwerdling, "Do Not Have Enough Data? Deep
       Learning to the Rescue!", AAAI 2020 (LAMBADA).

    Examples
    --------
    >>> import pandas as pd
    >>> from skgen.validators import LabelAgreementValidator
    >>> real = pd.DataFrame({
    ...     "mood": ["pos", "neg"] * 10,
    ...     "text": ["what a great lovely day", "what an awful sad day"] * 10})
    >>> v = LabelAgreementValidator(text_column="text").fit(real)
    >>> v.is_valid(pd.DataFrame({"mood": ["pos", "pos"],
    ...                          "text": ["a great day", "an awful day"]})).tolist()
    [True, False]
    """

    _rule = "label_agreement"
    _judges_new_categories = True  # a label it never saw passes
    #: Fitted attributes a model file holds (see :mod:`skgen.persistence`); a user
    #: classifier (``classifier_``) cannot be stored without pickle, so ``save`` refuses it.
    _fitted_attributes = ("text_column_", "label_column_", "classes_", "vocabulary_", "idf_",
                          "coef_", "intercept_", "classifier_")
    _parameter_constraints: dict = {
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
        "text_column": "no_validation",
        "label_column": "no_validation",
        "threshold": [Interval(Real, 0, 1, closed="both"), None],
    }

    def __init__(self, *, classifier: Any = None, text_column: Any = None,
                 label_column: Any = None, threshold: float | None = None) -> None:
        self.classifier = classifier
        self.text_column = text_column
        self.label_column = label_column
        self.threshold = threshold

    def _learn(self, X: pd.DataFrame) -> None:
        text_column, label_column = infer_text_and_label(X, self.text_column, self.label_column)
        keep = ~(missing_mask(X[text_column]) | missing_mask(X[label_column]))
        texts = as_text(X[text_column])[keep].to_list()
        labels = as_text(X[label_column])[keep].to_numpy(dtype=object)
        n_labels = len(set(labels))
        if n_labels < 2:
            raise SchemaError(f"column {label_column!r} holds {n_labels} label(s) in the rows "
                              "with a text; a classifier needs at least two")
        model = clone(self.classifier) if self.classifier is not None \
            else default_text_classifier()
        try:
            model.fit(texts, labels)
        except ValueError as exc:
            if self.classifier is None and "no terms remain" in str(exc):
                raise SchemaError(f"no word of column {text_column!r} occurs in two training "
                                  "texts; the default classifier has nothing to learn") from exc
            raise
        state: dict[str, Any] = {
            "columns_": [text_column], "text_column_": text_column,
            "label_column_": label_column,
            "classes_": np.asarray([str(c) for c in model.classes_], dtype=object)}
        if self.classifier is None:
            tfidf, logreg = model.named_steps["tfidf"], model.named_steps["logreg"]
            state.update(vocabulary_=np.asarray(tfidf.get_feature_names_out(), dtype=object),
                         idf_=np.asarray(tfidf.idf_, dtype=np.float64),
                         coef_=np.asarray(logreg.coef_, dtype=np.float64),
                         intercept_=np.asarray(logreg.intercept_, dtype=np.float64))
        else:
            state["classifier_"] = model
        for name, value in state.items():
            setattr(self, name, value)

    def _model(self) -> Any:
        """The fitted classifier; the default one is rebuilt from its stored arrays."""
        if self.classifier is not None:
            return self.classifier_
        tfidf = TfidfVectorizer(**TFIDF_PARAMS, vocabulary=list(self.vocabulary_))
        tfidf.idf_ = self.idf_
        logreg = LogisticRegression(**LOGISTIC_PARAMS)
        logreg.classes_ = self.classes_
        logreg.coef_ = self.coef_
        logreg.intercept_ = self.intercept_
        return Pipeline([("tfidf", tfidf), ("logreg", logreg)])

    def predict_proba(self, texts: Any) -> np.ndarray:
        """Class probabilities the fitted classifier gives each text.

        Parameters
        ----------
        texts : sequence of str of length n_texts
            Texts to classify.

        Returns
        -------
        numpy.ndarray of float64, shape (n_texts, n_classes)
            Probabilities, columns in the order of ``classes_``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the validator is not fitted.
        """
        check_is_fitted(self)
        return np.asarray(self._model().predict_proba(list(texts)), dtype=np.float64)

    def _failures(self, X: pd.DataFrame) -> Iterator[tuple[Any, str, np.ndarray, Any]]:
        column, label_column = self.text_column_, self.label_column_
        bad = np.zeros(len(X), dtype=bool)
        reasons = np.full(len(X), None, dtype=object)
        if column in X.columns and label_column in X.columns:
            labels = as_text(X[label_column]).to_numpy(dtype=object)
            index = {c: i for i, c in enumerate(self.classes_)}
            label_pos = np.array([index.get(v, -1) for v in labels], dtype=np.int64)
            judged = (label_pos >= 0) & ~missing_mask(X[column]) & ~missing_mask(X[label_column])
            if judged.any():
                proba = self.predict_proba(as_text(X[column])[judged].to_list())
                rows = np.arange(len(proba))
                p_label = proba[rows, label_pos[judged]]
                best = proba.argmax(axis=1)
                fail = best != label_pos[judged]
                if self.threshold is not None:
                    fail |= p_label < self.threshold
                bad[judged] = fail
                reasons[judged] = [f"predicted {self.classes_[b]!r}, p({self.classes_[k]!r})="
                                   f"{p:.3f}" for b, k, p in
                                   zip(best, label_pos[judged], p_label, strict=True)]
        yield column, self._rule, bad, reasons
