# syntax=docker/dockerfile:1
# One image for every wirestream service: the stage workers, topic creation and the replay producer.
#   docker build -t wirestream:0.1.0 .
#   docker run --rm wirestream:0.1.0 worker cleaner     (ENTRYPOINT is the `wirestream` command)
# docker-compose.yml and deploy/k8s/ run it with the same commands and WIRESTREAM_* env as `make demo`.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: install the project and its pinned dependencies into a virtualenv ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# Every pinned dependency ships a cp311 manylinux wheel, so no compiler is needed; should one stop
# doing so, add `apt-get install -y --no-install-recommends build-essential` here (build stage only).
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first (from pyproject.toml only), so code edits do not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p services && touch services/__init__.py \
    && pip install --upgrade pip \
    && pip install . \
    && pip uninstall -y wirestream
# Then the project itself (package data: services/*/data).
COPY services ./services
RUN pip install --no-deps . \
    && wirestream --help > /dev/null

# ---- runtime ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --system --gid 10001 wirestream \
    && useradd --system --uid 10001 --gid wirestream --create-home --home-dir /home/wirestream \
       --shell /usr/sbin/nologin wirestream
COPY --from=build /opt/venv /opt/venv
# The working directory holds seeds/ and schemas/ (read-only, owned by root) and the data
# directory .cache/wirestream (the workers' default WIRESTREAM_<STAGE>_DATA_DIR), writable by the user.
WORKDIR /app
COPY seeds ./seeds
COPY schemas ./schemas
RUN mkdir -p /app/.cache/wirestream && chown -R wirestream:wirestream /app/.cache
USER 10001:10001
# Metrics: cleaner 9101, tagger 9102, deduper 9103 (WIRESTREAM_<STAGE>_METRICS_PORT).
EXPOSE 9101-9103
ENTRYPOINT ["wirestream"]
CMD ["--help"]
