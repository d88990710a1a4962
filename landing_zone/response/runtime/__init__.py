"""Code of the response Lambda functions (the asset): the triage's decision logic and handlers.

Standard library and boto3 only, which the Lambda Python runtime provides: nothing here may
import aws_cdk, pydantic or the rest of ``landing_zone``.
"""
