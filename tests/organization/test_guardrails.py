import fnmatch
import re

import pytest

from landing_zone.organization.data_perimeter import (
    DATA_PERIMETER_GUARDRAILS,
    DataPerimeterParameters,
)
from landing_zone.organization.guardrails import (
    GLOBAL_SERVICE_ACTIONS,
    GUARDRAILS,
    SAGEMAKER_LOCAL_STORAGE_INSTANCES,
    Guardrail,
    GuardrailCatalog,
    GuardrailParameters,
    PolicyType,
    UnknownGuardrailError,
    deny_statement,
    guardrail_statements,
)
from landing_zone.organization.packing import MAX_POLICY_CHARACTERS, minified, policy_document

SEVENTEEN_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
)
LANDING_ZONE_ARNS = [
    "arn:aws:iam::*:role/lz-*",
    "arn:aws:iam::*:role/stacksets-exec-*",
    "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
]
IAM_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
SCP_STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
}


@pytest.fixture
def params() -> GuardrailParameters:
    return GuardrailParameters(governed_regions=("eu-west-1", "eu-central-1"))


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def only_statement(name: str, params: GuardrailParameters) -> dict:
    (statement,) = guardrail_statements(name, params)
    return statement


def by_sid(name: str, params: GuardrailParameters) -> dict[str, dict]:
    return {s["Sid"]: s for s in guardrail_statements(name, params)}


def exempt_principals(statement: dict) -> list[str]:
    return as_list(statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"])


def test_catalog_holds_the_documented_guardrail_names():
    # The names are a public contract used in config files: renaming one breaks users.
    assert list(GUARDRAILS) == [
        "deny-leave-organization",
        "deny-root-user",
        "protect-security-services",
        "deny-unapproved-regions",
        "deny-iam-users-and-access-keys",
        "protect-s3-block-public-access",
        "require-imdsv2",
        "protect-landing-zone-roles",
        "protect-landing-zone-resources",
        "protect-delegated-administration",
        "protect-address-plan",
        "keep-data-in-organization",
        "require-encryption-at-rest",
        "deny-disable-ebs-default-encryption",
        "deny-all-except-landing-zone",
        "deny-bedrock-without-guardrail",
        "protect-bedrock-controls",
        "deny-unapproved-bedrock-models",
        "require-sagemaker-encryption-and-vpc",
        "deny-sagemaker-root-and-internet",
    ]
    assert GUARDRAILS.policy_type is PolicyType.SERVICE_CONTROL_POLICY


@pytest.mark.parametrize("name", list(GUARDRAILS))
def test_each_guardrail_names_its_threat_in_a_sentence(name):
    threat = GUARDRAILS[name].threat
    assert len(threat) >= 60
    assert threat.endswith(".")


@pytest.mark.parametrize("name", list(GUARDRAILS))
def test_each_guardrail_is_a_valid_scp_of_deny_statements(name, params):
    document = policy_document(guardrail_statements(name, params))
    assert document["Version"] == "2012-10-17"
    assert document["Statement"]
    for statement in document["Statement"]:
        assert set(statement) <= SCP_STATEMENT_KEYS
        assert statement["Effect"] == "Deny"
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", statement["Sid"])
        assert ("Action" in statement) != ("NotAction" in statement)
        actions = as_list(statement.get("Action") or statement["NotAction"])
        assert all(action == "*" or IAM_ACTION.fullmatch(action) for action in actions)
        assert len(actions) == len(set(actions))
        assert statement.get("Resource") or statement.get("NotResource")
        for operator, keys in statement.get("Condition", {}).items():
            # An operator, optionally qualified for multivalued keys (ForAllValues:...).
            assert re.fullmatch(r"((ForAllValues|ForAnyValue):)?[A-Za-z]+", operator)
            assert keys


@pytest.mark.parametrize("name", list(GUARDRAILS))
@pytest.mark.parametrize("regions", [("eu-west-1",), SEVENTEEN_REGIONS])
def test_each_guardrail_fits_one_policy_alone(name, regions):
    params = GuardrailParameters(governed_regions=regions)
    size = len(minified(policy_document(guardrail_statements(name, params))))
    assert size <= MAX_POLICY_CHARACTERS


def test_statement_ids_are_unique_across_both_catalogs(params):
    rcp_params = DataPerimeterParameters(organization_id="o-a1b2c3d4e5")
    sids = [s["Sid"] for name in GUARDRAILS for s in guardrail_statements(name, params)] + [
        s["Sid"]
        for guardrail in DATA_PERIMETER_GUARDRAILS.values()
        for s in guardrail.statements(rcp_params)
    ]
    assert len(sids) == len(set(sids))


def test_statements_are_built_fresh_on_every_call(params):
    first = only_statement("deny-unapproved-regions", params)
    first["NotAction"].append("ec2:*")
    first["Condition"]["StringNotEquals"]["aws:RequestedRegion"].append("us-east-1")

    second = only_statement("deny-unapproved-regions", params)
    assert "ec2:*" not in second["NotAction"]
    assert second["Condition"]["StringNotEquals"]["aws:RequestedRegion"] == [
        "eu-central-1",
        "eu-west-1",
    ]


def test_deny_leave_organization_has_no_exemption(params):
    statement = only_statement("deny-leave-organization", params)
    assert statement["Action"] == "organizations:LeaveOrganization"
    assert "Condition" not in statement


def test_deny_root_user_denies_everything_except_central_root_sessions(params):
    statement = only_statement("deny-root-user", params)
    assert statement["Action"] == "*"
    assert statement["Resource"] == "*"
    assert statement["Condition"] == {
        "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"},
        "Null": {"aws:AssumedRoot": "true"},
    }


