"""The triage's decision: which playbook an event starts, at which tier, in which mode, with which
plan. Plain Python over the EventBridge event and the compiled settings (``settings.json``, made by
``landing_zone.response.settings.compile_settings``); standard library only (Lambda asset).

Events read:

- ``GuardDuty Finding``: ``detail`` is the finding itself
  (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html), in the
  format of https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-format.html and
  the API's ``Finding`` (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html).
  Severity levels are value ranges: LOW 1.0-3.9, MEDIUM 4.0-6.9, HIGH 7.0-8.9, CRITICAL 9.0-10.0
  (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-severity.html); a value
  between two ranges (3.95) belongs to the lower one.
- ``AWS Console Sign In via CloudTrail`` with ``detail.userIdentity.type`` ``Root``: the CloudTrail
  ``ConsoleLogin`` record (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-aws-console-sign-in-events.html).

Sample findings carry ``service.additionalInfo.sample: true`` in events; the API shape nests it in
``additionalInfo.value``, a JSON string (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_ServiceAdditionalInfo.html):
both are read.

``decide`` never raises on an event it cannot read: it returns a decision without a playbook whose
``reason`` says what was wrong, so the triage still tickets or notifies by tier.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

GUARDDUTY_FINDING = "GuardDuty Finding"
CONSOLE_SIGN_IN = "AWS Console Sign In via CloudTrail"
"""Also the ``finding.type`` of a root console sign-in, which has no GuardDuty type."""

TIERS = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
_TIER_MINIMUMS = (("CRITICAL", 9.0), ("HIGH", 7.0), ("MEDIUM", 4.0))
UNREADABLE_TIER = "MEDIUM"
"""The tier of an event whose severity cannot be read: by default it notifies the alert topic, so
someone looks at what the automation could not."""

ROOT_USE = "root_use"
PRECEDENCE = (
    "isolate_instance",
    "contain_credentials",
    "block_network_actor",
    "s3_exfiltration",
    ROOT_USE,
)
"""The order in which playbooks claim a finding type: ``finding_types.PRECEDENCE`` (the config
model's ``PLAYBOOKS``), which the asset does not ship."""
IDENTITY_CENTER_ROLE_PREFIX = "AWSReservedSSO_"
"""Roles Identity Center creates for permission sets; no account policy may change them
(https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html)."""

AWS_ASNS = frozenset({"16509", "14618"})
"""Autonomous systems of AWS (AMAZON-02 and AMAZON-AES), as GuardDuty's
``remoteIpDetails.organization.asn`` gives them: an AWS-owned address is never blocked (it may be
a service endpoint or another customer's NAT gateway that carries your own traffic too)."""
AWS_ASN_ORGS = frozenset({"AMAZON-02", "AMAZON-AES"})
_AWS_ORG_NAME = re.compile(
    r"amazon(\.com)?(,? inc\.?)?|amazon (technologies|web services|data services)\b.*"
)

NEVER_BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network" (RFC 1122)
        "10.0.0.0/8",  # private (RFC 1918)
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, the instance metadata service among them
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",  # unspecified
        "::1/128",  # loopback
        "fc00::/7",  # unique local (RFC 4193)
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
    )
)
"""Addresses that never reach a web ACL from the internet or belong to the organization's own
networks: blocking them cannot stop an outside actor and may cut off internal traffic. The
documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are *not*
among them: they are not routed on the internet, so a block changes nothing real, and GuardDuty's
sample findings use them, so the monthly fire drill exercises the block path."""

_TOKEN = re.compile(r"[^\s\x00-\x1f]{1,256}")
_ACCOUNT = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_EXECUTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


@dataclass(frozen=True)
class Decision:
    """What the triage does with one event; ``workflow_input`` turns it into a playbook's input."""

    finding: dict[str, Any]
    """id, type, severity, title, account, region, updated_at, sample, arn."""
    playbook: str | None
    """None: no playbook runs (none maps the type, or the event could not be read)."""
    tier: str
    action: str
    """The tier's action from settings: ticket, notify or contain."""
    mode: str
    """automatic, approval or dry_run; dry_run for drills and when no playbook runs."""
    drill: bool
    """A sample finding or a finding of the drill account."""
    target: dict[str, Any]
    approval: dict[str, Any]
    plan: dict[str, Any] | None
    """The playbook's plan; None when the playbook has nothing it may act on (``reason`` says why:
    a refused block, a finding that names no instance, ...): then no workflow starts."""
    reason: str

    @property
    def starts_workflow(self) -> bool:
        return self.playbook is not None and self.plan is not None


