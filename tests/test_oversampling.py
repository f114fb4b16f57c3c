"""SyntheticOversampler: an imbalanced-learn over-sampler on real tables."""

from __future__ import annotations

import importlib.util
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import check_dataframe_column_names_consistency
from imblearn.utils.estimator_checks import check_param_validation as imblearn_param_validation
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_imblearn_checks,
)
from scipy import sparse
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as parametrize_with_sklearn_checks,
)
from threadpoolctl import threadpool_limits

from skgen.amplify import AmplifySampler
from skgen.datasets import load_lending_club
from skgen.exceptions import SkgenError
from skgen.oversampling import SyntheticOversampler

# the tests stop EM early on purpose (mechanics, not model quality): its warning is expected
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def fast_amplify(**params) -> AmplifySampler:
    """A small AmplifySampler: the tests check the sampler's mechanics, not model quality."""
    return AmplifySampler(**{"n_components": 8, "max_iter": 30, "data_checks": "skip", **params})


@pytest.fixture(scope="module")
def lending() -> tuple[pd.DataFrame, pd.Series]:
    """1,500 rows of the lending club table, about 5 % ``"bad"`` (78 rows)."""
    df = load_lending_club()
    df = df.groupby("Class", group_keys=False).sample(frac=1500 / len(df), random_state=0)
    df = df.sample(frac=1.0, random_state=1)  # shuffle, keep a non-trivial index
    return df.drop(columns="Class"), df["Class"]


@pytest.fixture(scope="module")
def adult_mixed(adult_full) -> tuple[pd.DataFrame, pd.Series]:
    """800 Adult rows with str (with NaN), category, bool and int columns."""
    df = adult_full.sample(800, random_state=2).drop(columns="split", errors="ignore")
    X = df.drop(columns="income")
    X["race"] = X["race"].astype("category")
    X["is_female"] = X["sex"] == "Female"
    return X, df["income"]


# ------------------------------------------------------------------ counts
def _expected(strategy, n_good: int, n_bad: int) -> dict:
    return {
        "auto": {"good": n_good, "bad": n_good},
        "minority": {"good": n_good, "bad": n_good},
        "not majority": {"good": n_good, "bad": n_good},
        "not minority": {"good": n_good, "bad": n_bad},
        "all": {"good": n_good, "bad": n_good},
        0.25: {"good": n_good, "bad": int(0.25 * n_good)},
        "dict": {"good": n_good, "bad": 300},
        "callable": {"good": n_good, "bad": 3 * n_bad},
    }[strategy]


@pytest.mark.parametrize("strategy", ["auto", "minority", "not majority", "not minority", "all",
                                      0.25, "dict", "callable"])
def test_exact_counts_per_class_for_every_strategy_form(lending, strategy):
    X, y = lending
    n_good, n_bad = int((y == "good").sum()), int((y == "bad").sum())
    param = {"dict": {"bad": 300},
             "callable": lambda t: {"bad": 3 * int((t == "bad").sum())}}.get(strategy, strategy)
    sampler = SyntheticOversampler(fast_amplify(), sampling_strategy=param, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res)) == _expected(strategy, n_good, n_bad)
    assert len(X_res) == len(y_res)


def test_multiclass_counts(adult_mixed):
    X, _ = adult_mixed
    X, y = X.drop(columns="race"), X["race"].astype(str).rename("race")
    counts = y.value_counts()
    X_res, y_res = SyntheticOversampler(fast_amplify(), random_state=0).fit_resample(X, y)
    res = y_res.value_counts()
    assert (res == counts.max()).all() and set(res.index) == set(counts.index)
    X_res, y_res = SyntheticOversampler(fast_amplify(), sampling_strategy="not minority",
                                        random_state=0).fit_resample(X, y)
    res = y_res.value_counts()
    assert res[counts.idxmin()] == counts.min()  # the minority is left alone
    assert (res.drop(counts.idxmin()) == counts.max()).all()


