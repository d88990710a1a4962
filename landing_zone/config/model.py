"""The typed model of the landing zone's configuration file.

Structure only: field types, formats and allowed values. Checks that span
several fields (references, uniqueness, limits) live in ``cross_checks.py``.
Every model rejects unknown keys so that a typo never silently disables a
control.
"""

from __future__ import annotations

import difflib
import importlib.metadata
import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from landing_zone.ai.bucket_names import validate_pattern
from landing_zone.baseline.backup import PLAN_NAME, SCHEDULE_EXPRESSION, TAG_KEY, TAG_VALUE
from landing_zone.baseline.iam_controls import DEFAULT_MAX_ACCESS_KEY_AGE_DAYS
from landing_zone.common.patterns import (
    ACCOUNT_ID,
    BEDROCK_MODEL_ID,
    ORGANIZATION_ID,
    PERMISSION_SET_NAME,
)
from landing_zone.keys.data_class_key import NAME as DATA_CLASS_NAME
from landing_zone.keys.data_class_key import PENDING_WINDOW_DAYS, ROTATION_DAYS, SERVICES
from landing_zone.keys.data_class_keys import DEFAULT_DATA_CLASSES
from landing_zone.network.cidrs import MAX_SUBNET_PREFIX, MIN_VPC_PREFIX
from landing_zone.network.vpc_tiers import DEFAULT_DATA_PORTS, DEFAULT_INTERFACE_ENDPOINTS

if TYPE_CHECKING:
    from landing_zone.baseline.baseline_stackset import StackSetOperationProps

ROOT = "Root"
"""The name that targets the organization root wherever an OU path is expected."""

MAX_OU_DEPTH = 5
"""AWS Organizations allows OUs nested five levels below the root."""

MAX_ACCOUNTS_PER_STACK = 300
"""Created accounts per stack: one resource each, leaving headroom under the 400 we allow."""

MAX_ACCOUNT_STACKS = 50

CDK_QUALIFIER = "lzone"
"""The CDK bootstrap qualifier of the landing zone's stacks: its deployment roles are its own."""


@cache
def known_regions() -> tuple[str, ...]:
    """AWS region names known to the pinned aws-cdk-lib (its region-info database): from
    ``cdk_catalog`` while it matches the installed version, else read from the library."""
    if _catalog_is_current():
        from .cdk_catalog import REGIONS

        return REGIONS
    return library_regions()


def library_regions() -> tuple[str, ...]:
    """``RegionInfo.regions``' names, read through jsii (about 50 calls)."""
    # Imported lazily: it starts the jsii runtime, which the rest of the model does not need.
    from aws_cdk.region_info import RegionInfo

    return tuple(sorted(region.name for region in RegionInfo.regions))


def _real_region(value: str) -> str:
    regions = known_regions()
    if value not in regions:
        raise PydanticCustomError(
            "unknown_region",
            "is not an AWS region name; allowed: one of {allowed}",
            {"allowed": ", ".join(regions)},
        )
    return value


