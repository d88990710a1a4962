"""The posture diff: what a change to the landing zone does to guardrails, access, StackSets,
stateful resources, detection and acknowledged findings, between two synthesized assemblies."""

from landing_zone.report.diff.assembly import AssemblyError
from landing_zone.report.diff.diff import posture_diff
from landing_zone.report.diff.model import Alert, Change, PostureDiff
from landing_zone.report.diff.synth import synthesize_ref

__all__ = ["Alert", "AssemblyError", "Change", "PostureDiff", "posture_diff", "synthesize_ref"]
