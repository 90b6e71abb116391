"""docker-compose.yml for real (podman + podman-compose): samples in, enriched out, metrics scraped.

Run alone with ``make test-containers`` (``pytest tests/containers``); needs root, podman and the images
of tests/containers/images.py. The stack's host ports are free ports chosen per run (not 9092/9093).
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Any

import pytest

from services.core.consume import collect_until
from services.core.models import EnrichedArticle
from services.core.poll import poll_until
from services.core.settings import DLQ, DUPLICATES, ENRICHED, RAW
from services.supervise import STAGES, Accounting, scrape
from tests.conftest import SEEDS
from tests.containers.conftest import Stack
from tests.containers.engine import podman
from tests.containers.images import Images

pytestmark = pytest.mark.containers

PARTITIONS = 4  # WIRESTREAM_KAFKA_PARTITIONS in docker-compose.yml


def test_ports_are_published_on_localhost_only(stack: Stack) -> None:
    for service, variable, inner in [
        ("kafka", "WIRESTREAM_KAFKA_HOST_PORT", 9092),
        *[
            (s, f"WIRESTREAM_{s.upper()}_HOST_PORT", p)
            for s, p in zip(STAGES, (9101, 9102, 9103), strict=True)
        ],
        ("prometheus", "WIRESTREAM_PROMETHEUS_HOST_PORT", 9090),
    ]:
        out = podman("port", stack.compose.container(service)).stdout.decode().split("\n")
        assert [line for line in out if line] == [f"{inner}/tcp -> 127.0.0.1:{stack.ports[variable]}"], (
            service
        )


def test_compose_health_checks_pass_on_the_images_used(stack: Stack, images: Images) -> None:
    expected = {"kafka": images.kafka, **dict.fromkeys(STAGES, images.wirestream)}
    for service, image in expected.items():
        name = stack.compose.container(service)
        used = podman("inspect", "--format", "{{.ImageName}}", name).stdout.decode().strip()
        assert used == image, service
        assert stack.compose.healthy(service), f"{service} health check fails:\n{stack.compose.logs(service)}"


def test_replayed_samples_come_out_enriched(stack: Stack) -> None:
    seeds = sorted(p.name for p in SEEDS.iterdir() if p.is_file())
    result = stack.compose.run("run", "--rm", "--no-deps", "replay", "replay", "seeds", "--quiet")
    assert f"replayed {len(seeds)} articles" in result.stdout, result.stdout + result.stderr
    raw = collect_until(stack.kafka, [RAW], lambda got: len(got) >= len(seeds), deadline_s=60)
    raw_ids = {r.value["article_id"] for r in raw}
    assert {r.value["source"]["uri"].rsplit("/", 1)[-1] for r in raw} == set(seeds)

    accounting = Accounting(raw_ids=raw_ids)
    records = collect_until(stack.kafka, [ENRICHED, DUPLICATES, DLQ], accounting.complete, deadline_s=300)
    dead = [r.value for r in records if r.topic == DLQ]
    assert not dead, f"dead letters: {dead}"
    enriched = [EnrichedArticle.model_validate(r.value) for r in records if r.topic == ENRICHED]
    assert {e.parent_id for e in enriched} == raw_ids, "every sample reached articles.enriched.v1"
    for event in enriched:
        assert event.language is not None and event.entities, event.article_id
        assert event.timestamps.cleaned and event.timestamps.tagged and event.timestamps.deduped
        assert event.story_id and event.fingerprint and event.duplicate.status, event.article_id
    for stage in STAGES:
        samples = scrape(stack.metrics_url(stage))
        assert samples.get(f"wirestream_messages_in_total{{stage={stage}}}", 0) >= len(raw_ids), stage


def test_every_worker_serves_metrics(stack: Stack) -> None:
    for stage in STAGES:
        samples = scrape(stack.metrics_url(stage))
        assert samples[f"wirestream_assigned_partitions{{stage={stage}}}"] == PARTITIONS, stage


def _query(stack: Stack, promql: str) -> list[dict[str, Any]]:
    url = stack.prometheus_url("/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _all_up(stack: Stack) -> dict[str, str] | None:
    try:
        result = _query(stack, 'up{job=~"wirestream-.*"}')
    except OSError:
        return None
    up = {r["metric"]["stage"]: r["value"][1] for r in result}
    return up if up == dict.fromkeys(STAGES, "1") else None


def test_prometheus_scrapes_every_worker(stack: Stack) -> None:
    poll_until(lambda: _all_up(stack), deadline_s=90, interval_s=1, what="up == 1 for every worker")
    series = _query(stack, "wirestream_assigned_partitions")
    assert {s["metric"]["stage"]: s["value"][1] for s in series} == dict.fromkeys(STAGES, str(PARTITIONS))