def _closest(value: str, allowed: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, allowed, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


@cache
def waf_country_codes() -> frozenset[str]:
    """The country codes AWS WAF's geo match accepts: ISO 3166-1 alpha-2 (from pycountry's copy
    of the ISO database) and XK, Kosovo's user-assigned code, which the WAFv2 ``CountryCode``
    enumeration also lists (WAF API reference, GeoMatchStatement; AWS::WAFv2::WebACL schema)."""
    import pycountry

    return frozenset(country.alpha_2 for country in pycountry.countries) | {"XK"}


def _country_code(value: str) -> str:
    if value not in waf_country_codes():
        raise PydanticCustomError(
            "unknown_country",
            "is not an ISO 3166-1 alpha-2 country code; allowed: two capital letters that name "
            "a country, such as NO (Norway), US or DE",
        )
    return value


def _catalog_is_current() -> bool:
    """Whether ``cdk_catalog`` was written from the installed aws-cdk-lib."""
    from . import cdk_catalog

    try:
        return importlib.metadata.version("aws-cdk-lib") == cdk_catalog.AWS_CDK_LIB_VERSION
    except importlib.metadata.PackageNotFoundError:
        return False


@cache
def interface_endpoint_services() -> tuple[str, ...]:
    """Services with an interface VPC endpoint (``com.amazonaws.<region>.<service>``), as the
    pinned aws-cdk-lib lists them in ``InterfaceVpcEndpointAwsService``: from ``cdk_catalog``
    while it matches the installed version, else read from the library."""
    if _catalog_is_current():
        from .cdk_catalog import INTERFACE_ENDPOINT_SERVICES

        return INTERFACE_ENDPOINT_SERVICES
    return library_interface_endpoint_services()


def library_interface_endpoint_services() -> tuple[str, ...]:
    """``InterfaceVpcEndpointAwsService``'s short names, read through jsii (about 400 calls)."""
    # Imported lazily: it starts the jsii runtime, which most of the model does not need.
    from aws_cdk.aws_ec2 import InterfaceVpcEndpointAwsService as Service

    members = (getattr(Service, name) for name in dir(Service) if name.isupper())
    return tuple(sorted({m.short_name for m in members if isinstance(m, Service)}))


def _endpoint_service(value: str) -> str:
    known = interface_endpoint_services()
    if value not in known:
        # A full service name (com.amazonaws.<region>.kms): the suggestion is its suffix.
        suffix = re.sub(r"^com\.amazonaws\.(?:[a-z]{2}(?:-[a-z]+)+-[0-9]\.)?", "", value)
        raise PydanticCustomError(
            "unknown_endpoint_service",
            "is not a service with interface VPC endpoints{closest}; allowed: a service "
            "suffix of com.amazonaws.<region>.<service> that aws-cdk-lib's "
            "InterfaceVpcEndpointAwsService lists, such as kms, sts, logs or ecr.api",
            {"closest": _closest(suffix, known)},
        )
    return value


@cache
def bedrock_model_providers() -> tuple[str, ...]:
    """The providers of the Bedrock foundation models the pinned aws-cdk-lib lists
    (``FoundationModelIdentifier``): a model id starts with its provider. From ``cdk_catalog``
    while it matches the installed version, else read from the library."""
    if _catalog_is_current():
        from .cdk_catalog import BEDROCK_MODEL_PROVIDERS

        return BEDROCK_MODEL_PROVIDERS
    return library_bedrock_model_providers()


def library_bedrock_model_providers() -> tuple[str, ...]:
    """``FoundationModelIdentifier``'s providers, read through jsii (about 170 calls)."""
    from aws_cdk.aws_bedrock import FoundationModelIdentifier as Model

    ids = (getattr(Model, name).model_id for name in dir(Model) if name.isupper())
    return tuple(sorted({model_id.split(".", 1)[0] for model_id in ids}))


def _model_provider(value: str) -> str:
    provider = value.split(".", 1)[0]
    providers = bedrock_model_providers()
    if provider not in providers:
        raise PydanticCustomError(
            "unknown_model_provider",
            "does not start with a Bedrock model provider ('{provider}' is none{closest}); "
            "allowed: <provider>.<model>, the provider one of {allowed}",
            {
                "provider": provider,
                "closest": _closest(provider, providers),
                "allowed": ", ".join(providers),
            },
        )
    return value


_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def _tag_text(value: str, what: str, longest: int, *, required: bool) -> str:
    """AWS's tag rules: letters, separators (spaces), numbers and _.:/=+-@ in any language
    (the pattern ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``), at most ``longest`` characters, and no
    ``aws:`` prefix in any letter case, which AWS reserves (AWS Resource Groups Tagging API
    reference, Tag; "Tag naming limits and requirements" in the tagging best practices)."""
    if (required and not value) or len(value) > longest:
        raise PydanticCustomError(
            "tag_length",
            "must be {least} to {longest} characters long",
            {"least": int(required), "longest": longest},
        )
    bad = sorted(
        {
            char
            for char in value
            if char not in _TAG_PUNCTUATION and unicodedata.category(char)[0] not in "LZN"
        }
    )
    if bad:
        raise PydanticCustomError(
            "tag_characters",
            "contains {bad}, which AWS does not allow in a {what}; allowed: letters, digits, "
            "spaces and _ . : / = + - @",
            {"bad": " ".join(repr(char) for char in bad), "what": what},
        )
    if value.lower().startswith("aws:"):
        raise PydanticCustomError(
            "tag_reserved",
            "starts with 'aws:', which AWS reserves for its own tags; allowed: any other {what}",
            {"what": what},
        )
    return value


TagKey = Annotated[
    str,
    AfterValidator(lambda value: _tag_text(value, "tag key", 128, required=True)),
    Field(description="A tag key: 1-128 letters, digits, spaces or _.:/=+-@, not 'aws:...'."),
]
TagValue = Annotated[
    str,
    AfterValidator(lambda value: _tag_text(value, "tag value", 256, required=False)),
    Field(description="A tag value: up to 256 letters, digits, spaces or _.:/=+-@."),
]


def _matches(regex: str, what: str) -> AfterValidator:
    """Checks a string against ``regex`` and, on failure, says ``what`` is expected."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError("invalid_format", "must be {what}", {"what": what})
        return value

    return AfterValidator(check)


def _pattern(regex: str, what: str) -> Any:
    # The pattern stays in the exported JSON schema so editors flag mistakes as you type.
    return Field(json_schema_extra={"pattern": f"^(?:{regex})$", "description": what})


_ACCOUNT_ID = ACCOUNT_ID.pattern
AccountId = Annotated[
    str,
    _matches(_ACCOUNT_ID, 'a 12-digit AWS account id (quote it in YAML: "012345678901")'),
    _pattern(_ACCOUNT_ID, "A 12-digit AWS account id, quoted so leading zeros survive."),
]
Region = Annotated[
    str,
    AfterValidator(_real_region),
    Field(description="An AWS region name such as eu-west-1."),
]
_SLUG = r"[a-z][a-z0-9-]{0,30}[a-z0-9]"
Slug = Annotated[
    str,
    _matches(_SLUG, "2-32 lowercase letters, digits or hyphens, starting with a letter"),
    _pattern(_SLUG, "2-32 lowercase letters, digits or hyphens, starting with a letter."),
]
_ACCOUNT_NAME = r"[a-z][a-z0-9-]{0,48}[a-z0-9]"
AccountName = Annotated[
    str,
    _matches(_ACCOUNT_NAME, "2-50 lowercase letters, digits or hyphens, starting with a letter"),
    _pattern(_ACCOUNT_NAME, "An account name: 2-50 lowercase letters, digits or hyphens."),
]
_OU_PATH = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}(/[A-Za-z0-9][A-Za-z0-9_-]{0,63})*"
OuPath = Annotated[
    str,
    _matches(
        _OU_PATH,
        "an OU path such as Workloads/Prod: names of letters, digits, '-' or '_' joined by '/'",
    ),
    _pattern(_OU_PATH, f"An OU path such as Workloads/Prod, or '{ROOT}' for the root."),
]
_EMAIL = r"(?=.{6,64}$)[^\s@]+@[^\s@]+\.[^\s@]+"
Email = Annotated[
    str,
    _matches(_EMAIL, "an email address of 6-64 characters"),
    _pattern(_EMAIL, "The account owner's email address (6-64 characters), unique per account."),
]
_GUARDRAIL = r"[a-z0-9]+(-[a-z0-9]+)*"
GuardrailName = Annotated[
    str,
    _matches(_GUARDRAIL, "a guardrail name in kebab-case"),
    _pattern(_GUARDRAIL, "The name of a guardrail from the landing zone's catalog."),
]


class Strict(BaseModel):
    """Base for every config model: immutable, unknown keys are errors."""

    # strict: a boolean field takes only true or false and a number field only a number (no
    # "yes", 1 or "10" coerced), so what the file says is what the landing zone does.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        # pydantic's own extra-key error does not say which keys are allowed; this one does.
        if isinstance(data, dict):
            allowed = {field.alias or name for name, field in cls.model_fields.items()}
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key '{key}'; allowed keys: {allowed}",
                        {"key": key, "allowed": ", ".join(sorted(allowed))},
                    )
        return data


class OrganizationSettings(Strict):
    name: Slug = Field(
        description="Short name of the organization, used as a prefix in resource names."
    )
    id: Annotated[
        str,
        _matches(
            ORGANIZATION_ID.pattern, "an organization id: 'o-' and 10-32 lowercase letters/digits"
        ),
    ] = Field(description="The AWS Organizations id (o-...), used by the data perimeter policies.")
    root_id: Annotated[
        str, _matches(r"r-[0-9a-z]{4,32}", "a root id: 'r-' and 4-32 lowercase letters/digits")
    ] = Field(description="The id of the organization root (r-...), parent of top-level OUs.")
    home_region: Region = Field(description="Region of the core stacks.")
    governed_regions: list[Region] = Field(
        min_length=1,
        description=(
            "Regions where workloads may run; every other region is denied by the "
            "deny-unapproved-regions guardrail. Must include home_region."
        ),
    )
    account_stacks: int = Field(
        default=1,
        ge=1,
        le=MAX_ACCOUNT_STACKS,
        description=(
            "How many stacks hold the accounts the landing zone creates. An account's stack is "
            "a stable hash of its name, so adding accounts never moves others; changing this "
            "number does move accounts and needs `cdk import` (see README). Raise it before "
            f"any stack would hold more than {MAX_ACCOUNTS_PER_STACK} accounts."
        ),
    )


class OrganizationalUnit(Strict):
    id: (
        Annotated[
            str, _matches(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}", "an OU id such as ou-ab12-cd34ef56")
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "Id of an OU that already exists (for example created by Control Tower). "
            "With an id the OU is adopted: referenced, never created or deleted. "
            "Default: the OU is created by the organization stack."
        ),
    )
    description: str | None = Field(default=None, max_length=256)
    environment: Literal["production", "non-production"] | None = Field(
        default=None,
        description=(
            "Whether the OU's accounts are production. Child OUs inherit it. Developer and "
            "data scientist permission sets may only be assigned to non-production accounts."
        ),
    )


class Account(Strict):
    email: Email
    ou: OuPath = Field(description=f"Path of the OU the account belongs to, or '{ROOT}'.")
    id: AccountId | None = Field(
        default=None,
        description=(
            "The account's id. Required for accounts that host core stacks. For an account "
            "the landing zone creates, fill it in after the first deployment of the "
            "organization stack (it is printed as a stack output)."
        ),
    )
    existing: bool = Field(
        default=False,
        description=(
            "true: the account already exists in the organization and is adopted (referenced "
            "by id, never created, moved or closed). Requires id. Default false: the "
            "organization stack creates the account in its OU."
        ),
    )
    description: str | None = Field(default=None, max_length=256)


class CoreAccounts(Strict):
    """Which accounts play the landing zone's fixed roles (names from ``accounts``)."""

    management: AccountName
    log_archive: AccountName
    security_tooling: AccountName
    network: AccountName
    shared_services: AccountName


class GuardrailParametersConfig(Strict):
    landing_zone_role_prefix: Annotated[
        str, _matches(r"[A-Za-z0-9+=,.@_-]{2,32}", "2-32 characters valid in an IAM role name")
    ] = Field(
        default="lz-",
        description=(
            "Name prefix of the IAM roles the landing zone deploys; guardrails protect these "
            "roles and exempt them where the landing zone itself must act."
        ),
    )
    break_glass_role_names: list[
        Annotated[str, _matches(r"[A-Za-z0-9+=,.@_-]{1,64}", "an IAM role name (1-64 characters)")]
    ] = Field(
        default_factory=lambda: ["lz-break-glass"],
        min_length=1,
        description="Roles allowed to create IAM users and access keys in an emergency.",
    )
    deployment_role_names: list[
        Annotated[
            str,
            _matches(
                r"[A-Za-z0-9+=,.@_-][A-Za-z0-9+=,.@_*-]{0,63}",
                "an IAM role name; '*' wildcards allowed except first",
            ),
        ]
    ] = Field(
        default_factory=lambda: [
            "stacksets-exec-*",
            "AWSCloudFormationStackSetExecutionRole",
            f"cdk-{CDK_QUALIFIER}-cfn-exec-role-*",
            f"cdk-{CDK_QUALIFIER}-deploy-role-*",
        ],
        description=(
            "Roles that deploy landing-zone resources into member accounts and so cross the "
            "guardrails the landing zone itself must cross: StackSets execution roles and the "
            f"deployment and CloudFormation execution roles of the landing zone's own CDK "
            f"qualifier ({CDK_QUALIFIER!r}; the deployment role passes the execution role), never "
            "the default qualifier's roles that workload teams share."
        ),
    )
    approved_bedrock_models: list[
        Annotated[
            str,
            _matches(
                BEDROCK_MODEL_ID.pattern,
                "a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0",
            ),
            AfterValidator(_model_provider),
        ]
    ] = Field(
        default_factory=list,
        description=(
            "Foundation models the deny-unapproved-bedrock-models guardrail lets accounts "
            "invoke (directly or through cross-Region inference profiles). Default: none."
        ),
    )
    guardrail_exempt_bedrock_models: list[
        Annotated[
            str,
            _matches(
                BEDROCK_MODEL_ID.pattern,
                "a Bedrock model id such as amazon.titan-embed-text-v2:0",
            ),
            AfterValidator(_model_provider),
        ]
    ] = Field(
        default_factory=list,
        description=(
            "Models deny-bedrock-without-guardrail lets through without a guardrail: "
            "embedding models only (they return vectors; guardrails do not apply). Each must "
            "also be approved. Default: none."
        ),
    )
    trusted_account_ids: list[AccountId] = Field(
        default_factory=list,
        description=(
            "Accounts outside the organization allowed through the data perimeter (RCPs): "
            "vendors that assume roles in our accounts. Default: none."
        ),
    )


class TagPolicyConfig(Strict):
    enabled: bool = True
    data_classification_values: list[
        Annotated[str, _matches(r"[a-z0-9-]{1,64}", "1-64 lowercase letters, digits or hyphens")]
    ] = Field(
        default_factory=lambda: ["public", "internal", "confidential", "restricted", "pci"],
        min_length=1,
        description="Allowed values of the data-classification tag.",
    )
    targets: list[OuPath] = Field(default_factory=lambda: [ROOT])


class AiOptOutConfig(Strict):
    enabled: bool = Field(
        default=True,
        description="Opt every account out of AWS AI services using its content.",
    )
    targets: list[OuPath] = Field(default_factory=lambda: [ROOT])


class GuardrailsConfig(Strict):
    parameters: GuardrailParametersConfig = Field(default_factory=GuardrailParametersConfig)
    service_control_policies: dict[str, list[GuardrailName]] = Field(
        default_factory=dict,
        description=(
            f"Target ('{ROOT}', an OU path or an account name) -> SCP guardrail names. The "
            "guardrails of a target are packed into at most 4 SCPs (AWS's FullAWSAccess takes "
            "the fifth slot), each at most 5,120 characters."
        ),
    )
    resource_control_policies: dict[str, list[GuardrailName]] = Field(
        default_factory=dict,
        description="Target -> RCP (data perimeter) guardrail names.",
    )
    ai_services_opt_out: AiOptOutConfig = Field(default_factory=AiOptOutConfig)
    tag_policy: TagPolicyConfig = Field(default_factory=TagPolicyConfig)


CLOUDWATCH_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
)  # fmt: skip
"""The retention periods CloudWatch Logs accepts (days)."""

