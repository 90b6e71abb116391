"""The deployment files (docker-compose.yml, deploy/) agree with the code: commands, env, ports, versions."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from prometheus_client import REGISTRY
from pydantic_settings import BaseSettings

from services.cleaner.settings import CleanerSettings
from services.core import metrics
from services.core.settings import PUBLIC_TOPICS, KafkaSettings
from services.deduper.settings import DeduperSettings
from services.replay.producer import ReplaySettings
from services.supervise import DEFAULT_PORTS, STAGES
from services.tagger.settings import TaggerSettings
from tests.containers.images import kafka_version

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
PROMETHEUS = DEPLOY / "prometheus"
CONTAINERS = ROOT / "containers"

STAGE_SETTINGS: dict[str, type[BaseSettings]] = {
    "cleaner": CleanerSettings,
    "tagger": TaggerSettings,
    "deduper": DeduperSettings,
}
ALL_SETTINGS: tuple[type[BaseSettings], ...] = (KafkaSettings, ReplaySettings, *STAGE_SETTINGS.values())
# Stage sources: the topic a stage's consumer group reads (for the autoscaling examples).
SOURCE_TOPIC = {"cleaner": "articles.raw.v1", "tagger": "articles.clean.v1", "deduper": "articles.tagged.v1"}


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _load_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def _env_prefix(settings: type[BaseSettings]) -> str:
    return str(settings.model_config.get("env_prefix", ""))


def _known_env_names() -> set[str]:
    """Every WIRESTREAM_<PREFIX>_<FIELD> the settings classes read (nested models excluded)."""
    names: set[str] = set()
    for settings in ALL_SETTINGS:
        prefix = _env_prefix(settings)
        assert prefix.startswith("WIRESTREAM_"), settings
        for field_name, field in settings.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings):
                continue  # the nested `kafka` field: its env is WIRESTREAM_KAFKA_*
            names.add(f"{prefix}{field_name}".upper())
    return names


def _default_port(stage: str) -> int:
    default = STAGE_SETTINGS[stage].model_fields["metrics_port"].default
    assert isinstance(default, int)
    return default


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = _load(ROOT / "docker-compose.yml")
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def k8s_docs() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.rglob("*.yaml")):
        loaded = _load_all(path)
        assert loaded, f"{path} is empty"
        for doc in loaded:
            assert isinstance(doc, dict) and "kind" in doc, path
            docs.append(doc)
    return docs


def _k8s(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind and "metadata" in d}


def _containers(workload: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


# ---- settings and stage ports ----


def test_stage_ports_are_the_settings_defaults() -> None:
    assert set(STAGE_SETTINGS) == set(STAGES)
    ports = {s: _default_port(s) for s in STAGES}
    assert ports == DEFAULT_PORTS == {"cleaner": 9101, "tagger": 9102, "deduper": 9103}


# ---- docker-compose.yml ----


def test_compose_stage_services_run_their_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for stage in STAGES:
        service = services[stage]
        assert service["command"] == ["worker", stage]
        assert service["depends_on"]["topics"]["condition"] == "service_completed_successfully"
        assert service["restart"] == "unless-stopped"
        assert service["image"] == services["topics"]["image"], "one image for all services"
    assert services["topics"]["command"] == ["kafka", "topics"]
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["replay"]["profiles"] == ["replay"]
    assert services["replay"]["command"][0] == "replay"


def test_compose_env_names_are_settings_fields(compose: dict[str, Any]) -> None:
    known = _known_env_names()
    seen = 0
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        assert isinstance(env, dict), f"{name}: use the mapping form of environment"
        for key in env:
            if key.startswith("WIRESTREAM_"):
                assert key in known, f"{name}: {key} is not a settings field"
                seen += 1
    assert seen


def test_compose_workers_share_the_kafka_settings(compose: dict[str, Any]) -> None:
    services = compose["services"]
    clients = [*STAGES, "topics", "replay"]
    kafka_env = [
        {k: v for k, v in services[n]["environment"].items() if k.startswith("WIRESTREAM_KAFKA_")}
        for n in clients
    ]
    assert all(env == kafka_env[0] for env in kafka_env), "every client needs the same Kafka settings"
    assert kafka_env[0]["WIRESTREAM_KAFKA_BOOTSTRAP_SERVERS"] == "kafka:19092"
    kafka = KafkaSettings.model_validate(
        {k.removeprefix("WIRESTREAM_KAFKA_").lower(): v for k, v in kafka_env[0].items()}
    )
    assert kafka.partitions == int(_broker_properties()["num.partitions"])


def test_compose_metrics_ports_match_the_settings(compose: dict[str, Any]) -> None:
    for stage in STAGES:
        port = _default_port(stage)
        service = compose["services"][stage]
        env = service["environment"]
        assert int(env.get(f"WIRESTREAM_{stage.upper()}_METRICS_PORT", port)) == port
        published = f"127.0.0.1:${{WIRESTREAM_{stage.upper()}_HOST_PORT:-{port}}}:{port}"
        assert service["ports"] == [published], "published on this host only, port from a variable"
        assert env.get(f"WIRESTREAM_{stage.upper()}_METRICS_HOST") == "0.0.0.0", "reachable in the network"
        probe = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{port}/metrics" in probe
        assert "urllib" in probe


def _broker_properties() -> dict[str, str]:
    props: dict[str, str] = {}
    for line in (DEPLOY / "kafka" / "server.properties").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props


def _kafka_env_name(prop: str) -> str:
    """apache/kafka image convention: `_` -> `__`, `-` -> `___`, `.` -> `_`, prefixed KAFKA_."""
    return "KAFKA_" + prop.replace("_", "__").replace("-", "___").replace(".", "_").upper()


def test_compose_kafka_image_is_the_pinned_version(compose: dict[str, Any]) -> None:
    pom = ElementTree.parse(DEPLOY / "kafka" / "pom.xml")
    version = pom.findtext(
        "m:properties/m:kafka.version", namespaces={"m": "http://maven.apache.org/POM/4.0.0"}
    )
    assert version
    assert compose["services"]["kafka"]["image"] == f"${{WIRESTREAM_KAFKA_IMAGE:-apache/kafka:{version}}}"
    assert kafka_version() == version, "the local Kafka image is built from the same pinned jars"


def test_compose_kafka_has_the_local_broker_settings(compose: dict[str, Any]) -> None:
    env = {k: str(v).lower() for k, v in compose["services"]["kafka"]["environment"].items()}
    # Listeners, quorum and data dir are placeholders locally and container-specific here.
    placeholders = {"listeners", "advertised.listeners", "controller.quorum.voters", "log.dirs"}
    for prop, value in _broker_properties().items():
        if prop in placeholders:
            continue
        name = _kafka_env_name(prop)
        assert name in env, f"docker-compose kafka lacks {name} ({prop}={value})"
        if prop == "listener.security.protocol.map":
            assert set(value.lower().split(",")) <= set(env[name].split(","))
        else:
            assert env[name] == value.lower(), prop
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "kafka:19092" in env["KAFKA_ADVERTISED_LISTENERS"]
    host_port = "${WIRESTREAM_KAFKA_HOST_PORT:-9092}"
    assert f"plaintext_host://127.0.0.1:{host_port.lower()}" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert compose["services"]["kafka"]["ports"] == [f"127.0.0.1:{host_port}:9092"]


def test_compose_kafka_health_check_works_with_both_images(compose: dict[str, Any]) -> None:
    """apache/kafka ships /opt/kafka/bin/kafka-configs.sh; the jar-built image installs one there too."""
    check = " ".join(compose["services"]["kafka"]["healthcheck"]["test"])
    tool = "/opt/kafka/bin/kafka-configs.sh"
    assert tool in check and "--bootstrap-server localhost:19092" in check
    recipe = (CONTAINERS / "kafka" / "Containerfile").read_text()
    assert re.search(rf"^COPY kafka-configs\.sh {re.escape(tool)}$", recipe, re.MULTILINE)
    script = (CONTAINERS / "kafka" / "kafka-configs.sh").read_text()
    assert "kafka.admin.ConfigCommand" in script, "the class apache/kafka's script runs"


def _compose_variables() -> dict[str, str | None]:
    """Every ${NAME...} docker-compose.yml substitutes -> its `:-` default (None when it has none)."""
    text = (ROOT / "docker-compose.yml").read_text()
    found: dict[str, str | None] = {}
    for name, op, rest in re.findall(r"\$\{([A-Z0-9_]+)(:[-?])?([^}]*)\}", text):
        found[name] = rest if op == ":-" else None
    return found


def test_compose_variables_default_to_the_official_images_and_ports(compose: dict[str, Any]) -> None:
    variables = _compose_variables()
    assert variables.pop("GRAFANA_ADMIN_PASSWORD") is None, "no default Grafana password"
    assert variables.pop("WIRESTREAM_IMAGE") == "wirestream:0.1.0"
    images = {name: value for name, value in variables.items() if name.endswith("_IMAGE")}
    assert set(images) == {
        "WIRESTREAM_KAFKA_IMAGE",
        "WIRESTREAM_PROMETHEUS_IMAGE",
        "WIRESTREAM_GRAFANA_IMAGE",
    }
    assert images["WIRESTREAM_PROMETHEUS_IMAGE"] == "prom/prometheus:v3.5.0"
    assert images["WIRESTREAM_GRAFANA_IMAGE"] == "grafana/grafana:12.1.1"
    ports = {name: value for name, value in variables.items() if name.endswith("_HOST_PORT")}
    assert set(ports) | set(images) == set(variables)
    expected = {"KAFKA": 9092, "PROMETHEUS": 9090, "GRAFANA": 3000}
    expected |= {stage.upper(): _default_port(stage) for stage in STAGES}
    assert ports == {f"WIRESTREAM_{name}_HOST_PORT": str(port) for name, port in expected.items()}
    clash = (set(ports) | set(images)) & _known_env_names()
    assert not clash, f"compose variables that are also settings fields: {clash}"
    assert compose["services"]["grafana"]["profiles"] == ["grafana"], "not started by a plain `up`"


# ---- Dockerfile ----


def test_dockerfile_final_stage_has_only_the_runtime_venv() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.MULTILINE), "official image by default"
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)[1:]
    assert [stage.split("\n", 1)[0] for stage in stages] == [
        "${PYTHON_IMAGE} AS build",
        "build AS app",
        "${PYTHON_IMAGE} AS runtime",
    ]
    runtime = stages[-1]
    assert "pip" not in runtime and "--mount" not in runtime, "nothing is installed in the final stage"
    copies = re.findall(r"^COPY --from=(\S+) (\S+) (\S+)$", runtime, re.MULTILINE)
    assert copies == [("build", "/opt/venv", "/opt/venv"), ("app", "/opt/wirestream", "/opt/wirestream")]
    assert "--without-pip /opt/venv" in stages[0], "the runtime venv carries no pip"


def test_container_engine_settings() -> None:
    """The settings the engine needs on this kind of machine (containers/containers.conf)."""
    conf = tomllib.loads((CONTAINERS / "containers.conf").read_text())
    assert conf["engine"]["runtime"] == "runc"
    assert set(conf["containers"]["default_ulimits"]) == {"nofile=20000:20000", "nproc=32768:32768"}


def test_dockerfile_exposes_the_metrics_ports() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["wirestream"]' in text
    match = re.search(r"^EXPOSE\s+(\d+)-(\d+)\s*$", text, re.MULTILINE)
    assert match
    low, high = int(match.group(1)), int(match.group(2))
    assert all(low <= _default_port(s) <= high for s in STAGES)
    assert re.search(r"^USER\s+(?!root|0\b)", text, re.MULTILINE), "the image runs as a non-root user"


# ---- Kubernetes ----


def test_k8s_kustomization_lists_existing_files() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        for resource in _load(kustomization)["resources"]:
            assert (kustomization.parent / resource).is_file(), f"{kustomization}: {resource}"


def test_k8s_deployments_run_their_worker(k8s_docs: list[dict[str, Any]]) -> None:
    deployments = _k8s(k8s_docs, "Deployment")
    assert set(deployments) == set(STAGES)
    for stage, deployment in deployments.items():
        port = _default_port(stage)
        assert deployment["spec"]["replicas"] == 1
        template = deployment["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(port)
        assert annotations["prometheus.io/path"] == "/metrics"
        (container,) = template["spec"]["containers"]
        assert container["args"] == ["worker", stage]
        assert container["image"] == "wirestream"
        assert container["ports"] == [{"name": "metrics", "containerPort": port}]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert int(env.get(f"WIRESTREAM_{stage.upper()}_METRICS_PORT", port)) == port
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": "/metrics", "port": "metrics"}, probe
        assert {"requests", "limits"} <= set(container["resources"])
        init = template["spec"]["initContainers"]
        assert [c["args"] for c in init] == [["kafka", "topics"]]


def test_k8s_services_expose_the_metrics_ports(k8s_docs: list[dict[str, Any]]) -> None:
    services = _k8s(k8s_docs, "Service")
    assert set(services) == set(STAGES)
    for stage, service in services.items():
        (port,) = service["spec"]["ports"]
        assert port["port"] == _default_port(stage)
        assert port["targetPort"] == "metrics"
        assert service["spec"]["selector"]["app.kubernetes.io/component"] == stage


def test_k8s_topics_job(k8s_docs: list[dict[str, Any]]) -> None:
    (job,) = _k8s(k8s_docs, "Job").values()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["kafka", "topics"]


CA_SECRET = "wirestream-kafka-ca"
CREDENTIALS = {
    "WIRESTREAM_KAFKA_SECURITY_PROTOCOL",
    "WIRESTREAM_KAFKA_SASL_MECHANISM",
    "WIRESTREAM_KAFKA_SASL_USERNAME",
    "WIRESTREAM_KAFKA_SASL_PASSWORD",
    "WIRESTREAM_KAFKA_SSL_CAFILE",
}


def _workloads(k8s_docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """principal -> workload: each stage's Deployment, and the topics Job (the admin principal)."""
    (job,) = _k8s(k8s_docs, "Job").values()
    return {**_k8s(k8s_docs, "Deployment"), "admin": job}


