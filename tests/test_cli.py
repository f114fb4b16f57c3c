"""The skgen command: fit, sample, report, demo; user errors are one line, exit 2."""

from __future__ import annotations

import pandas as pd
import pytest

from skgen.cli import main


@pytest.fixture(scope="module")
def data_csv(tmp_path_factory, adult):
    path = tmp_path_factory.mktemp("cli") / "adult.csv"
    adult.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_path(data_csv):
    path = data_csv.parent / "adult.skgen"
    assert main(["fit", str(data_csv), "--model", "amplify", "-o", str(path),
                 "--random-state", "0"]) == 0
    return path


def test_fit_sample_report_round_trip(data_csv, model_path, tmp_path, capsys):
    out = tmp_path / "synth.csv"
    assert main(["sample", str(model_path), "-n", "300", "-o", str(out)]) == 0
    synth = pd.read_csv(out)
    real = pd.read_csv(data_csv)
    assert list(synth.columns) == list(real.columns) and len(synth) == 300
    assert main(["report", str(data_csv), str(out)]) == 0
    assert "Overall" in capsys.readouterr().out


def test_sample_where_conditions(model_path, tmp_path):
    out = tmp_path / "c.csv"
    assert main(["sample", str(model_path), "-n", "100", "--where", "sex=Female",
                 "--where", "age=50", "-o", str(out)]) == 0
    got = pd.read_csv(out)
    assert (got["sex"] == "Female").all() and (got["age"] == 50).all()


