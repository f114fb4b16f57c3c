"""The ``skgen`` command: demo, fit, sample and report from the shell.

Every user error (a missing file, a bad ``--param``, a bad condition, an unknown
column) ends in one line on standard error and exit status 2; ``SKGEN_DEBUG=1``
shows its traceback. Anything else is a bug in skgen, not the user's doing: it
prints its traceback and exits with status 1. With ``SKGEN_MODEL_KEY`` set, model
files are signed and verified with that key (HMAC-SHA256, see
:mod:`skgen.persistence`).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

#: Synthesizers the CLI can fit: the name given to ``--model`` -> the class's name in
#: :mod:`skgen`.
MODELS = {"amplify": "AmplifySampler", "gan": "GANSynthesizer", "gpt": "GPTTextSynthesizer",
          "lstm": "LSTMSynthesizer"}
#: Pretrained models ``skgen fetch-model`` can put into skgen's cache.
FETCHABLE = ("SmolLM2-135M",)


class CLIError(Exception):
    """A user error reported as one line, exit status 2."""


def _is_user_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the user's to fix (exit 2) rather than a bug in skgen (exit 1).

    User errors are the CLI's own checks, the errors skgen raises on purpose
    (:class:`~skgen.exceptions.SkgenError`: bad data, conditions, model files),
    a parameter that fails its constraints and what the operating system
    refuses (a missing file, no permission, a full disk). A bare ``ValueError``
    or ``TypeError`` is not: the CLI checks what it passes on, so one of those
    comes from inside skgen.
    """
    from sklearn.utils._param_validation import InvalidParameterError

    from skgen.exceptions import SkgenError

    return isinstance(exc, CLIError | SkgenError | InvalidParameterError | OSError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``skgen`` command line.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a user error, 1 on an internal error
        (a bug; its traceback is printed).
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        args.func(args)
    except KeyboardInterrupt:
        print("skgen: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("SKGEN_DEBUG"):
            raise
        if not _is_user_error(exc):
            traceback.print_exc()
            print(f"skgen {args.command}: internal error (a bug in skgen; please report it "
                  f"with the traceback above): {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"skgen {args.command}: error: {message}", file=sys.stderr)
        return 2
    return 0


# --------------------------------------------------------------------------- commands
def _demo(args: argparse.Namespace) -> None:
    from skgen import AmplifySampler
    from skgen.datasets import load_adult
    from skgen.metrics import exact_match_rate, quality_report

    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = load_adult()
    train = data.sample(frac=0.8, random_state=args.random_state)
    holdout = data.drop(train.index)
    print(f"Adult census table: {len(data):,} rows x {data.shape[1]} columns "
          f"({len(train):,} to train, {len(holdout):,} held out)")

    t0 = time.perf_counter()
    syn = AmplifySampler(random_state=args.random_state, verbose=args.verbose).fit(train)
    print(f"fit AmplifySampler in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    synthetic = syn.sample(args.rows)
    print(f"sampled {len(synthetic):,} rows in {time.perf_counter() - t0:.2f} s")
    conditions = {"age": 50, "sex": "Female", "income": ">50K"}
    conditional = syn.sample(args.rows // 10, conditions=conditions)
    held = all((conditional[k] == v).all() for k, v in conditions.items())
    print(f"sampled {len(conditional):,} rows with {conditions}: "
          f"{'every row holds its conditions' if held else 'CONDITIONS NOT MET'}")
    gaps = holdout.head(200)
    seeds = gaps[["age", "sex", "education"]].copy()
    seeds.loc[seeds.index[::4], "education"] = None
    imputed = syn.sample(conditions=seeds.reset_index(drop=True))
    print(f"filled in {len(imputed)} seed rows (age, sex and, for 3 in 4, education kept)")

    report = quality_report(train, synthetic)
    print()
    print(report)
    print(f"exact copies of training rows: {exact_match_rate(train, synthetic):.3%} "
          f"(real hold-out rows matching training: {exact_match_rate(train, holdout):.3%})")
    for name, frame in (("synthetic", synthetic), ("conditional", conditional),
                        ("imputed", imputed)):
        path = out_dir / f"adult_{name}.csv"
        frame.to_csv(path, index=False)
        print(f"wrote {path}")
    model_path = syn.save(out_dir / "adult_amplify.skgen")
    print(f"wrote {model_path}")


def _fit(args: argparse.Namespace) -> None:
    column_types = _column_types(args.column_type)
    syn = _estimator(args.model, args.param, random_state=args.random_state,
                     verbose=args.verbose)
    if column_types:
        if "column_types" not in syn.get_params():
            raise CLIError(f"--column-type: --model {args.model} takes no column types")
        syn.set_params(column_types={**(syn.column_types or {}), **column_types})
    _check_output_folder(args.output)
    # a column given as categorical, text, ID or date is read as written (98103, not a number)
    given = getattr(syn, "column_types", None) or {}
    data = _read_csv(args.data, dtype={c: str for c, k in given.items()
                                       if k in ("categorical", "text", "id", "datetime")})
    cls = type(syn)
    t0 = time.perf_counter()
    syn.fit(data)
    path = syn.save(args.output, key=os.environ.get("SKGEN_MODEL_KEY"))  # HMAC when set
    print(f"fit {cls.__name__} on {len(data):,} rows x {data.shape[1]} columns in "
          f"{time.perf_counter() - t0:.1f} s; wrote {path}")
    if hasattr(syn, "schema_"):
        kinds: dict[str, list[str]] = {}
        for col in syn.schema_.columns:
            kinds.setdefault(col.kind, []).append(str(col.name))
        print("column types (change with --column-type COLUMN=KIND):")
        for kind, names in kinds.items():
            print(f"  {kind:<12}{', '.join(names)}")


def _column_types(assignments: Sequence[str]) -> dict[str, str]:
    """``--column-type COLUMN=KIND`` values as a dict, each kind checked."""
    from skgen.schema import KINDS

    given = {}
    for text in assignments:
        column, kind = _parse_assignment(text, what="COLUMN")
        if kind not in KINDS:
            raise CLIError(f"--column-type {text}: unknown kind {kind!r}; kinds: "
                           f"{', '.join(KINDS)}")
        given[column] = kind
    return given


def _sample(args: argparse.Namespace) -> None:
    import skgen

    syn = skgen.load(args.model, key=os.environ.get("SKGEN_MODEL_KEY"))
    if args.reference_data:
        train = _read_csv(args.reference_data, dtype=_string_columns(syn.schema_))
        try:
            skgen.persistence.attach_reference(syn, train)
        except (ValueError, KeyError) as exc:
            raise CLIError(f"--reference-data {args.reference_data}: {exc}") from None
    _check_output_folder(args.output)
    if args.n is not None and args.n < 1:
        raise CLIError(f"-n {args.n}: n_samples must be at least 1")
    conditions: Any = None
    if args.conditions and args.where:
        raise CLIError("give either --conditions SEEDS.csv or --where, not both")
    if args.conditions:
        conditions = _read_csv(args.conditions, dtype=_string_columns(syn.schema_))
        if args.n is not None and args.n != len(conditions):
            raise CLIError(f"-n {args.n} disagrees with the {len(conditions)} rows of "
                           f"{args.conditions}; leave -n out to get one row per seed row")
        n = None
    else:
        n = args.n
        if args.where:
            conditions = dict(_typed_condition(syn, p) for p in args.where)
    out = syn.sample(n, conditions=conditions, random_state=args.random_state)
    out.to_csv(args.output, index=False)
    print(f"wrote {len(out):,} rows to {args.output}")


def _report(args: argparse.Namespace) -> None:
    from skgen.metrics import exact_match_rate, quality_report

    if args.html:
        _check_output_folder(args.html)
    real, synthetic = _read_csv(args.real), _read_csv(args.synthetic)
    missing = [c for c in real.columns if c not in synthetic.columns]
    if missing:
        raise CLIError(f"{args.synthetic} lacks column(s) {missing} of {args.real}")
    holdout = _read_csv(args.holdout) if args.holdout else None
    if holdout is not None and (missing := [c for c in real.columns
                                            if c not in holdout.columns]):
        raise CLIError(f"{args.holdout} lacks column(s) {missing} of {args.real}")
    text_columns = _text_table(real, args.text_column)
    if text_columns is not None:
        if args.html or args.holdout:
            raise CLIError("--html and --holdout are for tables; this is a text table")
        _text_report(args, real, synthetic, text_columns)
        return
    report = quality_report(real, synthetic[real.columns])
    print(report)
    print(f"exact copies of real rows: {exact_match_rate(real, synthetic[real.columns]):.3%}")
    if holdout is not None:
        print(f"hold-out rows equal to a real row (baseline): "
              f"{exact_match_rate(real, holdout[real.columns]):.3%}")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"overall": report.overall, "column_shapes": report.column_shapes,
             "column_pair_trends": report.column_pair_trends,
             "skipped_columns": {str(c): why for c, why in report.skipped_columns.items()}},
            indent=2))
        print(f"wrote {args.json}")
    if args.html:
        _html_report(args, real, synthetic[real.columns],
                     None if holdout is None else holdout[real.columns])


def _html_report(args: argparse.Namespace, real: pd.DataFrame, synthetic: pd.DataFrame,
                 holdout: pd.DataFrame | None) -> None:
    try:
        from skgen.metrics._html import html_report

        page = html_report(real, synthetic, holdout=holdout,
                           names={"real": args.real, "synthetic": args.synthetic,
                                  "holdout": args.holdout})
    except ModuleNotFoundError as exc:
        if exc.name != "matplotlib" and not (exc.name or "").startswith("matplotlib."):
            raise
        raise CLIError("--html needs matplotlib: pip install 'skgen[plot]'") from None
    Path(args.html).write_text(page, encoding="utf-8")
    print(f"wrote {args.html}")


def _text_table(real: pd.DataFrame, text_column: str | None) -> list | None:
    """``[text_column, *label_columns]`` when ``real`` is labelled text, else ``None``.

    A table is text when it has one free-text column (or ``--text-column``
    names one) and every other column is categorical.
    """
    from skgen.schema import TableSchema

    schema = TableSchema.infer(real)
    if text_column is None:
        texts = [c.name for c in schema.of_kind("text")]
        if len(texts) != 1:
            return None
        text_column = texts[0]
    elif text_column not in real.columns:
        raise CLIError(f"--text-column {text_column!r} is not a column of the real table; "
                       f"columns: {list(real.columns)}")
    others = [c for c in schema.columns if c.name != text_column]
    if any(c.kind != "categorical" for c in others):
        return None
    return [text_column, *(c.name for c in others)]


def _text_report(args: argparse.Namespace, real: pd.DataFrame, synthetic: pd.DataFrame,
                 columns: list) -> None:
    from skgen.metrics import text_report

    text_column, labels = columns[0], columns[1:]
    label_column = args.label_column
    if label_column is None and len(labels) > 1:
        raise CLIError(f"the text has several label columns {labels}; choose one with "
                       "--label-column")
    if label_column is not None and label_column not in labels:
        raise CLIError(f"--label-column {label_column!r} is not a label column; "
                       f"label columns: {labels}")
    keep = [text_column] + ([label_column or labels[0]] if labels else [])
    report = text_report(synthetic[keep], real[keep], text_column=text_column,
                         label_column=keep[1] if labels else None, random_state=0)
    print(report)
    if args.json:
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=2, default=str))
        print(f"wrote {args.json}")


