"""Attachment checks and metadata removal (pure): JPEG, PNG and PDF, by their magic bytes.

A photo's EXIF block can hold the GPS position and the phone's serial number; a PDF's
document information can hold the author's name. Pillow is not available here, so
images are cleaned at the container level, byte for byte, without re-encoding:

* JPEG: every APPn segment except a minimal JFIF header and Adobe's colour-transform
  marker is dropped (EXIF, XMP, ICC, IPTC, MPF), as are comments, the JFIF thumbnail
  and anything after the end-of-image marker. The compressed pixels are untouched.
* PNG: only the critical chunks and the ancillary ones that change how pixels look
  (tRNS, gAMA, cHRM, sRGB) are kept; text, eXIf, tIME, iCCP and the rest are dropped.
* PDF: edited in place without changing a single offset: the values of the document
  information dictionary and of well-known metadata keys are blanked, XMP metadata
  streams are overwritten with spaces, and the file identifier is zeroed. A PDF that
  is encrypted, or whose compressed object streams hold metadata we cannot blank in
  place, is refused with a message asking for photos of the pages instead.
  Text written *in* the document (a signature, a letterhead) is of course kept.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

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


# --- PDF --------------------------------------------------------------------------
METADATA_KEYS = (b"Author", b"Creator", b"Producer", b"Title", b"Subject", b"Keywords",
                 b"CreationDate", b"ModDate", b"Company", b"SourceModified", b"Manager")
KEY_VALUE = re.compile(rb"/(" + b"|".join(METADATA_KEYS) + rb")\s*(?=[(<])")
INFO_REF = re.compile(rb"/Info\s+(\d+)\s+(\d+)\s+R")
FILE_ID = re.compile(rb"/ID\s*\[")
METADATA_STREAM = re.compile(rb"/Type\s*/Metadata\b")
OBJECT_START = re.compile(rb"\d+\s+\d+\s+obj\b")
OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
PDF_REFUSAL = ("is a PDF whose document details we cannot remove safely; "
               "please send photos or screenshots of its pages instead")


def _string_end(data: bytearray, start: int) -> int:
    """The index just past the literal (…) or hex <…> string starting at `start`."""
    if data[start:start + 1] == b"<":
        end = data.find(b">", start)
        if end < 0:
            raise RefusedFile(PDF_REFUSAL)
        return end + 1
    depth, k = 0, start
    while k < len(data):
        ch = data[k]
        if ch == 0x5C:  # backslash escapes the next byte
            k += 2
            continue
        depth += (ch == 0x28) - (ch == 0x29)
        k += 1
        if depth == 0:
            return k
    raise RefusedFile(PDF_REFUSAL)


def _blank_string(data: bytearray, start: int) -> int:
    """Overwrite a string's contents, keeping its length; returns the index after it."""
    end = _string_end(data, start)
    filler = b"0" if data[start] == 0x3C else b" "
    data[start + 1:end - 1] = filler * (end - 1 - start - 1)
    return end


def _blank_strings_in_dict(data: bytearray, start: int) -> None:
    """Blank every string value of the dictionary that opens at or after `start`."""
    i = data.find(b"<<", start)
    depth = 0
    while 0 <= i < len(data):
        if data[i:i + 2] == b"<<":
            depth, i = depth + 1, i + 2
        elif data[i:i + 2] == b">>":
            depth, i = depth - 1, i + 2
            if depth == 0:
                return
        elif data[i] in b"(<":
            i = _blank_string(data, i)
        else:
            i += 1
    raise RefusedFile(PDF_REFUSAL)


def _blank_info_dictionaries(data: bytearray) -> None:
    for number, generation in set(INFO_REF.findall(bytes(data))):
        pattern = re.compile(rb"(?<![0-9])" + number + rb"\s+" + generation + rb"\s+obj\b")
        found = list(pattern.finditer(bytes(data)))
        if not found:  # inside a compressed object stream: cannot be edited in place
            raise RefusedFile(PDF_REFUSAL)
        for match in found:
            _blank_strings_in_dict(data, match.end())


def _blank_metadata_streams(data: bytearray) -> None:
    for match in METADATA_STREAM.finditer(bytes(data)):
        starts = [m.start() for m in OBJECT_START.finditer(bytes(data), 0, match.start())]
        head_start = starts[-1] if starts else 0
        keyword = data.find(b"stream", match.end())
        if keyword < 0:
            raise RefusedFile(PDF_REFUSAL)
        body = keyword + 6 + (2 if data[keyword + 6:keyword + 8] == b"\r\n" else 1)
        end = data.find(b"endstream", body)
        if end < 0:
            raise RefusedFile(PDF_REFUSAL)
        data[body:end] = b" " * (end - body)
        head = bytes(data[head_start:keyword])  # the stream now holds plain spaces
        head = head.replace(b"/Filter", b"/Unused").replace(b"/DecodeParms", b"/UnusedParms")
        data[head_start:keyword] = head


def _check_object_streams(data: bytes) -> None:
    """Compressed object streams may hide an information dictionary: look inside."""
    for match in OBJECT_STREAM.finditer(data):
        keyword = data.find(b"stream", match.end())
        end = data.find(b"endstream", keyword)
        head = data[data.rfind(b"obj", 0, match.start()):keyword]
        if keyword < 0 or end < 0 or b"/FlateDecode" not in head:
            raise RefusedFile(PDF_REFUSAL)
        body = data[keyword + 6:end].lstrip(b"\r\n")
        try:
            content = zlib.decompressobj().decompress(body, 50_000_000)
        except zlib.error:
            raise RefusedFile(PDF_REFUSAL) from None
        if KEY_VALUE.search(content):
            raise RefusedFile(PDF_REFUSAL)


def clean_pdf(data: bytes) -> bytes:
    if re.search(rb"/Encrypt\b", data):
        raise RefusedFile("is an encrypted PDF; please send photos of its pages instead")
    _check_object_streams(data)
    out = bytearray(data)
    _blank_info_dictionaries(out)
    for match in list(KEY_VALUE.finditer(bytes(out))):
        _blank_string(out, match.end())
    _blank_metadata_streams(out)
    for match in list(FILE_ID.finditer(bytes(out))):
        i = match.end()
        while out[i:i + 1] in (b"<", b"(", b" ", b"\r", b"\n"):
            i = _blank_string(out, i) if out[i:i + 1] in (b"<", b"(") else i + 1
    if len(out) != len(data):  # offsets in the cross-reference table must still hold
        raise RefusedFile(PDF_REFUSAL)
    return bytes(out)
