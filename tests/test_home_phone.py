"""The home page puts the visitor's own corridor first, a corridor page shows jobs before
its explanations, every page has a description and a favicon; checked as pages and in a
360×740 browser."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.test_browser import browser, live_server  # noqa: F401 (fixtures)

PHONE = {"width": 360, "height": 740}
LONG = ("Qatar is one of the main destinations for Nepali workers, mostly in construction, "
        "facility services and security. " * 6)


def corridor_links(page: str) -> list[str]:
    return re.findall(r'<a class="corridor[^"]*" href="/corridors/([A-Z]{2}-[A-Z]{2})"', page)


def test_the_remembered_corridor_comes_first_and_is_named_yours(client, make):
    make.corridor("NP-QA"), make.corridor("PH-AE")
    client.set_cookie("corridor", "PH-AE")
    page = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert corridor_links(page) == ["PH-AE", "NP-QA"]
    assert re.search(r'class="corridor own" href="/corridors/PH-AE">[^<]+<small>your corridor',
                     page)


def test_without_a_choice_the_page_language_picks_the_corridor(client, make):
    make.corridor("PH-AE"), make.corridor("NP-QA")
    nepali = client.get("/?lang=ne").get_data(as_text=True)
    assert corridor_links(nepali)[0] == "NP-QA"
    english = client.get("/?lang=en").get_data(as_text=True)
    assert corridor_links(english) == ["NP-QA", "PH-AE"]  # no clue: the usual order
    assert "<small>your corridor" not in english


def test_opening_a_corridor_remembers_only_its_code(client, make):
    make.corridor("NP-QA"), make.corridor("PH-AE")
    response = client.get("/corridors/PH-AE")
    cookie = next(c for c in response.headers.getlist("Set-Cookie")
                  if c.startswith("corridor="))
    assert cookie.startswith("corridor=PH-AE;")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/?lang=ne").get_data(as_text=True)  # the choice beats the language
    assert corridor_links(page)[0] == "PH-AE"


def test_a_forged_corridor_cookie_is_ignored(client, make):
    make.corridor("NP-QA")
    client.set_cookie("corridor", "<script>")
    page = client.get("/?lang=en")
    assert page.status_code == 200 and "<script>" not in page.get_data(as_text=True)
    assert corridor_links(page.get_data(as_text=True)) == ["NP-QA"]


def test_pages_have_a_description_and_a_favicon(client, make):
    corridor = make.corridor("NP-QA")
    corridor.description = LONG
    db.session.commit()
    home = client.get("/?lang=en").get_data(as_text=True)
    assert re.search(r'<meta name="description" content="Fair jobs abroad[^"]+">', home)
    page = client.get("/corridors/NP-QA?lang=en").get_data(as_text=True)
    assert '<meta name="description" content="Fair jobs from Nepal → Qatar' in page
    # The corridor's long explanation waits behind "read more", after the jobs.
    assert page.index('<ul class="cards">') < page.index("<details class=\"more\">") \
        < page.index("Qatar is one of the main destinations")
    for path, start in (("/favicon.ico", b"\x00\x00\x01\x00"), ("/static/favicon.svg", b"<svg")):
        icon = client.get(path)
        assert icon.status_code == 200 and icon.data.startswith(start), path
        icon.close()  # a file response holds the file open until closed


@pytest.mark.browser
def test_on_a_phone_corridors_and_jobs_come_first_and_nothing_is_missing(  # noqa: F811
        browser, live_server, make):
    corridor = make.corridor("NP-QA")
    corridor.description = LONG
    db.session.commit()
    for n in range(3):
        make.job(title=f"Scaffolder {n}")
    db.session.close()
    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    failures = []
    page.on("response", lambda r: failures.append(r.url) if r.status >= 400 else None)
    page.on("console", lambda m: failures.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server}/")
    choice = page.get_by_role("link", name="Nepal → Qatar")
    box = choice.bounding_box()
    assert box and box["y"] + box["height"] <= PHONE["height"]  # chosen without scrolling
    choice.click()

    first = page.locator("li.card.job").first
    expect(first).to_be_visible()
    box = first.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], box  # a whole job above the fold
    more = page.locator("details.more")
    expect(more.locator("p")).to_be_hidden()
    more.locator("summary").click()
    expect(more.locator("p")).to_contain_text("main destinations")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

    page.goto(f"{live_server}/")  # the corridor just opened is now on top, and called yours
    expect(page.locator("ul.corridors a").first).to_contain_text("your corridor")
    assert failures == []
    context.close()
