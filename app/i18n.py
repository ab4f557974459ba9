"""Locale selection: the user's chosen language, else the browser's, else English."""
from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user


def select_locale() -> str | None:
    if not has_request_context():  # CLI commands and background jobs: the default locale
        return None
    languages = current_app.config["LANGUAGES"]
    chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages)
