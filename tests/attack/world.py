"""The policy world of a synthesized landing zone, for the attack-simulation suite.

Reads the cloud assembly of the reference app (the stacks, and the StackSet templates deployed into
every account of their target OUs) and resolves what the IAM simulator needs, per account and
region: the OU chain of each account with the SCPs and RCPs attached at each level, the permission
sets and the accounts they are assigned to, the roles with their trust, identity policies and
permissions boundaries, the resource policies of buckets, keys, topics and queues, and the VPC
endpoint policies. Intrinsics are resolved to concrete values (``Ref`` of pseudo parameters and
resources, ``Fn::Join``, ``Fn::Sub``, ``Fn::GetAtt``, ``Fn::If`` and conditions, SSM parameters
written by another stack). Physical ids CloudFormation generates at deploy time (a key id, a role
name the template leaves out) get a deterministic stand-in in CloudFormation's own format
``<stack>-<LogicalId>-<suffix>``, so a protection that relies on a name the template does not set is
evaluated against the name AWS would really give. Anything else that cannot be resolved raises.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from landing_zone.config import LandingZoneConfig

PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
HERE = Path(__file__).parent
MANAGED_POLICIES = HERE / "managed_policies"
REPO = HERE.parents[1]
# The bootstrap template of the pinned CDK CLI: the trust of the cdk-<qualifier>-* roles comes
# from it (`cdk bootstrap --show-template` prints the same file).
CDK_BOOTSTRAP_TEMPLATE = REPO / "node_modules/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml"

Policy = dict[str, Any]


PUBLISHED_GUARDRAIL_VERSION = "3"
"""The version every ``AWS::Bedrock::GuardrailVersion`` of the templates resolves to."""


class UnresolvableError(Exception):
    """A template value the extractor cannot turn into a concrete one."""


def _digest(*parts: str, length: int = 12) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def generated_name(stack_name: str, logical_id: str, limit: int = 64) -> str:
    """The physical name CloudFormation gives a resource whose template sets none:
    ``<stack name>-<logical id>-<random suffix>``, cut to the service's limit (suffix 12)."""
    suffix = _digest(stack_name, logical_id).upper()
    head = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1]
    return f"{head}-{suffix}"


# The property that names each kind of resource, where the template may set it.
NAME_PROPERTY: dict[str, str] = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Events::Rule": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Logs::MetricFilter": "FilterName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::Config::ConfigRule": "ConfigRuleName",
    "AWS::Config::OrganizationConfigRule": "OrganizationConfigRuleName",
    "AWS::Config::OrganizationConformancePack": "OrganizationConformancePackName",
    "AWS::StepFunctions::StateMachine": "StateMachineName",
    "AWS::SSM::Parameter": "Name",
    "AWS::Backup::BackupVault": "BackupVaultName",
    "AWS::CloudFormation::StackSet": "StackSetName",
    "AWS::WAFv2::WebACL": "Name",
    "AWS::WAFv2::IPSet": "Name",
    "AWS::Bedrock::Guardrail": "Name",
    "AWS::SSO::PermissionSet": "Name",
    "AWS::DynamoDB::Table": "TableName",
}
# Lowercase-only names (S3) and their limit.
_LOWER = {"AWS::S3::Bucket": 63}


