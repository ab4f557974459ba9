"""Hostile PDFs, made here with pikepdf and by hand, come out as their pages and nothing more."""
from __future__ import annotations

import io
import re

import pikepdf
import pytest
import sqlalchemy as sa
from pikepdf import Array, Dictionary, Name, String

from app.extensions import db
from grievance import casework, crypto, keyring, sanitise
from grievance.models import GrievanceAttachment, GrievanceCase
from tests.fixtures import media
from tests.fixtures.grievance import (PASSPHRASE, grievance_keys,  # noqa: F401
                                      sign_in_reviewer, submit_report)

PAGE_TEXT = b"(Contract page one) Tj"
KEPT_COMMENT = "Wage promised: 1500 riyals"
SECRETS = ["Ram Bahadur Thapa", "Ramlaptop", "D:20240512", "Sita Kumari Gurung", "OPENACTION-JS",
           "DOC-AA-JS", "PAGE-AA-JS", "NAMETREE-JS", "EMBEDDED-PAYROLL", "payroll.txt",
           "XFA-SECRET", "FIELD-JS", "cmd.exe", "javascript:", "PIECEINFO-SECRET",
           "PAGE-XMP-SECRET", "IMAGE-XMP-SECRET", "Bimala reviewer notes", "OUTLINE-JS",
           media.GPS_MARK.decode(), media.CAMERA.decode(), "Exif", "ns.adobe.com/xap"]


def _js(pdf: pikepdf.Pdf, marker: str) -> pikepdf.Object:
    return pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String(f"app.alert('{marker}')")))


def _image(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The geotagged photograph as a JPEG image XObject, with its own XMP packet."""
    from PIL import Image
    photo = media.geotagged_jpeg()
    width, height = Image.open(io.BytesIO(photo)).size
    image = pdf.make_stream(photo, Type=Name.XObject, Subtype=Name.Image, Width=width,
                            Height=height, ColorSpace=Name.DeviceRGB, BitsPerComponent=8,
                            Filter=Name.DCTDecode)
    image.Metadata = pdf.make_stream(b"<x:xmpmeta>IMAGE-XMP-SECRET</x:xmpmeta>",
                                     Type=Name.Metadata, Subtype=Name.XML)
    return image


def _annotations(pdf: pikepdf.Pdf, page: pikepdf.Object) -> list[pikepdf.Object]:
    rect = Array([72, 72, 200, 100])
    widget = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx,
                                          T=String("name"), Rect=rect, A=_js(pdf, "FIELD-JS")))
    launch = Dictionary(S=Name.Launch, F=String("cmd.exe"))
    return [widget,
            pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=rect,
                                         A=launch)),
            pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=rect,
                                         A=Dictionary(S=Name.URI,
                                                      URI=String("javascript:app.alert(1)")))),
            pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Text, Rect=rect,
                                         Contents=String(KEPT_COMMENT),
                                         T=String("Bimala reviewer notes"),
                                         M=String("D:20240512140322"), P=page))]


def hostile_pdf() -> bytes:
    """Every way we know for a PDF to carry its author or run something on opening."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    page = pdf.pages[0].obj
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td " + PAGE_TEXT + b" ET "
                                    b"q 100 0 0 100 72 500 cm /Im1 Do Q")
    page.Resources = Dictionary(Font=Dictionary(F1=Dictionary(
        Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)),
        XObject=Dictionary(Im1=_image(pdf)))
    page.AA = Dictionary(O=_js(pdf, "PAGE-AA-JS"))
    page.Metadata = pdf.make_stream(b"<x:xmpmeta>PAGE-XMP-SECRET</x:xmpmeta>")  # no /Type
    page.PieceInfo = Dictionary(Word=Dictionary(Private=String("PIECEINFO-SECRET"),
                                                LastModified=String("D:20240512")))
    page.Annots = Array(_annotations(pdf, page))
    author = pdf.make_indirect(String("Ram Bahadur Thapa"))  # /Author 7 0 R
    pdf.trailer.Info = pdf.make_indirect(Dictionary(
        Author=author, Creator=String("Word (Ramlaptop)"), CreationDate=String("D:20240512")))
    root = pdf.Root
    root.Metadata = pdf.make_stream(  # an XMP packet linked without /Type /Metadata
        b"<x:xmpmeta><dc:creator>Sita Kumari Gurung</dc:creator></x:xmpmeta>")
    root.OpenAction = _js(pdf, "OPENACTION-JS")
    root.AA = Dictionary(WC=_js(pdf, "DOC-AA-JS"))
    payroll = pdf.make_stream(b"EMBEDDED-PAYROLL", Type=Name.EmbeddedFile)
    root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("a"), _js(pdf, "NAMETREE-JS")])),
        EmbeddedFiles=Dictionary(Names=Array([String("payroll.txt"), Dictionary(
            Type=Name.Filespec, F=String("payroll.txt"), EF=Dictionary(F=payroll))])))
    root.AcroForm = Dictionary(Fields=Array([page.Annots[0]]),
                               XFA=pdf.make_stream(b"<xdp>XFA-SECRET</xdp>"))
    root.Outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, A=_js(pdf, "OUTLINE-JS")))
    out = io.BytesIO()
    pdf.save(out, fix_metadata_version=False)
    return out.getvalue()


def incrementally_updated_pdf() -> bytes:
    """media's PDF, then an update (written by hand) that replaces its Info by an empty one:
    readers see no author, but the old Info is still in the file's bytes."""
    base = media.pdf_with_metadata()
    previous = int(re.search(rb"startxref\s+(\d+)", base).group(1))
    update = b"5 0 obj\n<< /Producer (nothing here) >>\nendobj\n"
    at = len(base)
    xref = at + len(update)
    tail = (b"xref\n5 1\n%010d 00000 n \ntrailer\n<< /Size 7 /Root 1 0 R /Info 5 0 R /Prev %d >>"
            b"\nstartxref\n%d\n%%%%EOF\n" % (at, previous, xref))
    return base + update + tail


