"""The reviewer's statistics in a real browser (Debian Chromium via Playwright): the page
never scrolls sideways on a 360 px phone or wider screens, each chart fills its column,
count axes tick in whole numbers and the fee axis in round sums, and no two labels of a
chart overlap."""
from __future__ import annotations

import math

import pyotp
import pytest
from playwright.sync_api import Page

from app.accounts import second_factor
from app.console.charts import nice_step
from tests.fixtures.builders import PASSWORD
from tests.test_browser import browser, live_server  # noqa: F401  (shared fixtures)
from tests.test_console import RANGE, fixture  # noqa: F401  (known data in five months)

CHARTS = ("organisations", "signals", "grievances", "grievance_categories", "fees")
# Every text of one kind in a chart, as boxes on the screen (rotated text included).
BOXES = """(selector) => [...document.querySelectorAll(selector)]
    .filter(e => e.textContent.trim() && e.getBoundingClientRect().width > 0)
    .map(e => { const r = e.getBoundingClientRect();
                return {text: e.textContent.trim(), x: r.x, y: r.y, w: r.width, h: r.height}; })"""
LONG_RANGE = "from=2024-01&to=2026-12"  # 36 months: labels must thin out, not collide


def _sign_in_reviewer(page: Page, base: str, reviewer) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(reviewer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/login/code")
    page.get_by_label("Code").fill(pyotp.TOTP(second_factor.secret_of(reviewer)).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def reviewer_page(browser, live_server, make, fixture):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    _sign_in_reviewer(page, live_server, make.user("reviewer"))
    yield page
    context.close()


def _overlaps(boxes: list[dict]) -> list[tuple[str, str]]:
    """Pairs of boxes that share more than a pixel's width of area."""
    clash = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            width = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            height = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if width > 1 and height > 1:
                clash.append((a["text"], b["text"]))
    return clash


def _axis_numbers(page: Page, axis: str) -> list[float]:
    texts = [box["text"] for box in page.evaluate(BOXES, f".axis.{axis} .guides text")]
    return [float(text.replace(",", "")) for text in texts]


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 768, 1280])
def test_the_statistics_page_fits_the_screen_with_every_table_open(reviewer_page, live_server,
                                                                    width):
    page = reviewer_page
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server}/review/statistics/?{RANGE}")
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for name in CHARTS:
        chart = page.locator(f"#{name} img")
        chart.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                               arg=chart.element_handle())
        box, column = chart.bounding_box(), page.locator(f"#{name}").bounding_box()
        assert box["x"] >= column["x"] and box["x"] + box["width"] <= column["x"] + column[
            "width"] + 0.5, name
        assert box["width"] >= 0.8 * column["width"], name  # it fills its column
        assert box["height"] == pytest.approx(box["width"] * 420 / 800, abs=2), name


@pytest.mark.browser
@pytest.mark.parametrize("query", [RANGE, LONG_RANGE])
def test_chart_axes_tick_in_whole_and_round_numbers_and_no_labels_overlap(reviewer_page,
                                                                          live_server, query):
    page = reviewer_page
    page.set_viewport_size({"width": 800, "height": 420})
    for name in CHARTS:
        page.goto(f"{live_server}/review/statistics/{name}.svg?{query}")
        for kind in (".axis.x text", ".text-overlay text", ".legends text",
                     ".axis.y .guides text", ".axis.y2 .guides text"):
            assert _overlaps(page.evaluate(BOXES, kind)) == [], (name, kind)
        ticks = _axis_numbers(page, "y")
        assert len(ticks) >= 2 and all(t == int(t) for t in ticks), (name, ticks)
        steps = {b - a for a, b in zip(ticks, ticks[1:])}
        assert len(steps) == 1 and steps.pop() == nice_step(ticks[-1]), (name, ticks)
        if name == "fees":  # the median fee, in round dollars, on the right
            money = _axis_numbers(page, "y2")
            step = money[1] - money[0]
            assert money[0] == 0 and step == nice_step(money[-1]), money
            assert all(m == int(m) and m % step == 0 for m in money), money
            assert math.log10(step / (10 ** math.floor(math.log10(step)))) in (
                0, math.log10(2), math.log10(5))
