"""Admins manage corridors and users; every change lands in the audit log."""
from __future__ import annotations

import sqlalchemy as sa

from app.audit import AuditEntry
from app.corridors.models import Corridor
from app.extensions import db
from tests.fixtures.builders import PASSWORD

CORRIDOR = {"origin": "LK", "destination": "KW", "name": "Sri Lanka → Kuwait", "currency": "KWD",
            "languages": "si, ta, en", "description": "Domestic and care work.", "active": "y"}


def test_admin_adds_and_deactivates_a_corridor(client, auth, make):
    admin = make.user("admin")
    auth.login(admin.email, PASSWORD)
    assert auth.post("/admin/corridors/new", CORRIDOR).status_code == 302
    corridor = db.session.scalar(sa.select(Corridor).where(Corridor.code == "LK-KW"))
    assert corridor.languages == ["si", "ta", "en"]
    assert "/corridors/LK-KW" in client.get("/").get_data(as_text=True)

    assert auth.post(f"/admin/corridors/{corridor.id}", {**CORRIDOR, "active": ""}).status_code == 302
    assert "/corridors/LK-KW" not in client.get("/").get_data(as_text=True)
    assert client.get("/corridors/LK-KW").status_code == 404
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert actions.count("corridor.created") == 1 and actions.count("corridor.updated") == 1


def test_corridor_form_names_each_bad_field(auth, make):
    make.corridor("NP-QA")
    auth.login(make.user("admin").email, PASSWORD)
    response = auth.post("/admin/corridors/new", {**CORRIDOR, "origin": "NP", "destination": "NP",
                                                  "currency": "XYZ", "languages": "zz"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("destination", "currency", "languages"):
        assert f'href="#f-{field}"' in page


def test_admin_suspends_a_user_with_a_reason(client, auth, make):
    admin, worker = make.user("admin"), make.user("worker")
    auth.login(admin.email, PASSWORD)
    assert worker.email in client.get("/admin/users?q=worker").get_data(as_text=True)
    no_reason = auth.post(f"/admin/users/{worker.id}", {"role": "worker", "active": ""})
    assert no_reason.status_code == 400
    response = auth.post(f"/admin/users/{worker.id}",
                         {"role": "worker", "active": "", "reason": "Impersonated an agency"})
    assert response.status_code == 302
    db.session.refresh(worker)
    assert worker.active is False
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "user.updated"))
    assert entry.reason == "Impersonated an agency" and entry.details["after"]["active"] is False


def test_admin_cannot_lock_themselves_out_or_give_org_role_without_org(auth, make):
    admin, worker = make.user("admin"), make.user("worker")
    auth.login(admin.email, PASSWORD)
    self_demotion = auth.post(f"/admin/users/{admin.id}",
                              {"role": "worker", "active": "y", "reason": "oops"})
    assert self_demotion.status_code == 400
    orphan = auth.post(f"/admin/users/{worker.id}",
                       {"role": "employer", "active": "y", "reason": "asked"})
    assert orphan.status_code == 400
    db.session.refresh(admin), db.session.refresh(worker)
    assert admin.role == "admin" and worker.role == "worker"


def test_reviewer_reads_the_audit_log_but_not_the_admin_console(client, auth, make):
    reviewer = make.user("reviewer")
    make.job()
    auth.login(reviewer.email, PASSWORD)
    assert client.get("/admin/audit").status_code == 200
    assert client.get("/admin/").status_code == 403
