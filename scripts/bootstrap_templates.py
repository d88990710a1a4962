#!/usr/bin/env python3
"""Writes the two templates that set up the landing zone's one deployer, from the config:

    .venv/bin/python scripts/bootstrap_templates.py [-c CONFIG] [-o build/bootstrap]

- ``lzone-deployer.template.json``: the deployer role (``identity.deployer``, default
  ``<prefix>deployer``) and GitHub's OIDC provider, for the management account, deployed once in
  the home region before anything is bootstrapped (IAM refuses a trust that names a role that
  does not exist yet).
- ``lzone-bootstrap.template.json``: the CDK CLI's own bootstrap template (the pinned CLI's
  ``bootstrap-template.yaml``, what ``cdk bootstrap --show-template`` prints) with its deploy,
  publishing and lookup roles trusting that deployer role alone, for
  ``cdk bootstrap --template <file> --qualifier lzone`` in every account and region the landing
  zone deploys to, the management account included.
- ``workload-<account>-<qualifier>.template.json``, for each production account a pipeline
  deploys to (``identity.pipelines``): the same CLI template with its roles trusting exactly the
  deploy roles of those pipelines, never the pipelines' account (``--trust``) nor the account
  itself, for ``cdk bootstrap --template <file> --qualifier <qualifier>`` there.

Nothing is written when the config is invalid, has no ``identity.deployer`` or no id for the
management account.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml
from aws_cdk import App, BootstraplessSynthesizer, Environment

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from landing_zone.compliance import apply_compliance_checks  # noqa: E402
from landing_zone.config import LandingZoneError, load_config  # noqa: E402
from landing_zone.config.identity import (  # noqa: E402
    account_environment,
    deployer_name,
    pipeline_role_name,
)
from landing_zone.config.model import LandingZoneConfig  # noqa: E402
from landing_zone.identity.bootstrap import (  # noqa: E402
    WORKLOAD_BOOTSTRAP_VARIANT,
    deployer_role_arn,
    landing_zone_bootstrap_template,
    partition_of,
    trusted_roles_bootstrap_template,
)
from stacks.pipelines_stack import DeployerStack  # noqa: E402

CDK_TEMPLATE = (
    ROOT / "node_modules" / "aws-cdk" / "lib" / "api" / "bootstrap" / "bootstrap-template.yaml"
)
DEPLOYER_TEMPLATE = "lzone-deployer.template.json"
BOOTSTRAP_TEMPLATE = "lzone-bootstrap.template.json"


def bootstrap_templates(
    config: LandingZoneConfig, cdk_template: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """File name -> template: the deployer's and the customized bootstrap template."""
    name = deployer_name(config)
    if name is None:
        raise ValueError("identity.deployer: not set; allowed: the deployer's settings")
    management = config.accounts[config.core_accounts.management]
    if management.id is None:
        raise ValueError(
            f"accounts.{config.core_accounts.management}.id: not set; allowed: the management "
            "account's id, which the bootstrap roles' trust names"
        )
    home = config.organization.home_region
    arn = deployer_role_arn(
        partition=partition_of(home), management_account_id=management.id, role_name=name
    )
    with tempfile.TemporaryDirectory() as outdir:
        app = App(outdir=outdir)
        stack = DeployerStack(
            app,
            f"{config.organization.name}-deployer",
            config=config,
            env=Environment(account=management.id, region=home),
            synthesizer=BootstraplessSynthesizer(),
            description="The landing zone's one deployer: the only principal of cdk-lzone-*",
        )
        # The same check packs as every landing-zone stack; any finding fails here.
        apply_compliance_checks(app)
        deployer = app.synth().get_stack_by_name(stack.stack_name).template
    return {
        DEPLOYER_TEMPLATE: deployer,
        BOOTSTRAP_TEMPLATE: landing_zone_bootstrap_template(cdk_template, deployer_role_arn=arn),
        **workload_bootstrap_templates(config, cdk_template),
    }


def workload_bootstrap_templates(
    config: LandingZoneConfig, cdk_template: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """File name -> bootstrap template of each production account (and qualifier) that
    pipelines deploy to, trusting exactly their deploy roles. Non-production accounts keep the
    CLI's template: developers deploy there through their own account's trust."""
    partition = partition_of(config.organization.home_region)
    trusted: dict[tuple[str, str], list[str]] = {}
    pipelines = {} if config.identity is None else config.identity.pipelines
    for name, pipeline in pipelines.items():
        owner = config.accounts[pipeline.account or config.core_accounts.shared_services]
        for target in pipeline.deploy_to:
            if account_environment(config, target) == "non-production":
                continue
            role = f"arn:{partition}:iam::{owner.id}:role/{pipeline_role_name(name)}"
            trusted.setdefault((target, pipeline.cdk_qualifier), []).append(role)
    return {
        f"workload-{account}-{qualifier}.template.json": trusted_roles_bootstrap_template(
            cdk_template,
            trusted_role_arns=roles,
            variant=WORKLOAD_BOOTSTRAP_VARIANT,
            description=(
                f"CDK bootstrap of production account {account}: its deploy, publishing and "
                f"lookup roles trust the deploy roles of its pipelines only ({', '.join(roles)})"
            ),
        )
        for (account, qualifier), roles in sorted(trusted.items())
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", default=str(ROOT / "config" / "landing-zone.yaml"))
    parser.add_argument("-o", "--out", default=str(ROOT / "build" / "bootstrap"))
    parser.add_argument(
        "--cdk-template",
        default=str(CDK_TEMPLATE),
        help="The CDK CLI's bootstrap template (cdk bootstrap --show-template). Default: the "
        "pinned CLI's file in node_modules.",
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        cdk_template = yaml.safe_load(Path(args.cdk_template).read_text(encoding="utf-8"))
        templates = bootstrap_templates(config, cdk_template)
    except (LandingZoneError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for file_name, template in templates.items():
        (out / file_name).write_text(json.dumps(template, indent=1) + "\n", encoding="utf-8")
        print(out / file_name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
