"""Every page of the demo answers: the demo data (seed/) loaded once, then every job,
organisation, register entry and badge, every reviewer dossier and chart, and the worker's
and employer's own pages, each opened by the role that may see it, and the links on them
followed. A 5xx anywhere fails, and so does a code or raw value in what a page says."""
from __future__ import annotations

import html as html_lib
import re
from collections import Counter
from urllib.parse import parse_qsl, urldefrag, urlsplit

import sqlalchemy as sa

from app.accounts.models import User
from app.aggregation.models import JobSource
from app.extensions import db
from app.jobs.models import Application, JobPosting
from app.organisations.models import Organisation
from seed.builders import DEMO_PASSWORD, seed_demo
from tests.conftest import AuthActions

# Links, and the charts pages show as images; sound and other media are not pages.
LINK_RE = re.compile(r'href="(/[^"#]*)"|src="(/[^"#]*\.svg(?:\?[^"#]*)?)"')
# Not pages either: signing out ends the walk's session; `lang=` switches every later
# page's language; static files are not rendered.
SKIP_RE = re.compile(r"^/(static/|logout)|[?&]lang=")
ENGLISH = {"Accept-Language": "en"}
# What a reader must never meet: a stored code (visa_work_permit, organisation.tier_changed),
# "(s)" plurals, ISO dates, corridor codes (NP-QA), "#12" ids or scores out of 100.
LEFTOVERS = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?!https?\()\w+\(s\)|\b\d{4}-\d\d-\d\d\b|\b[A-Z]{2}-[A-Z]{2}\b"
                       r"|#\d+\b|\b\d+/100\b|\b[a-z]+\.[a-z]+_[a-z_]+\b")
# Text that is quoted, not written by the site: an ad's or a profile's own words, a
# quote from an ad, form values, and identifiers an admin types (<code>).
QUOTED = re.compile(r"(?s)<(script|style|textarea|pre|q|select|code)\b.*?</\1>"
                    r"|<div class=\"prose[^\"]*\">.*?</div>|<mark\b.*?</mark>")


def _variant(url: str) -> tuple[str, frozenset[str]]:
    """Links differing only in a filter's value (?tier=flagged, ?tier=vetted) are one
    variant of a page: the walk opens the first of each."""
    parts = urlsplit(url)
    return parts.path, frozenset(k for k, _ in parse_qsl(parts.query))


def leftovers(page: str) -> list[str]:
    """Codes and raw values in what the page itself says (quoted words left out)."""
    text = html_lib.unescape(re.sub(r"(?s)<[^>]+>", " ", QUOTED.sub(" ", page)))
    return [match.group(0) for match in LEFTOVERS.finditer(text)]


def walk(client, seeds: list[str], limit: int = 3000,
         found: dict[str, list[str]] | None = None) -> dict[str, int | str]:
    """GET every seed, then every same-site link on the pages reached; status by URL (the
    exception instead, where the test app lets one through). Pages' leftovers go in `found`."""
    statuses: dict[str, int | str] = {}
    variants: set[tuple[str, frozenset[str]]] = set()
    queue = list(dict.fromkeys(seeds))
    while queue and len(statuses) < limit:
        url = queue.pop(0)
        if url in statuses:
            continue
        try:
            response = client.get(url, headers=ENGLISH)
        except Exception as error:  # noqa: BLE001 - every broken page is named, not the first
            statuses[url] = f"{type(error).__name__}: {error}"
            continue
        statuses[url] = response.status_code
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()
        if html and found is not None and leftovers(html):
            found[url] = leftovers(html)
        for href, src in LINK_RE.findall(html):
            link = urldefrag((href or src).replace("&amp;", "&")).url
            if SKIP_RE.search(link) or link in statuses or _variant(link) in variants:
                continue
            variants.add(_variant(link))
            queue.append(link)
    return statuses


def _signed_in(app, email: str):
    client = app.test_client()
    response = AuthActions(client).login(email, DEMO_PASSWORD)
    assert response.status_code == 302, email
    return client


def _ids(model) -> list[int]:
    return list(db.session.scalars(sa.select(model.id).order_by(model.id)))


def _busiest(role: str, owner) -> User:
    """The demo user of `role` with the most applications behind them."""
    counts = Counter(db.session.scalars(sa.select(owner).select_from(Application)
                                        .join(JobPosting, Application.job_id == JobPosting.id)))
    users = db.session.scalars(sa.select(User).where(User.role == role)).all()
    key = (lambda u: counts[u.id]) if role == "worker" else (lambda u: counts[u.organisation_id])
    return max(users, key=key)