PCI_MINIMUM_RETENTION_DAYS = 365
"""PCI DSS 10.5.1: audit log history is retained for at least twelve months."""

_BUCKET_NAME = (
    r"(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|--x-s3|\.mrap)$)"
    r"(?!.*(\.\.|\.-|-\.))(?![0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
)
"""S3's bucket naming rules: 3-63 characters, no IP address form, no reserved prefix or suffix,
no dots next to dots or hyphens."""
BucketName = Annotated[
    str,
    _matches(
        _BUCKET_NAME,
        "an S3 bucket name: 3-63 lowercase letters, digits, '.' or '-', starting and ending "
        "with a letter or digit, without '..', '.-' or '-.', not an IP address, without the "
        "prefixes xn--, sthree-, amzn-s3-demo- or the suffixes -s3alias, --ol-s3, --x-s3, .mrap",
    ),
    _pattern(_BUCKET_NAME, "An S3 bucket name."),
]
_BUCKET_NAME_PATTERN = r"(?:[a-z0-9.-]|\{account_id\}|\{region\})+"


def _bucket_name_pattern(value: str) -> str:
    try:
        return validate_pattern("bucket", value)
    except ValueError as error:
        raise PydanticCustomError(
            "invalid_format", "{reason}", {"reason": str(error).removeprefix("bucket: ")}
        ) from None


BucketNamePattern = Annotated[
    str,
    AfterValidator(_bucket_name_pattern),
    _pattern(
        _BUCKET_NAME_PATTERN,
        "An S3 bucket name, in which {account_id} and {region} stand for the account's id and "
        "the region.",
    ),
]
"""A bucket name that may contain ``{account_id}`` and ``{region}`` (AI workloads: OU-wide
ones need ``{account_id}``)."""
_LAMBDA_ARN = (
    r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?"
)
LambdaArn = Annotated[
    str,
    _matches(_LAMBDA_ARN, "a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:...)"),
    _pattern(_LAMBDA_ARN, "A Lambda function ARN."),
]
_KMS_KEY_ARN = r"arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]{1,128}"
KmsKeyArn = Annotated[
    str,
    _matches(_KMS_KEY_ARN, "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)"),
    _pattern(_KMS_KEY_ARN, "A KMS key ARN."),
]
Severity = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
SEVERITIES: tuple[Severity, ...] = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
"""Finding severities in increasing order."""


UNION_TAGS = frozenset({"keyword", "list"})
"""Tags of the config's tagged unions: pydantic puts them in error paths, the loader drops them."""


def _keyword_or_list(value: Any) -> str:
    return "list" if isinstance(value, list) else "keyword"


def _scope(item: Any, what: str) -> Any:
    """``'all'``, ``'none'`` or a list of ``item``; errors come only from the form given."""
    return Annotated[
        Annotated[Literal["all", "none"], Tag("keyword")] | Annotated[list[item], Tag("list")],
        Discriminator(_keyword_or_list),
        Field(description=f"'all', 'none', or a list of {what}."),
    ]


class LogBucketConfig(Strict):
    """The central, write-once log bucket in the log-archive account."""

    object_lock_mode: Literal["COMPLIANCE", "GOVERNANCE"] = Field(
        default="COMPLIANCE",
        description=(
            "S3 Object Lock mode of the default retention. COMPLIANCE: nobody, not even the "
            "root user, can delete or overwrite a log version before its retention ends. "
            "GOVERNANCE: principals with s3:BypassGovernanceRetention can. Object Lock itself "
            "cannot be turned off."
        ),
    )
    retention_days: int = Field(
        default=PCI_MINIMUM_RETENTION_DAYS,
        ge=1,
        le=36500,
        description="Object Lock default retention of every log object, in days.",
    )
    minimum_retention_days: int = Field(
        default=PCI_MINIMUM_RETENTION_DAYS,
        ge=PCI_MINIMUM_RETENTION_DAYS,
        le=36500,
        description=(
            "Floor that retention_days may not go below. At least 365 (PCI DSS 10.5.1); raise "
            "it where another regime asks for longer."
        ),
    )
    glacier_instant_retrieval_after_days: int = Field(
        default=90,
        ge=1,
        description=(
            "Days after which log objects move to S3 Glacier Instant Retrieval (still readable "
            "at once: PCI DSS wants the last three months immediately available)."
        ),
    )
    deep_archive_after_days: int | None = Field(
        default=365,
        ge=1,
        description="Days after which log objects move to S3 Glacier Deep Archive; null: never.",
    )
    expire_after_days: int | None = Field(
        default=None,
        ge=1,
        description=(
            "Days after which log objects expire; at least retention_days. Default null: logs "
            "are kept until removed deliberately."
        ),
    )


class TrailConfig(Strict):
    """The organization CloudTrail trail."""

    s3_data_events: _scope(BucketName, "bucket names") = Field(  # type: ignore[valid-type]
        default="all",
        description=(
            "S3 object-level events to log: 'all' buckets (except the log bucket itself), "
            "'none', or a list of bucket names."
        ),
    )
    lambda_data_events: _scope(LambdaArn, "function ARNs") = Field(  # type: ignore[valid-type]
        default="all",
        description="Lambda invocations to log: 'all', 'none', or a list of function ARNs.",
    )
    cloudwatch_logs_retention_days: Literal[CLOUDWATCH_RETENTION_DAYS] = Field(  # type: ignore[valid-type]
        default=365,
        description="Retention of the trail's CloudWatch Logs copy, in days.",
    )


class LoggingConfig(Strict):
    log_bucket: LogBucketConfig = Field(default_factory=LogBucketConfig)
    trail: TrailConfig = Field(default_factory=TrailConfig)


class Subscription(Strict):
    protocol: Literal["email", "https"]
    endpoint: Annotated[str, StringConstraints(min_length=3, max_length=2048)] = Field(
        description="An email address (protocol email) or an https:// URL (protocol https)."
    )


class AlertingConfig(Strict):
    minimum_severity: Severity = Field(
        default="MEDIUM",
        description="GuardDuty and Security Hub findings at or above this go to the alert topic.",
    )
    paging_severity: Severity = Field(
        default="HIGH",
        description="Findings at or above this also go to the paging topic.",
    )
    alert_subscriptions: list[Subscription] = Field(default_factory=list)
    paging_subscriptions: list[Subscription] = Field(default_factory=list)


