from typing import cast

import pytest
from aws_cdk import App, CfnParameter, CfnResource, NestedStack, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from cdk_nag import NagRuleCompliance
from conftest import cdk_context
from fintech_view import view

from landing_zone.common import AwsSdkCallHandler, ProtectedNamespace
from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import protected_namespace

RULE = "Fintech-ProtectedNamespace"
LAMBDA = iam.ServicePrincipal("lambda.amazonaws.com")


@pytest.fixture
def stack() -> Stack:
    return Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Test")


def _check(node: CfnResource) -> object:
    # Each call synthesizes the app again when its tree changed: read it as it is now.
    return protected_namespace(view(node))


def _function(stack: Stack, role: iam.IRole, function_name: str | None = None) -> CfnResource:
    function = lambda_.Function(
        stack,
        "Function",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
        role=role,
        function_name=function_name,
    )
    return cast(CfnResource, function.node.default_child)


def _policy(stack: Stack, role: iam.IRole, name: str | None = None) -> CfnResource:
    policy = iam.ManagedPolicy(
        stack,
        "Policy",
        managed_policy_name=name,
        roles=[role],
        statements=[iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])],
    )
    return cast(CfnResource, policy.node.default_child)


# --- what an exempt role runs -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role_name", "function_name", "expected"),
    [
        ("lz-sdk-baseline", None, ["GeneratedName"]),
        ("lz-sdk-baseline", "sdk-baseline", ["OutsidePrefix::sdk-baseline"]),
        # StackSets execution roles are exempt too (GuardrailParameters.deployment_role_names).
        ("stacksets-exec-0123456789abcdef", None, ["GeneratedName"]),
        ("AWSCloudFormationStackSetExecutionRole", "helper", ["OutsidePrefix::helper"]),
    ],
)
def test_reports_functions_of_exempt_roles_outside_the_prefix(
    stack: Stack, role_name: str, function_name: str | None, expected: list[str]
) -> None:
    role = iam.Role(stack, "Role", assumed_by=LAMBDA, role_name=role_name)
    assert _check(_function(stack, role, function_name)) == expected


@pytest.mark.parametrize(
    ("role_name", "function_name"),
    [
        ("lz-sdk-baseline", "lz-sdk-baseline"),
        # Not exempt, in a stack without a mark: its names are the stack owner's choice.
        ("workload-app", None),
        (None, None),
    ],
)
def test_passes_functions_in_the_prefix_or_of_other_roles(
    stack: Stack, role_name: str | None, function_name: str | None
) -> None:
    role = iam.Role(stack, "Role", assumed_by=LAMBDA, role_name=role_name)
    assert _check(_function(stack, role, function_name)) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    ("role_name", "name", "expected"),
    [
        ("lz-scan", None, ["GeneratedName"]),
        ("lz-scan", "scan", ["OutsidePrefix::scan"]),
        ("lz-scan", "lz-scan", NagRuleCompliance.COMPLIANT),
        ("workload-scan", None, NagRuleCompliance.COMPLIANT),
    ],
)
def test_reports_state_machines_of_exempt_roles_outside_the_prefix(
    stack: Stack, role_name: str, name: str | None, expected: object
) -> None:
    role = iam.Role(
        stack, "Role", assumed_by=iam.ServicePrincipal("states.amazonaws.com"), role_name=role_name
    )
    state_machine = sfn.StateMachine(
        stack,
        "StateMachine",
        definition_body=sfn.DefinitionBody.from_chainable(sfn.Pass(stack, "Pass")),
        role=role,
        state_machine_name=name,
    )
    assert _check(cast(CfnResource, state_machine.node.default_child)) == expected


def test_reads_roles_given_by_arn(stack: Stack) -> None:
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::111111111111:role/lz-imported")
    assert _check(_function(stack, role)) == ["GeneratedName"]


def test_does_not_pass_a_role_it_cannot_read(stack: Stack) -> None:
    arn = CfnParameter(stack, "RoleArn").value_as_string
    role = iam.Role.from_role_arn(stack, "Role", arn)
    node = _function(stack, role)
    with pytest.raises(TypeError, match="cannot read"):
        _check(node)
    assert any(entry.startswith(RULE) for entry in violations(stack).get("Fintech", []))


@pytest.mark.parametrize(
    ("role_name", "policy_name", "expected"),
    [
        ("lz-sdk-baseline", None, ["GeneratedName"]),
        ("lz-sdk-baseline", "sdk-baseline", ["OutsidePrefix::sdk-baseline"]),
        ("lz-sdk-baseline", "lz-sdk-baseline", NagRuleCompliance.COMPLIANT),
        ("workload-app", None, NagRuleCompliance.COMPLIANT),
    ],
)
def test_reports_managed_policies_of_exempt_roles_outside_the_prefix(
    stack: Stack, role_name: str, policy_name: str | None, expected: object
) -> None:
    role = iam.Role(stack, "Role", assumed_by=LAMBDA, role_name=role_name)
    assert _check(_policy(stack, role, policy_name)) == expected


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            iam.ManagedPolicy.from_aws_managed_policy_name("ReadOnlyAccess"),
            NagRuleCompliance.COMPLIANT,
        ),
        (
            iam.ManagedPolicy.from_managed_policy_arn(
                Stack(), "Own", "arn:aws:iam::111111111111:policy/lz-own"
            ),
            NagRuleCompliance.COMPLIANT,
        ),
        (
            iam.ManagedPolicy.from_managed_policy_arn(
                Stack(), "Other", "arn:aws:iam::111111111111:policy/team-policy"
            ),
            ["ManagedPolicy::arn:aws:iam::111111111111:policy/team-policy"],
        ),
    ],
)
def test_reports_customer_policies_an_exempt_role_lists_outside_the_prefix(
    stack: Stack, policy: iam.IManagedPolicy, expected: object
) -> None:
    role = iam.Role(stack, "Role", assumed_by=LAMBDA, role_name="lz-sdk", managed_policies=[policy])
    assert _check(cast(CfnResource, role.node.default_child)) == expected


def test_reports_a_generated_policy_an_exempt_role_lists(stack: Stack) -> None:
    policy = iam.CfnManagedPolicy(
        stack,
        "Policy",
        policy_document={"Version": "2012-10-17", "Statement": []},
    )
    role = iam.CfnRole(
        stack,
        "Role",
        role_name="lz-sdk",
        assume_role_policy_document={},
        managed_policy_arns=[policy.ref],
    )
    assert _check(role) == ["ManagedPolicy::Policy"]


# --- the SDK-call handler (issue 14, escape 1) --------------------------------------------


def _sdk_call(handler: AwsSdkCallHandler) -> None:
    handler.sdk_call(
        handler,
        "Call",
        on_update=cr.AwsSdkCall(
            service="S3Control",
            action="PutPublicAccessBlock",
            parameters={},
            physical_resource_id=cr.PhysicalResourceId.of("bpa"),
        ),
        statements=[
            iam.PolicyStatement(
                sid="PutPublicAccessBlock",
                actions=["s3:PutAccountPublicAccessBlock"],
                resources=["*"],
            )
        ],
        acknowledge_wildcard_resource=True,
    )


def test_reports_an_sdk_call_handler_named_by_its_role_only(stack: Stack) -> None:
    _sdk_call(AwsSdkCallHandler(stack, AwsSdkCallHandler.ID, role_name="lz-sdk-test"))
    found = [v for v in violations(stack).get("Fintech", []) if v.startswith(RULE)]
    assert found == [
        f"{RULE}[GeneratedName]: Test/AWS679f53fac002430cb0da5b7982bd2287/Resource",
        f"{RULE}[GeneratedName]: Test/AwsSdkCallHandler/Policy/Resource",
    ]


def test_passes_an_sdk_call_handler_named_under_the_prefix(stack: Stack) -> None:
    ProtectedNamespace.mark(stack)
    name = "lz-sdk-test"
    _sdk_call(
        AwsSdkCallHandler(
            stack,
            AwsSdkCallHandler.ID,
            role_name=name,
            function_name=name,
            policy_name=name,
        )
    )
    assert [v for v in violations(stack).get("Fintech", []) if v.startswith(RULE)] == []


# --- generated names in landing-zone stacks ------------------------------------------------


def test_reports_generated_names_in_marked_stacks_only(stack: Stack) -> None:
    topic = cast(CfnResource, sns.Topic(stack, "Alerts").node.default_child)
    assert _check(topic) == NagRuleCompliance.COMPLIANT
    ProtectedNamespace.mark(stack)
    assert _check(topic) == ["GeneratedName"]


@pytest.mark.parametrize(
    ("resource_type", "properties"),
    [
        ("AWS::SNS::Topic", {"TopicName": "lz-alerts"}),
        ("AWS::Events::Rule", {"Name": "lz-findings"}),
        ("AWS::CloudWatch::Alarm", {"AlarmName": "lz-root-use"}),
        ("AWS::Logs::LogGroup", {"LogGroupName": "/aws/lambda/lz-sdk"}),
        ("AWS::SQS::Queue", {"QueueName": "lz-dead-letters"}),
        ("AWS::StepFunctions::StateMachine", {"StateMachineName": "lz-scan"}),
        ("AWS::Config::ConfigRule", {"ConfigRuleName": "lz-mfa"}),
        ("AWS::Logs::MetricFilter", {"FilterName": "lz-root"}),
        ("AWS::IAM::Role", {"RoleName": {"Fn::Join": ["", ["lz-x-", {"Ref": "AWS::Region"}]]}}),
    ],
)
def test_passes_named_protected_kinds_in_marked_stacks(
    stack: Stack, resource_type: str, properties: dict[str, object]
) -> None:
    ProtectedNamespace.mark(stack)
    node = CfnResource(stack, "Resource", type=resource_type, properties=properties)
    assert _check(node) == NagRuleCompliance.COMPLIANT
    unnamed = CfnResource(stack, "Unnamed", type=resource_type, properties={})
    assert _check(unnamed) == ["GeneratedName"]


def test_the_mark_sets_the_prefix(stack: Stack) -> None:
    ProtectedNamespace.mark(stack, prefix="platform-", exempt_role_names=())
    exempt = iam.Role(stack, "Exempt", assumed_by=LAMBDA, role_name="platform-sdk")
    assert _check(_policy(stack, exempt, "lz-sdk")) == ["OutsidePrefix::lz-sdk"]
    other = Stack(App(context=cdk_context(), builtin_cloud_formation_validation=False), "Other")
    ProtectedNamespace.mark(other, prefix="platform-", exempt_role_names=())
    # lz- is not this organization's prefix: not exempt, and the policy is named.
    role = iam.Role(other, "Role", assumed_by=LAMBDA, role_name="lz-sdk")
    assert _check(_policy(other, role, "anything")) == NagRuleCompliance.COMPLIANT


def test_the_mark_rejects_conflicts_and_bad_prefixes(stack: Stack) -> None:
    ProtectedNamespace.mark(stack)
    assert ProtectedNamespace.mark(stack) is ProtectedNamespace.of(stack)
    with pytest.raises(ValueError, match="already marked"):
        ProtectedNamespace.mark(stack, prefix="other-")
    with pytest.raises(ValueError, match="prefix must be"):
        ProtectedNamespace.mark(Stack(App(), "Bad"), prefix="lz-*")
    with pytest.raises(ValueError, match="exempt_role_names"):
        ProtectedNamespace.mark(Stack(App(), "Bad2"), exempt_role_names=("*",))


def test_reads_other_classes_of_a_protected_type(stack: Stack) -> None:
    """A CfnResource subclass of a protected type that is not its L1 class."""

    class Topic(CfnResource):
        pass

    ProtectedNamespace.mark(stack)
    named = Topic(stack, "Named", type="AWS::SNS::Topic", properties={"TopicName": "lz-x"})
    assert _check(named) == NagRuleCompliance.COMPLIANT
    assert _check(Topic(stack, "Unnamed", type="AWS::SNS::Topic")) == ["GeneratedName"]


