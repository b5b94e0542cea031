"""Altair charts drawn in Jupyter with no network: a renderer, registered with Altair's own renderer registry
when `offline()` is called (never on import), whose output carries Vega, Vega-Lite and vega-embed inside it
(vl-convert's bundle, the one the exported decoding page inlines) instead of loading them from a CDN.

Each chart's HTML output holds the 0.9 MB bundle and runs it only when the page has no vegaEmbed yet, inside a
function so that two outputs never declare the same names. Frontends that draw Vega-Lite themselves (the
output's Vega-Lite mimetype) may use that instead; both need no network.
"""
from __future__ import annotations

import json
import uuid

import altair as alt

from seq2seq import service

RENDERER = "seq2seq-offline"
# As JupyterLab names Vega-Lite outputs; a notebook holds a JSON value only under a "+json" name (Altair 6.3's
# own "application/vnd.vegalite.v6.json" makes nbformat reject the saved notebook).
VEGALITE_MIMETYPE = "application/vnd.vegalite.v6+json"
# The export menu (SVG, PNG) works offline; the editor and source links would leave the notebook.
EMBED_OPTIONS = {"mode": "vega-lite", "actions": {"export": True, "source": False, "compiled": False, "editor": False}}

TEMPLATE = """<div id="{target}"></div>
<script type="text/javascript">
(function () {{
  if (typeof window.vegaEmbed !== "function") {{
{bundle}
  }}
  window.vegaEmbed("#{target}", {spec}, {options}).catch(function (error) {{
    document.getElementById("{target}").textContent = "The chart could not be drawn: " + error;
  }});
}})();
</script>"""


def offline() -> None:
    """Every Altair chart this kernel shows from now on draws with the bundled scripts (Altair's registry:
    `alt.renderers.enable("default")` goes back to Altair's own renderer, which loads Vega from a CDN)."""
    alt.renderers.register(RENDERER, chart_output)
    alt.renderers.enable(RENDERER)


def chart_output(spec: dict, **_metadata) -> dict[str, object]:
    """The output (a mimebundle) of one chart: its Vega-Lite spec, and HTML that draws it with no network."""
    html = TEMPLATE.format(target=f"seq2seq-chart-{uuid.uuid4().hex}", bundle=service.vega_script(),
                           spec=_script_json(spec), options=_script_json(EMBED_OPTIONS))
    return {VEGALITE_MIMETYPE: spec, "text/html": html, "text/plain": "<an Altair chart, drawn with bundled Vega>"}


def _script_json(value) -> str:
    """JSON safe inside <script>: no `<` at all, so no text in a chart can close the script."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
