"""BaseSynthesizer: the one fit/sample contract and sampling loop every model shares.

A model implements two things: ``_fit`` (learn from a prepared training frame)
and ``_generate`` (propose candidate rows for a frame of seed rows). Everything
else — checking input, inferring the schema, data checks, validators,
normalising and checking conditions, rejection and retry, ``max_invalid``,
progress bar, ``n_jobs``, reproducible random streams, output dtypes, saving —
lives here, once.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Integral, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from skgen.conditions import conditions_met, normalize_conditions
from skgen.data_checks import check_data
from skgen.exceptions import ConditionError, SchemaError, TooManyInvalidError
from skgen.schema import TableSchema, check_frame
from skgen.validators import ValidatorSet

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
        :class:`~skgen.exceptions.DataCheckError` listing every warning.
    verbose : int, default=0
        Show progress bars (tqdm) on fit and sample when positive.
    n_jobs : int or None, default=None
        Parallel workers (joblib threads) for sampling; ``None`` means 1 and
        ``-1`` all cores. The output does not depend on ``n_jobs``.
    random_state : int, RandomState instance or None, default=None
        Makes ``fit`` and the sequence of ``sample`` calls reproducible. The
        global random state of numpy and torch is never touched.
"""


class BaseSynthesizer(BaseEstimator, metaclass=ABCMeta):
    """Base class of all skgen synthesizers.

    Subclasses implement ``_fit`` and ``_generate``; this class owns the
    public ``fit`` and ``sample`` and the sampling loop described in
    ``DESIGN.md`` section 2. Not meant to be instantiated directly.

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
        Number of training columns (``y`` included when given).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Training column names, in order.
    n_train_rows_ : int
        Number of training rows.
    """

    _parameter_constraints: ClassVar[dict] = {
        "validators": [list, HasMethods(["fit", "is_valid"]), None],
        "max_invalid": [Interval(Integral, 0, None, closed="left"), None],
        "data_checks": [StrOptions({"log", "skip", "interrupt"})],
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
    #: Candidate rows proposed per ``_generate`` call; chunks are independent
    #: random streams, so the output does not depend on ``n_jobs``.
    _chunk_rows: ClassVar[int] = 8192

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any = None) -> BaseSynthesizer:
        """Learn the training data.

        Parameters
        ----------
        X : pandas.DataFrame of shape (n_samples, n_features)
            Training table. A 2-D array is accepted and its columns are named
            ``x0, x1, ...``; a 1-D Series, array or list of strings (a text
            corpus) becomes one column named after the Series, or ``"text"``.
            Not modified.
        y : array-like of shape (n_samples,), default=None
            Optional label, treated as one more column named ``y.name`` (or
            ``"target"``) so that it can be conditioned on.

        Returns
        -------
        self : object
            The fitted synthesizer.

        Raises
        ------
        SchemaError
            For an empty table, duplicated column names, a column with no value
            or mixing value types, or a ``y`` whose name clashes with a column.
        DataCheckError
            With ``data_checks="interrupt"`` when the checks find problems.
        """
        X = self._prepare_training_frame(X, y)
        self.schema_ = TableSchema.infer(X)
        self.data_check_warnings_ = [
            {"check": w.check, "column": w.column, "message": w.message}
            for w in check_data(X, strategy=self.data_checks)
        ]
        self.validators_ = self._make_validator_set().fit(X)
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_train_rows_ = len(X)

        entropy = _entropy(self.random_state)
        self._sample_rng_ = np.random.default_rng([*entropy, 1])
        self._fit(X, np.random.default_rng([*entropy, 0]))
        return self

    def _prepare_training_frame(self, X: Any, y: Any) -> pd.DataFrame:
        """A private copy of the training data as a DataFrame, ``y`` appended."""
        if isinstance(X, pd.DataFrame):
            frame = X.copy()
        elif _is_text_vector(X):
            name = getattr(X, "name", None)
            frame = pd.DataFrame({"text" if name is None else name: list(X)})
        else:
            arr = np.asarray(X, dtype=object) if not isinstance(X, np.ndarray) else X
            if arr.ndim != 2:
                raise SchemaError(f"X must be a DataFrame or a 2-D array, got {arr.ndim}-D")
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
        return frame.reset_index(drop=True)

    def _make_validator_set(self) -> ValidatorSet:
        v = self.validators
        if isinstance(v, ValidatorSet):
            return v.__class__(**v.get_params(deep=False))
        if v is None:
            return ValidatorSet()
        if isinstance(v, list):
            return ValidatorSet(validators=list(v))
        return ValidatorSet(validators=[v])

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
            A dict ``{column: value}`` fixes those values in every row. A
            DataFrame of seed rows gives one output row per seed row, in the
            same order, its non-missing values kept and its missing (NaN)
            cells generated from the row's other values — which also fills in
            missing data (imputation).
        random_state : int, RandomState instance or None, default=None
            Fixes this call's output. ``None`` draws fresh rows from the
            estimator's own stream (seeded by its ``random_state`` in ``fit``),
            so a script's sequence of calls is reproducible.

        Returns
        -------
        pandas.DataFrame of shape (n_rows, n_features_in_)
            The training columns, in order, with the training dtypes. Every row
            holds its conditions and passes every fitted validator.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If called before ``fit``.
        ConditionError
            Before any sampling, for a condition on an unknown column, a value
            the model can never produce or a fitted validator rejects, or
            ``n_samples`` disagreeing with the seed rows.
        TypeError, ValueError
            For an ``n_samples`` that is not a positive integer.
        TooManyInvalidError
            When more than ``max_invalid`` candidates were rejected; its
            ``partial`` attribute holds the valid rows made so far.
        """
        check_is_fitted(self, "schema_")
        seeds = normalize_conditions(conditions, n_samples, self.schema_,
                                     n_train=self.n_train_rows_, extrapolate=self._extrapolates,
                                     open_categories=self._open_categories)
        self._check_conditions_against_validators(seeds)
        if random_state is None:
            rng = self._sample_rng_
        else:
            rng = np.random.default_rng([*_entropy(random_state), 2])
        try:
            return self._sampling_loop(seeds, rng)
        except TooManyInvalidError as err:
            return self._recover(err, seeds, random_state)

    def _recover(self, err: TooManyInvalidError, seeds: pd.DataFrame,
                 random_state: Any) -> pd.DataFrame:
        """Finish a sample the model could not complete, or re-raise ``err``.

        Called with the error (its ``partial`` rows are indexed by seed
        position), the normalised seed rows and the call's ``random_state``.
        The default re-raises; a model with a fallback overrides it.
        """
        raise err

    def _check_conditions_against_validators(self, seeds: pd.DataFrame) -> None:
        typed = None
        for name in seeds.columns:
            present = seeds[name].notna()
            if self._completes_text and self.schema_[name].kind == "text":
                continue  # a prefix, not a value: the completed text is validated
            if self._open_categories and self.schema_[name].kind == "categorical":
                present &= seeds[name].isin(self.schema_[name].categories)
            if not present.any():
                continue
            if typed is None:
                typed = self.schema_.coerce(seeds)
            distinct = typed.loc[present.to_numpy(), [name]].drop_duplicates()
            report = self.validators_.explain(distinct)
            if not len(report):
                continue
            first = report.iloc[0]
            raise ConditionError(
                f"condition value {first['value']!r} for column {first['column']!r} breaks the "
                f"fitted validator rule {first['rule']!r}, so no generated row could keep it",
                column=first["column"], value=first["value"])

    def _sampling_loop(self, seeds: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
        n = len(seeds)
        max_invalid = 5 * n if self.max_invalid is None else self.max_invalid
        chunks_done: dict[int, pd.DataFrame] = {}
        filled = np.zeros(n, dtype=bool)
        n_invalid = 0
        n_jobs = 1 if self.n_jobs is None else self.n_jobs
        with tqdm(total=n, disable=not self.verbose, desc=f"{type(self).__name__} sampling",
                  unit="rows") as bar:
            while not filled.all():
                todo = np.flatnonzero(~filled)
                parts = [todo[i:i + self._chunk_rows] for i in range(0, len(todo),
                                                                      self._chunk_rows)]
                streams = [np.random.default_rng(int(k))
                           for k in rng.integers(0, 2**63, size=len(parts))]
                if n_jobs == 1 or len(parts) == 1:
                    results = [self._propose(seeds.iloc[p], s) for p, s in zip(parts, streams,
                                                                              strict=True)]
                else:
                    results = Parallel(n_jobs=n_jobs, prefer="threads")(
                        delayed(self._propose)(seeds.iloc[p], s)
                        for p, s in zip(parts, streams, strict=True))
                for positions, (rows, ok) in zip(parts, results, strict=True):
                    good = positions[ok]
                    if len(good):
                        chunks_done[int(good[0])] = rows.iloc[np.flatnonzero(ok)].set_axis(good)
                    filled[good] = True
                    n_invalid += int((~ok).sum())
                    bar.update(len(good))
                if n_invalid > max_invalid and not filled.all():
                    partial = self._assemble(chunks_done, seeds)
                    raise TooManyInvalidError(
                        f"{type(self).__name__} rejected {n_invalid} candidate rows (max_invalid="
                        f"{max_invalid}) after producing {int(filled.sum())} of {n} valid rows; "
                        "the valid rows are in this error's .partial attribute. Loosen the "
                        "validators or conditions, raise max_invalid, or train longer.",
                        partial=partial, n_invalid=n_invalid, n_requested=n)
        return self._assemble(chunks_done, seeds).reset_index(drop=True)

    def _propose(self, seeds: pd.DataFrame, rng: np.random.Generator
                 ) -> tuple[pd.DataFrame, np.ndarray]:
        """Generate candidates for ``seeds`` and say which are valid."""
        raw = self._generate(seeds.reset_index(drop=True), rng)
        model_ok = np.ones(len(seeds), dtype=bool)
        if isinstance(raw, tuple):
            raw, model_ok = raw[0], np.asarray(raw[1], dtype=bool)
        if len(raw) != len(seeds):
            raise RuntimeError(f"{type(self).__name__}._generate returned {len(raw)} rows for "
                               f"{len(seeds)} seed rows")
        rows = self.schema_.coerce(raw.reset_index(drop=True))
        # a cell the model wrote that could not be read in the column's type
        ok = model_ok & ~(rows.isna().to_numpy() & raw.reset_index(drop=True)[rows.columns]
                          .notna().to_numpy()).any(axis=1)
        # a column never missing in training is never missing in the output
        complete = [c.name for c in self.schema_.columns if c.missing_rate == 0]
        if complete:
            ok &= ~rows[complete].isna().to_numpy().any(axis=1)
        ok &= conditions_met(rows, seeds.reset_index(drop=True), self.schema_,
                             text_prefix=self._completes_text)
        ok &= self.validators_.is_valid(self._known_categories(rows) if self._open_categories
                                        else rows)
        return rows, ok

    def _known_categories(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``rows`` with new categories (accepted conditions) shown to validators as known."""
        rows = rows.copy()
        for col in self.schema_.of_kind("categorical"):
            new = rows[col.name].notna() & ~rows[col.name].isin(col.categories)
            if new.any():
                rows[col.name] = rows[col.name].astype(object).where(~new, col.categories[0])
        return rows

    def _assemble(self, chunks: dict[int, pd.DataFrame], seeds: pd.DataFrame) -> pd.DataFrame:
        if not chunks:
            return self.schema_.coerce(seeds.iloc[:0])
        rows = pd.concat([chunks[k] for k in sorted(chunks)]).sort_index()
        # a chunk whose rejected rows had gaps came back with a nullable dtype
        for col in self.schema_.columns:
            if str(rows[col.name].dtype) != col.dtype and not rows[col.name].isna().any():
                rows[col.name] = rows[col.name].astype(col.dtype)
        return rows

    # ---------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Save the fitted synthesizer to one file, safely loadable.

        Tensors and arrays are written as safetensors, everything else as
        JSON in the file's header; no pickle. Load with :func:`skgen.load`.

        Parameters
        ----------
        path : str or pathlib.Path
            File to write (conventionally ``*.skgen``); overwritten if it exists.

        Returns
        -------
        pathlib.Path
            The path written.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the synthesizer is not fitted.
        """
        from skgen.persistence import save

        check_is_fitted(self, "schema_")
        return save(self, path)


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


__all__ = ["BaseSynthesizer", "COMMON_PARAMETERS_DOC"]
