"""One chaos run: own broker, stage workers, paced replay, seeded faults, drain, verification, report."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.chaos import agree, faults, verify
from services.chaos.cluster import Cluster, start_broker, start_stages
from services.chaos.inject import EventLog, FaultInjector
from services.chaos.observe import Collector, LagSampler, pending, quiescent, read_outputs, stage_groups
from services.core.ingest import Payload, new_article_id, to_raw
from services.core.kafka import ensure_topics
from services.core.models import RawArticle
from services.core.poll import poll_until
from services.core.settings import RAW, KafkaSettings
from services.core.stage import encode
from services.loadtest.generator import Variant
from services.localbroker import broker
from services.localbroker.broker import PROJECT_DIR, PrivateBrokerSettings
from services.replay.producer import Pacer, ReplaySettings, make_producer


@dataclass
class ChaosConfig:
    """Everything that defines a chaos run (the seed fixes the articles and the fault schedule)."""

    articles: int = 5000
    rate: float = 5.0
    seed: int = 0
    kills_per_stage: int = 3
    broker_kills: int = 1
    scale: str = "random"
    embedding_backend: str = "use"
    dup_ratio: float = 0.3
    exact_share: float = 0.35
    story_share: float = 0.3
    lang_mix: str | None = "en=0.7,de=0.3"
    corpus: list[Path] = field(default_factory=lambda: [PROJECT_DIR / "seeds"])
    broker_home: Path = PROJECT_DIR / ".cache" / "chaos-kafka"
    broker_port: int = 19092
    controller_port: int = 19093
    partitions: int = 4
    ready_timeout_s: float = 180.0
    drain_timeout_s: float = 600.0
    settle_timeout_s: float = 120.0
    offline: bool = True
    worker_env: dict[str, str] = field(default_factory=dict)
    workers_src: Path | None = None
    run_dir: Path | None = None
    progress: bool = True

    def to_json(self) -> dict[str, Any]:
        """Return the configuration, JSON-ready."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items()} | {
            "corpus": [str(p) for p in self.corpus]
        }


@dataclass
class Sent:
    """The articles produced, in the order sent: ids, generated kinds, raw events, send times."""

    ids: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    raws: list[RawArticle] = field(default_factory=list)
    at: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def produce(kafka: KafkaSettings, variants: Sequence[Variant], rate: float, log: EventLog) -> Sent:
    """Produce the variants to ``articles.raw.v1`` at ``rate`` (idempotent, acks=all); keep the order."""
    producer = make_producer(kafka, ReplaySettings(kafka=kafka))
    topic, pacer, sent, futures = kafka.topic(RAW), Pacer(rate), Sent(), []
    try:
        for variant in variants:
            pacer.wait()
            now = datetime.now(UTC)
            article_id = new_article_id(variant.uri)
            raw = to_raw(
                Payload(variant.uri, None, variant.text.encode("utf-8"), "text/plain"), article_id, now
            )
            # keyed by article like the load test (one synthetic source would mean one partition)
            futures.append((article_id, producer.send(topic, key=article_id.encode(), value=encode(raw))))
            sent.ids.append(article_id)
            sent.kinds[article_id] = variant.kind
            sent.raws.append(raw)
            sent.at.append(now.timestamp())
            if len(sent.ids) % 500 == 0:
                log("progress", sent=len(sent.ids))
        producer.flush()
    finally:
        producer.close()
    sent.failed = [article_id for article_id, future in futures if not future.is_done or future.failed()]
    return sent


def _variants(config: ChaosConfig) -> list[Variant]:
    from services.loadtest.cli import load_corpus
    from services.loadtest.generator import VariantGenerator, parse_lang_mix

    mix = parse_lang_mix(config.lang_mix) if config.lang_mix else None
    gen = VariantGenerator(
        load_corpus(config.corpus),
        seed=config.seed,
        dup_ratio=config.dup_ratio,
        exact_share=config.exact_share,
        story_share=config.story_share,
        lang_mix=mix,
        prefix="chaos",
    )
    return gen.take(config.articles)


def _drain(kafka: KafkaSettings, collector: Collector, sent: Sent, timeout_s: float, log: EventLog) -> str:
    """Wait until every sent article is accounted for in the outputs read so far; say how it ended.

    ``complete``: nothing missing; ``quiescent``: no group has input left and no transaction is
    open on three checks in a row, 5 s apart (nothing more can come; the final read decides);
    ``deadline``: the timeout passed.
    """
    groups = stage_groups(kafka)
    left: list[int] = []
    state = {"noted": time.monotonic(), "checked": time.monotonic(), "quiet": 0}

    def done() -> bool:
        left.append(len(verify.delivery(sent.ids, collector.outs()).lost))
        if not left[-1]:
            return True
        now = time.monotonic()
        if now - state["noted"] >= 15.0:
            state["noted"] = now
            log("draining", missing=left[-1])
        if now - state["checked"] >= 5.0:
            state["checked"] = now
            try:
                state["quiet"] = state["quiet"] + 1 if quiescent(kafka, groups) else 0
            except Exception:  # the broker is busy: not quiet
                state["quiet"] = 0
        return state["quiet"] >= 3

    try:
        poll_until(done, deadline_s=timeout_s, interval_s=1.0, what="every sent article accounted for")
    except TimeoutError:
        log("drain_deadline", missing=left[-1] if left else None)
        return "deadline"
    if left[-1]:
        log("drain_quiescent", missing_so_far=left[-1])
        return "quiescent"
    log("drained")
    return "complete"


