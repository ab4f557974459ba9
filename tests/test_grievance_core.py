"""The pure core of grievances, without Flask: crypto, receipts, form tokens, metadata removal."""
from __future__ import annotations

import datetime as dt
import math
import re
import struct
import subprocess
import sys
import zlib

import pytest

from grievance import crypto, receipts, sanitise, tokens
from tests.fixtures import media

FAST = crypto.KdfParams(opslimit=1, memlimit=8192)


def test_the_core_imports_neither_flask_nor_the_database():
    code = ("import sys; import grievance.crypto, grievance.receipts, grievance.tokens, "
            "grievance.sanitise; bad = [m for m in ('flask', 'sqlalchemy', 'app') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_private_key_is_stored_only_under_the_passphrase():
    locked = crypto.generate_locked_key("a good long passphrase", FAST)
    private = crypto.unlock_private_key(locked, "a good long passphrase")
    assert bytes(private.public_key) == locked.public_key
    assert bytes(private) not in locked.encrypted_private_key
    with pytest.raises(crypto.DecryptionFailed):
        crypto.unlock_private_key(locked, "a good long passphrasE")


def test_an_envelope_opens_for_each_recipient_and_no_one_else():
    reviewers, reporter, stranger = (crypto.new_keypair() for _ in range(3))
    envelope = crypto.seal([bytes(reviewers.public_key), bytes(reporter.public_key)],
                           b"my passport was taken")
    assert b"passport" not in envelope
    assert crypto.open_envelope(reviewers, envelope) == b"my passport was taken"
    assert crypto.open_envelope(reporter, envelope) == b"my passport was taken"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_envelope(stranger, envelope)
    tampered = envelope[:-1] + bytes([envelope[-1] ^ 1])
    with pytest.raises(crypto.DecryptionFailed):
        crypto.open_envelope(reviewers, tampered)


def test_receipts_have_at_least_80_secret_bits_and_a_copy_friendly_form():
    assert receipts.SECRET_BITS >= 80
    assert math.log2(len(receipts.ALPHABET)) * receipts.SECRET_CHARS >= 80
    made = [receipts.new_receipt() for _ in range(500)]
    assert len({r.secret for r in made}) == 500
    for receipt in made[:20]:
        assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){4}", receipt.text)
        assert receipt.text.startswith(receipt.lookup_id)
    # Every character position varies: the CSPRNG output is used, not a fixed pattern.
    assert all(len({r.secret[i] for r in made}) > 20 for i in range(receipts.SECRET_CHARS))


def test_a_receipt_typed_by_hand_is_understood():
    receipt = receipts.Receipt("ABCDO", "IJKLMNOPQRSTUVWXYZ23")
    sloppy = " abcd0 ijklm nopqr-stuvw xyz23 ".replace("ijklm", "1jklm")
    assert receipts.parse_receipt(sloppy) == receipt
    assert receipts.parse_receipt(receipt.text.lower()) == receipt
    for bad in ("", "ABCDE", "ABCDE-FGHIJ-KLMNO-PQRST-UVWX!", receipt.text + "A"):
        assert receipts.parse_receipt(bad) is None


def test_a_secret_is_stored_as_an_argon2id_hash():
    encoded = crypto.hash_secret("FGHIJKLMNOPQRSTUVWXY", FAST)
    assert encoded.startswith("$argon2id$v=19$")
    assert "FGHIJ" not in encoded
    assert crypto.verify_secret(encoded, "FGHIJKLMNOPQRSTUVWXY")
    assert not crypto.verify_secret(encoded, "FGHIJKLMNOPQRSTUVWXZ")


def test_form_tokens_are_genuine_fresh_and_single_purpose():
    key, day = b"k" * 32, dt.date(2026, 5, 1)
    token = tokens.issue(key, day)
    assert tokens.verify(key, token, day) is not None
    assert tokens.verify(key, token, day + dt.timedelta(days=1)) is not None
    assert tokens.verify(key, token, day + dt.timedelta(days=2)) is None
    assert tokens.verify(b"x" * 32, token, day) is None
    assert tokens.verify(key, token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1],
                         day) is None
    assert tokens.verify(key, "not a token", day) is None


def _scan_data(jpeg: bytes) -> bytes:
    """The compressed pixels: from the first start-of-scan marker to the end of the image."""
    start = jpeg.index(b"\xff\xda")
    return jpeg[start:jpeg.index(b"\xff\xd9", start)]


def test_a_geotagged_photo_comes_back_clean_with_the_same_pixels():
    photo = media.geotagged_jpeg()
    assert media.GPS_MARK in photo and media.CAMERA in photo and b"Exif" in photo
    cleaned = sanitise.clean(photo)
    assert cleaned.kind == "jpeg" and cleaned.mime == "image/jpeg"
    for secret in (media.GPS_MARK, media.CAMERA, b"Exif", b"Taken by Ram", b"TRAILER",
                   b"http://ns.adobe.com/xap", b"ICC_PROFILE"):
        assert secret not in cleaned.data
    assert cleaned.data.startswith(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    assert cleaned.data.endswith(b"\xff\xd9")
    assert _scan_data(cleaned.data) == _scan_data(photo)


def test_png_keeps_its_pixels_and_loses_text_time_and_exif():
    png = media.png_with_text()
    cleaned = sanitise.clean(png).data
    chunks = re.findall(rb"(IHDR|tEXt|tIME|eXIf|IDAT|IEND)", cleaned)
    assert chunks == [b"IHDR", b"IDAT", b"IEND"]
    assert media.PDF_AUTHOR.encode() not in cleaned
    idat = png[png.index(b"IDAT") - 4:]
    assert idat[:idat.index(b"IEND") - 4] in cleaned


def test_pdf_loses_its_document_information_xmp_and_identifier():
    pdf = media.pdf_with_metadata()
    cleaned = sanitise.clean(pdf).data
    for secret in (media.PDF_AUTHOR, media.XMP_CREATOR, "Ram's laptop", "D:2024",
                   "0123456789ABCDEF"):
        assert secret.encode() not in cleaned and secret.encode() in pdf
    assert cleaned.startswith(b"%PDF-") and cleaned.rstrip().endswith(b"%%EOF")


def test_pdfs_that_cannot_be_opened_are_refused():
    # Only an object stream and a trailer: no catalogue, no pages (real encryption and
    # damage are in test_grievance_pdf.py).
    hidden = zlib.compress(b"5 0 << /Author (Ram Bahadur) >>")
    objstm = (b"%PDF-1.5\n7 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
              + str(len(hidden)).encode() + b" >>\nstream\n" + hidden + b"\nendstream\nendobj\n"
              b"trailer\n<< /Info 5 0 R >>\n%%EOF\n")
    with pytest.raises(sanitise.RefusedFile, match="photos of its pages"):
        sanitise.clean(objstm)


@pytest.mark.parametrize("data", [b"MZ\x90\x00 a program", b"<html><script>", b"GIF89a....",
                                  b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 cut short"])
def test_disguised_or_broken_files_are_refused(data):
    with pytest.raises(sanitise.RefusedFile):
        sanitise.clean(data)


def test_a_png_with_a_bad_checksum_is_refused():
    png = bytearray(media.png_with_text())
    png[struct.unpack(">I", png[8:12])[0] + 16] ^= 0xFF  # a byte inside IHDR's data or CRC
    with pytest.raises(sanitise.RefusedFile):
        sanitise.clean(bytes(png))
