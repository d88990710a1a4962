"""Writes a quarterly tabletop pack (Markdown) from the config and the playbooks' state machine
definitions: one scenario per playbook, with injects, what the automation will do (the AWS calls
read from the definition, in order, and a Mermaid flowchart of its states), the manual steps, the
evidence to collect and a gaps form.

    python -m landing_zone.response.tabletop --config config/landing-zone.yaml --out packs/

The same config and definitions always give the same file (``tabletop-<organization>.md``); no
date is written into it, so a pack can be reviewed as a diff.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from landing_zone.config import LandingZoneError, load_config
from landing_zone.config.model import PLAYBOOKS, LandingZoneConfig, PlaybookName
from landing_zone.response.finding_types import expand
from landing_zone.response.settings import compile_settings

State = dict[str, Any]
Definitions = Mapping[str, Mapping[str, Any]]

_SDK: Final = "arn:aws:states:::aws-sdk:"
_OPTIMIZED: Final = {
    "arn:aws:states:::sns:publish": "sns:Publish",
    "arn:aws:states:::sns:publish.waitForTaskToken": "sns:Publish (waits for a task token)",
    "arn:aws:states:::events:putEvents": "events:PutEvents",
    "arn:aws:states:::lambda:invoke": "lambda:Invoke",
}

_TITLES: Final[dict[PlaybookName, str]] = {
    "isolate_instance": "A compromised EC2 instance",
    "contain_credentials": "Stolen or misused IAM credentials",
    "block_network_actor": "A hostile address probing or calling in",
    "s3_exfiltration": "Suspected data exfiltration from S3",
    "root_use": "Root user activity",
}

_INJECTS: Final[dict[PlaybookName, tuple[str, ...]]] = {
    "isolate_instance": (
        "A workload's instance starts calling a known command-and-control domain.",
        "The application team reports that the service behind the Auto Scaling group is slow.",
        "An engineer asks to log in to the instance to 'have a look'.",
    ),
    "contain_credentials": (
        "An access key of a CI user is used from an address outside AWS.",
        "The same principal is an Identity Center role (AWSReservedSSO_*) the next time.",
        "The key's owner says the pipeline broke after containment.",
    ),
    "block_network_actor": (
        "One address brute-forces SSH on a bastion and probes the load balancer.",
        "The address turns out to be a partner's egress NAT.",
        "The block list nears its cap.",
    ),
    "s3_exfiltration": (
        "An unusual volume of GetObject calls on a customer-data bucket from one role.",
        "The role belongs to a nightly analytics job.",
        "Legal asks what data left and when.",
    ),
    "root_use": (
        "The root user of a workload account signs in to the console.",
        "Nobody has declared a maintenance window.",
        "The account owner says it was them, rotating the MFA device.",
    ),
}

_MANUAL: Final[dict[PlaybookName, tuple[str, ...]]] = {
    "isolate_instance": (
        "Decide on the approval page (approval mode) before the timeout action applies.",
        "Take memory forensics from the isolated instance if needed (the playbook keeps it "
        "running, never terminates it).",
        "Confirm the Auto Scaling group launched a replacement and the service recovered.",
    ),
    "contain_credentials": (
        "Identity Center role (AWSReservedSSO_*): the playbook pages and records "
        "manual_step_required and changes nothing; remove the user's assignment or disable the "
        "user in IAM Identity Center, then revoke their active sessions there.",
        "Find and rotate every place the deactivated key was used (it is deactivated, not "
        "deleted).",
    ),
    "block_network_actor": (
        "Check that the address is not a partner or the organization's own egress (add it to "
        "incident_response.ip_block.never_block if it is).",
        "Watch the cap alert: a full block list refuses new blocks.",
    ),
    "s3_exfiltration": (
        "Decide on the approval page (approval mode).",
        "Scope what was read: CloudTrail S3 data events in the log archive (prefix cloudtrail/).",
        "Decide with legal and the data owner on notification duties.",
    ),
    "root_use": (
        "Reach the account owner and confirm the sign-in was theirs.",
        "Outside a declared window: treat as a credential compromise of the root user.",
    ),
}

_APPROVE: Final = (
    "aws stepfunctions send-task-success --task-token <token from the page> "
    "--task-output '{\"approved\":true}'"
)
_DENY: Final = (
    "aws stepfunctions send-task-failure --task-token <token from the page> "
    "--error Response.Denied --cause 'denied by <your name>: <reason>'"
)


# --- reading a definition ---------------------------------------------------------------------


def _targets(state: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(label, next state) of every transition, in the order the definition lists them."""
    for choice in state.get("Choices", []):
        yield _condition(choice), choice["Next"]
    if "Default" in state:
        yield "otherwise", state["Default"]
    if "Next" in state:
        yield "", state["Next"]
    for catcher in state.get("Catch", []):
        yield "error: " + ", ".join(catcher["ErrorEquals"]), catcher["Next"]


