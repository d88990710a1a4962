"""Where the defense-in-depth layers go (keys, VPCs, web ACLs, certificates) and the checks
that span them: account references, regions, the organization's address plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from aws_cdk import aws_wafv2 as wafv2
from aws_cdk.region_info import RegionInfo

from landing_zone.edge.tls import check_certificate_names
from landing_zone.edge.web_acl import CLOUDFRONT_REGION, check_custom_rules, custom_rule
from landing_zone.keys.data_class_key import check_name
from landing_zone.network import cidrs
from landing_zone.network.vpc_tiers import NACL_RULES_PER_DIRECTION, check_interface_endpoints

from .coverage import is_ou_wide, under
from .errors import ConfigIssue, duplicate_issues
from .identity import _account_issue, _construct_check
from .model import (
    ROOT,
    AiWorkloadConfig,
    CertificateConfig,
    CustomRuleConfig,
    LandingZoneConfig,
    VpcConfig,
    WebAclConfig,
)
from .sharding import account_shard

MAX_PLACEMENTS_PER_STACK = 120
"""Workload accounts and regions per StackSet stack: each takes up to three resources (its
StackSet, the copy of its code, and the copy's share of the stack's Lambda), which keeps the
stack under 400."""

MAX_SEARCH_STRING_BYTES = 200
"""WAF's limit on a byte match statement's search string."""

MAX_VPCS_PER_PLACEMENT = 4
"""VPCs per account and region: about 70 resources each keeps a stack far under 400, and
Amazon VPC's default quota is 5 VPCs per region."""


@dataclass
class Placement:
    """What one account and region receives, or (``account`` None) every account of a workload
    shape (:mod:`landing_zone.config.shapes`)."""

    account: str | None
    region: str
    vpcs: dict[str, VpcConfig] = field(default_factory=dict)
    web_acls: dict[str, WebAclConfig] = field(default_factory=dict)
    certificates: dict[str, CertificateConfig] = field(default_factory=dict)
    replica_of: str | None = None
    """The primary keys' region when this placement holds only replicas of them."""
    ai: tuple[str, AiWorkloadConfig] | None = None
    """The AI workload (name, config) of this account and region."""


def placements(config: LandingZoneConfig) -> dict[tuple[str, str], Placement]:
    """(account name, region) -> its VPCs, web ACLs, certificates and AI workload, sorted: the
    *pinned* accounts and regions, those with an entry naming the account, each of which keeps a
    template of its own (and gets the OU-wide entries that reach it there too). The other
    accounts reached by OU-wide entries share the templates of
    :func:`landing_zone.config.shapes.workload_plan`."""
    home = config.organization.home_region
    found: dict[tuple[str, str], Placement] = {}

    def at(account: str, region: str | None) -> Placement:
        key = (account, region or home)
        return found.setdefault(key, Placement(*key))

    for name, vpc in config.network.vpcs.items():
        if vpc.account is not None:
            at(vpc.account, vpc.region).vpcs[name] = vpc
    for name, web_acl in config.edge.web_acls.items():
        at(web_acl.account, web_acl.region).web_acls[name] = web_acl
    for name, certificate in config.edge.certificates.items():
        at(certificate.account, certificate.region).certificates[name] = certificate
    for name, workload in config.ai.workloads.items():
        if workload.account is None:
            continue
        placement = at(workload.account, workload.region)
        if placement.ai is None:  # a second one is reported by the checks
            placement.ai = (name, workload)
    # OU-wide entries join the templates of the pinned accounts and regions they reach.
    entries: list[VpcConfig | AiWorkloadConfig] = [
        *config.network.vpcs.values(),
        *config.ai.workloads.values(),
    ]
    for key, placement in found.items() if any(map(is_ou_wide, entries)) else ():
        for name, vpc in ou_wide_vpcs(config, *key).items():
            placement.vpcs.setdefault(name, vpc)
        if placement.ai is None:
            placement.ai = next(iter(ou_wide_workloads(config, *key).items()), None)
    if any(key.multi_region for key in config.keys.classes.values()):
        for account, region in list(found):
            if region != home:
                continue
            for replica_region in config.keys.replica_regions:
                # A region with the account's own keys is reported by the checks.
                if replica_region != home and (account, replica_region) not in found:
                    found[(account, replica_region)] = Placement(
                        account, replica_region, replica_of=home
                    )
    return dict(sorted(found.items()))


def ou_wide_vpcs(config: LandingZoneConfig, account: str, region: str) -> dict[str, VpcConfig]:
    """The OU-wide VPCs that reach ``account`` in ``region`` (none in the network account,
    whose layers are its own stacks': the checks reject such an entry)."""
    return {
        name: vpc
        for name, vpc in config.network.vpcs.items()
        if _reaches(config, vpc, account, region)
    }


