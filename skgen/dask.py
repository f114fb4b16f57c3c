"""Generate and impute past one machine: lazy synthetic rows on a Dask cluster.

Install the ``dask`` extra (``pip install "skgen[dask]"``) for dask and
distributed. :func:`sample_dataframe` gives a lazy
:class:`dask.dataframe.DataFrame` of ``n_samples`` synthetic rows that any
Dask scheduler [1]_ computes partition by partition [2]_ (``ddf.to_parquet(...)`` on the
cluster a :class:`distributed.Client` points at); :func:`sample_from_seeds`
(also reached as ``model.sample(conditions=<dask DataFrame>)``) completes a
dask frame of seed rows, partition by partition.

**Reproducible whatever the cluster.** Partition ``i`` draws from a random
stream derived from the call's ``random_state`` and ``i`` alone
(:class:`numpy.random.SeedSequence` with ``spawn_key=(i,)`` [3]_), fixed when the
collection is built. The rows are therefore the same on one worker or a
hundred, wherever each partition runs, and when a lost partition is computed
again (Dask recomputes a task whose worker died): identical to computing
each partition locally and concatenating them.

**The model travels as its file.** The fitted model goes to the workers as
the bytes of its skgen model file (:func:`skgen.persistence.dumps`: JSON and
safetensors, no pickle), one graph key every partition depends on, so each
worker receives it once; each worker process rebuilds it once
(:func:`skgen.persistence.loads`) and keeps it in a small cache keyed by the
bytes' SHA-256. Every fitted validator travels with it. The reference data
a model file never holds - training rows a
:class:`~skgen.validators.PrivacyFilter` compares against, the training IDs
and texts the generators refuse - goes as ``reference_data``: sent once, as
its own graph key, and attached on each worker.

References
----------
.. [1] M. Rocklin, "Dask: Parallel Computation with Blocked algorithms and
   Task Scheduling", Proceedings of the 14th Python in Science Conference
   (SciPy 2015), pp. 126-132.
.. [2] Dask developers, "dask.dataframe.from_map" and "Dask DataFrame: best
   practices" (partition sizes), https://docs.dask.org/en/stable/dataframe.html.
.. [3] M. E. O'Neill, "PCG: A Family of Simple Fast Space-Efficient
   Statistically Good Algorithms for Random Number Generation", HMC-CS-2014-0905,
   2014; numpy ``SeedSequence`` (independent streams from ``spawn_key``).
"""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

try:
    import dask
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError('skgen.dask needs dask; install it with pip install "skgen[dask]"'
                      ) from exc

from skgen.base import BaseSynthesizer, _entropy
from skgen.conditions import check_n_samples
from skgen.exceptions import ConditionError
from skgen.persistence import _estimators, dumps, loads

#: Rows per partition of :func:`sample_dataframe` unless told.
#:
#: About 200 MB of Adult-like rows (15 columns), within Dask's advice of 100 MB to 1 GB.
DEFAULT_PARTITION_ROWS = 1_000_000
#: Models a worker process keeps rebuilt at once (least recently used dropped).
_CACHE_SIZE = 4

_MODELS: OrderedDict[tuple[str, str | None], BaseSynthesizer] = OrderedDict()
_MODELS_LOCK = threading.Lock()