class MalwareProtectedBucket(Strict):
    account: AccountName = Field(description="Name of the account that owns the bucket.")
    bucket: BucketName
    region: Region | None = Field(
        default=None, description="Region of the bucket. Default: the home region."
    )
    kms_key_arn: KmsKeyArn | None = Field(
        default=None, description="Key of the bucket's SSE-KMS encryption, if any."
    )


class GuardDutyConfig(Strict):
    finding_publishing_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = Field(
        default="FIFTEEN_MINUTES",
        description="How often updates of existing findings are published (new ones: at once).",
    )
    malware_protection_buckets: list[MalwareProtectedBucket] = Field(
        default_factory=list,
        description=(
            "Buckets whose new objects GuardDuty scans for malware (for example uploads from "
            "customers). Each needs the account's CDK bootstrap with the landing zone qualifier."
        ),
    )


_CONFIG_RULE_NAME = r"[A-Za-z0-9][A-Za-z0-9-]{0,63}"
_FREQUENCY = Literal["One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours"]


class ConfigRuleConfig(Strict):
    identifier: Annotated[
        str, _matches(r"[A-Z0-9_]{3,256}", "an AWS Config managed rule identifier in UPPER_CASE")
    ] = Field(description="AWS Config managed rule identifier, such as ACCESS_KEYS_ROTATED.")
    input_parameters: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=256)],
        Annotated[str, StringConstraints(max_length=1024)],
    ] = Field(default_factory=dict)
    resource_types: list[
        Annotated[
            str, _matches(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+", "a type such as AWS::S3::Bucket")
        ]
    ] = Field(default_factory=list, description="Resource types evaluated. Default: the rule's.")
    maximum_execution_frequency: _FREQUENCY | None = None


class AwsConfigSettings(Strict):
    rules: dict[
        Annotated[
            str,
            _matches(_CONFIG_RULE_NAME, "1-64 letters, digits or hyphens, starting alphanumeric"),
        ],
        ConfigRuleConfig,
    ] = Field(
        default_factory=dict,
        description=(
            "Organization Config rules deployed beside the PCI DSS conformance pack: "
            "rule name -> managed rule."
        ),
    )


class AccessAnalyzerConfig(Strict):
    unused_access_age_days: int = Field(
        default=90,
        ge=1,
        le=365,
        description="Roles, keys and permissions unused this long are reported.",
    )


class DetectionConfig(Strict):
    """Organization-wide security services, administered from the security-tooling account."""

    alerting: AlertingConfig = Field(default_factory=AlertingConfig)
    guardduty: GuardDutyConfig = Field(default_factory=GuardDutyConfig)
    aws_config: AwsConfigSettings = Field(default_factory=AwsConfigSettings)
    access_analyzer: AccessAnalyzerConfig = Field(default_factory=AccessAnalyzerConfig)


ScannableResourceType = Literal["EBS", "EC2", "S3"]


class MalwareScanConfig(Strict):
    mode: Literal["FULL_SCAN", "INCREMENTAL_SCAN"] = Field(
        default="INCREMENTAL_SCAN",
        description=(
            "INCREMENTAL_SCAN reads only what changed since the last scanned recovery point of "
            "the same resource; FULL_SCAN reads every recovery point whole."
        ),
    )
    resource_types: list[ScannableResourceType] = Field(
        default_factory=lambda: list(get_args(ScannableResourceType)),
        min_length=1,
        description="AWS Backup resource types whose recovery points GuardDuty scans.",
    )


class BackupConfig(Strict):
    """The backup vault and plan of every baseline account and region."""

    enabled: bool = Field(
        default=True,
        description=(
            "Deploy a KMS-encrypted, locked backup vault and a tag-selected daily plan to every "
            "account and region of the baseline."
        ),
    )
    plan_name: Annotated[
        str,
        _matches(PLAN_NAME.pattern, "1-50 letters, digits, '_', '.' or '-'"),
        _pattern(PLAN_NAME.pattern, "Name of the backup plan."),
    ] = "landing-zone-daily"
    schedule: Annotated[
        str,
        _matches(
            SCHEDULE_EXPRESSION.pattern,
            "an AWS Backup cron() expression with six fields, such as 'cron(0 3 * * ? *)', "
            "or a rate() expression",
        ),
        _pattern(SCHEDULE_EXPRESSION.pattern, "When the plan runs (UTC)."),
    ] = "cron(0 3 * * ? *)"
    retention_days: int = Field(
        default=35,
        ge=1,
        le=36500,
        description="How long recovery points are kept; also the vault lock's minimum retention.",
    )
    selection_tag_key: Annotated[
        str,
        _matches(TAG_KEY.pattern, "a tag key of 1-128 characters, not starting with 'aws:'"),
        _pattern(TAG_KEY.pattern, "Tag key that opts a resource into the plan."),
    ] = "backup-plan"
    selection_tag_value: Annotated[
        str,
        _matches(TAG_VALUE.pattern, "a tag value of up to 256 characters"),
        _pattern(TAG_VALUE.pattern, "Tag value that opts a resource into the plan."),
    ] = "daily"
    malware_scan: MalwareScanConfig | None = Field(
        default_factory=MalwareScanConfig,
        description=(
            "GuardDuty malware scans of each new recovery point; null turns scanning off."
        ),
    )


class BaselinesConfig(Strict):
    organizational_units: list[OuPath] = Field(
        min_length=1,
        description=(
            "OUs whose accounts (including accounts added later and accounts of child OUs) "
            "receive the account baseline StackSet."
        ),
    )
    regions: list[Region] | None = Field(
        default=None,
        description="Regions of the baseline stack instances. Default: the governed regions.",
    )
    backup: BackupConfig = Field(default_factory=BackupConfig)


JobFunction = Literal[
    "developer",
    "security_auditor",
    "platform_admin",
    "incident_responder",
    "break_glass",
    "data_scientist",
    "ml_engineer",
]
AI_JOB_FUNCTIONS: tuple[JobFunction, ...] = ("data_scientist", "ml_engineer")
NON_PRODUCTION_JOB_FUNCTIONS: tuple[JobFunction, ...] = ("developer", "data_scientist")
"""Job functions that may only be assigned to accounts of non-production OUs."""

_PERMISSION_SET_NAME = PERMISSION_SET_NAME.pattern
PermissionSetName = Annotated[
    str,
    _matches(_PERMISSION_SET_NAME, "1-32 letters, digits or '+=,.@_-'"),
    _pattern(_PERMISSION_SET_NAME, "Name of an IAM Identity Center permission set."),
]
_GROUP_ID = r"([0-9a-f]{10}-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_INSTANCE_ARN = r"arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}"
_MODEL_ID = BEDROCK_MODEL_ID.pattern
_GROUP_NAME = r"[a-z][a-z0-9-]{0,63}"


MAX_ASSIGNMENT_STACKS = 100
"""Assignment stacks at most: 5,000 accounts with a few job functions each make about 18,500
assignments, which 100 stacks hold at under 250 each."""


class IdentityCenterConfig(Strict):
    instance_arn: Annotated[
        str,
        _matches(
            _INSTANCE_ARN, "an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)"
        ),
        _pattern(_INSTANCE_ARN, "ARN of the organization's IAM Identity Center instance."),
    ]
    account: AccountName | None = Field(
        default=None,
        description=(
            "Account that administers Identity Center: the management account (default) or "
            "its delegated administrator."
        ),
    )
    region: Region | None = Field(
        default=None, description="Region of the Identity Center instance. Default: home region."
    )


class PermissionSetConfig(Strict):
    job_function: JobFunction = Field(description="The reference job function it grants.")
    session_duration_hours: int = Field(
        default=1, ge=1, le=12, description="Session length; Identity Center allows 1-12 hours."
    )
    description: str | None = Field(default=None, max_length=700)
    training_data_buckets: list[BucketNamePattern] = Field(
        default_factory=list,
        description=(
            "AI job functions: the training-data buckets they may read. A name of an AI "
            "workload with {account_id} (and {region}) reaches that bucket of the account (and "
            "region) of each session."
        ),
    )
    artifact_buckets: list[BucketNamePattern] = Field(
        default_factory=list,
        description=(
            "AI job functions: the model-artifact buckets they may use ({account_id} as for "
            "training data)."
        ),
    )
    models: list[
        Annotated[
            str,
            _matches(
                _MODEL_ID, "a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0"
            ),
            AfterValidator(_model_provider),
        ]
    ] = Field(default_factory=list, description="AI job functions: Bedrock models they may invoke.")
    execution_role_names: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = (
        Field(
            default_factory=list,
            description="ml_engineer: roles SageMaker models may run as (iam:PassRole), by name.",
        )
    )


