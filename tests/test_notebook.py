"""docs/notebook.ipynb executed by a real Jupyter kernel (nbclient + ipykernel): no cell fails, the translations
appear, every chart's output carries its Vega-Lite spec and HTML with the Vega scripts inside (no script loaded
from anywhere), and one such output, opened in Debian's chromium with every request refused, draws its chart
with no console message. Also: importing the notebook API imports no Streamlit and leaves Altair unpatched."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO / "docs" / "notebook.ipynb"
VEGALITE = "application/vnd.vegalite.v6+json"

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (requirements-test.txt)")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (requirements-test.txt)")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (requirements-test.txt)")


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run top to bottom in a scratch folder (it writes decoding.html there)."""
    folder = tmp_path_factory.mktemp("notebook")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    previous = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), previous]))  # the kernel inherits it
    try:
        nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        os.environ.pop("PYTHONPATH") if previous is None else os.environ.__setitem__("PYTHONPATH", previous)
    return notebook, folder


def outputs(notebook) -> list[dict]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def chart_outputs(notebook) -> list[dict]:
    return [o for o in outputs(notebook) if VEGALITE in o.get("data", {})]


def text_of(notebook) -> str:
    parts = []
    for output in outputs(notebook):
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.slow
def test_every_cell_runs_and_the_translations_appear(executed):
    notebook, folder = executed
    assert [o for o in outputs(notebook) if o.output_type == "error"] == []
    text = text_of(notebook)
    assert "Je suis très heureux de te voir." in text and "tatoeba-en-fr" in text
    assert "Mon frère et moi" in text  # the traced sentence's translation
    page = folder / "decoding.html"
    assert page.is_file() and 500_000 < page.stat().st_size < 2_000_000


@pytest.mark.slow
def test_every_chart_carries_its_spec_and_the_vega_scripts(executed):
    notebook, _ = executed
    charts = chart_outputs(notebook)
    assert len(charts) == 8  # pieces, softmax, attention, beam tree, attribution, gradients, 2 trajectories
    for output in charts:
        html = output["data"]["text/html"]
        assert "window.vegaEmbed" in html and "vegaEmbed=" in html  # the bundle defines it inside the output
        assert "<script src" not in html.replace(" ", "").lower() and "<link" not in html
        assert output["data"][VEGALITE]["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")


@pytest.mark.slow
@pytest.mark.browser
def test_a_chart_output_draws_offline_in_chromium(executed, tmp_path):
    from tests.conftest import playwright_or_skip

    sync_api = playwright_or_skip()
    from benchmarks import app_server

    notebook, _ = executed
    attention = chart_outputs(notebook)[2]["data"]["text/html"]
    page_file = tmp_path / "chart.html"
    page_file.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{attention}</body></html>",
                         encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(app_server.CHROMIUM), args=app_server.CHROMIUM_ARGS)
        context = browser.new_context(offline=True)
        refused, console = [], []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                      else (refused.append(route.request.url), route.abort()))
        page = context.new_page()
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        page.goto(page_file.as_uri())
        page.wait_for_selector("svg.marks .mark-rect path", timeout=60_000)
        cells = page.locator("svg.marks .mark-rect path").count()
        browser.close()
    assert cells > 20 and refused == [] and console == []


def test_importing_the_notebook_api_imports_no_streamlit_and_patches_no_library():
    probe = ("import sys; from altair.utils import schemapi; before = schemapi._FromDict.__init__; "
             "from studio import notebook; import json; "
             "print(json.dumps({'ui': sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'), "
             "'same': schemapi._FromDict.__init__ is before}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ui": [], "same": True}
