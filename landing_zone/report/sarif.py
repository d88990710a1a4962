"""The report's findings as SARIF 2.1.0, for code-scanning UIs.

- unacknowledged findings and construct warnings of the validation report, at their level;
- acknowledged findings as results with an ``inSource`` suppression whose justification is the
  acknowledgment's reason (code scanning shows them as closed, with the reason);
- posture-diff alerts when a base was given.

Each result points at the template file and, where there is one, the resource: its logical id
as a logical location and the line where its definition starts (code scanning needs
``region.startLine``, https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning).
A stable ``partialFingerprints`` entry (rule, template, logical id) keeps one alert per finding
across runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

from landing_zone.report.acknowledgments import Acknowledgment
from landing_zone.report.assembly import MANIFEST, Assembly
from landing_zone.report.diff import Alert
from landing_zone.report.findings import Finding

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "landing-zone-report"
FINGERPRINT = "landingZoneFinding/v1"

Level = Literal["error", "warning", "note"]


def _level(severity: str) -> Level:
    lowered = severity.lower()
    if lowered in ("error", "warning"):
        return "error" if lowered == "error" else "warning"
    return "note"


def base_rule(rule_id: str) -> str:
    """``AwsSolutions-IAM5`` for the finding id ``AwsSolutions-IAM5[Action::s3:*]``."""
    return rule_id.split("[", 1)[0]


class _Log:
    def __init__(self, assembly: Assembly, uri_of: Callable[[str], str]) -> None:
        self._assembly = assembly
        self._uri_of = uri_of
        self._templates = {template.name: template for template in assembly.templates}
        self.rules: dict[str, str] = {}
        self.results: list[dict[str, Any]] = []

    def add(
        self,
        *,
        rule_id: str,
        description: str,
        level: Level,
        message: str,
        template: str | None,
        logical_id: str | None,
        construct_path: str | None = None,
        properties: dict[str, Any] | None = None,
        suppression: str | None = None,
    ) -> None:
        rule = base_rule(rule_id)
        self.rules.setdefault(rule, description)
        known = self._templates.get(template) if template else None
        line = known.line_of(logical_id) if known and logical_id else 1
        location: dict[str, Any] = {
            "physicalLocation": {
                "artifactLocation": {"uri": self._uri_of(template or MANIFEST)},
                "region": {"startLine": line},
            }
        }
        logical = []
        if template and logical_id:
            logical.append(
                {
                    "name": logical_id,
                    "fullyQualifiedName": f"{template}/{logical_id}",
                    "kind": "resource",
                }
            )
        if construct_path:
            logical.append({"fullyQualifiedName": construct_path, "kind": "module"})
        if logical:
            location["logicalLocations"] = logical
        identity = "|".join((rule_id, template or "", logical_id or "", construct_path or ""))
        result: dict[str, Any] = {
            "ruleId": rule,
            "level": level,
            "message": {"text": message},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT: hashlib.sha256(identity.encode()).hexdigest()},
            "properties": {"findingId": rule_id, **(properties or {})},
        }
        if suppression is not None:
            result["suppressions"] = [
                {"kind": "inSource", "status": "accepted", "justification": suppression}
            ]
        self.results.append(result)

    def document(self) -> dict[str, Any]:
        rules = [
            {"id": rule, "shortDescription": {"text": description}}
            for rule, description in sorted(self.rules.items())
        ]
        results = sorted(
            self.results,
            key=lambda r: (
                r["ruleId"],
                r["properties"]["findingId"],
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["partialFingerprints"][FINGERPRINT],
            ),
        )
        return {
            "$schema": SARIF_SCHEMA,
            "version": SARIF_VERSION,
            "runs": [
                {
                    "tool": {"driver": {"name": TOOL_NAME, "rules": rules}},
                    "results": results,
                }
            ],
        }


def sarif_log(
    assembly: Assembly,
    findings: Sequence[Finding],
    acknowledgments: Sequence[Acknowledgment],
    alerts: Iterable[Alert] = (),
    *,
    uri_of: Callable[[str], str],
) -> dict[str, Any]:
    """The SARIF log; ``uri_of`` turns a file name of the assembly into the URI to report."""
    log = _Log(assembly, uri_of)
    for finding in findings:
        log.add(
            rule_id=finding.rule_id,
            description=finding.description or finding.rule_id,
            level=_level(finding.severity),
            message=f"{finding.rule_id}: {finding.description} ({finding.construct_path})",
            template=finding.template,
            logical_id=finding.logical_id,
            construct_path=finding.construct_path,
            properties={"plugin": finding.plugin},
        )
    for acknowledgment in acknowledgments:
        for template, logical_id in acknowledgment.resources:
            log.add(
                rule_id=acknowledgment.rule_id,
                description=f"Check-pack rule {acknowledgment.base_rule}",
                # The metadata keeps the id and reason, not the rule's level.
                level="note" if acknowledgment.reason_ok else "warning",
                message=f"{acknowledgment.rule_id} acknowledged: {acknowledgment.reason}"
                if acknowledgment.reason_ok
                else f"{acknowledgment.rule_id} acknowledged without a real reason "
                f"({acknowledgment.reason!r}): the Fintech pack does not honour it",
                template=template,
                logical_id=logical_id,
                properties={"acknowledged": True, "reasonOk": acknowledgment.reason_ok},
                suppression=acknowledgment.reason,
            )
    for alert in alerts:
        log.add(
            rule_id=alert.rule_id,
            description=f"Posture diff: {alert.rule_id}",
            level=_level(alert.level),
            message=alert.message,
            template=alert.template,
            logical_id=alert.logical_id,
            properties={"postureDiff": True},
        )
    return log.document()