@dataclass
class Instance:
    """One stack as deployed: a stack of the app, or a StackSet's stack in one account/region."""

    label: str  # the app's stack id, or the StackSet's name
    template: dict[str, Any]
    account: str
    region: str
    stack_name: str
    world: World = field(repr=False)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources

    def exists(self, logical_id: str) -> bool:
        resource = self.resources[logical_id]
        condition = resource.get("Condition")
        return condition is None or self.condition(str(condition))

    def condition(self, name: str) -> bool:
        return bool(self._condition(self.template["Conditions"][name]))

    def _condition(self, value: Any) -> bool:
        if isinstance(value, dict) and len(value) == 1:
            ((fn, args),) = value.items()
            if fn == "Fn::Equals":
                return bool(self.resolve(args[0]) == self.resolve(args[1]))
            if fn == "Fn::Not":
                return not self._condition(args[0])
            if fn == "Fn::Or":
                return any(self._condition(a) for a in args)
            if fn == "Fn::And":
                return all(self._condition(a) for a in args)
            if fn == "Condition":
                return self.condition(str(args))
        raise UnresolvableError(f"{self.label}: condition {value!r}")

    # -- names and attributes -------------------------------------------------------------

    def name_of(self, logical_id: str) -> str:
        """The physical name of a resource: its name property, or the generated one."""
        resource = self.resources[logical_id]
        kind = resource["Type"]
        prop = NAME_PROPERTY.get(kind)
        props = resource.get("Properties", {})
        if prop and prop in props:
            return str(self.resolve(props[prop]))
        limit = _LOWER.get(kind)
        if limit:
            return generated_name(self.stack_name, logical_id, limit).lower()
        return generated_name(self.stack_name, logical_id)

    def opaque_id(self, logical_id: str, prefix: str = "") -> str:
        """A stand-in for an id AWS assigns at deploy time (key ids, VPC ids, ...)."""
        return prefix + _digest(self.account, self.region, self.stack_name, logical_id, length=17)

    def arn_of(self, logical_id: str) -> str:
        resource = self.resources[logical_id]
        kind = resource["Type"]
        props = resource.get("Properties", {})
        a, r = self.account, self.region
        name = self.name_of(logical_id) if kind in NAME_PROPERTY else ""
        if kind == "AWS::S3::Bucket":
            return f"arn:{PARTITION}:s3:::{name}"
        if kind == "AWS::Lambda::Function":
            return f"arn:{PARTITION}:lambda:{r}:{a}:function:{name}"
        if kind == "AWS::IAM::Role":
            path = str(self.resolve(props.get("Path", "/")))
            return f"arn:{PARTITION}:iam::{a}:role{path}{name}"
        if kind == "AWS::IAM::ManagedPolicy":
            path = str(self.resolve(props.get("Path", "/")))
            return f"arn:{PARTITION}:iam::{a}:policy{path}{name}"
        if kind in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
            key_id = _uuid(self.opaque_id(logical_id))
            if props.get("MultiRegion") or kind == "AWS::KMS::ReplicaKey":
                key_id = "mrk-" + key_id.replace("-", "")
            return f"arn:{PARTITION}:kms:{r}:{a}:key/{key_id}"
        if kind == "AWS::KMS::Alias":
            return f"arn:{PARTITION}:kms:{r}:{a}:{name}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:{PARTITION}:logs:{r}:{a}:log-group:{name}"
        if kind == "AWS::SQS::Queue":
            return f"arn:{PARTITION}:sqs:{r}:{a}:{name}"
        if kind == "AWS::SNS::Topic":
            return f"arn:{PARTITION}:sns:{r}:{a}:{name}"
        if kind == "AWS::Events::Rule":
            return f"arn:{PARTITION}:events:{r}:{a}:rule/{name}"
        if kind == "AWS::Events::EventBus":
            return f"arn:{PARTITION}:events:{r}:{a}:event-bus/{name}"
        if kind == "AWS::CloudWatch::Alarm":
            return f"arn:{PARTITION}:cloudwatch:{r}:{a}:alarm:{name}"
        if kind == "AWS::StepFunctions::StateMachine":
            return f"arn:{PARTITION}:states:{r}:{a}:stateMachine:{name}"
        if kind == "AWS::SSM::Parameter":
            return f"arn:{PARTITION}:ssm:{r}:{a}:parameter{name}"
        if kind == "AWS::Config::ConfigRule":
            # Config rule ARNs carry an id AWS assigns, not the rule name.
            rule_id = self.opaque_id(logical_id)[:6]
            return f"arn:{PARTITION}:config:{r}:{a}:config-rule/config-rule-{rule_id}"
        if kind == "AWS::Backup::BackupVault":
            return f"arn:{PARTITION}:backup:{r}:{a}:backup-vault:{name}"
        if kind == "AWS::Backup::BackupPlan":
            return f"arn:{PARTITION}:backup:{r}:{a}:backup-plan:{_uuid(self.opaque_id(logical_id))}"
        if kind == "AWS::EC2::VPCEndpoint":
            return f"arn:{PARTITION}:ec2:{r}:{a}:vpc-endpoint/{self.opaque_id(logical_id, 'vpce-')}"
        if kind == "AWS::EC2::NetworkAcl":
            return f"arn:{PARTITION}:ec2:{r}:{a}:network-acl/{self.opaque_id(logical_id, 'acl-')}"
        if kind == "AWS::EC2::FlowLog":
            return f"arn:{PARTITION}:ec2:{r}:{a}:vpc-flow-log/{self.opaque_id(logical_id, 'fl-')}"
        if kind == "AWS::EC2::VPC":
            return f"arn:{PARTITION}:ec2:{r}:{a}:vpc/{self.opaque_id(logical_id, 'vpc-')}"
        if kind in ("AWS::WAFv2::WebACL", "AWS::WAFv2::IPSet"):
            scope = "global" if self.resolve(props.get("Scope")) == "CLOUDFRONT" else "regional"
            what = "webacl" if kind.endswith("WebACL") else "ipset"
            waf_id = _uuid(self.opaque_id(logical_id))
            return f"arn:{PARTITION}:wafv2:{r}:{a}:{scope}/{what}/{name}/{waf_id}"
        if kind == "AWS::Bedrock::Guardrail":
            return f"arn:{PARTITION}:bedrock:{r}:{a}:guardrail/{self.opaque_id(logical_id)[:12]}"
        if kind == "AWS::CloudFormation::StackSet":
            stackset_id = _uuid(self.opaque_id(logical_id))
            return f"arn:{PARTITION}:cloudformation:{r}:{a}:stackset/{name}:{stackset_id}"
        if kind == "AWS::Cognito::UserPool":
            return (
                f"arn:{PARTITION}:cognito-idp:{r}:{a}:userpool/{r}_{self.opaque_id(logical_id)[:9]}"
            )
        if kind == "AWS::DynamoDB::Table":
            return f"arn:{PARTITION}:dynamodb:{r}:{a}:table/{name}"
        if kind == "AWS::SSO::PermissionSet":
            instance = str(self.resolve(props["InstanceArn"])).rsplit("/", 1)[-1]
            ps_id = self.opaque_id(logical_id)[:16]
            return f"arn:{PARTITION}:sso:::permissionSet/{instance}/ps-{ps_id}"
        raise UnresolvableError(f"{self.label}: no ARN format for {kind} ({logical_id})")

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": self.account,
            "AWS::Region": self.region,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": URL_SUFFIX,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:{PARTITION}:cloudformation:{self.region}:{self.account}:stack/"
            f"{self.stack_name}/{_uuid(_digest(self.stack_name, length=17))}",
        }
        if name in pseudo:
            return pseudo[name]
        parameters = self.template.get("Parameters", {})
        if name in parameters:
            parameter = parameters[name]
            if parameter["Type"].startswith("AWS::SSM::Parameter::Value"):
                return self.world.ssm_parameter(str(parameter["Default"]))
            if "Default" in parameter:
                return parameter["Default"]
            raise UnresolvableError(f"{self.label}: parameter {name} has no default")
        if name not in self.resources:
            raise UnresolvableError(f"{self.label}: Ref of unknown {name}")
        kind = self.resources[name]["Type"]
        if kind in ("AWS::SNS::Topic", "AWS::IAM::ManagedPolicy", "AWS::CloudFormation::StackSet"):
            return self.arn_of(name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.{URL_SUFFIX}/{self.account}/{self.name_of(name)}"
        if kind in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
            return self.arn_of(name).rsplit("/", 1)[1]
        if kind == "AWS::IAM::OIDCProvider":
            url = str(self.resolve(self.resources[name]["Properties"]["Url"]))
            return (
                f"arn:{PARTITION}:iam::{self.account}:oidc-provider/{url.removeprefix('https://')}"
            )
        if kind == "AWS::Organizations::OrganizationalUnit":
            return self.world.ou_id_of_resource(self, name)
        if kind in NAME_PROPERTY:
            return self.name_of(name)
        # Resources identified by an id AWS assigns (VPCs, subnets, route tables, ...).
        return self.opaque_id(name, kind.rsplit("::", 1)[-1].lower() + "-")

    def get_att(self, name: str, attribute: str) -> Any:
        if name not in self.resources:
            raise UnresolvableError(f"{self.label}: GetAtt of unknown {name}")
        kind = self.resources[name]["Type"]
        if kind.startswith("Custom::"):
            # An output of a custom resource, known only once it ran (a detector id, ...).
            return f"{name}.{attribute}.{self.opaque_id(name)[:8]}"
        if attribute in ("Arn", "GuardrailArn", "PermissionSetArn"):
            return self.arn_of(name)
        if kind == "AWS::Organizations::OrganizationalUnit" and attribute == "Id":
            return self.world.ou_id_of_resource(self, name)
        if kind == "AWS::SQS::Queue" and attribute == "QueueName":
            return self.name_of(name)
        if kind == "AWS::Backup::BackupVault" and attribute == "BackupVaultName":
            return self.name_of(name)
        if kind == "AWS::Backup::BackupPlan" and attribute == "BackupPlanId":
            return self.arn_of(name).rsplit(":", 1)[1]
        if kind == "AWS::Bedrock::GuardrailVersion" and attribute == "Version":
            # As if the guardrail had been changed and published twice since: versions 1 and 2
            # are older published versions, which still exist and must not pass for it.
            return PUBLISHED_GUARDRAIL_VERSION
        if kind == "AWS::Bedrock::Guardrail" and attribute == "GuardrailId":
            return self.arn_of(name).rsplit("/", 1)[1]
        if attribute in ("GroupId", "DefaultSecurityGroup"):
            return self.opaque_id(name + attribute, "sg-")
        if attribute in ("Id", "PolicyStoreId"):
            return self.opaque_id(name + attribute)
        raise UnresolvableError(f"{self.label}: GetAtt {name}.{attribute} ({kind})")

    # -- values ---------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [v for v in (self.resolve(v) for v in value) if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, args),) = value.items()
            if key == "Ref":
                return _NO_VALUE if args == "AWS::NoValue" else self.ref(str(args))
            if key == "Fn::GetAtt":
                parts = args if isinstance(args, list) else str(args).split(".", 1)
                return self.get_att(str(parts[0]), str(parts[1]))
            if key == "Fn::Join":
                delimiter, items = args
                return str(delimiter).join(str(v) for v in self.resolve(items))
            if key == "Fn::Sub":
                return self._sub(args)
            if key == "Fn::If":
                name, yes, no = args
                return self.resolve(yes if self.condition(str(name)) else no)
            if key == "Fn::Select":
                index, items = args
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                delimiter, text = args
                return str(self.resolve(text)).split(str(delimiter))
            if key.startswith("Fn::"):
                raise UnresolvableError(f"{self.label}: intrinsic {key}")
        resolved = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def _sub(self, args: Any) -> str:
        text, variables = (args, {}) if isinstance(args, str) else (args[0], args[1])
        values = {k: self.resolve(v) for k, v in variables.items()}

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return str(values[name])
            if "." in name and not name.startswith("AWS::"):
                logical, attribute = name.split(".", 1)
                return str(self.get_att(logical, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", one, str(text))


class _NoValue:
    pass


_NO_VALUE: Any = _NoValue()


def _uuid(hex17: str) -> str:
    h = (hex17 + _digest(hex17, length=32))[:32]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class Role:
    arn: str
    account: str
    trust: Policy | None
    policies: list[tuple[str, Policy]]
    boundary: Policy | None
    source: str
    # AWS managed policies of service roles whose documents the suite does not ship: a scenario
    # acting as such a role fails (see World.managed_policy) instead of silently lacking them.
    missing: list[str] = field(default_factory=list)


@dataclass
class World:
    """Everything the simulator needs about the deployed landing zone."""

    config: LandingZoneConfig
    assembly: Path
    org_id: str = ""
    root_id: str = ""
    management: str = ""
    accounts: dict[str, str] = field(default_factory=dict)  # name -> id
    ou_ids: dict[str, str] = field(default_factory=dict)  # OU path -> id
    ou_parent: dict[str, str] = field(default_factory=dict)  # OU id -> parent id
    account_parent: dict[str, str] = field(default_factory=dict)  # account id -> OU/root id
    scps: dict[str, list[tuple[str, Policy]]] = field(default_factory=dict)  # target -> policies
    rcps: dict[str, list[tuple[str, Policy]]] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)
    roles: dict[str, Role] = field(default_factory=dict)  # role ARN -> role
    managed_policies: dict[str, Policy] = field(default_factory=dict)  # ARN -> document
    resource_policies: dict[str, Policy] = field(default_factory=dict)  # resource ARN -> policy
    aliases: dict[str, str] = field(default_factory=dict)  # alias ARN -> key ARN
    endpoint_policies: dict[tuple[str, str, str], list[Policy]] = field(default_factory=dict)
    permission_sets: dict[str, list[tuple[str, Policy]]] = field(default_factory=dict)
    # permission set -> its customer managed policy references (path + name), which Identity
    # Center attaches from each assigned account's own policies of that name
    permission_set_references: dict[str, list[str]] = field(default_factory=dict)
    assignments: dict[str, set[str]] = field(default_factory=dict)  # permission set -> accounts
    inventory: dict[str, tuple[str, Instance, str]] = field(
        default_factory=dict
    )  # ARN -> (type, inst, id)
    _ssm: dict[str, tuple[Instance, str]] = field(default_factory=dict)
    _ou_resources: dict[str, str] = field(default_factory=dict)  # OU logical id -> id
    _bootstrap: dict[str, dict[str, Any]] = field(default_factory=dict)

    # -- lookups used while resolving -----------------------------------------------------

    def ssm_parameter(self, name: str) -> Any:
        if name not in self._ssm:
            raise UnresolvableError(f"SSM parameter {name} is written by no stack of the app")
        instance, logical_id = self._ssm[name]
        return instance.resolve(instance.resources[logical_id]["Properties"]["Value"])

    def ou_id_of_resource(self, instance: Instance, logical_id: str) -> str:
        if logical_id not in self._ou_resources:
            raise UnresolvableError(f"{instance.label}: OU {logical_id} is not in the OU tree")
        return self._ou_resources[logical_id]

    def managed_policy(self, arn: str) -> Policy:
        if arn in self.managed_policies:
            return self.managed_policies[arn]
        prefix = f"arn:{PARTITION}:iam::aws:policy/"
        if arn.startswith(prefix):
            path = MANAGED_POLICIES / (arn.removeprefix(prefix).rsplit("/", 1)[-1] + ".json")
            if not path.exists():
                raise UnresolvableError(
                    f"AWS managed policy {arn}: add its document to {MANAGED_POLICIES}"
                )
            document: Policy = json.loads(path.read_text())["PolicyDocument"]
            self.managed_policies[arn] = document
            return document
        raise UnresolvableError(f"managed policy {arn} is in no template")

    # -- organization ---------------------------------------------------------------------

    def chain(self, account: str) -> list[str]:
        """Root first, then the OUs down to the account, then the account itself."""
        node = self.account_parent[account]
        path = [account]
        while True:
            path.append(node)
            if node == self.root_id:
                break
            node = self.ou_parent[node]
        return list(reversed(path))

    def org_policies(self, account: str, kind: str) -> list[dict[str, Any]]:
        """SCPs (``kind='scp'``) or RCPs of each level above ``account``, in the simulator's shape.
        None for the management account: SCPs and RCPs never apply to it."""
        if account == self.management:
            return []
        attached = self.scps if kind == "scp" else self.rcps
        levels = []
        for target in self.chain(account):
            policies = [{"name": name, "policy": doc} for name, doc in attached.get(target, [])]
            if kind == "scp":
                # FullAWSAccess stays attached at every level (the landing zone never detaches it).
                policies.insert(0, {"name": "FullAWSAccess", "policy": ALLOW_ALL})
            levels.append({"orgIdentifier": target, "policies": policies})
        return levels

    def account_id(self, name_or_id: str) -> str:
        if name_or_id in self.accounts:
            return self.accounts[name_or_id]
        if name_or_id in self.accounts.values() or re.fullmatch(r"\d{12}", name_or_id):
            return name_or_id
        raise KeyError(f"unknown account {name_or_id}")

    # -- finding resources ----------------------------------------------------------------

    def find(
        self,
        *,
        type: str,
        account: str,
        region: str | None = None,
        stack: str | None = None,
        name: str | None = None,
        logical: str | None = None,
        role: str | None = None,
    ) -> str:
        """The ARN of the one resource matching every filter (globs for ``stack``/``name``/``role``,
        substring for ``logical``); raises unless exactly one matches."""
        found = []
        for arn, (kind, instance, logical_id) in self.inventory.items():
            if kind != type or instance.account != account:
                continue
            if region and instance.region != region:
                continue
            if stack and not fnmatch.fnmatch(instance.label, stack):
                continue
            if logical and logical not in logical_id:
                continue
            if name and not fnmatch.fnmatch(arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1], name):
                continue
            if role:
                props = instance.resources[logical_id].get("Properties", {})
                role_arn = str(instance.resolve(props.get("Role", "")))
                if not fnmatch.fnmatch(role_arn.rsplit("/", 1)[-1], role):
                    continue
            found.append(arn)
        if len(set(found)) != 1:
            raise LookupError(
                f"{len(set(found))} {type} match account={account} region={region} stack={stack} "
                f"name={name} logical={logical} role={role}: {sorted(set(found))[:5]}"
            )
        return found[0]


def resource_tags(world: World, arn: str) -> dict[str, str]:
    """The tags a resource of the templates carries: its ``Tags`` property and the ones
    CloudFormation adds to every taggable resource of a stack (``aws:cloudformation:stack-name``,
    ``-stack-id`` and ``-logical-id``; https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-resource-tags.html).
    Empty for a resource that is not in the templates."""
    if arn not in world.inventory:
        return {}
    _, instance, logical_id = world.inventory[arn]
    tags = {
        "aws:cloudformation:stack-name": instance.stack_name,
        "aws:cloudformation:stack-id": str(instance.ref("AWS::StackId")),
        "aws:cloudformation:logical-id": logical_id,
    }
    declared = instance.resolve(
        instance.resources[logical_id].get("Properties", {}).get("Tags", [])
    )
    if isinstance(declared, dict):
        tags.update({str(k): str(v) for k, v in declared.items()})
    else:
        tags.update({str(t["Key"]): str(t["Value"]) for t in declared})
    return tags


ALLOW_ALL: Policy = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


# ---------------------------------------------------------------------------------------------
# Building the world


def build_world(config: LandingZoneConfig, assembly: Path) -> World:
    world = World(config=config, assembly=assembly)
    org = config.organization
    world.org_id, world.root_id = org.id, org.root_id
    world.accounts = {name: str(a.id) for name, a in config.accounts.items() if a.id}
    world.management = world.accounts[config.core_accounts.management]
    manifest = json.loads((assembly / "manifest.json").read_text())
    stacks: list[Instance] = []
    for artifact_id, artifact in manifest["artifacts"].items():
        if artifact["type"] != "aws:cloudformation:stack":
            continue
        account, region = artifact["environment"].removeprefix("aws://").split("/")
        template = json.loads((assembly / artifact["properties"]["templateFile"]).read_text())
        name = artifact["properties"].get("stackName", artifact_id)
        stacks.append(Instance(artifact_id, template, account, region, name, world))
    _index_ssm(world, stacks)
    _organization(world, stacks)
    # The deployer stack of scripts/bootstrap_templates.py (management account, home region):
    # the one principal the landing zone's bootstrap roles trust.
    deployer = bootstrap_templates(world)["lzone-deployer.template.json"]
    stacks.append(
        Instance(
            f"{org.name}-deployer",
            deployer,
            world.management,
            org.home_region,
            f"{org.name}-deployer",
            world,
        )
    )
    world.instances = list(stacks)
    for stack in stacks:
        world.instances.extend(_stackset_instances(world, stack))
    _index_ssm(world, world.instances)
    for instance in world.instances:
        _inventory(world, instance)
    for instance in world.instances:
        _policies(world, instance)
    _identity_center(world, stacks)
    return world


def _index_ssm(world: World, instances: list[Instance]) -> None:
    for instance in instances:
        for logical_id, resource in instance.resources.items():
            if resource["Type"] == "AWS::SSM::Parameter":
                name = resource["Properties"].get("Name")
                if isinstance(name, str):
                    world._ssm.setdefault(name, (instance, logical_id))


def _organization(world: World, stacks: list[Instance]) -> None:
    """OU ids (adopted ones from the config, created ones stand-ins), the tree, and the SCPs and
    RCPs by target."""
    (org_stack,) = [s for s in stacks if _has(s, "AWS::Organizations::Policy")]
    ous = {
        k: r
        for k, r in org_stack.resources.items()
        if r["Type"] == "AWS::Organizations::OrganizationalUnit"
    }
    for logical_id in ous:
        world._ou_resources[logical_id] = (
            "ou-" + world.root_id.removeprefix("r-") + "-" + _digest(logical_id, length=8)
        )
    for logical_id, resource in ous.items():
        ou_id = world._ou_resources[logical_id]
        world.ou_parent[ou_id] = str(org_stack.resolve(resource["Properties"]["ParentId"]))
    # OU path -> id, through the SSM parameters the organization stack writes for the others.
    for path, ou in world.config.organizational_units.items():
        adopted = getattr(ou, "id", None)
        if adopted:
            world.ou_ids[path] = str(adopted)
            continue
        world.ou_ids[path] = str(
            world.ssm_parameter(
                f"/{world.config.organization.name}/landing-zone/organizational-units/{path}/id"
            )
        )
    for account in world.config.accounts.values():
        if not account.id:
            continue
        parent = world.root_id if account.ou == "Root" else world.ou_ids[account.ou]
        world.account_parent[str(account.id)] = parent
    for resource in org_stack.resources.values():
        if resource["Type"] != "AWS::Organizations::Policy":
            continue
        props = org_stack.resolve(resource["Properties"])
        kind = props["Type"]
        if kind not in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
            continue
        content = props["Content"]
        document = json.loads(content) if isinstance(content, str) else content
        target_map = world.scps if kind == "SERVICE_CONTROL_POLICY" else world.rcps
        for target in props["TargetIds"]:
            target_map.setdefault(str(target), []).append((str(props["Name"]), document))


def _has(instance: Instance, kind: str) -> bool:
    return any(r["Type"] == kind for r in instance.resources.values())


def _stackset_instances(world: World, stack: Instance) -> Iterator[Instance]:
    assets_file = world.assembly / f"{stack.label}.assets.json"
    assets = json.loads(assets_file.read_text())["files"] if assets_file.exists() else {}
    for logical_id, resource in stack.resources.items():
        if resource["Type"] != "AWS::CloudFormation::StackSet":
            continue
        props = resource["Properties"]
        url = str(stack.resolve(props["TemplateURL"]))
        asset_hash = url.rsplit("/", 1)[-1].removesuffix(".json")
        if asset_hash not in assets:
            raise UnresolvableError(
                f"{stack.label}: StackSet {logical_id} template {url} is no asset"
            )
        template = json.loads((world.assembly / assets[asset_hash]["source"]["path"]).read_text())
        name = str(stack.resolve(props["StackSetName"]))
        for group in props.get("StackInstancesGroup", []):
            targets = stack.resolve(group["DeploymentTargets"])
            under: set[str] = set()
            for ou in targets.get("OrganizationalUnitIds", []):
                under |= _accounts_under(world, str(ou))
            filter_type = targets.get("AccountFilterType", "NONE")
            accounts = set(targets.get("Accounts", []))
            if filter_type == "INTERSECTION":
                selected = under & accounts
            elif filter_type == "DIFFERENCE":
                selected = under - accounts
            elif filter_type == "UNION":
                selected = under | accounts
            else:
                selected = under or accounts
            for account in sorted(selected):
                for region in stack.resolve(group["Regions"]):
                    stack_name = (
                        f"StackSet-{name}-{_uuid(_digest(name, account, region, length=17))}"
                    )
                    yield Instance(name, template, account, str(region), stack_name, world)


def _accounts_under(world: World, ou: str) -> set[str]:
    """Service-managed StackSets deploy to every account of the OU and of its child OUs."""
    found = set()
    for account in world.account_parent:
        if ou in world.chain(account)[:-1]:
            found.add(account)
    return found


_INVENTORIED = set(NAME_PROPERTY) | {
    "AWS::KMS::Key",
    "AWS::KMS::ReplicaKey",
    "AWS::Backup::BackupPlan",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::FlowLog",
}
_NOT_INVENTORIED = {
    "AWS::Logs::MetricFilter",
    "AWS::Config::OrganizationConfigRule",
    "AWS::Config::OrganizationConformancePack",
}


def _inventory(world: World, instance: Instance) -> None:
    for logical_id, resource in instance.resources.items():
        kind = resource["Type"]
        if kind not in _INVENTORIED or kind in _NOT_INVENTORIED or not instance.exists(logical_id):
            continue
        world.inventory[instance.arn_of(logical_id)] = (kind, instance, logical_id)
        if kind == "AWS::IAM::ManagedPolicy":
            world.managed_policies[instance.arn_of(logical_id)] = instance.resolve(
                resource["Properties"]["PolicyDocument"]
            )


def _policies(world: World, instance: Instance) -> None:
    res = instance.resources
    for logical_id, resource in res.items():
        if not instance.exists(logical_id):
            continue
        kind = resource["Type"]
        props = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            arn = instance.arn_of(logical_id)
            policies = [
                (str(p["PolicyName"]), instance.resolve(p["PolicyDocument"]))
                for p in props.get("Policies", [])
            ]
            missing = []
            for managed in instance.resolve(props.get("ManagedPolicyArns", [])):
                try:
                    policies.append(
                        (str(managed).rsplit("/", 1)[-1], world.managed_policy(str(managed)))
                    )
                except UnresolvableError:
                    if not str(managed).startswith(f"arn:{PARTITION}:iam::aws:policy/"):
                        raise
                    missing.append(str(managed))
            boundary_arn = instance.resolve(props.get("PermissionsBoundary"))
            world.roles[arn] = Role(
                arn,
                instance.account,
                instance.resolve(props["AssumeRolePolicyDocument"]),
                policies,
                world.managed_policy(str(boundary_arn)) if boundary_arn else None,
                f"{instance.label}/{logical_id}",
                missing,
            )
    # Policies attached from the policy side (AWS::IAM::Policy, ManagedPolicy.Roles).
    for logical_id, resource in res.items():
        kind = resource["Type"]
        if kind not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy") or not instance.exists(
            logical_id
        ):
            continue
        props = resource["Properties"]
        document = instance.resolve(props["PolicyDocument"])
        name = str(
            props.get(
                "PolicyName",
                instance.name_of(logical_id) if kind.endswith("ManagedPolicy") else logical_id,
            )
        )
        for role_name in instance.resolve(props.get("Roles", [])):
            role = _role_by_name(world, instance.account, str(role_name))
            role.policies.append((name, document))
    for logical_id, resource in res.items():
        kind = resource["Type"]
        if not instance.exists(logical_id):
            continue
        props = resource.get("Properties", {})
        if kind == "AWS::S3::BucketPolicy":
            bucket = str(instance.resolve(props["Bucket"]))
            world.resource_policies[f"arn:{PARTITION}:s3:::{bucket}"] = instance.resolve(
                props["PolicyDocument"]
            )
        elif kind in ("AWS::KMS::Key", "AWS::KMS::ReplicaKey"):
            world.resource_policies[instance.arn_of(logical_id)] = instance.resolve(
                props["KeyPolicy"]
            )
        elif kind == "AWS::KMS::Alias":
            target = str(instance.resolve(props["TargetKeyId"]))
            key_arn = (
                target
                if target.startswith("arn:")
                else f"arn:{PARTITION}:kms:{instance.region}:{instance.account}:key/{target}"
            )
            world.aliases[instance.arn_of(logical_id)] = key_arn
        elif kind == "AWS::SNS::TopicPolicy":
            for topic in instance.resolve(props["Topics"]):
                world.resource_policies[str(topic)] = instance.resolve(props["PolicyDocument"])
        elif kind == "AWS::SQS::QueuePolicy":
            for url in instance.resolve(props["Queues"]):
                region_host, account, name = str(url).removeprefix("https://").split("/")
                region = region_host.split(".")[1]
                world.resource_policies[f"arn:{PARTITION}:sqs:{region}:{account}:{name}"] = (
                    instance.resolve(props["PolicyDocument"])
                )
        elif kind == "AWS::Events::EventBusPolicy":
            # One statement per resource; a bus's statements make its policy.
            bus = str(instance.resolve(props.get("EventBusName", "default")))
            arn = f"arn:{PARTITION}:events:{instance.region}:{instance.account}:event-bus/{bus}"
            policy = world.resource_policies.setdefault(
                arn, {"Version": "2012-10-17", "Statement": []}
            )
            policy["Statement"].append(instance.resolve(props["Statement"]))
        elif kind == "AWS::EC2::VPCEndpoint" and "PolicyDocument" in props:
            service = str(instance.resolve(props["ServiceName"])).rsplit(".", 1)[-1]
            key = (instance.account, instance.region, service)
            world.endpoint_policies.setdefault(key, []).append(
                instance.resolve(props["PolicyDocument"])
            )


