"""Held-out cleaner check: real en/de news made dirty in known ways, scored against the clean originals.

Usage: python bench/bench_cleaner_heldout.py [--label after] [--seed 13] [--reuters 700]
                                              [--datasets ../shared/datasets] [--out FILE]

Before/after: the `before` figures come from the same script run on the unchanged cleaner,
e.g. `git archive HEAD | tar -x -C /tmp/base`, copy this script there, then
`cd /tmp/base && python bench/bench_cleaner_heldout.py --label before --datasets
/work/shared/datasets --out /work/main/bench/results/cleaner-heldout.json`.

The source texts are read at run time from ../shared/datasets (Reuters-21578 dev stream and the
SemEval-2022 task 8 texts); nothing of them is stored in the repository. Sources and boilerplate
templates are each split (seeded) into a tuning half and a held-out half: develop on `tune`, report
`heldout`. Every template is checked against the rule file (services/cleaner/data/boilerplate.json)
at start-up and the run aborts if a rule already matches one, so the figures measure generalisation.
The report is merged into the JSON under `--label` (e.g. `before` on the old code, `after`).
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.cleaner.logic import clean  # noqa: E402
from services.cleaner.patterns import classify_line, load_rules  # noqa: E402
from services.core.models import CleanArticle, RawArticle, Source, Timestamps  # noqa: E402

DATASETS = ROOT.parent / "shared" / "datasets"
MIN_WORDS = 40
TARGETS = {
    "boilerplate_removed": 0.97,
    "text_kept": 0.99,
    "parts_right": 0.97,
    "repeats_kept_once": 0.97,
}
# Boilerplate lines written from patterns of real news sites; {n} is a counter. None is matched by
# a rule of the rule file (checked at start-up). Half of each list is used only for tuning.
TEMPLATES: dict[str, list[str]] = {
    "en": [
        "Skip to main content",
        "Skip to content",
        "Skip to navigation",
        "Jump to comments",
        "Print this page",
        "Print this article",
        "Email this story",
        "Share via Email",
        "Share this with Facebook",
        "Share on Facebook (opens in new window)",
        "Comments ({n})",
        "View {n} comments",
        "{n} shares",
        "Sign up for our morning briefing",
        "Get our free daily briefing",
        "Subscribe to our podcast on Apple Podcasts",
        "Back to the homepage",
        "Back to top",
        "Go to homepage",
        "(Photo: Jane Doe)",
        "(Photo by Mark Lee / Staff)",
        "(Image credit: NASA)",
        "Follow the author on Twitter @jdoe",
        "Have a news tip? Contact our newsroom",
        "Report a correction or typo",
        "Click to enlarge",
        "Open image in gallery",
        "Enlarge this image",
        "Toggle caption",
        "Listen to this article",
        "Image {n} of 12",
        "Video Ad Feedback",
        "Save for later",
        "Already have an account? Log in here",
        "Create a free account",
        "This article is more than {n} years old",
        "Was this article helpful?",
        "Next article",
        "Previous story",
        "Send us feedback",
    ],
    "de": [
        "Zum Inhalt springen",
        "Zur Navigation springen",
        "Direkt zum Seiteninhalt",
        "Seite drucken",
        "Artikel per Mail versenden",
        "Kommentare ({n})",
        "{n} Kommentare anzeigen",
        "Zur Startseite",
        "Zurück zur Übersicht",
        "Zum Seitenanfang",
        "Newsletter: Jetzt kostenlos anmelden",
        "Hier kostenlos den Newsletter bestellen",
        "Jetzt teilen:",
        "(Foto: Max Muster)",
        "(Bild: Stadtverwaltung)",
        "Bild vergrößern",
        "Artikel anhören",
        "Vorlesen",
        "Mehr anzeigen",
        "Bildergalerie ansehen",
        "Auf Facebook teilen (öffnet neues Fenster)",
        "Diesen Artikel per E-Mail empfehlen",
        "Fehler gefunden? Jetzt melden",
        "Jetzt abonnieren und weiterlesen",
        "Bild {n} von 15",
        "Zum Kommentarbereich",
        "Schreiben Sie uns Ihre Meinung",
        "Artikel speichern",
        "Schriftgröße ändern",
        "Ihre Meinung ist gefragt",
    ],
}
STAMPS = ["{d:%d %B %Y}", "Updated: {d:%b %d, %Y} {d:%H:%M}", "{d:%d.%m.%Y}, {d:%H:%M} Uhr", "{d:%B %d, %Y}"]


@dataclass
class Article:
    """A clean source article: language, title, paragraphs (the first may carry a dateline)."""

    lang: str
    title: str
    paragraphs: list[str]
    published: datetime


@dataclass
class Payload:
    """One dirty payload and what a perfect cleaner would give back."""

    kind: str
    text: str
    content_type: str
    articles: list[Article]
    boiler: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)


def _norm(text: str) -> str:
    """Comparison form: NFC, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _reuters(limit: int) -> list[Article]:
    """The first Reuters stories with a title and at least 80 words, hard wraps joined."""
    out: list[Article] = []
    with (DATASETS / "reuters21578_dev_en.jsonl").open(encoding="utf-8") as fh:
        for raw in fh:
            row = json.loads(raw)
            body = re.sub(r"\s*Reuter\s*(&#3;)?\s*$", "", row.get("text") or "").replace("&lt;", "<")
            paras = [" ".join(p.split()) for p in re.split(r"\n {3,}", body) if p.strip()]
            if not row.get("title") or len(body.split()) < 80 or len(paras) < 2:
                continue
            if row.get("dateline"):
                paras[0] = f"{row['dateline'].strip()} {paras[0]}"
            out.append(
                Article("en", " ".join(row["title"].split()), paras, datetime.fromisoformat(row["published"]))
            )
            if len(out) >= limit:
                break
    return out