# ------------------------------------------------------------ what comes out
def test_original_rows_first_and_unchanged_new_rows_carry_their_class(lending):
    X, y = lending
    X_before, y_before = X.copy(), y.copy()
    sampler = SyntheticOversampler(fast_amplify(), random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    pd.testing.assert_frame_equal(X, X_before)  # the caller's data is not touched
    pd.testing.assert_series_equal(y, y_before)
    n = len(X)
    pd.testing.assert_frame_equal(X_res.iloc[:n], X.reset_index(drop=True))
    pd.testing.assert_series_equal(y_res.iloc[:n], y.reset_index(drop=True))
    assert isinstance(y_res, pd.Series) and y_res.name == "Class"
    assert (y_res.iloc[n:] == "bad").all()
    assert sampler.sampling_strategy_ == {"bad": int((y == "good").sum() - (y == "bad").sum())}
    assert sampler.target_name_ == "Class"
    # the new rows are "bad" rows, not generic ones: conditioning on the class worked
    new = X_res.iloc[n:]
    real_bad, real_good = X[y == "bad"], X[y == "good"]
    assert abs(new["int_rate"].mean() - real_bad["int_rate"].mean()) < \
        abs(new["int_rate"].mean() - real_good["int_rate"].mean())
    bad_grades = new["sub_grade"].str[0].isin(["D", "E", "F", "G"]).mean()
    assert bad_grades > 1.5 * real_good["sub_grade"].str[0].isin(["D", "E", "F", "G"]).mean()
    # not copies of the real minority rows
    copies = new.merge(real_bad.drop_duplicates(), how="inner").shape[0]
    assert copies < 0.05 * len(new)


def test_mixed_dtypes_pass_through(adult_mixed):
    X, y = adult_mixed
    X_res, y_res = SyntheticOversampler(fast_amplify(), random_state=0).fit_resample(X, y)
    assert list(X_res.columns) == list(X.columns)
    assert (X_res.dtypes == X.dtypes).all(), X_res.dtypes[X_res.dtypes != X.dtypes]
    assert X_res["race"].cat.categories.tolist() == X["race"].cat.categories.tolist()
    assert y_res.dtype == y.dtype
    new = X_res.iloc[len(X):]
    assert len(new) == int((y == "<=50K").sum() - (y == ">50K").sum())
    # missing values are generated too, at about the real rate, and stay NaN in "str" columns
    assert new["occupation"].isna().any()
    assert new["occupation"].isna().mean() < 5 * X["occupation"].isna().mean() + 0.02
    assert set(new["workclass"].dropna()) <= set(X["workclass"].dropna())
    assert new["is_female"].dtype == bool


def test_numpy_in_numpy_out(adult_mixed):
    X, y = adult_mixed
    X = X.drop(columns=["race", "is_female"])
    X_np, y_np = X.to_numpy(dtype=object), y.to_numpy(dtype=object)
    X_res, y_res = SyntheticOversampler(fast_amplify(), random_state=0).fit_resample(X_np, y_np)
    assert isinstance(X_res, np.ndarray) and X_res.dtype == object
    assert isinstance(y_res, np.ndarray)
    assert X_res.shape == (len(y_res), X_np.shape[1])
    n = len(X_np)
    assert pd.DataFrame(X_res[:n]).equals(pd.DataFrame(X_np))
    new = pd.DataFrame(X_res[n:], columns=X.columns)
    assert all(isinstance(v, str) for v in new["education"])  # strings stay strings
    assert pd.to_numeric(new["age"]).between(X["age"].min(), X["age"].max()).all()
    assert set(y_res[n:]) == {">50K"}


def test_list_of_mixed_rows_keeps_numbers_as_numbers(adult_mixed):
    X, y = adult_mixed
    rows = X[["age", "sex", "hours_per_week"]].head(300).to_numpy(dtype=object).tolist()
    X_res, y_res = SyntheticOversampler(fast_amplify(), random_state=0).fit_resample(
        rows, y.head(300).tolist())
    assert isinstance(X_res, list) and isinstance(y_res, list) and len(X_res) == len(y_res)
    assert X_res[:300] == rows
    assert all(isinstance(r[0], int | np.integer) and isinstance(r[1], str) for r in X_res)


def test_numeric_array_keeps_its_dtype_and_int_labels(lending):
    X, y = lending
    X_num = X.select_dtypes("number").to_numpy(dtype=np.float32)
    y_int = (y == "bad").to_numpy().astype(np.int32)
    X_res, y_res = SyntheticOversampler(fast_amplify(), random_state=0).fit_resample(X_num, y_int)
    assert X_res.dtype == np.float32 and y_res.dtype == np.int32
    assert np.bincount(y_res).tolist() == [int((y_int == 0).sum())] * 2
    np.testing.assert_array_equal(X_res[:len(X_num)], X_num)


def test_sparse_input_gives_sparse_output(lending):
    X, y = lending
    X_num = X.select_dtypes("number").iloc[:500]
    X_sp = sparse.csc_matrix(X_num.to_numpy(dtype=float))
    sampler = SyntheticOversampler(fast_amplify(), random_state=0)
    X_res, y_res = sampler.fit_resample(X_sp, y.iloc[:500])
    assert sparse.issparse(X_res) and X_res.format == "csc"
    assert X_res.shape == (len(y_res), X_sp.shape[1])
    np.testing.assert_array_equal(X_res[:500].toarray(), X_sp.toarray())
    dense, _ = SyntheticOversampler(fast_amplify(), random_state=0).fit_resample(
        X_sp.toarray(), y.iloc[:500])
    np.testing.assert_allclose(X_res.toarray(), dense)


def test_user_synthesizer_is_cloned_never_fitted(lending):
    X, y = lending
    syn = fast_amplify(random_state=3)
    params = syn.get_params()
    sampler = SyntheticOversampler(syn, fit_per_class=False, random_state=0).fit(X, y)
    assert not hasattr(sampler, "synthesizer_")
    sampler.fit_resample(X, y)
    assert not hasattr(syn, "schema_") and syn.get_params() == params
    assert sampler.synthesizer_ is not syn and hasattr(sampler.synthesizer_, "schema_")
    assert sampler.synthesizer_.random_state != 3  # seeded from the oversampler
    kept = SyntheticOversampler(syn, fit_per_class=False, random_state=None)
    kept.fit_resample(X, y)
    assert kept.synthesizer_.random_state == 3  # the synthesizer's own seed kept


def test_default_synthesizer_is_amplify_and_random_state_reproduces(lending):
    X, y = lending
    X, y = X.iloc[:400], y.iloc[:400]
    a = SyntheticOversampler(sampling_strategy={"bad": 60}, random_state=7)
    Xa, _ = a.fit_resample(X, y)
    assert isinstance(a.synthesizers_["bad"], AmplifySampler)  # per class by default
    assert a.synthesizers_["bad"].get_params()["n_components"] == AmplifySampler().n_components
    b = SyntheticOversampler(fast_amplify(), sampling_strategy={"bad": 60}, random_state=7)
    Xb, _ = b.fit_resample(X, y)
    pd.testing.assert_frame_equal(Xb, clone(b).fit_resample(X, y)[0])
    Xc, _ = clone(b).set_params(random_state=8).fit_resample(X, y)
    assert not Xb.iloc[400:].equals(Xc.iloc[400:])


def test_label_name_clash_and_unnamed_labels(lending):
    X, y = lending
    X = X.iloc[:400].assign(target=1.0)
    sampler = SyntheticOversampler(fast_amplify(), sampling_strategy={"bad": 40},
                                   fit_per_class=False, random_state=0)
    sampler.fit_resample(X, y.iloc[:400].to_numpy())
    assert sampler.target_name_ == "target_1"
    sampler.fit_resample(X, y.iloc[:400].rename("target"))
    assert sampler.target_name_ == "target_1"
    assert "target_1" in [c.name for c in sampler.synthesizer_.schema_.columns]


def test_fit_per_class_fits_one_model_per_grown_class(adult_mixed):
    X, _ = adult_mixed
    X, y = X.drop(columns="race"), X["race"].astype(str).rename("race")
    counts = y.value_counts()
    grown = {k for k, n in counts.items() if n < counts.max()}
    sampler = SyntheticOversampler(fast_amplify(), fit_per_class=True, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert (y_res.value_counts() == counts.max()).all()
    assert set(sampler.synthesizers_) == grown and not hasattr(sampler, "synthesizer_")
    for klass, syn in sampler.synthesizers_.items():
        assert syn.n_train_rows_ == counts[klass]  # fitted on that class's rows only
        assert "race" not in syn.feature_names_in_
    assert (X_res.dtypes == X.dtypes).all()
    pd.testing.assert_frame_equal(X_res.iloc[:len(X)], X.reset_index(drop=True))


def test_per_class_rows_follow_their_class(lending):
    X, y = lending
    sampler = SyntheticOversampler(fast_amplify(), fit_per_class=True, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res.iloc[len(X):]
    assert (y_res.iloc[len(X):] == "bad").all()
    real_bad, real_good = X[y == "bad"], X[y == "good"]
    assert abs(new["int_rate"].mean() - real_bad["int_rate"].mean()) < \
        abs(new["int_rate"].mean() - real_good["int_rate"].mean()) / 3


# ------------------------------------------------------------------ errors
def test_bad_parameters_and_input_raise_clear_errors(lending):
    X, y = lending
    with pytest.raises(InvalidParameterError, match="synthesizer"):
        SyntheticOversampler(synthesizer=object()).fit_resample(X, y)
    with pytest.raises(InvalidParameterError, match="sampling_strategy"):
        SyntheticOversampler(sampling_strategy="most").fit_resample(X, y)
    with pytest.raises(ValueError, match="class"):  # one class: nothing to balance
        SyntheticOversampler().fit_resample(X, pd.Series(["good"] * len(X)))


@pytest.mark.parametrize("container", ["series", "array", "list", "float"])
def test_missing_labels_are_refused_by_name(lending, container):
    X, y = lending
    y = y.astype(object)
    y.iloc[[3, 40]] = None
    y = {"series": y, "array": y.to_numpy(), "list": y.tolist(),
         "float": (y == "bad").astype(float).where(y.notna())}[container]
    for method in ("fit_resample", "fit"):
        with pytest.raises(ValueError, match=r"y has missing labels \(2 of 1500, at positions "
                                             r"\[3, 40\]\)"):
            getattr(SyntheticOversampler(fast_amplify()), method)(X, y)


class _Ignores:
    """A 'synthesizer' that ignores conditions: the oversampler must refuse its rows."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def get_params(self, deep=True):
        return {"random_state": self.random_state}

    def set_params(self, **params):
        self.random_state = params.get("random_state", self.random_state)
        return self

    def fit(self, X, y=None):
        self.train_ = X.assign(**{y.name: y.to_numpy()})
        return self

    def sample(self, n_samples, conditions=None):
        return self.train_.sample(n_samples, replace=True, random_state=0)


class _Holes(_Ignores):
    """A 'synthesizer' that gives a gap-free integer column a missing value."""

    def sample(self, n_samples, conditions=None):
        rows = self.train_.sample(n_samples, replace=True, random_state=0)
        rows = rows.assign(**conditions).astype({"funded_amnt": "float64"})
        rows.iloc[0, rows.columns.get_loc("funded_amnt")] = np.nan
        return rows


def test_synthesizer_that_ignores_conditions_or_dtypes_is_refused(lending):
    X, y = lending
    with pytest.raises(SkgenError, match="not the class 'bad'"):
        SyntheticOversampler(_Ignores(), fit_per_class=False, random_state=0).fit_resample(X, y)
    with pytest.raises(SkgenError, match=r"missing values in column\(s\) \['funded_amnt'\]"):
        SyntheticOversampler(_Holes(), fit_per_class=False, random_state=0).fit_resample(X, y)


# ------------------------------------------------------------------ pipelines
def test_pipeline_cross_val_score_and_grid_search_over_synthesizer_params(lending):
    X, y = lending
    X, y = X.iloc[:1000], y.iloc[:1000]
    X = X.astype({c: "category" for c in X.select_dtypes("str").columns})
    pipe = Pipeline([
        # joint: 26 "bad" rows per fold are too few for a model of their own
        ("oversampler", SyntheticOversampler(fast_amplify(), fit_per_class=False,
                                             random_state=0)),
        ("clf", HistGradientBoostingClassifier(max_iter=20, categorical_features="from_dtype",
                                               random_state=0)),
    ])
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    # one OpenMP thread: on a loaded shared machine the booster's spinning threads cost 40x
    with threadpool_limits(1):
        scores = cross_val_score(pipe, X, y, cv=cv, scoring="balanced_accuracy")
        grid = GridSearchCV(pipe, {"oversampler__synthesizer__n_components": [2, 6]},
                            cv=StratifiedKFold(2, shuffle=True, random_state=0),
                            scoring="balanced_accuracy", error_score="raise").fit(X, y)
    assert scores.shape == (2,) and np.isfinite(scores).all() and scores.mean() > 0.55
    assert grid.best_params_["oversampler__synthesizer__n_components"] in (2, 6)
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    # resampling happens at fit time only: prediction is one label per input row
    assert grid.predict(X).shape == (len(X),)


def test_grid_search_over_synthesizer_params_at_the_default_synthesizer(lending):
    X, y = lending
    X, y = X.select_dtypes("number").iloc[:600], y.iloc[:600]
    pipe = Pipeline([("oversampler", SyntheticOversampler(fit_per_class=False, random_state=0)),
                     ("clf", DecisionTreeClassifier(max_depth=3, random_state=0))])
    grid = GridSearchCV(pipe, {"oversampler__synthesizer__n_components": [2, 5],
                               "oversampler__synthesizer__max_iter": [10]},
                        cv=StratifiedKFold(2, shuffle=True, random_state=0),
                        scoring="balanced_accuracy", error_score="raise").fit(X, y)
    fitted = grid.best_estimator_.named_steps["oversampler"].synthesizer_
    assert isinstance(fitted, AmplifySampler)
    assert fitted.n_components == grid.best_params_["oversampler__synthesizer__n_components"]
    assert fitted.max_iter == 10
    # None stands for AmplifySampler(): setting a parameter on it makes a fresh one, never a
    # shared default, and the user's estimator (in the grid) stays at None
    a, b = SyntheticOversampler(), SyntheticOversampler()
    a.set_params(synthesizer__n_components=3)
    assert a.synthesizer.get_params() == AmplifySampler(n_components=3).get_params()
    assert b.synthesizer is None and pipe.named_steps["oversampler"].synthesizer is None
    assert clone(a).synthesizer.n_components == 3


# ------------------------------------------------------------------ text
def _text_corpus() -> tuple[list[str], np.ndarray]:
    """A small intent data set: 60 'balance' requests, 12 'fraud' reports."""
    rng = np.random.default_rng(0)
    banks = ["my checking account", "the savings account", "my credit card", "the joint account"]
    when = ["today", "this morning", "right now", "before friday", "tonight"]
    balance = [f"what is the balance of {rng.choice(banks)} {rng.choice(when)} please"
               for _ in range(60)]
    fraud = [f"there is a payment on {rng.choice(banks)} that i did not make {rng.choice(when)}"
             for _ in range(12)]
    return balance + fraud, np.array(["balance"] * 60 + ["fraud"] * 12)


@pytest.mark.parametrize("container", ["list", "series", "frame"])
def test_text_column_is_oversampled_the_same_way(container):
    texts, labels = _text_corpus()
    X = {"list": texts, "series": pd.Series(texts, name="utterance"),
         "frame": pd.DataFrame({"utterance": texts})}[container]
    sampler = SyntheticOversampler(fast_amplify(), random_state=0)
    X_res, y_res = sampler.fit_resample(X, labels)
    assert Counter(y_res) == {"balance": 60, "fraud": 60}
    column = {"list": lambda r: pd.Series(r), "series": lambda r: r,
              "frame": lambda r: r["utterance"]}[container](X_res)
    assert type(X_res) is type(X) and len(column) == 120
    assert column.iloc[:72].tolist() == texts
    new = column.iloc[72:]
    assert all(isinstance(t, str) and len(t.split()) >= 2 for t in new)
    if container == "series":
        assert X_res.name == "utterance"
    assert sampler.n_features_in_ == 1


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("skgen.lstm") is None,
                    reason="skgen.lstm (LSTMSynthesizer) is not in this checkout")
def test_text_oversampling_with_the_lstm_prompts_with_the_label():
    import torch

    from skgen.lstm import LSTMSynthesizer

    texts, labels = _text_corpus()
    X, y = pd.Series(texts, name="utterance"), pd.Series(labels, name="intent")
    # one epoch of a tiny network: this checks the wiring, not the prose
    lstm = LSTMSynthesizer(epochs=1, vocab_size=0, rnn_units=16, embedding_dim=16, batch_size=16,
                           max_line_len=100, early_stopping=False, validators=[],
                           data_checks="skip")
    sampler = SyntheticOversampler(lstm, fit_per_class=False, random_state=0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a tiny network: extra threads only contend on a busy machine
    try:
        X_res, y_res = sampler.fit_resample(X, y)
    finally:
        torch.set_num_threads(threads)
    assert lstm.seed_columns is None and not hasattr(lstm, "schema_")  # user's object untouched
    assert sampler.synthesizer_.seed_columns == ["intent"]  # the class is the prompt
    assert isinstance(X_res, pd.Series) and X_res.name == "utterance"
    assert y_res.value_counts().to_dict() == {"balance": 60, "fraud": 60}
    assert X_res.iloc[:72].tolist() == texts and (y_res.iloc[72:] == "fraud").all()


# ------------------------------------------------------------- common checks
def _checked() -> SyntheticOversampler:
    return SyntheticOversampler(AmplifySampler(n_components=4, max_iter=15, data_checks="skip"),
                                random_state=0)


#: Checks expected to fail, with the reason: none. Every check of both suites passes (sparse
#: input, pandas sparse columns, object arrays of strings, NaN, float32, lists, one-vs-all
#: targets); scikit-learn skips only check_array_api_input (SCIPY_ARRAY_API unset).
SKLEARN_EXPECTED_FAILURES: dict[str, str] = {}
IMBLEARN_EXPECTED_FAILURES: dict[str, str] = {}


@parametrize_with_imblearn_checks([_checked()],
                                  expected_failed_checks=lambda e: IMBLEARN_EXPECTED_FAILURES)
def test_imblearn_estimator_checks(estimator, check):
    check(estimator)


@parametrize_with_sklearn_checks([_checked()],
                                 expected_failed_checks=lambda e: SKLEARN_EXPECTED_FAILURES)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_imblearn_param_validation_and_column_names():
    imblearn_param_validation("SyntheticOversampler", _checked())
    check_dataframe_column_names_consistency("SyntheticOversampler", _checked())


@pytest.mark.parametrize("selection", ["filter", "boundary"])
def test_selection_keeps_rows_the_real_data_does_not_put_in_another_class(adult_mixed, selection):
    X, y = adult_mixed
    with threadpool_limits(1):
        plain = SyntheticOversampler(fast_amplify(), random_state=0).fit_resample(X, y)
        sampler = SyntheticOversampler(fast_amplify(), selection=selection, random_state=0)
        X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res) == Counter(plain[1])  # the same counts
    judge = sampler.validator_
    new = X_res.iloc[len(X):].assign(income=y_res.iloc[len(X):].to_numpy())
    old = plain[0].iloc[len(X):].assign(income=plain[1].iloc[len(X):].to_numpy())
    assert judge.is_valid(new).all()  # every kept row passes the filter
    assert not judge.is_valid(old).all()  # unfiltered, some would not
    if selection == "boundary":  # nearer the boundary than a random pick of the valid rows
        filtered = SyntheticOversampler(fast_amplify(), selection="filter", random_state=0)
        with threadpool_limits(1):
            X_f, y_f = filtered.fit_resample(X, y)
        rows_f = X_f.iloc[len(X):].assign(income=y_f.iloc[len(X):].to_numpy())
        assert judge.label_probability(new).mean() < judge.label_probability(rows_f).mean()
