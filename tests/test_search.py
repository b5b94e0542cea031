"""Greedy, beam, sampling and forced decoding agree with each other and with the training loss."""
import json

import pytest
import torch
from torch import nn

from seq2seq.config import DecodeConfig
from seq2seq.data.batches import collate, encode_pairs, pad_batch
from seq2seq.data.pairs import Pair
from seq2seq.decoding.beam import beam_search
from seq2seq.decoding.forced import forced_logprobs
from seq2seq.decoding.free_run import filter_distribution, free_run
from seq2seq.decoding.translator import Translator
from seq2seq.symbols import EOS_ID, PAD_ID

DATES = ["March 5, 1987", "12/03/1999", "Tue 4 jan 2000", "1961 October 30", "august 9 2021",
         "Sunday, May 1, 1955", "7.11.1972"]
GREEDY = DecodeConfig()


def beam(size: int, **options) -> DecodeConfig:
    return DecodeConfig(strategy="beam", beam_size=size, **options)


def sample(**options) -> DecodeConfig:
    return DecodeConfig(strategy="sample", **options)


def test_the_trained_toy_model_translates_dates(dates_translator):
    assert dates_translator.translate(["March 5, 1987", "", "12/03/1999"]) == ["1987-03-05", "", "1999-03-12"]


def test_beam_of_one_is_greedy(dates_translator):
    assert dates_translator.translate(DATES, beam(1)) == dates_translator.translate(DATES, GREEDY)
    with torch.inference_mode():
        for text in DATES:
            source = dates_translator.source_ids(text)[0]
            greedy = free_run(dates_translator.model, [source], GREEDY)[0]
            best = beam_search(dates_translator.model, [source], beam(1))[0].nbest[0]
            assert best.ids == greedy.ids
            assert best.logprob == pytest.approx(greedy.logprob, abs=1e-4)


def test_beam_of_one_is_greedy_on_an_untrained_lstm(make_bundle):
    """Untrained models produce long, flat outputs: the hard case for an off-by-one in pruning."""
    model = make_bundle(cell="lstm", attention="luong", seed=5).model
    with torch.inference_mode():
        for source in ([4, 5, 6, EOS_ID], [7, EOS_ID], [8, 9, 10, 11, 12, 13, EOS_ID]):
            greedy = free_run(model, [source], GREEDY)[0]
            assert beam_search(model, [source], beam(1))[0].nbest[0].ids == greedy.ids


def test_batched_greedy_equals_one_sentence_at_a_time(dates_translator):
    assert dates_translator.translate(DATES) == [dates_translator.translate([t])[0] for t in DATES]


def test_nbest_is_sorted_and_the_beam_tree_is_well_formed(dates_translator):
    trace = dates_translator.trace("Sunday, May 1, 1955", beam(5, n_best=5))
    assert len(trace.nbest) == 5
    scores = [h.score for h in trace.nbest]
    assert scores == sorted(scores, reverse=True)
    assert trace.translation == trace.nbest[0].translation == "1955-05-01"
    nodes = trace.beam
    assert [n.node_id for n in nodes] == list(range(len(nodes)))
    for node in nodes:
        assert node.status in ("kept", "finished", "pruned")
        if node.parent is None:
            assert node.step == 0
        else:
            parent = nodes[node.parent]
            assert parent.node_id < node.node_id and parent.status == "kept" and parent.step == node.step - 1
            assert node.score == pytest.approx(parent.score + node.logprob, abs=1e-4)
    # The best hypothesis is a path from the root to a finished node.
    best_end = [n for n in nodes if n.status == "finished" and n.score == pytest.approx(trace.nbest[0].logprob)]
    path, node = [], best_end[0]
    while node is not None:
        path.append(node.token_id)
        node = None if node.parent is None else nodes[node.parent]
    assert path[::-1] == trace.output_ids + [EOS_ID]


def test_beam_with_a_forced_prefix_never_keeps_impossible_hypotheses(dates_translator):
    prefix = dates_translator.tgt.encode("20")
    trace = dates_translator.trace("March 5, 1987", beam(3, n_best=3), prefix=prefix)
    assert trace.output_ids[:2] == prefix
    assert all(h.ids[:2] == prefix and h.logprob > -1e9 for h in trace.nbest)
    assert all(n.score > -1e9 for n in trace.beam)
    assert "Infinity" not in trace.to_json()