# --------------------------------------------------------------------------- helpers
def _read_csv(path: str, dtype: dict | None = None) -> pd.DataFrame:
    if not Path(path).is_file():
        raise CLIError(f"no such file: {path}")
    try:
        return pd.read_csv(path, dtype=dtype)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise CLIError(f"cannot read {path} as CSV: {exc}") from None


def _string_columns(schema: Any) -> dict:
    """``{column: str}`` for the columns a model holds as strings (a ``zip_code``
    of ``98103`` is the string the model knows, not the number); empty cells stay
    missing."""
    return {c.name: str for c in schema.columns
            if c.kind in ("categorical", "text", "id", "datetime")
            and (c.dtype in ("object", "str", "category") or c.dtype.startswith("string"))
            and all(isinstance(v, str) for v in c.categories or [])}


def _check_output_folder(path: str) -> None:
    """Refuse an output path whose folder is missing, before any long work."""
    folder = Path(path).absolute().parent
    if not folder.is_dir():
        raise CLIError(f"no such folder: {folder} (for {path})")


def _parse_assignment(text: str, *, what: str = "COLUMN") -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise CLIError(f"expected {what}=VALUE, got {text!r}")
    return key, value


def _literal(text: str) -> Any:
    """A ``--param`` value: a JSON literal, else a YAML one, else the text itself.

    JSON first so that ``1e-3`` is a float (YAML 1.1 reads it as text); YAML
    adds unquoted strings in lists, ``null``/``true`` spelt in any case, ``~``.
    """
    import yaml

    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _estimator(model: str, assignments: Sequence[str], **defaults: Any) -> Any:
    """The unfitted ``--model`` estimator with its ``--param`` values, validated.

    Raises :class:`CLIError` naming the parameter for an unknown name or a
    value its constraints refuse, before any data is read.
    """
    from sklearn.utils._param_validation import InvalidParameterError

    import skgen

    cls = getattr(skgen, MODELS[model])
    valid = cls().get_params(deep=False)
    params: dict[str, Any] = {}
    given: dict[str, str] = {}
    for text in assignments:
        key, value = _parse_assignment(text, what="NAME")
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = (f"did you mean {close[0]!r}?" if close
                    else f"known: {', '.join(sorted(valid))}")
            raise CLIError(f"--param {text}: unknown parameter {key!r} for {cls.__name__}; "
                           f"{hint}")
        params[key], given[key] = _literal(value), text
    for key, value in defaults.items():
        params.setdefault(key, value)
    syn = cls(**params)
    try:
        syn._validate_params()
    except InvalidParameterError as exc:
        bad = next((k for k in given if f"'{k}' parameter" in str(exc)), None)
        where = f"--param {given[bad]}" if bad else f"--model {model}"
        raise CLIError(f"{where}: {exc}") from None
    return syn


