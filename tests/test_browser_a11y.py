"""Readable by every student, checked in a real browser (Debian chromium via Playwright): axe-core (the
npm package, pinned in tests/axe.py) finds no critical or serious WCAG 2 A/AA violation on any page, the
Lesson's eight steps and the Step-by-step page's open panels included; no chart is announced as the
anonymous "Vega visualization"; and the Step-by-step page's Back and Next work from the keyboard alone.

Each page's axe findings (every impact) are written to test-artifacts/axe-<page>.json, and a screenshot of
each page to test-artifacts/a11y-<page>.png.
"""
from __future__ import annotations

import json
import re

import axe
import pytest
from conftest import ARTIFACTS, ROOT, playwright_or_skip, settle

pytestmark = pytest.mark.browser
sync_api = playwright_or_skip()
SERVER_LOG = "server-a11y.log"
VIEWPORT = {"width": 1400, "height": 1000}
SENTENCE = "I am very happy to see you."
PAGES = {"Home": "", "Translate": "Translate", "Step by step": "Step_by_step", "Inside the model": "Inside_the_model",
         "Train": "Train", "Models": "Models", "Lesson": "Lesson", "Glossary": "Glossary"}
# What every chart on screen is announced as: Vega names its container after the spec's description.
CHART_NAMES = """() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]
    .filter(el => el.getClientRects().length > 0).map(el => el.getAttribute('aria-label') || '')"""
STEP_LABEL = re.compile(r"^Step (\d+) of \d+$")

if not (ROOT / "checkpoints" / "tatoeba-en-fr").is_dir():
    pytest.skip("the default model tatoeba-en-fr is not shipped", allow_module_level=True)


@pytest.fixture(scope="module")
def axe_js() -> str:
    try:
        return axe.axe_script()
    except RuntimeError as error:
        pytest.skip(str(error))


def audit(page, axe_js: str, name: str) -> list[str]:
    """The page as it is now: its axe findings saved, a screenshot taken; returns what must be fixed (the
    critical and serious findings, and charts without a name of their own)."""
    settle(page, 1000)
    found = axe.violations(page, axe_js)
    slug = re.sub(r"\W+", "-", name.lower())
    (ARTIFACTS / f"axe-{slug}.json").write_text(json.dumps({"counts": axe.counts(found), "violations": found},
                                                          indent=1, ensure_ascii=False))
    page.screenshot(path=str(ARTIFACTS / f"a11y-{slug}.png"))
    problems = [f"{name}: {v['impact']} {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']]}"
                for v in axe.blocking(found)]
    names = page.evaluate(CHART_NAMES)
    problems += [f"{name}: chart {i} is announced as {label!r}" for i, label in enumerate(names)
                 if not label.strip() or label == "Vega visualization"]
    return problems


def open_page(page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("stSidebarNav").wait_for()
    settle(page, 1500)


def test_no_page_has_a_critical_or_serious_wcag_violation(browser_page, server_url, axe_js):
    page = browser_page
    problems = []
    for name, path in PAGES.items():
        open_page(page, f"{server_url}/{path}?model=tatoeba-en-fr&text={SENTENCE.replace(' ', '+')}")
        problems += audit(page, axe_js, name)
    assert not problems, "\n".join(problems)


def test_every_lesson_step_and_the_step_pages_panels_pass_axe(browser_page, server_url, axe_js):
    page = browser_page
    problems = []
    for step in range(2, 9):  # step 1 is the Lesson's first screen, audited with every page
        open_page(page, f"{server_url}/Lesson?lesson={step}")
        problems += audit(page, axe_js, f"Lesson step {step}")
    open_page(page, f"{server_url}/Step_by_step?model=tatoeba-en-fr")
    for panel in ("Inside one step", "All steps"):
        page.get_by_test_id("stExpander").filter(has_text=panel).locator("summary").first.click()
        settle(page, 1000)
    problems += audit(page, axe_js, "Step by step, panels open")
    assert not problems, "\n".join(problems)


def current_step(page) -> int:
    label = page.get_by_text(STEP_LABEL).first.inner_text()
    return int(STEP_LABEL.match(label.strip()).group(1))


def focused_button(page) -> str:
    """The text of the button that has the focus ("" when the focus is elsewhere)."""
    return page.evaluate("() => { const e = document.activeElement;"
                         " return e && e.tagName === 'BUTTON' ? e.innerText.trim() : ''; }")


def tab_to(page, label: str, key: str = "Tab", limit: int = 30) -> None:
    """Press Tab (or Shift+Tab) until the focused button's label begins with `label`, as a keyboard user
    moves through the page."""
    for _ in range(limit):
        page.keyboard.press(key)
        if focused_button(page).startswith(label):
            return
    raise AssertionError(f"{label!r} never took the focus in {limit} presses of {key}")


def test_step_page_next_and_back_work_from_the_keyboard(browser_page, server_url):
    """Tab reaches Next and Back; Enter and Space press them; the focus shows (an outline or a ring)."""
    page = browser_page
    open_page(page, f"{server_url}/Step_by_step?model=tatoeba-en-fr&text={SENTENCE.replace(' ', '+')}")
    assert current_step(page) == 1
    page.get_by_role("textbox").first.focus()  # from the sentence box, as a student who has just typed
    tab_to(page, "Next ▶")
    ring = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; }""")
    assert ring, "the focused Next button shows no focus outline"
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^Step 2 of \d+$")).wait_for()
    page.wait_for_url("**step=2**")
    settle(page)
    assert focused_button(page).startswith("Next ▶"), "the focus left Next when the step changed"
    page.keyboard.press("Space")  # again, without moving: the focus stays where the student left it
    page.get_by_text(re.compile(r"^Step 3 of \d+$")).wait_for()
    settle(page)
    tab_to(page, "◀ Back", key="Shift+Tab")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^Step 2 of \d+$")).wait_for()
    page.wait_for_url("**step=2**")
    assert current_step(page) == 2
