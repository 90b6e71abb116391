"""Per-article dedupe cost and memory per stored article with 10k, 100k and 1M articles in the state.

The state is pre-filled directly in the deduper's key layout (docs, fingerprints, bounded MinHash,
embedding and entity buckets, expiry queues), spread over the 7-day window; then fresh articles
(80% new, 10% exact and 10% near copies of stored texts) go through ``Deduper.process``.
Embeddings are random unit vectors here: the model's own cost is measured separately.

Usage: python bench/bench_dedupe_scaling.py [--sizes 10000 100000 1000000] [--out ...]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from services.core.models import Entity, Language, Source, TaggedArticle, Timestamps  # noqa: E402
from services.deduper import keys as k  # noqa: E402
from services.deduper import signature as sg  # noqa: E402
from services.deduper.logic import Deduper, DeduperConfig  # noqa: E402

END = datetime(2024, 6, 1, tzinfo=UTC)
DIM = 384
VOCAB = [f"w{i}" for i in range(20_000)]
ENTITIES = [f"Q{i}" for i in range(1, 5_001)]


def rss_bytes() -> int:
    """Resident set size of this process."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def synth_text(rng: np.random.Generator, n_words: int = 220) -> str:
    """A random article body."""
    return " ".join(VOCAB[i] for i in rng.integers(0, len(VOCAB), n_words))


def unit(rng: np.random.Generator) -> np.ndarray:
    """A random unit vector."""
    v = rng.standard_normal(DIM).astype(np.float32)
    return v / np.linalg.norm(v)