def _fetch_model(args: argparse.Namespace) -> None:
    from skgen.text import fetch_default

    try:
        folder = fetch_default(verbose=1)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    print(f"{args.name} is ready in {folder}")


def _typed_condition(syn: Any, text: str) -> tuple[str, Any]:
    """Read ``col=value`` in the type the fitted schema gives ``col``.

    ``col=low..high`` (either side may be empty: open) is a :class:`skgen.Range`
    on a numeric or datetime column; ``col=a|b|c`` a set of values (unless
    ``a|b|c`` is itself a known category).
    """
    import skgen

    key, value = _parse_assignment(text)
    if key not in syn.schema_:
        return key, value  # the sampler names the unknown column
    col = syn.schema_[key]
    if col.is_numeric and ".." in value:
        low, _, high = value.partition("..")
        if not low.strip() and not high.strip():
            raise CLIError(f"--where {text!r}: give at least one bound of the range")
        bounds = [_typed_value(col, b.strip(), text) if b.strip() else None
                  for b in (low, high)]
        try:
            return key, skgen.Range(*bounds)
        except ValueError as exc:
            raise CLIError(f"--where {text!r}: {exc}") from None
    if "|" in value and not any(str(k) == value for k in col.categories or []):
        return key, [_typed_value(col, v, text) for v in value.split("|")]
    return key, _typed_value(col, value, text)


