"""AccountPublicAccessBlock, EbsDefaultEncryption and the AwsSdkCallHandler they share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks

from landing_zone.baseline import (
    PUBLIC_ACCESS_BLOCK_RELAXED_WARNING,
    AccountPublicAccessBlock,
    EbsDefaultEncryption,
)
from landing_zone.common import AwsSdkCallHandler
from landing_zone.compliance import FintechChecks

CDK_CONTEXT = json.loads((Path(__file__).parents[2] / "cdk.json").read_text())["context"]
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _stack() -> Stack:
    """A stack in an app with the project's feature flags, as in ``cdk synth``."""
    return Stack(App(context=CDK_CONTEXT), "Baseline")


@pytest.fixture(scope="module")
def default_stack() -> Stack:
    stack = _stack()
    AccountPublicAccessBlock(stack, "PublicAccessBlock")
    EbsDefaultEncryption(stack, "EbsEncryption")
    return stack


@pytest.fixture(scope="module")
def default_template(default_stack: Stack) -> Template:
    return Template.from_stack(default_stack)


@pytest.fixture(scope="module")
def keyed_template() -> Template:
    stack = _stack()
    key = kms.Key.from_key_arn(stack, "EbsKey", KEY_ARN)
    EbsDefaultEncryption(stack, "EbsEncryption", kms_key=key)
    return Template.from_stack(stack)


