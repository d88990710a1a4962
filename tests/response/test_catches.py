"""Every Task and Map state of every response workflow has a failure path.

A Task or Map state without a ``Catch`` for ``States.ALL`` fails the execution on an error
without the page and the evidence record the failure path gives. A state inside a Map's
ItemProcessor is covered by the Map's own catcher (an iteration's error fails the Map with that
error), so it needs no catcher of its own; every other one does, except those listed below with
the reason.

``States.ALL`` does not catch ``States.Runtime`` (a path that selects nothing, for example) or
``States.DataLimitExceeded`` (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):
those fail an execution whatever the definition says; this test is about every other error.

The definitions are those ``ResponseWorkflows`` is given (``response_definitions``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from landing_zone.config.model import PLAYBOOKS
from landing_zone.response.asl import FAILURE
from stacks.security_tooling_stack import response_definitions

CATCHING = frozenset({"Task", "Map", "Parallel"})
"""State types that can have a ``Catch`` (and can fail on their own)."""

FRAME: tuple[str, ...] = PLAYBOOKS
"""Workflows built on ``asl.playbook_definition`` (the frame's failure and result states)."""

UNCAUGHT: Mapping[tuple[str, str], str] = {
    **{
        (workflow, "Failed.Page"): "the frame's FAILED page is the failure path's own last "
        "call: the record is written, nothing is left to route an error to"
        for workflow in FRAME
    },
    **{
        (workflow, "Failed.EvidencePage"): "the frame's page that the evidence could not be "
        "written: the failure path of the evidence write itself"
        for workflow in FRAME
    },
    ("ip_expiry", "Failed.Alert"): "the failure path's own alert, after its record",
    ("ip_expiry", "Failed.EvidenceAlert"): "the alert that the evidence was not written",
    ("drill", FAILURE): "the drill's failure path itself (alerts, then fails)",
}
"""Task and Map states with no catcher for ``States.ALL`` and no catching Map around them, on
purpose: (workflow, state path) -> why. A path inside a Map is ``<map>/<state>``."""

ELSEWHERE: Mapping[tuple[str, str], str] = {
    **{
        (workflow, "Rollback.Load"): "Rollback.Invalid: a rollback input that names no "
        "readable execution has no state document to record; it fails at once"
        for workflow in FRAME
    },
    **{
        (workflow, "Evidence.Write"): "Failed.EvidencePage: the record itself was not written"
        for workflow in FRAME
    },
    **{
        (workflow, f"Result.{kind}"): "Failed.Fail: the record is written; a result that "
        "could not be sent fails the execution"
        for workflow in FRAME
        for kind in ("Page", "Notify", "Ticket")
    },
    ("ip_expiry", "Evidence.Write"): "Failed.EvidenceAlert: the record itself was not written",
    ("ip_expiry", "Failed.Write"): "Failed.Alert: the failure record was not written",
}
"""Top-level states whose ``States.ALL`` catcher goes somewhere other than ``FAILURE``."""


def _states(
    states: Mapping[str, Any], *, path: str = "", covered: bool = False
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(path, state, covered by a catching Map around it) for every state, Map processors
    and Parallel branches included."""
    for name, state in states.items():
        yield f"{path}{name}", state, covered
        inner = covered or _catches_all(state) is not None
        if state["Type"] == "Map":
            yield from _states(
                state["ItemProcessor"]["States"], path=f"{path}{name}/", covered=inner
            )
        for index, branch in enumerate(state.get("Branches", [])):
            yield from _states(branch["States"], path=f"{path}{name}[{index}]/", covered=inner)


def _catches_all(state: Mapping[str, Any]) -> dict[str, Any] | None:
    for catcher in state.get("Catch", []):
        if "States.ALL" in catcher["ErrorEquals"]:
            found: dict[str, Any] = catcher
            return found
    return None


def uncaught(definitions: Mapping[str, Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(workflow, state path) of every Task/Map/Parallel state an error would leave without a
    catcher: none of its own for ``States.ALL`` and no Map around it with one."""
    return {
        (workflow, path)
        for workflow, definition in definitions.items()
        for path, state, covered in _states(definition["States"])
        if state["Type"] in CATCHING and not covered and _catches_all(state) is None
    }


@pytest.fixture(scope="module")
def definitions() -> dict[str, dict[str, Any]]:
    return response_definitions()


def test_every_task_and_map_state_has_a_failure_path(
    definitions: dict[str, dict[str, Any]],
) -> None:
    missing = uncaught(definitions) - set(UNCAUGHT)

    assert not missing, f"Task/Map states without a Catch for States.ALL: {sorted(missing)}"


def test_the_listed_exceptions_exist_and_are_still_uncaught(
    definitions: dict[str, dict[str, Any]],
) -> None:
    # A stale exception would hide a state that later loses its catcher.
    assert set(UNCAUGHT) <= uncaught(definitions)


def test_top_level_catchers_go_to_the_failure_path(
    definitions: dict[str, dict[str, Any]],
) -> None:
    elsewhere: set[tuple[str, str]] = set()
    for workflow, definition in definitions.items():
        for name, state in definition["States"].items():
            catcher = _catches_all(state)
            if catcher is not None and catcher["Next"] != FAILURE:
                elsewhere.add((workflow, name))

    assert elsewhere == set(ELSEWHERE)


def test_the_walk_finds_an_uncaught_map_and_what_a_catching_map_covers() -> None:
    # The check itself can fail: a Map without a catcher is reported and so is its inner
    # Task (nothing catches the Map's error); the inner Task of a catching Map is covered; a
    # catcher of named errors only is no catcher for States.ALL.
    task = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": True}
    processor = {"StartAt": "Inner", "States": {"Inner": task}}
    catch = [{"ErrorEquals": ["States.ALL"], "Next": FAILURE}]
    machine = {
        "States": {
            "Bare": {"Type": "Map", "ItemProcessor": processor, "Next": "Caught"},
            "Caught": {"Type": "Map", "ItemProcessor": processor, "Catch": catch, "End": True},
            "Alone": {**task, "Catch": [{"ErrorEquals": ["Some.Error"], "Next": FAILURE}]},
            FAILURE: {"Type": "Fail"},
        }
    }

    assert uncaught({"w": machine}) == {("w", "Bare"), ("w", "Bare/Inner"), ("w", "Alone")}