def test_protect_security_services_blocks_disabling_each_service(params):
    statement = by_sid("protect-security-services", params)["ProtectSecurityServices"]
    actions = as_list(statement["Action"])
    for action in (
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "cloudtrail:UpdateTrail",
        "cloudtrail:PutEventSelectors",
        "config:StopConfigurationRecorder",
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "guardduty:DeleteDetector",
        "guardduty:UpdateDetector",
        "guardduty:DisassociateFromAdministratorAccount",
        "guardduty:DeletePublishingDestination",
        "securityhub:DisableSecurityHub",
        "securityhub:DisassociateFromAdministratorAccount",
        "securityhub:BatchDisableStandards",
        "access-analyzer:DeleteAnalyzer",
        "inspector2:Disable",
        "inspector2:DisassociateMember",
        "macie2:DisableMacie",
        "macie2:DisassociateFromAdministratorAccount",
        # The quiet ways: archive, trust, suppress, narrow (escape 4 of issue 14).
        "guardduty:CreateFilter",
        "guardduty:CreateIPSet",
        "guardduty:CreateTrustedEntitySet",
        "guardduty:UpdateMemberDetectors",
        "guardduty:ArchiveFindings",
        "securityhub:CreateAutomationRule",
        "securityhub:UpdateConfigurationPolicy",
        "securityhub:BatchUpdateStandardsControlAssociations",
        "inspector2:CreateFilter",
        "access-analyzer:CreateArchiveRule",
        "access-analyzer:UpdateFindings",
        "config:DeleteOrganizationConformancePack",
        "config:DeleteOrganizationConfigRule",
        "config:DisassociateResourceTypes",
        "macie2:CreateAllowList",
    ):
        assert action in actions
    # Teams keep managing their own Config rules, flow logs and vault locks; the landing
    # zone's are protected by the stack tag (protect-landing-zone-resources).
    for action in ("config:DeleteConfigRule", "ec2:DeleteFlowLogs"):
        assert action not in actions
    assert not any("*" in action for action in actions)
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_region_guardrail_denies_outside_the_governed_regions_except_global_services(params):
    statement = only_statement("deny-unapproved-regions", params)
    assert "Action" not in statement
    assert statement["NotAction"] == list(GLOBAL_SERVICE_ACTIONS)
    for global_service in ("iam:*", "organizations:*", "sts:*", "route53:*", "support:*"):
        assert global_service in statement["NotAction"]
    assert statement["Condition"]["StringNotEquals"] == {
        "aws:RequestedRegion": ["eu-central-1", "eu-west-1"]
    }
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_region_guardrail_lists_all_seventeen_regions_in_a_stable_order():
    statement = only_statement(
        "deny-unapproved-regions", GuardrailParameters(governed_regions=SEVENTEEN_REGIONS)
    )
    reordered = only_statement(
        "deny-unapproved-regions",
        GuardrailParameters(governed_regions=tuple(reversed(SEVENTEEN_REGIONS))),
    )
    regions = statement["Condition"]["StringNotEquals"]["aws:RequestedRegion"]
    assert regions == sorted(SEVENTEEN_REGIONS)
    assert reordered == statement


def test_only_break_glass_roles_may_create_iam_users_and_keys(params):
    statement = by_sid("deny-iam-users-and-access-keys", params)["DenyIamUsersAndAccessKeys"]
    assert {
        "iam:CreateUser",
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:CreateServiceSpecificCredential",
        # Reviving or adding a credential of an existing user is as good as a new one.
        "iam:ResetServiceSpecificCredential",
        "iam:UpdateAccessKey",
        "iam:UpdateLoginProfile",
        "iam:UpdateSSHPublicKey",
        "iam:UpdateServiceSpecificCredential",
        "iam:UpdateSigningCertificate",
        "iam:UploadSSHPublicKey",
        "iam:UploadSigningCertificate",
    } == set(as_list(statement["Action"]))
    # The landing-zone automation is not exempt, only the break-glass role.
    assert exempt_principals(statement) == ["arn:aws:iam::*:role/lz-break-glass"]


