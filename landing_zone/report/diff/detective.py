"""Detective controls removed or narrowed: Config rules and conformance packs, Security Hub
standards and controls, GuardDuty detector features, CloudTrail trails, CloudWatch alarms and
metric filters, EventBridge rules and the SDK calls that turn detection services on.

A control is found by template and logical id. Removing one, switching it off, or narrowing what
it watches (fewer resource types, fewer standards or controls, fewer event pattern values, fewer
alarm actions, an exclusion added) is a warning; adding one is a note.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from landing_zone.report.diff.assembly import Assembly, Resource, as_list, text
from landing_zone.report.diff.model import Change
from landing_zone.report.diff.sections import Level

_DETECTION_SERVICES = (
    "GuardDuty",
    "Inspector2",
    "Macie2",
    "SecurityHub",
    "ConfigService",
    "AccessAnalyzer",
    "CloudTrail",
    "Detective",
)
"""Services whose SDK-call custom resources (``Custom::AWS``) switch detection on."""

_ENABLED = ("ENABLED", "ALL", "NEW")

Finding = tuple[str, bool]
"""One line about a change, and whether it weakens the control."""


def detective_changes(base: Assembly, head: Assembly) -> list[Change]:
    changes: list[Change] = []
    for template in sorted(base.templates.keys() | head.templates.keys()):
        before = {k: r for k, r in base.resources(template).items() if _is_control(r)}
        after = {k: r for k, r in head.resources(template).items() if _is_control(r)}
        for logical_id in sorted(before.keys() | after.keys()):
            old, new = before.get(logical_id), after.get(logical_id)
            if old is None:
                assert new is not None
                changes.append(_change(new, "control added", [], "note", "detective-control-added"))
                continue
            if new is None:
                changes.append(
                    _change(old, "control removed", [], "warning", "detective-control-weakened")
                )
                continue
            findings = _COMPARERS.get(old.type, _generic)(old, new)
            if not findings:
                continue
            weaker = any(weakens for _, weakens in findings)
            changes.append(
                _change(
                    new,
                    "narrowed or switched off" if weaker else "changed",
                    [line for line, _ in findings],
                    "warning" if weaker else "note",
                    "detective-control-weakened" if weaker else "detective-control-changed",
                )
            )
    return changes


def _is_control(resource: Resource) -> bool:
    if resource.type == "Custom::AWS":
        return _sdk_call(resource).get("service") in _DETECTION_SERVICES
    return resource.type in _COMPARERS


def _name(resource: Resource) -> str:
    properties = resource.properties
    for key in (
        "ConfigRuleName",
        "OrganizationConfigRuleName",
        "OrganizationConformancePackName",
        "ConformancePackName",
        "AlarmName",
        "TrailName",
        "FilterName",
        "Name",
    ):
        value = properties.get(key)
        if isinstance(value, str):
            return value
    if resource.type == "Custom::AWS":
        call = _sdk_call(resource)
        return f"{call.get('service')}.{call.get('action')} ({resource.logical_id})"
    return resource.logical_id


def _change(resource: Resource, summary: str, lines: list[str], level: Level, rule: str) -> Change:
    return Change(
        section="detective_controls",
        subject=f"{resource.type} {_name(resource)}",
        summary=summary,
        template=resource.template,
        logical_id=resource.logical_id,
        details=tuple(lines),
        facts={"type": resource.type, "name": _name(resource), "changes": lines},
        level=level,
        rule_id=rule,
    )


def _sdk_call(resource: Resource) -> Mapping[str, Any]:
    """The create call of an ``AwsCustomResource`` (its JSON, intrinsics shown as ``${…}``)."""
    raw = resource.properties.get("Create")
    try:
        call = json.loads(text(raw)) if raw is not None else {}
    except ValueError:
        return {}
    return call if isinstance(call, Mapping) else {}


def _leaves(value: Any, path: str = "") -> set[str]:
    if isinstance(value, Mapping):
        return {
            leaf
            for key, item in value.items()
            for leaf in _leaves(item, f"{path}.{key}" if path else str(key))
        }
    if isinstance(value, list):
        if path.endswith("numeric") and not any(isinstance(i, Mapping | list) for i in value):
            # A numeric filter (``[">=", 4]``) is one condition, not a list of values.
            return {f"{path} {' '.join(text(item) for item in value)}"}
        return {leaf for item in value for leaf in _leaves(item, path)}
    return {f"{path} = {text(value)}"}


def _set_change(label: str, old: Any, new: Any, fewer_weakens: bool = True) -> list[Finding]:
    before = {text(item) for item in as_list(old)}
    after = {text(item) for item in as_list(new)}
    findings: list[Finding] = []
    if gone := sorted(before - after):
        findings.append((f"{label} removed: {', '.join(gone)}", fewer_weakens))
    if came := sorted(after - before):
        findings.append((f"{label} added: {', '.join(came)}", not fewer_weakens))
    return findings


def _value_change(label: str, old: Any, new: Any, weakens: bool = True) -> list[Finding]:
    if old == new:
        return []
    shown_old = "(none)" if old is None else text(old)
    shown_new = "(none)" if new is None else text(new)
    return [(f"{label}: {shown_old} → {shown_new}", weakens)]


def _property_changes(
    a: Mapping[str, Any], b: Mapping[str, Any], names: Iterable[str]
) -> list[Finding]:
    """Each named property whose value changed, as a weakening."""
    return [finding for name in names for finding in _value_change(name, a.get(name), b.get(name))]


def _generic(old: Resource, new: Resource) -> list[Finding]:
    names = sorted(
        name
        for name in old.properties.keys() | new.properties.keys()
        if old.properties.get(name) != new.properties.get(name) and name != "Tags"
    )
    return [(f"{name} changed", True) for name in names]


def _config_rule(old: Resource, new: Resource) -> list[Finding]:
    a, b = old.properties, new.properties
    findings = _set_change(
        "scope resource types",
        (a.get("Scope") or {}).get("ComplianceResourceTypes"),
        (b.get("Scope") or {}).get("ComplianceResourceTypes"),
    )
    old_scope = {k: v for k, v in (a.get("Scope") or {}).items() if k != "ComplianceResourceTypes"}
    new_scope = {k: v for k, v in (b.get("Scope") or {}).items() if k != "ComplianceResourceTypes"}
    findings += _value_change("scope", old_scope or None, new_scope or None)
    findings += _property_changes(
        a, b, ("Source", "InputParameters", "MaximumExecutionFrequency", "EvaluationModes")
    )
    return findings


def _organization_config_rule(old: Resource, new: Resource) -> list[Finding]:
    a, b = old.properties, new.properties
    findings = _set_change(
        "excluded accounts",
        a.get("ExcludedAccounts"),
        b.get("ExcludedAccounts"),
        fewer_weakens=False,
    )
    for name in (
        "OrganizationManagedRuleMetadata",
        "OrganizationCustomRuleMetadata",
        "OrganizationCustomPolicyRuleMetadata",
    ):
        old_meta, new_meta = a.get(name) or {}, b.get(name) or {}
        findings += _set_change(
            f"{name} resource types",
            old_meta.get("ResourceTypesScope"),
            new_meta.get("ResourceTypesScope"),
        )
        rest_old = {k: v for k, v in old_meta.items() if k != "ResourceTypesScope"}
        rest_new = {k: v for k, v in new_meta.items() if k != "ResourceTypesScope"}
        findings += _value_change(name, rest_old or None, rest_new or None)
    return findings


def _conformance_pack(old: Resource, new: Resource) -> list[Finding]:
    a, b = old.properties, new.properties
    findings = _set_change(
        "excluded accounts",
        a.get("ExcludedAccounts"),
        b.get("ExcludedAccounts"),
        fewer_weakens=False,
    )
    old_rules, new_rules = _pack_rules(a), _pack_rules(b)
    findings += _set_change("rules", sorted(old_rules), sorted(new_rules))
    for name in sorted(old_rules.keys() & new_rules.keys()):
        if old_rules[name] != new_rules[name]:
            findings.append((f"rule {name} changed", True))
    findings += _value_change("TemplateS3Uri", a.get("TemplateS3Uri"), b.get("TemplateS3Uri"))
    findings += _value_change(
        "ConformancePackInputParameters",
        a.get("ConformancePackInputParameters"),
        b.get("ConformancePackInputParameters"),
    )
    return findings


def _pack_rules(properties: Mapping[str, Any]) -> dict[str, Any]:
    body = properties.get("TemplateBody")
    try:
        parsed = json.loads(text(body)) if body is not None else {}
    except ValueError:
        # A YAML body: compared whole.
        return {"(template body)": text(body)}
    resources = parsed.get("Resources", {}) if isinstance(parsed, Mapping) else {}
    rules: dict[str, Any] = {}
    for logical_id, resource in resources.items():
        props = resource.get("Properties", {}) if isinstance(resource, Mapping) else {}
        rules[str(props.get("ConfigRuleName") or logical_id)] = props
    return rules


def _recorder(old: Resource, new: Resource) -> list[Finding]:
    return _value_change(
        "RecordingGroup", old.properties.get("RecordingGroup"), new.properties.get("RecordingGroup")
    ) + _value_change(
        "RecordingMode", old.properties.get("RecordingMode"), new.properties.get("RecordingMode")
    )


def _security_hub_policy(old: Resource, new: Resource) -> list[Finding]:
    a = (old.properties.get("ConfigurationPolicy") or {}).get("SecurityHub") or {}
    b = (new.properties.get("ConfigurationPolicy") or {}).get("SecurityHub") or {}
    findings = _value_change("ServiceEnabled", a.get("ServiceEnabled"), b.get("ServiceEnabled"))
    findings += _set_change(
        "standards", a.get("EnabledStandardIdentifiers"), b.get("EnabledStandardIdentifiers")
    )
    ca = a.get("SecurityControlsConfiguration") or {}
    cb = b.get("SecurityControlsConfiguration") or {}
    findings += _set_change(
        "disabled controls",
        ca.get("DisabledSecurityControlIdentifiers"),
        cb.get("DisabledSecurityControlIdentifiers"),
        fewer_weakens=False,
    )
    findings += _set_change(
        "enabled controls",
        ca.get("EnabledSecurityControlIdentifiers"),
        cb.get("EnabledSecurityControlIdentifiers"),
    )
    findings += _value_change(
        "control parameters",
        ca.get("SecurityControlCustomParameters"),
        cb.get("SecurityControlCustomParameters"),
    )
    return findings


def _security_hub_standard(old: Resource, new: Resource) -> list[Finding]:
    return _value_change(
        "StandardsArn", old.properties.get("StandardsArn"), new.properties.get("StandardsArn")
    ) + _set_change(
        "disabled controls",
        [
            text(c.get("SecurityControlId"))
            for c in as_list(old.properties.get("DisabledStandardsControls"))
        ],
        [
            text(c.get("SecurityControlId"))
            for c in as_list(new.properties.get("DisabledStandardsControls"))
        ],
        fewer_weakens=False,
    )


def _features(features: Any) -> dict[str, str]:
    """GuardDuty feature (and additional configuration) name → status or auto-enable value."""
    found: dict[str, str] = {}
    for feature in as_list(features):
        if not isinstance(feature, Mapping):
            continue
        name = text(feature.get("Name"))
        found[name] = text(feature.get("Status") or feature.get("AutoEnable") or "")
        for extra in as_list(feature.get("AdditionalConfiguration")):
            if isinstance(extra, Mapping):
                found[f"{name}/{text(extra.get('Name'))}"] = text(
                    extra.get("Status") or extra.get("AutoEnable") or ""
                )
    return found


def _feature_findings(before: dict[str, str], after: dict[str, str]) -> list[Finding]:
    findings: list[Finding] = []
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        weakens = old in _ENABLED and new not in _ENABLED
        findings.append((f"feature {name}: {old or '(absent)'} → {new or '(absent)'}", weakens))
    return findings


def _detector(old: Resource, new: Resource) -> list[Finding]:
    return _value_change(
        "Enable", old.properties.get("Enable"), new.properties.get("Enable")
    ) + _feature_findings(
        _features(old.properties.get("Features")), _features(new.properties.get("Features"))
    )


def _sdk(old: Resource, new: Resource) -> list[Finding]:
    a, b = _sdk_call(old), _sdk_call(new)
    pa, pb = a.get("parameters") or {}, b.get("parameters") or {}
    findings = _value_change(
        "call", f"{a.get('service')}.{a.get('action')}", f"{b.get('service')}.{b.get('action')}"
    )
    findings += _feature_findings(_features(pa.get("Features")), _features(pb.get("Features")))
    rest_a = {k: v for k, v in pa.items() if k != "Features"}
    rest_b = {k: v for k, v in pb.items() if k != "Features"}
    for leaf in sorted(_leaves(rest_a) - _leaves(rest_b)):
        findings.append((f"parameter removed or changed: {leaf}", True))
    for leaf in sorted(_leaves(rest_b) - _leaves(rest_a)):
        findings.append((f"parameter added or changed: {leaf}", False))
    return findings


def _trail(old: Resource, new: Resource) -> list[Finding]:
    a, b = old.properties, new.properties
    findings: list[Finding] = []
    for name in (
        "IsLogging",
        "IsMultiRegionTrail",
        "IsOrganizationTrail",
        "IncludeGlobalServiceEvents",
        "EnableLogFileValidation",
    ):
        findings += _value_change(name, a.get(name), b.get(name), weakens=bool(a.get(name)))
    findings += _property_changes(
        a,
        b,
        (
            "EventSelectors",
            "AdvancedEventSelectors",
            "InsightSelectors",
            "CloudWatchLogsLogGroupArn",
            "KMSKeyId",
            "S3BucketName",
        ),
    )
    return findings


def _alarm(old: Resource, new: Resource) -> list[Finding]:
    a, b = old.properties, new.properties
    findings = _value_change(
        "ActionsEnabled",
        a.get("ActionsEnabled", True),
        b.get("ActionsEnabled", True),
        weakens=a.get("ActionsEnabled", True) is not False,
    )
    findings += _set_change("alarm actions", a.get("AlarmActions"), b.get("AlarmActions"))
    findings += _property_changes(
        a,
        b,
        (
            "MetricName",
            "Namespace",
            "Statistic",
            "Period",
            "EvaluationPeriods",
            "DatapointsToAlarm",
            "Threshold",
            "ComparisonOperator",
            "TreatMissingData",
            "Dimensions",
            "Metrics",
        ),
    )
    return findings


def _metric_filter(old: Resource, new: Resource) -> list[Finding]:
    a, b = old.properties, new.properties
    return _property_changes(a, b, ("FilterPattern", "LogGroupName", "MetricTransformations"))


def _event_rule(old: Resource, new: Resource) -> list[Finding]:
    a, b = old.properties, new.properties
    findings = _value_change(
        "State",
        a.get("State"),
        b.get("State"),
        weakens=str(b.get("State", "ENABLED")).startswith("DISABLED"),
    )
    pattern_a, pattern_b = (
        _leaves(a.get("EventPattern") or {}),
        _leaves(b.get("EventPattern") or {}),
    )
    keys_a = {leaf.split(" = ")[0] for leaf in pattern_a}
    for leaf in sorted(pattern_a - pattern_b):
        findings.append((f"event pattern no longer matches {leaf}", True))
    for leaf in sorted(pattern_b - pattern_a):
        # A value added to a key widens the pattern; a new key narrows it (every key must match).
        narrows = leaf.split(" = ")[0] not in keys_a
        findings.append(
            (f"event pattern {'now requires' if narrows else 'now matches'} {leaf}", narrows)
        )
    findings += _value_change(
        "ScheduleExpression", a.get("ScheduleExpression"), b.get("ScheduleExpression")
    )
    findings += _set_change(
        "targets",
        [text(t.get("Arn")) for t in as_list(a.get("Targets"))],
        [text(t.get("Arn")) for t in as_list(b.get("Targets"))],
    )
    return findings


_COMPARERS: dict[str, Callable[[Resource, Resource], list[Finding]]] = {
    "AWS::Config::ConfigRule": _config_rule,
    "AWS::Config::OrganizationConfigRule": _organization_config_rule,
    "AWS::Config::ConformancePack": _conformance_pack,
    "AWS::Config::OrganizationConformancePack": _conformance_pack,
    "AWS::Config::ConfigurationRecorder": _recorder,
    "AWS::Config::ConfigurationAggregator": _generic,
    "AWS::SecurityHub::ConfigurationPolicy": _security_hub_policy,
    "AWS::SecurityHub::Standard": _security_hub_standard,
    "AWS::SecurityHub::Hub": _generic,
    "AWS::SecurityHub::PolicyAssociation": _generic,
    "AWS::GuardDuty::Detector": _detector,
    "AWS::GuardDuty::MalwareProtectionPlan": _generic,
    "AWS::CloudTrail::Trail": _trail,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::Logs::MetricFilter": _metric_filter,
    "AWS::Events::Rule": _event_rule,
    "AWS::AccessAnalyzer::Analyzer": _generic,
    "Custom::AWS": _sdk,
}
