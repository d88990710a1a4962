"""``is_unresolved`` answers as ``Token.is_unresolved`` does, without Node for plain values."""

from __future__ import annotations

import struct
from typing import Any

import jsii
import pytest
from aws_cdk import (
    Aws,
    Duration,
    Fn,
    IStableAnyProducer,
    IStableListProducer,
    IStableNumberProducer,
    IStableStringProducer,
    Lazy,
    Stack,
    Token,
)
from aws_cdk import aws_s3 as s3

from landing_zone.common.tokens import is_unresolved


@jsii.implements(
    IStableAnyProducer, IStableListProducer, IStableNumberProducer, IStableStringProducer
)
class _Producer:
    def __init__(self, value: Any) -> None:
        self._value = value

    def produce(self) -> Any:
        return self._value


def _real_tokens() -> dict[str, Any]:
    stack = Stack()
    bucket = s3.CfnBucket(stack, "Bucket")
    number = Token.as_number(Fn.ref("Count"))
    return {
        "lazy string": Lazy.string(_Producer("x")),
        "lazy number": Lazy.number(_Producer(3)),
        "lazy list": Lazy.list(_Producer(["a"])),
        "lazy list of two": Lazy.list(_Producer(["a", "b"])),
        "account id": Aws.ACCOUNT_ID,
        "ref": Fn.ref("Thing"),
        "get att": bucket.attr_arn,
        "string in text": f"arn:aws:s3:::{bucket.ref}/*",
        "two tokens": f"{Aws.REGION}-{Aws.ACCOUNT_ID}",
        "number": number,
        "number as string": Token.as_string(number),
        "number in text with a string token": f"{number}-{Aws.REGION}",
        "number in text alone": f"port {number}",
        "list from split": Fn.split(",", Fn.ref("Csv")),
        "list from azs": Fn.get_azs(),
        "list token as string": Fn.join(",", Fn.split(",", Fn.ref("Csv"))),
        "list token beside a literal": [*Fn.split(",", Fn.ref("Csv")), "x"],
    }


LITERALS: dict[str, Any] = {
    "empty string": "",
    "literal account id": "123456789012",
    "region": "eu-west-1",
    "marker only": "Token[",
    "unclosed": "${Token[TOKEN.1",
    "bad key": "${Token[TOKEN 1]}",
    "list marker in a string": "#{Token[TOKEN.1]}",
    "encoding without a known token": "${Token[TOKEN.999999]}",
    "stringified number without marker": "-1.8881545897087626e+289",
    "stringified number beside marker": "Token[ -1.8881545897087626e+289",
    "non-ASCII digits": "Token[ -1.٣٣٣٣٣٣٣٣٣٣e+289",
    "zero": 0,
    "integer": 42,
    "negative": -7,
    "float": 2.5,
    "huge negative float": -1.888e289,
    "encoded number without a known token": struct.unpack("<d", struct.pack("<II", 5, 0xFBFF0001))[
        0
    ],
    "marker bits off by one": struct.unpack("<d", struct.pack("<II", 5, 0xFBFE0001))[0],
    "integer beyond a double": 10**400,
    "integer rounded to a double": 2**64 + 1,
    "true": True,
    "false": False,
    "none": None,
    "empty list": [],
    "list of one literal": ["a"],
    "list of two literals": ["a", "b"],
    "list of one number": [3],
    "list holding a string token among others": [Aws.ACCOUNT_ID, "x"],
    "dict": {"a": 1},
}

EXPECTED_UNRESOLVED = {
    "lazy string",
    "lazy number",
    "lazy list",
    "lazy list of two",
    "account id",
    "ref",
    "get att",
    "string in text",
    "two tokens",
    "number",
    "number as string",
    "number in text with a string token",
    "list from split",
    "list from azs",
    "list token as string",
    "stringified number beside marker",
    "encoding without a known token",
    "encoded number without a known token",
}
"""What aws-cdk-lib answers, written down so a change on either side is seen."""


def _cases() -> list[tuple[str, Any]]:
    return [*_real_tokens().items(), *LITERALS.items()]


@pytest.mark.parametrize(("name", "value"), _cases(), ids=[name for name, _ in _cases()])
def test_answers_as_token_is_unresolved(name: str, value: Any) -> None:
    expected = Token.is_unresolved(value)
    assert expected is (name in EXPECTED_UNRESOLVED)
    assert is_unresolved(value) is expected


@pytest.mark.parametrize(
    ("name", "value"),
    [(name, value) for name, value in _cases() if not isinstance(value, dict)],
    ids=[name for name, value in _cases() if not isinstance(value, dict)],
)
def test_plain_values_never_call_node(
    name: str, value: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(_value: object) -> bool:
        raise AssertionError(f"{name}: Token.is_unresolved called for {type(value).__name__}")

    monkeypatch.setattr(Token, "is_unresolved", fail)
    assert is_unresolved(value) is (name in EXPECTED_UNRESOLVED)


def test_other_objects_are_asked_of_node() -> None:
    resolvable = Lazy.any(_Producer("x"))
    duration = Duration.minutes(5)
    assert is_unresolved(resolvable) is Token.is_unresolved(resolvable) is True
    assert is_unresolved(duration) is Token.is_unresolved(duration) is False
