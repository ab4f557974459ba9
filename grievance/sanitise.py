"""Attachment checks and metadata removal (pure): JPEG, PNG and PDF, by their magic bytes.

A photo's EXIF block can hold the GPS position and the phone's serial number; a PDF's
document information can hold the author's name. Images are cleaned at the container
level, byte for byte, without re-encoding (the pixels a reviewer sees are the sender's):

* JPEG: every APPn segment except a minimal JFIF header and Adobe's colour-transform
  marker is dropped (EXIF, XMP, ICC, IPTC, MPF), as are comments, the JFIF thumbnail
  and anything after the end-of-image marker. The compressed pixels are untouched.
* PNG: only the critical chunks and the ancillary ones that change how pixels look
  (tRNS, gAMA, cHRM, sRGB) are kept; text, eXIf, tIME, iCCP and the rest are dropped.
* PDF: rebuilt by qpdf (pikepdf) as a new document holding copies of the pages only, so
  the document information, XMP, open actions, JavaScript, embedded files, forms and
  outlines are never copied; on the copies, metadata, editing history, actions other
  than plain links, and non-drawing annotations are removed, and JPEG images lose their
  EXIF and XMP as above. It is written whole, so no earlier revision survives. What is
  encrypted, damaged or cannot be cleaned (JPEG 2000 images, metadata in inline images)
  is refused with a message asking for photos of the pages instead.
  Text written *in* the document (a signature, a letterhead) is of course kept.
"""
from __future__ import annotations

import io
import zlib
from dataclasses import dataclass

import pikepdf

JPEG, PNG, PDF = "jpeg", "png", "pdf"
MIME = {JPEG: "image/jpeg", PNG: "image/png", PDF: "application/pdf"}
EXTENSION = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}


class RefusedFile(Exception):
    """The file is not an image or PDF we accept, or cannot be cleaned; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CleanFile:
    kind: str
    data: bytes

    @property
    def mime(self) -> str:
        return MIME[self.kind]


def sniff(data: bytes) -> str | None:
    """The file's real type from its first bytes, whatever its name says."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    return None


def clean(data: bytes) -> CleanFile:
    """The file without its metadata, or RefusedFile."""
    kind = sniff(data)
    if kind is None:
        raise RefusedFile("is not a JPEG or PNG image or a PDF document")
    cleaner = {JPEG: clean_jpeg, PNG: clean_png, PDF: clean_pdf}[kind]
    return CleanFile(kind, cleaner(data))


# --- JPEG -------------------------------------------------------------------------
ADOBE = 0xEE
SOS, EOI, COM = 0xDA, 0xD9, 0xFE
STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _minimal_jfif(segment: bytes) -> bytes | None:
    """APP0 rewritten as a bare JFIF header: version and pixel density, no thumbnail."""
    if not segment.startswith(b"JFIF\x00") or len(segment) < 12:
        return None  # a JFXX extension (thumbnails only) or junk
    body = b"JFIF\x00" + segment[5:12] + b"\x00\x00"
    return b"\xff\xe0" + (len(body) + 2).to_bytes(2, "big") + body


