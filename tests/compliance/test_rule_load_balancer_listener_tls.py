from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, CfnResource, Stack
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from cdk_nag import NagRuleCompliance
from fintech_view import view

from landing_zone.compliance import FintechChecks, violations
from landing_zone.compliance.rules import load_balancer_listener_tls

RULE = "Fintech-LoadBalancerListenerTls"
LB = "arn:aws:elasticloadbalancing:eu-west-1:666666666666:loadbalancer/app/api/0123456789abcdef"
CERT = "arn:aws:acm:eu-west-1:666666666666:certificate/1234abcd-12ab-34cd-56ef-1234567890ab"
FORWARD = {"Type": "forward", "TargetGroupArn": LB.replace("loadbalancer", "targetgroup")}
REDIRECT = {
    "Type": "redirect",
    "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
}


@pytest.fixture
def stack() -> Stack:
    return Stack(App(builtin_cloud_formation_validation=False), "Test")


def _listener(**properties: Any) -> Callable[[Stack], CfnResource]:
    return lambda stack: CfnResource(
        stack,
        "Listener",
        type="AWS::ElasticLoadBalancingV2::Listener",
        properties={"LoadBalancerArn": LB, "DefaultActions": [FORWARD], **properties},
    )


def _https(policy: str | None) -> Callable[[Stack], CfnResource]:
    extra = {} if policy is None else {"SslPolicy": policy}
    return _listener(Protocol="HTTPS", Port=443, Certificates=[{"CertificateArn": CERT}], **extra)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_https("ELBSecurityPolicy-TLS13-1-2-2021-06"), id="tls13-1-2"),
        pytest.param(_https("ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04"), id="tls13-1-3-fips"),
        pytest.param(_https("ELBSecurityPolicy-TLS-1-2-Ext-2018-06"), id="tls-1-2-ext"),
        pytest.param(_https("ELBSecurityPolicy-FS-1-2-Res-2020-10"), id="fs-1-2-res"),
        pytest.param(
            _listener(Protocol="TLS", Port=443, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06"),
            id="nlb-tls",
        ),
        pytest.param(_listener(Protocol="HTTP", Port=80, DefaultActions=[REDIRECT]), id="redirect"),
    ],
)
def test_tls_1_2_and_http_redirects_are_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert load_balancer_listener_tls(view(build(stack))) == NagRuleCompliance.COMPLIANT


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(_https(None), id="default-policy"),
        pytest.param(_https("ELBSecurityPolicy-2016-08"), id="2016-08"),
        pytest.param(_https("ELBSecurityPolicy-TLS-1-1-2017-01"), id="tls-1-1"),
        pytest.param(_https("ELBSecurityPolicy-TLS13-1-0-2021-06"), id="tls13-1-0"),
        pytest.param(_https("ELBSecurityPolicy-FS-2018-06"), id="fs-2018"),
        pytest.param(_listener(Protocol="HTTP", Port=80), id="plain-http-forward"),
        pytest.param(
            _listener(
                Protocol="HTTP",
                Port=80,
                DefaultActions=[{**REDIRECT, "RedirectConfig": {"Protocol": "HTTP"}}],
            ),
            id="redirect-to-http",
        ),
        pytest.param(_listener(Protocol="HTTP", Port=80, DefaultActions=[]), id="no-action"),
    ],
)
def test_old_tls_and_plain_http_are_non_compliant(
    stack: Stack, build: Callable[[Stack], CfnResource]
) -> None:
    assert load_balancer_listener_tls(view(build(stack))) == NagRuleCompliance.NON_COMPLIANT


def test_pass_through_listeners_are_not_applicable(stack: Stack) -> None:
    assert (
        load_balancer_listener_tls(view(_listener(Protocol="TCP", Port=443)(stack)))
        == NagRuleCompliance.NOT_APPLICABLE
    )


def test_a_policy_from_a_parameter_cannot_be_checked(stack: Stack) -> None:
    policy = CfnParameter(stack, "Policy").value_as_string
    resource = view(_https(policy)(stack))
    with pytest.raises(TypeError):
        load_balancer_listener_tls(resource)


def test_the_pack_reports_an_l2_listener_with_the_default_policy(stack: Stack) -> None:
    elbv2.CfnListener(
        stack,
        "Old",
        load_balancer_arn=LB,
        port=443,
        protocol="HTTPS",
        certificates=[elbv2.CfnListener.CertificateProperty(certificate_arn=CERT)],
        ssl_policy="ELBSecurityPolicy-2016-08",
        default_actions=[elbv2.CfnListener.ActionProperty(type="forward", target_group_arn=LB)],
    )
    found = violations(stack, packs=[FintechChecks()])
    assert any(entry.startswith(f"{RULE}:") for entry in found["Fintech"]), found
