"""Reporting: anonymous reports with a receipt, follow-up with it, and workers' named complaints.

An anonymous reporter is never an actor here: nothing of theirs is audited (an audit
entry's precise time and its place in the log's order would date the report), and
these functions are given no user, address or browser detail. Every word and file is
sealed to the reviewers' key and the reporter's own key before it reaches the session.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from nacl.public import PrivateKey

from app import audit
from app.accounts.models import WORKER, User
from app.corridors.models import Corridor
from app.errors import DomainError, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.jobs.models import Application
from app.organisations.models import Organisation
from app.timeutil import today
from app.validation import InputReader
from grievance import crypto, keyring, proof, throttle, tokens
from grievance.models import (ANONYMOUS, CATEGORIES, NAMED, REPORTER, GrievanceAttachment,
                              GrievanceCase, GrievanceMessage, UsedFormToken)
from grievance.receipts import Receipt, new_receipt, parse_receipt
from grievance.sanitise import EXTENSION, RefusedFile, clean
from grievance.thread import CaseView, read_case

WRONG_RECEIPT = _l("This receipt does not open a report. Check each group of five "
                   "characters and try again.")


@dataclass(frozen=True)
class Upload:
    """A file as the view read it: at most the size limit plus one byte."""

    filename: str
    data: bytes


@dataclass
class Submitted:
    case: GrievanceCase
    receipt: str | None  # the receipt's text, for the one page that shows it


class MessageRefused(DomainError):
    """A reporter's message was refused after their receipt opened the case: `errors` say
    why and `view` is the case, shown again with the form (no second receipt check)."""

    def __init__(self, errors: dict[str, str], view: CaseView) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors, self.view = errors, view


class DuplicateSubmission(DomainError):
    """This form was sent before; `receipt` is shown again when it can still be recovered."""

    def __init__(self, receipt: str | None = None, case_id: int | None = None) -> None:
        super().__init__("already submitted")
        self.receipt, self.case_id = receipt, case_id


def _server_key(purpose: bytes) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hashlib.blake2b(secret, digest_size=32, person=purpose[:16]).digest()


def new_form_token() -> str:
    return tokens.issue(_server_key(b"fc-form-token"), today())


def report_choices() -> dict[str, list]:
    """Organisations in the register and corridors, for the report form's lists."""
    return {"organisations": list(db.session.scalars(
                sa.select(Organisation).order_by(Organisation.name))),
            "corridors": list(db.session.scalars(
                sa.select(Corridor).where(Corridor.active.is_(True)).order_by(Corridor.name))),
            "categories": list(CATEGORIES)}


def _claim(form_token: str | None) -> tuple[bytes, str]:
    """The token's bytes and hash; DuplicateSubmission if it was used, else it is fresh."""
    raw = tokens.verify(_server_key(b"fc-form-token"), form_token, today())
    if raw is None:
        raise ValidationError(field="form_token", reason=str(_l(
            "this form is too old; check your text below and send it again")))
    digest = tokens.token_hash(raw)
    used = db.session.scalar(sa.select(UsedFormToken).where(UsedFormToken.token_hash == digest))
    if used is not None:
        raise _duplicate(raw, used)
    return raw, digest


def _duplicate(raw: bytes, used: UsedFormToken) -> DuplicateSubmission:
    """The answer to a second use of a form: the receipt again while it is kept."""
    receipt = None
    if used.receipt_box is not None:
        receipt = crypto.unwrap(tokens.token_key(raw), used.receipt_box).decode("ascii")
    return DuplicateSubmission(receipt, used.case_id)


COPY_WAIT_SECONDS = 15  # longer than storing a report takes (its receipt's Argon2 included)


def _spend(purpose: str, work: proof.Work, raw: bytes, digest: str) -> None:
    """Spend the form's work. Copies of one form sent at the same moment carry the same work:
    the copy that loses it waits for the copy that won, then answers like any later copy
    (DuplicateSubmission), instead of asking its sender to send the form again."""
    try:
        proof.spend(purpose, work)
    except ValidationError as error:
        if error.errors.get(proof.FIELD) == str(proof.REUSED):
            deadline = time.monotonic() + COPY_WAIT_SECONDS
            while time.monotonic() < deadline:
                db.session.rollback()  # a fresh look at what the winner committed
                used = db.session.scalar(sa.select(UsedFormToken)
                                         .where(UsedFormToken.token_hash == digest))
                if used is not None:
                    raise _duplicate(raw, used) from None
                time.sleep(0.1)
        raise  # no copy was stored (refused, or not a copy): the work's own answer


