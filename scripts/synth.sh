#!/usr/bin/env bash
# Installs what is missing, then synthesizes the reference landing zone with the
# real CDK CLI and prints a summary. Extra arguments go to `cdk synth`, e.g.
#   scripts/synth.sh -c config=path/to/landing-zone.yaml
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/bootstrap.sh"
cd "$root"
export PATH="$root/.venv/bin:$root/node_modules/.bin:$PATH"
# jsii must not pick up the end-of-life system Node; the virtualenv's Node 24 is first on PATH.
rm -rf cdk.out
# Stage and stacks done on stderr when it is a terminal (landing_zone/common/progress.py).
if [ -t 2 ]; then export LZ_PROGRESS="${LZ_PROGRESS:-1}"; fi
cdk synth --quiet "$@"
# CloudFormation's rules over every template, StackSet templates included (CDK's built-in copy
# of them is off in app.py).
python scripts/lint_templates.py cdk.out
python -m landing_zone.summary cdk.out
