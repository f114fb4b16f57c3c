"""The sampling contract of BaseSynthesizer (DESIGN.md section 2), on a test double."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skgen import ConditionError, SchemaError, TooManyInvalidError
from skgen.validators import NumericRangeValidator


def test_fit_returns_self_and_learns_schema(resample_cls, adult):
    syn = resample_cls(random_state=0)
    assert syn.fit(adult) is syn
    assert syn.schema_.names == list(adult.columns)
    assert syn.n_features_in_ == adult.shape[1]
    assert list(syn.feature_names_in_) == list(adult.columns)


def test_sample_keeps_columns_order_and_dtypes(resample_cls, adult):
    out = resample_cls(random_state=0).fit(adult).sample(500)
    assert list(out.columns) == list(adult.columns)
    assert (out.dtypes == adult.dtypes).all()
    assert len(out) == 500
    assert out.index.equals(pd.RangeIndex(500))


def test_default_n_samples_is_lesser_of_5000_and_training_rows(resample_cls, adult):
    syn = resample_cls(random_state=0).fit(adult.head(700))
    assert len(syn.sample()) == 700


def test_dict_conditions_hold_in_every_row(resample_cls, adult):
    syn = resample_cls(random_state=0).fit(adult)
    out = syn.sample(300, conditions={"sex": "Female", "age": 50, "workclass": np.nan})
    assert (out["sex"] == "Female").all()
    assert (out["age"] == 50).all()


def test_seed_rows_one_output_per_row_in_order_with_nan_generated(resample_cls, adult):
    syn = resample_cls(random_state=0).fit(adult)
    seeds = pd.DataFrame({"age": [30, np.nan, 61, np.nan],
                          "income": ["<=50K", ">50K", np.nan, "<=50K"]})
    out = syn.sample(conditions=seeds)
    assert len(out) == 4
    assert out.loc[[0, 2], "age"].tolist() == [30, 61]
    assert out.loc[[0, 1, 3], "income"].tolist() == ["<=50K", ">50K", "<=50K"]
    assert out["age"].notna().all() and out["income"].notna().all()
    # the caller's seed frame is untouched
    assert seeds["age"].isna().sum() == 2


def test_unknown_condition_column_raises_before_sampling(resample_cls, adult):
    syn = resample_cls(random_state=0).fit(adult)
    with pytest.raises(ConditionError, match="unknown column.*'colour'") as err:
        syn.sample(10, conditions={"colour": "red"})
    assert err.value.column == "colour"


@pytest.mark.parametrize(
    ("conditions", "column", "pattern"),
    [
        ({"sex": "Unknown"}, "sex", "never occurs in training"),
        ({"age": 200}, "age", "outside the training range"),
        ({"age": 40.5}, "age", "not a whole number"),
        ({"age": "forty"}, "age", "not a number"),
    ],
)
def test_impossible_condition_value_raises(resample_cls, adult, conditions, column, pattern):
    syn = resample_cls(random_state=0).fit(adult)
    with pytest.raises(ConditionError, match=pattern) as err:
        syn.sample(10, conditions=conditions)
    assert err.value.column == column


def test_condition_rejected_by_a_validator_raises(resample_cls, adult):
    syn = resample_cls(random_state=0,
                       validators=[NumericRangeValidator()]).fit(adult[adult.age < 60])
    with pytest.raises(ConditionError, match="age"):
        syn.sample(conditions=pd.DataFrame({"age": [30, 75]}))


@pytest.mark.parametrize("n", [0, -3])
def test_n_samples_below_one_raises(resample_cls, adult, n):
    syn = resample_cls(random_state=0).fit(adult)
    with pytest.raises(ValueError, match="n_samples must be at least 1"):
        syn.sample(n)


@pytest.mark.parametrize("n", [2.5, "10", True])
def test_n_samples_not_integer_raises(resample_cls, adult, n):
    syn = resample_cls(random_state=0).fit(adult)
    with pytest.raises(TypeError, match="n_samples must be an integer"):
        syn.sample(n)


def test_n_samples_disagreeing_with_seed_rows_raises(resample_cls, adult):
    syn = resample_cls(random_state=0).fit(adult)
    with pytest.raises(ConditionError, match="disagrees with the 2 seed rows"):
        syn.sample(5, conditions=pd.DataFrame({"sex": ["Male", "Female"]}))


def test_sampling_before_fit_raises(resample_cls):
    with pytest.raises(NotFittedError):
        resample_cls().sample(5)


def test_random_state_reproduces_sampling_and_leaves_global_rng_alone(resample_cls, adult):
    np.random.seed(123)  # noqa: NPY002  (the global state must stay untouched)
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    a = resample_cls(random_state=7).fit(adult)
    b = resample_cls(random_state=7).fit(adult)
    first_a, first_b = a.sample(200), b.sample(200)
    pd.testing.assert_frame_equal(first_a, first_b)
    # successive calls draw fresh rows, in a reproducible sequence
    second_a = a.sample(200)
    assert not second_a.equals(first_a)
    pd.testing.assert_frame_equal(second_a, b.sample(200))
    # a random_state given to sample fixes that call
    pd.testing.assert_frame_equal(a.sample(50, random_state=3), b.sample(50, random_state=3))
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_output_does_not_depend_on_n_jobs(resample_cls, adult):
    one = resample_cls(random_state=0, n_jobs=1).fit(adult).sample(20_000, random_state=1)
    two = resample_cls(random_state=0, n_jobs=2).fit(adult).sample(20_000, random_state=1)
    pd.testing.assert_frame_equal(one, two)


def test_invalid_rows_are_retried(resample_cls, adult):
    out = resample_cls(reject_rate=0.5, random_state=0).fit(adult).sample(1000)
    assert len(out) == 1000
    assert out["age"].notna().all()


def test_too_many_invalid_raises_with_partial_result(resample_cls, adult):
    syn = resample_cls(reject_rate=0.9, max_invalid=100, random_state=0).fit(adult)
    seeds = pd.DataFrame({"sex": ["Female"] * 400})
    with pytest.raises(TooManyInvalidError) as err:
        syn.sample(conditions=seeds)
    partial = err.value.partial
    assert 0 < len(partial) < 400
    assert err.value.n_invalid > 100
    assert (partial["sex"] == "Female").all()
    assert partial.index.isin(range(400)).all()
    assert list(partial.columns) == list(adult.columns)


def test_y_becomes_a_conditionable_column(resample_cls, adult):
    X, y = adult.drop(columns="income"), adult["income"]
    syn = resample_cls(random_state=0).fit(X, y)
    assert syn.schema_.names[-1] == "income"
    assert (syn.sample(50, conditions={"income": ">50K"})["income"] == ">50K").all()


def test_numpy_input_is_accepted(resample_cls):
    X = np.random.default_rng(0).normal(size=(200, 3))
    out = resample_cls(random_state=0).fit(X).sample(10)
    assert list(out.columns) == ["x0", "x1", "x2"]


@pytest.mark.parametrize(
    ("frame", "pattern"),
    [
        (pd.DataFrame(), "empty"),
        (pd.DataFrame({"a": [1, 2, 3], "b": [np.nan] * 3}), r"\['b'\].*no value"),
        (pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"]), r"duplicated column names: \['a'\]"),
        (pd.DataFrame({"m": pd.Series([1, "two", 3.0], dtype=object)}), "'m' mixes value types"),
        # values no model learns: the column named, and what to convert it to
        (pd.DataFrame({"d": pd.to_timedelta([1, 2, 3], unit="s")}),
         r"'d' holds durations .*dt\.total_seconds\(\)"),
        (pd.DataFrame({"z": np.array([1, 2, 3]) * (1 + 1j)}), "'z' holds complex numbers"),
        (pd.DataFrame({"s": pd.arrays.SparseArray([0.0, 1.0, 0.0])}), r"'s' is a sparse column"),
        (pd.DataFrame({"p": pd.period_range("2020-01", periods=3, freq="M")}),
         r"'p' holds pandas period\[M\] values"),
        (pd.DataFrame({"l": pd.Series([[1], [2], [3]])}), r"'l' holds list values"),
        (pd.DataFrame({"t": pd.Series([datetime.date(2020, 1, d) for d in (1, 2, 3)])}),
         r"'t' holds date values .*pd\.to_datetime"),
    ],
)
def test_bad_training_frames_raise_schema_error(resample_cls, frame, pattern):
    before = frame.copy()
    with pytest.raises(SchemaError, match=pattern):
        resample_cls().fit(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_fit_and_sample_do_not_mutate_inputs(resample_cls, adult):
    frame = adult.copy()
    syn = resample_cls(random_state=0).fit(frame)
    pd.testing.assert_frame_equal(frame, adult)
    seeds = adult[["sex", "age"]].head(20).copy()
    syn.sample(conditions=seeds)
    pd.testing.assert_frame_equal(seeds, adult[["sex", "age"]].head(20))


def test_clone_and_get_params(resample_cls):
    syn = resample_cls(reject_rate=0.1, max_invalid=5, random_state=3)
    twin = clone(syn)
    assert twin.get_params() == syn.get_params()


def test_bad_parameter_is_reported_at_fit(resample_cls, adult):
    with pytest.raises(ValueError, match="data_checks"):
        resample_cls(data_checks="sometimes").fit(adult)


def test_text_corpus_becomes_one_column(resample_cls):
    corpus = [f"line number {i} of a small corpus" for i in range(50)]
    syn = resample_cls(random_state=0).fit(corpus)
    assert syn.schema_.names == ["text"]
    out = syn.sample(5)
    assert list(out.columns) == ["text"] and out["text"].isin(corpus).all()
    series = pd.Series(corpus, name="utterance")
    assert resample_cls(random_state=0).fit(series).schema_.names == ["utterance"]


def test_gaps_in_a_complete_column_are_rejected_and_dtypes_kept(resample_cls, adult):
    class Gappy(resample_cls):
        def _generate(self, seeds, rng):
            rows = super()._generate(seeds, rng)
            rows.loc[rng.random(len(rows)) < 0.3, "age"] = np.nan
            return rows

    out = Gappy(random_state=0).fit(adult).sample(2000)
    assert out["age"].notna().all()
    assert out["age"].dtype == adult["age"].dtype  # int64, not the nullable Int64


# ------------------------------------------------- an interrupted fit changes nothing
def _every_model(resample_cls):
    from skgen import AmplifySampler, GANSynthesizer, LSTMSynthesizer

    return [
        resample_cls(random_state=0),
        AmplifySampler(n_components=3, refine=False, data_checks="skip", random_state=0),
        GANSynthesizer(epochs=1, embedding_dim=8, generator_dim=(16,), discriminator_dim=(16,),
                       batch_size=50, pac=5, n_modes=3, data_checks="skip", random_state=0),
        LSTMSynthesizer(epochs=8, batch_size=16, rnn_units=32, embedding_dim=16, vocab_size=0,
                        learning_rate=0.01, dropout_rate=0.0, fallback=False,
                        data_checks="skip", random_state=0),
    ]


@pytest.mark.parametrize("index", range(4), ids=["resample", "amplify", "gan", "lstm"])
def test_interrupted_fit_leaves_no_half_fitted_model(resample_cls, adult, index, monkeypatch):
    from sklearn.utils.validation import check_is_fitted

    old_data = adult.head(150)[["age", "sex", "income"]].reset_index(drop=True)
    new_data = adult.iloc[150:300][["age", "sex", "income"]].reset_index(drop=True)
    new_data["age"] += 7  # other statistics, same columns: a mix would go unnoticed
    fresh, fitted = _every_model(resample_cls)[index], _every_model(resample_cls)[index]
    fitted.fit(old_data)
    before = fitted.sample(40, random_state=3)
    cls = type(fresh)
    real_fit = cls._fit

    def interrupted(self, X, rng):  # the whole model learned, then Ctrl-C
        real_fit(self, X, rng)
        raise KeyboardInterrupt

    monkeypatch.setattr(cls, "_fit", interrupted)
    for model in (fresh, fitted):
        with pytest.raises(KeyboardInterrupt):
            model.fit(new_data)
    with pytest.raises(NotFittedError):
        check_is_fitted(fresh)
    assert not [k for k in vars(fresh) if k.endswith("_")]
    pd.testing.assert_frame_equal(fitted.sample(40, random_state=3), before)


def test_sparse_input_is_refused_with_what_to_pass(resample_cls):
    import scipy.sparse as sp

    X = sp.random(30, 4, density=0.5, format="csr", random_state=0)
    with pytest.raises(TypeError, match="sparse.*toarray"):
        resample_cls().fit(X)


def test_infinite_training_values_are_refused_naming_the_column(resample_cls, adult):
    X = adult.head(50).copy()
    X["ratio"] = np.linspace(0.0, 1.0, 50)
    X.loc[[3, 9], "ratio"] = [np.inf, -np.inf]
    with pytest.raises(SchemaError, match="'ratio' holds 2 infinite"):
        resample_cls().fit(X)


# ------------------------------------------------------- huge requests fail fast
def test_huge_sample_fails_fast_pointing_to_chunks(resample_cls, adult):
    syn = resample_cls(random_state=0).fit(adult)
    with pytest.raises(MemoryError, match="sample in chunks"):
        syn.sample(10**12, conditions={"sex": "Female"})


def test_memory_estimate_uses_the_available_memory(resample_cls, adult, monkeypatch):
    import skgen.base

    syn = resample_cls(random_state=0).fit(adult)
    monkeypatch.setattr(skgen.base, "_available_memory", lambda: 2**30)
    with pytest.raises(MemoryError, match=r"sample\(1000000\) would need about .* GiB"):
        syn.sample(10**6)
    assert len(syn.sample(200)) == 200


def test_seed_rows_of_dict_conditions_are_built_per_chunk(resample_cls, adult):
    from skgen.conditions import seed_rows

    syn = resample_cls(random_state=0).fit(adult)
    seeds = seed_rows({"sex": "Female", "age": 40}, 10**12, syn.schema_, n_train=len(adult))
    assert len(seeds) == 10**12
    chunk = seeds.take(np.arange(5))
    assert list(chunk.columns) == list(adult.columns)
    assert (chunk["sex"] == "Female").all() and (chunk["age"] == 40).all()
    assert chunk["income"].isna().all()


# --------------------------------------------- text columns that cannot recombine
def _with_text(adult, texts):
    data = adult.head(len(texts))[["age", "sex"]].reset_index(drop=True)
    data["note"] = texts
    return data


@pytest.mark.parametrize("model", ["amplify", "gan"])
def test_templated_text_column_gets_fresh_numbers(adult, model):
    from skgen import AmplifySampler, GANSynthesizer

    data = _with_text(adult, [f"order {i} shipped to warehouse north" for i in range(300)])
    syn = (AmplifySampler(n_components=3, refine=False, data_checks="skip", random_state=0)
           if model == "amplify" else
           GANSynthesizer(epochs=1, embedding_dim=8, generator_dim=(16,),
                          discriminator_dim=(16,), batch_size=50, pac=5, n_modes=3,
                          data_checks="skip", random_state=0)).fit(data)
    out = syn.sample(100, random_state=0)
    assert out["note"].str.fullmatch(r"order [1-9]\d* shipped to warehouse north").all()
    assert not out["note"].isin(data["note"]).any()


def test_text_that_cannot_differ_from_training_says_why(adult):
    from skgen import AmplifySampler

    # every word occurs once: each walk of the word chain recreates a training text
    words = [a + b + c for a in "bdfgk" for b in "aeiou" for c in "lmnrst"]
    data = _with_text(adult, [f"{words[2 * i]} {words[2 * i + 1]}" for i in range(75)])
    syn = AmplifySampler(n_components=2, refine=False, data_checks="skip",
                         random_state=0).fit(data)
    with pytest.raises(TooManyInvalidError, match="'note': left empty because every text value "
                       "drawn for it equalled a training value") as err:
        syn.sample(20, random_state=0)
    assert "train longer" not in str(err.value).lower()


def test_spare_candidates_of_a_filled_row_do_not_count_as_invalid():
    """An over-generating model's rejected spares count only before the row's first valid one."""
    from skgen.base import _needed_rejections

    positions = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    ok = np.array([False, True, False, True, False, False, False, False, False])
    filled = np.zeros(3, dtype=bool)
    # row 0: one rejection before its valid one; row 1: none; row 2: all three
    assert _needed_rejections(positions, ok, filled) == 4
    filled[2] = True  # filled by an earlier chunk of the same round
    assert _needed_rejections(positions, ok, filled) == 1