def sample_dataframe(
    model: BaseSynthesizer,
    n_samples: int,
    *,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    conditions: Mapping | None = None,
    random_state: Any = None,
    reference_data: Any = None,
) -> dd.DataFrame:
    """A lazy dask DataFrame of ``n_samples`` synthetic rows, partition by partition.

    Built with :func:`dask.dataframe.from_map`: nothing is generated until the
    collection is computed or written (``ddf.to_parquet(path)``), on whatever
    scheduler is active (a :class:`distributed.Client`'s cluster, or Dask's
    local threads). Each partition is one ``model.sample`` call on a worker,
    so every row holds ``conditions`` and passes every fitted validator.

    Parameters
    ----------
    model : BaseSynthesizer
        A fitted skgen synthesizer. Sent to the workers as the bytes of its
        model file (never pickled); not modified, except that without
        ``random_state`` the call advances its random stream once, as
        ``sample`` does.
    n_samples : int
        Number of rows, at least 1.
    partition_rows : int, default=1_000_000
        Rows per partition (the last one holds the rest), at least 1. A
        partition is generated in one worker's memory: each row costs about
        200 bytes for 15 Adult-like columns, a few times that while it is made.
    conditions : dict or None, default=None
        ``{column: value}`` held by every row of every partition, as in
        ``model.sample`` (values, :class:`skgen.Range`, lists of values).
        For seed rows (a DataFrame) use :func:`sample_from_seeds`.
    random_state : int, RandomState instance, numpy Generator or None, default=None
        Fixes the rows. Partition ``i`` draws from a stream derived from it
        and ``i`` alone, so the rows do not depend on the number of workers
        or where each partition runs. ``None`` takes the seed from the
        model's own stream (the sequence of calls reproducible, as ``sample``).
        Either way the seed is fixed when the collection is built: computing
        it twice gives the same rows.
    reference_data : pandas.DataFrame, array-like or None, default=None
        The training data (what ``fit`` got as ``X``, ``y`` as its column),
        which model files never hold: a :class:`~skgen.validators.PrivacyFilter`
        among the model's validators compares rows with it, and the
        generators of ID-like and free-text columns refuse its values. Required
        for a privacy filter; without it a model with such columns warns that
        generated IDs and texts go unchecked. It is sent to the workers as one
        graph key and attached there.

    Returns
    -------
    dask.dataframe.DataFrame
        ``ceil(n_samples / partition_rows)`` partitions with the training
        columns, in order, and the dtypes ``model.sample`` returns (its
        meta); a global integer index ``0 .. n_samples - 1`` with known
        divisions.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    TypeError, ValueError
        For an ``n_samples`` or ``partition_rows`` that is not a positive
        integer; for ``conditions`` that are not a dict (seed rows: see
        :func:`sample_from_seeds`).
    ValueError
        If the model has a privacy filter and ``reference_data`` is None.
    ConditionError
        Before anything is computed, for a condition ``model.sample`` would
        refuse (unknown column, impossible value, one a validator rejects).
    skgen.exceptions.SchemaError
        If ``reference_data`` lacks a column the model was fitted on.

    Warns
    -----
    UserWarning
        When the model has ID-like or free-text columns and
        ``reference_data`` is None: generated IDs and texts then go
        unchecked against the training values.

    See Also
    --------
    sample_from_seeds : Seeded generation and imputation over a dask DataFrame.

    Notes
    -----
    Errors a partition meets on a worker (``TooManyInvalidError``) are
    raised when the collection is computed.

    References
    ----------
    M. Rocklin, "Dask: Parallel Computation with Blocked algorithms and Task
    Scheduling", SciPy 2015. numpy ``SeedSequence``: independent streams
    from a ``spawn_key``.

    Examples
    --------
    >>> from skgen import AmplifySampler
    >>> from skgen.datasets import load_adult
    >>> from skgen.dask import sample_dataframe
    >>> syn = AmplifySampler(n_components=5, random_state=0).fit(load_adult()[:2000])
    >>> ddf = sample_dataframe(syn, 1000, partition_rows=400, random_state=0)
    >>> ddf.npartitions, len(ddf.compute())
    (3, 1000)
    """
    check_is_fitted(model, "schema_")
    n_samples = check_n_samples(n_samples)
    partition_rows = _check_positive(partition_rows, "partition_rows")
    if conditions is not None and not isinstance(conditions, Mapping):
        raise TypeError(
            "conditions must be a dict or None; for seed rows (one output row per seed row) "
            "use skgen.dask.sample_from_seeds(model, dask_seeds), or model.sample("
            f"conditions=dask_seeds); got {type(conditions).__name__}")
    shipped = _Shipped(model, reference_data)
    # refused here, as sample refuses them, rather than on every worker
    shipped.local_model()._checked_seeds(conditions, min(n_samples, partition_rows))
    entropy = _call_entropy(model, random_state)
    starts = list(range(0, n_samples, partition_rows))
    plans = [(i, start, min(partition_rows, n_samples - start))
             for i, start in enumerate(starts)]
    plan = dd.from_map(_plan, plans, meta=_PLAN_META,
                       divisions=(*starts, n_samples - 1), label="skgen-plan")
    return plan.map_partitions(
        _sample_partition, *shipped.args(), entropy, conditions,
        meta=shipped.meta, enforce_metadata=False, align_dataframes=False,
        token=dask.base.tokenize("skgen-sample", shipped.digest, shipped.reference_token,
                                 entropy, plans, _conditions_token(conditions)))


