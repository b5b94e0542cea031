"""A sentence's pieces as charts: the axes every piece chart keys, the source and output chips, and
one step's candidates for the next piece (pure functions from a Trace or its parts to Altair).

Each chart encodes one quantity in colour and has a legend for it. Axis positions are keyed
"007 piece" so that a piece occurring twice keeps two columns; labels show only the piece.
"""
from __future__ import annotations

import math

import altair as alt
import pandas as pd

from seq2seq.service import StepTrace, Trace
from studio.shared.charts import palette
from studio.shared.charts.accessible import described
from studio.shared.text import show_piece

# Entropy colours share one fixed scale so that two sentences' chips can be compared by eye.
ENTROPY_MAX = 3.0
KEY_LABEL = "slice(datum.value, 4)"
# The piece taken is also framed in black (palette.outlined): never told by its colour alone.
CHOSEN_COLORS = alt.Scale(domain=["chosen", "alternative"], range=[palette.ORANGE, palette.MUTED])
# A horizontal gradient is no taller than one row of chips, so the legend adds no empty band.
GRADIENT_LEGEND = alt.Legend(orient="right", direction="horizontal", gradientLength=90, gradientThickness=10,
                             titleOrient="top")
# Chips wrap to rows this wide, so that a row and its legend fit the page's main column on a 1280 px
# screen with the sidebar open (the browser tests measure it).
CHIP_ROW_PX = 600


def key(index: int, piece: str) -> str:
    return f"{index:03d} {show_piece(piece)}"


def label_angle(labels: list[str]) -> int:
    """Single characters read best upright; words need a slant to fit side by side."""
    return 0 if max((len(label) for label in labels), default=0) <= 3 else -45


def piece_axis(labels: list[str], **options) -> alt.Axis:
    """An axis of "007 piece" keys showing every piece: Vega-Lite otherwise drops every other label
    of a crowded ordinal axis (labelOverlap), which hid half of a sentence's pieces."""
    settings = {"labelExpr": KEY_LABEL, "labelAngle": label_angle(labels), "labelOverlap": False,
                "labelLimit": 160, **options}
    return alt.Axis(**settings)


def chip_step(labels: list[str]) -> int:
    """Chip width in pixels: wide enough for the longest label, narrow for single characters."""
    longest = max((len(label) for label in labels), default=1)
    return max(28, min(120, 9 * longest + 16))


