"""Which browser sessions may store uploads: the server's upload route (studio/shared/upload_guard.py)
asks here before it reads a byte of the file.

Streamlit's upload endpoint (`PUT /_stcore/upload_file/SESSION/FILE`) stores a file for any open
session, whatever its page shows: hiding the file uploader hides the widget, not the endpoint. Here a
session may store uploads only while its page, as its last full run drew it, shows a file uploader, and,
in classroom mode, only while its tab is unlocked (🔒 Lock revokes the tab's ticket, and with it the
permit, at once).

A page grants the permit as it draws the uploader (`uploader_shown`). Each full run of the app
(`full_run`, around the navigation in studio/home/navigation.py) withdraws it at its end unless that
run drew an uploader again. A fragment's rerun does not run the app's script, so it leaves the permit as
it was; and the permit stays valid while a run that may draw the uploader again is under way, so a file
that the browser started sending just before a rerun is not refused.
"""
from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from seq2seq import service
from seq2seq.errors import UserError
from studio.shared import classroom

_LOCK = threading.Lock()  # the script runs of many sessions and the server's event loop share the two below
_permits: dict[str, str | None] = {}  # session id -> its tab's teacher ticket when it drew the uploader
_drawn: set[str] = set()  # the sessions whose full run under way has drawn an uploader


def _session_id() -> str | None:
    context = get_script_run_ctx()
    return context.session_id if context is not None else None


@contextlib.contextmanager
def full_run() -> Iterator[None]:
    """Around a full run of the app: at its end, a session whose run drew no uploader loses its permit."""
    session = _session_id()
    with _LOCK:
        _drawn.discard(session)
    try:
        yield
    finally:  # also when the run is stopped or rerun early (Streamlit raises through here)
        with _LOCK:
            if session not in _drawn:
                _permits.pop(session, None)
            _drawn.discard(session)


def uploader_shown() -> None:
    """Called by a page as it draws a file uploader: this session may store uploads until a full run
    draws none, and, in classroom mode, while its tab stays unlocked."""
    session = _session_id()
    if session is None:
        return
    ticket = classroom.ticket()
    with _LOCK:
        _forget_closed_sessions()
        _permits[session] = ticket
        _drawn.add(session)


def refusal(session_id: str) -> str | None:
    """None when the session may store an upload now, else why not (for the server's log)."""
    with _LOCK:
        if session_id not in _permits:
            return "its page shows no file uploader"
        ticket = _permits[session_id]
    try:
        service.classroom_gate().require_ticket(ticket, "Uploading training data")
    except UserError:
        return "its tab is not unlocked with the teacher passphrase"
    return None


def _forget_closed_sessions() -> None:
    """Drop the permits of sessions that have ended (Streamlit has no hook for that). Under _LOCK."""
    if not runtime.exists():
        return
    live = runtime.get_instance().is_active_session
    for session in [s for s in _permits if not live(s)]:
        del _permits[session]
