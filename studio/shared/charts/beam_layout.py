"""Where each hypothesis of a beam search tree goes, laid out as Seq2Seq-Vis draws its beam tree: steps left to
right, every piece written out whole, and a tidy vertical order in which no edge crosses another edge or a label.

Pure layout in pixels from the trace's BeamNodes (no Altair; studio.shared.charts.beam draws it):

* rows: a depth-first walk, children best first (the hypothesis the search returned, when known, before all
  others); a leaf takes the next free row and a parent the row of its first child, so the returned translation
  reads as one straight line along the top, each branch a contiguous block of rows below its parent. Two edges
  between the same two steps therefore keep their order at both ends: they never cross.
* columns: one per step, as wide as its longest label (estimated from the characters, a little generously).
  An edge runs right from its parent's label along the parent's own row, turns down in the gap between the
  columns (where there are no labels), and runs right along the child's row to the child's dot.
* a window of steps: a long sentence has more steps than fit a column of the page, so the tree shows the
  steps around the current one (or from the start) that fit `max_width` and `max_rows`; "…" marks the
  branches that come from earlier steps.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from seq2seq.service import BeamNode
from studio.shared.text import show_piece

FONT_PX = 13
ROW_PX = 22
GAP_PX = 26  # between a column's right edge and the next column's dots: where the edges turn
DOT_PX = 5  # radius of a node's dot, drawn left of its label
PAD_PX = 4  # dot to label, label to the edge leaving it
HEADER_PX = 22  # the step numbers above the columns
LEFT_PX = 34  # room for "…" when the window starts after the first step
ELLIPSIS = "…"
ROOT = -1  # the start symbol <s>, parent of the first step's hypotheses

# Character widths in em, generous for Streamlit's chart font (Source Sans) and for the fallback font that
# draws ▁ and other symbols: an estimate too wide only spends a few pixels, one too narrow would let a label
# run into an edge.
_NARROW = set("iljtfrI.,:;'!|()[]{}` ")
_WIDE = set("mwMW@%")


def text_px(text: str, size: int = FONT_PX) -> float:
    """Estimated rendered width of `text` in pixels at font size `size`."""
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.32
        elif ch in _WIDE:
            em += 0.88
        elif ch.isupper():
            em += 0.66
        elif ch.isascii() and (ch.isalnum() or ch in "<>/-_=+?*&#$\"~^"):
            em += 0.56
        else:  # accented letters, ▁, ␣, other scripts and symbols
            em += 0.8
    return em * size * 1.05 + 2


@dataclass
class Placed:
    node_id: int
    parent: int  # ROOT for the first step's hypotheses
    column: int  # the step (from 1); 0 is the start symbol
    row: int  # from 0, within the window
    piece: str  # as shown
    status: str  # "kept", "finished", "pruned" (the root: "start")
    logprob: float
    score: float
    chosen: bool  # on the path of the translation the search returned
    x: float  # the dot's centre
    y: float
    text_x: float  # where the label starts
    text_end: float  # where it ends (estimated)


@dataclass
class Segment:
    x: float
    y: float
    x2: float
    y2: float
    status: str  # the child's
    chosen: bool


@dataclass
class Layout:
    nodes: list[Placed]
    segments: list[Segment]
    columns: dict[int, tuple[float, float]]  # step -> (left x, right x)
    first: int  # the window's first and last step (0 = the start symbol)
    last: int
    steps: int  # steps in the whole tree
    width: float
    height: float
    earlier: list[Placed] = field(default_factory=list)  # "…": branches coming from before the window


def _parent(node: BeamNode) -> int:
    return ROOT if node.parent is None or node.parent < 0 else node.parent


def chosen_path(nodes: list[BeamNode], output_ids: list[int] | None) -> set[int]:
    """The nodes of the hypothesis the search returned: its pieces followed from the root, then its </s>."""
    if not output_ids:
        return set()
    children = defaultdict(list)
    for node in nodes:
        if node.status != "pruned":
            children[_parent(node)].append(node)
    path, at = set(), ROOT
    for token in output_ids:
        step = next((n for n in children[at] if n.token_id == token), None)
        if step is None:
            return path
        path.add(step.node_id)
        at = step.node_id
    path.update(n.node_id for n in children[at] if n.status == "finished")
    return path


def tidy_rows(nodes: list[BeamNode], first: set[int] = frozenset()) -> dict[int, int]:
    """Row of every node (and of ROOT): children best first (those in `first` before the others), a leaf the
    next free row, a parent its first child's row."""
    children = defaultdict(list)
    for node in nodes:
        children[_parent(node)].append(node)
    for kids in children.values():
        kids.sort(key=lambda n: (n.node_id not in first, -n.score, n.node_id))
    rows: dict[int, int] = {}
    free = 0
    stack = [(ROOT, False)]
    while stack:  # iterative depth-first walk: a tree may be deeper than Python's recursion limit
        node_id, done = stack.pop()
        kids = children.get(node_id, [])
        if done:
            rows[node_id] = rows[kids[0].node_id]
        elif not kids:
            rows[node_id] = free
            free += 1
        else:
            stack.append((node_id, True))
            stack.extend((kid.node_id, False) for kid in reversed(kids))
    return rows