def _public_pages() -> list[str]:
    organisations = db.session.scalars(sa.select(Organisation).order_by(Organisation.id)).all()
    corridors = db.session.scalars(sa.text("SELECT code FROM corridors")).all()
    return ["/", "/register/", "/register.json", "/register/key.json", "/register/verify",
            "/report", "/report/follow-up", "/login", "/register", "/register/organisation",
            "/search?q=scaffolder", "/search?q=xyzzy+qwerty", "/api/v1/jobs",
            "/api/v1/corridors", "/api/v1/openapi.json", "/api/v1/search?q=cook",
            *(f"/corridors/{code}" for code in corridors),
            *(f"/jobs/{i}" for i in _ids(JobPosting)),
            *(f"/api/v1/jobs/{i}" for i in _ids(JobPosting)),
            *(f"/organisations/{o.id}" for o in organisations),
            *(f"/register/organisations/{o.id}" for o in organisations),
            *(f"/register/organisations/{o.id}/badge.json" for o in organisations),
            *(f"/register/licence?licence_number={o.licence_number}"
              for o in organisations if o.licence_number)]


def _reviewer_pages() -> list[str]:
    return ["/review/", "/review/statistics/", "/review/reviews/?view=all",
            "/review/grievances?show=all", "/review/grievances/unlock", "/review/claims",
            "/admin/audit", *(f"/review/organisations/{i}" for i in _ids(Organisation))]


def _admin_pages() -> list[str]:
    return ["/admin/", "/admin/users", "/admin/sources/",
            *(f"/admin/sources/{i}" for i in _ids(JobSource))]


def _worker_pages(worker: User) -> list[str]:
    applications = db.session.scalars(sa.select(Application.id).where(
        Application.worker_id == worker.id)).all()
    return ["/me/applications", "/me/complaints", "/me/complaints/new", "/me/matches",
            "/profile", *(f"/me/applications/{i}" for i in applications)]


def _employer_pages(member: User) -> list[str]:
    jobs = db.session.scalars(sa.select(JobPosting.id).where(
        JobPosting.organisation_id == member.organisation_id)).all()
    applications = db.session.scalars(sa.select(Application.id).join(JobPosting).where(
        JobPosting.organisation_id == member.organisation_id)).all()
    return ["/org", "/org/edit", "/org/jobs/new", "/org/claims", "/account/api-token",
            *(f"/org/jobs/{i}/{page}" for i in jobs for page in ("edit", "applicants",
                                                                 "candidates")),
            *(f"/org/applications/{i}" for i in applications)]


def test_the_leftover_check_sees_codes_but_not_quoted_words():
    page = ("<p>cost paid by the worker: visa_work_permit · 1 worker review(s) · "
            "Its riskiest job ad (#5) scores 3/100 · NP-QA · 2026-12-03 · "
            "organisation.tier_changed</p><div class=\"prose\">Call us on 2026-01-02</div>"
            "<q>service_charge</q>")
    assert leftovers(page) == ["visa_work_permit", "review(s)", "#5", "3/100", "NP-QA",
                               "2026-12-03", "organisation.tier_changed"]


def test_every_page_of_the_demo_answers_and_speaks_plainly(app, client):
    seed_demo()
    worker = _busiest("worker", Application.worker_id)
    employer = _busiest("employer", JobPosting.organisation_id)
    reviewer = db.session.scalar(sa.select(User).where(User.role == "reviewer"))
    admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
    found: dict[str, list[str]] = {}
    walks = {
        "anonymous": walk(client, _public_pages(), found=found),
        "reviewer": walk(_signed_in(app, reviewer.email), _reviewer_pages(), found=found),
        "admin": walk(_signed_in(app, admin.email), _admin_pages(), found=found),
        "worker": walk(_signed_in(app, worker.email), _worker_pages(worker), found=found),
        "employer": walk(_signed_in(app, employer.email), _employer_pages(employer),
                         found=found),
    }
    failures = [(role, url, status) for role, statuses in walks.items()
                for url, status in statuses.items() if isinstance(status, str) or status >= 500]
    assert failures == []
    opened = {role: Counter(statuses.values()) for role, statuses in walks.items()}
    # The walk really went through the demo: every job and dossier, with their charts.
    assert opened["anonymous"][200] >= 2 * len(_ids(JobPosting)) + 3 * len(_ids(Organisation))
    assert opened["reviewer"][200] >= len(_ids(Organisation)) + 8
    assert any(url.endswith(".svg") for url in walks["reviewer"])
    assert opened["worker"][200] >= 6 and opened["employer"][200] >= 6
    assert found == {}, "\n".join(f"{url}: {sorted(set(items))}" for url, items in found.items())
