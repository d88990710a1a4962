"""CloudFormation's pseudo parameters as CDK tokens, read from aws-cdk-lib once.

``Aws.ACCOUNT_ID`` and its siblings are static properties of a jsii class: every read is a round
trip to Node (some 850 in the reference landing zone). Their values are tokens created once when
aws-cdk-lib loads, so reading them once here gives the same strings, and templates do not change.
"""

from __future__ import annotations

from typing import Final

from aws_cdk import Aws

ACCOUNT_ID: Final[str] = Aws.ACCOUNT_ID
PARTITION: Final[str] = Aws.PARTITION
REGION: Final[str] = Aws.REGION
URL_SUFFIX: Final[str] = Aws.URL_SUFFIX
STACK_ID: Final[str] = Aws.STACK_ID
