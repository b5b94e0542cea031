"""Command line: seq2seq (or python -m seq2seq) {train,translate,evaluate,align,trace,export,app,import-joey} --help."""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Iterator

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


log = logging.getLogger("seq2seq.cli")

EXAMPLES = {
    "train": """examples:
  python -m seq2seq train --preset dates
  python -m seq2seq train --preset dates --set train.epochs=2 --out checkpoints/runs/dates-short
  python -m seq2seq train --resume checkpoints/runs/dates-short""",
    "translate": """examples:
  echo "I am very happy to see you." | python -m seq2seq translate --checkpoint tatoeba-en-fr
  python -m seq2seq translate --checkpoint checkpoints/dates --input dates.txt --beam 5
  python -m seq2seq translate --checkpoint tatoeba-en-fr --sample --temperature 0.7 --seed 1 < in.txt""",
    "evaluate": """examples:
  python -m seq2seq evaluate --checkpoint tatoeba-en-fr --split test --beam 5
  python -m seq2seq evaluate --checkpoint tatoeba-en-fr --src test.en --ref test.fr""",
    "align": """examples:
  echo "the house is small ||| la maison est petite" | python -m seq2seq align --checkpoint tatoeba-en-fr""",
    "trace": """examples:
  python -m seq2seq trace --checkpoint dates "March 5, 1987"
  echo "March 5, 1987" | python -m seq2seq trace --checkpoint dates --beam 5 --n-best 3
  python -m seq2seq trace --checkpoint tatoeba-en-fr "I am happy." --html trace.html""",
}


class _Help(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown where they say something (not for a flag off or a setting left empty); descriptions and
    examples keep their lines."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def _decode_args(parser: argparse.ArgumentParser, n_best: bool = False) -> None:
    parser.add_argument("--beam", type=int, default=0, help="beam size (0 or 1 = greedy)")
    parser.add_argument("--length-penalty", type=float, default=1.0, help="GNMT length penalty alpha for beam")
    if n_best:
        parser.add_argument("--n-best", type=int, default=1, help="hypotheses the trace lists (at most --beam)")
    parser.add_argument("--sample", action="store_true", help="sample instead of searching")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="with --sample: below 1 sharpens the distribution, above 1 flattens it")
    parser.add_argument("--top-k", type=int, default=0, help="sample only among the k most likely pieces")
    parser.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed")


def decode_config(args: argparse.Namespace) -> DecodeConfig:
    if args.beam < 0:
        raise UserError(f"--beam must be 0 or more (0 or 1 = greedy), got {args.beam}")
    strategy = "sample" if args.sample else ("beam" if args.beam > 1 else "greedy")
    return DecodeConfig(strategy=strategy, beam_size=max(1, args.beam), length_penalty=args.length_penalty,
                        n_best=getattr(args, "n_best", 1), temperature=args.temperature, top_k=args.top_k,
                        top_p=args.top_p, seed=args.seed).validate()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m seq2seq", description=__doc__)
    parser.add_argument("--version", action="version", version=f"seq2seq {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="say more on stderr: what is loaded and how long it took (-vv: debug)")
    parser.add_argument("-q", "--quiet-log", action="store_true", help="only errors on stderr, no warnings")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train a model from a preset or a JSON config")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--preset", help="a named recipe (see --list-presets)")
    source.add_argument("--config", help='JSON file {"model": {...}, "train": {...}}')
    train.add_argument("--list-presets", action="store_true", help="list the named recipes and exit")
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
    translate.add_argument("--checkpoint", required=True,
                           help="a checkpoint folder, or a shipped model's name (tatoeba-en-fr, dates, ...)")
    translate.add_argument("--input", help="file with one sentence per line (default stdin)")
    _decode_args(translate)
    evaluate = commands.add_parser("evaluate", help="sacreBLEU BLEU and chrF of a checkpoint, as JSON")
    evaluate.add_argument("--checkpoint", required=True,
                          help="a checkpoint folder, or a shipped model's name (tatoeba-en-fr, dates, ...)")
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
    align.add_argument("--checkpoint", required=True,
                       help="a checkpoint folder, or a shipped model's name (tatoeba-en-fr, dates, ...)")
    align.add_argument("--input", help="file with one 'english words ||| french words' line per pair (default stdin)")
    align.add_argument("--min-weight", type=float, default=0.0,
                       help="link a French word only when its strongest English word gets at least this much of "
                            "its attention (0-1; default 0: no link is dropped for its weight)")
    align.add_argument("--method", choices=("argmax", "intersect"), default="intersect",
                       help="intersect (default): only links that are also the English word's strongest French "
                            "word; argmax: each French word's strongest English word (see above)")
    trace = commands.add_parser("trace", help="decode one sentence and print its full trace as JSON")
    trace.add_argument("--checkpoint", required=True,
                       help="a checkpoint folder, or a shipped model's name (tatoeba-en-fr, dates, ...)")
    trace.add_argument("sentence", nargs="?", help="the sentence to decode (default: the one line read from stdin)")
    trace.add_argument("--html", metavar="FILE",
                       help="write the decoding as one self-contained page (opens offline) instead of JSON")
    _decode_args(trace, n_best=True)
    export = commands.add_parser("export", help="copy a run as a shippable checkpoint (weights only, fp16)")
    export.add_argument("--checkpoint", required=True, help="the run's checkpoint folder")
    export.add_argument("--out", required=True, help="the folder to write the shippable checkpoint to")
    export.add_argument("--fp32", action="store_true", help="keep float32 weights")
    export.add_argument("--force", action="store_true", help="replace a checkpoint already in --out")
    joey = commands.add_parser("import-joey", help="open a Joey NMT 2.3 RNN model as a checkpoint (Joey not needed)")
    joey.add_argument("model_dir", help="the folder Joey trained into (config.yaml, *_vocab.txt, best.ckpt)")
    joey.add_argument("--out", required=True, help="checkpoint folder to write, e.g. checkpoints/runs/joey-model")
    joey.add_argument("--ckpt", help="which Joey checkpoint (default: best.ckpt, else latest.ckpt in model_dir)")
    joey.add_argument("--force", action="store_true", help="replace a checkpoint already in --out")
    commands.add_parser("app", help="start the Streamlit app (options after `app` go to `streamlit run`)",
                        usage="%(prog)s [streamlit run options, e.g. --server.port 8502]")
    for name, command in commands.choices.items():
        command.formatter_class, command.epilog = _Help, EXAMPLES.get(name)
    return parser


