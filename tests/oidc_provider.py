"""A real OpenID Connect provider on 127.0.0.1 for the sign-in tests: ``scripts/oidc/provider.js``
(the npm package oauth2-mock-server, installed by ``scripts/setup.sh --test`` with ``npm ci``).

:func:`oidc_provider` starts it on a free port and stops it; the test sets the claims of the next user who
signs in (``sub``, ``email``, ``email_verified``, ``name``) with :meth:`Provider.next_user`.  The provider
signs every id_token with them (its ``beforeTokenSigning`` hook reads the claims file when it signs).
``lifetime`` makes that user's tokens expire after so many seconds (default: the provider's one hour);
:meth:`Provider.signed` lists the tokens the provider signed (their ``iat`` and ``exp``) from its log.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

SCRIPT = ROOT / "scripts" / "oidc" / "provider.js"


@dataclass(frozen=True)
class Signed:
    """One token the provider signed: its number, issue and expiry times (seconds since the epoch)."""

    n: int
    iat: int
    exp: int


@dataclass
class Provider:
    issuer: str
    claims_file: Path
    log: Path | None = None

    def next_user(self, email: str, name: str, *, verified: bool = True, lifetime: int | None = None) -> None:
        claims: dict[str, object] = {"sub": f"sub-{email}", "email": email, "email_verified": verified,
                                     "name": name}
        if lifetime is not None:
            claims["lifetime_seconds"] = lifetime
        self.claims_file.write_text(json.dumps(claims), encoding="utf-8")

    def signed(self) -> list[Signed]:
        """Every token signed so far (id_tokens and access tokens), oldest first."""
        assert self.log is not None
        found = re.findall(r"^signed n=(\d+) iat=(\d+) exp=(\d+)$", self.log.read_text(), flags=re.MULTILINE)
        return [Signed(int(n), int(iat), int(exp)) for n, iat, exp in found]


@contextmanager
def oidc_provider(workdir: Path) -> Iterator[Provider]:
    node = shutil.which("node")
    assert node, "node is needed for the sign-in tests (scripts/setup.sh --test installs it)"
    assert (ROOT / "scripts" / "oidc" / "node_modules" / "oauth2-mock-server").is_dir(), \
        "scripts/oidc is not installed: run scripts/setup.sh --test"
    claims = workdir / "claims.json"
    claims.write_text("{}", encoding="utf-8")
    log = workdir / "provider.log"
    with log.open("w") as out:
        proc = subprocess.Popen([node, str(SCRIPT), str(claims), "0"], stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            issuer = ""
            while not issuer:
                for line in log.read_text().splitlines():
                    if line.startswith("issuer="):
                        issuer = line.split("=", 1)[1].strip()
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the OpenID Connect provider did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield Provider(issuer, claims, log)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


def secrets_toml(app_url: str, issuer: str) -> str:
    """The ``.streamlit/secrets.toml`` of an app at ``app_url`` signing in through ``issuer``."""
    return (
        "[auth]\n"
        f'redirect_uri = "{app_url}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "kyoso-test"\n'
        'client_secret = "kyoso-test-secret"\n'
        f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
    )
