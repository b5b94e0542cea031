"""A UserError shown as a message on the page. A UserError names what the user can fix (a setting, a
file, a missing corpus), so it is shown, escaped, where the page stands, and the page goes on.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Iterator

import streamlit as st

from seq2seq.errors import CorpusMissing, UserError
from studio.shared.text import escape_markdown


@dataclass
class Failure:
    """What `user_errors` yields: true once a UserError was shown, with its message."""
    message: str | None = None

    def __bool__(self) -> bool:
        return self.message is not None


@contextlib.contextmanager
def user_errors(show: Callable[[str], object] = st.error, before: str = "", after: str = "") -> Iterator[Failure]:
    """A UserError raised in the block is shown with `show` (st.error, st.warning), its message escaped
    between `before` and `after` (Markdown written by the caller), instead of ending the page; the rest of
    the block is skipped.

        with user_errors() as failed:
            runs.stop(run_id)
        if failed:
            return
    """
    failure = Failure()
    try:
        yield failure
    except UserError as exc:
        failure.message = for_the_app(exc)
        show(before + escape_markdown(failure.message) + after)


def for_the_app(exc: UserError) -> str:
    """The message as an app user reads it: a missing corpus says what to do, not the Python call that
    fetches it (that is str(exc), for Python callers) nor a command-line flag."""
    if isinstance(exc, CorpusMissing):
        return (f"The corpus '{exc.corpus}' is not on this computer: ask whoever runs the app to put it in "
                f"{exc.home}, then reload the page.")
    return str(exc)
