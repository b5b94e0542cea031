"""Text in, translations and traces out: the API the CLI and the app's service layer use."""
from __future__ import annotations

import warnings

import torch

from seq2seq.checkpoint import Bundle
from seq2seq.config import DecodeConfig
from seq2seq.data.tokenizer import EOS_ID, clean_text
from seq2seq.decoding.recorder import record_free_run, record_steps
from seq2seq.decoding.search import beam_search, forced_logprobs, free_run
from seq2seq.decoding.trace import Hypothesis, Trace

# Batching sentences of similar length wastes little on padding and uses the CPU's vector units.
BATCH_SIZE = 64


class Translator:
    """Wraps a loaded bundle; never mutates the model (it may be shared by many app sessions)."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.model = bundle.model
        self.src = bundle.src_tokenizer
        self.tgt = bundle.tgt_tokenizer

    def source_ids(self, text: str) -> tuple[list[int], bool]:
        """Pieces of the source plus EOS, truncated to the model's limit (flag says so)."""
        ids = self.src.encode(text)
        limit = self.model.config.max_src_len - 1
        return ids[:limit] + [EOS_ID], len(ids) > limit

    def translate(self, texts: list[str], decode: DecodeConfig = DecodeConfig()) -> list[str]:
        """One translation per input, same order; empty input gives empty output."""
        decode = decode.validate()
        results = [""] * len(texts)
        todo = [i for i, t in enumerate(texts) if clean_text(t)]
        todo.sort(key=lambda i: len(texts[i]))
        for start in range(0, len(todo), BATCH_SIZE):
            chunk = todo[start:start + BATCH_SIZE]
            for i, hyp in zip(chunk, self._decode_batch([texts[i] for i in chunk], decode)):
                results[i] = hyp.translation
        return results

    def _decode_batch(self, texts: list[str], decode: DecodeConfig) -> list[Hypothesis]:
        sources = [self._source_warn(t) for t in texts]
        with torch.inference_mode():
            if decode.strategy == "beam":
                hyps = [beam_search(self.model, s, decode)[0][0] for s in sources]
            else:
                hyps = free_run(self.model, sources, decode)
        for hyp in hyps:
            hyp.translation = self.tgt.decode(hyp.ids)
        return hyps

    def _source_warn(self, text: str) -> list[int]:
        ids, truncated = self.source_ids(text)
        if truncated:
            warnings.warn(f"input of {len(text)} characters truncated to {len(ids) - 1} pieces", stacklevel=3)
        return ids

    def trace(self, text: str, decode: DecodeConfig = DecodeConfig(), prefix: list[int] | None = None) -> Trace:
        """Decode one sentence and record every step; `prefix` forces the first output pieces."""
        decode = decode.validate()
        source, truncated = self.source_ids(text)
        with torch.inference_mode():
            nbest, tree, steps, forward, backward = self._search_and_record(source, decode, prefix)
            best = nbest[0]
        for hyp in nbest:
            hyp.translation = self.tgt.decode(hyp.ids)
        return Trace(
            source=text, src_ids=source, src_pieces=[self.src.piece(i) for i in source],
            output_ids=best.ids, output_pieces=[self.tgt.piece(i) for i in best.ids],
            translation=best.translation, logprob=best.logprob, strategy=decode.strategy,
            encoder_forward=forward, encoder_backward=backward, steps=steps, beam=tree, nbest=nbest,
            truncated=truncated,
        )

    def _search_and_record(self, source, decode: DecodeConfig, prefix):
        """Greedy and sampling record as they decode; beam search is replayed along its best path."""
        if decode.strategy != "beam":
            best, steps, forward, backward = record_free_run(self.model, source, decode, self.tgt, prefix)
            return [best], [], steps, forward, backward
        nbest, tree = beam_search(self.model, source, decode, prefix, piece=self.tgt.piece)
        steps, forward, backward = record_steps(self.model, source, nbest[0].ids, self.tgt, decode.trace_top_k,
                                                forced_upto=len(prefix or []))
        return nbest, tree, steps, forward, backward

    def teacher_forced(self, text: str, reference: str, top_k: int = 10) -> Trace:
        """Trace of the reference fed piece by piece: p(reference piece) next to the model's own pick."""
        source, truncated = self.source_ids(text)
        ref_ids = self.tgt.encode(reference)[: self.model.config.max_tgt_len]
        with torch.inference_mode():
            steps, forward, backward = record_steps(self.model, source, ref_ids, self.tgt, top_k, len(ref_ids) + 1)
        logprob = sum(s.logprob for s in steps)
        return Trace(text, source, [self.src.piece(i) for i in source], ref_ids,
                     [self.tgt.piece(i) for i in ref_ids], self.tgt.decode(ref_ids), logprob, "forced",
                     forward, backward, steps, truncated=truncated)

    def score(self, texts: list[str], references: list[str]) -> list[list[float]]:
        sources = [self.source_ids(t)[0] for t in texts]
        targets = [self.tgt.encode(r)[: self.model.config.max_tgt_len] for r in references]
        with torch.inference_mode():
            return forced_logprobs(self.model, sources, targets)
