"""Payload decoding: size limit, base64, binary sniffing and charset repair (pure, no I/O)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

import charset_normalizer

from services.core.outcomes import Rejection

_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
    b"MZ",
    b"\x00asm",
    b"OggS",
    b"ID3",
    b"RIFF",
    b"\xca\xfe\xba\xbe",
)
_TEXT_CONTROLS = frozenset(b"\t\n\r\f\x1b")
_SNIFF = 8192


@dataclass
class Decoded:
    """Text decoded from a payload, with the quality flags decoding raised."""

    text: str
    flags: list[str] = field(default_factory=list)


def payload_size(text: str, encoding: str) -> int:
    """Byte size of the payload a RawArticle carries (decoded size for base64)."""
    if encoding == "base64":
        return len(text) * 3 // 4
    return len(text.encode("utf-8", "surrogatepass"))


def looks_binary(data: bytes) -> bool:
    """True for bytes that are not text: known magic numbers, NUL bytes or many control bytes."""
    head = data[:_SNIFF]
    if not head:
        return False
    if head.startswith(_MAGIC) or b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in _TEXT_CONTROLS)
    return controls / len(head) > 0.05


def _text_is_binary(text: str) -> bool:
    """True when a decoded string is mostly control characters or replacement characters."""
    head = text[:_SNIFF]
    if not head:
        return False
    bad = sum(1 for c in head if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r\f"))
    return bad / len(head) > 0.1


def bytes_to_text(data: bytes) -> Decoded | Rejection:
    """Decode bytes that were not valid UTF-8: repair broken UTF-8 or convert a legacy charset."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") and data[2:4] != b"\x00\x00":  # UTF-16 with its BOM
        try:
            utf16 = data.decode("utf-16")
        except UnicodeDecodeError:
            utf16 = ""
        if utf16 and not _text_is_binary(utf16):
            return Decoded(utf16, ["legacy_encoding_decoded"])
    if looks_binary(data):
        return Rejection("binary_payload", "payload bytes look binary (magic number, NUL or control bytes)")
    try:
        return Decoded(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lossy = data.decode("utf-8", errors="replace")
    broken = lossy.count("\ufffd")
    good_multibyte = sum(1 for c in lossy if ord(c) > 127 and c != "\ufffd")
    if good_multibyte >= broken:
        return Decoded(lossy.replace("\ufffd", ""), ["invalid_utf8_repaired"])
    best = charset_normalizer.from_bytes(data[:262144]).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        text = data.decode(encoding, errors="replace")
    except LookupError:
        text = data.decode("cp1252", errors="replace")
    if _text_is_binary(text):
        return Rejection("binary_payload", f"payload does not decode to text (tried {encoding})")
    return Decoded(text.replace("\ufffd", ""), ["legacy_encoding_decoded"])


def decode_payload(text: str, encoding: str, max_bytes: int) -> Decoded | Rejection:
    """Turn a RawArticle's text/encoding into a str, or reject it (size, bad base64, binary)."""
    if payload_size(text, encoding) > max_bytes:
        return Rejection("payload_too_large", f"payload exceeds {max_bytes} bytes")
    if encoding != "base64":
        if _text_is_binary(text):
            return Rejection("binary_payload", "text payload is mostly control or replacement characters")
        if text.startswith("%PDF-"):  # a PDF whose bytes happen to be valid UTF-8
            return Rejection("binary_payload", "payload is a PDF document (magic number %PDF-)")
        return Decoded(text)
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        return Rejection("invalid_base64", f"payload marked base64 does not decode: {exc}")
    if len(data) > max_bytes:
        return Rejection("payload_too_large", f"payload exceeds {max_bytes} bytes")
    return bytes_to_text(data)