def decide(event: Mapping[str, Any], settings: Mapping[str, Any], now: datetime) -> Decision:
    """The decision for one EventBridge event; ``now`` (aware) dates block expiries and session
    revocations."""
    try:
        detail_type = event.get("detail-type")
        detail = event.get("detail")
        if not isinstance(detail, Mapping):
            return _unreadable(event, settings, "the event has no detail object")
        if detail_type == GUARDDUTY_FINDING:
            return _guardduty(event, detail, settings, now)
        if detail_type == CONSOLE_SIGN_IN:
            return _console_sign_in(event, detail, settings, now)
        return _unreadable(event, settings, f"unexpected detail-type {detail_type!r}")
    except (AttributeError, LookupError, TypeError, ValueError) as error:
        # A shape no check above foresaw: still a decision, so the event is ticketed or notified.
        return _unreadable(event, settings, f"unreadable event ({type(error).__name__}: {error})")


def workflow_input(decision: Decision, ops_item_id: str | None = None) -> dict[str, Any]:
    """The playbook's input (RESPONSE.md, WORKFLOW INPUT); ``ops_item_id`` is the ticket the triage
    opened for it, if any."""
    return {
        "finding": decision.finding,
        "playbook": decision.playbook,
        "tier": decision.tier,
        "action": decision.action,
        "mode": decision.mode,
        "drill": decision.drill,
        "rollback": False,
        "target": decision.target,
        "approval": decision.approval,
        "plan": decision.plan,
        "ticket": None if ops_item_id is None else {"ops_item_id": ops_item_id},
    }


def execution_name(event: Mapping[str, Any]) -> str:
    """The playbook execution's name: the finding id and its ``updatedAt`` (a sign-in: the
    CloudTrail event id and time), so a redelivered event is refused as a duplicate by Step
    Functions while an updated finding runs again. At most 80 characters of ``[A-Za-z0-9_-]``
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html);
    anything else is replaced and a hash of the original keeps names apart."""
    detail = event.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    if event.get("detail-type") == CONSOLE_SIGN_IN:
        identity, time = detail.get("eventID") or event.get("id"), detail.get("eventTime")
    else:
        identity, time = detail.get("id"), detail.get("updatedAt")
    if not isinstance(identity, str) or not identity:
        identity = hashlib.sha256(
            json.dumps(event, sort_keys=True, default=str).encode()
        ).hexdigest()[:32]
    stamp = re.sub(r"[^0-9A-Za-z]", "", time) if isinstance(time, str) else ""
    name = f"{identity}-{stamp}" if stamp else identity
    if _EXECUTION_NAME.fullmatch(name):
        return name
    digest = hashlib.sha256(f"{identity}\x00{time}".encode()).hexdigest()[:16]
    return f"{re.sub(r'[^A-Za-z0-9_-]', '-', name)[:63]}-{digest}"


def tier_of(severity: float) -> str:
    for tier, minimum in _TIER_MINIMUMS:
        if severity >= minimum:
            return tier
    return "LOW"