def _entropy_end(data: bytes, i: int) -> int:
    """Where the compressed scan data starting at `i` ends (the next real marker)."""
    while True:
        j = data.find(b"\xff", i)
        if j < 0 or j + 1 >= len(data):
            raise RefusedFile("is a damaged or incomplete image")
        following = data[j + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            i = j + (1 if following == 0xFF else 2)
            continue
        return j


def clean_jpeg(data: bytes) -> bytes:
    out, i, n, scanned = bytearray(b"\xff\xd8"), 2, len(data), False
    while i < n:
        if data[i] != 0xFF:
            raise RefusedFile("is a damaged or incomplete image")
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            break
        marker = data[i]
        i += 1
        if marker == EOI:
            if not scanned:
                break
            return bytes(out + b"\xff\xd9")  # anything after the image is dropped
        if marker in STANDALONE:
            out += bytes((0xFF, marker))
            continue
        length = int.from_bytes(data[i:i + 2], "big")
        if length < 2 or i + length > n:
            raise RefusedFile("is a damaged or incomplete image")
        segment = data[i + 2:i + length]
        if marker == 0xE0:
            out += _minimal_jfif(segment) or b""
        elif marker == ADOBE or not (0xE1 <= marker <= 0xEF or marker == COM):
            out += bytes((0xFF, marker)) + data[i:i + length]
        i += length
        if marker == SOS:
            scanned, end = True, _entropy_end(data, i)
            out += data[i:end]
            i = end
    raise RefusedFile("is a damaged or incomplete image")


# --- PNG --------------------------------------------------------------------------
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB"}


def clean_png(data: bytes) -> bytes:
    out, i, n = [PNG_SIGNATURE], len(PNG_SIGNATURE), len(data)
    while i + 12 <= n:
        length, kind = int.from_bytes(data[i:i + 4], "big"), data[i + 4:i + 8]
        end = i + 12 + length
        if end > n or zlib.crc32(data[i + 4:end - 4]) != int.from_bytes(data[end - 4:end],
                                                                          "big"):
            raise RefusedFile("is a damaged or incomplete image")
        if kind in PNG_KEEP:
            out.append(data[i:end])
        elif not kind[0] & 0x20:  # an unknown critical chunk: we cannot vouch for it
            raise RefusedFile("is an image format we cannot check")
        if kind == b"IEND":
            return b"".join(out)
        i = end
    raise RefusedFile("is a damaged or incomplete image")


# --- PDF ---
PDF_ENCRYPTED = "is an encrypted PDF; please send photos of its pages instead"
PDF_BROKEN = "is a damaged PDF that cannot be opened; please send photos of its pages instead"
PDF_REFUSAL = ("is a PDF whose hidden details we cannot remove safely; "
               "please send photos or screenshots of its pages instead")
# Removed wherever they appear: metadata, editing history, actions run on opening or on
# viewing, embedded files and chained actions (a harmless link may chain to JavaScript).
DROPPED_KEYS = ("/Metadata", "/PieceInfo", "/LastModified", "/AA", "/Next", "/JS", "/EF")
# On a page: its thumbnail (possibly of an earlier version) and article beads, which
# lead to the thread's own information dictionary.
PAGE_KEYS = ("/Thumb", "/B")
# Annotations that only draw or comment; widgets, files, sounds, movies, 3D and rich
# media go. Their author, dates and unique names go too.
KEPT_ANNOTATIONS = {"/Link", "/Text", "/FreeText", "/Highlight", "/Underline", "/StrikeOut",
                    "/Squiggly", "/Ink", "/Square", "/Circle", "/Line", "/Polygon", "/PolyLine",
                    "/Stamp", "/Caret", "/Popup"}
ANNOTATION_KEYS = ("/T", "/M", "/CreationDate", "/NM")
SAFE_ACTIONS = {"/GoTo", "/URI"}
# XMP or EXIF inside a content stream can only be an inline image's: we cannot rebuild it.
INLINE_METADATA = (b"Exif\x00\x00", b"<x:xmpmeta", b"http://ns.adobe.com/xap/")


def _is_container(obj: pikepdf.Object) -> bool:
    return isinstance(obj, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream))


def _is_hidden_payload(value: pikepdf.Object) -> bool:
    """An XMP packet (typed or not), an embedded file or a file specification."""
    if not isinstance(value, (pikepdf.Dictionary, pikepdf.Stream)):
        return False
    return (value.get("/Type") in ("/Metadata", "/EmbeddedFile", "/Filespec")
            or value.get("/Subtype") == "/XML")


def _unsafe_action(value: pikepdf.Object) -> bool:
    if not isinstance(value, pikepdf.Dictionary):
        return True
    uri = str(value.get("/URI", "")).strip().lower()
    return value.get("/S") not in SAFE_ACTIONS or uri.startswith(("javascript:", "file:"))


def _strip(obj: pikepdf.Object) -> None:
    for key in list(obj.keys()):
        value = obj[key]
        if (key in DROPPED_KEYS or _is_hidden_payload(value)
                or (key == "/A" and _unsafe_action(value))):
            del obj[key]