class AssignmentConfig(Strict):
    group: Annotated[str, _matches(_GROUP_NAME, "a group name from identity.groups")]
    permission_set: PermissionSetName
    targets: list[Annotated[str, StringConstraints(min_length=1, max_length=256)]] = Field(
        min_length=1,
        description=(
            f"Account names and OU paths ('{ROOT}' for every account); an OU stands for every "
            "account in it and in its child OUs, expanded at synth."
        ),
    )


class PipelineConfig(Strict):
    account: AccountName | None = Field(
        default=None,
        description="Account of the deploy role. Default: the shared-services account.",
    )
    repository: str = Field(description="GitHub repository OWNER/NAME, without wildcards.")
    branches: list[str] = Field(default_factory=list, description="Branches that may deploy.")
    environments: list[str] = Field(
        default_factory=list, description="GitHub deployment environments that may deploy."
    )
    deploy_to: list[AccountName] = Field(
        min_length=1,
        description=(
            "Accounts whose CDK bootstrap roles the pipeline may assume, never the management "
            "account: production accounts trust the pipeline's role by exact ARN "
            "(scripts/bootstrap_templates.py), the others its account (cdk bootstrap --trust)."
        ),
    )
    cdk_qualifier: str = Field(
        default="hnb659fds", description="CDK bootstrap qualifier of the target accounts."
    )
    max_session_duration_hours: int = Field(default=1, ge=1, le=12)


class PasswordPolicyConfig(Strict):
    minimum_length: int = Field(default=14, description="12-128 (PCI DSS 8.3.6 floor: 12).")
    max_age_days: int = Field(default=90, description="1-90 (PCI DSS 8.3.9).")
    reuse_prevention: int = Field(default=24, description="4-24 (PCI DSS 8.3.7 floor: 4).")
    require_symbols: bool = True
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True


class DeployerConfig(Strict):
    """The one principal the landing zone's CDK bootstrap roles (cdk-lzone-*) trust: a role of
    the management account that only the landing zone's own pipeline assumes, through GitHub's
    OIDC token for a protected deployment environment."""

    repository: str = Field(description="The landing zone's GitHub repository OWNER/NAME.")
    environments: list[str] = Field(
        min_length=1,
        description=(
            "GitHub deployment environments (with required reviewers) whose jobs may deploy; "
            "branches are not accepted."
        ),
    )
    role_name: str | None = Field(
        default=None,
        description="Name of the deployer role. Default: <landing_zone_role_prefix>deployer.",
    )
    create_oidc_provider: bool = Field(
        default=True,
        description=(
            "Create GitHub's OIDC provider in the management account with the deployer; false "
            "when the account already has one for token.actions.githubusercontent.com."
        ),
    )
    max_session_duration_hours: int = Field(default=1, ge=1, le=12)


class IdentityConfig(Strict):
    """IAM Identity Center permission sets and assignments, CI/CD roles, IAM user hygiene."""

    identity_center: IdentityCenterConfig
    groups: dict[
        Annotated[str, _matches(_GROUP_NAME, "lowercase letters, digits and '-'")],
        Annotated[str, _matches(_GROUP_ID, "an Identity Store group id (a UUID)")],
    ] = Field(
        default_factory=dict,
        description="Group name -> Identity Store group id (GroupId, shown in Identity Center).",
    )
    break_glass_group: str | None = Field(
        default=None,
        description="The only group that may be assigned a break_glass permission set.",
    )
    permission_sets: dict[PermissionSetName, PermissionSetConfig] = Field(default_factory=dict)
    assignments: list[AssignmentConfig] = Field(default_factory=list)
    assignment_stacks: int = Field(
        default=1,
        ge=1,
        le=MAX_ASSIGNMENT_STACKS,
        description=(
            "How many stacks hold the account assignments; an assignment's stack is a stable "
            f"hash, at most {MAX_ACCOUNTS_PER_STACK} per stack. Changing it moves assignments."
        ),
    )
    assignment_lanes: int = Field(
        default=1,
        ge=1,
        le=8,
        description=(
            "How many assignments each stack creates at a time. Default 1: one after the "
            "other, as Identity Center rejects bursts of writes; it accepts up to 10 "
            "assignment calls in flight, so up to 8 lanes speed up large organizations."
        ),
    )
    require_mfa_for_sensitive_actions: bool = Field(
        default=True,
        description=(
            "Permission sets deny irreversible and security-weakening actions in sessions "
            "without MFA (aws:MultiFactorAuthPresent); see the README before turning it off."
        ),
    )
    pipelines: dict[
        Annotated[str, _matches(_GROUP_NAME, "lowercase letters, digits and '-'")],
        PipelineConfig,
    ] = Field(default_factory=dict, description="Pipeline name -> OIDC-only deploy role.")
    deployer: DeployerConfig | None = Field(
        default=None,
        description=(
            "The landing zone's own deployer, the only principal its bootstrap roles trust "
            "(scripts/bootstrap_templates.py writes the deployer and bootstrap templates)."
        ),
    )
    password_policy: PasswordPolicyConfig = Field(default_factory=PasswordPolicyConfig)
    max_access_key_age_days: int = Field(
        default=DEFAULT_MAX_ACCESS_KEY_AGE_DAYS,
        ge=1,
        le=90,
        description="AWS Config flags access keys older than this (90 is the PCI DSS ceiling).",
    )


KeyService = Literal[SERVICES]  # type: ignore[valid-type]
_DATA_CLASS = DATA_CLASS_NAME.pattern
DataClassName = Annotated[
    str,
    _matches(
        _DATA_CLASS,
        "2-31 lowercase letters, digits and single hyphens, each part starting with a letter",
    ),
    _pattern(_DATA_CLASS, "A data class such as 'data' or 'ai-artifacts'."),
]


class DataClassConfig(Strict):
    """One customer managed key per data class, in every account and region with a network."""

    services: list[KeyService] = Field(
        min_length=1,
        description=(
            "Services that may use the key in its account and region: 'logs' for CloudWatch "
            "Logs, the others through kms:ViaService ('ec2' covers EBS)."
        ),
    )
    rotation_days: int = Field(
        default=ROTATION_DAYS[1],
        ge=ROTATION_DAYS[0],
        le=ROTATION_DAYS[1],
        description="Days between automatic rotations of the key material (at most a year).",
    )
    pending_window_days: int = Field(
        default=PENDING_WINDOW_DAYS[1],
        ge=PENDING_WINDOW_DAYS[0],
        le=PENDING_WINDOW_DAYS[1],
        description="Waiting period before KMS deletes a key scheduled for deletion.",
    )
    multi_region: bool = Field(
        default=False,
        description=(
            "A multi-Region primary key, which replica keys in other regions can share for "
            "disaster recovery. Cannot be changed once the key exists."
        ),
    )


def _default_data_classes() -> dict[str, DataClassConfig]:
    return {
        name: DataClassConfig(services=list(settings.services))
        for name, settings in DEFAULT_DATA_CLASSES.items()
    }


class KeysConfig(Strict):
    classes: dict[DataClassName, DataClassConfig] = Field(
        default_factory=_default_data_classes,
        min_length=1,
        description=(
            "Data class -> its key (alias alias/<organization>/<data class>). Default: logs, "
            "data, secrets and ai-artifacts. The first class whose services name 'logs' "
            "encrypts the VPC flow log groups."
        ),
    )
    replica_regions: list[Region] = Field(
        default_factory=list,
        description=(
            "Regions that get a replica (same alias and policy) of each multi_region key of "
            "every account with keys in the home region, for disaster recovery. The account "
            "must have no VPC, web ACL or certificate of its own there. Default: none."
        ),
    )


InterfaceEndpoint = Annotated[
    str,
    _matches(
        r"[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*",
        "an endpoint service suffix such as 'kms' or 'ecr.api'",
    ),
    AfterValidator(_endpoint_service),
]
_IPV4_CIDR = r"[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}"
Ipv4Cidr = Annotated[
    str,
    _matches(_IPV4_CIDR, "an IPv4 range in CIDR notation such as '10.0.0.0/16'"),
    _pattern(_IPV4_CIDR, "An IPv4 range in CIDR notation."),
]
_AZ_LETTERS = "abcdef"