def test_k8s_env_names_are_settings_fields(k8s_docs: list[dict[str, Any]]) -> None:
    known = _known_env_names()
    (configmap,) = _k8s(k8s_docs, "ConfigMap").values()
    secrets = _k8s(k8s_docs, "Secret")
    names = [*configmap["data"]]
    for name, secret in secrets.items():
        if name != CA_SECRET:
            names += secret["stringData"]
    for workload in _workloads(k8s_docs).values():
        for container in _containers(workload):
            names += [e["name"] for e in container.get("env", [])]
    unknown = [n for n in names if n not in known]
    assert not unknown, f"not settings fields: {unknown}"
    assert int(configmap["data"]["WIRESTREAM_KAFKA_PARTITIONS"]) == KafkaSettings().partitions
    assert configmap["data"]["WIRESTREAM_KAFKA_SECURITY_PROTOCOL"] == "PLAINTEXT"
    assert not CREDENTIALS & {n for n in configmap["data"] if n != "WIRESTREAM_KAFKA_SECURITY_PROTOCOL"}


def test_k8s_workloads_read_their_principals_secret(k8s_docs: list[dict[str, Any]]) -> None:
    """Kafka credentials come from one Secret per principal, after the ConfigMap (so they win)."""
    (configmap,) = _k8s(k8s_docs, "ConfigMap").values()
    secrets = _k8s(k8s_docs, "Secret")
    workloads = _workloads(k8s_docs)
    assert set(workloads) == {*STAGES, "admin"}
    for principal, workload in workloads.items():
        secret = secrets[f"wirestream-kafka-{principal}"]
        data = secret["stringData"]
        assert set(data) == CREDENTIALS, principal
        assert data["WIRESTREAM_KAFKA_SASL_USERNAME"] == principal
        settings = KafkaSettings.model_validate(
            {k.removeprefix("WIRESTREAM_KAFKA_").lower(): v for k, v in data.items()}
        )
        assert settings.security_protocol == "SASL_SSL" and settings.ssl_check_hostname
        volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
        assert volumes["kafka-ca"]["secret"] == {"secretName": CA_SECRET, "optional": True}
        for container in _containers(workload):
            assert container["envFrom"] == [
                {"configMapRef": {"name": configmap["metadata"]["name"]}},
                {"secretRef": {"name": secret["metadata"]["name"], "optional": True}},
            ], container["name"]
            (mount,) = [m for m in container["volumeMounts"] if m["name"] == "kafka-ca"]
            assert mount["readOnly"] is True
            assert data["WIRESTREAM_KAFKA_SSL_CAFILE"] == f"{mount['mountPath']}/ca.crt"
    assert set(secrets[CA_SECRET]["stringData"]) == {"ca.crt"}


