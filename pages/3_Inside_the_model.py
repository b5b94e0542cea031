"""Hidden-state paths in 2-D, word-swap counterfactuals, neurons and gates, nearest training states, attention vs none.

States of your sentences are drawn against states of the model's own training data.
"""
from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from seq2seq.analysis.bottleneck import attention_of, cached_scores, find_twin
from seq2seq.analysis.counterfactual import source_words, swap_word
from seq2seq.analysis.neighbours import METRICS, describe
from seq2seq.analysis.projection import Projection
from seq2seq.analysis.states import trace_states
from seq2seq.analysis.units import rank_units
from seq2seq.catalog import list_models
from seq2seq.errors import UserError
from studio import charts_inside, inside_cache, query, render, traces
from studio.pagemap import PAGES
from studio.sidebar import (
    SETTINGS,
    Selection,
    cached_translator,
    render_sidebar,
    setting,
)
from studio.text import escape_markdown, show_piece

st.set_page_config(page_title="Inside the model · Seq2Seq Studio", page_icon="🔤", layout="wide")
selection = render_sidebar()

VIEWS = ("Trajectories", "Compare", "Neurons", "Neighbours", "Bottleneck")
FAMILY_LABELS = {"encoder_forward": "encoder, forward →", "encoder_backward": "encoder, backward ←",
                 "decoder": "decoder"}
COMPONENT_PAIRS = {"PC1 × PC2": (0, 1), "PC3 × PC4": (2, 3)}
MAX_TRAJECTORIES = 5
BACKGROUND_POINTS = 600


# ---- shared pieces ---------------------------------------------------------------------------

def reference(selection: Selection, lines: list[str]):
    """(sample, projections): the training data's states, else the typed sentences' (with a note)."""
    info = selection.model
    try:
        return inside_cache.training_reference(str(info.path), info.version)
    except UserError as exc:
        st.warning(f"The training data of {escape_markdown(info.name)} is not on this machine "
                   f"({escape_markdown(str(exc))}). The projection below is "
                   "fitted on the sentences you typed instead, and nearest neighbours are unavailable. "
                   "Training with `--download` fetches the corpus; then this page compares with training states.")
    pairs = tuple((line, traces.trace(selection, line).trace.translation) for line in lines)
    return inside_cache.typed_reference(str(info.path), info.version, pairs)


def step_page_links(sentence: str, steps: int) -> list[str]:
    """Relative URLs of the step-by-step page at steps 1..n with this page's model and settings
    (empty when that page is not installed)."""
    found = sorted(PAGES.glob("*_Step_by_step.py"))
    if not found:
        return [""] * steps
    slug = found[0].stem.split("_", 1)[1]  # Streamlit's URL path for "2_Step_by_step.py"
    params = {name: setting(name) for name in SETTINGS} | {"text": sentence}
    return [f"{slug}?{urlencode(params | {'step': step})}" for step in range(1, steps + 1)]


def show_chart(kind: str, *args, stretch: bool = False) -> None:
    st.vega_lite_chart(spec=inside_cache.chart_spec(kind, *args), width="stretch" if stretch else "content")


def project(proj: Projection, states: np.ndarray, components: tuple[int, int]) -> np.ndarray:
    return proj.transform(states)[:, list(components)]


def axis_titles(proj: Projection, components: tuple[int, int]) -> tuple[str, str]:
    return tuple(f"PC{c + 1} ({proj.explained_ratio[c]:.1%} of variance)" for c in components)


def variance_note(name: str, proj: Projection, components: tuple[int, int], sample) -> str:
    shown = sum(float(proj.explained_ratio[c]) for c in components)
    ratios = ", ".join(f"PC{i + 1} {r:.1%}" for i, r in enumerate(proj.explained_ratio))
    origin = "training sentences" if sample.origin == "train" else "typed sentences"
    return (f"{name}: the two axes explain {shown:.1%} of the variance of {proj.n_states:,} states from "
            f"{len(sample.pairs):,} {origin} ({ratios}).")


def background(sample, families: tuple[str, ...], proj: Projection, components) -> pd.DataFrame:
    """An evenly spaced subset of the reference states, drawn in grey behind the trajectories."""
    states = np.concatenate([sample.families[f].states for f in families if f in sample.families])
    rows = states[:: max(1, len(states) // BACKGROUND_POINTS)]
    coords = project(proj, rows, components)
    return pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1]})


