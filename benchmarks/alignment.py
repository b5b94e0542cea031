"""Attention as word alignment: AER on the gold-aligned Hansards trial set, and the attention mass on </s>.

    python benchmarks/alignment.py                          # every shipped en→fr model with attention
    python benchmarks/alignment.py --checkpoint DIR [...]   # any checkpoints (runs included)
    python benchmarks/alignment.py --write                  # also store the figures in each metrics.json

AER (Och & Ney 2000, %, lower is better) of `python -m seq2seq align` links (each French word → the
English word with the most attention, </s> left out; and with `--method intersect`, only the links that
are also the English word's strongest French word) on ../shared/data/alignment-en-fr (37 pairs),
next to the diagonal baseline. </s> mass: mean attention weight on the source </s> over every step of
the model's own greedy translations of the first 1,000 distinct test sentences of its own data.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json

from benchmarks.common import REPO, machine, set_threads, write_result
from seq2seq.analysis.alignment import (
    METHODS,
    align,
    alignment_error_rate,
    diagonal_links,
    end_of_source_mass,
    read_gold,
)
from seq2seq.catalog import list_models
from seq2seq.data.corpora import SHARED_DATA
from seq2seq.data.pairs import unique_with_refs
from seq2seq.data.splits import load_split
from seq2seq.service import load_translator

GOLD = SHARED_DATA / "alignment-en-fr"
GOAL = "AER <= 25 on the trial set and </s> mass <= 10% for the default model"
TEST_SENTENCES = 1000


def gold_set(folder: Path = GOLD):
    english = [line.split() for line in (folder / "trial.en").read_text(encoding="utf-8").splitlines()]
    french = [line.split() for line in (folder / "trial.fr").read_text(encoding="utf-8").splitlines()]
    sure, possible = read_gold((folder / "trial.wa").read_text(encoding="utf-8").splitlines(), len(english))
    return list(zip(english, french)), sure, possible


def en_fr_models() -> list[Path]:
    """Shipped checkpoints translating English to French with attention."""
    found = []
    for info in list_models():
        config = json.loads((info.path / "config.json").read_text(encoding="utf-8"))
        train, model = config["train"], config["model"]
        if info.shipped and (train.get("src_lang"), train.get("tgt_lang")) == ("en", "fr") \
                and model.get("attention") != "none" and not train.get("data", "").startswith("toy:"):
            found.append(info.path)
    return found


def measure(path: Path, pairs, sure, possible) -> dict:
    translator = load_translator(path)
    split = load_split(translator.bundle.train_config)
    sources = unique_with_refs(split.test, split.test_refs)[0][:TEST_SENTENCES]
    aer = {method: round(alignment_error_rate(align(translator, pairs, method=method), sure, possible), 1)
           for method in METHODS}
    return {"aer_trial": aer["argmax"], "aer_trial_intersect": aer["intersect"],
            "eos_mass_test": round(end_of_source_mass(translator, sources), 4), "test_sentences": len(sources)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", action="append", default=[], help="a checkpoint folder (repeatable)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="store the figures under 'alignment' in metrics.json")
    args = parser.parse_args()
    started = machine()
    set_threads(args.threads)
    pairs, sure, possible = gold_set()
    results = {"diagonal": {"aer_trial": round(alignment_error_rate(
        [diagonal_links(en, fr) for en, fr in pairs], sure, possible), 1)}}
    for path in [Path(p) for p in args.checkpoint] or en_fr_models():
        results[path.name] = measure(path, pairs, sure, possible)
        print(path.name, results[path.name], flush=True)
        if args.write:
            metrics_path = path / "metrics.json"
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
            metrics["alignment"] = results[path.name]
            metrics_path.write_text(json.dumps(metrics, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"diagonal baseline: AER {results['diagonal']['aer_trial']}")
    write_result("alignment", {"gold": str(GOLD.relative_to(REPO.parent)), "threads": args.threads}, results,
                 GOAL, started)


if __name__ == "__main__":
    main()
