"""Command line: seq2seq (or python -m seq2seq) {train,translate,evaluate,align,trace,export,app,import-joey} --help."""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from seq2seq import __version__
from seq2seq.cli.streaming import line_batches
from seq2seq.config import DecodeConfig, train_config_from_dict
from seq2seq.errors import CorpusMissing, UserError
from seq2seq.files import read_json


ALIGN_HELP = """\
Force the model to read each French sentence after its English one and turn the attention into word
links, one output line per input line (same count, same order), in Pharaoh format: 'i-j' pairs, i the
0-based English word index and j the 0-based French word index, separated by spaces.

Words are separated by whitespace, as alignment corpora come (tokenized text). Each word is split into
subword pieces on its own. The weight between French word j and English word i is the attention of
j's pieces on i's pieces, summed over i's pieces and averaged over j's pieces; the source end symbol
</s> is left out. Each French word is linked to the English word it weighs most (--min-weight can
leave weakly attended words unlinked). By default (--method intersect) a link is kept only when it is
also the English word's strongest French word: the same attention matrix read in both directions (rows
and columns; no second model is involved), which gives fewer links, more of them right (AER 42.7 against
48.6 for each French word's strongest English word, --method argmax, with the default model on the
gold-aligned trial set; benchmarks/alignment.py). Attention is what
the model looked at while translating, not a trained aligner: expect it to be rougher than a statistical
aligner such as eflomal or fast_align, most of all on text unlike the model's training data. Words past
the model's length limits get no link (a warning names the line). An empty or malformed line gives an
empty output line and a message on stderr. Lines are read and answered in batches as they arrive.
"""


def _decode_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--beam", type=int, default=0, help="beam size (0 or 1 = greedy)")
    parser.add_argument("--length-penalty", type=float, default=1.0, help="GNMT length penalty alpha for beam")
    parser.add_argument("--n-best", type=int, default=1, help="hypotheses to return (trace)")
    parser.add_argument("--sample", action="store_true", help="sample instead of searching")
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--top-k", type=int, default=0, help="sample only among the k most likely pieces")
    parser.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")


