"""axe-core, Deque's accessibility engine, run inside a Playwright page: the version pinned here is
installed from the npm registry (`npm install`) into tests/.axe-core/ (git-ignored) the first time a test
needs it, and its axe.min.js is injected into the page and run with the WCAG 2 A and AA rules.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

AXE_VERSION = "4.14.1"
FOLDER = Path(__file__).resolve().parent / ".axe-core"
PACKAGE = FOLDER / "node_modules" / "axe-core"
# The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe's own tag names).
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("critical", "serious")
RUN = """async tags => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""


def installed_version() -> str | None:
    try:
        return json.loads((PACKAGE / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None


def axe_script() -> str:
    """axe.min.js of the pinned version, installed first if it is not there yet (npm must be on PATH)."""
    if installed_version() != AXE_VERSION:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install axe-core (Debian package `npm`)")
        FOLDER.mkdir(exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(FOLDER), "--no-save", "--no-package-lock", "--no-audit",
                        "--no-fund", "--ignore-scripts", f"axe-core@{AXE_VERSION}"], check=True, timeout=300)
        if installed_version() != AXE_VERSION:
            raise RuntimeError(f"npm did not install axe-core {AXE_VERSION} into {FOLDER}")
    return (PACKAGE / "axe.min.js").read_text(encoding="utf-8")


def violations(page, script: str) -> list[dict]:
    """Every WCAG 2 A/AA violation axe finds in the page as it is now: id, impact, help and the nodes."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=script)
    return page.evaluate(RUN, WCAG_AA)


def blocking(found: list[dict]) -> list[dict]:
    """The critical and serious ones."""
    return [v for v in found if v["impact"] in BLOCKING]


def counts(found: list[dict]) -> dict[str, int]:
    """Nodes per impact, e.g. {"serious": 10}."""
    total: dict[str, int] = {}
    for v in found:
        total[v["impact"]] = total.get(v["impact"], 0) + len(v["nodes"])
    return total
