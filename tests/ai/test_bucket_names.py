"""Bucket-name patterns: ``{account_id}`` and ``{region}`` filled in per account, checked at
their worst case, never an account id in a construct id."""

from __future__ import annotations

import pytest
from aws_cdk import Aws, Stack

from landing_zone.ai.bucket_names import (
    bounded_pattern,
    expand,
    id_name,
    is_pattern,
    substitute,
    validate_pattern,
    worst_case,
)
from landing_zone.ai.training_data import check_bucket_names
from landing_zone.common.naming import MAX_IAM_NAME, bounded_name


def test_a_literal_name_is_not_a_pattern_and_stays_as_it_is() -> None:
    name = "acme-pay-ml-training-data-888888888888"
    assert not is_pattern(name)
    assert expand(name) == name
    assert id_name(name) == name
    assert worst_case(name) == name
    assert validate_pattern("buckets[0]", name) == name


def test_expand_puts_the_pseudo_parameters_in_place_of_the_placeholders() -> None:
    stack = Stack()
    rendered = stack.resolve(expand("acme-{region}-ml-{account_id}"))
    assert rendered == {
        "Fn::Join": [
            "",
            ["acme-", {"Ref": "AWS::Region"}, "-ml-", {"Ref": "AWS::AccountId"}],
        ]
    }


def test_substitute_takes_any_text_for_the_placeholders() -> None:
    assert (
        substitute("acme-{account_id}-{region}", account_id="${aws:PrincipalAccount}", region="r")
        == "acme-${aws:PrincipalAccount}-r"
    )


def test_worst_case_counts_12_digits_and_the_longest_region() -> None:
    assert worst_case("a-{account_id}") == "a-123456789012"
    # 14 characters, as long as ap-southeast-1, when the regions are not known.
    assert len(worst_case("{region}")) == 14
    assert worst_case("a-{region}", regions=["eu-west-1", "eu-central-1"]) == "a-eu-central-1"


def test_construct_id_names_have_no_account_id_and_are_stable() -> None:
    assert id_name("acme-ml-{account_id}") == "acme-ml-account-id"
    assert id_name("acme-{region}-ml-{account_id}") == "acme-region-ml-account-id"


@pytest.mark.parametrize(
    "name",
    [
        "acme-pay-ml-training-{account_id}",
        "{account_id}-training",
        "acme-{region}-{account_id}",
        "acme.{account_id}.data",
        # 51 + 12 = 63: exactly the longest name S3 allows.
        "a" * 50 + "-{account_id}",
    ],
)
def test_accepts_valid_patterns(name: str) -> None:
    assert validate_pattern("training_data_buckets[0]", name) == name


@pytest.mark.parametrize(
    ("name", "regions", "match"),
    [
        # The 12 digits, not the placeholder's 12 characters, nor a token's length, count.
        ("a" * 51 + "-{account_id}", (), r"as 'a{51}-123456789012' in some account"),
        # A region is counted at 14 characters unless the regions are given ...
        ("a" * 36 + "-{region}-{account_id}", (), "is not an S3 bucket name"),
        ("{account_id}-{region}", ["eu-west-1", "US-EAST-1"], "US-EAST-1"),
        ("acme-{account}", (), r"holds '\{account\}'; allowed: .*\{account_id\} and \{region\}"),
        ("acme-{ACCOUNT_ID}", (), r"holds '\{ACCOUNT_ID\}'"),
        ("acme-{account_id", (), r"holds '\{'"),
        ("acme-account_id}", (), r"holds '\}'"),
        ("acme-${AWS::AccountId}", (), r"holds '\{AWS::AccountId\}'"),
        ("a-{account_id}-{account_id}", (), r"holds \{account_id\} 2 times"),
        ("a-{region}-{region}-{account_id}", (), r"holds \{region\} 2 times"),
        # What a placeholder becomes must still make a valid name with its neighbours.
        ("acme.-{account_id}", (), "is not an S3 bucket name"),
        ("acme-{region}.-x", (), "is not an S3 bucket name"),
        ("{account_id}.1.2.3", (), "is not an S3 bucket name"),
        ("Acme-{account_id}", (), "is not an S3 bucket name"),
        ("xn--{account_id}", (), "is not an S3 bucket name"),
        ("acme_{account_id}", (), "is not an S3 bucket name"),
    ],
)
def test_rejects_invalid_patterns(name: str, regions: list[str], match: str) -> None:
    with pytest.raises(ValueError, match=rf"^artifact_buckets\[2\]: .*{match}"):
        validate_pattern("artifact_buckets[2]", name, regions=regions)


