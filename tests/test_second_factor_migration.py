"""The migration that seals second-factor secrets seals every existing one, and going
down gives them back in clear."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.accounts import secret_box
from app.extensions import db
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)

BEFORE = "a7c31e5f90b2"
SEALING = "b601194d821a"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _insert_user(user_id: int, secret: str | None) -> None:
    db.session.execute(sa.text(
        "INSERT INTO users (id, email, password_hash, display_name, role, active, locale, "
        "timezone, totp_secret, totp_failures, session_version, created_at) VALUES "
        "(:id, :email, 'x', 'R', 'reviewer', :t, 'en', 'UTC', :secret, 0, 0, :now)"),
        {"id": user_id, "email": f"r{user_id}@example.org", "secret": secret, "t": True,
         "now": "2026-01-01 00:00:00"})


def test_existing_secrets_are_sealed_and_unsealed_back(empty_database_url, tmp_path):  # noqa: F811
    app = create_app({"FAIRCORRIDOR_ENV": "testing", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": empty_database_url,
                      "TOTP_ENCRYPTION_KEY": "the operator's long random key"})
    with app.app_context():
        upgrade(revision=BEFORE)
        _insert_user(1, SECRET)
        _insert_user(2, None)
        db.session.commit()

        db.session.remove()
        upgrade(revision=SEALING)
        boxes = dict(db.session.execute(sa.text("SELECT id, totp_secret_box FROM users")).all())
        assert boxes[2] is None and SECRET.encode() not in bytes(boxes[1])
        key = secret_box.key_from_config(app.config)
        assert secret_box.unseal(key, bytes(boxes[1]), 1) == SECRET
        db.session.remove()  # PostgreSQL: the migration's ALTER TABLE waits for this read

        downgrade(revision=BEFORE)
        clear = dict(db.session.execute(sa.text("SELECT id, totp_secret FROM users")).all())
        assert clear == {1: SECRET, 2: None}
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()
