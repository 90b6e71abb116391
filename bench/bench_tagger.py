"""Tagger benchmark: throughput, per-step cost, language-ID accuracy and entity precision/recall.

Run: .venv/bin/python bench/bench_tagger.py [--rounds N]
Writes bench/results/tagger.json and prints it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.core.models import CleanArticle, Source, Timestamps  # noqa: E402
from services.tagger.logic import Tagger, article_text  # noqa: E402

SNIPPETS = ROOT / "tests" / "data" / "tagger" / "snippets.jsonl"
SEEDS = ROOT / "seeds"
OUT = ROOT / "bench" / "results" / "tagger.json"


def make_article(article_id: str, text: str) -> CleanArticle:
    """A CleanArticle around a text, as the cleaner would emit it."""
    now = datetime(2024, 1, 1, tzinfo=UTC)
    return CleanArticle(
        article_id=article_id,
        parent_id=article_id,
        source=Source(uri=article_id),
        text=text,
        timestamps=Timestamps(ingested=now),
    )


def timed(fn: Callable[[], Any], rounds: int) -> float:
    """Mean seconds per call of fn over rounds calls."""
    start = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - start) / rounds


def per_step(tagger: Tagger, texts: list[str], rounds: int) -> dict[str, float]:
    """Milliseconds per article for each step, over the given texts."""
    langs = [tagger.language.detect(t) for t in texts]
    codes = [lang.code if lang else None for lang in langs]
    ents = [tagger.linker.link(t, c) for t, c in zip(texts, codes, strict=True)]
    steps: dict[str, Callable[[], Any]] = {
        "language": lambda: [tagger.language.detect(t) for t in texts],
        "entities": lambda: [tagger.linker.link(t, c) for t, c in zip(texts, codes, strict=True)],
        "topics": lambda: [tagger.select_topics(t, e) for t, e in zip(texts, ents, strict=True)],
        "keywords": lambda: [tagger.keywords.extract(t, c) for t, c in zip(texts, codes, strict=True)],
    }
    return {name: round(timed(fn, rounds) * 1000 / len(texts), 3) for name, fn in steps.items()}


def quality(tagger: Tagger, snippets: list[dict[str, Any]]) -> dict[str, Any]:
    """Language accuracy, micro entity precision/recall (linked ids only) and topic recall."""
    lang_ok = tp = fp = fn = topic_hit = topic_total = 0
    misses: list[str] = []
    for s in snippets:
        tagged = tagger.tag(make_article(s["id"], s["text"]), now=datetime.now(UTC))
        lang_ok += int(tagged.language is not None and tagged.language.code == s["lang"])
        got = {e.id for e in tagged.entities if not e.id.startswith("unlinked:")}
        want = set(s["entities"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        misses += [f"{s['id']}: missed {i}" for i in sorted(want - got)]
        misses += [f"{s['id']}: spurious {i}" for i in sorted(got - want)]
        topics = {t.id for t in tagged.topics}
        topic_total += len(s["topics"])
        topic_hit += len(set(s["topics"]) & topics)
        misses += [f"{s['id']}: topic missed {t}" for t in s["topics"] if t not in topics]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "snippets": len(snippets),
        "language_accuracy": round(lang_ok / len(snippets), 4),
        "entity_precision": round(precision, 4),
        "entity_recall": round(recall, 4),
        "entity_f1": round(2 * precision * recall / (precision + recall), 4) if tp else 0.0,
        "topic_recall": round(topic_hit / topic_total, 4) if topic_total else 1.0,
        "errors": misses,
    }


def lingua_comparison(snippets: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy and speed of lingua-language-detector on the same snippets, if it is installed."""
    try:
        from lingua import Language, LanguageDetectorBuilder  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return {"available": False}
    start = time.perf_counter()
    langs = [
        Language.ENGLISH,
        Language.GERMAN,
        Language.FRENCH,
        Language.SPANISH,
        Language.ITALIAN,
        Language.DUTCH,
        Language.PORTUGUESE,
        Language.POLISH,
        Language.RUSSIAN,
        Language.UKRAINIAN,
    ]
    detector = LanguageDetectorBuilder.from_languages(*langs).build()
    load = time.perf_counter() - start
    start = time.perf_counter()
    ok = 0
    for s in snippets:
        found = detector.detect_language_of(s["text"])
        ok += int(found is not None and found.iso_code_639_1.name.lower() == s["lang"])
    per_text = (time.perf_counter() - start) / len(snippets)
    return {
        "available": True,
        "languages": len(langs),
        "load_s": round(load, 3),
        "accuracy": round(ok / len(snippets), 4),
        "ms_per_snippet": round(per_text * 1000, 3),
    }


def main() -> None:
    """Run the benchmark and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # single core
    start = time.perf_counter()
    tagger = Tagger()
    construct_s = time.perf_counter() - start
    snippets = [
        json.loads(line) for line in SNIPPETS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    seeds = [make_article(p.stem, p.read_text(encoding="utf-8")) for p in sorted(SEEDS.glob("*.txt"))]
    now = datetime.now(UTC)
    seed_s = timed(lambda: [tagger.tag(a, now=now) for a in seeds], args.rounds) / len(seeds)
    snip_articles = [make_article(s["id"], s["text"]) for s in snippets]
    snip_s = timed(lambda: [tagger.tag(a, now=now) for a in snip_articles], args.rounds) / len(snippets)
    t0 = time.perf_counter()
    langid_ok = sum(
        int((lang := tagger.language.detect(s["text"])) is not None and lang.code == s["lang"])
        for s in snippets
    )
    langid_ms = (time.perf_counter() - t0) * 1000 / len(snippets)
    report = {
        "machine": {"python": platform.python_version(), "cpus_used": 1},
        "construct_s": round(construct_s, 3),
        "gazetteer": {
            "aliases": len(tagger.gazetteer.aliases),
            "records": len(tagger.gazetteer.records),
        },
        "throughput": {
            "seed_articles_per_s": round(1 / seed_s, 1),
            "seed_mean_chars": round(sum(len(article_text(a)) for a in seeds) / len(seeds)),
            "snippets_per_s": round(1 / snip_s, 1),
        },
        "per_step_ms_per_seed_article": per_step(tagger, [article_text(a) for a in seeds], args.rounds),
        "language_id": {
            "py3langid": {
                "accuracy": round(langid_ok / len(snippets), 4),
                "ms_per_snippet": round(langid_ms, 3),
            },
            "lingua": lingua_comparison(snippets),
        },
        "quality": quality(tagger, snippets),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