def test_greedy_with_a_prefix_forces_the_first_pieces(dates_translator):
    prefix = dates_translator.tgt.encode("20")
    trace = dates_translator.trace("March 5, 1987", GREEDY, prefix=prefix)
    assert trace.output_pieces[:2] == ["2", "0"]
    assert [s.forced for s in trace.steps[:3]] == [True, True, False]
    assert trace.translation.startswith("20")


def test_forced_scores_equal_the_training_loss(dates_translator, score_references):
    """Mean -log p over reference tokens == cross-entropy of the training forward (eval, no smoothing)."""
    pairs = [Pair("March 5, 1987", "1987-03-05"), Pair("12/03/1999", "1999-03-21"), Pair("7.11.1972", "1972-11-07")]
    scores = score_references(dates_translator, [p.source for p in pairs], [p.target for p in pairs])
    assert [len(s) for s in scores] == [11, 11, 11]  # 10 characters + EOS
    examples = encode_pairs(pairs, dates_translator.src, dates_translator.tgt, max_len=64)
    batch = collate(examples)
    with torch.inference_mode():
        logits = dates_translator.model(batch.src, batch.lengths, batch.tgt_in).logits
        loss = nn.CrossEntropyLoss(ignore_index=PAD_ID, reduction="sum")(logits.flatten(0, 1), batch.tgt_out.flatten())
    assert -sum(map(sum, scores)) / batch.n_tokens == pytest.approx(float(loss) / batch.n_tokens, rel=1e-5)
    # The deliberately wrong reference (day 21, not 12) costs more than the right ones.
    assert sum(scores[1]) < min(sum(scores[0]), sum(scores[2]))


def test_teacher_forced_trace_matches_forced_logprobs(dates_translator, score_references):
    trace = dates_translator.teacher_forced("12/03/1999", "1999-03-21")
    expected = score_references(dates_translator, ["12/03/1999"], ["1999-03-21"])[0]
    assert [s.logprob for s in trace.steps] == pytest.approx(expected, abs=1e-5)
    assert [s.chosen_id for s in trace.steps] == dates_translator.tgt.encode("1999-03-21") + [EOS_ID]
    assert all(s.forced for s in trace.steps) and trace.strategy == "forced"
    # Where the reference departs from the model, its own top pick is shown beside it.
    assert trace.steps[8].top[0].piece == "1" and trace.steps[8].chosen_piece == "2"


@pytest.mark.parametrize("decode", [GREEDY, beam(4)])
def test_trace_steps_replay_the_search(dates_translator, decode):
    trace = dates_translator.trace("Tue 4 jan 2000", decode)
    assert [s.chosen_id for s in trace.steps] == trace.output_ids + [EOS_ID]
    assert sum(s.logprob for s in trace.steps) == pytest.approx(trace.logprob, abs=1e-4)
    assert trace.translation == "2000-01-04"
    step = trace.steps[0]
    assert step.input_piece == "<s>" and len(step.attention) == len(trace.src_ids)
    assert sum(step.attention) == pytest.approx(1.0, abs=1e-5)
    assert sum(c.prob for c in step.top) <= 1.0 + 1e-6 and step.top[0].prob >= step.top[-1].prob
    assert set(step.gates) == {"reset", "update", "candidate"}
    assert json.loads(trace.to_json()) == trace.to_dict()  # plain data all the way down


def test_sampling_is_reproducible_with_a_seed(dates_translator):
    hot = {"temperature": 3.0}
    first = dates_translator.translate(DATES, sample(seed=7, **hot))
    assert dates_translator.translate(DATES, sample(seed=7, **hot)) == first
    assert any(dates_translator.translate(DATES, sample(seed=s, **hot)) != first for s in (8, 9, 10))


def test_top_k_one_and_a_tiny_nucleus_sample_the_greedy_output(dates_translator):
    greedy = dates_translator.translate(DATES)
    assert dates_translator.translate(DATES, sample(top_k=1, temperature=5.0, seed=3)) == greedy
    assert dates_translator.translate(DATES, sample(top_p=1e-6, temperature=5.0, seed=3)) == greedy


