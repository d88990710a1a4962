"""Lambda handler of ``lz-response-regional-call``: one allow-listed AWS API call in a finding's
account and region, for the playbook steps that the ``aws-sdk`` integration cannot make there
(it calls the state machine's own region only, https://github.com/aws/aws-cdk/pull/30061).

Input: ``{"role_arn", "region", "service", "action", "parameters"}`` and optionally
``"execution_name"`` (the session name then names the playbook execution in the target account's
CloudTrail). ``service`` and ``action`` are spelled as in an ``aws-sdk:<service>:<action>``
resource (``ec2``, ``modifyInstanceAttribute``); ``parameters`` is the PascalCase request, as the
integration takes it. The function assumes ``role_arn``, makes the call in ``region`` and returns
the response without ``ResponseMetadata``, timestamps as ISO 8601 strings.

Errors carry the names the ``aws-sdk`` integration gives them, so one Catch serves both branches
of a playbook step: ``<Service>.<Exception>``, the service in PascalCase and the exception with
its ``Exception`` suffix
(https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html): the SDK's
modelled exception for the error code (``Iam.NoSuchEntityException``,
``Wafv2.WAFOptimisticLockException``), else the service's generic one (``Ec2.Ec2Exception``: EC2
models no error codes). Step Functions matches a Lambda error by the ``errorType`` the Python
runtime reports, the exception's class name
(https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html,
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html). The message (the
``Cause``) ends with ``Error Code: <code>`` so a Choice can still tell codes apart with
``StringMatches`` (``*Error Code: InvalidInstanceID.NotFound*``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import ClientError

ALLOWED_CALLS: frozenset[tuple[str, str]] = frozenset(
    {
        # isolate_instance
        ("ec2", "describeInstances"),
        ("ec2", "describeVolumes"),
        ("ec2", "describeSnapshots"),
        ("ec2", "modifyInstanceAttribute"),
        ("ec2", "createSecurityGroup"),
        ("ec2", "describeSecurityGroups"),
        ("ec2", "authorizeSecurityGroupIngress"),
        ("ec2", "describeSecurityGroupRules"),
        ("ec2", "revokeSecurityGroupEgress"),
        ("ec2", "revokeSecurityGroupIngress"),
        ("ec2", "createSnapshot"),
        ("ec2", "createTags"),
        ("autoscaling", "describeAutoScalingInstances"),
        ("autoscaling", "detachInstances"),
        # contain_credentials (IAM is global; listed for playbooks that route every call alike)
        ("iam", "updateAccessKey"),
        ("iam", "listAccessKeys"),
        ("iam", "putRolePolicy"),
        ("iam", "getRolePolicy"),
        ("iam", "deleteRolePolicy"),
        # block_network_actor
        ("wafv2", "listIPSets"),
        ("wafv2", "getIPSet"),
        ("wafv2", "updateIPSet"),
        # s3_exfiltration
        ("s3", "getBucketPolicy"),
        ("s3", "putBucketPolicy"),
        ("s3", "deleteBucketPolicy"),
    }
)
"""Every (service, action) the playbooks make outside the home region; nothing else is called,
whatever the response role would allow."""

SERVICE_ERROR_NAMES = {
    "autoscaling": "AutoScaling",
    "ec2": "Ec2",
    "iam": "Iam",
    "s3": "S3",
    "sts": "Sts",
    "wafv2": "Wafv2",
}
"""The service part of the integration's error names (the SDK's client names)."""

ROLE_SESSION_PREFIX = "lz-response-"
_SESSION_CHARACTERS = re.compile(r"[^\w+=,.@-]")
SESSION_SECONDS = 900
"""The shortest session STS grants: one call needs no more."""

ClientFactory = Callable[[str, str, Mapping[str, str]], Any]
"""(service, region, credentials) -> boto3 client."""


class RegionalCallError(Exception):
    """Base of the errors this function raises; their class names are the error names."""


@cache
def error_class(name: str) -> type[RegionalCallError]:
    """The exception class named ``name`` (``Ec2.Ec2Exception``): Python allows dots in a
    class's ``__name__``, which is what the runtime reports as ``errorType``."""
    return type(name, (RegionalCallError,), {})


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return call(event, sts=boto3.client("sts"), client_for=_boto3_client)


