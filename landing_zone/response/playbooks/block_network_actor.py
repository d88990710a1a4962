"""Playbook 3: block a network actor in the web ACLs of the finding's account and region.

Plan: ``{"ip", "cidr", "version": "IPV4"|"IPV6", "expires_at", "cap"}`` (the triage has already
refused private, AWS-owned and ``never_block`` addresses).

Inspect (read-only, also in dry run): ``wafv2:ListIPSets`` (scope ``REGIONAL``, page by page
with ``NextMarker``, at most :data:`MAX_IP_SET_PAGES` pages of 100: :func:`find_block_lists`)
and the block lists of the plan's IP version among them, found by name: the web ACL construct
names them ``<web-acl-name>-block-ipv4`` and ``<web-acl-name>-block-ipv6``
(``landing_zone/edge/web_acl.py``).
Each one's size and whether it holds the address go into ``before.ip_sets``. No block list in the
account and region → ``not_found`` (recorded and paged as a result, not an error); the address in
every block list → ``already_contained``.

Contain: for each block list still without the address, ``GetIPSet`` then ``UpdateIPSet`` with
the address added and the lock token just read; ``WAFOptimisticLockException`` (someone changed
the set in between) reads again, up to :data:`LOCK_ATTEMPTS` times
(https://docs.aws.amazon.com/waf/latest/APIReference/API_UpdateIPSet.html: the call replaces the
whole address list and description, so both are sent back as read). A list that already holds
``plan.cap`` addresses is left alone: the outcome is ``cap_reached`` and the alert topic gets the
sets at their cap (the page of the result follows as for every contained finding).

Expiry. The address and ``expires_at`` go into the evidence record and into the DynamoDB table
``${IpBlockTableName}`` (security-tooling account, home region; key ``target`` =
``<account>#<region>``, ``cidr``), which the scheduled ``ip_expiry`` workflow queries for expired
entries. Why a table, among the ways the clean-up could learn an address's expiry:

- tags on the IP set (``lz-expires:<cidr>``): 50 tags per resource against a cap of thousands of
  addresses; the set's description holds 256 characters;
- the evidence records: the log archive bucket is Object Lock and denies ``s3:DeleteObject``, so
  nothing marks an expiry as done; the clean-up would list and read every block record ever
  written (years of retention) every day, or one object per address per day; and Step Functions
  cannot read an object body in the emulator the tests run in;
- the IP set alone: it holds no dates.

The table costs one stateful resource but gives the clean-up exactly the expired entries
(``expires_at <= now``), survives a missed day (an entry stays until removed), and a block that
is rolled back or swept deletes its entry. It holds no evidence: the evidence record (WORM) keeps
``plan.expires_at`` and every call.

Rollback: the address removed from the block lists that did not hold it before, and its expiry
entry deleted when this execution wrote it.

Limits: more than :data:`MAX_IP_SET_PAGES` pages of regional IP sets (2,000; the default quota
is 100) fail the execution loudly (``Response.TooManyIpSets``); a block list's full address list
passes through the state document, whose size limit is 256 KiB
(https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html): about 8,000 IPv4 /32
addresses fit, IPv6 /128 addresses fill it from about 6,000 (the execution then fails loudly with
``States.DataLimitExceeded``) — a cap above 5,000 is therefore unsafe for IPv6 lists.

Errors: every Task and Map state catches ``States.ALL`` to the frame's failure path (recorded,
paged, failed; inside a Map iteration through the iteration's fail state). ``States.ALL`` does not
catch ``States.Runtime`` (a path that selects nothing) or ``States.DataLimitExceeded``
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html): those end
the execution as failed without the page and the record.
"""

from __future__ import annotations

from typing import Any, Final

from landing_zone.response.asl import (
    DECIDE,
    FAILURE,
    State,
    States,
    Steps,
    catch_all,
    finish,
    log_call,
    playbook_definition,
    publish_call,
    sdk_call,
)

