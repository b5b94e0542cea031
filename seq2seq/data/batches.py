"""From text pairs to padded tensor batches: encoding, length bucketing, token-budget batches.

Shapes in comments, (B, T_src, D) and the like, use the letters defined in `seq2seq.nn.notation.SHAPES`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

import torch

from seq2seq.data.pairs import Pair
from seq2seq.data.tokenizer import Tokenizer
from seq2seq.errors import UserError
from seq2seq.symbols import BOS_ID, EOS_ID, PAD_ID


@dataclass
class Example:
    src: list[int]  # with EOS when the model reads one (ModelConfig.source_eos)
    tgt: list[int]  # without BOS/EOS
    links: list[tuple[int, int]] | None = None  # (target step, source position): guided-alignment targets


class Batch(NamedTuple):
    src: torch.Tensor  # (B, T_src)
    lengths: torch.Tensor  # (B,)
    tgt_in: torch.Tensor  # (B, T_tgt) BOS y_1 ... y_n
    tgt_out: torch.Tensor  # (B, T_tgt) y_1 ... y_n EOS
    n_tokens: int  # real target tokens (EOS included)
    guide: torch.Tensor | None = None  # (B, T_tgt, T_src) target attention per step, rows sum to 1 or 0


class Step(NamedTuple):
    """One optimizer step as seen by one process."""

    indices: list[int]  # the examples this process trains on
    tokens: int  # target tokens over every process's share: what the loss is averaged over


def pad_batch(sequences: list[list[int]], device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists -> (B, T) ids and (B,) lengths; empty lists become a lone EOS."""
    sequences = [seq or [EOS_ID] for seq in sequences]
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    batch = torch.full((len(sequences), int(lengths.max())), PAD_ID, dtype=torch.long)
    for row, seq in enumerate(sequences):
        batch[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
    return batch.to(device), lengths.to(device)


def encode_pairs(pairs: list[Pair], src_tok: Tokenizer, tgt_tok: Tokenizer, max_len: int,
                 source_eos: bool = True) -> list[Example]:
    examples = []
    end = [EOS_ID] if source_eos else []
    for pair in pairs:
        src, tgt = src_tok.encode(pair.source), tgt_tok.encode(pair.target)
        if 0 < len(src) < max_len and 0 < len(tgt) < max_len:
            examples.append(Example(src + end, tgt))
    if not examples:
        raise UserError(f"no training pair is shorter than max_len={max_len} pieces")
    return examples


def make_batches(examples: list[Example], batch_tokens: int, seed: int, shuffle: bool = True) -> list[list[int]]:
    """Indices grouped by similar length so that padding is small; batch order shuffled per seed."""
    rng = random.Random(seed)
    order = sorted(range(len(examples)),
                   key=lambda i: (len(examples[i].src), len(examples[i].tgt), rng.random() if shuffle else i))
    batches, current, longest = [], [], 0
    for i in order:
        size = max(len(examples[i].src), len(examples[i].tgt) + 1)
        if current and max(longest, size) * (len(current) + 1) > batch_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(i)
        longest = max(longest, size)
    if current:
        batches.append(current)
    if shuffle:
        rng.shuffle(batches)
    return batches


def plan_steps(examples: list[Example], batches: list[list[int]], per_step: int = 1, rank: int = 0,
               world_size: int = 1) -> list[Step]:
    """Cut one epoch's batch list into optimizer steps and give this process its share of each.

    Step k is the union of batches k*per_step .. k*per_step + per_step - 1, and the j-th of them goes
    to rank j % world_size. Every process builds the same batch list from the same seed, so all agree
    on every step without talking, and one process with per_step=N replays an N-process run. A tail
    too short to fill a step is dropped: every rank must run the same number of steps.
    """
    steps = []
    for first in range(0, len(batches) - per_step + 1, per_step):
        group = batches[first:first + per_step]
        mine = [i for batch in group[rank::world_size] for i in batch]
        steps.append(Step(mine, sum(target_tokens(examples[i]) for batch in group for i in batch)))
    return steps


def target_tokens(example: Example) -> int:
    return len(example.tgt) + 1  # the EOS is predicted too


def collate(examples: list[Example], device=None) -> Batch:
    src, lengths = pad_batch([e.src for e in examples], device)
    tgt_in, _ = pad_batch([[BOS_ID] + e.tgt for e in examples], device)
    tgt_out, _ = pad_batch([e.tgt + [EOS_ID] for e in examples], device)
    guide = _guide(examples, tgt_out.shape[1], src.shape[1], device) if examples[0].links is not None else None
    return Batch(src, lengths, tgt_in, tgt_out, sum(target_tokens(e) for e in examples), guide)


def _guide(examples: list[Example], steps: int, positions: int, device) -> torch.Tensor:
    """Each step's linked source positions share its target attention equally; unlinked steps get none."""
    guide = torch.zeros(len(examples), steps, positions)
    for row, example in enumerate(examples):
        for step, position in example.links:
            guide[row, step, position] = 1.0
    guide /= guide.sum(-1, keepdim=True).clamp_min(1.0)
    return guide.to(device)