def test_k8s_metrics_listen_on_every_interface_only_there(k8s_docs: list[dict[str, Any]]) -> None:
    """Pods are scraped from outside (0.0.0.0, set explicitly); the settings' default stays 127.0.0.1."""
    for stage, deployment in _k8s(k8s_docs, "Deployment").items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env[f"WIRESTREAM_{stage.upper()}_METRICS_HOST"] == "0.0.0.0"
        assert STAGE_SETTINGS[stage].model_fields["metrics_host"].default == "127.0.0.1"


def test_k8s_autoscaling_stays_within_the_partition_count(k8s_docs: list[dict[str, Any]]) -> None:
    (configmap,) = _k8s(k8s_docs, "ConfigMap").values()
    partitions = int(configmap["data"]["WIRESTREAM_KAFKA_PARTITIONS"])
    kafka = KafkaSettings()
    hpas = _k8s(k8s_docs, "HorizontalPodAutoscaler")
    scaled = _k8s(k8s_docs, "ScaledObject")
    assert set(hpas) == set(scaled) == set(STAGES)
    for stage in STAGES:
        hpa, keda = hpas[stage], scaled[stage]
        assert hpa["spec"]["scaleTargetRef"]["name"] == keda["spec"]["scaleTargetRef"]["name"] == stage
        assert hpa["spec"]["maxReplicas"] == keda["spec"]["maxReplicaCount"] == partitions
        (metric,) = hpa["spec"]["metrics"]
        assert metric["external"]["metric"]["selector"]["matchLabels"] == {
            "consumergroup": kafka.group(stage),
            "topic": SOURCE_TOPIC[stage],
        }
        (trigger,) = keda["spec"]["triggers"]
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == kafka.group(stage)
        assert trigger["metadata"]["topic"] == SOURCE_TOPIC[stage]
        assert int(trigger["metadata"]["lagThreshold"]) > 0
    assert set(SOURCE_TOPIC.values()) < set(PUBLIC_TOPICS)


