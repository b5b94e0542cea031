"""Traces record while decoding (greedy, sampling) or along the best beam hypothesis's path through the
search's rows (beam), and compute what they show for all steps in one batch. They must give the same
outputs and probabilities as plain decoding and as a teacher-forced replay of the output (how beam traces
were made before)."""
import math

import pytest
import torch

from seq2seq.config import DecodeConfig
from seq2seq.decoding.forced import forced_logprobs, next_piece_distributions
from seq2seq.symbols import EOS_ID

SENTENCES = ["March 5, 1987", "the 3rd of july 2001", "12/25/1999"]


def replayed(translator, trace):
    return translator.forced_trace(trace.source, trace.output_ids, 10, 0, trace.strategy)


@pytest.mark.parametrize("strategy", ["greedy", "beam"])
@pytest.mark.parametrize("sentence", SENTENCES)
def test_a_trace_matches_plain_decoding_and_a_forced_replay(dates_translator, strategy, sentence):
    decode = DecodeConfig(strategy=strategy, beam_size=4)
    trace = dates_translator.trace(sentence, decode)
    assert trace.translation == dates_translator.translate([sentence], decode)[0]
    assert [s.chosen_id for s in trace.steps] == trace.output_ids + [EOS_ID]
    source, _ = dates_translator.source_ids(sentence)
    with torch.inference_mode():
        forced = forced_logprobs(dates_translator.model, [source], [trace.output_ids])[0]
        distributions = next_piece_distributions(dates_translator.model, source, trace.output_ids)
    assert [s.logprob for s in trace.steps] == pytest.approx(forced, abs=1e-4)
    assert trace.logprob == pytest.approx(sum(forced), abs=1e-3)
    for step, logp in zip(trace.steps, distributions):
        top_p, top_i = logp.exp().topk(len(step.top))
        assert [c.token_id for c in step.top][:3] == top_i.tolist()[:3]
        assert [c.prob for c in step.top] == pytest.approx(top_p.tolist(), abs=1e-4)
        assert step.entropy == pytest.approx(float(-(logp.exp() * logp).sum()), abs=1e-4)
        assert sum(step.attention) == pytest.approx(1.0, abs=1e-5)
    replay = replayed(dates_translator, trace)
    for ours, theirs in zip(trace.steps, replay.steps):
        assert ours.input_piece == theirs.input_piece
        for name in ("attention", "context", "attentional", "hidden", "embedding"):
            assert getattr(ours, name) == pytest.approx(getattr(theirs, name), abs=1e-4), name
        for gate, values in ours.gates.items():
            assert values == pytest.approx(theirs.gates[gate], abs=1e-4), gate


def test_the_recorded_gates_rebuild_the_recorded_state(dates_translator):
    """GRU: s_t = (1 - z_t) n_t + z_t s_{t-1}, with s_{t-1} the state the previous step recorded."""
    trace = dates_translator.trace("March 5, 1987", DecodeConfig(strategy="beam", beam_size=4))
    for previous, step in zip(trace.steps, trace.steps[1:]):
        z, n = torch.tensor(step.gates["update"]), torch.tensor(step.gates["candidate"])
        rebuilt = (1 - z) * n + z * torch.tensor(previous.hidden)
        assert torch.allclose(rebuilt, torch.tensor(step.hidden), atol=1e-5)


def test_a_beam_trace_with_a_forced_prefix_marks_it_and_keeps_its_probabilities(dates_translator):
    free = dates_translator.trace("March 5, 1987", DecodeConfig(strategy="beam", beam_size=3))
    prefix = [free.steps[0].top[1].token_id]  # the runner-up first piece
    forced = dates_translator.trace("March 5, 1987", DecodeConfig(strategy="beam", beam_size=3), prefix)
    assert forced.output_ids[0] == prefix[0] and forced.steps[0].forced and not forced.steps[1].forced
    assert math.exp(forced.steps[0].logprob) == pytest.approx(free.steps[0].top[1].prob, abs=1e-5)


def test_the_recorder_and_every_hook_caller_follow_the_one_hook_signature():
    """StepHook types the decoding hook once; the recorder takes exactly its arguments, and every loop that
    calls a hook declares it as a StepHook."""
    import inspect

    from seq2seq.decoding.beam import beam_search
    from seq2seq.decoding.forced import teacher_forced
    from seq2seq.decoding.free_run import free_run
    from seq2seq.decoding.recorder import Recorder
    from seq2seq.nn.decoder import StepHook
    from seq2seq.nn.model import Seq2Seq

    def parameters(function):
        return list(inspect.signature(function).parameters)[1:]  # without self

    assert parameters(Recorder.__call__) == parameters(StepHook.__call__)
    for caller in (free_run, beam_search, teacher_forced, Seq2Seq.unroll, Seq2Seq.forward):
        assert inspect.signature(caller).parameters["hook"].annotation == "StepHook | None", caller.__qualname__
