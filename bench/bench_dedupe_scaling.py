"""Per-article dedupe cost and state per stored article at 10k, 100k and 1M stored articles.

Measured through the partitioned hops the streaming deduper runs (``PartitionedDeduper``:
route → probe → verify on the candidates' homes → combine → commit), over the worker's own state class
(``TaskStore``, with the derived keys marked), so the changelog records per article are counted as
the worker would log them (one transaction per article: no coalescing across a commit interval).

The state is made by the deduper's own code, not a hand-written layout: each stored article's
records are written by the commit hop (``PartitionedDeduper.commit``, as a unique, final article:
the record at its home, stubs on the other partitions that list it), then each partition's index
buckets, expiry slots and counters are dropped and rebuilt by ``rebuild_slice`` (what a restore
does). Ids are shaped like the ingest's (``--id-hex 0``: short ones). Stored event times are
spread over the 7-day window. Fresh articles (80% new, 10% exact and 10% near copies of stored
texts) are then timed through ``process``. Embeddings are random unit vectors: the model's own
cost is measured elsewhere (``bench_tagger``, ``bench_embedding_inputs``).

Usage: python -m bench.bench_dedupe_scaling [--sizes 10000 100000 1000000] [--partitions 4]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from services.core.models import Entity, Language, Source, TaggedArticle, Timestamps
from services.core.state import TaskStore
from services.deduper import keys as k
from services.deduper import reindex
from services.deduper import signature as sg
from services.deduper.facts import StoryFacts
from services.deduper.logic import DeduperConfig, Signature
from services.deduper.partitioned import PartitionedDeduper, rebuild_slice
from services.deduper.verdict import Verdict

REPO = Path(__file__).resolve().parents[1]
END = datetime(2024, 6, 1, tzinfo=UTC)
DIM = 384
STATE_TARGET_BYTES = 4096
COST_RATIO_TARGET = 1.3
VOCAB = [f"w{i}" for i in range(20_000)]
ENTITIES = [f"Q{i}" for i in range(1, 5_001)]


def synth_text(rng: np.random.Generator, n_words: int = 220) -> str:
    """A random article body."""
    return " ".join(VOCAB[i] for i in rng.integers(0, len(VOCAB), n_words))


def unit(rng: np.random.Generator) -> np.ndarray:
    """A random unit vector."""
    v = rng.standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def picks(rng: np.random.Generator, pool: list[str], n: int) -> tuple[str, ...]:
    """n random items of a pool (the story evidence a real record carries, in its sizes)."""
    return tuple(pool[j] for j in rng.integers(0, len(pool), n))


def stored_signature(
    aid: str, when: int, text: str, rng: np.random.Generator, config: DeduperConfig
) -> Signature:
    """The signature of one stored article: MinHash of its text, or random values when it has none."""
    if text:
        sig = sg.minhash(sg.words(text), config.shingle_size, config.num_perm)
        assert sig is not None
        fp = sg.fingerprint(text)
    else:
        sig = rng.integers(0, 2**32, size=config.num_perm, dtype=np.uint64).astype(np.uint32)
        fp = hashlib.sha256(aid.encode()).hexdigest()  # as random as a text's
    emb = unit(rng)
    ents = picks(rng, ENTITIES, 4)
    facts = StoryFacts(
        entities=ents, named=picks(rng, VOCAB, 2), numbers=picks(rng, ["1.5", "30", "1987", "12"], 4),
        title_words=picks(rng, VOCAB, 6), numeric_share=0.05, rare_words=picks(rng, VOCAB, 8),
        names=picks(rng, VOCAB, 10), codes=("<abc>",),
    )  # fmt: skip
    return Signature(
        aid, fp, when, when, sig, tuple(k.mh_keys(sg.band_hashes(sig, config.mh_bands, config.mh_rows))),
        emb, tuple(k.emb_keys(DIM, sg.hyperplane_bands(sg.centred(emb), config.emb_bands, config.emb_bits))),
        ents, (), "en", facts,
    )  # fmt: skip


def article_id(i: int, prefix: str, id_hex: int) -> str:
    """An id shaped like the ingest's (``<file stem>-<record>-<16 hex>``), or a short one (``id_hex=0``)."""
    if not id_hex:
        return f"{prefix}{i:07d}"
    return f"bench-{prefix}{i:07d}-{(i * 0x9E3779B97F4A7C15) % 16**id_hex:0{id_hex}x}"


