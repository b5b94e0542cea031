"""One decoding as one self-contained HTML page (`seq2seq trace --html FILE`, the Step-by-step page's download):
the model and settings named, the sentence and its translation, and trace_charts.py's view with its step slider.

Vega, Vega-Lite and vega-embed come inlined from vl-convert's bundle (~0.9 MB), so the file draws from disk
with no network; everything the user typed or the model wrote is escaped (HTML in the text, `<` inside the
JSON, so no text can close the script that holds it).
"""
from __future__ import annotations

import functools
import html
import json
import math

from seq2seq.config import DecodeConfig
from seq2seq.decoding.trace import Trace
from seq2seq.decoding.trace_charts import trace_spec

# Export buttons (SVG, PNG) work offline; the editor and source links would leave the page.
EMBED_OPTIONS = {"mode": "vega-lite", "renderer": "svg",
                 "actions": {"export": True, "source": False, "compiled": False, "editor": False}}

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }}
dl {{ display: grid; grid-template-columns: max-content auto; gap: 4px 16px; }}
dt {{ font-weight: 600; }} dd {{ margin: 0; }}
.note {{ color: #555; }}
#step-slider {{ font-size: 15px; margin: 8px 0 16px; }}
#step-slider input[type=range] {{ width: 420px; vertical-align: middle; }}
</style>
<script>{script}</script>
</head>
<body>
<h1>{title}</h1>
<dl>{facts}</dl>
<p class="note">Move the slider (or click it and use the arrow keys) to go through the steps. Written by
Seq2Seq Studio; it needs no network.</p>
<div id="step-slider"></div>
<div id="view"></div>
<script>
vegaEmbed("#view", {spec}, {options}).catch(function (error) {{
  document.getElementById("view").textContent = "The charts could not be drawn: " + error;
}});
</script>
</body>
</html>
"""

EMPTY = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><dl>{facts}</dl><p>The sentence was empty: there was nothing to decode.</p></body></html>
"""


@functools.cache
def vega_script() -> str:
    """vega-embed with Vega-Lite and Vega, as one script that defines window.vegaEmbed (built once per process:
    about 3 s the first time)."""
    import vl_convert

    return vl_convert.javascript_bundle()


def trace_page(trace: Trace, model: str, decode: DecodeConfig) -> str:
    """The page for one decoding by `model` (its name) with the settings `decode`."""
    title = html.escape(f"One decoding by {model}")
    facts = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(value)}</dd>"
                    for name, value in _facts(trace, model, decode))
    spec = trace_spec(trace)
    if spec is None:
        return EMPTY.format(title=title, facts=facts)
    return PAGE.format(title=title, facts=facts, script=vega_script(), spec=_script_json(spec),
                       options=_script_json(EMBED_OPTIONS))


def _facts(trace: Trace, model: str, decode: DecodeConfig) -> list[tuple[str, str]]:
    facts = [("model", model), ("settings", decode.describe()), ("source", trace.source),
             ("source pieces", " ".join(trace.src_pieces)), ("translation", trace.translation),
             ("log-probability", f"{trace.logprob:.3f} (natural log; p = {math.exp(trace.logprob):.3g})"),
             ("steps", str(len(trace.steps)))]
    if not trace.beam:
        facts.append(("beam tree", "none: this decoding kept one hypothesis (beam search draws a tree)"))
    if trace.truncated:
        facts.append(("note", "the output reached the length limit before its end-of-sentence piece"))
    return facts


def _script_json(value) -> str:
    """JSON that is safe inside <script>: no `<` at all, so no `</script>` or `<!--` can appear."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
