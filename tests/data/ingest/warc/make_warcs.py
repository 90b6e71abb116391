"""Regenerate the WARC test inputs with warcio's writer (``.venv/bin/python <this file>``).

Writes ``news.warc.gz`` (CC-NEWS-like: per-record gzip, WARC/1.0, request/response/metadata triples,
a chunked + gzip-encoded response, a windows-1252 page, an image, a redirect, a revisit),
``plain.warc`` (uncompressed WARC/1.1) and, in ``../broken/``, ``truncated.warc.gz`` (cut inside
its third record) and ``not_a_warc.warc``. Record ids and dates are fixed, so the output is stable.
"""

from __future__ import annotations

import gzip
import uuid
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

HERE = Path(__file__).parent
BROKEN = HERE.parent / "broken"


def page(
    lang: str, title: str, site: str, published: str, paragraphs: list[str], charset: str = "utf-8"
) -> str:
    """A news page with the usual chrome around the article: cookie banner, navigation, teasers, footer."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="{charset}"><title>{title} | {site}</title>
<meta property="article:published_time" content="{published}">
<script>window.dataLayer = window.dataLayer || [];</script><style>.nav{{color:#333}}</style></head>
<body>
<div id="consent"><p>We use cookies to improve your experience. By continuing you accept our
cookie policy.</p></div>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>{title}</h1>
{body}
</article>
<aside><h2>Most read</h2><a href="/a">Parking fees vote</a> <a href="/b">Ski season</a></aside></main>
<footer><p>Copyright {published[:4]} {site}.</p></footer>
</body></html>
"""


CRANE = page(
    "en",
    "Harbour crane collapses during storm",
    "The Coast Courier",
    "2024-03-08T05:40:00Z",
    [
        "PORTSMOUTH: A container crane at the harbour collapsed during a storm on Thursday night, "
        "damaging two ships moored at the eastern terminal.",
        "No one was hurt, the port authority said, but the terminal will stay closed until engineers "
        "have removed the wreckage and checked the quay wall for cracks.",
        "Wind gusts of more than 110 kilometres an hour were measured at the harbour entrance shortly "
        "before midnight, the weather service said.",
    ],
)
BRIDGE_DE = page(
    "de",
    "Neue Brücke über die Elbe eröffnet",
    "Stadtanzeiger",
    "2024-03-09T09:15:00+01:00",
    [
        "Dresden – Nach vier Jahren Bauzeit ist am Samstag die neue Fuß- und Radbrücke über die Elbe "
        "eröffnet worden. Tausende Menschen kamen zur Feier an das Ufer.",
        "Die Brücke ist 280 Meter lang und kostete nach Angaben der Stadt rund 42 Millionen Euro. Sie "
        "verbindet zwei Stadtteile, die bisher nur über einen Umweg erreichbar waren.",
        "Der Oberbürgermeister sprach von einem Tag der Freude für die ganze Stadt und dankte den "
        "Bauarbeitern für ihren Einsatz.",
    ],
)
MARKET_FR = page(
    "fr",
    "Le marché couvert rouvre après deux ans de travaux",
    "Le Courrier du Sud",
    "2024-03-09T07:30:00+01:00",
    [
        "Lyon – Le marché couvert du centre-ville a rouvert ses portes samedi matin après deux années "
        "de rénovation. Les premiers clients sont arrivés dès sept heures.",
        "Quarante-deux commerçants ont retrouvé leurs étals, dont plusieurs fromagers et primeurs "
        "présents depuis plus de trente ans, a précisé la mairie.",
        "Les travaux ont coûté près de douze millions d'euros, financés en partie par la région.",
    ],
    charset="windows-1252",
)
SCHOOL = page(
    "en",
    "Council approves new school budget",
    "Example News",
    "2024-03-10T14:05:00Z",
    [
        "The regional council approved a new budget for public schools on Tuesday after a long debate "
        "that lasted well into the evening, officials said.",
        "The plan adds funding for forty teaching posts and for repairs to older school buildings, "
        "several of which have leaking roofs.",
        "Opposition members said the increase was too small to make up for years of cuts.",
    ],
)

