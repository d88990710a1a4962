"""BaselineStackSet and AccountBaseline: the StackSet, its template and its code assets."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks
from cdk_stacksets import Capability, RegionConcurrencyType, StackSetStack

from landing_zone.baseline import AccountBaseline, BaselineStackSet, CallAs
from landing_zone.compliance import FintechChecks

CDK_CONTEXT = json.loads((Path(__file__).parents[2] / "cdk.json").read_text())["context"]
MANAGEMENT = Environment(account="111111111111", region="eu-west-1")
PREFIX = "lz-baseline-assets-111111111111"
CONFIG_BUCKET = "acme-pay-config-222222222222"
REGIONS = ("eu-west-1", "eu-central-1")
OUS = ("ou-ab12-cdef3456", "ou-ab12-0123abcd")


def _management_stack() -> Stack:
    return Stack(App(context=CDK_CONTEXT), "Baselines", env=MANAGEMENT)


def _baseline(stack: Stack, regions: Sequence[str] = REGIONS) -> AccountBaseline:
    return AccountBaseline(
        stack,
        "AccountBaseline",
        asset_bucket_prefix=PREFIX,
        asset_regions=regions,
        config_delivery_bucket_name=CONFIG_BUCKET,
        global_resources_region=regions[0],
    )


def _stack_set(stack: Stack, **props: Any) -> BaselineStackSet:
    defaults: dict[str, Any] = {
        "baseline": stack.node.try_find_child("AccountBaseline") or _baseline(stack),
        "target_organizational_unit_ids": OUS,
        "regions": REGIONS,
    }
    return BaselineStackSet(stack, "AccountBaselineStackSet", **{**defaults, **props})


@pytest.fixture(scope="module")
def management() -> Stack:
    stack = _management_stack()
    _stack_set(stack)
    return stack


@pytest.fixture(scope="module")
def template(management: Stack) -> Template:
    return Template.from_stack(management)


def _only_stack_set(template: Template) -> dict[str, Any]:
    stack_sets = template.find_resources("AWS::CloudFormation::StackSet")
    assert len(stack_sets) == 1
    return dict(next(iter(stack_sets.values())))


def _stack_set_properties(**props: Any) -> dict[str, Any]:
    stack = _management_stack()
    _stack_set(stack, **props)
    return dict(_only_stack_set(Template.from_stack(stack))["Properties"])


# --- the StackSet ------------------------------------------------------------------------


def test_stack_set_is_service_managed_and_deploys_to_new_accounts(template: Template) -> None:
    properties = _only_stack_set(template)["Properties"]
    assert properties["PermissionModel"] == "SERVICE_MANAGED"
    assert properties["AutoDeployment"] == {
        "Enabled": True,
        "RetainStacksOnAccountRemoval": False,
    }
    assert properties["CallAs"] == "SELF"
    assert properties["ManagedExecution"] == {"Active": True}
    # The baseline names its SDK-call role: CloudFormation needs CAPABILITY_NAMED_IAM for that.
    assert properties["Capabilities"] == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]


def test_stack_set_targets_the_ous_in_every_region(template: Template) -> None:
    assert _only_stack_set(template)["Properties"]["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {
                "AccountFilterType": "NONE",
                "OrganizationalUnitIds": list(OUS),
            },
            "Regions": list(REGIONS),
        }
    ]


def test_stack_set_operations_suit_a_large_organization(template: Template) -> None:
    assert _only_stack_set(template)["Properties"]["OperationPreferences"] == {
        "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        "FailureTolerancePercentage": 10,
        "MaxConcurrentPercentage": 25,
        "RegionConcurrencyType": "PARALLEL",
    }


def test_stack_set_waits_for_the_assets_of_every_region(template: Template) -> None:
    copies = template.find_resources("Custom::CDKBucketDeployment")
    assert len(copies) == len(REGIONS)
    assert set(copies) <= set(_only_stack_set(template)["DependsOn"])


def test_stack_set_reads_the_baseline_template(management: Stack, template: Template) -> None:
    url = _only_stack_set(template)["Properties"]["TemplateURL"]["Fn::Sub"]
    assert url.startswith("https://s3.eu-west-1.${AWS::URLSuffix}/cdk-hnb659fds-assets-")
    assert url.endswith(".json")
    baseline = management.node.find_child("AccountBaseline")
    assert isinstance(baseline, StackSetStack)
    assert baseline.template_file.endswith(".stackset.template.json")


def test_stack_set_options_reach_the_template() -> None:
    properties = _stack_set_properties(
        call_as=CallAs.DELEGATED_ADMIN,
        stack_set_name="fintech-account-baseline",
        capabilities=[Capability.NAMED_IAM],
        failure_tolerance_percentage=0,
        max_concurrent_percentage=100,
        region_concurrency=RegionConcurrencyType.SEQUENTIAL,
        retain_stacks_on_account_removal=True,
    )
    assert properties["CallAs"] == "DELEGATED_ADMIN"
    assert properties["StackSetName"] == "fintech-account-baseline"
    assert properties["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert properties["AutoDeployment"]["RetainStacksOnAccountRemoval"] is True
    assert properties["OperationPreferences"] == {
        "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
        "FailureTolerancePercentage": 0,
        "MaxConcurrentPercentage": 100,
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": list(REGIONS),
    }


def test_stack_set_accepts_the_root_and_regions_subset() -> None:
    properties = _stack_set_properties(
        target_organizational_unit_ids=["r-ab12"], regions=["eu-central-1"]
    )
    assert properties["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {"AccountFilterType": "NONE", "OrganizationalUnitIds": ["r-ab12"]},
            "Regions": ["eu-central-1"],
        }
    ]


def test_stack_set_can_be_aimed_at_some_accounts_of_its_ous() -> None:
    properties = _stack_set_properties(target_account_ids=["666666666666"], regions=["eu-west-1"])
    # Automatic deployment ignores account filters: it would reach every account of the OUs.
    assert properties["AutoDeployment"] == {"Enabled": False}
    assert properties["StackInstancesGroup"] == [
        {
            "DeploymentTargets": {
                "AccountFilterType": "INTERSECTION",
                "Accounts": ["666666666666"],
                "OrganizationalUnitIds": list(OUS),
            },
            "Regions": ["eu-west-1"],
        }
    ]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"target_account_ids": ["6666"]}, "'6666' is not a 12-digit AWS account id"),
        (
            {"target_account_ids": ["666666666666", "666666666666"]},
            "appear more than once",
        ),
        ({"target_organizational_unit_ids": []}, "target_organizational_unit_ids: got an empty"),
        ({"target_organizational_unit_ids": ["ou-ab12"]}, "'ou-ab12' is not an OU id"),
        ({"target_organizational_unit_ids": "ou-ab12-cdef3456"}, "got the string"),
        (
            {"target_organizational_unit_ids": [OUS[0], OUS[0]]},
            r"\['ou-ab12-cdef3456'\] appear more than once",
        ),
        ({"regions": []}, "regions: got an empty list"),
        ({"regions": ["Europe"]}, "regions: 'Europe' is not a region name"),
        ({"regions": ["eu-west-1", "us-east-1"]}, r"regions: \['us-east-1'\] have no asset"),
        ({"failure_tolerance_percentage": 101}, "failure_tolerance_percentage: got 101"),
        ({"failure_tolerance_percentage": -1}, "failure_tolerance_percentage: got -1"),
        ({"max_concurrent_percentage": 0}, "max_concurrent_percentage: got 0"),
        ({"max_concurrent_percentage": 12.5}, "max_concurrent_percentage: got 12.5"),
    ],
)
def test_rejects_impossible_stack_sets(props: dict[str, Any], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        _stack_set(_management_stack(), **props)


def test_rejects_a_baseline_of_another_stack() -> None:
    app = App(context=CDK_CONTEXT)
    other = Stack(app, "Other", env=MANAGEMENT)
    stack = Stack(app, "Baselines", env=MANAGEMENT)
    with pytest.raises(ValueError, match="must be created in the scope of Baselines"):
        BaselineStackSet(
            stack,
            "AccountBaselineStackSet",
            baseline=_baseline(other),
            target_organizational_unit_ids=OUS,
            regions=REGIONS,
        )


# --- the baseline template ----------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_template(management: Stack) -> Template:
    """The ``*.stackset.template.json`` the StackSet deploys, as synthesized."""
    baseline = management.node.find_child("AccountBaseline")
    assert isinstance(baseline, StackSetStack)
    app = management.node.root
    assert isinstance(app, App)
    path = Path(app.synth().directory, baseline.template_file)
    return Template.from_json(json.loads(path.read_text()))


def test_baseline_holds_the_account_controls(baseline_template: Template) -> None:
    actions = sorted(
        json.loads(
            "".join(
                part if isinstance(part, str) else "${" + part["Ref"] + "}"
                for part in resource["Properties"]["Create"]["Fn::Join"][1]
            )
        )["action"]
        for resource in baseline_template.find_resources("Custom::AWS").values()
    )
    # Block Public Access, EBS encryption, AWS Config's service-linked role, password policy.
    assert actions == [
        "EnableEbsEncryptionByDefault",
        "PutPublicAccessBlock",
        "UpdateAccountPasswordPolicy",
        "createServiceLinkedRole",
    ]
    baseline_template.resource_count_is("AWS::Config::ConfigurationRecorder", 1)
    baseline_template.resource_count_is("AWS::Config::DeliveryChannel", 1)
    baseline_template.resource_count_is("AWS::Config::ConfigRule", 4)


def test_baseline_reads_its_code_from_the_bucket_of_its_region(
    baseline_template: Template,
) -> None:
    baseline_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Code": {
                "S3Bucket": {"Fn::Join": ["-", [PREFIX, {"Ref": "AWS::Region"}]]},
                "S3Key": Match.string_like_regexp(r"^[0-9a-f]{64}\.zip$"),
            }
        },
    )


def test_baseline_template_is_environment_agnostic(baseline_template: Template) -> None:
    """One template for every account and region: only the bucket names are literal, and the
    region of the global resources, compared with the stack's region in the conditions."""
    template = baseline_template.to_json()
    rendered = json.dumps(template).replace(PREFIX, "")
    assert "111111111111" not in rendered
    # One condition on the region, shared by the recorder, the IAM rules and the password
    # policy.
    in_global_region = {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}
    assert list(template["Conditions"].values()) == [in_global_region]
    assert rendered.count("eu-west-1") == 1
    assert "Parameters" not in baseline_template.to_json()


