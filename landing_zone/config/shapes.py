"""Workload shapes: one StackSet template per combination of OU-wide layers and region, whatever
the number of accounts.

An (account, region) with an entry that names the account (``network.vpcs.<n>.account``,
``edge.*.<n>.account``, ``ai.workloads.<n>.account``) is *pinned*: it keeps a template of its own
(:func:`landing_zone.config.defense.placements`), byte for byte the one it had before shapes
existed unless an OU-wide entry reaches it there (it then gets that entry too), because the
ranges of its VPC and subnets are create-only and must never move. Every
other (account, region) reached by OU-wide entries (``organizational_units``) gets them from the
template of its *shape*: the region and the names of those entries. Accounts of one shape differ
only in values the template reads at deploy time (``AWS::AccountId``, the range VPC IPAM
allocates), so one StackSet serves them all.

A shape's StackSet aims at the OUs of its accounts. When every account the config has under
those OUs is of this shape in that region, it takes the whole OUs with automatic deployment, so
an account that joins them gets the layers. Otherwise it takes the OUs filtered to its accounts
(``INTERSECTION``), with automatic deployment off: the landing zone creates accounts from config,
so a new account is a config change that adds it to the list (once its id is filled in).

An account that moves between a shape and a template of its own (its first account-level entry
added, or its last removed) moves between StackSets: the old StackSet, retained, keeps its
stack instance, and the new one would create the same keys and roles beside it. Such a move is
an operation (retire the old instance with ``RetainStacks``, import the stack into the new
StackSet, or accept new VPCs), not a config edit; the config cannot see what is deployed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from landing_zone.common.naming import pascal_case

from .coverage import is_ou_wide, under
from .defense import (
    MAX_VPCS_PER_PLACEMENT,
    Placement,
    ou_wide_vpcs,
    ou_wide_workloads,
    placements,
)
from .errors import ConfigIssue
from .model import ROOT, AiWorkloadConfig, LandingZoneConfig, VpcConfig

MAX_ORGANIZATIONAL_UNITS_PER_OPERATION = 50
"""``CreateStackInstances`` takes at most 50 OUs in ``DeploymentTargets.OrganizationalUnitIds``
(https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackInstances.html);
a shape over more OUs targets their ancestors, filtered to its accounts."""

MAX_SHAPES_PER_STACK = 120
"""Shapes and regions in the workload-shapes stack: each takes three resources (its StackSet,
the copy of its template's code, and the copy's Lambda layer), which keeps the stack under 400.
A dozen shapes is a large organization; beyond this, shard the stack by shape name."""

MAX_STACK_SET_NAME = 128
"""CloudFormation's limit on a StackSet name (``[a-zA-Z][-a-zA-Z0-9]*``, up to 128 characters:
https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html)."""


@dataclass(frozen=True)
class Shape:
    """The layers that the accounts of one shape receive in one region, and where its StackSet
    aims."""

    name: str
    """``ai-<workload>`` and ``vpc-<vpc>`` parts, joined by '-': the same for a shape and its key
    replicas, which differ by region."""
    region: str
    layers: Placement
    """What the template builds (``account`` None)."""
    accounts: tuple[str, ...]
    """The accounts it serves, in config order."""
    organizational_units: tuple[str, ...]
    """The OU paths (or ``Root``) its StackSet targets, sorted."""
    ou_wide: bool
    """Every account of those OUs: no account filter, automatic deployment."""

    def listed_account_ids(self, config: LandingZoneConfig) -> list[str]:
        """The ids of the accounts an ``INTERSECTION`` target lists: those with an id. An
        account the landing zone is about to create has none yet; it joins the list when its
        id is filled in (the StackSet of a shape whose OUs are whole reaches it at once)."""
        return [
            account_id
            for account_id in (config.accounts[name].id for name in self.accounts)
            if account_id is not None
        ]

    @property
    def construct_id(self) -> str:
        """Stable, from the shape's name and region: ``Shape<Name><Region>``."""
        return f"Shape{pascal_case(self.name)}{pascal_case(self.region)}"

    def stack_set_name(self, organization: str) -> str:
        return f"{organization}-shape-{self.name}-{self.region}"


