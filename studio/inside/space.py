"""The 2-D state space the Inside page draws in: the reference states (the model's training data,
else the typed sentences), each sentence's encoder and decoder paths projected onto two principal
components, and the charts that show them with how much variance they explain."""
from __future__ import annotations

from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from seq2seq import service
from studio.inside import cache as inside_cache
from studio.shared import cache
from studio.shared.charts.trajectories import top_label, trajectory_frame
from studio.shared.messages import user_errors
from studio.shared.pagemap import PAGES
from studio.shared.selection import Selection
from studio.shared.sidebar import SETTINGS, setting
from studio.shared.text import escape_markdown

FAMILY_LABELS = {"encoder_forward": "encoder, forward →", "encoder_backward": "encoder, backward ←",
                 "decoder": "decoder"}
COMPONENT_PAIRS = {"PC1 × PC2": (0, 1), "PC3 × PC4": (2, 3)}
BACKGROUND_POINTS = 600


def reference(selection: Selection, lines: list[str]) -> service.Reference:
    """The training data's states, else the typed sentences' (with a note saying so)."""
    info = selection.model
    with user_errors(st.warning, before=f"The training data of {escape_markdown(info.name)} is not on this machine, "
                                        "so the projection below is fitted on the sentences you typed and nearest "
                                        "neighbours are unavailable. "):
        return inside_cache.training_reference(str(info.path), info.version)
    pairs = tuple((line, cache.trace(selection, line).trace.translation) for line in lines)
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


def axis_titles(ref: service.Reference, space: str, components: tuple[int, int]) -> tuple[str, str]:
    ratios = service.explained(ref, space)
    return tuple(f"PC{c + 1} ({ratios[c]:.1%} of variance)" for c in components)


def variance_note(ref: service.Reference, space: str, components: tuple[int, int]) -> str:
    ratios = service.explained(ref, space)
    shown = sum(ratios[c] for c in components)
    listed = ", ".join(f"PC{i + 1} {r:.1%}" for i, r in enumerate(ratios))
    origin = "training sentences" if ref.origin == "train" else "typed sentences"
    return (f"{space.capitalize()}: the two axes explain {shown:.1%} of the variance of {ref.states_in(space):,} "
            f"states from {ref.sentences:,} {origin} ({listed}).")


def background(ref: service.Reference, space: str, components) -> pd.DataFrame:
    """An evenly spaced subset of the reference states, drawn in grey behind the trajectories."""
    coords = service.background(ref, space, components, BACKGROUND_POINTS)
    return pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1]})


def encoder_paths(label: str, trace, ref: service.Reference, components) -> list[pd.DataFrame]:
    """Forward and backward encoder paths, each in the order its RNN reads: the backward one from the end."""
    states = service.trace_states(trace)
    frames = []
    for family in ("encoder_forward", "encoder_backward"):
        if family not in states:
            continue
        order = list(range(len(trace.src_pieces)))[:: -1 if family == "encoder_backward" else 1]
        detail = [f"{FAMILY_LABELS[family]}, after reading source piece {i + 1}" for i in order]
        coords = service.project(ref, "encoder", states[family][order], components)
        frames.append(trajectory_frame(f"{label} · {FAMILY_LABELS[family]}", [trace.src_pieces[i] for i in order],
                                       coords, detail))
    return frames


def decoder_path(label: str, trace, ref: service.Reference, components, links: bool) -> pd.DataFrame:
    pieces = [step.chosen_piece for step in trace.steps]
    detail = [f"predicts {top_label(step)}" for step in trace.steps]
    urls = step_page_links(trace.source, len(pieces)) if links else None
    coords = service.project(ref, "decoder", service.trace_states(trace)["decoder"], components)
    return trajectory_frame(f"{label} · decoder", pieces, coords, detail, urls)


def pick_components() -> tuple[int, int]:
    choice = st.radio("Components", list(COMPONENT_PAIRS), horizontal=True, key="inside_components",
                      help="PCA orders directions by the variance they explain; 3 and 4 show what 1 and 2 miss.")
    return COMPONENT_PAIRS[choice]


def draw_spaces(ref: service.Reference, encoder: list[pd.DataFrame], decoder: list[pd.DataFrame],
                components) -> None:
    """The encoder and decoder charts side by side, with their explained variance."""
    show_cloud = st.checkbox("Show training states in grey", value=ref.origin == "train", key="inside_cloud")
    left, right = st.columns(2)
    for column, space, frames in ((left, "encoder", encoder), (right, "decoder", decoder)):
        with column:
            st.markdown(f"**{space.capitalize()} states**")
            cloud = background(ref, space, components) if show_cloud else None
            inside_cache.show_chart("trajectory", pd.concat(frames, ignore_index=True), cloud,
                                    axis_titles(ref, space, components))
            st.caption(variance_note(ref, space, components))