def _semeval() -> list[Article]:
    """SemEval texts that have a title line and at least 80 words (deduplicated)."""
    out: list[Article] = []
    seen: set[str] = set()
    with (DATASETS / "semeval2022_task8_dev_en_de.jsonl").open(encoding="utf-8") as fh:
        for raw in fh:
            row = json.loads(raw)
            for k in ("1", "2"):
                text = row[f"text{k}"]
                lines = [" ".join(x.split()) for x in text.split("\n") if x.strip()]
                if text in seen or len(lines) < 3 or len(lines[0]) > 150 or lines[0][-1] in ".!?":
                    continue
                seen.add(text)
                if len(text.split()) >= 80:
                    out.append(
                        Article(row[f"lang{k}"], lines[0], lines[1:], datetime(2020, 4, 20, tzinfo=UTC))
                    )
    return out


def _scored(article: Article) -> list[str]:
    """Paragraphs that are scored as article text (short scraped fragments are left unscored)."""
    return [p for p in article.paragraphs if len(p.split()) >= 8]


def _boiler(rng: random.Random, lang: str, templates: dict[str, list[str]], k: int) -> list[str]:
    """k boilerplate lines of one language from the given template half."""
    return [t.replace("{n}", str(rng.randint(2, 480))) for t in rng.sample(templates[lang], k)]


def _stamp(rng: random.Random, d: datetime) -> str:
    """A publication stamp line in one of several site formats."""
    return rng.choice(STAMPS).format(d=d)


def _lines(rng: random.Random, art: Article, boiler: list[str], stamp: bool) -> list[str]:
    """Title, optional stamp, paragraphs with boilerplate at top, middle and end."""
    head = [art.title, ""] + ([_stamp(rng, art.published), ""] if stamp else [])
    body: list[str] = []
    sep = [""] if rng.random() < 0.7 else []
    for p in art.paragraphs:
        body += [p, *sep]
    for line in boiler:
        where = rng.choice(["top", "middle", "end"])
        if where == "top":
            head.insert(rng.randint(0, len(head)), line)
        elif where == "end":
            body.append(line)
        else:
            body.insert(rng.randint(1, max(1, len(body) - 1)), line)
    return head + body


