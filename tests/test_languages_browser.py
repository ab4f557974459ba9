"""Every language on a 360×740 phone screen, in a real browser (Debian Chromium).

The pages a worker meets first (home, a corridor's jobs, a job, the report form) must fit
the screen, read right to left in Arabic, and show no English that a translator missed.
Names and the ad's own text are left out of that check: they are what their authors wrote.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.config import Config
from app.i18n import catalogue_folder
from tests.fixtures.builders import employer_pays_all
from tests.test_browser import browser, live_server  # noqa: F401

pytestmark = pytest.mark.browser

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"
PHONE = {"width": 360, "height": 740}
# Words that only English text has; a page in a non-Latin script shows none of them.
ENGLISH_WORDS = re.compile(r"\b(the|and|your|you|with|for|this|from|are|not|jobs?|apply|"
                           r"search|report|employer|wage|hours|week|month)\b", re.I)
LATIN_SCRIPT = {"tl", "es"}

VISIBLE_TEXT = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, template')) continue;
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || !box.width) continue;
    if (el.closest('details:not([open])') && !el.closest('summary')) continue;
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    if (text) texts.push(text);
  }
  return texts;
}"""


def translated_english(locale: str) -> set[str]:
    """English msgids that the catalogue renders differently: seeing one means a miss."""
    with (TRANSLATIONS / catalogue_folder(locale) / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale=locale)
    return {" ".join(m.id.split()) for m in catalogue
            if isinstance(m.id, str) and m.id and m.string and m.string != m.id
            and "%(" not in m.id}


@pytest.fixture
def demo_pages(make) -> dict[str, object]:
    corridor = make.corridor("NP-QA")
    employer = make.organisation("Gulf Star Builders W.L.L.")
    job = make.job(organisation=employer, title="Scaffolder, Doha metro",
                   description="Scaffolding on metro stations. Employer pays all recruitment "
                               "costs. 8 hours a day, Friday off.", costs=employer_pays_all())
    data_texts = [employer.name, job.title, job.description, "FairCorridor"]
    return {"urls": ["/", f"/corridors/{corridor.code}", f"/jobs/{job.id}", "/report"],
            "data": data_texts}


def leftover_english(texts: list[str], data: list[str], missed: set[str],
                     latin_script: bool) -> list[str]:
    problems = []
    for text in texts:
        for known in data:
            text = text.replace(" ".join(known.split()), " ")
        text = text.strip()
        if text in missed or any(len(m) > 24 and m in text for m in missed):
            problems.append(text)
        elif not latin_script and ENGLISH_WORDS.search(text):
            problems.append(text)
    return problems


@pytest.mark.parametrize("language", [code for code in Config.LANGUAGES if code != "en"])
def test_first_pages_fit_a_phone_and_speak_the_language(live_server, browser, demo_pages,
                                                        language):
    context = browser.new_context(viewport=PHONE, java_script_enabled=True)
    page = context.new_page()
    missed = translated_english(language)
    page.goto(f"{live_server}/?lang={language}")  # the switch, then the cookie remembers it
    try:
        for url in demo_pages["urls"]:
            response = page.goto(live_server + url)
            assert response.status == 200, url
            html = page.locator("html")
            assert html.get_attribute("lang") == language, url
            assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr"), url
            width = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], f"{url} scrolls sideways in {language}: {width}"
            texts = page.evaluate(VISIBLE_TEXT)
            english = leftover_english(texts, demo_pages["data"], missed,
                                       language in LATIN_SCRIPT)
            assert not english, f"English left on {url} in {language}: {english[:8]}"
    finally:
        context.close()
