"""The replicated topology on one machine (issue 16): PostgreSQL, the migration step, N app replicas, nginx.

    python -m scripts.replicas [--replicas 2] [--port 8080] [--database-url URL]   (make replicas)

starts everything on 127.0.0.1 and serves the app at http://127.0.0.1:PORT/ until Ctrl-C (then stops it all).
Without ``--database-url`` (or ``KYOSO_DATABASE_URL``) a throwaway PostgreSQL is started
(scripts/pg_test_server.sh).  It is the topology compose.yaml describes, without containers:

1. PostgreSQL;
2. the migration, once, as its own step (``python -m store.migrate``);
3. the replicas: ``streamlit run app.py`` with ``KYOSO_MIGRATE=external`` (they never migrate), one shared
   ``server.cookieSecret`` (a browser moved to another replica keeps its XSRF and sign-in cookies valid),
   each on its own port; ready when ``/_stcore/health`` says ok;
4. nginx with deploy/nginx/kyoso.conf.template (sticky by a route cookie, websocket upgrade, failover).

The tests use :class:`Topology` (start, kill or stop one replica, start it again, stop all).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "kyoso.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_health(url: str, timeout: float = 60.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read() == b"ok":
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process ended (exit {proc.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: not healthy after {timeout:.0f} s")
        time.sleep(0.3)


def start_postgres(*, durable: bool = False) -> tuple[str, str]:
    """A throwaway PostgreSQL on 127.0.0.1 (scripts/pg_test_server.sh): its URL and its directory.
    ``durable``: fsync on (PostgreSQL's defaults), for timing saves."""
    env = {**os.environ, "KYOSO_PG_DURABLE": "1" if durable else "0"}
    out = subprocess.run([str(ROOT / "scripts" / "pg_test_server.sh"), "start"], check=True, capture_output=True,
                         text=True, env=env).stdout
    found = dict(re.findall(r"export (\w+)=(\S+)", out))
    return found["KYOSO_TEST_DATABASE_URL"], found["KYOSO_TEST_PG_DIR"]


def stop_postgres(pg_dir: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "pg_test_server.sh"), "stop", pg_dir], check=False)


def render_nginx(listen: str, upstreams: list[str], access_log: str) -> str:
    """deploy/nginx/kyoso.conf.template with its ${KYOSO_…} variables filled (as envsubst would)."""
    servers = "\n    ".join(f"server {u} max_fails=1 fail_timeout=5s;" for u in upstreams)
    values = {"KYOSO_UPSTREAM_SERVERS": servers, "KYOSO_LISTEN": listen, "KYOSO_ACCESS_LOG": access_log}
    text = TEMPLATE.read_text(encoding="utf-8")
    return re.sub(r"\$\{(KYOSO_[A-Z_]+)\}", lambda m: values[m.group(1)], text)


