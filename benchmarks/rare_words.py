"""How well a model translates sentences with words its training data rarely contains: the basis of the
"rare word" threshold the pages flag (seq2seq/analysis/coverage.py, CoverageConfig.rare_below).

    python benchmarks/rare_words.py
    python benchmarks/rare_words.py --model multi30k-en-fr

Every test sentence is put in the bucket of its rarest word (the number of training sentences whose
source side contains it, words read as the pages read them: lowercased, no punctuation), translated
greedily, and scored per bucket with sacreBLEU chrF and BLEU against its one reference.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse

from benchmarks.common import REPO, machine, set_threads, write_result
from seq2seq import service
from seq2seq.data.splits import load_split
from seq2seq.data.word_counts import training_word_counts, words

GOAL = "test chrF by the count of each sentence's rarest word, to set the rare-word threshold on measured figures"
BUCKETS = ((0, 0), (1, 9), (10, 29), (30, 99), (100, 999), (1000, None))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=service.DEFAULT_MODEL, help="a shipped checkpoint's name")
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args(argv)


def main(argv=None) -> None:
    import sacrebleu

    args = parse_args(argv)
    started = machine()
    set_threads(args.threads)
    translator = service.load_translator(REPO / "checkpoints" / args.model)
    config = translator.bundle.train_config
    counts = training_word_counts(config)
    test = load_split(config).test
    hypotheses = translator.translate([pair.source for pair in test])
    results = {}
    rarest = [min((counts.source.get(w, 0) for w in words(pair.source)), default=0) for pair in test]
    for low, high in BUCKETS:
        rows = [(hyp, pair.target) for hyp, pair, count in zip(hypotheses, test, rarest)
                if low <= count and (high is None or count <= high)]
        label = f"{low}-{high}" if high is not None else f"{low}+"
        if rows:
            hyps, refs = [h for h, _ in rows], [[r for _, r in rows]]
            results[label] = {"sentences": len(rows), "chrF": round(sacrebleu.corpus_chrf(hyps, refs).score, 1),
                              "BLEU": round(sacrebleu.corpus_bleu(hyps, refs).score, 1)}
            print(label, results[label])
    write_result(f"rare_words-{args.model}", {"model": args.model, "threads": args.threads,
                                              "training_sentences": counts.sentences}, results, GOAL, started)


if __name__ == "__main__":
    main()
