"""The per-client search limit: the page and the API share one budget per client address,
past it a clear 429 with Retry-After, and other clients search on."""
from __future__ import annotations

import pytest

from app.extensions import limiter

OTHER_CLIENT = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.fixture
def three_per_minute(app, monkeypatch):
    """Three searches a minute, counted from zero in the session app's own storage.

    The limiter keeps one storage for every app it was bound to, and tests that build
    other apps (configuration, migrations) bind it to theirs; earlier tests also searched
    from this address."""
    monkeypatch.setitem(app.config, "SEARCH_LIMIT_CLIENT", "3 per minute")
    limiter.init_app(app)
    limiter.reset()


def test_past_the_limit_the_page_and_the_api_say_how_long_to_wait(client, three_per_minute):
    assert client.get("/search?q=cook").status_code == 200
    assert client.get("/api/v1/search?q=driver").status_code == 200
    assert client.get("/search?q=welder").status_code == 200

    page = client.get("/search?q=mason", headers={"Accept-Language": "en"})
    assert page.status_code == 429
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    assert "Too many attempts. Try again in 1 minute." in page.get_data(as_text=True)
    assert 'name="q"' in page.get_data(as_text=True)  # the form is there to try again

    api = client.get("/api/v1/search?q=mason")
    assert api.status_code == 429 and "Retry-After" in api.headers
    assert "too many searches" in api.get_json()["error"]


def test_one_client_past_its_limit_does_not_stop_another(client, three_per_minute):
    for query in ("cook", "driver", "welder", "mason"):
        client.get("/api/v1/search", query_string={"q": query})
    assert client.get("/api/v1/search?q=cook").status_code == 429
    assert client.get("/api/v1/search?q=cook", environ_base=OTHER_CLIENT).status_code == 200


def test_other_pages_are_not_counted(client, three_per_minute):
    for _ in range(5):
        assert client.get("/").status_code == 200
    assert client.get("/search?q=cook").status_code == 200
