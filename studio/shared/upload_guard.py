"""The server's upload route, guarded: an ASGI middleware (app.py gives it to `st.App`) that answers an
upload itself, before a byte of the file is read, unless the session may store it.

Streamlit stores every file PUT to `/_stcore/upload_file/SESSION/FILE` in the server's memory until the
session ends, for any open session that holds the XSRF cookie: a student's tab, whose page shows no
uploader, could store 19 MB per request without end (20 requests took a server from 443 to 824 MB).
Here a PUT is refused unless:

- the session's page shows a file uploader and, in classroom mode, its tab is unlocked
  (studio/shared/upload_permits.py): 403;
- it says its length (a browser always does): 411;
- what the session holds, plus what it is sending, stays within `session_upload_bytes()`: 413.

The guard sits in each replica, so it holds for a replica reached by its port as well as through
the proxy. Its answer comes before the body is read: the server then closes the connection rather than
read the rest. An upload for a session this server does not have goes on to Streamlit, which refuses it
(403 without the XSRF token, else 400) before reading its body.
"""
from __future__ import annotations

import logging
import re

from streamlit import config, runtime

# Streamlit's route, `{baseUrlPath}/_stcore/upload_file/{session_id}/{file_id}`: any path Starlette
# sends to it ends this way.
_UPLOAD_ROUTE = re.compile(r"/_stcore/upload_file/(?P<session>[^/]+)/(?P<file>[^/]+)$")

log = logging.getLogger(__name__)


def session_upload_bytes() -> int:
    """The most a session may hold: two of the largest files the server takes (`server.maxUploadSize`, in
    MB), plus the multipart framing. The file uploader sends a new file while it deletes the one it
    replaces, so a teacher's tab holds two for a moment."""
    return 2 * config.get_option("server.maxUploadSize") * 2**20 + 2**20


class UploadGuard:
    """ASGI middleware: refuses the uploads that upload_permits does not allow, and bounds what a
    session holds (stored files, and uploads under way, counted by their Content-Length)."""

    def __init__(self, app):
        self.app = app
        self._sending: dict[str, int] = {}  # session id -> bytes of its uploads under way

    async def __call__(self, scope, receive, send) -> None:
        found = _UPLOAD_ROUTE.search(scope.get("path", "")) if scope["type"] == "http" else None
        if found is None or scope["method"] != "PUT" or not _active(found["session"]):
            await self.app(scope, receive, send)
            return
        session, length = found["session"], _content_length(scope)
        status, why = self._refusal(session, length)
        if status:
            log.warning("upload refused (%d) for session %s: %s", status, session, why)
            await _answer(send, status, f"Upload refused: {why}.")
            return
        self._sending[session] = self._sending.get(session, 0) + length
        try:
            await self.app(scope, receive, send)
        finally:
            left = self._sending.pop(session) - length
            if left:
                self._sending[session] = left

    def _refusal(self, session: str, length: int | None) -> tuple[int, str]:
        """(0, "") when the upload may go on, else its HTTP status and why."""
        # Imported here, not with app.py: it brings the engine, which the warm-up imports in the background.
        from studio.shared import upload_permits

        why = upload_permits.refusal(session)
        if why:
            return 403, f"this session may not store files ({why})"
        if length is None:
            return 411, "the request does not say its length"
        held, most = _held_bytes(session) + self._sending.get(session, 0), session_upload_bytes()
        if held + length > most:
            return 413, (f"this session would hold more than {most / 2**20:.0f} MB of uploads "
                         f"(it holds {held / 2**20:.1f} MB)")
        return 0, ""


def _active(session: str) -> bool:
    return runtime.exists() and runtime.get_instance().is_active_session(session)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _held_bytes(session: str) -> int:
    """What the session's uploads take in the server's memory now. `streamlit run` keeps them in a
    MemoryUploadedFileManager, whose `file_storage` maps a session to its files."""
    storage = runtime.get_instance().uploaded_file_mgr.file_storage
    return sum(len(record.data) for record in list(storage.get(session, {}).values()))


async def _answer(send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