PLAYBOOK: Final = "block_network_actor"
BLOCK_LIST_SUFFIXES: Final = {"IPV4": "-block-ipv4", "IPV6": "-block-ipv6"}
"""Name suffixes of the web ACLs' block lists by IP version (``WebAcl._block_list``)."""
IP_BLOCK_TABLE: Final = "${IpBlockTableName}"
"""Placeholder of the expiry table's name (security-tooling account, home region)."""
LOCK_ATTEMPTS: Final = 5
"""Reads and writes of one IP set before a lock conflict fails the execution."""
LOCK_ERRORS: Final = (
    # The regional-call Lambda's name (botocore's exception class), the aws-sdk integration's
    # name if it follows the Java SDK v2 class (unverified), and moto's.
    "Wafv2.WAFOptimisticLockException",
    "Wafv2.WafOptimisticLockException",
    "wafv2.WAFOptimisticLockException",
)
CAP_REACHED: Final = "cap_reached"
IP_SET_PAGE: Final = 100
"""IP sets per ``ListIPSets`` page: the API's largest ``Limit``
(https://docs.aws.amazon.com/waf/latest/APIReference/API_ListIPSets.html)."""
MAX_IP_SET_PAGES: Final = 20
"""``ListIPSets`` pages read before the listing fails loudly: 2,000 regional IP sets, twenty
times the default quota of 100 IP sets per account and Region
(https://docs.aws.amazon.com/waf/latest/developerguide/limits.html)."""


# --- journal and Map helpers (also used by ip_expiry) ----------------------------------------


def listed(name: str, expression: str, holder: str, next_state: str) -> States:
    """``{"value": <expression>}`` at ``holder``, always a list: the emulator's JSONPath returns
    the single match of a wildcard or filter path as a scalar, Step Functions a list
    (a match is assumed: a path that selects nothing is an error)."""
    return {
        name: {
            "Type": "Pass",
            "Parameters": {"value.$": expression},
            "ResultPath": holder,
            "Next": f"{name}.IsList",
        },
        f"{name}.IsList": {
            "Type": "Choice",
            "Choices": [{"Variable": f"{holder}.value[0]", "IsPresent": True, "Next": next_state}],
            "Default": f"{name}.Wrap",
        },
        f"{name}.Wrap": {
            "Type": "Pass",
            "Parameters": {"value.$": f"States.Array({holder}.value)"},
            "ResultPath": holder,
            "Next": next_state,
        },
    }


def logged_as(states: States, name: str, result: dict[str, Any]) -> States:
    """``sdk_call`` states whose journal entry records ``result`` instead of the whole result
    (an IP set's address list does not belong in the record)."""
    states[f"{name}.Entry"]["Parameters"] = {"step": name, "result": result}
    return states


def failing_to(states: States, fail_state: str) -> States:
    """States whose transitions and catchers to the frame's ``FAILURE`` go to ``fail_state``
    instead: inside a Map iteration the frame's states are out of reach, so the iteration fails
    with the error it caught (or set at ``$.error``) and the Map's own catcher records it."""
    for state in states.values():
        for transition in [state, *state.get("Catch", []), *state.get("Choices", [])]:
            if transition.get("Next") == FAILURE:
                transition["Next"] = fail_state
        if state.get("Default") == FAILURE:
            state["Default"] = fail_state
    return states


def iteration(start: str, states: States, fail_state: str) -> dict[str, Any]:
    """An inline Map's ItemProcessor; ``fail_state`` fails with ``$.error``, renamed
    ``Response.StepFailed`` (the original name in the Cause) when it is one of the reserved
    ``States.*`` names a Fail state may not raise."""
    return {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": start,
        "States": {
            **failing_to(states, fail_state),
            fail_state: {
                "Type": "Choice",
                "Choices": [
                    {
                        "Variable": "$.error.Error",
                        "StringMatches": "States.*",
                        "Next": f"{fail_state}.Rename",
                    }
                ],
                "Default": f"{fail_state}.Raise",
            },
            f"{fail_state}.Rename": {
                "Type": "Pass",
                "Parameters": {
                    "Error": "Response.StepFailed",
                    "Cause.$": "States.Format('{}: {}', $.error.Error, $.error.Cause)",
                },
                "ResultPath": "$.error",
                "Next": f"{fail_state}.Raise",
            },
            f"{fail_state}.Raise": {
                "Type": "Fail",
                "ErrorPath": "$.error.Error",
                "CausePath": "$.error.Cause",
            },
        },
    }