def test_only_the_landing_zone_may_add_identity_providers(params):
    statement = by_sid("deny-iam-users-and-access-keys", params)["DenyOwnIdentityProviders"]
    actions = set(as_list(statement["Action"]))
    assert {
        "iam:CreateOpenIDConnectProvider",
        "iam:CreateSAMLProvider",
        "iam:UpdateOpenIDConnectProviderThumbprint",
        "rolesanywhere:CreateTrustAnchor",
    } <= actions
    # The pipelines stack creates the landing zone's own OIDC providers.
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_without_break_glass_roles_nobody_may_create_iam_users():
    params = GuardrailParameters(governed_regions=("eu-west-1",), break_glass_role_names=())
    statement = by_sid("deny-iam-users-and-access-keys", params)["DenyIamUsersAndAccessKeys"]
    assert "Condition" not in statement


def test_s3_guardrail_protects_the_account_setting_but_not_bucket_settings(params):
    statement = only_statement("protect-s3-block-public-access", params)
    assert statement["Action"] == "s3:PutAccountPublicAccessBlock"
    # Denying the bucket-level action would stop teams from blocking public access on buckets.
    assert "s3:PutBucketPublicAccessBlock" not in as_list(statement["Action"])
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_require_imdsv2_denies_v1_launches_setting_changes_and_v1_credentials(params):
    statements = by_sid("require-imdsv2", params)
    assert set(statements) == {
        "RequireImdsV2OnLaunch",
        "DenyImdsSettingChanges",
        "DenyImdsV1RoleCredentials",
    }

    launch = statements["RequireImdsV2OnLaunch"]
    assert launch["Action"] == "ec2:RunInstances"
    assert launch["Resource"] == "arn:aws:ec2:*:*:instance/*"
    assert launch["Condition"] == {"StringNotEquals": {"ec2:MetadataHttpTokens": "required"}}

    changes = statements["DenyImdsSettingChanges"]
    assert "ec2:ModifyInstanceMetadataOptions" in as_list(changes["Action"])
    assert exempt_principals(changes) == LANDING_ZONE_ARNS

    credentials = statements["DenyImdsV1RoleCredentials"]
    assert credentials["Action"] == "*"
    assert credentials["Condition"] == {"NumericLessThan": {"ec2:RoleDelivery": "2.0"}}


def test_landing_zone_roles_are_protected_from_everyone_but_themselves(params):
    statement = by_sid("protect-landing-zone-roles", params)["ProtectLandingZoneRoles"]
    actions = as_list(statement["Action"])
    for action in (
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:UpdateAssumeRolePolicy",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:CreateRole",
        "iam:PassRole",
    ):
        assert action in actions
    assert statement["Resource"] == LANDING_ZONE_ARNS
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_landing_zone_functions_can_be_invoked_or_changed_by_landing_zone_roles_only(params):
    statement = by_sid("protect-landing-zone-roles", params)["ProtectLandingZoneFunctions"]
    # Invoking with an event of one's own, new code or configuration, or letting anything else
    # invoke it (resource policy, URL, alias) would run one's calls as an exempt role.
    # Throttling it to zero or adding a trigger stops or runs it too.
    assert {
        "lambda:AddPermission",
        "lambda:CreateAlias",
        "lambda:CreateFunctionUrlConfig",
        "lambda:DeleteFunction",
        "lambda:InvokeFunction",
        "lambda:PublishVersion",
        "lambda:PutFunctionConcurrency",
        "lambda:UpdateAlias",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
    } <= set(as_list(statement["Action"]))
    assert statement["Resource"] == "arn:aws:lambda:*:*:function:lz-*"
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_landing_zone_managed_policies_and_their_versions_are_protected(params):
    statement = by_sid("protect-landing-zone-roles", params)["ProtectLandingZonePolicies"]
    # A new default version of a policy on an exempt role grants the role anything.
    assert {
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicy",
    } <= set(as_list(statement["Action"]))
    assert statement["Resource"] == "arn:aws:iam::*:policy/lz-*"
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_bootstrap_roles_cannot_be_assumed_from_member_accounts():
    params = GuardrailParameters(governed_regions=("eu-west-1",), cdk_bootstrap_qualifier="lzone")
    statement = by_sid("protect-landing-zone-roles", params)[
        "DenyAssumingLandingZoneBootstrapRoles"
    ]
    assert "sts:AssumeRole" in as_list(statement["Action"])
    assert statement["Resource"] == "arn:aws:iam::*:role/cdk-lzone-*"
    # Not even the other landing-zone roles: only the deployer of the management account,
    # which SCPs do not govern.
    assert "Condition" not in statement


def test_without_a_bootstrap_qualifier_no_bootstrap_statement(params):
    assert "DenyAssumingLandingZoneBootstrapRoles" not in by_sid(
        "protect-landing-zone-roles",
        GuardrailParameters(governed_regions=("eu-west-1",)),
    )


