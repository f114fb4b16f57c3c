"""BaseSynthesizer: the one fit/sample contract and sampling loop every model shares.

A model implements two things: ``_fit`` (learn from a prepared training frame)
and ``_generate`` (propose candidate rows for a frame of seed rows). Everything
else — checking input, inferring the schema, data checks, validators,
normalising and checking conditions, rejection and retry, ``max_invalid``,
progress bar, ``n_jobs``, reproducible random streams, output dtypes, saving —
lives here, once.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Integral, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from skgen._dask_fit import (
    DASK_MAX_FIT_ROWS,
    full_data,
    is_dask_frame,
    sample_rows,
    summarize_dask,
)
from skgen._dependencies import (
    apply_frame_dependencies,
    learn_frame_dependencies,
    restrict_determinants,
)
from skgen._progress import tqdm
from skgen._strings import MIN_GROUP, string_hashes
from skgen._tags import TableInputMixin, check_2d_array
from skgen.conditions import SeedRows, conditions_met, restrictions_of, seed_rows
from skgen.data_checks import check_data
from skgen.exceptions import ConditionError, SchemaError, TooManyInvalidError
from skgen.schema import TableSchema, check_frame
from skgen.validators import PrivacyFilter
from skgen.validators._compose import as_validator_set

#: Documentation shared by every synthesizer for the parameters this class owns.
COMMON_PARAMETERS_DOC = """
    validators : list of validators, ValidatorSet or None, default=None
        Rules every generated row must pass, learned from the training data in
        ``fit`` (the given objects are cloned, never fitted in place). ``None``
        uses the automated set of the seed documentation (character set,
        string length, numeric range, data type; see
        :func:`skgen.validators.default_validators`); ``[]`` disables
        validation. Use :func:`skgen.validators.make_validators` for the
        configurable ones (``in_set_count``, ``pattern_count``,
        ``use_numeric_iqr``, ``open_close_chars``, ``allow_empty_values``) or
        to add the :class:`skgen.validators.PrivacyFilter`.
    max_invalid : int or None, default=None
        How many candidate rows may fail validation (or their conditions) in
        one ``sample`` call before it stops with
        :class:`~skgen.exceptions.TooManyInvalidError`. ``None`` allows five
        times the number of rows asked for, as the seed documentation does.
    data_checks : {"log", "skip", "interrupt"}, default="log"
        Pre-flight checks on the training data (see :mod:`skgen.data_checks`):
        ``"log"`` logs warnings, ``"skip"`` runs none, ``"interrupt"`` raises
        :class:`~skgen.exceptions.DataCheckError` listing every warning. The
        float-precision check runs only for models that write numbers digit
        by digit (:class:`~skgen.LSTMSynthesizer`).
    verbose : int, default=0
        Show progress bars (tqdm) on fit and sample when positive.
    n_jobs : int or None, default=None
        Parallel workers (joblib threads) for sampling; ``None`` means 1 and
        ``-1`` all cores. The output does not depend on ``n_jobs``.
    random_state : int, RandomState instance or None, default=None
        Makes ``fit`` and the sequence of ``sample`` calls reproducible. The
        global random state of numpy and torch is never touched.
"""

#: Documentation of ``column_types``, the parameter of every table synthesizer.
COLUMN_TYPES_DOC = """
    column_types : dict or None, default=None
        ``{column: kind}`` for columns whose kind you give instead of the one
        inferred (as SDV's "sdtypes"), e.g. ``{"zip": "categorical", "date":
        "datetime", "note": "text", "id": "id"}``. Kinds:
        ``"numeric"`` (floats, written back with the training decimals),
        ``"integer"``, ``"boolean"``, ``"categorical"`` (only the training
        levels), ``"datetime"`` (typed, or date strings written back in their
        training format), ``"text"`` (free text) and ``"id"`` (identifiers,
        generated fresh). Stored as given; checked in ``fit``, which raises
        :class:`~skgen.exceptions.SchemaError` naming an unknown column or
        kind, or a kind the column's values cannot take.
        :func:`skgen.schema.infer_column_types` shows what is inferred.
