"""Exact match by input length: where a model starts to fail as its inputs grow (toy tasks)."""
from __future__ import annotations

from dataclasses import dataclass

from seq2seq.config import DecodeConfig
from seq2seq.data.pairs import Pair
from seq2seq.decoding.translator import Translator

# Five characters per bucket: six buckets over the 30-letter toy tasks, ~80 test strings each.
BUCKET = 5


@dataclass(frozen=True)
class LengthBucket:
    low: int  # shortest input (characters) in the bucket
    high: int  # longest
    sentences: int
    exact_match: float  # 0..1, greedy decoding

    @property
    def label(self) -> str:
        return f"{self.low}-{self.high}"


def exact_match_by_length(translator: Translator, pairs: list[Pair], bucket: int = BUCKET) -> list[LengthBucket]:
    """Greedy exact match of `pairs`, grouped by source length in buckets of `bucket` characters."""
    outputs = translator.translate([p.source for p in pairs], DecodeConfig())
    groups: dict[int, list[bool]] = {}
    for pair, output in zip(pairs, outputs):
        groups.setdefault((len(pair.source) - 1) // bucket, []).append(output == pair.target)
    return [LengthBucket(index * bucket + 1, (index + 1) * bucket, len(hits), sum(hits) / len(hits))
            for index, hits in sorted(groups.items())]
