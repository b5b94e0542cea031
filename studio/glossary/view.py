"""The Glossary page: every entry of studio/shared/glossary.py in alphabetical order, each under an anchor
(/Glossary#teacher-forcing) that the "What am I looking at?" explanations link to, with an index at the
top and a box to find a term. Terms explained inside another entry (chrF in BLEU, Luong in Bahdanau)
are listed in the index and lead to that entry."""
from __future__ import annotations

import json

import streamlit as st

from studio.shared import glossary
from studio.shared.page import start

# Terms the app uses that another entry explains: alias -> the entry's key.
ALIASES = {
    "<s>, <unk>": "eos", "Backpropagation through time": "gradient", "Batch": "training_step",
    "Bottleneck": "fixed_vector", "Bridge (s_0)": "fixed_vector", "chrF": "bleu", "Cosine similarity": "neighbours",
    "Dot attention": "bahdanau", "Epoch": "training_step", "Euclidean distance": "neighbours",
    "Exact match": "bleu", "Gradient × input": "attribution", "Integrated gradients": "attribution",
    "Length penalty": "beam", "Loss": "cross_entropy", "Luong attention": "bahdanau", "Memory cell": "lstm",
    "Neuron": "unit", "ReLU": "tanh", "Saliency": "attribution", "Scheduled sampling": "teacher_forcing",
    "Subword": "piece", "Temperature": "sampling", "Token": "piece", "Top-k, top-p (nucleus)": "sampling",
    "Validation set": "overfitting", "Weights": "parameters",
}


def sort_key(name: str) -> str:
    return name.lstrip("%<>/ ").lower()


def entries() -> list[str]:
    """The entries' keys, alphabetically by name."""
    return sorted(glossary.GLOSSARY, key=lambda key: sort_key(glossary.title(key)))


def index_line(found: list[str]) -> str:
    names = {glossary.title(key): key for key in found} | {alias: key for alias, key in ALIASES.items() if key in found}
    return " · ".join(f"[{glossary.as_markdown(name)}](#{glossary.anchor(key)})"
                      for name, key in sorted(names.items(), key=lambda item: sort_key(item[0])))


def scroll_to(anchor: str) -> None:
    """Scroll the page to the entry once it is drawn (what the browser does for a #fragment that survives)."""
    st.html(f"""<script>(() => {{ let tries = 0; const go = () => {{
        const target = document.getElementById({json.dumps(anchor)});
        if (target) target.scrollIntoView({{block: "start"}}); else if (tries++ < 100) setTimeout(go, 100); }};
        go(); }})();</script>""", unsafe_allow_javascript=True, width=1)


def show() -> None:
    start("Glossary", "📖")
    st.title("Glossary")
    st.caption(f"Every term the app uses ({len(glossary.GLOSSARY)} entries), for a student who has read one chapter "
               "on RNNs. Each \"What am I looking at?\" explanation links here.")
    wanted = st.text_input("Find a term", placeholder="e.g. softmax, beam, gradient", key="glossary_find").strip()
    found = [key for key in entries()
             if not wanted or wanted.lower() in glossary.GLOSSARY[key].lower() or wanted.lower() in key]
    found += [key for alias, key in ALIASES.items() if wanted and wanted.lower() in alias.lower() and key not in found]
    if not found:
        st.info(f"No entry mentions “{glossary.as_markdown(wanted)}”.")
        return
    st.markdown(index_line(found))
    asked = st.query_params.get("term")
    if not wanted and asked in {glossary.anchor(key) for key in found}:
        scroll_to(asked)
    for key in entries():
        if key in found:
            st.subheader(glossary.as_markdown(glossary.title(key)), anchor=glossary.anchor(key))
            st.markdown(glossary.as_markdown(glossary.GLOSSARY[key]))
