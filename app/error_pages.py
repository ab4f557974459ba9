"""Error pages: HTML for people, JSON for the API; never a stack trace."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or you do not have access to it."),
    405: _l("This action is not allowed here."),
    413: _l("The upload is too large."),
    429: _l("Too many attempts; please wait a little and try again."),
    500: _l("Something went wrong on our side. Nothing you saved was lost; please try again."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, message: str):
    if _wants_json():
        return jsonify(error=message), code
    return render_template("errors/error.html", code=code, message=message), code


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.response is not None:  # a page made for this refusal (the sign-in limit)
            return error.response
        code = error.code or 500
        body, code = _render(code, str(MESSAGES.get(code, error.description or _("Error"))))
        # Keep what the error says besides its page: Allow on a 405 (RFC 9110 §15.5.6).
        extra = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
        return body, code, extra

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(400, _("The form expired or was sent from elsewhere; "
                              "please reload the page and try again."))

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return _render(500, str(MESSAGES[500]))
