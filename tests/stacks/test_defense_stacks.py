"""The defense-in-depth stacks: the network account's own stack, and one StackSet per workload
account and region, aimed at that account alone."""

from __future__ import annotations

from typing import Any

import yaml
from aws_cdk import App
from aws_cdk.assertions import Template
from conftest import EXAMPLE_CONFIG, ReferenceApp, cdk_context

from landing_zone.config import LandingZoneConfig, parse_config
from landing_zone.config.defense import placements, workload_shards
from stacks import build_landing_zone
from stacks.defense_stacks import WorkloadDefensesStack

OU_PARAMETER = "/acme-pay/landing-zone/organizational-units/{}/id"


def variant(edit: Any) -> LandingZoneConfig:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    edit(data)
    return parse_config(yaml.safe_dump(data), "t.yaml")


def _resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        lid: resource
        for lid, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def test_placements_group_layers_by_account_and_region(example_config: LandingZoneConfig) -> None:
    found = placements(example_config)
    assert sorted(found) == [
        ("ml-nonprod", "eu-central-1"),
        ("ml-nonprod", "eu-west-1"),
        ("ml-prod", "eu-central-1"),
        ("ml-prod", "eu-west-1"),
        ("network", "eu-central-1"),
        ("network", "eu-west-1"),
        ("payments-nonprod", "eu-central-1"),
        ("payments-nonprod", "eu-west-1"),
        ("payments-prod", "eu-central-1"),
        ("payments-prod", "eu-west-1"),
        ("payments-prod", "us-east-1"),
    ]
    # Home-region keys get replicas in keys.replica_regions; us-east-1's do not.
    replicas = sorted(key for key, p in found.items() if p.replica_of == "eu-west-1")
    assert replicas == [
        (a, "eu-central-1")
        for a in ("ml-nonprod", "ml-prod", "network", "payments-nonprod", "payments-prod")
    ]
    # AI workloads go to their own account and region; replicas never hold one.
    ai = {key: p.ai[0] for key, p in found.items() if p.ai is not None}
    assert ai == {("ml-nonprod", "eu-west-1"): "ml-nonprod", ("ml-prod", "eu-west-1"): "ml-prod"}
    assert not found[("payments-prod", "eu-central-1")].vpcs
    prod = found[("payments-prod", "eu-west-1")]
    assert list(prod.vpcs) == ["payments-prod"]
    assert list(prod.web_acls) == ["payments-api"]
    assert list(prod.certificates) == ["payments-api"]
    assert list(found[("payments-prod", "us-east-1")].web_acls) == ["payments-cdn"]