def test_rejects_a_qualifier_cdk_would_not_accept():
    with pytest.raises(ValueError, match="cdk_bootstrap_qualifier must be 1-10"):
        GuardrailParameters(governed_regions=("eu-west-1",), cdk_bootstrap_qualifier="Lzone!")


def test_namespace_covers_each_kind_under_the_prefix_and_the_named_stateful_resources():
    params = GuardrailParameters(governed_regions=("eu-west-1",), landing_zone_name="acme-pay")
    statements = by_sid("protect-landing-zone-resources", params)
    namespace = statements["ProtectLandingZoneNamespace"]
    resources = set(as_list(namespace["Resource"]))
    assert {
        "arn:aws:cloudwatch:*:*:alarm:lz-*",
        "arn:aws:events:*:*:rule/lz-*",
        "arn:aws:sns:*:*:lz-*",
        "arn:aws:logs:*:*:log-group:lz-*",
        "arn:aws:logs:*:*:log-group:/aws/lambda/lz-*",
        "arn:aws:s3:::lz-*",
        "arn:aws:states:*:*:stateMachine:lz-*",
        "arn:aws:kms:*:*:alias/acme-pay/*",
        "arn:aws:ssm:*:*:parameter/acme-pay/landing-zone/*",
        "arn:aws:cloudformation:*:*:stack/StackSet-acme-pay-*",
        # Core stacks in member accounts run updates as their exempt execution role.
        "arn:aws:cloudformation:*:*:stack/acme-pay-*",
    } <= resources
    actions = set(as_list(namespace["Action"]))
    # The alert path: silencing a rule, an alarm or a topic subscription.
    assert {
        "events:DisableRule",
        "cloudwatch:DisableAlarmActions",
        "sns:Unsubscribe",
        "sns:SetTopicAttributes",
        "logs:Delete*",
        "kms:UpdateAlias",
        "cloudformation:DeleteStack",
    } <= actions
    assert exempt_principals(namespace) == LANDING_ZONE_ARNS
    stack_resources = statements["ProtectLandingZoneStackResources"]
    for action in (
        "kms:PutKeyPolicy",
        "ec2:ReplaceNetworkAclEntry",
        "ec2:CreateRoute",
        "ec2:DeleteFlowLogs",
        "config:DeleteConfigRule",
        "backup:DeleteBackupVaultLockConfiguration",
    ):
        assert action in stack_resources["Action"]
    assert stack_resources["Resource"] == "*"
    assert stack_resources["Condition"]["StringLike"] == {
        "aws:ResourceTag/aws:cloudformation:stack-name": [
            "lz-*",
            "StackSet-lz-*",
            "acme-pay-*",
            "StackSet-acme-pay-*",
        ]
    }


def test_without_a_landing_zone_name_only_the_prefix_is_protected(params):
    namespace = by_sid("protect-landing-zone-resources", params)["ProtectLandingZoneNamespace"]
    assert all("lz-" in arn for arn in as_list(namespace["Resource"]))


def test_data_stays_in_the_organization():
    params = GuardrailParameters(
        governed_regions=("eu-west-1", "eu-central-1"), organization_id="o-a1b2c3d4e5"
    )
    statements = by_sid("keep-data-in-organization", params)
    assert statements["DenyResourceSharesWithOutsiders"]["Condition"] == {
        "Bool": {"ram:RequestedAllowsExternalPrincipals": "true"}
    }
    sharing = statements["DenySharingByAccountId"]
    assert {"ec2:ModifySnapshotAttribute", "rds:ModifyDBSnapshotAttribute"} <= set(
        sharing["Action"]
    )
    assert statements["DenyPublicFunctionUrls"]["Condition"] == {
        "StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}
    }
    assert statements["DenyReplicasOutsideGovernedRegions"]["Condition"] == {
        "ForAnyValue:StringNotEquals": {
            "secretsmanager:AddReplicaRegions": ["eu-central-1", "eu-west-1"]
        }
    }
    assert statements["DenyReplicationOutsideOrganization"]["Condition"] == {
        "StringNotEquals": {"aws:ResourceOrgID": "o-a1b2c3d4e5"}
    }


def test_replication_to_other_organizations_needs_the_organization_id(params):
    assert "DenyReplicationOutsideOrganization" not in by_sid("keep-data-in-organization", params)


def test_unencrypted_data_stores_are_denied(params):
    statements = by_sid("require-encryption-at-rest", params)
    assert statements["DenyUnencryptedDataStores"]["Condition"] == {
        "BoolIfExists": {"rds:StorageEncrypted": "false"}
    }
    assert statements["DenyUnencryptedFileSystems"]["Condition"] == {
        "BoolIfExists": {"elasticfilesystem:Encrypted": "false"}
    }