def encoder_paths(label: str, trace, proj: Projection, components) -> list[pd.DataFrame]:
    """Forward and backward encoder paths, each in the order its RNN reads: the backward one from the end."""
    states = trace_states(trace)
    frames = []
    for family in ("encoder_forward", "encoder_backward"):
        if family not in states:
            continue
        order = list(range(len(trace.src_pieces)))[:: -1 if family == "encoder_backward" else 1]
        detail = [f"{FAMILY_LABELS[family]}, after reading source piece {i + 1}" for i in order]
        coords = project(proj, states[family][order], components)
        frames.append(charts_inside.trajectory_frame(f"{label} · {FAMILY_LABELS[family]}",
                                                     [trace.src_pieces[i] for i in order], coords, detail))
    return frames


def decoder_path(label: str, trace, proj: Projection, components, links: bool) -> pd.DataFrame:
    pieces = [step.chosen_piece for step in trace.steps]
    detail = [f"predicts {charts_inside.top_label(step)}" for step in trace.steps]
    urls = step_page_links(trace.source, len(pieces)) if links else None
    coords = project(proj, trace_states(trace)["decoder"], components)
    return charts_inside.trajectory_frame(f"{label} · decoder", pieces, coords, detail, urls)


def pick_components() -> tuple[int, int]:
    choice = st.radio("Components", list(COMPONENT_PAIRS), horizontal=True, key="inside_components",
                      help="PCA orders directions by the variance they explain; 3 and 4 show what 1 and 2 miss.")
    return COMPONENT_PAIRS[choice]


def draw_spaces(sample, spaces, encoder: list[pd.DataFrame], decoder: list[pd.DataFrame], components) -> None:
    """The encoder and decoder charts side by side, with their explained variance."""
    show_cloud = st.checkbox("Show training states in grey", value=sample.origin == "train", key="inside_cloud")
    left, right = st.columns(2)
    for column, space, frames, families in ((left, "encoder", encoder, ("encoder_forward", "encoder_backward")),
                                            (right, "decoder", decoder, ("decoder",))):
        proj = spaces[space]
        with column:
            st.markdown(f"**{space.capitalize()} states**")
            cloud = background(sample, families, proj, components) if show_cloud else None
            show_chart("trajectory", pd.concat(frames, ignore_index=True), cloud, axis_titles(proj, components))
            st.caption(variance_note(space.capitalize(), proj, components, sample))


# ---- views -----------------------------------------------------------------------------------

def trajectories(selection: Selection, lines: list[str]) -> None:
    sample, spaces = reference(selection, lines)
    st.caption("Each sentence becomes a path: one point per piece, a square on the first, arrows in the order "
               "the RNN goes (the backward encoder reads from the end). Encoder and decoder states differ in "
               "size and role, so each family has its own PCA; forward and backward encoder states share one "
               "space. Hover a point for its piece and what the state predicts; click a decoder point to open "
               "that step on the step-by-step page.")
    if len(lines) > MAX_TRAJECTORIES:
        st.info(f"Drawing the first {MAX_TRAJECTORIES} of {len(lines)} sentences.")
    components = pick_components()
    encoder, decoder = [], []
    for number, line in enumerate(lines[:MAX_TRAJECTORIES], start=1):
        trace = traces.trace(selection, line).trace
        encoder += encoder_paths(f"#{number}", trace, spaces["encoder"], components)
        decoder.append(decoder_path(f"#{number}", trace, spaces["decoder"], components, links=True))
    draw_spaces(sample, spaces, encoder, decoder, components)
    step_links(selection, lines[0])


def step_links(selection: Selection, sentence: str) -> None:
    trace = traces.trace(selection, sentence).trace
    links = step_page_links(sentence, len(trace.steps))
    if not links[0]:
        return
    labels = [f"step {i + 1}: {show_piece(s.chosen_piece)}" for i, s in enumerate(trace.steps)]
    step = st.selectbox("Open a decoding step of the first sentence on the step-by-step page",
                        range(1, len(labels) + 1), format_func=lambda i: labels[i - 1], key="inside_step")
    st.markdown(f"[Open step {step} on the step-by-step page ↗]({links[step - 1]})")


def swap_controls(sentence: str) -> str | None:
    words = source_words(sentence)
    left, right = st.columns(2)
    index = left.selectbox("Word to change", range(len(words)), index=len(words) - 1,
                           format_func=lambda i: f"{i + 1}: {words[i]}", key="inside_swap_word")
    default = words[index] + "s" if words[index].isalpha() else words[index][::-1]
    replacement = right.text_input("Replace it with", value=default, max_chars=100, key=f"inside_swap_{index}")
    if not replacement.strip() or len(replacement.split()) != 1:
        st.info("Type one replacement word (no spaces).")
        return None
    return swap_word(sentence, index, replacement)


