"""Attention read as word alignment: links from a forced decoding, and the Alignment Error Rate.

The model is made to read a given French sentence (teacher forcing) and each step's attention over
the English pieces is kept. Pieces are mapped to the whitespace-separated words they came from (each
word is tokenized on its own, so a piece never spans two words); the weight between French word j
and English word i is the attention of j's pieces on i's pieces, summed over i's pieces and averaged
over j's pieces. The source end symbol </s> is left out. Links are read from that word matrix:
"argmax" links each French word to the English word it weighs most (optionally only when that weight
reaches `min_weight`); "intersect" keeps only the links that are also the English word's strongest
French word (the matrix read in both directions): fewer links, more of them right.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from seq2seq.config import DecodeConfig
from seq2seq.decoding.forced import teacher_forced
from seq2seq.decoding.free_run import free_run
from seq2seq.decoding.translator import Translator

SEPARATOR = "|||"
# Sentences forced through the model at once: padding stays small for sentences of similar length.
BATCH = 32

Link = tuple[int, int]  # (English word index, French word index), both 0-based


@dataclass(frozen=True)
class WordPieces:
    ids: list[int]
    word_of_piece: list[int]  # word index of each piece


def parse_line(line: str) -> tuple[list[str], list[str]] | None:
    """`english words ||| french words` -> the two word lists, or None when the line is not that."""
    if line.count(SEPARATOR) != 1:
        return None
    english, french = (side.split() for side in line.split(SEPARATOR))
    return (english, french) if english and french else None


def word_pieces(encode, words: list[str]) -> WordPieces:
    """Tokenize word by word, remembering which word every piece belongs to."""
    ids, owners = [], []
    for index, word in enumerate(words):
        pieces = encode(word)
        ids += pieces
        owners += [index] * len(pieces)
    return WordPieces(ids, owners)


METHODS = ("argmax", "intersect")


def piece_attention(translator: Translator, sources: list[WordPieces], targets: list[WordPieces]) -> list[np.ndarray]:
    """Per sentence pair, attention (target pieces, source pieces without </s>) of the forced decoding."""
    model = translator.model
    src_ids = [translator.source_from_ids(s.ids)[0] for s in sources]
    tgt_ids = [t.ids[: model.config.max_tgt_len] for t in targets]
    real = [len(ids) - int(model.config.source_eos) for ids in src_ids]  # source pieces without </s>
    with torch.inference_mode():
        weights = teacher_forced(model, src_ids, tgt_ids).attention.float().numpy()  # (B, T_tgt + 1, T_src)
    return [weights[b, : len(tgt), : n_src] for b, (n_src, tgt) in enumerate(zip(real, tgt_ids))]


def cut_by_the_model(translator: Translator, source: WordPieces, target: WordPieces) -> bool:
    """Whether the model reads only part of this pair: words past its length limits get no link."""
    config = translator.model.config
    return translator.source_from_ids(source.ids)[1] or len(target.ids) > config.max_tgt_len


def word_matrix(attention: np.ndarray, source: WordPieces, target: WordPieces) -> np.ndarray:
    """(target pieces, source pieces) -> (French words, English words): sum over source pieces of a word,
    mean over target pieces of a word. Pieces cut off by the model's length limits count for nothing."""
    n_tgt, n_src = attention.shape
    src_words, tgt_words = max(source.word_of_piece) + 1, max(target.word_of_piece) + 1
    by_src = np.zeros((n_tgt, src_words))
    np.add.at(by_src.T, np.array(source.word_of_piece[:n_src]), attention.T)
    matrix = np.zeros((tgt_words, src_words))
    counts = np.zeros(tgt_words)
    np.add.at(matrix, np.array(target.word_of_piece[:n_tgt]), by_src)
    np.add.at(counts, np.array(target.word_of_piece[:n_tgt]), 1)
    return matrix / np.maximum(counts, 1)[:, None]


