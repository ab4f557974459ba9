"""Babel extraction of the signal catalogue's texts, so that they can be translated.

The explanation and how-to-fix of every signal are read from vetting/catalogue.yaml (data,
not code) and shown through `_()` in the templates; `make messages` finds them through the
`[extractors]` section of babel.cfg.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

import yaml

TRANSLATED_FIELDS = ("explanation", "how_to_fix")
_SIGNAL_LINE = re.compile(r"^- id:\s*(\S+)\s*$")


def catalogue_messages(text: str) -> Iterator[tuple[int, str, str]]:
    """(line number, field, text) for each translatable text of the catalogue."""
    lines = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SIGNAL_LINE.match(line)
        if match:
            lines[match.group(1)] = number
    for entry in (yaml.safe_load(text) or {}).get("signals") or ():
        for name in TRANSLATED_FIELDS:
            if entry.get(name):
                yield lines.get(entry.get("id"), 0), name, entry[name]


def extract_catalogue(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                      options: Any) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extraction method: (line, function name, message, comments) per text."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    for line, field, message in catalogue_messages(text):
        yield line, None, message, [f"signal catalogue: {field}"]
