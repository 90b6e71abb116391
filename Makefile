# wirestream: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help setup kafka-install prometheus up down status lint format schemas test test-unit test-containers demo bench chaos clean

help:
	@echo "make demo   - set up, start the local broker and workers, replay seeds/, show results"
	@echo "make test   - set up, start the local broker, run lint + unit, integration, e2e tests"
	@echo "make bench  - benchmarks (JSON under bench/results/)"
	@echo "make chaos  - chaos run on its own broker: kill -9s, a broker kill, scaling; exactly-once check"
	@echo "make up|down|status - the local Kafka broker; make lint; make schemas"

$(STAMP): pyproject.toml setup.py services/tagger/engine/e5.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# Debian's prometheus package (server + promtool): the Prometheus tests use the real server.
prometheus:
	@command -v promtool >/dev/null 2>&1 || { \
	  echo "installing Debian's prometheus package (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null; }

kafka-install: setup
	$(BIN)/wirestream kafka install

up: kafka-install
	$(BIN)/wirestream kafka up
	$(BIN)/wirestream kafka topics

down:
	-$(BIN)/wirestream stop

status: setup
	$(BIN)/wirestream kafka status

lint: setup
	$(BIN)/ruff check services tests bench
	$(BIN)/mypy services tests bench

format: setup
	$(BIN)/ruff check --fix services tests bench
	$(BIN)/ruff format services tests bench

schemas: setup
	$(BIN)/python -c "from pathlib import Path; from services.core.schemas import write_all; write_all(Path('schemas'))"

test-unit: setup
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

# One broker for the whole run; it is stopped whatever the tests' outcome.
test: lint kafka-install prometheus
	$(BIN)/wirestream kafka up
	$(BIN)/pytest tests --ignore=tests/containers $(PYTEST_ARGS); status=$$?; $(BIN)/wirestream kafka down; exit $$status
	$(MAKE) test-containers

# docker-compose.yml on a real engine: rootful podman (runc, containers/containers.conf; no Docker engine
# needed) and podman-compose (dev extras). Builds the local images (tests/containers/images.py: a
# debootstrap base, the Dockerfile, Kafka from .cache/kafka/lib, Debian's Prometheus; cached by content)
# and runs tests/containers on free host ports, so a broker on 9092/9093 may keep running.
CONTAINER_PACKAGES := podman buildah debootstrap runc
test-containers: kafka-install
	@missing=$$(for p in $(CONTAINER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian's" $$missing "(needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; fi
	$(BIN)/python -m tests.containers.images
	$(BIN)/pytest tests/containers

demo: kafka-install
	$(BIN)/wirestream demo

bench: setup
	$(BIN)/python -m bench.run_all

# Its own broker on 19092/19093 (not the shared one); CHAOS_ARGS="--articles 300 --rate 4" for a short run.
CHAOS_ARGS ?=
chaos: kafka-install
	$(BIN)/wirestream chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache
