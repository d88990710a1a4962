"""PermissionSet: secure defaults, Identity Center's limits, and the MFA deny."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk import App, Aws, Duration, Environment, Stack, Stage
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from conftest import cdk_context, logical_id_of, template_text

from landing_zone.compliance import violations
from landing_zone.identity.permission_set import (
    MAX_INLINE_POLICY_CHARACTERS,
    MFA_DENY_SID,
    SENSITIVE_ACTIONS,
    CustomerManagedPolicy,
    PermissionSet,
    validate_session_duration,
)

INSTANCE_ARN = "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6"
BUCKET_OBJECTS = "arn:aws:s3:::acme-pay-reports/*"


def _stack() -> Stack:
    return Stack(
        App(context=cdk_context()),
        "Identity",
        env=Environment(account="111111111111", region="eu-west-1"),
    )


def _permission_set(
    stack: Stack | None = None, construct_id: str = "PermissionSet", **overrides: Any
) -> PermissionSet:
    props: dict[str, Any] = {"instance_arn": INSTANCE_ARN, "name": "Reports"}
    return PermissionSet(stack or _stack(), construct_id, **{**props, **overrides})


def _properties(permission_set: PermissionSet) -> dict[str, Any]:
    resources = Template.from_stack(Stack.of(permission_set)).to_json()["Resources"]
    return dict(resources[logical_id_of(permission_set.permission_set)]["Properties"])


def _document(*statements: iam.PolicyStatement) -> iam.PolicyDocument:
    return iam.PolicyDocument(statements=list(statements))


def _read_reports() -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid="ReadReports", actions=["s3:GetObject"], resources=[BUCKET_OBJECTS]
    )


@pytest.fixture(scope="module")
def full() -> PermissionSet:
    """Every property set."""
    return _permission_set(
        description="Read the monthly reports.",
        session_duration=Duration.minutes(90),
        aws_managed_policies=["job-function/ViewOnlyAccess"],
        customer_managed_policies=[
            CustomerManagedPolicy("reports-read"),
            CustomerManagedPolicy("reports-kms", "/landing-zone/"),
        ],
        inline_policy=_document(_read_reports()),
        permissions_boundary=CustomerManagedPolicy("reports-boundary", "/landing-zone/"),
        relay_state="https://console.aws.amazon.com/s3/home",
        tags={"owner": "platform-team", "data-class": "internal"},
        mfa_protected_actions=SENSITIVE_ACTIONS,
    )


# --- defaults --------------------------------------------------------------------------------


def test_defaults_are_a_one_hour_session_and_nothing_else() -> None:
    permission_set = _permission_set()
    assert _properties(permission_set) == {
        "InstanceArn": INSTANCE_ARN,
        "Name": "Reports",
        "SessionDuration": "PT1H",
    }
    assert permission_set.name == "Reports"
    assert Stack.of(permission_set).resolve(permission_set.arn) == {
        "Fn::GetAtt": [logical_id_of(permission_set), "PermissionSetArn"]
    }


def test_every_property_reaches_the_template(full) -> None:
    properties = _properties(full)
    assert properties["Description"] == "Read the monthly reports."
    assert properties["SessionDuration"] == "PT1H30M"
    assert [template_text(arn) for arn in properties["ManagedPolicies"]] == [
        "arn:${AWS::Partition}:iam::aws:policy/job-function/ViewOnlyAccess"
    ]
    assert properties["CustomerManagedPolicyReferences"] == [
        {"Name": "reports-read", "Path": "/"},
        {"Name": "reports-kms", "Path": "/landing-zone/"},
    ]
    assert properties["PermissionsBoundary"] == {
        "CustomerManagedPolicyReference": {"Name": "reports-boundary", "Path": "/landing-zone/"}
    }
    assert properties["RelayStateType"] == "https://console.aws.amazon.com/s3/home"
    assert properties["Tags"] == [
        {"Key": "data-class", "Value": "internal"},
        {"Key": "owner", "Value": "platform-team"},
    ]


def test_an_aws_managed_policy_can_be_the_boundary() -> None:
    properties = _properties(_permission_set(permissions_boundary="PowerUserAccess"))
    assert template_text(properties["PermissionsBoundary"]["ManagedPolicyArn"]) == (
        "arn:${AWS::Partition}:iam::aws:policy/PowerUserAccess"
    )


@pytest.mark.parametrize(
    ("duration", "iso"),
    [
        (Duration.hours(1), "PT1H"),
        (Duration.minutes(61), "PT1H1M"),
        (Duration.hours(8), "PT8H"),
        (Duration.hours(12), "PT12H"),
        (Duration.seconds(43200), "PT12H"),
    ],
)
def test_session_duration_is_written_in_hours_and_minutes(duration, iso) -> None:
    assert _properties(_permission_set(session_duration=duration))["SessionDuration"] == iso


# --- inline policy and MFA -------------------------------------------------------------------


def test_mfa_deny_is_appended_to_the_inline_policy(full) -> None:
    statements = _properties(full)["InlinePolicy"]["Statement"]
    assert [statement["Sid"] for statement in statements] == ["ReadReports", MFA_DENY_SID]
    assert statements[0] == {
        "Sid": "ReadReports",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": BUCKET_OBJECTS,
    }
    assert statements[1] == {
        "Sid": MFA_DENY_SID,
        "Effect": "Deny",
        "Action": sorted(SENSITIVE_ACTIONS),
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }


def test_mfa_deny_alone_makes_an_inline_policy() -> None:
    permission_set = _permission_set(mfa_protected_actions=["kms:ScheduleKeyDeletion"])
    [statement] = _properties(permission_set)["InlinePolicy"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "kms:ScheduleKeyDeletion"


def test_the_callers_document_is_copied_not_changed() -> None:
    document = _document(_read_reports())
    permission_set = _permission_set(inline_policy=document, mfa_protected_actions=["s3:*"])
    document.add_statements(
        iam.PolicyStatement(actions=["s3:PutObject"], resources=[BUCKET_OBJECTS])
    )
    assert document.statement_count == 2
    sids = [s.get("Sid") for s in _properties(permission_set)["InlinePolicy"]["Statement"]]
    assert sids == ["ReadReports", MFA_DENY_SID]


def test_wildcards_may_be_denied() -> None:
    """Only an Allow of a wildcard widens access: a Deny of one is kept."""
    permission_set = _permission_set(
        inline_policy=_document(
            _read_reports(),
            iam.PolicyStatement(effect=iam.Effect.DENY, actions=["iam:*"], resources=["*"]),
        )
    )
    assert _properties(permission_set)["InlinePolicy"]["Statement"][1]["Action"] == "iam:*"
    assert violations(Stack.of(permission_set)) == {}


def test_administrator_access_and_wildcards_need_the_flag() -> None:
    permission_set = _permission_set(
        aws_managed_policies=["AdministratorAccess"],
        inline_policy=_document(iam.PolicyStatement(actions=["s3:*"], resources=["*"])),
        allow_administrator_access=True,
    )
    properties = _properties(permission_set)
    assert template_text(properties["ManagedPolicies"][0]).endswith(":policy/AdministratorAccess")
    # The flag lifts the construct's refusal only: the pack still reports the wildcard.
    assert violations(Stack.of(permission_set)) == {
        "Fintech": ["Fintech-IAMNoWildcardActions[Action::s3:*]: Identity/PermissionSet/Resource"]
    }


def _padded_policy(prefix: str, padding: int) -> iam.PolicyDocument:
    return _document(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[prefix + "x" * padding])
    )


# The minified policy around the padding, as CloudFormation receives it.
_ENVELOPE = (
    '{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"arn:aws:s3:::b/'
    '"}],"Version":"2012-10-17"}'
)


def test_inline_policy_may_fill_the_quota() -> None:
    padding = MAX_INLINE_POLICY_CHARACTERS - len(_ENVELOPE)
    permission_set = _permission_set(inline_policy=_padded_policy("arn:aws:s3:::b/", padding))
    Stage.of(permission_set).synth()


@pytest.mark.parametrize(
    ("prefix", "extra"),
    [
        ("arn:aws:s3:::b/", 1),
        # Measured with the longest partition name, aws-us-gov: 7 characters more than aws.
        (f"arn:{Aws.PARTITION}:s3:::b/", 1 - len("-us-gov")),
    ],
)
def test_rejects_an_inline_policy_over_the_quota_at_synth(prefix, extra) -> None:
    padding = MAX_INLINE_POLICY_CHARACTERS - len(_ENVELOPE) + extra
    permission_set = _permission_set(inline_policy=_padded_policy(prefix, padding))
    with pytest.raises(RuntimeError, match="inline_policy: got 10241 non-whitespace characters"):
        Stage.of(permission_set).synth()


@pytest.mark.parametrize("pseudo", [Aws.ACCOUNT_ID, Aws.REGION])
def test_rejects_pseudo_parameters_of_the_identity_stack_at_synth(pseudo) -> None:
    statement = iam.PolicyStatement(
        actions=["s3:GetObject"], resources=[f"arn:aws:s3:::reports-{pseudo}/*"]
    )
    permission_set = _permission_set(inline_policy=_document(statement))
    with pytest.raises(RuntimeError, match="inline_policy: refers to AWS::"):
        Stage.of(permission_set).synth()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "duration",
    [
        Duration.hours(13),
        Duration.hours(0),
        Duration.minutes(59),
        Duration.minutes(12 * 60 + 1),
        Duration.seconds(3601),
    ],
)
def test_rejects_a_session_duration_out_of_range(duration) -> None:
    with pytest.raises(ValueError, match=r"^session_duration: got .*; allowed: 1 to 12 hours"):
        _permission_set(session_duration=duration)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sso:::instance/ssoins-short",
        "arn:aws:sso:::instance/ssoins-6804a1b2c3d4e5f6/extra",
        "arn:aws:sso::111111111111:instance/ssoins-6804a1b2c3d4e5f6",
        "arn:aws:iam:::instance/ssoins-6804a1b2c3d4e5f6",
        "ssoins-6804a1b2c3d4e5f6",
    ],
)
def test_rejects_an_instance_arn_that_is_not_one(arn) -> None:
    with pytest.raises(ValueError, match=f"^instance_arn: got '{re.escape(arn)}'; allowed: "):
        _permission_set(instance_arn=arn)


def test_accepts_other_partitions_and_an_instance_arn_token() -> None:
    gov_cloud = "arn:aws-us-gov:sso:::instance/ssoins-6804a1b2c3d4e5f6"
    assert _properties(_permission_set(instance_arn=gov_cloud))["InstanceArn"] == gov_cloud
    stack = _stack()
    first = _permission_set(stack)  # its ARN stands in for any token
    other = _permission_set(stack, "Other", instance_arn=first.arn, name="Other")
    assert _properties(other)["InstanceArn"] == {
        "Fn::GetAtt": [logical_id_of(first), "PermissionSetArn"]
    }


@pytest.mark.parametrize("name", ["", "x" * 33, "Read Only", "Reader*", "Läser"])
def test_rejects_a_name_identity_center_refuses(name) -> None:
    with pytest.raises(ValueError, match=r"^name: got .*; allowed: 1 to 32 letters"):
        _permission_set(name=name)


@pytest.mark.parametrize("description", ["", "x" * 701, "Lesezugriff \u2014 Berichte"])
def test_rejects_a_description_identity_center_refuses(description) -> None:
    with pytest.raises(ValueError, match=r"^description: got .*; allowed: 1 to 700 characters"):
        _permission_set(description=description)


@pytest.mark.parametrize(
    "relay_state",
    [
        "http://console.aws.amazon.com/s3/home",
        "console.aws.amazon.com/s3/home",
        "https://localhost/s3",
        "https://console.aws.amazon.com/" + "x" * 210,
    ],
)
def test_rejects_a_relay_state_that_is_not_a_short_https_url(relay_state) -> None:
    with pytest.raises(ValueError, match=r"^relay_state: got .*; allowed: an https:// URL"):
        _permission_set(relay_state=relay_state)


def test_rejects_more_managed_policies_than_identity_center_allows() -> None:
    with pytest.raises(
        ValueError,
        match=(
            r"^aws_managed_policies, customer_managed_policies: got 21 policies; allowed: at "
            "most 20 together"
        ),
    ):
        _permission_set(
            aws_managed_policies=[f"job-function/Policy{index}" for index in range(11)],
            customer_managed_policies=[CustomerManagedPolicy(f"p{index}") for index in range(10)],
        )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"aws_managed_policies": ["AdministratorAccess"]},
            r"^aws_managed_policies\[0\]: got 'AdministratorAccess'; allowed: any AWS managed "
            "policy but AdministratorAccess, which needs allow_administrator_access=True",
        ),
        (
            {"aws_managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]},
            r"^aws_managed_policies\[0\]: got .*; allowed: an AWS managed policy name",
        ),
        (
            {"aws_managed_policies": ["ReadOnlyAccess", "ReadOnlyAccess"]},
            r"^aws_managed_policies: \['ReadOnlyAccess'\] appear more than once",
        ),
        ({"aws_managed_policies": "ReadOnlyAccess"}, "^aws_managed_policies: got the string"),
        (
            {"customer_managed_policies": [CustomerManagedPolicy("reports", "landing-zone")]},
            r"^customer_managed_policies\[0\]\.path: got 'landing-zone'",
        ),
        (
            {"customer_managed_policies": [("reports", "/")]},
            r"^customer_managed_policies\[0\]: got .*; allowed: a CustomerManagedPolicy",
        ),
        (
            {"permissions_boundary": CustomerManagedPolicy("bad name")},
            r"^permissions_boundary\.name: got 'bad name'",
        ),
        ({"tags": {"aws:owner": "x"}}, "^tags: got the key 'aws:owner'"),
        ({"tags": {"owner": "platform team"}}, r"^tags\['owner'\]: got 'platform team'"),
        (
            {"mfa_protected_actions": ["ScheduleKeyDeletion"]},
            r"^mfa_protected_actions\[0\]: got 'ScheduleKeyDeletion'; allowed: an IAM action",
        ),
    ],
)
def test_rejects_other_props_out_of_range(props, message) -> None:
    with pytest.raises(ValueError, match=message):
        _permission_set(**props)


@pytest.mark.parametrize(
    ("actions", "finding"),
    [
        (["s3:*"], "Action::s3:\\*"),
        (["*"], "Action::\\*"),
        (["iam:*"], "Action::iam:\\*"),
        (["S3:**"], "Action::S3:\\*\\*"),
    ],
)
def test_rejects_an_inline_allow_of_a_wildcard(actions, finding) -> None:
    document = _document(_read_reports(), iam.PolicyStatement(actions=actions, resources=["*"]))
    with pytest.raises(
        ValueError, match=f"^inline_policy: allows {finding}; allowed: named actions"
    ):
        _permission_set(inline_policy=document)


def test_rejects_an_inline_allow_of_not_action() -> None:
    document = _document(iam.PolicyStatement(not_actions=["iam:*"], resources=["*"]))
    with pytest.raises(ValueError, match=r"^inline_policy: allows NotAction::iam:\*"):
        _permission_set(inline_policy=document)


def test_rejects_an_inline_policy_that_is_not_an_identity_policy() -> None:
    statement = iam.PolicyStatement(
        actions=["s3:GetObject"],
        resources=[BUCKET_OBJECTS],
        principals=[iam.AccountPrincipal("222222222222")],
    )
    with pytest.raises(ValueError, match=r"^inline_policy: .*allowed: an identity policy"):
        _permission_set(inline_policy=_document(statement))


def test_validators_name_the_field_they_are_given() -> None:
    """The config layer passes the path of the field it checks."""
    field = "identity.permission_sets.Reports.session_duration"
    with pytest.raises(ValueError, match=f"^{re.escape(field)}: got 13 hours"):
        validate_session_duration(field, Duration.hours(13))
    assert validate_session_duration(field, Duration.hours(12)) == "PT12H"


# --- compliance ------------------------------------------------------------------------------


def test_passes_the_compliance_packs(full) -> None:
    assert violations(Stack.of(full)) == {}