def test_sample_seed_rows(model_path, tmp_path):
    seeds = pd.DataFrame({"age": [33, None, 61], "income": [">50K", "<=50K", None]})
    seeds_path = tmp_path / "seeds.csv"
    seeds.to_csv(seeds_path, index=False)
    out = tmp_path / "s.csv"
    assert main(["sample", str(model_path), "--conditions", str(seeds_path),
                 "-o", str(out)]) == 0
    got = pd.read_csv(out)
    assert len(got) == 3
    assert got.loc[[0, 2], "age"].tolist() == [33, 61]
    assert got.loc[[0, 1], "income"].tolist() == [">50K", "<=50K"]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["fit", "no-such-file.csv", "-o", "m.skgen"], "no such file"),
        (["sample", "{model}", "-n", "5", "--where", "colour=red", "-o", "x.csv"],
         "unknown column"),
        (["sample", "{model}", "-n", "5", "--where", "sex=Alien", "-o", "x.csv"],
         "never occurs in training"),
        (["sample", "{model}", "-n", "0", "-o", "x.csv"], "n_samples must be at least 1"),
        (["sample", "{data}", "-n", "5", "-o", "x.csv"], "not a readable model file"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(argv, needle, model_path, data_csv, tmp_path,
                                             capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = [a.format(model=model_path, data=data_csv) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_demo_writes_csvs(tmp_path, capsys):
    assert main(["demo", "--output-dir", str(tmp_path), "--rows", "2000"]) == 0
    out = capsys.readouterr().out
    assert "every row holds its conditions" in out
    assert "Overall" in out
    for name in ("synthetic", "conditional", "imputed"):
        frame = pd.read_csv(tmp_path / f"adult_{name}.csv")
        assert len(frame) > 0


# --------------------------------------------------------------------------- every model
@pytest.fixture(scope="module")
def small_csv(tmp_path_factory, adult):
    path = tmp_path_factory.mktemp("cli_small") / "small.csv"
    adult.head(300)[["age", "sex", "race", "income", "hours_per_week"]].to_csv(path, index=False)
    return path


GAN_PARAMS = ["epochs=1", "batch_size=100", "pac=10", "embedding_dim=8",
              "generator_dim=[32, 32]", "discriminator_dim=[32, 32]",
              "n_modes=3", "data_checks=skip"]
LSTM_PARAMS = ["epochs=1", "batch_size=16", "rnn_units=16", "embedding_dim=8", "vocab_size=0",
               "data_checks=skip"]


@pytest.mark.parametrize(("model", "cls", "params"), [
    ("gan", "GANSynthesizer", GAN_PARAMS),
    ("lstm", "LSTMSynthesizer", LSTM_PARAMS),
])
def test_fit_offers_every_model_with_typed_params(model, cls, params, small_csv, tmp_path):
    import skgen

    path = tmp_path / f"{model}.skgen"
    argv = ["fit", str(small_csv), "--model", model, "-o", str(path), "--random-state", "0"]
    for p in params:
        argv += ["--param", p]
    assert main(argv) == 0
    syn = skgen.load(path)
    assert type(syn).__name__ == cls
    assert syn.epochs == 1 and syn.embedding_dim == 8 and syn.data_checks == "skip"
    assert syn.random_state == 0
    if model == "gan":
        assert list(syn.generator_dim) == [32, 32]
        out = tmp_path / "gan.csv"
        assert main(["sample", str(path), "-n", "20", "-o", str(out)]) == 0
        assert len(pd.read_csv(out)) == 20


def test_param_values_are_json_or_yaml_literals(small_csv, tmp_path):
    import skgen

    path = tmp_path / "a.skgen"
    assert main(["fit", str(small_csv), "-o", str(path), "--param", "tol=1e-2",
                 "--param", "max_features=sqrt", "--param", "subsample=null",
                 "--param", "refine=false", "--param", "n_components=4",
                 "--param", "verbose=0"]) == 0
    syn = skgen.load(path)
    assert (syn.tol, syn.max_features, syn.subsample, syn.refine, syn.n_components) == (
        0.01, "sqrt", None, False, 4)


@pytest.mark.parametrize(
    ("param", "needle"),
    [
        ("n_compnents=4", "unknown parameter 'n_compnents' for AmplifySampler; did you mean "
                          "'n_components'?"),
        ("n_components=0", "--param n_components=0: The 'n_components' parameter of "
                           "AmplifySampler must be an int in the range [1, inf). Got 0"),
        ("refine=[1, 2]", "--param refine=[1, 2]: The 'refine' parameter"),
        ("tol", "expected NAME=VALUE, got 'tol'"),
    ],
)
def test_bad_params_are_named_before_the_data_is_read(param, needle, tmp_path, capsys):
    # the data file does not exist: the parameter is checked first
    assert main(["fit", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "m.skgen"),
                 "--param", param]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1


def test_missing_output_folder_is_refused_before_fitting(small_csv, tmp_path, capsys):
    out = tmp_path / "no" / "such" / "m.skgen"
    assert main(["fit", str(small_csv), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"no such folder: {out.parent}" in err and "Traceback" not in err


# --------------------------------------------------------------------------- internal errors
@pytest.mark.parametrize("error", [IndexError("index 7 is out of bounds"),
                                   ValueError("operands could not be broadcast")])
def test_internal_errors_show_a_traceback_and_exit_1(error, small_csv, tmp_path, capsys,
                                                     monkeypatch):
    from skgen import AmplifySampler

    def broken(self, X, rng):
        raise error

    monkeypatch.setattr(AmplifySampler, "_fit", broken)
    assert main(["fit", str(small_csv), "-o", str(tmp_path / "m.skgen")]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and str(error) in err
    assert "internal error" in err


@pytest.fixture(scope="module")
def synth_csv(model_path):
    path = model_path.parent / "synth.csv"
    assert main(["sample", str(model_path), "-n", "800", "-o", str(path),
                 "--random-state", "0"]) == 0
    return path


def test_report_html_is_one_self_contained_file(data_csv, synth_csv, adult_full, tmp_path,
                                                capsys):
    import re

    from skgen.metrics import quality_report

    holdout = tmp_path / "holdout.csv"
    adult_full.tail(500).to_csv(holdout, index=False)
    page = tmp_path / "report.html"
    assert main(["report", str(data_csv), str(synth_csv), "--holdout", str(holdout),
                 "--html", str(page)]) == 0
    assert f"wrote {page}" in capsys.readouterr().out
    html = page.read_text(encoding="utf-8")
    report = quality_report(pd.read_csv(data_csv), pd.read_csv(synth_csv))
    for score in (report.overall, report.column_shapes, report.column_pair_trends):
        assert f"{100 * score:.2f} %" in html
    worst = report.details["column_shapes"].nsmallest(3, "score")["column"]
    for column in worst:
        assert f'alt="{column}: real against synthetic"' in html
    assert "Distance to the closest real row" in html and "hold-out rows" in html
    # scores + 3 columns + 3 pairs + associations + distances, all embedded
    sources = re.findall(r'\b(?:src|href)\s*=\s*["\']?([^"\'\s>]+)', html)
    assert len(sources) == 9
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"<(?:script|link|iframe)\b", html)
    assert not re.search(r"https?://", html.split("<body>")[0])  # nothing in the head


def test_report_html_refuses_a_missing_folder_before_reading(data_csv, synth_csv, tmp_path,
                                                              capsys):
    page = tmp_path / "no" / "report.html"
    assert main(["report", "no-such.csv", str(synth_csv), "--html", str(page)]) == 2
    assert "no such folder" in capsys.readouterr().err