class VpcConfig(Strict):
    """A VPC of three tiers (public load balancers, application, data) in one account."""

    account: AccountName | None = Field(
        default=None,
        description=(
            "Account of the VPC (with cidr). The network account's VPCs are deployed by the "
            "network stack; any other account's by a StackSet of the landing zone (no bootstrap "
            "needed), in a template of its own. Exactly one of account and organizational_units."
        ),
    )
    organizational_units: list[OuPath] | None = Field(
        default=None,
        min_length=1,
        description=(
            "OU-wide: every account of these OUs and of their child OUs gets the VPC (with "
            "netmask), from one StackSet template shared by the accounts of the same layers. "
            "The OUs must resolve to one environment (organizational_units.<ou>.environment), "
            "whose network.ipam pool of the region hands out the ranges. Exactly one of account "
            "and organizational_units."
        ),
    )
    region: Region | None = Field(default=None, description="Default: the home region.")
    cidr: Ipv4Cidr | None = Field(
        default=None,
        description=(
            "The range of an account VPC, /16 to /23; no two VPCs of the organization may "
            "overlap. Required with account, not allowed with organizational_units."
        ),
    )
    netmask: Annotated[int, Field(ge=MIN_VPC_PREFIX, le=MAX_SUBNET_PREFIX)] | None = Field(
        default=None,
        description=(
            "Prefix length of each account's range, allocated from the network.ipam pool of "
            "the region and the accounts' environment. Required with organizational_units, not "
            "allowed with account."
        ),
    )
    availability_zones: (
        list[
            Annotated[
                str,
                _matches(
                    r"[a-z]{2}(-[a-z]+)+-[0-9][a-z]", "an availability zone name such as eu-west-1a"
                ),
            ]
        ]
        | None
    ) = Field(
        default=None,
        description=("2-6 zone names of the VPC's region. Default: the region's zones a, b and c."),
    )
    application_egress: bool = Field(
        default=False,
        description=(
            "Give the application tier a NAT gateway per zone. Default: isolated, AWS services "
            "are reached through the endpoints only."
        ),
    )
    data_ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=lambda: list(DEFAULT_DATA_PORTS),
        min_length=1,
        description="TCP ports the data tier accepts from the application tier.",
    )
    explicit_denies: list[Ipv4Cidr] = Field(
        default_factory=list,
        description="IPv4 ranges the data tier's network ACL denies before any allow.",
    )
    interface_endpoints: list[InterfaceEndpoint] = Field(
        default_factory=lambda: list(DEFAULT_INTERFACE_ENDPOINTS),
        description="Services reached through interface endpoints (com.amazonaws.<region>.<x>).",
    )
    flow_log_retention_days: Literal[CLOUDWATCH_RETENTION_DAYS] = Field(  # type: ignore[valid-type]
        default=365,
        description="Retention of the flow log group (the log archive keeps its own copy).",
    )

    def zones(self, region: str) -> list[str]:
        """The VPC's availability zones in ``region``."""
        return self.availability_zones or [f"{region}{letter}" for letter in _AZ_LETTERS[:3]]


IpamEnvironment = Literal["production", "non-production"]


class IpamConfig(Strict):
    """The organization's VPC IP address manager, administered by the network account: one
    pool per governed region and environment, from which OU-wide VPCs get their ranges."""

    pools: dict[Region, dict[IpamEnvironment, Ipv4Cidr]] = Field(
        min_length=1,
        description=(
            "Region -> environment (production, non-production) -> the pool's range, e.g. "
            "{eu-west-1: {production: 10.64.0.0/12}}. Pools may not overlap each other or an "
            "account VPC's cidr, and must hold a VPC of its netmask for every account the "
            "config gives an OU-wide VPC in that region and environment."
        ),
    )


class NetworkConfig(Strict):
    vpcs: dict[Slug, VpcConfig] = Field(
        default_factory=dict, description="VPC name -> VPC. Default: none."
    )
    ipam: IpamConfig | None = Field(
        default=None,
        description=(
            "VPC IPAM pools for VPCs with netmask (required then). Default: none, every VPC "
            "names its cidr."
        ),
    )


class CustomRuleConfig(Strict):
    """A web ACL rule from config: match requests by country or URI path, optionally only above
    a rate, and block or count them."""

    name: Annotated[str, _matches(r"[0-9A-Za-z_-]{1,128}", "1-128 letters, digits, '_' or '-'")]
    priority: int = Field(ge=100, le=10000, description="Unique; 100 and above.")
    action: Literal["block", "count"] = "block"
    country_codes: list[
        Annotated[
            str,
            _matches(r"[A-Z]{2}", "a two-letter ISO 3166 country code"),
            AfterValidator(_country_code),
        ]
    ] = Field(default_factory=list, description="Match requests from these countries.")
    uri_path_starts_with: (
        Annotated[str, _matches(r"/[^\s]{0,199}", "a URI path starting with '/'")] | None
    ) = Field(default=None, description="Match requests whose path starts with this.")
    rate_limit: int | None = Field(
        default=None,
        ge=10,
        le=2_000_000_000,
        description="Only an IP above this many matching requests in 5 minutes.",
    )


class WebAclConfig(Strict):
    account: AccountName
    region: Region | None = Field(
        default=None, description="Default: the home region; CLOUDFRONT needs us-east-1."
    )
    scope: Literal["REGIONAL", "CLOUDFRONT"] = "REGIONAL"
    rate_limit: int = Field(
        default=2000,
        ge=10,
        le=2_000_000_000,
        description="Requests one IP may send in 5 minutes before it is blocked.",
    )
    custom_rules: list[CustomRuleConfig] = Field(default_factory=list)


_DOMAIN = r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
DomainName = Annotated[
    str,
    _matches(_DOMAIN, "a lowercase domain name such as api.example.com (or *.example.com)"),
    _pattern(_DOMAIN, "A domain name."),
]


class HostedZoneConfig(Strict):
    id: Annotated[str, _matches(r"Z[A-Z0-9]{1,31}", "a Route 53 hosted zone id (Z...)")]
    name: DomainName


class CertificateConfig(Strict):
    """An ACM certificate validated through DNS."""

    account: AccountName
    region: Region | None = Field(default=None, description="Default: the home region.")
    domain_name: DomainName
    subject_alternative_names: list[DomainName] = Field(default_factory=list)
    hosted_zone: HostedZoneConfig | None = Field(
        default=None,
        description=(
            "Public Route 53 zone, in the certificate's account, that holds the names: ACM's "
            "validation records are created in it. Required outside the network account; "
            "in the network account, null means you add the records ACM shows yourself "
            "(the stack waits up to 72 hours)."
        ),
    )


class EdgeConfig(Strict):
    web_acls: dict[
        Annotated[str, _matches(r"[0-9A-Za-z_-]{1,100}", "1-100 letters, digits, '_' or '-'")],
        WebAclConfig,
    ] = Field(default_factory=dict, description="Web ACL name -> web ACL. Default: none.")
    certificates: dict[Slug, CertificateConfig] = Field(
        default_factory=dict, description="Certificate name -> ACM certificate. Default: none."
    )


_GUARDRAIL_TEXT = r"[0-9a-zA-Z-_ !?.]{1,100}"


class DeniedTopicConfig(Strict):
    """A subject the guardrail's models must neither discuss nor be asked about."""

    name: Annotated[str, _matches(_GUARDRAIL_TEXT, "1-100 letters, digits, spaces or -_!?.")]
    definition: str = Field(min_length=1, max_length=200, description="What the topic covers.")
    examples: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=5, description="Up to 5 example prompts."
    )


class GuardrailRegexConfig(Strict):
    """A sensitive-information pattern of your own (IBAN formats, internal account ids)."""

    name: Annotated[str, _matches(_GUARDRAIL_TEXT, "1-100 letters, digits, spaces or -_!?.")]
    pattern: str = Field(min_length=1, max_length=500, description="A regular expression.")
    action: Literal["BLOCK", "ANONYMIZE"] = "BLOCK"
    description: str | None = Field(default=None, max_length=1000)


class GuardrailConfig(Strict):
    """The Bedrock guardrail every AI workload account gets: the finance defaults unless
    overridden here."""

    name: Annotated[str, _matches(r"[0-9a-zA-Z_-]{1,50}", "1-50 letters, digits, '_' or '-'")] = (
        "landing-zone"
    )
    blocked_input_message: str | None = Field(
        default=None, max_length=500, description="What callers get instead of a blocked prompt."
    )
    blocked_output_message: str | None = Field(
        default=None, max_length=500, description="What callers get instead of a blocked answer."
    )
    content_strength: Literal["LOW", "MEDIUM", "HIGH"] = Field(
        default="HIGH", description="Hate, insults, sexual, violence and misconduct filters."
    )
    prompt_attack_strength: Literal["LOW", "MEDIUM", "HIGH"] = "HIGH"
    denied_topics: list[DeniedTopicConfig] | None = Field(
        default=None,
        max_length=30,
        description=(
            "Default (null): personalized investment advice and evading KYC/AML checks. "
            "A list replaces them."
        ),
    )
    pii_entities: dict[str, Literal["BLOCK", "ANONYMIZE"]] | None = Field(
        default=None,
        description=(
            "Bedrock PII type -> BLOCK or ANONYMIZE. Default (null): card data, bank account, "
            "routing and IBAN numbers, SSNs and credentials blocked; email, phone and SWIFT "
            "masked. Card number, CVV and expiry must stay BLOCK."
        ),
    )
    regexes: list[GuardrailRegexConfig] = Field(default_factory=list, max_length=10)
    profanity: bool = Field(default=True, description="AWS's managed profanity word list.")
    blocked_words: list[Annotated[str, StringConstraints(min_length=1, max_length=100)]] = Field(
        default_factory=list, description="Words or phrases to block."
    )
    grounding_threshold: float = Field(default=0.75, ge=0, le=0.99)
    relevance_threshold: float = Field(default=0.75, ge=0, le=0.99)
    automated_reasoning_policies: list[str] = Field(
        default_factory=list,
        description="ARNs of Automated Reasoning policy versions that validate responses.",
    )
    enforce_in_account: bool = Field(
        default=True,
        description=(
            "Also apply the guardrail to every Bedrock inference call of the account "
            "(AWS::Bedrock::EnforcedGuardrailConfiguration), whatever the caller names."
        ),
    )