def test_network_stack_has_the_shared_vpc_with_flow_logs_to_both_destinations(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template("acme-pay-network-eu-west-1")
    (vpc,) = _resources(template, "AWS::EC2::VPC").values()
    assert vpc["Properties"]["CidrBlock"] == "10.0.0.0/16"
    flow_logs = [r["Properties"] for r in _resources(template, "AWS::EC2::FlowLog").values()]
    assert sorted(f["LogDestinationType"] for f in flow_logs) == ["cloud-watch-logs", "s3"]
    assert all(f["TrafficType"] == "ALL" for f in flow_logs)
    (s3_log,) = [f for f in flow_logs if f["LogDestinationType"] == "s3"]
    assert "acme-pay-logs-222222222222" in str(s3_log["LogDestination"])
    subnets = [r["Properties"] for r in _resources(template, "AWS::EC2::Subnet").values()]
    assert sorted({s["AvailabilityZone"] for s in subnets}) == [
        "eu-west-1a",
        "eu-west-1b",
        "eu-west-1c",
    ]
    assert len(subnets) == 9
    endpoints = _resources(template, "AWS::EC2::VPCEndpoint")
    # S3 and DynamoDB gateways, and the six interface endpoints the config lists.
    assert len(endpoints) == 8


def test_network_stack_needs_no_lookup(reference_app: ReferenceApp) -> None:
    stack = reference_app.stacks["acme-pay-network-eu-west-1"]
    key = "availability-zones:account=444444444444:region=eu-west-1"
    assert stack.node.try_get_context(key) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert sorted(s.stack_name for s in stack.dependencies) == ["acme-pay-log-archive"]


def test_each_workload_stack_set_targets_one_account_in_one_region(
    reference_app: ReferenceApp,
) -> None:
    template = reference_app.template("acme-pay-workload-defenses")
    stack_sets = {
        r["Properties"]["StackSetName"]: r["Properties"]
        for r in _resources(template, "AWS::CloudFormation::StackSet").values()
    }
    expected = {
        **{
            f"acme-pay-defenses-{name}-eu-central-1": (account, "eu-central-1", ou)
            for name, account, ou in (
                ("ml-nonprod", "999999999999", "AI/NonProd"),
                ("ml-prod", "888888888888", "AI/Prod"),
                ("payments-nonprod", "777777777777", "Workloads/NonProd"),
                ("payments-prod", "666666666666", "Workloads/Prod"),
            )
        },
        "acme-pay-defenses-ml-nonprod-eu-west-1": ("999999999999", "eu-west-1", "AI/NonProd"),
        "acme-pay-defenses-ml-prod-eu-west-1": ("888888888888", "eu-west-1", "AI/Prod"),
        "acme-pay-defenses-payments-nonprod-eu-west-1": (
            "777777777777",
            "eu-west-1",
            "Workloads/NonProd",
        ),
        "acme-pay-defenses-payments-prod-eu-west-1": (
            "666666666666",
            "eu-west-1",
            "Workloads/Prod",
        ),
        "acme-pay-defenses-payments-prod-us-east-1": (
            "666666666666",
            "us-east-1",
            "Workloads/Prod",
        ),
    }
    assert sorted(stack_sets) == sorted(expected)
    for name, (account, region, ou) in expected.items():
        properties = stack_sets[name]
        assert properties["PermissionModel"] == "SERVICE_MANAGED"
        # Automatic deployment would ignore the account filter and reach the whole OU.
        assert properties["AutoDeployment"] == {"Enabled": False}
        assert sorted(properties["Capabilities"]) == ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
        (group,) = properties["StackInstancesGroup"]
        assert group["Regions"] == [region]
        targets = group["DeploymentTargets"]
        assert targets["AccountFilterType"] == "INTERSECTION"
        assert targets["Accounts"] == [account]
        (ou_ref,) = targets["OrganizationalUnitIds"]
        parameter = template["Parameters"][ou_ref["Ref"]]
        assert parameter["Default"] == OU_PARAMETER.format(ou)


def test_workload_templates_hold_the_layers_of_their_placement(
    reference_app: ReferenceApp,
) -> None:
    stack = reference_app.stacks["acme-pay-workload-defenses"]
    assert isinstance(stack, WorkloadDefensesStack)

    def template_of(key: tuple[str, str]) -> Template:
        # A StackSetStack is no artifact of its own: read the file cdk-stacksets writes.
        return Template.from_json(
            reference_app.template(f"{stack.templates[key].artifact_id}.stackset")
        )

    prod = template_of(("payments-prod", "eu-west-1"))
    prod.resource_count_is("AWS::EC2::VPC", 1)
    prod.resource_count_is("AWS::WAFv2::WebACL", 1)
    prod.resource_count_is("AWS::WAFv2::LoggingConfiguration", 1)
    prod.resource_count_is("AWS::CertificateManager::Certificate", 1)
    prod.resource_count_is("AWS::KMS::Key", 5)  # four data classes and the WAF log key
    aliases = {
        r["Properties"]["AliasName"] for r in prod.find_resources("AWS::KMS::Alias").values()
    }
    assert aliases == {
        "alias/acme-pay/logs",
        "alias/acme-pay/data",
        "alias/acme-pay/secrets",
        "alias/acme-pay/ai-artifacts",
    }
    (acl,) = prod.find_resources("AWS::WAFv2::WebACL").values()
    rules = {rule["Name"]: rule for rule in acl["Properties"]["Rules"]}
    assert rules["RateLimitPerIp"]["Statement"]["RateBasedStatement"]["Limit"] == 1000
    assert rules["SanctionedCountries"]["Statement"]["GeoMatchStatement"]["CountryCodes"] == [
        "CU",
        "IR",
        "KP",
        "SY",
    ]
    cdn = template_of(("payments-prod", "us-east-1"))
    cdn.resource_count_is("AWS::EC2::VPC", 0)
    (cdn_acl,) = cdn.find_resources("AWS::WAFv2::WebACL").values()
    assert cdn_acl["Properties"]["Scope"] == "CLOUDFRONT"


def test_workload_defenses_wait_for_what_they_use(reference_app: ReferenceApp) -> None:
    stack = reference_app.stacks["acme-pay-workload-defenses"]
    assert sorted(s.stack_name for s in stack.dependencies) == sorted(
        [
            "acme-pay-organization",
            "acme-pay-accounts",
            "acme-pay-log-archive",
            *(f"acme-pay-baseline-assets-{r}" for r in ("eu-west-1", "eu-central-1", "us-east-1")),
        ]
    )


def test_shards_follow_the_account_stacks_and_empty_ones_keep_a_placeholder() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["organization"]["account_stacks"] = 3

    config = variant(edit)
    shards = workload_shards(config)
    assert sorted(shards) == [0, 1, 2]
    assert sum(len(s) for s in shards.values()) == 9  # five placements and four replicas
    stacks = {s.stack_name: s for s in build_landing_zone(App(context=cdk_context()), config)}
    names = [f"acme-pay-workload-defenses-{n:02d}" for n in (1, 2, 3)]
    assert all(name in stacks for name in names)
    assert "acme-pay-workload-defenses" not in stacks
    for shard, name in enumerate(names):
        template = Template.from_stack(stacks[name]).to_json()
        stack_sets = _resources(template, "AWS::CloudFormation::StackSet")
        assert len(stack_sets) == len(shards[shard])
        if not shards[shard]:
            assert [r["Type"] for r in template["Resources"].values()] == [
                "AWS::CloudFormation::WaitConditionHandle"
            ]


def test_without_layers_there_is_no_network_stack_and_an_empty_defenses_stack() -> None:
    def edit(data: dict[str, Any]) -> None:
        del data["network"]
        del data["edge"]
        del data["ai"]

    stacks = {
        s.stack_name: s for s in build_landing_zone(App(context=cdk_context()), variant(edit))
    }
    assert not [name for name in stacks if name.startswith("acme-pay-network-")]
    template = Template.from_stack(stacks["acme-pay-workload-defenses"]).to_json()
    assert [r["Type"] for r in template["Resources"].values()] == [
        "AWS::CloudFormation::WaitConditionHandle"
    ]


def test_application_egress_adds_a_nat_gateway_per_zone() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["network"]["vpcs"]["shared"]["application_egress"] = True

    stacks = {
        s.stack_name: s for s in build_landing_zone(App(context=cdk_context()), variant(edit))
    }
    Template.from_stack(stacks["acme-pay-network-eu-west-1"]).resource_count_is(
        "AWS::EC2::NatGateway", 3
    )


def test_replicas_follow_their_primaries(reference_app: ReferenceApp) -> None:
    # Network account: the replica stack waits for the home region's stack.
    replica_stack = reference_app.stacks["acme-pay-network-eu-central-1"]
    assert sorted(s.stack_name for s in replica_stack.dependencies) == [
        "acme-pay-log-archive",
        "acme-pay-network-eu-west-1",
    ]
    template = reference_app.template("acme-pay-network-eu-central-1")
    (replica,) = _resources(template, "AWS::KMS::ReplicaKey").values()
    (lookup,) = _resources(template, "Custom::AWS").values()
    assert replica["Properties"]["PrimaryKeyArn"] == {
        "Fn::GetAtt": [next(iter(_resources(template, "Custom::AWS"))), "KeyMetadata.Arn"]
    }
    assert '"region":"eu-west-1"' in lookup["Properties"]["Create"]
    (alias,) = _resources(template, "AWS::KMS::Alias").values()
    assert alias["Properties"]["AliasName"] == "alias/acme-pay/data"
    # Workload accounts: each replica StackSet waits for its account's primary StackSet.
    defenses = reference_app.template("acme-pay-workload-defenses")
    for account in ("MlProd", "PaymentsNonprod", "PaymentsProd"):
        (replica_set,) = [
            r
            for lid, r in defenses["Resources"].items()
            if lid.startswith(f"Defenses{account}EuCentral1StackSet")
        ]
        depends = replica_set.get("DependsOn", [])
        assert any(d.startswith(f"Defenses{account}EuWest1StackSet") for d in depends), depends


def test_replica_lookups_run_as_a_named_landing_zone_handler(reference_app: ReferenceApp) -> None:
    """The key replicas' SDK calls had a handler with generated names (role included): now its
    role, function, policy and log group carry the prefix, and its calls moved to new logical
    ids, since CloudFormation cannot change their ServiceToken in place."""
    stack = reference_app.stacks["acme-pay-workload-defenses"]
    assert isinstance(stack, WorkloadDefensesStack)
    template = reference_app.template(
        f"{stack.templates[('payments-prod', 'eu-central-1')].artifact_id}.stackset"
    )
    name = "lz-sdk-defenses-eu-central-1"
    resources = template["Resources"]
    assert resources["AwsSdkCallHandlerRole4F767D71"]["Properties"]["RoleName"] == name
    assert resources["AwsSdkCallHandlerPolicy2EC89F26"]["Properties"]["ManagedPolicyName"] == name
    (function,) = _resources(template, "AWS::Lambda::Function").values()
    assert function["Properties"]["FunctionName"] == name
    assert all(lid.endswith("Lz") for lid in _resources(template, "Custom::AWS"))
    # The AI handler was named when released: its calls keep their logical ids.
    ai = reference_app.template(f"{stack.templates[('ml-prod', 'eu-west-1')].artifact_id}.stackset")
    assert "LayersAiInvocationLoggingConfiguration73F17416" in ai["Resources"]