def each_set(
    name: str, items_path: str, item: dict[str, Any], processor: dict[str, Any], next_state: str
) -> States:
    """A Map over IP sets, one at a time (one writer per set keeps lock conflicts rare); each
    iteration's journal comes back in its output and is recorded as one entry ``name``."""
    return {
        name: {
            "Type": "Map",
            "ItemsPath": items_path,
            "ItemSelector": {**item, "target.$": "$.target", "retry": {"n": 0}},
            "MaxConcurrency": 1,
            "ItemProcessor": processor,
            "ResultPath": f"$.scan.{name}",
            "Next": f"{name}.Entry",
            "Catch": catch_all(),
        },
        **log_call(name, f"$.scan.{name}", next_state),
    }


def find_block_lists(
    call: str, prefix: str, *, found: str, none: str, plan_version: bool
) -> States:
    """The block lists (of ``plan.version`` only when ``plan_version``) among the regional IP
    sets of the target, page by page: ``wafv2:ListIPSets`` with ``Limit`` 100 and, while a
    response holds a ``NextMarker``, again with that marker
    (https://docs.aws.amazon.com/waf/latest/APIReference/API_ListIPSets.html). Starts at
    ``prefix`` (which starts ``$.scan`` afresh); ends with the block lists as
    ``{"block", "Name", "Id", "ARN"}`` in ``$.scan.selected.value`` (and nothing else in
    ``$.scan``), going to ``found`` if there is any, else to ``none``.

    Only each page's block lists are kept from one page to the next: a page (100 IP set
    summaries) passes through the state document once, the 256 KiB payload limit
    (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html) never holds
    more than one page. Every page is one journal entry ``call`` (page number, IP sets on it).
    At most :data:`MAX_IP_SET_PAGES` pages are read: a longer listing fails loudly
    (``Response.TooManyIpSets``, to ``FAILURE``) rather than miss a block list or loop.

    Each page's lists are selected by a Map marking every IP set, then a filter applied only
    when a page holds a match (a JSONPath filter that selects nothing is an error in the
    emulator and, as a path that matches nothing, possibly in Step Functions); lists of
    lists are joined with a ``[*][*]`` path (ASL has no array concatenation)."""
    matches: list[State] = []
    for version, suffix in BLOCK_LIST_SUFFIXES.items():
        by_name: State = {"Variable": "$.set.Name", "StringMatches": f"*{suffix}"}
        by_version: State = {"Variable": "$.version", "StringEquals": version}
        rule = {"And": [by_version, by_name]} if plan_version else by_name
        matches.append({**rule, "Next": f"{prefix}.Keep"})
    item: dict[str, Any] = {"set.$": "$$.Map.Item.Value"}
    if plan_version:
        item["version.$"] = "$.plan.version"
    page_entry = {
        "page.$": "$.scan.page.n",
        "ip_sets.$": "States.ArrayLength($.scan.listed.response.IPSets)",
    }
    states: States = {
        prefix: {
            "Type": "Pass",
            "Parameters": {"page": {"n": 1}, "selected": {"value": []}},
            "ResultPath": "$.scan",
            "Next": call,
        },
        **_list_page(call, call, f"{prefix}.Page", page_entry, first=True),
        **_list_page(f"{call}More", call, f"{prefix}.Page", page_entry, first=False),
        f"{prefix}.Page": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.scan.listed.response.IPSets[0]",
                    "IsPresent": True,
                    "Next": f"{prefix}.Mark",
                }
            ],
            "Default": f"{prefix}.More",
        },
        f"{prefix}.Mark": {
            "Type": "Map",
            "ItemsPath": "$.scan.listed.response.IPSets",
            "ItemSelector": item,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": f"{prefix}.Match",
                "States": {
                    f"{prefix}.Match": {
                        "Type": "Choice",
                        "Choices": matches,
                        "Default": f"{prefix}.Skip",
                    },
                    f"{prefix}.Keep": _mark(True),
                    f"{prefix}.Skip": _mark(False),
                },
            },
            "ResultPath": "$.scan.marked",
            "Next": f"{prefix}.Flags",
            "Catch": catch_all(),
        },
        **listed(f"{prefix}.Flags", "$.scan.marked[*].block", "$.scan.flags", f"{prefix}.Any"),
        f"{prefix}.Any": {
            "Type": "Pass",
            "Parameters": {"any.$": "States.ArrayContains($.scan.flags.value, true)"},
            "ResultPath": "$.scan.hit",
            "Next": f"{prefix}.Hit",
        },
        f"{prefix}.Hit": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.scan.hit.any", "BooleanEquals": True, "Next": f"{prefix}.Hits"}
            ],
            "Default": f"{prefix}.More",
        },
        **listed(
            f"{prefix}.Hits", "$.scan.marked[?(@.block == true)]", "$.scan.hits", f"{prefix}.Join"
        ),
        f"{prefix}.Join": {
            "Type": "Pass",
            "Parameters": {"value.$": "States.Array($.scan.selected.value, $.scan.hits.value)"},
            "ResultPath": "$.scan.pair",
            "Next": f"{prefix}.Flatten",
        },
        **listed(
            f"{prefix}.Flatten", "$.scan.pair.value[*][*]", "$.scan.selected", f"{prefix}.More"
        ),
        f"{prefix}.More": {
            "Type": "Choice",
            "Choices": [
                {
                    "And": [
                        {"Variable": "$.scan.listed.response.NextMarker", "IsPresent": True},
                        {"Variable": "$.scan.listed.response.NextMarker", "IsString": True},
                    ],
                    "Next": f"{prefix}.Count",
                }
            ],
            "Default": f"{prefix}.Done",
        },
        f"{prefix}.Count": {
            "Type": "Pass",
            "Parameters": {"n.$": "States.MathAdd($.scan.page.n, 1)"},
            "ResultPath": "$.scan.page",
            "Next": f"{prefix}.Bound",
        },
        f"{prefix}.Bound": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.scan.page.n",
                    "NumericLessThanEquals": MAX_IP_SET_PAGES,
                    "Next": f"{call}More",
                }
            ],
            "Default": f"{prefix}.TooMany",
        },
        f"{prefix}.TooMany": {
            "Type": "Pass",
            "Parameters": {
                "Error": "Response.TooManyIpSets",
                "Cause": (
                    f"ListIPSets returned more than {MAX_IP_SET_PAGES} pages of "
                    f"{IP_SET_PAGE} regional IP sets: the block lists were not all read"
                ),
            },
            "ResultPath": "$.error",
            "Next": FAILURE,
        },
        # The last page and the marks leave the state document; the block lists stay.
        f"{prefix}.Done": {
            "Type": "Pass",
            "Parameters": {"selected.$": "$.scan.selected"},
            "ResultPath": "$.scan",
            "Next": f"{prefix}.Found",
        },
        f"{prefix}.Found": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.scan.selected.value[0]", "IsPresent": True, "Next": found}],
            "Default": none,
        },
    }
    return states


