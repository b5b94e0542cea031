"""The one sidebar every page renders: model picker and decoding settings.

Each choice lives in session_state and the query string (studio.shared.query), so it survives page
switches and reloads, and a copied link opens the same model with the same settings.
"""
from __future__ import annotations

import streamlit as st

from seq2seq.config import DecodeConfig
from seq2seq.service import ModelInfo, list_models
from studio.shared import glossary, query
from studio.shared.messages import user_errors
from studio.shared.selection import Selection, cached_translator
from studio.shared.text import escape_markdown

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


def setting(name: str):
    """Current value: session state, else the query string, else the default."""
    return query.state(name, *SETTINGS[name])


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
            query.put("model", names[0])
        by_name = {m.name: m for m in models}
        st.selectbox("Model", names, key=_widget_key("model"), on_change=query.keep, args=("model",),
                     format_func=lambda n: picker_label(by_name[n]), help="Shipped models first, then your own runs.")
        info = by_name[setting("model")]
        # A checkpoint's config.json is a file like any other: what it says is shown, never rendered.
        st.caption(escape_markdown(f"Task: {info.task} · {info.direction} · data: {info.data} · {info.score}"))
        decode = _decoding_widgets()
    _publish_settings(decode.strategy)
    with user_errors(before=f"Cannot load model {escape_markdown(info.name)}\\: "):
        return Selection(info, cached_translator(str(info.path), info.version), decode)
    return None  # it did not load; the error above says why


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
                  help=glossary.HELP["beam_size"])
        st.slider("Length penalty α", 0.0, 2.0, step=0.1, key=_widget_key("lp"), on_change=query.keep, args=("lp",),
                  help=glossary.HELP["length_penalty"])
    if strategy == "sample":
        st.slider("Temperature", 0.1, 2.0, step=0.1, key=_widget_key("temp"), on_change=query.keep, args=("temp",),
                  help=glossary.HELP["temperature"])
        st.number_input("Top-k (0 = off)", 0, 1000, key=_widget_key("topk"), on_change=query.keep, args=("topk",),
                        help=glossary.HELP["top_k"])
        st.slider("Top-p (nucleus)", 0.05, 1.0, step=0.05, key=_widget_key("topp"), on_change=query.keep,
                  args=("topp",), help=glossary.HELP["top_p"])
        st.number_input("Seed", 0, 10**6, key=_widget_key("seed"), on_change=query.keep, args=("seed",),
                        help=glossary.HELP["seed"])
    if strategy != "greedy":
        with st.popover("What do these settings do?", icon=":material/help:"):
            st.markdown(glossary.as_markdown(glossary.GLOSSARY["beam" if strategy == "beam" else "sampling"]))
            st.markdown(glossary.links(("beam" if strategy == "beam" else "sampling",)))
    return decode_config(strategy, setting)


def decode_config(strategy: str, value=lambda name: SETTINGS[name][0]) -> DecodeConfig:
    """The settings as the engine takes them; `value(name)` gives each knob (default: the defaults,
    which is what a first visit's pages decode with)."""
    return DecodeConfig(strategy=strategy, beam_size=value("beam"), length_penalty=value("lp"),
                        n_best=min(5, value("beam")) if strategy == "beam" else 1,
                        temperature=value("temp"), top_k=value("topk"), top_p=value("topp"),
                        seed=value("seed")).validate()
