"""`evaluate` command: score a checkpoint on given files or on its own data split."""
from __future__ import annotations

import argparse
from typing import Any

from seq2seq.config import DecodeConfig
from seq2seq.data.pairs import read_lines, unique_with_refs
from seq2seq.data.splits import load_split
from seq2seq.decoding.translator import Translator
from seq2seq.errors import TrainingDataMissing, UserError
from seq2seq.evaluate import bleu_chrf, evaluate


def evaluate_command(args: argparse.Namespace, translator: Translator, decode: DecodeConfig) -> dict[str, Any]:
    sources, refs, label = _inputs(args, translator)
    toy = translator.bundle.train_config.data.startswith("toy:")
    scores = evaluate(lambda texts: translator.translate(texts, decode), sources, refs, toy=toy)
    hypotheses = scores.pop("hypotheses")
    result = {"checkpoint": str(args.checkpoint), "data": label, "decoding": decode.describe(), **scores}
    if args.tokenized and not toy:
        result["tokenized"] = _tokenized_bleu(hypotheses, refs, translator.bundle.train_config.tgt_lang)
    return result


def _inputs(args: argparse.Namespace, translator: Translator):
    if args.split:
        try:
            split = load_split(translator.bundle.train_config, data_dir=args.data_dir, download=args.download)
        except TrainingDataMissing as exc:
            raise TrainingDataMissing(f"{exc}; score it on files you have with --src FILE --ref FILE") from None
        pairs, refs = (split.test, split.test_refs) if args.split == "test" else (split.valid, split.valid_refs)
        if not pairs:
            raise UserError(f"{translator.bundle.train_config.data} has no {args.split} part; score the model on "
                            "files you have with --src FILE --ref FILE")
        sources, references = unique_with_refs(pairs, refs)
        return sources, references, f"{translator.bundle.train_config.data} {args.split} split"
    if not args.src or not args.ref:
        raise UserError("give --src FILE and --ref FILE (or --split test)")
    sources = read_lines(args.src)
    ref_files = [read_lines(path) for path in args.ref]
    for path, lines in zip(args.ref, ref_files):
        if len(lines) != len(sources):
            raise UserError(f"{path} has {len(lines)} lines but {args.src} has {len(sources)}")
    return sources, [list(refs) for refs in zip(*ref_files)], args.src


def _tokenized_bleu(hypotheses: list[str], references: list[list[str]], lang: str) -> dict[str, Any]:
    """Lowercased, Moses-normalized and tokenized BLEU: how Multi30k results are published."""
    from seq2seq.data.corpora import moses_lc_tokenize

    hyp_tok = moses_lc_tokenize(hypotheses, lang)
    ref_tok = [moses_lc_tokenize(list(r), lang) for r in zip(*references)]
    scores = bleu_chrf(hyp_tok, [list(r) for r in zip(*ref_tok)], tokenize="none")
    return {"bleu": scores["bleu"], "bleu_signature": scores["bleu_signature"]}
