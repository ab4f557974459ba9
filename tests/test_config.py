"""Configuration: safe defaults, and production refuses to start without a secret."""
from __future__ import annotations

import pytest

from app import create_app
from app.config import ProductionConfig


def test_production_refuses_a_missing_secret_key(monkeypatch, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"FAIRCORRIDOR_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_production_refuses_a_missing_totp_encryption_key(monkeypatch, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a real secret from the environment")
    monkeypatch.setattr(ProductionConfig, "TOTP_ENCRYPTION_KEY", None)
    with pytest.raises(RuntimeError, match="TOTP_ENCRYPTION_KEY"):
        create_app({"FAIRCORRIDOR_ENV": "production", "INSTANCE_PATH": str(tmp_path)})


def test_production_starts_with_a_secret_and_forbids_demo_data(monkeypatch, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a real secret from the environment")
    monkeypatch.setattr(ProductionConfig, "TOTP_ENCRYPTION_KEY", "another real secret, long")
    app = create_app({"FAIRCORRIDOR_ENV": "production", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    with app.app_context():  # the autouse fixture has the test app's context pushed
        result = app.test_cli_runner().invoke(args=["seed", "demo"])
    assert result.exit_code != 0 and "production" in result.output


def test_unknown_environment_name_is_refused():
    with pytest.raises(RuntimeError, match="FAIRCORRIDOR_ENV"):
        create_app("staging")


def test_optional_services_default_to_the_embedded_path(app):
    assert app.config["ELASTICSEARCH_URL"] is None or isinstance(app.config["ELASTICSEARCH_URL"], str)
    assert app.config["SEARCH_BACKEND"] in ("embedded", "elasticsearch")
    assert app.config["JITSI_DOMAIN"]