def _mark(block: bool) -> State:
    return {
        "Type": "Pass",
        "Parameters": {
            "block": block,
            "Name.$": "$.set.Name",
            "Id.$": "$.set.Id",
            "ARN.$": "$.set.ARN",
        },
        "End": True,
    }


def _list_page(
    name: str, step: str, next_state: str, logged: dict[str, Any], *, first: bool
) -> States:
    """``wafv2:ListIPSets`` (regional), the first page or the one after ``NextMarker``, whole
    into ``$.scan.listed.response`` (``NextMarker`` is absent on the last page: a selector
    naming it would fail there); the journal entry is ``{"step": step, "result": logged}``."""
    parameters: dict[str, Any] = {"Scope": "REGIONAL", "Limit": IP_SET_PAGE}
    if not first:
        parameters["NextMarker.$"] = "$.scan.listed.response.NextMarker"
    states = sdk_call(
        name,
        "wafv2",
        "listIPSets",
        parameters,
        next_state=next_state,
        result_path="$.scan.listed",
    )
    states[f"{name}.Entry"]["Parameters"] = {"step": step, "result": logged}
    return states


def _get_set(name: str, next_state: str) -> States:
    return logged_as(
        sdk_call(
            name,
            "wafv2",
            "getIPSet",
            {"Scope": "REGIONAL", "Name.$": "$.set.Name", "Id.$": "$.set.Id"},
            next_state=next_state,
            result_selector={"IPSet.$": "$.IPSet", "LockToken.$": "$.LockToken"},
            result_path="$.get",
        ),
        name,
        {
            "name.$": "$.get.IPSet.Name",
            "lock_token.$": "$.get.LockToken",
            "addresses.$": "States.ArrayLength($.get.IPSet.Addresses)",
        },
    )


