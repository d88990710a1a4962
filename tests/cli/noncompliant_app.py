"""A deliberately non-compliant app: proves synth fails closed on a finding through the real CLI."""

from aws_cdk import App, Environment, RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3

from landing_zone.compliance import apply_compliance_checks

app = App()
stack = Stack(app, "Noncompliant", env=Environment(account="111111111111", region="eu-west-1"))
s3.Bucket(stack, "Unretained", removal_policy=RemovalPolicy.DESTROY)
apply_compliance_checks(app)
app.synth()
