"""The Inside page's bottleneck view: a model with attention and its no-attention twins (same data:
the GRU twin, the plain tanh RNN), their translations of the sentence, all scored by source length."""
from __future__ import annotations

import streamlit as st

from seq2seq import service
from studio.inside import cache as inside_cache
from studio.inside.charts import LENGTH_COLUMNS, length_frame
from studio.shared import cache, glossary
from studio.shared.differences import show_differences
from studio.shared.messages import user_errors
from studio.shared.selection import Selection, selection_of
from studio.shared.text import escape_markdown


def attention_label(info: service.ModelInfo) -> str:
    return f"{info.name} ({service.architecture(info)})"


def bottleneck(selection: Selection, sentence: str) -> None:
    info = selection.model
    models = service.bottleneck_models(info)
    if len(models) < 2:
        wanted = "switched on" if service.attention_of(info) == "none" else "“none”"
        st.info(f"No no-attention twin of {escape_markdown(info.name)}: the comparison needs a second checkpoint "
                f"trained on the same data ({escape_markdown(info.data)}) with attention {wanted}, e.g. "
                "`checkpoints/tatoeba-en-fr` and `checkpoints/tatoeba-en-fr-noattn`.")
        return
    if models[0].path != info.path and service.attention_of(info) != "none":
        st.caption(f"{escape_markdown(info.name)} was trained on another budget than its no-attention twins, so "
                   f"the comparison sets them beside {escape_markdown(models[0].name)}, trained as they were.")
    labels = [attention_label(m) for m in models]
    for column, model, label in zip(st.columns(len(models)), models, labels):
        column.markdown(f"**{escape_markdown(label)}**")
        column.text(cache.trace(selection_of(model, selection.decode), sentence).trace.translation)
    length_scores(models, labels)
    show_differences(service.compare_models(models, ("attention", "cell")),
                     "What differs between these models (from their config.json and metrics.json)")
    glossary.what("bottleneck")


def length_scores(models: list[service.ModelInfo], labels: list[str]) -> None:
    ready = all(service.cached_scores(m.path) is not None for m in models)
    label = "Score these models by source length on the test split (a minute or two for a real model)"
    if not ready and not st.button(label):
        st.caption("Scores are computed once per model and kept on disk.")
        return
    with st.spinner("Translating the test sentences with each model…"), user_errors(before="Cannot score: ") as failed:
        results = {label: inside_cache.length_scores(str(m.path), m.version, m.task == "toy")
                   for m, label in zip(models, labels)}
    if failed:
        return
    first = next(iter(results.values()))
    inside_cache.show_chart("lengths", length_frame(results), LENGTH_COLUMNS, first["metric"],
                            f"source length ({first['unit']})", stretch=True)
    st.caption(f"Greedy decoding, {first['sentences']:,} test sentences per model, bucketed by source length; "
               f"small buckets are noisy (hover for counts). {first['signature']}")
