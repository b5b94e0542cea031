"""Hidden states of a fixed sample of training pairs: the reference for projections and neighbours.

Each training pair is fed with teacher forcing (its reference target), so every decoder state comes
from a real (source, target prefix) of the training data. States are grouped in three families:
encoder forward, encoder backward (bidirectional encoders only) and decoder.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from seq2seq.analysis.cache import cache_dir, cache_key, load_arrays, save_arrays
from seq2seq.data.pairs import Pair
from seq2seq.data.splits import load_split
from seq2seq.decoding.forced import teacher_forced
from seq2seq.decoding.trace import Trace
from seq2seq.decoding.translator import Translator
from seq2seq.errors import UserError
from seq2seq.symbols import EOS_ID

FAMILIES = ("encoder_forward", "encoder_backward", "decoder")
# Enough sentences for a stable projection and varied neighbours; a few seconds once per checkpoint.
SAMPLE_SENTENCES = 500
BATCH = 64
SAMPLE_FILE = "states.npz"


@dataclass
class StateSet:
    states: np.ndarray  # (N, D) float32
    sentence: np.ndarray  # (N,) index into StateSample.pairs
    position: np.ndarray  # (N,) source position (encoder) or decoder step


@dataclass
class StateSample:
    origin: str  # "train": sampled from the training data; "typed": the user's own sentences
    pairs: list[Pair]
    src_pieces: list[list[str]]  # per pair, the source pieces plus </s>
    tgt_pieces: list[list[str]]  # per pair, the piece each decoder step predicts (ends with </s>)
    families: dict[str, StateSet]
    key: str = ""  # the disk-cache key of a training sample; derived caches extend it

    def piece(self, family: str, row: int) -> str:
        pieces = self.tgt_pieces if family == "decoder" else self.src_pieces
        states = self.families[family]
        return pieces[int(states.sentence[row])][int(states.position[row])]


def trace_states(trace: Trace) -> dict[str, np.ndarray]:
    """A trace's states per family, rows in source-position or step order."""
    found = {"encoder_forward": trace.encoder_forward, "encoder_backward": trace.encoder_backward,
             "decoder": [step.hidden for step in trace.steps]}
    return {name: np.asarray(rows, dtype=np.float32) for name, rows in found.items() if rows}


def reference_pairs(translator: Translator, size: int) -> list[Pair]:
    """A fixed-seed sample of the model's training pairs; UserError when the data is not on disk."""
    config = translator.bundle.train_config
    try:
        train = load_split(config).train
    except OSError as exc:
        raise UserError(f"training data for {config.data} could not be read ({exc})") from None
    order = list(range(len(train)))
    random.Random(config.seed).shuffle(order)
    picked = []
    for index in order:  # lazily: encoding a whole real corpus just to filter it would take seconds
        pair = train[index]
        if translator.src.encode(pair.source) and translator.tgt.encode(pair.target):
            picked.append(pair)
            if len(picked) == size:
                break
    return picked


def collect_states(translator: Translator, pairs: list[Pair], origin: str) -> StateSample:
    """Run every pair through the model (teacher forcing, no dropout, no gradients)."""
    sources = [translator.source_ids(p.source)[0] for p in pairs]
    targets = [translator.tgt.encode(p.target)[: translator.model.config.max_tgt_len] for p in pairs]
    rows: dict[str, list] = {name: [] for name in FAMILIES}
    for start in range(0, len(pairs), BATCH):
        for name, found in _batch_states(translator, sources[start:start + BATCH],
                                         targets[start:start + BATCH], start).items():
            rows[name].extend(found)
    piece_src, piece_tgt = translator.src.piece, translator.tgt.piece
    return StateSample(origin, list(pairs), [[piece_src(i) for i in s] for s in sources],
                       [[piece_tgt(i) for i in t + [EOS_ID]] for t in targets],
                       {name: _stack(found) for name, found in rows.items() if found})


def _batch_states(translator: Translator, sources, targets, offset: int) -> dict[str, list]:
    model = translator.model
    hidden = []
    with torch.inference_mode():
        run = teacher_forced(model, sources, targets,
                             hook=lambda t, inputs, logits, state, memory, details: hidden.append(state.hidden[-1]))
        decoder = torch.stack(hidden, dim=1).float().numpy()  # (B, T_tgt, H_dec)
        memory_states = run.encoded.states.float().numpy()  # (B, T_src, 2 H_enc)
    size = model.config.enc_hidden
    found = {"encoder_forward": [], "encoder_backward": [], "decoder": []}
    for row, (source, target) in enumerate(zip(sources, targets)):
        for pos in range(len(source)):
            found["encoder_forward"].append((memory_states[row, pos, :size], offset + row, pos))
            if model.config.bidirectional:
                found["encoder_backward"].append((memory_states[row, pos, size:], offset + row, pos))
        for step in range(len(target) + 1):
            found["decoder"].append((decoder[row, step], offset + row, step))
    return found


def _stack(found: list) -> StateSet:
    states = np.stack([state for state, _, _ in found]).astype(np.float32)
    return StateSet(states, np.array([s for _, s, _ in found], dtype=np.int32),
                    np.array([p for _, _, p in found], dtype=np.int32))


def reference_sample(translator: Translator, checkpoint: Path, size: int = SAMPLE_SENTENCES) -> StateSample:
    """The cached training-data sample of this checkpoint, built on first use (UserError: no data)."""
    key = cache_key(checkpoint, sentences=size, seed=translator.bundle.train_config.seed)
    path = cache_dir(checkpoint) / SAMPLE_FILE
    arrays = load_arrays(path, key)
    if arrays is not None:
        return _from_arrays(arrays, key)
    sample = collect_states(translator, reference_pairs(translator, size), "train")
    sample.key = key
    save_arrays(path, key, _to_arrays(sample))
    return sample


def _to_arrays(sample: StateSample) -> dict[str, np.ndarray]:
    text = {"origin": sample.origin, "pairs": [[p.source, p.target] for p in sample.pairs],
            "src_pieces": sample.src_pieces, "tgt_pieces": sample.tgt_pieces}
    arrays = {"text": np.array(json.dumps(text, ensure_ascii=False))}
    for name, found in sample.families.items():
        arrays.update({f"{name}.states": found.states, f"{name}.sentence": found.sentence,
                       f"{name}.position": found.position})
    return arrays


def _from_arrays(arrays: dict[str, np.ndarray], key: str) -> StateSample:
    text = json.loads(str(arrays["text"]))
    families = {name: StateSet(arrays[f"{name}.states"], arrays[f"{name}.sentence"], arrays[f"{name}.position"])
                for name in FAMILIES if f"{name}.states" in arrays}
    return StateSample(text["origin"], [Pair(s, t) for s, t in text["pairs"]], text["src_pieces"],
                       text["tgt_pieces"], families, key)
