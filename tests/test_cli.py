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
