"""A checkpoint says where its weights came from: every training stage (fine-tunes included) with its
data, steps, epochs, seconds and machine; a resumed run is one stage whose clocks and curve continue."""
import json

from conftest import ROOT

from seq2seq.config import train_config_from_dict
from seq2seq.training.history import read_history
from seq2seq.training.presets import get_preset
from seq2seq.training.trainer import Trainer

MODEL = {"emb_dim": 8, "enc_hidden": 8, "dec_hidden": 16}


def settings(**train) -> dict:
    return {**get_preset("reverse")["train"], "threads": 1, "batch_tokens": 800, "valid_every": 10,
            "valid_decode_limit": 20, "max_train_pairs": 1000, "log_every": 2, "target_score": 0.0, **train}


def metrics_of(folder) -> dict:
    return json.loads((folder / "metrics.json").read_text())


def test_a_fine_tune_of_a_fine_tune_records_all_three_stages(tmp_path):
    Trainer(train_config_from_dict(settings(max_steps=12)), MODEL, tmp_path / "a").run()
    Trainer(train_config_from_dict(settings(max_steps=6, init_from=str(tmp_path / "a"), lr=3e-4, data="toy:copy")),
            {}, tmp_path / "b").run()
    Trainer(train_config_from_dict(settings(max_steps=4, init_from=str(tmp_path / "b"))), {}, tmp_path / "c").run()
    lineage = metrics_of(tmp_path / "c")["lineage"]
    assert [stage["steps"] for stage in lineage] == [12, 6, 4]
    assert [stage["data"] for stage in lineage] == ["toy:reverse", "toy:copy", "toy:reverse"]
    assert [stage["init_from"] for stage in lineage] == ["", str(tmp_path / "a"), str(tmp_path / "b")]
    for stage in lineage:
        assert stage["train_seconds"] > 0 and stage["cpu_seconds"] > 0 and "CPU" in stage["hardware"]
        assert "epochs" in stage and stage["command"] is not None
    assert lineage[:2] == metrics_of(tmp_path / "b")["lineage"]  # earlier stages copied as they were


def test_a_resumed_run_is_one_stage_and_its_curve_and_clocks_continue(tmp_path):
    first = Trainer(train_config_from_dict(settings(max_steps=10)), MODEL, tmp_path)
    first.run()
    before = metrics_of(tmp_path)
    resumed = Trainer(train_config_from_dict(settings(max_steps=20)), MODEL, tmp_path, resume=True)
    resumed.run()
    after = metrics_of(tmp_path)
    assert len(after["lineage"]) == 1 and after["lineage"][0]["steps"] == 20
    assert after["cpu_seconds"] > before["cpu_seconds"] and after["train_seconds"] > before["train_seconds"]
    history = read_history(tmp_path / "history.csv")
    steps = [row["step"] for row in history if row["type"] == "train"]
    assert steps == list(range(2, 21, 2))  # one curve, no gap and no repeat at the resumption
    cpu = [row["cpu_s"] for row in history if row["type"] == "train"]
    assert cpu == sorted(cpu)
    assert [row["step"] for row in history if row["type"] == "valid"] == [10, 20]


def test_a_cpu_budget_stops_the_run_and_says_so(tmp_path):
    trainer = Trainer(train_config_from_dict(settings(cpu_budget_s=0.5, max_steps=10_000, valid_every=10_000)), MODEL,
                      tmp_path)
    trainer.run()
    metrics = metrics_of(tmp_path)
    assert metrics["stop_reason"] == "cpu_budget" and 0.5 <= metrics["cpu_seconds"] < 30


def test_every_shipped_model_started_from_another_records_each_stage():
    """A fine-tuned checkpoint's metrics.json tells its whole story: the stage it started from first."""
    for metrics in sorted((ROOT / "checkpoints").glob("*/metrics.json")):
        facts = json.loads(metrics.read_text())
        started_from = json.loads((metrics.parent / "config.json").read_text())["train"].get("init_from")
        lineage = facts.get("lineage", [])
        if started_from:
            assert len(lineage) >= 2, (f"{metrics.parent.name} starts from {started_from} "
                                       f"but records {len(lineage)} stage(s)")
            assert sum(stage["steps"] for stage in lineage) > facts["steps"], metrics.parent.name
        for stage in lineage:
            assert {"data", "steps", "epochs", "train_seconds", "hardware"} <= set(stage), metrics.parent.name
