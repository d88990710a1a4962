"""Resources that hold data or identity must survive stack deletion and replacement.

Only an explicit ``Retain`` counts, for both ``DeletionPolicy`` and ``UpdateReplacePolicy``, even
where CloudFormation would retain by default (``AWS::Organizations::Account``), so that reviewers
read it in the template. ``RetainExceptOnCreate`` deletes the resource when the stack that created
it rolls back, with whatever logs reached it meanwhile; ``Snapshot`` still deletes the live
database. Such a choice is made by acknowledging the finding, with the reason.

In scope: stores of records, logs, keys and secrets, the organization's accounts and OUs, and
StackSets (deleting or replacing the StackSet resource deletes its stack instances, and with them
every unretained resource in them): none should leave as the side effect of a stack change.
Out of scope: SQS queues and SNS topics, which pass messages on rather than keep them (a queue
keeps a message 14 days at most), and everything CloudFormation can recreate without loss.
"""

from cdk_nag import NagMessageLevel, NagRuleCompliance

from landing_zone.compliance.rules.fintech_rule import FintechRule, RuleResult
from landing_zone.compliance.rules.resource import Resource

RESOURCE_TYPES = frozenset(
    {
        "AWS::Backup::BackupVault",
        "AWS::Backup::LogicallyAirGappedBackupVault",
        "AWS::CloudFormation::StackSet",
        "AWS::CloudTrail::EventDataStore",
        "AWS::CloudTrail::Trail",
        "AWS::Cognito::UserPool",
        "AWS::DocDB::DBCluster",
        "AWS::DynamoDB::GlobalTable",
        "AWS::DynamoDB::Table",
        "AWS::ECR::Repository",
        "AWS::EFS::FileSystem",
        "AWS::KMS::Key",
        "AWS::KMS::ReplicaKey",
        "AWS::Kinesis::Stream",
        "AWS::Logs::LogGroup",
        "AWS::Neptune::DBCluster",
        "AWS::OpenSearchService::Domain",
        "AWS::Organizations::Account",
        "AWS::Organizations::OrganizationalUnit",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::Redshift::Cluster",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
    }
)

RETAIN = "Retain"


def stateful_resource_retained(resource: Resource) -> RuleResult:
    """Compliant when both the deletion and the update-replace policy are ``Retain``."""
    if resource.type not in RESOURCE_TYPES:
        return NagRuleCompliance.NOT_APPLICABLE
    retained = resource.deletion_policy == RETAIN and resource.update_replace_policy == RETAIN
    return NagRuleCompliance.COMPLIANT if retained else NagRuleCompliance.NON_COMPLIANT


STATEFUL_RESOURCE_RETAINED = FintechRule(
    suffix="StatefulResourceRetained",
    info=(
        "The stateful resource does not have both DeletionPolicy and UpdateReplacePolicy set to "
        "Retain (in CDK: removal_policy=RemovalPolicy.RETAIN)."
    ),
    explanation=(
        "Deleting a stack or a change that replaces the resource would destroy audit logs, "
        "keys, records or a whole account. Records must outlive the code that created them "
        "(PCI DSS 10.7, NIST AU-11); retire them deliberately, outside CloudFormation."
    ),
    level=NagMessageLevel.ERROR,
    resource_types=RESOURCE_TYPES,
    check=stateful_resource_retained,
)
