"""The copy machinery ``cdk-stacksets`` adds to a StackSet's stack for the template's assets.

For each asset bucket, ``cdk-stacksets`` adds a ``BucketDeployment`` to the stack that holds the
``StackSetStack``, and creates it itself: none of its props (role, runtime, log group) can be
set. Their findings are acknowledged here, and the StackSet is ordered after them.

Their shared handler is the only writer the asset buckets admit (``BaselineAssetBucket``), so
its role and function get a name under the protected prefix here,
``<prefix>asset-publisher-<stack>-<region>``, through the L1 resources. Renaming the function
changes the ``ServiceToken`` of the ``Custom::CDKBucketDeployment`` resources, which
CloudFormation does not update in place: they get new logical ids (``LOGICAL_ID_SUFFIX``) and
are created anew under the named function. The old ones' deletion does nothing: the handler
keeps the copied objects on delete (``RetainOnDelete`` is not set, and its default is to
retain).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from aws_cdk import Acknowledgment, CfnResource, Names, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from cdk_stacksets import StackSetStack, StackSetStackSynthesizer

from landing_zone.baseline.asset_bucket import ASSET_PUBLISHER

LOGICAL_ID_SUFFIX = "Lz"
"""Appended to the logical ids of the ``Custom::CDKBucketDeployment`` resources once their
handler has its protected name (the convention of the renamed SDK call handlers)."""


def asset_publisher_name(prefix: str, stack_name: str, region: str) -> str:
    """The name of the role and function that publish a stack's assets: IAM role names are per
    account, so the stack and the region are in it; a hash of the stack name replaces it where
    the name would pass IAM's and Lambda's 64 characters."""
    name = f"{prefix}{ASSET_PUBLISHER}-{stack_name}-{region}"
    if len(name) <= 64:
        return name
    digest = hashlib.sha256(stack_name.encode()).hexdigest()[:10]
    return f"{prefix}{ASSET_PUBLISHER}-{digest}-{region}"


def asset_bucket_deployments(baseline: StackSetStack) -> list[s3deploy.BucketDeployment]:
    """The ``BucketDeployment``s ``cdk-stacksets`` added to the parent stack for ``baseline``.

    ``cdk-stacksets`` names them ``<unique id of the StackSetStack>-AssetBucketDeployment-<n>``,
    ``n`` the position of the asset bucket in its synthesizer's ``asset_buckets``, and creates
    them when the first asset of ``baseline`` is added. They are looked up by name: a stack
    holding hundreds of StackSets would otherwise be scanned child by child for each of them.
    """
    parent = baseline.node.scope
    assert parent is not None, "a StackSetStack always has a scope"
    synthesizer = baseline.synthesizer
    assert isinstance(synthesizer, StackSetStackSynthesizer), "cdk-stacksets sets it"
    bucket_count = len(synthesizer.asset_buckets or ())
    stack = Stack.of(parent).node
    prefix = f"{Names.unique_id(baseline)}-AssetBucketDeployment-"
    children = (stack.try_find_child(f"{prefix}{index}") for index in range(bucket_count))
    return [child for child in children if isinstance(child, s3deploy.BucketDeployment)]


def acknowledge_asset_replication(
    baseline: StackSetStack, asset_buckets: Sequence[s3.IBucket], *, name_prefix: str = "lz-"
) -> None:
    """Name the publisher of ``baseline``'s assets and acknowledge the findings on the
    ``BucketDeployment``s that copy them.

    Their singleton Lambda function (shared by every ``BucketDeployment`` of the stack), its log
    group, role and grants are aws-cdk-lib's, made by ``cdk-stacksets`` without any prop, so
    their findings cannot be fixed from here. ``asset_buckets`` are the buckets written to. The
    function and its role are named ``asset_publisher_name(name_prefix, ...)``, the only role
    the asset buckets let write (``BaselineAssetBucket(name_prefix=...)`` must use the same
    prefix). Call it once the baseline has its first asset.
    """
    deployments = asset_bucket_deployments(baseline)
    if not deployments:
        return
    role = deployments[0].handler_role
    function = role.node.scope
    default_policy = role.node.try_find_child("DefaultPolicy")
    assert function is not None, "a BucketDeployment handler role belongs to its function"
    _name_publisher(deployments, role, function, name_prefix)
    assert default_policy is not None, "BucketDeployment grants through the role's policy"
    Validations.of(function).acknowledge(*_COPY_FUNCTION_ACKNOWLEDGMENTS)
    Validations.of(role).acknowledge(_COPY_ROLE_MANAGED_POLICY)
    # The bootstrap bucket the assets are copied from, as cdk-stacksets imports it.
    source = baseline.node.try_find_child("ParentAssetBucket")
    buckets = [*([source] if isinstance(source, s3.BucketBase) else []), *asset_buckets]
    parent = Stack.of(role)
    Validations.of(default_policy).acknowledge(
        *_COPY_POLICY_ACKNOWLEDGMENTS,
        *(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::"
                f"{_flatten_reference(parent.resolve(bucket.arn_for_objects('*')))}]",
                reason=_COPY_OBJECTS_REASON,
            )
            for bucket in buckets
        ),
    )


def _name_publisher(
    deployments: Sequence[s3deploy.BucketDeployment],
    role: iam.IRole,
    function: object,
    prefix: str,
) -> None:
    stack = Stack.of(role)
    name = asset_publisher_name(prefix, stack.stack_name, stack.region)
    cfn_role = role.node.default_child
    assert isinstance(cfn_role, iam.CfnRole), "BucketDeployment creates its handler role"
    assert isinstance(function, lambda_.Function), "a BucketDeployment handler is a Function"
    cfn_function = function.node.default_child
    assert isinstance(cfn_function, lambda_.CfnFunction)
    cfn_role.role_name = name
    cfn_function.function_name = name
    for deployment in deployments:
        resource = deployment.node.find_child("CustomResource").node.default_child
        assert isinstance(resource, CfnResource), "a BucketDeployment's custom resource"
        resource.override_logical_id(stack.get_logical_id(resource) + LOGICAL_ID_SUFFIX)


def _flatten_reference(value: object) -> str:
    """``value`` as cdk-nag writes it in a finding id (its ``flattenCfnReference``)."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(_flatten_reference(item) for item in items)
        if "Fn::Sub" in value:
            return _flatten_reference(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{_flatten_reference(resource)}.{_flatten_reference(attribute)}>"
        if "Ref" in value:
            return f"<{_flatten_reference(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))


_COPY_OBJECTS_REASON = (
    "aws-cdk-lib's BucketDeployment grants its handler read on the objects of the bootstrap "
    "bucket it copies from and write on the objects of each asset bucket it copies to; the "
    "object keys are asset hashes that change with every asset version."
)
_COPY_ACTIONS_REASON = (
    "The action wildcards are aws-cdk-lib's grantRead/grantReadWrite, which BucketDeployment "
    "uses and cdk-stacksets does not let us replace; they are limited to the named buckets."
)
_COPY_POLICY_ACKNOWLEDGMENTS = (
    *(
        Acknowledgment(id=f"AwsSolutions-IAM5[Action::{action}]", reason=_COPY_ACTIONS_REASON)
        for action in (
            "s3:Abort*",
            "s3:DeleteObject*",
            "s3:GetBucket*",
            "s3:GetObject*",
            "s3:List*",
        )
    ),
    Acknowledgment(
        id="NIST.800.53.R5-IAMNoInlinePolicy",
        reason="BucketDeployment grants its handler role through the role's default (inline) "
        "policy; cdk-stacksets creates the BucketDeployment and exposes no way to change it.",
    ),
    Acknowledgment(
        id="PCI.DSS.321-IAMNoInlinePolicy",
        reason="BucketDeployment grants its handler role through the role's default (inline) "
        "policy; cdk-stacksets creates the BucketDeployment and exposes no way to change it.",
    ),
)
_COPY_ROLE_MANAGED_POLICY = Acknowledgment(
    id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]",
    reason="BucketDeployment creates its handler role with this AWS managed policy (log "
    "writing only); cdk-stacksets creates the BucketDeployment and exposes no role prop.",
)
_COPY_FUNCTION_VPC = (
    "The handler copies objects between S3 buckets of the management account and answers "
    "CloudFormation; it runs only during deployments and reaches nothing but AWS APIs."
)
_COPY_LOGS = (
    "aws-cdk-lib creates the handler's log group (feature flag useCdkManagedLogGroup) and "
    "cdk-stacksets exposes no key prop; the log holds S3 copy commands of public build "
    "artifacts, no data."
)
_COPY_FUNCTION_ACKNOWLEDGMENTS = (
    Acknowledgment(
        id="AwsSolutions-L1",
        reason="The runtime is the one aws-cdk-lib builds BucketDeployment's bundled AWS CLI "
        "for; it moves with aws-cdk-lib upgrades and cdk-stacksets exposes no runtime prop.",
    ),
    Acknowledgment(id="NIST.800.53.R5-CloudWatchLogGroupEncrypted", reason=_COPY_LOGS),
    Acknowledgment(id="PCI.DSS.321-CloudWatchLogGroupEncrypted", reason=_COPY_LOGS),
    Acknowledgment(id="Fintech-LogGroupRetentionAndKms", reason=_COPY_LOGS),
    Acknowledgment(id="NIST.800.53.R5-LambdaInsideVPC", reason=_COPY_FUNCTION_VPC),
    Acknowledgment(id="PCI.DSS.321-LambdaInsideVPC", reason=_COPY_FUNCTION_VPC),
    Acknowledgment(
        id="NIST.800.53.R5-LambdaConcurrency",
        reason="CloudFormation invokes the handler once per asset bucket and deployment; "
        "there is no load to bound.",
    ),
    Acknowledgment(
        id="NIST.800.53.R5-LambdaDLQ",
        reason="A failed copy fails the custom resource and rolls the deployment back before "
        "the StackSet is updated; there is no event to replay later.",
    ),
)