def decode_config(args: argparse.Namespace) -> DecodeConfig:
    if args.beam < 0:
        raise UserError(f"--beam must be 0 or more (0 or 1 = greedy), got {args.beam}")
    strategy = "sample" if args.sample else ("beam" if args.beam > 1 else "greedy")
    return DecodeConfig(strategy=strategy, beam_size=max(1, args.beam), length_penalty=args.length_penalty,
                        n_best=args.n_best, temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
                        seed=args.seed).validate()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seq2seq", description=__doc__)
    parser.add_argument("--version", action="version", version=f"seq2seq {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model from a preset or a JSON config")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--preset", help="a named recipe (see --list-presets)")
    source.add_argument("--config", help='JSON file {"model": {...}, "train": {...}}')
    train.add_argument("--list-presets", action="store_true")
    train.add_argument("--out", help="checkpoint directory (default checkpoints/runs/<preset>)")
    train.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a setting, e.g. train.epochs=2 or model.cell=lstm (JSON values)")
    train.add_argument("--data-dir", help="where corpora already are (else SEQ2SEQ_DATA, ../shared/data, cache)")
    train.add_argument("--download", action="store_true", help="download the corpus if it is not found locally")
    train.add_argument("--events", help="append every training event as a JSON line to this file")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--force", action="store_true", help="start anew in an --out that already holds a run")
    translate = commands.add_parser("translate", help="translate stdin (or --input) line by line to stdout")
    translate.add_argument("--checkpoint", required=True)
    translate.add_argument("--input", help="file with one sentence per line (default stdin)")
    _decode_args(translate)
    evaluate = commands.add_parser("evaluate", help="sacreBLEU BLEU and chrF of a checkpoint, as JSON")
    evaluate.add_argument("--checkpoint", required=True)
    evaluate.add_argument("--src", help="source sentences, one per line")
    evaluate.add_argument("--ref", action="append", default=[], help="reference file (repeat for several)")
    evaluate.add_argument("--split", choices=["test", "valid"], help="score on the checkpoint's own data split")
    evaluate.add_argument("--data-dir", help="where corpora already are (else SEQ2SEQ_DATA, ../shared/data, cache)")
    evaluate.add_argument("--download", action="store_true",
                          help="with --split: download the corpus if it is not found locally")
    evaluate.add_argument("--tokenized", action="store_true",
                          help="also lowercased Moses-tokenized BLEU (how Multi30k results are published)")
    _decode_args(evaluate)
    align = commands.add_parser(
        "align", help="word alignments from attention: lines 'english ||| french' in, Pharaoh links 'i-j' out",
        formatter_class=argparse.RawDescriptionHelpFormatter, description=ALIGN_HELP)
    align.add_argument("--checkpoint", required=True)
    align.add_argument("--input", help="file with one 'english words ||| french words' line per pair (default stdin)")
    align.add_argument("--min-weight", type=float, default=0.0,
                       help="link a French word only when its strongest English word gets at least this much of "
                            "its attention (0-1; default 0: no link is dropped for its weight)")
    align.add_argument("--method", choices=("argmax", "intersect"), default="intersect",
                       help="intersect (default): only links that are also the English word's strongest French "
                            "word; argmax: each French word's strongest English word (see above)")
    trace = commands.add_parser("trace", help="decode one sentence and print its full trace as JSON")
    trace.add_argument("--checkpoint", required=True)
    trace.add_argument("sentence")
    trace.add_argument("--html", metavar="FILE",
                       help="write the decoding as one self-contained page (opens offline) instead of JSON")
    _decode_args(trace)
    export = commands.add_parser("export", help="copy a run as a shippable checkpoint (weights only, fp16)")
    export.add_argument("--checkpoint", required=True)
    export.add_argument("--out", required=True)
    export.add_argument("--fp32", action="store_true", help="keep float32 weights")
    export.add_argument("--force", action="store_true", help="replace a checkpoint already in --out")
    joey = commands.add_parser("import-joey", help="open a Joey NMT 2.3 RNN model as a checkpoint (Joey not needed)")
    joey.add_argument("model_dir", help="the folder Joey trained into (config.yaml, *_vocab.txt, best.ckpt)")
    joey.add_argument("--out", required=True, help="checkpoint folder to write, e.g. checkpoints/runs/joey-model")
    joey.add_argument("--ckpt", help="which Joey checkpoint (default: best.ckpt, else latest.ckpt in model_dir)")
    joey.add_argument("--force", action="store_true", help="replace a checkpoint already in --out")
    commands.add_parser("app", help="start the Streamlit app (options after `app` go to `streamlit run`)",
                        usage="%(prog)s [streamlit run options, e.g. --server.port 8502]")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.streamlit_options = extra
    try:
        with warnings.catch_warnings():
            # The engine's own warnings (a truncated input, say) as one line each; other libraries' warnings
            # (a ResourceWarning of code that ran earlier in this process) are not the user's business.
            warnings.simplefilter("ignore")
            warnings.filterwarnings("always", category=UserWarning, module=r"seq2seq(\.|$)")
            warnings.showwarning = lambda message, *rest: warn(str(message))
            return {"train": run_train, "translate": run_translate, "evaluate": run_evaluate, "align": run_align,
                    "trace": run_trace, "export": run_export, "app": run_app,
                    "import-joey": run_import_joey}[args.command](args)
    except UserError as exc:
        print(f"error: {for_the_command_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as other command-line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def for_the_command_line(exc: UserError) -> str:
    """A missing corpus is fetched by the command's own --download flag (train and evaluate have one)."""
    if isinstance(exc, CorpusMissing):
        return (f"{exc.absent()}: run the command again with --download to fetch it, or put its files in one of: "
                f"{', '.join(exc.folders)} (--data-dir and SEQ2SEQ_DATA add folders)")
    return str(exc)


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


def _load_translator(path: str):
    from seq2seq.catalog import checkpoint_path
    from seq2seq.decoding.translator import load_translator

    return load_translator(checkpoint_path(path))


def run_translate(args: argparse.Namespace) -> int:
    decode = decode_config(args)
    translator = _load_translator(args.checkpoint)
    with _input(args.input) as source:
        for batch in line_batches(source, warn):
            for translation in translator.translate(batch, decode):
                sys.stdout.write(translation.replace("\n", " ") + "\n")
            sys.stdout.flush()
    return 0


@contextlib.contextmanager
def _input(path: str | None):
    """The input as bytes: the file at `path`, or stdin."""
    if path is None:
        yield sys.stdin.buffer
        return
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    with handle:
        yield handle


def run_align(args: argparse.Namespace) -> int:
    from seq2seq.cli.align import Aligner

    aligner = Aligner(_load_translator(args.checkpoint), args.min_weight, args.method)
    with _input(args.input) as source:
        for batch in line_batches(source, warn):
            aligner.write(batch)
    return 0


def run_trace(args: argparse.Namespace) -> int:
    decode = decode_config(args)
    translator = _load_translator(args.checkpoint)
    trace = translator.trace(args.sentence, decode)
    if args.html is None:
        print(trace.to_json())
        return 0
    from seq2seq.decoding.trace_page import trace_page

    page = trace_page(trace, translator.bundle.path.name, decode)
    try:
        Path(args.html).write_text(page, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"--html {args.html}: cannot write ({exc.strerror or exc})") from None
    print(f"wrote {args.html} ({len(page.encode()) / 1e6:.2f} MB): open it in a browser, no network needed",
          file=sys.stderr)
    return 0


def run_app(args: argparse.Namespace) -> int:
    """`streamlit run` on the app, wherever it was installed: python -m studio finds it (the engine never
    imports the app; this process is replaced by that one)."""
    command = [sys.executable, "-m", "studio", *args.streamlit_options]
    os.execv(command[0], command)


def run_evaluate(args: argparse.Namespace) -> int:
    from seq2seq.cli.evaluate import evaluate_command

    print(json.dumps(evaluate_command(args, _load_translator(args.checkpoint), decode_config(args)), indent=2,
                     ensure_ascii=False))
    return 0


def run_export(args: argparse.Namespace) -> int:
    import torch

    from seq2seq.checkpoint import export_checkpoint

    out = Path(args.out)
    refuse_to_overwrite(out, args.force, "--out")
    try:
        export_checkpoint(Path(args.checkpoint), out, torch.float32 if args.fp32 else torch.float16)
    except OSError as exc:
        raise UserError(f"cannot write the checkpoint to {out} ({exc.strerror or exc})") from None
    print(f"exported to {out}", file=sys.stderr)
    return 0


def run_import_joey(args: argparse.Namespace) -> int:
    from seq2seq.interop.joey import import_joey

    out = Path(args.out)
    refuse_to_overwrite(out, args.force, "--out")
    try:
        bundle = import_joey(Path(args.model_dir), out, args.ckpt)
    except OSError as exc:
        raise UserError(f"cannot write the checkpoint to {out} ({exc.strerror or exc})") from None
    print(f"imported the Joey NMT model ({bundle.config.cell.upper()}, {bundle.config.attention} attention) to {out}",
          file=sys.stderr)
    return 0


def refuse_to_overwrite(out: Path, force: bool, flag: str) -> None:
    """A folder that holds a checkpoint (or a run's trainer state) is only replaced with --force. Other files
    may be there: the app writes a run's recipe and status into its folder before it starts the run, and a
    run killed before its first checkpoint was complete leaves some of its files (seq2seq/cli/resume.py)."""
    from seq2seq.cli.resume import held_checkpoint

    if out.exists() and not out.is_dir():
        raise UserError(f"{flag} {out} is a file, not a folder")
    held = held_checkpoint(out)
    if held and not force:
        raise UserError(f"{flag} {out} already holds a checkpoint ({', '.join(held)}); choose another folder, "
                        "or add --force to replace it")


def parse_overrides(settings: list[str]) -> dict[str, dict[str, Any]]:
    overrides: dict[str, dict[str, Any]] = {"model": {}, "train": {}}
    for item in settings:
        key, sep, raw = item.partition("=")
        section, dot, name = key.partition(".")
        if not sep or not dot or section not in overrides:
            raise UserError(f"--set {item!r}: use model.NAME=VALUE or train.NAME=VALUE")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        overrides[section][name] = value
    return overrides


def load_recipe(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any], str]:
    from seq2seq.training.presets import get_preset
    from seq2seq.training.recipe import check_recipe

    if args.config:
        recipe, name = read_json(args.config), Path(args.config).stem
    elif args.preset:
        recipe, name = get_preset(args.preset), args.preset
    else:
        raise UserError("give --preset NAME, --config FILE or --resume DIR")
    if not isinstance(recipe, dict) or not all(isinstance(recipe.get(k, {}), dict) for k in ("model", "train")):
        raise UserError(f"{args.config or args.preset}: a recipe is a JSON object "
                        '{"model": {...}, "train": {...}}')
    overrides = parse_overrides(args.set)
    model = {**recipe.get("model", {}), **overrides["model"]}
    train = {**recipe.get("train", {}), **overrides["train"]}
    check_recipe({"model": model, "train": train})  # every setting checked before any data is read
    return model, train, name


