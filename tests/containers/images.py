"""The local images of the compose test, built without a registry: ``python -m tests.containers.images``.

base        `debootstrap --variant=minbase bookworm` + Debian's Python 3.11 (stands in for python:3.11-slim)
wirestream  the project's Dockerfile with ``--build-arg PYTHON_IMAGE=<base>``
kafka       Apache Kafka from the project's Maven jars (.cache/kafka/lib) on Debian's JRE (for apache/kafka)
prometheus  Debian's prometheus package (for prom/prometheus)

The debootstrap tree is cached as an image tagged with a digest of its inputs; every other image is a
``podman build`` whose layers are cached by content, so an unchanged rerun takes seconds.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from tests.containers.engine import RECIPES, REPO, build, image_exists, image_size, podman

SUITE = "bookworm"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
KAFKA_LIB = REPO / ".cache" / "kafka" / "lib"
LOG_DIR = REPO / ".cache" / "containers"
# Paths dropped from the debootstrap tree (Debian's slim images drop the same): apt lists, docs, manuals.
PRUNED = ("var/lib/apt/lists", "var/cache/apt", "usr/share/doc", "usr/share/man", "usr/share/info")
# pip options that carry over into a build (anything naming a host path does not).
PIP_KEYS = ("index-url", "extra-index-url", "trusted-host", "proxy", "timeout", "default-timeout", "retries")


@dataclass(frozen=True)
class Images:
    """The image references the compose test runs."""

    base: str
    wirestream: str
    kafka: str
    prometheus: str

    def compose_variables(self) -> dict[str, str]:
        """docker-compose.yml's image variables pointing at these images."""
        return {
            "WIRESTREAM_IMAGE": self.wirestream,
            "WIRESTREAM_KAFKA_IMAGE": self.kafka,
            "WIRESTREAM_PROMETHEUS_IMAGE": self.prometheus,
        }


def kafka_version() -> str:
    """The Kafka release deploy/kafka/pom.xml pins (the local broker's and the compose default's)."""
    pom = ElementTree.parse(REPO / "deploy" / "kafka" / "pom.xml")
    version = pom.findtext(
        "m:properties/m:kafka.version", namespaces={"m": "http://maven.apache.org/POM/4.0.0"}
    )
    if not version:
        raise RuntimeError("deploy/kafka/pom.xml pins no kafka.version")
    return version


def host_ca_bundle() -> Path:
    """The CA bundle this host trusts for HTTPS (pip's, then OpenSSL's setting): it goes into the base."""
    candidates = [os.environ.get(v) for v in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")]
    paths = ssl.get_default_verify_paths()
    candidates += [paths.cafile, paths.openssl_cafile]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).resolve()
    raise RuntimeError("no CA bundle found on this host (PIP_CERT, SSL_CERT_FILE or OpenSSL's default)")


def _sources_files() -> list[Path]:
    root = Path("/etc/apt")
    return [p for p in [root / "sources.list", *sorted((root / "sources.list.d").glob("*"))] if p.is_file()]


def apt_sources() -> list[tuple[str, str, str]]:
    """The host's Debian ``SUITE*`` entries as (uri, suite, components), from one-line and deb822 files."""
    entries: list[tuple[str, str, str]] = []
    for path in _sources_files():
        text = path.read_text(errors="replace")
        if path.suffix == ".list" or path.name == "sources.list":
            for line in text.splitlines():
                fields = line.split("#", 1)[0].split()
                if len(fields) >= 3 and fields[0] == "deb" and not fields[1].startswith("["):
                    entries.append((fields[1], fields[2], " ".join(fields[3:]) or "main"))
        elif path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                keys = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", stanza, re.MULTILINE))
                if "deb" in keys.get("Types", "").split() and keys.get("Enabled", "yes") != "no":
                    for uri in keys.get("URIs", "").split():
                        for suite in keys.get("Suites", "").split():
                            entries.append((uri, suite, keys.get("Components", "main")))
    return [e for e in entries if e[1].split("-")[0] == SUITE and "debian" in e[0]]


def apt_mirror(entries: list[tuple[str, str, str]]) -> str:
    """The mirror of the main archive (debootstrap's), or Debian's default when the host names none."""
    return next((uri for uri, suite, _ in entries if suite == SUITE), DEFAULT_MIRROR)


