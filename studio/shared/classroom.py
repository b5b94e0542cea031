"""Classroom mode on the pages: the teacher unlocks launching, stopping, resuming and deleting runs
and uploading training data once per browser tab, with the passphrase that deploy/classroom.sh was
given; students see why those buttons refuse, and everything else stays open to them.

The passphrase typed is kept in this tab's server-side session only and checked again (in constant
time, by seq2seq.service.classroom_gate) at every guarded action.
"""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from studio.shared.messages import user_errors

_PASSPHRASE = "_teacher_passphrase"


def classroom_mode() -> bool:
    return service.classroom_gate().classroom


def unlocked() -> bool:
    """True when this tab may do teacher actions (always, outside classroom mode)."""
    return not classroom_mode() or _PASSPHRASE in st.session_state


def unlock_panel() -> None:
    """The passphrase box (or the lock button) at the top of the Train and Models pages in classroom mode."""
    if not classroom_mode():
        return
    if unlocked():
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.caption("🔓 Teacher actions are unlocked in this browser tab.")
        right.button("🔒 Lock", key="teacher_lock", on_click=st.session_state.pop, args=(_PASSPHRASE, None))
        return
    with st.expander("🔒 Classroom mode: training and deleting need the teacher's passphrase"):
        with st.form("teacher_unlock", clear_on_submit=True, border=False):
            attempt = st.text_input("Teacher passphrase", type="password", key="teacher_attempt")
            submitted = st.form_submit_button("Unlock teacher actions")
        if submitted:
            with user_errors() as failed:
                service.classroom_gate().require(attempt, "Unlocking teacher actions")
            if failed:
                return
            st.session_state[_PASSPHRASE] = attempt
            st.rerun()
        st.caption("Everything else on every page stays open to students.")


def allowed(action: str) -> bool:
    """Whether this tab may do `action` ("Launching a run", ...); if not, says so and nothing happens."""
    with user_errors(after=" The teacher unlocks it at the top of this page.") as refused:
        service.classroom_gate().require(st.session_state.get(_PASSPHRASE), action)
    return not refused
