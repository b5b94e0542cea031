"""Classroom mode on the pages: the teacher unlocks launching, stopping, resuming and deleting runs
and uploading training data once per browser tab, with the passphrase that deploy/classroom.sh was
given; students see why those buttons refuse, and everything else stays open to them.

The passphrase typed is checked once (in constant time, by seq2seq.service.classroom_gate); the tab then
keeps only the ticket the gate gave it, which every guarded action shows again. A refusal stays on the
page until the user dismisses it: the live run panel redraws itself every two seconds.
"""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from studio.shared.messages import user_errors
from studio.shared.text import escape_markdown

_TICKET = "_teacher_ticket"
_REFUSAL = "_teacher_refusal"


def classroom_mode() -> bool:
    return service.classroom_gate().classroom


def unlocked() -> bool:
    """True when this tab may do teacher actions (always, outside classroom mode)."""
    return not classroom_mode() or _TICKET in st.session_state


def ticket() -> str | None:
    """The ticket this tab was given when it was unlocked (None if it was not): what a teacher action
    shows the gate, also from outside a script run (studio/shared/upload_permits.py)."""
    return st.session_state.get(_TICKET)


def unlock_panel() -> None:
    """The passphrase box (or the lock button) at the top of the Train and Models pages in classroom mode."""
    if not classroom_mode():
        return
    if unlocked():
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.caption("🔓 Teacher actions are unlocked in this browser tab.")
        right.button("🔒 Lock", key="teacher_lock", on_click=_lock)
        return
    with st.expander("🔒 Classroom mode: training and deleting need the teacher's passphrase"):
        with st.form("teacher_unlock", clear_on_submit=True, border=False):
            attempt = st.text_input("Teacher passphrase", type="password", key="teacher_attempt")
            submitted = st.form_submit_button("Unlock teacher actions")
        if submitted:
            with user_errors() as failed:
                st.session_state[_TICKET] = service.classroom_gate().unlock(attempt)
            if failed:
                return
            st.rerun()
        st.caption("Everything else on every page stays open to students.")


def _lock() -> None:
    service.classroom_gate().revoke(st.session_state.pop(_TICKET, None))


def allowed(action: str, where: str = "at the top of this page", keep_as: str | None = None) -> bool:
    """Whether this tab may do `action` ("Launching a run", ...); if not, says why and nothing happens.
    `where` says where the unlock box is. With `keep_as`, the refusal is kept for `refusal_note(keep_as)`
    to show until it is dismissed, instead of shown once: a fragment that redraws itself every two
    seconds would wipe it before it can be read."""
    message = None
    with user_errors(show=lambda text: None) as refused:
        service.classroom_gate().require_ticket(st.session_state.get(_TICKET), action)
    if refused:
        message = f"{refused.message} The teacher unlocks it {where}."
        if keep_as is None:
            st.error(escape_markdown(message))
        else:
            st.session_state[_REFUSAL + keep_as] = message
    return not refused


def refusal_note(keep_as: str) -> None:
    """The refusal kept under `keep_as`, with a button that dismisses it."""
    message = st.session_state.get(_REFUSAL + keep_as)
    if message:
        text, dismiss = st.columns([12, 1], vertical_alignment="center")
        text.error(escape_markdown(message))
        dismiss.button("✕", key=f"dismiss:{keep_as}", help="Dismiss", on_click=st.session_state.pop,
                       args=(_REFUSAL + keep_as, None))