def matches(pattern: str, finding_type: str) -> bool:
    """``landing_zone.response.finding_types.matches``, which the asset does not ship: ``*``
    stands for any characters (none too), everything else for itself, over the whole type."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, finding_type, re.DOTALL) is not None


def playbook_for(finding_type: str, playbooks: Mapping[str, list[str]]) -> str | None:
    """The first playbook in ``PRECEDENCE`` order whose patterns match, whatever the order of
    ``playbooks`` (``settings.json`` is written with sorted keys); a disabled playbook has none."""
    for playbook in PRECEDENCE:
        if any(matches(pattern, finding_type) for pattern in playbooks.get(playbook, ())):
            return playbook
    return None


def never_block_reason(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
    organization: Mapping[str, Any] | None,
    never_block: list[str],
) -> str | None:
    """Why ``address`` must not be blocked, or None if it may be."""
    plain = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    checked = plain or address
    for network in NEVER_BLOCKED_NETWORKS:
        if checked.version == network.version and checked in network:
            return f"{address} is a private or special-purpose address ({network})"
    if organization is not None and _aws_owned(organization):
        return f"{address} belongs to AWS ({_organization_label(organization)})"
    for cidr in never_block:
        network = ipaddress.ip_network(cidr, strict=False)
        if checked.version == network.version and checked in network:
            return f"{address} is in the organization's never_block range {cidr}"
    return None


# --- GuardDuty findings ------------------------------------------------------------------------


def _guardduty(
    event: Mapping[str, Any], detail: Mapping[str, Any], settings: Mapping[str, Any], now: datetime
) -> Decision:
    finding_type = detail.get("type")
    if not isinstance(finding_type, str) or not finding_type:
        return _unreadable(event, settings, "the finding has no type")
    severity = _severity(detail.get("severity"))
    if severity is None:
        return _unreadable(event, settings, f"unreadable severity {detail.get('severity')!r}")
    account, region = _place(event, detail.get("accountId"), detail.get("region"))
    if account is None or region is None:
        return _unreadable(event, settings, "the finding names no valid account or region")
    sample = _is_sample(detail)
    finding = _summary(
        event,
        id=detail.get("id"),
        type=finding_type,
        severity=severity,
        title=detail.get("title"),
        account=account,
        region=region,
        updated_at=detail.get("updatedAt"),
        sample=sample,
        arn=detail.get("arn"),
    )
    playbook = playbook_for(finding_type, settings["playbooks"])
    tier = tier_of(severity)
    if playbook == ROOT_USE:
        when = parse_time(_path(detail, "service", "eventLastSeen")) or parse_time(
            detail.get("updatedAt")
        )
        return _root_use(finding, tier, when or now, settings)
    if playbook is None:
        reason = f"no playbook maps {finding_type}"
        plan = None
    else:
        plan, refusal = _PLANS[playbook](detail, account, settings, now)
        reason = refusal or f"{finding_type} starts {playbook}"
    return _decision(finding, playbook, tier, settings["tiers"][tier], plan, reason, settings)


def _is_sample(detail: Mapping[str, Any]) -> bool:
    info = _path(detail, "service", "additionalInfo")
    if not isinstance(info, Mapping):
        return False
    if info.get("sample") is True:
        return True
    value = info.get("value")
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return False
        return isinstance(parsed, dict) and parsed.get("sample") is True
    return False


def _severity(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        severity = float(value)
    except ValueError:
        return None
    return severity if 0.0 <= severity <= 10.0 else None


PlanResult = tuple[dict[str, Any] | None, str | None]


def _isolate_instance(
    detail: Mapping[str, Any], account: str, settings: Mapping[str, Any], now: datetime
) -> PlanResult:
    instance = _path(detail, "resource", "instanceDetails")
    if not isinstance(instance, Mapping) or not _is_token(instance.get("instanceId")):
        return None, "the finding names no EC2 instance"
    vpc_id = next(
        (
            interface["vpcId"]
            for interface in _list(instance.get("networkInterfaces"))
            if isinstance(interface, Mapping) and _is_token(interface.get("vpcId"))
        ),
        None,
    )
    if vpc_id is None:
        return None, f"the finding names no VPC for {instance['instanceId']}"
    return {"instance_id": instance["instanceId"], "vpc_id": vpc_id}, None


def _contain_credentials(
    detail: Mapping[str, Any], account: str, settings: Mapping[str, Any], now: datetime
) -> PlanResult:
    principal = _principal(detail)
    if principal is None:
        return None, "the finding names no IAM principal"
    kind, name, key = principal
    plan: dict[str, Any]
    if kind == "IAMUser":
        plan = {"principal_type": "IAMUser", "user_name": name}
        # Temporary keys (ASIA...) of GetSessionToken cannot be deactivated, only the user's
        # long-term keys.
        if key is not None and not key.startswith("ASIA"):
            plan["access_key_id"] = key
    elif kind == "Role":
        if name.startswith("AWSServiceRoleFor"):
            return None, f"{name} is a service-linked role, which no policy may change"
        principal_type = (
            "IdentityCenterRole" if name.startswith(IDENTITY_CENTER_ROLE_PREFIX) else "Role"
        )
        plan = {"principal_type": principal_type, "role_name": name}
    elif kind == "Root":
        plan = {"principal_type": "Root"}
    else:
        return None, f"a {kind} principal cannot be contained by the playbook"
    # The triage's time, after the finding's: every session that existed when GuardDuty reported
    # it is revoked, including any the actor opened since.
    plan["revoke_before"] = _iso(now)
    return plan, None


def _block_network_actor(
    detail: Mapping[str, Any], account: str, settings: Mapping[str, Any], now: datetime
) -> PlanResult:
    ip_block = settings["ip_block"]
    refusals: list[str] = []
    for text, organization in _remote_addresses(_path(detail, "service", "action")):
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            refusals.append(f"{text!r} is not an IP address")
            continue
        refusal = never_block_reason(address, organization, ip_block["never_block"])
        if refusal is not None:
            refusals.append(refusal)
            continue
        prefix = 32 if address.version == 4 else 128
        return {
            "ip": str(address),
            "cidr": f"{address}/{prefix}",
            "version": f"IPV{address.version}",
            "expires_at": _iso(now + timedelta(days=ip_block["expiry_days"])),
            "cap": ip_block["cap"],
        }, None
    if not refusals:
        return None, "the finding names no remote IP address"
    return None, f"not blocked: {'; '.join(refusals)}"


def _s3_exfiltration(
    detail: Mapping[str, Any], account: str, settings: Mapping[str, Any], now: datetime
) -> PlanResult:
    bucket = next(
        (
            details["name"]
            for details in _list(_path(detail, "resource", "s3BucketDetails"))
            if isinstance(details, Mapping) and _is_token(details.get("name"))
        ),
        None,
    )
    if bucket is None:
        return None, "the finding names no S3 bucket"
    principal = _principal(detail)
    if principal is None:
        return None, f"the finding names no principal that accessed {bucket}"
    kind, name, _ = principal
    partition = detail.get("partition") if _is_token(detail.get("partition")) else None
    partition = partition or settings["partition"]
    remote = _path(detail, "service", "action", "awsApiCallAction", "remoteAccountDetails")
    owner = remote.get("accountId") if isinstance(remote, Mapping) else None
    owner = owner if isinstance(owner, str) and _ACCOUNT.fullmatch(owner) else account
    # GuardDuty names users and roles without their IAM path: the ARN is the path-less one.
    arns = {
        "IAMUser": f"arn:{partition}:iam::{owner}:user/{name}",
        "Role": f"arn:{partition}:iam::{owner}:role/{name}",
        "Root": f"arn:{partition}:iam::{owner}:root",
    }
    if kind not in arns:
        return None, f"a {kind} principal cannot be named in a bucket policy"
    return {"bucket": bucket, "principal_arn": arns[kind]}, None


_PLANS = {
    "isolate_instance": _isolate_instance,
    "contain_credentials": _contain_credentials,
    "block_network_actor": _block_network_actor,
    "s3_exfiltration": _s3_exfiltration,
}


def _principal(detail: Mapping[str, Any]) -> tuple[str, str, str | None] | None:
    """(IAMUser | Role | Root | GuardDuty's other user type, name, access key id) of the finding's
    ``resource.accessKeyDetails``; names given as ARNs are reduced to the user or role name (an
    assumed-role ARN names its role)."""
    details = _path(detail, "resource", "accessKeyDetails")
    if not isinstance(details, Mapping):
        return None
    user_type, name = details.get("userType"), details.get("userName")
    key = details.get("accessKeyId") if _is_token(details.get("accessKeyId")) else None
    if user_type == "Root":
        return "Root", "root", key
    if not isinstance(user_type, str) or not isinstance(name, str) or not _is_token(name):
        return None
    arn = re.fullmatch(r"arn:[^:]+:(?:iam|sts)::[0-9]{12}:(user|role|assumed-role)/(.+)", name)
    if arn is not None:
        kind, rest = arn.groups()
        parts = rest.split("/")
        # user/path/name and role/path/name end with the name; assumed-role/name/session has it
        # first.
        name = parts[0] if kind == "assumed-role" else parts[-1]
        user_type = "IAMUser" if kind == "user" else "AssumedRole"
    if user_type == "IAMUser":
        return "IAMUser", name, key
    if user_type in ("AssumedRole", "Role"):
        return "Role", name, None
    return user_type, name, key


def _remote_addresses(action: Any) -> Iterator[tuple[str, Mapping[str, Any] | None]]:
    """(address, ``organization``) of every ``remoteIpDetails`` the finding's action carries:
    network connections, AWS API calls, Kubernetes API calls, RDS logins, then each port probe
    (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Action.html). DNS requests name
    a domain, no address."""
    if not isinstance(action, Mapping):
        return
    details = [
        _path(action, "networkConnectionAction", "remoteIpDetails"),
        _path(action, "awsApiCallAction", "remoteIpDetails"),
        _path(action, "kubernetesApiCallAction", "remoteIpDetails"),
        _path(action, "rdsLoginAttemptAction", "remoteIpDetails"),
    ]
    details += [
        probe.get("remoteIpDetails")
        for probe in _list(_path(action, "portProbeAction", "portProbeDetails"))
        if isinstance(probe, Mapping)
    ]
    for remote in details:
        if not isinstance(remote, Mapping):
            continue
        organization = remote.get("organization")
        organization = organization if isinstance(organization, Mapping) else None
        for key in ("ipAddressV4", "ipAddressV6"):
            if _is_token(remote.get(key)):
                yield remote[key], organization


def _aws_owned(organization: Mapping[str, Any]) -> bool:
    if str(organization.get("asn", "")).strip() in AWS_ASNS:
        return True
    if str(organization.get("asnOrg", "")).strip().upper() in AWS_ASN_ORGS:
        return True
    return any(
        isinstance(organization.get(key), str)
        and _AWS_ORG_NAME.fullmatch(organization[key].strip().casefold()) is not None
        for key in ("org", "isp")
    )


def _organization_label(organization: Mapping[str, Any]) -> str:
    parts = [
        f"{key} {organization[key]}" for key in ("asn", "asnOrg", "org") if key in organization
    ]
    return ", ".join(parts) or "organization"


# --- root use ----------------------------------------------------------------------------------


def _console_sign_in(
    event: Mapping[str, Any], detail: Mapping[str, Any], settings: Mapping[str, Any], now: datetime
) -> Decision:
    identity = detail.get("userIdentity")
    if not isinstance(identity, Mapping) or identity.get("type") != "Root":
        return _unreadable(event, settings, "a console sign-in that is not the root user's")
    account, region = _place(
        event,
        detail.get("recipientAccountId") or identity.get("accountId"),
        detail.get("awsRegion"),
    )
    if account is None or region is None:
        return _unreadable(event, settings, "the sign-in names no valid account or region")
    # Member accounts forward their sign-ins to security tooling: the event is the account's
    # own (its bus received it), for an account the landing zone knows.
    if event.get("account") != account or account not in settings["accounts"]:
        return _unreadable(
            event, settings, f"a root sign-in of account {account} the landing zone does not know"
        )
    result = _path(detail, "responseElements", "ConsoleLogin")
    source = detail.get("sourceIPAddress")
    finding = _summary(
        event,
        id=detail.get("eventID") or event.get("id"),
        type=CONSOLE_SIGN_IN,
        severity=None,
        title=f"Root user console sign-in ({result or 'unknown result'}) from {source}",
        account=account,
        region=region,
        updated_at=detail.get("eventTime"),
        sample=False,
        arn=None,
    )
    if result != "Success":
        # Anyone who knows the address can fail a root sign-in: the alert topic hears of it
        # (and the trail's failed-authentication alarm counts it); only a sign-in pages.
        return _decision(
            finding,
            None,
            "MEDIUM",
            settings["tiers"]["MEDIUM"],
            None,
            f"a root console sign-in that did not succeed ({result or 'no result'})",
            settings,
        )
    when = parse_time(detail.get("eventTime")) or now
    return _root_use(finding, "LOW", when, settings)


def _root_use(
    finding: dict[str, Any], tier: str, when: datetime, settings: Mapping[str, Any]
) -> Decision:
    """Inside a maintenance window declared for the account: a ticket at the finding's own tier.
    Outside: CRITICAL, with that tier's action (contain by default, which runs the playbook that
    pages)."""
    playbook = ROOT_USE if settings["playbooks"].get(ROOT_USE) else None
    window = _window(settings, finding["account"], when)
    if window is not None:
        plan = {"in_window": True, "window": window}
        reason = f"root use at {_iso(when)} inside maintenance window {window}"
        action = "ticket"
    else:
        plan = {"in_window": False, "window": None}
        reason = f"root use at {_iso(when)} outside any maintenance window"
        tier = "CRITICAL"
        action = settings["tiers"][tier]
    return _decision(finding, playbook, tier, action, plan, reason, settings)


def _window(settings: Mapping[str, Any], account: str, when: datetime) -> str | None:
    for name, window in settings["maintenance_windows"].items():
        accounts = window.get("accounts")
        if accounts is not None and account not in accounts:
            continue
        start, end = parse_time(window["start"]), parse_time(window["end"])
        if start is not None and end is not None and start <= when < end:
            return str(name)
    return None


# --- shared ------------------------------------------------------------------------------------


def _decision(
    finding: dict[str, Any],
    playbook: str | None,
    tier: str,
    action: str,
    plan: dict[str, Any] | None,
    reason: str,
    settings: Mapping[str, Any],
) -> Decision:
    account = finding["account"]
    drill = finding["sample"] is True or account == settings.get("drill_account")
    if playbook is None or drill:
        mode = "dry_run"
    else:
        modes = settings["modes"]["accounts"].get(account) or settings["modes"]["default"]
        mode = modes[playbook]
    return Decision(
        finding=finding,
        playbook=playbook,
        tier=tier,
        action=action,
        mode=mode,
        drill=drill,
        target=_target(account, finding["region"], settings),
        approval=dict(settings["approval"]),
        plan=plan if playbook is not None else None,
        reason=reason,
    )


def _unreadable(event: Mapping[str, Any], settings: Mapping[str, Any], reason: str) -> Decision:
    detail = event.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    account, region = _place(event, detail.get("accountId"), detail.get("region"))
    severity = _severity(detail.get("severity"))
    tier = UNREADABLE_TIER if severity is None else tier_of(severity)
    finding = _summary(
        event,
        id=detail.get("id"),
        type=detail.get("type"),
        severity=severity,
        title=detail.get("title"),
        account=account,
        region=region,
        updated_at=detail.get("updatedAt"),
        sample=False,
        arn=detail.get("arn"),
    )
    return Decision(
        finding=finding,
        playbook=None,
        tier=tier,
        action=settings["tiers"][tier],
        mode="dry_run",
        drill=False,
        target=_target(account, region, settings),
        approval=dict(settings["approval"]),
        plan=None,
        reason=reason,
    )


def _summary(event: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """The workflow input's ``finding``: strings where the event had none are None; last
    ``event_time``, when EventBridge received the event (the fire drill times the page from
    it)."""
    summary: dict[str, Any] = {}
    for key, value in {**fields, "event_time": event.get("time")}.items():
        if key in ("severity", "sample"):
            summary[key] = value
        else:
            summary[key] = value if isinstance(value, str) and value else None
    return summary


def _target(account: str | None, region: str | None, settings: Mapping[str, Any]) -> dict[str, Any]:
    role_arn = (
        None
        if account is None
        else f"arn:{settings['partition']}:iam::{account}:role/{settings['response_role_name']}"
    )
    return {
        "account": account,
        "region": region,
        "home": region == settings["home_region"],
        "role_arn": role_arn,
    }


def _place(event: Mapping[str, Any], account: Any, region: Any) -> tuple[str | None, str | None]:
    """The finding's own account and region (a finding forwarded from another region keeps its
    own), else the event's."""
    account = account if isinstance(account, str) else event.get("account")
    region = region if isinstance(region, str) else event.get("region")
    return (
        account if isinstance(account, str) and _ACCOUNT.fullmatch(account) else None,
        region if isinstance(region, str) and _REGION.fullmatch(region) else None,
    )


def _path(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _is_token(value: Any) -> bool:
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime (naive: UTC), else None."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