def _mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (undefined bytes as Latin-1), the usual mojibake."""
    out = []
    for b in text.encode("utf-8"):
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def _html(rng: random.Random, art: Article, boiler: list[str]) -> str:
    """An HTML page: navigation and footer around the article, boilerplate inside and around it."""
    nav = "".join(f"<li><a href='/{x.lower()}'>{x}</a></li>" for x in ("Home", "World", "Business", "Sport"))
    inner = [f"<p>{html.escape(p)}</p>" for p in art.paragraphs]
    for line in boiler[1:]:
        inner.insert(rng.randint(0, len(inner)), f"<div class='widget'><p>{html.escape(line)}</p></div>")
    return (
        f"<!doctype html><html lang='{art.lang}'><head><meta charset='utf-8'><title>{html.escape(art.title)}"
        f"</title></head><body><header><a href='#main'>{html.escape(boiler[0])}</a><nav><ul>{nav}</ul></nav>"
        f"</header><main id='main'><article><h1>{html.escape(art.title)}</h1>"
        f"<time datetime='{art.published.isoformat()}'>{art.published:%d %B %Y}</time>{''.join(inner)}"
        "</article></main><footer><p>Imprint · Privacy · Contact</p></footer></body></html>"
    )


def build(sources: list[Article], templates: dict[str, list[str]], seed: int) -> list[Payload]:
    """The dirty payloads of one half: boilerplate, repeats, glued pairs, mojibake, HTML."""
    rng = random.Random(seed)
    out: list[Payload] = []
    pool = list(sources)
    kinds = ["boiler", "repeat", "glued", "mojibake", "html", "boiler_repeat"]
    i = 0
    while pool:
        kind = kinds[i % len(kinds)]
        i += 1
        art = pool.pop()
        if kind == "mojibake" and all(ord(c) < 128 for c in art.title + "".join(art.paragraphs)):
            kind = "boiler"
        boiler = _boiler(rng, art.lang, templates, rng.randint(2, 5))
        if kind == "glued" and pool:
            other = next((a for a in pool if a.lang == art.lang), pool[0])
            pool.remove(other)
            extra = _boiler(rng, other.lang, templates, rng.randint(1, 3))
            glue = rng.choice(["stamp", "gap", "stamp_gap"])
            first = _lines(rng, art, boiler, stamp=rng.random() < 0.5)
            second = _lines(rng, other, extra, stamp=glue != "gap")
            sep = ["", "", ""] if "gap" in glue else [""]
            text = "\n".join(first + sep + second)
            out.append(Payload(f"glued_{glue}", text, "text/plain", [art, other], boiler + extra))
            continue
        if kind == "html":
            out.append(Payload("html", _html(rng, art, boiler), "text/html", [art], boiler))
            continue
        lines = _lines(rng, art, boiler, stamp=rng.random() < 0.5)
        repeated: list[str] = []
        if kind in ("repeat", "boiler_repeat"):
            candidates = _scored(art) or art.paragraphs
            repeated = rng.sample(candidates, k=min(2, len(candidates)))
            lines += ["", *[x for p in repeated for x in (p, "")]]
        text = "\n".join(lines)
        if kind == "mojibake":
            text = _mojibake(text)
        out.append(Payload(kind, text, "text/plain", [art], boiler, repeated))
    return out


def _outputs(result: list[CleanArticle]) -> list[str]:
    """Every text field of the emitted articles, normalised (title, lead items, paragraphs)."""
    out: list[str] = []
    for a in result:
        out += [_norm(x) for x in [a.title or "", *a.lead, *a.text.split("\n\n")] if x]
    return out


def score(payloads: list[Payload], now: datetime) -> dict[str, Any]:
    """Run clean() on every payload and compute the held-out measures."""
    kept = total = 0
    b_removed = b_total = parts_ok = rep_ok = rep_total = moji_ok = moji_total = short = 0
    misses: dict[str, list[str]] = {"boilerplate": [], "parts": [], "repeats": [], "text": [], "short": []}
    for n, p in enumerate(payloads):
        raw = RawArticle(
            article_id=f"h{n}",
            source=Source(uri=f"heldout/{n}"),
            content_type=p.content_type,
            text=p.text,
            timestamps=Timestamps(ingested=now),
        )
        result = clean(raw, now=now)
        got = result if isinstance(result, list) else []
        outs = _outputs(got)
        blob = "\n".join(outs)
        for art in p.articles:
            for para in _scored(art):
                total += len(para)
                if _norm(para) in blob:
                    kept += len(para)
                elif len(misses["text"]) < 8:
                    misses["text"].append(f"{p.kind}: {para[:70]}")
        for line in p.boiler:
            b_total += 1
            if _norm(line) in blob:
                if len(misses["boilerplate"]) < 40:
                    misses["boilerplate"].append(line)
            else:
                b_removed += 1
        if len(got) == len(p.articles):
            parts_ok += 1
        elif len(misses["parts"]) < 8:
            misses["parts"].append(f"{p.kind}: want {len(p.articles)} got {len(got)}")
        if p.repeated:
            rep_total += 1
            if all(outs.count(_norm(r)) == 1 for r in p.repeated):
                rep_ok += 1
            elif len(misses["repeats"]) < 8:
                misses["repeats"].append(f"{p.kind}: {[outs.count(_norm(r)) for r in p.repeated]}")
        if p.kind == "mojibake":
            moji_total += 1
            moji_ok += all(_norm(x) in blob for x in _scored(p.articles[0]))
        for a in got:
            if len(a.text.split()) < MIN_WORDS:
                short += 1
                if len(misses["short"]) < 8:
                    misses["short"].append(f"{p.kind}: {(a.title or '')[:60]} | {a.text[:60]}")
    kinds: dict[str, int] = {}
    for p in payloads:
        kinds[p.kind] = kinds.get(p.kind, 0) + 1
    return {
        "payloads": len(payloads),
        "by_kind": dict(sorted(kinds.items())),
        "text_kept": round(kept / max(1, total), 4),
        "boilerplate_removed": round(b_removed / max(1, b_total), 4),
        "boilerplate_lines": b_total,
        "parts_right": round(parts_ok / max(1, len(payloads)), 4),
        "repeats_kept_once": round(rep_ok / max(1, rep_total), 4),
        "repeat_payloads": rep_total,
        "mojibake_repaired": round(moji_ok / max(1, moji_total), 4),
        "mojibake_payloads": moji_total,
        "parts_under_min_words": short,
        "misses": misses,
    }


def halves(items: list[Any], seed: int) -> tuple[list[Any], list[Any]]:
    """A seeded split of a list into (tuning, held-out) halves."""
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    mid = len(shuffled) // 2
    return shuffled[:mid], shuffled[mid:]


def _check_templates() -> None:
    """Abort when a rule of the rule file already matches a template (the figure would be void)."""
    rules = load_rules()
    hits = [t for ts in TEMPLATES.values() for t in ts if classify_line(t.replace("{n}", "12"), rules)]
    if hits:
        raise SystemExit(f"templates matched by the rule file: {hits}")


def main() -> None:
    """Build both halves, score them and merge the figures into the report under --label."""
    global DATASETS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--label", default="after")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--reuters", type=int, default=700)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "cleaner-heldout.json")
    parser.add_argument("--datasets", type=Path, default=DATASETS, help="folder of the two .jsonl files")
    args = parser.parse_args()
    _check_templates()
    DATASETS = args.datasets
    tune_t: dict[str, list[str]] = {}
    held_t: dict[str, list[str]] = {}
    for lang, ts in TEMPLATES.items():
        tune_t[lang], held_t[lang] = halves(ts, args.seed)
    reuters, semeval = _reuters(args.reuters), _semeval()
    sources = reuters + semeval
    tune_s, held_s = halves(sources, args.seed)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    figures = {
        "heldout": score(build(held_s, held_t, args.seed + 1), now),
        "tune": score(build(tune_s, tune_t, args.seed + 2), now),
    }
    report: dict[str, Any] = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    report.update(
        {
            "command": "python bench/bench_cleaner_heldout.py --label LABEL",
            "seed": args.seed,
            "sources": {"reuters": len(reuters), "semeval": len(semeval)},
            "min_words": MIN_WORDS,
            "targets": TARGETS,
            "heldout_templates": held_t,
        }
    )
    report.setdefault("runs", {})[args.label] = figures
    held = figures["heldout"]
    report.setdefault("targets_met", {})[args.label] = {
        **{k: held[k] >= v for k, v in TARGETS.items()},
        "no_part_under_min": held["parts_under_min_words"] == 0,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(
        json.dumps({k: {m: v for m, v in f.items() if m != "misses"} for k, f in figures.items()}, indent=2)
    )


if __name__ == "__main__":
    main()
