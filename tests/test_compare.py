"""Word-swap counterfactuals (KL per step), unit ranking, and the attention bottleneck by length."""
from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import torch
from conftest import DATES_CHECKPOINT

from seq2seq.analysis.bottleneck import (
    architecture,
    bucket_label,
    cached_scores,
    compared_models,
    find_twin,
    score_buckets,
    scores_by_length,
)
from seq2seq.analysis.counterfactual import (
    counterfactual,
    kl_per_step,
    next_piece_logprobs,
    swap_word,
)
from seq2seq.analysis.units import piece_correlation, rank_units
from seq2seq.catalog import list_models


def test_kl_per_step_matches_the_definition():
    p = torch.tensor([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]], dtype=torch.float64)
    q = torch.tensor([[0.25, 0.25, 0.5], [0.2, 0.3, 0.5]], dtype=torch.float64)
    kl = kl_per_step(p.log(), q.log())
    assert kl[0] == pytest.approx(0.5 * math.log(2) * 2)
    assert kl[1] == 0.0


def test_kl_is_zero_at_every_step_for_an_unchanged_sentence(dates_translator):
    trace = dates_translator.trace("March 5, 1987")
    result = counterfactual(dates_translator, trace.source, trace.output_ids, "March 5, 1987")
    assert len(result.kl) == len(trace.steps)
    assert all(value == 0.0 for value in result.kl)
    assert result.p_original == result.p_swapped


def test_a_swapped_word_shifts_the_distribution_where_it_matters(dates_translator):
    trace = dates_translator.trace("March 5, 1987")
    result = counterfactual(dates_translator, trace.source, trace.output_ids, swap_word(trace.source, 2, "1978"))
    assert result.trace.source == "March 5, 1978"
    # Steps align with the original output: the swapped source is fed the original's pieces.
    assert [s.chosen_piece for s in result.trace.steps] == [s.chosen_piece for s in trace.steps]
    year_steps, later_steps = result.kl[:4], result.kl[5:]
    assert max(year_steps) > 1.0 and max(later_steps) < max(year_steps)
    assert result.p_swapped[2] < result.p_original[2]  # "1987" -> "1978": the third digit is now unlikely


def test_full_distributions_agree_with_the_trace(dates_translator):
    trace = dates_translator.trace("12/03/2001")
    logp = next_piece_logprobs(dates_translator, trace.source, trace.output_ids)
    assert logp.shape == (len(trace.steps), dates_translator.model.config.tgt_vocab_size)
    chosen = [s.chosen_id for s in trace.steps]
    np.testing.assert_allclose(logp[range(len(chosen)), chosen].numpy(), [s.logprob for s in trace.steps], atol=1e-5)


def test_swap_word_replaces_exactly_one_word():
    assert swap_word("the cat  sat", 1, " cats ") == "the cats sat"
    with pytest.raises(IndexError):
        swap_word("the cat", 2, "dog")


