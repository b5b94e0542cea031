"""The Models page in AppTest, and the report functions behind it, on the shipped dates model and a
tiny user run trained here (in a temporary runs folder, as the command line would write it)."""
from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from apptest_helpers import no_exception, open_page
from streamlit.testing.v1 import AppTest

from seq2seq.catalog import DEFAULT_MODEL, list_models
from seq2seq.checkpoint import TRAINER_STATE, load_checkpoint
from seq2seq.config import train_config_from_dict
from seq2seq.service.models import checkpoint_zip, parameter_count
from seq2seq.training.trainer import Trainer
from studio.shared.text import escape_markdown

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "pages" / "5_Models.py"
DATES = ROOT / "checkpoints" / "dates"


@pytest.fixture(scope="module", autouse=True)
def user_run(runs_dir) -> Path:
    """A tiny run trained here, in the module's runs folder, as the command line would write it."""
    config = train_config_from_dict({"data": "toy:reverse", "tokenizer": {"kind": "char"}, "max_steps": 20,
                                     "valid_every": 10, "valid_decode_limit": 20, "batch_tokens": 400,
                                     "max_train_pairs": 500, "threads": 1})
    model = {"emb_dim": 8, "enc_hidden": 16, "dec_hidden": 16, "bidirectional": False, "dropout": 0.0,
             "max_src_len": 16, "max_tgt_len": 16}
    Trainer(config, model, runs_dir / "tiny").run()
    return runs_dir / "tiny"


def page() -> AppTest:
    return no_exception(open_page(PAGE, model=None, timeout=120))


def test_the_table_lists_shipped_models_and_user_runs_with_their_sizes_and_scores():
    table = page().dataframe[0].value.set_index("model")
    assert table.loc["dates", "kind"] == "shipped" and table.loc["runs/tiny", "kind"] == "your run"
    assert table.loc["dates", "parameters"] == 235279  # as the trainer recorded in metrics.json
    assert table.loc["runs/tiny", "data"] == "toy:reverse" and table.loc["runs/tiny", "encoder"] == 16
    recorded = json.loads((DATES / "metrics.json").read_text())["test"]["greedy"]["exact_match"]
    assert table.loc["dates", "test exact match"] == recorded
    assert table.loc["dates", "size on disk"] > 900_000


def test_evaluating_a_model_shows_its_score_and_sentences_worst_first():
    app = page()
    app.selectbox(key="models_eval_model").set_value("dates").run()
    app.number_input(key="models_eval_n").set_value(20).run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert app.success[0].value.startswith("dates\\: exact match ")
    assert "on 20 test sentences \\(greedy\\)" in app.success[0].value
    rows = app.dataframe[1].value
    assert list(rows.columns) == ["source", "reference", "references", "output", "sentence BLEU", "exact"]
    assert len(rows) == 20 and rows["sentence BLEU"].is_monotonic_increasing


def test_two_models_are_compared_on_the_same_sentences():
    app = page()
    app.selectbox(key="models_cmp_a").set_value("dates").run()
    app.selectbox(key="models_cmp_b").set_value("runs/tiny").run()
    warned = f"A was trained on {escape_markdown('toy:dates')} and B on {escape_markdown('toy:reverse')}"
    assert warned in app.warning[0].value
    app.number_input(key="models_cmp_n").set_value(10).run()
    next(b for b in app.button if b.label == "Compare on the same sentences").click().run()
    assert not app.exception and not app.error
    table = app.dataframe[1].value
    assert list(table.columns) == ["source", "reference", "output A", "BLEU A", "output B", "BLEU B", "B - A"]
    assert len(table) == 10 and table["B - A"].abs().is_monotonic_decreasing
    assert app.text[0].value.startswith("A · dates: exact match")
    assert "\nB · runs/tiny: exact match" in app.text[0].value


def test_a_downloaded_zip_holds_a_loadable_checkpoint_without_the_optimizer(user_run, tmp_path):
    assert (user_run / TRAINER_STATE).is_file()
    with zipfile.ZipFile(io.BytesIO(checkpoint_zip(user_run))) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    assert "tiny/model.safetensors" in names and "tiny/config.json" in names
    assert not any(name.endswith(TRAINER_STATE) for name in names)
    assert load_checkpoint(tmp_path / "tiny").config.enc_hidden == 16
    assert parameter_count(user_run / "model.safetensors") == load_checkpoint(user_run).model.num_parameters()


def test_shipped_models_are_read_only_and_user_runs_can_be_deleted(user_run):
    doomed = user_run.parent / "doomed"  # a copy of its own: the module's other tests read runs/tiny, in any order
    shutil.copytree(user_run, doomed)
    app = page()
    assert "Shipped models are read-only." in [c.value for c in app.caption]
    assert app.get("download_button")[0].proto.label == "⬇ Download as .zip"
    app.selectbox(key="models_files_model").set_value("runs/doomed").run()
    app.button(key="models_delete").click().run()
    assert not app.exception and not app.error
    assert not doomed.exists() and "runs/doomed" not in [m.name for m in list_models()]
    assert DATES.is_dir() and user_run.is_dir()


def test_model_b_defaults_to_a_model_of_a_s_direction_so_no_warning_greets_a_visitor():
    app = open_page(PAGE, model=DEFAULT_MODEL, timeout=120)
    a, b = app.selectbox(key="models_cmp_a").value, app.selectbox(key="models_cmp_b").value
    assert a == DEFAULT_MODEL and b != a
    assert b.startswith("tatoeba-en-fr") or b == "plain-rnn-en-fr"  # same data first
    assert not [w for w in app.warning if "scored on sentences from A's data" in w.value]
    app.selectbox(key="models_cmp_a").set_value("dates").run()
    app.selectbox(key="models_cmp_b").set_value("multi30k-en-fr").run()  # a chosen mismatch is still said
    assert [w for w in app.warning if "scored on sentences from A's data" in w.value]
