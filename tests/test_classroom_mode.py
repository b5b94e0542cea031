"""Classroom mode in the pages (AppTest): without the teacher passphrase, launching a run, deleting
one and uploading training data are refused with a message and change nothing; a wrong passphrase
unlocks nothing; the right one unlocks this tab's teacher actions."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from apptest_helpers import open_page
from conftest import stopped_run, tiny_recipe
from streamlit.testing.v1 import AppTest

from seq2seq.jobs import runs
from seq2seq.service import passphrase
from seq2seq.service.passphrase import PASSPHRASE_ENV
from studio.shared import classroom as unlock_panel
from studio.shared.text import escape_markdown

ROOT = Path(__file__).resolve().parent.parent
TRAIN, MODELS = ROOT / "pages" / "4_Train.py", ROOT / "pages" / "5_Models.py"
PASSPHRASE = "chalk and cheese"


@pytest.fixture(autouse=True)
def classroom(fresh_runs_dir, monkeypatch):
    """A classroom server's environment: the passphrase set, an empty runs folder with one finished run."""
    shutil.copytree(ROOT / "checkpoints" / "dates", fresh_runs_dir / "lesson-one")
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    passphrase.classroom_gate.cache_clear()
    yield fresh_runs_dir
    passphrase.classroom_gate.cache_clear()  # later tests in this process get an open app again


def run_ids() -> list[str]:
    """Every run folder, whether the app launched it or not (hidden ones hold the sweeps' queue)."""
    return sorted(p.name for p in runs.runs_root().iterdir() if not p.name.startswith("."))


def errors(app: AppTest) -> str:
    return " ".join(e.value for e in app.error)


def models_files_tab() -> AppTest:
    app = open_page(MODELS, model=None, timeout=120)
    return app.selectbox(key="models_files_model").set_value("runs/lesson-one").run()


def test_launching_without_the_passphrase_is_refused_and_starts_nothing():
    app = open_page(TRAIN, model=None, timeout=120)
    before = run_ids()
    next(b for b in app.button if b.label == "🚀 Launch").click().run()
    assert not app.exception
    assert escape_markdown("Launching a run needs the teacher passphrase (no passphrase was entered)") in errors(app)
    assert run_ids() == before == ["lesson-one"]


def test_deleting_without_the_passphrase_is_refused_and_keeps_the_run(classroom):
    app = models_files_tab()
    app.button(key="models_delete").click().run()
    assert not app.exception
    assert "Deleting a run needs the teacher passphrase" in errors(app)
    assert (classroom / "lesson-one").is_dir() and run_ids() == ["lesson-one"]


def test_uploading_training_data_needs_the_passphrase():
    app = open_page(TRAIN, model=None, timeout=120)
    app.radio(key="dates:data_kind").set_value("Upload a TSV file").run()
    assert not app.get("file_uploader")
    assert any("Uploading training data needs the teacher passphrase" in i.value for i in app.info)


def test_a_wrong_passphrase_unlocks_nothing_and_the_right_one_lets_the_teacher_delete(classroom):
    app = models_files_tab()
    app.text_input(key="teacher_attempt").input("cheese and chalk")
    next(b for b in app.button if b.label == "Unlock teacher actions").click().run()
    assert escape_markdown("the passphrase entered is wrong") in errors(app)
    app.button(key="models_delete").click().run()
    assert (classroom / "lesson-one").is_dir()
    app.text_input(key="teacher_attempt").input(PASSPHRASE)
    next(b for b in app.button if b.label == "Unlock teacher actions").click().run()
    assert not app.error and any("unlocked" in c.value for c in app.caption)
    app.button(key="models_delete").click().run()
    assert not app.exception and not app.error
    assert not (classroom / "lesson-one").exists() and run_ids() == []