def sample_from_seeds(
    model: BaseSynthesizer,
    seeds: dd.DataFrame,
    *,
    n_samples: int | None = None,
    random_state: Any = None,
    reference_data: Any = None,
) -> dd.DataFrame:
    """Complete a dask DataFrame of seed rows, partition by partition (imputation).

    ``model.sample(conditions=seeds)`` for a dask ``seeds`` calls this. Each
    seed partition becomes one ``model.sample(conditions=partition)`` call on
    a worker: one output row per seed row, in the same order and with the
    same index, its non-missing cells kept and its missing (NaN) cells
    generated from the row's other values.

    Parameters
    ----------
    model : BaseSynthesizer
        A fitted skgen synthesizer, sent to the workers as the bytes of its
        model file. Not modified (but see ``random_state``).
    seeds : dask.dataframe.DataFrame
        Seed rows; its columns are training columns (any subset, any order).
        Not modified.
    n_samples : None, default=None
        Must be None: the output has one row per seed row (counting them
        would cost a pass over the data).
    random_state : int, RandomState instance, numpy Generator or None, default=None
        Fixes the rows: seed partition ``i`` draws from a stream derived from
        it and ``i`` alone. ``None`` takes the seed from the model's own
        stream, as ``sample`` does; either way it is fixed when the
        collection is built.
    reference_data : pandas.DataFrame, array-like or None, default=None
        The training data, for a privacy filter among the validators and the
        check of generated IDs and texts; see :func:`sample_dataframe`.

    Returns
    -------
    dask.dataframe.DataFrame
        The training columns, in order, with the training dtypes; the
        partitions, index and divisions of ``seeds``.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    TypeError
        If ``seeds`` is not a dask DataFrame.
    ConditionError
        Before anything is computed, if ``seeds`` has a column the model does
        not know, duplicated columns, or ``n_samples`` is given. Cells are
        checked on the workers, as ``sample`` checks them.
    ValueError
        If the model has a privacy filter and ``reference_data`` is None.

    See Also
    --------
    sample_dataframe : Unconditional (or dict-conditioned) rows, lazily.

    References
    ----------
    M. Rocklin, "Dask: Parallel Computation with Blocked algorithms and Task
    Scheduling", SciPy 2015.
    """
    check_is_fitted(model, "schema_")
    if not isinstance(seeds, dd.DataFrame):
        raise TypeError(f"seeds must be a dask DataFrame, got {type(seeds).__name__}; for a "
                        "pandas frame call model.sample(conditions=seeds)")
    if n_samples is not None:
        raise ConditionError(
            f"n_samples={n_samples} with a dask DataFrame of seed rows: the output has one row "
            "per seed row; pass n_samples=None")
    columns = list(seeds.columns)
    duplicated = sorted({c for c in columns if columns.count(c) > 1}, key=str)
    if duplicated:
        raise ConditionError(f"the seed rows have duplicated columns {duplicated}",
                             column=duplicated[0])
    unknown = [c for c in columns if c not in model.schema_]
    if unknown:
        raise ConditionError(f"seed rows hold unknown column(s) {unknown}; the model knows "
                             f"{model.schema_.names}", column=unknown[0])
    shipped = _Shipped(model, reference_data)
    entropy = _call_entropy(model, random_state)
    return seeds.map_partitions(
        _complete_partition, *shipped.args(), entropy,
        meta=shipped.meta.set_axis(seeds._meta.index), enforce_metadata=False,
        token=dask.base.tokenize("skgen-seeds", shipped.digest, shipped.reference_token,
                                 entropy, seeds._name))


def partition_random_state(random_state: int, index: int) -> np.random.Generator:
    """The random stream partition ``index`` of a call with ``random_state`` draws from.

    ``model.sample(rows, random_state=partition_random_state(seed, i))`` is
    partition ``i`` of ``sample_dataframe(model, n, random_state=seed, ...)``
    (``rows`` its length), computed anywhere, without Dask.

    Parameters
    ----------
    random_state : int
        The integer seed given to :func:`sample_dataframe` or
        :func:`sample_from_seeds`.
    index : int
        The partition's position, from 0.

    Returns
    -------
    numpy.random.Generator
        A generator seeded by ``SeedSequence(entropy, spawn_key=(index,))``,
        ``entropy`` being the seed material drawn from ``random_state``:
        independent of every other partition's stream and of the worker.

    Raises
    ------
    TypeError
        If ``random_state`` is not an integer (a RandomState or Generator
        instance is consumed when the collection is built, so its partition
        streams cannot be rebuilt from it).

    References
    ----------
    numpy, ``numpy.random.SeedSequence`` (``spawn_key``: independent child
    streams).
    """
    if isinstance(random_state, bool) or not isinstance(random_state, Integral):
        raise TypeError(f"random_state must be the integer seed of the call, got "
                        f"{type(random_state).__name__}")
    return _stream(_entropy(int(random_state)), index)


# --------------------------------------------------------------------- client side
_PLAN_META = pd.DataFrame({"partition": pd.Series(dtype="int64"),
                           "start": pd.Series(dtype="int64"),
                           "rows": pd.Series(dtype="int64")})