def _read_organisation(reader: InputReader) -> tuple[Organisation | None, str]:
    organisation_id = reader.integer("organisation", required=False, minimum=1,
                                     maximum=2**31 - 1)
    typed = reader.text("organisation_name", required=False, max_len=200) or ""
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id and organisation is None:
        reader.error("organisation", _l("is not in the register; type its name instead"))
    elif organisation is None and not typed and "organisation" not in reader.errors:
        reader.error("organisation", _l("is required: choose it from the list or type its name"))
    return organisation, typed


def _read_report(reader: InputReader) -> dict[str, Any]:
    organisation, typed = _read_organisation(reader)
    codes = list(db.session.scalars(sa.select(Corridor.code).where(Corridor.active.is_(True))))
    return {
        "organisation_id": organisation.id if organisation else None,
        "organisation_name": organisation.name if organisation else typed,
        "corridor": reader.choice("corridor", codes, required=False) if codes else None,
        "category": reader.choice("category", CATEGORIES),
        "description": reader.text("description", max_len=20_000, min_len=10),
        "contact": reader.text("contact", required=False, max_len=300) or "",
    }


def _neutral_name(number: int, kind: str) -> str:
    """A sender's file name often holds a date, a device or a name: only the type is kept,
    taken from the file's bytes."""
    return f"attachment-{number}{EXTENSION[kind]}"


def _size(limit: int) -> str:
    return f"{limit // 1048576} MB" if limit >= 1048576 else f"{limit // 1024} KB"


def _read_uploads(reader: InputReader, uploads: list[Upload]) -> list[tuple[dict, bytes]]:
    """Each file checked by its bytes and cleaned of metadata; every problem named at once."""
    cfg = current_app.config
    uploads = [u for u in uploads if u.filename or u.data]
    if len(uploads) > cfg["GRIEVANCE_MAX_FILES"]:
        reader.error("attachments", _l("at most %(n)d files", n=cfg["GRIEVANCE_MAX_FILES"]))
        return []
    files, problems = [], []
    limit = cfg["GRIEVANCE_MAX_FILE_BYTES"]
    for upload in uploads:
        shown = (upload.filename or "file")[:80]
        if len(upload.data) > limit:
            problems.append(str(_l("%(f)s is larger than %(size)s", f=shown,
                                   size=_size(limit))))
            continue
        try:
            cleaned = clean(upload.data)
        except RefusedFile as refusal:
            problems.append(f"{shown} {refusal.reason}")
            continue
        meta = {"name": _neutral_name(len(files) + 1, cleaned.kind), "mime": cleaned.mime,
                "size": len(cleaned.data)}
        files.append((meta, cleaned.data))
    if problems:
        reader.error("attachments", "; ".join(problems))
    return files


def _recipients(case: GrievanceCase) -> list[bytes]:
    return [keyring.active_key().public_key, case.reporter_public_key]


def _attach(case: GrievanceCase, message: GrievanceMessage | None,
            files: list[tuple[dict, bytes]]) -> None:
    recipients = _recipients(case)
    for meta, data in files:
        case.attachments.append(GrievanceAttachment(
            message=message, sealed_meta=crypto.seal_json(recipients, meta),
            sealed_data=crypto.seal(recipients, data)))


def _new_case(kind: str, report: dict, reporter_private: PrivateKey, wrap_key: bytes,
              salt: bytes, **fields: Any) -> GrievanceCase:
    key = keyring.active_key()
    case = GrievanceCase(kind=kind, key_id=key.id,
                         reporter_public_key=bytes(reporter_private.public_key),
                         reporter_private_box=crypto.wrap(wrap_key, bytes(reporter_private)),
                         reporter_key_salt=salt, **fields)
    case.sealed_report = crypto.seal_json(_recipients(case), report)
    db.session.add(case)
    return case