# ---- Prometheus and Grafana ----


def _targets(path: Path) -> dict[str, tuple[str, str]]:
    """job name -> (target, stage label) of the wirestream jobs."""
    jobs: dict[str, tuple[str, str]] = {}
    for job in _load(path)["scrape_configs"]:
        if job["job_name"].startswith("wirestream-"):
            assert job["honor_labels"] is True, "keep the samples' own stage label"
            (static,) = job["static_configs"]
            (target,) = static["targets"]
            jobs[job["job_name"]] = (target, static["labels"]["stage"])
    return jobs


@pytest.mark.parametrize(
    ("filename", "host"), [("prometheus.yml", None), ("prometheus.local.yml", "127.0.0.1")]
)
def test_prometheus_targets_match_the_ports(filename: str, host: str | None) -> None:
    jobs = _targets(PROMETHEUS / filename)
    assert jobs == {
        f"wirestream-{stage}": (f"{host or stage}:{_default_port(stage)}", stage) for stage in STAGES
    }


def _metric_names() -> set[str]:
    """Sample names the wirestream metrics can expose."""
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    names: set[str] = set()
    assert metrics.MESSAGES_IN is not None  # the module registered its metrics
    for family in REGISTRY.collect():
        if family.name.startswith("wirestream_"):
            names.update(family.name + s for s in suffixes[family.type])
    return names


