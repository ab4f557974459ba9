"""Reading a case: its sealed report, messages and file names, opened with one private key.

The reviewers' key and the reporter's own key both open every envelope of a case;
without a key (a reviewer who has not unlocked) only the workflow is visible.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from nacl.public import PrivateKey

from grievance import crypto
from grievance.models import GrievanceAttachment, GrievanceCase


@dataclass(frozen=True)
class FileInfo:
    id: int
    name: str
    mime: str
    size: int


@dataclass
class Entry:
    """One message as shown: which side and role wrote it, the day, the words, the files."""

    side: str
    role: str
    on: dt.date
    text: str | None
    files: list[FileInfo] = field(default_factory=list)


@dataclass
class CaseView:
    case: GrievanceCase
    readable: bool
    report: dict[str, Any] = field(default_factory=dict)
    report_files: list[FileInfo] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


def file_info(private: PrivateKey | None, attachment: GrievanceAttachment) -> FileInfo:
    if private is None:
        return FileInfo(attachment.id, f"file-{attachment.id}", "", 0)
    meta = crypto.open_json(private, attachment.sealed_meta)
    return FileInfo(attachment.id, meta["name"], meta["mime"], meta["size"])


def read_case(case: GrievanceCase, private: PrivateKey | None) -> CaseView:
    """The case opened with `private` (the reviewers' or the reporter's key), or only its shape."""
    by_message: dict[int | None, list[FileInfo]] = {}
    for attachment in case.attachments:
        by_message.setdefault(attachment.message_id, []).append(file_info(private, attachment))
    entries = [Entry(m.side, m.author_role, m.sent_on,
                     crypto.open_json(private, m.sealed_body)["text"] if private else None,
                     by_message.get(m.id, [])) for m in case.messages]
    report = crypto.open_json(private, case.sealed_report) if private else {}
    return CaseView(case, private is not None, report, by_message.get(None, []), entries)


def open_attachment(private: PrivateKey, attachment: GrievanceAttachment
                    ) -> tuple[FileInfo, bytes]:
    return file_info(private, attachment), crypto.open_envelope(private,
                                                                attachment.sealed_data)