def test_landing_zone_roles_follow_the_configured_prefix_and_break_glass_roles():
    params = GuardrailParameters(
        governed_regions=("eu-west-1",),
        landing_zone_role_prefix="acme-platform-",
        break_glass_role_names=("acme-platform-emergency", "BreakGlass"),
    )
    statements = by_sid("protect-landing-zone-roles", params)
    statement = statements["ProtectLandingZoneRoles"]
    assert statements["ProtectLandingZoneFunctions"]["Resource"] == (
        "arn:aws:lambda:*:*:function:acme-platform-*"
    )
    # A break-glass role under the prefix is already covered by the prefix pattern.
    assert statement["Resource"] == [
        "arn:aws:iam::*:role/acme-platform-*",
        "arn:aws:iam::*:role/stacksets-exec-*",
        "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
        "arn:aws:iam::*:role/BreakGlass",
    ]


def test_ebs_default_encryption_can_never_be_disabled(params):
    statements = by_sid("deny-disable-ebs-default-encryption", params)
    disable = statements["DenyDisableEbsDefaultEncryption"]
    assert disable["Action"] == "ec2:DisableEbsEncryptionByDefault"
    assert "Condition" not in disable

    key = statements["ProtectEbsDefaultKmsKey"]
    assert set(as_list(key["Action"])) == {
        "ec2:ModifyEbsDefaultKmsKeyId",
        "ec2:ResetEbsDefaultKmsKeyId",
    }
    assert exempt_principals(key) == LANDING_ZONE_ARNS


def test_deny_all_denies_everything_but_the_landing_zone_principals(params):
    (statement,) = guardrail_statements("deny-all-except-landing-zone", params)
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "*"
    assert statement["Resource"] == "*"
    exempt = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert exempt == list(params.landing_zone_role_arns)
    assert "arn:aws:iam::*:role/stacksets-exec-*" in exempt


def test_unknown_guardrail_error_lists_the_allowed_names(params):
    with pytest.raises(UnknownGuardrailError) as caught:
        guardrail_statements("deny-root-users", params)
    message = str(caught.value)
    assert "'deny-root-users'" in message
    assert "Did you mean 'deny-root-user'?" in message
    for name in GUARDRAILS:
        assert name in message
    assert "SERVICE_CONTROL_POLICY" in message


def test_unknown_guardrail_error_is_a_value_error_and_catalogs_are_mappings():
    assert issubclass(UnknownGuardrailError, ValueError)
    assert "deny-everything" not in GUARDRAILS
    assert GUARDRAILS.get("deny-everything") is None
    with pytest.raises(KeyError):
        GUARDRAILS["deny-everything"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"governed_regions": ()}, "at least one AWS Region"),
        ({"governed_regions": "eu-west-1"}, "received the string 'eu-west-1'"),
        ({"governed_regions": ("eu-west-1", "Frankfurt")}, "contains 'Frankfurt'"),
        ({"governed_regions": ("eu-west-1", "eu-west-1")}, "lists eu-west-1 more than once"),
        ({"landing_zone_role_prefix": ""}, "landing_zone_role_prefix"),
        ({"landing_zone_role_prefix": "lz-*"}, "without wildcards"),
        ({"break_glass_role_names": ("break-glass-*",)}, "contains 'break-glass-*'"),
        ({"break_glass_role_names": ("break glass",)}, "contains 'break glass'"),
        ({"break_glass_role_names": ("brèak-glass",)}, "contains 'brèak-glass'"),
        ({"deployment_role_names": ("*",)}, "'*' allowed except as the first character"),
        ({"deployment_role_names": ("*exec*",)}, "contains '*exec*'"),
    ],
)
def test_rejects_invalid_parameters(overrides, message):
    arguments = {"governed_regions": ("eu-west-1",), **overrides}
    with pytest.raises(ValueError, match=re.escape(message)):
        GuardrailParameters(**arguments)


def test_accepts_a_landing_zone_cdk_execution_role_pattern():
    params = GuardrailParameters(
        governed_regions=("eu-west-1",),
        deployment_role_names=("stacksets-exec-*", "cdk-lzcore-cfn-exec-role-*"),
    )
    assert "arn:aws:iam::*:role/cdk-lzcore-cfn-exec-role-*" in params.landing_zone_role_arns


def test_rejects_a_guardrail_name_that_is_not_kebab_case():
    with pytest.raises(ValueError, match="kebab-case"):
        Guardrail(name="DenyThings", threat="Something bad.", build=lambda _: [])


def test_rejects_a_guardrail_without_a_threat():
    with pytest.raises(ValueError, match="threat"):
        Guardrail(name="deny-things", threat=" ", build=lambda _: [])


def test_rejects_a_catalog_with_a_name_twice():
    guardrail = Guardrail(name="deny-things", threat="Something bad.", build=lambda _: [])
    with pytest.raises(ValueError, match="'deny-things' is registered twice"):
        GuardrailCatalog(PolicyType.SERVICE_CONTROL_POLICY, (guardrail, guardrail))


