"""The page list read from pages/*.py: every page of the repository, and a page's new docstring shown
as soon as its file changes, although each file is parsed once per version (every rerun builds the menu)."""
from __future__ import annotations

import os

from studio.shared.pagemap import PAGES, page_summaries


def test_every_page_script_is_listed_with_its_title_and_summary():
    pages = page_summaries()
    assert [p.path for p in pages] == [f"pages/{path.name}" for path in sorted(PAGES.glob("*.py"))]
    assert all(p.title and p.summary for p in pages)
    assert "Step by step" in [p.title for p in pages]


def test_a_changed_page_is_read_again(tmp_path):
    page = tmp_path / "1_First_page.py"
    page.write_text('"""Shows one thing."""\n', encoding="utf-8")
    assert [(p.title, p.summary) for p in page_summaries(tmp_path)] == [("First page", "Shows one thing.")]
    page.write_text('"""Shows another thing now."""\n', encoding="utf-8")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))  # a coarse clock
    assert page_summaries(tmp_path)[0].summary == "Shows another thing now."
    (tmp_path / "2_Broken.py").write_text("def (:\n", encoding="utf-8")
    assert [p.summary for p in page_summaries(tmp_path)] == ["Shows another thing now.", ""]