RAIL = page(
    "en",
    "Rail bridge reopens after flood repairs",
    "Example News",
    "2024-03-10T16:20:00Z",
    [
        "The rail bridge over the river reopened on Sunday, four months after floods washed away one of "
        "its piers and cut the line between the two largest towns in the valley.",
        "Engineers rebuilt the pier on deeper foundations. The operator said trains would run at reduced "
        "speed for two weeks while the new track settles.",
    ],
)

WARCINFO = {
    "software": "wirestream make_warcs.py (warcio)",
    "format": "WARC File Format 1.0",
    "isPartOf": "wirestream-test-crawl",
    "robots": "classic",
}


class Writer:
    """A WARC writer with fixed record ids (uuid5 of a counter) and explicit dates."""

    def __init__(self, out: BytesIO, *, gzip: bool, version: str = "1.0") -> None:
        self.writer = WARCWriter(out, gzip=gzip, warc_version=version)
        self.count = 0

    def _headers(self, date: str, **extra: str) -> dict[str, str]:
        self.count += 1
        rid = uuid.uuid5(uuid.NAMESPACE_URL, f"wirestream-test-{self.count}")
        return {"WARC-Record-ID": f"<urn:uuid:{rid}>", "WARC-Date": date, **extra}

    def warcinfo(self, name: str, date: str) -> None:
        """The file's warcinfo record."""
        info = BytesIO("".join(f"{k}: {v}\r\n" for k, v in WARCINFO.items()).encode())
        rec = self.writer.create_warc_record(
            "",
            "warcinfo",
            payload=info,
            length=len(info.getvalue()),
            warc_content_type="application/warc-fields",
            warc_headers_dict=self._headers(date, **{"WARC-Filename": name}),
        )
        self.writer.write_record(rec)

    def exchange(
        self,
        uri: str,
        date: str,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
        *,
        metadata: bool = True,
    ) -> None:
        """A request, its response and (as crawlers write it) a metadata record."""
        host = uri.split("/")[2]
        req_http = StatusAndHeaders(
            f"GET /{uri.split('/', 3)[3]} HTTP/1.1",
            [("Host", host), ("User-Agent", "wirestream-test/1.0")],
            is_http_request=True,
        )
        req = self.writer.create_warc_record(
            uri, "request", http_headers=req_http, warc_headers_dict=self._headers(date)
        )
        fields = list(headers)
        if ("Transfer-Encoding", "chunked") not in fields:
            fields.append(("Content-Length", str(len(body))))
        http = StatusAndHeaders(status, fields, protocol="HTTP/1.1")
        resp = self.writer.create_warc_record(
            uri,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=http,
            warc_headers_dict=self._headers(date),
        )
        self.writer.write_request_response_pair(req, resp)
        if metadata:
            meta = BytesIO(b"fetchTimeMs: 212\r\ncharset-detected: UTF-8\r\n")
            rec = self.writer.create_warc_record(
                uri,
                "metadata",
                payload=meta,
                length=len(meta.getvalue()),
                warc_content_type="application/warc-fields",
                warc_headers_dict=self._headers(date),
            )
            self.writer.write_record(rec)

    def revisit(self, uri: str, date: str, refers_to: str) -> None:
        """A revisit record: the same payload as an earlier capture, no body."""
        rec = self.writer.create_revisit_record(
            uri,
            "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            uri,
            refers_to,
            warc_headers_dict=self._headers(date),
        )
        self.writer.write_record(rec)


def chunked(data: bytes, size: int = 700) -> bytes:
    """HTTP/1.1 chunked transfer encoding of ``data``."""
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    parts = [b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces]
    return b"".join(parts) + b"0\r\n\r\n"


HTML = ("Content-Type", "text/html; charset=utf-8")


