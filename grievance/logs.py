"""Keeps grievance pages out of the access logs of Werkzeug and gunicorn.

An access-log line holds the client's IP address, the time to the second and often
the user agent: exactly what must never be kept about a reporter. The filter drops the
whole line for grievance paths; other pages are logged as before.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping

PREFIXES = ("/report", "/me/complaints", "/review/grievances")
REQUEST_LINE = re.compile(r"[A-Z]+ (" + "|".join(re.escape(p) for p in PREFIXES)
                          + r")(?=[\s?/\"]|$)")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def is_grievance_path(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") or path.startswith(p + "?")
               for p in PREFIXES)


class GrievanceAccessFilter(logging.Filter):
    """Drops access-log records about grievance paths (Werkzeug's or gunicorn's format)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping) and isinstance(record.args.get("U"), str):
            return not is_grievance_path(record.args["U"])  # gunicorn's request path atom
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        return REQUEST_LINE.search(message) is None


_FILTER = GrievanceAccessFilter()


def install_access_log_filter() -> None:
    """Attach the filter to the access loggers once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