def test_not_applicable_to_other_types(stack: Stack) -> None:
    node = CfnResource(stack, "Bucket", type="AWS::S3::Bucket", properties={})
    assert _check(node) == NagRuleCompliance.NOT_APPLICABLE


# --- nested stacks (StackSetStack, NestedStack) ----------------------------------------------


def test_reads_a_nested_stack_as_a_namespace_of_its_own(stack: Stack) -> None:
    """The parent's mark and roles do not apply in a nested stack, nor the nested stack's in
    the parent, although the parent's constructs include the nested stack's."""
    ProtectedNamespace.mark(stack, prefix="platform-", exempt_role_names=())
    nested = NestedStack(stack, "Nested")
    role = iam.Role(nested, "Role", assumed_by=LAMBDA, role_name="lz-sdk")
    in_nested = _function(nested, role, "helper")
    unnamed_in_parent = cast(CfnResource, sns.Topic(stack, "Alerts").node.default_child)
    unnamed_in_nested = cast(CfnResource, sns.Topic(nested, "Alerts").node.default_child)
    assert protected_namespace(view(unnamed_in_parent)) == ["GeneratedName"]
    # Unmarked: lz- is exempt by default, and generated names are the owner's choice.
    assert protected_namespace(view(in_nested)) == ["OutsidePrefix::helper"]
    assert protected_namespace(view(unnamed_in_nested)) == NagRuleCompliance.COMPLIANT


def test_reads_a_nested_stack_first_visited_before_its_parent(stack: Stack) -> None:
    nested = NestedStack(stack, "Nested")
    ProtectedNamespace.mark(nested)
    role = iam.Role(nested, "Role", assumed_by=LAMBDA, role_name="lz-sdk")
    function = _function(nested, role)
    topic = cast(CfnResource, sns.Topic(stack, "Alerts").node.default_child)
    assert protected_namespace(view(function)) == ["GeneratedName"]
    assert protected_namespace(view(topic)) == NagRuleCompliance.COMPLIANT
    assert protected_namespace(view(cast(CfnResource, role.node.default_child))) == (
        NagRuleCompliance.COMPLIANT
    )


def test_checks_the_same_resource_again_within_a_run(stack: Stack) -> None:
    """The role's name is read with its template; the check of the role finds it again."""
    ProtectedNamespace.mark(stack)
    iam.Role(stack, "Named", assumed_by=LAMBDA, role_name="lz-named")
    iam.Role(stack, "Unnamed", assumed_by=LAMBDA)
    found = [
        (construct.node.path, protected_namespace(view(construct)))
        for construct in stack.node.find_all()
        if isinstance(construct, iam.CfnRole)
    ]
    assert found == [
        ("Test/Named/Resource", NagRuleCompliance.COMPLIANT),
        ("Test/Unnamed/Resource", ["GeneratedName"]),
    ]


def test_one_pack_run_twice_reads_the_tree_as_it_is_at_each_run(stack: Stack) -> None:
    # A pack instance validating again (validate at synth after a test's violations(), or a
    # caller reusing it) must not judge a function by the role map of the first run.
    pack = FintechChecks()
    role = iam.Role(stack, "Role", assumed_by=LAMBDA, role_name="app-role")
    _function(stack, role)
    assert [v for v in violations(stack, [pack]).get("Fintech", []) if v.startswith(RULE)] == []

    exempt = iam.Role(stack, "ExemptRole", assumed_by=LAMBDA, role_name="lz-sdk-late")
    lambda_.Function(
        stack,
        "LateFunction",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
        role=exempt,
    )

    found = [v for v in violations(stack, [pack]).get("Fintech", []) if v.startswith(RULE)]
    assert found == [f"{RULE}[GeneratedName]: Test/LateFunction/Resource"]