def run_train(args: argparse.Namespace) -> int:
    from seq2seq.training.presets import PRESETS

    if args.list_presets:
        for name, preset in PRESETS.items():
            print(f"{name:24s} {preset['description']}")
        return 0
    from seq2seq.cli.progress import ProgressPrinter, StopFlag
    from seq2seq.training.distributed import process_group, resume_after_restart
    from seq2seq.training.trainer import Trainer

    if args.resume:
        from seq2seq.cli.resume import resume_plan

        out = Path(args.resume)
        train_dict, model_options, resume = resume_plan(out, warn)
        train_dict.update(parse_overrides(args.set)["train"])
    else:
        model_options, train_dict, name = load_recipe(args)
        out = Path(args.out or Path("checkpoints") / "runs" / name)
        resume = resume_after_restart(out)
        if not resume:
            refuse_to_overwrite(out, args.force, "--out")
    config = train_config_from_dict(train_dict)
    with process_group() as dist:  # under torchrun; a lone process otherwise
        # Only rank 0 reports: the other ranks would repeat its lines and events.
        printer = ProgressPrinter(args.events if dist.is_main else None, quiet=args.quiet or not dist.is_main)
        stop = StopFlag()  # until the loop starts, a signal ends the process at once: there is nothing to save
        trainer = Trainer(config, model_options, out, on_event=printer, should_stop=stop, resume=resume,
                          data_dir=args.data_dir, download=args.download, command=sys.argv, dist=dist)
        stop.install()
        trainer.run()
        printer.close()
    if dist.is_main:
        print(f"checkpoint: {out}", file=sys.stderr)
    return 0