class _Shipped:
    """What the workers need: the model file's bytes and the privacy reference data.

    Both become single graph keys (``dask.delayed``) every partition depends on,
    so a distributed scheduler sends each to a worker once, not with every task.
    Building this loads the model from its bytes once on the client (the workers'
    cache, shared with a local scheduler's threads), which checks that the bytes
    rebuild and that ``reference_data`` attaches, before anything is computed.
    """

    def __init__(self, model: BaseSynthesizer, reference_data: Any) -> None:
        self.blob = dumps(model)
        self.digest = hashlib.sha256(self.blob).hexdigest()
        self.reference = None
        self.reference_token = None
        if reference_data is not None:
            self.reference = reference_data
            self.reference_token = dask.base.tokenize(reference_data)
        local = self.local_model()
        detached = [type(v).__name__ for v in _estimators(local)
                    if hasattr(v, "has_reference_data") and not v.has_reference_data()]
        if detached:
            raise ValueError(
                f"the model's validators include a {detached[0]}, whose reference data (the "
                "training rows it compares against) model files never hold, so the workers "
                "cannot apply it; pass the training data as reference_data=X_train")
        if self.reference is None and local._lacks_string_hashes():
            warnings.warn(
                f"{type(local).__name__} has ID-like or free-text columns, whose training "
                "values model files leave out: the workers will not check generated IDs and "
                "texts against them. Pass the training data as reference_data=X_train to keep "
                "the check", UserWarning, stacklevel=3)
        self.meta = local.schema_.coerce(_empty_seeds(local))

    def local_model(self) -> BaseSynthesizer:
        return _cached_model(self.blob, self.digest, self.reference, self.reference_token)

    def args(self) -> tuple:
        blob = dask.delayed(self.blob, pure=True, name=f"skgen-model-{self.digest[:16]}")
        reference = (None if self.reference is None else
                     dask.delayed(self.reference, pure=True,
                                  name=f"skgen-reference-{self.reference_token}"))
        return blob, self.digest, reference, self.reference_token


def _empty_seeds(model: BaseSynthesizer) -> pd.DataFrame:
    """A frame with no row and every training column (the output's meta, once coerced)."""
    return pd.DataFrame({name: pd.Series(dtype=object) for name in model.schema_.names})


def _call_entropy(model: BaseSynthesizer, random_state: Any) -> list[int]:
    """The call's seed material; without ``random_state``, drawn from the model's stream."""
    if random_state is None:
        return _entropy(model._sample_rng_)
    return _entropy(random_state)


def _conditions_token(conditions: Mapping | None) -> str:
    """A stable text of the conditions for the collection's name (ranges, sets included)."""
    if conditions is None:
        return ""
    return repr(sorted(((repr(k), repr(v)) for k, v in conditions.items())))


def _stream(entropy: list[int], index: int) -> np.random.Generator:
    """Partition ``index``'s generator: ``SeedSequence(entropy, spawn_key=(index,))``."""
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(int(index),)))


def _check_positive(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


# --------------------------------------------------------------------- worker side
def _cached_model(blob: bytes, digest: str, reference: Any,
                  reference_token: str | None) -> BaseSynthesizer:
    """The model rebuilt from ``blob``, once per process (reference data attached).

    Keyed by the bytes' SHA-256 and the reference data's token; threads of a
    worker asking together wait for one load, under the lock.
    """
    key = (digest, reference_token)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            model = loads(blob, reference_data=reference)
            _MODELS[key] = model
            while len(_MODELS) > _CACHE_SIZE:
                _MODELS.popitem(last=False)
        else:
            _MODELS.move_to_end(key)
    return model


def _plan(spec: tuple[int, int, int]) -> pd.DataFrame:
    """One row saying which partition to generate: its position, first index, rows."""
    partition, start, rows = spec
    return pd.DataFrame({"partition": [partition], "start": [start], "rows": [rows]},
                        index=pd.RangeIndex(start, start + 1))


def _sample_partition(plan: pd.DataFrame, blob: bytes, digest: str, reference: Any,
                      reference_token: str | None, entropy: list[int],
                      conditions: Mapping | None) -> pd.DataFrame:
    """Generate one partition of :func:`sample_dataframe` from its plan row."""
    partition, start, rows = (int(v) for v in plan.iloc[0])
    model = _cached_model(blob, digest, reference, reference_token)
    out = model.sample(rows, conditions=conditions,
                       random_state=_stream(entropy, partition))
    return out.set_axis(pd.RangeIndex(start, start + rows))


def _complete_partition(seeds: pd.DataFrame, blob: bytes, digest: str, reference: Any,
                        reference_token: str | None, entropy: list[int],
                        partition_info: dict | None = None) -> pd.DataFrame:
    """Complete one partition of seed rows (:func:`sample_from_seeds`), its index kept."""
    model = _cached_model(blob, digest, reference, reference_token)
    if len(seeds) == 0:
        return model.schema_.coerce(_empty_seeds(model)).set_axis(seeds.index)
    partition = 0 if partition_info is None else int(partition_info["number"])
    out = model.sample(conditions=seeds, random_state=_stream(entropy, partition))
    return out.set_axis(seeds.index)


__all__ = ["DEFAULT_PARTITION_ROWS", "partition_random_state", "sample_dataframe",
           "sample_from_seeds"]
