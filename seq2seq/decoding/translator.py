"""Text in, translations and traces out: the API the CLI, the trainer and the service layer use."""
from __future__ import annotations

import warnings

import torch

from seq2seq.checkpoint import Bundle, load_checkpoint
from seq2seq.config import DecodeConfig
from seq2seq.data.tokenizer import clean_text
from seq2seq.decoding.beam import beam_search
from seq2seq.decoding.forced import teacher_forced
from seq2seq.decoding.free_run import free_run
from seq2seq.decoding.recorder import Recorder, encoder_halves
from seq2seq.decoding.trace import Hypothesis, Trace
from seq2seq.symbols import EOS_ID

# Batching sentences of similar length wastes little on padding and uses the CPU's vector units.
BATCH_SIZE = 64


def load_translator(path) -> "Translator":
    """A checkpoint loaded to decode only (the app's shared models, the CLI): its output layer keeps a
    transposed copy of its weight, which each decoding step multiplies by faster."""
    bundle = load_checkpoint(path)
    bundle.model.decoder.prepare_for_decoding()
    return Translator(bundle)


class Translator:
    """Wraps a loaded bundle; never mutates the model (it may be shared by many app sessions)."""

    def __init__(self, bundle: Bundle):
        self.bundle = bundle
        self.model = bundle.model
        self.src = bundle.src_tokenizer
        self.tgt = bundle.tgt_tokenizer

    def source_ids(self, text: str) -> tuple[list[int], bool]:
        """Pieces of the source (plus EOS if the model reads one), truncated to the model's limit (flag says so)."""
        return self.source_from_ids(self.src.encode(text))

    def source_from_ids(self, ids: list[int]) -> tuple[list[int], bool]:
        end = [EOS_ID] if self.model.config.source_eos else []
        limit = self.model.config.max_src_len - len(end)
        return ids[:limit] + end, len(ids) > limit

    def target_ids(self, text: str) -> list[int]:
        return self.tgt.encode(text)[: self.model.config.max_tgt_len]

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
                hyps = [result.nbest[0] for result in beam_search(self.model, sources, decode)]
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
        if not clean_text(text):  # one rule for empty input, as `translate` has: nothing in, nothing out
            return Trace.empty(text, decode.strategy)
        if decode.strategy == "beam":
            return self._beam_trace(text, decode, prefix or [])
        source, _ = self.source_ids(text)
        recorder = Recorder(self.model.decoder)
        with torch.inference_mode():
            best = free_run(self.model, [source], decode, [prefix] if prefix else None, hook=recorder)[0]
        if not best.ended:  # cut at the length limit: traced with its EOS, as every forced trace is
            return self.forced_trace(text, best.ids, decode.trace_top_k, len(prefix or []), decode.strategy)
        best.translation = self.tgt.decode(best.ids)
        steps = recorder.steps(best.ids + [EOS_ID], self.tgt, decode.trace_top_k, len(prefix or []))
        return self._trace(text, best, steps, recorder, decode.strategy, nbest=[best])

    def _beam_trace(self, text: str, decode: DecodeConfig, prefix: list[int]) -> Trace:
        """Beam search recording every row; the best hypothesis's steps are read along its path of rows."""
        source, _ = self.source_ids(text)
        recorder = Recorder(self.model.decoder)
        with torch.inference_mode():
            result = beam_search(self.model, [source], decode, prefix, piece=self.tgt.piece, hook=recorder)[0]
        for hyp in result.nbest:
            hyp.translation = self.tgt.decode(hyp.ids)
        best = result.nbest[0]
        if not best.ended:  # cut at the length limit: traced with its EOS, as every forced trace is
            trace = self.forced_trace(text, best.ids, decode.trace_top_k, len(prefix), "beam")
        else:
            steps = recorder.steps(best.ids + [EOS_ID], self.tgt, decode.trace_top_k, len(prefix), result.paths[0])
            trace = self._trace(text, best, steps, recorder, "beam")
        trace.logprob, trace.beam, trace.nbest = best.logprob, result.tree, result.nbest
        return trace

    def teacher_forced(self, text: str, reference: str, top_k: int = 10) -> Trace:
        """Trace of the reference fed piece by piece: p(reference piece) next to the model's own pick."""
        ref_ids = self.target_ids(reference)
        return self.forced_trace(text, ref_ids, top_k, len(ref_ids) + 1)

    def forced_trace(self, text: str, output_ids: list[int], top_k: int = 10, forced_upto: int | None = None,
                     strategy: str = "forced") -> Trace:
        """Trace of `text` while feeding `output_ids` exactly (EOS appended); the first `forced_upto` steps
        are marked as imposed (default: all)."""
        source, _ = self.source_ids(text)
        recorder = Recorder(self.model.decoder)
        output_ids = list(output_ids)
        with torch.inference_mode():
            teacher_forced(self.model, [source], [output_ids], hook=recorder)
        upto = len(output_ids) + 1 if forced_upto is None else forced_upto
        steps = recorder.steps(output_ids + [EOS_ID], self.tgt, top_k, upto)
        total = sum(step.logprob for step in steps)
        hypothesis = Hypothesis(output_ids, total, total, self.tgt.decode(output_ids))
        return self._trace(text, hypothesis, steps, recorder, strategy)

    def _trace(self, text: str, best: Hypothesis, steps, recorder: Recorder, strategy: str, nbest=None) -> Trace:
        source, truncated = self.source_ids(text)
        forward, backward = encoder_halves(recorder.encoder_states(), self.model.config.enc_hidden,
                                           self.model.config.bidirectional)
        return Trace(source=text, src_ids=source, src_pieces=[self.src.piece(i) for i in source],
                     output_ids=best.ids, output_pieces=[self.tgt.piece(i) for i in best.ids],
                     translation=best.translation, logprob=best.logprob, strategy=strategy,
                     encoder_forward=forward, encoder_backward=backward, steps=steps, nbest=nbest or [],
                     truncated=truncated)