def prefill(store: dict[str, Any], n: int, config: DeduperConfig, rng: np.random.Generator) -> list[str]:
    """Write n synthetic article records and their index entries; return the texts of a sample."""
    window = int(config.window_days * k.DAY)
    end = int(END.timestamp())
    times = np.sort(rng.integers(end - window + 3600, end, n))
    sigs = rng.integers(0, 2**32, size=(n, config.num_perm), dtype=np.uint64).astype(np.uint32)
    sample_texts: list[str] = []
    limit = config.max_refs
    for i in range(n):
        aid, t = f"pre{i:07d}", int(times[i])
        text = synth_text(rng) if i % max(1, n // 200) == 0 else ""
        if text:
            sample_texts.append(text)
            sig = sg.minhash(sg.words(text), config.shingle_size, config.num_perm)
            assert sig is not None
            fp = sg.fingerprint(text)
        else:
            sig, fp = sigs[i], f"{i:064x}"
        emb = unit(rng)
        emb_keys = k.emb_keys(DIM, sg.hyperplane_bands(emb, config.emb_bands, config.emb_bits))
        ents = [ENTITIES[j] for j in rng.integers(0, len(ENTITIES), 4)]
        store[k.doc_key(aid)] = {
            "t": t, "s": aid, "v": ["unique", None, None], "f": fp, "c": aid,
            "m": sg.pack_u32(sig), "n": ents, "l": "en", "e": sg.pack_vector(emb), "h": emb_keys,
        }  # fmt: skip
        store[k.fp_key(fp)] = {"id": aid, "s": aid, "t": t}
        day = t // k.DAY
        ref = [aid, t]
        for key in (*k.mh_keys(sg.band_hashes(sig, config.mh_bands, config.mh_rows)), *emb_keys,
                    *(k.ent_key(e, day) for e in ents)):  # fmt: skip
            refs = store.get(key)
            if refs is None:
                store[key] = [ref]
            else:
                refs.insert(0, ref)
                del refs[limit:]
        count_key = k.exp_count_key(t // k.HOUR)
        slot = int(store.get(count_key) or 0)
        store[k.exp_slot_key(t // k.HOUR, slot)] = aid
        store[count_key] = slot + 1
    store["meta:docs"] = n
    store["meta:clock"] = int(times[-1])
    store["meta:evicted"] = int((times[-1] - window) // k.HOUR) - 1
    return sample_texts


def article(i: int, text: str, rng: np.random.Generator) -> TaggedArticle:
    """A fresh tagged article at the end of the window."""
    ents = [Entity(id=ENTITIES[j], name="x", type="other") for j in rng.integers(0, len(ENTITIES), 4)]
    return TaggedArticle(
        article_id=f"new{i}", parent_id="p", source=Source(uri="bench"), text=text,
        timestamps=Timestamps(ingested=END), language=Language(code="en", confidence=1.0),
        entities=ents, embedding=unit(rng).tolist(),
    )  # fmt: skip


def json_bytes_per_article(store: dict[str, Any], n: int, rng: np.random.Generator) -> float:
    """Serialised size (key + JSON value) of the whole state divided by stored articles (sampled)."""
    keys = list(store)
    pick = rng.choice(len(keys), size=min(20_000, len(keys)), replace=False)
    sampled = sum(len(keys[j]) + len(json.dumps(store[keys[j]])) for j in pick)
    return sampled / len(pick) * len(keys) / n


def run_size(n: int, probes: int, config: DeduperConfig) -> dict[str, Any]:
    """Fill a state of n articles and time ``probes`` articles through it."""
    rng = np.random.default_rng(n)
    gc.collect()
    before = rss_bytes()
    store: dict[str, Any] = {}
    t0 = time.perf_counter()
    texts = prefill(store, n, config, rng)
    fill_s = time.perf_counter() - t0
    gc.collect()
    mem = (rss_bytes() - before) / n
    # The dict stands in for a RocksDB-backed table: keep the cyclic GC from re-walking it per probe.
    gc.freeze()
    deduper = Deduper(store, config)
    lat, verdicts = [], {"unique": 0, "exact": 0, "near": 0, "same_story": 0}
    candidates = []
    for i in range(probes):
        if i % 10 == 0:
            text = texts[i % len(texts)]
        elif i % 10 == 1:
            words = texts[i % len(texts)].split()
            words[5:12] = ["edited"] * 7
            text = " ".join(words)
        else:
            text = synth_text(rng)
        art = article(i, text, rng)
        t1 = time.perf_counter()
        out = deduper.process(art, now=END + timedelta(seconds=i))
        lat.append((time.perf_counter() - t1) * 1000)
        verdicts[out.duplicate.status] += 1
        sig = deduper.signature(art)
        values = {key: store[key] for key in deduper.keys_for(sig) if key in store}
        candidates.append(len(deduper.doc_keys(sig, values)))
    arr = np.array(lat)
    result = {
        "stored_articles": n, "store_keys": len(store), "fill_seconds": round(fill_s, 1),
        "ms_per_article_mean": round(float(arr.mean()), 3),
        "ms_per_article_p50": round(float(np.median(arr)), 3),
        "ms_per_article_p95": round(float(np.percentile(arr, 95)), 3),
        "candidates_verified_mean": round(float(np.mean(candidates)), 1),
        "python_bytes_per_stored_article": round(mem),
        "json_bytes_per_stored_article": round(json_bytes_per_article(store, n, rng)),
        "verdicts": verdicts, "evictions_during_probe": deduper.stats()["evictions"],
    }  # fmt: skip
    del store, deduper
    gc.unfreeze()
    gc.collect()
    return result


def embedding_cost(n: int = 30) -> dict[str, float]:
    """ms per article of the packaged models on synthetic ~600-char texts (single process)."""
    from services.tagger.embedding import Embedder

    rng = np.random.default_rng(0)
    texts = [" ".join(f"Nachricht{j} word{j}" for j in rng.integers(0, 999, 60)) for _ in range(n)]
    out: dict[str, float] = {}
    for backend in ("e5", "use"):
        t0 = time.perf_counter()
        emb = Embedder(backend)
        out[f"{backend}_load_s"] = round(time.perf_counter() - t0, 3)
        emb.embed(texts[0])
        t0 = time.perf_counter()
        for t in texts:
            emb.embed(t)
        out[f"{backend}_ms_per_article"] = round((time.perf_counter() - t0) / n * 1000, 2)
    return out


def main() -> None:
    """Run the scaling benchmark and write bench/results/dedupe_scaling.json."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--probes", type=int, default=500)
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "dedupe_scaling.json"))
    args = ap.parse_args()
    config = DeduperConfig()
    shape = ("num_perm", "mh_bands", "mh_rows", "emb_bands", "emb_bits", "max_refs", "max_candidates")
    results: dict[str, Any] = {"config": {f: getattr(config, f) for f in shape}}
    results["embedding"] = embedding_cost()
    results["sizes"] = []
    for n in args.sizes:
        res = run_size(n, args.probes, config)
        print(json.dumps(res), flush=True)
        results["sizes"].append(res)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
