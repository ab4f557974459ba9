"""The reader's language: chosen on the page, stored on the account or in a cookie.

Precedence: a language just picked (`?lang=`), the account's choice, the language
cookie, the browser's Accept-Language, then the corridor's origin language on corridor
pages. The cookie holds a language code and nothing else, so it identifies no one; the
switch is a plain link to the same page, so it works without JavaScript and, on the
anonymous report pages, sends the reader nowhere a log could see.
"""
from __future__ import annotations

from urllib.parse import urlencode

from babel import Locale
from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_COOKIE = "lang"
LANGUAGE_ARG = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Browsers in the Philippines may ask for Filipino by its three-letter code.
ALIASES = {"fil": "tl"}


def select_locale() -> str | None:
    if not has_request_context():  # CLI commands and background jobs: the default locale
        return None
    languages = current_app.config["LANGUAGES"]
    candidates = (picked_language(), _account_language(), request.cookies.get(LANGUAGE_COOKIE))
    chosen = next((c for c in candidates if c in languages), None)
    g.language = chosen or _browser_language(languages) or _corridor_language(languages)
    return g.language


def current_language() -> str:
    """The page's language as we name it ("tl"; Babel itself calls that locale "fil_PH")."""
    get_locale()  # selects the locale, and so g.language, once per request
    return g.get("language") or current_app.config["BABEL_DEFAULT_LOCALE"]


def picked_language() -> str | None:
    """The language the reader just chose with the switch, if it is one we have."""
    code = ALIASES.get(request.args.get(LANGUAGE_ARG, ""), request.args.get(LANGUAGE_ARG))
    return code if code in current_app.config["LANGUAGES"] else None


def _account_language() -> str | None:
    return getattr(current_user, "locale", None) if current_user else None


def _browser_language(languages: list[str]) -> str | None:
    offered = [*languages, *ALIASES]
    best = request.accept_languages.best_match(offered)
    return ALIASES.get(best, best)


def _corridor_language(languages: list[str]) -> str | None:
    """On a corridor's pages, the language most of its workers read."""
    code = (request.view_args or {}).get("code") if request.blueprint == "jobs" else None
    if not code:
        return None
    from app.corridors.services import origin_language
    language = origin_language(str(code))
    return language if language in languages else None


def catalogue_folder(code: str) -> str:
    """The folder of a language's catalogue under app/translations ("tl" lives in "fil")."""
    return Locale.parse(code).language


def text_direction() -> str:
    """'rtl' for Arabic and other right-to-left locales, else 'ltr'."""
    return Locale.parse(str(get_locale())).text_direction


def language_choices() -> list[tuple[str, str]]:
    """(code, name) for the switch: each language named in its own words and script."""
    choices = []
    for code in current_app.config["LANGUAGES"]:
        name = Locale.parse(code).get_language_name(code) or code
        choices.append((code, name[:1].upper() + name[1:]))
    return choices


def language_url(code: str) -> str:
    """This page in another language: the same path and query, with `lang` set.

    Built from the path rather than the endpoint so that error pages can offer it too.
    """
    args = request.args.to_dict()
    args[LANGUAGE_ARG] = code
    return f"{request.script_root}{request.path}?{urlencode(args)}"


def remember_picked_language() -> None:
    """before_request: a language picked while signed in becomes the account's choice."""
    code = picked_language()
    if code and current_user.is_authenticated and current_user.locale != code:
        from app.accounts.services import set_locale
        set_locale(current_user, code)
    g.picked_language = code


def set_language_cookie(response: Response) -> Response:
    """after_request: remember a picked language; pages vary by the reader's language."""
    code = g.get("picked_language")
    if code:
        response.set_cookie(LANGUAGE_COOKIE, code, max_age=COOKIE_MAX_AGE, httponly=True,
                            samesite="Lax", secure=current_app.config.get(
                                "SESSION_COOKIE_SECURE", False))
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def register(app: Flask) -> None:
    app.before_request(remember_picked_language)
    app.after_request(set_language_cookie)
    app.jinja_env.globals.update(text_direction=text_direction,
                                 current_language=current_language,
                                 language_choices=language_choices,
                                 language_url=language_url)
