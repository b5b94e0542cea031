"""State a view is made of, kept in session_state (survives page switches) and in the URL
(survives reloads, and a link shares the view).

Widget state is dropped when Streamlit switches pages, so widgets are re-seeded from a plain
session_state key on every run and copy changes back to it in their on_change callback.
"""
from __future__ import annotations

from typing import Any, Callable

import streamlit as st

# Longer text stays out of the URL: links must stay shareable and below servers' header limits.
MAX_URL_VALUE = 1000


def _from_url(name: str, default: Any, parse: Callable[[str], Any]) -> Any:
    raw = st.query_params.get(name)
    if raw is None:
        return default
    try:
        return parse(raw)
    except (ValueError, TypeError):
        return default


def peek(name: str, default: Any, parse: Callable[[str], Any] = str) -> Any:
    """Session value, else the URL's, else the default (which is not stored: it may change later)."""
    if name in st.session_state:
        return st.session_state[name]
    return _from_url(name, default, parse)


def state(name: str, default: Any, parse: Callable[[str], Any] = str) -> Any:
    """Like peek, but the value found is stored in the session from now on."""
    value = peek(name, default, parse)
    st.session_state[name] = value
    return value


def put(name: str, value: Any) -> None:
    st.session_state[name] = value
    publish({name: value})


def publish(params: dict[str, Any]) -> None:
    """Write values to the URL; unchanged ones are skipped since every write messages the browser."""
    for name, value in params.items():
        text = format_value(value)
        if not text or len(text) > MAX_URL_VALUE:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != text:
            st.query_params[name] = text


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def parse_ids(raw: str) -> list[int]:
    """'12,5,7' -> [12, 5, 7]; '' -> []."""
    return [int(part) for part in raw.split(",") if part.strip()]


def choice(options):
    """Parser accepting only one of `options`."""
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw
    return parse


def bounded(kind: Callable[[str], Any], low, high):
    """Parser that rejects values outside a widget's range (a hand-edited URL must not crash it)."""
    def parse(raw: str):
        value = kind(raw)
        if not low <= value <= high:
            raise ValueError(raw)
        return value
    return parse


def widget_key(name: str, default: Any, parse: Callable[[str], Any] = str, typed: bool = False) -> str:
    """Key for the widget showing `name`, seeded with its current value; pair with on_change=keep.

    `typed`: a text box (st.text_area, st.text_input). The URL seeds it only on the first load: when a fresh
    session (a restarted replica, a reconnect) meets text the browser's box already holds, what the user
    typed wins over the URL's older value, and the URL follows it. (Choice widgets send their option's label,
    not its value: they are left to the URL.)"""
    key = f"_w_{name}"
    if typed and name not in st.session_state:
        sent = _sent_by_browser(key)
        if sent is not None:
            try:
                put(name, parse(sent))
            except (ValueError, TypeError):
                pass
    st.session_state[key] = peek(name, default, parse)
    return key


def _sent_by_browser(key: str) -> str | None:
    """The text the browser sent this run for the widget keyed `key` before the session registered it
    (only a fresh session meets an unregistered widget with a value), else None. Streamlit has no public
    way to tell this before the widget is drawn: this reads its widget states, and finds nothing if
    their layout changes (the URL then wins, as before)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    try:
        states = get_script_run_ctx().session_state._state._new_widget_state.states
    except AttributeError:
        return None
    for widget_id, value in list(states.items()):
        proto = getattr(value, "value", None)
        if widget_id.endswith(f"-{key}") and hasattr(proto, "WhichOneof") and \
                proto.WhichOneof("value") == "string_value":
            return proto.string_value
    return None


def keep(name: str) -> None:
    """on_change callback: the widget's new value becomes the session's and the URL's."""
    put(name, st.session_state[f"_w_{name}"])