def compare(selection: Selection, sentence: str) -> None:
    st.caption("Change one source word. Both sentences are fed the ORIGINAL output (teacher forcing), so step t "
               "of each answers the same question; the bars show KL(original ‖ swapped) of the next-piece "
               "distributions: 0 = the swap changed nothing at that step.")
    changed = swap_controls(sentence)
    if changed is None:
        return
    info, original = selection.model, traces.trace(selection, sentence).trace
    result = inside_cache.swapped(str(info.path), info.version, sentence, tuple(original.output_ids), changed)
    own = traces.trace(selection, changed).trace
    st.dataframe(pd.DataFrame({"": ["original", "swapped"], "source": [sentence, changed],
                               "own translation": [original.translation, own.translation]}), hide_index=True)
    frame = charts_inside.kl_frame(original.steps, result.kl, result.p_original, result.p_swapped, result.trace.steps)
    show_chart("kl", frame, stretch=True)
    biggest = frame.loc[frame["kl"].idxmax()]
    st.caption(f"Total KL {frame['kl'].sum():.3f} nats; largest shift at step {biggest['step']} "
               f"(piece {escape_markdown(biggest['piece'])}: {biggest['kl']:.3f} nats).")
    sample, spaces = reference(selection, [sentence, changed])
    components = pick_components()
    encoder = encoder_paths("original", original, spaces["encoder"], components) + \
        encoder_paths("swapped", result.trace, spaces["encoder"], components)
    decoder = [decoder_path("original", original, spaces["decoder"], components, links=True),
               decoder_path("swapped", result.trace, spaces["decoder"], components, links=False)]
    draw_spaces(sample, spaces, encoder, decoder, components)


def family_pieces(trace, family: str) -> list[str]:
    return [s.chosen_piece for s in trace.steps] if family == "decoder" else trace.src_pieces


def unit_order(activations: np.ndarray, pieces: list[str], key: str) -> np.ndarray:
    """Widgets for the unit order; returns unit indices, best first."""
    left, right = st.columns(2)
    order = left.radio("Sort units by", ["variance over time", "correlation with a piece"], key=f"{key}_order",
                       horizontal=True)
    if order == "variance over time":
        return rank_units(activations, "variance")[0]
    choices = sorted(set(pieces))
    piece = right.selectbox("Piece", choices, format_func=show_piece, key=f"{key}_piece",
                            help="Units whose activation rises (or falls) exactly where this piece is come first.")
    return rank_units(activations, "correlation", np.array([p == piece for p in pieces], dtype=float))[0]


def neurons(selection: Selection, sentence: str) -> None:
    trace = traces.trace(selection, sentence).trace
    states = trace_states(trace)
    family = st.radio("States", list(states), index=len(states) - 1, format_func=FAMILY_LABELS.get, horizontal=True,
                      key="inside_family")  # the decoder by default: it is the one with recorded gates
    activations, pieces = states[family], family_pieces(trace, family)
    units = unit_order(activations, pieces, "inside_units")
    size = activations.shape[1]
    shown = st.slider("Units shown", 1, size, min(size, 32), key="inside_units_shown") if size > 1 else 1
    st.markdown(f"**Hidden units × time** ({FAMILY_LABELS[family]}, {shown} of {size} units)")
    frame = charts_inside.unit_frame(activations, units[:shown], pieces)
    show_chart("units", frame, "activation", (-1.0, 1.0), stretch=True)
    if family == "decoder":
        gates(trace, units[:shown], pieces)
    else:
        st.caption("Gate values are recorded for the decoder, which runs one step at a time; the encoder runs "
                   "as one fused RNN call over the whole sentence.")


def gates(trace, units: np.ndarray, pieces: list[str]) -> None:
    names = list(trace.steps[0].gates)
    if names == ["preactivation"]:
        st.caption("A plain RNN cell has no gates; below is its pre-activation a = W x + U h + b (h = tanh a).")
    gate = st.radio("Gate", names, horizontal=True, key="inside_gate",
                    help="GRU: reset r and update z (how much of the old state to keep), candidate n. "
                         "LSTM: input, forget, output gates and the cell candidate.")
    values = np.array([step.gates[gate] for step in trace.steps])
    st.markdown(f"**{escape_markdown(gate)} gate × time** (same units, same order)")
    frame = charts_inside.unit_frame(values, units, pieces)
    show_chart("units", frame, gate, charts_inside.GATE_RANGES.get(gate), stretch=True)