@contextmanager
def _once(raw: bytes, digest: str) -> Iterator[None]:
    """The writes of one form submission, committed together or not at all.

    Copies of one form sent at the same moment all pass `_claim`; all but one then fail on
    the used token's unique index, at whichever flush sends it: an autoflush before a query
    inside the block as much as the commit. Each of those becomes DuplicateSubmission.
    """
    try:
        yield
        db.session.commit()
    except (sa.exc.IntegrityError, sa.exc.OperationalError):
        db.session.rollback()
        used = db.session.scalar(sa.select(UsedFormToken)
                                 .where(UsedFormToken.token_hash == digest))
        if used is None:
            raise
        raise _duplicate(raw, used) from None
    except BaseException:
        db.session.rollback()  # never a half-written case
        raise


def _fresh_receipt() -> Receipt:
    for _ in range(10):  # a lookup id is 25 bits: a clash is rare, and retried
        receipt = new_receipt()
        if db.session.scalar(sa.select(GrievanceCase.id)
                             .where(GrievanceCase.receipt_id == receipt.lookup_id)) is None:
            return receipt
    raise RuntimeError("no free receipt id")


def submit_report(data: Mapping[str, Any], uploads: list[Upload], form_token: str | None,
                  work: proof.Work) -> Submitted:
    """File an anonymous report in one transaction; returns its receipt, never stored in clear.
    A copy of a form already sent shows its receipt again without new work."""
    raw, digest = _claim(form_token)
    _spend(proof.REPORT, work, raw, digest)
    reader = InputReader(data)
    report = _read_report(reader)
    files = _read_uploads(reader, uploads)
    reader.finish()
    with _once(raw, digest):
        receipt, salt, private = _fresh_receipt(), crypto.new_salt(), crypto.new_keypair()
        whole = receipt.lookup_id + receipt.secret
        params = keyring.receipt_params()
        case = _new_case(ANONYMOUS, report, private, crypto.derive_key(whole, salt, params),
                         salt, receipt_id=receipt.lookup_id,
                         receipt_hash=crypto.hash_secret(whole, params))
        _attach(case, None, files)
        db.session.add(UsedFormToken(token_hash=digest, case=case, receipt_box=crypto.wrap(
            tokens.token_key(raw), receipt.text.encode("ascii"))))
        # A receipt is shown again only to a double submit on the same day.
        db.session.execute(sa.update(UsedFormToken).where(UsedFormToken.used_on < today())
                           .values(receipt_box=None))
    return Submitted(case, receipt.text)


def _open_with_receipt(text: str | None) -> tuple[GrievanceCase, PrivateKey]:
    """The case and the reporter's key; WrongReceipt and throttling say nothing of existence."""
    receipt = parse_receipt(text)
    if receipt is None:
        raise ValidationError(field="receipt", reason=str(WRONG_RECEIPT))
    throttle.check(receipt.lookup_id)
    case = db.session.scalar(sa.select(GrievanceCase)
                             .where(GrievanceCase.receipt_id == receipt.lookup_id))
    whole = receipt.lookup_id + receipt.secret
    params = keyring.receipt_params()
    stored = case.receipt_hash if case is not None else keyring.dummy_hash(params)
    if not crypto.verify_secret(stored, whole) or case is None:
        throttle.count_failure(receipt.lookup_id)
        db.session.commit()
        raise ValidationError(field="receipt", reason=str(WRONG_RECEIPT))
    wrap_key = crypto.derive_key(whole, case.reporter_key_salt, params)
    return case, PrivateKey(crypto.unwrap(wrap_key, case.reporter_private_box))


def follow_up(receipt_text: str | None, work: proof.Work) -> CaseView:
    """What the holder of a receipt may read: status, reasons, replies and their own words."""
    proof.spend(proof.FOLLOW_UP, work)
    case, private = _open_with_receipt(receipt_text)
    return read_case(case, private)


def add_message(case: GrievanceCase, side: str, role: str, data: Mapping[str, Any],
                 uploads: list[Upload]) -> GrievanceMessage:
    reader = InputReader(data)
    text = reader.text("message", required=False, max_len=20_000) or ""
    files = _read_uploads(reader, uploads)
    if not text and not files and not reader.errors:
        reader.error("message", _l("is required: write a message or attach a file"))
    reader.finish()
    message = GrievanceMessage(side=side, author_role=role,
                               sealed_body=crypto.seal_json(_recipients(case), {"text": text}))
    case.messages.append(message)
    _attach(case, message, files)
    case.updated_on = today()
    return message


