"""Cutting a text into plain and highlighted pieces for showing findings in place (pure)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def segments(text: str, findings: Iterable[Mapping[str, Any] | Any]
             ) -> list[tuple[str, Any | None]]:
    """[(piece, finding or None)] covering `text` in order; overlapping spans keep the first.

    Findings without a span (structured fields, absences) are not placed in the text.
    """
    spans = []
    for finding in findings:
        start, end = _get(finding, "start"), _get(finding, "end")
        if start is not None and end is not None and 0 <= start < end <= len(text):
            spans.append((start, end, finding))
    spans.sort(key=lambda span: (span[0], -span[1]))
    pieces: list[tuple[str, Any | None]] = []
    cursor = 0
    for start, end, finding in spans:
        if start < cursor:
            continue
        if start > cursor:
            pieces.append((text[cursor:start], None))
        pieces.append((text[start:end], finding))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces


def _get(finding: Mapping[str, Any] | Any, key: str) -> Any:
    return finding.get(key) if isinstance(finding, Mapping) else getattr(finding, key, None)
