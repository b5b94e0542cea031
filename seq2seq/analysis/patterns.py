"""Pattern search after LSTMVis (Strobelt et al. 2018): a set of hidden units that are "on" together
over a span of one sentence, looked for in many other sentences.

A unit is on at a position when its activation exceeds the threshold. Selecting a span of the
user's sentence picks the units on at every position of it; a match is a run of consecutive
positions, in a sentence of the reference sample, where all of those units are on, at least as long
as the span. Matches come longest first.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seq2seq.errors import UserError

# A tanh state lies in [-1, 1]; 0.3 keeps units that are clearly on rather than just above zero.
DEFAULT_THRESHOLD = 0.3
# Enough to show what the units respond to without flooding the page.
MAX_MATCHES = 20


@dataclass(frozen=True)
class Match:
    sentence: int  # index into the reference sample's sentences
    start: int  # first position of the run
    end: int  # last position of the run (inclusive)

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def units_on(activations: np.ndarray, start: int, end: int, threshold: float) -> list[int]:
    """Units above `threshold` at every position start..end (inclusive) of one sentence's (T, H) states."""
    acts = np.asarray(activations)
    if not 0 <= start <= end < len(acts):
        raise UserError(f"the span {start + 1}-{end + 1} is outside the sentence (1-{len(acts)})")
    return np.flatnonzero((acts[start:end + 1] > threshold).all(axis=0)).tolist()


def _runs(on: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D boolean array."""
    padded = np.concatenate([[False], on, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def find_matches(states: np.ndarray, sentence: np.ndarray, position: np.ndarray, units: list[int],
                 threshold: float, min_length: int, limit: int = MAX_MATCHES,
                 exclude: int | None = None) -> list[Match]:
    """Runs of at least `min_length` positions where every unit in `units` is on.

    `states` (N, H) with `sentence` and `position` (N,) say where each row belongs (a StateSet);
    `exclude` leaves out one sentence (the one the pattern was taken from, when it is in the sample).
    """
    if not units:
        raise UserError("no unit is on over the whole span at this threshold; lower it or pick a shorter span")
    on = (np.asarray(states)[:, units] > threshold).all(axis=1)
    order = np.lexsort((position, sentence))
    found = []
    sentences, starts = np.unique(sentence[order], return_index=True)
    bounds = list(starts[1:]) + [len(order)]
    for number, begin, stop in zip(sentences.tolist(), starts.tolist(), bounds):
        if number == exclude:
            continue
        rows = order[begin:stop]
        found += [Match(number, int(position[rows[a]]), int(position[rows[b]]))
                  for a, b in _runs(on[rows]) if b - a + 1 >= min_length]
    found.sort(key=lambda m: (-m.length, m.sentence, m.start))
    return found[:limit]


# The thresholds the Neurons view offers (0.00, 0.05, ..., 0.95).
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(20))


@dataclass(frozen=True)
class ThresholdCount:
    threshold: float
    units: int  # units on over the whole span at this threshold
    matches: int  # runs found (up to MAX_MATCHES)


def threshold_scan(activations: np.ndarray, start: int, end: int, states: np.ndarray, sentence: np.ndarray,
                   position: np.ndarray, thresholds: tuple[float, ...] = THRESHOLDS) -> list[ThresholdCount]:
    """What a search of this span finds at each threshold. A higher threshold keeps fewer units, and
    fewer units are more easily on together elsewhere; so matches may appear only when it is raised."""
    found = []
    for threshold in thresholds:
        units = units_on(activations, start, end, threshold)
        matches = find_matches(states, sentence, position, units, threshold, end - start + 1) if units else []
        found.append(ThresholdCount(threshold, len(units), len(matches)))
    return found


def suggested_threshold(scan: list[ThresholdCount]) -> float | None:
    """The lowest threshold that finds a match: the most units (the most specific pattern) that still
    occur together elsewhere; None when no threshold does."""
    return next((c.threshold for c in scan if c.matches), None)


def threshold_hint(scan: list[ThresholdCount], threshold: float) -> str:
    """Which way to move the threshold to find matches, from what the scan found at each threshold."""
    here = min(scan, key=lambda c: abs(c.threshold - threshold))
    if here.matches:
        return ""
    higher = [c for c in scan if c.threshold > here.threshold and c.matches]
    lower = [c for c in scan if c.threshold < here.threshold and c.matches]
    ways = []
    if higher:
        c = higher[0]
        ways.append(f"raise the threshold to {c.threshold:.2f} ({c.units} unit(s) instead of {here.units}: fewer "
                    f"units are more easily on together, and {c.matches} run(s) are found)")
    if lower:
        c = lower[-1]
        ways.append(f"lower it to {c.threshold:.2f} ({c.units} unit(s) on over the span, {c.matches} run(s) found)")
    if not ways:
        return ("No threshold finds these units on together elsewhere for this long: select a shorter span.")
    return "Nothing found at this threshold; " + " or ".join(ways) + "."
