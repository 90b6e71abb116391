"""Key phrases: the yake package (0.7.3) against the tagger's fast YAKE! (services.tagger.yake_fast).

Both run in one process, as the tagger configures them (n=3, dedup_lim=0.7, top=16, one extractor
per language, text cut at 6,000 characters), on the seed articles (language as the tagger detects
it) and, when ``../shared/datasets`` exists, on ~300 Reuters stories and ~300 SemEval article texts
(evenly spaced through the files). One untimed pass checks the outputs (and warms both up); then,
in each round, every text is run by both, one after the other, the order swapping between rounds so
that machine noise falls on both alike. Reported as measured, over all rounds: CPU ms per text
(mean, median), per round, the ratio yake / fast (of the means, of the medians, per text: each
text's total over the rounds; per language), and how many texts give the same output (same phrases
in the same order, scores within 1e-9 relative; and how many bit for bit).

Usage: python -m bench.bench_keywords [--reuters 300] [--semeval 300] [--rounds 3] [--seed-rounds 20]
       [--out bench/results/keywords.json]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yake  # type: ignore[import-untyped]

from bench.story_corpus import DATASETS, REUTERS, SEMEVAL, reuters_records
from services.loadtest.report import write_json
from services.tagger.language import LanguageDetector
from services.tagger.logic import TaggerConfig
from services.tagger.yake_fast import FastYake

REPO = Path(__file__).resolve().parents[1]
MAX_CHARS = 6000
CONFIG: dict[str, Any] = {"n": 3, "dedup_lim": 0.7, "top": 16}

Text = tuple[str, str]  # (language, text)
Extract = Callable[[str], list[tuple[str, float]]]


def seed_texts() -> list[Text]:
    """The seed articles, with the language the tagger detects."""
    config = TaggerConfig()
    detector = LanguageDetector(config.languages, config.language_max_chars)
    texts: list[Text] = []
    for path in sorted((REPO / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        found = detector.detect(text)
        texts.append((found.code if found else "en", text[:MAX_CHARS]))
    return texts


def _spaced(items: list[Text], count: int) -> list[Text]:
    """``count`` items evenly spaced through ``items`` (all of them if fewer)."""
    step = max(1, len(items) // max(count, 1))
    return items[::step][:count]


def reuters_texts(count: int) -> list[Text]:
    """``count`` Reuters stories spread over the stream (English)."""
    texts = [("en", record.text[:MAX_CHARS]) for record in reuters_records(path=REUTERS)]
    return _spaced([t for t in texts if t[1].strip()], count)


def semeval_texts(count: int) -> list[Text]:
    """``count`` SemEval article texts (both texts of each pair, English and German) spread over the file."""
    texts: list[Text] = []
    for line in SEMEVAL.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        texts += [(row["lang1"], row["text1"][:MAX_CHARS]), (row["lang2"], row["text2"][:MAX_CHARS])]
    return _spaced([t for t in texts if t[1].strip()], count)


def _same(a: list[tuple[str, float]], b: list[tuple[str, float]], *, exact: bool) -> bool:
    if [p for p, _ in a] != [p for p, _ in b]:
        return False
    scores = [(float(x), y) for (_, x), (_, y) in zip(a, b, strict=True)]
    if exact:
        return all(x == y for x, y in scores)
    return all(math.isclose(x, y, rel_tol=1e-9, abs_tol=0.0) for x, y in scores)


def measure(texts: list[Text], rounds: int) -> dict[str, Any]:
    """Equality counts, then CPU ms per text of both implementations over ``rounds`` alternating rounds."""
    languages = sorted({lang for lang, _ in texts})
    impls: dict[str, dict[str, Extract]] = {
        "yake": {lang: yake.KeywordExtractor(lan=lang, **CONFIG).extract_keywords for lang in languages},
        "fast": {lang: FastYake(lang, **CONFIG).extract_keywords for lang in languages},
    }
    same = exact = 0
    differing: list[int] = []
    for i, (lang, text) in enumerate(texts):
        theirs, ours = impls["yake"][lang](text), impls["fast"][lang](text)
        close = _same(theirs, ours, exact=False)
        same += close
        exact += close and _same(theirs, ours, exact=True)
        if not close:
            differing.append(i)
    times: dict[str, list[float]] = {"yake": [], "fast": []}
    per_text: dict[str, list[float]] = {"yake": [0.0] * len(texts), "fast": [0.0] * len(texts)}
    per_round: list[dict[str, float]] = []
    for r in range(rounds):
        order = ["yake", "fast"] if r % 2 == 0 else ["fast", "yake"]
        round_ms: dict[str, float] = {"yake": 0.0, "fast": 0.0}
        for i, (lang, text) in enumerate(texts):
            for name in order:
                extract = impls[name][lang]
                started = time.process_time()
                extract(text)
                elapsed = (time.process_time() - started) * 1000
                times[name].append(elapsed)
                per_text[name][i] += elapsed
                round_ms[name] += elapsed
        per_round.append({name: round(ms / len(texts), 3) for name, ms in round_ms.items()})
    cpu = {
        name: {"mean": round(statistics.fmean(v), 3), "median": round(statistics.median(v), 3)}
        for name, v in times.items()
    }
    ratios = [y / f for y, f in zip(per_text["yake"], per_text["fast"], strict=True)]
    by_language = {
        lang: round(
            sum(y for y, (lg, _) in zip(per_text["yake"], texts, strict=True) if lg == lang)
            / sum(f for f, (lg, _) in zip(per_text["fast"], texts, strict=True) if lg == lang),
            2,
        )
        for lang in languages
    }
    lowest = min(range(len(texts)), key=ratios.__getitem__)
    low_lang, low_text = texts[lowest]
    return {
        "texts": len(texts),
        "languages": {lang: sum(1 for t in texts if t[0] == lang) for lang in languages},
        "mean_chars": round(statistics.fmean(len(t) for _, t in texts)),
        "cpu_ms_per_text": cpu,
        "per_round_mean_ms": per_round,
        "ratio_yake_over_fast": {
            "of_means": round(cpu["yake"]["mean"] / cpu["fast"]["mean"], 2),
            "of_medians": round(cpu["yake"]["median"] / cpu["fast"]["median"], 2),
            "per_text_median": round(statistics.median(ratios), 2),
            "per_text_min": round(ratios[lowest], 2),
            "per_text_min_at": {"index": lowest, "language": low_lang, "chars": len(low_text)},
            "by_language": by_language,
        },
        "identical_output": same,
        "bit_identical_scores": exact,
        "differing_text_indexes": differing,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure both implementations on each corpus and write the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", type=int, default=300)
    parser.add_argument("--semeval", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed-rounds", type=int, default=20, help="rounds over the 5 seed articles")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "keywords.json")
    args = parser.parse_args(argv)
    corpora: dict[str, list[Text]] = {"seeds": seed_texts()}
    if DATASETS.is_dir():
        corpora["reuters"] = reuters_texts(args.reuters)
        corpora["semeval"] = semeval_texts(args.semeval)
    report: dict[str, Any] = {
        "yake_version": "0.7.3",
        "config": CONFIG | {"dedup_func": "seqm", "window_size": 1, "max_chars": MAX_CHARS},
        "rounds": {"seeds": args.seed_rounds, "datasets": args.rounds},
        "python": platform.python_version(),
        "datasets": "present" if DATASETS.is_dir() else "absent: seeds only",
    }
    for name, texts in corpora.items():
        report[name] = measure(texts, args.seed_rounds if name == "seeds" else args.rounds)
        print(name, json.dumps(report[name]), flush=True)
    write_json(report, args.out)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