def _chip_grid(pieces: list[str], width_px: int = CHIP_ROW_PX) -> dict[str, list[int]]:
    """Each chip's row and column when chips wrap at `width_px`."""
    per_row = max(1, width_px // chip_step(pieces))
    return {"row": [i // per_row for i in range(len(pieces))], "col": [i % per_row for i in range(len(pieces))]}


def _chips(frame: pd.DataFrame, color: alt.Color | alt.ColorValue, tooltip: list, light_text=None) -> alt.LayerChart:
    """Chips of a frame laid out by _chip_grid; the chart depends on the data only through the chip width."""
    step = chip_step(frame["piece"].tolist())
    base = alt.Chart(frame).encode(x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None), tooltip=tooltip)
    rect = base.mark_rect(cornerRadius=7, stroke="white", strokeWidth=4).encode(color=color)
    text_color = alt.value("black") if light_text is None else alt.condition(light_text, alt.value("white"),
                                                                              alt.value("black"))
    text = base.mark_text(fontSize=14).encode(text="piece:N", color=text_color)
    return (rect + text).properties(width=alt.Step(step), height=alt.Step(34))


def source_chips(trace: Trace) -> alt.LayerChart:
    """The source as the model reads it: one chip per piece (EOS included); hover for the id."""
    pieces = [show_piece(p) for p in trace.src_pieces]
    frame = pd.DataFrame({"piece": pieces, "id": trace.src_ids, "position": range(len(trace.src_ids)),
                          **_chip_grid(pieces)})
    chips = _chips(frame, alt.value("#dde7ee"), ["piece:N", "id:Q", "position:Q"])
    return described(chips, "The source as the model reads it",
                     "One chip per source piece, in reading order, the end symbol included.")


def steps_frame(steps: list[StepTrace]) -> pd.DataFrame:
    """One row per decoding step: the piece it produced, its probability and the step's entropy."""
    return pd.DataFrame(_steps_columns(steps))


def _steps_columns(steps: list[StepTrace]) -> dict[str, list]:
    return {
        "step": [s.index + 1 for s in steps],  # the app counts steps from 1
        "piece": [show_piece(s.chosen_piece) for s in steps],
        "id": [s.chosen_id for s in steps],
        "probability": [math.exp(s.logprob) for s in steps],
        "logprob": [s.logprob for s in steps],
        "entropy": [s.entropy for s in steps],
        "forced": [s.forced for s in steps],
    }


def output_chips(steps: list[StepTrace]) -> alt.LayerChart:
    """Output pieces coloured by the entropy of the step that chose them: dark = the model hesitated."""
    return output_chips_chart(output_chips_frame(steps))


def output_chips_frame(steps: list[StepTrace]) -> pd.DataFrame:
    """steps_frame with each chip's place in the grid (one frame built once: the step page makes one per step)."""
    columns = _steps_columns(steps)
    return pd.DataFrame({**columns, **_chip_grid(columns["piece"])})


def output_chips_layout(frame: pd.DataFrame) -> tuple:
    """What output_chips_chart takes from its data besides the rows themselves: the chip width."""
    return (chip_step(frame["piece"].tolist()),)


def output_chips_chart(frame: pd.DataFrame) -> alt.LayerChart:
    color = alt.Color("entropy:Q", title="entropy (nats)",
                      scale=alt.Scale(scheme="orangered", domain=[0, ENTROPY_MAX], clamp=True),
                      legend=GRADIENT_LEGEND)
    tooltip = ["piece:N", "id:Q", alt.Tooltip("probability:Q", format=".3f"),
               alt.Tooltip("entropy:Q", format=".2f"), "step:Q", "forced:N"]
    chips = _chips(frame, color, tooltip, light_text=alt.datum.entropy > ENTROPY_MAX * 0.6)
    return described(chips, "The output, piece by piece",
                     "One chip per output piece, in order, coloured by the entropy of the decoding step that chose "
                     "it: the darker the chip, the less sure the model was.")


def candidates_frame(step: StepTrace) -> pd.DataFrame:
    """The step's top-k candidates plus the chosen piece even when it ranked lower (forced, sampled)."""
    ids = [c.token_id for c in step.top]
    pieces = [show_piece(c.piece) for c in step.top]
    probabilities = [c.prob for c in step.top]
    logits = [c.logit for c in step.top]
    if step.chosen_id not in ids:
        ids.append(step.chosen_id)
        pieces.append(show_piece(step.chosen_piece))
        probabilities.append(math.exp(step.logprob))
        logits.append(float("nan"))
    return pd.DataFrame({  # never empty: the chosen piece is always a row
        "id": ids, "piece": pieces, "probability": probabilities, "logit": logits,
        "candidate": [key(rank, piece) for rank, piece in enumerate(pieces)],
        "role": ["chosen" if i == step.chosen_id else "alternative" for i in ids],
    })


def candidates_chart(step: StepTrace) -> alt.LayerChart:
    """Next-piece probabilities, best first, the piece actually taken in the highlight colour."""
    return candidates_chart_of(candidates_frame(step))


def candidates_chart_of(frame: pd.DataFrame) -> alt.LayerChart:
    """candidates_chart for a candidates_frame: the chart depends on nothing but its rows."""
    base = alt.Chart(frame).encode(
        y=alt.Y("candidate:O", title=None, axis=piece_axis([], labelAngle=0, labelFontSize=14)),
        x=alt.X("probability:Q", scale=alt.Scale(domain=[0, 1])),
        tooltip=["piece:N", "id:Q", alt.Tooltip("probability:Q", format=".4f"), alt.Tooltip("logit:Q", format=".2f")],
    )
    bars = base.mark_bar().encode(color=alt.Color("role:N", scale=CHOSEN_COLORS, title=None,
                                                  legend=alt.Legend(orient="bottom")),
                                  **palette.outlined("role", CHOSEN_COLORS.domain, "chosen"))
    labels = base.mark_text(align="left", dx=3).encode(text=alt.Text("probability:Q", format=".1%"))
    return described((bars + labels).properties(height=alt.Step(24)), "Next-piece probabilities",
                     "One bar per candidate for the next piece, most likely first, labelled with its probability; "
                     "the piece taken is the orange bar framed in black.")
