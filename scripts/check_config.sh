#!/usr/bin/env bash
# Checks the team's own config: synth with every check pack, cfn-lint, the attack-simulation
# suite and, with --previous (a cdk.out or a git ref), the stateful guard (scripts/check_config.py).
#   scripts/check_config.sh [CONFIG] [--previous CDK_OUT|GIT_REF] [--out DIR] [--accept T:ID ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
# jsii and the simulator must not pick up the end-of-life system Node: the virtualenv's first.
export PATH="$root/.venv/bin:$root/node_modules/.bin:$PATH"
exec python "$root/scripts/check_config.py" "$@"