def neighbours(selection: Selection, sentence: str) -> None:
    info = selection.model
    try:
        sample, _ = inside_cache.training_reference(str(info.path), info.version)
    except UserError as exc:
        st.warning(f"Nearest neighbours need the training data of {escape_markdown(info.name)}, which is not on "
                   f"this machine ({escape_markdown(str(exc))}).")
        return
    trace = traces.trace(selection, sentence).trace
    states = trace_states(trace)
    left, middle, right = st.columns(3)
    family = left.radio("States", list(states), index=len(states) - 1, format_func=FAMILY_LABELS.get,
                        key="inside_nn_family")
    pieces = family_pieces(trace, family)
    # Mid-sentence by default: first states only tell which piece a sentence starts with.
    position = middle.selectbox("State of piece", range(len(pieces)), index=len(pieces) // 2,
                                key=f"inside_nn_position_{family}_{len(pieces)}",
                                format_func=lambda i: f"{i + 1}: {show_piece(pieces[i])}")
    metric = right.radio("Distance", METRICS, key="inside_nn_metric", horizontal=True)
    count = right.slider("Neighbours", 3, 30, 10, key="inside_nn_count")
    index = inside_cache.state_index(str(info.path), info.version, family, metric)
    hits = index.search(states[family][position], count)
    st.caption(f"The {count} {FAMILY_LABELS[family]} states nearest to the one at piece {position + 1}, among "
               f"{index.size:,} states of {len(sample.pairs):,} training sentences (exact search; score = "
               f"{'cosine similarity, 1 = same direction' if metric == 'cosine' else 'euclidean distance, 0 = same'}).")
    tokenizer = selection.translator.tgt if family == "decoder" else selection.translator.src
    char_level = tokenizer.kind == "char"
    st.dataframe(pd.DataFrame([describe(sample, family, hit, char_level) for hit in hits]), hide_index=True)


def bottleneck(selection: Selection, sentence: str) -> None:
    info = selection.model
    twin = find_twin(info, list_models())
    if twin is None:
        wanted = "switched on" if attention_of(info) == "none" else "“none”"
        st.info(f"No no-attention twin of {escape_markdown(info.name)}: the comparison needs a second checkpoint "
                f"trained on the same data ({escape_markdown(info.data)}) with attention {wanted}, e.g. "
                "`checkpoints/tatoeba-en-fr` and `checkpoints/tatoeba-en-fr-noattn`.")
        return
    models = [info, twin] if attention_of(twin) == "none" else [twin, info]
    labels = [f"{m.name} ({'no attention' if attention_of(m) == 'none' else 'attention'})" for m in models]
    columns = st.columns(2)
    for column, model, label in zip(columns, models, labels):
        twin_selection = Selection(model, cached_translator(str(model.path), model.version), selection.decode)
        column.markdown(f"**{escape_markdown(label)}**")
        column.text(traces.trace(twin_selection, sentence).trace.translation)
    length_scores(models, labels)


def length_scores(models, labels: list[str]) -> None:
    ready = all(cached_scores(m.path) is not None for m in models)
    label = "Score both models by source length on the test split (a minute or two for a real model)"
    if not ready and not st.button(label):
        st.caption("Scores are computed once per model and kept on disk.")
        return
    with st.spinner("Translating the test sentences with both models…"):
        try:
            results = {label: inside_cache.length_scores(str(m.path), m.version, m.task == "toy")
                       for m, label in zip(models, labels)}
        except UserError as exc:
            st.error(f"Cannot score: {escape_markdown(str(exc))}")
            return
    first = next(iter(results.values()))
    show_chart("lengths", charts_inside.length_frame(results), first["metric"], first["unit"], stretch=True)
    st.caption(f"Greedy decoding, {first['sentences']:,} test sentences per model, bucketed by source length; "
               f"small buckets are noisy (hover for counts). {first['signature']}")


# ---- page ------------------------------------------------------------------------------------

def pick_sentence(lines: list[str]) -> str:
    if len(lines) == 1:
        return lines[0]
    return st.selectbox("Sentence to look inside", lines, key="inside_line", format_func=lambda s: s[:80])


def show_view(selection: Selection, view: str, lines: list[str]) -> None:
    if view == "Trajectories":
        trajectories(selection, lines)
        return
    sentence = pick_sentence(lines)
    {"Compare": compare, "Neurons": neurons, "Neighbours": neighbours, "Bottleneck": bottleneck}[view](
        selection, sentence)


st.title("Inside the model")
st.caption("The hidden states behind a translation: where they travel, which units fire, which training "
           "sentences they resemble, and what attention buys on long sentences.")
if selection is not None:
    lines = render.usable_lines(render.text_box(selection, "Sentences, one per line (each becomes a path)", 80))
    if lines:
        first = traces.trace(selection, lines[0])
        render.big_text(first.trace.translation)
        render.truncation_warning(first, selection)
        view = st.radio("View", VIEWS, horizontal=True, key=query.widget_key("view", VIEWS[0], query.choice(VIEWS)),
                        on_change=query.keep, args=("view",), label_visibility="collapsed")
        show_view(selection, view, lines)
