"""The reader's language: the switch, its memory (cookie, account), the order of choice, RTL."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.extensions import db

HTML_TAG = re.compile(r'<html lang="([a-z]+)" dir="(ltr|rtl)">')
LANGUAGES = ["en", "ne", "hi", "bn", "tl", "es", "ar"]
OWN_NAMES = {"ne": "नेपाली", "hi": "हिन्दी", "bn": "বাংলা", "tl": "Filipino",
             "es": "Español", "ar": "العربية", "en": "English"}


def page_language(response) -> tuple[str, str]:
    return HTML_TAG.search(response.get_data(as_text=True)).groups()


def set_cookies(response) -> list[str]:
    return [h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")]


def test_every_page_offers_every_language_in_its_own_name_and_script(client):
    for url in ("/", "/report", "/register/", "/no-such-page"):
        page = client.get(url).get_data(as_text=True)
        switch = page.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]
        for code, name in OWN_NAMES.items():
            assert f'lang="{code}"' in switch and name in switch, (url, code)


def test_the_switch_is_a_plain_link_to_the_same_page_and_is_remembered_in_a_cookie(client):
    page = client.get("/register/?kind=agency").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" lang="ne"', page).group(1).replace("&amp;", "&")
    assert link.startswith("/register/?") and "kind=agency" in link and "lang=ne" in link

    chosen = client.get(link)
    assert page_language(chosen) == ("ne", "ltr")
    assert "lang=ne" in chosen.headers["Set-Cookie"] and "HttpOnly" in chosen.headers["Set-Cookie"]
    # The next page, with no choice in its address, stays in Nepali.
    assert page_language(client.get("/")) == ("ne", "ltr")


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_each_language_is_served_from_its_own_catalogue(client, language):
    """Not only labelled: Tagalog ("tl", which Babel calls fil_PH) reads its catalogue too."""
    page = client.get(f"/?lang={language}").get_data(as_text=True)
    assert "Report abuse" not in page and "Find a fair job abroad" not in page


def test_a_language_we_do_not_have_is_ignored(client):
    response = client.get("/?lang=xx", headers={"Accept-Language": "es"})
    assert page_language(response) == ("es", "ltr")
    assert "lang" not in set_cookies(response)


def test_order_of_choice_account_then_cookie_then_browser(client, make, auth):
    client.set_cookie("lang", "hi")
    assert page_language(client.get("/", headers={"Accept-Language": "bn"}))[0] == "hi"
    client.delete_cookie("lang")
    assert page_language(client.get("/", headers={"Accept-Language": "bn,en;q=0.5"}))[0] == "bn"
    assert page_language(client.get("/", headers={"Accept-Language": "fil-PH"}))[0] == "tl"

    worker = make.user("worker", locale="es")
    auth.login(worker.email)
    client.set_cookie("lang", "hi")
    assert page_language(client.get("/", headers={"Accept-Language": "bn"}))[0] == "es"


def test_a_corridor_page_falls_back_to_the_corridors_origin_language(client, make):
    make.corridor("NP-QA")
    make.corridor("PH-AE")
    assert page_language(client.get("/corridors/NP-QA", headers={"Accept-Language": "de"}))[0] == "ne"
    assert page_language(client.get("/corridors/PH-AE", headers={"Accept-Language": "de"}))[0] == "tl"
    # The browser's supported choice still comes first.
    assert page_language(client.get("/corridors/NP-QA", headers={"Accept-Language": "en"}))[0] == "en"
    assert page_language(client.get("/", headers={"Accept-Language": "de"}))[0] == "en"


def test_picking_a_language_while_signed_in_stores_it_on_the_account(client, make, auth):
    worker = make.user("worker")
    auth.login(worker.email)
    client.get("/?lang=bn")
    client.delete_cookie("lang")
    db.session.refresh(worker)
    assert worker.locale == "bn"
    assert page_language(client.get("/me/applications"))[0] == "bn"


def test_an_account_registered_in_a_language_keeps_it(client, auth):
    client.get("/?lang=tl")
    response = auth.post("/register", {"email": "maria@example.org", "display_name": "Maria",
                                       "password": "a long enough password"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "maria@example.org"))
    assert user.locale == "tl"


def test_the_profile_offers_lists_not_codes(client, make, auth):
    make.corridor("NP-QA")
    worker = make.user("worker")
    auth.login(worker.email)
    page = client.get("/profile?lang=en").get_data(as_text=True)
    assert '<select id="f-locale" name="locale"' in page and "नेपाली" in page
    assert 'type="checkbox" name="languages" value="ne"' in page and "Nepali" in page
    assert '<option value="Asia/Kathmandu"' in page and "Nepal Time" in page
    assert "codes, e.g." not in page and "e.g. Asia/Kathmandu" not in page

    response = auth.post("/profile", {"locale": "hi", "languages": ["ne", "hi"],
                                      "timezone": "Asia/Kathmandu", "corridors": ["NP-QA"]})
    assert response.status_code == 302
    db.session.refresh(worker)
    assert (worker.locale, worker.timezone, worker.profile.languages) == \
        ("hi", "Asia/Kathmandu", ["ne", "hi"])


def test_the_profile_refuses_a_language_we_do_not_have(client, make, auth):
    worker = make.user("worker")
    auth.login(worker.email)
    response = auth.post("/profile", {"locale": "xx", "timezone": "UTC"})
    assert response.status_code == 400
    db.session.refresh(worker)
    assert worker.locale == "en"


def test_arabic_pages_read_right_to_left_with_names_in_arabic(client, make):
    make.corridor("NP-QA")
    response = client.get("/?lang=ar")
    assert page_language(response) == ("ar", "rtl")
    page = response.get_data(as_text=True)
    assert "نيبال ← قطر" in page
    assert page_language(client.get("/?lang=ne")) == ("ne", "ltr")
    assert "नेपाल → कतार" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_anonymous_report_pages_work_in_every_language_and_set_only_the_language_cookie(
        client, language):
    for url in ("/report", "/report/follow-up"):
        response = client.get(f"{url}?lang={language}")
        assert response.status_code == 200
        assert page_language(response)[0] == language
        assert set(set_cookies(response)) <= {"lang", "session"}, url
        plain = client.get(url)
        assert set(set_cookies(plain)) <= {"session"}, url


def test_pages_say_they_vary_by_language(client):
    response = client.get("/")
    assert {"accept-language", "cookie"} <= {v.strip().lower() for v in response.headers["Vary"].split(",")}


def test_skills_typed_with_arabic_commas_are_separate_items(client, make, auth):
    worker = make.user("worker")
    auth.login(worker.email)
    response = auth.post("/profile", {"skills": "لحام، كهرباء، سباكة", "timezone": "UTC"})
    assert response.status_code == 302
    db.session.refresh(worker)
    assert worker.profile.skills == ["لحام", "كهرباء", "سباكة"]