def test_without_a_passphrase_nothing_asks_for_one(monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    passphrase.classroom_gate.cache_clear()
    app = open_page(TRAIN, model=None, timeout=120)
    app.radio(key="dates:data_kind").set_value("Upload a TSV file").run()
    assert app.get("file_uploader") and not [e for e in app.expander if "Classroom mode" in e.label]


@pytest.mark.slow
def test_a_refused_action_stays_on_the_page_until_dismissed(classroom):
    """The run panel redraws itself every two seconds; a refusal shown once was gone before it could be read."""
    run_id = runs.launch(tiny_recipe(max_steps=10), "tiny", max_concurrent=1)
    stopped_run(run_id)
    app = open_page(TRAIN, model=None, timeout=120, run=run_id)
    app.button(key=f"delete:{run_id}").click().run()
    refusal = "Deleting a run needs the teacher passphrase"
    assert refusal in errors(app)
    app.run()  # what the panel's next refresh does
    assert refusal in errors(app) and run_id in run_ids()
    app.button(key=f"dismiss:{run_id}").click().run()
    assert refusal not in errors(app)


def test_the_models_refusal_points_to_the_unlock_box_where_it_is(classroom):
    app = models_files_tab()
    app.button(key="models_delete").click().run()
    assert escape_markdown("just above, in this tab") in errors(app) and "top of this page" not in errors(app)


def test_a_lockout_provoked_by_wrong_guesses_never_locks_an_unlocked_tab(classroom, monkeypatch):
    monkeypatch.setattr(passphrase, "WRONG_GUESS_DELAY_S", 0.0)
    passphrase.classroom_gate.cache_clear()
    teacher = models_files_tab()
    teacher.text_input(key="teacher_attempt").input(PASSPHRASE)
    next(b for b in teacher.button if b.label == "Unlock teacher actions").click().run()
    gate = passphrase.classroom_gate()
    for _ in range(passphrase.LOCKOUT_GUESSES):  # a student guessing
        gate.accepts("wrong guess")
    assert gate.locked_until() is not None and not gate.accepts(PASSPHRASE)
    teacher.button(key="models_delete").click().run()
    assert not teacher.error and not (classroom / "lesson-one").exists()


def uploader_page():
    """A page as the app runs it (a full run around the navigation) that draws an uploader when asked."""
    import streamlit as st

    from studio.shared import upload_permits

    with upload_permits.full_run():
        if st.checkbox("Show the uploader", key="show"):
            st.file_uploader("Sentence pairs", key="pairs")
            upload_permits.uploader_shown()


SESSION = "test session id"  # AppTest's, for every run


def upload_refusal() -> str | None:
    from studio.shared import upload_permits

    return upload_permits.refusal(SESSION)


def test_only_an_unlocked_tab_showing_the_uploader_may_store_uploads():
    """What the server's upload route asks (studio/shared/upload_guard.py; for real: test_classroom_uploads)."""
    app = AppTest.from_function(uploader_page).run()
    assert upload_refusal() == "its page shows no file uploader"
    app.checkbox(key="show").check().run()
    assert upload_refusal() == "its tab is not unlocked with the teacher passphrase"  # a student's tab
    app.session_state[unlock_panel._TICKET] = passphrase.classroom_gate().unlock(PASSPHRASE)
    app.run()
    assert upload_refusal() is None
    passphrase.classroom_gate().revoke(app.session_state[unlock_panel._TICKET])  # 🔒 Lock: at once, no rerun needed
    assert upload_refusal() == "its tab is not unlocked with the teacher passphrase"
    app.session_state[unlock_panel._TICKET] = passphrase.classroom_gate().unlock(PASSPHRASE)
    app.run()
    app.checkbox(key="show").uncheck().run()
    assert upload_refusal() == "its page shows no file uploader"  # unlocked, but the box is gone


def test_without_a_passphrase_a_tab_showing_the_uploader_may_store_uploads(monkeypatch):
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)
    passphrase.classroom_gate.cache_clear()
    app = AppTest.from_function(uploader_page).run()
    assert upload_refusal() == "its page shows no file uploader"
    app.checkbox(key="show").check().run()
    assert upload_refusal() is None
