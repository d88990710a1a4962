#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite plus the linters.
# Extra arguments go to pytest, e.g. scripts/test.sh -k guardrails
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
export PATH="$root/.venv/bin:$root/node_modules/.bin:$PATH"
echo "== ruff" && ruff check . && ruff format --check .
echo "== mypy" && mypy
echo "== pytest" && pytest "$@"
