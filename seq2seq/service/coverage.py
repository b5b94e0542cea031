"""What the model has seen of a typed sentence, for every page that translates: its words counted in the
model's own training data (counted once per data setting, then read from the user cache), the byte pieces
the tokenizer fell back to, and whether it looks like the output language."""
from __future__ import annotations

from seq2seq.analysis.coverage import BytePieces, Coverage, CoverageConfig, WordSeen, byte_runs, coverage
from seq2seq.data.word_counts import WordCounts, training_word_counts
from seq2seq.decoding.translator import Translator

__all__ = ["BytePieces", "Coverage", "CoverageConfig", "WordCounts", "WordSeen", "byte_runs", "input_coverage",
           "training_words"]


def training_words(translator: Translator) -> WordCounts | None:
    """Word counts of the training split the model's `data` setting names; None for a model that reads
    characters (its unit is the character, and unknown ones are already shown as <unk>). UserError, naming
    what is missing, when the data is not on this machine."""
    if translator.src.kind != "sentencepiece":
        return None
    return training_word_counts(translator.bundle.train_config)


def input_coverage(translator: Translator, counts: WordCounts, text: str) -> Coverage:
    source, _ = translator.source_ids(text)
    return coverage(counts, text, [translator.src.piece(i) for i in source])