def _update_set(prefix: str, addresses: str, logged: dict[str, Any], done: str) -> States:
    """``UpdateIPSet`` with ``addresses`` and the description and lock token just read (two
    calls: one with the description, one for a set without); a lock conflict reads again."""
    states: States = {
        f"{prefix}.Describe": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.get.IPSet.Description",
                    "IsPresent": True,
                    "Next": f"{prefix}Update",
                }
            ],
            "Default": f"{prefix}UpdateBare",
        },
        f"{prefix}.Conflict": {
            "Type": "Pass",
            "Parameters": {"n.$": "States.MathAdd($.retry.n, 1)"},
            "ResultPath": "$.retry",
            "Next": f"{prefix}.Again",
        },
        f"{prefix}.Again": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.retry.n", "NumericLessThan": LOCK_ATTEMPTS, "Next": f"{prefix}Get"}
            ],
            "Default": f"{prefix}.GiveUp",
        },
        f"{prefix}.GiveUp": {
            "Type": "Pass",
            "Parameters": {"Error.$": "$.conflict.Error", "Cause.$": "$.conflict.Cause"},
            "ResultPath": "$.error",
            "Next": f"{prefix}.Fail",
        },
    }
    base = {"Scope": "REGIONAL", "Name.$": "$.set.Name", "Id.$": "$.set.Id"}
    for step, description in ((f"{prefix}Update", True), (f"{prefix}UpdateBare", False)):
        parameters = {
            **base,
            **({"Description.$": "$.get.IPSet.Description"} if description else {}),
            "Addresses.$": addresses,
            "LockToken.$": "$.get.LockToken",
        }
        states.update(
            logged_as(
                sdk_call(
                    step,
                    "wafv2",
                    "updateIPSet",
                    parameters,
                    next_state=done,
                    result_selector={"NextLockToken.$": "$.NextLockToken"},
                    result_path="$.update",
                    catch=[
                        {
                            "ErrorEquals": list(LOCK_ERRORS),
                            "ResultPath": "$.conflict",
                            "Next": f"{prefix}.Conflict",
                        }
                    ],
                ),
                step,
                {**logged, "next_lock_token.$": "$.update.NextLockToken"},
            )
        )
    return states


def _set_output(prefix: str, fields: dict[str, str]) -> States:
    return {
        f"{prefix}.Out": {
            "Type": "Pass",
            "Parameters": {
                "set": {
                    "name.$": "$.set.Name",
                    "id.$": "$.set.Id",
                    "arn.$": "$.set.ARN",
                    **fields,
                },
                "calls.$": "States.StringToJson(States.Format('[{}]', $.journal.text))",
            },
            "End": True,
        }
    }


def _status(prefix: str, status: str) -> State:
    return {"Type": "Pass", "Result": status, "ResultPath": "$.status", "Next": f"{prefix}.Out"}


def _start(prefix: str, result: dict[str, Any], first_call: str) -> States:
    return log_call(f"{prefix}Set", result, first_call, first=True)


def probe_processor() -> dict[str, Any]:
    """One block list, read only: ``{"set": {name, id, arn, addresses, present, full}}``."""
    p = "Probe"
    states: States = {
        **_start(p, {"name.$": "$.set.Name", "id.$": "$.set.Id"}, f"{p}Get"),
        **_get_set(f"{p}Get", f"{p}.Check"),
        f"{p}.Check": {
            "Type": "Pass",
            "Parameters": {
                "present.$": "States.ArrayContains($.get.IPSet.Addresses, $.plan.cidr)",
                "count.$": "States.ArrayLength($.get.IPSet.Addresses)",
            },
            "ResultPath": "$.check",
            "Next": f"{p}.Full",
        },
        f"{p}.Full": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.check.count",
                    "NumericGreaterThanEqualsPath": "$.plan.cap",
                    "Next": f"{p}.AtCap",
                }
            ],
            "Default": f"{p}.BelowCap",
        },
        f"{p}.AtCap": _status(p, "full"),
        f"{p}.BelowCap": _status(p, "open"),
        **_set_output(
            p,
            {
                "addresses.$": "$.check.count",
                "present.$": "$.check.present",
                "capacity.$": "$.status",
            },
        ),
    }
    return iteration(f"{p}Set.Entry", states, f"{p}.Fail")