def news() -> bytes:
    """The CC-NEWS-like crawl: four kinds of HTML response among records that are not articles."""
    out = BytesIO()
    w = Writer(out, gzip=True)
    w.warcinfo("news.warc.gz", "2024-03-10T18:00:00Z")
    crane = "https://www.coastcourier.example/2024/03/08/harbour-crane-collapses"
    w.exchange(
        crane,
        "2024-03-08T06:12:44Z",
        "200 OK",
        [HTML, ("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")],
        chunked(gzip.compress(CRANE.encode(), mtime=0)),
    )
    w.exchange(
        "https://www.stadtanzeiger.example/lokales/neue-elbbruecke-eroeffnet",
        "2024-03-09T10:02:11Z",
        "200 OK",
        [HTML, ("Server", "nginx")],
        BRIDGE_DE.encode(),
    )
    w.exchange(
        "https://www.courrierdusud.example/lyon/marche-couvert-rouvre",
        "2024-03-09T11:47:03Z",
        "200 OK",
        [("Content-Type", "text/html; charset=windows-1252")],
        MARKET_FR.encode("cp1252"),
    )
    w.exchange(
        "https://www.coastcourier.example/img/crane.jpg",
        "2024-03-08T06:12:45Z",
        "200 OK",
        [("Content-Type", "image/jpeg")],
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4,
        metadata=False,
    )
    w.exchange(
        "https://www.coastcourier.example/crane",
        "2024-03-08T06:12:40Z",
        "301 Moved Permanently",
        [HTML, ("Location", crane)],
        b"<html><body>Moved <a href='x'>here</a></body></html>",
        metadata=False,
    )
    w.revisit(crane, "2024-03-10T06:00:00Z", "2024-03-08T06:12:44Z")
    return out.getvalue()


def plain() -> bytes:
    """An uncompressed WARC/1.1 file: one article and a robots.txt."""
    out = BytesIO()
    w = Writer(out, gzip=False, version="1.1")
    w.warcinfo("plain.warc", "2024-03-10T18:30:00.125000Z")
    w.exchange(
        "https://news.example.org/robots.txt",
        "2024-03-10T18:30:01.000000Z",
        "200 OK",
        [("Content-Type", "text/plain")],
        b"User-agent: *\nDisallow: /admin/\n",
        metadata=False,
    )
    w.exchange(
        "https://news.example.org/2024/03/council-school-budget",
        "2024-03-10T18:30:02.345678Z",
        "200 OK",
        [("Content-Type", "application/xhtml+xml")],
        SCHOOL.encode(),
    )
    return out.getvalue()


def truncated() -> bytes:
    """Two good records, then the third (a response) cut in the middle: a crawl that was interrupted."""
    out = BytesIO()
    w = Writer(out, gzip=True)
    w.warcinfo("truncated.warc.gz", "2024-03-10T19:00:00Z")
    w.exchange(
        "https://news.example.org/2024/03/rail-bridge-reopens",
        "2024-03-10T19:00:01Z",
        "200 OK",
        [HTML],
        RAIL.encode(),
        metadata=False,
    )
    whole = out.getvalue()
    w.exchange(
        "https://www.coastcourier.example/2024/03/08/harbour-crane-collapses",
        "2024-03-10T19:00:02Z",
        "200 OK",
        [HTML],
        CRANE.encode(),
        metadata=False,
    )
    after = out.getvalue()
    return after[: len(whole) + (len(after) - len(whole)) * 2 // 3]


def main() -> None:
    """Write the WARC files next to this script and the broken ones into ../broken/."""
    (HERE / "news.warc.gz").write_bytes(news())
    (HERE / "plain.warc").write_bytes(plain())
    BROKEN.mkdir(exist_ok=True)
    (BROKEN / "truncated.warc.gz").write_bytes(truncated())
    (BROKEN / "not_a_warc.warc").write_bytes(b"<html><body>Saved as .warc by mistake</body></html>\n")


if __name__ == "__main__":
    main()
