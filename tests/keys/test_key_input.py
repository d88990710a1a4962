"""Where the landing zone takes a KMS key, a ``DataClassKey`` works as well, and anything else
fails at the call site with the prop, what was received and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from conftest import cdk_context

from landing_zone.keys import DataClassKey, DataClassKeyReplica, as_key, defaults

ENV = Environment(account="111111111111", region="eu-west-1")
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Keys", env=ENV)


def _data_class_key(stack: Stack) -> DataClassKey:
    return DataClassKey(stack, "Data", data_class="data", alias_prefix="acme", services=["s3"])


def test_a_data_class_key_gives_its_kms_key() -> None:
    key = _data_class_key(_stack())
    assert as_key("encryption_key", key) is key.key


def test_a_kms_key_and_an_imported_key_pass_unchanged() -> None:
    stack = _stack()
    key = kms.Key(stack, "Key")
    imported = kms.Key.from_key_arn(stack, "Imported", KEY_ARN)
    assert as_key("encryption_key", key) is key
    assert as_key("encryption_key", imported) is imported


@pytest.mark.parametrize(
    ("value", "received"),
    [
        (KEY_ARN, f"the string {KEY_ARN!r} (pass kms.Key.from_key_arn(...) for a key ARN)"),
        (None, "None"),
        (42, "a builtins.int"),
    ],
)
def test_rejects_what_is_no_key_naming_the_prop_and_the_value(value: Any, received: str) -> None:
    with pytest.raises(TypeError) as raised:
        as_key("log_key", value)
    message = str(raised.value)
    assert message.startswith(f"log_key: got {received}; allowed: a kms.IKey")
    assert "DataClassKey (what DataClassKeys.key_for(...) returns)" in message


def test_rejects_a_bucket_naming_its_type() -> None:
    bucket = s3.Bucket(_stack(), "Bucket")
    with pytest.raises(TypeError, match=r"^kms_key: got a aws_cdk\.aws_s3\.Bucket; allowed"):
        as_key("kms_key", bucket)


def test_rejects_a_replica_and_says_how_to_use_it() -> None:
    replica = DataClassKeyReplica(
        _stack(), "Replica", data_class="data", alias_prefix="acme", primary_region="eu-central-1"
    )
    with pytest.raises(TypeError, match=r"^key: got a DataClassKeyReplica.*from_key_arn"):
        as_key("key", replica)


def test_the_encryption_props_take_a_data_class_key() -> None:
    key = _data_class_key(_stack())
    assert defaults.bucket_encryption(key)["encryption_key"] is key.key
    assert defaults.log_group_encryption(key) == {"encryption_key": key.key}
    assert defaults.queue_encryption(key)["encryption_master_key"] is key.key
    assert defaults.sagemaker_kms_key_id(key) == key.key.key_arn


def test_the_encryption_props_reject_a_key_arn_at_the_call_site() -> None:
    with pytest.raises(TypeError, match=r"^key: got the string"):
        defaults.sagemaker_kms_key_id(KEY_ARN)  # type: ignore[arg-type]