def test_assets_are_copied_to_the_bucket_of_every_region(template: Template) -> None:
    buckets = sorted(
        copy["Properties"]["DestinationBucketName"]
        for copy in template.find_resources("Custom::CDKBucketDeployment").values()
    )
    assert buckets == sorted(f"{PREFIX}-{region}" for region in REGIONS)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"asset_bucket_prefix": "Fintech_Assets"}, "asset_bucket_prefix: 'Fintech_Assets'"),
        ({"asset_bucket_prefix": "a" * 48}, "asset_bucket_prefix: 'aaa"),
        ({"asset_regions": []}, "asset_regions: got an empty list"),
        ({"asset_regions": ["eu-west-1", "eu-west-1"]}, "asset_regions: .* more than once"),
    ],
)
def test_rejects_impossible_baselines(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AccountBaseline(
            _management_stack(),
            "AccountBaseline",
            **{
                "asset_bucket_prefix": PREFIX,
                "asset_regions": REGIONS,
                "config_delivery_bucket_name": CONFIG_BUCKET,
                "global_resources_region": REGIONS[0],
                **props,
            },
        )


# --- compliance --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pack_type", [AwsSolutionsChecks, PCIDSS321Checks, NIST80053R5Checks, FintechChecks]
)
def test_management_stack_and_baseline_pass_the_compliance_packs(
    pack_type: type, management: Stack
) -> None:
    """The walk covers the StackSetStack too: it is a child of the management stack."""
    report = pack_type().validate_scope(management)
    found = [
        f"{violation.rule_name}: {resource.construct_path}"
        for violation in report.violations
        for resource in violation.violating_resources
    ]
    assert found == []


