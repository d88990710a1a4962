"""The regional-call handler: assumes the response role, calls the finding's region, names errors
as the aws-sdk integration does; exact calls asserted with botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from landing_zone.response.runtime import regional_call
from landing_zone.response.runtime.regional_call import ALLOWED_CALLS, RegionalCallError, call

ROLE = "arn:aws:iam::666666666666:role/lz-response"
CREDENTIALS = {
    "AccessKeyId": "ASIAEXAMPLEASSUMED01",
    "SecretAccessKey": "secret-of-the-session",
    "SessionToken": "token-of-the-session",
    "Expiration": datetime(2026, 12, 1, 10, 15, tzinfo=UTC),
}


class Factory:
    """Builds real boto3 clients for the requested region and credentials, stubbed."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.stubbers: dict[str, Stubber] = {}
        self.clients: dict[str, Any] = {}

    def prepare(self, service: str, region: str) -> Stubber:
        client = boto3.client(
            service,
            region_name=region,
            aws_access_key_id=CREDENTIALS["AccessKeyId"],
            aws_secret_access_key=CREDENTIALS["SecretAccessKey"],
            aws_session_token=CREDENTIALS["SessionToken"],
        )
        stubber = Stubber(client)
        stubber.activate()
        self.clients[service], self.stubbers[service] = client, stubber
        return stubber

    def __call__(self, service: str, region: str, credentials: Mapping[str, str]) -> Any:
        self.requests.append((service, region, dict(credentials)))
        return self.clients[service]


@pytest.fixture
def sts() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "sts", region_name="eu-west-1", aws_access_key_id="lambda", aws_secret_access_key="role"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def expect_assume(stubber: Stubber, session: str = "lz-response-regional-call") -> None:
    stubber.add_response(
        "assume_role",
        {
            "Credentials": CREDENTIALS,
            "AssumedRoleUser": {
                "AssumedRoleId": f"AROAEXAMPLERESPONSE1:{session}",
                "Arn": f"arn:aws:sts::666666666666:assumed-role/lz-response/{session}",
            },
        },
        {"RoleArn": ROLE, "RoleSessionName": session, "DurationSeconds": 900},
    )


def test_call_assumes_the_role_and_calls_the_finding_region(sts: tuple[Any, Stubber]) -> None:
    client, stubber = sts
    expect_assume(stubber, "lz-response-0123abcd-20261201T100000000Z")
    factory = Factory()
    ec2 = factory.prepare("ec2", "eu-central-1")
    ec2.add_response(
        "describe_instances",
        {
            "Reservations": [
                {
                    "ReservationId": "r-0123456789abcdef0",
                    "Instances": [
                        {
                            "InstanceId": "i-0c1c2c3c4c5c6c7c8",
                            "LaunchTime": datetime(2026, 11, 20, 8, 12, 44, tzinfo=UTC),
                            "VpcId": "vpc-0e1e2e3e4e5e6e7e8",
                        }
                    ],
                }
            ]
        },
        {"InstanceIds": ["i-0c1c2c3c4c5c6c7c8"]},
    )
    result = call(
        {
            "role_arn": ROLE,
            "region": "eu-central-1",
            "service": "ec2",
            "action": "describeInstances",
            "parameters": {"InstanceIds": ["i-0c1c2c3c4c5c6c7c8"]},
            "execution_name": "0123abcd-20261201T100000000Z",
        },
        sts=client,
        client_for=factory,
    )
    assert factory.requests == [
        (
            "ec2",
            "eu-central-1",
            {
                "aws_access_key_id": "ASIAEXAMPLEASSUMED01",
                "aws_secret_access_key": "secret-of-the-session",
                "aws_session_token": "token-of-the-session",
            },
        )
    ]
    assert factory.clients["ec2"].meta.region_name == "eu-central-1"
    assert result == {
        "Reservations": [
            {
                "ReservationId": "r-0123456789abcdef0",
                "Instances": [
                    {
                        "InstanceId": "i-0c1c2c3c4c5c6c7c8",
                        "LaunchTime": "2026-11-20T08:12:44+00:00",
                        "VpcId": "vpc-0e1e2e3e4e5e6e7e8",
                    }
                ],
            }
        ]
    }
    ec2.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("service", "action", "method"),
    [
        ("wafv2", "listIPSets", "list_ip_sets"),
        ("wafv2", "updateIPSet", "update_ip_set"),
        ("autoscaling", "describeAutoScalingInstances", "describe_auto_scaling_instances"),
        ("ec2", "modifyInstanceAttribute", "modify_instance_attribute"),
        ("s3", "getBucketPolicy", "get_bucket_policy"),
    ],
)
def test_camel_case_actions_map_to_the_client_methods(
    service: str, action: str, method: str
) -> None:
    client = boto3.client(service, region_name="eu-central-1")
    assert regional_call._method(client, action).__name__ == method


