"""cdk-nag's names of granular resources: the Python path for pseudo parameters agrees with
the stack's own resolution."""

from __future__ import annotations

import pytest
from aws_cdk import App, Aws, Stack
from aws_cdk import aws_s3 as s3
from conftest import cdk_context

from landing_zone.common import pseudo
from landing_zone.common.nag import granular_resource, resolved_granular_resource


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Test")


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:s3:::literal-bucket/*",
        f"arn:{pseudo.PARTITION}:logs:{pseudo.REGION}:{pseudo.ACCOUNT_ID}:log-group:*",
        f"arn:{Aws.PARTITION}:kms:{Aws.REGION}:{Aws.ACCOUNT_ID}:key/*",
        f"arn:{pseudo.PARTITION}:execute-api:{pseudo.REGION}:*/*.{pseudo.URL_SUFFIX}",
        f"{pseudo.REGION}",
    ],
)
def test_pseudo_parameters_are_named_as_the_stack_resolves_them(value: str) -> None:
    stack = _stack()
    assert granular_resource(stack, value) == resolved_granular_resource(stack, value)


def test_other_tokens_are_resolved_in_their_stack() -> None:
    stack = _stack()
    bucket = s3.Bucket(stack, "Bucket")
    value = f"{bucket.bucket_arn}/{pseudo.ACCOUNT_ID}/*"
    text = granular_resource(stack, value)
    assert text == resolved_granular_resource(stack, value)
    assert text.startswith("<Bucket")
    assert text.endswith(".Arn>/<AWS::AccountId>/*")