def links_from_matrix(matrix: np.ndarray, min_weight: float = 0.0, method: str = "argmax") -> list[Link]:
    """Links read from a (French words, English words) matrix by `method` (see METHODS)."""
    best = matrix.argmax(axis=1)
    links = [(int(i), j) for j, i in enumerate(best) if matrix[j, i] > 0 and matrix[j, i] >= min_weight]
    if method == "intersect":
        best_french = matrix.argmax(axis=0)
        links = [(i, j) for i, j in links if best_french[i] == j]
    return sorted(links)


def align(translator: Translator, pairs: list[tuple[list[str], list[str]]], min_weight: float = 0.0,
          method: str = "argmax", on_cut=None) -> list[list[Link]]:
    """Links for each (English words, French words) pair, in order; `on_cut(index)` hears of each pair
    the model reads only in part."""
    links: list[list[Link]] = []
    for start in range(0, len(pairs), BATCH):
        chunk = pairs[start:start + BATCH]
        sources = [word_pieces(translator.src.encode, en) for en, _ in chunk]
        targets = [word_pieces(translator.tgt.encode, fr) for _, fr in chunk]
        for offset, (source, target) in enumerate(zip(sources, targets)):
            if on_cut is not None and cut_by_the_model(translator, source, target):
                on_cut(start + offset)
        for attention, source, target in zip(piece_attention(translator, sources, targets), sources, targets):
            links.append(links_from_matrix(word_matrix(attention, source, target), min_weight, method))
    return links


def diagonal_links(english: list[str], french: list[str]) -> list[Link]:
    """The baseline: French word j linked to English word round(j·|en|/|fr|)."""
    return sorted((min(len(english) - 1, round(j * len(english) / len(french))), j) for j in range(len(french)))


def pharaoh(links: list[Link]) -> str:
    return " ".join(f"{i}-{j}" for i, j in links)


def alignment_error_rate(predicted: list[list[Link]], sure: list[set[Link]], possible: list[set[Link]]) -> float:
    """AER (Och & Ney 2000) over a corpus, in % : 100 · (1 − (|A∩S| + |A∩P|) / (|A| + |S|)); S ⊆ P."""
    hits_sure = hits_possible = size_a = size_s = 0
    for links, s, p in zip(predicted, sure, possible):
        a = set(links)
        hits_sure += len(a & s)
        hits_possible += len(a & (p | s))
        size_a += len(a)
        size_s += len(s)
    return 100.0 * (1.0 - (hits_sure + hits_possible) / max(1, size_a + size_s))


def read_gold(lines: list[str], sentences: int) -> tuple[list[set[Link]], list[set[Link]]]:
    """NAACL-2003 `.wa` lines `SENT EN FR S|P` (1-based) -> sure and possible links per sentence, 0-based."""
    sure: list[set[Link]] = [set() for _ in range(sentences)]
    possible: list[set[Link]] = [set() for _ in range(sentences)]
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        sent, en, fr = (int(x) - 1 for x in fields[:3])
        kind = fields[3] if len(fields) > 3 else "S"
        (sure if kind == "S" else possible)[sent].add((en, fr))
        possible[sent].add((en, fr))
    return sure, possible


def end_of_source_mass(translator: Translator, texts: list[str]) -> float:
    """Mean attention weight on the source </s> over every step of the model's own greedy translations of
    `texts` that writes a piece (the step writing EOS left out); 0 for models without </s> or attention."""
    config = translator.model.config
    if not config.source_eos or config.attention == "none":
        return 0.0
    total, steps = 0.0, 0
    for start in range(0, len(texts), BATCH):
        sources = [translator.source_ids(text)[0] for text in texts[start:start + BATCH]]
        rows: list[torch.Tensor] = []
        with torch.inference_mode():
            # rows=rows: each batch's hook fills that batch's own list
            hypotheses = free_run(
                translator.model, sources, DecodeConfig(),
                hook=lambda t, inputs, logits, state, memory, details, rows=rows: rows.append(details.weights))
        weights = torch.stack(rows, dim=1).float()  # (B, T_out, T_src)
        for b, (source, hypothesis) in enumerate(zip(sources, hypotheses)):
            total += float(weights[b, : len(hypothesis.ids), len(source) - 1].sum())
            steps += len(hypothesis.ids)
    return total / max(1, steps)
