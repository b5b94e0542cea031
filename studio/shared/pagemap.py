"""The list of pages (for the home page's map, the app's navigation and links between pages), read
from pages/*.py without importing them."""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path


def _app_root() -> Path:
    """The folder of app.py, pages/ and .streamlit/: a clone's top folder, or studio/app/ inside an installed
    package (pyproject.toml puts them there)."""
    installed = Path(__file__).resolve().parents[1] / "app"
    return installed if (installed / "app.py").is_file() else Path(__file__).resolve().parents[2]


APP_ROOT = _app_root()
PAGES = APP_ROOT / "pages"


@dataclass(frozen=True)
class PageSummary:
    path: str  # as st.page_link wants it: "pages/1_Translate.py"
    title: str
    summary: str  # the first line of the page's docstring


def page_summaries(folder: Path = PAGES) -> list[PageSummary]:
    """Pages in menu order; each says what it shows in its docstring's first line."""
    return [_summary(path, _modified_ns(path)) for path in sorted(folder.glob("*.py"))]


def _modified_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:  # gone since the listing: _summary reads it as a page without a docstring
        return -1


# Every rerun of every page builds the menu: a page's file is parsed again only when it changes.
@functools.lru_cache(maxsize=256)
def _summary(path: Path, _modified_ns: int) -> PageSummary:
    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        doc = ""
    title = path.stem.split("_", 1)[-1].replace("_", " ")  # Streamlit's own label: "2_Step_by_step" -> "Step by step"
    return PageSummary(f"pages/{path.name}", title, doc.strip().splitlines()[0] if doc.strip() else "")
