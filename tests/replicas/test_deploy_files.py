"""The deployment files (issue 16) agree with what the tests run: images cannot be built on these machines, so
what can be checked without a container runtime is checked here.

- nginx's configuration is one template for compose.yaml and scripts/replicas.py: rendered with compose's values
  it passes ``nginx -t`` (the service names swapped for 127.0.0.1, which nginx can resolve here).
- compose.yaml: PostgreSQL 16, a migration job that runs before the replicas, two replicas that never migrate and
  share one cookie secret, nginx mounting that template.
- Dockerfile: installs exactly the hash-checked lock, runs as a non-root user, checks /_stcore/health.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from scripts.replicas import NGINX, TEMPLATE, free_port, render_nginx
from tests.conftest import ROOT

COMPOSE = (ROOT / "compose.yaml").read_text(encoding="utf-8")
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _service(name: str) -> str:
    """The text of one top-level service of compose.yaml (up to the next one)."""
    m = re.search(rf"^  {name}:(.*?)(?=^  [a-z0-9_]+:|^\S|\Z)", COMPOSE, re.S | re.M)
    assert m, f"no service {name} in compose.yaml"
    return m.group(1)


def _nginx_check(conf: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "kyoso.conf").write_text(conf, encoding="utf-8")
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir(exist_ok=True)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n"
        f"client_body_temp_path {tmp_path}/client_body; proxy_temp_path {tmp_path}/proxy;\n"
        f"fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n"
        f"include {tmp_path}/kyoso.conf;\n}}\n", encoding="utf-8")
    return subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                          capture_output=True, text=True)


def test_compose_renders_the_template_the_tests_use_into_a_valid_nginx_config(tmp_path: Path) -> None:
    nginx = _service("nginx")
    assert "./deploy/nginx/kyoso.conf.template:/etc/nginx/templates/kyoso.conf.template:ro" in nginx
    assert TEMPLATE == ROOT / "deploy" / "nginx" / "kyoso.conf.template"
    servers = re.search(r'KYOSO_UPSTREAM_SERVERS: "(.*)"', nginx)
    assert servers
    upstreams = re.findall(r"server (\S+) ", servers.group(1))
    assert upstreams == ["app1:8501", "app2:8501"]
    conf = render_nginx("80", [u.replace("app1", "127.0.0.1").replace("app2", "127.0.0.1") for u in upstreams],
                        "/dev/null")
    assert "${" not in conf
    result = _nginx_check(conf.replace("listen 80;", f"listen 127.0.0.1:{free_port()};"), tmp_path)
    assert result.returncode == 0, result.stderr
    # what the failover and stickiness rest on
    for needle in ("hash $kyoso_route consistent", "proxy_next_upstream error timeout", "Upgrade $http_upgrade",
                   "kyoso_route=$kyoso_route"):
        assert needle in conf
    log_format = next(line for line in conf.splitlines() if line.startswith("log_format"))
    assert "$request " not in log_format and '$request"' not in log_format and "$args" not in log_format
    assert "$uri" in log_format  # the path, never the query string (a share link's token)
    broken = _nginx_check(conf.replace("hash $kyoso_route consistent;", "hash_nonsense;"), tmp_path)
    assert broken.returncode != 0  # the check above can fail


def test_compose_migrates_once_before_replicas_that_never_migrate() -> None:
    assert "image: postgres:16" in _service("db")
    migrate = _service("migrate")
    assert '["python", "-m", "store.migrate"]' in migrate and "service_healthy" in migrate
    anchor = re.search(r"^x-app: &app(.*?)(?=^\S)", COMPOSE, re.S | re.M)
    assert anchor
    app = anchor.group(1)
    assert "KYOSO_MIGRATE: external" in app
    assert "service_completed_successfully" in app
    assert "STREAMLIT_SERVER_COOKIE_SECRET: ${KYOSO_COOKIE_SECRET" in app
    assert "app1: *app" in COMPOSE and "app2: *app" in COMPOSE
    assert "condition: service_healthy" in _service("nginx")


def test_the_image_installs_the_lock_and_runs_as_a_non_root_user() -> None:
    assert "pip install --require-hashes -r requirements/lock.txt" in DOCKERFILE
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in ("root", "0")
    assert "/_stcore/health" in DOCKERFILE
    assert "KYOSO_MIGRATE=external" in DOCKERFILE
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "data", ".streamlit/secrets.toml"} <= set(ignored)
