"""What the numbers a chart draws support, in words: the sentences under the vanishing-gradient chart
and the exact-match-by-length chart are computed here from the very numbers drawn, so that a caption
never claims more than its data shows (and says when a run did not learn, or when the data are too
few to tell).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# The gradient at the longest distance, against the cell's own peak: within 10× of it the gradient is
# kept; more than 100× below it, it has vanished; in between the numbers say neither.
KEPT = 0.1
VANISHED = 0.01
# Distances shorter than this say little about a geometric decay.
MIN_SPAN = 20
CELL_WORDS = {"rnn": "the plain RNN", "gru": "the GRU", "lstm": "the LSTM"}
# A run whose final loss is at least this share of a uniform guess's (ln of the output vocabulary)
# learnt nothing; nor did one with less than MIN_SHORTEST exact match on the shortest inputs.
CHANCE_SHARE = 0.9
MIN_SHORTEST = 0.1
# Exact-match drops (shortest to longest inputs) closer than this are "about the same".
CLEAR_GAP = 0.1


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def times(ratio: float) -> str:
    """How many times smaller a value is than another (ratio = value / other), in words."""
    if ratio >= 1:
        return "as large as" if ratio < 1.05 else f"{ratio:.1f}× larger than"
    factor = 1 / max(ratio, 1e-300)
    if factor < 10:
        return f"{factor:.1f}× smaller than"
    return f"{factor:,.0f}× smaller than" if factor < 1e6 else f"{factor:.0e}× smaller than"


# ----- vanishing gradients -----
@dataclass(frozen=True)
class CellReading:
    cell: str
    peak_distance: int
    peak: float
    far_distance: int  # the longest distance drawn
    far: float

    @property
    def ratio(self) -> float:
        """The gradient at the longest distance over the cell's peak (1 = nothing lost)."""
        return self.far / self.peak if self.peak > 0 else 0.0

    @property
    def verdict(self) -> str:
        """"kept", "vanished" or "shrank" (between the two)."""
        return "kept" if self.ratio >= KEPT else "vanished" if self.ratio < VANISHED else "shrank"

    @property
    def words(self) -> str:
        return CELL_WORDS.get(self.cell, self.cell)


def read_cells(curves: dict[str, dict[int, float]]) -> list[CellReading]:
    """Per cell (distance -> gradient norm, as drawn): its peak and its value at its longest distance."""
    found = []
    for cell, curve in curves.items():
        usable = {d: v for d, v in curve.items() if v > 0 and math.isfinite(v)}
        if not usable:
            continue
        peak = max(usable, key=usable.get)
        far = max(usable)
        found.append(CellReading(cell, peak, usable[peak], far, usable[far]))
    return found


def gradient_summary(readings: list[CellReading]) -> str:
    """One line of the numbers: each cell's gradient at its longest distance against its peak."""
    return "At the longest distance drawn, against each cell's own peak: " + "; ".join(
        f"{r.cell} {r.far:.2g} at {r.far_distance} steps, {times(r.ratio)} its peak {r.peak:.2g} "
        f"(at {r.peak_distance})" for r in readings) + "."


def gradient_sentence(readings: list[CellReading]) -> str:
    """Which cell keeps its gradient over the distances drawn and which loses it, as far as the numbers
    go (kept: at most 10× below the peak; vanished: more than 100× below)."""
    if not readings:
        return "No gradient was measured."
    span = max(r.far_distance for r in readings)
    if span < MIN_SPAN:
        return (f"The longest distance here is {span} steps, too short to tell a vanishing gradient from "
                f"noise: type more letters (up to 30).")
    groups = {v: [r for r in readings if r.verdict == v] for v in ("vanished", "shrank", "kept")}
    parts = []
    if groups["vanished"]:
        cells = groups["vanished"]
        worst = min(cells, key=lambda r: r.ratio)
        lost = "loses its gradient" if len(cells) == 1 else "lose their gradient"
        parts.append(f"{_capital(_and([r.words for r in cells]))} {lost}: at {worst.far_distance} steps "
                     f"{'it is' if len(cells) == 1 else 'the smallest is'} {times(worst.ratio)} at "
                     f"{'its' if len(cells) == 1 else 'their'} peak, so the farthest letters get almost no "
                     "learning signal")
    if groups["kept"]:
        cells = groups["kept"]
        least = min(cells, key=lambda r: r.ratio)
        kept = "keeps its gradient" if len(cells) == 1 else "keep theirs"
        which = "it is" if len(cells) == 1 else f"the {'weaker' if len(cells) == 2 else 'weakest'} is"
        parts.append(f"{_capital(_and([r.words for r in cells]))} {kept}: at {least.far_distance} steps {which} "
                     f"{times(least.ratio)} its peak")
    if groups["shrank"]:
        cells = groups["shrank"]
        parts.append(f"{_capital(_and([r.words for r in cells]))}: "
                     + ", ".join(f"{times(r.ratio)} {'its' if len(cells) == 1 else 'the'} peak" for r in cells)
                     + " at the longest distance, between kept (under 10×) and vanished (over 100×): "
                       "these numbers do not settle it")
    if not groups["vanished"] and not groups["shrank"]:
        parts.append(f"no cell loses its gradient over these {span} steps, so this input shows no vanishing "
                     "gradient")
    elif not groups["kept"] and not groups["shrank"]:
        parts.append("no cell keeps its gradient here")
    return ". ".join(_capital(p) for p in parts) + "."