def test_units_rank_by_variance_and_by_correlation_with_a_piece():
    acts = np.array([[0.0, 1.0, 0.2], [0.0, -1.0, 0.9], [0.0, 1.0, 0.1]])
    order, variance = rank_units(acts, "variance")
    assert order.tolist() == [1, 2, 0] and variance[0] == 0.0
    marks = np.array([0.0, 1.0, 0.0])
    order, corr = rank_units(acts, "correlation", marks)
    assert order[0] == 1 and corr[1] == pytest.approx(-1.0) and corr[0] == 0.0
    assert piece_correlation(acts, np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_length_buckets_are_labelled_and_ordered():
    edges = (5, 10)
    assert bucket_label(1, edges) == (0, "1–5") and bucket_label(6, edges) == (1, "6–10")
    assert bucket_label(11, edges) == (2, "11+")


def test_score_buckets_counts_sentences_and_exact_matches():
    sources = ["ab", "abcdefghijklmnop", "cd"]
    rows = score_buckets(["x", "y", "wrong"], sources, [["x"], ["y"], ["z"]], "characters", toy=True)
    assert rows[0]["bucket"] == "1–10" and rows[0]["sentences"] == 2 and rows[0]["score"] == 50.0
    assert rows[1]["bucket"] == "16–20" and rows[1]["score"] == 100.0


def copy_with(tmp_path, name: str, attention: str, data: str = "toy:dates"):
    target = tmp_path / name
    shutil.copytree(DATES_CHECKPOINT, target)
    config = json.loads((target / "config.json").read_text())
    config["model"]["attention"], config["train"]["data"] = attention, data
    (target / "config.json").write_text(json.dumps(config))
    return target


def test_twins_share_data_and_differ_in_attention(tmp_path):
    copy_with(tmp_path, "with", "bahdanau")
    copy_with(tmp_path, "without", "none")
    copy_with(tmp_path, "other-data", "none", data="toy:reverse")
    copy_with(tmp_path, "also-with", "luong")
    models = {m.name: m for m in list_models(tmp_path)}
    assert find_twin(models["with"], list(models.values())).name == "without"
    assert find_twin(models["without"], list(models.values())).name in ("with", "also-with")
    assert find_twin(models["other-data"], list(models.values())) is None


def test_scores_by_length_are_cached_on_disk(tmp_path, dates_translator):
    checkpoint = tmp_path / "dates"
    shutil.copytree(DATES_CHECKPOINT, checkpoint)
    assert cached_scores(checkpoint, limit=40) is None
    result = scores_by_length(dates_translator, checkpoint, toy=True, limit=40)
    assert result["metric"] == "exact match %" and result["unit"] == "characters"
    assert sum(b["sentences"] for b in result["buckets"]) == 40
    assert all(0 <= b["score"] <= 100 for b in result["buckets"])
    assert cached_scores(checkpoint, limit=40) == result


def test_the_bottleneck_view_puts_attention_first_and_every_no_attention_model_after(tmp_path):
    copy_with(tmp_path, "gru-attention", "bahdanau")
    copy_with(tmp_path, "gru-none", "none")
    plain = copy_with(tmp_path, "plain-rnn", "none")
    config = json.loads((plain / "config.json").read_text())
    config["model"]["cell"] = "rnn"
    (plain / "config.json").write_text(json.dumps(config))
    models = {m.name: m for m in list_models(tmp_path)}
    listed = list(models.values())
    assert ([m.name for m in compared_models(models["gru-attention"], listed)]
            == ["gru-attention", "gru-none", "plain-rnn"])
    assert [m.name for m in compared_models(models["plain-rnn"], listed)][0] == "gru-attention"
    assert architecture(models["plain-rnn"]) == "plain tanh RNN, no attention"
    assert architecture(models["gru-attention"]) == "GRU, attention"


def test_the_bottleneck_view_sets_the_twins_beside_the_attention_model_trained_on_their_budget(tmp_path):
    def with_budget(name: str, attention: str, cpu_budget_s: float) -> None:
        target = tmp_path / name
        if not target.exists():
            copy_with(tmp_path, name, attention)
        config = json.loads((target / "config.json").read_text())
        config["train"]["cpu_budget_s"] = cpu_budget_s
        (target / "config.json").write_text(json.dumps(config))

    with_budget("default", "bahdanau", 14400)  # the shipped default: another budget than the twins
    with_budget("twin-attention", "bahdanau", 2400)
    with_budget("twin-none", "none", 2400)
    with_budget("twin-plain", "none", 2400)
    listed = list_models(tmp_path)
    models = {m.name: m for m in listed}
    assert [m.name for m in compared_models(models["default"], listed)] == ["twin-attention", "twin-none", "twin-plain"]
    assert [m.name for m in compared_models(models["twin-none"], listed)][0] == "twin-attention"
    with_budget("twin-plain", "none", 600)  # twins on different budgets: nothing to match, the choice stands
    listed = list_models(tmp_path)
    assert [m.name for m in compared_models({m.name: m for m in listed}["default"], listed)][0] == "default"