def call(request: Mapping[str, Any], *, sts: Any, client_for: ClientFactory) -> dict[str, Any]:
    """Makes the allow-listed call ``request`` describes; see the module docstring."""
    service, action = request.get("service"), request.get("action")
    if (
        not isinstance(service, str)
        or not isinstance(action, str)
        or (service, action) not in ALLOWED_CALLS
    ):
        raise error_class("RegionalCall.NotAllowedException")(
            f"{service}:{action} is not among the calls the response playbooks make"
        )
    role_arn, region, parameters = (
        request.get("role_arn"),
        request.get("region"),
        request.get("parameters", {}),
    )
    if not isinstance(role_arn, str) or not isinstance(region, str):
        raise error_class("RegionalCall.InvalidRequestException")("role_arn and region are needed")
    if not isinstance(parameters, Mapping):
        raise error_class("RegionalCall.InvalidRequestException")("parameters must be an object")
    try:
        assumed = sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName=session_name(request.get("execution_name")),
            DurationSeconds=SESSION_SECONDS,
        )
    except ClientError as error:
        raise service_error("sts", error) from error
    credentials = assumed["Credentials"]
    client = client_for(
        service,
        region,
        {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        },
    )
    method = _method(client, action)
    try:
        response = method(**parameters)
    except ClientError as error:
        raise service_error(service, error) from error
    response.pop("ResponseMetadata", None)
    result: dict[str, Any] = _jsonable(response)
    return result


def session_name(execution: Any) -> str:
    """``lz-response-<execution name>``, cut to the 64 characters STS allows
    (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)."""
    suffix = execution if isinstance(execution, str) and execution else "regional-call"
    return _SESSION_CHARACTERS.sub("-", f"{ROLE_SESSION_PREFIX}{suffix}")[:64]


def service_error(service: str, error: ClientError) -> RegionalCallError:
    """``error`` as the ``aws-sdk`` integration names it (module docstring)."""
    prefix = SERVICE_ERROR_NAMES.get(service, service[:1].upper() + service[1:])
    # botocore raises the modelled exception's class (NoSuchEntityException for IAM's
    # NoSuchEntity), else ClientError itself.
    modelled = type(error).__name__
    exception = f"{prefix}Exception" if modelled == "ClientError" else modelled
    if not exception.endswith("Exception"):
        exception += "Exception"
    details = error.response.get("Error", {})
    metadata = error.response.get("ResponseMetadata", {})
    message = (
        f"{details.get('Message', '')} (Service: {prefix}, "
        f"Status Code: {metadata.get('HTTPStatusCode', 'unknown')}, "
        f"Request ID: {metadata.get('RequestId', 'unknown')}, "
        f"Error Code: {details.get('Code', 'unknown')})"
    )
    return error_class(f"{prefix}.{exception}")(message.strip())


def _method(client: Any, action: str) -> Callable[..., dict[str, Any]]:
    """The client method of the API operation ``action`` names (``listIPSets`` -> ``ListIPSets``
    -> ``list_ip_sets``), from the client's own mapping rather than a guess at snake_case."""
    operation = action[:1].upper() + action[1:]
    for method_name, api_name in client.meta.method_to_api_mapping.items():
        if api_name == operation:
            method: Callable[..., dict[str, Any]] = getattr(client, method_name)
            return method
    raise error_class("RegionalCall.NotAllowedException")(f"no operation {operation}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _boto3_client(service: str, region: str, credentials: Mapping[str, str]) -> Any:
    return boto3.client(service, region_name=region, **credentials)