def test_stack_set_is_retained(template: Template) -> None:
    # Deleting the resource deletes every stack instance: removing the construct or replacing
    # the StackSet must leave the accounts' stacks in place.
    stack_set = _only_stack_set(template)
    assert stack_set["DeletionPolicy"] == "Retain"
    assert stack_set["UpdateReplacePolicy"] == "Retain"


def _second_stack_set(stack: Stack, **props: Any) -> BaselineStackSet:
    baseline = AccountBaseline(
        stack,
        "SecondBaseline",
        asset_bucket_prefix=PREFIX,
        asset_regions=REGIONS,
        config_delivery_bucket_name=CONFIG_BUCKET,
        global_resources_region=REGIONS[0],
    )
    return BaselineStackSet(
        stack,
        "SecondStackSet",
        baseline=baseline,
        target_organizational_unit_ids=OUS,
        regions=REGIONS,
        stack_set_name="second",
        **props,
    )


def test_stack_set_after_another_waits_for_its_automatic_deployments() -> None:
    stack = _management_stack()
    first = _stack_set(stack)
    _second_stack_set(stack, after=[first])
    stack_sets = Template.from_stack(stack).find_resources("AWS::CloudFormation::StackSet")
    (first_id,) = [lid for lid in stack_sets if lid.startswith("AccountBaselineStackSet")]
    (second,) = [r for lid, r in stack_sets.items() if lid.startswith("SecondStackSet")]
    assert first_id in second["DependsOn"]
    assert second["Properties"]["AutoDeployment"]["DependsOn"] == [
        {
            "Fn::Sub": [
                "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:"
                "stackset/${Id}",
                {"Id": {"Ref": first_id}},
            ]
        }
    ]
    assert "DependsOn" not in stack_sets[first_id]["Properties"]["AutoDeployment"]


def test_stack_set_after_another_without_automatic_deployment_waits_once() -> None:
    stack = _management_stack()
    first = _stack_set(stack)
    _second_stack_set(stack, after=[first], target_account_ids=["666666666666"])
    stack_sets = Template.from_stack(stack).find_resources("AWS::CloudFormation::StackSet")
    (second,) = [r for lid, r in stack_sets.items() if lid.startswith("SecondStackSet")]
    assert second["Properties"]["AutoDeployment"] == {"Enabled": False}
    assert any("AccountBaselineStackSet" in dependency for dependency in second["DependsOn"])


def test_rejects_waiting_for_a_stack_set_of_another_stack() -> None:
    app = App(context=CDK_CONTEXT)
    other = Stack(app, "Other", env=MANAGEMENT)
    first = _stack_set(other)
    stack = Stack(app, "Baselines", env=MANAGEMENT)
    with pytest.raises(ValueError, match=r"after: Other/AccountBaselineStackSet is in another"):
        _second_stack_set(stack, after=[first])