def _condition(choice: Mapping[str, Any]) -> str:
    for combinator in ("And", "Or"):
        if combinator in choice:
            joined = f" {combinator.lower()} ".join(_condition(rule) for rule in choice[combinator])
            return joined
    if "Not" in choice:
        return "not " + _condition(choice["Not"])
    variable = str(choice.get("Variable", "?")).removeprefix("$.")
    for key, value in choice.items():
        if key not in ("Variable", "Next"):
            return f"{variable} {key} {value}"
    return variable


def walk(definition: Mapping[str, Any]) -> list[str]:
    """State names reachable from ``StartAt``, depth first in the definition's own order of
    transitions; deterministic for a given definition."""
    states: Mapping[str, State] = definition["States"]
    seen: list[str] = []
    stack = [definition["StartAt"]]
    while stack:
        name = stack.pop()
        if name in seen or name not in states:
            continue
        seen.append(name)
        stack.extend(reversed([target for _, target in _targets(states[name])]))
    return seen


def call_of(state: Mapping[str, Any]) -> str | None:
    """``service:Action`` a Task state calls, or None for other states."""
    if state.get("Type") != "Task":
        return None
    resource = str(state.get("Resource", ""))
    if resource.startswith(_SDK):
        service, action = resource.removeprefix(_SDK).split(":", 1)
        return f"{service}:{action[:1].upper()}{action[1:]}"
    return _OPTIMIZED.get(resource, resource)


