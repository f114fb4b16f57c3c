"""What a new user meets first: --version, a light ``import skgen``, visible progress."""

from __future__ import annotations

import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

import skgen
from skgen import AmplifySampler, GANSynthesizer, LSTMSynthesizer
from skgen.cli import main

ROOT = Path(__file__).parents[1]
HAS_TEXT_EXTRA = all(find_spec(m) is not None for m in ("transformers", "peft"))
if HAS_TEXT_EXTRA:  # the tiny local Llama of the text tests, built once per module
    from test_text import _fast, tiny_model, tweets  # noqa: F401


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True, timeout=300).stdout


# ----------------------------------------------------------------- --version
def test_version_flag_prints_the_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"skgen {skgen.__version__}\n"


def test_python_m_skgen_runs_the_command_line():
    out = subprocess.run([sys.executable, "-m", "skgen", "--version"], capture_output=True,
                         text=True, cwd=ROOT, check=True, timeout=120).stdout
    assert out == f"skgen {skgen.__version__}\n"


# ----------------------------------------------------------------- import cost
def test_amplify_fit_sample_save_load_never_import_torch(tmp_path):
    code = f"""
import sys
import skgen
assert "torch" not in sys.modules and "sklearn" not in sys.modules, "import skgen is heavy"
from skgen import AmplifySampler, load
from skgen.datasets import load_adult
from skgen.metrics import quality_report
df = load_adult().sample(400, random_state=0)
syn = AmplifySampler(n_components=4, random_state=0).fit(df)
out = syn.sample(50, conditions={{"sex": "Female"}})
quality_report(df, out)
syn.save({str(tmp_path / "m.skgen")!r})
load({str(tmp_path / "m.skgen")!r}).sample(5)
print(sorted(m for m in ("torch", "opacus", "transformers", "matplotlib", "dask", "distributed")
             if m in sys.modules))
"""
    assert _run(code).strip() == "[]"


def test_every_public_name_is_still_reachable():
    code = """
import skgen
from skgen import GANSynthesizer, GPTTextSynthesizer, LSTMSynthesizer, SyntheticOversampler
missing = [n for n in skgen.__all__ if getattr(skgen, n, None) is None]
print(missing, set(skgen.__all__) <= set(dir(skgen)), skgen.metrics.__name__)
"""
    assert _run(code).strip() == "[] True skgen.metrics"
    with pytest.raises(AttributeError, match="no_such_name"):
        skgen.no_such_name  # noqa: B018


# ----------------------------------------------------------------- progress
def _progress(capsys) -> str:
    """What the progress bars wrote, one line per refresh."""
    return capsys.readouterr().err.replace("\r", "\n")


def test_amplify_verbose_shows_em_and_tree_progress(capsys, adult):
    syn = AmplifySampler(n_components=4, max_iter=30, verbose=1, random_state=0)
    syn.fit(adult.head(500))
    err = _progress(capsys)
    assert f"{syn.n_iter_}/{syn.max_iter}" in err and "loglik=" in err
    n_categorical = len(syn.categorical_index_)
    assert "trees: 100%" in err and f"{n_categorical}/{n_categorical}" in err


GAN_TINY = {"embedding_dim": 16, "generator_dim": (32,), "discriminator_dim": (32,),
            "batch_size": 100, "n_modes": 3, "data_checks": "skip", "random_state": 0}


@pytest.mark.parametrize("dp", [False, True])
def test_gan_verbose_shows_the_losses_per_epoch(capsys, diamonds, dp):
    extra = {"dp": True, "pac": 1, "calibrate_marginals": False,
             "conditional_vector_type": "single_discrete"} if dp else {"pac": 10}
    GANSynthesizer(epochs=3, verbose=1, **GAN_TINY, **extra).fit(diamonds.head(400))
    err = _progress(capsys)
    assert "3/3" in err and "G=" in err and "D=" in err


def test_lstm_verbose_shows_the_loss_per_epoch(capsys, diamonds):
    LSTMSynthesizer(epochs=2, verbose=1, batch_size=16, rnn_units=16, embedding_dim=8,
                    vocab_size=0, data_checks="skip", random_state=0).fit(diamonds.head(60))
    err = _progress(capsys)
    assert "2/2" in err and "loss=" in err


@pytest.mark.skipif(not HAS_TEXT_EXTRA, reason="needs the text extra")
def test_gpt_verbose_shows_the_loss_per_epoch(capsys, tiny_model, tweets):
    skgen.GPTTextSynthesizer(**_fast(tiny_model, epochs=2, verbose=1)).fit(tweets)
    err = _progress(capsys)
    assert "epoch 1/2" in err and "epoch 2/2" in err and "loss=" in err


# ------------------------------------------------------------ notebooks
def test_progress_bars_do_not_warn_in_a_notebook_without_ipywidgets():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "from skgen import AmplifySampler\n"
        "from skgen.datasets import load_diamonds\n"
        "df = load_diamonds().head(300)\n"
        "AmplifySampler(n_components=3, verbose=1, random_state=0).fit(df).sample(20)\n"
        "import tqdm.auto  # as transformers does, for the GPT model's downloads and loading\n")]
    nbclient.NotebookClient(nb, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "AmplifySampler" in text  # the bars were drawn ...
    assert "IProgress" not in text and "Warning" not in text  # ... without a warning