class AiAlarmsConfig(Strict):
    intervention_rate_percent: int = Field(
        default=10, ge=1, le=100, description="Alarm when the guardrail intervenes this often."
    )
    minimum_invocations: int = Field(
        default=20, ge=1, description="Requests per 5 minutes before the rate counts."
    )
    invocations_per_principal: int = Field(
        default=500, ge=1, description="Alarm when one principal invokes more in 5 minutes."
    )


class AgentIdentityConfig(Strict):
    """Who AI agents are (a Cognito app client each, client credentials) and which tools they
    may call on whose data (Verified Permissions, Cedar)."""

    domain_prefix: Annotated[
        str,
        _matches(
            r"(?!.*(aws|amazon|cognito))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
            "1-63 lowercase letters, digits or hyphens, without aws, amazon or cognito",
        ),
    ] = Field(description="Cognito domain prefix of the token endpoint; unique in the region.")
    tools: list[Slug] = Field(min_length=1, description="The tools agents may be allowed.")
    agents: dict[Slug, list[Slug]] = Field(
        min_length=1, description="Agent name -> the tools it may call."
    )


class InferenceRoleConfig(Strict):
    """A role an application of the AI account runs as to invoke models: only through the
    approved guardrail version, explicitly denied otherwise."""

    assumed_by: Literal["lambda", "ecs-tasks", "sagemaker"] = Field(
        description="The AWS service that runs the application and assumes the role."
    )
    models: list[
        Annotated[
            str,
            _matches(
                _MODEL_ID, "a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0"
            ),
            AfterValidator(_model_provider),
        ]
    ] = Field(min_length=1, description="Approved text models it may invoke.")


class AiWorkloadConfig(Strict):
    """An AI account and region: its guardrail, invocation logging, alarms, training data and
    agents."""

    account: AccountName | None = Field(
        default=None,
        description=(
            "An account of an AI OU, which gets the workload in a template of its own. Exactly "
            "one of account and organizational_units."
        ),
    )
    organizational_units: list[OuPath] | None = Field(
        default=None,
        min_length=1,
        description=(
            "OU-wide: every account of these AI OUs and of their child OUs gets the workload, "
            "from one StackSet template shared by the accounts of the same layers; bucket names "
            "then contain {account_id}. Exactly one of account and organizational_units."
        ),
    )
    region: Region | None = Field(default=None, description="Default: the home region.")
    training_data_buckets: list[BucketNamePattern] = Field(
        default_factory=list,
        description=(
            "Training-data buckets created here (KMS with the AI key, versioned, access logged, "
            "Macie-scanned, malware-scanned). Permission sets may name only these. {account_id} "
            "and {region} become the account's id and the region; an OU-wide workload needs "
            "{account_id}."
        ),
    )
    artifact_buckets: list[BucketNamePattern] = Field(
        default_factory=list,
        description="Model-artifact buckets created here ({account_id} as for training data).",
    )
    macie_scan_day: Literal[
        "DAILY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"
    ] = Field(
        default="DAILY",
        description="When Macie's scheduled job classifies the training data: daily or weekly.",
    )
    invocation_log_retention_days: Literal[CLOUDWATCH_RETENTION_DAYS] = Field(  # type: ignore[valid-type]
        default=365,
        description="Retention of the model invocation log group (the log archive keeps a copy).",
    )
    alarms: AiAlarmsConfig = Field(default_factory=AiAlarmsConfig)
    agents: AgentIdentityConfig | None = Field(
        default=None, description="Agent identity and authorization. Default: none."
    )
    inference_roles: dict[
        Annotated[str, _matches(r"[a-z][a-z0-9-]{1,30}", "2-31 lowercase letters, digits or '-'")],
        InferenceRoleConfig,
    ] = Field(
        default_factory=dict,
        description=(
            "Name -> application role (bedrock-<name>-<region>) that invokes models only "
            "with the approved guardrail version. Default: none."
        ),
    )


class AiConfig(Strict):
    key_class: DataClassName = Field(
        default="ai-artifacts",
        description=(
            "The keys.classes data class that encrypts guardrails, training data and artifacts; "
            "its services must include bedrock, s3 and sagemaker."
        ),
    )
    guardrail: GuardrailConfig = Field(default_factory=GuardrailConfig)
    workloads: dict[Slug, AiWorkloadConfig] = Field(
        default_factory=dict,
        description="Workload name -> AI account and region. Default: none.",
    )


# --- incident response -------------------------------------------------------------------------

PlaybookName = Literal[
    "isolate_instance", "contain_credentials", "block_network_actor", "s3_exfiltration", "root_use"
]
PLAYBOOKS: tuple[PlaybookName, ...] = (
    "isolate_instance",
    "contain_credentials",
    "block_network_actor",
    "s3_exfiltration",
    "root_use",
)
ResponseMode = Literal["automatic", "approval", "dry_run"]
TierAction = Literal["ticket", "notify", "contain"]
DEFAULT_TIERS: dict[Severity, TierAction] = {
    "LOW": "ticket",
    "MEDIUM": "notify",
    "HIGH": "contain",
    "CRITICAL": "contain",
}
WAF_IP_SET_ADDRESS_LIMIT = 10_000
"""AWS WAF: addresses per IP set (https://docs.aws.amazon.com/waf/latest/developerguide/limits.html)."""
IP_BLOCK_CAP_LIMIT = 4_000
"""Most addresses the block playbook may keep in one IP set: it reads and writes the whole list
through its state, which Step Functions limits to 256 KiB (Step Functions quotas); 4,000 IPv6
/128 entries take about 185 KB."""

_FINDING_TYPE_PATTERN = r"[A-Za-z0-9:/&.!*_-]{3,128}"
FindingTypePattern = Annotated[
    str,
    _matches(
        _FINDING_TYPE_PATTERN,
        "a GuardDuty finding type such as 'Trojan:EC2/DNSDataExfiltration', where '*' matches "
        "any characters",
    ),
    _pattern(_FINDING_TYPE_PATTERN, "A GuardDuty finding type; '*' matches any characters."),
]
_TIMESTAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?Z"
UtcTimestamp = Annotated[
    str,
    _matches(_TIMESTAMP, "a UTC time such as '2027-01-15T22:00Z'"),
    _pattern(_TIMESTAMP, "A UTC time such as 2027-01-15T22:00Z (quote it in YAML)."),
]
_IP_CIDR = r"[0-9a-fA-F:.]{2,39}/[0-9]{1,3}"
IpCidr = Annotated[
    str,
    _matches(_IP_CIDR, "an IPv4 or IPv6 range in CIDR notation such as '203.0.113.0/24'"),
    _pattern(_IP_CIDR, "An IPv4 or IPv6 range in CIDR notation."),
]


class PlaybookConfig(Strict):
    finding_types: list[FindingTypePattern] = Field(
        min_length=1,
        description=(
            "GuardDuty finding types that start this playbook; '*' matches any characters. "
            "Each must match at least one finding type GuardDuty documents."
        ),
    )
    enabled: bool = Field(
        default=True, description="false: matching findings only alert by tier. Default: true."
    )


class ApprovalConfig(Strict):
    timeout_minutes: int = Field(
        default=30,
        ge=5,
        le=1440,
        description="How long an approval waits for an answer. Default: 30.",
    )
    timeout_action: Literal["contain", "dry_run"] | None = Field(
        default=None,
        description=(
            "What happens when nobody answers in time: 'contain' acts as if approved, 'dry_run' "
            "records the plan and changes nothing. Required when any playbook runs in approval "
            "mode (production OUs do by default)."
        ),
    )