@dataclass(frozen=True)
class WorkloadPlan:
    """Every template the workload layers need: pinned (account, region) and shapes."""

    pinned: dict[tuple[str, str], Placement]
    shapes: dict[tuple[str, str], Shape]
    """(shape name, region) -> shape, sorted."""
    clashing_names: tuple[str, ...] = ()
    """Shape names that two different combinations of entries spell alike (an error)."""

    def template_of(self) -> dict[tuple[str, str], list[str]]:
        """(account, region) -> the templates that would deploy there (more than one is an
        error: the second would fail on the first's key aliases and role names)."""
        found: dict[tuple[str, str], list[str]] = {}
        for key in self.pinned:
            found.setdefault(key, []).append(f"the account's own template in {key[1]}")
        for shape in self.shapes.values():
            for account in shape.accounts:
                found.setdefault((account, shape.region), []).append(
                    f"shape {shape.name} in {shape.region}"
                )
        return found


def shape_name(layers: Placement) -> str:
    parts = [] if layers.ai is None else [f"ai-{layers.ai[0]}"]
    return "-".join([*parts, *(f"vpc-{name}" for name in sorted(layers.vpcs))])


def workload_plan(config: LandingZoneConfig) -> WorkloadPlan:
    """The pinned placements (network account included) and the shapes of the accounts and
    regions that OU-wide entries reach and no entry pins."""
    pinned = placements(config)
    network = config.core_accounts.network
    management = config.core_accounts.management
    home = config.organization.home_region
    entries: list[VpcConfig | AiWorkloadConfig] = [
        *config.network.vpcs.values(),
        *config.ai.workloads.values(),
    ]
    regions = sorted({entry.region or home for entry in entries if is_ou_wide(entry)})
    # By signature: the region and the entries' names (two signatures could spell one name).
    groups: dict[tuple[str, str | None, tuple[str, ...]], tuple[Placement, list[str]]] = {}
    for account in config.accounts:
        if account in (network, management):
            continue
        for region in regions:
            if (account, region) in pinned:
                continue
            vpcs = ou_wide_vpcs(config, account, region)
            workload = next(iter(ou_wide_workloads(config, account, region).items()), None)
            if not vpcs and workload is None:
                continue
            layers = Placement(None, region, vpcs=dict(sorted(vpcs.items())), ai=workload)
            signature = (region, None if workload is None else workload[0], tuple(layers.vpcs))
            groups.setdefault(signature, (layers, []))[1].append(account)
    shapes: dict[tuple[str, str], Shape] = {}
    multi_region = any(key.multi_region for key in config.keys.classes.values())
    clashes: list[str] = []
    for (region, _, _), (layers, accounts) in groups.items():
        name = shape_name(layers)
        if (name, region) in shapes:
            clashes.append(name)
            continue
        ous, ou_wide = _targets(config, accounts, region)
        shapes[(name, region)] = Shape(name, region, layers, tuple(accounts), ous, ou_wide)
        if region != home or not multi_region:
            continue
        for replica_region in config.keys.replica_regions:
            if replica_region == home:
                continue  # reported by the checks
            # The replicas go where the primaries go: same accounts, same targets.
            replicas = Placement(None, replica_region, replica_of=home)
            shapes[(name, replica_region)] = Shape(
                name, replica_region, replicas, tuple(accounts), ous, ou_wide
            )
    return WorkloadPlan(pinned, dict(sorted(shapes.items())), tuple(clashes))


def _targets(
    config: LandingZoneConfig, accounts: Sequence[str], region: str
) -> tuple[tuple[str, ...], bool]:
    """The OUs a shape's StackSet targets, and whether it takes them whole."""
    ous = _outermost({config.accounts[account].ou for account in accounts})
    if len(ous) > MAX_ORGANIZATIONAL_UNITS_PER_OPERATION:
        ous = _ancestors_within(ous, MAX_ORGANIZATIONAL_UNITS_PER_OPERATION)
    members = set(accounts)
    management = config.core_accounts.management
    # Whole OUs only if they hold no account of another template (or none) in this region.
    ou_wide = all(
        name in members
        for name, account in config.accounts.items()
        if name != management and under(account.ou, ous)
    )
    return tuple(sorted(ous)), ou_wide


def _outermost(ous: set[str]) -> set[str]:
    """``ous`` without those below another of them (a StackSet's OU target includes its child
    OUs)."""
    if ROOT in ous:
        return {ROOT}
    return {ou for ou in ous if not under(ou, ous - {ou})}