def _role_by_name(world: World, account: str, name: str) -> Role:
    for arn, role in world.roles.items():
        if role.account == account and arn.rsplit("/", 1)[-1] == name:
            return role
    raise UnresolvableError(f"role {name} of {account} is in no template")


def _identity_center(world: World, stacks: list[Instance]) -> None:
    arn_to_name: dict[str, str] = {}
    for stack in stacks:
        for logical_id, resource in stack.resources.items():
            if resource["Type"] != "AWS::SSO::PermissionSet":
                continue
            props = stack.resolve(resource["Properties"])
            policies = [
                (m.rsplit("/", 1)[-1], world.managed_policy(m))
                for m in props.get("ManagedPolicies", [])
            ]
            inline = props.get("InlinePolicy")
            if inline:
                policies.append(
                    ("inline", json.loads(inline) if isinstance(inline, str) else inline)
                )
            world.permission_sets[str(props["Name"])] = policies
            world.permission_set_references[str(props["Name"])] = [
                f"{ref.get('Path', '/')}{ref['Name']}"
                for ref in props.get("CustomerManagedPolicyReferences", [])
            ]
            arn_to_name[stack.arn_of(logical_id)] = str(props["Name"])
    for stack in stacks:
        for resource in stack.resources.values():
            if resource["Type"] != "AWS::SSO::Assignment":
                continue
            props = stack.resolve(resource["Properties"])
            name = arn_to_name[str(props["PermissionSetArn"])]
            world.assignments.setdefault(name, set()).add(str(props["TargetId"]))