def test_filter_distribution_keeps_the_smallest_nucleus():
    probs = torch.tensor([[0.05, 0.5, 0.15, 0.3]])
    scores = probs.log()
    assert filter_distribution(scores).tolist()[0] == pytest.approx([0.05, 0.5, 0.15, 0.3])
    # 0.5 + 0.3 >= 0.7: the two largest pieces, renormalised.
    assert filter_distribution(scores, top_p=0.7).tolist()[0] == pytest.approx([0, 0.625, 0, 0.375])
    assert filter_distribution(scores, top_p=0.5).tolist()[0] == pytest.approx([0, 1, 0, 0])
    # The third piece is needed to pass 0.81 (0.8 < 0.81); the fourth is not.
    assert filter_distribution(scores, top_p=0.81).tolist()[0] == pytest.approx([0, 0.5 / 0.95, 0.15 / 0.95,
                                                                                 0.3 / 0.95])
    assert filter_distribution(scores, top_k=2).tolist()[0] == pytest.approx([0, 0.625, 0, 0.375])
    assert filter_distribution(scores, top_k=3, top_p=0.6).tolist()[0] == pytest.approx([0, 0.625, 0, 0.375])


def test_pad_batch_pads_right_and_turns_empty_into_eos():
    batch, lengths = pad_batch([[5, 6, 7], [], [8]])
    assert batch.tolist() == [[5, 6, 7], [EOS_ID, PAD_ID, PAD_ID], [8, PAD_ID, PAD_ID]]
    assert lengths.tolist() == [3, 1, 1]


def test_forced_logprobs_of_a_batch_equal_those_of_single_sentences(make_bundle):
    model = make_bundle(cell="gru", attention="bahdanau", seed=2).model
    sources, targets = [[4, 5, 6, EOS_ID], [7, EOS_ID]], [[8, 9], [10, 11, 12, 13]]
    with torch.inference_mode():
        batched = forced_logprobs(model, sources, targets)
        for source, target, row in zip(sources, targets, batched):
            assert forced_logprobs(model, [source], [target])[0] == pytest.approx(row, abs=1e-5)


@pytest.mark.parametrize("decode", [GREEDY, sample(seed=5, temperature=2.0), sample(seed=1, top_k=3, top_p=0.8)])
@pytest.mark.parametrize("prefix", [None, [4, 5]])
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_recording_while_decoding_equals_search_then_replay(make_bundle, decode, prefix, cell):
    """Untrained models often run to the length limit, so the cut-off path is covered too."""
    bundle = make_bundle(cell=cell, seed=2)
    translator, source = Translator(bundle), "aceb"
    with torch.inference_mode():
        expected = free_run(bundle.model, [translator.source_ids(source)[0]], decode, [prefix] if prefix else None)[0]
    recorded = translator.trace(source, decode, prefix)
    replay = translator.forced_trace(source, expected.ids, decode.trace_top_k, len(prefix or []), decode.strategy)
    assert recorded.output_ids == expected.ids
    assert recorded.logprob == pytest.approx(expected.logprob if expected.ended else replay.logprob, abs=1e-5)
    assert recorded.steps == replay.steps
    assert (recorded.encoder_forward, recorded.encoder_backward) == (replay.encoder_forward, replay.encoder_backward)


def test_the_cases_above_cover_both_endings(make_bundle):
    """Some runs above end with EOS, others are cut at the length limit."""
    bundle = make_bundle(seed=2)
    source = Translator(bundle).source_ids("aceb")[0]
    with torch.inference_mode():
        endings = {free_run(bundle.model, [source], decode, [prefix] if prefix else None)[0].ended
                   for decode in (GREEDY, sample(seed=5, temperature=2.0)) for prefix in (None, [4, 5])}
    assert endings == {True, False}


def test_beam_search_of_a_batch_equals_one_sentence_at_a_time(dates_translator):
    sources = [dates_translator.source_ids(text)[0] for text in DATES]
    decode = beam(5, n_best=3)
    with torch.inference_mode():
        batched = beam_search(dates_translator.model, sources, decode)
        for source, result in zip(sources, batched):
            alone = beam_search(dates_translator.model, [source], decode)[0]
            assert [h.ids for h in result.nbest] == [h.ids for h in alone.nbest]
            assert [h.score for h in result.nbest] == pytest.approx([h.score for h in alone.nbest], abs=1e-4)