class Replica:
    def __init__(self, name: str, port: int, log: Path) -> None:
        self.name, self.port, self.log = name, port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upstream(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Topology:
    """PostgreSQL + migration + ``replicas`` app processes + nginx, all on 127.0.0.1 under ``workdir``."""

    def __init__(self, workdir: Path | None = None, *, replicas: int = 2, port: int | None = None,
                 database_url: str | None = None, env: dict[str, str] | None = None,
                 app_args: list[str] | None = None) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="kyoso-replicas."))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.database_url = database_url or os.environ.get("KYOSO_DATABASE_URL") or None
        self.extra_env = dict(env or {})
        self.app_args = list(app_args or [])
        self.cookie_secret = secrets.token_urlsafe(32)
        self.replicas = [Replica(f"app{i + 1}", free_port(), self.workdir / f"app{i + 1}.log")
                         for i in range(replicas)]
        self._pg_dir: str | None = None
        self._nginx: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.workdir / "nginx" / "access.log"

    # -- the parts ------------------------------------------------------------------------------------

    def app_env(self, replica: Replica) -> dict[str, str]:
        assert self.database_url
        return {
            **os.environ,
            "KYOSO_DATABASE_URL": self.database_url,
            "KYOSO_MIGRATE": "external",
            "KYOSO_REPLICA": replica.name,
            "STREAMLIT_SERVER_COOKIE_SECRET": self.cookie_secret,
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            **self.extra_env,
        }

    def migrate(self) -> None:
        """The migration step, once, before any replica starts."""
        env = {**os.environ, "KYOSO_DATABASE_URL": str(self.database_url)}
        subprocess.run([sys.executable, "-m", "store.migrate"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)

    def start_replica(self, i: int, *, wait: bool = True) -> Replica:
        r = self.replicas[i]
        if r.running:
            return r
        cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
               "--server.port", str(r.port), "--server.headless", "true", "--server.fileWatcherType", "none"]
        if self.app_args:
            cmd += ["--", *self.app_args]
        with r.log.open("a") as out:
            r.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.app_env(r), stdout=out, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        if wait:
            wait_health(r.url, proc=r.proc)
        return r

    def stop_replica(self, i: int, *, kill: bool = False) -> None:
        """Stop replica ``i``: SIGTERM (graceful: Streamlit closes its sessions) or SIGKILL (``kill``)."""
        r = self.replicas[i]
        if r.proc is None:
            return
        if r.proc.poll() is None:
            r.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                r.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                r.proc.kill()
                r.proc.wait(timeout=5)
        r.proc = None

    def _start_nginx(self) -> None:
        conf_dir = self.workdir / "nginx"
        for sub in ("", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (conf_dir / sub).mkdir(parents=True, exist_ok=True)
        (conf_dir / "kyoso.conf").write_text(
            render_nginx(f"127.0.0.1:{self.port}", [r.upstream for r in self.replicas], str(self.access_log)),
            encoding="utf-8")
        user = "user root root;\n" if os.geteuid() == 0 else ""
        (conf_dir / "nginx.conf").write_text(
            f"{user}worker_processes 1;\npid {conf_dir}/nginx.pid;\nerror_log {conf_dir}/error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"    client_body_temp_path {conf_dir}/client_body;\n    proxy_temp_path {conf_dir}/proxy;\n"
            f"    fastcgi_temp_path {conf_dir}/fastcgi;\n    uwsgi_temp_path {conf_dir}/uwsgi;\n"
            f"    scgi_temp_path {conf_dir}/scgi;\n"
            f"    include {conf_dir}/kyoso.conf;\n"
            "}\n", encoding="utf-8")
        subprocess.run([NGINX, "-t", "-q", "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf")], check=True)
        self._nginx = subprocess.Popen(
            [NGINX, "-p", str(conf_dir), "-c", str(conf_dir / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=(conf_dir / "stderr.log").open("w"), start_new_session=True)
        wait_health(self.url, timeout=20, proc=self._nginx)

    # -- all of it -----------------------------------------------------------------------------------------

    def start(self) -> Topology:
        try:
            if self.database_url is None:
                self.database_url, self._pg_dir = start_postgres()
            self.migrate()
            for i in range(len(self.replicas)):
                self.start_replica(i, wait=False)
            for r in self.replicas:
                wait_health(r.url, proc=r.proc)
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._nginx is not None:
            if self._nginx.poll() is None:
                self._nginx.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
                try:
                    self._nginx.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._nginx.kill()
            self._nginx = None
        for i in range(len(self.replicas)):
            self.stop_replica(i)
        if self._pg_dir is not None:
            stop_postgres(self._pg_dir)
            self._pg_dir = None

    def __enter__(self) -> Topology:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- which replica serves a browser ---------------------------------------------------------------

    def replica_of_route(self, route: str) -> int:
        """The replica nginx sends the route key ``route`` to now (one request; read from nginx's log)."""
        req = urllib.request.Request(f"{self.url}/_stcore/health", headers={"Cookie": f"kyoso_route={route}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            r.read()
        for _ in range(50):
            lines = self.access_log.read_text(encoding="utf-8").splitlines() if self.access_log.exists() else []
            for line in reversed(lines):
                if f"route={route} " in line:
                    upstream = line.rsplit("upstream=", 1)[1].split(",")[-1].strip()
                    for i, rep in enumerate(self.replicas):
                        if rep.upstream == upstream:
                            return i
            time.sleep(0.05)
        raise RuntimeError(f"route {route}: not in nginx's log")

    def route_to(self, i: int) -> str:
        """A route key that nginx sends to replica ``i`` (for pinning a browser context there)."""
        for _ in range(200):
            route = secrets.token_hex(8)
            if self.replica_of_route(route) == i:
                return route
        raise RuntimeError(f"no route key reaches replica {i}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.replicas", description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--shared", action="store_true", help="KYOSO_SHARED_MODE=1 (plans only through share links)")
    args = ap.parse_args(argv)
    env = {"KYOSO_SHARED_MODE": "1"} if args.shared else {}
    topo = Topology(replicas=args.replicas, port=args.port, database_url=args.database_url, env=env)
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    topo.start()
    print(f"kyoso: {len(topo.replicas)} replicas behind nginx at {topo.url}/ "
          f"(database {topo.database_url}; logs in {topo.workdir}); Ctrl-C stops everything", flush=True)
    try:
        while not stop:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        topo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