def calls(definition: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(state, ``service:Action``) of each AWS call in walk order. A call that ``asl.sdk_call``
    emits twice (``<step>.Sdk`` in the home region, ``<step>.Lambda`` through the regional-call
    function elsewhere) is listed once, under its step."""
    states = definition["States"]
    found: list[tuple[str, str]] = []
    for name in walk(definition):
        call = call_of(states[name])
        if call is None or (name.endswith(".Lambda") and f"{name[:-7]}.Sdk" in states):
            continue
        found.append((name.removesuffix(".Sdk"), call))
    return found


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(definition: Mapping[str, Any]) -> str:
    """A Mermaid ``flowchart`` of the definition's reachable states and transitions."""
    states = definition["States"]
    order = walk(definition)
    ids = {name: f"s{index}" for index, name in enumerate(order)}
    lines = ["flowchart TD"]
    for name in order:
        state = states[name]
        call = call_of(state)
        label = _mermaid_text(name) + (f"<br/>{_mermaid_text(call)}" if call else "")
        if state.get("Type") == "Choice":
            lines.append(f'    {ids[name]}{{"{label}"}}')
        elif state.get("Type") in ("Succeed", "Fail"):
            lines.append(f'    {ids[name]}(["{label}"])')
        else:
            lines.append(f'    {ids[name]}["{label}"]')
    for name in order:
        for label, target in _targets(states[name]):
            if target not in ids:
                continue
            arrow = "-.->" if label.startswith("error") else "-->"
            text = f"|{_mermaid_text(label)}|" if label else ""
            lines.append(f"    {ids[name]} {arrow}{text} {ids[target]}")
    return "\n".join(lines)


# --- the pack ---------------------------------------------------------------------------------


def _modes(settings: Mapping[str, Any], playbook: str) -> list[str]:
    names = settings["accounts"]
    by_mode: dict[str, list[str]] = {}
    for account_id, modes in settings["modes"]["accounts"].items():
        by_mode.setdefault(modes[playbook], []).append(names[account_id]["name"])
    lines = [f"{mode}: {', '.join(sorted(accounts))}" for mode, accounts in sorted(by_mode.items())]
    lines.append(f"an account the config has no id for: {settings['modes']['default'][playbook]}")
    return lines


def _scenario(
    number: int, playbook: PlaybookName, definition: Mapping[str, Any], settings: Mapping[str, Any]
) -> list[str]:
    patterns: list[str] = settings["playbooks"].get(playbook, [])
    types = sorted({t for pattern in patterns for t in expand(pattern)})
    machine = settings["state_machines"][playbook]
    out = [
        f"## Scenario {number}: {_TITLES[playbook]} (`{playbook}`)",
        "",
        f"State machine: `{machine}`",
        "",
        "### Trigger",
        "",
        "GuardDuty finding types (config patterns): "
        + (", ".join(f"`{p}`" for p in patterns) or "none: the playbook is disabled"),
        "",
        f"They match {len(types)} known finding types"
        + (f", for example `{types[0]}`." if types else "."),
        "",
        "Tier decides: "
        + ", ".join(f"{tier} {action}" for tier, action in settings["tiers"].items())
        + " (ticket: an OpsItem and an event; notify: the alert topic; contain: the playbook "
        "acts and pages).",
        "",
        "Modes by account:",
        "",
        *(f"- {line}" for line in _modes(settings, playbook)),
        "",
        "### Injects",
        "",
        *(f"{index}. {inject}" for index, inject in enumerate(_INJECTS[playbook], start=1)),
        "",
        "### What the automation will do",
        "",
        "AWS calls in the order the state machine reaches them (every branch; a step runs in the "
        "finding's account through the response role, in another region through the "
        "regional-call function):",
        "",
        *(
            f"{index}. `{call}` ({step})"
            for index, (step, call) in enumerate(calls(definition), start=1)
        ),
        "",
        "```mermaid",
        mermaid(definition),
        "```",
        "",
        "### Manual steps",
        "",
        *(f"- {step}" for step in _MANUAL[playbook]),
        f"- Approve (approval mode, within {settings['approval']['timeout_seconds'] // 60} "
        f"minutes, then {settings['approval']['timeout_action']}): `{_APPROVE}`",
        f"- Deny: `{_DENY}`",
        "- Roll back a contained execution: `aws stepfunctions start-execution "
        f"--state-machine-arn {machine} --input "
        '\'{"rollback": true, "execution_id": "<execution ARN>"}\'`',
        "",
        "### Evidence to collect",
        "",
        f"- The execution's record: `<evidence prefix>/{playbook}/<account>/<execution name>.json`"
        " in the log archive's Object Lock bucket (finding, tier, mode, plan, before-state, "
        "calls, outcome, timings).",
        "- The execution history in Step Functions (kept by the service, 90 days).",
        "- The pages and alerts as received (paging and alert topics), with the time they arrived.",
        "- The OpsItem, for the ticket tier.",
        "",
        "### Gaps form",
        "",
        "| question | answer | owner | due |",
        "|---|---|---|---|",
        "| Did the page reach the on-call within two minutes? |  |  |  |",
        "| Did the automation do what this pack says, and nothing else? |  |  |  |",
        "| Which manual step was unclear or slow? |  |  |  |",
        "| Was any evidence missing or hard to find? |  |  |  |",
        "| What would we change in config or the playbook? |  |  |  |",
        "",
    ]
    return out


def build_pack(config: LandingZoneConfig, definitions: Definitions) -> str:
    """The tabletop pack for ``config`` with the playbooks' ``definitions`` (name -> ASL)."""
    settings = compile_settings(config)
    missing = [playbook for playbook in PLAYBOOKS if playbook not in definitions]
    if missing:
        raise ValueError(f"no state machine definition for {', '.join(missing)}")
    lines = [
        f"# Incident response tabletop: {config.organization.name}",
        "",
        "One scenario per playbook. For each: read the trigger, play the injects in order, walk "
        "through what the automation will do and what people must do, then fill in the gaps "
        "form. Generated by `python -m landing_zone.response.tabletop` from the config and the "
        "playbook definitions: regenerate it when either changes.",
        "",
        f"Home region: {settings['home_region']}; security tooling account: "
        f"{settings['security_tooling_account']}.",
        "",
    ]
    for number, playbook in enumerate(PLAYBOOKS, start=1):
        lines += _scenario(number, playbook, definitions[playbook], settings)
    return "\n".join(lines).rstrip("\n") + "\n"


def _playbook_definitions() -> dict[str, Mapping[str, Any]]:
    from landing_zone.response.playbooks import definition

    return {playbook: definition(playbook) for playbook in PLAYBOOKS}


def main(
    argv: list[str] | None = None,
    definitions: Callable[[], Definitions] = _playbook_definitions,
) -> int:
    parser = argparse.ArgumentParser(
        prog="landing-zone-tabletop", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--config", default="config/landing-zone.yaml", type=Path)
    parser.add_argument("--out", required=True, type=Path, help="directory to write the pack to")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except LandingZoneError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if config.incident_response is None:
        print(
            f"error: {args.config}: incident_response: not configured; a tabletop pack needs "
            "the playbooks it describes",
            file=sys.stderr,
        )
        return 1
    text = build_pack(config, definitions())
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"tabletop-{config.organization.name}.md"
    target.write_text(text, encoding="utf-8")
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
