"""ConfigRecorder: recorder, delivery channel and service-linked role, alone and in the baseline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Template
from conftest import cdk_context, template_text

from landing_zone.baseline import AccountBaseline
from landing_zone.baseline.config_recorder import ConfigFrequency, ConfigRecorder
from landing_zone.compliance import violations

ENV = Environment(account="333333333333", region="eu-west-1")
BUCKET = "fintech-config-222222222222"
KEY_ARN = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SLR_ARN = (
    "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/"
    "config.amazonaws.com/AWSServiceRoleForConfig"
)


def _stack() -> Stack:
    return Stack(App(context=cdk_context()), "Baseline", env=ENV)


def _recorder(stack: Stack, **props: Any) -> ConfigRecorder:
    defaults: dict[str, Any] = {
        "delivery_bucket_name": BUCKET,
        "global_resources_region": "eu-west-1",
    }
    return ConfigRecorder(stack, "ConfigRecorder", **{**defaults, **props})


def _template(**props: Any) -> Template:
    stack = _stack()
    _recorder(stack, **props)
    return Template.from_stack(stack)


@pytest.fixture(scope="module")
def template() -> Template:
    return _template()


def _only(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(resource_type)
    assert len(found) == 1, f"{len(found)} {resource_type}"
    logical_id, resource = next(iter(found.items()))
    return logical_id, dict(resource)


def _statement(template: Template, sid: str) -> dict[str, Any]:
    found = [
        statement
        for policy in template.find_resources("AWS::IAM::ManagedPolicy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement.get("Sid") == sid
    ]
    assert len(found) == 1, f"{len(found)} statements {sid!r}"
    return dict(found[0])


# --- the recorder ------------------------------------------------------------------------


def test_recorder_records_everything_continuously_with_the_service_linked_role(
    template: Template,
) -> None:
    _, recorder = _only(template, "AWS::Config::ConfigurationRecorder")
    properties = recorder["Properties"]
    condition = next(iter(template.to_json()["Conditions"]))
    assert properties["RecordingGroup"] == {
        "AllSupported": True,
        "IncludeGlobalResourceTypes": {"Fn::If": [condition, True, False]},
        "RecordingStrategy": {"UseOnly": "ALL_SUPPORTED_RESOURCE_TYPES"},
    }
    assert properties["RecordingMode"] == {"RecordingFrequency": "CONTINUOUS"}
    assert template_text(properties["RoleARN"]) == SLR_ARN
    assert "Name" not in properties


def test_global_resources_are_recorded_only_in_their_region(template: Template) -> None:
    conditions = template.to_json()["Conditions"]
    assert list(conditions.values()) == [{"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}]


def test_global_resources_region_reaches_the_condition() -> None:
    conditions = _template(global_resources_region="us-east-1").to_json()["Conditions"]
    assert list(conditions.values()) == [{"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}]


def test_recorder_is_created_after_its_service_linked_role(template: Template) -> None:
    role_call_id, _ = _only(template, "Custom::AWS")
    _, recorder = _only(template, "AWS::Config::ConfigurationRecorder")
    assert recorder["DependsOn"] == [role_call_id]


# --- the delivery channel ----------------------------------------------------------------


def test_channel_delivers_daily_snapshots_under_the_config_prefix(template: Template) -> None:
    recorder_id, _ = _only(template, "AWS::Config::ConfigurationRecorder")
    _, channel = _only(template, "AWS::Config::DeliveryChannel")
    assert channel["Properties"] == {
        "ConfigSnapshotDeliveryProperties": {"DeliveryFrequency": "TwentyFour_Hours"},
        "S3BucketName": BUCKET,
        "S3KeyPrefix": "config",
    }
    # AWS Config refuses a delivery channel while the account has no recorder.
    assert channel["DependsOn"] == [recorder_id]


def test_channel_overrides_reach_the_template() -> None:
    _, channel = _only(
        _template(
            key_prefix="org/config",
            delivery_frequency=ConfigFrequency.SIX_HOURS,
            kms_key_arn=KEY_ARN,
        ),
        "AWS::Config::DeliveryChannel",
    )
    assert channel["Properties"] == {
        "ConfigSnapshotDeliveryProperties": {"DeliveryFrequency": "Six_Hours"},
        "S3BucketName": BUCKET,
        "S3KeyPrefix": "org/config",
        "S3KmsKeyArn": KEY_ARN,
    }


def test_delivery_frequency_accepts_the_api_value() -> None:
    _, channel = _only(_template(delivery_frequency="One_Hour"), "AWS::Config::DeliveryChannel")
    assert channel["Properties"]["ConfigSnapshotDeliveryProperties"] == {
        "DeliveryFrequency": "One_Hour"
    }


# --- the service-linked role -------------------------------------------------------------


def test_service_linked_role_is_created_once_per_account(template: Template) -> None:
    _, resource = _only(template, "Custom::AWS")
    call = json.loads(template_text(resource["Properties"]["Create"]))
    assert call == {
        "service": "IAM",
        "action": "createServiceLinkedRole",
        "parameters": {"AWSServiceName": "config.amazonaws.com"},
        "physicalResourceId": {"id": "${AWS::AccountId}-AWSServiceRoleForConfig"},
        "ignoreErrorCodesMatching": "^InvalidInput(Exception)?$",
        "outputPaths": ["Role.Arn"],
    }
    assert json.loads(template_text(resource["Properties"]["Update"])) == call
    # Other regions' recorders use the role: deleting one stack instance must keep it.
    assert "Delete" not in resource["Properties"]


def test_only_the_taken_role_error_is_ignored(template: Template) -> None:
    _, resource = _only(template, "Custom::AWS")
    pattern = json.loads(template_text(resource["Properties"]["Create"]))[
        "ignoreErrorCodesMatching"
    ]
    assert re.search(pattern, "InvalidInputException")
    for other in ("AccessDenied", "LimitExceededException", "NotInvalidInputException"):
        assert not re.search(pattern, other)


def test_handler_may_create_only_the_config_service_linked_role(template: Template) -> None:
    statement = _statement(template, "CreateConfigServiceLinkedRole")
    assert statement["Action"] == "iam:CreateServiceLinkedRole"
    assert template_text(statement["Resource"]) == SLR_ARN
    assert statement["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "config.amazonaws.com"}
    }


# --- rejected props ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"delivery_bucket_name": "Fintech_Config"}, "delivery_bucket_name: 'Fintech_Config'"),
        ({"delivery_bucket_name": "ab"}, "delivery_bucket_name: 'ab'"),
        ({"delivery_bucket_name": "a..b"}, "delivery_bucket_name: 'a..b'"),
        ({"global_resources_region": "Europe"}, "global_resources_region: 'Europe'"),
        ({"key_prefix": "/config"}, "key_prefix: '/config'"),
        ({"key_prefix": "config/"}, "key_prefix: 'config/'"),
        ({"key_prefix": "a//b"}, "key_prefix: 'a//b'"),
        ({"key_prefix": ""}, "key_prefix: ''"),
        ({"delivery_frequency": "Daily"}, "delivery_frequency: got 'Daily'; allowed: 'One_Hour'"),
        ({"kms_key_arn": "alias/logs"}, "kms_key_arn: 'alias/logs' is not a KMS key ARN"),
    ],
)
def test_rejects_impossible_props(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _recorder(_stack(), **props)


# --- in the account baseline -------------------------------------------------------------


PREFIX = "lz-baseline-assets-111111111111"


@pytest.fixture(scope="module")
def management() -> Stack:
    stack = Stack(
        App(context=cdk_context()),
        "Baselines",
        env=Environment(account="111111111111", region="eu-west-1"),
    )
    # The baseline holds its recorder; built here with the bucket of this test.
    AccountBaseline(
        stack,
        "AccountBaseline",
        asset_bucket_prefix=PREFIX,
        asset_regions=("eu-west-1", "eu-central-1"),
        config_delivery_bucket_name=BUCKET,
        global_resources_region="eu-west-1",
    )
    return stack


@pytest.fixture(scope="module")
def baseline_template(management: Stack) -> Template:
    """The ``*.stackset.template.json`` the StackSet deploys, as synthesized."""
    baseline = management.node.find_child("AccountBaseline")
    assert isinstance(baseline, AccountBaseline)
    app = management.node.root
    assert isinstance(app, App)
    path = Path(app.synth().directory, baseline.template_file)
    return Template.from_json(json.loads(path.read_text()))


def test_baseline_template_holds_the_recorder(baseline_template: Template) -> None:
    baseline_template.resource_count_is("AWS::Config::ConfigurationRecorder", 1)
    baseline_template.resource_count_is("AWS::Config::DeliveryChannel", 1)
    actions = sorted(
        json.loads(template_text(resource["Properties"]["Create"]))["action"]
        for resource in baseline_template.find_resources("Custom::AWS").values()
    )
    assert "createServiceLinkedRole" in actions
    # One handler for every SDK call of the baseline.
    baseline_template.resource_count_is("AWS::Lambda::Function", 1)


def test_baseline_template_stays_environment_agnostic(baseline_template: Template) -> None:
    rendered = json.dumps(baseline_template.to_json()).replace(PREFIX, "")
    assert "111111111111" not in rendered
    # The only literal region is the one of the global resources, in the one condition the
    # recorder, the IAM rules and the password policy share.
    conditions = json.dumps(baseline_template.to_json()["Conditions"])
    assert rendered.count("eu-west-1") == conditions.count("eu-west-1") == 1
    assert "eu-central-1" not in rendered


# --- compliance --------------------------------------------------------------------------


def test_recorder_passes_the_compliance_packs() -> None:
    stack = _stack()
    _recorder(stack, kms_key_arn=KEY_ARN)
    assert violations(stack) == {}


def test_baseline_with_the_recorder_passes_the_compliance_packs(management: Stack) -> None:
    assert violations(management) == {}