def _referenced_metrics(text: str) -> set[str]:
    # Raw metric names only: recording-rule names (level:metric:op) have a `:` before `wirestream_`.
    return set(re.findall(r"(?<![:\w])wirestream_[a-z_]+", text))


def test_rules_and_dashboard_use_existing_metrics() -> None:
    known = _metric_names()
    rules = _load(PROMETHEUS / "rules.yml")
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "wirestream.json").read_text())
    panel_exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    for expr in exprs + panel_exprs:
        unknown = _referenced_metrics(expr) - known
        assert not unknown, f"{expr}: unknown metrics {unknown}"
    used = set().union(*(_referenced_metrics(e) for e in panel_exprs))
    for family in ("messages_in", "messages_out", "dlq_messages", "duplicates", "cleaner_removals"):
        assert f"wirestream_{family}_total" in used, family
    for family in ("processing_seconds", "end_to_end_latency_seconds"):
        assert f"wirestream_{family}_bucket" in used, family
    assert {"wirestream_assigned_partitions", "wirestream_state_entries"} <= used


def test_grafana_provisioning_points_at_the_dashboard(compose: dict[str, Any]) -> None:
    datasources = _load(DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml")
    (datasource,) = datasources["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "wirestream.json").read_text())
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["current"]["value"] == datasource["uid"]
    (provider,) = _load(DEPLOY / "grafana" / "provisioning" / "dashboards" / "dashboards.yml")["providers"]
    mounts: dict[str, str] = {}
    for volume in compose["services"]["grafana"]["volumes"]:
        source, target = volume.split(":")[:2]
        mounts[source] = target
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"


def test_compose_publishes_nothing_beyond_localhost_and_grafana_has_no_default_password(
    compose: dict[str, Any],
) -> None:
    for name, service in compose["services"].items():
        for mapping in service.get("ports", []):
            assert str(mapping).startswith("127.0.0.1:"), f"{name} publishes {mapping} on every interface"
    password = compose["services"]["grafana"]["environment"]["GF_SECURITY_ADMIN_PASSWORD"]
    assert password.startswith("${GRAFANA_ADMIN_PASSWORD:?"), password