def prefill(
    store: TaskStore, deduper: PartitionedDeduper, n: int, rng: np.random.Generator, id_hex: int
) -> list[str]:
    """Store n articles as the commit hop writes them, rebuild the derived state; return sample texts."""
    config = deduper.config
    window = int(config.window_days * k.DAY)
    end = int(END.timestamp())
    times = np.sort(rng.integers(end - window + 3600, end, n))
    base = store.committed
    writer = PartitionedDeduper(base, deduper.partitions, config)  # writes the committed state directly
    texts: list[str] = []
    for i in range(n):
        aid = article_id(i, "pre", id_hex)
        text = synth_text(rng) if i % max(1, n // 200) == 0 else ""
        if text:
            texts.append(text)
        sig = stored_signature(aid, int(times[i]), text, rng, config)
        for part in writer.routes(sig):
            writer.commit(part, sig, Verdict("unique", None, None, aid))
    derived = reindex.derived_keys(config.meta_prefix)
    for key in [key for key in base if derived(key)]:
        del base[key]  # what a restore leaves: the logged keys only
    for part in range(deduper.partitions):
        rebuild_slice(base, part, deduper.partitions, config)
    return texts


def article(i: int, text: str, rng: np.random.Generator, id_hex: int) -> TaggedArticle:
    """A fresh tagged article at the end of the window."""
    ents = [Entity(id=ENTITIES[j], name="x", type="other") for j in rng.integers(0, len(ENTITIES), 4)]
    return TaggedArticle(
        article_id=article_id(i, "new", id_hex), parent_id="p", source=Source(uri="bench"), text=text,
        timestamps=Timestamps(ingested=END + timedelta(seconds=i)),
        language=Language(code="en", confidence=1.0), entities=ents, embedding=unit(rng).tolist(),
    )  # fmt: skip


def state_bytes(store: dict[str, Any], n: int, rng: np.random.Generator) -> tuple[float, float]:
    """Bytes (key + JSON value) of the whole state and of its logged part per stored article (sampled)."""
    keys = list(store)
    pick = rng.choice(len(keys), size=min(50_000, len(keys)), replace=False)
    derived = reindex.derived_keys()
    total = logged = 0
    for j in pick:
        size = len(keys[j]) + len(json.dumps(store[keys[j]]))
        total += size
        logged += 0 if derived(keys[j]) else size
    scale = len(keys) / len(pick) / n
    return total * scale, logged * scale


def probe_text(i: int, texts: list[str], rng: np.random.Generator) -> str:
    """Every tenth probe repeats a stored text, every tenth edits one, the rest are new."""
    if i % 10 == 0:
        return texts[i % len(texts)]
    if i % 10 == 1:
        words = texts[i % len(texts)].split()
        words[5:12] = ["edited"] * 7
        return " ".join(words)
    return synth_text(rng)


def run_size(n: int, probes: int, partitions: int, config: DeduperConfig, id_hex: int) -> dict[str, Any]:
    """Fill a state of n articles and time ``probes`` articles through the hops."""
    rng = np.random.default_rng(n)
    store = TaskStore(reindex.derived_keys(config.meta_prefix))
    deduper = PartitionedDeduper(store, partitions, config)
    t0 = time.perf_counter()
    texts = prefill(store, deduper, n, rng, id_hex)
    fill_s = time.perf_counter() - t0
    gc.collect()
    # The dict stands in for a RocksDB-backed table: keep the cyclic GC from re-walking it per probe.
    gc.freeze()
    lat: list[float] = []
    logged: list[int] = []
    routes: list[int] = []
    verdicts = {"unique": 0, "exact": 0, "near": 0, "same_story": 0}
    for i in range(probes):
        art = article(i, probe_text(i, texts, rng), rng, id_hex)
        t1 = time.perf_counter()
        out = deduper.process(art, now=END + timedelta(seconds=i))
        lat.append((time.perf_counter() - t1) * 1000)
        logged.append(len(store.changes()))
        store.commit()
        routes.append(len(deduper.route(art)))
        verdicts[out.duplicate.status] += 1
    arr = np.array(lat)
    total_b, logged_b = state_bytes(store.committed, n, rng)
    result = {
        "stored_articles": n, "store_keys": len(store.committed), "fill_seconds": round(fill_s, 1),
        "ms_per_article_mean": round(float(arr.mean()), 3),
        "ms_per_article_p50": round(float(np.median(arr)), 3),
        "ms_per_article_p95": round(float(np.percentile(arr, 95)), 3),
        "owner_partitions_per_article": round(float(np.mean(routes)), 2),
        "changelog_records_per_article": round(float(np.mean(logged)), 1),
        "state_bytes_per_stored_article": round(total_b),
        "logged_state_bytes_per_stored_article": round(logged_b),
        "verdicts": verdicts, "evictions_during_probe": deduper.evictions,
    }  # fmt: skip
    del store, deduper
    gc.unfreeze()
    gc.collect()
    return result


def summarise(results: dict[str, Any], before: Path) -> None:
    """Add the targets met or not, and the same benchmark's figures on an earlier design when given."""
    largest = results["sizes"][-1]["state_bytes_per_stored_article"]
    results["targets"] = {
        "state_le_4_kb_per_stored_article": largest <= STATE_TARGET_BYTES,
        "cost_ratio_le_1_3": results["cost_ratio_largest_over_smallest"] <= COST_RATIO_TARGET,
    }
    if before.is_file():
        old = json.loads(before.read_text(encoding="utf-8"))
        keep = ("stored_articles", "ms_per_article_mean", "state_bytes_per_stored_article")
        results["before"] = {
            "file": before.name,
            "path": old.get("path"),
            "sizes": [{f: row.get(f) for f in keep} for row in old.get("sizes", [])],
            "cost_ratio_largest_over_smallest": old.get("cost_ratio_largest_over_smallest"),
        }


def main() -> None:
    """Run the scaling benchmark and write bench/results/dedupe_scaling.json."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--probes", type=int, default=500)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--before", default=str(REPO / "bench" / "results" / "dedupe_scaling-three-hops.json"))
    ap.add_argument(
        "--id-hex", type=int, default=16, help="random hex digits of an id, as the ingest's (0: short ids)"
    )
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "dedupe_scaling.json"))
    args = ap.parse_args()
    config = DeduperConfig()
    shape = ("num_perm", "mh_bands", "mh_rows", "emb_bands", "emb_bits", "max_refs", "max_candidates")
    results: dict[str, Any] = {
        "path": "PartitionedDeduper.process (route, probe, verify on the candidates' homes, combine, commit)",
        "partitions": args.partitions,
        "article_id_example": article_id(1, "pre", args.id_hex),
        "config": {f: getattr(config, f) for f in shape},
        "sizes": [],
    }
    for n in args.sizes:
        res = run_size(n, args.probes, args.partitions, config, args.id_hex)
        print(json.dumps(res), flush=True)
        results["sizes"].append(res)
    first, last = results["sizes"][0], results["sizes"][-1]
    results["cost_ratio_largest_over_smallest"] = round(
        last["ms_per_article_mean"] / first["ms_per_article_mean"], 2
    )
    summarise(results, Path(args.before))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
