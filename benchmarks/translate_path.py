"""Which of the project's files a sentence typed on the Translate page passes through, and how often the
run leaves a file and comes back to it: measured by running the page (Streamlit's AppTest) with a
profiler hook that notes the project file of every Python call, not read from the imports.

Two figures per checkout: the whole page's rerun after the sentence is typed (every view of it), and the
decoding alone (the calls under seq2seq/decoding and seq2seq/nn while the page runs), where a recording
that interleaves with the decoder shows up as returns per decoding step.

    python benchmarks/translate_path.py [--app-dir OLD_CHECKOUT]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

PROBE = r'''
import sys, json
from pathlib import Path
from streamlit.testing.v1 import AppTest
root = Path.cwd().resolve()
sentence = sys.argv[1]
app = AppTest.from_file("pages/1_Translate.py", default_timeout=300)
app.run()
box = next(t for t in app.text_area)
calls = []
def note(frame, event, arg):
    if event == "call":
        name = frame.f_code.co_filename
        if name.startswith(str(root)) and "/tests/" not in name:
            calls.append(str(Path(name).relative_to(root)))
box.set_value(sentence)
sys.setprofile(note)
import threading; threading.setprofile(note)
app.run()
sys.setprofile(None)
assert not app.exception, app.exception
print(json.dumps(calls))
'''


def visits(calls: list[str]) -> list[str]:
    """The files in the order the run entered them, a stay in one file counted once."""
    return [name for k, name in enumerate(calls) if k == 0 or calls[k - 1] != name]


def summary(calls: list[str]) -> dict:
    walk = visits(calls)
    return {"files": len(set(walk)), "moves between files": len(walk) - 1,
            "returns to a file left before": len(walk) - len(set(walk)), "file list": sorted(set(walk))}


def measure(app_dir: Path, sentence: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, sentence], cwd=app_dir, capture_output=True, text=True,
                         check=True)
    calls = json.loads(out.stdout.strip().splitlines()[-1])
    engine = [c for c in calls if c.startswith(("seq2seq/decoding/", "seq2seq/nn/", "seq2seq/search"))]
    return {"page": summary(calls), "decoding": summary(engine)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--app-dir", type=Path, help="an older checkout, measured in the same run")
    parser.add_argument("--sentence", default="She has been living in Paris for three years.")
    args = parser.parse_args(argv)
    results = {"now": measure(HERE, args.sentence)}
    if args.app_dir:
        results["before"] = measure(args.app_dir.resolve(), args.sentence)
    for name, result in results.items():
        for part, figures in result.items():
            print(f"{name:6} {part:9} files {figures['files']:3}  moves {figures['moves between files']:6}  "
                  f"returns {figures['returns to a file left before']:6}")
    (HERE / "benchmarks" / "results" / "translate_path.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
