"""Tests of skgen.validators on the shipped Adult table and small hand-made frames."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import make_pipeline as make_imblearn_pipeline
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skgen.exceptions import SchemaError
from skgen.validators import (
    EXPLAIN_COLUMNS,
    BaseValidator,
    CharacterSetValidator,
    DataTypeValidator,
    DropInvalidRows,
    EmptyValueValidator,
    InSetValidator,
    NumericIQRValidator,
    NumericRangeValidator,
    OpenCloseCharsValidator,
    PatternValidator,
    PrivacyFilter,
    StringLengthValidator,
    ValidatorSet,
    default_validators,
    make_validators,
    pattern_mask,
)

# Validators that accept every training row by construction.
KEEPS_TRAINING_ROWS = [
    CharacterSetValidator, StringLengthValidator, NumericRangeValidator, DataTypeValidator,
    InSetValidator, PatternValidator, OpenCloseCharsValidator, EmptyValueValidator,
]
ALL_VALIDATORS = [*KEEPS_TRAINING_ROWS, NumericIQRValidator, PrivacyFilter, ValidatorSet]


def _make(cls):
    return cls(random_state=0) if cls is PrivacyFilter else cls()


# ----------------------------------------------------------------------------- helpers
_SCALARS = (str, int, float, bool, type(None))


def _assert_persistable(obj, where="validator"):
    """Fitted state may hold only JSON-able scalars, lists, str-keyed dicts,
    numeric numpy arrays and other skgen validators."""
    state = {k: v for k, v in vars(obj).items() if k.endswith("_") and not k.startswith("__")}
    assert state, f"{where} has no fitted state"
    for name, value in state.items():
        _assert_allowed(value, f"{where}.{name}")


def _assert_allowed(value, where):
    if type(value) in _SCALARS:
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _assert_allowed(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str, f"{where} has a non-str key {key!r}"
            _assert_allowed(item, f"{where}[{key!r}]")
    elif isinstance(value, np.ndarray):
        assert value.dtype.kind in "biuf", f"{where} is an array of dtype {value.dtype}"
    elif isinstance(value, BaseValidator):
        _assert_persistable(value, where)
    else:
        raise AssertionError(f"{where} holds a {type(value).__name__}, not a persistable type")


def _one_failure(report, column, rule):
    """The explain report names this column and rule."""
    assert list(report.columns) == EXPLAIN_COLUMNS
    hits = report[(report["column"] == column) & (report["rule"] == rule)]
    assert len(hits) >= 1, report
    return hits


# ------------------------------------------------------------------- real data: training rows
@pytest.mark.parametrize("cls", KEEPS_TRAINING_ROWS, ids=lambda c: c.__name__)
def test_every_training_row_passes(cls, adult):
    before = adult.copy()
    v = cls().fit(adult)
    assert v.is_valid(adult).all()
    kept = v.transform(adult)
    pd.testing.assert_frame_equal(kept, adult)
    assert kept is not adult
    assert v.explain(adult).empty
    pd.testing.assert_frame_equal(adult, before)  # caller's frame untouched
    assert v.n_features_in_ == adult.shape[1]


def test_every_row_of_the_whole_table_passes(adult_full):
    vs = make_validators(in_set_count=10, pattern_count=10, open_close_chars="default")
    assert vs.fit(adult_full).is_valid(adult_full).all()


def test_default_set_learns_the_expected_columns(adult_full):
    vs = default_validators().fit(adult_full)
    by_type = {type(v).__name__: v for v in vs.validators_}
    strings = ["workclass", "education", "marital_status", "occupation", "relationship", "race",
               "sex", "native_country", "income"]
    numeric = ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss",
               "hours_per_week"]
    assert by_type["CharacterSetValidator"].columns_ == strings
    assert by_type["StringLengthValidator"].columns_ == strings
    assert by_type["NumericRangeValidator"].columns_ == numeric
    dtypes = dict(zip(by_type["DataTypeValidator"].columns_,
                      by_type["DataTypeValidator"].types_, strict=True))
    assert dtypes["age"] == "integer" and dtypes["sex"] == "string"
    ranges = by_type["NumericRangeValidator"]
    j = ranges.columns_.index("age")
    assert (ranges.min_[j], ranges.max_[j]) == (adult_full["age"].min(), adult_full["age"].max())
    assert vs.columns_ == list(adult_full.columns)


def test_training_rows_pass_when_read_as_strings(adult):
    """A CSV read without dtypes (every value a string) is judged like the typed frame."""
    adult = adult.iloc[:1000]
    as_strings = adult.astype(str).where(adult.notna())
    full = make_validators(in_set_count=10, pattern_count=10, open_close_chars="default")
    assert full.fit(adult).is_valid(as_strings).all()
    assert full.fit(as_strings).is_valid(adult).all()
    kinds = NumericRangeValidator().fit(as_strings)
    assert "age" in kinds.columns_ and "sex" not in kinds.columns_
    cats = adult.astype({c: "category" for c in adult.select_dtypes("str").columns})
    assert default_validators().fit(adult).is_valid(cats).all()


# ---------------------------------------------------------------- real data: rejections
def _row(frame, **changes):
    """A one-row frame: the first training row with no missing value, with changes."""
    observed = [c for c in frame.columns if frame[c].notna().any()]
    row = frame.loc[frame[observed].notna().all(axis=1)].iloc[[0]].copy()
    for column, value in changes.items():
        row[column] = pd.Series([value], index=row.index, dtype=object)
    return row


def test_numeric_range_rejects_out_of_range(adult):
    v = NumericRangeValidator().fit(adult)
    top = adult["age"].max()
    cand = pd.concat([_row(adult, age=top + 1), _row(adult, age=str(top)),
                      _row(adult, age=str(top + 1)), _row(adult, age="abc")],
                     ignore_index=True)
    cand.index = ["a", "b", "c", "d"]
    assert v.is_valid(cand).tolist() == [False, True, False, True]
    hits = _one_failure(v.explain(cand), "age", "numeric_range")
    assert hits["row"].tolist() == ["a", "c"]
    assert hits["value"].tolist() == [top + 1, str(top + 1)]
    # the non-number is the data-type rule's to reject
    report = DataTypeValidator().fit(adult).explain(cand)
    assert _one_failure(report, "age", "data_type")["row"].tolist() == ["d"]


def test_character_set_rejects_unseen_character(adult):
    v = CharacterSetValidator().fit(adult)
    cand = pd.concat([_row(adult, workclass="Privat\u20ac"), _row(adult, workclass="private"),
                      _row(adult, workclass="PRIVATE")], ignore_index=True)
    assert v.is_valid(cand).tolist() == [False, True, False]  # case sensitive
    hits = _one_failure(v.explain(cand), "workclass", "character_set")
    assert hits["value"].tolist() == ["Privat\u20ac", "PRIVATE"]
    assert "\u20ac" not in v.charsets_[v.columns_.index("workclass")]


def test_string_length_rejects_too_long(adult):
    v = StringLengthValidator().fit(adult)
    longest = max(adult["education"].dropna(), key=len)
    too_long = longest + longest[-1]  # seen characters, one too many
    cand = pd.concat([_row(adult, education=too_long), _row(adult, education=longest)],
                     ignore_index=True)
    assert v.is_valid(cand).tolist() == [False, True]
    assert CharacterSetValidator().fit(adult).is_valid(cand).all()
    _one_failure(v.explain(cand), "education", "string_length")


def test_data_type_rejects_wrong_type(adult):
    v = DataTypeValidator().fit(adult)
    cand = pd.concat([_row(adult, age=39.5), _row(adult, age="40"), _row(adult, sex="1"),
                      _row(adult, age=41.0)], ignore_index=True)
    assert v.is_valid(cand).tolist() == [False, True, False, True]
    report = v.explain(cand)
    _one_failure(report, "age", "data_type")
    _one_failure(report, "sex", "data_type")


def test_in_set_rejects_unseen_value(adult):
    v = InSetValidator(in_set_count=10).fit(adult)
    assert "sex" in v.columns_ and "race" in v.columns_
    assert "education" not in v.columns_  # 16 distinct values > 10
    cand = pd.concat([_row(adult, sex="Other"), _row(adult, sex="Female")], ignore_index=True)
    assert v.is_valid(cand).tolist() == [False, True]
    _one_failure(v.explain(cand), "sex", "in_set")
    assert "education" in InSetValidator(in_set_count=16).fit(adult).columns_


def test_pattern_rejects_new_pattern(adult):
    v = PatternValidator(pattern_count=10).fit(adult)
    j = v.columns_.index("income")
    assert v.patterns_[j] == ["<=dda", ">dda"]
    cand = pd.concat([_row(adult, income="<=5K"), _row(adult, income=">99K")], ignore_index=True)
    assert v.is_valid(cand).tolist() == [False, True]
    _one_failure(v.explain(cand), "income", "pattern")


def test_pattern_mask_follows_the_documented_examples():
    masks = pattern_mask(pd.Series(["867-5309", "f32-sk-39d", "Ab é!"])).tolist()
    assert masks == ["ddd-dddd", "add-aa-dda", "aa é!"]


def test_open_close_chars_on_real_column(adult_full):
    adult = adult_full
    v = OpenCloseCharsValidator().fit(adult)
    assert v.columns_ == ["native_country"]  # "Outlying-US(Guam-USVI-etc)"
    assert v.pairs_ == [["()"]]
    cand = pd.concat([_row(adult, native_country="Outlying-US(Guam-USVI-etc"),
                      _row(adult, native_country="Outlying-US(Guam)")], ignore_index=True)
    assert v.is_valid(cand).tolist() == [False, True]
    _one_failure(v.explain(cand), "native_country", "open_close_chars")


def test_numeric_iqr_fences_and_zero_iqr_fallback(adult):
    v = NumericIQRValidator().fit(adult)
    j = v.columns_.index("age")
    q1, q3 = np.quantile(adult["age"], [0.25, 0.75])
    assert v.lower_[j] == pytest.approx(q1 - 1.5 * (q3 - q1))
    assert v.upper_[j] == pytest.approx(q3 + 1.5 * (q3 - q1))
    k = v.columns_.index("capital_gain")  # > 90 % zeros: IQR is 0
    assert (v.lower_[k], v.upper_[k]) == (0.0, float(adult["capital_gain"].max()))
    mask = v.is_valid(adult)
    assert 0.5 < mask.mean() < 1.0  # rejects training outliers by design
    outlier = adult.loc[~mask].iloc[[0]]
    assert NumericRangeValidator().fit(adult).is_valid(outlier).all()
    too_old = _row(adult, age=v.upper_[j] + 1)
    assert not v.is_valid(too_old)[0]
    assert _one_failure(v.explain(too_old), "age", "numeric_iqr")["value"].tolist() == [
        v.upper_[j] + 1]


def test_empty_values(adult):
    train = adult.assign(nothing=np.nan)
    allow = EmptyValueValidator().fit(train)
    assert allow.columns_ == [] and allow.always_empty_ == ["nothing"]
    forbid = EmptyValueValidator(allow_empty_values=False).fit(train)
    assert "nothing" not in forbid.columns_ and "workclass" in forbid.columns_
    cand = pd.concat([_row(train, workclass=np.nan), _row(train, sex=""),
                      _row(train, age=np.nan), _row(train, workclass="Private")],
                     ignore_index=True)
    cand["nothing"] = np.nan
    assert forbid.is_valid(cand).tolist() == [False, False, False, True]
    report = forbid.explain(cand)
    assert report[["row", "column"]].values.tolist() == [[0, "workclass"], [1, "sex"], [2, "age"]]
    assert set(report["rule"]) == {"empty_value"}
    # the training rows with missing workclass fail, as the seed prescribes
    assert not forbid.is_valid(adult).all()
    # missing cells are the empty-value rule's only: the others let them pass
    assert default_validators().fit(adult).is_valid(cand).all()


# ----------------------------------------------------------------------------- privacy
@pytest.fixture(scope="module")
def privacy_train(adult_full):
    return adult_full.iloc[::16]


@pytest.fixture(scope="module")
def privacy(privacy_train):
    return PrivacyFilter(random_state=0).fit(privacy_train)


def test_privacy_rejects_copies_and_near_copies(privacy_train, privacy):
    copies = privacy_train.iloc[:300]
    assert not privacy.is_valid(copies).any()
    report = privacy.explain(copies)
    assert report["column"].isna().all()
    assert set(report["rule"]) == {"privacy_exact_match"}
    assert report["row"].tolist() == copies.index.tolist()
    assert 0.0 < privacy.threshold_ < 1.0
    near = copies.assign(fnlwgt=copies["fnlwgt"] + 1)
    assert privacy.is_valid(near).mean() < 0.05
    assert "privacy_too_close" in set(privacy.explain(near)["rule"])


def test_privacy_keeps_fresh_real_rows(adult_full, privacy):
    """Real rows not used in fit are new records: about ``quantile`` of them are rejected."""
    fresh = adult_full.iloc[1::16]
    assert 0.95 < privacy.is_valid(fresh).mean() < 1.0


def test_privacy_handles_missing_unseen_and_subsets(privacy_train, privacy):
    adult = privacy_train
    rows = adult.iloc[:3].copy()
    rows["occupation"] = ["Astronaut", np.nan, rows["occupation"].iloc[2]]
    rows["age"] = rows["age"].astype(float)
    rows.loc[rows.index[2], "age"] = np.nan
    dist = privacy.distances(rows)
    assert np.isinf(dist[0])  # unseen category: no training row agrees on it
    assert privacy.is_valid(rows).shape == (3,)
    assert privacy.is_valid(adult[["age", "sex"]]).all()  # cannot judge partial rows
    assert privacy.explain(adult[["age", "sex"]]).empty
    assert privacy.train_encoded_.dtype == np.float32


def test_privacy_threshold_is_reproducible_and_quantile_monotone(adult):
    a = PrivacyFilter(random_state=3, n_threshold_samples=500).fit(adult)
    b = PrivacyFilter(random_state=3, n_threshold_samples=500).fit(adult)
    assert a.threshold_ == b.threshold_
    strict = PrivacyFilter(random_state=3, n_threshold_samples=500, quantile=0.2).fit(adult)
    assert strict.threshold_ >= a.threshold_
    lowest = PrivacyFilter(quantile=0.0, random_state=3, n_threshold_samples=500).fit(adult)
    assert lowest.threshold_ <= a.threshold_
    with_copies = pd.concat([adult, adult.iloc[:600]], ignore_index=True)
    assert PrivacyFilter(quantile=0.0, random_state=0).fit(with_copies).threshold_ == 0.0


# -------------------------------------------------------------------- small frames, edge kinds
def test_numbers_written_in_other_bases():
    train = pd.DataFrame({"hex": ["0x0A", "0x1f", "0x20"], "bits": ["0b1", "0b101", "0b11"]})
    v = NumericRangeValidator().fit(train)
    assert v.columns_ == ["hex", "bits"]
    assert (v.min_, v.max_) == ([10.0, 1.0], [32.0, 5.0])
    cand = pd.DataFrame({"hex": ["0x1A", "0x21", "12"], "bits": ["0b100", "0b110", "0b2"]})
    assert v.is_valid(cand).tolist() == [True, False, True]  # "12" is decimal 12
    types = DataTypeValidator().fit(train)
    assert types.types_ == ["integer", "integer"]
    assert types.explain(cand)[["row", "column"]].values.tolist() == [[2, "bits"]]


def test_floats_booleans_datetimes_and_mixed_columns():
    train = pd.DataFrame({
        "price": [1.5, 2.25, 3.0],
        "flag": [True, False, True],
        "when": pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01"]),
        "mixed": ["a", "1", "b"],
        "code": pd.Series(["x", "y", "x"], dtype="category"),
    })
    dt = DataTypeValidator().fit(train)
    assert dict(zip(dt.columns_, dt.types_, strict=True)) == {
        "price": "float", "flag": "boolean", "when": "datetime", "code": "string"}
    cand = pd.DataFrame({
        "price": [2, "2.5", "cheap"],
        "flag": ["true", False, "yes"],
        "when": ["2020-03-01", "2022-01-01", "soon"],
        "mixed": [5, "zz", "1"],
        "code": ["y", "x", "7"],
    })
    assert dt.is_valid(cand).tolist() == [True, True, False]
    assert set(dt.explain(cand)["column"]) == {"price", "flag", "when", "code"}
    rng = NumericRangeValidator().fit(train)
    assert rng.columns_ == ["price", "when"]
    assert rng.is_valid(cand).tolist() == [True, False, True]
    ins = InSetValidator().fit(train)
    assert ins.is_valid(pd.DataFrame({"flag": ["TRUE", 1, True]})).tolist() == [True, False, True]


def test_open_close_chars_nesting_and_custom_pairs():
    train = pd.DataFrame({"v": ['Foo [Bar(baz), Fiz(bunch)]', '{"k": [1, 2]}', "plain"],
                          "m": ["$5$", "$x$", "$$"]})
    v = OpenCloseCharsValidator().fit(train)
    assert v.columns_ == ["v"] and v.nested_ == [True]
    assert v.pairs_ == [['""', "()", "[]", "{}"]]
    cand = pd.DataFrame({"v": ["A [b(c), d(e)]", "A [b(c], d(e))", '"a" (b', 'x ("y")',
                               '"(")', "no brackets"]})
    assert v.is_valid(cand).tolist() == [True, False, False, True, False, True]
    custom = OpenCloseCharsValidator(open_close_chars=["$$"]).fit(train)
    assert custom.columns_ == ["m"]
    assert custom.is_valid(pd.DataFrame({"m": ["$1$", "$1"]})).tolist() == [True, False]


def test_open_close_not_enforced_where_training_is_unbalanced():
    train = pd.DataFrame({"smiley": ["ok :)", "(fine)"], "ok": ["(a)", "b"]})
    v = OpenCloseCharsValidator().fit(train)
    assert v.columns_ == ["ok"]


def test_pattern_count_limits_enforcement():
    train = pd.DataFrame({"phone": ["867-5309", "555-1234", "(555) 123"]})
    assert PatternValidator(pattern_count=1).fit(train).columns_ == []
    v = PatternValidator(pattern_count=2).fit(train)
    assert v.patterns_ == [["(ddd) ddd", "ddd-dddd"]]
    assert v.is_valid(pd.DataFrame({"phone": ["123-4567", "1234-567"]})).tolist() == [True, False]


def test_non_string_column_names_and_index_labels():
    train = pd.DataFrame({0: [1, 2, 3], 1: ["a", "b", "c"]})
    vs = default_validators().fit(train)
    cand = pd.DataFrame({0: [4, 2], 1: ["a", "z"]}, index=[10, 20])
    assert vs.is_valid(cand).tolist() == [False, False]
    report = vs.explain(cand)
    assert report[["row", "column", "rule"]].values.tolist() == [
        [10, 0, "numeric_range"], [20, 1, "character_set"]]


# ------------------------------------------------------------------------ composition
def test_subset_of_columns_frames(adult):
    vs = make_validators(in_set_count=10, pattern_count=10, open_close_chars="default",
                         allow_empty_values=False, privacy_filter=True).fit(adult)
    only_sex = pd.DataFrame({"sex": ["Female", "Other"]})
    assert vs.is_valid(only_sex).tolist() == [True, False]
    assert set(vs.explain(only_sex)["column"]) == {"sex"}
    unknown = pd.DataFrame({"not_a_column": [1, 2]})
    assert vs.is_valid(unknown).all() and vs.explain(unknown).empty
    extra = adult.iloc[:5].assign(extra="anything")
    assert len(vs.is_valid(extra)) == 5


def test_validator_set_is_and_of_members_and_explain_concatenates(adult):
    members = [CharacterSetValidator(), NumericRangeValidator(), InSetValidator()]
    vs = ValidatorSet(members).fit(adult)
    assert all(not hasattr(m, "columns_") for m in members)  # clones were fitted
    cand = pd.concat([_row(adult, age=500), _row(adult, sex="F\u00e9male"), adult.iloc[[1]],
                      _row(adult, age=500, sex="Other")], ignore_index=True)
    expected = np.logical_and.reduce([m.fit(adult).is_valid(cand) for m in members])
    assert vs.is_valid(cand).tolist() == expected.tolist() == [False, False, True, False]
    report = vs.explain(cand)
    assert report["row"].tolist() == sorted(report["row"].tolist())
    assert {("age", "numeric_range"), ("sex", "character_set"), ("sex", "in_set")} <= set(
        zip(report["column"], report["rule"], strict=True))
    assert len(vs.transform(cand)) == len(cand)  # transform keeps every row


NUMERIC = ["age", "education_num", "hours_per_week", "capital_gain"]


def test_sklearn_pipeline_predicts_every_row(adult):
    young, rest = adult.loc[adult["age"] < 50], adult.loc[adult["age"] >= 50].head(200)
    pipe = make_pipeline(CharacterSetValidator(), NumericRangeValidator(),
                         LogisticRegression(max_iter=500))
    pipe.fit(young[NUMERIC], young["income"])
    assert not NumericRangeValidator().fit(young[NUMERIC]).is_valid(rest[NUMERIC]).all()
    assert len(pipe.predict(rest[NUMERIC])) == len(rest) == 200
    out = pipe[:-1].transform(rest[NUMERIC])
    pd.testing.assert_frame_equal(out, rest[NUMERIC])
    assert out is not rest  # a copy


def test_fit_resample_drops_invalid_rows_with_y_aligned(adult):
    X, y = adult[NUMERIC].iloc[::-1], adult["income"].iloc[::-1]  # index not in order
    keep = NumericIQRValidator().fit(X).is_valid(X)
    assert 0 < keep.sum() < len(X)
    X_res, y_res = NumericIQRValidator().fit_resample(X, y)
    pd.testing.assert_frame_equal(X_res, X.loc[keep])
    pd.testing.assert_series_equal(y_res, y.loc[keep])
    X_arr, y_arr = NumericIQRValidator().fit_resample(X.to_numpy(), y.to_numpy())
    np.testing.assert_array_equal(X_arr, X.to_numpy()[keep])
    np.testing.assert_array_equal(y_arr, y.to_numpy()[keep])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        NumericIQRValidator().fit_resample(X, y.iloc[:-1])


def test_imblearn_pipeline_drops_invalid_rows_at_fit_time_only(adult):
    X, y = adult[NUMERIC], adult["income"]
    keep = NumericIQRValidator().fit(X).is_valid(X)
    pipe = make_imblearn_pipeline(DropInvalidRows(NumericIQRValidator()),
                                  LogisticRegression(max_iter=500)).fit(X, y)
    direct = LogisticRegression(max_iter=500).fit(X.loc[keep], y.loc[keep])
    np.testing.assert_allclose(pipe[-1].coef_, direct.coef_)
    assert len(pipe.predict(X)) == len(X)  # no row dropped at predict time
    with pytest.raises(TypeError, match="implements both"):  # why DropInvalidRows exists
        make_imblearn_pipeline(NumericIQRValidator(), LogisticRegression()).fit(X, y)


def test_make_validators_maps_the_configuration_keys():
    names = [type(v).__name__ for v in make_validators().validators]
    assert names == ["CharacterSetValidator", "StringLengthValidator", "NumericRangeValidator",
                     "DataTypeValidator"]
    assert names == [type(v).__name__ for v in default_validators().validators]
    full = make_validators(in_set_count=5, pattern_count=3, use_numeric_iqr=True,
                           open_close_chars=["()"], allow_empty_values=False,
                           privacy_filter=PrivacyFilter(quantile=0.05))
    extra = full.validators[4:]
    assert [type(v).__name__ for v in extra] == [
        "InSetValidator", "PatternValidator", "NumericIQRValidator", "OpenCloseCharsValidator",
        "EmptyValueValidator", "PrivacyFilter"]
    assert extra[0].in_set_count == 5 and extra[1].pattern_count == 3
    assert extra[3].open_close_chars == ["()"] and extra[5].quantile == 0.05
    assert ValidatorSet().fit(pd.DataFrame({"a": [1]})).validators_[0].__class__ \
        is CharacterSetValidator


# ---------------------------------------------------------------- estimator conventions
@pytest.mark.parametrize("cls", ALL_VALIDATORS, ids=lambda c: c.__name__)
def test_clone_get_params_and_fitted_state(cls, adult):
    v = _make(cls)
    params = v.get_params()
    twin = clone(v)
    assert twin.get_params().keys() == params.keys()
    with pytest.raises(NotFittedError):
        v.is_valid(adult)
    v.fit(adult)
    _assert_persistable(v)
    refit = clone(v)
    assert not hasattr(refit, "columns_")
    assert refit.fit(adult).is_valid(adult.iloc[:50]).tolist() == \
        v.is_valid(adult.iloc[:50]).tolist()


def test_fitted_state_of_a_full_set_is_persistable(adult):
    vs = make_validators(in_set_count=10, pattern_count=10, use_numeric_iqr=True,
                         open_close_chars="default", allow_empty_values=False,
                         privacy_filter=PrivacyFilter(random_state=0)).fit(adult)
    _assert_persistable(vs)
    assert len(vs.validators_) == 10


def test_set_params_on_nested_validators():
    vs = ValidatorSet([InSetValidator(in_set_count=3)])
    vs.set_params(validators=[InSetValidator(in_set_count=4)])
    assert clone(vs).validators[0].in_set_count == 4


@pytest.mark.parametrize("bad", [
    InSetValidator(in_set_count=0),
    PatternValidator(pattern_count="10"),
    NumericIQRValidator(iqr_factor=-1.0),
    OpenCloseCharsValidator(open_close_chars="brackets"),
    EmptyValueValidator(allow_empty_values="no"),
    PrivacyFilter(quantile=1.5),
    PrivacyFilter(n_threshold_samples=0),
    ValidatorSet(validators="all"),
    ValidatorSet([InSetValidator(in_set_count=-2)]),  # nested parameters are checked too
], ids=lambda v: repr(v))
def test_bad_parameters_raise(bad):
    with pytest.raises(ValueError):
        bad.fit(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))


@pytest.mark.parametrize("pairs, culprit", [
    (["(", "[]"], "'('"), (["()", "abc"], "'abc'"), (["()", "(]"], "'('"), ([], "empty"),
    ([("(", ")")], "('(', ')')"),
])
def test_bad_open_close_pairs_name_the_culprit(pairs, culprit):
    with pytest.raises(ValueError, match=re.escape(culprit)):
        OpenCloseCharsValidator(open_close_chars=pairs).fit(pd.DataFrame({"a": ["(x)"]}))
    with pytest.raises(ValueError):
        make_validators(open_close_chars=pairs)


def test_bad_arguments_raise():
    with pytest.raises(TypeError, match=r"validators\[1\]"):
        ValidatorSet([CharacterSetValidator(), "strict"]).fit(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError):
        make_validators(in_set_count=0)
    with pytest.raises(ValueError):
        make_validators(privacy_filter="yes")
    with pytest.raises(TypeError, match="dense data is required"):
        NumericRangeValidator().fit(sparse.csr_matrix(np.arange(6).reshape(3, 2)))
    with pytest.raises(SchemaError, match="no rows"):
        NumericRangeValidator().fit(pd.DataFrame({"a": []}))
    with pytest.raises(SchemaError, match="'a'"):
        NumericRangeValidator().fit(pd.DataFrame([[1, 2]], columns=["a", "a"]))
    fitted = NumericRangeValidator().fit(pd.DataFrame({"a": [1, 2]}))
    with pytest.raises(TypeError, match="DataFrame"):
        fitted.is_valid([[1]])


# ------------------------------------------------------------ ClassConfidenceValidator
def _two_classes(n_major: int = 600, n_minor: int = 150, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "x": np.r_[rng.normal(0, 1, n_major), rng.normal(3, 1, n_minor)],
        "colour": np.r_[rng.choice(["red", "blue"], n_major, p=[0.8, 0.2]),
                        rng.choice(["red", "blue"], n_minor, p=[0.2, 0.8])],
        "y": ["major"] * n_major + ["minor"] * n_minor})


def test_class_confidence_validator_drops_rows_surely_of_another_class():
    from skgen.validators import ClassConfidenceValidator, ValidatorSet

    real = _two_classes()
    v = ClassConfidenceValidator(label_column="y").fit(real)
    rows = pd.DataFrame({"x": [3.5, -1.5, 1.5, -1.5, 0.0],
                         "colour": ["blue", "red", "blue", "red", "red"],
                         "y": ["minor", "minor", "minor", "major", None]})
    ok = v.is_valid(rows)
    # a minority row deep in the majority is dropped; one in its own class or near the
    # boundary stays; a majority row where majority rows are stays; a missing label passes
    assert ok.tolist() == [True, False, True, True, True]
    why = v.explain(rows)
    assert len(why) == 1 and why.iloc[0]["rule"] == "class_confidence"
    p = v.label_probability(rows)
    assert p[0] > 0.5 > p[1] and np.isnan(p[4])
    # the label defaults to the last column; stricter thresholds drop fewer rows
    assert ClassConfidenceValidator().fit(real).label_column_ == "y"
    loose = ClassConfidenceValidator(label_column="y", threshold=0.6).fit(real)
    assert loose.is_valid(rows).sum() <= ok.sum()
    # composes with the other validators
    assert ValidatorSet(validators=[v]).fit(real).is_valid(rows).tolist() == ok.tolist()


def test_class_confidence_validator_refuses_what_it_cannot_learn():
    from skgen.validators import ClassConfidenceValidator

    real = _two_classes()
    with pytest.raises(SchemaError, match="'z' is not a column"):
        ClassConfidenceValidator(label_column="z").fit(real)
    with pytest.raises(SchemaError, match="one class"):
        ClassConfidenceValidator(label_column="y").fit(real[real["y"] == "major"])
    with pytest.raises(ValueError, match="threshold"):
        ClassConfidenceValidator(label_column="y", threshold=0.3).fit(real)
