"""The one sidebar every page renders: model picker and decoding settings.

Each choice lives in session_state and the query string (studio.query), so it survives page
switches and reloads, and a copied link opens the same model with the same settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from seq2seq.config import DecodeConfig
from seq2seq.errors import UserError
from seq2seq.service import ModelInfo, ModelSummary, list_models, load_translator, one_thread, summary
from studio import explain, query
from studio.text import escape_markdown

# One sentence at a time is too small for intra-op threads to pay: measured on this 2-core machine a
# trace took several times longer with torch's default two threads than with one, and several
# sessions at once each get a core instead of fighting over spinning thread pools.
one_thread()

STRATEGY_LABELS = {"greedy": "Greedy", "beam": "Beam search", "sample": "Sampling"}


# Settings kept across pages and in the URL: name -> (default, parser).
SETTINGS = {
    "model": ("", str),
    "strategy": ("greedy", query.choice(STRATEGY_LABELS)),
    "beam": (5, query.bounded(int, 1, 12)),
    "lp": (1.0, query.bounded(float, 0.0, 2.0)),
    "temp": (1.0, query.bounded(float, 0.1, 2.0)),
    "topk": (0, query.bounded(int, 0, 1000)),
    "topp": (1.0, query.bounded(float, 0.05, 1.0)),
    "seed": (0, query.bounded(int, 0, 10**6)),
}

# The knobs each strategy uses; the others stay out of the URL to keep links short.
STRATEGY_KNOBS = {"greedy": (), "beam": ("beam", "lp"), "sample": ("temp", "topk", "topp", "seed")}


@dataclass
class Selection:
    model: ModelInfo
    translator: Any  # the loaded model: handed to seq2seq.service, never opened here
    decode: DecodeConfig

    @property
    def summary(self) -> ModelSummary:
        return summary(self.translator)


@st.cache_resource(max_entries=8, show_spinner="Loading model…")
def cached_translator(path: str, version: float):
    """Shared by every session: never mutate what this returns. `version` changes when weights change."""
    return load_translator(Path(path))


def selection_of(info: ModelInfo, decode: DecodeConfig) -> Selection:
    """Another model with the same decoding settings (the Inside page's twin, the Models page)."""
    return Selection(info, cached_translator(str(info.path), info.version), decode)


def setting(name: str):
    """Current value: session state, else the query string, else the default."""
    return query.state(name, *SETTINGS[name])


def remember(name: str, value) -> None:
    query.put(name, value)


def _widget_key(name: str) -> str:
    return query.widget_key(name, *SETTINGS[name])


def picker_label(info: ModelInfo) -> str:
    """Name and score, short enough for the sidebar even at Streamlit's default width (the caption below
    gives the direction and how it was scored)."""
    return f"{info.name} · {info.score.split(' (')[0]}"


def render_sidebar() -> Selection | None:
    models = list_models()
    with st.sidebar:
        if not models:
            st.error("No trained model found in checkpoints/. Train one on the Train page or run "
                     "`python -m seq2seq train --preset dates`.")
            return None
        names = [m.name for m in models]
        if setting("model") not in names:
            remember("model", names[0])
        by_name = {m.name: m for m in models}
        st.selectbox("Model", names, key=_widget_key("model"), on_change=query.keep, args=("model",),
                     format_func=lambda n: picker_label(by_name[n]), help="Shipped models first, then your own runs.")
        info = by_name[setting("model")]
        # A checkpoint's config.json is a file like any other: what it says is shown, never rendered.
        st.caption(escape_markdown(f"Task: {info.task} · {info.direction} · data: {info.data} · {info.score}"))
        decode = _decoding_widgets()
    _publish_settings(decode.strategy)
    try:
        translator = cached_translator(str(info.path), info.version)
    except UserError as exc:
        st.error(escape_markdown(f"Cannot load model {info.name}: {exc}"))
        return None
    return Selection(info, translator, decode)


def _publish_settings(strategy: str) -> None:
    """Put the current choices in the URL on every page: a page switch may have dropped them."""
    params = dict.fromkeys(SETTINGS)  # None removes a parameter: defaults and other strategies' knobs
    params.update({name: setting(name) for name in ("strategy", *STRATEGY_KNOBS[strategy])
                   if setting(name) != SETTINGS[name][0]})
    params["model"] = setting("model")
    query.publish(params)


def _decoding_widgets() -> DecodeConfig:
    st.subheader("Decoding")
    strategy = st.radio("Strategy", list(STRATEGY_LABELS), key=_widget_key("strategy"), on_change=query.keep,
                        args=("strategy",), format_func=STRATEGY_LABELS.get, horizontal=True,
                        help="Greedy takes the most likely piece at every step; beam search keeps several partial "
                             "translations; sampling draws each piece at random from the model's distribution.")
    if strategy == "beam":
        st.slider("Beam size", 1, 12, key=_widget_key("beam"), on_change=query.keep, args=("beam",),
                  help=explain.HELP["beam_size"])
        st.slider("Length penalty α", 0.0, 2.0, step=0.1, key=_widget_key("lp"), on_change=query.keep, args=("lp",),
                  help=explain.HELP["length_penalty"])
    if strategy == "sample":
        st.slider("Temperature", 0.1, 2.0, step=0.1, key=_widget_key("temp"), on_change=query.keep, args=("temp",),
                  help=explain.HELP["temperature"])
        st.number_input("Top-k (0 = off)", 0, 1000, key=_widget_key("topk"), on_change=query.keep, args=("topk",),
                        help=explain.HELP["top_k"])
        st.slider("Top-p (nucleus)", 0.05, 1.0, step=0.05, key=_widget_key("topp"), on_change=query.keep,
                  args=("topp",), help=explain.HELP["top_p"])
        st.number_input("Seed", 0, 10**6, key=_widget_key("seed"), on_change=query.keep, args=("seed",),
                        help=explain.HELP["seed"])
    if strategy != "greedy":
        with st.popover("What do these settings do?", icon=":material/help:"):
            st.markdown(explain.as_markdown(explain.GLOSSARY["beam" if strategy == "beam" else "sampling"]))
    return decode_config(strategy, setting)


def decode_config(strategy: str, value=lambda name: SETTINGS[name][0]) -> DecodeConfig:
    """The settings as the engine takes them; `value(name)` gives each knob (default: the defaults,
    which is what a first visit's pages decode with)."""
    return DecodeConfig(strategy=strategy, beam_size=value("beam"), length_penalty=value("lp"),
                        n_best=min(5, value("beam")) if strategy == "beam" else 1,
                        temperature=value("temp"), top_k=value("topk"), top_p=value("topp"),
                        seed=value("seed")).validate()