def _catch_up(collector: Collector, records: int, deadline_s: float = 60.0) -> bool:
    """Wait until the background reader saw as many records as the final read (for arrival times)."""
    try:
        poll_until(lambda: len(collector.items) >= records, deadline_s=deadline_s, what="collector caught up")
        return True
    except TimeoutError:
        return False


def _settle(kafka: KafkaSettings, timeout_s: float, log: EventLog) -> bool:
    """Wait until no stage group has committed input left to consume (no redelivery can follow)."""
    groups = stage_groups(kafka)
    last: list[dict[str, int]] = []

    def quiet() -> bool:
        try:
            last.append(pending(kafka, groups))
        except Exception as exc:  # a transient broker error: try again
            log("settle_error", error=repr(exc)[:200])
            return False
        return not any(last[-1].values())

    try:
        poll_until(quiet, deadline_s=timeout_s, interval_s=1.0, what="no input left to consume")
        return True
    except TimeoutError:
        log("settle_timeout", pending=last[-1] if last else None)
        return False


def run_chaos(config: ChaosConfig) -> dict[str, Any]:
    """Run the whole chaos experiment and return its report (see ``report.build``)."""
    from services.chaos import report

    started = time.monotonic()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_dir = config.run_dir or PROJECT_DIR / ".cache" / "chaos" / run_id
    log = EventLog(echo=config.progress)
    variants = _variants(config)
    duration = config.articles / config.rate
    plan = faults.schedule(
        config.seed,
        duration,
        kills_per_stage=config.kills_per_stage,
        broker_kills=config.broker_kills,
        scale=config.scale,
    )
    log("plan", faults=len(plan), produce_s=round(duration, 1), articles=len(variants))
    settings = PrivateBrokerSettings(
        home=config.broker_home, port=config.broker_port, controller_port=config.controller_port
    )
    kafka = KafkaSettings(
        bootstrap_servers=f"{settings.host}:{settings.port}",
        topic_prefix=f"chaos{run_id.lower()}.",
        partitions=config.partitions,
    )
    env = {
        "WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "WIRESTREAM_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "WIRESTREAM_KAFKA_PARTITIONS": str(kafka.partitions),
        "WIRESTREAM_TAGGER_EMBEDDING_BACKEND": config.embedding_backend,
        "WIRESTREAM_DEDUPER_FORWARD_EXACT": "false",
        **config.worker_env,
    }
    cluster = Cluster(env, run_dir, log, src=config.workers_src)
    phases: dict[str, float] = {}
    collector: Collector | None = None
    sampler: LagSampler | None = None
    injector: FaultInjector | None = None
    try:
        start_broker(settings)
        log("broker_start", pid=settings.pid_file.read_text().strip(), port=settings.port)
        ensure_topics(kafka)
        start_stages(cluster)
        cluster.watch()
        cluster.wait_ready(config.ready_timeout_s)
        collector, sampler = Collector(kafka), LagSampler(kafka, stage_groups(kafka))
        collector.start()
        sampler.start()
        phases["startup_s"] = time.monotonic() - started
        injector = FaultInjector(plan, cluster, settings, log, ready_timeout_s=config.ready_timeout_s)
        log("produce_start", rate=config.rate)
        t0 = time.time()
        injector.begin()
        sent = produce(kafka, variants, config.rate, log)
        phases["produce_s"] = time.time() - t0
        log("produce_end", sent=len(sent.ids), failed=len(sent.failed))
        all_faults = injector.finish(config.ready_timeout_s * max(1, len(plan)))
        drain = _drain(kafka, collector, sent, config.drain_timeout_s, log)
        settled = _settle(kafka, config.settle_timeout_s, log)
        log("settled" if settled else "not_settled")
        phases["drain_s"] = time.time() - t0 - phases["produce_s"]
        cluster.stop_all()
        outs, complete = read_outputs(kafka)
        caught_up = _catch_up(collector, len(outs))
        log("read_outputs", records=len(outs), complete=complete, collector_caught_up=caught_up)
    finally:
        if injector is not None:
            injector.stopping.set()
        for thread in (sampler, collector):
            if thread is not None and thread.is_alive():
                thread.stop()
        cluster.stop_all()
        broker.down(settings)
        log("broker_stop")
    assert collector is not None and sampler is not None and injector is not None
    offline: dict[str, str] | None = None
    if config.offline:
        offline_started = time.monotonic()
        from services.chaos.offline import offline_statuses

        offline = offline_statuses(sent.raws, config.embedding_backend, progress=config.progress)
        phases["offline_s"] = time.monotonic() - offline_started
    phases["total_s"] = time.monotonic() - started
    checks = report.Checks(
        delivery=verify.delivery(sent.ids, outs, forward_exact=False),
        consistency=verify.consistency(outs),
        stream=agree.statuses(outs),
        offline=offline,
        drain=drain,
        settled=settled,
        read_complete=complete,
        all_faults=all_faults,
    )
    return report.build(
        config,
        run_id,
        kafka.topic_prefix,
        plan,
        injector,
        log,
        sent,
        checks,
        collector,
        sampler,
        phases,
        cluster,
    )