def add_processor() -> dict[str, Any]:
    """One block list: the address added unless present or at the cap; ``set.status`` is
    ``added``, ``already_present`` or ``cap_reached``."""
    p = "Add"
    # JSONPath has no list append: the list's JSON text without its closing bracket, a comma,
    # the quoted address and the bracket, parsed back (addresses never contain "]").
    appended = (
        "States.StringToJson(States.Format('{},\"{}\"]', States.ArrayGetItem("
        "States.StringSplit(States.JsonToString($.get.IPSet.Addresses), ']'), 0), $.plan.cidr))"
    )
    states: States = {
        **_start(p, {"name.$": "$.set.Name", "id.$": "$.set.Id"}, f"{p}Get"),
        **_get_set(f"{p}Get", f"{p}.Check"),
        f"{p}.Check": {
            "Type": "Pass",
            "Parameters": {
                "present.$": "States.ArrayContains($.get.IPSet.Addresses, $.plan.cidr)",
                "count.$": "States.ArrayLength($.get.IPSet.Addresses)",
            },
            "ResultPath": "$.check",
            "Next": f"{p}.Route",
        },
        f"{p}.Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.check.present", "BooleanEquals": True, "Next": f"{p}.Present"},
                {
                    "Variable": "$.check.count",
                    "NumericGreaterThanEqualsPath": "$.plan.cap",
                    "Next": f"{p}.Capped",
                },
                {"Variable": "$.check.count", "NumericEquals": 0, "Next": f"{p}.First"},
            ],
            "Default": f"{p}.Append",
        },
        f"{p}.First": {
            "Type": "Pass",
            "Parameters": {"addresses.$": "States.Array($.plan.cidr)"},
            "ResultPath": "$.new",
            "Next": f"{p}.Describe",
        },
        f"{p}.Append": {
            "Type": "Pass",
            "Parameters": {"addresses.$": appended},
            "ResultPath": "$.new",
            "Next": f"{p}.Describe",
        },
        **_update_set(
            p,
            "$.new.addresses",
            {"added.$": "$.plan.cidr", "addresses_before.$": "$.check.count"},
            f"{p}.Added",
        ),
        f"{p}.Present": _status(p, "already_present"),
        f"{p}.Capped": _status(p, CAP_REACHED),
        f"{p}.Added": _status(p, "added"),
        **_set_output(p, {"addresses.$": "$.check.count", "status.$": "$.status"}),
    }
    return iteration(f"{p}Set.Entry", states, f"{p}.Fail")


def remove_processor() -> dict[str, Any]:
    """One block list: every address of ``$.cidrs`` removed; ``set.status`` is ``removed`` or
    ``absent`` (none of them was there)."""
    p = "Drop"
    states: States = {
        **_start(p, {"name.$": "$.set.Name", "id.$": "$.set.Id", "remove.$": "$.cidrs"}, f"{p}Get"),
        **_get_set(f"{p}Get", f"{p}.Filter"),
        # JSONPath has no "remove value": a Map keeps each address not in $.cidrs.
        f"{p}.Filter": {
            "Type": "Map",
            "ItemsPath": "$.get.IPSet.Addresses",
            "ItemSelector": {"address.$": "$$.Map.Item.Value", "cidrs.$": "$.cidrs"},
            "ResultSelector": {"all.$": "$"},
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": f"{p}.Test",
                "States": {
                    f"{p}.Test": {
                        "Type": "Pass",
                        "Parameters": {
                            "drop.$": "States.ArrayContains($.cidrs, $.address)",
                            "address.$": "$.address",
                        },
                        "Next": f"{p}.Which",
                    },
                    f"{p}.Which": {
                        "Type": "Choice",
                        "Choices": [
                            {"Variable": "$.drop", "BooleanEquals": True, "Next": f"{p}.Gone"}
                        ],
                        "Default": f"{p}.Kept",
                    },
                    f"{p}.Gone": {"Type": "Pass", "Result": False, "End": True},
                    f"{p}.Kept": {"Type": "Pass", "InputPath": "$.address", "End": True},
                },
            },
            "ResultPath": "$.filter",
            "Next": f"{p}.Dropped",
            "Catch": catch_all(),
        },
        f"{p}.Dropped": {
            "Type": "Pass",
            "Parameters": {
                "any.$": "States.ArrayContains($.filter.all, false)",
                "distinct.$": "States.ArrayLength(States.ArrayUnique($.filter.all))",
                "count.$": "States.ArrayLength($.filter.all)",
            },
            "ResultPath": "$.check",
            "Next": f"{p}.Changed",
        },
        f"{p}.Changed": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.check.any", "BooleanEquals": False, "Next": f"{p}.Absent"},
                {"Variable": "$.check.distinct", "NumericEquals": 1, "Next": f"{p}.Emptied"},
            ],
            "Default": f"{p}.Keep",
        },
        # Every address was to go: the filter below would select nothing.
        f"{p}.Emptied": {
            "Type": "Pass",
            "Result": {"value": []},
            "ResultPath": "$.new",
            "Next": f"{p}.Describe",
        },
        **listed(f"{p}.Keep", "$.filter.all[?(@ != false)]", "$.new", f"{p}.Describe"),
        **_update_set(
            p,
            "$.new.value",
            {"removed.$": "$.cidrs", "addresses_before.$": "$.check.count"},
            f"{p}.Removed",
        ),
        f"{p}.Absent": _status(p, "absent"),
        f"{p}.Removed": _status(p, "removed"),
        **_set_output(p, {"addresses.$": "$.check.count", "status.$": "$.status"}),
    }
    return iteration(f"{p}Set.Entry", states, f"{p}.Fail")


