# syntax=docker/dockerfile:1
# One image for every wirestream service: the stage workers, topic creation and the replay producer.
#   docker build -t wirestream:0.1.0 .
#   docker run --rm wirestream:0.1.0 worker cleaner     (ENTRYPOINT is the `wirestream` command)
# docker-compose.yml and deploy/k8s/ run it with the same commands and WIRESTREAM_* env as `make demo`.
# Without a registry (`make test-containers`): --build-arg PYTHON_IMAGE=<a local Python 3.11 image>, and
# the build host's pip settings as the optional secret `pip.conf` (--secret id=pip.conf,src=FILE): it is
# mounted at /etc/pip.conf for the RUN steps that download, never stored in a layer.

ARG PYTHON_IMAGE=python:3.11-slim

# ---- build: the pinned runtime dependencies, into /opt/venv ----
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
# pip, setuptools and wheel live in a tool venv (/opt/build) and install into the runtime venv
# (/opt/venv, made without pip), so the final stage carries no packaging tools.
# Every pinned dependency ships a cp311 manylinux wheel; the project's own native part (the vendored e5
# engine, setup.py) is compiled in the `app` stage below, which alone installs gcc.
RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf \
    python -m venv /opt/build \
    && /opt/build/bin/pip install --no-cache-dir --upgrade pip "setuptools>=68" wheel \
    && python -m venv --without-pip /opt/venv
WORKDIR /src
# Dependencies first, from pyproject.toml alone, so code and README edits reuse this layer; their test
# suites (`tests` folders, 30+ MB) are not runtime.
COPY pyproject.toml ./
RUN --mount=type=secret,id=pip.conf,target=/etc/pip.conf \
    --mount=type=cache,target=/root/.cache/pip \
    python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
       > /tmp/requirements.txt \
    && /opt/build/bin/pip --python /opt/venv/bin/python install -r /tmp/requirements.txt \
    && find /opt/venv -type d -name tests -prune -exec rm -rf {} + \
    && /opt/venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" \
       | xargs -I{} sh -c 'echo /opt/wirestream/site > {}/wirestream.pth'

# ---- app: the project itself (package data: services/*/data; the e5 engine compiled by gcc) ----
# Installed apart from the dependencies (/opt/wirestream/site, on the venv's path through wirestream.pth)
# so that a code change rebuilds a small layer, not the 600 MB venv.
FROM build AS app
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
COPY README.md setup.py ./
COPY services ./services
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/dist . \
    && /opt/build/bin/pip --python /opt/venv/bin/python install --no-deps --no-index \
       --target /opt/wirestream/site /tmp/dist/*.whl \
    && /opt/wirestream/site/bin/wirestream --help > /dev/null

# ---- runtime: the base image, the runtime venv and the data; no pip, no build tools ----
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/wirestream/site/bin:/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN groupadd --system --gid 10001 wirestream \
    && useradd --system --uid 10001 --gid wirestream --create-home --home-dir /home/wirestream \
       --shell /usr/sbin/nologin wirestream
COPY --from=build /opt/venv /opt/venv
COPY --from=app /opt/wirestream /opt/wirestream
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