def everything_in(data: bytes) -> bytes:
    """The file's bytes and every stream decompressed: where a secret could still hide."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out, compress_streams=False, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 stream_decode_level=pikepdf.StreamDecodeLevel.generalized)
    return data + out.getvalue()


def _scan_of(jpeg: bytes) -> bytes:
    start = jpeg.index(b"\xff\xda")
    return jpeg[start:jpeg.index(b"\xff\xd9", start)]


def test_a_hostile_pdf_keeps_its_page_text_comment_and_image_and_nothing_else():
    hostile = hostile_pdf()
    before = everything_in(hostile)
    assert all(s.encode() in before for s in SECRETS)  # the probe would see each of them
    cleaned = sanitise.clean(hostile)
    assert cleaned.kind == "pdf" and cleaned.mime == "application/pdf"
    after = everything_in(cleaned.data)
    assert [s for s in SECRETS if s.encode() in after] == []
    assert PAGE_TEXT in after and KEPT_COMMENT.encode() in after
    with pikepdf.open(io.BytesIO(cleaned.data)) as pdf:
        assert len(pdf.pages) == 1 and "/Info" not in pdf.trailer
        assert set(pdf.Root.keys()) == {"/Type", "/Pages"}
        page = pdf.pages[0].obj
        assert [a.Subtype for a in page.Annots] == ["/Text"]
        assert not {"/AA", "/Metadata", "/PieceInfo"} & set(page.keys())
        image = page.Resources.XObject.Im1
        assert "/Metadata" not in image and image.Filter == "/DCTDecode"
        assert _scan_of(image.read_raw_bytes()) == _scan_of(media.geotagged_jpeg())


def test_an_older_info_hidden_by_an_incremental_update_is_gone():
    updated = incrementally_updated_pdf()
    with pikepdf.open(io.BytesIO(updated)) as pdf:
        assert "/Author" not in pdf.docinfo  # what a reader shows: the update hides it
    assert media.PDF_AUTHOR.encode() in updated  # ...but the bytes still hold it
    cleaned = sanitise.clean(updated).data
    after = everything_in(cleaned)
    for secret in (media.PDF_AUTHOR, media.XMP_CREATOR, "Ram's laptop", "D:2024", "nothing here",
                   "0123456789ABCDEF"):
        assert secret.encode() not in after
    assert b"(Contract page one) Tj" in after
    assert cleaned.count(b"%%EOF") == 1 and b"/Prev" not in cleaned


def _encrypted(user: str) -> bytes:
    pdf = pikepdf.open(io.BytesIO(media.pdf_with_metadata()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user=user),
             fix_metadata_version=False)
    return out.getvalue()


def _jpeg2000() -> bytes:
    pdf = pikepdf.open(io.BytesIO(media.pdf_with_metadata()))
    pdf.pages[0].Resources.XObject = Dictionary(Im1=pdf.make_stream(
        b"\x00\x00\x00\x0cjP  \r\n\x87\n", Type=Name.XObject, Subtype=Name.Image, Width=1,
        Height=1, Filter=Name.JPXDecode))
    out = io.BytesIO()
    pdf.save(out, fix_metadata_version=False)
    return out.getvalue()


@pytest.mark.parametrize(("make", "reason"), [
    (lambda: _encrypted(user=""), "is an encrypted PDF"),
    (lambda: _encrypted(user="open-me"), "is an encrypted PDF"),
    (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "is a damaged PDF"),
    (lambda: media.pdf_with_metadata()[:300], "is a damaged PDF"),
    (_jpeg2000, "hidden details we cannot remove"),
])
def test_pdfs_that_cannot_be_cleaned_are_refused(make, reason):
    with pytest.raises(sanitise.RefusedFile, match=reason):
        sanitise.clean(make())


def test_a_reported_pdf_is_stored_clean_under_a_neutral_name_and_downloads(client, auth, make,
                                                                           grievance_keys):
    response = submit_report(client, files=[("Ram-Thapa-2024-05-12 iPhone.pdf", hostile_pdf()),
                                            ("IMG_20240512_140322.jpg", media.geotagged_jpeg())])
    assert response.status_code == 200
    case_id = db.session.scalar(sa.select(GrievanceCase.id))
    private = crypto.unlock_private_key(keyring.locked_key(keyring.active_key()), PASSPHRASE)
    reviewer = sign_in_reviewer(auth, make)
    view = casework.reviewer_case(reviewer, case_id, private)
    assert [f.name for f in view.report_files] == ["attachment-1.pdf", "attachment-2.jpg"]
    stored = casework.attachment(reviewer, case_id, view.report_files[0].id, private)[1]
    assert [s for s in SECRETS if s.encode() in everything_in(stored)] == []
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 1

    download = client.get(f"/review/grievances/{case_id}/files/{view.report_files[0].id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=attachment-1.pdf"
    assert download.data == stored
    sealed = b"".join(a.sealed_meta for a in db.session.scalars(sa.select(GrievanceAttachment)))
    assert b"Ram-Thapa" not in sealed and b"IMG_2024" not in sealed


def test_a_pdf_that_cannot_be_cleaned_is_refused_naming_the_field(client, grievance_keys):
    response = submit_report(client, files=[("statement.pdf", _encrypted(user="open-me"))])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#f-attachments"' in html
    assert "statement.pdf is an encrypted PDF; please send photos of its pages instead" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrievanceCase)) == 0