# --- the playbook ------------------------------------------------------------------------------


def _inspect() -> Steps:
    states: States = {
        **find_block_lists(
            "ListIpSets",
            "Inspect.Lists",
            found="InspectIpSets",
            none="Inspect.None",
            plan_version=True,
        ),
        "Inspect.None": {
            "Type": "Pass",
            "Parameters": {"cidr.$": "$.plan.cidr", "ip_sets": []},
            "ResultPath": "$.before",
            "Next": finish("not_found"),
        },
        **each_set(
            "InspectIpSets",
            "$.scan.selected.value",
            {"set.$": "$$.Map.Item.Value", "plan.$": "$.plan"},
            probe_processor(),
            "Inspect.Probed",
        ),
        **listed(
            "Inspect.Probed", "$.scan.InspectIpSets[*].set", "$.scan.probed", "Inspect.Before"
        ),
        "Inspect.Before": {
            "Type": "Pass",
            "Parameters": {
                "cidr.$": "$.plan.cidr",
                "expires_at.$": "$.plan.expires_at",
                "ip_sets.$": "$.scan.probed.value",
            },
            "ResultPath": "$.before",
            "Next": "Inspect.Present",
        },
        **listed(
            "Inspect.Present", "$.before.ip_sets[*].present", "$.scan.present", "Inspect.Missing"
        ),
        "Inspect.Missing": {
            "Type": "Pass",
            "Parameters": {"any.$": "States.ArrayContains($.scan.present.value, false)"},
            "ResultPath": "$.scan.found",
            "Next": "Inspect.Route",
        },
        "Inspect.Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.scan.found.any", "BooleanEquals": True, "Next": "Inspect.Sets"}
            ],
            "Default": finish("already_contained"),
        },
        **listed(
            "Inspect.Sets", "$.before.ip_sets[?(@.present == false)]", "$.scan.missing", DECIDE
        ),
    }
    return Steps("Inspect.Lists", states)


