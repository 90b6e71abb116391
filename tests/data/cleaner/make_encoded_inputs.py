"""Regenerate the encoded corpus inputs (base64 payloads, control-character text)."""

from __future__ import annotations

import base64
import gzip
import struct
import zlib
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

LATIN1_DE = (
    "Gericht stoppt Abriss der alten Mühle\n"
    "Das Verwaltungsgericht hat den Abriss der historischen Mühle am Stadtrand vorläufig gestoppt. "
    "Der Denkmalschutz müsse zuerst ein Gutachten vorlegen, entschied die Kammer am Donnerstag.\n"
    "Der Eigentümer will auf dem Grundstück Wohnungen bauen. "
    "Eine Bürgerinitiative hatte gegen die Pläne geklagt.\n"
)
BROKEN_UTF8_EN = (
    "Café owners welcome later closing times\n"
    "Café and bar owners in the old town welcomed a decision "
    "to let them stay open until 1 a.m. on weekends.\n"
    "The council said the trial would run for six months — with noise checks every weekend.\n"
)
CP1251_RU = (
    "Парк откроется после реконструкции\n"
    "Городской парк откроется после двухлетней реконструкции в субботу, сообщили в мэрии. "
    "В парке появились новые дорожки, фонтан и детские площадки.\n"
)
CONTROL_EN = (
    "Harbour crane\x07 collapses during storm\n\n"
    "A crane at the container\x1b[0m harbour collapsed during\x0b a storm on Friday night, "
    "damaging two ships.\n\n"
    "No one was hurt, the port authority said, "
    "but the terminal will stay closed\x00 until the crane is removed.\n"
)


def _chunk(tag: bytes, data: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    crc = struct.pack(">I", zlib.crc32(tag + data))
    return struct.pack(">I", len(data)) + tag + data + crc


def _png() -> bytes:
    """A tiny valid PNG image."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def _broken_utf8() -> bytes:
    """UTF-8 with two truncated sequences (a lone lead byte and a cut-off em dash)."""
    data = BROKEN_UTF8_EN.encode("utf-8")
    return data.replace(b"old town", b"old\xc3 town", 1).replace("—".encode(), b"\xe2\x80", 1)


def main() -> None:
    """Write every generated input file."""
    files: dict[str, bytes] = {
        "c37_binary_png.b64": base64.b64encode(_png()),
        "c38_binary_gzip.b64": base64.b64encode(gzip.compress(b"some compressed text " * 20, mtime=0)),
        "c39_latin1_de.b64": base64.b64encode(LATIN1_DE.encode("latin-1")),
        "c40_broken_utf8_en.b64": base64.b64encode(_broken_utf8()),
        "c41_invalid_base64.b64": b"this is *not* base64 at all!!",
        "c42_control_chars_en.txt": CONTROL_EN.encode("utf-8"),
        "c43_cp1251_ru.b64": base64.b64encode(CP1251_RU.encode("cp1251")),
    }
    for name, data in files.items():
        (CORPUS / name).write_bytes(data)


if __name__ == "__main__":
    main()