def test_deny_statement_needs_exactly_one_of_action_and_not_action():
    with pytest.raises(ValueError, match="exactly one of action and not_action"):
        deny_statement("Both", action="s3:*", not_action=["iam:*"])
    with pytest.raises(ValueError, match="exactly one of action and not_action"):
        deny_statement("Neither")


# --- AI workloads -----------------------------------------------------------------------------

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
INFERENCE = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]


def test_bedrock_inference_needs_a_published_guardrail_version_of_the_calling_account(params):
    statements = by_sid("deny-bedrock-without-guardrail", params)
    statement = statements["DenyBedrockInferenceWithoutOwnGuardrailVersion"]
    assert statement["Action"] == INFERENCE
    # StringNotLike is true for a missing key: no guardrail at all is denied too; one to three
    # characters after the id's ":" are a version number, never ":DRAFT" or the bare id.
    guardrails = "arn:aws:bedrock:*:${aws:PrincipalAccount}:guardrail/*"
    assert statement["Condition"] == {
        "StringNotLike": {
            "bedrock:GuardrailIdentifier": [f"{guardrails}:{v}" for v in ("?", "??", "???")]
        }
    }
    # Batch inference and the OpenAI-compatible API cannot carry a guardrail.
    unguardable = statements["DenyInferenceThatCannotCarryAGuardrail"]
    assert unguardable["Action"] == [
        "bedrock:CreateModelInvocationJob",
        "bedrock-mantle:CreateInference",
    ]
    assert "Condition" not in unguardable


def test_invocation_logging_enforced_guardrail_guardrails_and_scans_are_protected(params):
    statement = only_statement("protect-bedrock-controls", params)
    assert set(statement["Action"]) == {
        "guardduty:DeleteMalwareProtectionPlan",
        "guardduty:UpdateMalwareProtectionPlan",
        "macie2:CreateFindingsFilter",
        "macie2:PutFindingsPublicationConfiguration",
        "macie2:UpdateClassificationJob",
        "macie2:UpdateFindingsFilter",
        "bedrock:PutModelInvocationLoggingConfiguration",
        "bedrock:DeleteModelInvocationLoggingConfiguration",
        "bedrock:PutEnforcedGuardrailConfiguration",
        "bedrock:DeleteEnforcedGuardrailConfiguration",
        "bedrock:CreateGuardrail",
        "bedrock:UpdateGuardrail",
        "bedrock:DeleteGuardrail",
        "bedrock:CreateGuardrailVersion",
    }
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_only_approved_models_and_their_inference_profiles_may_be_invoked():
    params = GuardrailParameters(governed_regions=("eu-west-1",), approved_bedrock_models=(HAIKU,))
    statement = only_statement("deny-unapproved-bedrock-models", params)
    assert statement["Action"] == INFERENCE
    assert "Resource" not in statement
    assert statement["NotResource"] == [
        f"arn:aws:bedrock:*::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:*:*:inference-profile/*.{HAIKU}",
    ]


def test_without_approved_models_every_model_is_denied(params):
    statement = only_statement("deny-unapproved-bedrock-models", params)
    assert statement["Action"] == INFERENCE
    assert statement["Resource"] == "*"
    assert "Condition" not in statement


def test_sagemaker_jobs_need_kms_keys_a_vpc_and_encrypted_container_traffic(params):
    statements = by_sid("require-sagemaker-encryption-and-vpc", params)
    volume = statements["DenySageMakerVolumesWithoutKmsKey"]
    # Local NVMe instance types take no volume key (SageMaker refuses one): they pass.
    assert volume["Condition"] == {
        "Null": {"sagemaker:VolumeKmsKeyArn": "true"},
        "ForAllValues:StringNotLike": {
            "sagemaker:InstanceTypes": list(SAGEMAKER_LOCAL_STORAGE_INSTANCES)
        },
    }
    assert {"sagemaker:CreateTrainingJob", "sagemaker:CreateEndpointConfig"} <= set(
        volume["Action"]
    )
    output = statements["DenySageMakerOutputsWithoutKmsKey"]
    assert output["Condition"] == {"Null": {"sagemaker:OutputKmsKeyArn": "true"}}
    assert {"sagemaker:CreateTransformJob", "sagemaker:CreateProcessingJob"} <= set(
        output["Action"]
    )
    vpc = statements["DenySageMakerWithoutVpc"]
    assert vpc["Condition"] == {"Null": {"sagemaker:VpcSubnets": "true"}}
    assert {"sagemaker:CreateModel", "sagemaker:CreateTrainingJob", "sagemaker:CreateCluster"} <= (
        set(vpc["Action"])
    )
    # An endpoint runs in its model's VPC; its configuration names none in the usual setup.
    assert "sagemaker:CreateEndpointConfig" not in vpc["Action"]
    encryption = statements["DenySageMakerWithoutInterContainerEncryption"]
    # BoolIfExists is true for a missing key: leaving encryption out is denied as well.
    assert encryption["Condition"] == {
        "BoolIfExists": {"sagemaker:InterContainerTrafficEncryption": "false"}
    }
    assert "sagemaker:CreateTrainingJob" in encryption["Action"]


