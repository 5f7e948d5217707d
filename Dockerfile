# The planner app, one replica per container (issue 16). Built from the lock file only (hash-checked), run as
# a non-root user. The database migration is its own step (compose.yaml's `migrate` service runs
# `python -m store.migrate`); the app itself never migrates (KYOSO_MIGRATE=external).
# Images cannot be built on the project's CI machines (no base-image registry): the same topology is tested
# without containers (scripts/replicas.py, tests/replicas/). See docs/deploy.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KYOSO_MIGRATE=external \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

# Japanese fonts for the charts and the PDF preview's text; nothing else from apt
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --user-group kyoso

WORKDIR /app
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes -r requirements/lock.txt
COPY . .
RUN pip install --no-deps --no-build-isolation . \
 && chown -R root:root /app && chmod -R a+rX,go-w /app

USER kyoso
EXPOSE 8501
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=3).read() != b'ok')"]
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", \
     "--server.headless", "true", "--server.fileWatcherType", "none"]
