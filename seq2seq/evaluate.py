"""Scores: sacreBLEU BLEU and chrF (with their signatures) and exact match for toy tasks."""
from __future__ import annotations

from typing import Any, Callable

from sacrebleu.metrics import BLEU, CHRF


def _ref_streams(references: list[list[str]]) -> list[list[str]]:
    """sacreBLEU wants k equally long streams; repeating a sentence's first reference changes no score
    (BLEU clips n-gram counts by the max over references and picks the closest length)."""
    k = max(len(refs) for refs in references)
    return [[refs[i] if i < len(refs) else refs[0] for refs in references] for i in range(k)]


def bleu_chrf(hypotheses: list[str], references: list[list[str]], tokenize: str | None = None,
              lowercase: bool = False) -> dict[str, Any]:
    streams = _ref_streams(references)
    # tokenize="none" scores text tokenized on purpose (Multi30k's published convention): no warning.
    bleu = (BLEU(tokenize=tokenize, lowercase=lowercase, force=tokenize == "none") if tokenize
            else BLEU(lowercase=lowercase))
    chrf = CHRF()
    bleu_score = bleu.corpus_score(hypotheses, streams)
    chrf_score = chrf.corpus_score(hypotheses, streams)
    return {"bleu": round(bleu_score.score, 2), "chrf": round(chrf_score.score, 2),
            "bleu_signature": str(bleu.get_signature()), "chrf_signature": str(chrf.get_signature())}


def sentence_bleu(hypothesis: str, references: list[str]) -> float:
    return BLEU(effective_order=True).sentence_score(hypothesis, references).score


def exact_match(hypotheses: list[str], references: list[list[str]]) -> float:
    hits = sum(h.strip() in {r.strip() for r in refs} for h, refs in zip(hypotheses, references))
    return hits / max(1, len(hypotheses))


def evaluate(translate: Callable[[list[str]], list[str]], sources: list[str], references: list[list[str]],
             toy: bool = False) -> dict[str, Any]:
    """Translate `sources` and score them against (possibly several) references each."""
    hypotheses = translate(sources)
    scores: dict[str, Any] = {"sentences": len(sources), "exact_match": round(exact_match(hypotheses, references), 4)}
    if not toy:
        scores.update(bleu_chrf(hypotheses, references))
    scores["hypotheses"] = hypotheses
    return scores