def test_notebooks_and_domains_get_no_root_or_internet(params):
    statements = by_sid("deny-sagemaker-root-and-internet", params)
    assert statements["DenySageMakerNotebookRootAccess"]["Condition"] == {
        "StringNotEquals": {"sagemaker:RootAccess": "Disabled"}
    }
    # An update that leaves the setting out keeps what the create enforced.
    assert statements["DenySageMakerNotebookRootAccessOnUpdate"]["Condition"] == {
        "StringNotEqualsIfExists": {"sagemaker:RootAccess": "Disabled"}
    }
    assert statements["DenySageMakerNotebookInternetAccess"]["Condition"] == {
        "StringNotEquals": {"sagemaker:DirectInternetAccess": "Disabled"}
    }
    assert statements["DenySageMakerNotebookLifecycleConfigs"]["Condition"] == {
        "Null": {"sagemaker:NotebookInstanceLifecycleConfigArns": "false"}
    }
    assert statements["DenySageMakerDomainInternetAccess"]["Condition"] == {
        "StringNotEquals": {"sagemaker:AppNetworkAccessType": "VpcOnly"}
    }
    assert statements["DenySageMakerDomainInternetAccessOnUpdate"]["Condition"] == {
        "StringNotEqualsIfExists": {"sagemaker:AppNetworkAccessType": "VpcOnly"}
    }


def test_rejects_an_approved_model_that_is_no_model_id():
    with pytest.raises(ValueError, match="approved_bedrock_models"):
        GuardrailParameters(governed_regions=("eu-west-1",), approved_bedrock_models=("gpt 4",))


def test_exempt_embedding_models_pass_without_a_guardrail():
    params = GuardrailParameters(
        governed_regions=("eu-west-1",),
        guardrail_exempt_bedrock_models=("amazon.titan-embed-text-v2:0",),
    )
    statement = by_sid("deny-bedrock-without-guardrail", params)[
        "DenyBedrockInferenceWithoutOwnGuardrailVersion"
    ]
    assert "Resource" not in statement
    assert statement["NotResource"] == [
        "arn:aws:bedrock:*::foundation-model/amazon.titan-embed-text-v2:0",
        "arn:aws:bedrock:*:*:inference-profile/*.amazon.titan-embed-text-v2:0",
    ]


def test_bootstrap_stack_and_staging_bucket_are_protected():
    params = GuardrailParameters(governed_regions=("eu-west-1",), cdk_bootstrap_qualifier="lzone")
    namespace = by_sid("protect-landing-zone-resources", params)["ProtectLandingZoneNamespace"]
    assert {
        "arn:aws:cloudformation:*:*:stack/CDKToolkit-lzone/*",
        "arn:aws:s3:::cdk-lzone-*",
    } <= set(as_list(namespace["Resource"]))
    # Every bootstrap role of the qualifier is protected and exempt, nothing else of CDK's.
    assert "arn:aws:iam::*:role/cdk-lzone-*" in params.landing_zone_role_arns


def test_function_triggers_are_matched_on_the_function_they_trigger(params):
    statement = by_sid("protect-landing-zone-roles", params)["ProtectLandingZoneFunctionTriggers"]
    assert statement["Resource"] == "*"
    assert statement["Condition"]["ArnLike"] == {
        "lambda:FunctionArn": "arn:aws:lambda:*:*:function:lz-*"
    }


def test_scan_exclusion_tags_are_the_landing_zones(params):
    statement = by_sid("protect-security-services", params)["ProtectScanExclusionTags"]
    assert "GuardDutyManaged" in statement["Condition"]["ForAnyValue:StringEquals"]["aws:TagKeys"]
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_delegated_administrator_cannot_act_on_every_account(params):
    statement = by_sid("protect-delegated-administration", params)["ProtectDelegatedAdministration"]
    for action in (
        "cloudformation:CreateStackSet",
        "cloudformation:CreateStackInstances",
        "events:RemovePermission",
        "securityhub:CreateConfigurationPolicy",
        "securityhub:DeleteFindingAggregator",
    ):
        assert action in statement["Action"]
    assert exempt_principals(statement) == LANDING_ZONE_ARNS


