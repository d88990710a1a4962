"""Code of the detection Lambda functions (the asset): the Macie member enrolment.

Standard library and boto3 only, which the Lambda Python runtime provides: nothing here may
import aws_cdk, pydantic or the rest of ``landing_zone``.
"""
