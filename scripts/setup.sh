#!/usr/bin/env bash
# One setup for a fresh machine: system packages (only what is missing), the virtualenv, the project.
#   scripts/setup.sh          python environment + fonts (enough to run the app)
#   scripts/setup.sh --test   also Chromium (browser tests) and LibreOffice (workbook recalculation)
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

need=()
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if (( want_test )); then
  command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
  command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)  # store tests (scripts/pg_test_server.sh)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)  # the sign-in tests' OpenID Connect provider (scripts/oidc)
  [[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1 || need+=(nginx-light)  # replicas behind a proxy (scripts/replicas.py)
fi
if (( ${#need[@]} )); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 && SUDO="sudo" || { echo "setup: need root to apt-get install ${need[*]}" >&2; exit 1; }
  fi
  echo "setup: installing ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
# Exactly the pinned, hash-checked versions of requirements/lock.txt (`make lock` refreshes it), then the
# project itself without resolving anything. The stamp is keyed on the lock and pyproject.toml: change either
# and the next setup installs again.
stamp=.venv/.installed-$(cat requirements/lock.txt pyproject.toml | sha1sum | cut -c1-12)
if [[ ! -f $stamp ]]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements/lock.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The sign-in tests' OpenID Connect provider (scripts/oidc/provider.js): exactly its package-lock.json.
if (( want_test )); then
  oidc_stamp=scripts/oidc/node_modules/.installed-$(sha1sum < scripts/oidc/package-lock.json | cut -c1-12)
  if [[ ! -f $oidc_stamp ]]; then
    (cd scripts/oidc && npm ci --no-audit --no-fund --silent)
    touch "$oidc_stamp"
  fi
fi