def test_ipam_administrator_cannot_change_the_address_plan(params):
    statements = by_sid("protect-delegated-administration", params)
    plan = statements["ProtectAddressPlan"]
    for action in (
        "ec2:DeleteIpam*",
        "ec2:ModifyIpam*",
        "ec2:DeprovisionIpam*",
        "ec2:ProvisionIpam*",
        "ec2:ReleaseIpamPoolAllocation",
        "ec2:DisableIpam*",
    ):
        assert action in plan["Action"]
    # Allocating from a shared pool and reading it is what workload VPCs do.
    assert not any(
        fnmatch.fnmatchcase(allowed, pattern)
        for pattern in plan["Action"]
        for allowed in ("ec2:AllocateIpamPoolCidr", "ec2:DescribeIpamPools", "ec2:CreateVpc")
    )
    assert plan["Resource"] == "*"
    assert exempt_principals(plan) == LANDING_ZONE_ARNS
    shares = statements["ProtectAddressPlanShares"]
    assert shares["Condition"]["StringLike"] == {"ram:ResourceShareName": "lz-*"}
    assert sorted(shares["Action"]) == [
        "ram:AssociateResourceShare",
        "ram:DeleteResourceShare",
        "ram:DisassociateResourceShare",
        "ram:UpdateResourceShare",
    ]
    assert exempt_principals(shares) == LANDING_ZONE_ARNS
    policies = statements["ProtectAddressPoolPolicies"]
    assert policies["Resource"] == "arn:aws:ec2::*:ipam-pool/*"
    assert sorted(policies["Action"]) == ["ec2:DeleteResourcePolicy", "ec2:PutResourcePolicy"]
    assert exempt_principals(policies) == LANDING_ZONE_ARNS
    # Any other share of a pool: protect-address-plan at Root (below).
    assert "OnlyLandingZoneSharesAddressPools" not in statements


def test_only_the_landing_zone_creates_shares_or_allocates_address_pools(params):
    """At Root: an IPAM or pool of a member account's own (which a new shape VPC could find
    first), a share of a pool, or an allocation by hand (draining a pool, a production range
    for a sandbox VPC) are the landing zone's alone; the StackSets execution role is one of
    its roles, so a shape VPC still allocates its range."""
    statements = by_sid("protect-address-plan", params)
    pools = statements["OnlyLandingZoneAddressPools"]
    for action in ("ec2:CreateIpam*", "ec2:AllocateIpamPoolCidr", "ec2:ProvisionIpam*"):
        assert action in pools["Action"]
    assert not any(
        fnmatch.fnmatchcase(allowed, pattern)
        for pattern in pools["Action"]
        for allowed in ("ec2:DescribeIpamPools", "ec2:GetIpamPoolAllocations", "ec2:CreateVpc")
    )
    assert exempt_principals(pools) == LANDING_ZONE_ARNS
    assert any("stacksets-exec" in arn for arn in LANDING_ZONE_ARNS)
    shares = statements["OnlyLandingZoneSharesAddressPools"]
    assert shares["Condition"]["StringEquals"] == {"ram:RequestedResourceType": "ec2:IpamPool"}
    assert exempt_principals(shares) == LANDING_ZONE_ARNS


def test_address_plan_shares_follow_the_prefix():
    params = GuardrailParameters(governed_regions=("eu-west-1",), landing_zone_role_prefix="acme-")
    statement = by_sid("protect-delegated-administration", params)["ProtectAddressPlanShares"]
    assert statement["Condition"]["StringLike"] == {"ram:ResourceShareName": "acme-*"}


def test_log_destinations_are_the_landing_zones_but_own_subscriptions_are_not(params):
    statement = by_sid("keep-data-in-organization", params)["DenyLogDestinations"]
    assert statement["Resource"] == "arn:aws:logs:*:*:destination:*"
    assert "logs:PutSubscriptionFilter" in statement["Action"]


def test_protected_roles_are_protected_but_not_exempt():
    params = GuardrailParameters(
        governed_regions=("eu-west-1",), protected_role_names=("pipeline-*-deploy",)
    )
    statement = by_sid("protect-landing-zone-roles", params)["ProtectLandingZoneRoles"]
    assert "arn:aws:iam::*:role/pipeline-*-deploy" in statement["Resource"]
    assert "iam:UpdateAssumeRolePolicy" in statement["Action"]
    assert "arn:aws:iam::*:role/pipeline-*-deploy" not in exempt_principals(statement)


def test_rejects_a_protected_role_name_with_a_leading_wildcard():
    with pytest.raises(ValueError, match="protected_role_names contains '\\*-deploy'"):
        GuardrailParameters(governed_regions=("eu-west-1",), protected_role_names=("*-deploy",))


def test_only_landing_zone_and_pipeline_roles_act_on_github_actions_credentials():
    params = GuardrailParameters(
        governed_regions=("eu-west-1",), protected_role_names=("pipeline-*-deploy",)
    )
    statement = by_sid("deny-iam-users-and-access-keys", params)["DenyOtherRolesForGitHubActions"]
    assert statement["Action"] == "*"
    assert statement["Condition"]["StringLike"] == {
        "aws:FederatedProvider": "*token.actions.githubusercontent.com"
    }
    allowed = statement["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert allowed == [*LANDING_ZONE_ARNS, "arn:aws:iam::*:role/pipeline-*-deploy"]
