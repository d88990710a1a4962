"""Encryption props for the L2 constructs that hold data, so none falls back to an AWS owned or
AWS managed key: each function takes a customer managed key and returns keyword arguments to
pass to the construct, e.g. ``s3.Bucket(self, "Bucket", **bucket_encryption(key))``.

The services must be able to use the key: give it a :class:`~landing_zone.keys.DataClassKey`
whose ``services`` name the construct's service. Each function takes the ``DataClassKey`` itself
or any ``kms.IKey`` (``key_input.as_key``) and raises ``TypeError`` for anything else.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs

from landing_zone.keys.key_input import KeyInput, as_key


def bucket_encryption(key: KeyInput) -> dict[str, Any]:
    """``s3.Bucket`` props: SSE-KMS with ``key`` and an S3 Bucket Key (fewer KMS calls), and a
    bucket policy that denies requests without TLS 1.2 or later."""
    key = as_key("key", key)
    return {
        "encryption": s3.BucketEncryption.KMS,
        "encryption_key": key,
        "bucket_key_enabled": True,
        "enforce_ssl": True,
        "minimum_tls_version": 1.2,
    }


def log_group_encryption(key: KeyInput) -> dict[str, Any]:
    """``logs.LogGroup`` props; the key policy must let ``logs.<region>.amazonaws.com`` use the
    key (``DataClassKey`` with service ``logs``)."""
    key = as_key("key", key)
    return {"encryption_key": key}


def topic_encryption(key: KeyInput) -> dict[str, Any]:
    """``sns.Topic`` props: server-side encryption with ``key``, and a topic policy that denies
    publishing without TLS."""
    key = as_key("key", key)
    return {"master_key": key, "enforce_ssl": True}


def queue_encryption(key: KeyInput) -> dict[str, Any]:
    """``sqs.Queue`` props: SSE-KMS with ``key``, and a queue policy that denies requests
    without TLS."""
    key = as_key("key", key)
    return {
        "encryption": sqs.QueueEncryption.KMS,
        "encryption_master_key": key,
        "enforce_ssl": True,
    }


def table_encryption(key: KeyInput) -> dict[str, Any]:
    """``dynamodb.Table`` props: encryption with the customer managed ``key``."""
    key = as_key("key", key)
    return {"encryption": dynamodb.TableEncryption.CUSTOMER_MANAGED, "encryption_key": key}


def volume_encryption(key: KeyInput) -> dict[str, Any]:
    """``ec2.Volume`` props: an encrypted EBS volume with ``key``."""
    key = as_key("key", key)
    return {"encrypted": True, "encryption_key": key}


def rds_encryption(key: KeyInput) -> dict[str, Any]:
    """``rds.DatabaseInstance`` or ``rds.DatabaseCluster`` props: storage encrypted with
    ``key``."""
    key = as_key("key", key)
    return {"storage_encrypted": True, "storage_encryption_key": key}


def secret_encryption(key: KeyInput) -> dict[str, Any]:
    """``secretsmanager.Secret`` props: the secret value encrypted with ``key``."""
    key = as_key("key", key)
    return {"encryption_key": key}


def sagemaker_kms_key_id(key: KeyInput) -> str:
    """The ``KmsKeyId`` of SageMaker resources (notebook instances, endpoint configs, training
    output): the key's ARN, which SageMaker accepts in every place a key id goes, also from
    another account."""
    key = as_key("key", key)
    return key.key_arn