"""


#: Rows of a dask frame's first partition that show the model's column kinds before
#: the pass over all partitions (see ``BaseSynthesizer._dask_column_kinds``).
PROBE_ROWS = 2000


class BaseSynthesizer(TableInputMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class of all skgen synthesizers.

    Subclasses implement ``_fit`` and ``_generate``; this class owns the
    public ``fit`` and ``sample`` and the sampling loop described in
    ``DESIGN.md`` section 2. Not meant to be instantiated directly: this
    abstract class has no constructor of its own, and the parameters below
    are those every subclass takes.

    Parameters
    ----------
    %(common)s

    Attributes
    ----------
    schema_ : skgen.schema.TableSchema
        Column kinds, dtypes, ranges and categories learned in ``fit``.
    validators_ : skgen.validators.ValidatorSet
        The fitted validators every generated row must pass.
    data_check_warnings_ : list of dict
        Warnings of the pre-flight data checks (``check``, ``column``,
        ``message``).
    n_features_in_ : int
        Number of columns of ``X`` (``y``, when given, is not counted though
        the model learns it as one more column).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X``, in order.
    n_train_rows_ : int
        Number of training rows.
    n_fit_rows_ : int
        Number of rows the model itself learned from: ``n_train_rows_``, or a
        uniform random sample of ``max_fit_rows`` of them when there are more
        (always for a dask frame, whose sample holds at most ``max_fit_rows``,
        1,000,000 for a model without that parameter).

    References
    ----------
    Gretel.ai, "Gretel LSTM" model documentation: conditional generation
    (seeding), validators, ``max_invalid_records`` and data checks, which the
    sampling loop follows. scikit-learn, ``sklearn.neighbors.KernelDensity``:
    the ``sample(n_samples, random_state)`` convention of generative estimators.
    """

    _parameter_constraints: ClassVar[dict] = {
        "validators": [list, HasMethods(["fit", "is_valid"]), None],
        "max_invalid": [Interval(Integral, 0, None, closed="left"), None],
        "max_fit_rows": [Interval(Integral, 1, None, closed="left"), None],
        "data_checks": [StrOptions({"log", "skip", "interrupt"})],
        "column_types": [dict, None],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    #: Whether the model can produce numbers outside the training range, so
    #: that such a numeric condition is not refused up front.
    _extrapolates: ClassVar[bool] = False
    #: Whether the model can write a category never seen in training (a
    #: language model follows the words of a new label), so that such a
    #: condition is accepted; validators learned without it do not judge it.
    _open_categories: ClassVar[bool] = False
    #: Whether a condition on a text column is a prefix for the model to
    #: complete (the seed's "start string") rather than the whole value.
    _completes_text: ClassVar[bool] = False
    #: Data checks (keys of :data:`skgen.data_checks.CHECKS`) that do not concern
    #: the model: long float digits trouble only a model writing numbers digit by
    #: digit (the LSTM), not one that learns them as numbers.
    _irrelevant_data_checks: ClassVar[tuple[str, ...]] = ("float_precision",)
    #: Candidate rows proposed per ``_generate`` call; chunks are independent
    #: random streams, so the output does not depend on ``n_jobs``.
    _chunk_rows: ClassVar[int] = 8192
    #: Whether retry rounds propose several candidates per unfilled seed row (as
    #: many as the valid rate seen so far says one valid row takes) and keep the
    #: first valid one, so that a model with a low valid rate does not end in many
    #: rounds of a few rows each (the GPT's batched sampler); a row's spare valid
    #: candidates fill the unfilled rows with the same seed values. Never more
    #: candidates than ``max_invalid`` still allows to be rejected.
    _overgenerates: ClassVar[bool] = False
    #: Whether ``fit`` learns ``exact_dependencies_`` (a category that pins
    #: another column's value in every training row) for the sampling loop to
    #: apply to each proposed batch (see :mod:`skgen._dependencies`). A model
    #: that opts in declares ``exact_dependencies_`` in ``_fitted_attributes``;
    #: with ``dp=True`` nothing is learned (data statistics outside the DP
    #: accountant).
    _learns_dependencies: ClassVar[bool] = False

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> BaseSynthesizer:
        """Learn the training data.

        Parameters
        ----------
        X : pandas.DataFrame or dask.dataframe.DataFrame of shape (n_samples, n_features)
            Training table. A 2-D array is accepted and its columns are named
            ``x0, x1, ...``; a 1-D Series, array or list of strings (a text
            corpus) becomes one column named after the Series, or ``"text"``.
            A dask DataFrame (larger than memory) is read once, partition by
            partition on the active scheduler: the schema, the validators'
            rules and :class:`~skgen.AmplifySampler`'s marginals come from all
            its rows, the model from a uniform random sample of at most
            ``max_fit_rows`` of them (see :mod:`skgen._dask_fit`). Not
            modified.
        y : array-like of shape (n_samples,), default=None
            Optional label, treated as one more column named ``y.name`` (or
            ``"target"``) so that it can be conditioned on. Not with a dask
            ``X`` (keep the label as one of its columns).

        Returns
        -------
        self : object
            The fitted synthesizer. A ``fit`` that raises (or is interrupted)
            leaves it as it was: unfitted, or with its previous fit intact.

        Raises
        ------
        SchemaError
            For an empty table, duplicated column names, a column with no value
            or mixing value types, a float column holding ``inf`` or ``-inf``
            (named in the message), or a ``y`` whose name clashes with a column.
        TypeError
            For a scipy sparse matrix (pass a dense DataFrame), or a ``y``
            given with a dask ``X``.
        DataCheckError
            With ``data_checks="interrupt"`` when the checks find problems.
        """
        entropy = _entropy(self.random_state)
        column_types = getattr(self, "column_types", None)
        max_rows = getattr(self, "max_fit_rows", None)
        full = None
        dask_frame = X if is_dask_frame(X) else None

        def summarize(column_types: Mapping | None) -> tuple:
            """One pass over the partitions; the model learns from a sample."""
            part = summarize_dask(dask_frame, max_rows or self._dask_fit_rows(), entropy,
                                  column_types)
            return (part.sample, part.full, part.schema, part.sample,
                    pd.concat([part.sample, part.witnesses], ignore_index=True))

        if dask_frame is not None:
            if y is not None:
                raise TypeError("y cannot be given with a dask DataFrame X; keep the label as "
                                "a column of X")
            column_types = self._dask_column_kinds(dask_frame, column_types)
            X, full, schema, X_fit, reference = summarize(column_types)
        else:
            X = self._prepare_training_frame(X, y)
            schema = TableSchema.infer(X, column_types=column_types)
            X_fit, reference = X, X
            if max_rows is not None and len(X) > max_rows:
                full, X_fit = full_data(X), sample_rows(X, max_rows, entropy)
        # All of fit runs on a scratch instance holding only the parameters;
        # its state replaces this one's in one assignment once it succeeded,
        # so a failed or interrupted fit (an error, KeyboardInterrupt) leaves
        # the estimator as it was: unfitted, or with its previous fit intact.
        new = self._unfitted_copy()
        new.schema_ = schema
        kinds = new._model_column_kinds(X)
        written = [c for c, kind in kinds.items() if kind == "text"]
        if any(schema[c].kind != kind for c, kind in kinds.items()):
            # e.g. a column the model writes as new text is text, however few or short
            # its values (inferred as categorical, every new text would be refused)
            column_types = {**(column_types or {}), **kinds}
            if dask_frame is not None:  # a second pass: the schema describes every row
                X, full, schema, X_fit, reference = summarize(column_types)
            else:
                schema = TableSchema.infer(X, column_types=column_types)
            new.schema_ = schema
        new.data_check_warnings_ = [
            {"check": w.check, "column": w.column, "message": w.message}
            for w in check_data(X, strategy=self.data_checks,
                                exclude=self._irrelevant_data_checks, text_columns=written)
        ]
        new.validators_ = as_validator_set(new.validators).fit(reference)
        if reference is not X and any(isinstance(v, PrivacyFilter)
                                      for v in new.validators_.validators_):
            warnings.warn(f"the PrivacyFilter learned the {len(reference)} rows of the sample "
                          f"of the dask frame, not its {full.n_rows} rows: generated rows are "
                          "compared with those only", UserWarning, stacklevel=2)
        n_x = X.shape[1] - (y is not None)  # y is the last column of the frame
        new.n_features_in_ = n_x
        new.feature_names_in_ = np.asarray(X.columns[:n_x], dtype=object)
        new.n_train_rows_ = len(X) if full is None else full.n_rows
        new.n_fit_rows_ = len(X_fit)
        if self._learns_dependencies:  # not under dp: statistics outside the accountant
            new.exact_dependencies_ = ([] if getattr(self, "dp", False)
                                       else learn_frame_dependencies(X, new.schema_))

        new._sample_rng_ = np.random.default_rng([*entropy, 1])
        new._full_data = full  # statistics of all rows when _fit sees a sample of them
        new._fit(X_fit, np.random.default_rng([*entropy, 0]))
        del new._full_data
        if full is not None:  # refuse every training ID and text, not only the sample's
            for name, columns in new._string_hash_columns().items():
                if all(full.counts.get(c) is not None for c in columns):
                    distinct = pd.DataFrame({c: pd.Series(full.counts[c].index.to_numpy(
                        dtype=object)) for c in columns})
                    setattr(new, name, string_hashes(distinct, columns))
        self.__dict__ = vars(new)
        return self

    def _string_hash_columns(self) -> dict[str, list]:
        """Fitted attributes holding hashes of training IDs and texts, and their columns.

        The string generators refuse the training values by these hashes (see
        :mod:`skgen._strings`). A model that has them declares the attributes in
        ``_reference_attributes`` too, so that a model file leaves them out.
        """
        return {}

    def _lacks_string_hashes(self) -> bool:
        """Whether a loaded model lacks the hashes its file left out."""
        return any(columns and not hasattr(self, name)
                   for name, columns in self._string_hash_columns().items())

    def _attach_string_hashes(self, frame: pd.DataFrame) -> None:
        """Recompute the training hashes from ``frame`` (the prepared training data)."""
        for name, columns in self._string_hash_columns().items():
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise SchemaError(f"the reference data lacks the column(s) {missing} that "
                                  f"{type(self).__name__} was fitted on")
            setattr(self, name, string_hashes(frame, columns))

    def _string_hashes(self, name: str) -> list[np.ndarray]:
        """The hashes in attribute ``name``; empty, with a warning, when left out of the file."""
        hashes = getattr(self, name, None)
        if hashes is not None:
            return hashes
        warnings.warn(
            f"{type(self).__name__} was loaded without its reference data: generated IDs and "
            "texts are not checked against the training values. Pass the training data as "
            "skgen.load(path, reference_data=X) (or skgen.persistence.attach_reference) to "
            "restore the check", UserWarning, stacklevel=3)
        return [np.zeros(0, dtype=np.uint64) for _ in self._string_hash_columns()[name]]

    def _dask_fit_rows(self) -> int:
        """Rows the model learns from a dask frame when ``max_fit_rows`` is None."""
        return DASK_MAX_FIT_ROWS

    def _unfitted_copy(self) -> BaseSynthesizer:
        """A new instance of this class sharing only the parameters (not copies).

        Also carried over: scikit-learn's own configuration (``set_output``,
        metadata routing requests, callbacks and the callback context a
        :class:`~sklearn.pipeline.Pipeline` sets on its steps while fitting
        them). No fitted attribute and no private cache of an earlier fit is,
        so ``_fit`` always starts from nothing.
        """
        params = self.get_params(deep=False)
        new = type(self).__new__(type(self))
        new.__dict__.update({k: v for k, v in vars(self).items() if k in params or
                             k.startswith(("_sklearn", "_skl_", "_parent_callback")) or
                             k == "_metadata_request"})
        return new

    def _model_column_kinds(self, X: pd.DataFrame) -> dict:
        """Columns whose kind the model decides, whatever was inferred: their kind in
        ``schema_`` (``column_types`` names). Columns of kind ``"text"`` are those the
        model writes as natural-language text, left alone by the data checks for
        categoricals and free text. None by default. Called on the fitting instance
        once ``schema_`` is set."""
        return {}

    def _dask_column_kinds(self, frame: Any, column_types: Mapping | None) -> Mapping | None:
        """``column_types`` with the model's kinds (:meth:`_model_column_kinds`) as the
        head of the dask ``frame`` shows them, so that one pass over its partitions
        summarizes each column as the model reads it; where the head misleads, ``fit``
        makes a second pass."""
        if type(self)._model_column_kinds is BaseSynthesizer._model_column_kinds:
            return column_types
        with warnings.catch_warnings():  # a first partition shorter than PROBE_ROWS
            warnings.simplefilter("ignore", UserWarning)
            head = frame.head(PROBE_ROWS, compute=True)  # reads the first partition only
        probe = self._unfitted_copy()
        try:
            probe.schema_ = TableSchema.infer(head, column_types=column_types)
            kinds = probe._model_column_kinds(head)
        except (SchemaError, ValueError):  # the head alone says too little: decide on all rows
            return column_types
        return {**(column_types or {}), **kinds}

    def _prepare_training_frame(self, X: Any, y: Any) -> pd.DataFrame:
        """A private copy of the training data as a DataFrame, ``y`` appended."""
        if sp.issparse(X):
            raise TypeError(
                f"X is a scipy sparse {type(X).__name__}; skgen synthesizers learn and generate "
                "dense tables: pass pd.DataFrame(X.toarray(), columns=...) (or "
                "pd.DataFrame.sparse.from_spmatrix(X).sparse.to_dense())")
        if isinstance(X, pd.DataFrame):
            frame = X.copy()
        elif _is_text_vector(X):
            name = getattr(X, "name", None)
            frame = pd.DataFrame({"text" if name is None else name: list(X)})
        else:
            # complex, 1-D or empty input gets scikit-learn's usual error
            arr = check_2d_array(X)
            frame = pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])
            frame = frame.infer_objects()
        check_frame(frame)
        if y is not None:
            name = getattr(y, "name", None)
            name = "target" if name is None else name
            if name in frame.columns:
                raise SchemaError(f"y is named {name!r}, which is already a column of X")
            y_values = y.to_numpy() if isinstance(y, pd.Series) else np.asarray(y)
            if y_values.ndim != 1 or len(y_values) != len(frame):
                raise SchemaError(f"y must be 1-D with {len(frame)} values, got shape "
                                  f"{y_values.shape}")
            frame[name] = pd.Series(y_values, index=frame.index,
                                    dtype=y.dtype if isinstance(y, pd.Series) else None)
            check_frame(frame)
        _check_finite(frame)
        return frame.reset_index(drop=True)

    @abstractmethod
    def _fit(self, X: pd.DataFrame, rng: np.random.Generator) -> None:
        """Learn the model from the prepared training frame.

        ``X`` is a private copy with the columns of ``self.schema_``; fitted
        state goes into attributes ending in ``_`` that hold only JSON-able
        values and numeric numpy arrays (see :mod:`skgen.persistence`).
        """

    @abstractmethod
    def _generate(self, seeds: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        """Propose one candidate row per seed row.

        ``seeds`` has every training column; a non-missing cell is a value the
        row must hold. Return a frame of the same length holding every
        training column, or a pair ``(frame, valid)`` where the boolean array
        ``valid`` marks rows the model itself knows to be malformed (e.g. a
        generated line with the wrong number of fields). The loop checks
        conditions and validators and asks again for the rows that fail.
        """

    # --------------------------------------------------------------- sample
    def sample(
        self,
        n_samples: int | None = None,
        *,
        conditions: Mapping | pd.DataFrame | None = None,
        random_state: Any = None,
    ) -> pd.DataFrame:
        """Generate synthetic rows, optionally conditioned on fixed values.

        Parameters
        ----------
        n_samples : int or None, default=None
            Number of rows. With seed rows (``conditions`` a DataFrame) it must
            be ``None`` or ``len(conditions)``. ``None`` without seed rows
            gives the lesser of 5000 and the number of training rows.
        conditions : dict, pandas.DataFrame or None, default=None
            A dict ``{column: value}`` fixes those values in every row. A dict
            value may also be a :class:`skgen.Range` (numeric, integer or
            datetime column; bounds included, either side open with ``None``)
            or a list, tuple or set of values (every row holds one of them);
            the rows are then drawn from the data's distribution restricted to
            the range or set (how each model does it is in its ``sample``
            notes), and every returned row is checked to lie inside it. A
            DataFrame of seed rows gives one output row per seed row, in the
            same order, its non-missing values kept and its missing (NaN)
            cells generated from the row's other values — which also fills in
            missing data (imputation); its cells hold plain values only. A
            dask DataFrame of seed rows is completed partition by partition,
            lazily (see :func:`skgen.dask.sample_from_seeds`).
        random_state : int, RandomState instance or None, default=None
            Fixes this call's output. ``None`` draws fresh rows from the
            estimator's own stream (seeded by its ``random_state`` in ``fit``),
            so a script's sequence of calls is reproducible.

        Returns
        -------
        pandas.DataFrame of shape (n_rows, `n_features_in_`)
            The training columns, in order, with the training dtypes. Every row
            holds its conditions and passes every fitted validator. A dask
            DataFrame for dask seed rows (their partitions and index).

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If called before ``fit``.
        ConditionError
            Before any sampling, for a condition on an unknown column, a value
            the model can never produce or a fitted validator rejects, or
            ``n_samples`` disagreeing with the seed rows; for a ``Range`` on a
            categorical or text column, with ``low > high`` or outside what
            the model can produce; for an empty set, or a set holding such a
            value.
        TypeError, ValueError
            For an ``n_samples`` that is not a positive integer.
        MemoryError
            Before any sampling, when the output (estimated from the schema:
            8 bytes a number, about 64 a string, times the copies assembling it
            makes) would not fit in the memory available; sample in chunks
            instead (several calls, each written out).
        TooManyInvalidError
            When more than ``max_invalid`` candidates were rejected; its
            ``partial`` attribute holds the valid rows made so far.
        """
        check_is_fitted(self, "schema_")
        if is_dask_frame(conditions):  # one output partition per seed partition
            from skgen.dask import sample_from_seeds

            return sample_from_seeds(self, conditions, n_samples=n_samples,
                                     random_state=random_state)
        seeds = self._checked_seeds(conditions, n_samples)
        self._check_output_memory(len(seeds))
        if random_state is None:
            rng = self._sample_rng_
        else:
            rng = np.random.default_rng([*_entropy(random_state), 2])
        try:
            return self._sampling_loop(seeds, rng)
        except TooManyInvalidError as err:
            return self._recover(err, seeds, random_state)

    def _checked_seeds(self, conditions: Any, n_samples: int | None) -> SeedRows:
        """``sample``'s seed rows, refused before sampling where no row could hold them."""
        seeds = seed_rows(conditions, n_samples, self.schema_, n_train=self.n_train_rows_,
                          extrapolate=self._extrapolates,
                          open_categories=self._open_categories)
        self._check_seeds(seeds)
        self._check_conditions_against_validators(seeds)
        return seeds

    def _recover(self, err: TooManyInvalidError, seeds: SeedRows,
                 random_state: Any) -> pd.DataFrame:
        """Finish a sample the model could not complete, or re-raise ``err``.

        Called with the error (its ``partial`` rows are indexed by seed
        position), the seed rows and the call's ``random_state``. The default
        re-raises; a model with a fallback overrides it (and must not write to
        the estimator: ``sample`` is read-only and thread-safe).
        """
        raise err

    def _check_seeds(self, seeds: SeedRows) -> None:
        """Refuse, before sampling, seed values this model cannot start from.

        The default accepts all; raise :class:`ConditionError` naming the
        column and value. ``seeds.distinct()`` holds every condition value.
        """

    def _check_output_memory(self, n: int) -> None:
        """Fail fast when ``n`` output rows cannot fit in memory."""
        available = _available_memory()
        row_bytes = _LOOP_BYTES_PER_ROW + sum(_cell_bytes(c.dtype) for c in self.schema_.columns)
        need = _ASSEMBLY_COPIES * n * row_bytes
        if available is not None and need > available:
            most = max(1, available // (_ASSEMBLY_COPIES * row_bytes) // 2)
            raise MemoryError(
                f"sample({n}) would need about {need / 2**30:.1f} GiB of memory ({row_bytes} "
                f"bytes a row, {_ASSEMBLY_COPIES} copies while assembling the output) but "
                f"{available / 2**30:.1f} GiB are available; sample in chunks instead: several "
                f"calls of at most about {most} rows (successive calls continue the estimator's "
                "random stream), each written out before the next")

    def _check_conditions_against_validators(self, seeds: SeedRows) -> None:
        typed = None
        given = seeds.distinct()
        for name, values in seeds.restrictions.sets.items():  # each value of a set
            rows = seeds.take(np.zeros(len(values), dtype=np.int64))
            rows[name] = pd.Series(values, dtype=rows[name].dtype)
            given = pd.concat([given, rows], ignore_index=True)
        for name in given.columns:
            present = given[name].notna()
            if self._completes_text and self.schema_[name].kind == "text":
                continue  # a prefix, not a value: the completed text is validated
            if self._open_categories and self.schema_[name].kind == "categorical":
                present &= given[name].isin(self.schema_[name].seen_categories)
            if not present.any():
                continue
            if typed is None:
                typed = self.schema_.coerce(given)
            distinct = typed.loc[present.to_numpy(), [name]].drop_duplicates()
            report = self.validators_.explain(distinct)
            if not len(report):
                continue
            first = report.iloc[0]
            raise ConditionError(
                f"condition value {first['value']!r} for column {first['column']!r} breaks the "
                f"fitted validator rule {first['rule']!r}, so no generated row could keep it",
                column=first["column"], value=first["value"])

    def _sampling_loop(self, seeds: SeedRows, rng: np.random.Generator,
                       generate: Callable | None = None) -> pd.DataFrame:
        """Propose, check and retry until every seed row has a valid row.

        ``generate`` replaces ``self._generate`` (a model's fallback).
        """
        generate = self._generate if generate is None else generate
        n = len(seeds)
        max_invalid = 5 * n if self.max_invalid is None else self.max_invalid
        chunks_done: dict[int, pd.DataFrame] = {}
        filled = np.zeros(n, dtype=bool)
        n_invalid = 0
        reasons: dict[str, int] = {}
        n_jobs = 1 if self.n_jobs is None else self.n_jobs
        n_proposed = n_valid = 0
        groups = _exchangeable_groups(seeds) if self._overgenerates else None
        with tqdm(total=n, disable=not self.verbose, desc=f"{type(self).__name__} sampling",
                  unit="rows") as bar:
            while not filled.all():
                todo = np.flatnonzero(~filled)
                if self._overgenerates and n_proposed:
                    todo = self._retry_candidates(todo, n_valid / n_proposed,
                                                  max_invalid - n_invalid)
                parts = [todo[i:i + self._chunk_rows] for i in range(0, len(todo),
                                                                      self._chunk_rows)]
                streams = [np.random.default_rng(int(k))
                           for k in rng.integers(0, 2**63, size=len(parts))]
                if n_jobs == 1 or len(parts) == 1:
                    results = [self._propose(seeds.take(p), s, generate)
                               for p, s in zip(parts, streams, strict=True)]
                else:
                    results = Parallel(n_jobs=n_jobs, prefer="threads")(
                        delayed(self._propose)(seeds.take(p), s, generate)
                        for p, s in zip(parts, streams, strict=True))
                for positions, (rows, ok, why) in zip(parts, results, strict=True):
                    for reason, count in why.items():
                        reasons[reason] = reasons.get(reason, 0) + count
                    n_proposed += len(ok)
                    n_valid += int(ok.sum())
                    n_invalid += _needed_rejections(positions, ok, filled)
                    # the first valid candidate of each seed row not filled yet
                    first, good = _fillers(positions, ok, filled, groups)
                    if len(good):
                        chunks_done[int(good[0])] = rows.iloc[first].set_axis(good)
                    filled[good] = True
                    bar.update(len(good))
                if n_invalid > max_invalid and not filled.all():
                    partial = self._assemble(chunks_done, seeds)
                    causes = "; ".join(f"{reason} ({count})" for reason, count in sorted(
                        reasons.items(), key=lambda item: -item[1])[:3])
                    raise TooManyInvalidError(
                        f"{type(self).__name__} rejected {n_invalid} candidate rows (max_invalid="
                        f"{max_invalid}) after producing {int(filled.sum())} of {n} valid rows; "
                        "the valid rows are in this error's .partial attribute. Rejected for: "
                        f"{causes}. {_advice(reasons)}",
                        partial=partial, n_invalid=n_invalid, n_requested=n)
        return self._assemble(chunks_done, seeds).reset_index(drop=True)

    def _retry_candidates(self, todo: np.ndarray, valid_rate: float, budget: int
                          ) -> np.ndarray:
        """Seed positions to propose in a retry round of an over-generating model.

        Each unfilled row ``todo`` is repeated as often as one valid row takes
        at ``valid_rate`` (the share of candidates kept so far: ``ceil(1 /
        valid_rate)`` times); in all never more than ``len(todo) + budget``
        candidates (``budget``: rejections ``max_invalid`` still allows), and
        every row at least once. Filling a whole 64-row chunk for the last few
        rows was measured slower on a loaded CPU: the GPT's batch costs about
        the same per row at 30 and at 64 rows there.
        """
        most = len(todo) + budget
        per_row = int(np.ceil(1 / valid_rate)) if valid_rate > 0 else most
        return np.tile(todo, min(per_row, -(-most // len(todo))))[:most]

    def _propose(self, seeds: pd.DataFrame, rng: np.random.Generator,
                 generate: Callable | None = None
                 ) -> tuple[pd.DataFrame, np.ndarray, dict[str, int]]:
        """Generate candidates for ``seeds``, say which are valid and why the others are not.

        Returns the coerced rows, the validity mask and, per reason, how many
        rows it rejected (each row counted under the first check it fails).
        """
        generate = self._generate if generate is None else generate
        deps = getattr(self, "exact_dependencies_", [])
        seeds = restrict_determinants(deps, seeds) if deps else seeds
        raw = generate(seeds.reset_index(drop=True), rng)
        model_ok = np.ones(len(seeds), dtype=bool)
        if isinstance(raw, tuple):
            raw, model_ok = raw[0], np.asarray(raw[1], dtype=bool)
        if len(raw) != len(seeds):
            raise RuntimeError(f"{type(self).__name__}._generate returned {len(raw)} rows for "
                               f"{len(seeds)} seed rows")
        rows = self.schema_.coerce(raw.reset_index(drop=True))
        raw = raw.reset_index(drop=True)
        # free cells an exact dependency pins take their determinant's value
        restricted = restrictions_of(seeds)
        broken = apply_frame_dependencies(deps, rows, seeds.reset_index(drop=True),
                                          {*restricted.ranges, *restricted.sets})
        ok = np.ones(len(rows), dtype=bool)
        reasons: dict[str, int] = {}

        def reject(bad: np.ndarray, reason: str) -> None:
            """Count each rejected row once, under the first check it fails."""
            new = int((bad & ok).sum())
            if new:
                reasons[reason] = reasons.get(reason, 0) + new
            ok[bad] = False

        reject(~model_ok, "malformed candidates (the model's own check)")
        for col in self.schema_.columns:
            got = rows[col.name]
            missing = got.isna().to_numpy()
            # a cell the model wrote that could not be read in the column's type
            reject(missing & raw[col.name].notna().to_numpy(),
                   f"column {col.name!r}: values not readable as {col.kind}")
            # a column never missing in training is never missing in the output
            if col.missing_rate == 0:
                reject(missing, _EMPTY_REASON.get(col.kind, "column {!r}: left empty, though "
                                                  "it is never empty in training")
                       .format(col.name))
            # a categorical column, whatever its dtype, holds only training levels
            # or the row's condition (checked against them, unless _open_categories)
            if col.kind == "categorical":
                known = missing | got.isin(col.categories or []).to_numpy()
                if self._open_categories:  # compared where both are set (pd.NA has no truth)
                    want = seeds[col.name].to_numpy(dtype=object)
                    both = ~missing & ~pd.isna(want)
                    known[both] |= got.to_numpy(dtype=object)[both] == want[both]
                reject(~known, f"column {col.name!r}: values not among the training categories")
        reject(broken, "an exact dependency broken (a generated category contradicts the "
               "value it pins in a fixed cell)")
        reject(~conditions_met(rows, seeds.reset_index(drop=True), self.schema_,
                               text_prefix=self._completes_text), "the conditions not met")
        reject(~self.validators_._is_valid(rows, self._known_categories(rows)
                                           if self._open_categories else None),
               "fitted validators failed")
        return rows, ok, reasons

    def _known_categories(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` with new categories (accepted conditions) shown as known, for the
        validators that do not judge them themselves."""
        rows = rows.copy()
        for col in self.schema_.of_kind("categorical"):
            new = rows[col.name].notna() & ~rows[col.name].isin(col.seen_categories)
            if new.any():
                rows[col.name] = rows[col.name].astype(object).where(~new, col.categories[0])
        return rows

    def _assemble(self, chunks: dict[int, pd.DataFrame], seeds: SeedRows) -> pd.DataFrame:
        if not chunks:
            return self.schema_.coerce(seeds.take(np.arange(0)))
        rows = pd.concat([chunks[k] for k in sorted(chunks)]).sort_index()
        # a chunk whose rejected rows had gaps came back with a nullable dtype
        for col in self.schema_.columns:
            if str(rows[col.name].dtype) != col.dtype and not rows[col.name].isna().any():
                rows[col.name] = rows[col.name].astype(col.dtype)
        return rows

    def _lazy_runtime(self, build: Callable[[], Any],
                      usable: Callable[[Any], bool] = lambda rt: True) -> Any:
        """The model's runtime (tokenizers, torch modules): the one ``fit`` left, or built once.

        A model loaded from a file has none until its first ``sample``; threads
        sampling together build it once, under a lock, into the private
        ``_runtime`` cache (not fitted state: never saved). ``usable`` says
        whether a cached runtime still serves the fitted state.
        """
        rt = getattr(self, "_runtime", None)
        if rt is not None and usable(rt):
            return rt
        with _RUNTIME_LOCK:
            rt = getattr(self, "_runtime", None)
            if rt is None or not usable(rt):
                rt = build()
                self._runtime = rt
        return rt

    # ---------------------------------------------------------- persistence
    #: Fitted attributes a model file holds; each model adds its own (see
    #: :mod:`skgen.persistence`, which writes and reads only declared names).
    _fitted_attributes = ("schema_", "data_check_warnings_", "validators_", "n_features_in_",
                          "feature_names_in_", "n_train_rows_", "n_fit_rows_", "_sample_rng_")

    def save(self, path: str | Path, *, key: bytes | str | None = None,
             include_reference_data: bool = False) -> Path:
        """Save the fitted synthesizer to one file, safely loadable.

        Tensors and arrays are written as safetensors, everything else as
        JSON in the file's header; no pickle. The file is replaced atomically.
        Load with :func:`skgen.load`. See :func:`skgen.persistence.save`.

        Parameters
        ----------
        path : str or pathlib.Path
            File to write (conventionally ``*.skgen``); replaced if it exists.
            Its folder must exist.
        key : bytes, str or None, default=None
            Secret key to sign the file with (HMAC-SHA256); ``skgen.load``
            then needs the same key and refuses a file modified since.
            ``None`` writes an unsigned file whose SHA-256 digest detects
            corruption, not deliberate modification.
        include_reference_data : bool, default=False
            Also store the training rows a privacy filter compares against.
            **Warning**: the file then holds training records. By default they
            are left out and re-attached at load time with
            ``skgen.load(path, reference_data=X)``.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the synthesizer is not fitted.
        FileNotFoundError
            If the folder of ``path`` does not exist.
        OSError
            If the file cannot be written; a previous file at ``path`` is kept.
        """
        from skgen.persistence import save

        check_is_fitted(self, "schema_")
        return save(self, path, key=key, include_reference_data=include_reference_data)


BaseSynthesizer.__doc__ = BaseSynthesizer.__doc__.replace(
    "%(common)s", COMMON_PARAMETERS_DOC.strip())


def _is_text_vector(X: Any) -> bool:
    """Whether ``X`` is a 1-D collection of strings (a text corpus)."""
    if isinstance(X, pd.Series):
        return True
    if isinstance(X, str) or not hasattr(X, "__len__"):
        return False
    arr = np.asarray(X, dtype=object)
    return arr.ndim == 1 and len(arr) > 0 and all(isinstance(v, str) or v is None
                                                  for v in arr[:100])


_FIT_DEADLINE: ContextVar[float | None] = ContextVar("skgen_fit_deadline", default=None)


@contextmanager
def fit_time_budget(seconds: float) -> Iterator[None]:
    """Give the ``fit`` calls made inside this block ``seconds`` of wall time.

    A model's training loop asks :func:`fit_out_of_time` between iterations
    and, once it says so, stops early keeping what it learned (e.g. the LSTM
    gives its fallback ``max_fallback_training_time_seconds`` this way). The
    budget is per thread (a context variable); nested budgets keep the inner.

    Parameters
    ----------
    seconds : float
        Wall-clock seconds from entering the block.

    Yields
    ------
    None
        Nothing: the budget holds while the ``with`` block runs.
    """
    token = _FIT_DEADLINE.set(time.monotonic() + float(seconds))
    try:
        yield
    finally:
        _FIT_DEADLINE.reset(token)


def fit_out_of_time() -> bool:
    """Whether the :func:`fit_time_budget` around the current ``fit`` is spent.

    Returns
    -------
    bool
        True once the innermost budget's wall time has passed; False inside
        a budget with time left, and outside any budget.
    """
    deadline = _FIT_DEADLINE.get()
    return deadline is not None and time.monotonic() > deadline


#: Serialises the lazy building of models' runtimes (see ``_lazy_runtime``).
_RUNTIME_LOCK = threading.Lock()

#: Why a text or ID cell comes back empty: the generators refuse training values.
_EMPTY_REASON = {kind: (
    "column {!r}: left empty because every " + kind + " value drawn for it equalled a "
    "training value, which is never given back (its training values are too few or too "
    "alike, e.g. one template, to recombine into new ones" + extra + ")")
    for kind, extra in (("text", f"; or each of its words occurs in fewer than {MIN_GROUP} "
                                 "training texts, and such words are not learned"), ("id", ""))}


def _exchangeable_groups(seeds: SeedRows) -> np.ndarray:
    """A group number per seed row: rows with the same seed values (all of them, for dict
    conditions) ask for the same thing, so a valid candidate of one serves any other."""
    if seeds.frame is None:
        return np.zeros(len(seeds), dtype=np.int64)
    return seeds.frame.groupby(list(seeds.frame.columns), dropna=False, sort=False,
                               observed=True).ngroup().to_numpy()


def _fillers(positions: np.ndarray, ok: np.ndarray, filled: np.ndarray,
             groups: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Which candidates fill which seed rows: ``(candidates, rows)``, rows ascending.

    Each unfilled row takes its own first valid candidate. With ``groups`` (an
    over-generating model's retry rounds propose several candidates per row),
    the spare valid candidates -- of a row already filled -- then fill the
    unfilled rows of this chunk that share their group, in order, instead of
    being dropped while such rows wait for another round.
    """
    valid = np.flatnonzero(ok)
    rows = positions[valid]
    own, first = np.unique(rows, return_index=True)
    keep = ~filled[own]
    cand, dest = valid[first[keep]], own[keep]
    if groups is not None:
        spare = np.setdiff1d(valid, cand)
        waiting = np.setdiff1d(positions[~filled[positions]], dest)
        for g in np.unique(groups[positions[spare]]):
            s = spare[groups[positions[spare]] == g]
            w = waiting[groups[waiting] == g]
            m = min(len(s), len(w))
            cand, dest = np.concatenate([cand, s[:m]]), np.concatenate([dest, w[:m]])
    order = np.argsort(dest, kind="stable")
    return cand[order], dest[order]


def _needed_rejections(positions: np.ndarray, ok: np.ndarray, filled: np.ndarray) -> int:
    """Rejected candidates that count against ``max_invalid``.

    A candidate counts if its seed row was still unfilled and it came before
    the row's first valid candidate: what proposing one candidate at a time
    would have rejected. An over-generating model's spare candidates for a row
    that another candidate filled do not count.
    """
    idx = np.arange(ok.size)
    first_ok = np.full(int(positions.max()) + 1 if positions.size else 0, ok.size)
    np.minimum.at(first_ok, positions[ok], idx[ok])
    return int((~ok & ~filled[positions] & (idx < first_ok[positions])).sum())


def _advice(reasons: dict[str, int]) -> str:
    """What to do about the most frequent rejection reason."""
    top = max(reasons, key=reasons.get) if reasons else ""
    if "never given back" in top:
        return ("Drop or transform that column (e.g. generate its values yourself), or "
                "raise max_invalid.")
    if top.startswith("the conditions"):
        return "Loosen the conditions or raise max_invalid."
    if top.startswith("fitted validators"):
        return ("Loosen the validators (validators_.explain(rows) shows which rule), or raise "
                "max_invalid.")
    return "Train longer or raise max_invalid."


#: Bytes a row costs the sampling loop's bookkeeping (done flags, positions).
_LOOP_BYTES_PER_ROW = 16
#: Copies of the output alive at once while it is assembled (the chunks, their
#: concatenation, the sorted frame).
_ASSEMBLY_COPIES = 3


def _cell_bytes(dtype: str) -> int:
    """Memory of one cell of a column of ``dtype``: a Python string is about 64."""
    if dtype in ("object", "string", "str"):
        return 64
    try:
        return max(1, np.dtype(dtype).itemsize)
    except TypeError:  # pandas extension dtypes (category, Int64, ...)
        return 8


def _available_memory() -> int | None:
    """Bytes of memory available to this process now, or ``None`` if unknown.

    Linux's ``MemAvailable`` (free memory plus reclaimable caches), else the
    physical memory from ``os.sysconf``; ``None`` where neither is readable.
    """
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def _check_finite(frame: pd.DataFrame) -> None:
    """Refuse infinite numbers: no model can learn or generate them."""
    for name in frame.columns[[pd.api.types.is_float_dtype(t) for t in frame.dtypes]]:
        n_inf = int(np.isinf(frame[name].to_numpy(dtype="float64", na_value=np.nan)).sum())
        if n_inf:
            raise SchemaError(
                f"column {name!r} holds {n_inf} infinite value(s) (inf or -inf), which skgen "
                "cannot learn or generate; replace them, e.g. with missing values "
                "(X.replace([np.inf, -np.inf], np.nan)), or drop those rows")


def _entropy(random_state: Any) -> list[int]:
    """Seed material for numpy Generators, drawn through ``check_random_state``.

    ``None`` takes fresh entropy from the operating system rather than from
    numpy's global RandomState, so that global state is never advanced.
    """
    if random_state is None:
        return [int(x) for x in np.random.SeedSequence().generate_state(4)]
    if isinstance(random_state, np.random.Generator):
        return [int(x) for x in random_state.integers(0, 2**32, size=4)]
    rs = check_random_state(random_state)
    return [int(x) for x in rs.randint(0, 2**32 - 1, size=4, dtype=np.int64)]


__all__ = ["BaseSynthesizer", "COLUMN_TYPES_DOC", "COMMON_PARAMETERS_DOC", "fit_out_of_time",
           "fit_time_budget"]
