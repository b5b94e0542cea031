"""The model list every page reads on every rerun: descriptions are kept between reruns, and a
checkpoint whose files change is described anew."""
import json
import os
import shutil

from conftest import DATES_CHECKPOINT

from seq2seq.catalog import list_models


def test_a_rewritten_metrics_file_changes_the_listed_score(tmp_path):
    shutil.copytree(DATES_CHECKPOINT, tmp_path / "toy")
    metrics = tmp_path / "toy" / "metrics.json"
    first = {m.name: m for m in list_models(tmp_path)}["toy"]
    assert list_models(tmp_path)[0] is first  # unchanged files: the same description, not read again
    data = json.loads(metrics.read_text(encoding="utf-8"))
    data["test"] = {"greedy": {"exact_match": 0.125}}
    metrics.write_text(json.dumps(data), encoding="utf-8")
    os.utime(metrics, (1, 1))  # even with an old clock the size and time differ from the first file's
    again = {m.name: m for m in list_models(tmp_path)}["toy"]
    assert again.score == "exact 12.5% (test, greedy)" != first.score
    (tmp_path / "toy" / "config.json").unlink()
    assert list_models(tmp_path) == []
