"""Shared by the playbook tests of IP blocking (block_network_actor, ip_expiry) and the other
emulated playbooks: the expiry table, real-looking block lists, and two moto 5.2.1 gaps."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from tests.response.emulated import Emulated, workflow_input

TABLE = "lz-response-ip-blocks"
IPV4 = "198.51.100.7/32"
IPV6 = "2001:db8:4006:812::200e/128"
EXPIRES = "2027-01-01T10:00:00Z"
WEB_ACLS = ("shop", "api")
EXISTING = {"IPV4": ["203.0.113.9/32"], "IPV6": ["2001:db8::1/128"]}


def patch_moto(aws: Emulated, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two gaps of moto 5.2.1's Step Functions that a second execution and a rollback hit:

    - ``start_execution`` deep-copies the state machine, which references the backend, whose
      finished executions hold a thread lock: "cannot pickle '_thread.RLock'". The backend is
      shared state, not something to copy;
    - ``aws-sdk:sfn:describeExecution`` passes the integration's PascalCase parameters to a
      boto3 client whose model is camelCase and returns camelCase keys; AWS's integration
      takes and returns PascalCase.
    """
    monkeypatch.setattr(
        StepFunctionsParserBackend, "__deepcopy__", lambda self, memo: self, raising=False
    )

    def request(params: dict[str, Any], **_: Any) -> None:
        for key in [key for key in params if key[:1].isupper()]:
            params[key[0].lower() + key[1:]] = params.pop(key)

    def response(parsed: dict[str, Any], **_: Any) -> None:
        for key in list(parsed):
            if key[:1].islower():
                parsed.setdefault(key[0].upper() + key[1:], parsed[key])

    session = boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register("provide-client-params.sfn.DescribeExecution", request)
    session.events.register("after-call.sfn.DescribeExecution", response)


def create_table(aws: Emulated) -> None:
    aws.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "target", "KeyType": "HASH"},
            {"AttributeName": "cidr", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "target", "AttributeType": "S"},
            {"AttributeName": "cidr", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    aws.substitutions["IpBlockTableName"] = TABLE


def create_block_lists(
    aws: Emulated, acls: tuple[str, ...] = WEB_ACLS, *, allow_list: bool = True
) -> dict[str, str]:
    """The block lists of ``acls`` as ``WebAcl`` creates them (with an address each) and, with
    ``allow_list``, an allow list that is no block list; returns name -> id."""
    waf = aws.client("wafv2")
    ids: dict[str, str] = {}
    for acl in acls:
        for version in ("IPV4", "IPV6"):
            name = f"{acl}-block-ipv{version[-1]}"
            ids[name] = waf.create_ip_set(
                Name=name,
                Scope="REGIONAL",
                IPAddressVersion=version,
                Addresses=list(EXISTING[version]),
                Description=f"IPv{version[-1]} addresses that incident response blocks",
            )["Summary"]["Id"]
    if allow_list:
        ids["office-allow"] = waf.create_ip_set(
            Name="office-allow", Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=[]
        )["Summary"]["Id"]
    return ids


UNRELATED_SETS = 130
"""Regional IP sets that are no block lists, to push block lists past the first page."""


def create_unrelated_ip_sets(aws: Emulated, count: int = UNRELATED_SETS) -> None:
    """``count`` regional IP sets that are no block lists (partners' allow lists)."""
    waf = aws.client("wafv2")
    for index in range(count):
        waf.create_ip_set(
            Name=f"partner-{index:03d}-allow",
            Scope="REGIONAL",
            IPAddressVersion="IPV4",
            Addresses=[f"192.0.2.{index % 256}/32"],
        )


def paged_block_lists(aws: Emulated) -> dict[str, str]:
    """More than 100 regional IP sets: the ``shop`` block lists and an allow list first, then
    :data:`UNRELATED_SETS` unrelated sets, then the ``api`` block lists, which therefore are on
    the second ``ListIPSets`` page of 100 (moto lists in creation order; checked here, so the
    tests that rely on it fail if that changes). Returns name -> id of the first five."""
    ids = create_block_lists(aws, ("shop",))
    create_unrelated_ip_sets(aws)
    ids |= create_block_lists(aws, ("api",), allow_list=False)
    waf = aws.client("wafv2")
    first = waf.list_ip_sets(Scope="REGIONAL", Limit=100)
    names = {summary["Name"] for summary in first["IPSets"]}
    assert {"shop-block-ipv4", "shop-block-ipv6"} <= names, "shop lists on the first page"
    assert not {"api-block-ipv4", "api-block-ipv6"} & names, "api lists past the first page"
    assert first.get("NextMarker"), "moto paginates ListIPSets"
    return ids


def forcing_error(definition: dict[str, Any], path: tuple[str, ...], inner: str) -> dict[str, Any]:
    """``definition`` with the state ``inner`` of the Map at ``path`` (outer Map names first)
    replaced by a Fail state raising ``Test.Forced``: an error inside that Map."""
    states = definition["States"]
    for name in path:
        states = states[name]["ItemProcessor"]["States"]
    assert inner in states, f"{inner} is no state of {'/'.join(path)}"
    states[inner] = {"Type": "Fail", "Error": "Test.Forced", "Cause": f"forced in {inner}"}
    return definition


def ip_set(aws: Emulated, ids: dict[str, str], name: str) -> dict[str, Any]:
    found: dict[str, Any] = aws.client("wafv2").get_ip_set(
        Name=name, Scope="REGIONAL", Id=ids[name]
    )["IPSet"]
    return found


def addresses(aws: Emulated, ids: dict[str, str]) -> dict[str, list[str]]:
    return {name: sorted(ip_set(aws, ids, name)["Addresses"]) for name in ids}


def plan(cidr: str = IPV4, *, cap: int = 8000) -> dict[str, Any]:
    version = "IPV6" if ":" in cidr else "IPV4"
    return {
        "ip": cidr.split("/")[0],
        "cidr": cidr,
        "version": version,
        "expires_at": EXPIRES,
        "cap": cap,
    }


def block_input(cidr: str = IPV4, **kwargs: Any) -> dict[str, Any]:
    cap = kwargs.pop("cap", 8000)
    return workflow_input(
        "block_network_actor",
        plan=plan(cidr, cap=cap),
        finding_type="UnauthorizedAccess:EC2/SSHBruteForce",
        **kwargs,
    )


def expiry_items(aws: Emulated) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = aws.client("dynamodb").scan(TableName=TABLE)["Items"]
    return items
