"""Keeps grievance requests out of the logs of Werkzeug and gunicorn, under any spelling.

An access-log line holds the client's IP address, the time to the second and often
the user agent: exactly what must never be kept about a reporter. The filter drops the
whole line when any path in it could reach a grievance page once decoded and made
canonical (app.paths), whatever its case; other pages are logged as before. It errs
towards dropping: a lost line about `/REPORT` costs nothing, a kept one could.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from gunicorn import glogging

from app.paths import canonical_path

PREFIXES = ("/report", "/me/complaints", "/review/grievances")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
ABSOLUTE_FORM = re.compile(r"^[a-z][a-z0-9+.-]*://[^/]*", re.IGNORECASE)
TOKEN = re.compile(r"[^\s\"'<>]+")
# gunicorn's warning about a malformed request names the sender's address.
INVALID_REQUEST_IP = re.compile(r"(Invalid request from) ip=\S*?:(?=\s|$)")
DECODING_ROUNDS = 4  # a proxy in front may decode once more than the server does


def _decoded(target: str) -> str:
    for _ in range(DECODING_ROUNDS):
        decoded = unquote(target, errors="replace")
        if decoded == target:
            break
        target = decoded
    return target


def is_grievance_path(target: str) -> bool:
    """Whether a request target (raw, encoded, absolute or not) may reach a grievance page."""
    path = ABSOLUTE_FORM.sub("", target.strip())
    path = _decoded(path).replace("\\", "/")
    path = re.split(r"[?#]", path, maxsplit=1)[0]
    if "/" not in path:
        return False
    path = canonical_path(path if path.startswith("/") else "/" + path).lower()
    return path.startswith(PREFIXES)


def mentions_grievance_path(text: str) -> bool:
    """Whether any word of a log message is a path that may reach a grievance page."""
    return any(is_grievance_path(token) for token in TOKEN.findall(text) if "/" in token)


def _record_texts(record: logging.LogRecord) -> list[str]:
    if isinstance(record.args, Mapping):  # gunicorn: every atom, used in the format or not
        return [v for v in record.args.values() if isinstance(v, str)]
    try:
        return [record.getMessage()]
    except (TypeError, ValueError):
        return [str(record.msg), *map(str, record.args or ())]


class GrievanceAccessFilter(logging.Filter):
    """Drops access-log records about grievance paths (Werkzeug's or gunicorn's format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(mentions_grievance_path(text) for text in _record_texts(record))


class AddressRedactingFilter(logging.Filter):
    """Removes the sender's address from gunicorn's warnings about malformed requests."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and INVALID_REQUEST_IP.search(record.msg):
            record.msg = INVALID_REQUEST_IP.sub(r"\1:", record.msg)
        return True


class PrivateLogger(glogging.Logger):
    """gunicorn's logger (`logger_class` in gunicorn.conf.py) that never logs a grievance
    request: checked on the request itself, and again by the filter on each record."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if _FILTER not in self.access_log.filters:
            self.access_log.addFilter(_FILTER)
        if _REDACT not in self.error_log.filters:
            self.error_log.addFilter(_REDACT)

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        targets = (environ.get("PATH_INFO"), environ.get("RAW_URI"), getattr(req, "uri", None))
        if any(isinstance(t, str) and is_grievance_path(t) for t in targets):
            return
        super().access(resp, req, environ, request_time)


_FILTER = GrievanceAccessFilter()
_REDACT = AddressRedactingFilter()


def install_access_log_filter() -> None:
    """Attach the filter to the access loggers once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