def _typed_value(col: Any, value: str, text: str) -> Any:
    """One ``--where`` value in the column's type (numbers as floats, known categories)."""
    if col.kind in ("numeric", "integer"):
        try:
            return float(value)
        except ValueError:
            raise CLIError(f"--where {text!r}: column {col.name!r} is numeric") from None
    if col.kind in ("categorical", "boolean"):
        for known in col.categories or []:
            if str(known) == value:
                return known
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skgen", description="Learn a table and generate synthetic rows, optionally "
        "conditioned on fixed values.")
    from skgen import __version__

    parser.add_argument("--version", action="version", version=f"skgen {__version__}")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("demo", help="fit AmplifySampler on the shipped Adult table, sample "
                       "unconditionally and conditionally, print a quality summary, write CSVs")
    p.add_argument("--output-dir", default="skgen_demo_output", help="where to write the CSVs")
    p.add_argument("--rows", type=int, default=10_000, help="rows to sample (default 10000)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--verbose", type=int, default=0)
    p.set_defaults(func=_demo)

    p = sub.add_parser("fit", help="fit a synthesizer on a CSV file and save it")
    p.add_argument("data", help="training CSV")
    p.add_argument("--model", choices=sorted(MODELS), default="amplify",
                   help="synthesizer to fit (default amplify)")
    p.add_argument("-o", "--output", required=True, help="model file to write")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="estimator parameter, repeatable; VALUE is read as a JSON or YAML "
                   "literal (4, 1e-3, null, true, [64, 64]), else as text, and checked "
                   "against the estimator's parameter constraints")
    p.add_argument("--column-type", action="append", default=[], metavar="COLUMN=KIND",
                   help="say what a column is instead of letting skgen infer it, repeatable; "
                   "KIND: numeric, integer, boolean, categorical, datetime, text, id")
    p.add_argument("--random-state", type=int, default=None)
    p.add_argument("--verbose", type=int, default=0)
    p.set_defaults(func=_fit)

    p = sub.add_parser("sample", help="sample rows from a saved model")
    p.add_argument("model", help="model file written by `skgen fit`")
    p.add_argument("-n", type=int, default=None, help="rows to generate")
    p.add_argument("--conditions", help="CSV of seed rows: one output row per seed row; "
                   "empty cells are generated")
    p.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                   help="fix COLUMN to VALUE in every row (repeatable); COLUMN=LOW..HIGH "
                   "keeps it in a range (bounds included, LOW.. or ..HIGH open), "
                   "COLUMN=A|B|C to one of the values")
    p.add_argument("-o", "--output", required=True, help="CSV to write")
    p.add_argument("--random-state", type=int, default=None)
    p.add_argument("--reference-data", metavar="TRAIN.csv",
                   help="the training CSV, to give the model back what its file leaves out: "
                   "the hashes that keep generated IDs and texts apart from the training "
                   "ones, and a privacy filter's reference data")
    p.set_defaults(func=_sample)

    p = sub.add_parser("fetch-model", help="put a pretrained language model for --model gpt "
                       "into skgen's cache ahead of fit (downloads once; with SKGEN_OFFLINE=1 "
                       "fit never downloads)")
    p.add_argument("name", choices=FETCHABLE, help="the model to fetch")
    p.set_defaults(func=_fetch_model)

    p = sub.add_parser("report", help="quality of a synthetic CSV against the real one",
                       description="Quality of a synthetic CSV against the real one. A table "
                       "of one free-text column and categorical label columns gets the text "
                       "metrics (label fidelity, copies, 8-gram overlap, distinct-n, "
                       "Self-BLEU, augmentation gain; skgen.metrics.text_report).")
    p.add_argument("real")
    p.add_argument("synthetic")
    p.add_argument("--text-column", help="the free-text column (default: inferred)")
    p.add_argument("--label-column", help="the label column, when the text has several")
    p.add_argument("--json", help="also write the scores to this JSON file")
    p.add_argument("--html", help="also write a self-contained HTML report to this file: "
                   "scores, the lowest-scoring columns and pairs drawn, privacy figures "
                   "(figures embedded, nothing fetched from the network; needs matplotlib)")
    p.add_argument("--holdout", help="CSV of real rows not used for training: the baseline "
                   "of the exact-copy rate and of the privacy figures in --html")
    p.set_defaults(func=_report)
    return parser


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