# ---------------------------------------------------------------------------------------------
# The CDK bootstrap roles (deployed by `cdk bootstrap`, not by the app)


class _CfnLoader(yaml.SafeLoader):
    pass


def _cfn_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def bootstrap_templates(world: World) -> dict[str, dict[str, Any]]:
    """File name -> template, as ``scripts/bootstrap_templates.py`` writes them for the config:
    the landing zone's deployer, its ``lzone`` bootstrap (roles trusting the deployer alone) and
    the bootstrap of each production workload account (roles trusting its pipelines' roles)."""
    if not world._bootstrap:
        spec = importlib.util.spec_from_file_location(
            "lz_bootstrap_templates", REPO / "scripts" / "bootstrap_templates.py"
        )
        if spec is None or spec.loader is None:
            raise UnresolvableError("scripts/bootstrap_templates.py cannot be loaded")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cdk_template = yaml.safe_load(CDK_BOOTSTRAP_TEMPLATE.read_text(encoding="utf-8"))
        world._bootstrap = dict(module.bootstrap_templates(world.config, cdk_template))
    return world._bootstrap


def bootstrap_trust(
    world: World, account: str, region: str, *, qualifier: str, role: str = "deploy"
) -> Policy:
    """The trust policy of ``cdk-<qualifier>-deploy-role-<account>-<region>`` (or, with
    ``role="exec"``, of the CloudFormation execution role) in the bootstrap the landing zone
    prescribes there: its own ``lzone`` template, the template of a production workload account,
    or else the pinned CLI's template bootstrapped with ``--trust`` the accounts of the
    pipelines that deploy to the account (non-production: developers deploy through their own
    account's trust)."""
    templates = bootstrap_templates(world)
    names = {v: k for k, v in world.accounts.items()}
    trusted: list[str] = []
    if qualifier == "lzone":
        template = copy.deepcopy(templates["lzone-bootstrap.template.json"])
    elif f"workload-{names.get(account)}-{qualifier}.template.json" in templates:
        template = copy.deepcopy(templates[f"workload-{names[account]}-{qualifier}.template.json"])
    else:
        template = yaml.load(CDK_BOOTSTRAP_TEMPLATE.read_text(), Loader=_CfnLoader)
        trusted = _pipeline_accounts(world, account)
    parameters = template.setdefault("Parameters", {})
    for parameter, value in {
        "Qualifier": qualifier,
        "TrustedAccounts": ",".join(trusted),
        "TrustedAccountsForLookup": "",
        "CloudFormationExecutionPolicies": "",
    }.items():
        parameters.setdefault(parameter, {})["Default"] = value
    instance = Instance("CDKToolkit", template, account, region, f"CDKToolkit-{qualifier}", world)
    logical_id = "DeploymentActionRole" if role == "deploy" else "CloudFormationExecutionRole"
    trust = template["Resources"][logical_id]["Properties"]["AssumeRolePolicyDocument"]
    document: Policy = _split_principals(instance.resolve(trust))
    document.setdefault("Version", "2012-10-17")
    return document


def _pipeline_accounts(world: World, account: str) -> list[str]:
    identity = world.config.identity
    pipelines = identity.pipelines if identity else {}
    shared = world.config.core_accounts.shared_services
    return sorted(
        {
            world.account_id(p.account or shared)
            for p in pipelines.values()
            if account in {world.account_id(a) for a in p.deploy_to}
        }
    )


def _split_principals(document: Policy) -> Policy:
    """``Principal: {AWS: "a,b"}`` comes from a CommaDelimitedList default: make it a list."""
    for statement in document.get("Statement", []):
        principal = statement.get("Principal", {})
        if (
            isinstance(principal, dict)
            and isinstance(principal.get("AWS"), str)
            and "," in principal["AWS"]
        ):
            principal["AWS"] = principal["AWS"].split(",")
    return document