def layout(nodes: list[BeamNode], current_step: int | None = None, show_pruned: bool = False,
           output_ids: list[int] | None = None, max_width: float = 760, max_rows: int = 56) -> Layout:
    """The tree (kept and finished hypotheses; with `show_pruned` the pruned candidates too) placed in pixels,
    for the window of steps around `current_step` (from 1; None: from the start) that fits."""
    shown, held = [], {ROOT}
    for node in sorted(nodes, key=lambda n: n.step):  # only nodes joined to the root (a parent's step comes first)
        if (show_pruned or node.status != "pruned") and _parent(node) in held:
            shown.append(node)
            held.add(node.node_id)
    path = chosen_path(nodes, output_ids)
    rows = tidy_rows(shown, path)
    labels = {n.node_id: show_piece(n.piece) for n in shown}
    labels[ROOT] = "<s>"
    column = {n.node_id: n.step + 1 for n in shown}
    column[ROOT] = 0
    steps = max(column.values())
    by_column = defaultdict(list)
    for node_id, step in column.items():
        by_column[step].append(node_id)
    label_px = {step: max(text_px(labels[i]) for i in ids) for step, ids in by_column.items()}

    def column_px(step: int) -> float:
        return 2 * DOT_PX + PAD_PX + label_px[step] + PAD_PX

    def fits(lo: int, hi: int) -> bool:
        width = (LEFT_PX if lo > 0 else 0) + sum(column_px(s) for s in range(lo, hi + 1)) + GAP_PX * (hi - lo) + 4
        held = {rows[i] for s in range(lo, hi + 1) for i in by_column[s]}
        return width <= max_width and len(held) <= max_rows

    lo, hi = _window(steps, current_step, fits)
    inside = [i for s in range(lo, hi + 1) for i in by_column[s]]
    dense = {row: index for index, row in enumerate(sorted({rows[i] for i in inside}))}

    columns, x = {}, float(LEFT_PX if lo > 0 else 0)
    for step in range(lo, hi + 1):
        columns[step] = (x, x + column_px(step))
        x = columns[step][1] + GAP_PX
    by_id = {n.node_id: n for n in shown}
    placed = {}
    for node_id in inside:
        node, left = by_id.get(node_id), columns[column[node_id]][0]
        text_x = left + 2 * DOT_PX + PAD_PX
        placed[node_id] = Placed(
            node_id, ROOT if node is None else _parent(node), column[node_id], dense[rows[node_id]], labels[node_id],
            "start" if node is None else node.status, 0.0 if node is None else node.logprob,
            0.0 if node is None else node.score, node_id == ROOT or node_id in path, left + DOT_PX,
            HEADER_PX + dense[rows[node_id]] * ROW_PX + ROW_PX / 2, text_x, text_x + text_px(labels[node_id]))

    # "…" for each parent before the window, on the row of its first child there.
    earlier = {}
    for node in placed.values():
        if node.node_id != ROOT and node.parent not in placed:
            mark = earlier.get(node.parent)
            if mark is None or node.row < mark.row:
                earlier[node.parent] = Placed(node.parent, ROOT, lo - 1, node.row, ELLIPSIS, "kept", 0.0, 0.0,
                                              node.parent in path, 0.0, node.y, 0.0, text_px(ELLIPSIS))
    segments = []
    for parent in [*placed.values(), *earlier.values()]:
        kids = sorted((k for k in placed.values() if k.parent == parent.node_id and k.node_id != ROOT),
                      key=lambda k: k.row)
        if not kids:
            continue
        turn = (columns[parent.column][1] if parent.node_id in placed else LEFT_PX - GAP_PX) + GAP_PX / 2
        # Right from the parent's label along its own row (no other label there) to the gap between columns,
        # down the gap to each child's row in turn, and right to the child's dot.
        segments.append(Segment(parent.text_end + PAD_PX, parent.y, turn, parent.y, kids[0].status,
                                parent.chosen and kids[0].chosen))
        above = parent.y
        for kid in kids:
            if kid.y > above:
                segments.append(Segment(turn, above, turn, kid.y, kid.status, parent.chosen and kid.chosen))
                above = kid.y
            segments.append(Segment(turn, kid.y, kid.x - DOT_PX - 1, kid.y, kid.status, parent.chosen and kid.chosen))
    height = HEADER_PX + len(dense) * ROW_PX + 4
    return Layout(sorted(placed.values(), key=lambda p: (p.column, p.row)), segments, columns, lo, hi, steps,
                  x - GAP_PX + 4, height, sorted(earlier.values(), key=lambda p: p.row))


def _window(steps: int, current: int | None, fits) -> tuple[int, int]:
    """The steps shown: with a current step, that step and the next, then as many earlier ones as fit, then
    later ones; without, from the start as far as fits."""
    if current is None:
        lo = hi = 0
    else:
        lo = hi = min(steps, max(0, current))
        if hi < steps and fits(lo, hi + 1):
            hi += 1
        while lo > 0 and fits(lo - 1, hi):
            lo -= 1
    while hi < steps and fits(lo, hi + 1):
        hi += 1
    return lo, hi
