# Moot in a container (docs/operating.md, "Running several processes"):
#   docker build -t moot .
#   docker run --env-file moot.env -p 8080:8080 -p 8443:8443 -v moot-data:/data moot
# The dependencies are the locked ones `make run` installs, with their hashes checked.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY requirements/runtime.lock requirements/runtime.lock
RUN pip install --require-hashes -r requirements/runtime.lock
COPY pyproject.toml README.md ./
COPY adapters adapters
COPY bot bot
COPY moot moot
COPY storage storage
RUN pip install --no-deps --no-build-isolation . \
    && useradd --system --create-home --uid 10001 moot \
    && mkdir /data && chown moot /data

# Listen on every interface of the container (the published ports decide who reaches them);
# a SQLite store, when DATABASE_URL is not set to PostgreSQL, lives in the /data volume.
ENV WEB_HOST=0.0.0.0 \
    WEB_PORT=8080 \
    TELEGRAM_WEBHOOK_LISTEN=0.0.0.0 \
    TELEGRAM_WEBHOOK_PORT=8443 \
    DATABASE_URL=sqlite:////data/moot.db
VOLUME /data
WORKDIR /data
USER moot
EXPOSE 8080 8443

# /healthz answers 200 while the store answers and Moot is not stopping (503 otherwise, which
# urlopen raises on). Needs the web pages on (WEB_PORT not 0).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ['WEB_PORT'], timeout=3)"]

# SIGTERM stops Moot cleanly; give it the time a handover can take:
# `docker run --stop-timeout 45` (or `docker stop -t 45`).
STOPSIGNAL SIGTERM
CMD ["python", "-m", "moot", "run"]