class IpBlockConfig(Strict):
    expiry_days: int = Field(
        default=30,
        ge=1,
        le=365,
        description="Days a blocked address stays in the block IP set. Default: 30.",
    )
    cap: int = Field(
        default=IP_BLOCK_CAP_LIMIT,
        ge=1,
        description=(
            f"Most addresses a block IP set holds; a block beyond it is refused and alerts. "
            f"At most {IP_BLOCK_CAP_LIMIT:,} (the workflow carries the whole list in its "
            f"256 KiB state; WAF's own limit is {WAF_IP_SET_ADDRESS_LIMIT:,}). "
            f"Default: {IP_BLOCK_CAP_LIMIT:,}."
        ),
    )
    never_block: list[IpCidr] = Field(
        default_factory=list,
        description=(
            "The organization's own egress ranges, never blocked (private and AWS-owned "
            "addresses never are either). Default: none."
        ),
    )


class MaintenanceWindow(Strict):
    start: UtcTimestamp
    end: UtcTimestamp
    accounts: list[AccountName] = Field(
        default_factory=list,
        description="Accounts the window covers. Default: every account.",
    )
    description: str | None = Field(default=None, max_length=256)


class FireDrillConfig(Strict):
    account: AccountName = Field(
        description=(
            "Account whose GuardDuty detector generates the sample findings; it must not be in a "
            "production OU."
        )
    )
    schedule: str = Field(
        default="cron(0 10 1 * ? *)",
        pattern=r"^cron\(.+\)$",
        description="EventBridge Scheduler cron expression (UTC). Default: 10:00 on the 1st.",
    )
    page_within_seconds: int = Field(
        default=120,
        ge=1,
        le=3600,
        description=(
            "A playbook fails the drill (and the alert topic says so) when a page of its drill "
            "executions came later than this after the finding event. Default: 120."
        ),
    )


class IncidentResponseConfig(Strict):
    """Finding-driven containment run by Step Functions in the security-tooling account."""

    tiers: dict[Severity, TierAction] = Field(
        default_factory=lambda: dict(DEFAULT_TIERS),
        description=(
            "Finding severity -> ticket (an OpsItem and an event), notify (the alert topic) or "
            "contain (run the playbook and page). Default: LOW ticket, MEDIUM notify, HIGH and "
            "CRITICAL contain."
        ),
    )
    playbooks: dict[PlaybookName, PlaybookConfig] = Field(
        default_factory=dict,
        description=(
            "Playbook -> the finding types that start it. A playbook left out keeps its default "
            "finding types (README, Incident response)."
        ),
    )
    modes: dict[str, dict[PlaybookName, ResponseMode]] = Field(
        default_factory=dict,
        description=(
            "OU path or account name -> playbook -> automatic, approval or dry_run. The account, "
            "then its nearest OU, then the default applies: in production OUs approval for "
            "isolate_instance and s3_exfiltration, automatic for the others; automatic "
            "elsewhere."
        ),
    )
    approval: ApprovalConfig = Field(default_factory=ApprovalConfig)
    ip_block: IpBlockConfig = Field(default_factory=IpBlockConfig)
    maintenance_windows: dict[Slug, MaintenanceWindow] = Field(
        default_factory=dict,
        description="Window name -> declared window for root use (a ticket, not a page).",
    )
    fire_drill: FireDrillConfig | None = Field(
        default=None, description="Monthly sample-finding drill. Default: none."
    )
    tabletop_schedule: str = Field(
        default="cron(0 9 1 1,4,7,10 ? *)",
        pattern=r"^cron\(.+\)$",
        description="When the alert topic is reminded that a tabletop is due. Default: quarterly.",
    )


class StackSetOperationsConfig(Strict):
    """How CloudFormation rolls a change of the landing zone's StackSets out to their stack
    instances: the ``OperationPreferences`` of every ``AWS::CloudFormation::StackSet`` (account
    baseline, workload defenses and shapes). Ranges as CloudFormation documents them:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudformation-stackset-operationpreferences.html
    (and the API reference's StackSetOperationPreferences). Automatic deployments to accounts
    that join a targeted OU do not use them ("StackSetOperationPreferences don't apply to
    AutoDeployment")."""

    max_concurrent_percentage: int = Field(
        default=25,
        ge=1,
        le=100,
        description=(
            "Percentage of a region's accounts deployed at a time, 1-100 (CloudFormation rounds "
            "down, to at least one account). Default 25."
        ),
    )
    failure_tolerance_percentage: int = Field(
        default=10,
        ge=0,
        le=100,
        description=(
            "Percentage of a region's accounts that may fail before the operation stops in that "
            "region, 0-100 (rounded down). Default 10. It does not throttle the concurrency "
            "(ConcurrencyMode SOFT_FAILURE_TOLERANCE)."
        ),
    )
    region_concurrency: Literal["PARALLEL", "SEQUENTIAL"] = Field(
        default="PARALLEL",
        description=(
            "PARALLEL: every region at once (default). SEQUENTIAL: one region after the other, "
            "so a faulty change stops in the first region, at the cost of time per region."
        ),
    )
    region_order: list[Region] = Field(
        default_factory=list,
        description=(
            "SEQUENTIAL only: regions deployed first, in this order; a StackSet's other regions "
            "follow in their usual order and listed regions it does not target are skipped. "
            "Default: the order of the StackSet's regions."
        ),
    )

    @field_validator("region_order")
    @classmethod
    def _region_order_is_sequential(cls, value: list[str], info: ValidationInfo) -> list[str]:
        duplicates = sorted({region for region in value if value.count(region) > 1})
        if duplicates:
            raise PydanticCustomError(
                "duplicate_region",
                "lists {duplicates} more than once; allowed: each region once",
                {"duplicates": ", ".join(duplicates)},
            )
        # Absent from info.data when region_concurrency itself was rejected.
        concurrency = info.data.get("region_concurrency")
        if value and concurrency == "PARALLEL":
            raise PydanticCustomError(
                "region_order_without_sequential",
                "is set while region_concurrency is {concurrency}; allowed: a region order "
                "with region_concurrency SEQUENTIAL only (parallel regions have no order)",
                {"concurrency": concurrency},
            )
        return value

    def stack_set_props(self) -> StackSetOperationProps:
        """These preferences as the keyword arguments of
        :class:`~landing_zone.baseline.BaselineStackSet`."""
        # Imported here: cdk_stacksets starts the jsii runtime, which the model does not need.
        from cdk_stacksets import RegionConcurrencyType

        return {
            "max_concurrent_percentage": self.max_concurrent_percentage,
            "failure_tolerance_percentage": self.failure_tolerance_percentage,
            "region_concurrency": RegionConcurrencyType[self.region_concurrency],
            "region_order": tuple(self.region_order),
        }


class DeliveryConfig(Strict):
    """How changes reach the organization (see the README, Deploying for real)."""

    stackset_operations: StackSetOperationsConfig = Field(
        default_factory=StackSetOperationsConfig,
        description=(
            "OperationPreferences of every StackSet the landing zone deploys (max concurrent "
            "and failure tolerance percentages, region concurrency and order)."
        ),
    )


class LandingZoneConfig(Strict):
    version: Literal[1] = Field(description="Config format version.")
    organization: OrganizationSettings
    organizational_units: dict[OuPath, OrganizationalUnit] = Field(
        description="OU path -> OU. Parents are listed explicitly; depth at most 5."
    )
    accounts: dict[AccountName, Account] = Field(
        min_length=1, description="Account name -> account."
    )
    core_accounts: CoreAccounts
    guardrails: GuardrailsConfig = Field(default_factory=GuardrailsConfig)
    baselines: BaselinesConfig
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    identity: IdentityConfig | None = Field(
        default=None, description="Identity Center, CI/CD roles, IAM hygiene. Default: none."
    )
    keys: KeysConfig = Field(default_factory=KeysConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    edge: EdgeConfig = Field(default_factory=EdgeConfig)
    ai: AiConfig = Field(default_factory=AiConfig)
    incident_response: IncidentResponseConfig | None = Field(
        default=None,
        description="Finding-driven containment playbooks. Default: none (detection only).",
    )
    tags: dict[TagKey, TagValue] = Field(
        default_factory=dict, description="Tags applied to every resource that takes tags."
    )
    delivery: DeliveryConfig = Field(
        default_factory=DeliveryConfig,
        description="Rollout of changes: StackSet operation preferences. Default: as documented.",
    )

    def core_account_id(
        self,
        role: Literal[
            "management", "log_archive", "security_tooling", "network", "shared_services"
        ],
    ) -> str:
        """The id of the account playing a core role; validated configs always have it."""
        account_id = self.accounts[getattr(self.core_accounts, role)].id
        if account_id is None:
            raise ValueError(f"core account {role} has no id; validate the config first")
        return account_id

    def baseline_regions(self) -> list[str]:
        return list(self.baselines.regions or self.organization.governed_regions)