def test_every_allowed_call_is_a_real_operation() -> None:
    for service, action in sorted(ALLOWED_CALLS):
        client = boto3.client(service, region_name="eu-central-1")
        assert callable(regional_call._method(client, action)), (service, action)
        assert service in regional_call.SERVICE_ERROR_NAMES


@pytest.mark.parametrize(
    ("service", "action"),
    [
        ("ec2", "terminateInstances"),
        ("ec2", "deleteSnapshot"),
        ("iam", "createAccessKey"),
        ("s3", "deleteBucket"),
        ("sts", "assumeRole"),
        (None, None),
    ],
)
def test_calls_outside_the_allow_list_are_refused_before_any_role_is_assumed(
    sts: tuple[Any, Stubber], service: Any, action: Any
) -> None:
    client, _ = sts  # no response queued: assuming a role would fail the stubber
    factory = Factory()
    with pytest.raises(RegionalCallError) as raised:
        call(
            {"role_arn": ROLE, "region": "eu-central-1", "service": service, "action": action},
            sts=client,
            client_for=factory,
        )
    assert type(raised.value).__name__ == "RegionalCall.NotAllowedException"
    assert factory.requests == []


def test_modelled_service_error_gets_the_integrations_name(sts: tuple[Any, Stubber]) -> None:
    client, stubber = sts
    expect_assume(stubber)
    factory = Factory()
    iam = factory.prepare("iam", "eu-central-1")
    iam.add_client_error(
        "get_role_policy",
        service_error_code="NoSuchEntity",
        service_message="The role policy with name lz-response-revoke cannot be found.",
        http_status_code=404,
    )
    with pytest.raises(RegionalCallError) as raised:
        call(
            {
                "role_arn": ROLE,
                "region": "eu-central-1",
                "service": "iam",
                "action": "getRolePolicy",
                "parameters": {"RoleName": "payments-api-role", "PolicyName": "lz-response-revoke"},
            },
            sts=client,
            client_for=factory,
        )
    assert type(raised.value).__name__ == "Iam.NoSuchEntityException"
    assert str(raised.value).startswith("The role policy with name lz-response-revoke")
    assert str(raised.value).endswith("Error Code: NoSuchEntity)")


def test_unmodelled_service_error_gets_the_services_generic_name(
    sts: tuple[Any, Stubber],
) -> None:
    client, stubber = sts
    expect_assume(stubber)
    factory = Factory()
    ec2 = factory.prepare("ec2", "eu-central-1")
    ec2.add_client_error(
        "modify_instance_attribute",
        service_error_code="InvalidInstanceID.NotFound",
        service_message="The instance ID 'i-0c1c2c3c4c5c6c7c8' does not exist",
    )
    with pytest.raises(RegionalCallError) as raised:
        call(
            {
                "role_arn": ROLE,
                "region": "eu-central-1",
                "service": "ec2",
                "action": "modifyInstanceAttribute",
                "parameters": {
                    "InstanceId": "i-0c1c2c3c4c5c6c7c8",
                    "DisableApiTermination": {"Value": True},
                },
            },
            sts=client,
            client_for=factory,
        )
    assert type(raised.value).__name__ == "Ec2.Ec2Exception"
    assert "Error Code: InvalidInstanceID.NotFound" in str(raised.value)


def test_assume_role_refusal_is_named_like_sts_errors(sts: tuple[Any, Stubber]) -> None:
    client, stubber = sts
    stubber.add_client_error("assume_role", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(RegionalCallError) as raised:
        call(
            {
                "role_arn": ROLE,
                "region": "eu-central-1",
                "service": "ec2",
                "action": "describeInstances",
                "parameters": {},
            },
            sts=client,
            client_for=Factory(),
        )
    assert type(raised.value).__name__ == "Sts.StsException"
    assert "Status Code: 403" in str(raised.value)


def test_error_names_without_exception_suffix_get_one() -> None:
    error = regional_call.service_error(
        "s3",
        boto3.client("s3", region_name="eu-central-1").exceptions.NoSuchBucket(
            {"Error": {"Code": "NoSuchBucket", "Message": "gone"}}, "GetBucketPolicy"
        ),
    )
    assert type(error).__name__ == "S3.NoSuchBucketException"


def test_request_without_role_or_region_is_invalid(sts: tuple[Any, Stubber]) -> None:
    client, _ = sts
    with pytest.raises(RegionalCallError) as raised:
        call(
            {"service": "ec2", "action": "describeInstances", "parameters": {}},
            sts=client,
            client_for=Factory(),
        )
    assert type(raised.value).__name__ == "RegionalCall.InvalidRequestException"


def test_session_names_fit_sts() -> None:
    assert regional_call.session_name(None) == "lz-response-regional-call"
    long = regional_call.session_name("x" * 100 + " bad/chars")
    assert len(long) == 64
    assert long.startswith("lz-response-xxx")
    assert regional_call.session_name("a b/c") == "lz-response-a-b-c"


def test_error_classes_are_reused_per_name() -> None:
    assert regional_call.error_class("Ec2.Ec2Exception") is regional_call.error_class(
        "Ec2.Ec2Exception"
    )
