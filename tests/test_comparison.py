"""What differs between models compared side by side (seq2seq.analysis.comparison, service.compare_models):
facts read from config.json and metrics.json, training summed over the lineage's stages, and a sentence
naming every difference beyond what the comparison is about."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from seq2seq import service
from seq2seq.analysis.comparison import compare, facts_of

ROOT = Path(__file__).resolve().parent.parent
MODEL = {"src_vocab_size": 30, "tgt_vocab_size": 30, "emb_dim": 32, "enc_hidden": 128, "dec_hidden": 128,
         "cell": "rnn", "nonlinearity": "tanh", "bidirectional": False, "attention": "none", "dropout": 0.0}
TRAIN = {"data": "toy:reverse30", "max_len": 64, "batch_tokens": 4000, "lr": 0.003, "label_smoothing": 0.0,
         "seed": 1234, "tokenizer": {"kind": "char"}, "init_from": ""}
STAGE = {"data": "toy:reverse30", "steps": 1200, "epochs": 13, "train_seconds": 62.0,
         "hardware": "x86_64 CPU, 1 threads"}


def checkpoint(folder: Path, model: dict | None = None, train: dict | None = None, metrics: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    config = {"format": 1, "model": {**MODEL, **(model or {})}, "train": {**TRAIN, **(train or {})}}
    (folder / "config.json").write_text(json.dumps(config))
    if metrics is not None:
        (folder / "metrics.json").write_text(json.dumps(metrics))
    return folder


def metrics(**changes) -> dict:
    return {**STAGE, "train_pairs": 20000, "parameters": 63774, **changes}


def test_models_that_differ_only_in_the_cell_say_so(tmp_path):
    models = {"rnn": checkpoint(tmp_path / "rnn", metrics=metrics()),
              "gru": checkpoint(tmp_path / "gru", {"cell": "gru"},
                                metrics=metrics(parameters=146718, train_seconds=135.4))}
    found = compare(models, ("cell",))
    assert [f.key for f in found.beyond] == []
    assert [f.key for f in found.consequences] == ["parameters", "time"]  # more weights, slower steps: the cell's doing
    sentence = found.sentence()
    assert sentence.startswith("They differ in cell (plain tanh RNN vs GRU), which is what is compared")
    assert "parameters (63,774 vs 146,718)" in sentence and "Nothing else differs: same data" in sentence
    rows = {row[""]: row for row in found.rows()}
    assert rows["cell"]["same?"] == "compared" and rows["steps"]["same?"] == "same"
    assert rows["parameters"]["same?"] == "differs (follows)"


def test_every_difference_beyond_the_compared_one_is_named(tmp_path):
    models = {"attention": checkpoint(tmp_path / "a", {"attention": "bahdanau", "cell": "gru"},
                                      metrics=metrics(hardware="NVIDIA H200", steps=7393)),
              "plain": checkpoint(tmp_path / "b", {"src_vocab_size": 40}, {"lr": 0.001}, metrics=metrics())}
    found = compare(models, ("attention",))
    assert [f.key for f in found.beyond] == ["pieces", "cell", "recipe", "steps", "hardware"]
    sentence = found.sentence()
    for named in ("cell (GRU vs plain tanh RNN)", "steps (7,393 vs 1,200)", "hardware (NVIDIA H200 vs x86_64 CPU",
                  "recipe of the last stage", "not only from attention"):
        assert named in sentence, named


def test_training_is_summed_over_the_stages_of_the_lineage(tmp_path):
    stages = [{**STAGE, "steps": 8970, "epochs": 26, "train_seconds": 420.0, "hardware": "NVIDIA H200"},
              {**STAGE, "steps": 2450, "epochs": 7, "train_seconds": 2400.5}]
    values, notes = facts_of(checkpoint(tmp_path / "m", metrics=metrics(lineage=stages, steps=2450)))
    assert values["steps"] == "11,420" and values["epochs"] == "33" and values["stages"] == "2"
    assert values["time"] == "47.0 min" and values["hardware"] == "NVIDIA H200 + x86_64 CPU, 1 thread"
    assert notes == []


def test_a_fine_tune_without_lineage_says_its_start_is_not_counted(tmp_path):
    values, notes = facts_of(checkpoint(tmp_path / "m", train={"init_from": "checkpoints/base"}, metrics=metrics()))
    assert values["stages"] == "1" and values["steps"] == "1,200"
    assert len(notes) == 1 and "checkpoints/base" in notes[0] and "not counted" in notes[0]
    values, notes = facts_of(checkpoint(tmp_path / "running"))  # no metrics.json yet
    assert values["steps"] == "?" and "no metrics.json" in notes[0]


def test_nothing_recorded_differs_between_twins(tmp_path):
    found = compare({"a": checkpoint(tmp_path / "a", metrics=metrics()),
                     "b": checkpoint(tmp_path / "b", metrics=metrics())})
    assert found.beyond == [] and found.sentence().startswith("Same data")
    with pytest.raises(ValueError):
        compare({"a": tmp_path / "a"}, ("colour",))


SHIPPED_TRIO = all((ROOT / "checkpoints" / f"grad-{c}" / "metrics.json").is_file() for c in ("rnn", "gru", "lstm"))


@pytest.mark.skipif(not SHIPPED_TRIO, reason="the vanishing-gradient models are not shipped")
def test_the_shipped_gradient_trio_is_compared_from_its_files():
    models = list(service.gradient_models().values())
    found = service.compare_models(models, ("cell",))
    assert found.models == ("grad-rnn", "grad-gru", "grad-lstm")
    assert found.fact("cell").differs
    # Whatever is shipped, the sentence names exactly the differences the files show.
    for fact in found.beyond:
        assert fact.label.split(" (")[0] in found.sentence()


def test_within_one_cpu_budget_more_steps_for_a_cheaper_cell_follow_from_the_cell(tmp_path):
    budget = {"cpu_budget_s": 2400, "epochs": 60}
    models = {"gru": checkpoint(tmp_path / "gru", {"cell": "gru"}, budget,
                                metrics(steps=2162, epochs=5, train_seconds=4727.7, cpu_seconds=2400.0, parameters=9)),
              "rnn": checkpoint(tmp_path / "rnn", {}, budget,
                                metrics(steps=2852, epochs=7, train_seconds=4682.2, cpu_seconds=2400.3))}
    found = compare(models, ("cell",))
    assert found.fact("budget").values == ("40.0 min of CPU, ≤ 60 epochs",) * 2 and not found.fact("budget").differs
    assert [f.key for f in found.beyond] == []
    assert {f.key for f in found.consequences} == {"parameters", "epochs", "steps", "time"}
    assert not found.fact("cpu").differs  # 40.0 min each
    other = checkpoint(tmp_path / "longer", {}, {"cpu_budget_s": 4800, "epochs": 60},
                       metrics(steps=5700, epochs=14, cpu_seconds=4800.0))
    found = compare({"gru": models["gru"], "longer": other}, ("cell",))
    assert {"budget", "steps", "epochs", "cpu"} <= {f.key for f in found.beyond}  # a bigger budget is named
