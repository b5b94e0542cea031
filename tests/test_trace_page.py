"""One decoding as one page (seq2seq/decoding/trace_charts.py, trace_page.py), without a browser: what the
spec holds for each kind of decoding, that no typed text can reach the page as markup, and the CLI's --html.
tests/test_browser_trace_page.py opens the page in chromium."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from seq2seq.config import DecodeConfig
from seq2seq.decoding.trace_charts import trace_spec
from seq2seq.decoding.trace_page import trace_page
from seq2seq.decoding.translator import load_translator

REPO = Path(__file__).resolve().parent.parent
BEAM = DecodeConfig(strategy="beam", beam_size=3)
HOSTILE = 'June 3, 1999 </script><script>alert("x")</script> <!-- & "quotes"'


@pytest.fixture(scope="module")
def dates():
    return load_translator(REPO / "checkpoints" / "dates")


def spec_of(page: str) -> dict:
    """The spec as the page hands it to vegaEmbed."""
    found = re.search(r'vegaEmbed\("#view", (\{.*?\}), \{"mode"', page, re.S)
    return json.loads(found.group(1))


def test_the_spec_holds_every_step_and_the_beam_tree(dates):
    trace = dates.trace("March 5, 1987", BEAM)
    spec = trace_spec(trace)
    steps = len(trace.steps)
    assert spec["params"][0]["bind"]["max"] == steps and spec["params"][0]["bind"]["input"] == "range"
    data = spec["datasets"]
    assert [row["step"] for row in data["steps"]] == list(range(1, steps + 1))
    assert len(data["top"]) == sum(len(s.top) for s in trace.steps)
    assert len(data["attention"]) == steps * len(trace.src_pieces)
    for step in range(1, steps + 1):  # each step's attention is a distribution over the source
        assert sum(r["weight"] for r in data["attention"] if r["step"] == step) == pytest.approx(1, abs=1e-4)
    returned = sorted((r["step"], r["piece"]) for r in data["beam"] if r["returned"])
    assert [piece for _, piece in returned][:len(trace.output_pieces)] == trace.output_pieces
    titles = [chart.get("title", {}).get("text") for chart in spec["vconcat"]]
    assert "Beam search tree" in titles and "Attention at every step" in titles


def test_a_greedy_decoding_says_it_has_no_tree_and_a_model_without_attention_says_so(dates):
    greedy = trace_page(dates.trace("March 5, 1987", DecodeConfig()), "dates", DecodeConfig())
    assert "Beam search tree" not in greedy and "kept one hypothesis" in greedy
    rnn = load_translator(REPO / "checkpoints" / "grad-rnn")
    page = trace_page(rnn.trace("abc", DecodeConfig()), "grad-rnn", DecodeConfig())
    titles = [str(chart.get("title", {}).get("text")) for chart in spec_of(page)["vconcat"]]
    assert "Attention at every step" not in titles
    assert "No attention" in [c["title"]["text"] for c in spec_of(page)["vconcat"][2]["hconcat"]]


def test_no_typed_text_reaches_the_page_as_markup(dates):
    page = trace_page(dates.trace(HOSTILE, BEAM), "dates</title><b>", BEAM)
    assert "<script>alert" not in page and "<!-- &" not in page and "</title><b>" not in page
    assert page.count("</script>") == 2  # the bundle's and the one that draws: nothing typed closed a script
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in page  # the source as text, in the facts
    assert spec_of(page)["datasets"]["steps"]  # the spec still parses


def test_an_empty_sentence_gives_a_page_that_says_so(dates):
    page = trace_page(dates.trace("", DecodeConfig()), "dates", DecodeConfig())
    assert "nothing to decode" in page and "vegaEmbed" not in page


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "seq2seq", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_the_cli_writes_the_page_from_any_folder_naming_the_model_by_name(tmp_path):
    result = run_cli("trace", "--checkpoint", "dates", "--beam", "3", "--html", "page.html", "March 5, 1987",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr.startswith("wrote page.html (")
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert "One decoding by dates" in page and "beam search (size 3, length penalty 1)" in page


def test_the_cli_says_in_one_line_when_the_page_cannot_be_written(tmp_path):
    result = run_cli("trace", "--checkpoint", "dates", "--html", str(tmp_path / "missing" / "page.html"), "May 1",
                     cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: --html ") and "cannot write" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