def pip_config(ca_path: str = "/etc/ssl/certs/ca-certificates.crt") -> str:
    """The host's effective pip index/proxy settings as a pip.conf for a build (a secret, never a layer)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False
    )
    options: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition("=")
        name = key.rsplit(".", 1)[-1]
        if name in PIP_KEYS:
            options[name] = value.strip().strip("'\"")
    for name in PIP_KEYS:
        from_env = os.environ.get("PIP_" + name.upper().replace("-", "_"))
        if from_env:
            options[name] = from_env
    options["cert"] = ca_path  # the image's bundle, which holds the host's CAs (see host_ca_bundle)
    options["disable-pip-version-check"] = "true"
    return "[global]\n" + "".join(f"{k} = {v}\n" for k, v in options.items())


def _digest(*parts: bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(hashlib.sha256(part).digest())
    return sha.hexdigest()[:16]


def build_minbase(mirror: str) -> str:
    """Import a minbase debootstrap tree as an image (once per mirror and recipe); return its tag."""
    recipe = (f"{SUITE} minbase {mirror} " + " ".join(PRUNED)).encode()
    tag = f"localhost/wirestream-minbase:{SUITE}-{_digest(recipe)}"
    if image_exists(tag):
        return tag
    with tempfile.TemporaryDirectory(prefix="wirestream-minbase-", dir="/var/tmp") as tmp:
        root = Path(tmp) / "root"
        result = subprocess.run(
            ["debootstrap", "--variant=minbase", SUITE, str(root), mirror],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"debootstrap failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        for rel in PRUNED:
            for child in (root / rel).glob("*"):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        tar = subprocess.run(["tar", "-C", str(root), "-c", "."], capture_output=True, check=True)
        podman("import", "--change", 'CMD ["/bin/bash"]', "-", tag, input_bytes=tar.stdout)
    return tag


def build_base() -> str:
    """The Python base image: minbase + the host's CAs and Debian mirrors + python3 (python3-venv)."""
    entries = apt_sources()
    minbase = build_minbase(apt_mirror(entries))
    with tempfile.TemporaryDirectory(prefix="wirestream-base-") as tmp:
        context = Path(tmp)
        shutil.copy(RECIPES / "base" / "dpkg-slim.cfg", context / "dpkg-slim.cfg")
        shutil.copy(host_ca_bundle(), context / "host-ca-bundle.crt")
        listed = entries or [(DEFAULT_MIRROR, SUITE, "main")]
        (context / "sources.list").write_text("".join(f"deb {u} {s} {c}\n" for u, s, c in listed))
        tag = f"localhost/wirestream-base:{SUITE}"
        build(
            tag,
            context,
            RECIPES / "base" / "Containerfile",
            build_args={"MINBASE": minbase},
            log=LOG_DIR / "base.log",
        )
    return tag


def build_wirestream(base: str, pip_conf: Path) -> str:
    """The project image from the Dockerfile, on the local base, pip configured like the host's.

    Its `build` and `app` stages are tagged too, which keeps them (the dependency layer above all) as
    the layer cache of the next build instead of untagged images.
    """
    tag = "localhost/wirestream:local"
    for stage in ("build", "app", None):
        build(
            f"localhost/wirestream-{stage}:local" if stage else tag,
            REPO,
            REPO / "Dockerfile",
            build_args={"PYTHON_IMAGE": base},
            secrets={"pip.conf": pip_conf},
            target=stage,
            log=LOG_DIR / f"wirestream-{stage or 'runtime'}.log",
        )
    return tag


def build_kafka(base: str) -> str:
    """Kafka from the jars `wirestream kafka install` fetched (.cache/kafka/lib), on Debian's JRE."""
    version = kafka_version()
    jars = sorted(KAFKA_LIB.glob("*.jar"))
    if not any(j.name == f"kafka_2.13-{version}.jar" for j in jars):
        raise RuntimeError(f"no Kafka {version} jars in {KAFKA_LIB}: run `wirestream kafka install`")
    with tempfile.TemporaryDirectory(prefix="wirestream-kafka-") as tmp:
        context = Path(tmp)
        shutil.copytree(RECIPES / "kafka", context, dirs_exist_ok=True)
        shutil.copy(REPO / "deploy" / "kafka" / "log4j2.properties", context / "log4j2.properties")
        (context / "libs").mkdir()
        for jar in jars:
            shutil.copy(jar, context / "libs" / jar.name)
        tag = f"localhost/wirestream-kafka:{version}"
        build(
            tag,
            context,
            context / "Containerfile",
            build_args={"BASE_IMAGE": base},
            log=LOG_DIR / "kafka.log",
        )
    return tag


def build_prometheus(base: str) -> str:
    """Prometheus from Debian's package (ENTRYPOINT the server, like prom/prometheus)."""
    tag = "localhost/wirestream-prometheus:debian"
    folder = RECIPES / "prometheus"
    build(
        tag, folder, folder / "Containerfile", build_args={"BASE_IMAGE": base}, log=LOG_DIR / "prometheus.log"
    )
    return tag


def ensure_images(report: bool = False) -> Images:
    """Build (or reuse) every image; with ``report``, print each step's time and each image's size."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", prefix="pip-", suffix=".conf") as conf:
        os.chmod(conf.name, 0o600)
        conf.write(pip_config())
        conf.flush()
        pip_conf = Path(conf.name)
        timings: list[tuple[str, float, str]] = []

        def step(name: str, make: Callable[[], str]) -> str:
            start = time.monotonic()
            tag = make()
            timings.append((name, time.monotonic() - start, tag))
            return tag

        base = step("base", build_base)
        images = Images(
            base=base,
            wirestream=step("wirestream", lambda: build_wirestream(base, pip_conf)),
            kafka=step("kafka", lambda: build_kafka(base)),
            prometheus=step("prometheus", lambda: build_prometheus(base)),
        )
    if report:
        for name, seconds, tag in timings:
            print(f"{name:<11} {seconds:6.1f} s  {image_size(tag) / 1e6:7.1f} MB  {tag}")
    return images


def main() -> int:
    """Build the images and print the times and sizes."""
    start = time.monotonic()
    ensure_images(report=True)
    print(f"images ready in {time.monotonic() - start:.1f} s (logs in {LOG_DIR.relative_to(REPO)}/)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
