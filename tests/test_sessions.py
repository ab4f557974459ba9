"""Sessions end on the server: a cookie copied before sign-out, a password or a role change
opens nothing afterwards, and the reviewer's unlocked grievance key is locked with it."""
from __future__ import annotations

import sqlalchemy as sa

from app.accounts import services as accounts
from app.extensions import db
from grievance import keyring
from grievance.models import GrievanceCase, KeySession
from tests.fixtures.builders import PASSWORD
from tests.fixtures.grievance import (PASSPHRASE, grievance_keys,  # noqa: F401  (fixture)
                                      sign_in_reviewer, submit_report)


def _replay(client, cookie: str, path: str):
    client.set_cookie("session", cookie)
    return client.get(path)


def _to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def _key_rows(reviewer) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(KeySession)
                             .where(KeySession.user_id == reviewer.id))


def test_a_workers_cookie_copied_before_sign_out_no_longer_works(client, auth, make):
    worker = make.user("worker")
    auth.login(worker.email, PASSWORD)
    assert client.get("/me/applications").status_code == 200
    copied = client.get_cookie("session").value

    auth.logout()

    assert _to_login(_replay(client, copied, "/me/applications"))
    assert _to_login(_replay(client, copied, "/profile"))


def test_reviewer_sign_out_locks_the_key_and_the_copied_cookie_reads_nothing(
        client, auth, make, grievance_keys):  # noqa: F811
    submit_report(client)
    case_id = db.session.scalar(sa.select(GrievanceCase.id))
    reviewer = sign_in_reviewer(auth, make)
    page = client.get(f"/review/grievances/{case_id}")
    assert page.status_code == 200 and "Zephyrine Kalbhor" in page.get_data(as_text=True)
    copied = client.get_cookie("session").value
    assert _key_rows(reviewer) == 1

    auth.logout()

    assert _key_rows(reviewer) == 0
    replayed = _replay(client, copied, f"/review/grievances/{case_id}")
    assert _to_login(replayed)
    assert "Zephyrine" not in replayed.get_data(as_text=True)


def test_unlocking_again_keeps_one_live_unlock_per_reviewer(client, auth, make,
                                                            grievance_keys):  # noqa: F811
    reviewer = sign_in_reviewer(auth, make)
    first = client.get_cookie("session").value
    for _ in range(2):
        assert auth.post("/review/grievances/unlock",
                         {"passphrase": PASSPHRASE}).status_code == 302
    assert _key_rows(reviewer) == 1
    # The first unlock's token (in the older cookie) was replaced: it opens nothing now.
    inbox = _replay(client, first, "/review/grievances")
    assert inbox.status_code == 200
    assert "/review/grievances/unlock" in inbox.get_data(as_text=True)


def test_a_role_change_ends_the_sessions_and_locks_the_key(client, auth, make,
                                                           grievance_keys):  # noqa: F811
    reviewer = sign_in_reviewer(auth, make)
    copied = client.get_cookie("session").value
    admin = make.user("admin")

    accounts.admin_update_user(admin, reviewer.id, {"role": "worker", "active": "",
                                                    "reason": "left the ministry"})

    assert _key_rows(reviewer) == 0
    assert _to_login(_replay(client, copied, "/profile"))


def test_a_new_password_ends_the_sessions_and_the_unlock_opens_nothing(
        client, auth, make, grievance_keys):  # noqa: F811
    reviewer = sign_in_reviewer(auth, make)
    copied = client.get_cookie("session").value
    row = db.session.scalar(sa.select(KeySession).where(KeySession.user_id == reviewer.id))
    assert row.session_version == reviewer.session_version

    reviewer.set_password("a different long password")
    db.session.commit()

    assert _to_login(_replay(client, copied, "/review/grievances"))
    # The row may outlive the change until it expires; bound to the old sessions, it is dead.
    with client.session_transaction() as session:
        token = session.get("grievance_key_token")
    assert token and keyring.unlocked_key(reviewer, token) is None


def test_a_session_naming_no_version_signs_no_one_in(make):
    worker = make.user("worker")
    assert accounts.load_user(worker.get_id()) == worker
    for stale in (str(worker.id), f"{worker.id}:{worker.session_version + 1}", "x:1", "",
                  None, "9" * 40 + ":0"):
        assert accounts.load_user(stale) is None