def _clean_image(image: pikepdf.Object) -> None:
    """A JPEG inside the PDF loses its EXIF and XMP segments; JPEG 2000 is refused."""
    filters = image.get("/Filter")
    names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    # A JPEG wrapped in a further filter is rare enough to refuse rather than unwrap.
    if "/JPXDecode" in names or ("/DCTDecode" in names and names != ["/DCTDecode"]):
        raise RefusedFile(PDF_REFUSAL)
    if names == ["/DCTDecode"]:
        parms = image.get("/DecodeParms")
        image.write(clean_jpeg(image.read_raw_bytes()), filter=pikepdf.Name.DCTDecode,
                    decode_parms=parms if isinstance(parms, pikepdf.Dictionary) else None)


def _scrub(root: pikepdf.Object) -> None:
    """Strip every reachable object of the new document, each indirect one once."""
    stack, seen = [root], set()
    while stack:
        obj = stack.pop()
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Array):
            stack.extend(item for item in obj if _is_container(item))
            continue
        _strip(obj)
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
            _clean_image(obj)
        stack.extend(obj[key] for key in obj.keys() if _is_container(obj[key]))


def _keep_annotation(annotation: pikepdf.Object) -> bool:
    if not isinstance(annotation, pikepdf.Dictionary):
        return False
    if annotation.get("/Subtype") not in KEPT_ANNOTATIONS:
        return False
    if annotation.get("/Subtype") == "/Link" and "/Dest" not in annotation and (
            _unsafe_action(annotation.get("/A"))):
        return False  # a link that launches or runs something, or leads nowhere
    for key in ANNOTATION_KEYS:
        if key in annotation:
            del annotation[key]
    return True


def _clean_page(page: pikepdf.Page) -> None:
    for key in PAGE_KEYS:
        if key in page.obj:
            del page.obj[key]
    if "/Annots" in page.obj:
        annotations = page.obj.Annots
        kept = [a for a in annotations if _keep_annotation(a)] \
            if isinstance(annotations, pikepdf.Array) else []
        page.obj.Annots = pikepdf.Array(kept)
    for stream in _content_streams(page):
        if any(mark in stream.read_bytes() for mark in INLINE_METADATA):
            raise RefusedFile(PDF_REFUSAL)


def _content_streams(page: pikepdf.Page) -> list[pikepdf.Object]:
    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Stream):
        return [contents]
    return [c for c in contents or [] if isinstance(c, pikepdf.Stream)]


def _open_pdf(data: bytes) -> pikepdf.Pdf:
    try:
        source = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise RefusedFile(PDF_ENCRYPTED) from None
    except pikepdf.PdfError:
        raise RefusedFile(PDF_BROKEN) from None
    if source.is_encrypted:
        source.close()
        raise RefusedFile(PDF_ENCRYPTED)
    return source


def _rebuild(source: pikepdf.Pdf) -> bytes:
    """A new document holding copies of the pages and nothing of the old catalogue."""
    with pikepdf.new() as rebuilt:
        for page in source.pages:
            rebuilt.pages.append(page)
        for page in rebuilt.pages:
            _clean_page(page)
        _scrub(rebuilt.Root)
        out = io.BytesIO()
        # Written whole: no earlier revision, and an /ID derived from the content alone.
        rebuilt.save(out, deterministic_id=True, fix_metadata_version=False)
    return out.getvalue()


def clean_pdf(data: bytes) -> bytes:
    """The PDF rebuilt from its pages without metadata or active content, or RefusedFile."""
    with _open_pdf(data) as source:
        try:
            pages = len(source.pages)
            cleaned = _rebuild(source) if pages else None
        except (pikepdf.PdfError, RuntimeError, ValueError, TypeError, KeyError):
            cleaned = None  # qpdf could not follow the document's structure
    if cleaned is None:
        raise RefusedFile(PDF_BROKEN)
    with pikepdf.open(io.BytesIO(cleaned)) as check:
        if len(check.pages) != pages or "/Info" in check.trailer:
            raise RefusedFile(PDF_REFUSAL)
    return cleaned