def _contain() -> Steps:
    states: States = {
        **each_set(
            "BlockIpSets",
            "$.scan.missing.value",
            {
                "set": {
                    "Name.$": "$$.Map.Item.Value.name",
                    "Id.$": "$$.Map.Item.Value.id",
                    "ARN.$": "$$.Map.Item.Value.arn",
                },
                "plan.$": "$.plan",
            },
            add_processor(),
            "Contain.Statuses",
        ),
        **listed(
            "Contain.Statuses",
            "$.scan.BlockIpSets[*].set.status",
            "$.scan.statuses",
            "Contain.Tally",
        ),
        "Contain.Tally": {
            "Type": "Pass",
            "Parameters": {
                "added.$": "States.ArrayContains($.scan.statuses.value, 'added')",
                "capped.$": f"States.ArrayContains($.scan.statuses.value, '{CAP_REACHED}')",
            },
            "ResultPath": "$.scan.tally",
            "Next": "Contain.AnyAdded",
        },
        "Contain.AnyAdded": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.scan.tally.added", "BooleanEquals": True, "Next": "RecordExpiry"}
            ],
            "Default": "Contain.AnyCapped",
        },
        # Home region, security-tooling account: the execution role's own call, no Credentials.
        "RecordExpiry": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {
                "TableName": IP_BLOCK_TABLE,
                "Item": {
                    "target": {"S.$": "States.Format('{}#{}', $.target.account, $.target.region)"},
                    "cidr": {"S.$": "$.plan.cidr"},
                    "account": {"S.$": "$.target.account"},
                    "region": {"S.$": "$.target.region"},
                    "role_arn": {"S.$": "$.target.role_arn"},
                    "version": {"S.$": "$.plan.version"},
                    "expires_at": {"S.$": "$.plan.expires_at"},
                    "execution": {"S.$": "$$.Execution.Id"},
                    "finding_id": {"S.$": "$.finding.id"},
                },
            },
            "ResultPath": None,
            "Next": "RecordExpiry.Entry",
            "Catch": catch_all(),
        },
        **log_call(
            "RecordExpiry",
            {"table": IP_BLOCK_TABLE, "cidr.$": "$.plan.cidr", "expires_at.$": "$.plan.expires_at"},
            "Contain.AnyCapped",
        ),
        "Contain.AnyCapped": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.scan.tally.capped", "BooleanEquals": True, "Next": "Capped"},
                {
                    "Variable": "$.scan.tally.added",
                    "BooleanEquals": True,
                    "Next": finish("contained"),
                },
            ],
            "Default": finish("already_contained"),
        },
        **listed(
            "Capped",
            f"$.scan.BlockIpSets[?(@.set.status == '{CAP_REACHED}')].set",
            "$.scan.capped",
            "CapAlert",
        ),
        **publish_call(
            "CapAlert",
            "${AlertTopicArn}",
            "lz-response block_network_actor: block list at its cap",
            {
                "summary.$": (
                    "States.Format('CAP REACHED: {} not blocked in {}/{}: a block list "
                    "holds {} addresses or more', $.plan.cidr, $.target.account, "
                    "$.target.region, $.plan.cap)"
                ),
                "capped.$": "$.scan.capped.value",
                "finding.$": "$.finding",
                "plan.$": "$.plan",
                "execution.$": "$$.Execution.Id",
            },
            finish(CAP_REACHED),
        ),
    }
    return Steps("BlockIpSets", states)


def _rollback() -> Steps:
    states: States = {
        **listed(
            "Rollback.Sets",
            "$.before.ip_sets[?(@.present == false)]",
            "$.scan.restore",
            "UnblockIpSets",
        ),
        **each_set(
            "UnblockIpSets",
            "$.scan.restore.value",
            {
                "set": {
                    "Name.$": "$$.Map.Item.Value.name",
                    "Id.$": "$$.Map.Item.Value.id",
                    "ARN.$": "$$.Map.Item.Value.arn",
                },
                "cidrs.$": "States.Array($.plan.cidr)",
            },
            remove_processor(),
            "ForgetExpiry",
        ),
        # Only the entry this execution wrote: a later block of the address keeps its own.
        "ForgetExpiry": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:deleteItem",
            "Parameters": {
                "TableName": IP_BLOCK_TABLE,
                "Key": {
                    "target": {"S.$": "States.Format('{}#{}', $.target.account, $.target.region)"},
                    "cidr": {"S.$": "$.plan.cidr"},
                },
                "ConditionExpression": "execution = :execution",
                "ExpressionAttributeValues": {":execution": {"S.$": "$.rollback_of"}},
            },
            "ResultPath": None,
            "Next": "ForgetExpiry.Entry",
            "Catch": [
                {
                    "ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"],
                    "ResultPath": None,
                    "Next": "ForgetExpiry.Entry",
                },
                *catch_all(),
            ],
        },
        **log_call(
            "ForgetExpiry",
            {"table": IP_BLOCK_TABLE, "cidr.$": "$.plan.cidr", "execution.$": "$.rollback_of"},
            finish("rolled_back"),
        ),
    }
    return Steps("Rollback.Sets", states)


def definition() -> dict[str, Any]:
    """The ``lz-response-block-network-actor`` state machine definition."""
    return playbook_definition(
        PLAYBOOK,
        inspect=_inspect(),
        contain=_contain(),
        rollback=_rollback(),
        comment=(
            "Adds the finding's remote address to the block lists of the web ACLs in the "
            "finding's account and region, with an expiry the ip_expiry workflow enforces"
        ),
    )
