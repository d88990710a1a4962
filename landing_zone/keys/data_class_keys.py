"""One customer managed key per data class, so a key policy names only the services of its data
and revoking one class's access never touches another's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from constructs import Construct

from landing_zone.common.protection import DEFAULT_LANDING_ZONE_PRINCIPALS
from landing_zone.keys.data_class_key import DataClassKey, DataClassKeySettings, check_name

DEFAULT_DATA_CLASSES: Mapping[str, DataClassKeySettings] = {
    "logs": DataClassKeySettings(services=("logs", "s3")),
    "data": DataClassKeySettings(services=("dynamodb", "ec2", "rds", "s3", "sns", "sqs")),
    "secrets": DataClassKeySettings(services=("secretsmanager", "ssm")),
    "ai-artifacts": DataClassKeySettings(services=("bedrock", "s3", "sagemaker")),
}
"""The reference data classes: logs (CloudWatch Logs, S3), data at rest (S3, EBS, RDS, DynamoDB,
SNS, SQS), secrets (Secrets Manager, SSM Parameter Store) and AI artifacts (S3, SageMaker,
Bedrock), each rotated yearly with a 30-day deletion window."""


class DataClassKeys(Construct):
    """A :class:`DataClassKey` per data class, with the construct id of the class in PascalCase
    (``ai-artifacts`` → ``AiArtifacts``), so adding or removing a class never replaces another
    class's key."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias_prefix: str,
        classes: Mapping[str, DataClassKeySettings] = DEFAULT_DATA_CLASSES,
        landing_zone_principals: Sequence[str] = DEFAULT_LANDING_ZONE_PRINCIPALS,
    ) -> None:
        """
        :param alias_prefix: First part of each alias, such as the organization name ``acme``
            (aliases ``alias/acme/<data class>``).
        :param classes: Settings per data class name. Default: ``DEFAULT_DATA_CLASSES``
            (``logs``, ``data``, ``secrets``, ``ai-artifacts``).
        :param landing_zone_principals: Role ARN patterns that may still change the keys (see
            ``DataClassKey``). Default: ``DEFAULT_LANDING_ZONE_PRINCIPALS``.
        """
        super().__init__(scope, construct_id)
        if not classes:
            raise ValueError("classes: got no data class; allowed: one or more")
        self.keys: dict[str, DataClassKey] = {}
        """The ``DataClassKey`` of each data class, by data class name; ``key_for`` returns one."""
        for data_class, settings in classes.items():
            check_name("classes", data_class)
            self.keys[data_class] = DataClassKey.from_settings(
                self,
                _construct_id(data_class),
                data_class=data_class,
                alias_prefix=alias_prefix,
                settings=settings,
                landing_zone_principals=landing_zone_principals,
            )

    def key_for(self, data_class: str) -> DataClassKey:
        """The key of ``data_class``."""
        try:
            return self.keys[data_class]
        except KeyError:
            raise ValueError(
                f"data_class: got {data_class!r}; allowed: {', '.join(sorted(self.keys))}"
            ) from None


def _construct_id(data_class: str) -> str:
    return "".join(part.capitalize() for part in data_class.split("-"))
