"""Every response carries the security headers; pages with secrets are never cached."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import ProductionConfig
from tests.fixtures.grievance import grievance_keys, submit_report  # noqa: F401  (fixture)


def _directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in policy.split(";"))}


def _assert_site_policy(response) -> None:
    """The site's policy, or one stricter (the grievance pages' `default-src 'none'`)."""
    csp = _directives(response)
    strict = (["'self'"], ["'none'"])
    assert csp["default-src"] in strict
    assert csp.get("object-src", csp["default-src"]) == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["form-action"] == ["'self'"]
    assert csp["base-uri"] in strict
    for directive in ("script-src", "style-src"):  # never inline, never another site
        assert csp.get(directive, csp["default-src"]) in strict
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # not over plain HTTP in tests


@pytest.mark.parametrize("path", ["/", "/jobs/{job}", "/api/v1/jobs", "/api/v1/jobs/{job}",
                                  "/login", "/register/", "/no-such-page"])
def test_public_pages_and_the_api_carry_the_headers(client, make, path):
    job = make.job()
    response = client.get(path.format(job=job.id))
    _assert_site_policy(response)
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_report_page_sends_no_referrer_and_is_never_cached(client,
                                                                 grievance_keys):  # noqa: F811
    for response in (client.get("/report"), client.get("/report/follow-up"),
                     submit_report(client)):
        _assert_site_policy(response)
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"


def test_the_api_token_page_is_never_cached(client, auth, make):
    member = make.member()
    auth.login(member.email)
    assert client.get("/account/api-token").headers["Cache-Control"] == "no-store"
    shown = auth.post("/account/api-token")
    assert "fc_" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"


def test_a_wrong_method_is_answered_405_with_allow(client, make):
    job = make.job()
    for method, path in (("post", "/"), ("delete", "/api/v1/jobs"),
                         ("put", f"/api/v1/jobs/{job.id}"), ("post", "/register/")):
        response = getattr(client, method)(path)
        assert response.status_code == 405, path
        assert "GET" in response.headers["Allow"], path
    assert "POST" in client.delete("/api/v1/jobs").headers["Allow"]
    assert client.delete("/api/v1/jobs").is_json


def test_production_adds_hsts(monkeypatch, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a real secret from the environment")
    monkeypatch.setattr(ProductionConfig, "TOTP_ENCRYPTION_KEY",
                        "a-real-totp-key-from-the-environment-0123456789")
    app = create_app({"FAIRCORRIDOR_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    with app.app_context():
        response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == \
        "max-age=63072000; includeSubDomains"
