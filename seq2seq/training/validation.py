"""The measurements a validation takes, each a plain function of a model and a split: validation loss, a
decoded score (BLEU or exact match), probe translations, the final test score. What they decide is
validator.py's."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from seq2seq import checkpoint as ckpt
from seq2seq.checkpoint import Bundle
from seq2seq.data.batches import Example, collate, make_batches
from seq2seq.data.pairs import Split, unique_with_refs
from seq2seq.decoding.translator import Translator
from seq2seq.evaluate import evaluate
from seq2seq.symbols import EOS_ID, PAD_ID
from seq2seq.training.precision import autocast


def metric_of(toy: bool) -> tuple[str, str]:
    """(name, scale) of the score a run is validated with: exact match as a fraction, or BLEU 0-100."""
    return ("exact_match", "fraction 0-1") if toy else ("bleu", "BLEU 0-100")


def valid_loss(model, examples: list[Example], batch_tokens: int, device, precision: str) -> float:
    """Mean cross-entropy per target token (no label smoothing), in nats."""
    model.eval()
    total, tokens = 0.0, 0
    with torch.inference_mode(), autocast(precision, device):
        for indices in make_batches(examples, batch_tokens, 0, shuffle=False):
            batch = collate([examples[i] for i in indices], device)
            logits = model(batch.src, batch.lengths, batch.tgt_in).logits
            loss = nn.functional.cross_entropy(logits.float().flatten(0, 1), batch.tgt_out.flatten(),
                                               ignore_index=PAD_ID, reduction="sum")
            total, tokens = total + float(loss), tokens + batch.n_tokens
    return total / max(1, tokens)


def evenly_spaced(sources: list[str], refs: list[list[str]], limit: int) -> tuple[list[str], list[list[str]]]:
    """`limit` sentences spread over the whole split: corpus files are often sorted by length
    (Tatoeba's is), so the first ones alone are the shortest and score ~10 BLEU too high."""
    if limit <= 0 or len(sources) <= limit:
        return sources, refs
    picked = [i * len(sources) // limit for i in range(limit)]
    return [sources[i] for i in picked], [refs[i] for i in picked]


def decoded_score(bundle: Bundle, split: Split, limit: int, toy: bool) -> float:
    """Greedy score of up to `limit` validation sentences spread over the split (see metric_of)."""
    bundle.model.eval()
    sources, refs = evenly_spaced(*unique_with_refs(split.valid, split.valid_refs), limit)
    translator = Translator(bundle)
    scores = evaluate(lambda texts: translator.translate(texts), sources, refs, toy=toy)
    return scores[metric_of(toy)[0]]


def probe_translations(bundle: Bundle, probes: list[str]) -> list[dict[str, Any]]:
    """The probe sentences' translations and attention, for the live view of a run."""
    bundle.model.eval()
    translator = Translator(bundle)
    found = []
    for text in probes:
        trace = translator.trace(text)
        found.append({"source": text, "translation": trace.translation, "src_pieces": trace.src_pieces,
                      "out_pieces": trace.output_pieces + [translator.tgt.piece(EOS_ID)],
                      "attention": [s.attention for s in trace.steps if s.attention is not None]})
    return found


def test_scores(out_dir: Path, split: Split, toy: bool) -> dict[str, Any]:
    """Greedy scores of the saved checkpoint on the test split (hypotheses left out)."""
    translator = Translator(ckpt.load_checkpoint(out_dir))
    sources, refs = unique_with_refs(split.test, split.test_refs)
    scores = evaluate(lambda texts: translator.translate(texts), sources, refs, toy=toy)
    scores.pop("hypotheses")
    return scores