def ou_wide_workloads(
    config: LandingZoneConfig, account: str, region: str
) -> dict[str, AiWorkloadConfig]:
    """The OU-wide AI workloads that reach ``account`` in ``region`` (at most one passes the
    checks)."""
    return {
        name: workload
        for name, workload in config.ai.workloads.items()
        if _reaches(config, workload, account, region)
    }


def _reaches(
    config: LandingZoneConfig, entry: VpcConfig | AiWorkloadConfig, account: str, region: str
) -> bool:
    """Whether an OU-wide ``entry`` reaches ``account`` (a known account, neither the
    management nor the network account) in ``region``."""
    core = config.core_accounts
    return (
        is_ou_wide(entry)
        and (entry.region or config.organization.home_region) == region
        and account in config.accounts
        and account not in (core.management, core.network)
        and under(config.accounts[account].ou, entry.organizational_units or ())
    )


def workload_placements(config: LandingZoneConfig) -> dict[tuple[str, str], Placement]:
    """The placements outside the network account, which StackSets deploy."""
    network = config.core_accounts.network
    return {key: p for key, p in placements(config).items() if p.account != network}


def network_placements(config: LandingZoneConfig) -> dict[str, Placement]:
    """Region -> the network account's placement there."""
    network = config.core_accounts.network
    return {p.region: p for p in placements(config).values() if p.account == network}


def workload_shards(config: LandingZoneConfig) -> dict[int, dict[tuple[str, str], Placement]]:
    """Shard -> the workload placements its stack deploys, for every shard of
    ``organization.account_stacks`` (empty ones too). An account's shard is the account stacks'
    stable hash of its name, so adding an account never moves another's StackSets."""
    count = config.organization.account_stacks
    shards: dict[int, dict[tuple[str, str], Placement]] = {shard: {} for shard in range(count)}
    for key, placement in workload_placements(config).items():
        shards[account_shard(key[0], count)][key] = placement
    return shards


def logs_data_class(config: LandingZoneConfig) -> str | None:
    """The data class whose key encrypts the flow log groups: the first that names ``logs``."""
    return next((name for name, key in config.keys.classes.items() if "logs" in key.services), None)


def waf_rules(web_acl: WebAclConfig) -> list[wafv2.CfnWebACL.RuleProperty]:
    """The web ACL's custom rules as WAF rule properties."""
    return [_rule(rule) for rule in web_acl.custom_rules]


def _rule(rule: CustomRuleConfig) -> wafv2.CfnWebACL.RuleProperty:
    return custom_rule(
        name=rule.name,
        priority=rule.priority,
        action=rule.action,
        country_codes=rule.country_codes,
        uri_path_starts_with=rule.uri_path_starts_with,
        rate_limit=rule.rate_limit,
    )