def _resolve_join(value: Any) -> str:
    """A rendered ``Fn::Join`` as text, pseudo parameters as ``${AWS::...}``."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + str(value["Ref"]) + "}"
    delimiter, parts = value["Fn::Join"]
    return str(delimiter).join(_resolve_join(part) for part in parts)


def _custom_resource(template: Template, action: str) -> tuple[str, dict[str, Any]]:
    """Logical id and resource of the only ``Custom::AWS`` whose create call is ``action``."""
    found = {
        logical_id: resource
        for logical_id, resource in template.find_resources("Custom::AWS").items()
        if json.loads(_resolve_join(resource["Properties"]["Create"]))["action"] == action
    }
    assert len(found) == 1, f"{len(found)} custom resources call {action}"
    logical_id, resource = next(iter(found.items()))
    return logical_id, dict(resource)


def _call(resource: dict[str, Any], event: str) -> dict[str, Any]:
    return dict(json.loads(_resolve_join(resource["Properties"][event])))


def _statements(template: Template) -> list[dict[str, Any]]:
    """Every statement of every customer managed policy of the template."""
    return [
        statement
        for policy in template.find_resources("AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _granted_actions(template: Template) -> list[str]:
    """Every action the customer managed policies of the template allow, sorted."""
    return sorted(
        action
        for statement in _statements(template)
        if statement["Effect"] == "Allow"
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    )


def _statement(template: Template, sid: str) -> dict[str, Any]:
    found = [statement for statement in _statements(template) if statement.get("Sid") == sid]
    assert len(found) == 1, f"{len(found)} statements {sid!r}"
    return found[0]


# --- AccountPublicAccessBlock ------------------------------------------------------------


def test_public_access_block_puts_all_four_settings_for_the_stack_account(
    default_template: Template,
) -> None:
    _, resource = _custom_resource(default_template, "PutPublicAccessBlock")
    call = _call(resource, "Create")
    assert call["service"] == "S3Control"
    assert call["parameters"] == {
        "AccountId": "${AWS::AccountId}",
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    }
    assert _call(resource, "Update") == call


def test_public_access_block_has_a_stable_physical_id(default_template: Template) -> None:
    _, resource = _custom_resource(default_template, "PutPublicAccessBlock")
    physical_id = _call(resource, "Create")["physicalResourceId"]
    assert physical_id == {"id": "${AWS::AccountId}-s3-account-public-access-block"}


def test_public_access_block_stays_when_deleted(default_template: Template) -> None:
    _, resource = _custom_resource(default_template, "PutPublicAccessBlock")
    assert "Delete" not in resource["Properties"]


def test_public_access_block_may_only_put_the_own_account_block(
    default_template: Template,
) -> None:
    assert _statement(default_template, "PutAccountPublicAccessBlock") == {
        "Action": "s3:PutAccountPublicAccessBlock",
        "Condition": {"StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}},
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "PutAccountPublicAccessBlock",
    }


def test_public_access_block_warns_when_a_setting_is_turned_off() -> None:
    stack = _stack()
    AccountPublicAccessBlock(stack, "PublicAccessBlock", restrict_public_buckets=False)
    _, resource = _custom_resource(Template.from_stack(stack), "PutPublicAccessBlock")
    configuration = _call(resource, "Create")["parameters"]["PublicAccessBlockConfiguration"]
    assert configuration["RestrictPublicBuckets"] is False
    Annotations.from_stack(stack).has_warning(
        "/Baseline/PublicAccessBlock",
        Match.string_like_regexp(f"RestrictPublicBuckets.*{PUBLIC_ACCESS_BLOCK_RELAXED_WARNING}"),
    )


def test_public_access_block_does_not_warn_by_default(default_stack: Stack) -> None:
    Annotations.from_stack(default_stack).has_no_warning("*", Match.any_value())


# --- EbsDefaultEncryption ------------------------------------------------------------------


def test_ebs_encryption_is_enabled_in_the_stack_region(default_template: Template) -> None:
    _, resource = _custom_resource(default_template, "EnableEbsEncryptionByDefault")
    call = _call(resource, "Create")
    assert call["service"] == "EC2"
    assert "parameters" not in call
    assert call["physicalResourceId"] == {
        "id": "${AWS::AccountId}-${AWS::Region}-ebs-encryption-by-default"
    }
    assert _call(resource, "Update") == call
    assert "Delete" not in resource["Properties"]
    assert _statement(default_template, "EnableEbsEncryptionByDefault") == {
        "Action": "ec2:EnableEbsEncryptionByDefault",
        "Condition": {"StringEquals": {"ec2:Region": {"Ref": "AWS::Region"}}},
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "EnableEbsEncryptionByDefault",
    }


def test_ebs_default_key_is_left_alone_without_a_key(default_template: Template) -> None:
    actions = [
        json.loads(_resolve_join(resource["Properties"]["Create"]))["action"]
        for resource in default_template.find_resources("Custom::AWS").values()
    ]
    assert sorted(actions) == ["EnableEbsEncryptionByDefault", "PutPublicAccessBlock"]
    granted = _granted_actions(default_template)
    assert "ec2:ModifyEbsDefaultKmsKeyId" not in granted
    assert "ec2:ResetEbsDefaultKmsKeyId" not in granted


def test_ebs_default_key_is_set_after_encryption_is_enabled(keyed_template: Template) -> None:
    enable_id, _ = _custom_resource(keyed_template, "EnableEbsEncryptionByDefault")
    _, resource = _custom_resource(keyed_template, "ModifyEbsDefaultKmsKeyId")
    call = _call(resource, "Create")
    assert call["parameters"] == {"KmsKeyId": KEY_ARN}
    assert call["physicalResourceId"] == {
        "id": "${AWS::AccountId}-${AWS::Region}-ebs-default-kms-key"
    }
    assert "Delete" not in resource["Properties"]
    assert enable_id in resource["DependsOn"]
    assert _statement(keyed_template, "ModifyEbsDefaultKmsKeyId") == {
        "Action": "ec2:ModifyEbsDefaultKmsKeyId",
        "Condition": {"StringEquals": {"ec2:Region": {"Ref": "AWS::Region"}}},
        "Effect": "Allow",
        "Resource": "*",
        "Sid": "ModifyEbsDefaultKmsKeyId",
    }


# --- the shared handler ------------------------------------------------------------------


def test_controls_share_one_function_role_and_log_group(default_template: Template) -> None:
    default_template.resource_count_is("AWS::Lambda::Function", 1)
    default_template.resource_count_is("AWS::IAM::Role", 1)
    default_template.resource_count_is("AWS::Logs::LogGroup", 1)
    role_id = next(iter(default_template.find_resources("AWS::IAM::Role")))
    log_group_id = next(iter(default_template.find_resources("AWS::Logs::LogGroup")))
    default_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Role": {"Fn::GetAtt": [role_id, "Arn"]},
            "LoggingConfig": {"LogGroup": {"Ref": log_group_id}},
        },
    )
    for resource in default_template.find_resources("Custom::AWS").values():
        assert resource["Properties"]["InstallLatestAwsSdk"] is False


def test_handler_role_has_only_the_needed_actions(default_template: Template) -> None:
    """No AWS managed policy, no inline policy, and nothing beyond the calls and the logs."""
    role = next(iter(default_template.find_resources("AWS::IAM::Role").values()))
    assert "ManagedPolicyArns" not in role["Properties"]
    assert "Policies" not in role["Properties"]
    default_template.resource_count_is("AWS::IAM::Policy", 0)
    assert all(statement["Effect"] == "Allow" for statement in _statements(default_template))
    granted = _granted_actions(default_template)
    assert [action for action in granted if "*" in action] == []
    assert granted == [
        "ec2:EnableEbsEncryptionByDefault",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "s3:PutAccountPublicAccessBlock",
    ]


def test_handler_logs_only_to_its_own_log_group(default_template: Template) -> None:
    log_group_id = next(iter(default_template.find_resources("AWS::Logs::LogGroup")))
    assert _statement(default_template, "WriteOwnLogGroup") == {
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [log_group_id, "Arn"]},
        "Sid": "WriteOwnLogGroup",
    }


def test_calls_run_only_once_their_permissions_are_attached(
    default_template: Template,
) -> None:
    policies = default_template.find_resources("AWS::IAM::ManagedPolicy")
    assert len(policies) == 1, "one policy, as a role takes at most 10 managed policies"
    policy_id = next(iter(policies))
    functions = default_template.find_resources("AWS::Lambda::Function")
    for resource in default_template.find_resources("Custom::AWS").values():
        # Through the function that runs the call (its service token).
        (function, _) = resource["Properties"]["ServiceToken"]["Fn::GetAtt"]
        assert policy_id in functions[function]["DependsOn"]


def test_rejects_a_second_control_of_the_same_setting() -> None:
    stack = _stack()
    EbsDefaultEncryption(stack, "EbsEncryption")
    with pytest.raises(ValueError, match="'EnableEbsEncryptionByDefault' is already granted"):
        EbsDefaultEncryption(stack, "MoreEbsEncryption")


def test_handler_logs_are_kept_a_year_encrypted_and_retained(
    default_template: Template,
) -> None:
    key_id = next(iter(default_template.find_resources("AWS::KMS::Key")))
    default_template.has_resource(
        "AWS::Logs::LogGroup",
        {
            "Properties": {"RetentionInDays": 365, "KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    default_template.has_resource(
        "AWS::KMS::Key",
        {
            "Properties": {"EnableKeyRotation": True, "PendingWindowInDays": 30},
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )


def test_log_key_serves_only_log_groups_of_its_account_and_region(
    default_template: Template,
) -> None:
    key = next(iter(default_template.find_resources("AWS::KMS::Key").values()))
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    logs_statement = next(s for s in statements if s.get("Sid", "").startswith("AllowCloud"))
    assert _resolve_join(logs_statement["Principal"]["Service"]) == (
        "logs.${AWS::Region}.amazonaws.com"
    )
    condition = logs_statement["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert _resolve_join(condition) == (
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
    )
    assert "kms:*" not in logs_statement["Action"]


def test_handler_is_a_singleton_per_stack() -> None:
    stack = _stack()
    first = AwsSdkCallHandler.of(stack)
    assert AwsSdkCallHandler.of(AccountPublicAccessBlock(stack, "PublicAccessBlock")) is first


def test_rejects_another_construct_at_the_handler_id() -> None:
    stack = _stack()
    kms.Key(stack, AwsSdkCallHandler.ID)
    with pytest.raises(TypeError, match="reserved for the AwsSdkCallHandler"):
        AccountPublicAccessBlock(stack, "PublicAccessBlock")


# --- compliance --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pack_type", [AwsSolutionsChecks, PCIDSS321Checks, NIST80053R5Checks, FintechChecks]
)
def test_controls_pass_the_compliance_packs(pack_type: type, default_stack: Stack) -> None:
    stack = _stack()
    key = kms.Key.from_key_arn(stack, "EbsKey", KEY_ARN)
    AccountPublicAccessBlock(stack, "PublicAccessBlock")
    EbsDefaultEncryption(stack, "EbsEncryption", kms_key=key)
    for scope in (default_stack, stack):
        report = pack_type().validate_scope(scope)
        found = [
            f"{violation.rule_name}: {resource.construct_path}"
            for violation in report.violations
            for resource in violation.violating_resources
        ]
        assert found == []
