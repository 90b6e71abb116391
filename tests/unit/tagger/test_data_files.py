"""Integrity of the curated data files: id schemes, unique aliases, valid country codes."""

from __future__ import annotations

import json
import re
from importlib import resources

import pycountry
import pytest

from services.tagger.gazetteer import load_blocklist
from services.tagger.logic import Tagger

ID_PATTERN = re.compile(r"^(Q\d+|ws:(person|org|place)/[a-z0-9-]+|geonames:\d+|iso3166:[A-Z]{2})$")


def _data(name: str) -> str:
    return resources.files("services.tagger").joinpath("data", name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["people.json", "organizations.json", "places.json"])
def test_curated_entities_are_well_formed(name: str) -> None:
    items = json.loads(_data(name))
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    for item in items:
        assert ID_PATTERN.match(item["id"]), item["id"]
        assert item["aliases"], item["id"]
        country = item.get("country")
        assert country is None or pycountry.countries.get(alpha_2=country) is not None, country


def test_country_table_codes_and_qids() -> None:
    rows = [
        line.split("\t") for line in _data("countries.tsv").splitlines() if line and not line.startswith("#")
    ]
    assert len(rows) >= 190
    qids = [row[1] for row in rows]
    assert len(qids) == len(set(qids))
    for row in rows:
        assert row[0] == "XK" or pycountry.countries.get(alpha_2=row[0]) is not None, row[0]
        assert re.fullmatch(r"Q\d+", row[1]), row


def test_every_record_id_follows_the_scheme(tagger: Tagger) -> None:
    bad = [rid for rid in tagger.gazetteer.records if not ID_PATTERN.match(rid)]
    assert not bad, bad[:10]
    assert all(alias.entity_id in tagger.gazetteer.records for alias in tagger.gazetteer.aliases.values())


def test_blocklisted_words_are_not_package_aliases(tagger: Tagger) -> None:
    for word in load_blocklist():
        alias = tagger.gazetteer.aliases.get(word)
        assert alias is None or not alias.entity_id.startswith("geonames:"), word


def test_topic_taxonomy_ids_and_parents() -> None:
    topics = json.loads(_data("topics.json"))["topics"]
    ids = {t["id"] for t in topics}
    for t in topics:
        assert re.fullmatch(r"medtop:\d{8}", t["id"])
        assert t.get("parent") is None or t["parent"] in ids
        assert t["terms"]["en"]
        assert t["terms"]["de"]
