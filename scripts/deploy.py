#!/usr/bin/env python3
"""Deploys a synthesized landing zone one stack at a time, in dependency order.

    .venv/bin/python scripts/deploy.py cdk.out --dry-run    # print the plan, deploy nothing
    .venv/bin/python scripts/deploy.py cdk.out              # deploy it
    .venv/bin/python scripts/deploy.py --deployer-role [-c CONFIG] [--environment NAME]

The plan comes from the cloud assembly's ``manifest.json`` (nested assemblies of CDK stages
included): every stack after the stacks it depends on, ties broken by the order the app wrote
them, so the same assembly always gives the same plan. Each stack is deployed on its own from
that assembly, never synthesized again, so what is deployed is what was reviewed:
``cdk deploy --app <assembly> --require-approval never --exclusively <stack>``. The first failure
stops the run and lists the stacks left. The plan also shows the operation preferences of every
StackSet (config ``delivery.stackset_operations``): CloudFormation rolls a StackSet change out to
the accounts with them when its stack is deployed.

``--deployer-role`` prints, as ``key=value`` lines for ``$GITHUB_OUTPUT``, the landing zone's
deployer role (``identity.deployer``), the home region, the management account id and the
longest session the role allows, after checking that this repository (``$GITHUB_REPOSITORY``)
and deployment environment are the ones the role trusts: a mismatch would otherwise surface as
an opaque ``Not authorized to perform sts:AssumeRoleWithWebIdentity``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"
DEFAULT_CONFIG = "config/landing-zone.yaml"
STACK = "aws:cloudformation:stack"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
STACK_SET = "AWS::CloudFormation::StackSet"


class DeployError(Exception):
    """A problem with the assembly or the config, said so that it can be fixed."""


@dataclass(frozen=True)
class StackSetPreferences:
    """One ``AWS::CloudFormation::StackSet`` of a stack and its ``OperationPreferences``."""

    name: str
    preferences: Mapping[str, Any]

    def describe(self) -> str:
        prefs = self.preferences
        if not prefs:
            return f"StackSet {self.name}: CloudFormation's default operation preferences"
        regions = str(prefs.get("RegionConcurrencyType", "SEQUENTIAL"))
        if prefs.get("RegionOrder"):
            regions += f" ({', '.join(str(region) for region in prefs['RegionOrder'])})"
        parts = [
            f"max concurrent {_amount(prefs, 'MaxConcurrent')}",
            f"failure tolerance {_amount(prefs, 'FailureTolerance')}",
            f"regions {regions}",
        ]
        if "ConcurrencyMode" in prefs:
            parts.append(str(prefs["ConcurrencyMode"]))
        return f"StackSet {self.name}: {', '.join(parts)}"


def _amount(prefs: Mapping[str, Any], what: str) -> str:
    if f"{what}Percentage" in prefs:
        return f"{prefs[f'{what}Percentage']} %"
    if f"{what}Count" in prefs:
        return f"{prefs[f'{what}Count']} accounts"
    return "default"


@dataclass(frozen=True)
class PlannedStack:
    """A stack of the assembly: ``selector`` is what ``cdk deploy`` selects it by (its
    hierarchical id, ``Stage/Stack`` inside a stage)."""

    selector: str
    environment: str
    after: tuple[str, ...]
    stack_sets: tuple[StackSetPreferences, ...]


@dataclass(frozen=True)
class _Artifact:
    key: tuple[str, str]
    selector: str
    environment: str
    depends_on: tuple[tuple[str, str], ...]
    template: Path


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeployError(f"{path}: not found; {what}") from None
    except OSError as error:
        raise DeployError(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DeployError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None


def _artifacts(directory: Path, seen: set[Path]) -> list[_Artifact]:
    """The stack artifacts of the assembly in ``directory`` and of its nested assemblies, in
    the order the manifests list them."""
    manifest_path = directory / "manifest.json"
    manifest = _read_json(
        manifest_path, "expected a cloud assembly (the output folder of cdk synth)"
    )
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise DeployError(
            f"{manifest_path}: 'artifacts' is {type(artifacts).__name__}; expected an object "
            "mapping artifact ids to artifacts, as cdk synth writes it"
        )
    found: list[_Artifact] = []
    scope = str(directory)
    for artifact_id, artifact in artifacts.items():
        where = f"{manifest_path}: artifacts.{artifact_id}"
        if not isinstance(artifact, dict):
            raise DeployError(f"{where}: got {artifact!r}; expected an object")
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == NESTED_ASSEMBLY:
            nested = (directory / str(properties.get("directoryName", ""))).resolve()
            if nested in seen:
                raise DeployError(f"{where}: nested assembly {nested} is listed twice")
            seen.add(nested)
            found.extend(_artifacts(nested, seen))
            continue
        if kind != STACK:
            continue
        template = properties.get("templateFile")
        if not isinstance(template, str) or not template:
            raise DeployError(f"{where}.properties.templateFile: missing; expected a file name")
        dependencies = artifact.get("dependencies") or []
        if not isinstance(dependencies, list) or not all(
            isinstance(dependency, str) for dependency in dependencies
        ):
            raise DeployError(f"{where}.dependencies: got {dependencies!r}; expected artifact ids")
        unknown = sorted(set(dependencies) - set(artifacts))
        if unknown:
            raise DeployError(
                f"{where}.dependencies: {unknown} are not artifacts of this manifest; allowed: "
                f"ids of its artifacts"
            )
        found.append(
            _Artifact(
                key=(scope, artifact_id),
                selector=str(artifact.get("displayName") or artifact_id),
                environment=str(artifact.get("environment", "")),
                depends_on=tuple(
                    (scope, dependency)
                    for dependency in dependencies
                    if (artifacts[dependency] or {}).get("type") == STACK
                ),
                template=directory / template,
            )
        )
    return found


def _cycle(remaining: Mapping[tuple[str, str], _Artifact]) -> list[str]:
    """One dependency cycle among ``remaining``, every one of which lies on or behind one."""
    start = min(remaining)
    path: list[tuple[str, str]] = []
    node = start
    while node not in path:
        path.append(node)
        node = min(need for need in remaining[node].depends_on if need in remaining)
    cycle = path[path.index(node) :]
    # Dependencies point backwards; say it in deployment order: a -> b means b needs a.
    names = [remaining[key].selector for key in reversed(cycle)]
    return [*names, names[0]]


def plan(assembly: Path) -> list[PlannedStack]:
    """The stacks of ``assembly`` in deployment order."""
    if not assembly.is_dir():
        raise DeployError(
            f"{assembly}: not a directory; expected a cloud assembly (the output folder of "
            "cdk synth, e.g. cdk.out)"
        )
    artifacts = _artifacts(assembly.resolve(), {assembly.resolve()})
    if not artifacts:
        raise DeployError(f"{assembly / 'manifest.json'}: the assembly holds no stacks")
    by_key = {artifact.key: artifact for artifact in artifacts}
    selectors = [artifact.selector for artifact in artifacts]
    duplicates = sorted({selector for selector in selectors if selectors.count(selector) > 1})
    if duplicates:
        raise DeployError(
            f"{assembly}: stacks {duplicates} appear more than once; cdk deploy could not "
            "select them one by one"
        )
    position = {artifact.key: index for index, artifact in enumerate(artifacts)}
    waiting = {artifact.key: set(artifact.depends_on) for artifact in artifacts}
    dependents: dict[tuple[str, str], list[tuple[str, str]]] = {key: [] for key in by_key}
    for key, needs in waiting.items():
        for need in needs:
            dependents[need].append(key)
    ready = [(position[key], key) for key, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered: list[_Artifact] = []
    while ready:
        _, key = heapq.heappop(ready)
        ordered.append(by_key[key])
        for dependent in dependents[key]:
            waiting[dependent].discard(key)
            if not waiting[dependent]:
                heapq.heappush(ready, (position[dependent], dependent))
    if len(ordered) < len(artifacts):
        done = {artifact.key for artifact in ordered}
        remaining = {key: artifact for key, artifact in by_key.items() if key not in done}
        raise DeployError(
            f"{assembly / 'manifest.json'}: the stacks depend on each other in a cycle, "
            f"{' -> '.join(_cycle(remaining))} (a -> b: b needs a), so no order deploys them; "
            "remove one of those dependencies in the app"
        )
    return [
        PlannedStack(
            selector=artifact.selector,
            environment=artifact.environment,
            after=tuple(by_key[need].selector for need in artifact.depends_on),
            stack_sets=_stack_sets(artifact.template),
        )
        for artifact in ordered
    ]


def _stack_sets(template_path: Path) -> tuple[StackSetPreferences, ...]:
    template = _read_json(template_path, "the manifest names it as a stack template")
    resources = template.get("Resources") if isinstance(template, dict) else None
    if not isinstance(resources, dict):
        return ()
    found = []
    for logical_id, resource in sorted(resources.items()):
        if not isinstance(resource, dict) or resource.get("Type") != STACK_SET:
            continue
        properties = resource.get("Properties") or {}
        name = properties.get("StackSetName")
        preferences = properties.get("OperationPreferences") or {}
        found.append(
            StackSetPreferences(
                name=name if isinstance(name, str) else logical_id,
                preferences=preferences if isinstance(preferences, dict) else {},
            )
        )
    return tuple(found)


def deploy_command(cdk: Path, assembly: Path, selector: str) -> list[str]:
    return [
        str(cdk),
        "deploy",
        "--app",
        str(assembly),
        "--require-approval",
        "never",
        "--exclusively",
        selector,
    ]


def describe(assembly: Path, stacks: Sequence[PlannedStack], cdk: Path) -> str:
    lines = [f"Deployment plan of {assembly}: {len(stacks)} stacks, one at a time, in this order"]
    width = len(str(len(stacks)))
    for number, stack in enumerate(stacks, start=1):
        after = f"  after {', '.join(stack.after)}" if stack.after else ""
        lines.append(f"{number:>{width}}. {stack.selector}  {stack.environment}{after}")
        lines.extend(f"{'':>{width}}    {stack_set.describe()}" for stack_set in stack.stack_sets)
    lines.append(f"each with: {' '.join(deploy_command(cdk, assembly, '<stack>'))}")
    return "\n".join(lines)


def _environment() -> dict[str, str]:
    # The virtualenv's Node 24 first, as scripts/synth.sh arranges: jsii and the CDK CLI must
    # not pick up an end-of-life system Node.
    path = os.pathsep.join(
        [str(Path(sys.executable).parent), str(CDK.parent), os.environ.get("PATH", "")]
    )
    return {**os.environ, "PATH": path}


def deploy(assembly: Path, stacks: Sequence[PlannedStack], cdk: Path) -> int:
    if not cdk.exists():
        raise DeployError(f"{cdk}: the CDK CLI is not installed; run scripts/bootstrap.sh")
    for number, stack in enumerate(stacks, start=1):
        print(f"==> [{number}/{len(stacks)}] {stack.selector} ({stack.environment})", flush=True)
        result = subprocess.run(
            deploy_command(cdk, assembly, stack.selector), env=_environment(), check=False
        )
        if result.returncode != 0:
            left = [later.selector for later in stacks[number:]]
            print(
                f"error: cdk deploy of {stack.selector} failed (exit {result.returncode}); "
                f"not deployed: {', '.join(left) if left else 'none'}",
                file=sys.stderr,
            )
            return 1
    print(f"deployed {len(stacks)} stacks from {assembly}")
    return 0


def deployer_outputs(
    config_path: str, *, repository: str | None, environment: str | None
) -> dict[str, str]:
    """The deployer role's ARN, the home region, the management account id and the longest
    session of the role, after checking the caller against the role's trust."""
    # Imported here: the config starts the jsii runtime, which planning does not need.
    from landing_zone.config import LandingZoneError, load_config
    from landing_zone.config.identity import deployer_name
    from landing_zone.identity.bootstrap import deployer_role_arn, partition_of

    try:
        config = load_config(config_path)
    except LandingZoneError as error:
        raise DeployError(str(error)) from None
    deployer = None if config.identity is None else config.identity.deployer
    name = deployer_name(config)
    if deployer is None or name is None:
        raise DeployError(
            f"{config_path}: identity.deployer is not set; the pipeline deploys as the landing "
            "zone's deployer role (see the README, Deploying for real)"
        )
    if repository is not None and repository != deployer.repository:
        raise DeployError(
            f"{config_path}: identity.deployer.repository is {deployer.repository!r} but this "
            f"workflow runs in {repository!r}; the deployer role trusts only the former "
            "(exact, case-sensitive)"
        )
    if environment is not None and environment not in deployer.environments:
        raise DeployError(
            f"{config_path}: identity.deployer.environments is {deployer.environments!r}; the "
            f"job's environment {environment!r} is not among them, so the deployer role would "
            "refuse its token"
        )
    management = config.accounts[config.core_accounts.management]
    if management.id is None:
        raise DeployError(
            f"{config_path}: accounts.{config.core_accounts.management}.id is not set; the "
            "deployer role lives in the management account"
        )
    home = config.organization.home_region
    return {
        "account-id": management.id,
        "region": home,
        "role-arn": deployer_role_arn(
            partition=partition_of(home), management_account_id=management.id, role_name=name
        ),
        "session-seconds": str(deployer.max_session_duration_hours * 3600),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Deploy a synthesized landing zone stack by stack, in dependency order."
    )
    parser.add_argument("assembly", nargs="?", type=Path, help="the cloud assembly, e.g. cdk.out")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, deploy nothing")
    parser.add_argument("--cdk", type=Path, default=CDK, help=f"the CDK CLI (default: {CDK})")
    parser.add_argument(
        "--deployer-role",
        action="store_true",
        help="print the deployer role, region and account as key=value lines, then exit",
    )
    parser.add_argument("-c", "--config", default=DEFAULT_CONFIG, help="with --deployer-role")
    parser.add_argument(
        "--environment", help="with --deployer-role: the job's GitHub deployment environment"
    )
    parser.add_argument(
        "--repository",
        default=os.environ.get("GITHUB_REPOSITORY"),
        help="with --deployer-role: OWNER/NAME (default: $GITHUB_REPOSITORY, unchecked if unset)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.deployer_role == (args.assembly is not None):
        parser.error("give either an assembly folder or --deployer-role")
    try:
        if args.deployer_role:
            outputs = deployer_outputs(
                args.config, repository=args.repository, environment=args.environment
            )
            print("\n".join(f"{key}={value}" for key, value in sorted(outputs.items())))
            return 0
        stacks = plan(args.assembly)
        print(describe(args.assembly, stacks, args.cdk), flush=True)
        return 0 if args.dry_run else deploy(args.assembly, stacks, args.cdk)
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