def check_defense(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    yield from _keys(config)
    yield from _replicas(config)
    yield from _vpcs(config)
    yield from _web_acls(config)
    yield from _certificates(config)
    yield from _placements(config)


def _keys(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    for name, key in config.keys.classes.items():
        yield from duplicate_issues(("keys", "classes", name, "services"), key.services)
    if placements(config):
        # The organization's name is the first part of every data class key's alias.
        yield from _construct_check(
            ("organization", "name"),
            config.organization.name,
            lambda _, name: check_name("alias_prefix (the organization name)", name),
        )
    needing = [
        what
        for what, present in (
            ("the VPCs' flow log groups", config.network.vpcs),
            ("the model invocation log groups", config.ai.workloads),
        )
        if present
    ]
    if needing and logs_data_class(config) is None:
        yield ConfigIssue(
            ("keys", "classes"),
            f"has no data class whose services name 'logs', and {' and '.join(needing)} need "
            "one; add 'logs' to a class's services",
            sorted(config.keys.classes),
        )


def _replicas(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    regions = config.keys.replica_regions
    where: tuple[str | int, ...] = ("keys", "replica_regions")
    if not regions:
        return
    yield from duplicate_issues(where, regions)
    if not any(key.multi_region for key in config.keys.classes.values()):
        yield ConfigIssue(
            where,
            "has nothing to replicate: no data class has multi_region: true",
            regions,
        )
        return
    home = config.organization.home_region
    governed = config.organization.governed_regions
    own = placements_without_replicas(config)
    primaries = sorted(account for account, region in own if region == home)
    for index, region in enumerate(regions):
        if region not in config.organization.governed_regions:
            yield ConfigIssue(
                (*where, index),
                f"is not a governed region; allowed: {', '.join(governed)}",
                region,
            )
            continue
        if region == home:
            yield ConfigIssue(
                (*where, index), "is the home region, where the primary keys are", region
            )
            continue
        if _partition(region) != _partition(home):
            yield ConfigIssue(
                (*where, index),
                f"is in the {_partition(region)} partition and the home region in "
                f"{_partition(home)}; multi-Region keys replicate within a partition only",
                region,
            )
            continue
        clashing = [account for account in primaries if (account, region) in own]
        if clashing:
            yield ConfigIssue(
                (*where, index),
                f"already holds keys of account(s) {', '.join(clashing)} (their VPCs, web ACLs "
                "or certificates there), whose aliases a replica would need; allowed: a region "
                "where those accounts have no layers",
                region,
            )
        needs_assets = [a for a in primaries if a != config.core_accounts.network]
        if needs_assets and region not in config.baseline_regions():
            yield ConfigIssue(
                (*where, index),
                "is not a baseline region: replicas outside the network account come from a "
                "StackSet whose custom resource code is in the baseline asset buckets; "
                f"allowed: {', '.join(config.baseline_regions())}",
                region,
            )


def _partition(region: str) -> str:
    return str(RegionInfo.get(region).partition)


def placements_without_replicas(config: LandingZoneConfig) -> set[tuple[str, str]]:
    return {key for key, p in placements(config).items() if p.replica_of is None}


def _located(
    config: LandingZoneConfig, where: tuple[str | int, ...], account: str, region: str | None
) -> Iterator[ConfigIssue]:
    """The account exists with an id and is not the management account; the region is
    governed."""
    yield from _account_issue(
        config, (*where, "account"), account, needs_id="its stacks need an explicit account id"
    )
    if account == config.core_accounts.management:
        yield ConfigIssue(
            (*where, "account"),
            "is the management account, which holds no workloads (and which StackSets never "
            "reach); allowed: a member account",
            account,
        )
    governed = config.organization.governed_regions
    if region is not None and region not in governed:
        yield ConfigIssue(
            (*where, "region"),
            f"is not a governed region; allowed: {', '.join(governed)}",
            region,
        )


def _vpcs(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    home = config.organization.home_region
    plan: dict[str, str] = {}
    for name, vpc in config.network.vpcs.items():
        where: tuple[str | int, ...] = ("network", "vpcs", name)
        yield from target_issues(config, where, vpc)
        yield from _range_form(where, vpc)
        region = vpc.region or home
        zones = vpc.zones(region)
        if vpc.availability_zones is not None:
            if not 2 <= len(vpc.availability_zones) <= 6:
                yield ConfigIssue(
                    (*where, "availability_zones"),
                    "must name 2 to 6 availability zones (at least 2, so that each tier "
                    "survives the loss of a zone)",
                    zones,
                )
            for index, zone in enumerate(zones):
                if zone[:-1] != region:
                    yield ConfigIssue(
                        (*where, "availability_zones", index),
                        f"is not a zone of the VPC's region {region}; allowed: {region}a, "
                        f"{region}b, ...",
                        zone,
                    )
            yield from duplicate_issues((*where, "availability_zones"), zones)
        if vpc.cidr is not None:
            prefix_issues = list(
                _construct_check((*where, "cidr"), vpc.cidr, _subnet_prefixes(len(zones)))
            )
            yield from prefix_issues
            if not prefix_issues:
                plan[name] = vpc.cidr
        if vpc.netmask is not None:
            yield from _construct_check(
                (*where, "netmask"), vpc.netmask, _netmask_tiers(len(zones))
            )
        for index, deny in enumerate(vpc.explicit_denies):
            yield from _construct_check((*where, "explicit_denies", index), deny, cidrs.network)
        yield from duplicate_issues((*where, "explicit_denies"), vpc.explicit_denies)
        yield from duplicate_issues((*where, "data_ports"), vpc.data_ports)
        yield from duplicate_issues((*where, "interface_endpoints"), vpc.interface_endpoints)
        if len(set(vpc.interface_endpoints)) == len(vpc.interface_endpoints):
            yield from _construct_check(
                (*where, "interface_endpoints"),
                vpc.interface_endpoints,
                lambda _, services: check_interface_endpoints(services),
            )
        rules = len(vpc.explicit_denies) + len(zones) * len(vpc.data_ports)
        if rules > NACL_RULES_PER_DIRECTION:
            yield ConfigIssue(
                (*where, "data_ports"),
                f"with explicit_denies needs {rules} inbound rules in the data tier's network "
                f"ACL ({len(vpc.explicit_denies)} denies + {len(zones)} zones x "
                f"{len(vpc.data_ports)} ports); allowed: at most {NACL_RULES_PER_DIRECTION}",
                vpc.data_ports,
            )
    for first, second in cidrs.overlapping(plan):
        yield ConfigIssue(
            ("network", "vpcs", second, "cidr"),
            f"overlaps VPC {first!r} ({plan[first]}); VPC ranges must be unique across the "
            "organization so they can be connected later",
            plan[second],
        )


def _subnet_prefixes(zone_count: int) -> Callable[[str, str], object]:
    return lambda _, cidr: cidrs.tier_subnet_prefixes(cidr, zone_count)


def _netmask_tiers(zone_count: int) -> Callable[[str, int], object]:
    """The tier math of a VPC of that prefix length, wherever IPAM puts it."""

    def check(_: str, netmask: int) -> object:
        try:
            return cidrs.tier_subnet_prefixes_for_netmask(netmask, zone_count)
        except ValueError as error:
            raise ValueError(str(error).removeprefix("netmask: ")) from None

    return check


def target_issues(
    config: LandingZoneConfig, where: tuple[str | int, ...], entry: VpcConfig | AiWorkloadConfig
) -> Iterator[ConfigIssue]:
    """Exactly one of ``account`` (located as :func:`_located` requires) and
    ``organizational_units`` (known OUs, without the network account, whose layers are its own
    stacks'); a governed region."""
    if entry.account is not None and entry.organizational_units is not None:
        yield ConfigIssue(
            (*where, "organizational_units"),
            "is given with account; allowed: exactly one of account (that one account, in a "
            "template of its own) and organizational_units (every account of those OUs)",
            entry.organizational_units,
        )
    if entry.account is not None:
        yield from _located(config, where, entry.account, entry.region)
        return
    if entry.organizational_units is None:
        yield ConfigIssue(
            (*where, "account"),
            "is missing, and so is organizational_units; allowed: exactly one of account (one "
            "account) and organizational_units (every account of those OUs)",
            has_value=False,
        )
        return
    ous = entry.organizational_units
    yield from duplicate_issues((*where, "organizational_units"), ous)
    for index, ou in enumerate(ous):
        if ou != ROOT and ou not in config.organizational_units:
            yield ConfigIssue(
                (*where, "organizational_units", index),
                f"is not an OU of organizational_units; allowed: '{ROOT}' or one of "
                f"{', '.join(config.organizational_units)}",
                ou,
            )
    network = config.core_accounts.network
    if network in config.accounts and under(config.accounts[network].ou, ous):
        yield ConfigIssue(
            (*where, "organizational_units"),
            f"reach the network account {network!r} (OU {config.accounts[network].ou}), whose "
            "layers are the network stacks' own; allowed: OUs without the network account",
            ous,
        )
    governed = config.organization.governed_regions
    if entry.region is not None and entry.region not in governed:
        yield ConfigIssue(
            (*where, "region"),
            f"is not a governed region; allowed: {', '.join(governed)}",
            entry.region,
        )


def _range_form(where: tuple[str | int, ...], vpc: VpcConfig) -> Iterator[ConfigIssue]:
    """An account VPC names its cidr; an OU-wide one its netmask, for IPAM to allocate."""
    if vpc.account is not None:
        if vpc.cidr is None:
            yield ConfigIssue(
                (*where, "cidr"),
                "is required for an account VPC (account); allowed: its range such as "
                "'10.1.0.0/16'",
                has_value=False,
            )
        if vpc.netmask is not None:
            yield ConfigIssue(
                (*where, "netmask"),
                "is for OU-wide VPCs (organizational_units), whose ranges IPAM allocates; an "
                "account VPC names its cidr instead",
                vpc.netmask,
            )
    elif vpc.organizational_units is not None:
        if vpc.netmask is None:
            yield ConfigIssue(
                (*where, "netmask"),
                "is required for an OU-wide VPC (organizational_units): each account's range "
                "comes from the network.ipam pool; allowed: a prefix length such as 20",
                has_value=False,
            )
        if vpc.cidr is not None:
            yield ConfigIssue(
                (*where, "cidr"),
                "is not allowed for an OU-wide VPC (organizational_units): one range cannot be "
                "every account's; give netmask, and network.ipam pools hand out the ranges",
                vpc.cidr,
            )


def _certificate_names(domain_name: str) -> Callable[[str, list[str]], object]:
    return lambda _, alternative_names: check_certificate_names(domain_name, alternative_names)


def _web_acls(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    home = config.organization.home_region
    for name, web_acl in config.edge.web_acls.items():
        where: tuple[str | int, ...] = ("edge", "web_acls", name)
        yield from _located(config, where, web_acl.account, web_acl.region)
        region = web_acl.region or home
        if web_acl.scope == "CLOUDFRONT" and region != CLOUDFRONT_REGION:
            yield ConfigIssue(
                (*where, "region"),
                f"must be {CLOUDFRONT_REGION} for scope CLOUDFRONT: CloudFront web ACLs exist "
                "only there",
                region,
            )
        for index, rule in enumerate(web_acl.custom_rules):
            path = rule.uri_path_starts_with
            if path is not None and len(path.encode()) > MAX_SEARCH_STRING_BYTES:
                yield ConfigIssue(
                    (*where, "custom_rules", index, "uri_path_starts_with"),
                    f"is {len(path.encode())} bytes long in UTF-8; allowed: at most "
                    f"{MAX_SEARCH_STRING_BYTES} (WAF's limit for a search string)",
                    path,
                )
        malformed = [
            index
            for index, rule in enumerate(web_acl.custom_rules)
            if bool(rule.country_codes) == (rule.uri_path_starts_with is not None)
        ]
        for index in malformed:
            yield ConfigIssue(
                (*where, "custom_rules", index),
                "must match by exactly one of country_codes and uri_path_starts_with",
                web_acl.custom_rules[index].model_dump(exclude_defaults=True),
            )
        if malformed:
            continue
        yield from _construct_check(
            (*where, "custom_rules"), waf_rules(web_acl), lambda _, rules: check_custom_rules(rules)
        )


def _certificates(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    for name, certificate in config.edge.certificates.items():
        where: tuple[str | int, ...] = ("edge", "certificates", name)
        yield from _located(config, where, certificate.account, certificate.region)
        names = [certificate.domain_name, *certificate.subject_alternative_names]
        yield from _construct_check(
            (*where, "subject_alternative_names"),
            certificate.subject_alternative_names,
            _certificate_names(certificate.domain_name),
        )
        zone = certificate.hosted_zone
        if zone is None:
            if certificate.account != config.core_accounts.network:
                yield ConfigIssue(
                    (*where, "hosted_zone"),
                    "is required outside the network account: the certificate comes from a "
                    "StackSet, which would wait up to 72 hours for validation records nobody "
                    "sees; give the account's hosted zone of the names",
                    has_value=False,
                )
            continue
        for index, domain in enumerate(names):
            bare = domain.removeprefix("*.")
            if bare != zone.name and not bare.endswith(f".{zone.name}"):
                path = (
                    (*where, "domain_name")
                    if index == 0
                    else (*where, "subject_alternative_names", index - 1)
                )
                yield ConfigIssue(
                    path,
                    f"is not in the hosted zone {zone.name!r}, where ACM's validation record "
                    "would be created; allowed: that zone's name or a name below it",
                    domain,
                )


def _placements(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    largest = max((len(shard) for shard in workload_shards(config).values()), default=0)
    if largest > MAX_PLACEMENTS_PER_STACK:
        yield ConfigIssue(
            ("organization", "account_stacks"),
            f"puts {largest} workload accounts and regions with keys, VPCs or edge in one "
            f"StackSet stack; allowed: at most {MAX_PLACEMENTS_PER_STACK} per stack, so raise "
            "this number",
            config.organization.account_stacks,
        )
    log_archive = config.core_accounts.log_archive
    baseline_regions = config.baseline_regions()
    for (account, region), placement in placements(config).items():
        if (
            placement.vpcs
            and account != config.core_accounts.network
            and region not in baseline_regions
        ):
            name = next(iter(placement.vpcs))
            yield ConfigIssue(
                ("network", "vpcs", name, "region"),
                "is not a baseline region: a VPC outside the network account comes from a "
                "StackSet whose custom resource code is in the baseline asset buckets; "
                f"allowed: {', '.join(baseline_regions)}",
                region,
            )
        if len(placement.vpcs) > MAX_VPCS_PER_PLACEMENT:
            yield ConfigIssue(
                ("network", "vpcs"),
                f"puts {len(placement.vpcs)} VPCs in account {account!r}, region {region}; "
                f"allowed: at most {MAX_VPCS_PER_PLACEMENT} per account and region",
                sorted(placement.vpcs),
            )
        if account == log_archive and "logs" in config.keys.classes:
            yield ConfigIssue(
                ("keys", "classes", "logs"),
                f"would create the alias of the log archive's own key in account {account!r}, "
                f"which gets layers in {region}; rename the data class or move those VPCs, web "
                "ACLs and certificates to another account",
                "logs",
            )
