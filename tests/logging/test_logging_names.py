"""names: the log archive's names, derived from config by every stack alike."""

from __future__ import annotations

import pytest
from aws_cdk import App, Aws, Stack

from landing_zone.logging import names

ORG = "acme"
ACCOUNT = "222222222222"


def _resolve(value: str) -> object:
    return Stack(App(), "Names").resolve(value)


def test_bucket_names_follow_the_documented_scheme() -> None:
    assert names.log_bucket_name(ORG, ACCOUNT) == "acme-logs-222222222222"
    assert names.access_log_bucket_name(ORG, ACCOUNT) == "acme-s3-access-logs-222222222222"
    assert names.config_bucket_name(ORG, ACCOUNT) == "acme-config-222222222222"


def test_longest_organization_name_keeps_every_bucket_name_within_63_characters() -> None:
    longest = "a" * 32
    for name in (
        names.log_bucket_name(longest, ACCOUNT),
        names.access_log_bucket_name(longest, ACCOUNT),
        names.config_bucket_name(longest, ACCOUNT),
    ):
        assert len(name) <= 63, name


def test_key_alias_and_its_arn_name_the_log_archive_account_and_region() -> None:
    assert names.logs_key_alias(ORG) == "alias/acme/logs"
    assert _resolve(names.logs_key_alias_arn(ORG, ACCOUNT, "eu-central-1")) == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":kms:eu-central-1:222222222222:alias/acme/logs"],
        ]
    }


def test_trail_name_and_arn() -> None:
    assert names.organization_trail_name(ORG) == "acme-organization-trail"
    assert _resolve(names.organization_trail_arn(ORG, "111111111111", "eu-west-1")) == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":cloudtrail:eu-west-1:111111111111:trail/acme-organization-trail",
            ],
        ]
    }


def test_prefixes_are_one_folder_per_writing_service() -> None:
    prefixes = [
        names.CLOUDTRAIL_PREFIX,
        names.CONFIG_PREFIX,
        names.FLOW_LOGS_PREFIX,
        names.BEDROCK_PREFIX,
        names.GUARDDUTY_PREFIX,
    ]
    assert prefixes == ["cloudtrail", "config", "flow-logs", "bedrock", "guardduty"]


def test_tokens_pass_for_deploy_time_values() -> None:
    assert _resolve(names.log_bucket_name(ORG, Aws.ACCOUNT_ID)) == {
        "Fn::Join": ["", ["acme-logs-", {"Ref": "AWS::AccountId"}]]
    }


@pytest.mark.parametrize(
    "organization_name", ["a", "Acme", "acme_corp", "1acme", "acme-", "a" * 33, "xn--acme"]
)
def test_rejects_organization_names_that_cannot_name_a_bucket(organization_name: str) -> None:
    with pytest.raises(ValueError, match=f"organization_name: {organization_name!r}"):
        names.log_bucket_name(organization_name, ACCOUNT)


@pytest.mark.parametrize("account", ["22222222222", "2222222222222", "acme"])
def test_rejects_malformed_account_ids(account: str) -> None:
    with pytest.raises(ValueError, match=f"account id: {account!r}"):
        names.organization_trail_arn(ORG, account, "eu-west-1")


def test_rejects_malformed_regions() -> None:
    with pytest.raises(ValueError, match="region: 'Europe'"):
        names.logs_key_alias_arn(ORG, ACCOUNT, "Europe")
