"""The input conventions shared by every skgen estimator that takes a table.

Synthesizers, validators and the over-sampler all accept pandas DataFrames of
mixed types: strings, categoricals and missing values. :class:`TableInputMixin`
says so once, through ``__sklearn_tags__``, so that scikit-learn's estimator
checks and meta-estimators know it, and :func:`check_2d_array` reads a
non-DataFrame table the same way for all of them. This module imports nothing
from skgen, so that ``base.py``, ``validators/`` and ``oversampling.py`` can all
use it without changing the direction of the imports (DESIGN.md section 3).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils import Tags
from sklearn.utils.validation import check_array


class TableInputMixin:
    """Declare string, categorical and missing-value input in ``__sklearn_tags__``.

    Put it first among the base classes, before :class:`sklearn.base.BaseEstimator`
    (or a class deriving from it), so that it can amend the tags the others build.

    References
    ----------
    .. [1] scikit-learn developers, "Estimator Tags", scikit-learn user guide
       (``sklearn.utils.InputTags``: ``allow_nan``, ``string``, ``categorical``).
    """

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        return tags


def check_2d_array(X: Any, *, ensure_min_samples: int = 1) -> np.ndarray:
    """A 2-D array-like as a dense numpy array, with scikit-learn's errors.

    Numbers stay numbers; rows mixing strings and numbers (a list of lists)
    become an ``object`` array rather than all strings. Missing values and
    infinities pass.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Not a DataFrame (those are used as they are).
    ensure_min_samples : int, default=1
        Fewest rows accepted.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_features)

    Raises
    ------
    TypeError
        For sparse input ("dense data is required").
    ValueError
        For input that is not 2-D, holds complex numbers, or has no column or
        fewer than ``ensure_min_samples`` rows.
    """
    if isinstance(X, list | tuple) and np.asarray(X).dtype.kind in "US":
        X = np.asarray(X, dtype=object)
    return check_array(X, dtype=None, ensure_all_finite=False,
                       ensure_min_samples=ensure_min_samples, input_name="X")


__all__ = ["TableInputMixin", "check_2d_array"]
