"""How far apart the colours that tell a chart's categories apart stay for a reader with a colour-vision
deficiency: each pair's CIE 1976 colour difference (ΔE*ab, in CIELAB; about 2.3 is just noticeable) before
and after simulating the deficiency with Machado, Oliveira & Fernandes (2009) at full severity, applied in
linear sRGB (colour-science's matrix_cvd_Machado2009). The palette's first five colours are listed for
reference: a chart's second channel (dash, shape, outline) carries the pairs that come close.

    python benchmarks/colour_vision.py
    python benchmarks/colour_vision.py --before "#e4572e,#17becf,#2ca02c"

The charts measured are those that name their category colours: the vanishing-gradients chart's cells
(studio/shared/charts/gradients.py), as drawn now and, with --before, as they were; the palette's
neighbouring categories; the Train page's training/validation split; the candidates' chosen/alternative.
"""
from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python benchmarks/NAME.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import itertools

import colour
import numpy as np

from benchmarks.common import machine, write_result

GOAL = "each chart's category colours at least ΔE 40 apart under simulated deuteranopia (the gradients chart's " \
       "rnn against lstm was 107 -> 11 with red and green)"
# Machado's tritanomaly matrices are, by colour-science's own warning, a rough approximation: left out.
DEFICIENCIES = {"deuteranopia": "Deuteranomaly", "protanopia": "Protanomaly"}
# The gradients chart's colours for rnn, gru and lstm before the Okabe-Ito palette.
BEFORE = "#e4572e,#17becf,#2ca02c"


def srgb(hex_colour: str) -> np.ndarray:
    value = hex_colour.lstrip("#")
    return np.array([int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)])


def simulate(rgb: np.ndarray, deficiency: str | None) -> np.ndarray:
    """The sRGB colour as a reader with `deficiency` (a key of DEFICIENCIES, None: none) sees it."""
    if deficiency is None:
        return rgb
    matrix = colour.matrix_cvd_Machado2009(DEFICIENCIES[deficiency], 1.0)
    linear = np.clip(matrix @ colour.cctf_decoding(rgb), 0, 1)
    return colour.cctf_encoding(linear)


def delta_e(a: str, b: str, deficiency: str | None = None) -> float:
    """CIE 1976 ΔE*ab between two hex colours as a reader with `deficiency` sees them."""
    lab_a, lab_b = (colour.XYZ_to_Lab(colour.sRGB_to_XYZ(simulate(srgb(c), deficiency))) for c in (a, b))
    return float(colour.delta_E(lab_a, lab_b, method="CIE 1976"))


def pairs(named: dict[str, str]) -> list[dict]:
    """Every pair of categories: ΔE with normal vision and under each deficiency."""
    return [{"pair": f"{x} / {y}", **{k: round(delta_e(named[x], named[y], k if k != "normal" else None), 1)
                                      for k in ["normal", *DEFICIENCIES]}}
            for x, y in itertools.combinations(named, 2)]


def charts_now() -> dict[str, dict[str, str]]:
    from studio.shared.charts import gradients, palette, pieces
    from studio.train import charts as train

    def of(scale) -> dict[str, str]:
        return dict(zip(scale.domain, scale.range))

    return {"gradients (cells)": of(gradients.CELL_COLORS),
            "palette (neighbours)": {f"{i + 1}": c for i, c in enumerate(palette.CATEGORICAL[:5])},
            "train (split)": of(train.SPLIT_COLORS), "candidates (role)": of(pieces.CHOSEN_COLORS)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE, help="the gradients chart's rnn,gru,lstm colours before")
    args = parser.parse_args()
    started = machine()
    measured = {name: pairs(named) for name, named in charts_now().items()}
    measured["gradients (cells), before"] = pairs(dict(zip(["rnn", "gru", "lstm"], args.before.split(","))))
    for name, rows in measured.items():
        print(name)
        for row in rows:
            print(f"  {row['pair']:28s} " + "  ".join(f"{k} {v:6.1f}" for k, v in row.items() if k != "pair"))
    write_result("colour_vision", {"before": args.before, "method": "CIE 1976 ΔE*ab, Machado 2009 severity 1"},
                 measured, GOAL, started)


if __name__ == "__main__":
    main()