def add_reporter_message(receipt_text: str | None, data: Mapping[str, Any],
                         uploads: list[Upload], form_token: str | None,
                         work: proof.Work) -> CaseView:
    """The anonymous reporter answers, with the receipt; sent twice, it is stored once.
    The receipt is checked only after the work: this form is no free way to guess one."""
    raw, digest = _claim(form_token)
    _spend(proof.MESSAGE, work, raw, digest)
    case, private = _open_with_receipt(receipt_text)
    try:
        with _once(raw, digest):
            add_message(case, REPORTER, REPORTER, data, uploads)
            db.session.add(UsedFormToken(token_hash=digest, case_id=case.id))
    except ValidationError as error:
        raise MessageRefused(error.errors, read_case(case, private)) from None
    return read_case(case, private)


# --- named complaints -------------------------------------------------------------
def _named_wrap_key(salt: bytes) -> bytes:
    """A named complainant signs in with a password that can be reset, so their case key is
    wrapped under the server's secret instead: a database dump alone still reveals nothing."""
    return crypto.keyed_hash(_server_key(b"fc-named-kek"), salt, b"fc-named-case")


def _require_worker(actor: User) -> None:
    if actor.role != WORKER:
        raise PermissionDenied()


def complaint_choices(actor: User) -> dict[str, list]:
    _require_worker(actor)
    applications = list(db.session.scalars(sa.select(Application).where(
        Application.worker_id == actor.id).order_by(Application.created_at.desc())))
    return {**report_choices(), "applications": applications}


def _read_complaint(actor: User, reader: InputReader) -> dict[str, Any]:
    application_id = reader.integer("application", required=False, minimum=1, maximum=2**31 - 1)
    application = db.session.get(Application, application_id) if application_id else None
    if application_id and (application is None or application.worker_id != actor.id):
        reader.error("application", _l("is not one of your applications"))
        application = None
    if application is not None:  # the employer is the application's: no need to name it
        data = dict(reader.data, organisation=str(application.job.organisation_id))
        reader.data = data
    report = _read_report(reader)
    report.update(application_id=application.id if application else None,
                  job_title=application.job.title if application else None)
    return report


def file_complaint(actor: User, data: Mapping[str, Any], uploads: list[Upload],
                   form_token: str | None) -> GrievanceCase:
    """A worker files a complaint under their name; it follows the same case workflow."""
    _require_worker(actor)
    raw, digest = _claim(form_token)
    reader = InputReader(data)
    report = _read_complaint(actor, reader)
    files = _read_uploads(reader, uploads)
    reader.finish()
    with _once(raw, digest):
        salt, private = crypto.new_salt(), crypto.new_keypair()
        case = _new_case(NAMED, report, private, _named_wrap_key(salt), salt, reporter=actor)
        _attach(case, None, files)
        db.session.add(UsedFormToken(token_hash=digest, case=case))
        audit.record(actor, "grievance.complaint_filed", case)
    return case


def _own_case(actor: User, case_id: int) -> tuple[GrievanceCase, PrivateKey]:
    _require_worker(actor)
    case = db.session.get(GrievanceCase, case_id)
    if case is None or case.kind != NAMED or case.reporter_id != actor.id:
        raise NotFound()
    wrap_key = _named_wrap_key(case.reporter_key_salt)
    return case, PrivateKey(crypto.unwrap(wrap_key, case.reporter_private_box))


def worker_complaints(actor: User) -> list[CaseView]:
    """The worker's own named complaints, newest first, readable by them."""
    _require_worker(actor)
    ids = db.session.scalars(sa.select(GrievanceCase.id).where(
        GrievanceCase.reporter_id == actor.id, GrievanceCase.kind == NAMED)
        .order_by(GrievanceCase.received_on.desc(), GrievanceCase.id.desc()))
    return [read_case(*_own_case(actor, case_id)) for case_id in ids]


def worker_complaint(actor: User, case_id: int) -> CaseView:
    return read_case(*_own_case(actor, case_id))


def add_worker_message(actor: User, case_id: int, data: Mapping[str, Any],
                       uploads: list[Upload], form_token: str | None) -> CaseView:
    case, private = _own_case(actor, case_id)
    raw, digest = _claim(form_token)
    with _once(raw, digest):
        add_message(case, REPORTER, WORKER, data, uploads)
        db.session.add(UsedFormToken(token_hash=digest, case_id=case.id))
        audit.record(actor, "grievance.message_added", case)
    return read_case(case, private)
