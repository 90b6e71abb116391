"""Podman from Python for ``make test-containers``: engine settings, images, builds, podman-compose."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "containers"
# runtime = "runc" and pinned default ulimits: see the file. Read through CONTAINERS_CONF, /etc untouched.
CONTAINERS_CONF = RECIPES / "containers.conf"
COMPOSE_FILE = REPO / "docker-compose.yml"


def engine_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for podman, buildah and podman-compose: ours, plus the engine settings file."""
    env = dict(os.environ)
    env["CONTAINERS_CONF"] = str(CONTAINERS_CONF)
    env.update(extra or {})
    return env


def podman(
    *args: str,
    check: bool = True,
    input_bytes: bytes | None = None,
    timeout_s: float | None = 600.0,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``podman ARGS`` and capture its output; raise with the output when ``check`` and it fails."""
    result = subprocess.run(
        ["podman", *args],
        input=input_bytes,
        capture_output=True,
        env=engine_env(env),
        timeout=timeout_s,
        check=False,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"podman {' '.join(args)} exited {result.returncode}:\n"
            f"{result.stdout.decode(errors='replace')[-4000:]}\n{result.stderr.decode(errors='replace')[-4000:]}"
        )
    return result


def missing_engine() -> str | None:
    """Why no container engine can run here, or None when podman (rootful, runc) answers."""
    if shutil.which("podman") is None:
        return "podman is not installed (make test-containers installs it)"
    if (
        shutil.which("podman-compose") is None
        and not (Path(sys.executable).parent / "podman-compose").exists()
    ):
        return "podman-compose is not installed (pip install -e '.[dev]')"
    try:
        info = podman("info", "--format", "{{.Host.OCIRuntime.Name}}", check=False, timeout_s=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"podman info failed: {exc}"
    if info.returncode != 0:
        return f"podman info failed: {info.stderr.decode(errors='replace').strip()[-500:]}"
    return None


def image_exists(ref: str) -> bool:
    """Whether the local image store holds ``ref``."""
    return podman("image", "exists", ref, check=False).returncode == 0


def image_size(ref: str) -> int:
    """The size of a local image in bytes, as ``podman images`` reports it."""
    out = podman("image", "inspect", "--format", "{{.Size}}", ref).stdout.decode().strip()
    return int(out)


def image_id(ref: str) -> str | None:
    """The id of a local image, or None."""
    result = podman("image", "inspect", "--format", "{{.Id}}", ref, check=False)
    if result.returncode != 0:
        return None
    return result.stdout.decode().strip() or None


def build(
    tag: str,
    context: Path,
    containerfile: Path,
    *,
    build_args: Mapping[str, str] | None = None,
    secrets: Mapping[str, Path] | None = None,
    target: str | None = None,
    log: Path | None = None,
) -> None:
    """``podman build`` with layer caching (a rerun with the same inputs reuses every layer).

    The image the tag named before is removed when the build replaced it (and nothing else uses it), so
    reruns do not pile up untagged images; the layers the new image shares stay.
    """
    previous = image_id(tag)
    args = ["build", "--layers", "-t", tag, "-f", str(containerfile)]
    if target:
        args += ["--target", target]
    for key, value in (build_args or {}).items():
        args += ["--build-arg", f"{key}={value}"]
    for name, path in (secrets or {}).items():
        args += ["--secret", f"id={name},src={path}"]
    result = podman(*args, str(context), check=False, timeout_s=1800)
    output = result.stdout + result.stderr
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_bytes(output)
    if result.returncode != 0:
        raise RuntimeError(f"building {tag} failed:\n{output.decode(errors='replace')[-6000:]}")
    if previous and previous != image_id(tag):
        podman("rmi", previous, check=False)


@dataclass
class Compose:
    """One podman-compose project over docker-compose.yml: its name, its variables, its containers."""

    project: str
    variables: dict[str, str] = field(default_factory=dict)
    profiles: Sequence[str] = ()

    def run(
        self, *args: str, check: bool = True, timeout_s: float = 300.0
    ) -> subprocess.CompletedProcess[str]:
        """Run ``podman-compose -p PROJECT -f docker-compose.yml [--profile P] ARGS``."""
        exe = Path(sys.executable).parent / "podman-compose"
        cmd = [str(exe) if exe.exists() else "podman-compose", "-p", self.project, "-f", str(COMPOSE_FILE)]
        for profile in self.profiles:
            cmd += ["--profile", profile]
        result = subprocess.run(
            [*cmd, *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=engine_env(self.variables),
            timeout=timeout_s,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"podman-compose {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def _labelled(self, kind: str, service: str | None = None) -> list[str]:
        filters = ["--filter", f"label=com.docker.compose.project={self.project}"]
        if service:
            filters += ["--filter", f"label=com.docker.compose.service={service}"]
        if kind == "container":
            out = podman("ps", "-a", *filters, "--format", "{{.Names}}").stdout.decode()
        else:
            out = podman(kind, "ls", *filters, "--format", "{{.Name}}").stdout.decode()
        return [line for line in out.split() if line]

    def container(self, service: str) -> str:
        """The name of the one container of ``service``."""
        names = self._labelled("container", service)
        if len(names) != 1:
            raise LookupError(f"{self.project}: service {service} has containers {names}")
        return names[0]

    def healthy(self, service: str) -> bool:
        """Run the service's compose health check now (podman without systemd never schedules it)."""
        return (
            podman("healthcheck", "run", self.container(service), check=False, timeout_s=60).returncode == 0
        )

    def state(self, service: str) -> dict[str, object]:
        """The container's state (Status, ExitCode, ...) from ``podman inspect``."""
        out = podman("inspect", "--format", "{{json .State}}", self.container(service)).stdout
        state: dict[str, object] = json.loads(out)
        return state

    def logs(self, service: str, tail: int = 40) -> str:
        """The end of a service container's log."""
        try:
            result = podman("logs", "--tail", str(tail), self.container(service), check=False)
        except LookupError as exc:
            return str(exc)
        return (result.stdout + result.stderr).decode(errors="replace")

    def down(self) -> list[str]:
        """Stop and remove every container, volume and network of the project; return what was left."""
        self.run("down", "-v", "-t", "15", check=False, timeout_s=300)
        leftovers: list[str] = []
        for kind in ("container", "volume", "network"):
            for name in self._labelled(kind):
                leftovers.append(f"{kind} {name}")
                remove = ["rm", "-f", name] if kind == "container" else [kind, "rm", "-f", name]
                podman(*remove, check=False)
        return leftovers
