"""Who published an article: the outlet named, else the URL's host, else unknown."""

from __future__ import annotations

from services.core.models import Source
from services.core.sources import publisher


def test_the_publisher_is_the_outlet_then_the_url_host() -> None:
    named = Source(uri="a.jsonl", outlet=" The  Wire Desk ", url="https://x.org/a")
    assert publisher(named) == "the wire desk"
    assert publisher(Source(uri="a.jsonl", url="https://www.News.example.org:8443/1")) == "news.example.org"
    assert publisher(Source(uri="a.jsonl", outlet="  ")) is None
    # a file path names no publisher, and neither does a broken URL
    assert publisher(Source(uri="site/2024/a.txt")) is None
    assert publisher(Source(uri="a.jsonl", url="http://[bad")) is None
