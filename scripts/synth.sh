#!/usr/bin/env bash
# Installs what is missing, then synthesizes the reference landing zone with the
# real CDK CLI, prints a summary and writes the review report
# (cdk.out/landing-zone-report.md, .json, .sarif). Extra arguments go to `cdk synth`, e.g.
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
# The summary's exit status (1 when a stack is over the project's resource ceiling) stays the
# script's, after the review report is written beside the templates (README, Review report).
status=0
python -m landing_zone.summary cdk.out || status=$?
python -m landing_zone.report cdk.out
exit "$status"