@contextlib.contextmanager
def _command_logging(args: argparse.Namespace) -> Iterator[None]:
    """-v: info (what is loaded, how long it took), -vv: debug, -q: errors only (no warnings). For the
    command's duration only: main() also runs inside other programs (tests, a notebook), whose logging
    setup it must leave as it found it."""
    level = logging.ERROR if args.quiet_log else max(logging.DEBUG, logging.WARNING - 10 * args.verbose)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(level)s: %(message)s"))  # "warning: ...", as warn() writes
    handler.addFilter(lambda record: setattr(record, "level", record.levelname.lower()) or True)
    engine = logging.getLogger("seq2seq")
    saved = engine.handlers[:], engine.level, engine.propagate
    engine.handlers[:], engine.propagate = [handler], False
    engine.setLevel(level)
    try:
        yield
    finally:
        engine.handlers[:], engine.propagate = saved[0], saved[2]
        engine.setLevel(saved[1])


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "app":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.streamlit_options = extra
    try:
        with warnings.catch_warnings(), _command_logging(args):
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
    if log.isEnabledFor(logging.WARNING):  # -q leaves warnings out
        print(f"warning: {message}", file=sys.stderr, flush=True)


def _load_translator(path: str):
    from seq2seq.catalog import checkpoint_path
    from seq2seq.decoding.translator import load_translator

    started = time.perf_counter()
    translator = load_translator(checkpoint_path(path))
    log.info("loaded %s (%s parameters) in %.1f s", translator.bundle.path, f"{translator.model.num_parameters():,}",
             time.perf_counter() - started)
    return translator


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
    trace = translator.trace(_one_sentence(args.sentence), decode)
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


def _one_sentence(given: str | None) -> str:
    """The sentence argument, else the one line on stdin (a trace follows one sentence)."""
    if given is not None:
        return given
    lines = sys.stdin.buffer.read().decode("utf-8", errors="replace").splitlines()
    if len(lines) > 1:
        raise UserError(f"trace decodes one sentence, and stdin holds {len(lines)} lines: give it one line "
                        "(translate takes many)")
    return lines[0] if lines else ""


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

    from seq2seq.catalog import checkpoint_path
    from seq2seq.checkpoint import export_checkpoint

    out = Path(args.out)
    refuse_to_overwrite(out, args.force, "--out")
    try:
        export_checkpoint(checkpoint_path(args.checkpoint), out, torch.float32 if args.fp32 else torch.float16)
    except OSError as exc:
        raise UserError(f"cannot write the checkpoint to {out} ({exc.strerror or exc})") from None
    print(f"exported to {out}", file=sys.stderr)
    return 0


def run_import_joey(args: argparse.Namespace) -> int:
    from seq2seq.data.joey_data import missing
    from seq2seq.interop.joey import import_joey

    out = Path(args.out)
    refuse_to_overwrite(out, args.force, "--out")
    try:
        bundle = import_joey(Path(args.model_dir), out, args.ckpt)
    except OSError as exc:
        raise UserError(f"cannot write the checkpoint to {out} ({exc.strerror or exc})") from None
    print(f"imported the Joey NMT model ({bundle.config.cell.upper()}, {bundle.config.attention} attention) to {out}",
          file=sys.stderr)
    if (absent := missing(bundle.train_config)) is not None:
        warn(f"{absent}. Translating works; the views of its training and test sentences say they are missing")
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