def _ancestors_within(ous: set[str], limit: int) -> set[str]:
    """The deepest ancestors of ``ous`` that number at most ``limit``: parents, then
    grandparents, up to the root."""
    depth = max(ou.count("/") for ou in ous)
    while depth > 0:
        ancestors = _outermost({"/".join(ou.split("/")[:depth]) for ou in ous})
        if len(ancestors) <= limit:
            return ancestors
        depth -= 1
    return {ROOT}


def check_shapes(config: LandingZoneConfig) -> Iterator[ConfigIssue]:
    """No account and region in two templates; shapes' StackSets can be named and aimed."""
    plan = workload_plan(config)
    for (account, region), templates in plan.template_of().items():
        if len(templates) > 1:
            yield ConfigIssue(
                ("keys", "replica_regions"),
                f"puts account {account!r} in {len(templates)} templates in {region} "
                f"({'; '.join(templates)}), and the second would fail on the first's key "
                "aliases and role names; allowed: replica regions where the accounts of a "
                "shape have no layers of their own",
                region,
            )
    for (account, region), placement in plan.pinned.items():
        reaching = [
            *ou_wide_vpcs(config, account, region),
            *ou_wide_workloads(config, account, region),
        ]
        if placement.replica_of is not None and reaching:
            yield ConfigIssue(
                ("keys", "replica_regions"),
                f"puts replicas of account {account!r}'s keys in {region}, where the OU-wide "
                f"{', '.join(reaching)} would need its own keys under the same aliases; allowed: "
                "replica regions where the account gets no layers",
                region,
            )
    for name in plan.clashing_names:
        yield ConfigIssue(
            ("network", "vpcs"),
            f"and ai.workloads spell the shape name {name!r} for two different combinations "
            "of OU-wide entries (a shape is named ai-<workload>-vpc-<vpc>...); allowed: names "
            "that keep them apart, such as VPC and AI workload names without 'ai-' or 'vpc-'",
            name,
        )
    if len(plan.shapes) > MAX_SHAPES_PER_STACK:
        yield ConfigIssue(
            ("network", "vpcs"),
            f"and ai.workloads make {len(plan.shapes)} workload shapes (with their key "
            f"replicas); allowed: at most {MAX_SHAPES_PER_STACK}, the StackSets one stack holds",
            len(plan.shapes),
        )
    org = config.organization.name
    baseline_regions = config.baseline_regions()
    log_archive = config.core_accounts.log_archive
    for shape in plan.shapes.values():
        # An AI-only shape's region is checked with its workload.
        if shape.region not in baseline_regions and (shape.layers.vpcs or shape.layers.replica_of):
            yield ConfigIssue(
                ("keys", "replica_regions")
                if shape.layers.replica_of
                else ("network", "vpcs", next(iter(shape.layers.vpcs)), "region"),
                f"is not a baseline region: shape {shape.name} comes from a StackSet whose "
                "custom resource code is in the baseline asset buckets; allowed: "
                f"{', '.join(baseline_regions)}",
                shape.region,
            )
        if len(shape.layers.vpcs) > MAX_VPCS_PER_PLACEMENT:
            yield ConfigIssue(
                ("network", "vpcs"),
                f"give the accounts of shape {shape.name} {len(shape.layers.vpcs)} VPCs in "
                f"{shape.region}; allowed: at most {MAX_VPCS_PER_PLACEMENT} per account and region",
                sorted(shape.layers.vpcs),
            )
        if log_archive in shape.accounts and "logs" in config.keys.classes:
            yield ConfigIssue(
                ("keys", "classes", "logs"),
                f"would create the alias of the log archive's own key in account "
                f"{log_archive!r}, which shape {shape.name} reaches in {shape.region}; rename "
                "the data class or keep the shape's OUs clear of the log archive",
                "logs",
            )
        name = shape.stack_set_name(org)
        if len(name) > MAX_STACK_SET_NAME:
            yield ConfigIssue(
                ("network", "vpcs"),
                f"gives shape {shape.name!r} the StackSet name {name!r} of {len(name)} "
                f"characters; allowed: at most {MAX_STACK_SET_NAME}, so shorten the names of "
                "its OU-wide VPCs and AI workload",
                sorted(shape.layers.vpcs),
            )