# ----- did a run learn? -----
@dataclass(frozen=True)
class Learning:
    final_loss: float | None  # nats per output piece at the end of training (validation if measured)
    vocabulary: int  # output symbols
    shortest: str | None  # the shortest inputs' bucket, e.g. "1-5"
    shortest_exact_match: float | None  # 0..1
    learned: bool
    reason: str

    @property
    def chance(self) -> float:
        """The loss of a uniform guess over the output vocabulary: ln V."""
        return math.log(self.vocabulary)


def learning(final_loss: float | None, vocabulary: int, shortest: str | None = None,
             shortest_exact_match: float | None = None) -> Learning:
    """Whether a run learned: its final loss against a uniform guess's, and its exact match on the
    shortest inputs (when known). Not learned when either says nothing was learnt."""
    chance = math.log(max(vocabulary, 2))
    reasons, learned = [], True
    if final_loss is not None:
        if final_loss >= CHANCE_SHARE * chance:
            learned = False
            reasons.append(f"final loss {final_loss:.2f}, no better than a uniform guess over its {vocabulary} "
                           f"output symbols (ln {vocabulary} = {chance:.2f})")
        else:
            reasons.append(f"final loss {final_loss:.2f}, below a uniform guess's {chance:.2f}")
    if shortest_exact_match is not None:
        if shortest_exact_match < MIN_SHORTEST:
            learned = False
            reasons.append(f"{shortest_exact_match:.0%} exact match even on lengths {shortest}")
        else:
            reasons.append(f"{shortest_exact_match:.0%} exact match on lengths {shortest}")
    if not reasons:
        reasons.append("no loss or score recorded yet")
    return Learning(final_loss, vocabulary, shortest, shortest_exact_match, learned, "; ".join(reasons))


# ----- exact match by length -----
def length_sentences(rows: list[dict], learned: dict[str, Learning]) -> list[str]:
    """What exact match by length shows, from `rows` (run, lengths, low, exact_match 0..1; one per run and
    bucket, as drawn) and whether each run learned: runs that did not learn are named as no evidence."""
    by_run: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["low"]):
        by_run.setdefault(row["run"], []).append(row)
    stuck = [run for run in by_run if run in learned and not learned[run].learned]
    learners = {run: buckets for run, buckets in by_run.items() if run not in stuck}
    sentences = []
    if not learners:
        sentences.append("No run here learned, so this chart says nothing about how exact match depends on "
                         "length")
    else:
        spans = [(run, b[0], b[-1]) for run, b in learners.items() if len(b) > 1]
        if not spans:
            sentences.append("Each learned run has inputs of one length bucket only: nothing to say about length")
        else:
            sentences.append("From the shortest to the longest inputs, exact match goes " + "; ".join(
                f"{first['exact_match']:.0%} → {last['exact_match']:.0%} for {run} (lengths {first['lengths']} → "
                f"{last['lengths']})" for run, first, last in spans))
            drops = sorted(((first["exact_match"] - last["exact_match"], run) for run, first, last in spans),
                           reverse=True)
            if len(drops) > 1:
                (top, run), (second, _) = drops[0], drops[1]
                if top - second >= CLEAR_GAP:
                    sentences.append(f"It falls most for {run} ({100 * top:.0f} points, "
                                     f"{100 * (top - second):.0f} more than the next)")
                else:
                    sentences.append(f"The runs that learned fall by about as much (within {100 * CLEAR_GAP:.0f} "
                                     "points of each other): these numbers do not rank them")
    for run in stuck:
        sentences.append(f"{run} did not learn ({learned[run].reason}): its line is no evidence about length")
    return [s + "." for s in sentences]