def test_regions_given_are_each_checked() -> None:
    name = "a" * 37 + "-{region}-{account_id}"
    # 37 + 1 + 9 + 1 + 12 = 60 with eu-west-1; 63 with eu-central-1 ...
    assert validate_pattern("p", name, regions=["eu-west-1", "eu-central-1"]) == name
    # ... but 65 with ap-southeast-1.
    with pytest.raises(ValueError, match="ap-southeast-1"):
        validate_pattern("p", name, regions=["eu-west-1", "ap-southeast-1"])


def test_rejects_what_is_not_text() -> None:
    with pytest.raises(ValueError, match=r"^p: got 12; allowed: a bucket name"):
        validate_pattern("p", 12)  # type: ignore[arg-type]


def test_bounded_pattern_cuts_a_literal_name_as_before() -> None:
    name = "lz-s3-scan-" + "b" * 60
    assert bounded_pattern(name, MAX_IAM_NAME) == bounded_name(name, MAX_IAM_NAME)
    assert bounded_pattern("lz-s3-scan-short", MAX_IAM_NAME) == "lz-s3-scan-short"


def test_bounded_pattern_keeps_a_pattern_that_fits_at_its_worst_case() -> None:
    # 11 + 41 + 12 = 64.
    name = "lz-s3-scan-" + "b" * 40 + "-{account_id}"
    assert bounded_pattern(name, MAX_IAM_NAME) == name


def test_bounded_pattern_shortens_the_literal_text_never_a_placeholder() -> None:
    name = "lz-s3-scan-" + "b" * 41 + "-{region}-{account_id}"
    bounded = bounded_pattern(name, MAX_IAM_NAME)
    assert bounded.endswith("-{region}-{account_id}")
    assert len(worst_case(bounded)) <= MAX_IAM_NAME
    assert bounded.startswith("lz-s3-scan-bbb")
    # Stable, and two long names with the same start stay apart.
    assert bounded_pattern(name, MAX_IAM_NAME) == bounded
    other = bounded_pattern(name.replace("{region}-", "x-{region}-"), MAX_IAM_NAME)
    assert other != bounded
    # The region counts at its longest, as given.
    short = bounded_pattern(name, MAX_IAM_NAME, regions=["eu-west-1"])
    assert len(worst_case(short, regions=["eu-west-1"])) == MAX_IAM_NAME
    assert len(short) > len(bounded)


def test_training_data_takes_patterns_and_checks_them() -> None:
    assert check_bucket_names(["acme-ml-{account_id}"], ["acme-art-{region}-{account_id}"]) == (
        ("acme-ml-{account_id}",),
        ("acme-art-{region}-{account_id}",),
    )
    with pytest.raises(
        ValueError, match=r"^training_data_bucket_names\[0\]: 'acme-\{acct\}' holds"
    ):
        check_bucket_names(["acme-{acct}"], [])
    with pytest.raises(ValueError, match=r"^training_data_bucket_names\[0\]: got .*not a token"):
        check_bucket_names([f"acme-{Aws.ACCOUNT_ID}"], [])


def test_training_data_rejects_a_name_whose_construct_id_a_pattern_already_has() -> None:
    with pytest.raises(ValueError, match=r"'acme-\{account_id\}' and 'acme-account-id' differ"):
        check_bucket_names(["acme-{account_id}"], ["acme-account-id"])
