"""Limits on every JSON document Flask parses (API bodies, the session): nesting and size
are checked before parsing, because Python's parser recurses once per level and a few
thousand brackets exhaust the stack."""
from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

# A job posting is a flat object with one list of costs: depth 3. Nothing legitimate comes
# near these limits; they bound the work a single request can cause.
MAX_DEPTH = 32
MAX_BYTES = 256 * 1024

_STRING = {str: re.compile(r'"(?:[^"\\]|\\.)*"'), bytes: re.compile(rb'"(?:[^"\\]|\\.)*"')}
_NOT_BRACKET = {str: re.compile(r"[^\[\]{}]+"), bytes: re.compile(rb"[^\[\]{}]+")}
_OPENING = {str: "[{", bytes: b"[{"}


class JSONTooDeep(BadRequest):
    description = _l("The JSON body is nested more than %(n)d levels deep.", n=MAX_DEPTH)


class JSONTooLarge(RequestEntityTooLarge):
    description = _l("The JSON body is larger than %(n)d KB.", n=MAX_BYTES // 1024)


def nesting_depth(document: str | bytes) -> int:
    """How deeply arrays and objects nest, brackets inside strings not counted."""
    kind = bytes if isinstance(document, (bytes, bytearray)) else str
    brackets = _NOT_BRACKET[kind].sub(kind(), _STRING[kind].sub(kind(), document))
    opening = _OPENING[kind]
    if kind is bytes:  # iterating bytes gives ints
        opening = tuple(opening)
    return max(accumulate(1 if c in opening else -1 for c in brackets), default=0)


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing documents that are too large or too deep."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        if len(s) > MAX_BYTES:
            raise JSONTooLarge()
        if nesting_depth(s) > MAX_DEPTH:
            raise JSONTooDeep()
        return super().loads(s, **kwargs)


def _refused(error: HTTPException):
    message = str(error.description)
    if request.path.startswith("/api/"):
        return jsonify(errors={"body": message}), error.code
    return render_template("errors/error.html", code=error.code, message=message), error.code


def register(app: Flask) -> None:
    app.json = LimitedJSONProvider(app)
    for refusal in (JSONTooDeep, JSONTooLarge):
        app.register_error_handler(refusal, _refused)
