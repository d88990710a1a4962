"""Fintech landing zone for AWS: CDK constructs for a regulated multi-account organization."""
